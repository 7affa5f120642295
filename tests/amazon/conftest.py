"""Fixtures for the gateway tests: AmazonClient instances pointed at the simulator, on the simulator's clock.

`gateway(sim, **overrides)` builds a client whose clock IS the simulated clock and whose sleep advances it, so
quota waits and retry backoff cost no real time and both sides agree on time (2-minute rule, buckets).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from amazon_integration.amazon import AccountConfig, AmazonClient, LwaCredentials, MemoryQuotaStore
from amazon_integration.amazon.auth import TokenCache

CLIENT_ID = "amzn1.application-oa2-client.gatewaytest"
CLIENT_SECRET = "amzn1.oa2-cs.v1.GATEWAY-SECRET-0123456789"
REFRESH_TOKEN = "Atzr|GATEWAY-REFRESH-TOKEN-abcdefghijklmnop"
US = "ATVPDKIKX0DER"


class SimClock:
	"""The simulator's clock as the client's clock/sleep pair; records what the client slept."""

	def __init__(self, sim: Any) -> None:
		self.sim = sim
		self.slept: list[float] = []

	def now(self) -> float:
		return self.sim.clock.now().timestamp()

	def sleep(self, seconds: float) -> None:
		self.slept.append(seconds)
		if seconds > 0:
			self.sim.clock.advance(seconds)


def make_config(sim: Any, **overrides: Any) -> AccountConfig:
	options: dict[str, Any] = {
		"seller_id": sim.state.seller_id,
		"region": "NA",
		"marketplace_ids": (US,),
		"credentials": LwaCredentials(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN),
		"endpoint": sim.url,
		"timeout": 5.0,
		"retry_deadline": 600.0,
	}
	options.update(overrides)
	return AccountConfig(**options)


@pytest.fixture
def gateway() -> Iterator[Callable[..., AmazonClient]]:
	"""gateway(sim, config=None, quota_store=None, clock=None, token_cache=None, config_overrides=None,
	now=..., sleep=..., **client_kwargs) -> AmazonClient (closed after)."""
	clients: list[AmazonClient] = []

	def make(
		sim: Any,
		*,
		config: AccountConfig | None = None,
		quota_store: Any = None,
		clock: SimClock | None = None,
		token_cache: TokenCache | None = None,
		config_overrides: dict[str, Any] | None = None,
		**kwargs: Any,
	) -> AmazonClient:
		clock = clock or SimClock(sim)
		client = AmazonClient(
			config or make_config(sim, **(config_overrides or {})),
			quota_store if quota_store is not None else MemoryQuotaStore(),
			clock=kwargs.pop("now", clock.now),
			sleep=kwargs.pop("sleep", clock.sleep),
			token_cache=token_cache or TokenCache(),
			**kwargs,
		)
		client.sim_clock = clock  # type: ignore[attr-defined]  # for assertions on waits
		clients.append(client)
		return client

	yield make
	for client in clients:
		client.close()
