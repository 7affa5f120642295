"""Payment Entry doc events."""


def on_cancel(doc, method=None) -> None:
	"""A Payment Entry made from an Amazon Settlement: cancelling it re-opens the settlement's lines."""
	if doc.get("amazon_settlement"):
		from amazon_integration.erpnext.settlements import reopen_payment_lines

		reopen_payment_lines(doc)
