"""Sales Order doc events for Multi-Channel Fulfilment: send chosen items to Amazon on submit, and keep an order
Amazon is still fulfilling from being cancelled in ERPNext alone."""

import frappe
from frappe import _

OPEN = ("Received", "Planning", "Processing")


def on_submit(doc, method=None) -> None:
	"""A non-Amazon order whose items all have an automatic FBA mapping goes to Amazon (a background job)."""
	if doc.get("amazon_order_id") or doc.get("amazon_mcf_order"):
		return
	from amazon_integration.erpnext.outbound import automatic_account
	from amazon_integration.erpnext.jobs import MCF_CREATE

	account = automatic_account(doc)
	if account:
		MCF_CREATE.enqueue(doc.name, account=account)


def before_cancel(doc, method=None) -> None:
	if doc.get("amazon_mcf_order") and doc.get("amazon_mcf_status") in OPEN:
		frappe.throw(
			_("Amazon is fulfilling this order ({0}, {1}): cancel the Amazon fulfilment first.").format(
				doc.amazon_mcf_order, _(doc.amazon_mcf_status)
			),
			title=_("Fulfilment by Amazon"),
		)
