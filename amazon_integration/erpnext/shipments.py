"""FBM shipments: submitted Delivery Notes of merchant-fulfilled Amazon orders are confirmed to Amazon.

One `confirmShipment` per Delivery Note (why not the fulfilment feed: see `domain.shipments`). A run sends
every Pending shipment of an account and re-checks the ones whose outcome is unknown; a manual run (the
"Sync Deliveries" button, `bench amazon sync-deliveries`) also re-sends the ones Amazon refused. Each
Delivery Note is committed on its own, and one e-mail per run lists every shipment Amazon refused.
"""

from __future__ import annotations

from datetime import datetime, time

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime, validate_email_address

from amazon_integration.amazon.errors import AmazonError
from amazon_integration.erpnext import database
from amazon_integration.erpnext.account_client import get_client
from amazon_integration.erpnext.texts import translated
from amazon_integration.erpnext.timezone import from_system
from amazon_integration.erpnext.transactions import order_lock
from amazon_integration.domain.shipments import (
	Carrier,
	Outcome,
	Shipment,
	ShipmentError,
	classify,
	failure_summary,
	match_carrier,
	package_reference_id,
	plan_shipment,
	shipped_on_amazon,
	to_confirmation,
)

ORDER_DATA = ("FULFILLMENT", "PACKAGES")


def sync_account_shipments(account: str, include_failed: bool = False) -> dict[str, int]:
	"""Background job: confirm the account's pending shipments. Returns counts by resulting status."""
	filters = {"amazon_account": account, "docstatus": 1, "amazon_fulfillment_channel": "FBM"}
	statuses = ["Pending", "Failed"]
	names = frappe.get_all(
		"Delivery Note",
		filters={**filters, "amazon_sync_status": ("in", statuses)},
		fields=["name", "amazon_sync_status", "amazon_sync_unconfirmed"],
		order_by="posting_date, posting_time, creation",
	)
	due = [
		row.name
		for row in names
		if row.amazon_sync_status == "Pending" or row.amazon_sync_unconfirmed or include_failed
	]
	counts = {"Synchronized": 0, "Failed": 0, "Pending": 0}
	if not due:
		return counts
	client = get_client(account)
	failures: list[tuple[str, str, str]] = []
	try:
		for name in due:
			dn = frappe.get_doc("Delivery Note", name)
			try:
				status = confirm_delivery(dn, client)
			except Exception as e:
				if not database.lock_failure(e):
					raise
				# Another session held its rows: nothing of it was saved; it stays due for the next run.
				database.rollback()
				status = "Pending"
			counts[status] += 1
			if status == "Failed":
				failures.append((dn.name, dn.amazon_order_id, dn.amazon_sync_error))
	finally:
		client.close()
	if failures:
		notify_failures(account, failures)
	return counts


def retry_delivery(delivery_note: str) -> str:
	"""Send one Delivery Note again now (the "Retry Amazon Sync" button). Returns its new status."""
	dn = frappe.get_doc("Delivery Note", delivery_note)
	if dn.amazon_sync_status not in ("Failed", "Pending"):
		frappe.throw(
			_("Delivery Note {0} is {1} with Amazon: there is nothing to send.").format(
				dn.name, _(dn.amazon_sync_status or "not an Amazon shipment")
			),
			title=_("Nothing to Send"),
		)
	with get_client(dn.amazon_account) as client:
		status = confirm_delivery(dn, client)
	if status == "Failed":
		notify_failures(dn.amazon_account, [(dn.name, dn.amazon_order_id, dn.amazon_sync_error)])
	return status


def confirm_delivery(dn: Document, client) -> str:
	"""Tell Amazon of one shipment, or find out that it already knows. Commits the outcome.

	Under the order's lock, and on what the database holds once it is ours, so two runs at once (a job and the
	button, say) never send one shipment twice: the one that waited finds it confirmed and leaves it."""
	with order_lock(dn.amazon_order_id) as locked:
		if not locked:
			return dn.amazon_sync_status or "Pending"
		frappe.db.commit()  # a fresh snapshot: what the other run committed while we waited
		dn.reload()
		if dn.amazon_sync_status not in ("Pending", "Failed"):
			return dn.amazon_sync_status or "Pending"
		return _confirm(dn, client)


def _confirm(dn: Document, client) -> str:
	try:
		shipment = plan_delivery(dn, package_sequence=_package_sequence(dn))
	except ShipmentError as e:
		return _set_status(dn, "Failed", translated(e))

	if dn.amazon_label_shipment_id:
		return _read_back_label(dn, shipment, client)

	if dn.amazon_sync_unconfirmed:
		# The last answer was lost: read the order before sending twice.
		try:
			order = client.get_order(dn.amazon_order_id, ORDER_DATA)
		except AmazonError as e:
			return _set_status(dn, "Failed", translated(e), unconfirmed=True)
		if shipped_on_amazon(order, shipment):
			return _set_status(dn, "Synchronized", None)

	# Written before sending: a run killed between Amazon's answer and our commit leaves the shipment to be read
	# back from Amazon, never sent again blindly (a second confirmation would be refused as over-shipped).
	dn.db_set(
		{"amazon_sync_unconfirmed": 1, "amazon_package_reference": shipment.package_reference_id}, update_modified=False
	)
	frappe.db.commit()
	error = None
	try:
		client.confirm_shipment(shipment.amazon_order_id, to_confirmation(shipment), marketplace_id=shipment.marketplace_id)
	except AmazonError as e:
		error = e
	outcome, text = classify(error)
	message = translated(text)
	if outcome is Outcome.SYNCHRONIZED:
		return _set_status(dn, "Synchronized", None)
	if outcome is Outcome.RETRY_LATER:
		return _set_status(dn, "Pending", message)
	if outcome is Outcome.UNKNOWN:
		return _set_status(
			dn,
			"Failed",
			_("Amazon did not confirm the shipment ({0}); the next sync checks whether Amazon recorded it.").format(message),
			unconfirmed=True,
		)
	return _set_status(dn, "Failed", message)


def _read_back_label(dn: Document, shipment: Shipment, client) -> str:
	"""A Buy Shipping label is Amazon's own record of the shipment: never confirmShipment it, only wait for the
	order to show it shipped."""
	try:
		order = client.get_order(dn.amazon_order_id, ORDER_DATA)
	except AmazonError as e:
		return _set_status(dn, "Pending", translated(e))
	if shipped_on_amazon(order, shipment):
		return _set_status(dn, "Synchronized", None)
	return _set_status(dn, "Pending", _("Amazon does not show the label's shipment on the order yet."))


def plan_delivery(dn: Document, package_sequence: int) -> Shipment:
	"""The shipment a Delivery Note confirms to Amazon (raises ShipmentError when it cannot)."""
	carrier_text = dn.amazon_carrier_name or dn.amazon_carrier or ""
	carrier = match_carrier(carrier_text, _carriers())
	reference = dn.amazon_package_reference or package_reference_id(package_sequence)
	return plan_shipment(
		delivery_note=dn.name,
		amazon_order_id=dn.amazon_order_id,
		marketplace_id=frappe.db.get_value("Sales Order", {"amazon_order_id": dn.amazon_order_id}, "amazon_marketplace"),
		package_reference_id=reference,
		carrier=carrier,
		tracking_number=dn.amazon_tracking_number or "",
		ship_date=_ship_date(dn),
		rows=[(row.amazon_order_item_id, row.qty) for row in dn.items],
		shipping_method=dn.amazon_shipping_method or None,
	)


def _carriers() -> list[Carrier]:
	return [
		Carrier(row.carrier_code, row.carrier_name)
		for row in frappe.get_all("Amazon Carrier", fields=["carrier_code", "carrier_name"])
	]


def _package_sequence(dn: Document) -> int:
	"""This shipment's number within its order: Amazon wants a package reference unique per order."""
	return 1 + frappe.db.count(
		"Delivery Note",
		{
			"amazon_order_id": dn.amazon_order_id,
			"docstatus": ("!=", 0),
			"amazon_package_reference": ("is", "set"),
			"name": ("!=", dn.name),
		},
	)


def _ship_date(dn: Document) -> datetime:
	posted = get_datetime(f"{dn.posting_date} {dn.posting_time or time()}")
	return from_system(posted)


def _set_status(dn: Document, status: str, error: str | None, unconfirmed: bool = False) -> str:
	values = {"amazon_sync_status": status, "amazon_sync_error": error, "amazon_sync_unconfirmed": int(unconfirmed)}
	if not dn.amazon_package_reference and status != "Pending":
		# Once sent, a shipment keeps its package reference, so a retry is the same package to Amazon.
		values["amazon_package_reference"] = package_reference_id(_package_sequence(dn))
	dn.db_set(values, update_modified=False)
	frappe.db.commit()
	return status


def notify_failures(account: str, failures: list[tuple[str, str, str]]) -> None:
	"""One e-mail per run; a site without outgoing mail still has the statuses on the Delivery Notes."""
	recipients = recipients_of(account)
	if not recipients:
		return
	subject, message = failure_summary(account, failures, translate=_)
	try:
		frappe.sendmail(recipients=recipients, subject=subject, message=message, delayed=True)
	except frappe.OutgoingEmailError:
		frappe.db.rollback()
		frappe.log_error(
			title=_("Amazon shipment failures of {0} not mailed").format(account),
			message=_("No outgoing Email Account. Failed Delivery Notes: {0}").format(", ".join(f[0] for f in failures)),
			defer_insert=True,
		)
	frappe.db.commit()


def recipients_of(account: str) -> list[str]:
	text = frappe.db.get_value("Amazon Account", account, "notification_recipients") or ""
	return [address for address in (part.strip() for part in text.replace("\n", ",").split(",")) if address]


def validate_recipients(text: str | None) -> None:
	for address in (part.strip() for part in (text or "").replace("\n", ",").split(",")):
		if address:
			validate_email_address(address, throw=True)
