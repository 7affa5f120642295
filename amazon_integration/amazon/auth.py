"""LWA access tokens: exchanged through the library's AccessTokenClient, cached by the gateway.

The library caches tokens in a module-level TTLCache (fixed 3200 s ttl, 10 entries, keyed by an MD5 of the
refresh token). The gateway plugs its own AccessTokenClient subclass in through the library's
`auth_token_client_class` extension point: its host points at the registration's LWA URL (the simulator serves
/auth/o2/token itself) and its tokens live in `TokenCache` until 60 s before Amazon's `expires_in`, so a
registration makes one token exchange per hour in steady state however many API classes and threads it uses.
Keys are the LWA URL + client id + a SHA-256 of the refresh token; the raw refresh token is never a key.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from json import JSONDecodeError
from urllib.parse import urlsplit

import httpx
from sp_api.auth import AccessTokenClient, AccessTokenResponse, Credentials
from sp_api.base._transport_httpx import HttpxTransport

from .config import AccountConfig, LwaCredentials
from .errors import AmazonUnavailableError, AuthError, NoAnswerError, ThrottledError, no_answer_message
from .logs import logger, scrub

LWA_OPERATION = "lwaToken"
DEFAULT_EXPIRES_IN = 3600.0


@dataclass
class _CachedToken:
	token: str
	expires_at: float  # in the provider's clock (epoch seconds by default)

	def __repr__(self) -> str:
		return f"_CachedToken(<redacted>, expires_at={self.expires_at!r})"


class TokenCache:
	"""Thread-safe access-token cache shared by every client of the process."""

	def __init__(self) -> None:
		self._lock = threading.Lock()
		self._tokens: dict[str, _CachedToken] = {}
		self._key_locks: dict[str, threading.Lock] = {}

	def get(self, key: str, now: float) -> str | None:
		with self._lock:
			cached = self._tokens.get(key)
			if cached is None or cached.expires_at <= now:
				return None
			return cached.token

	def put(self, key: str, token: str, expires_at: float) -> None:
		with self._lock:
			self._tokens[key] = _CachedToken(token, expires_at)

	def invalidate(self, key: str, token: str | None = None) -> None:
		"""Drop the cached token; with `token`, only if it is still that one (another thread may have renewed)."""
		with self._lock:
			cached = self._tokens.get(key)
			if cached is not None and (token is None or cached.token == token):
				del self._tokens[key]

	def key_lock(self, key: str) -> threading.Lock:
		with self._lock:
			return self._key_locks.setdefault(key, threading.Lock())

	def clear(self) -> None:
		with self._lock:
			self._tokens.clear()

	def __repr__(self) -> str:
		return f"TokenCache({len(self._tokens)} tokens)"


TOKEN_CACHE = TokenCache()


def token_cache_key(credentials: LwaCredentials, token_url: str) -> str:
	"""Every credential is part of the key: a corrected secret must never ride on a token the old one got."""
	secrets = f"{credentials.client_secret}\x1f{credentials.refresh_token}"
	digest = hashlib.sha256(secrets.encode("utf-8")).hexdigest()[:40]
	return f"{token_url}|{credentials.client_id}|{digest}"


class LwaTokenProvider:
	"""Hands out the registration's access token, exchanging the refresh token when the cache has none."""

	def __init__(
		self,
		config: AccountConfig,
		*,
		cache: TokenCache = TOKEN_CACHE,
		clock: Callable[[], float] = time.time,
		refresh_margin: float = 60.0,
		on_exchange: Callable[[], None] | None = None,
	) -> None:
		self.config = config
		self.on_exchange = on_exchange
		self.cache = cache
		self.clock = clock
		self.refresh_margin = refresh_margin
		self.token_url = config.token_url
		self.key = token_cache_key(config.credentials, self.token_url)
		self.transport = HttpxTransport(timeout=config.http_timeout)
		self.exchanges = 0  # token exchanges made by this provider (for tests and metrics)
		self.last_token: str | None = None  # the token most recently handed out (to invalidate precisely)
		parts = urlsplit(self.token_url)
		self.client_class: type[AccessTokenClient] = type(
			"GatewayAccessTokenClient",
			(GatewayAccessTokenClient,),
			{"scheme": f"{parts.scheme}://", "host": parts.netloc + parts.path.rstrip("/"), "provider": self},
		)

	def secrets(self) -> tuple[str | None, ...]:
		creds = self.config.credentials
		return (creds.client_secret, creds.refresh_token, self.last_token)

	def get_auth(self, client: GatewayAccessTokenClient) -> AccessTokenResponse:
		token = self.cache.get(self.key, self.clock())
		if token is None:
			with self.cache.key_lock(self.key):
				token = self.cache.get(self.key, self.clock())
				if token is None:
					token = self._exchange(client)
		self.last_token = token
		return AccessTokenResponse(access_token=token, token_type="bearer")

	def _exchange(self, client: GatewayAccessTokenClient) -> str:
		started = self.clock()
		data = client._request(client.scheme + client.host + client.path, client.data, client.headers)
		token = data.get("access_token")
		if not token:
			raise AuthError("The LWA token service answered without an access token.", operation=LWA_OPERATION)
		try:
			expires_in = float(data.get("expires_in") or DEFAULT_EXPIRES_IN)
		except (TypeError, ValueError):
			expires_in = DEFAULT_EXPIRES_IN
		self.cache.put(self.key, token, started + max(0.0, expires_in - self.refresh_margin))
		self.exchanges += 1
		if self.on_exchange is not None:
			self.on_exchange()
		logger.info("LWA token exchanged for seller %s (valid %ss)", self.config.seller_id, int(expires_in))
		return token

	def invalidate(self, token: str | None = None) -> None:
		self.cache.invalidate(self.key, token)

	def close(self) -> None:
		self.transport.close()

	def __repr__(self) -> str:
		return f"LwaTokenProvider(seller_id={self.config.seller_id!r}, token_url={self.token_url!r})"


class GatewayAccessTokenClient(AccessTokenClient):
	"""The library's AccessTokenClient, pointed at the registration's LWA URL and backed by the gateway cache.

	Concrete subclasses are made per provider (LwaTokenProvider.client_class) with `scheme`, `host`, `provider`.
	"""

	provider: LwaTokenProvider

	def __init__(self, refresh_token=None, credentials=None, proxies=None, verify=True):
		# No httpx client per instance (the base class makes one): the provider's transport serves them all.
		self.cred = Credentials(refresh_token, credentials)
		self.proxies = proxies
		self.verify = verify
		self._transport = self.provider.transport

	def get_auth(self) -> AccessTokenResponse:
		return self.provider.get_auth(self)

	def _request(self, url, data, headers):
		secrets = self.provider.secrets()
		try:
			response = self._transport.request("POST", url, data=data, headers=headers)
		except httpx.TransportError as exc:
			name = type(exc).__name__
			timeouts = self.provider.config.http_timeout
			seconds = timeouts.connect if name == "ConnectTimeout" else timeouts.read
			host = httpx.URL(url).host or url
			raise NoAnswerError(
				"The LWA token service did not answer. " + no_answer_message(name, host, seconds), operation=LWA_OPERATION
			) from None
		request_id = response.headers.get("x-amzn-RequestId")
		try:
			body = response.json()
		except (JSONDecodeError, ValueError):
			body = None
		if response.status_code >= 500 or (response.status_code == 200 and not isinstance(body, dict)):
			raise AmazonUnavailableError(
				"The LWA token service failed or sent a truncated answer.",
				status=response.status_code,
				request_id=request_id,
				operation=LWA_OPERATION,
			)
		if response.status_code != 200:
			body = body if isinstance(body, dict) else {}
			code = body.get("error") or None
			description = body.get("error_description") or code or "token exchange refused"
			error_class = ThrottledError if response.status_code == 429 else AuthError
			raise error_class(
				scrub(f"LWA token exchange failed: {description}", secrets),
				code=code,
				status=response.status_code,
				request_id=request_id,
				operation=LWA_OPERATION,
			)
		return body

	def __repr__(self) -> str:
		return f"{type(self).__name__}(host={self.host!r})"
