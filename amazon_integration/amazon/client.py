"""AmazonClient: every SP-API operation the integration needs, returning dataclasses, never raw HTTP.

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

An AmazonClient is not thread-safe (the library's API objects keep per-request state); use one per thread or
job. Quota stores and the LWA token cache are thread-safe and meant to be shared.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import httpx

from .auth import LWA_OPERATION, TOKEN_CACHE, LwaTokenProvider, TokenCache
from .config import AccountConfig
from .documents import gunzip_bytes, iter_text_lines
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
from .listings import (
	LISTINGS_FEED_CONTENT_TYPE,
	LISTINGS_FEED_TYPE,
	ListingsFeedReport,
	ListingsItem,
	ListingSubmission,
	QuantityUpdate,
	build_quantity_feed,
	parse_listings_feed_report,
	quantity_patch,
)
from .logs import install_log_guards, mask_url
from .logs import logger as default_logger
from .metrics import Metrics
from .models import (
	ConnectionCheck,
	Feed,
	FinancialEvent,
	FinancialEventGroup,
	InventorySummary,
	Order,
	ProcessingReport,
	Report,
	ShipmentConfirmation,
	chunked,
	format_datetime,
	parse_datetime,
	parse_financial_events,
)
from .processing_report import parse_processing_report
from .quota import MemoryQuotaStore, QuotaStore, quota_key
from .spapi import (
	Endpoint,
	FeedsApi,
	FinancesApi,
	GatewayApiMixin,
	InventoriesApi,
	ListingsApi,
	OrdersApi,
	OrdersV0Api,
	ReportsApi,
	error_from_response,
	request_id_of,
)
from .usage_plans import plan_for

install_log_guards()

T = TypeVar("T")

# Amazon refuses lastUpdatedBefore/createdBefore/PostedBefore later than two minutes before the request; the
# margin absorbs clock skew between this host and Amazon and the time the request takes to arrive.
TWO_MINUTES = timedelta(minutes=2)
DEFAULT_SAFETY_MARGIN = timedelta(seconds=10)

# Process-wide default: every client of a seller in this process shares its buckets unless told otherwise.
DEFAULT_QUOTA_STORE = MemoryQuotaStore()

FEED_CONTENT_TYPE = "text/xml; charset=UTF-8"
DUMMY_ORDER_ID = "000-0000000-0000000"
UPLOAD_OPERATION = "uploadFeedDocument"
DOWNLOAD_OPERATION = "downloadDocument"


class OrderSearch:
	"""The result of search_orders: iterate it for the orders (pages are fetched lazily, every page is walked).

	`window_end` is where the window ended: once every order has been consumed, move the sync cursor to it.
	Without a requested end, the request leaves lastUpdatedBefore out so that Amazon applies its 2-minute rule
	on its own clock, and window_end is the bound Amazon echoes in its answer (None until the first page):
	a local clock that runs fast or slow can then never skip an order. When the window is empty (`is_empty`),
	iterating makes no call and window_end equals window_start, so the cursor stays.
	"""

	def __init__(
		self,
		client: AmazonClient,
		params: dict[str, Any],
		window_start: datetime,
		window_end: datetime | None,
	) -> None:
		self._client = client
		self._params = params
		self.window_start = window_start
		self.window_end = window_end
		self.pages = 0  # pages fetched so far
		self.duplicates = 0  # orders Amazon repeated across pages (skipped)

	@property
	def is_empty(self) -> bool:
		return self.window_end is not None and self.window_end <= self.window_start

	def __iter__(self) -> Iterator[Order]:
		if self.is_empty:
			return
		seen: set[str] = set()
		latest = self.window_start
		echoed: datetime | None = None
		for payload in self._client._pages("searchOrders", self._client._orders_api().search_orders, self._params):
			self.pages += 1
			echoed = echoed or parse_datetime(payload.get("lastUpdatedBefore"))
			for raw in payload.get("orders") or []:
				order = Order.from_api(raw)
				if order.order_id in seen:
					self.duplicates += 1
					continue
				seen.add(order.order_id)
				if order.last_updated:
					latest = max(latest, order.last_updated)
				yield order
		if self.window_end is None:
			# Amazon's own bound; failing that, the newest update seen (the next window re-reads from there).
			self.window_end = echoed or latest

	def __repr__(self) -> str:
		end = self.window_end.isoformat() if self.window_end else "Amazon's now - 2 min"
		return f"OrderSearch({self.window_start.isoformat()} .. {end}, pages={self.pages})"


class AmazonClient:
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
		except Exception as exc:  # a broken quota store must not stop the sync; Amazon's 429s still guard us
			if not self._quota_store_failed:
				self.log.warning("Quota store failed (%s); calling without client-side pacing", type(exc).__name__)
				self._quota_store_failed = True
			return 0.0
		if wait <= 0:
			return 0.0
		# Land a little after the token is due on Amazon's side too (clock resolution, network jitter).
		wait += self.quota_pad_seconds + self.quota_pad_fraction / rate
		if self.stop_at is not None and self._clock() + wait > self.stop_at:
			# The token is taken but unused: Amazon's bucket holds one more than ours for a while, no harm.
			raise OutOfTimeError(
				f"Amazon's quota for {operation} has its next token in {wait:.0f} s, after this run's time is up; "
				"the next run goes on from here.",
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
					"Not tried: this run's time is up; the next run goes on from here.", operation=operation
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
					"Amazon keeps answering the same pagination token; stopping instead of looping.",
					operation=operation,
					request_id=request_id_of(response),
				)

	def _window_end(self, requested: datetime | None) -> datetime:
		"""Amazon's 2-minute rule: an end time must be at least two minutes before the request."""
		limit = self.utcnow() - TWO_MINUTES - self.safety_margin
		end = limit if requested is None else min(_aware(requested), limit)
		return end.replace(microsecond=0)

	# --- orders -----------------------------------------------------------------------------------------

	def search_orders(
		self,
		last_updated_after: datetime,
		last_updated_before: datetime | None = None,
		*,
		fulfillment_statuses: Iterable[str] = (),
		fulfilled_by: Iterable[str] = (),
		marketplace_ids: Iterable[str] | None = None,
		included_data: Iterable[str] = (),
		page_size: int = 100,
	) -> OrderSearch:
		"""searchOrders (v2026-01-01) by lastUpdated window; see OrderSearch for the cursor contract."""
		if not 1 <= page_size <= 100:
			raise ValueError("page_size must be between 1 and 100")
		start = _aware(last_updated_after).replace(microsecond=0)
		params: dict[str, Any] = {
			"lastUpdatedAfter": format_datetime(start),
			"marketplaceIds": list(marketplace_ids or self.config.marketplace_ids),
			"maxResultsPerPage": page_size,
		}
		end = None
		if last_updated_before is not None:
			end = self._window_end(last_updated_before)
			if end <= start:
				return OrderSearch(self, {}, start, start)
			params["lastUpdatedBefore"] = format_datetime(end)
		if fulfillment_statuses:
			params["fulfillmentStatuses"] = list(fulfillment_statuses)
		if fulfilled_by:
			params["fulfilledBy"] = list(fulfilled_by)
		if included_data:
			params["includedData"] = list(included_data)
		return OrderSearch(self, params, start, end)

	def get_order(self, order_id: str, included_data: Iterable[str] = ()) -> Order:
		"""getOrder (v2026-01-01)."""
		params: dict[str, Any] = {}
		if included_data:
			params["includedData"] = list(included_data)
		response = self._call("getOrder", lambda: self._orders_api().get_order(order_id, **params))
		order = (response.payload or {}).get("order")
		if not isinstance(order, dict):
			raise AmazonUnavailableError(
				"getOrder answered without an order.", operation="getOrder", request_id=request_id_of(response)
			)
		return Order.from_api(order)

	def confirm_shipment(
		self, order_id: str, confirmation: ShipmentConfirmation, *, marketplace_id: str | None = None
	) -> None:
		"""confirmShipment (Orders v0) for one package. Retried on 5xx/timeouts like every call: if a retry then
		gets a 400 (e.g. quantity already shipped), the first attempt may have landed; error.attempts > 1 says so."""
		body = confirmation.to_api(marketplace_id or self.config.default_marketplace_id)
		self._call("confirmShipment", lambda: self._api(OrdersV0Api).confirm_shipment(order_id, **body))

	# --- feeds ------------------------------------------------------------------------------------------

	def submit_feed(
		self,
		feed_type: str,
		content: bytes | str,
		*,
		content_type: str = FEED_CONTENT_TYPE,
		marketplace_ids: Iterable[str] | None = None,
		feed_options: dict[str, str] | None = None,
	) -> str:
		"""createFeedDocument + upload to the presigned URL + createFeed. Bytes are sent as given (text is
		encoded UTF-8; the library's own path would encode text as Latin-1). Returns the feed id."""
		data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
		feeds = self._api(FeedsApi)
		document = self._call("createFeedDocument", lambda: feeds.create_feed_document(None, content_type))
		payload = document.payload or {}
		url, document_id = payload.get("url"), payload.get("feedDocumentId")
		if not url or not document_id:
			raise AmazonUnavailableError(
				"createFeedDocument answered without a document id or upload URL.",
				operation="createFeedDocument",
				request_id=request_id_of(document),
			)
		self._upload(url, data, content_type)
		extra: dict[str, Any] = {"marketplaceIds": list(marketplace_ids or self.config.marketplace_ids)}
		if feed_options:
			extra["feedOptions"] = dict(feed_options)
		created = self._call("createFeed", lambda: feeds.create_feed(feed_type, document_id, **extra))
		feed_id = (created.payload or {}).get("feedId")
		if not feed_id:
			raise AmazonUnavailableError(
				"createFeed answered without a feed id.", operation="createFeed", request_id=request_id_of(created)
			)
		self.log.info("Feed %s submitted (%s, %d bytes)", feed_id, feed_type, len(data))
		return str(feed_id)

	def upload_vat_invoice(self, pdf: bytes, marketplace_id: str, feed_options: dict[str, str]) -> str:
		"""One invoice or credit note PDF to Amazon (feed UPLOAD_VAT_INVOICE). Returns the feed id."""
		return self.submit_feed(
			"UPLOAD_VAT_INVOICE",
			pdf,
			content_type="application/pdf",
			marketplace_ids=[marketplace_id],
			feed_options=feed_options,
		)

	def _upload(self, url: str, data: bytes, content_type: str) -> None:
		def put() -> httpx.Response:
			response = self._http.put(url, content=data, headers={"Content-Type": content_type})
			if not 200 <= response.status_code < 300:
				raise error_from_response(response)
			return response

		self.log.debug("Uploading feed document to %s", mask_url(url))
		self._call(UPLOAD_OPERATION, put, spapi=False)

	def get_feed(self, feed_id: str) -> Feed:
		response = self._call("getFeed", lambda: self._api(FeedsApi).get_feed(feed_id))
		return Feed.from_api(response.payload or {})

	def wait_for_feed(self, feed_id: str, *, interval: float = 30.0, timeout: float = 1800.0) -> Feed:
		"""Poll getFeed every `interval` seconds until DONE/CANCELLED/FATAL or `timeout`; returns the last state
		(check .is_finished). For jobs that may block; a scheduler can call get_feed itself instead."""
		return self._poll(lambda: self.get_feed(feed_id), interval, timeout)

	def _poll(self, read: Callable[[], T], interval: float, timeout: float) -> T:
		deadline = self._clock() + timeout
		if self.stop_at is not None:
			deadline = min(deadline, self.stop_at)  # the caller's budget ends the wait too (unfinished is returned)
		while True:
			value = read()
			if getattr(value, "is_finished", True) or self._clock() + interval > deadline:
				return value
			self._sleep(interval)

	def get_feed_result(self, feed: Feed | str) -> ProcessingReport:
		"""Download (gunzip) and parse the ProcessingReport of a finished feed."""
		return parse_processing_report(self._feed_result_bytes(feed))

	def _feed_result_bytes(self, feed: Feed | str) -> bytes:
		"""The (gunzipped) result document of a finished feed."""
		if isinstance(feed, str):
			feed = self.get_feed(feed)
		if not feed.result_document_id:
			raise NotFoundError(
				f"Feed {feed.feed_id} has no result document (status {feed.status}).",
				code="NoResultDocument",
				operation="getFeedDocument",
			)
		document_id = feed.result_document_id
		info = self._call("getFeedDocument", lambda: self._api(FeedsApi).get_feed_document_info(document_id))
		url = (info.payload or {}).get("url")
		if not url:
			raise AmazonUnavailableError(
				"getFeedDocument answered without a URL.", operation="getFeedDocument", request_id=request_id_of(info)
			)
		with self._open_download(url) as response:
			data = response.read()
		return gunzip_bytes(data)

	# --- listings (quantities) ---------------------------------------------------------------------------

	def get_listings_item(
		self,
		sku: str,
		*,
		marketplace_id: str | None = None,
		included_data: Sequence[str] = ("summaries", "fulfillmentAvailability"),
	) -> ListingsItem | None:
		"""getListingsItem; None when Amazon has no listing for the SKU (404)."""
		marketplace = marketplace_id or self.config.default_marketplace_id
		api = self._api(ListingsApi)
		try:
			response = self._call(
				"getListingsItem",
				lambda: api.get_listings_item(
					self.config.seller_id, sku, marketplaceIds=[marketplace], includedData=list(included_data)
				),
			)
		except NotFoundError:
			return None
		return ListingsItem.from_api(response.payload or {})

	def search_listings_items(
		self,
		skus: Iterable[str] = (),
		*,
		marketplace_id: str | None = None,
		included_data: Sequence[str] = ("summaries", "fulfillmentAvailability"),
	) -> Iterator[ListingsItem]:
		"""searchListingsItems, every page; given SKUs are asked 20 at a time (Amazon's limit), else the seller's
		listings (Amazon pages through at most 1000)."""
		marketplace = marketplace_id or self.config.default_marketplace_id
		base: dict[str, Any] = {
			"marketplaceIds": [marketplace],
			"includedData": list(included_data),
			"pageSize": 20,
		}
		sku_list = [sku for sku in skus if sku]
		batches: Iterable[list[str] | None] = chunked(sku_list, 20) if sku_list else [None]
		api = self._api(ListingsApi)
		for batch in batches:
			params = dict(base)
			if batch:
				params.update(identifiers=batch, identifiersType="SKU")
			for payload in self._pages(
				"searchListingsItems",
				api.search_listings_items,
				params,
				token_param="pageToken",
				path_args=(self.config.seller_id,),
			):
				for raw in payload.get("items") or []:
					yield ListingsItem.from_api(raw)

	def patch_listing_quantity(self, update: QuantityUpdate, *, marketplace_id: str | None = None) -> ListingSubmission:
		"""patchListingsItem setting one SKU's merchant-fulfilled quantity (fulfillment_availability, DEFAULT)."""
		marketplace = marketplace_id or self.config.default_marketplace_id
		api = self._api(ListingsApi)
		response = self._call(
			"patchListingsItem",
			lambda: api.patch_listings_item(
				self.config.seller_id, update.sku, marketplaceIds=[marketplace], body=quantity_patch(update)
			),
		)
		return ListingSubmission.from_api(response.payload or {"sku": update.sku})

	def submit_quantity_feed(self, updates: Sequence[QuantityUpdate], *, marketplace_id: str | None = None) -> str:
		"""A JSON_LISTINGS_FEED of PARTIAL_UPDATE messages (message i is updates[i-1]); returns the feed id."""
		content = build_quantity_feed(self.config.seller_id, updates)
		return self.submit_feed(
			LISTINGS_FEED_TYPE,
			content,
			content_type=LISTINGS_FEED_CONTENT_TYPE,
			marketplace_ids=[marketplace_id or self.config.default_marketplace_id],
		)

	def get_listings_feed_result(self, feed: Feed | str) -> ListingsFeedReport:
		"""Download and parse the processing report of a finished JSON_LISTINGS_FEED."""
		return parse_listings_feed_report(self._feed_result_bytes(feed))

	# --- reports ----------------------------------------------------------------------------------------

	def create_report(
		self,
		report_type: str,
		*,
		start: datetime | None = None,
		end: datetime | None = None,
		marketplace_ids: Iterable[str] | None = None,
		options: dict[str, str] | None = None,
	) -> str:
		"""createReport; returns the report id. `end` is clamped by the 2-minute rule."""
		body: dict[str, Any] = {
			"reportType": report_type,
			"marketplaceIds": list(marketplace_ids or self.config.marketplace_ids),
		}
		if start is not None:
			body["dataStartTime"] = format_datetime(start)
		if end is not None:
			body["dataEndTime"] = format_datetime(self._window_end(end))
		if options:
			body["reportOptions"] = dict(options)
		response = self._call("createReport", lambda: self._api(ReportsApi).create_report(**body))
		report_id = (response.payload or {}).get("reportId")
		if not report_id:
			raise AmazonUnavailableError(
				"createReport answered without a report id.", operation="createReport", request_id=request_id_of(response)
			)
		return str(report_id)

	def get_report(self, report_id: str) -> Report:
		response = self._call("getReport", lambda: self._api(ReportsApi).get_report(report_id))
		return Report.from_api(response.payload or {})

	def wait_for_report(self, report_id: str, *, interval: float = 30.0, timeout: float = 3600.0) -> Report:
		"""Poll getReport until DONE/CANCELLED/FATAL or `timeout`; returns the last state (check .is_finished)."""
		return self._poll(lambda: self.get_report(report_id), interval, timeout)

	def list_reports(
		self,
		report_types: Iterable[str],
		*,
		created_since: datetime | None = None,
		processing_statuses: Iterable[str] = (),
		marketplace_ids: Iterable[str] | None = None,
		page_size: int = 100,
	) -> Iterator[Report]:
		"""getReports, every page (later pages send only nextToken, as Amazon requires)."""
		params: dict[str, Any] = {"reportTypes": list(report_types), "pageSize": page_size}
		if created_since is not None:
			params["createdSince"] = format_datetime(created_since)
		if processing_statuses:
			params["processingStatuses"] = list(processing_statuses)
		params["marketplaceIds"] = list(marketplace_ids or self.config.marketplace_ids)
		api = self._api(ReportsApi)
		for payload in self._pages("getReports", api.get_reports, params, token_param="nextToken", token_only=True):
			for raw in payload.get("reports") or []:
				yield Report.from_api(raw)

	@contextmanager
	def open_report_document(self, document_id: str) -> Iterator[Iterator[str]]:
		"""getReportDocument, then stream the document: `with client.open_report_document(id) as lines:`.

		Lines come without terminators, gunzipped and decoded on the fly; the document is never held whole.
		A presigned URL refused by the storage (expired while waiting for quota) is asked for again once."""
		for attempt in (1, 2):
			info = self._call("getReportDocument", lambda: self._api(ReportsApi).get_report_document(document_id))
			payload = info.payload or {}
			url = payload.get("url")
			if not url:
				raise AmazonUnavailableError(
					"getReportDocument answered without a URL.",
					operation="getReportDocument",
					request_id=request_id_of(info),
				)
			try:
				response = self._call(DOWNLOAD_OPERATION, lambda u=url: self._open_stream(u), spapi=False)
				break
			except AuthError:
				if attempt == 2:
					raise
				self.log.info("Report document %s: download URL refused; asking for a new one", document_id)
		gzip = str(payload.get("compressionAlgorithm") or "").upper() == "GZIP"
		try:
			yield iter_text_lines(response.iter_bytes(), gzip=gzip, charset=response.charset_encoding)
		finally:
			response.close()

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

	# --- finances ---------------------------------------------------------------------------------------

	def list_financial_event_groups(
		self, started_after: datetime, started_before: datetime | None = None, *, page_size: int = 100
	) -> Iterator[FinancialEventGroup]:
		if _aware(started_after) >= self._window_end(None):
			return  # Amazon wants the window to start more than two minutes ago: nothing to ask yet
		params: dict[str, Any] = {
			"FinancialEventGroupStartedAfter": format_datetime(started_after),
			"MaxResultsPerPage": page_size,
		}
		if started_before is not None:
			params["FinancialEventGroupStartedBefore"] = format_datetime(self._window_end(started_before))
		api = self._api(FinancesApi)
		for payload in self._pages("listFinancialEventGroups", api.list_financial_event_groups, params, token_param="NextToken"):
			for raw in payload.get("FinancialEventGroupList") or []:
				yield FinancialEventGroup.from_api(raw)

	def list_financial_events(
		self,
		*,
		group_id: str | None = None,
		order_id: str | None = None,
		posted_after: datetime | None = None,
		posted_before: datetime | None = None,
		page_size: int = 100,
	) -> Iterator[FinancialEvent]:
		"""Financial events of a group (optionally narrowed by posted_after/before), of an order, or posted in a
		window. Amazon's 2-minute rule is applied to posted_before; a window starting later yields nothing."""
		if order_id is not None and (group_id is not None or posted_after is not None or posted_before is not None):
			raise ValueError("order_id cannot be combined with group_id or a posted window")
		if order_id is None and group_id is None and posted_after is None:
			raise ValueError("give group_id, order_id or posted_after")
		return self._financial_events(group_id, order_id, posted_after, posted_before, page_size)

	def _financial_events(
		self,
		group_id: str | None,
		order_id: str | None,
		posted_after: datetime | None,
		posted_before: datetime | None,
		page_size: int,
	) -> Iterator[FinancialEvent]:
		if posted_after is not None and _aware(posted_after) >= self._window_end(None):
			return
		params: dict[str, Any] = {"MaxResultsPerPage": page_size}
		if posted_after is not None:
			params["PostedAfter"] = format_datetime(posted_after)
		if posted_before is not None:
			params["PostedBefore"] = format_datetime(self._window_end(posted_before))
		api = self._api(FinancesApi)
		if group_id is not None:
			operation, method, args = "listFinancialEventsByGroupId", api.list_financial_events_by_group_id, (group_id,)
		elif order_id is not None:
			operation, method, args = "listFinancialEventsByOrderId", api.get_financial_events_for_order, (order_id,)
		else:
			operation, method, args = "listFinancialEvents", api.list_financial_events, ()
		for payload in self._pages(operation, method, params, token_param="NextToken", path_args=args):
			yield from parse_financial_events(payload.get("FinancialEvents") or {})

	# --- FBA inventory ----------------------------------------------------------------------------------

	def inventory_summaries(
		self, marketplace_id: str | None = None, skus: Iterable[str] = ()
	) -> Iterator[InventorySummary]:
		"""getInventorySummaries with details, every page; SKUs asked 50 at a time (Amazon's limit)."""
		marketplace = marketplace_id or self.config.default_marketplace_id
		base: dict[str, Any] = {
			"details": "true",
			"granularityType": "Marketplace",
			"granularityId": marketplace,
			"marketplaceIds": [marketplace],
		}
		sku_list = [s for s in skus if s]
		batches: Iterable[list[str] | None] = chunked(sku_list, 50) if sku_list else [None]
		api = self._api(InventoriesApi)
		for batch in batches:
			params = dict(base)
			if batch:
				params["sellerSkus"] = batch
			for payload in self._pages("getInventorySummaries", api.get_inventory_summary_marketplace, params, token_param="nextToken"):
				for raw in payload.get("inventorySummaries") or []:
					yield InventorySummary.from_api(raw)

	# --- connection check -------------------------------------------------------------------------------

	def check_connection(self) -> ConnectionCheck:
		"""Exchange the LWA token and call getOrder for a well-formed order id that cannot exist.

		Why this call: a 404 proves the endpoint answers, the credentials are accepted and the application holds
		the Orders role for this seller (403 otherwise), at the cost of one getOrder token (0.5/s, burst 30) and
		without ever waiting behind a running sync. searchOrders would also validate the marketplace ids but its
		bucket refills one token per ~3 minutes and is exactly what a running sync drains."""
		base = ConnectionCheck(
			ok=False,
			seller_id=self.config.seller_id,
			marketplace_ids=self.config.marketplace_ids,
			endpoint=self.config.base_url,
		)
		try:
			self.get_order(DUMMY_ORDER_ID)
		except NotFoundError as exc:
			return _replace(base, ok=True, request_id=exc.request_id, message="Connected.")
		except NoAnswerError as exc:
			return _replace(base, no_answer=True, message=str(exc))
		except AmazonError as exc:
			return _replace(base, request_id=exc.request_id, message=str(exc))
		return _replace(base, ok=True, message="Connected.")

	# --- lifecycle --------------------------------------------------------------------------------------

	def close(self) -> None:
		for api in self._apis.values():
			api.close()
		self._apis.clear()
		self._http.close()
		self._tokens.close()

	def __enter__(self) -> AmazonClient:
		return self

	def __exit__(self, *exc: object) -> None:
		self.close()

	def __repr__(self) -> str:
		return f"AmazonClient(seller_id={self.config.seller_id!r}, endpoint={self.config.base_url!r})"


def _describe(error: AmazonError) -> str:
	"""Status and code for the log: never the message (Amazon's text may echo input)."""
	if error.status is not None:
		return f"HTTP {error.status} {error.code or type(error).__name__}"
	return type(error).__name__


def _aware(value: datetime) -> datetime:
	return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _replace(check: ConnectionCheck, **changes: Any) -> ConnectionCheck:
	from dataclasses import replace

	return replace(check, **changes)
