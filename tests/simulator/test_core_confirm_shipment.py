"""confirmShipment (Orders v0) through python-amazon-sp-api, and the shared SimulatorState.apply_shipment rules."""

from __future__ import annotations

from datetime import timezone

import pytest
from sp_api.api import OrdersV0, OrdersV20260101
from sp_api.base import SellingApiBadRequestException, SellingApiNotFoundException

from amazon_integration.simulator.state import ShipmentRejected


def payload(order, lines, carrier="UPS", name=None, reference="1", tracking="1Z999AA10123456784"):
	detail = {"packageReferenceId": reference, "carrierCode": carrier, "shippingMethod": "Ground",
			  "trackingNumber": tracking, "shipDate": "2026-01-05T10:00:00Z",
			  "orderItems": [{"orderItemId": item_id, "quantity": qty} for item_id, qty in lines]}
	if name:
		detail["carrierName"] = name
	return {"marketplaceId": order["marketplace_id"], "packageDetail": detail}


@pytest.fixture
def fbm_order(sim):
	return sim.control.create_order(items=[{"sku": "SIM-MUG-001", "quantity": 3}, {"sku": "SIM-CBL-040", "quantity": 1}])


def test_partial_then_full_shipment(sim, sp_client, assert_valid, fbm_order):
	v0 = sp_client(OrdersV0)
	first, second = (item["order_item_id"] for item in fbm_order["items"])
	before = sim.state.orders[fbm_order["order_id"]].last_updated
	response = v0.confirm_shipment(fbm_order["order_id"], **payload(fbm_order, [(first, 2)]))
	assert response.headers["x-amzn-RateLimit-Limit"] == "2"
	assert response.payload == {"status_code": 204}
	order = sim.state.orders[fbm_order["order_id"]]
	assert order.status == "PARTIALLY_SHIPPED" and order.last_updated > before
	v0.confirm_shipment(fbm_order["order_id"], **payload(fbm_order, [(first, 1), (second, 1)], carrier="Other",
															 name="Local Courier", reference="2"))
	assert order.status == "SHIPPED"
	body = sp_client(OrdersV20260101).get_order(order.order_id, includedData=["PACKAGES", "FULFILLMENT"]).payload
	assert_valid("orders_2026-01-01", "GetOrderResponse", body)
	packages = body["order"]["packages"]
	assert [p["packageReferenceId"] for p in packages] == ["1", "2"]
	assert packages[1]["carrier"] == "Local Courier"
	assert packages[0]["packageItems"] == [{"orderItemId": first, "quantity": 2}]
	assert [i["fulfillment"]["quantityFulfilled"] for i in body["order"]["orderItems"]] == [3, 1]


@pytest.mark.parametrize(
	("change", "fragment"),
	[
		("unknown_item", "does not belong"),
		("over_ship", "exceeds the unshipped quantity"),
		("zero", "positive integer"),
		("other_without_name", 'carrierName is required when carrierCode is "Other"'),
		("no_tracking", "trackingNumber is required"),
		("bad_reference", "positive number"),
		("bad_date", "ISO 8601"),
		("wrong_marketplace", "does not match"),
	],
)
def test_invalid_confirmations_answer_400(sim, sp_client, assert_valid, fbm_order, change, fragment):
	first = fbm_order["items"][0]["order_item_id"]
	body = payload(fbm_order, [(first, 1)])
	detail = body["packageDetail"]
	if change == "unknown_item":
		detail["orderItems"][0]["orderItemId"] = "12345678901234"
	elif change == "over_ship":
		detail["orderItems"][0]["quantity"] = 4
	elif change == "zero":
		detail["orderItems"][0]["quantity"] = 0
	elif change == "other_without_name":
		detail["carrierCode"] = "Other"
	elif change == "no_tracking":
		detail["trackingNumber"] = ""
	elif change == "bad_reference":
		detail["packageReferenceId"] = "PKG-A"
	elif change == "bad_date":
		detail["shipDate"] = "05/01/2026"
	elif change == "wrong_marketplace":
		body["marketplaceId"] = "A1PA6795UKMFR9"
	with pytest.raises(SellingApiBadRequestException) as caught:
		sp_client(OrdersV0).confirm_shipment(fbm_order["order_id"], **body)
	assert caught.value.amzn_code == "InvalidInput"
	assert fragment in caught.value.message
	assert_valid("ordersV0", "ConfirmShipmentErrorResponse", {"errors": caught.value.error})
	assert sim.state.orders[fbm_order["order_id"]].status == "UNSHIPPED"  # nothing changed


def test_fba_cancelled_and_unknown_orders_are_refused(sim, sp_client):
	v0 = sp_client(OrdersV0)
	fba = sim.control.create_order(fulfilled_by="AMAZON")
	with pytest.raises(SellingApiBadRequestException, match="fulfilled by Amazon"):
		v0.confirm_shipment(fba["order_id"], **payload(fba, [(fba["items"][0]["order_item_id"], 1)]))
	cancelled = sim.control.create_order()
	sim.control.cancel_order(cancelled["order_id"])
	with pytest.raises(SellingApiBadRequestException, match="cancelled"):
		v0.confirm_shipment(cancelled["order_id"], **payload(cancelled, [(cancelled["items"][0]["order_item_id"], 1)]))
	with pytest.raises(SellingApiNotFoundException):
		v0.confirm_shipment("111-0000000-0000000", **payload({"marketplace_id": "ATVPDKIKX0DER"}, [("1", 1)]))


def test_apply_shipment_is_the_shared_rule(sim, fbm_order):
	state = sim.state
	item_id = fbm_order["items"][0]["order_item_id"]
	now = state.clock.now().astimezone(timezone.utc)
	with pytest.raises(ShipmentRejected) as caught:
		state.apply_shipment(fbm_order["order_id"], [(item_id, 9)], "DHL", None, "123", now)
	assert caught.value.code == "InvalidInput"
	state.apply_shipment(fbm_order["order_id"], [(item_id, 3)], "DHL", None, "123", now)
	assert state.orders[fbm_order["order_id"]].items[0].quantity_shipped == 3


def test_rejected_tracking_number_is_refused_like_carrier_validation(sim, sp_client, assert_valid, fbm_order):
	first = fbm_order["items"][0]["order_item_id"]
	message = "Tracking number 1Z999AA10123456784 is not valid for carrier UPS."
	assert sim.control.reject_tracking("1Z999AA10123456784", message) == {"1Z999AA10123456784": message}
	v0 = sp_client(OrdersV0)
	with pytest.raises(SellingApiBadRequestException) as caught:
		v0.confirm_shipment(fbm_order["order_id"], **payload(fbm_order, [(first, 1)]))
	assert caught.value.amzn_code == "InvalidInput" and caught.value.message == message
	assert_valid("ordersV0", "ConfirmShipmentErrorResponse", {"errors": caught.value.error})
	order = sim.state.orders[fbm_order["order_id"]]
	assert order.status == "UNSHIPPED" and not order.packages  # nothing changed
	# The shared rule: the fulfilment feed goes through apply_shipment too.
	with pytest.raises(ShipmentRejected, match="not valid for carrier"):
		sim.state.apply_shipment(order.order_id, [(first, 1)], "UPS", None, " 1Z999AA10123456784 ",
								 sim.state.clock.now())
	sim.control.reject_tracking("TRACK-2")  # default message
	with pytest.raises(SellingApiBadRequestException, match="TRACK-2 is not valid"):
		v0.confirm_shipment(fbm_order["order_id"], **payload(fbm_order, [(first, 1)], tracking="TRACK-2"))
	sim.control.clear_rejected_tracking()
	v0.confirm_shipment(fbm_order["order_id"], **payload(fbm_order, [(first, 1)]))
	assert order.status == "PARTIALLY_SHIPPED"
