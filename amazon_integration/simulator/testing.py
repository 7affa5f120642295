"""Helpers to point python-amazon-sp-api at a running simulator, without monkeypatching.

	from sp_api.api import OrdersV20260101
	from amazon_integration.simulator.testing import sp_client
	orders = sp_client(OrdersV20260101, sim.url)               # marketplace US by default
	orders.search_orders(createdAfter="...", includedData=["FULFILLMENT"])

sp_api's Client accepts any object with .endpoint/.marketplace_id/.region as the marketplace, and an
AccessTokenClient subclass whose scheme/host point at the simulator's LWA endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sp_api.auth import AccessTokenClient
from sp_api.auth import access_token_client as _access_token_module

DEFAULT_CLIENT_ID = "amzn1.application-oa2-client.simulator"
DEFAULT_CLIENT_SECRET = "sim-client-secret"
DEFAULT_REFRESH_TOKEN = "Atzr|sim-refresh-token"

ClientT = TypeVar("ClientT")


@dataclass(frozen=True)
class SimEndpoint:
	"""Marketplace-like object for sp_api's Client: the simulator URL instead of Amazon's endpoint."""

	endpoint: str
	marketplace_id: str = "ATVPDKIKX0DER"
	region: str = "us-east-1"


def access_token_client_class(base_url: str) -> type[AccessTokenClient]:
	"""An AccessTokenClient subclass that asks the simulator's /auth/o2/token.

	Its token cache key includes the host: sp_api caches tokens process-wide by refresh token only, which
	would hand one simulator's token to another simulator started later in the same process."""
	parts = urlsplit(base_url)
	host = parts.netloc

	def _get_cache_key(self: AccessTokenClient, token_flavor: str = "") -> str:
		return AccessTokenClient._get_cache_key(self, f"{host}|{token_flavor}")

	return type(
		"SimulatorAccessTokenClient",
		(AccessTokenClient,),
		{"scheme": f"{parts.scheme}://", "host": host, "path": "/auth/o2/token", "_get_cache_key": _get_cache_key},
	)


def sp_credentials(client_id: str = DEFAULT_CLIENT_ID, client_secret: str = DEFAULT_CLIENT_SECRET) -> dict[str, str]:
	return {"lwa_app_id": client_id, "lwa_client_secret": client_secret}


def sp_client(
	client_class: type[ClientT] | Any,
	base_url: str,
	marketplace_id: str = "ATVPDKIKX0DER",
	*,
	refresh_token: str = DEFAULT_REFRESH_TOKEN,
	client_id: str = DEFAULT_CLIENT_ID,
	client_secret: str = DEFAULT_CLIENT_SECRET,
	**kwargs: Any,
) -> ClientT:
	"""An sp_api client (e.g. OrdersV20260101, OrdersV0, Feeds, Reports) talking to the simulator."""
	return client_class(
		SimEndpoint(base_url.rstrip("/"), marketplace_id),
		refresh_token=refresh_token,
		credentials=sp_credentials(client_id, client_secret),
		auth_token_client_class=access_token_client_class(base_url),
		**kwargs,
	)


def forget_tokens() -> None:
	"""Drop sp_api's process-wide access-token caches (e.g. after the simulator revoked or expired them)."""
	_access_token_module.cache.clear()
	_access_token_module.grantless_cache.clear()


def full_body(response: Any) -> dict[str, Any]:
	"""The JSON body of an sp_api ApiResponse (sp_api moves `pagination` out of the payload)."""
	body = dict(response.payload or {})
	if response.pagination:
		body["pagination"] = response.pagination
	return body
