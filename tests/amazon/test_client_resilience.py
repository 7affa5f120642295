"""Retries, quotas and tokens against the simulator: 429 storms, 5xx, timeouts, truncation, 4xx at once,
expired and cached LWA tokens."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from amazon_integration.amazon import (
	AmazonUnavailableError,
	AuthError,
	InvalidInputError,
	ThrottledError,
)
from amazon_integration.amazon.auth import TokenCache

US = "ATVPDKIKX0DER"


def _an_order_id(sim) -> str:
	with sim.state.lock:
		return next(iter(sim.state.orders))


def _counter(sim, operation: str, field: str = "requests") -> int:
	return sim.control.counters().get(operation, {}).get(field, 0)


def test_survives_a_429_storm_with_bounded_waiting(sim, gateway) -> None:
	client = gateway(sim)
	order_id = _an_order_id(sim)
	sim.control.add_fault("throttle", "getOrder", count=6)
	order = client.get_order(order_id, ("FULFILLMENT",))
	assert order.order_id == order_id and order.status
	metrics = client.metrics.snapshot()["getOrder"]
	assert (metrics.calls, metrics.retries, metrics.throttled, metrics.errors) == (7, 6, 6, 0)
	assert _counter(sim, "getOrder") == 7 and _counter(sim, "getOrder", "throttled") == 6
	# exponential backoff with full jitter: the n-th wait is at most base * 2^(n-1), all well inside the deadline
	backoffs = client.sim_clock.slept
	assert len(backoffs) == 6
	assert all(0 <= wait <= client.backoff_base * 2**n for n, wait in enumerate(backoffs))
	assert metrics.backoff_seconds == pytest.approx(sum(backoffs))
	assert metrics.seconds_waited <= client.config.retry_deadline


def test_a_storm_longer_than_the_deadline_raises_throttled(sim, gateway) -> None:
	client = gateway(sim, config_overrides={"retry_deadline": 20.0})
	sim.control.add_fault("throttle", "getOrder", count=1000)
	with pytest.raises(ThrottledError) as caught:
		client.get_order(_an_order_id(sim))
	error = caught.value
	assert error.status == 429 and error.code == "QuotaExceeded" and error.attempts > 1
	metrics = client.metrics.snapshot()["getOrder"]
	assert metrics.errors == 1 and metrics.throttled == error.attempts
	assert metrics.backoff_seconds <= 20.0  # never sleeps past the deadline
	sim.control.clear_faults()


def test_500_and_503_are_retried(sim, gateway) -> None:
	client = gateway(sim)
	order_id = _an_order_id(sim)
	sim.control.add_fault("error", "getOrder", count=2, status=500)
	sim.control.add_fault("error", "getOrder", count=1, status=503)
	assert client.get_order(order_id).order_id == order_id
	metrics = client.metrics.snapshot()["getOrder"]
	assert (metrics.calls, metrics.retries, metrics.errors) == (4, 3, 0)


def test_timeouts_are_retried(sim, gateway) -> None:
	client = gateway(sim, config_overrides={"timeout": 0.3})
	order_id = _an_order_id(sim)
	sim.control.add_fault("slow", "getOrder", count=1, delay=1.0)
	assert client.get_order(order_id).order_id == order_id
	metrics = client.metrics.snapshot()["getOrder"]
	assert (metrics.calls, metrics.retries, metrics.errors) == (2, 1, 0)


def test_unreachable_endpoint_is_unavailable(sim, gateway) -> None:
	import socket

	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
	client = gateway(sim, config_overrides={"endpoint": dead, "retry_deadline": 60.0})
	with pytest.raises(AmazonUnavailableError) as caught:
		client.get_order("111-0000000-0000000")
	assert caught.value.attempts > 1 and "ConnectError" in str(caught.value)


def test_truncated_answer_is_retried(sim, gateway) -> None:
	client = gateway(sim)
	start = sim.clock.now() - timedelta(days=10)
	reference = [o.order_id for o in client.search_orders(start, page_size=5)]
	sim.control.add_fault("truncate", "searchOrders", count=2)
	again = client.search_orders(start, page_size=5)
	assert [o.order_id for o in again] == [o for o in reference if o]
	assert client.metrics.snapshot()["searchOrders"].retries == 2


def test_400_raised_at_once_with_amazons_message(sim, gateway) -> None:
	client = gateway(sim)
	with pytest.raises(InvalidInputError) as caught:
		list(client.search_orders(sim.clock.now() - timedelta(days=1), marketplace_ids=["NOT-A-MARKETPLACE"]))
	error = caught.value
	assert error.status == 400 and error.code == "InvalidInput" and error.request_id
	assert "NOT-A-MARKETPLACE" in error.message and error.message in str(error) and "searchOrders" in str(error)
	assert error.attempts == 1 and _counter(sim, "searchOrders") == 1
	assert client.sim_clock.slept == [] or all(w == 0 for w in client.sim_clock.slept)


def test_a_refused_token_is_renewed_once_and_the_call_goes_through(sim, gateway) -> None:
	cache = TokenCache()
	client = gateway(sim, token_cache=cache)
	# a held token Amazon refuses as "revoked, malformed or invalid", not "expired": renewed all the same
	cache.put(client._tokens.key, "Atza|not-a-token-the-simulator-issued", time.time() + 10**9)
	order_id = _an_order_id(sim)
	assert client.get_order(order_id).order_id == order_id
	assert client.token_exchanges == 1 and _counter(sim, "getOrder") == 2
	metrics = client.metrics.snapshot()["getOrder"]
	assert (metrics.calls, metrics.retries, metrics.errors) == (2, 1, 0)


class _StuckCache(TokenCache):
	"""Hands out the same refused token whatever is renewed: Amazon refuses every token."""

	def get(self, key: str, now: float) -> str | None:
		return "Atza|refused-every-time"


def test_a_second_refusal_is_reported_in_amazons_words(sim, gateway) -> None:
	client = gateway(sim, token_cache=_StuckCache())
	with pytest.raises(AuthError) as caught:
		client.get_order(_an_order_id(sim))
	error = caught.value
	assert error.status == 403 and error.code == "Unauthorized" and error.attempts == 2 and error.token_refused
	assert error.message == "Access to requested resource is denied."
	assert "revoked, malformed or invalid" in str(error)
	assert _counter(sim, "getOrder") == 2


def test_a_token_expired_days_ago_is_renewed(sim, gateway) -> None:
	# the client's own clock is real time: it cannot know the simulated days have passed
	client = gateway(sim, now=time.time)
	order_id = _an_order_id(sim)
	client.get_order(order_id)
	sim.control.advance(3 * 86400)
	gateway(sim, token_cache=TokenCache(), now=time.time).get_order(order_id)  # another process, its own token
	assert client.get_order(order_id).order_id == order_id
	assert client.token_exchanges == 2


def test_expired_token_is_renewed_once(sim, gateway) -> None:
	# the client's own clock is real time: it cannot know the simulated hour has passed
	client = gateway(sim, now=time.time)
	order_id = _an_order_id(sim)
	client.get_order(order_id)
	assert client.token_exchanges == 1
	sim.control.advance(3700)
	assert client.get_order(order_id).order_id == order_id
	assert client.token_exchanges == 2
	metrics = client.metrics.snapshot()["getOrder"]
	assert (metrics.calls, metrics.retries, metrics.errors) == (3, 1, 0)
	assert _counter(sim, "getOrder") == 3


def test_token_cached_for_its_lifetime(sim, gateway) -> None:
	client = gateway(sim)
	order_id = _an_order_id(sim)
	for _ in range(5):
		client.get_order(order_id)
	assert client.token_exchanges == 1
	# 50 simulated minutes later the cached token is still used ...
	sim.control.advance(3000)
	client.get_order(order_id)
	assert client.token_exchanges == 1
	# ... and shortly before the hour is up it is renewed proactively: no 403 ever reaches the caller
	sim.control.advance(560)
	client.get_order(order_id)
	assert client.token_exchanges == 2
	assert client.metrics.snapshot()["getOrder"].retries == 0
	assert client.metrics.snapshot()["lwaToken"].calls == 2


def test_two_clients_of_one_registration_share_the_token(sim, gateway) -> None:
	cache = TokenCache()
	first = gateway(sim, token_cache=cache)
	second = gateway(sim, token_cache=cache)
	order_id = _an_order_id(sim)
	first.get_order(order_id)
	second.get_order(order_id)
	assert first.token_exchanges + second.token_exchanges == 1


def test_lwa_refusal_is_an_auth_error(sim_factory, gateway) -> None:
	strict = sim_factory(client_id="the-id", client_secret="the-right-secret", refresh_token="Atzr|the-right-refresh")
	client = gateway(strict)  # sends the conftest credentials: wrong
	with pytest.raises(AuthError) as caught:
		client.get_order(_an_order_id(strict))
	error = caught.value
	assert error.status in (400, 401) and error.code in ("invalid_client", "invalid_grant")
	assert "LWA" in error.message and error.attempts == 1 and error.operation == "getOrder"
	assert _counter(strict, "getOrder") == 0
