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
from dataclasses import dataclass, field
from json import JSONDecodeError
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from sp_api.auth import AccessTokenClient, AccessTokenResponse, Credentials
from sp_api.base._transport_httpx import HttpxTransport

from .config import AccountConfig, LwaCredentials
from .errors import AmazonUnavailableError, AuthError, NoAnswerError, ThrottledError, no_answer_message
from .logs import logger, scrub
from .text import msg

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


def _json_object(response: httpx.Response) -> Any:
	"""The LWA answer's JSON, or None when it is not JSON (a proxy's error page, a truncated answer)."""
	try:
		return response.json()
	except (JSONDecodeError, ValueError):
		return None


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
			raise AuthError(msg("The LWA token service answered without an access token."), operation=LWA_OPERATION)
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
				msg("The LWA token service did not answer. {0}", no_answer_message(name, host, seconds)),
				operation=LWA_OPERATION,
			) from None
		request_id = response.headers.get("x-amzn-RequestId")
		body = _json_object(response)
		if response.status_code >= 500 or (response.status_code == 200 and not isinstance(body, dict)):
			raise AmazonUnavailableError(
				msg("The LWA token service failed or sent a truncated answer."),
				status=response.status_code,
				request_id=request_id,
				operation=LWA_OPERATION,
			)
		if response.status_code != 200:
			body = body if isinstance(body, dict) else {}
			code = body.get("error") or None
			description = body.get("error_description") or code
			error_class = ThrottledError if response.status_code == 429 else AuthError
			raise error_class(
				msg(
					"LWA token exchange failed: {0}",
					scrub(str(description), secrets) if description else msg("token exchange refused"),
				),
				code=code,
				status=response.status_code,
				request_id=request_id,
				operation=LWA_OPERATION,
			)
		return body

	def __repr__(self) -> str:
		return f"{type(self).__name__}(host={self.host!r})"


# -- Amazon's website authorization workflow (a public app connected by the seller's consent) ------------------
# The seller is sent to Seller Central's consent page with the app's id and a `state` the app checks; Amazon sends
# the browser back to the app's redirect URI with `state`, `selling_partner_id` and `spapi_oauth_code`, a code
# that lives five minutes and is exchanged once (LWA grant_type=authorization_code) for the refresh token.

CONSENT_PATH = "/apps/authorize/consent"
LWA_TOKEN_PATH = "/auth/o2/token"
AUTHORIZATION_CODE_OPERATION = "lwaAuthorizationCode"

# Seller Central of each marketplace (Amazon's "Seller Central URLs" table): the seller consents where they sign in.
SELLER_CENTRAL_URLS: dict[str, str] = {
	"A2EUQ1WTGCTBG2": "https://sellercentral.amazon.ca",
	"ATVPDKIKX0DER": "https://sellercentral.amazon.com",
	"A1AM78C64UM0Y8": "https://sellercentral.amazon.com.mx",
	"A2Q3Y263D00KWC": "https://sellercentral.amazon.com.br",
	"A28R8C7NBKEWEA": "https://sellercentral.amazon.ie",
	"A1RKKUPIHCS9HS": "https://sellercentral.amazon.es",
	"A1F83G8C2ARO7P": "https://sellercentral.amazon.co.uk",
	"A13V1IB3VIYZZH": "https://sellercentral.amazon.fr",
	"AMEN7PMS3EDWL": "https://sellercentral.amazon.com.be",
	"A1805IZSGTT6HS": "https://sellercentral.amazon.nl",
	"A1PA6795UKMFR9": "https://sellercentral.amazon.de",
	"APJ6JRA9NG5V4": "https://sellercentral.amazon.it",
	"A2NODRKZP88ZB9": "https://sellercentral.amazon.se",
	"AE08WJ6YKNBMC": "https://sellercentral.amazon.co.za",
	"A1C3SOZRARQ6R3": "https://sellercentral.amazon.pl",
	"ARBP9OOSHTCHU": "https://sellercentral.amazon.eg",
	"A33AVAJ2PDY3EV": "https://sellercentral.amazon.com.tr",
	"A17E79C6D8DWNP": "https://sellercentral.amazon.sa",
	"A2VIGQ35RCS4UG": "https://sellercentral.amazon.ae",
	"A21TJRUUN4KGV": "https://sellercentral.amazon.in",
	"A19VAU5U5O7RUS": "https://sellercentral.amazon.sg",
	"A39IBJ37TRP1C6": "https://sellercentral.amazon.com.au",
	"A1VC38T7YXB528": "https://sellercentral.amazon.co.jp",
}
# A marketplace missing above: the region's own Seller Central (it lets the seller pick the marketplace).
REGION_SELLER_CENTRAL: dict[str, str] = {
	"NA": "https://sellercentral.amazon.com",
	"EU": "https://sellercentral-europe.amazon.com",
	"FE": "https://sellercentral.amazon.co.jp",
}


def seller_central_url(region: str, marketplace_id: str | None = None, endpoint: str | None = None) -> str:
	"""Where the seller consents: the marketplace's Seller Central, or the endpoint override's host (the simulator
	serves the consent page there, as it serves the LWA token endpoint)."""
	if endpoint:
		parts = urlsplit(endpoint)
		return f"{parts.scheme}://{parts.netloc}"
	if marketplace_id in SELLER_CENTRAL_URLS:
		return SELLER_CENTRAL_URLS[marketplace_id]
	if region not in REGION_SELLER_CENTRAL:
		raise ValueError(f"region must be one of {', '.join(REGION_SELLER_CENTRAL)}, not {region!r}")
	return REGION_SELLER_CENTRAL[region]


def consent_url(
	*,
	application_id: str,
	state: str,
	redirect_uri: str,
	region: str,
	marketplace_id: str | None = None,
	endpoint: str | None = None,
	draft: bool = False,
) -> str:
	"""Seller Central's authorization URI; `draft` adds version=beta (an app not yet published: else MD1000)."""
	if not application_id or not state or not redirect_uri:
		raise ValueError("application_id, state and redirect_uri are required")
	params = {"application_id": application_id, "state": state, "redirect_uri": redirect_uri}
	if draft:
		params["version"] = "beta"
	return f"{seller_central_url(region, marketplace_id, endpoint)}{CONSENT_PATH}?{urlencode(params)}"


@dataclass(frozen=True)
class AuthorizationGrant:
	"""LWA's answer to an authorization code: the seller's refresh token (and a first access token)."""

	refresh_token: str = field(repr=False)
	access_token: str = field(repr=False)
	expires_in: float = DEFAULT_EXPIRES_IN


def exchange_authorization_code(
	*,
	token_url: str,
	client_id: str,
	client_secret: str,
	code: str,
	redirect_uri: str,
	timeout: httpx.Timeout | float = 20.0,
	transport: httpx.BaseTransport | None = None,
) -> AuthorizationGrant:
	"""LWA grant_type=authorization_code: one POST, never retried (a code is single-use: a retry after a lost
	answer would only earn invalid_grant). A code used twice or past its five minutes: AuthError code invalid_grant."""
	for name, value in (("client_id", client_id), ("client_secret", client_secret), ("code", code),
						("redirect_uri", redirect_uri)):
		if not value:
			raise ValueError(f"{name} is required")
	secrets = (client_secret, code)
	url = token_url.rstrip("/") + LWA_TOKEN_PATH
	form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
			"client_id": client_id, "client_secret": client_secret}
	try:
		with httpx.Client(timeout=timeout, transport=transport) as http:
			response = http.post(url, data=form, headers={"Accept": "application/json"})
	except httpx.TransportError as exc:
		host = urlsplit(url).hostname or url
		raise NoAnswerError(
			msg("The LWA token service did not answer. {0}", no_answer_message(type(exc).__name__, host)),
			operation=AUTHORIZATION_CODE_OPERATION,
		) from None
	request_id = response.headers.get("x-amzn-RequestId")
	body = _json_object(response)
	if response.status_code >= 500 or not isinstance(body, dict):
		raise AmazonUnavailableError(
			msg("The LWA token service failed or sent an answer that is not JSON."),
			status=response.status_code, request_id=request_id, operation=AUTHORIZATION_CODE_OPERATION,
		)
	if response.status_code != 200:
		code_name = body.get("error") or None
		description = body.get("error_description") or code_name
		raise AuthError(
			msg(
				"LWA authorization code exchange failed: {0}",
				scrub(str(description), secrets) if description else msg("authorization code refused"),
			),
			code=code_name, status=response.status_code, request_id=request_id,
			operation=AUTHORIZATION_CODE_OPERATION,
		)
	refresh_token = body.get("refresh_token")
	if not refresh_token:
		raise AuthError(msg("The LWA token service answered without a refresh token."),
						operation=AUTHORIZATION_CODE_OPERATION, request_id=request_id)
	try:
		expires_in = float(body.get("expires_in") or DEFAULT_EXPIRES_IN)
	except (TypeError, ValueError):
		expires_in = DEFAULT_EXPIRES_IN
	logger.info("LWA authorization code exchanged for a refresh token")
	return AuthorizationGrant(refresh_token=refresh_token, access_token=body.get("access_token") or "",
							  expires_in=expires_in)
