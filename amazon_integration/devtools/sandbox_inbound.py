"""Send to Amazon in the sandbox: two Amazon Inbound Shipments of the sandbox account, made once.

- one plan the simulator moves all the way through: placement, transport, labels, shipped, received by Amazon
  and closed. Its units leave the sending warehouse and reach the FBA warehouse exactly as the simulator's
  fulfillable count rises by them, so the FBA stock reconciliation stays as it was;
- one plan waiting for the seller's choice of transport: Amazon's options with their fees on the form.

The sandbox's simulator finishes Amazon's operations at once and receives a shipment as soon as it leaves (its
clock does not run days ahead here).
"""

from __future__ import annotations

import frappe
from frappe import _

from amazon_integration.erpnext import inbound
from amazon_integration.simulator import Simulator
from amazon_integration.simulator.generator import CATALOGUE
from amazon_integration.simulator.inbound import inbound_state

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
	doc.reload()
	return doc


def send_sample_plans(sim: Simulator, builder, account: str) -> list[str]:
	"""The two sandbox plans (see the module), unless the account has inbound shipments already."""
	if frappe.db.exists("Amazon Inbound Shipment", {"amazon_account": account}):
		return []
	state = inbound_state(sim.state)
	state.operation_seconds = 0
	state.receive_after_days = state.close_after_days = 0
	dock = builder.warehouse("Amazon Inbound Dock", _("sends stock to Amazon"))
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
