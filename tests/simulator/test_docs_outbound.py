"""Multi-Channel Fulfilment through python-amazon-sp-api, checked against fulfillmentOutbound_2020-07-01.json:
preview, create, the status moving on the clock (split shipments with tracking), list, cancel, and the units
drawn from the same FBA pool as Amazon's orders."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sp_api.api import FulfillmentOutbound, Inventories
from sp_api.base.exceptions import SellingApiBadRequestException, SellingApiNotFoundException

from amazon_integration.simulator.flatfiles import read_tsv
from amazon_integration.simulator.testing import forget_tokens

MODEL = "fulfillment-outbound/fulfillmentOutbound_2020-07-01"
ADDRESS = {"name": "Jane Doe", "addressLine1": "1 Main St", "city": "Seattle", "stateOrRegion": "WA",
		   "postalCode": "98101", "countryCode": "US"}


def advance(sim, seconds: float) -> None:
	"""Move the simulator's clock; access tokens expire on the way, so sp_api's cached ones are dropped."""
	sim.state.clock.advance(seconds)
	forget_tokens()


def fulfillable(sim, sp_client, sku: str) -> int:
	response = Inventories.get_inventory_summary_marketplace(sp_client(Inventories), details=True, sellerSkus=[sku])
	return response.payload["inventorySummaries"][0]["inventoryDetails"]["fulfillableQuantity"]


def order_request(order_id: str, items: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
	body = {
		"marketplaceId": "ATVPDKIKX0DER",
		"sellerFulfillmentOrderId": order_id,
		"displayableOrderId": order_id,
		"displayableOrderDate": datetime(2026, 1, 2, tzinfo=timezone.utc).isoformat(),
		"displayableOrderComment": "Thank you for your order.",
		"shippingSpeedCategory": "Standard",
		"destinationAddress": ADDRESS,
		"items": [{"sellerSku": sku, "sellerFulfillmentOrderItemId": f"{order_id}-{n}", "quantity": qty}
				  for n, (sku, qty) in enumerate(items)],
		**extra,
	}
	return body


def get_order(client, assert_valid, order_id: str) -> dict[str, Any]:
	payload = client.get_fulfillment_order(order_id).payload
	assert_valid(MODEL, "GetFulfillmentOrderResponse", {"payload": payload})
	return payload


def test_preview_speeds_fees_and_unfulfillable(sim, sp_client, assert_valid) -> None:
	client = sp_client(FulfillmentOutbound)
	request = {"marketplaceId": "ATVPDKIKX0DER", "address": ADDRESS,
			   "items": [{"sellerSku": "SIM-MUG-001", "quantity": 2, "sellerFulfillmentOrderItemId": "1"},
						 {"sellerSku": "NO-SUCH-SKU", "quantity": 1, "sellerFulfillmentOrderItemId": "2"}]}
	assert_valid(MODEL, "GetFulfillmentPreviewRequest", request)
	payload = client.get_fulfillment_preview(**request).payload
	assert_valid(MODEL, "GetFulfillmentPreviewResponse", {"payload": payload})
	previews = {p["shippingSpeedCategory"]: p for p in payload["fulfillmentPreviews"]}
	assert set(previews) == {"Standard", "Expedited", "Priority"}
	standard = previews["Standard"]
	assert not standard["isFulfillable"]
	assert standard["unfulfillablePreviewItems"][0]["sellerSku"] == "NO-SUCH-SKU"
	fees = {fee["name"]: fee["amount"] for fee in standard["estimatedFees"]}
	assert fees["FBAPerUnitFulfillmentFee"] == {"currencyCode": "USD", "value": "6.98"}
	assert previews["Priority"]["fulfillmentPreviewShipments"][0]["latestArrivalDate"] < standard["fulfillmentPreviewShipments"][0]["latestArrivalDate"]


def test_order_moves_on_the_clock_splits_and_takes_fba_units(sim, sp_client, assert_valid) -> None:
	client = sp_client(FulfillmentOutbound)
	mug_before = fulfillable(sim, sp_client, "SIM-MUG-001")
	tea_before = fulfillable(sim, sp_client, "SIM-TEA-010")
	request = order_request("WEB-1001", [("SIM-MUG-001", 2), ("SIM-TEA-010", 1)])
	assert_valid(MODEL, "CreateFulfillmentOrderRequest", request)
	created = client.create_fulfillment_order(**request)
	assert_valid(MODEL, "CreateFulfillmentOrderResponse", {})
	assert created.payload in ({}, None)
	assert get_order(client, assert_valid, "WEB-1001")["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Received"
	assert fulfillable(sim, sp_client, "SIM-MUG-001") == mug_before - 2  # reserved from the pool

	with pytest.raises(SellingApiBadRequestException):
		client.create_fulfillment_order(**request)  # the seller's id is unique

	advance(sim, 6 * 60)
	assert get_order(client, assert_valid, "WEB-1001")["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Planning"
	advance(sim, 30 * 60)
	order = get_order(client, assert_valid, "WEB-1001")
	assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Processing"
	assert [s["fulfillmentShipmentStatus"] for s in order["fulfillmentShipments"]] == ["PENDING", "PENDING"]

	advance(sim, 90 * 60)
	order = get_order(client, assert_valid, "WEB-1001")
	assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Processing"
	first, second = order["fulfillmentShipments"]
	assert first["fulfillmentShipmentStatus"] == "SHIPPED" and second["fulfillmentShipmentStatus"] == "PENDING"
	assert first["fulfillmentShipmentPackage"][0]["carrierCode"] == "UPS"
	assert first["fulfillmentShipmentPackage"][0]["trackingNumber"].startswith("1Z")
	assert first["fulfillmentCenterId"] != second["fulfillmentCenterId"]

	with pytest.raises(SellingApiBadRequestException):
		client.cancel_fulfillment_order("WEB-1001")  # Amazon is already shipping

	advance(sim, 2 * 60 * 60)
	order = get_order(client, assert_valid, "WEB-1001")
	assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Complete"
	assert {p["packageNumber"] for s in order["fulfillmentShipments"] for p in s["fulfillmentShipmentPackage"]} == {1, 2}
	assert fulfillable(sim, sp_client, "SIM-MUG-001") == mug_before - 2
	assert fulfillable(sim, sp_client, "SIM-TEA-010") == tea_before - 1

	listed = client.list_all_fulfillment_orders(
		queryStartDate=(sim.state.clock.now() - timedelta(hours=12)).isoformat()
	).payload
	assert_valid(MODEL, "ListAllFulfillmentOrdersResponse", {"payload": listed})
	assert [o["sellerFulfillmentOrderId"] for o in listed["fulfillmentOrders"]] == ["WEB-1001"]


def test_cancel_before_shipping_returns_units(sim, sp_client, assert_valid) -> None:
	client = sp_client(FulfillmentOutbound)
	before = fulfillable(sim, sp_client, "SIM-MUG-001")
	client.create_fulfillment_order(**order_request("WEB-2002", [("SIM-MUG-001", 3)]))
	assert fulfillable(sim, sp_client, "SIM-MUG-001") == before - 3
	cancelled = client.cancel_fulfillment_order("WEB-2002")
	assert_valid(MODEL, "CancelFulfillmentOrderResponse", cancelled.payload or {})
	order = get_order(client, assert_valid, "WEB-2002")
	assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Cancelled"
	assert order["fulfillmentOrderItems"][0]["cancelledQuantity"] == 3
	assert fulfillable(sim, sp_client, "SIM-MUG-001") == before
	advance(sim, 5 * 60 * 60)
	assert get_order(client, assert_valid, "WEB-2002")["fulfillmentShipments"] == []


def test_short_stock_fill_or_kill_and_fill_all_available(sim, sp_client, assert_valid) -> None:
	client = sp_client(FulfillmentOutbound)
	stock = fulfillable(sim, sp_client, "SIM-MUG-001")
	with pytest.raises(SellingApiBadRequestException):
		client.create_fulfillment_order(**order_request("WEB-3003", [("SIM-MUG-001", stock + 5)]))
	client.create_fulfillment_order(
		**order_request("WEB-3004", [("SIM-MUG-001", stock + 5)], fulfillmentPolicy="FillAllAvailable")
	)
	advance(sim, 3 * 60 * 60)
	order = get_order(client, assert_valid, "WEB-3004")
	assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "CompletePartialled"
	assert order["fulfillmentOrderItems"][0]["unfulfillableQuantity"] == 5
	assert order["fulfillmentShipments"][0]["fulfillmentShipmentItem"][0]["quantity"] == stock
	assert fulfillable(sim, sp_client, "SIM-MUG-001") == 0
	with pytest.raises(SellingApiNotFoundException):
		client.get_fulfillment_order("NOT-THERE")


def test_shipped_order_fees_reach_the_settlement(sim, sp_client, assert_valid) -> None:
	"""Amazon charges each shipment's fees when it ships, as an "Order" of marketplace "Non-Amazon" whose
	order-id is the seller's fulfilment order id: the preview's per-unit and per-order fees, nothing twice."""
	from amazon_integration.simulator import settlements

	client = sp_client(FulfillmentOutbound)
	client.create_fulfillment_order(**order_request("WEB-4004", [("SIM-MUG-001", 2), ("SIM-TEA-010", 1)]))
	client.create_fulfillment_order(**order_request("WEB-4005", [("SIM-MUG-001", 1)]))
	client.cancel_fulfillment_order("WEB-4005")  # cancelled before shipping: Amazon charges nothing
	advance(sim, 3 * 60 * 60)  # the first shipment left, the second not yet
	settlements.sync(sim.state)
	advance(sim, 2 * 60 * 60)
	(closed,) = settlements.close_now(sim.state, "USD")
	rows = [
		row for row in read_tsv(settlements.settlement_report(closed).decode())[1:] if row["order-id"].startswith("WEB-400")
	]
	assert {(row["order-id"], row["merchant-order-id"], row["marketplace-name"], row["fulfillment-id"], row["transaction-type"])
			for row in rows} == {("WEB-4004", "WEB-4004", "Non-Amazon", "AFN", "Order")}
	fees = sorted((row["order-item-code"], row["sku"], row["amount-type"], row["amount-description"], row["amount"]) for row in rows)
	assert fees == [
		("WEB-4004-0", "SIM-MUG-001", "ItemFees", "FBAPerOrderFulfillmentFee", "-1.00"),
		("WEB-4004-0", "SIM-MUG-001", "ItemFees", "FBAPerUnitFulfillmentFee", "-6.98"),
		("WEB-4004-1", "SIM-TEA-010", "ItemFees", "FBAPerUnitFulfillmentFee", "-3.49"),
	]
	assert len({row["shipment-id"] for row in rows}) == 2  # one event per shipment
