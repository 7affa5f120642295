"""The seeded generator: determinism, realistic variety, id formats, catalogue."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timezone

from amazon_integration.simulator.clock import Clock
from amazon_integration.simulator.control import order_view
from amazon_integration.simulator.generator import CATALOGUE, generate
from amazon_integration.simulator.state import SimulatorState

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def build(seed: int, orders: int = 200) -> SimulatorState:
	state = SimulatorState(Clock(time_scale=0.0, start=START), seed=seed)
	generate(state, orders, seed)
	return state


def test_same_seed_gives_identical_data_and_another_seed_does_not():
	first, second, other = build(1), build(1), build(2)
	assert [order_view(o) for o in first.orders.values()] == [order_view(o) for o in second.orders.values()]
	assert list(first.orders) != list(other.orders)


def test_a_namespace_moves_the_order_ids_and_nothing_else():
	plain = build(1, 60)
	moved = SimulatorState(Clock(time_scale=0.0, start=START), seed=1, namespace=7)
	generate(moved, 60, 1)
	assert not set(plain.orders) & set(moved.orders)
	assert [o.order_id.split("-")[:2] for o in plain.orders.values()] == [
		o.order_id.split("-")[:2] for o in moved.orders.values()
	]
	strip = lambda state: [{**order_view(o), "order_id": 0, "replaced_order_id": 0} for o in state.orders.values()]  # noqa: E731
	assert strip(plain) == strip(moved)


def test_a_namespace_moves_settlement_and_report_ids(sim_factory):
	ids = []
	for namespace in (0, 3):
		sim = sim_factory(seed=5, orders=0, start=START, time_scale=0.0, namespace=namespace)
		sim.control.create_order(fulfilled_by="AMAZON", status="SHIPPED", items=[{"sku": "SIM-MUG-001", "quantity": 1}])
		sim.control.advance(600)
		(settlement,) = sim.control.close_settlements("USD")
		ids.append((settlement["settlementId"], settlement["reportId"]))
	assert ids[0][0] != ids[1][0] and ids[0][1] != ids[1][1]


def test_same_seed_through_running_simulators(sim_factory):
	one = sim_factory(seed=5, orders=30, start=START, time_scale=0.0)
	two = sim_factory(seed=5, orders=30, start=START, time_scale=0.0)
	assert one.control.list_orders() == two.control.list_orders()


def test_ids_and_variety():
	state = build(1)
	orders = list(state.orders.values())
	assert len(orders) == 200
	for order in orders:
		assert re.fullmatch(r"\d{3}-\d{7}-\d{7}", order.order_id)
		for item in order.items:
			assert re.fullmatch(r"\d{14}", item.order_item_id)
		assert order.created <= order.last_updated <= START
		assert START.timestamp() - order.created.timestamp() < 5 * 86400
	currencies = Counter((state.marketplaces[o.marketplace_id].country, o.currency) for o in orders)
	assert {("US", "USD"), ("CA", "CAD"), ("GB", "GBP"), ("DE", "EUR"), ("FR", "EUR"), ("JP", "JPY")} <= set(currencies)
	kinds = Counter((o.fulfilled_by, o.status) for o in orders)
	assert kinds[("AMAZON", "SHIPPED")] > 20
	fbm = [o for o in orders if o.fulfilled_by == "MERCHANT"]
	assert sum(o.status == "UNSHIPPED" for o in fbm) > len(fbm) / 2
	assert any(o.status == "PENDING" for o in orders) and any(o.status == "CANCELLED" for o in orders)
	items = [item for order in orders for item in order.items]
	assert any(len(o.items) > 1 for o in orders) and any(i.quantity > 1 for i in items)
	assert any(i.shipping_price for i in items) and any(i.shipping_discount for i in items)
	assert any(i.gift_wrap_price for i in items) and any(i.promotion_discount for i in items)
	assert all(i.tax_withheld for o in orders if o.marketplace_id == "ATVPDKIKX0DER" for i in o.items)
	assert any(i.item_tax and i.shipping_tax for i in items)
	b2b = [o for o in orders if o.is_business]
	assert b2b and all(o.buyer.company_name and o.buyer.tax_id for o in b2b)
	replacements = [o for o in orders if o.replaced_order_id]
	assert replacements and all(o.replaced_order_id in state.orders and o.total == 0 for o in replacements)
	assert all(o.currency != "JPY" or all(i.unit_price == i.unit_price.to_integral() for i in o.items) for o in orders)


def test_catalogue_is_fixed_and_exposed(sim):
	assert 18 <= len(CATALOGUE) <= 25
	exposed = sim.control.catalogue()
	assert [entry["sku"] for entry in exposed] == [item.sku for item in CATALOGUE]
	for entry in exposed:
		assert set(entry["prices"]) == {"USD", "CAD", "GBP", "EUR", "JPY"}
		assert re.fullmatch(r"B0[A-Z0-9]{8}", entry["asin"])
	skus = {item.sku for order in sim.state.orders.values() for item in order.items}
	assert skus <= {entry["sku"] for entry in exposed}


def test_orders_can_be_drawn_from_chosen_marketplaces(sim_factory):
	us, ca = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
	sim = sim_factory(seed=3, orders=60, marketplaces=(us, ca))
	assert {o.marketplace_id for o in sim.state.orders.values()} == {us, ca}


def test_unknown_marketplace_is_refused():
	import pytest

	from amazon_integration.simulator.generator import market_weights

	with pytest.raises(ValueError, match="not A1VC38T7YXB52X"):
		market_weights(["A1VC38T7YXB52X"])


def test_exchange_rate_is_the_rate_the_catalogue_is_priced_at():
	from decimal import Decimal

	from amazon_integration.simulator.generator import exchange_rate

	assert exchange_rate("USD", "CAD") == Decimal("1.36")
	assert exchange_rate("CAD", "USD") == Decimal("0.735294")
	assert exchange_rate("EUR", "EUR") == Decimal("1")
	assert exchange_rate("USD", "CHF") is None
