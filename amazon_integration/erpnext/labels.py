"""Buy Shipping labels on an FBM Delivery Note: Get Rates, Buy Label, Void Label, tracking.

A bought label is already known to Amazon (the order shows shipped): the Delivery Note keeps the label's shipment
id, and the shipment sync then only reads the order back (erpnext/shipments.py), never sends confirmShipment."""

from __future__ import annotations

import io
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt, strip_html_tags

from amazon_integration.amazon import AmazonError
from amazon_integration.amazon.shipping import Parcel, ShippingAddress
from amazon_integration.domain.labels import (
	ItemLine,
	LabelInputError,
	PackagePreset,
	ParcelPlan,
	RateOption,
	check_parcel,
	meets,
	plan_parcels,
	propose_rate,
)
from amazon_integration.erpnext.account_client import get_client
from amazon_integration.erpnext.jobs import LABEL_PURCHASE
from amazon_integration.erpnext.runs import SYNC_LOG, Run
from amazon_integration.erpnext.timezone import from_system, to_system
from amazon_integration.erpnext.texts import translated
from amazon_integration.erpnext.transactions import savepoint

TITLE = _("Amazon Label")


def _fbm_delivery(name: str):
	dn = frappe.get_doc("Delivery Note", name)
	if not dn.amazon_order_id or dn.amazon_fulfillment_channel != "FBM" or dn.is_return:
		frappe.throw(_("Delivery Note {0} is not an FBM shipment of an Amazon order.").format(name), title=TITLE)
	if dn.docstatus == 2:
		frappe.throw(_("Delivery Note {0} is cancelled.").format(name), title=TITLE)
	return dn


def _marketplace(dn) -> str | None:
	return frappe.db.get_value("Sales Order", {"amazon_order_id": dn.amazon_order_id}, "amazon_marketplace")


def _ship_from(dn) -> ShippingAddress:
	"""The Delivery Note's dispatch address, else the FBM warehouse's own address (country of the company)."""
	if dn.dispatch_address_name:
		a = frappe.get_doc("Address", dn.dispatch_address_name)
		line1, city, pin, state, country, phone = a.address_line1, a.city, a.pincode, a.state, a.country, a.phone
		name = a.address_title or dn.company
	else:
		warehouse = dn.set_warehouse or (dn.items[0].warehouse if dn.items else None)
		w = frappe.db.get_value(
			"Warehouse", warehouse, ["address_line_1", "city", "pin", "state", "phone_no"], as_dict=True
		) or frappe._dict()
		line1, city, pin, state, phone = w.address_line_1, w.city, w.pin, w.state, w.phone_no
		country = frappe.db.get_value("Company", dn.company, "country")
		name = dn.company
	missing = [label for label, value in ((_("Address Line 1"), line1), (_("City"), city), (_("Postal Code"), pin)) if not value]
	if missing:
		frappe.throw(
			_("The ship-from address is missing {0}: set a Dispatch Address on the Delivery Note or the address of warehouse {1}.").format(
				", ".join(missing), dn.set_warehouse or (dn.items[0].warehouse if dn.items else "")
			),
			title=_("No Ship-From Address"),
		)
	code = (frappe.db.get_value("Country", country, "code") or "").upper()
	return ShippingAddress(
		name=name, address_line1=line1, city=city, postal_code=pin, country_code=code,
		state_or_region=state or city, phone_number=phone or None,
	)


def proposed_parcels(dn, packages: int = 1) -> list[ParcelPlan]:
	account = frappe.get_cached_doc("Amazon Account", dn.amazon_account)
	preset = PackagePreset(
		Decimal(str(flt(account.label_package_length))),
		Decimal(str(flt(account.label_package_width))),
		Decimal(str(flt(account.label_package_height))),
	)
	items = {
		item.name: item
		for item in frappe.get_all(
			"Item",
			{"name": ("in", list({row.item_code for row in dn.items}))},
			["name", "weight_per_unit", "weight_uom", "is_stock_item"],
		)
	}
	# Goods only: the order's shipping, gift wrap and promotion lines (non-stock items) weigh nothing.
	lines = [
		ItemLine(
			row.item_code,
			Decimal(str(flt(row.stock_qty or row.qty))),
			*_unit_weight(row, items.get(row.item_code)),
			Decimal(str(flt(row.amount))),
			row.amazon_order_item_id,
		)
		for row in dn.items
		if row.item_code in items and items[row.item_code].is_stock_item
	]
	try:
		return plan_parcels(lines, preset, packages)
	except LabelInputError as e:
		frappe.throw(translated(e), title=_("Cannot Get Rates"))


def _unit_weight(row, item) -> tuple[Decimal | None, str | None]:
	"""The row's weight per unit, else the Item's (a row made before the Item had one)."""
	for source in (row, item):
		if source and flt(source.weight_per_unit) > 0:
			return Decimal(str(flt(source.weight_per_unit))), source.weight_uom
	return None, row.weight_uom


def _parcels(dn, parcels: list[dict] | None, packages: int) -> list[Parcel]:
	plans = proposed_parcels(dn, packages) if not parcels else [
		ParcelPlan(
			str(p.get("reference") or i + 1),
			Decimal(str(flt(p.get("weight_kg")))),
			Decimal(str(flt(p.get("length_cm")))),
			Decimal(str(flt(p.get("width_cm")))),
			Decimal(str(flt(p.get("height_cm")))),
			Decimal(str(flt(p.get("value")))),
		)
		for i, p in enumerate(parcels)
	]
	for plan in plans:
		try:
			check_parcel(plan)
		except LabelInputError as e:
			frappe.throw(translated(e), title=_("Cannot Get Rates"))
	return [
		Parcel(p.reference, p.weight_kg, p.length_cm, p.width_cm, p.height_cm, p.value, dn.currency)
		for p in plans
	]


def _amazon_error(e: AmazonError, title: str):
	frappe.throw(_("Amazon answered: {0}").format(translated(e)), title=title)


def get_rates(delivery_note: str, parcels: list[dict] | None = None, packages: int = 1) -> dict:
	"""Amazon's rates for the Delivery Note's parcels, the proposed one first flagged."""
	dn = _fbm_delivery(delivery_note)
	if dn.amazon_label_shipment_id:
		frappe.throw(_("A label is already bought for {0}: void it first.").format(dn.name), title=TITLE)
	ship_from = _ship_from(dn)
	to_send = _parcels(dn, parcels, int(packages or 1))
	try:
		quote = get_client(dn.amazon_account).get_rates(dn.amazon_order_id, ship_from, to_send, marketplace_id=_marketplace(dn))
	except AmazonError as e:
		_amazon_error(e, _("No Rates"))
	# The Sales Order's delivery date is Amazon's latest delivery date (erpnext/sales_orders.py): by its day's end.
	latest = frappe.db.get_value("Sales Order", {"amazon_order_id": dn.amazon_order_id}, "delivery_date")
	latest_utc = from_system(f"{latest} 23:59:59") if latest else None
	options = [RateOption(r.rate_id, r.total, r.delivery_end) for r in quote.rates]
	proposed = propose_rate(options, latest_utc)
	return {
		"request_token": quote.request_token,
		"parcels": [
			{"reference": p.reference, "weight_kg": float(p.weight_kg), "length_cm": float(p.length_cm),
			 "width_cm": float(p.width_cm), "height_cm": float(p.height_cm), "value": float(p.value)}
			for p in to_send
		],
		"rates": [
			{
				"rate_id": r.rate_id, "carrier_id": r.carrier_id, "carrier": r.carrier_name, "service": r.service_name,
				"price": float(r.total), "currency": r.currency,
				# In the site's time, as the desk shows datetimes.
				"delivery": str(to_system(r.delivery_end)) if r.delivery_end else None,
				"meets_latest_delivery": meets(RateOption(r.rate_id, r.total, r.delivery_end), latest_utc),
				"proposed": proposed is not None and proposed.rate_id == r.rate_id,
			}
			for r in sorted(quote.rates, key=lambda r: r.total)
		],
		"ineligible": [{"service": r.service_name, "carrier": r.carrier_name, "reasons": list(r.reasons)} for r in quote.ineligible],
	}


def buy_label(delivery_note: str, request_token: str, rate_id: str, carrier_id: str, carrier: str, service: str, price: float) -> dict:
	"""purchaseShipment of the chosen rate; attach the label(s), fill carrier and tracking on the Delivery Note."""
	dn = _fbm_delivery(delivery_note)
	if dn.amazon_label_shipment_id:
		frappe.throw(_("A label is already bought for {0}.").format(dn.name), title=TITLE)
	if dn.amazon_sync_status == "Synchronized":
		frappe.throw(_("Amazon already shows {0} shipped.").format(dn.name), title=TITLE)
	account = frappe.get_cached_doc("Amazon Account", dn.amazon_account)
	label_format = account.label_format or "PDF"
	try:
		label = get_client(dn.amazon_account).purchase_label(
			request_token, rate_id, label_format=label_format, idempotency_key=f"{dn.name}:{rate_id}",
			marketplace_id=_marketplace(dn),
		)
	except AmazonError as e:
		_amazon_error(e, _("Label Not Bought"))
	extension = {"PDF": "pdf", "PNG": "png", "ZPL": "zpl"}[label_format]
	files = []
	for document in label.documents:
		saved = frappe.get_doc({
			"doctype": "File",
			"file_name": f"label-{dn.name}-{document.reference}.{extension}",
			"attached_to_doctype": "Delivery Note",
			"attached_to_name": dn.name,
			"content": document.content,
			"is_private": 1,
		}).insert(ignore_permissions=True)
		files.append(saved.file_url)
	tracking = [d.tracking_id for d in label.documents if d.tracking_id]
	values = {
		"amazon_label_shipment_id": label.shipment_id,
		"amazon_label_carrier_id": carrier_id,
		"amazon_label_cost": flt(price),
		"amazon_carrier": None,
		"amazon_carrier_name": carrier,
		"amazon_shipping_method": service,
		"amazon_tracking_number": tracking[0] if tracking else None,
		"amazon_tracking_status": "PreTransit",
	}
	dn.db_set(values)
	_book_label(dn, account, flt(price), label.shipment_id)
	if len(tracking) > 1:
		dn.add_comment("Comment", _("Tracking numbers of the parcels: {0}").format(", ".join(tracking)))
	if dn.docstatus == 1 and dn.amazon_sync_status in (None, "", "Pending", "Failed"):
		# Submitted before the label: Amazon knows the shipment now, the sync reads it back.
		dn.db_set({"amazon_sync_status": "Pending", "amazon_sync_error": None}, update_modified=False)
		from amazon_integration.erpnext.jobs import SHIPMENT_SYNC

		SHIPMENT_SYNC.enqueue(dn.amazon_account, include_failed=False)
	return {"shipment_id": label.shipment_id, "tracking": tracking, "files": files}


def _book_label(dn, account, cost: float, shipment_id: str) -> None:
	"""The label's cost as an expense owed to the supplier Amazon. Amazon deducts it from the next settlement,
	whose "Shipping label purchase" line then settles that debt from the clearing account (erpnext/settlements.py)."""
	from amazon_integration.erpnext.fee_accounts import shipping_labels_account

	expense = account.label_expense_account or shipping_labels_account(account) or account.fees_account
	if not cost or not expense or not account.amazon_supplier:
		dn.add_comment("Comment", _("The Amazon label's cost is not booked: set the Amazon Supplier and a Label Expense Account (or Amazon Fees Account) on {0}.").format(account.name))
		return
	from erpnext.accounts.party import get_party_account

	company_currency = frappe.get_cached_value("Company", dn.company, "default_currency")
	rate = 1.0
	if dn.currency != company_currency:
		from erpnext.setup.utils import get_exchange_rate

		rate = flt(get_exchange_rate(dn.currency, company_currency, dn.posting_date)) or 1.0
	amount = flt(cost * rate, 2)
	payable = get_party_account("Supplier", account.amazon_supplier, dn.company)
	cost_center = frappe.get_cached_value("Company", dn.company, "cost_center")
	je = frappe.new_doc("Journal Entry")
	je.update({
		"voucher_type": "Journal Entry",
		"company": dn.company,
		"posting_date": frappe.utils.today(),
		"cheque_no": shipment_id,
		"cheque_date": frappe.utils.today(),
		"user_remark": _("Amazon Buy Shipping label {0} for Delivery Note {1} ({2} {3})").format(shipment_id, dn.name, cost, dn.currency),
	})
	je.append("accounts", {"account": expense, "debit_in_account_currency": amount, "cost_center": cost_center})
	je.append("accounts", {"account": payable, "party_type": "Supplier", "party": account.amazon_supplier, "credit_in_account_currency": amount})
	je.flags.ignore_permissions = True
	je.insert()
	je.submit()
	dn.db_set("amazon_label_journal_entry", je.name, update_modified=False)


def void_label(delivery_note: str) -> None:
	"""cancelShipment; the carrier and tracking are cleared and the label files removed."""
	dn = _fbm_delivery(delivery_note)
	if not dn.amazon_label_shipment_id:
		frappe.throw(_("{0} has no Amazon label to void.").format(dn.name), title=TITLE)
	try:
		get_client(dn.amazon_account).cancel_label(dn.amazon_label_shipment_id, marketplace_id=_marketplace(dn))
	except AmazonError as e:
		_amazon_error(e, _("Label Not Voided"))
	for name in frappe.get_all(
		"File", {"attached_to_doctype": "Delivery Note", "attached_to_name": dn.name, "file_name": ("like", f"label-{dn.name}-%")}, pluck="name"
	):
		frappe.delete_doc("File", name, ignore_permissions=True)
	if dn.amazon_label_journal_entry:
		# Amazon does not charge a voided label: its cost is not booked.
		je = frappe.get_doc("Journal Entry", dn.amazon_label_journal_entry)
		if je.docstatus == 1:
			je.flags.ignore_permissions = True
			je.cancel()
	dn.add_comment("Comment", _("Amazon label {0} voided.").format(dn.amazon_label_shipment_id))
	values = {
		"amazon_label_shipment_id": None, "amazon_label_carrier_id": None, "amazon_label_cost": 0,
		"amazon_label_journal_entry": None,
		"amazon_carrier_name": None, "amazon_shipping_method": None, "amazon_tracking_number": None,
		"amazon_tracking_status": None,
	}
	if dn.docstatus == 1:
		# Amazon takes the shipment back with the label: the order is unshipped there again.
		values.update({"amazon_sync_status": "Failed", "amazon_sync_error": _("The Amazon label was voided: buy a new one or enter the carrier and tracking number.")})
	dn.db_set(values)


def track_account_labels(account: str) -> dict[str, int]:
	"""The daily run: getTracking for every submitted Delivery Note of the account whose label is not delivered.
	One Delivery Note's failure is noted on it and never stops the others."""
	names = frappe.get_all(
		"Delivery Note",
		filters={
			"amazon_account": account, "docstatus": 1, "amazon_label_shipment_id": ("is", "set"),
			"amazon_tracking_status": ("!=", "Delivered"),
		},
		pluck="name",
	)
	counts = {"Delivered": 0, "Tracked": 0, "Failed": 0}
	with get_client(account) as client:
		for name in names:
			dn = frappe.get_doc("Delivery Note", name)
			try:
				tracking = client.tracking(dn.amazon_tracking_number, dn.amazon_label_carrier_id, marketplace_id=_marketplace(dn))
			except AmazonError as e:
				counts["Failed"] += 1
				frappe.log_error(title=_("Amazon label tracking failed for {0}").format(name), message=str(e))
				continue
			dn.db_set("amazon_tracking_status", tracking.status, update_modified=False)
			counts["Delivered" if tracking.delivered else "Tracked"] += 1
			frappe.db.commit()
	return counts


def refresh_tracking(delivery_note: str) -> dict:
	"""getTracking for the label's first parcel; the status lands on the Delivery Note."""
	dn = _fbm_delivery(delivery_note)
	if not dn.amazon_label_shipment_id or not dn.amazon_tracking_number:
		frappe.throw(_("{0} has no Amazon label to track.").format(dn.name), title=TITLE)
	try:
		tracking = get_client(dn.amazon_account).tracking(dn.amazon_tracking_number, dn.amazon_label_carrier_id, marketplace_id=_marketplace(dn))
	except AmazonError as e:
		_amazon_error(e, _("No Tracking"))
	dn.db_set("amazon_tracking_status", tracking.status, update_modified=False)
	return {
		"status": tracking.status,
		"events": [{"code": e.code, "time": e.time.isoformat() if e.time else None, "city": e.city} for e in tracking.events],
	}


# --- many Delivery Notes at once: Buy Amazon Labels from the Delivery Note list ------------------------------

BULK_TITLE = _("Buy Amazon Labels")
RUN_SHARE = 0.8  # of the job's timeout: the run takes no further Delivery Note after it, well before RQ kills it


def queue_label_purchase(delivery_notes: list[str]) -> list[str]:
	"""One background run per Amazon Account of the selection, each with the Queued Sync Log the user follows.
	A selection with anything but FBM Delivery Notes of Amazon orders is refused whole, naming them."""
	names = list(dict.fromkeys(delivery_notes or []))
	if not names:
		frappe.throw(_("Select the Delivery Notes to buy Amazon labels for."), title=BULK_TITLE)
	found = {
		row.name: row
		for row in frappe.get_all(
			"Delivery Note",
			{"name": ("in", names)},
			["name", "amazon_account", "amazon_order_id", "amazon_fulfillment_channel", "is_return", "docstatus"],
		)
	}
	wrong = [
		name
		for name in names
		if name not in found
		or not found[name].amazon_order_id
		or found[name].amazon_fulfillment_channel != "FBM"
		or found[name].is_return
		or found[name].docstatus == 2
	]
	if wrong:
		frappe.throw(
			_("Labels are bought for FBM Delivery Notes of Amazon orders only (not cancelled): {0} is not one.").format(
				", ".join(wrong)
			),
			title=BULK_TITLE,
		)
	by_account: dict[str, list[str]] = {}
	for name in names:
		by_account.setdefault(found[name].amazon_account, []).append(name)
	busy = [account for account in by_account if LABEL_PURCHASE.queued(account)]
	if busy:
		frappe.throw(
			_("Labels are being bought for {0} already: select these again once that run has ended (its Amazon Sync Log says when).").format(
				", ".join(busy)
			),
			title=BULK_TITLE,
		)
	logs = []
	for account, names_of_account in by_account.items():
		log = frappe.get_doc(
			{"doctype": SYNC_LOG, "amazon_account": account, "operation": LABEL_PURCHASE.operations[0], "status": "Queued"}
		).insert(ignore_permissions=True)
		LABEL_PURCHASE.enqueue(account, delivery_notes=names_of_account, queued=log.name)
		logs.append(log.name)
	return logs


def buy_account_labels(account: str, delivery_notes: list[str], queued: str | None = None) -> str:
	"""The background run: each Delivery Note gets Amazon's proposed rate, one after the other (the gateway keeps
	to Amazon's quota). One failing never stops the others; one with a label already is skipped, so a second run
	buys nothing twice. Every label bought goes into one file to print, attached to the run's log."""
	run = Run(
		account,
		job=LABEL_PURCHASE,
		queued=queued,
		counts=("orders_read", "created", "skipped", "failed"),
		failure_rows=False,
		budget_seconds=LABEL_PURCHASE.seconds * RUN_SHARE,
	)
	documents: list[bytes] = []
	with run:
		run.counts["orders_read"] = len(delivery_notes)
		for position, name in enumerate(delivery_notes):
			if run.out_of_time():
				left = delivery_notes[position:]
				run.counts["skipped"] += len(left)
				message = _("Not reached in this run's time: select it again.")
				run.rows += [("labels", {"delivery_note": n, "outcome": "Skipped", "message": message}) for n in left]
				break
			row, contents = _buy_proposed(name)
			run.rows.append(("labels", row))
			run.counts[{"Bought": "created", "Skipped": "skipped", "Failed": "failed"}[row["outcome"]]] += 1
			if row["outcome"] == "Failed":
				run.fail(name, row["message"])
			documents += contents
			run.progress()
		if documents:
			label_format = frappe.db.get_value("Amazon Account", account, "label_format") or "PDF"
			content, extension = merge_labels(documents, label_format)
			saved = frappe.get_doc({
				"doctype": "File",
				"file_name": f"labels-{run.log.name}.{extension}",
				"attached_to_doctype": SYNC_LOG,
				"attached_to_name": run.log.name,
				"attached_to_field": "labels_file",
				"content": content,
				"is_private": 1,
			}).insert(ignore_permissions=True)
			run.values["labels_file"] = saved.file_url
			frappe.db.commit()
	return run.log.name


def _buy_proposed(name: str) -> tuple[dict, list[bytes]]:
	"""One Delivery Note of the run: its log row and the label documents bought for it."""
	dn = frappe.get_doc("Delivery Note", name)
	row = {"delivery_note": name, "amazon_order_id": dn.amazon_order_id}
	if dn.amazon_label_shipment_id:
		return {
			**row, "outcome": "Skipped", "carrier": dn.amazon_carrier_name, "tracking_number": dn.amazon_tracking_number,
			"cost": dn.amazon_label_cost, "message": _("A label is already bought for it."),
		}, []
	if dn.docstatus == 1 and dn.amazon_sync_status == "Synchronized":
		return {**row, "outcome": "Skipped", "message": _("Amazon already shows it shipped.")}, []
	try:
		with savepoint("amazon_label"):
			quote = get_rates(name)
			rate = next((r for r in quote["rates"] if r["proposed"]), None)
			if rate is None:
				frappe.throw(
					_("No rate arrives by the order's latest delivery date: choose one on the Delivery Note."),
					title=_("No Rate Proposed"),
				)
			bought = buy_label(
				name, quote["request_token"], rate["rate_id"], rate["carrier_id"], rate["carrier"], rate["service"], rate["price"]
			)
		frappe.db.commit()
	except Exception as e:
		frappe.db.rollback()
		frappe.clear_messages()
		return {**row, "outcome": "Failed", "message": strip_html_tags(translated(e)) or type(e).__name__}, []
	contents = []
	for url in bought["files"]:
		with open(frappe.get_doc("File", {"file_url": url}).get_full_path(), "rb") as f:
			contents.append(f.read())
	return {
		**row, "outcome": "Bought", "carrier": rate["carrier"], "tracking_number": ", ".join(bought["tracking"]),
		"cost": rate["price"], "message": rate["service"],
	}, contents


def merge_labels(documents: list[bytes], label_format: str) -> tuple[bytes, str]:
	"""All labels in one file to print, and its extension: one PDF of them all (PNG labels as its pages), or the
	ZPL labels one after the other (a thermal printer prints each ^XA...^XZ as one label)."""
	if label_format == "ZPL":
		return b"\n".join(document.strip() for document in documents) + b"\n", "zpl"
	out = io.BytesIO()
	if label_format == "PNG":
		from PIL import Image

		images = [Image.open(io.BytesIO(document)).convert("RGB") for document in documents]
		images[0].save(out, "PDF", save_all=True, append_images=images[1:])
		return out.getvalue(), "pdf"
	from pypdf import PdfReader, PdfWriter

	writer = PdfWriter()
	for document in documents:
		writer.append(PdfReader(io.BytesIO(document)))
	writer.write(out)
	return out.getvalue(), "pdf"
