"""Fulfillment Inbound 2024-03-20 through python-amazon-sp-api, every answer checked against Amazon's model: the
whole Send to Amazon workflow with asynchronous operations, a split into two shipments, receipts on the clock
(one short) that raise FBA fulfillable stock, and cancellation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sp_api.api import Inventories
from sp_api.api.fulfillment_inbound.fulfillment_inbound_2024_03_20 import FulfillmentInboundV20240320
from sp_api.base.exceptions import SellingApiBadRequestException

from amazon_integration.simulator.testing import forget_tokens, full_body

MODEL = "fulfillment-inbound/fulfillmentInbound_2024-03-20"
SKUS = {"SIM-MUG-001": 10, "SIM-TEA-010": 6, "SIM-LMP-030": 4}
SOURCE = {
	"name": "Warehouse",
	"addressLine1": "1 Main St",
	"city": "Seattle",
	"stateOrProvinceCode": "WA",
	"postalCode": "98101",
	"countryCode": "US",
	"phoneNumber": "2065550100",
}


@pytest.fixture(autouse=True)
def frozen_clock(sim: Any) -> None:
	"""Simulated time moves only when a test advances it: on a loaded machine the clock's real-time drift would
	finish an operation before the test reads it IN_PROGRESS."""
	sim.state.clock.time_scale = 0


def valid(assert_valid: Any, definition: str, response: Any) -> dict[str, Any]:
	body = full_body(response)
	assert_valid(MODEL, definition, body)
	return body


def finish(sim: Any, client: Any, assert_valid: Any, operation_id: str) -> dict[str, Any]:
	"""An operation is IN_PROGRESS first, then SUCCESS once its seconds have passed on the clock."""
	first = valid(assert_valid, "InboundOperationStatus", client.get_inbound_operation_status(operation_id))
	assert first["operationStatus"] == "IN_PROGRESS"
	sim.state.clock.advance(10)
	return valid(assert_valid, "InboundOperationStatus", client.get_inbound_operation_status(operation_id))


def create_plan(sim: Any, client: Any, assert_valid: Any) -> str:
	body = {
		"destinationMarketplaces": ["ATVPDKIKX0DER"],
		"sourceAddress": SOURCE,
		"items": [
			{"msku": sku, "quantity": qty, "labelOwner": "SELLER", "prepOwner": "NONE"} for sku, qty in SKUS.items()
		],
	}
	assert_valid(MODEL, "CreateInboundPlanRequest", body)
	created = valid(assert_valid, "CreateInboundPlanResponse", client.create_inbound_plan(**body))
	assert finish(sim, client, assert_valid, created["operationId"])["operationStatus"] == "SUCCESS"
	return created["inboundPlanId"]


def confirm_through_transport(sim: Any, client: Any, assert_valid: Any, plan_id: str) -> tuple[dict, list[str]]:
	op = valid(assert_valid, "GeneratePackingOptionsResponse", client.generate_packing_options(plan_id))
	finish(sim, client, assert_valid, op["operationId"])
	packing = valid(assert_valid, "ListPackingOptionsResponse", client.list_packing_options(plan_id))["packingOptions"]
	op = valid(assert_valid, "ConfirmPackingOptionResponse", client.confirm_packing_option(plan_id, packing[0]["packingOptionId"]))
	finish(sim, client, assert_valid, op["operationId"])

	op = valid(assert_valid, "GeneratePlacementOptionsResponse", client.generate_placement_options(plan_id))
	finish(sim, client, assert_valid, op["operationId"])
	options = valid(assert_valid, "ListPlacementOptionsResponse", client.list_placement_options(plan_id))["placementOptions"]
	split = next(o for o in options if len(o["shipmentIds"]) == 2)
	single = next(o for o in options if len(o["shipmentIds"]) == 1)
	assert not split["fees"]
	assert single["fees"][0]["target"] == "Placement Services"
	assert single["fees"][0]["value"]["amount"] == pytest.approx(0.30 * sum(SKUS.values()))
	op = valid(assert_valid, "ConfirmPlacementOptionResponse", client.confirm_placement_option(plan_id, split["placementOptionId"]))
	finish(sim, client, assert_valid, op["operationId"])

	ready = (sim.state.clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
	request = {
		"placementOptionId": split["placementOptionId"],
		"shipmentTransportationConfigurations": [
			{"shipmentId": sid, "readyToShipWindow": {"start": ready}} for sid in split["shipmentIds"]
		],
	}
	assert_valid(MODEL, "GenerateTransportationOptionsRequest", request)
	op = valid(assert_valid, "GenerateTransportationOptionsResponse", client.generate_transportation_options(plan_id, **request))
	finish(sim, client, assert_valid, op["operationId"])
	transport = valid(
		assert_valid,
		"ListTransportationOptionsResponse",
		client.list_transportation_options(plan_id, placementOptionId=split["placementOptionId"]),
	)["transportationOptions"]
	partnered = {o["shipmentId"]: o for o in transport if o["shippingSolution"] == "AMAZON_PARTNERED_CARRIER"}
	assert set(partnered) == set(split["shipmentIds"])
	assert all(o["quote"]["cost"]["amount"] > 0 for o in partnered.values())
	selection = {
		"transportationSelections": [
			{"shipmentId": sid, "transportationOptionId": o["transportationOptionId"]} for sid, o in partnered.items()
		]
	}
	assert_valid(MODEL, "ConfirmTransportationOptionsRequest", selection)
	op = valid(assert_valid, "ConfirmTransportationOptionsResponse", client.confirm_transportation_options(plan_id, **selection))
	assert finish(sim, client, assert_valid, op["operationId"])["operationStatus"] == "SUCCESS"
	return split, split["shipmentIds"]


def fulfillable(sp_client: Any) -> dict[str, int]:
	body = full_body(sp_client(Inventories).get_inventory_summary_marketplace(details=True))
	return {s["sellerSku"]: s["inventoryDetails"]["fulfillableQuantity"] for s in body["inventorySummaries"]}


def test_send_to_amazon_split_and_short_receipt(sim, sp_client, assert_valid) -> None:
	client = sp_client(FulfillmentInboundV20240320)
	plan_id = create_plan(sim, client, assert_valid)
	plan = valid(assert_valid, "InboundPlan", client.get_inbound_plan(plan_id))
	assert plan["status"] == "ACTIVE"
	split, shipment_ids = confirm_through_transport(sim, client, assert_valid, plan_id)

	items_by_shipment = {}
	for sid in shipment_ids:
		shipment = valid(assert_valid, "Shipment", client.get_shipment(plan_id, sid))
		assert shipment["status"] == "READY_TO_SHIP" and shipment["shipmentConfirmationId"].startswith("FBA")
		items = valid(assert_valid, "ListShipmentItemsResponse", client.list_shipment_items(plan_id, sid))["items"]
		items_by_shipment[sid] = {i["msku"]: i["quantity"] for i in items}
	assert sorted(sku for items in items_by_shipment.values() for sku in items) == sorted(SKUS)
	destinations = {valid(assert_valid, "Shipment", client.get_shipment(plan_id, s))["destination"]["warehouseId"] for s in shipment_ids}
	assert len(destinations) == 2

	before = fulfillable(sp_client)
	sim.control.inbound_short({"SIM-TEA-010": 2})
	for sid in shipment_ids:
		sim.control.inbound_ship(sid)
	assert valid(assert_valid, "Shipment", client.get_shipment(plan_id, shipment_ids[0]))["status"] == "IN_TRANSIT"
	assert fulfillable(sp_client) == before  # nothing received while in transit

	sim.state.clock.advance(timedelta(days=2, minutes=1).total_seconds())
	forget_tokens()  # days passed: the access token expired
	received = fulfillable(sp_client)
	expected = {sku: qty - (2 if sku == "SIM-TEA-010" else 0) for sku, qty in SKUS.items()}
	assert {sku: received[sku] - before[sku] for sku in SKUS} == expected
	assert valid(assert_valid, "Shipment", client.get_shipment(plan_id, shipment_ids[0]))["status"] == "RECEIVING"
	sim.state.clock.advance(timedelta(days=2).total_seconds())
	forget_tokens()
	assert {valid(assert_valid, "Shipment", client.get_shipment(plan_id, s))["status"] for s in shipment_ids} == {"CLOSED"}
	assert valid(assert_valid, "InboundPlan", client.get_inbound_plan(plan_id))["status"] == "SHIPPED"
	assert fulfillable(sp_client) == received  # closing adds nothing twice

	# a shipped plan cannot be cancelled: the operation fails with a problem
	op = valid(assert_valid, "CancelInboundPlanResponse", client.cancel_inbound_plan(plan_id))
	failed = finish(sim, client, assert_valid, op["operationId"])
	assert failed["operationStatus"] == "FAILED" and failed["operationProblems"]


def test_cancel_and_bad_input(sim, sp_client, assert_valid) -> None:
	client = sp_client(FulfillmentInboundV20240320)
	plan_id = create_plan(sim, client, assert_valid)
	op = valid(assert_valid, "CancelInboundPlanResponse", client.cancel_inbound_plan(plan_id))
	assert finish(sim, client, assert_valid, op["operationId"])["operationStatus"] == "SUCCESS"
	assert valid(assert_valid, "InboundPlan", client.get_inbound_plan(plan_id))["status"] == "VOIDED"
	with pytest.raises(SellingApiBadRequestException) as raised:
		client.generate_packing_options(plan_id)
	assert_valid(MODEL, "ErrorList", {"errors": raised.value.error})
	with pytest.raises(SellingApiBadRequestException):
		client.create_inbound_plan(destinationMarketplaces=["ATVPDKIKX0DER"], sourceAddress=SOURCE, items=[])
	with pytest.raises(SellingApiBadRequestException):
		client.create_inbound_plan(
			destinationMarketplaces=["ATVPDKIKX0DER"],
			sourceAddress=SOURCE,
			items=[{"msku": "SIM-MUG-001", "quantity": 0, "labelOwner": "SELLER", "prepOwner": "NONE"}],
		)


def test_placement_and_transport_fees_reach_the_settlement(sim, sp_client, assert_valid) -> None:
	"""Amazon charges the confirmed plan's placement fee and partnered transport in the settlement period it was
	confirmed in, as other-transaction fees (FBAInboundConvenienceFee, FBAInboundTransportationFee)."""
	from decimal import Decimal

	from amazon_integration.simulator.settlements import Settlement, _fee_events

	client = sp_client(FulfillmentInboundV20240320)
	start = sim.state.clock.now()
	plan_id = create_plan(sim, client, assert_valid)
	confirm_through_transport(sim, client, assert_valid, plan_id)  # the split: no placement fee, partnered quotes
	end = sim.state.clock.now() + timedelta(seconds=1)
	events = _fee_events(sim.state, Settlement("S1", "USD", start), end)
	inbound_fees = {e.fee_type: e.other[0].amount for e in events if e.fee_type.startswith("FBAInbound")}
	assert inbound_fees == {"FBAInboundTransportationFee": -Decimal("9.00")}  # 20 units x 0.45
	later = _fee_events(sim.state, Settlement("S2", "USD", end), end + timedelta(days=14))
	assert not [e for e in later if e.fee_type.startswith("FBAInbound")]  # charged once


V0_MODEL = "fulfillment-inbound/fulfillmentInboundV0"  # not among the shared models yet: checked when present


def box(skus: dict[str, int], count: int = 1, weight: float = 9.5) -> dict[str, Any]:
	return {
		"contentInformationSource": "BOX_CONTENT_PROVIDED",
		"dimensions": {"length": 40, "width": 30, "height": 30, "unitOfMeasurement": "CM"},
		"weight": {"value": weight, "unit": "KG"},
		"quantity": count,
		"items": [{"msku": sku, "quantity": qty, "labelOwner": "SELLER", "prepOwner": "NONE"} for sku, qty in skus.items()],
	}


def test_box_contents_and_labels(sim, sp_client, assert_valid, models_dir) -> None:
	"""setPackingInformation takes boxes that hold exactly the plan's units (before placement); a confirmed
	shipment's labels come from v0 getLabels as a DownloadURL of a PDF."""
	import httpx
	from sp_api.api.fulfillment_inbound.fulfillment_inbound_v0 import FulfillmentInboundV0

	client = sp_client(FulfillmentInboundV20240320)
	plan_id = create_plan(sim, client, assert_valid)
	op = valid(assert_valid, "GeneratePackingOptionsResponse", client.generate_packing_options(plan_id))
	finish(sim, client, assert_valid, op["operationId"])
	(packing,) = valid(assert_valid, "ListPackingOptionsResponse", client.list_packing_options(plan_id))["packingOptions"]
	finish(sim, client, assert_valid, client.confirm_packing_option(plan_id, packing["packingOptionId"]).payload["operationId"])
	group = packing["packingGroups"][0]

	short = {"packageGroupings": [{"packingGroupId": group, "boxes": [box({"SIM-MUG-001": 5}, count=2)]}]}
	assert_valid(MODEL, "SetPackingInformationRequest", short)
	with pytest.raises(SellingApiBadRequestException) as raised:  # the other SKUs are in no box
		client.set_packing_information(plan_id, **short)
	assert "SIM-TEA-010" in str(raised.value.error)
	request = {
		"packageGroupings": [
			{"packingGroupId": group, "boxes": [box({"SIM-MUG-001": 5}, count=2), box({"SIM-TEA-010": 6, "SIM-LMP-030": 4})]}
		]
	}
	assert_valid(MODEL, "SetPackingInformationRequest", request)
	op = valid(assert_valid, "SetPackingInformationResponse", client.set_packing_information(plan_id, **request))
	assert finish(sim, client, assert_valid, op["operationId"])["operationStatus"] == "SUCCESS"

	# through transport (packing is confirmed already: the helper confirms the same option again)
	_, shipment_ids = confirm_through_transport(sim, client, assert_valid, plan_id)
	confirmation = client.get_shipment(plan_id, shipment_ids[0]).payload["shipmentConfirmationId"]
	v0 = sp_client(FulfillmentInboundV0)
	answer = full_body(v0.get_labels(confirmation, PageType="PackageLabel_Letter_2", LabelType="UNIQUE", NumberOfPackages=2))
	if (models_dir / f"{V0_MODEL}.json").exists():
		assert_valid(V0_MODEL, "GetLabelsResponse", {"payload": answer})  # sp_api unwraps v0's payload
	assert set(answer) == {"DownloadURL"}  # LabelDownloadURL, Amazon's v0 model
	url = answer["DownloadURL"]
	pdf = httpx.get(url).content
	assert pdf.startswith(b"%PDF") and confirmation.encode() in pdf
	with pytest.raises(SellingApiBadRequestException):
		v0.get_labels(confirmation, PageType="Sticker", LabelType="UNIQUE", NumberOfPackages=2)
	with pytest.raises(SellingApiBadRequestException):
		v0.get_labels(confirmation, PageType="PackageLabel_Letter_2", LabelType="UNIQUE")


def test_transport_is_quoted_for_every_offered_placement_option(sim, sp_client, assert_valid) -> None:
	"""Amazon quotes each placement option's transport before one is confirmed (the seller compares totals);
	transport is confirmed only for the confirmed placement's shipments."""
	client = sp_client(FulfillmentInboundV20240320)
	plan_id = create_plan(sim, client, assert_valid)
	op = client.generate_packing_options(plan_id).payload["operationId"]
	finish(sim, client, assert_valid, op)
	(packing,) = client.list_packing_options(plan_id).payload["packingOptions"]
	finish(sim, client, assert_valid, client.confirm_packing_option(plan_id, packing["packingOptionId"]).payload["operationId"])
	finish(sim, client, assert_valid, client.generate_placement_options(plan_id).payload["operationId"])
	options = client.list_placement_options(plan_id).payload["placementOptions"]
	ready = (sim.state.clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
	quotes = {}
	for option in options:
		request = {
			"placementOptionId": option["placementOptionId"],
			"shipmentTransportationConfigurations": [
				{"shipmentId": sid, "readyToShipWindow": {"start": ready}} for sid in option["shipmentIds"]
			],
		}
		op = valid(assert_valid, "GenerateTransportationOptionsResponse", client.generate_transportation_options(plan_id, **request))
		assert finish(sim, client, assert_valid, op["operationId"])["operationStatus"] == "SUCCESS"
		listed = valid(
			assert_valid,
			"ListTransportationOptionsResponse",
			client.list_transportation_options(plan_id, placementOptionId=option["placementOptionId"]),
		)["transportationOptions"]
		assert {o["shipmentId"] for o in listed} == set(option["shipmentIds"])
		quotes[option["placementOptionId"]] = listed
	split = next(o for o in options if len(o["shipmentIds"]) == 2)
	single = next(o for o in options if len(o["shipmentIds"]) == 1)
	partnered = {o["shipmentId"]: o["transportationOptionId"] for o in quotes[single["placementOptionId"]] if o.get("quote")}
	selection = {"transportationSelections": [{"shipmentId": s, "transportationOptionId": t} for s, t in partnered.items()]}
	with pytest.raises(SellingApiBadRequestException):  # no placement confirmed yet
		client.confirm_transportation_options(plan_id, **selection)
	finish(sim, client, assert_valid, client.confirm_placement_option(plan_id, split["placementOptionId"]).payload["operationId"])
	with pytest.raises(SellingApiBadRequestException):  # the other placement's shipment
		client.confirm_transportation_options(plan_id, **selection)
