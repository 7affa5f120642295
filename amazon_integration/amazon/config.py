"""Plain configuration of one Amazon Account registration: where to call and with which LWA credentials.

Frozen dataclasses built by the ERPNext side from the Amazon Account doctype (or by tests / benchmarks from the
simulator). Secrets are excluded from reprs so a config can be logged or put in an exception safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from .text import msg

REGIONS = ("NA", "EU", "FE")

# Production SP-API endpoints per region.
REGION_ENDPOINTS: dict[str, str] = {
	"NA": "https://sellingpartnerapi-na.amazon.com",
	"EU": "https://sellingpartnerapi-eu.amazon.com",
	"FE": "https://sellingpartnerapi-fe.amazon.com",
}

# AWS region of each SP-API region (the library's Marketplaces carry it; kept for parity).
AWS_REGIONS: dict[str, str] = {"NA": "us-east-1", "EU": "eu-west-1", "FE": "us-west-2"}

DEFAULT_LWA_URL = "https://api.amazon.com"
# The credentials by the names Seller Central's Developer Central gives them (in a message when one is missing).
LWA_FIELDS = {"client_id": "Client ID", "client_secret": "Client Secret", "refresh_token": "Refresh Token"}


def lwa_base_url(endpoint: str | None = None, lwa_url: str | None = None) -> str:
	"""The LWA token service: `lwa_url`, else the endpoint override's scheme+host (the simulator), else Amazon's."""
	if lwa_url:
		return lwa_url.rstrip("/")
	if endpoint:
		parts = urlsplit(endpoint)
		return f"{parts.scheme}://{parts.netloc}"
	return DEFAULT_LWA_URL


@dataclass(frozen=True)
class LwaCredentials:
	"""Login with Amazon credentials of the developer application plus the seller's refresh token."""

	client_id: str
	client_secret: str = field(repr=False)
	refresh_token: str = field(repr=False)

	def __post_init__(self) -> None:
		for name in ("client_id", "client_secret", "refresh_token"):
			if not getattr(self, name):
				raise ValueError(msg("The LWA {0} is required.", LWA_FIELDS[name]))


@dataclass(frozen=True)
class AccountConfig:
	"""One Amazon Account registration.

	`endpoint` overrides the regional production endpoint with any base URL (http or https), e.g. the simulator.
	`lwa_url` defaults to https://api.amazon.com, or to the endpoint override's scheme+host when an override is
	given (the simulator serves /auth/o2/token itself).
	`timeout` is the per-request HTTP timeout in seconds, `connect_timeout` the time to open a connection (short:
	an endpoint that does not answer is known fast); `retry_deadline` bounds the time one operation may spend
	retrying 429/5xx/timeouts before its last error is raised (quota waits not counted, see budget.py).
	"""

	seller_id: str
	region: str
	marketplace_ids: tuple[str, ...]
	credentials: LwaCredentials
	endpoint: str | None = None
	lwa_url: str | None = None
	timeout: float = 30.0
	retry_deadline: float = 300.0
	connect_timeout: float = 10.0

	def __post_init__(self) -> None:
		if not self.seller_id:
			raise ValueError(msg("The Seller ID is required (Amazon's quotas belong to the seller)."))
		if self.region not in REGIONS:
			raise ValueError(msg("The region must be one of {0}, not {1}.", ", ".join(REGIONS), repr(self.region)))
		if isinstance(self.marketplace_ids, str):
			object.__setattr__(self, "marketplace_ids", (self.marketplace_ids,))
		else:
			object.__setattr__(self, "marketplace_ids", tuple(self.marketplace_ids))
		if not self.marketplace_ids:
			raise ValueError(msg("At least one marketplace ID is required."))
		for name in ("endpoint", "lwa_url"):
			url = getattr(self, name)
			if url is not None:
				parts = urlsplit(url)
				if parts.scheme not in ("http", "https") or not parts.netloc:
					raise ValueError(msg("The {0} must be an http(s) base URL, not {1}.", name, repr(url)))
		if self.timeout <= 0 or self.connect_timeout <= 0 or self.retry_deadline < 0:
			raise ValueError("timeout and connect_timeout must be > 0 and retry_deadline >= 0")

	@property
	def http_timeout(self) -> httpx.Timeout:
		return httpx.Timeout(self.timeout, connect=min(self.connect_timeout, self.timeout))

	@property
	def base_url(self) -> str:
		"""The SP-API base URL actually called (no trailing slash)."""
		return (self.endpoint or REGION_ENDPOINTS[self.region]).rstrip("/")

	@property
	def token_url(self) -> str:
		"""Base URL of the LWA token service (the path /auth/o2/token is appended by the auth client)."""
		return lwa_base_url(self.endpoint, self.lwa_url)

	@property
	def aws_region(self) -> str:
		return AWS_REGIONS[self.region]

	@property
	def default_marketplace_id(self) -> str:
		return self.marketplace_ids[0]
