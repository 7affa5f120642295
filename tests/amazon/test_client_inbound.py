"""The gateway's Send to Amazon calls (Fulfillment Inbound 2024-03-20) against the simulator: records, fees,
asynchronous operations waited for on the client's clock, the split into shipments."""

from __future__ import annotations

from decimal import Decimal

from amazon_integration.amazon.inbound import InboundBox, InboundItem, SourceAddress

SOURCE = SourceAddress("Warehouse", "1 Main St", "Seattle", "98101", "US", "2065550100", state_or_province_code="WA")
ITEMS = (InboundItem("SIM-MUG-001", 10), InboundItem("SIM-TEA-010", 6), InboundItem("SIM-LMP-030", 4))


def test_inbound_workflow_through_the_gateway(sim, gateway) -> None:
	client = gateway(sim)
	plan_id, op = client.create_inbound_plan(ITEMS, SOURCE, name="Spring restock")
	assert plan_id.startswith("wf")
	assert client.inbound_operation(op).status == "IN_PROGRESS"
	done = client.wait_inbound_operation(op, interval=2.0, timeout=60)
	assert done.succeeded and client.sim_clock.slept  # waited on the clock, not in a tight loop

	assert client.wait_inbound_operation(client.generate_packing_options(plan_id)).succeeded
	(packing,) = client.packing_options(plan_id)
	assert packing.status == "OFFERED"
	assert client.wait_inbound_operation(client.confirm_packing_option(plan_id, packing.packing_option_id)).succeeded
	boxes = [
		InboundBox(2, 40, 30, 30, "CM", 9.5, "KG", (("SIM-MUG-001", 5),)),
		InboundBox(1, 40, 30, 30, "CM", 8.0, "KG", (("SIM-TEA-010", 6), ("SIM-LMP-030", 4))),
	]
	assert client.wait_inbound_operation(client.set_packing_information(plan_id, {packing.packing_groups[0]: boxes})).succeeded

	assert client.wait_inbound_operation(client.generate_placement_options(plan_id)).succeeded
	options = client.placement_options(plan_id)
	split = next(o for o in options if len(o.shipment_ids) == 2)
	single = next(o for o in options if len(o.shipment_ids) == 1)
	assert split.total_fee == 0
	assert single.total_fee == Decimal("6.00") and single.fees[0].target == "Placement Services"
	assert client.wait_inbound_operation(client.confirm_placement_option(plan_id, split.placement_option_id)).succeeded

	op = client.generate_transportation_options(plan_id, split.placement_option_id, split.shipment_ids, "2030-01-01T00:00:00Z")
	assert client.wait_inbound_operation(op).succeeded
	transport = client.transportation_options(plan_id, split.placement_option_id)
	partnered = {o.shipment_id: o for o in transport if o.shipping_solution == "AMAZON_PARTNERED_CARRIER"}
	assert set(partnered) == set(split.shipment_ids) and all(o.quote and o.currency == "USD" for o in partnered.values())
	selections = {sid: o.transportation_option_id for sid, o in partnered.items()}
	assert client.wait_inbound_operation(client.confirm_transportation_options(plan_id, selections)).succeeded

	units = {}
	for sid in split.shipment_ids:
		shipment = client.inbound_shipment(plan_id, sid)
		assert shipment.status == "READY_TO_SHIP" and shipment.warehouse_id
		assert shipment.transportation_option_id == selections[sid]
		units.update({i.msku: i.quantity for i in client.inbound_shipment_items(plan_id, sid)})
	assert units == {i.msku: i.quantity for i in ITEMS}
	assert client.inbound_plan_status(plan_id) == "ACTIVE"
	confirmation = client.inbound_shipment(plan_id, split.shipment_ids[0]).shipment_confirmation_id
	pdf = client.inbound_labels(confirmation, page_type="PackageLabel_Letter_2", packages=2)
	assert pdf.startswith(b"%PDF") and confirmation.encode() in pdf


def test_cancel_plan(sim, gateway) -> None:
	client = gateway(sim)
	plan_id, op = client.create_inbound_plan(ITEMS[:1], SOURCE)
	client.wait_inbound_operation(op)
	assert client.wait_inbound_operation(client.cancel_inbound_plan(plan_id)).succeeded
	assert client.inbound_plan_status(plan_id) == "VOIDED"


def test_receipts_come_in_over_days_one_short(sim, gateway) -> None:
	"""Received quantities (v0 getShipmentItemsByShipmentId) by shipmentConfirmationId: nothing until Amazon
	receives, then what was shipped less the shortage."""
	client = gateway(sim)
	plan_id, op = client.create_inbound_plan(ITEMS, SOURCE)
	client.wait_inbound_operation(op)
	client.wait_inbound_operation(client.generate_packing_options(plan_id))
	client.wait_inbound_operation(client.confirm_packing_option(plan_id, client.packing_options(plan_id)[0].packing_option_id))
	client.wait_inbound_operation(client.generate_placement_options(plan_id))
	split = next(o for o in client.placement_options(plan_id) if len(o.shipment_ids) == 2)
	client.wait_inbound_operation(client.confirm_placement_option(plan_id, split.placement_option_id))
	client.wait_inbound_operation(
		client.generate_transportation_options(plan_id, split.placement_option_id, split.shipment_ids, "2030-01-01T00:00:00Z")
	)
	own = {o.shipment_id: o.transportation_option_id for o in client.transportation_options(plan_id, split.placement_option_id) if o.shipping_solution == "USE_YOUR_OWN_CARRIER"}
	client.wait_inbound_operation(client.confirm_transportation_options(plan_id, own))
	shipments = [client.inbound_shipment(plan_id, sid) for sid in split.shipment_ids]
	sim.control.inbound_short({"SIM-LMP-030": 1})
	for shipment in shipments:
		sim.control.inbound_ship(shipment.shipment_id)
	first = client.inbound_receipts(shipments[0].shipment_confirmation_id)
	assert first and all(r.received == 0 and r.shipped > 0 for r in first)
	sim.control.advance(3 * 86400)
	client = gateway(sim)  # a later run: the access token of days ago has expired
	received = {
		r.msku: (r.shipped, r.received)
		for shipment in shipments
		for r in client.inbound_receipts(shipment.shipment_confirmation_id)
	}
	assert received == {"SIM-MUG-001": (10, 10), "SIM-TEA-010": (6, 6), "SIM-LMP-030": (4, 3)}
