"""Sales Invoice doc events."""


def before_validate(doc, method=None) -> None:
	"""An invoice of part of an Amazon order carries only its share of the order's tax."""
	from amazon_integration.erpnext.invoices import prorate_amazon_taxes

	prorate_amazon_taxes(doc)
