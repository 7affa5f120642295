"""Send to Amazon in ERPNext: an Amazon Inbound Shipment drives Amazon's inbound workflow and moves the stock.

Steps (each safe to run again: it looks at what is already recorded before calling Amazon or making stock):
  start_plan           createInboundPlan, packing (Amazon's only offered option is confirmed), the box contents
                       (setPackingInformation) when boxes are entered, placement options listed with Amazon's fees
                       and the cheapest transport quotes of each -> "Choose Placement"
  confirm_placement    the chosen placement option; per shipment, Amazon's transportation options with their quotes
                       -> "Choose Transport"
  confirm_transport    the chosen transportation option per shipment; rows get their shipment -> "Ready to Ship"
  fetch_labels         the shipments' box labels (v0 getLabels) attached as PDFs
  mark_shipped         per shipment, a submitted Material Transfer sending warehouse -> in-transit warehouse
  sync_receipts        Amazon's received quantities: in transit -> FBA warehouse for the units received since the
                       last move (domain/inbound.py); shortages once Amazon closes a shipment, overages at once
  cancel_plan          cancelInboundPlan at Amazon; the transfers already made are cancelled, units go back
The stock logic is in domain/inbound.py; this module only reads and writes documents.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import now_datetime

from amazon_integration.amazon.inbound import InboundBox, InboundItem, SourceAddress
from amazon_integration.domain.inbound import (
	CANCELLED_STATUSES,
	ReceiptLine,
	choose_transport,
	discrepancies,
	label_page_type,
	placement_choices,
	receipt_moves,
)
from amazon_integration.erpnext.account_client import get_client
from amazon_integration.erpnext.texts import translated

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
	_validate_boxes(doc)


# Amazon's standard-size box: at most 25 in (63.5 cm) on any side and 50 lb (22.7 kg).
BOX_LIMITS = {"IN": 25.0, "CM": 63.5, "LB": 50.0, "KG": 22.7}


def _validate_boxes(doc) -> None:
	"""The boxes, when given, hold exactly the units of the items, and each one is a box Amazon takes."""
	if not doc.get("boxes"):
		return
	length_unit, weight_unit = doc.box_dimension_unit or "CM", doc.box_weight_unit or "KG"
	for box in doc.boxes:
		for field in ("boxes", "units_per_box", "length", "width", "height", "weight"):
			if (box.get(field) or 0) <= 0:
				frappe.throw(
					_("Boxes row {0}: {1} must be above zero.").format(box.idx, _(box.meta.get_label(field))),
					title=_("Invalid Box"),
				)
		longest = max(box.length, box.width, box.height)
		if longest > BOX_LIMITS[length_unit]:
			frappe.throw(
				_("Boxes row {0}: a side of {1} {2} is longer than Amazon's {3} {2}.").format(
					box.idx, longest, length_unit, BOX_LIMITS[length_unit]
				),
				title=_("Box Too Large"),
			)
		if box.weight > BOX_LIMITS[weight_unit]:
			frappe.throw(
				_("Boxes row {0}: {1} {2} is heavier than Amazon's {3} {2} per box.").format(
					box.idx, box.weight, weight_unit, BOX_LIMITS[weight_unit]
				),
				title=_("Box Too Heavy"),
			)
	packed: dict[str, int] = {}
	for box in doc.boxes:
		packed[box.item_code] = packed.get(box.item_code, 0) + int(box.boxes) * int(box.units_per_box)
	sent: dict[str, int] = {}
	for row in doc.items:
		sent[row.item_code] = sent.get(row.item_code, 0) + int(row.qty or 0)
	for item_code in sorted(set(sent) | set(packed)):
		if packed.get(item_code, 0) != sent.get(item_code, 0):
			frappe.throw(
				_("The boxes hold {0} units of {1}, the items send {2}: every unit travels in exactly one box.").format(
					packed.get(item_code, 0), item_code, sent.get(item_code, 0)
				),
				title=_("Boxes Do Not Match"),
			)


def _boxes(doc) -> list[InboundBox]:
	skus = {row.item_code: row.seller_sku for row in doc.items}
	return [
		InboundBox(
			quantity=int(box.boxes),
			length=box.length,
			width=box.width,
			height=box.height,
			dimension_unit=doc.box_dimension_unit or "CM",
			weight=box.weight,
			weight_unit=doc.box_weight_unit or "KG",
			items=((skus[box.item_code], int(box.units_per_box)),),
		)
		for box in doc.boxes
	]


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
	accepted = next((p for p in packing if p.status == "ACCEPTED"), None)
	if accepted is None:
		accepted = next(p for p in packing if p.status == "OFFERED")
		_wait(client, client.confirm_packing_option(doc.inbound_plan_id, accepted.packing_option_id), _("the packing option"))
	options = client.placement_options(doc.inbound_plan_id)
	if not options:
		if doc.get("boxes"):
			# Box contents go with the packing group, before placement: Amazon plans and quotes by the boxes.
			if len(accepted.packing_groups) != 1:
				frappe.throw(
					_("Amazon packs this plan in {0} groups; enter its boxes in Seller Central.").format(len(accepted.packing_groups)),
					title=_("Several Packing Groups"),
				)
			_wait(
				client,
				client.set_packing_information(doc.inbound_plan_id, {accepted.packing_groups[0]: _boxes(doc)}),
				_("the box contents"),
			)
		_wait(client, client.generate_placement_options(doc.inbound_plan_id), _("placement options"))
		options = client.placement_options(doc.inbound_plan_id)
	choices = placement_choices(options, _quote_transport(client, doc.inbound_plan_id, options))
	summary = [
		{
			"placementOptionId": c.placement_option_id,
			"shipments": c.shipments,
			"placementFee": str(c.placement_fee),
			"transportFee": None if c.transport is None else str(c.transport),
			"total": None if c.total is None else str(c.total),
			"currency": c.currency,
		}
		for c in choices
	]
	doc.db_set({"placement_options": json.dumps(summary, indent=1), "status": "Choose Placement", "error": None})


def _ready_to_ship() -> str:
	return (now_datetime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _quote_transport(client, plan_id: str, options) -> dict:
	"""placementOptionId -> its transportation options: Amazon quotes each offered placement option's transport,
	so the seller compares placement fee plus transport before confirming one."""
	quoted = {}
	for option in options:
		if option.status not in ("OFFERED", "ACCEPTED"):
			continue
		transport = client.transportation_options(plan_id, option.placement_option_id)
		if not transport:
			_wait(
				client,
				client.generate_transportation_options(plan_id, option.placement_option_id, option.shipment_ids, _ready_to_ship()),
				_("transportation options"),
			)
			transport = client.transportation_options(plan_id, option.placement_option_id)
		quoted[option.placement_option_id] = transport
	return quoted


def confirm_placement(doc, placement_option_id: str | None = None) -> None:
	"""The chosen placement option, confirmed; Amazon's transportation options per shipment listed with their
	quotes for the seller to choose ("Choose Transport")."""
	placement_option_id = placement_option_id or doc.placement_option_id
	if not placement_option_id or not doc.inbound_plan_id:
		frappe.throw(_("Choose one of Amazon's placement options first."), title=_("No Placement Chosen"))
	client = get_client(_account(doc))
	plan_id = doc.inbound_plan_id
	options = {o.placement_option_id: o for o in client.placement_options(plan_id)}
	option = options.get(placement_option_id)
	if option is None:
		frappe.throw(_("Amazon offers no placement option {0} for this plan.").format(placement_option_id), title=_("Unknown Option"))
	if option.status != "ACCEPTED":
		if any(o.status == "ACCEPTED" for o in options.values()):
			frappe.throw(_("Another placement option is confirmed at Amazon already."), title=_("Placement Confirmed"))
		_wait(client, client.confirm_placement_option(plan_id, placement_option_id), _("the placement option"))
	doc.db_set("placement_option_id", placement_option_id)
	frappe.db.commit()  # confirmed at Amazon: a rerun must not try another option
	transport = client.transportation_options(plan_id, placement_option_id)
	if not transport:  # a plan started before its options were quoted
		transport = _quote_transport(client, plan_id, [option])[placement_option_id]
	rows = {row.seller_sku: row for row in doc.items}
	listed = []
	for shipment_id in option.shipment_ids:
		shipment = client.inbound_shipment(plan_id, shipment_id)
		for item in client.inbound_shipment_items(plan_id, shipment_id):
			row = rows.get(item.msku)
			if row is not None:
				row.db_set({"shipment_id": shipment_id, "destination": shipment.warehouse_id, "shipment_status": shipment.status})
		listed.append(
			{
				"shipmentId": shipment_id,
				"destination": shipment.warehouse_id,
				"items": sorted(row.item_code for row in doc.items if row.shipment_id == shipment_id),
				"options": [
					{
						"transportationOptionId": t.transportation_option_id,
						"shippingSolution": t.shipping_solution,
						"shippingMode": t.shipping_mode,
						"carrier": t.carrier_name,
						"quote": None if t.quote is None else str(t.quote),
						"currency": t.currency,
					}
					for t in transport
					if t.shipment_id == shipment_id
				],
			}
		)
	doc.db_set(
		{
			"transport_options": json.dumps(listed, indent=1),
			"fees_total": option.total_fee,
			"status": "Choose Transport",
			"error": None,
		}
	)


def confirm_transport(doc, selections: dict[str, str] | str | None = None) -> None:
	"""The chosen transportation option of every shipment (shipmentId -> transportationOptionId), confirmed at
	Amazon; without a choice, the cheapest partnered quote per shipment, else the seller's own carrier."""
	if isinstance(selections, str):
		selections = json.loads(selections or "{}")
	if not doc.placement_option_id or not doc.transport_options:
		frappe.throw(_("Confirm a placement option first: Amazon quotes transport per shipment."), title=_("No Placement Confirmed"))
	client = get_client(_account(doc))
	plan_id = doc.inbound_plan_id
	listed = json.loads(doc.transport_options)
	shipment_ids = [s["shipmentId"] for s in listed]
	shipments = {sid: client.inbound_shipment(plan_id, sid) for sid in shipment_ids}
	if all(s.transportation_option_id for s in shipments.values()):
		chosen = {sid: s.transportation_option_id for sid, s in shipments.items()}  # confirmed already: a rerun
	else:
		chosen = choose_transport(listed, selections or {})
		unknown = [sid for sid in shipment_ids if sid not in chosen]
		if unknown:
			frappe.throw(
				_("Choose a transportation option Amazon offers for shipment {0}.").format(", ".join(unknown)),
				title=_("No Transport Chosen"),
			)
		_wait(client, client.confirm_transportation_options(plan_id, chosen), _("the transportation options"))
		shipments = {sid: client.inbound_shipment(plan_id, sid) for sid in shipment_ids}
	quotes = {o["transportationOptionId"]: o.get("quote") for s in listed for o in s["options"]}
	placement = next(
		(o for o in client.placement_options(plan_id) if o.placement_option_id == doc.placement_option_id), None
	)
	fees = (placement.total_fee if placement else 0) + sum(Decimal(quotes.get(oid) or 0) for oid in chosen.values())
	for shipment in listed:
		shipment["chosen"] = chosen.get(shipment["shipmentId"])
	for row in doc.items:
		shipment = shipments.get(row.shipment_id)
		if shipment is not None:
			row.db_set({"shipment_confirmation_id": shipment.shipment_confirmation_id, "shipment_status": shipment.status})
	doc.db_set(
		{
			"transport_options": json.dumps(listed, indent=1),
			"fees_total": fees,
			"status": "Ready to Ship",
			"error": None,
		}
	)


def fetch_labels(doc) -> list[str]:
	"""Amazon's box labels of every shipment (v0 getLabels), attached to the document as PDFs; once each."""
	confirmations = sorted({row.shipment_confirmation_id for row in doc.items if row.shipment_confirmation_id})
	if not confirmations:
		frappe.throw(_("Confirm the transport first: Amazon labels confirmed shipments."), title=_("No Shipments"))
	if not doc.get("boxes"):
		frappe.throw(_("Enter the Boxes first: Amazon prints one label per box."), title=_("No Boxes"))
	account = _account(doc)
	client = get_client(account)
	country = (frappe.db.get_value("Country", frappe.get_cached_value("Company", account.company, "country"), "code") or "").upper()
	listed = {s["shipmentId"]: s for s in json.loads(doc.transport_options or "[]")}
	files = []
	for confirmation_id in confirmations:
		file_name = f"{confirmation_id}-labels.pdf"
		# Frappe renames a file whose name another file's different content holds already: match the start.
		existing = frappe.db.get_value(
			"File",
			{"attached_to_doctype": doc.doctype, "attached_to_name": doc.name, "file_name": ("like", f"{confirmation_id}-labels%")},
			"file_url",
		)
		if existing:
			files.append(existing)
			continue
		rows = [row for row in doc.items if row.shipment_confirmation_id == confirmation_id]
		items = {row.item_code for row in rows}
		packages = sum(int(box.boxes) for box in doc.boxes if box.item_code in items)
		shipment = listed.get(rows[0].shipment_id) or {}
		solution = next(
			(o["shippingSolution"] for o in shipment.get("options", []) if o["transportationOptionId"] == shipment.get("chosen")), ""
		)
		pdf = client.inbound_labels(
			confirmation_id, page_type=label_page_type(country, solution == "AMAZON_PARTNERED_CARRIER"), packages=packages
		)
		saved = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": file_name,
				"attached_to_doctype": doc.doctype,
				"attached_to_name": doc.name,
				"is_private": 1,
				"content": pdf,
			}
		)
		saved.flags.ignore_permissions = True
		saved.insert()
		frappe.db.commit()  # one shipment's labels at a time: a rerun fetches only what is missing
		files.append(saved.file_url)
	return files


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
				notes.append(_("{0}: {1} {2} of {3} (shipment {4})").format(translated(gap.kind), gap.quantity, row.item_code, row.qty, confirmation_id))
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
