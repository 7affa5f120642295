"""Feeds API 2021-06-30 (documents.py keeps the feed documents; getFeeds, getFeed, cancelFeed and
getFeedDocument are Amazon's asynchronous-job routes of async_jobs.py, shared with reports).

Feed processing is paced by the simulated clock and computed lazily whenever feeds are read (no threads):
IN_QUEUE for `queue_seconds` (30) after createFeed, then IN_PROGRESS for `processing_seconds` (30), then DONE
or FATAL. The feed is applied exactly once, under state.lock, at the moment it leaves IN_PROGRESS; feeds are
processed in creation order. Call tick(state) to bring every feed up to date (other modules do before reads).

POST_ORDER_FULFILLMENT_DATA is the supported feed type (others: 400 InvalidInput): each OrderFulfillment
message goes through state.apply_shipment (the confirmShipment rules; no Item = every unshipped unit, Item without
Quantity = all of that item, CarrierName alone = carrier "Other"); the result document is a gzip'd
ProcessingReport (xmlfeeds): StatusCode Complete for DONE, one Error Result per failed MessageID
(ResultMessageCode 18028 unknown order / forced order fault, 18025 a shipment rule, 8001 missing data). A FATAL
feed (malformed XML, wrong MessageType, never-uploaded document, forced) gets a result document too, StatusCode
Rejected with one Result of MessageID 0 (5001 XML parsing, 5000 other).
Faults (control API):
  state.feeds_failures (FeedFaults, filled by POST /_sim/feeds/fail-next of control.py): snapshotted and
  cleared by the next createFeed.
    order_ids   -> the messages about these orders get an Error Result (code 18028, order_message), unapplied;
    unattributed -> one Result with MessageID 0 (code 5000, unattributed_message), no message applied,
                   MessagesWithError = all messages; processingStatus DONE.
  POST /_sim/feeds/fatal-next {"message": "..."} (this module): the next feed goes FATAL, nothing applied.
Other control routes: POST /_sim/feeds/timing {"queue_seconds": s, "processing_seconds": s} (async_jobs.py).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .async_jobs import (
	AsyncJobKind,
	JobQueue,
	advance,
	register_job_routes,
	require_list,
	string_options,
)
from .documents import (
	StoredDocument,
	attach,
	docs_rng,
	documents,
	iso,
	new_uuid,
	region_code,
	store_document,
)
from .http import ApiError, Request, Response, Router
from .state import ShipmentRejected, SimulatorState
from .xmlfeeds import (
	CODE_FEED_PROCESSING_ERROR,
	CODE_INVALID_FULFILLMENT,
	CODE_INVALID_ORDER_ID,
	CODE_MISSING_DATA,
	CODE_XML_PARSING_ERROR,
	FeedParseError,
	FulfillmentMessage,
	ProcessingReport,
	ResultEntry,
	build_processing_report,
	parse_order_fulfillment_feed,
)

ORDER_FULFILLMENT_FEED = "POST_ORDER_FULFILLMENT_DATA"
# The feed types the simulator accepts: feed type -> process(state, feed), called once under state.lock when the
# feed leaves IN_PROGRESS. This module registers POST_ORDER_FULFILLMENT_DATA, vat_invoices.py UPLOAD_VAT_INVOICE,
# listings.py JSON_LISTINGS_FEED.
FEED_PROCESSORS: dict[str, Callable[[SimulatorState, SimFeed], None]] = {}


# -- feeds ----------------------------------------------------------------------------------------------


@dataclass
class FaultSnapshot:
	order_ids: set[str] = field(default_factory=set)
	order_message: str = ""
	unattributed: bool = False
	unattributed_message: str = ""
	fatal: bool = False
	fatal_message: str = ""


@dataclass
class SimFeed:
	feed_id: str
	feed_type: str
	marketplace_ids: list[str]
	input_document_id: str
	created: datetime
	status: str = "IN_QUEUE"
	processing_start: datetime | None = None
	processing_end: datetime | None = None
	result_document_id: str | None = None
	faults: FaultSnapshot = field(default_factory=FaultSnapshot)
	feed_options: dict[str, str] = field(default_factory=dict)
	report: ProcessingReport | None = None  # what the result document says (handy for tests)

	def to_json(self) -> dict[str, Any]:
		body: dict[str, Any] = {
			"feedId": self.feed_id,
			"feedType": self.feed_type,
			"marketplaceIds": list(self.marketplace_ids),
			"createdTime": iso(self.created),
			"processingStatus": self.status,
		}
		if self.processing_start is not None:
			body["processingStartTime"] = iso(self.processing_start)
		if self.processing_end is not None:
			body["processingEndTime"] = iso(self.processing_end)
		if self.result_document_id is not None:
			body["resultFeedDocumentId"] = self.result_document_id
		return body

	@property
	def job_id(self) -> str:
		return self.feed_id

	@property
	def job_type(self) -> str:
		return self.feed_type


@dataclass
class FeedsState(JobQueue):
	feeds: dict[str, SimFeed] = field(default_factory=dict)  # creation order
	fatal_next: str | None = None  # message of the next forced FATAL

	@property
	def jobs(self) -> dict[str, SimFeed]:
		return self.feeds


def feeds_state(state: SimulatorState) -> FeedsState:
	return attach(state, "docs.feeds", FeedsState)


def _new_feed_id(state: SimulatorState, fs: FeedsState) -> str:
	return fs.new_id(lambda: 50_000_000_000 + docs_rng(state).randrange(1000) * 1000)


def tick(state: SimulatorState) -> None:
	"""Move every feed along the simulated clock; apply the ones that finish (exactly once, in order)."""
	with state.lock:
		fs = feeds_state(state)
		now = state.clock.now()
		for feed in fs.feeds.values():
			_advance(state, fs, feed, now)


def _advance(state: SimulatorState, fs: FeedsState, feed: SimFeed, now: datetime) -> None:
	if advance(fs, feed, now):
		FEED_PROCESSORS[feed.feed_type](state, feed)


def finish(state: SimulatorState, feed: SimFeed, status: str, report: ProcessingReport) -> None:
	feed.status = status
	feed.report = report
	document_id = f"amzn1.tortuga.4.{region_code(state)}.{new_uuid(state)}"
	xml = build_processing_report(report, state.seller_id)
	store_document(state, document_id, xml, "text/xml; charset=UTF-8", gzipped=True)
	feed.result_document_id = document_id


def _rejected(feed: SimFeed, code: int, description: str) -> ProcessingReport:
	return ProcessingReport(
		document_transaction_id=feed.feed_id,
		status_code="Rejected",
		messages_processed=0,
		messages_successful=0,
		messages_with_error=0,
		results=[ResultEntry(message_id=0, result_code="Error", message_code=code, description=description)],
	)


def xml_feed_payload(state: SimulatorState, feed: SimFeed) -> bytes | None:
	"""The uploaded document of an XML-reported feed, gunzipped; None when the feed went FATAL instead (a forced
	fault, or no document uploaded), its Rejected processing report written."""
	if feed.faults.fatal:
		finish(state, feed, "FATAL", _rejected(feed, CODE_FEED_PROCESSING_ERROR, feed.faults.fatal_message))
		return None
	document = documents(state).documents.get(feed.input_document_id)
	if document is None or document.data is None:
		finish(
			state,
			feed,
			"FATAL",
			_rejected(
				feed,
				CODE_FEED_PROCESSING_ERROR,
				"The feed document was not uploaded before the feed was created.",
			),
		)
		return None
	data = document.data
	if data[:2] == b"\x1f\x8b":  # a seller may upload gzip'd content
		try:
			data = gzip.decompress(data)
		except OSError:
			pass
	return data


def _process_order_fulfillment(state: SimulatorState, feed: SimFeed) -> None:
	data = xml_feed_payload(state, feed)
	if data is None:
		return
	try:
		parsed = parse_order_fulfillment_feed(data)
	except FeedParseError as exc:
		finish(state, feed, "FATAL", _rejected(feed, CODE_XML_PARSING_ERROR, exc.describe()))
		return
	total = len(parsed.messages)
	if feed.faults.unattributed:
		report = ProcessingReport(
			document_transaction_id=feed.feed_id,
			status_code="Complete",
			messages_processed=total,
			messages_successful=0,
			messages_with_error=total,
			results=[
				ResultEntry(
					message_id=0,
					result_code="Error",
					message_code=CODE_FEED_PROCESSING_ERROR,
					description=feed.faults.unattributed_message,
				)
			],
		)
		finish(state, feed, "DONE", report)
		return
	results: list[ResultEntry] = []
	for message in parsed.messages:
		error = _apply_message(state, feed, message)
		if error is not None:
			results.append(error)
	failed = {result.message_id for result in results}
	report = ProcessingReport(
		document_transaction_id=feed.feed_id,
		status_code="Complete",
		messages_processed=total,
		messages_successful=total - len(failed),
		messages_with_error=len(failed),
		results=results,
	)
	finish(state, feed, "DONE", report)


FEED_PROCESSORS[ORDER_FULFILLMENT_FEED] = _process_order_fulfillment


def _apply_message(state: SimulatorState, feed: SimFeed, message: FulfillmentMessage) -> ResultEntry | None:
	"""One OrderFulfillment message through the confirmShipment rules; the Result when it fails."""

	def error(code: int, description: str, item_code: str | None = None) -> ResultEntry:
		return ResultEntry(
			message_id=message.message_id,
			result_code="Error",
			message_code=code,
			description=description,
			amazon_order_id=message.amazon_order_id,
			amazon_order_item_code=item_code,
		)

	if message.problem:
		return error(CODE_MISSING_DATA, message.problem)
	if not message.amazon_order_id:
		return error(
			CODE_INVALID_ORDER_ID,
			f"MerchantOrderID {message.merchant_order_id} is not known; use AmazonOrderID.",
		)
	order_id = message.amazon_order_id
	if order_id in feed.faults.order_ids:
		return error(CODE_INVALID_ORDER_ID, feed.faults.order_message)
	order = state.orders.get(order_id)
	lines: list[tuple[str, int]] = []
	if message.items:
		for item in message.items:
			if not item.amazon_order_item_code:
				return error(CODE_INVALID_FULFILLMENT, "Use AmazonOrderItemCode to name the item.")
			quantity = item.quantity
			if quantity is None:
				sim_item = order.item(item.amazon_order_item_code) if order is not None else None
				quantity = sim_item.quantity_unshipped if sim_item is not None else 1
				if quantity <= 0:
					return error(
						CODE_INVALID_FULFILLMENT,
						f"Order item {item.amazon_order_item_code} has no unshipped quantity.",
						item.amazon_order_item_code,
					)
			lines.append((item.amazon_order_item_code, quantity))
	elif order is not None:
		lines = [
			(item.order_item_id, item.quantity_unshipped)
			for item in order.items
			if item.quantity_unshipped > 0
		]
	carrier_code = message.carrier_code or ("Other" if message.carrier_name else "")
	assert message.fulfillment_date is not None
	try:
		state.apply_shipment(
			order_id,
			lines,
			carrier_code,
			message.carrier_name,
			message.tracking_number or "",
			message.fulfillment_date,
			message.shipping_method,
			package_reference_id=message.merchant_fulfillment_id,
		)
	except ShipmentRejected as exc:
		code = CODE_INVALID_ORDER_ID if exc.code == "NotFound" else CODE_INVALID_FULFILLMENT
		return error(code, exc.message)
	return None


def _take_faults(state: SimulatorState, fs: FeedsState) -> FaultSnapshot:
	"""Snapshot and clear the control API's "next feed" instructions."""
	snapshot = FaultSnapshot()
	faults = getattr(state, "feeds_failures", None)
	if faults is not None:
		snapshot.order_ids = set(getattr(faults, "order_ids", set()) or set())
		snapshot.order_message = (
			getattr(faults, "order_message", "") or "The order id you submitted is invalid."
		)
		snapshot.unattributed = bool(getattr(faults, "unattributed", False))
		snapshot.unattributed_message = (
			getattr(faults, "unattributed_message", "") or "The feed could not be processed."
		)
		if getattr(faults, "fatal", False):
			snapshot.fatal = True
			snapshot.fatal_message = (
				getattr(faults, "fatal_message", "") or "The feed could not be processed."
			)
			faults.fatal = False
		if hasattr(faults, "clear"):
			faults.clear()
	if fs.fatal_next is not None:
		snapshot.fatal = True
		snapshot.fatal_message = fs.fatal_next
		fs.fatal_next = None
	return snapshot


# -- handlers -------------------------------------------------------------------------------------------


def _check_marketplaces(state: SimulatorState, marketplace_ids: list[str]) -> None:
	for marketplace_id in marketplace_ids:
		if state.marketplaces and marketplace_id not in state.marketplaces:
			raise ApiError(400, "InvalidInput", f"Invalid marketplaceId: {marketplace_id}.")


def _owns_document(state: SimulatorState, document_id: str, document: StoredDocument) -> bool:
	"""getFeedDocument serves the documents made for uploads and the feeds' result documents."""
	return document.uploadable or any(
		feed.result_document_id == document_id for feed in feeds_state(state).feeds.values()
	)


FEEDS = AsyncJobKind(
	name="Feed",
	api="/feeds/2021-06-30",
	queue=feeds_state,
	tick=tick,
	newest_first=lambda feeds: list(reversed(list(feeds))),  # creation order, newest first
	owns_document=_owns_document,
)


def register(router: Router, state: SimulatorState) -> None:
	@router.route("POST", "/feeds/2021-06-30/documents", operation="createFeedDocument")
	def create_feed_document(req: Request) -> Response:
		body = req.json()
		content_type = body.get("contentType") if isinstance(body, dict) else None
		if not isinstance(content_type, str) or not content_type.strip():
			raise ApiError(400, "InvalidInput", "contentType is required.")
		with state.lock:
			document_id = f"amzn1.tortuga.4.{region_code(state)}.{new_uuid(state)}"
			documents(state).documents[document_id] = StoredDocument(
				document_id=document_id, content_type=content_type, created=state.clock.now(), uploadable=True
			)
		return Response(
			status=201,
			body={"feedDocumentId": document_id, "url": f"{state.base_url}/_sim/upload/{document_id}"},
		)

	@router.route("POST", "/feeds/2021-06-30/feeds", operation="createFeed")
	def create_feed(req: Request) -> Response:
		body = req.json()
		if not isinstance(body, dict):
			raise ApiError(400, "InvalidInput", "The body must be a CreateFeedSpecification object.")
		feed_type = body.get("feedType")
		if not isinstance(feed_type, str) or not feed_type:
			raise ApiError(400, "InvalidInput", "feedType is required.")
		marketplace_ids = require_list(body, "marketplaceIds", 25)
		document_id = body.get("inputFeedDocumentId")
		if not isinstance(document_id, str) or not document_id:
			raise ApiError(400, "InvalidInput", "inputFeedDocumentId is required.")
		if feed_type not in FEED_PROCESSORS:
			raise ApiError(400, "InvalidInput", f"Invalid feed type: {feed_type}.")
		options = string_options(body, "feedOptions")
		with state.lock:
			_check_marketplaces(state, marketplace_ids)
			document = documents(state).documents.get(document_id)
			if document is None or not document.uploadable:
				raise ApiError(400, "InvalidInput", f"Invalid inputFeedDocumentId: {document_id}.")
			fs = feeds_state(state)
			feed = SimFeed(
				feed_id=_new_feed_id(state, fs),
				feed_type=feed_type,
				marketplace_ids=list(marketplace_ids),
				input_document_id=document_id,
				created=state.clock.now(),
				faults=_take_faults(state, fs),
				feed_options=options,
			)
			fs.feeds[feed.feed_id] = feed
		return Response(status=202, body={"feedId": feed.feed_id})

	register_job_routes(router, state, FEEDS)

	# -- control API (no auth, no quota) --
	@router.route("POST", "/_sim/feeds/fatal-next")
	def fatal_next(req: Request) -> Response:
		body = req.json() or {}
		with state.lock:
			feeds_state(state).fatal_next = str(body.get("message") or "The feed could not be processed.")
		return Response(status=200, body={"ok": True})
