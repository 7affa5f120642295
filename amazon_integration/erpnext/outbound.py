"""Multi-Channel Fulfilment in ERPNext: a submitted non-Amazon Sales Order shipped by Amazon from the FBA pool.

preview / create / cancel answer the Sales Order form (erpnext/api.py); sync_account_mcf runs on the scheduler
(scheduler.dispatch_mcf_sync): every open fulfilment order of the account is read back, and each package Amazon
shipped becomes one submitted Delivery Note out of the account's FBA warehouse with Amazon's carrier and tracking.
Idempotent: the Delivery Note carries the package key (unique), and each one is committed on its own, so a run
cut short and run again delivers the rest, never a package twice. Units Amazon will not ship (cancelled,
unfulfillable) are written on the Sales Order; its remaining quantity stays open for another delivery.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from amazon_integration.amazon import AmazonError, NotFoundError
from amazon_integration.amazon.outbound import (
	SHIPPING_SPEEDS,
	FulfillmentOrder,
	FulfillmentOrderRequest,
	OutboundAddress,
)
from amazon_integration.domain.outbound import (
	OrderLine,
	OutboundError,
	PackageDelivery,
	fulfillment_order_id,
	lines_not_shipped,
	outbound_items,
	packages_to_deliver,
)
from amazon_integration.erpnext.account_client import get_client
from amazon_integration.erpnext.texts import translated
from amazon_integration.erpnext.timezone import to_system

MAPPING = "Amazon SKU Mapping"
TITLE = _("Fulfilment by Amazon")


def preview(sales_order: str, account: str) -> list[dict]:
	"""Amazon's preview for each shipping speed: can it ship, when, and its fees."""
	so, acc = _eligible(sales_order, account)
	address, lines = _address(so), _lines(so, acc)
	try:
		previews = get_client(acc).fulfillment_preview(address, outbound_items(lines))
	except (AmazonError, OutboundError) as exc:
		frappe.throw(translated(exc), title=TITLE)
	return [
		{
			"speed": p.speed,
			"fulfillable": p.fulfillable,
			"fees": float(p.total_fees),
			"currency": p.currency,
			"fee_lines": [{"name": f.name, "amount": float(f.amount)} for f in p.fees],
			"earliest_arrival": p.earliest_arrival and str(to_system(p.earliest_arrival)),
			"latest_arrival": p.latest_arrival and str(to_system(p.latest_arrival)),
			"latest_ship": p.latest_ship and str(to_system(p.latest_ship)),
			"shipments": p.shipments,
			"unfulfillable": [{"sku": u.sku, "qty": u.quantity, "reasons": list(u.reasons)} for u in p.unfulfillable],
		}
		for p in previews
	]


def create(sales_order: str, account: str, speed: str) -> str:
	"""Create the fulfilment order for what is left to deliver; returns its id. A second call finds it made."""
	if speed not in SHIPPING_SPEEDS:
		frappe.throw(_("Unknown shipping speed {0}.").format(speed), title=TITLE)
	so, acc = _eligible(sales_order, account)
	address, lines = _address(so), _lines(so, acc)
	try:
		order_id = fulfillment_order_id(so.name)
		items = outbound_items(lines)
	except OutboundError as exc:
		frappe.throw(translated(exc), title=TITLE)
	client = get_client(acc)
	fees = None
	try:
		chosen = [p for p in client.fulfillment_preview(address, items, [speed]) if p.speed == speed]
		fees = chosen[0].total_fees if chosen else None
		client.create_fulfillment_order(
			FulfillmentOrderRequest(
				order_id=order_id,
				displayable_order_id=so.name,
				displayable_date=frappe.utils.get_datetime(so.transaction_date),
				comment=_("Thank you for your order."),
				speed=speed,
				address=address,
				items=items,
			)
		)
	except AmazonError as exc:
		# A lost answer retried meets Amazon's duplicate refusal: the order exists, take it.
		if not _exists(client, order_id):
			frappe.throw(_("Amazon did not accept the fulfilment order: {0}").format(translated(exc)), title=TITLE)
	so.db_set(
		{
			"amazon_mcf_order": order_id,
			"amazon_mcf_account": acc.name,
			"amazon_mcf_status": "Received",
			"amazon_mcf_speed": speed,
			"amazon_mcf_fees": float(fees) if fees is not None else None,
		}
	)
	so.add_comment("Info", _("Fulfilment order {0} sent to Amazon ({1}).").format(order_id, speed))
	return order_id


def automatic_account(so) -> str | None:
	"""The account that fulfils this order automatically: one with an automatic speed, of the order's company,
	mapping every item still to deliver to an FBA SKU marked Fulfil Other Orders by Amazon."""
	items = {row.item_code for row in so.items if (row.stock_qty or row.qty) > (row.delivered_qty or 0)}
	if not items:
		return None
	for account in frappe.get_all(
		"Amazon Account",
		filters={"enabled": 1, "company": so.company, "mcf_auto_speed": ("is", "set"), "fba_warehouse": ("is", "set")},
		pluck="name",
		order_by="name",
	):
		chosen = set(
			frappe.get_all(
				MAPPING,
				filters={"amazon_account": account, "fulfilment_channel": "FBA", "mcf_auto": 1, "item_code": ("in", items)},
				pluck="item_code",
			)
		)
		if chosen == items:
			return account
	return None


def refusal(lang: str | None = None) -> str:
	"""The comment on an order Amazon refused ({0}: why); scheduler.dispatch_mcf_create leaves such orders to the
	user."""
	return _("Amazon did not take this order automatically: {0}", lang=lang)


def auto_create(sales_order: str, account: str) -> str | None:
	"""Background job: create the fulfilment order at the account's automatic speed. Run again, it finds the
	order made (the Sales Order's field, or Amazon's duplicate refusal) and does nothing twice."""
	if frappe.db.get_value("Sales Order", sales_order, "amazon_mcf_order"):
		return None
	speed = frappe.db.get_value("Amazon Account", account, "mcf_auto_speed")
	if not speed:
		return None
	try:
		return create(sales_order, account, speed)
	except frappe.ValidationError as exc:
		# The user sees why on the order; the job is not retried for a refusal only a person can fix.
		frappe.db.rollback()
		frappe.get_doc("Sales Order", sales_order).add_comment(
			"Comment", refusal().format(translated(exc))
		)
		frappe.db.commit()
		return None


def cancel(sales_order: str) -> str:
	"""Ask Amazon to cancel before it ships; the status comes back at once."""
	so = frappe.get_doc("Sales Order", sales_order)
	if not so.get("amazon_mcf_order"):
		frappe.throw(_("Sales Order {0} has no Amazon fulfilment order.").format(so.name), title=TITLE)
	client = get_client(so.amazon_mcf_account)
	try:
		order = client.get_fulfillment_order(so.amazon_mcf_order)
		if not order.cancellable and order.status != "Cancelled":
			frappe.throw(
				_("Amazon's fulfilment order is {0}: it can no longer be cancelled.").format(order.status), title=TITLE
			)
		client.cancel_fulfillment_order(so.amazon_mcf_order)
		order = client.get_fulfillment_order(so.amazon_mcf_order)
	except AmazonError as exc:
		frappe.throw(_("Amazon did not cancel the fulfilment order: {0}").format(translated(exc)), title=TITLE)
	apply_order(so, order)
	return order.status


def sync_account_mcf(account: str) -> dict:
	"""Scheduler job: follow every open fulfilment order of the account. One failing order does not stop the rest."""
	acc = frappe.get_doc("Amazon Account", account)
	client = get_client(acc)
	open_orders = frappe.get_all(
		"Sales Order",
		filters={
			"amazon_mcf_account": account,
			"amazon_mcf_order": ("is", "set"),
			"amazon_mcf_status": ("not in", ("Complete", "CompletePartialled", "Cancelled", "Unfulfillable", "Invalid")),
			"docstatus": 1,
		},
		pluck="name",
	)
	done = failed = 0
	for name in open_orders:
		try:
			so = frappe.get_doc("Sales Order", name)
			apply_order(so, client.get_fulfillment_order(so.amazon_mcf_order))
			frappe.db.commit()
			done += 1
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=_("Amazon fulfilment order of {0}").format(name), reference_doctype="Sales Order",
							 reference_name=name)
			failed += 1
	return {"followed": done, "failed": failed}


def apply_order(so, order: FulfillmentOrder) -> list[str]:
	"""Deliver every newly shipped package (each committed alone), then record status and units not shipped."""
	acc = frappe.get_doc("Amazon Account", so.amazon_mcf_account)
	delivered = set(
		frappe.get_all(
			"Delivery Note",
			filters={"amazon_mcf_package": ("like", f"{order.order_id}/%"), "docstatus": ("<", 2)},
			pluck="amazon_mcf_package",
		)
	)
	made = []
	for package in packages_to_deliver(order, delivered):
		made.append(_deliver(so, acc, package))
		frappe.db.commit()  # one package, one transaction: a killed worker redoes only what did not land
	not_shipped = lines_not_shipped(order)
	note = "\n".join(
		_("{0}: {1} cancelled, {2} unfulfillable").format(_item_of_row(so, row), cancelled, unfulfillable)
		for row, (cancelled, unfulfillable) in sorted(not_shipped.items())
	)
	so.db_set({"amazon_mcf_status": order.status, "amazon_mcf_note": note or None})
	return made


def _deliver(so, acc, package: PackageDelivery) -> str:
	from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

	if not acc.fba_warehouse:
		frappe.throw(_("Amazon Account {0} has no FBA Warehouse.").format(acc.name), title=TITLE)
	units = dict(package.lines)
	dn = make_delivery_note(so.name)
	dn.items = [row for row in dn.items if row.so_detail in units]
	for row in dn.items:
		row.qty = units[row.so_detail]
		row.warehouse = acc.fba_warehouse
	if not dn.items:
		frappe.throw(_("Package {0} holds no line of Sales Order {1}.").format(package.key, so.name), title=TITLE)
	dn.set_warehouse = acc.fba_warehouse
	shipped = to_system(package.shipped_at) if package.shipped_at else now_datetime()
	shipped = min(shipped, now_datetime())
	dn.set_posting_time = 1
	dn.posting_date, dn.posting_time = shipped.date(), shipped.time().replace(microsecond=0)
	dn.amazon_mcf_package = package.key
	dn.amazon_mcf_carrier = package.carrier
	dn.amazon_mcf_tracking_number = package.tracking_number
	dn.lr_no = package.tracking_number  # ERPNext's own tracking field, printed on the delivery note
	dn.insert()
	dn.submit()
	return dn.name


def _eligible(sales_order: str, account: str):
	so = frappe.get_doc("Sales Order", sales_order)
	if so.docstatus != 1:
		frappe.throw(_("Submit Sales Order {0} before Amazon fulfils it.").format(so.name), title=TITLE)
	if so.get("amazon_order_id"):
		frappe.throw(_("Sales Order {0} is Amazon's own order.").format(so.name), title=TITLE)
	if so.get("amazon_mcf_order"):
		frappe.throw(
			_("Sales Order {0} already has fulfilment order {1}.").format(so.name, so.amazon_mcf_order), title=TITLE
		)
	if not account:
		frappe.throw(_("Choose the Amazon Account whose FBA stock ships the order."), title=TITLE)
	acc = frappe.get_doc("Amazon Account", account)
	if not acc.fba_warehouse:
		frappe.throw(_("Amazon Account {0} has no FBA Warehouse.").format(acc.name), title=TITLE)
	if acc.company != so.company:
		frappe.throw(_("Amazon Account {0} belongs to another company.").format(acc.name), title=TITLE)
	return so, acc


def _lines(so, acc) -> list[OrderLine]:
	"""Items still to deliver, each with its FBA seller SKU (an FBA mapping, else an Item code that is the SKU)."""
	skus = {
		row.item_code: row.seller_sku
		for row in frappe.get_all(
			MAPPING,
			filters={"amazon_account": acc.name, "fulfilment_channel": "FBA"},
			fields=["item_code", "seller_sku"],
			order_by="creation",
		)
	}
	lines = []
	for row in so.items:
		left = (row.stock_qty or row.qty) - (row.delivered_qty or 0)
		if left > 0:
			lines.append(OrderLine(row=row.name, item_code=row.item_code, sku=skus.get(row.item_code), quantity=left))
	return lines


def _address(so) -> OutboundAddress:
	name = so.get("shipping_address_name") or so.get("customer_address")
	if not name:
		frappe.throw(_("Sales Order {0} has no shipping address.").format(so.name), title=TITLE)
	address = frappe.get_doc("Address", name)
	country_code = (frappe.db.get_value("Country", address.country, "code") or "").upper()
	missing = [
		label
		for label, value in ((_("Address Line 1"), address.address_line1), (_("Postal Code"), address.pincode),
							 (_("Country"), country_code))
		if not value
	]
	if missing:
		frappe.throw(_("Address {0} lacks {1}.").format(name, ", ".join(missing)), title=TITLE)
	return OutboundAddress(
		name=so.get("contact_display") or so.customer_name or address.address_title,
		address_line1=address.address_line1,
		address_line2=address.address_line2,
		city=address.city,
		state_or_region=address.state,
		postal_code=address.pincode,
		country_code=country_code,
		phone=address.phone,
	)


def _exists(client, order_id: str) -> bool:
	try:
		client.get_fulfillment_order(order_id)
		return True
	except NotFoundError:
		return False


def _item_of_row(so, row: str) -> str:
	return next((item.item_code for item in so.items if item.name == row), row)
