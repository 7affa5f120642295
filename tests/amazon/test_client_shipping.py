"""Shipping API v2 (Buy Shipping) through the gateway against the simulator; what the gateway sends and what the
simulator answers are checked against shipping/shippingV2.json."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from amazon_integration.amazon import InvalidInputError
from amazon_integration.amazon.shipping import Parcel, ShippingAddress
from amazon_integration.simulator import shipping as sim_shipping

from .conftest import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN

MODEL = "shipping/shippingV2"
SHIP_FROM = ShippingAddress(
	name="Warehouse", address_line1="1 Dock Road", city="Seattle", postal_code="98101", country_code="US",
	state_or_region="WA",
)


def parcel(reference: str, kg: str, size: str = "30") -> Parcel:
	side = Decimal(size)
	return Parcel(reference, Decimal(kg), side, side, Decimal("10"), Decimal("25.00"), "USD")


def fbm_order(sim: Any) -> str:
	view = sim.control.create_order(marketplace_id="ATVPDKIKX0DER", items=[{"sku": "SIM-MUG-001", "quantity": 2}])
	return view["order_id"]


def raw(sim: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
	"""A direct call with a fresh access token (to validate the simulator's bodies as sent)."""
	token = httpx.post(f"{sim.url}/auth/o2/token", data={
		"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN,
		"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}).json()["access_token"]
	headers = {"x-amz-access-token": token, "x-amzn-shipping-business-id": "AmazonShipping_US"}
	return httpx.request(method, f"{sim.url}{path}", headers=headers, **kwargs)


def test_requests_match_the_model(assert_valid) -> None:
	body = {
		"shipFrom": SHIP_FROM.to_api(),
		"packages": [parcel("1", "1.2").to_api(), parcel("2", "0.4").to_api()],
		"channelDetails": {"channelType": "AMAZON", "amazonOrderDetails": {"orderId": "111-1111111-1111111"}},
	}
	assert_valid(MODEL, "GetRatesRequest", body)


def test_rates_buy_documents_track_cancel(sim, gateway, assert_valid) -> None:
	client = gateway(sim)
	order_id = fbm_order(sim)
	quote = client.get_rates(order_id, SHIP_FROM, [parcel("1", "1.2"), parcel("2", "0.4", "40")])
	assert quote.request_token and len(quote.rates) == 3
	cheapest = min(quote.rates, key=lambda rate: rate.total)
	assert cheapest.service_name == "Ground" and cheapest.currency == "USD" and "ZPL" in cheapest.formats
	heavier = client.get_rates(order_id, SHIP_FROM, [parcel("1", "5.0"), parcel("2", "0.4", "40")])
	assert min(r.total for r in heavier.rates if r.service_id == cheapest.service_id) > cheapest.total

	label = client.purchase_label(quote.request_token, cheapest.rate_id, idempotency_key="dn-1")
	assert label.shipment_id and len(label.documents) == 2
	assert label.documents[0].content.startswith(b"%PDF") and label.documents[0].tracking_id
	assert sim.state.orders[order_id].status == "SHIPPED"
	again = client.purchase_label(quote.request_token, cheapest.rate_id, idempotency_key="dn-1")
	assert again.shipment_id == label.shipment_id  # a retry with the same key buys nothing

	zpl = client.shipment_documents(label.shipment_id, "2", label_format="ZPL")
	assert zpl[0].content.startswith(b"^XA") and zpl[0].tracking_id == label.documents[1].tracking_id

	tracking = client.tracking(label.documents[0].tracking_id, cheapest.carrier_id)
	assert tracking.status == "PreTransit" and [e.code for e in tracking.events] == ["ReadyForReceive"]

	client.cancel_label(label.shipment_id)
	assert sim.state.orders[order_id].status == "UNSHIPPED"
	with pytest.raises(InvalidInputError, match="already cancelled"):
		client.cancel_label(label.shipment_id)


def test_tracking_moves_on_the_clock_and_a_scanned_label_stays(sim, gateway) -> None:
	client = gateway(sim)
	order_id = fbm_order(sim)
	quote = client.get_rates(order_id, SHIP_FROM, [parcel("1", "1")])
	rate = quote.rates[0]
	label = client.purchase_label(quote.request_token, rate.rate_id, label_format="PNG", idempotency_key="dn-2")
	assert label.documents[0].content.startswith(b"\x89PNG")
	sim.state.clock.advance(int(timedelta(hours=13).total_seconds()))
	moved = client.tracking(label.documents[0].tracking_id, rate.carrier_id)
	assert moved.status == "InTransit" and [e.code for e in moved.events][-1] == "Departed"
	with pytest.raises(InvalidInputError, match="scanned"):
		client.cancel_label(label.shipment_id)
	sim.state.clock.advance(int(timedelta(days=12).total_seconds()))
	assert client.tracking(label.documents[0].tracking_id, rate.carrier_id).delivered


def test_refused_and_expired_rates_give_amazons_message(sim, gateway) -> None:
	client = gateway(sim)
	order_id = fbm_order(sim)
	quote = client.get_rates(order_id, SHIP_FROM, [parcel("1", "1")])
	rate = quote.rates[0]
	httpx.post(f"{sim.url}/_sim/shipping/refusals", json={"serviceId": rate.service_id, "message": "Address not serviceable."})
	with pytest.raises(InvalidInputError, match="Address not serviceable"):
		client.purchase_label(quote.request_token, rate.rate_id, idempotency_key="dn-3")
	sim.state.clock.advance(int(sim_shipping.RATE_LIFETIME.total_seconds()) + 60)
	with pytest.raises(InvalidInputError, match="no longer valid"):
		client.purchase_label(quote.request_token, rate.rate_id, idempotency_key="dn-4")
	with pytest.raises(InvalidInputError, match="weight.value"):
		client.get_rates(order_id, SHIP_FROM, [parcel("1", "0")])


def test_answers_match_the_model(sim, assert_valid) -> None:
	order_id = fbm_order(sim)
	body = {
		"shipFrom": SHIP_FROM.to_api(),
		"packages": [parcel("1", "31").to_api()],  # over 30 kg: only freight, the others ineligible
		"channelDetails": {"channelType": "AMAZON", "amazonOrderDetails": {"orderId": order_id}},
	}
	rates = raw(sim, "POST", "/shipping/v2/shipments/rates", json=body)
	assert rates.status_code == 200, rates.text
	assert_valid(MODEL, "GetRatesResponse", rates.json())
	payload = rates.json()["payload"]
	assert len(payload["rates"]) == 1 and len(payload["ineligibleRates"]) == 2
	purchase = {
		"requestToken": payload["requestToken"], "rateId": payload["rates"][0]["rateId"],
		"requestedDocumentSpecification": {"format": "PDF", "size": {"width": 4, "length": 6, "unit": "INCH"},
										   "needFileJoining": False, "requestedDocumentTypes": ["LABEL"]},
	}
	assert_valid(MODEL, "PurchaseShipmentRequest", purchase)
	bought = raw(sim, "POST", "/shipping/v2/shipments", json=purchase)
	assert_valid(MODEL, "PurchaseShipmentResponse", bought.json())
	shipment_id = bought.json()["payload"]["shipmentId"]
	tracking_id = bought.json()["payload"]["packageDocumentDetails"][0]["trackingId"]
	documents = raw(sim, "GET", f"/shipping/v2/shipments/{shipment_id}/documents", params={"packageClientReferenceId": "1"})
	assert_valid(MODEL, "GetShipmentDocumentsResponse", documents.json())
	tracking = raw(sim, "GET", "/shipping/v2/tracking", params={"trackingId": tracking_id, "carrierId": "SIMFREIGHT"})
	assert_valid(MODEL, "GetTrackingResponse", tracking.json())
	cancelled = raw(sim, "PUT", f"/shipping/v2/shipments/{shipment_id}/cancel")
	assert_valid(MODEL, "CancelShipmentResponse", cancelled.json())
	refused = raw(sim, "POST", "/shipping/v2/shipments/rates", json={**body, "shipFrom": {"name": "x"}})
	assert refused.status_code == 400 and "shipFrom.addressLine1" in json.dumps(refused.json())
