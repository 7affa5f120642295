"""Send to Amazon in ERPNext: an Amazon Inbound Shipment drives Amazon's inbound workflow and moves the stock.

Steps (each safe to run again: it looks at what is already recorded before calling Amazon or making stock):
  start_plan           createInboundPlan, packing (Amazon's only offered option is confirmed), placement options
                       listed with Amazon's fees -> "Choose Placement"
  confirm_placement    the chosen placement option, transportation options (the cheapest partnered quote per
                       shipment, else the seller's own carrier), confirmation; rows get their shipment -> "Ready to Ship"
  mark_shipped         per shipment, a submitted Material Transfer sending warehouse -> in-transit warehouse
  sync_receipts        Amazon's received quantities: in transit -> FBA warehouse for the units received since the
                       last move (domain/inbound.py); shortages once Amazon closes a shipment, overages at once
  cancel_plan          cancelInboundPlan at Amazon; the transfers already made are cancelled, units go back
The stock logic is in domain/inbound.py; this module only reads and writes documents.
"""

from __future__ import annotations

import json
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime

from amazon_integration.amazon.inbound import InboundItem, SourceAddress
from amazon_integration.domain.inbound import (
	CANCELLED_STATUSES,
	ReceiptLine,
	discrepancies,
	placement_choices,
	receipt_moves,
)
from amazon_integration.erpnext.account_client import get_client

OPERATION_TIMEOUT = 60.0  # seconds to wait for one of Amazon's asynchronous operations


def _account(doc):
	return frappe.get_doc("Amazon Account", doc.amazon_account)


def _wait(client, operation_id: str, what: str) -> None:
	result = client.wait_inbound_operation(operation_id, timeout=OPERATION_TIMEOUT)
	if not result.is_finished:
		frappe.throw(_("Amazon is still working on {0}; try again in a minute.").format(what), title=_("Not Finished"))
	if not result.succeeded:
		frappe.throw(_("Amazon refused {0}: {1}").format(what, "; ".join(result.problems)), title=_("Amazon Refused"))


def _source_address(doc) -> SourceAddress:
	"""The sending warehouse's address (Warehouse fields), the country from the company."""
	warehouse = frappe.get_doc("Warehouse", doc.source_warehouse)
	company = frappe.get_cached_doc("Company", warehouse.company)
	country_code = (frappe.db.get_value("Country", company.country, "code") or "").upper()
	values = {
		_("Address Line 1"): warehouse.address_line_1,
		_("City"): warehouse.city,
		_("Postal Code"): warehouse.pin,
		_("Phone"): warehouse.phone_no,
		_("Country"): country_code,
	}
	missing = [label for label, value in values.items() if not value]
	if missing:
		frappe.throw(
			_("Warehouse {0} needs {1}: Amazon asks where the shipment leaves from.").format(
				warehouse.name, ", ".join(missing)
			),
			title=_("Address Missing"),
		)
	return SourceAddress(
		name=company.company_name[:50],
		address_line1=warehouse.address_line_1,
		address_line2=warehouse.address_line_2 or None,
		city=warehouse.city,
		state_or_province_code=warehouse.state or None,
		postal_code=warehouse.pin,
		country_code=country_code,
		phone_number=warehouse.phone_no,
	)


def _sku(doc, row) -> str:
	if row.seller_sku:
		return row.seller_sku
	mapped = frappe.db.get_value(
		"Amazon SKU Mapping", {"amazon_account": doc.amazon_account, "item_code": row.item_code}, "seller_sku"
	)
	return mapped or row.item_code


def validate(doc) -> None:
	"""Bad input is named before anything is sent."""
	seen = set()
	for row in doc.items:
		row.seller_sku = _sku(doc, row)
		if (row.qty or 0) <= 0:
			frappe.throw(_("Row {0}: the quantity of {1} must be positive.").format(row.idx, row.item_code), title=_("Invalid Quantity"))
		if row.seller_sku in seen:
			frappe.throw(_("Row {0}: SKU {1} is listed twice.").format(row.idx, row.seller_sku), title=_("Duplicate SKU"))
		seen.add(row.seller_sku)


def start_plan(doc) -> None:
	client = get_client(_account(doc))
	if not doc.inbound_plan_id:
		items = [InboundItem(row.seller_sku, int(row.qty)) for row in doc.items]
		plan_id, op = client.create_inbound_plan(items, _source_address(doc), name=doc.plan_name or doc.name)
		doc.db_set("inbound_plan_id", plan_id)
		frappe.db.commit()  # the plan exists at Amazon now: never create it twice
		_wait(client, op, _("the inbound plan"))
	packing = client.packing_options(doc.inbound_plan_id)
	if not packing:
		_wait(client, client.generate_packing_options(doc.inbound_plan_id), _("packing options"))
		packing = client.packing_options(doc.inbound_plan_id)
	if not any(p.status == "ACCEPTED" for p in packing):
		offered = next(p for p in packing if p.status == "OFFERED")
		_wait(client, client.confirm_packing_option(doc.inbound_plan_id, offered.packing_option_id), _("the packing option"))
	options = client.placement_options(doc.inbound_plan_id)
	if not options:
		_wait(client, client.generate_placement_options(doc.inbound_plan_id), _("placement options"))
		options = client.placement_options(doc.inbound_plan_id)
	choices = placement_choices(options)
	summary = [
		{
			"placementOptionId": c.placement_option_id,
			"shipments": c.shipments,
			"placementFee": str(c.placement_fee),
			"currency": c.currency,
		}
		for c in choices
	]
	doc.db_set({"placement_options": json.dumps(summary, indent=1), "status": "Choose Placement", "error": None})


def confirm_placement(doc, placement_option_id: str | None = None) -> None:
	placement_option_id = placement_option_id or doc.placement_option_id
	if not placement_option_id:
		frappe.throw(_("Choose one of Amazon's placement options first."), title=_("No Placement Chosen"))
	client = get_client(_account(doc))
	plan_id = doc.inbound_plan_id
	options = {o.placement_option_id: o for o in client.placement_options(plan_id)}
	option = options.get(placement_option_id)
	if option is None:
		frappe.throw(_("Amazon offers no placement option {0} for this plan.").format(placement_option_id), title=_("Unknown Option"))
	if option.status != "ACCEPTED":
		_wait(client, client.confirm_placement_option(plan_id, placement_option_id), _("the placement option"))
	transport = client.transportation_options(plan_id, placement_option_id)
	if not transport:
		ready = (now_datetime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
		_wait(
			client,
			client.generate_transportation_options(plan_id, placement_option_id, option.shipment_ids, ready),
			_("transportation options"),
		)
		transport = client.transportation_options(plan_id, placement_option_id)
	selections: dict[str, str] = {}
	fees = option.total_fee
	for shipment_id in option.shipment_ids:
		candidates = [t for t in transport if t.shipment_id == shipment_id]
		quoted = sorted((t for t in candidates if t.quote is not None), key=lambda t: t.quote)
		chosen = quoted[0] if quoted else candidates[0]
		selections[shipment_id] = chosen.transportation_option_id
		fees += chosen.quote or 0
	shipments = {sid: client.inbound_shipment(plan_id, sid) for sid in option.shipment_ids}
	if any(s.transportation_option_id is None for s in shipments.values()):
		_wait(client, client.confirm_transportation_options(plan_id, selections), _("the transportation options"))
		shipments = {sid: client.inbound_shipment(plan_id, sid) for sid in option.shipment_ids}
	rows = {row.seller_sku: row for row in doc.items}
	for shipment_id, shipment in shipments.items():
		for item in client.inbound_shipment_items(plan_id, shipment_id):
			row = rows.get(item.msku)
			if row is None:
				continue
			row.db_set(
				{
					"shipment_id": shipment_id,
					"shipment_confirmation_id": shipment.shipment_confirmation_id,
					"destination": shipment.warehouse_id,
					"shipment_status": shipment.status,
				}
			)
	doc.db_set({"placement_option_id": placement_option_id, "fees_total": fees, "status": "Ready to Ship", "error": None})


def _transit_warehouse(account) -> str:
	if not account.fba_in_transit_warehouse or not account.fba_warehouse:
		frappe.throw(
			_("Set the FBA Warehouse and the FBA In-Transit Warehouse of Amazon Account {0}.").format(account.name),
			title=_("Warehouse Missing"),
		)
	return account.fba_in_transit_warehouse


def _transfer(account, source: str, target: str, lines: dict[str, float], remarks: str) -> str:
	entry = frappe.new_doc("Stock Entry")
	entry.update({"stock_entry_type": "Material Transfer", "company": account.company, "from_warehouse": source, "to_warehouse": target, "remarks": remarks})
	for item_code, qty in lines.items():
		entry.append("items", {"item_code": item_code, "qty": qty, "s_warehouse": source, "t_warehouse": target})
	entry.flags.ignore_permissions = True
	entry.insert()
	entry.submit()
	return entry.name


def mark_shipped(doc, shipment_confirmation_id: str | None = None) -> None:
	"""The shipment(s) left: their units move to the in-transit warehouse, once per shipment."""
	account = _account(doc)
	transit = _transit_warehouse(account)
	by_shipment: dict[str, list] = {}
	for row in doc.items:
		if row.shipment_confirmation_id and not row.transfer_out:
			if shipment_confirmation_id in (None, row.shipment_confirmation_id):
				by_shipment.setdefault(row.shipment_confirmation_id, []).append(row)
	for confirmation_id, rows in by_shipment.items():
		lines: dict[str, float] = {}
		for row in rows:
			lines[row.item_code] = lines.get(row.item_code, 0) + row.qty
		name = _transfer(account, doc.source_warehouse, transit, lines, _("Amazon inbound shipment {0} ({1}) left").format(confirmation_id, doc.name))
		for row in rows:
			row.db_set("transfer_out", name)
		frappe.db.commit()  # one shipment's transfer and its mark together: a killed worker never transfers twice
	if all(row.transfer_out for row in doc.items):
		doc.db_set("status", "In Transit")


def sync_receipts(doc) -> None:
	"""Amazon's received quantities into stock: in transit -> FBA warehouse, the units not moved yet."""
	account = _account(doc)
	transit = _transit_warehouse(account)
	client = get_client(account)
	notes: list[str] = []
	statuses = []
	for confirmation_id in sorted({row.shipment_confirmation_id for row in doc.items if row.transfer_out}):
		rows = [row for row in doc.items if row.shipment_confirmation_id == confirmation_id]
		shipment = client.inbound_shipment(doc.inbound_plan_id, rows[0].shipment_id)
		received = {r.msku: r.received for r in client.inbound_receipts(confirmation_id)}
		lines = [ReceiptLine(row.seller_sku, int(row.qty), received.get(row.seller_sku, 0), int(row.moved_qty or 0)) for row in rows]
		moves = receipt_moves(lines)
		if moves:
			by_item = {row.item_code: moves[row.seller_sku] for row in rows if row.seller_sku in moves}
			_transfer(account, transit, account.fba_warehouse, by_item, _("Received by Amazon: inbound shipment {0} ({1})").format(confirmation_id, doc.name))
		found = {d.sku: d for d in discrepancies(lines, shipment.status)}
		for row, line in zip(rows, lines):
			gap = found.get(row.seller_sku)
			row.db_set(
				{
					"received_qty": line.received,
					"moved_qty": min(line.received, line.shipped),
					"shipment_status": shipment.status,
					"shortage_qty": gap.quantity if gap and gap.kind == "Shortage" else 0,
					"overage_qty": gap.quantity if gap and gap.kind == "Overage" else 0,
				}
			)
			if gap:
				notes.append(_("{0}: {1} {2} of {3} (shipment {4})").format(gap.kind, gap.quantity, row.item_code, row.qty, confirmation_id))
		frappe.db.commit()  # the move and the moved quantities together
		statuses.append(shipment.status)
	status = doc.status
	if statuses and all(s == "CLOSED" for s in statuses):
		status = "Closed"
	elif any(s in ("RECEIVING", "CLOSED") for s in statuses):
		status = "Receiving"
	doc.db_set({"discrepancies": "\n".join(notes) or None, "status": status})


def draft_adjustment(doc) -> str:
	"""The seller settles what Amazon received short or over: one draft Stock Entry for the seller to check and
	submit (a shortage leaves the in-transit warehouse as a Material Issue, an overage arrives in the FBA warehouse
	as a Material Receipt). Made once; asked again, the same draft is answered."""
	if doc.adjustment and frappe.db.exists("Stock Entry", doc.adjustment):
		return doc.adjustment
	short = {row.item_code: row.shortage_qty for row in doc.items if row.shortage_qty}
	over = {row.item_code: row.overage_qty for row in doc.items if row.overage_qty}
	if not short and not over:
		frappe.throw(_("Amazon reported no shortage or overage on {0}.").format(doc.name), title=_("Nothing to Settle"))
	if short and over:
		frappe.throw(
			_("Settle shortages and overages one at a time: ERPNext's Stock Entry issues or receives, not both."),
			title=_("Mixed Discrepancies"),
		)
	account = _account(doc)
	transit = _transit_warehouse(account)
	entry = frappe.new_doc("Stock Entry")
	entry.update(
		{
			"stock_entry_type": "Material Issue" if short else "Material Receipt",
			"company": account.company,
			"remarks": _("Settles what Amazon received short or over on {0}").format(doc.name),
		}
	)
	for item_code, qty in (short or over).items():
		row = {"item_code": item_code, "qty": qty}
		row["s_warehouse" if short else "t_warehouse"] = transit if short else account.fba_warehouse
		entry.append("items", row)
	entry.flags.ignore_permissions = True
	entry.insert()
	doc.db_set("adjustment", entry.name)
	return entry.name


def cancel_plan(doc) -> None:
	"""Amazon voids the plan; transfers already made are cancelled so the units are back where they were."""
	client = get_client(_account(doc))
	if doc.inbound_plan_id and client.inbound_plan_status(doc.inbound_plan_id) not in ("VOIDED",):
		_wait(client, client.cancel_inbound_plan(doc.inbound_plan_id), _("the cancellation"))
	for name in sorted({row.transfer_out for row in doc.items if row.transfer_out}):
		entry = frappe.get_doc("Stock Entry", name)
		if entry.docstatus == 1:
			entry.flags.ignore_permissions = True
			entry.cancel()
	doc.db_set("status", "Cancelled")


def open_shipments() -> list[str]:
	"""Amazon Inbound Shipments on their way to Amazon: their receipts are still to come."""
	return frappe.get_all("Amazon Inbound Shipment", {"status": ("in", ("In Transit", "Receiving"))}, pluck="name")


def sync_shipment_receipts(name: str) -> None:
	"""Background job (job kind INBOUND_RECEIPTS of jobs.py): one shipment's receipts; an error is kept on it."""
	doc = frappe.get_doc("Amazon Inbound Shipment", name)
	try:
		sync_receipts(doc)
	except Exception:
		frappe.db.rollback()
		doc.db_set("error", frappe.get_traceback()[-1000:])
		frappe.db.commit()
		raise
