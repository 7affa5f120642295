"""The call core every API family's client stands on: one request with quota, retries and a time budget.

One client per Amazon Account registration (AccountConfig). Around every call it
- takes a token from the seller's bucket for that operation (quota.py; usage plans from usage_plans.py, the rate
  tuned by `x-amzn-RateLimit-Limit`), waiting client-side so a healthy sync never meets a 429;
- retries 429, 5xx, timeouts and truncated answers with exponential backoff and full jitter (respecting
  Retry-After), until `config.retry_deadline` would be passed (time spent waiting for quota does not count: it is
  planned, not a failure); other 4xx are raised at once;
- never starts a request nor ends a wait after `stop_at` (the end of the caller's budget, see budget.py): a job
  gives up before its queue timeout, a user waiting on a form gets an answer in seconds;
- tells "no answer" (connection not opened, timed out: NoAnswerError) from an answer; once a call of this client
  ended with no answer, later calls are tried once each (the endpoint is down: retrying each only burns time);
- on a 403 Unauthorized (the access token expired, revoked, malformed or invalid) drops the cached LWA token,
  exchanges a new one and retries once;
- counts calls, retries, 429s, errors and seconds waited per operation (`metrics`).

Time: `clock` (epoch seconds, default time.time) and `sleep` are injectable; tests and benchmarks pass the
simulator's clock so waiting costs no real time. Wall-clock (not monotonic) because bucket state shared through
Redis needs a time base every worker agrees on.

The API families (orders.py, shipments.py, feeds.py, reports.py, listings.py, finances.py, inventory.py) add
their operations to it; client.py composes them into AmazonClient.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import httpx

from .auth import LWA_OPERATION, TOKEN_CACHE, LwaTokenProvider, TokenCache
from .config import AccountConfig
from .errors import (
	AmazonError,
	AmazonUnavailableError,
	AuthError,
	NoAnswerError,
	NotFoundError,
	OutOfTimeError,
	ThrottledError,
	no_answer_message,
)
from .logs import install_log_guards, mask_url
from .logs import logger as default_logger
from .metrics import Metrics
from .quota import FALLBACK_QUOTA_STORE, MemoryQuotaStore, QuotaStore, quota_key
from .spapi import Endpoint, GatewayApiMixin, OrdersApi, error_from_response, request_id_of
from .text import msg
from .usage_plans import plan_for
from .values import aware

install_log_guards()

T = TypeVar("T")

# Amazon refuses lastUpdatedBefore/createdBefore/PostedBefore later than two minutes before the request; the
# margin absorbs clock skew between this host and Amazon and the time the request takes to arrive.
TWO_MINUTES = timedelta(minutes=2)
DEFAULT_SAFETY_MARGIN = timedelta(seconds=10)

# Process-wide default: every client of a seller in this process shares its buckets unless told otherwise.
DEFAULT_QUOTA_STORE = MemoryQuotaStore()

DOWNLOAD_OPERATION = "downloadDocument"


class ClientCore:
	"""What every family's operations stand on: the call (quota, retries, time budget), pagination, polling,
	document downloads, metrics and the library's API objects."""

	backoff_base = 1.0  # seconds; first retry waits up to this
	backoff_cap = 60.0  # seconds; no single backoff waits longer (unless Amazon's Retry-After says so)
	quota_pad_seconds = 0.05  # added to every client-side quota wait ...
	quota_pad_fraction = 0.01  # ... plus this fraction of the refill interval (1/rate)
	max_token_repeats = 3  # the same pagination token answered more often than this = a broken cursor

	def __init__(
		self,
		config: AccountConfig,
		quota_store: QuotaStore | None = None,
		*,
		sleep: Callable[[float], None] = time.sleep,
		clock: Callable[[], float] = time.time,
		logger: logging.Logger | None = None,
		token_cache: TokenCache = TOKEN_CACHE,
		rng: random.Random | None = None,
		safety_margin: timedelta = DEFAULT_SAFETY_MARGIN,
		metrics: Metrics | None = None,
		stop_at: float | None = None,
	) -> None:
		self.config = config
		self.stop_at = stop_at  # epoch seconds (on `clock`): no request starts and no wait ends after it
		self.answered = False  # Amazon (or the LWA service) answered at least once, even with an error
		self.unanswered: NoAnswerError | None = None  # the last call that ended because nothing answered
		self.quota_store: QuotaStore = quota_store if quota_store is not None else DEFAULT_QUOTA_STORE
		self.metrics = metrics if metrics is not None else Metrics()
		self.log = logger or default_logger
		self.safety_margin = safety_margin
		self._sleep = sleep
		self._clock = clock
		self._rng = rng or random.Random()
		self._rates: dict[str, float] = {}  # operation -> rate announced by x-amzn-RateLimit-Limit
		self._tokens = LwaTokenProvider(
			config, cache=token_cache, clock=clock, on_exchange=lambda: self.metrics.add(LWA_OPERATION, calls=1)
		)
		self._endpoint = Endpoint(config.base_url, config.default_marketplace_id, config.aws_region)
		self._apis: dict[type, GatewayApiMixin] = {}
		self._http = httpx.Client(timeout=config.http_timeout)  # presigned document uploads/downloads
		self._quota_store_failed = False

	# --- plumbing ---------------------------------------------------------------------------------------

	def _api(self, cls: type[T]) -> T:
		api = self._apis.get(cls)
		if api is None:
			api = cls(self._endpoint, provider=self._tokens, timeout=self.config.http_timeout)
			self._apis[cls] = api
		return api  # type: ignore[return-value]

	def _orders_api(self) -> OrdersApi:
		return self._api(OrdersApi)

	def utcnow(self) -> datetime:
		return datetime.fromtimestamp(self._clock(), timezone.utc)

	@property
	def token_exchanges(self) -> int:
		"""LWA token exchanges this client made (the cache is shared; another client may have made one)."""
		return self._tokens.exchanges

	def _wait(self, operation: str, seconds: float, kind: str) -> None:
		if seconds <= 0:
			return
		self._sleep(seconds)
		self.metrics.add(operation, seconds_waited=seconds, **{f"{kind}_seconds": seconds})

	def _take_quota(self, operation: str) -> float:
		"""Take a token of the operation's bucket, waiting for it if need be; returns the seconds waited."""
		plan = plan_for(operation)
		rate = self._rates.get(operation, plan.rate)
		try:
			wait = self.quota_store.acquire(quota_key(self.config.seller_id, operation), rate, plan.burst, self._clock())
		except Exception as exc:  # a broken quota store must not stop the sync, nor let it call Amazon unpaced
			if not self._quota_store_failed:
				self.log.warning("Quota store failed (%s); pacing with an in-process bucket", type(exc).__name__)
				self._quota_store_failed = True
			wait = FALLBACK_QUOTA_STORE.acquire(
				quota_key(self.config.seller_id, operation), rate, plan.burst, self._clock()
			)
		if wait <= 0:
			return 0.0
		# Land a little after the token is due on Amazon's side too (clock resolution, network jitter).
		wait += self.quota_pad_seconds + self.quota_pad_fraction / rate
		if self.stop_at is not None and self._clock() + wait > self.stop_at:
			# The token is taken but unused: Amazon's bucket holds one more than ours for a while, no harm.
			raise OutOfTimeError(
				msg(
					"Amazon's quota for {0} has its next token in {1} s, after this run's time is up; "
					"the next run goes on from here.",
					operation,
					f"{wait:.0f}",
				),
				operation=operation,
			)
		self.log.debug("%s: waiting %.2fs for quota", operation, wait)
		self._wait(operation, wait, "quota")
		return wait

	def _tune_rate(self, operation: str, response: Any) -> None:
		headers = getattr(response, "headers", None)
		if not headers:
			return
		value = headers.get("x-amzn-RateLimit-Limit")
		if not value:
			return
		try:
			rate = float(value)
		except ValueError:
			return
		if rate > 0 and abs(rate - self._rates.get(operation, plan_for(operation).rate)) > 1e-9:
			self.log.debug("%s: Amazon announces a rate of %s/s", operation, rate)
			self._rates[operation] = rate

	def _backoff(self, failures: int, error: AmazonError) -> float:
		ceiling = min(self.backoff_cap, self.backoff_base * (2 ** (failures - 1)))
		delay = self._rng.uniform(0, ceiling)
		if error.retry_after:
			delay = max(delay, error.retry_after)
		return delay

	def _call(self, operation: str, fn: Callable[[], T], *, spapi: bool = True) -> T:
		"""Run one request with retries and error mapping; an SP-API request (`spapi`) also takes quota and may
		renew a refused access token. Presigned document transfers (spapi=False) do neither."""
		deadline = self._clock() + self.config.retry_deadline  # moved on by every quota wait
		attempt = 0
		failures = 0
		token_renewed = False
		error: AmazonError | None = None
		while True:
			if self.stop_at is not None and self._clock() >= self.stop_at:
				if error is not None:
					raise error
				raise OutOfTimeError(
					msg("Not tried: this run's time is up; the next run goes on from here."), operation=operation
				)
			attempt += 1
			try:
				if spapi:
					# The access token first: an LWA exchange between taking a quota token and sending the request
					# would land the request late on Amazon's count, which then holds fewer tokens than ours.
					self._orders_api()._auth.get_auth()
					deadline += self._take_quota(operation)
				self.metrics.add(operation, calls=1, retries=1 if attempt > 1 else 0)
				result = fn()
			except httpx.TransportError as exc:
				error = self._no_answer(exc, self.config.base_url)
			except OutOfTimeError:
				self.metrics.add(operation, errors=1)
				raise
			except AmazonError as exc:
				error = exc
			else:
				self.answered = True
				self._tune_rate(operation, result)
				self.log.debug("%s: ok (request id %s)", operation, request_id_of(result))
				return result
			if isinstance(error, NoAnswerError):
				if self.unanswered is not None and not self.answered:
					# This client's endpoint already did not answer a whole call: one try per call from now on.
					return self._unanswered(operation, error, attempt)
			elif error.status is not None:
				self.answered = True
			if error.operation in (None, LWA_OPERATION):
				error.operation = operation
			error.attempts = attempt
			if isinstance(error, ThrottledError):
				self.metrics.add(operation, throttled=1)
			if spapi and isinstance(error, AuthError) and error.token_refused and not token_renewed:
				# Amazon words a dead token several ways (expired, revoked, malformed or invalid): renew the held
				# token once and try again; a second refusal is reported, in Amazon's words.
				token_renewed = True
				self.log.info("%s: access token refused (request id %s); renewing it", operation, error.request_id)
				self._tokens.invalidate(self._tokens.last_token)
				continue
			if not error.retryable:
				self.metrics.add(operation, errors=1)
				level = logging.INFO if isinstance(error, NotFoundError) else logging.WARNING
				self.log.log(level, "%s failed: %s (request id %s)", operation, _describe(error), error.request_id)
				raise error
			failures += 1
			delay = self._backoff(failures, error)
			end = self._clock() + delay
			if end > deadline or (self.stop_at is not None and end > self.stop_at):
				if isinstance(error, NoAnswerError):
					return self._unanswered(operation, error, attempt)
				self.metrics.add(operation, errors=1)
				self.log.warning(
					"%s failed after %d attempts: %s (request id %s)",
					operation,
					attempt,
					_describe(error),
					error.request_id,
				)
				raise error
			self.log.info(
				"%s: %s (request id %s); retry %d in %.2fs",
				operation,
				_describe(error),
				error.request_id,
				failures,
				delay,
			)
			self._wait(operation, delay, "backoff")

	def _no_answer(self, exc: httpx.TransportError, url: str) -> NoAnswerError:
		name = type(exc).__name__
		timeouts = self.config.http_timeout
		seconds = timeouts.connect if name == "ConnectTimeout" else timeouts.read
		return NoAnswerError(no_answer_message(name, httpx.URL(url).host or url, seconds))

	def _unanswered(self, operation: str, error: NoAnswerError, attempt: int) -> Any:
		"""Raise a call's final no-answer (and remember it: the caller's account may back off)."""
		if error.operation in (None, LWA_OPERATION):
			error.operation = operation
		error.attempts = attempt
		self.unanswered = error
		self.metrics.add(operation, errors=1)
		self.log.warning("%s failed after %d attempts: %s", operation, attempt, _describe(error))
		raise error

	def _pages(
		self,
		operation: str,
		method: Callable[..., Any],
		params: dict[str, Any],
		*,
		token_param: str = "paginationToken",
		token_only: bool = False,
		path_args: Sequence[Any] = (),
	) -> Iterator[dict]:
		"""Walk every page: yields each page's payload.

		Amazon occasionally answers a page twice with the same token (callers de-duplicate records); a token that
		keeps coming back is a broken cursor: raise instead of looping forever."""
		token: str | None = None
		token_counts: dict[str, int] = {}
		while True:
			page_params = dict(params)
			if token:
				page_params = {token_param: token} if token_only else {**page_params, token_param: token}
			response = self._call(operation, lambda p=page_params: method(*path_args, **p))
			yield response.payload or {}
			token = response.next_token
			if not token:
				return
			token_counts[token] = token_counts.get(token, 0) + 1
			if token_counts[token] > self.max_token_repeats:
				raise AmazonUnavailableError(
					msg("Amazon keeps answering the same pagination token; stopping instead of looping."),
					operation=operation,
					request_id=request_id_of(response),
				)

	def _window_end(self, requested: datetime | None) -> datetime:
		"""Amazon's 2-minute rule: an end time must be at least two minutes before the request."""
		limit = self.utcnow() - TWO_MINUTES - self.safety_margin
		end = limit if requested is None else min(aware(requested), limit)
		return end.replace(microsecond=0)

	def _poll(self, read: Callable[[], T], interval: float, timeout: float) -> T:
		deadline = self._clock() + timeout
		if self.stop_at is not None:
			deadline = min(deadline, self.stop_at)  # the caller's budget ends the wait too (unfinished is returned)
		while True:
			value = read()
			if getattr(value, "is_finished", True) or self._clock() + interval > deadline:
				return value
			self._sleep(interval)

	def _open_stream(self, url: str) -> httpx.Response:
		self.log.debug("Downloading document from %s", mask_url(url))
		response = self._http.send(self._http.build_request("GET", url), stream=True)
		if not 200 <= response.status_code < 300:
			response.read()
			response.close()
			raise error_from_response(response)
		return response

	@contextmanager
	def _open_download(self, url: str) -> Iterator[httpx.Response]:
		response = self._call(DOWNLOAD_OPERATION, lambda: self._open_stream(url), spapi=False)
		try:
			yield response
		finally:
			response.close()

	def close(self) -> None:
		for api in self._apis.values():
			api.close()
		self._apis.clear()
		self._http.close()
		self._tokens.close()


def _describe(error: AmazonError) -> str:
	"""Status and code for the log: never the message (Amazon's text may echo input)."""
	if error.status is not None:
		return f"HTTP {error.status} {error.code or type(error).__name__}"
	return type(error).__name__
