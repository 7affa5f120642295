"""Client-side quotas against the simulator: a healthy sync never meets a 429, also with two registrations of
one seller sharing the bucket store; without sharing, the simulator does throttle (the control case)."""

from __future__ import annotations

from datetime import timedelta

from amazon_integration.amazon import AccountConfig, LwaCredentials, MemoryQuotaStore

US = "ATVPDKIKX0DER"
CA = "A2EUQ1WTGCTBG2"


def _order_ids(sim, count: int) -> list[str]:
	with sim.state.lock:
		ids = list(sim.state.orders)
	return (ids * (count // len(ids) + 1))[:count]


def _second_registration(sim) -> AccountConfig:
	"""Another Amazon Account registration of the same seller (other marketplace, other refresh token)."""
	return AccountConfig(
		seller_id=sim.state.seller_id,
		region="NA",
		marketplace_ids=(CA,),
		credentials=LwaCredentials("amzn1.application-oa2-client.other", "other-secret-123456", "Atzr|other-refresh-123456"),
		endpoint=sim.url,
		timeout=5.0,
		retry_deadline=600.0,
	)


def test_long_search_is_paced_not_throttled(sim_factory, gateway) -> None:
	sim = sim_factory(orders=120, time_scale=1.0)
	client = gateway(sim)
	search = client.search_orders(sim.clock.now() - timedelta(days=10), page_size=2)
	orders = list(search)
	assert search.pages > 20  # more pages than searchOrders' burst
	assert len({o.order_id for o in orders}) == len(orders)
	metrics = client.metrics.snapshot()["searchOrders"]
	assert metrics.throttled == 0 and metrics.retries == 0
	assert metrics.quota_seconds > 0  # it waited client-side instead (≈ 1/0.0056 s per page beyond the burst)
	assert sim.control.counters()["searchOrders"]["throttled"] == 0


def test_two_registrations_of_one_seller_share_the_buckets(sim_factory, gateway) -> None:
	sim = sim_factory(time_scale=1.0)
	store = MemoryQuotaStore()
	first = gateway(sim, quota_store=store)
	second = gateway(sim, quota_store=store, config=_second_registration(sim))
	for order_id in _order_ids(sim, 25):
		first.get_order(order_id)
		second.get_order(order_id)  # getOrder needs no marketplace: same seller, same bucket
	# A call a loaded machine answers after the client's timeout is sent again: count those apart.
	retried = first.metrics.snapshot()["getOrder"].retries + second.metrics.snapshot()["getOrder"].retries
	assert sim.control.counters()["getOrder"]["requests"] == 50 + retried
	assert sim.control.counters()["getOrder"]["throttled"] == 0
	waited = first.metrics.snapshot()["getOrder"].quota_seconds + second.metrics.snapshot()["getOrder"].quota_seconds
	assert waited > 0


def test_without_a_shared_store_the_simulator_throttles(sim_factory, gateway) -> None:
	sim = sim_factory(time_scale=1.0)
	first = gateway(sim, quota_store=MemoryQuotaStore())
	second = gateway(sim, quota_store=MemoryQuotaStore(), config=_second_registration(sim))
	for order_id in _order_ids(sim, 25):
		first.get_order(order_id)
		second.get_order(order_id)
	throttled = sim.control.counters()["getOrder"]["throttled"]
	assert throttled > 0  # the case the shared store prevents ...
	retried = first.metrics.snapshot()["getOrder"].retries + second.metrics.snapshot()["getOrder"].retries
	assert retried == throttled  # ... and even then every call succeeded after backing off


def test_rate_is_tuned_by_the_rate_limit_header(sim_factory, gateway) -> None:
	sim = sim_factory(time_scale=1.0)
	sim.control.set_quota("getOrder", 0.1, 30)  # this seller got a lower plan than the model says
	client = gateway(sim)
	order_ids = _order_ids(sim, 35)
	for order_id in order_ids:
		client.get_order(order_id)
	assert client._rates["getOrder"] == 0.1
	assert sim.control.counters()["getOrder"]["throttled"] == 0
	# the 5 calls beyond the burst were spaced 10 s apart (0.1/s), not 2 s (the default 0.5/s)
	assert client.metrics.snapshot()["getOrder"].quota_seconds >= 40


def test_while_the_shared_store_fails_the_process_bucket_paces(sim_factory, gateway) -> None:
	"""Redis restarting: calls neither fail nor flood Amazon; the workers of a process share one fallback bucket."""
	from amazon_integration.amazon.quota import FALLBACK_QUOTA_STORE

	class Down:
		def acquire(self, key: str, rate: float, burst: int, now: float) -> float:
			raise RuntimeError("Redis is loading the dataset in memory")

	FALLBACK_QUOTA_STORE.clear()
	sim = sim_factory(time_scale=1.0)
	first = gateway(sim, quota_store=Down())
	second = gateway(sim, quota_store=Down(), config=_second_registration(sim))
	for order_id in _order_ids(sim, 25):
		first.get_order(order_id)
		second.get_order(order_id)
	assert sim.control.counters()["getOrder"]["throttled"] == 0
	assert first.metrics.snapshot()["getOrder"].quota_seconds + second.metrics.snapshot()["getOrder"].quota_seconds > 0
