"""Whitelisted methods of the desk that are not a document's own (permission-checked here)."""

import frappe

from amazon_integration.erpnext.account_client import interactive_calls
from amazon_integration.erpnext.shipments import retry_delivery as _retry_delivery
from amazon_integration.erpnext.vat_invoices import retry_upload as _retry_upload


@frappe.whitelist(methods=["POST"])
def retry_delivery(delivery_note: str) -> str:
	frappe.get_doc("Delivery Note", delivery_note).check_permission("submit")
	with interactive_calls():  # a user waits on the form
		return _retry_delivery(delivery_note)


@frappe.whitelist(methods=["POST"])
def retry_invoice_upload(sales_invoice: str) -> str:
	frappe.get_doc("Sales Invoice", sales_invoice).check_permission("submit")
	return _retry_upload(sales_invoice)


# --- Multi-Channel Fulfilment (Sales Order form) ------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def mcf_preview(sales_order: str, account: str) -> list[dict]:
	from amazon_integration.erpnext.outbound import preview

	frappe.get_doc("Sales Order", sales_order).check_permission("write")
	with interactive_calls():
		return preview(sales_order, account)


@frappe.whitelist(methods=["POST"])
def mcf_create(sales_order: str, account: str, speed: str) -> str:
	from amazon_integration.erpnext.outbound import create

	frappe.get_doc("Sales Order", sales_order).check_permission("write")
	with interactive_calls():
		return create(sales_order, account, speed)


@frappe.whitelist(methods=["POST"])
def mcf_cancel(sales_order: str) -> str:
	from amazon_integration.erpnext.outbound import cancel

	frappe.get_doc("Sales Order", sales_order).check_permission("write")
	with interactive_calls():
		return cancel(sales_order)


# --- Amazon Buy Shipping labels (Delivery Note form) ----------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def get_label_rates(delivery_note: str, parcels: str | None = None, packages: int = 1) -> dict:
	from amazon_integration.erpnext.labels import get_rates

	frappe.get_doc("Delivery Note", delivery_note).check_permission("write")
	with interactive_calls():
		return get_rates(delivery_note, frappe.parse_json(parcels) if parcels else None, int(packages or 1))


@frappe.whitelist(methods=["POST"])
def buy_label(delivery_note: str, request_token: str, rate_id: str, carrier_id: str, carrier: str, service: str, price: float) -> dict:
	from amazon_integration.erpnext.labels import buy_label as _buy

	frappe.get_doc("Delivery Note", delivery_note).check_permission("write")
	with interactive_calls():
		return _buy(delivery_note, request_token, rate_id, carrier_id, carrier, service, float(price))


@frappe.whitelist(methods=["POST"])
def void_label(delivery_note: str) -> None:
	from amazon_integration.erpnext.labels import void_label as _void

	frappe.get_doc("Delivery Note", delivery_note).check_permission("write")
	with interactive_calls():
		_void(delivery_note)


@frappe.whitelist(methods=["POST"])
def label_tracking(delivery_note: str) -> dict:
	from amazon_integration.erpnext.labels import refresh_tracking

	frappe.get_doc("Delivery Note", delivery_note).check_permission("read")
	with interactive_calls():
		return refresh_tracking(delivery_note)


@frappe.whitelist(methods=["POST"])
def buy_labels(delivery_notes: str | list) -> list[str]:
	"""Buy Amazon Labels (the Delivery Note list): the background runs' Sync Logs."""
	from amazon_integration.erpnext.labels import queue_label_purchase

	names = frappe.parse_json(delivery_notes) if isinstance(delivery_notes, str) else delivery_notes
	for name in names or []:
		frappe.get_doc("Delivery Note", name).check_permission("write")
	return queue_label_purchase(names)
