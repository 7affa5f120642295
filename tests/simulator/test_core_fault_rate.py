"""The seeded fault rate (a fraction of all SP-API calls meets a fault) and malformed orders on demand."""

from __future__ import annotations

from sp_api.api import OrdersV20260101
from sp_api.base import SellingApiException

from amazon_integration.simulator.control import MALFORMED_KINDS
from amazon_integration.simulator.state import FaultPlan


def test_the_rate_draws_from_a_seed_of_its_own():
	def draws(seed: int) -> list[str | None]:
		plan = FaultPlan()
		plan.set_rate(0.3, seed, slow_seconds=0)
		return [plan.draw("getOrder") for _ in range(400)]

	assert draws(7) == draws(7) != draws(8)
	plan = FaultPlan()
	plan.set_rate(0.3, 7, slow_seconds=0)
	for _ in range(2000):
		plan.draw("getOrder")
	injected = sum(plan.injected.values())
	assert 500 < injected < 700  # about 30 % of 2000
	assert set(plan.injected) == {"throttle", "error_500", "error_503", "slow", "truncate", "repeat_page"}
	# a repeated page waits for the next searchOrders page as a one-shot fault
	assert {f.kind for f in plan.pending()} == {"repeat_page"}


def test_fault_rate_answers_some_calls_with_faults_and_counts_them(sim, sp_client):
	sim.control.set_fault_rate(0.5, seed=3, slow_seconds=0)
	client = sp_client(OrdersV20260101)
	order_id = sim.control.list_orders()[0]["order_id"]
	failed = 0
	for _ in range(40):
		try:
			client.get_order(order_id)
		except SellingApiException:
			failed += 1
		except ValueError:  # a truncated body
			failed += 1
	injected = sim.control.injected_faults()
	assert failed and sum(injected.values()) >= failed
	counters = sim.control.counters()["getOrder"]
	assert counters["throttled"] == injected.get("throttle", 0)
	sim.control.set_fault_rate(0)
	client.get_order(order_id)  # rate 0: faults stop


def test_malformed_orders_say_what_is_wrong(sim):
	planted = sim.control.create_malformed_orders(5)
	assert [row["kind"] for row in planted] == list(MALFORMED_KINDS)
	views = {row["kind"]: sim.control.get_order(row["order_id"]) for row in planted}
	assert views["unknown_sku"]["items"][0]["sku"].startswith("UNKNOWN-SKU-")
	assert views["broken_address"]["address"]["country_code"] == "ZZ"
	assert all(item["quantity"] == 0 for item in views["zero_quantity"]["items"])
	assert views["unknown_currency"]["currency"] == "XQZ"
	assert all(view["status"] == "UNSHIPPED" and view["fulfilled_by"] == "MERCHANT" for view in views.values())
