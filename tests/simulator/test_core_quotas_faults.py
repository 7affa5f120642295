"""Usage plans, token buckets on the simulated clock, and fault injection — through python-amazon-sp-api."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from sp_api.api import OrdersV20260101
from sp_api.base import (
	SellingApiRequestThrottledException,
	SellingApiServerException,
	SellingApiTemporarilyUnavailableException,
)

from amazon_integration.simulator.clock import Clock
from amazon_integration.simulator.quotas import (
	BUILTIN_PLANS,
	MODEL_SUBFOLDERS,
	QuotaManager,
	UsagePlan,
	load_usage_plans,
	parse_usage_plans,
)

MODEL = "orders_2026-01-01"


def after(sim) -> str:
	return (sim.state.clock.now() - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_21st_search_is_throttled_and_served_again_after_refill(sim, sp_client, assert_valid):
	client = sp_client(OrdersV20260101)
	created_after = after(sim)
	for _ in range(20):
		response = client.search_orders(createdAfter=created_after, maxResultsPerPage=1)
		assert response.headers["x-amzn-RateLimit-Limit"] == "0.0056"
	with pytest.raises(SellingApiRequestThrottledException) as caught:
		client.search_orders(createdAfter=created_after, maxResultsPerPage=1)
	assert caught.value.error == [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]
	assert caught.value.headers.get("x-amzn-RequestId")
	assert_valid(MODEL, "ErrorList", {"errors": caught.value.error})
	sim.control.advance(1 / 0.0056 + 1)  # one token back on the simulated clock
	assert client.search_orders(createdAfter=created_after, maxResultsPerPage=1).payload["orders"]
	with pytest.raises(SellingApiRequestThrottledException):
		client.search_orders(createdAfter=created_after, maxResultsPerPage=1)
	counters = sim.control.counters()["searchOrders"]
	assert counters == {"requests": 23, "throttled": 2, "errors": 0}


def test_model_usage_plans_match_the_builtin_table(models_dir):
	parsed: dict[str, UsagePlan] = {}
	paths = sorted(models_dir.glob("*.json"))
	paths += [path for sub in MODEL_SUBFOLDERS for path in sorted((models_dir / sub).glob("*.json"))]
	for path in paths:
		parsed.update(parse_usage_plans(json.loads(path.read_text(encoding="utf-8"))))
	assert parsed["searchOrders"] == UsagePlan(0.0056, 20)
	assert parsed["patchListingsItem"] == UsagePlan(5, 5)
	assert parsed["confirmShipment"] == UsagePlan(2, 10)
	for operation, plan in parsed.items():
		assert BUILTIN_PLANS.get(operation) == plan, operation
	assert load_usage_plans(models_dir)["getOrder"] == UsagePlan(0.5, 30)


def test_bucket_refills_with_the_time_scale():
	clock = Clock(time_scale=0.0)  # frozen: only advance() moves it
	quotas = QuotaManager(clock, {"op": UsagePlan(2, 3)})
	assert [quotas.take("S", "op") for _ in range(4)] == [True, True, True, False]
	clock.advance(0.5)
	assert quotas.take("S", "op") and not quotas.take("S", "op")
	clock.advance(100)
	assert quotas.tokens("S", "op") == 3
	assert quotas.take("OTHER", "op")  # buckets are per seller


def test_control_can_disable_and_reset_quotas(sim, sp_client):
	client = sp_client(OrdersV20260101)
	sim.control.set_quota("searchOrders", 0.0056, 1)
	client.search_orders(createdAfter=after(sim))
	with pytest.raises(SellingApiRequestThrottledException):
		client.search_orders(createdAfter=after(sim))
	sim.control.reset_quotas()
	client.search_orders(createdAfter=after(sim))
	sim.control.set_quotas_enabled(False)
	for _ in range(3):
		client.search_orders(createdAfter=after(sim))


def test_injected_throttle_and_errors(sim, sp_client, assert_valid):
	client = sp_client(OrdersV20260101)
	order_id = next(iter(sim.state.orders))
	sim.control.add_fault("throttle", "getOrder", count=2)
	for _ in range(2):
		with pytest.raises(SellingApiRequestThrottledException):
			client.get_order(order_id)
	assert client.get_order(order_id).payload["order"]["orderId"] == order_id
	sim.control.add_fault("error", "getOrder", status=500)
	sim.control.add_fault("error", None, status=503)
	with pytest.raises(SellingApiServerException) as caught:
		client.get_order(order_id)
	assert_valid(MODEL, "ErrorList", {"errors": caught.value.error})
	with pytest.raises(SellingApiTemporarilyUnavailableException):
		client.search_orders(createdAfter=after(sim))
	assert sim.control.faults() == []
	assert client.get_order(order_id).payload["order"]


def test_truncated_json_and_slow_answers(sim, sp_client):
	client = sp_client(OrdersV20260101)
	order_id = next(iter(sim.state.orders))
	token = client.auth.access_token
	sim.control.add_fault("truncate", "getOrder")
	raw = httpx.get(f"{sim.url}/orders/2026-01-01/orders/{order_id}", headers={"x-amz-access-token": token})
	assert raw.status_code == 200
	with pytest.raises(json.JSONDecodeError):
		json.loads(raw.content)
	assert int(raw.headers["content-length"]) == len(raw.content)
	sim.control.add_fault("slow", "getOrder", delay=0.05)
	with pytest.raises(httpx.ReadTimeout):
		httpx.get(f"{sim.url}/orders/2026-01-01/orders/{order_id}", headers={"x-amz-access-token": token}, timeout=0.01)
	assert client.get_order(order_id).payload["order"]


def test_repeated_page(sim, sp_client):
	client = sp_client(OrdersV20260101)
	markets = list(sim.state.marketplaces)
	first = client.search_orders(createdAfter=after(sim), marketplaceIds=markets, maxResultsPerPage=10)
	sim.control.add_fault("repeat_page", "searchOrders")
	repeated = client.search_orders(paginationToken=first.next_token, marketplaceIds=markets)
	assert repeated.payload["orders"] == first.payload["orders"]
	assert repeated.next_token == first.next_token  # the same token again: nothing is lost
	real = client.search_orders(paginationToken=repeated.next_token, marketplaceIds=markets)
	seen = {o["orderId"] for o in first.payload["orders"]} | {o["orderId"] for o in real.payload["orders"]}
	assert len(seen) == 20
