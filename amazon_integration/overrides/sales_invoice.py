"""Sales Invoice doc events."""


def before_validate(doc, method=None) -> None:
	"""An invoice of part of an Amazon order carries its product units' share of every charge and of the tax."""
	from amazon_integration.erpnext.charges import follow_product_units
	from amazon_integration.erpnext.invoices import prorate_amazon_taxes

	follow_product_units(doc)
	prorate_amazon_taxes(doc)
