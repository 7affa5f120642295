"""Delivery Note doc events: Amazon's fields, the carrier and tracking rule, and queueing the confirmation."""

import frappe
from frappe import _

from amazon_integration.domain.shipments import ShipmentError
from amazon_integration.erpnext.texts import translated


def before_validate(doc, method=None) -> None:
	"""A partial delivery carries its product units' share of every charge and of the tax (before ERPNext
	computes totals)."""
	from amazon_integration.erpnext.charges import follow_product_units
	from amazon_integration.erpnext.invoices import prorate_amazon_taxes

	follow_product_units(doc)
	prorate_amazon_taxes(doc)


def validate(doc, method=None) -> None:
	"""Tie a Delivery Note made from an Amazon order to that order, and propose the account's carrier."""
	if doc.is_return:
		return
	sales_orders = {row.against_sales_order for row in doc.items if row.against_sales_order}
	amazon = [
		so
		for so in (
			frappe.db.get_value(
				"Sales Order", name, ["amazon_order_id", "amazon_account", "amazon_fulfillment_channel"], as_dict=True
			)
			for name in sales_orders
		)
		if so and so.amazon_order_id
	]
	if not amazon:
		return
	if len({so.amazon_order_id for so in amazon}) > 1 or len(sales_orders) > 1:
		# One confirmation to Amazon covers one order: a shipment cannot mix orders.
		frappe.throw(
			_("A Delivery Note of an Amazon order can ship that order only: split it by Sales Order."),
			title=_("Several Amazon Orders"),
		)
	so = amazon[0]
	doc.amazon_order_id = so.amazon_order_id
	doc.amazon_account = so.amazon_account
	doc.amazon_fulfillment_channel = so.amazon_fulfillment_channel
	if so.amazon_fulfillment_channel == "FBM" and not (doc.amazon_carrier or doc.amazon_carrier_name):
		doc.amazon_carrier = frappe.db.get_value("Amazon Account", so.amazon_account, "default_carrier")


def before_submit(doc, method=None) -> None:
	"""An FBM shipment goes to Amazon: it needs a carrier and a tracking number, and items Amazon knows."""
	if not _is_fbm_shipment(doc) or doc.amazon_sync_status:
		return  # FBA, a return, or already settled with Amazon (shipped outside ERPNext)
	from amazon_integration.erpnext.shipments import plan_delivery

	missing = [
		label
		for label, present in (
			(_("{0} (or {1})").format(_("Carrier"), _("Carrier Name")), doc.amazon_carrier or doc.amazon_carrier_name),
			(_("Tracking Number"), (doc.amazon_tracking_number or "").strip()),
		)
		if not present
	]
	if missing:
		frappe.throw(
			_(
				"Amazon must be told how order {0} ships: fill in {1} in the Amazon section at the top of the "
				"Details tab, then submit again."
			).format(frappe.bold(doc.amazon_order_id), (" " + _("and") + " ").join(frappe.bold(label) for label in missing)),
			title=_("Carrier and Tracking Number Required"),
		)
	try:
		plan_delivery(doc, package_sequence=1)
	except ShipmentError as e:
		frappe.throw(translated(e), title=_("Cannot Confirm to Amazon"))


def on_submit(doc, method=None) -> None:
	if not _is_fbm_shipment(doc):
		return
	if frappe.db.get_value("Amazon Account", doc.amazon_account, "invoice_fbm_deliveries"):
		_invoice(doc)
	if doc.amazon_sync_status:
		return  # already settled with Amazon (shipped outside ERPNext)
	# Amazon hears of the shipment in the background, right after the commit.
	doc.db_set({"amazon_sync_status": "Pending", "amazon_sync_error": None}, update_modified=False)
	from amazon_integration.erpnext.jobs import SHIPMENT_SYNC

	SHIPMENT_SYNC.enqueue(doc.amazon_account, include_failed=False)


def _invoice(doc) -> None:
	"""Invoice what shipped; an invoice ERPNext refuses must not stop the shipment, so say so and go on."""
	from amazon_integration.erpnext.invoices import try_make_invoice

	problem = try_make_invoice(doc)
	if problem:
		frappe.msgprint(problem + " " + _("Make it by hand."), title=_("No Invoice"), indicator="orange")


def on_cancel(doc, method=None) -> None:
	if doc.amazon_sync_status == "Synchronized" and doc.amazon_fulfillment_channel == "FBM":
		frappe.msgprint(
			_(
				"Amazon accepted this shipment of order {0} and is not told that it was cancelled here. "
				"Correct it in Seller Central if the goods did not ship."
			).format(frappe.bold(doc.amazon_order_id)),
			title=_("Amazon Not Told"),
			indicator="orange",
		)
	elif doc.amazon_sync_status in ("Pending", "Failed"):
		# Never sent (or refused): nothing to confirm any more.
		doc.db_set({"amazon_sync_status": None, "amazon_sync_unconfirmed": 0}, update_modified=False)


def _is_fbm_shipment(doc) -> bool:
	return bool(doc.amazon_order_id) and doc.amazon_fulfillment_channel == "FBM" and not doc.is_return
