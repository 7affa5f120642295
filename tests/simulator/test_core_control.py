"""The /_sim control API through ControlClient: orders life cycle, clock, counters, feed failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sp_api.api import OrdersV20260101

from amazon_integration.simulator.control import ControlError


def test_health_clock_and_marketplaces(sim):
	health = sim.control.health()
	assert health["status"] == "ok" and health["orders"] == len(sim.state.orders) and health["url"] == sim.url
	before = sim.control.now()
	assert sim.control.advance(3600) - before >= timedelta(seconds=3600)
	assert {m["currency"] for m in sim.control.marketplaces()} == {"USD", "CAD", "GBP", "EUR", "JPY"}


def test_order_life_cycle(sim, sp_client):
	control = sim.control
	pending = control.create_order(status="PENDING", fulfilled_by="AMAZON", items=[{"sku": "SIM-YOG-080", "quantity": 2}])
	assert pending["status"] == "PENDING"
	stamp = sim.state.orders[pending["order_id"]].last_updated
	released = control.release_pending(pending["order_id"])
	assert released["status"] == "UNSHIPPED"
	shipped = control.ship_fba(pending["order_id"])
	assert shipped["status"] == "SHIPPED" and shipped["items"][0]["quantity_shipped"] == 2
	assert sim.state.orders[pending["order_id"]].last_updated > stamp
	with pytest.raises(ControlError) as caught:
		control.cancel_order(pending["order_id"])
	assert caught.value.status == 400
	other = control.create_order()
	cancelled = control.cancel_order(other["order_id"], reason="Out of stock", by="MERCHANT")
	assert cancelled["status"] == "CANCELLED" and cancelled["items"][0]["quantity_cancelled"] == 1
	control.advance(180)
	rendered = sp_client(OrdersV20260101).get_order(other["order_id"], includedData=["CANCELLATION", "FULFILLMENT"]).payload
	item = rendered["order"]["orderItems"][0]
	assert item["cancellation"]["cancellationExecution"] == {"cancelledBy": "MERCHANT", "cancelReason": "Out of stock"}
	assert rendered["order"]["fulfillment"]["fulfillmentStatus"] == "CANCELLED"


def test_alter_and_errors(sim):
	control = sim.control
	order = control.create_order(is_business=True, company_name="Widgets Ltd", tax_id="GB123456789",
								 marketplace_id="A1F83G8C2ARO7P")
	assert order["buyer"]["company_name"] == "Widgets Ltd" and order["currency"] == "GBP"
	item_id = order["items"][0]["order_item_id"]
	altered = control.alter_order(order["order_id"], buyer={"name": "New Name"},
								  items=[{"order_item_id": item_id, "unit_price": "5", "quantity": 4}])
	assert altered["buyer"]["name"] == "New Name" and altered["items"][0]["unit_price"] == "5.00"
	assert altered["last_updated_precise"] > order["last_updated_precise"]
	with pytest.raises(ControlError) as caught:
		control.get_order("000-0000000-0000000")
	assert caught.value.status == 404
	with pytest.raises(ControlError):
		control.create_order(marketplace_id="NOPE")
	with pytest.raises(ControlError):
		control.add_fault("meteor")


def test_feed_failure_instructions_land_in_state(sim):
	sim.control.fail_next_feed(order_ids=["111-1111111-1111111"], message="Bad order")
	sim.control.fail_next_feed(unattributed=True, message="Broken feed")
	failures = sim.state.feeds_failures
	assert failures.order_ids == {"111-1111111-1111111"} and failures.order_message == "Bad order"
	assert failures.unattributed and failures.unattributed_message == "Broken feed"


def test_counters(sim, sp_client):
	client = sp_client(OrdersV20260101)
	order_id = next(iter(sim.state.orders))
	client.get_order(order_id)
	counters = sim.control.counters()
	assert counters["getOrder"] == {"requests": 1, "throttled": 0, "errors": 0}
	assert counters["POST /auth/o2/token"]["requests"] == 1
	sim.control.reset_counters()
	assert sim.control.counters() == {}


def test_opt_in_life_moves_orders_along(sim_factory, assert_valid):
	from sp_api.api import OrdersV20260101

	from amazon_integration.simulator.testing import forget_tokens, sp_client

	lively = sim_factory(orders=10, life=True, life_orders_per_hour=12, time_scale=0.0)
	client = sp_client(OrdersV20260101, lively.url)
	start = lively.state.clock.now()
	client.search_orders(createdAfter=(start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
	lively.state.clock.advance(3 * 3600)
	forget_tokens()
	body = client.search_orders(createdAfter=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
								marketplaceIds=list(lively.state.marketplaces), includedData=["FULFILLMENT"]).payload
	assert len(body["orders"]) >= 10  # about 36 new orders in three simulated hours
	statuses = {o["fulfillment"]["fulfillmentStatus"] for o in body["orders"]}
	assert "UNSHIPPED" in statuses  # released from PENDING
	lively.state.clock.advance(24 * 3600)
	forget_tokens()
	client.get_order(body["orders"][0]["orderId"])
	fba = [o for o in lively.state.orders.values() if o.is_fba and o.created >= start and o.status != "CANCELLED"]
	assert fba and all(o.status == "SHIPPED" for o in fba if o.created < lively.state.clock.now() - timedelta(hours=21))
