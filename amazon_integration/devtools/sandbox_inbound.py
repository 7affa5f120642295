"""Send to Amazon in the sandbox: two Amazon Inbound Shipments of the sandbox account, made once.

- one plan the simulator moves all the way through: placement, transport, labels, shipped, received by Amazon
  and closed. Its units leave the sending warehouse and reach the FBA warehouse exactly as the simulator's
  fulfillable count rises by them, so the FBA stock reconciliation stays as it was;
- one plan waiting for the seller's choice of transport: Amazon's options with their fees on the form.

The sandbox's simulator finishes Amazon's operations at once and receives a shipment as soon as it leaves (its
clock does not run days ahead here).

A simulator starts empty, while ERPNext keeps what the last sandbox made: on a later start, the new simulator is
given back the receipts of the plans Amazon received (so its fulfillable count and the FBA warehouse still agree),
and a plan still waiting for its transport choice, whose plan the new simulator does not know, is marked
Cancelled (nothing of it left the warehouse) and made anew.
"""

from __future__ import annotations

import os
import random

import frappe
from frappe import _

from amazon_integration.erpnext import inbound
from amazon_integration.simulator import Simulator
from amazon_integration.simulator.generator import CATALOGUE, US
from amazon_integration.simulator.inbound import FULFILMENT_CENTRES, SimInboundPlan, SimInboundShipment, inbound_state

DOCK_ADDRESS = {"address_line_1": "1200 Harbor Ave SW", "city": "Seattle", "state": "WA", "pin": "98126", "phone_no": "2065550100"}
RECEIVED_PLAN = 3  # SKUs of the plan that goes all the way
WAITING_PLAN = 2  # SKUs of the plan waiting for the transport choice


def _shipment(account: str, dock: str, skus: list[str], name: str):
	doc = frappe.get_doc(
		{
			"doctype": "Amazon Inbound Shipment",
			"amazon_account": account,
			"plan_name": name,
			"source_warehouse": dock,
			"box_dimension_unit": "IN",
			"box_weight_unit": "LB",
			"items": [{"item_code": sku, "qty": 12} for sku in skus],
			"boxes": [
				{"item_code": sku, "boxes": 2, "units_per_box": 6, "length": 18, "width": 14, "height": 12, "weight": 22}
				for sku in skus
			],
		}
	)
	doc.flags.ignore_permissions = True
	doc.insert()
	frappe.db.commit()
	inbound.start_plan(doc)
	doc.reload()
	split = next(o for o in frappe.parse_json(doc.placement_options) if o["shipments"] > 1 or len(skus) == 1)
	inbound.confirm_placement(doc, split["placementOptionId"])
	frappe.db.commit()
	doc.reload()
	return doc


def _restore_receipts(sim: Simulator, account: str) -> None:
	"""The new simulator learns the shipments Amazon received before (closed, their received units counted)."""
	now = sim.state.clock.now()
	centres = {centre[0]: centre for centre in FULFILMENT_CENTRES}
	for name in frappe.get_all("Amazon Inbound Shipment", {"amazon_account": account, "inbound_plan_id": ("is", "set")}, pluck="name"):
		doc = frappe.get_doc("Amazon Inbound Shipment", name)
		received = [row for row in doc.items if row.received_qty and row.shipment_confirmation_id]
		if not received:
			continue
		plan = SimInboundPlan(doc.inbound_plan_id, doc.plan_name or doc.name, US, {}, {r.seller_sku: r.qty for r in doc.items}, now, now, status="SHIPPED")
		for row in received:
			shipment = plan.shipments.setdefault(
				row.shipment_id,
				SimInboundShipment(
					row.shipment_id, doc.placement_option_id, centres.get(row.destination, FULFILMENT_CENTRES[0]), {},
					status="CLOSED", confirmation_id=row.shipment_confirmation_id, shipped_at=now,
				),
			)
			shipment.items[row.seller_sku] = row.qty
			shipment.received[row.seller_sku] = row.received_qty
		inbound_state(sim.state).plans[plan.plan_id] = plan


def send_sample_plans(sim: Simulator, builder, account: str) -> list[str]:
	"""The sandbox plans (see the module): both the first time, later a new waiting one. Returns those made."""
	state = inbound_state(sim.state)
	state.operation_seconds = 0
	state.receive_after_days = state.close_after_days = 0
	state.id_rng = random.Random(os.urandom(16))  # ids no earlier sandbox's simulator handed out
	dock = builder.warehouse("Amazon Inbound Dock", _("sends stock to Amazon"))
	if frappe.db.exists("Amazon Inbound Shipment", {"amazon_account": account}):
		_restore_receipts(sim, account)
		stale = frappe.get_all(
			"Amazon Inbound Shipment", {"amazon_account": account, "status": ("in", ("Choose Placement", "Choose Transport"))}, pluck="name"
		)
		if not stale:
			return []
		for name in stale:  # their plans were the last simulator's; no unit of them left the warehouse
			frappe.db.set_value("Amazon Inbound Shipment", name, "status", "Cancelled")
		frappe.db.commit()
		skus = [entry.sku for entry in CATALOGUE][RECEIVED_PLAN : RECEIVED_PLAN + WAITING_PLAN]
		return [_shipment(account, dock, skus, _("Summer restock")).name]
	frappe.db.set_value("Warehouse", dock, {k: v for k, v in DOCK_ADDRESS.items() if not frappe.db.get_value("Warehouse", dock, k)})
	transit = builder.warehouse("Amazon Inbound Transit", _("units on their way to Amazon"))
	if not frappe.db.get_value("Amazon Account", account, "fba_in_transit_warehouse"):
		frappe.db.set_value("Amazon Account", account, "fba_in_transit_warehouse", transit)
	# ERPNext keeps each company's warehouse -> account map for the process (the order sync filled it): the
	# new warehouses would be missing from it.
	frappe.flags.pop("warehouse_account_map", None)
	skus = [entry.sku for entry in CATALOGUE][: RECEIVED_PLAN + WAITING_PLAN]
	builder.stock_up(skus, [dock], 200, builder.stock_rate, remarks=_("Amazon sandbox: stock to send to Amazon"))
	frappe.db.commit()

	received = _shipment(account, dock, skus[:RECEIVED_PLAN], _("Spring restock"))
	inbound.confirm_transport(received)
	received.reload()
	inbound.fetch_labels(received)
	inbound.mark_shipped(received)
	received.reload()
	for shipment_id in sorted({row.shipment_id for row in received.items}):
		sim.control.inbound_ship(shipment_id)
	inbound.sync_receipts(received)
	waiting = _shipment(account, dock, skus[RECEIVED_PLAN:], _("Summer restock"))
	frappe.db.commit()
	return [received.name, waiting.name]
