"""Orders through AmazonClient against the simulator: pagination, the 2-minute rule, getOrder, confirmShipment."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from amazon_integration.amazon import InvalidInputError, NotFoundError, ShipmentConfirmation

US = "ATVPDKIKX0DER"

ALL_DATA = ("FULFILLMENT", "PROCEEDS", "BUYER", "RECIPIENT", "TAX", "PACKAGES", "PROMOTION")


def _expected_ids(sim, start: datetime, end: datetime, marketplace: str = US) -> set[str]:
	with sim.state.lock:
		return {
			o.order_id
			for o in sim.state.orders.values()
			if o.marketplace_id == marketplace and start <= o.last_updated <= end
		}


def _requests(sim, operation: str) -> int:
	return sim.control.counters().get(operation, {}).get("requests", 0)


def test_search_walks_every_page(sim, gateway) -> None:
	client = gateway(sim)
	start = sim.clock.now() - timedelta(days=10)
	search = client.search_orders(start, included_data=("FULFILLMENT", "PROCEEDS"), page_size=3)
	orders = list(search)
	expected = _expected_ids(sim, start, search.window_end)
	assert len(expected) > 6, "the seeded data set should need several pages"
	assert {o.order_id for o in orders} == expected
	assert len(orders) == len(expected)  # no duplicates
	assert search.pages == math.ceil(len(expected) / 3) == _requests(sim, "searchOrders")
	assert client.metrics.snapshot()["searchOrders"].calls == search.pages
	# sorted by lastUpdatedTime as Amazon does; every order carries status and money
	assert [o.last_updated for o in orders] == sorted(o.last_updated for o in orders)
	assert all(o.status and o.channel in ("FBA", "FBM") for o in orders)
	assert all(isinstance(o.order_total, Decimal) for o in orders if o.status != "PENDING")


def test_filters_reach_amazon(sim, gateway) -> None:
	client = gateway(sim)
	start = sim.clock.now() - timedelta(days=10)
	fbm = list(client.search_orders(start, fulfilled_by=("MERCHANT",), included_data=("FULFILLMENT",)))
	assert fbm and all(o.fulfilled_by == "MERCHANT" for o in fbm)
	unshipped = list(client.search_orders(start, fulfillment_statuses=("UNSHIPPED",), included_data=("FULFILLMENT",)))
	assert all(o.status == "UNSHIPPED" for o in unshipped)


def test_two_minute_rule_is_applied_for_the_caller(sim, gateway) -> None:
	client = gateway(sim)
	before = sim.clock.now()
	created = sim.control.create_order(marketplace_id=US, fulfilled_by="MERCHANT")
	# the caller asks up to "now": the gateway clamps the end to now - 2 min (- margin), Amazon accepts it
	search = client.search_orders(before - timedelta(hours=1), sim.clock.now(), included_data=("FULFILLMENT",))
	ids = {o.order_id for o in search}
	assert created["order_id"] not in ids
	assert search.window_end <= sim.clock.now() - timedelta(minutes=2)
	assert search.window_end.microsecond == 0
	# the next sync starts at window_end once the 2 minutes have passed: the order is found
	sim.clock.advance(300)
	follow_up = client.search_orders(search.window_end, included_data=("FULFILLMENT",))
	assert created["order_id"] in {o.order_id for o in follow_up}
	assert follow_up.window_end > search.window_end


def test_window_without_an_end_is_bounded_by_amazon(sim, gateway) -> None:
	"""No end asked: Amazon applies the 2-minute rule on its clock and the cursor moves to the bound it echoes."""
	client = gateway(sim)
	start = sim.clock.now() - timedelta(seconds=30)
	search = client.search_orders(start)
	assert search.window_end is None  # unknown until Amazon answered
	assert list(search) == []
	assert search.window_end == start.replace(microsecond=0)  # nothing new is visible yet: the cursor stays
	assert _requests(sim, "searchOrders") == 1
	# an explicit end before the start is empty without a call
	assert client.search_orders(start - timedelta(hours=1), start - timedelta(hours=2)).is_empty
	assert _requests(sim, "searchOrders") == 1


def test_a_wrong_local_clock_never_skips_an_order(sim, gateway) -> None:
	"""The cursor follows Amazon's clock, not the machine's: a clock an hour fast still finds every order."""
	fast = gateway(sim, now=lambda: sim.clock.now().timestamp() + 3600)
	start = sim.clock.now() - timedelta(hours=1)
	created = sim.control.create_order(marketplace_id=US, fulfilled_by="MERCHANT")["order_id"]
	first = fast.search_orders(start, included_data=("FULFILLMENT",))
	assert created not in {o.order_id for o in first}
	assert first.window_end <= sim.clock.now() - timedelta(minutes=2)
	sim.clock.advance(300)
	second = fast.search_orders(first.window_end, included_data=("FULFILLMENT",))
	assert created in {o.order_id for o in second}


def test_repeated_page_is_deduplicated(sim, gateway) -> None:
	client = gateway(sim)
	start = sim.clock.now() - timedelta(days=10)
	sim.control.add_fault("repeat_page", "searchOrders")
	search = client.search_orders(start, page_size=3)
	orders = list(search)
	assert len({o.order_id for o in orders}) == len(orders) == len(_expected_ids(sim, start, search.window_end))
	assert search.duplicates == 3


def test_get_order_and_pii_masking(sim, gateway) -> None:
	client = gateway(sim)
	with sim.state.lock:
		sim_order = next(o for o in sim.state.orders.values() if o.fulfilled_by == "MERCHANT" and o.status != "PENDING")
	order = client.get_order(sim_order.order_id, ALL_DATA)
	assert order.order_id == sim_order.order_id and order.channel == "FBM"
	assert order.buyer is not None and order.buyer.name == sim_order.buyer.name
	assert order.ship_to is not None and order.ship_to.city == sim_order.address.city
	assert sim_order.buyer.name not in repr(order) and sim_order.address.address_line1 not in repr(order)
	by_id = {i.order_item_id: i for i in order.items}
	for sim_item in sim_order.items:
		item = by_id[sim_item.order_item_id]
		assert item.quantity == sim_item.quantity and item.sku == sim_item.sku
		assert item.unit_price == sim_item.unit_price
		assert item.item_total == sim_item.unit_price * sim_item.quantity
		assert item.promotion_discount == sim_item.promotion_discount
		assert item.shipping_discount == sim_item.shipping_discount
		assert item.item_tax == sim_item.item_tax and item.shipping_tax == sim_item.shipping_tax
		assert item.tax_withheld == sim_item.tax_withheld
		assert item.proceeds_total == sim_item.total


def test_get_unknown_order_raises_not_found_at_once(sim, gateway) -> None:
	client = gateway(sim)
	with pytest.raises(NotFoundError) as caught:
		client.get_order("111-0000000-0000000")
	assert caught.value.status == 404 and caught.value.request_id and caught.value.operation == "getOrder"
	assert caught.value.message and caught.value.message in str(caught.value)
	assert _requests(sim, "getOrder") == 1 and caught.value.attempts == 1


def test_confirm_shipment(sim, gateway) -> None:
	client = gateway(sim)
	skus = [item["sku"] for item in sim.control.catalogue() if "USD" in item["prices"]][:2]
	created = sim.control.create_order(
		marketplace_id=US,
		fulfilled_by="MERCHANT",
		items=[{"sku": skus[0], "quantity": 2}, {"sku": skus[1], "quantity": 1}],
	)
	order_id = created["order_id"]
	first, second = (item["order_item_id"] for item in created["items"])
	confirmation = ShipmentConfirmation(
		package_reference_id="1",
		carrier_code="UPS",
		tracking_number="1Z999AA10123456784",
		ship_date=sim.clock.now() - timedelta(minutes=5),
		items=((first, 2),),
		shipping_method="Ground",
	)
	client.confirm_shipment(order_id, confirmation)
	order = client.get_order(order_id, ("FULFILLMENT", "PACKAGES"))
	assert order.status == "PARTIALLY_SHIPPED"
	(package,) = order.packages
	assert package.tracking_number == "1Z999AA10123456784" and package.items == ((first, 2),)
	# shipping more than is left is Amazon's 400, raised at once with Amazon's message
	too_many = ShipmentConfirmation("2", "UPS", "1Z2", sim.clock.now(), items=((second, 5),))
	with pytest.raises(InvalidInputError) as caught:
		client.confirm_shipment(order_id, too_many)
	assert caught.value.status == 400 and caught.value.attempts == 1 and caught.value.message
	assert _requests(sim, "confirmShipment") == 2


def test_check_connection(sim, gateway) -> None:
	check = gateway(sim).check_connection()
	assert check.ok and check.request_id and check.seller_id == sim.state.seller_id
	assert _requests(sim, "getOrder") == 1


def test_naive_datetimes_are_utc(sim, gateway) -> None:
	client = gateway(sim)
	aware = sim.clock.now() - timedelta(days=10)
	naive = aware.astimezone(timezone.utc).replace(tzinfo=None)
	# the window starts where the request starts: Amazon takes whole seconds
	assert client.search_orders(naive).window_start == aware.replace(microsecond=0)
