"""Sales Invoice doc events."""


def before_validate(doc, method=None) -> None:
	"""An invoice of part of an Amazon order carries its product units' share of every charge and of the tax."""
	from amazon_integration.erpnext.charges import follow_product_units
	from amazon_integration.erpnext.invoices import prorate_amazon_taxes

	follow_product_units(doc)
	prorate_amazon_taxes(doc)


def on_submit(doc, method=None) -> None:
	"""An invoice or credit note of an order whose marketplace takes seller invoices goes to Amazon."""
	from amazon_integration.erpnext.vat_invoices import queue_upload

	queue_upload(doc)
