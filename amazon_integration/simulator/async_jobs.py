"""Amazon's asynchronous jobs, written once for every API that has them (Feeds, Reports 2021-06-30).

A job is created (createFeed, createReport), waits IN_QUEUE, runs IN_PROGRESS, then ends DONE, CANCELLED or FATAL,
usually with a document; meanwhile it is listed (getFeeds), read (getFeed), cancelled while still IN_QUEUE
(cancelFeed) and its document fetched (getFeedDocument). Only the names differ between the two APIs, so:
- JobQueue: a kind's jobs in creation order, their pacing (queue/processing seconds) and list page tokens;
- advance(): a job along the simulated clock (computed lazily on reads, no threads); the kind's module finishes
  the job when advance() says it is done processing (a feed is applied, a report written);
- AsyncJobKind + register_job_routes(): the list, get, cancel and document routes and the timing control route;
- for create: require_list() and string_options() read the body as Amazon does, JobQueue.new_id() numbers jobs.
Each module keeps its create route (the bodies differ) and what a finished job produces.

Room for the next APIs: Fulfillment Inbound (2024-03-20) answers its long operations with an operationId read
through getInboundOperationStatus; such a kind would be a JobQueue paced by advance() with its own get route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from .documents import StoredDocument, documents, download_url, new_uuid, parse_iso
from .http import ApiError, Request, Response, Router
from .state import SimulatorState

JOB_STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
RETENTION = timedelta(days=90)  # createdSince default: jobs are listed for 90 days

PageTokens = dict[str, tuple[list[str], int]]  # token -> (ids still to serve, page size)


class AsyncJob(Protocol):
	"""What the shared routes read of a job (SimFeed, SimReport)."""

	marketplace_ids: list[str]
	created: datetime
	status: str
	processing_start: datetime | None
	processing_end: datetime | None

	@property
	def job_id(self) -> str: ...

	@property
	def job_type(self) -> str: ...

	def to_json(self) -> dict[str, Any]: ...


@dataclass
class JobQueue:
	"""One kind's jobs and their pacing; a kind's state (FeedsState, ReportsState) extends it with its job map."""

	next_number: int = 0
	queue_seconds: float = 30.0
	processing_seconds: float = 30.0
	page_tokens: PageTokens = field(default_factory=dict)

	@property
	def jobs(self) -> dict[str, Any]:
		"""Job id -> job, in creation order."""
		raise NotImplementedError

	def new_id(self, first_block: Callable[[], int]) -> str:
		"""The next job id: Amazon's are increasing 11-digit numbers; `first_block` places the first one (called
		once, so the simulator's random draws stay where they were)."""
		if self.next_number == 0:
			self.next_number = first_block()
		self.next_number += 1
		return str(self.next_number)


def advance(queue: JobQueue, job: AsyncJob, now: datetime) -> bool:
	"""Move a job along the clock: IN_QUEUE for queue_seconds after its creation, then IN_PROGRESS for
	processing_seconds. True when its processing has just ended: the caller then gives it its end (status,
	document), exactly once."""
	if job.status == "IN_QUEUE":
		start = job.created + timedelta(seconds=queue.queue_seconds)
		if now < start:
			return False
		job.status = "IN_PROGRESS"
		job.processing_start = start
	if job.status == "IN_PROGRESS":
		assert job.processing_start is not None
		end = job.processing_start + timedelta(seconds=queue.processing_seconds)
		if now < end:
			return False
		job.processing_end = end
		return True
	return False


# -- create ---------------------------------------------------------------------------------------------


def require_list(body: dict[str, Any], name: str, max_items: int) -> list[str]:
	"""A createX body's list of strings (marketplaceIds), as Amazon checks it."""
	value = body.get(name)
	if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
		raise ApiError(400, "InvalidInput", f"{name} must be a non-empty list of strings.")
	if len(value) > max_items:
		raise ApiError(400, "InvalidInput", f"{name} accepts at most {max_items} values.")
	return value


def string_options(body: dict[str, Any], name: str) -> dict[str, str]:
	"""A createX body's options object (feedOptions, reportOptions), its values as strings."""
	options = body.get(name) or {}
	if not isinstance(options, dict):
		raise ApiError(400, "InvalidInput", f"{name} must be an object of strings.")
	return {str(k): str(v) for k, v in options.items()}


# -- list pages -----------------------------------------------------------------------------------------


def paginate(
	tokens: PageTokens, state: SimulatorState, ids: list[str], page_size: int
) -> tuple[list[str], str | None]:
	"""First page of `ids` and the token of the rest (a snapshot, so later creations never shift pages)."""
	page, rest = ids[:page_size], ids[page_size:]
	token = None
	if rest:
		token = new_uuid(state).replace("-", "")
		tokens[token] = (rest, page_size)
	return page, token


def next_page(tokens: PageTokens, state: SimulatorState, token: str) -> tuple[list[str], str | None]:
	stored = tokens.pop(token, None)
	if stored is None:
		raise ApiError(400, "InvalidInput", "The nextToken is invalid or expired.")
	ids, page_size = stored
	return paginate(tokens, state, ids, page_size)


def list_filters(req: Request, type_param: str, known_statuses: tuple[str, ...]) -> dict[str, Any]:
	"""Shared getFeeds/getReports query rules (nextToken alone, or the types plus filters)."""
	token = req.param("nextToken")
	others = [
		name
		for name in (
			type_param,
			"marketplaceIds",
			"processingStatuses",
			"pageSize",
			"createdSince",
			"createdUntil",
		)
		if req.param(name) is not None
	]
	if token is not None:
		if others:
			raise ApiError(
				400,
				"InvalidInput",
				"nextToken must be the only parameter.",
				f"Also given: {', '.join(others)}.",
			)
		return {"nextToken": token}
	types = req.param_list(type_param)
	if not types:
		raise ApiError(400, "InvalidInput", f"Either {type_param} or nextToken is required.")
	if len(types) > 10:
		raise ApiError(400, "InvalidInput", f"{type_param} accepts at most 10 values.")
	marketplace_ids = req.param_list("marketplaceIds")
	if len(marketplace_ids) > 10:
		raise ApiError(400, "InvalidInput", "marketplaceIds accepts at most 10 values.")
	statuses = req.param_list("processingStatuses")
	for status in statuses:
		if status not in known_statuses:
			raise ApiError(400, "InvalidInput", f"Invalid processingStatuses value: {status}.")
	raw_size = req.param("pageSize")
	try:
		page_size = int(raw_size) if raw_size is not None else 10
	except ValueError:
		raise ApiError(400, "InvalidInput", "pageSize must be an integer between 1 and 100.") from None
	if not 1 <= page_size <= 100:
		raise ApiError(400, "InvalidInput", "pageSize must be an integer between 1 and 100.")
	since = req.param("createdSince")
	until = req.param("createdUntil")
	return {
		"types": set(types),
		"marketplaceIds": set(marketplace_ids),
		"statuses": set(statuses),
		"pageSize": page_size,
		"createdSince": parse_iso(since, "createdSince") if since else None,
		"createdUntil": parse_iso(until, "createdUntil") if until else None,
	}


# -- the shared routes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AsyncJobKind:
	"""What tells one API's jobs from another's. Names follow Amazon's pattern: "Feed" under /feeds/2021-06-30
	gives getFeeds (feedTypes, body key "feeds"), getFeed/cancelFeed ({feedId}), getFeedDocument ({feedDocumentId})
	and the control route /_sim/feeds/timing."""

	name: str  # "Feed", "Report"
	api: str  # "/feeds/2021-06-30"
	queue: Callable[[SimulatorState], JobQueue]
	tick: Callable[[SimulatorState], None]  # brings every job of the kind up to now (under state.lock)
	newest_first: Callable[[Iterable[Any]], list[Any]]  # the listing order
	owns_document: Callable[[SimulatorState, str, StoredDocument], bool]  # a document getXDocument may serve

	@property
	def collection(self) -> str:
		return f"{self.name.lower()}s"


def register_job_routes(router: Router, state: SimulatorState, kind: AsyncJobKind) -> None:
	"""getXs, getX, cancelX, getXDocument and POST /_sim/xs/timing for one kind of job."""
	noun = kind.name.lower()
	jobs_path = f"{kind.api}/{kind.collection}"

	@router.route("GET", jobs_path, operation=f"get{kind.name}s")
	def list_jobs(req: Request) -> Response:
		filters = list_filters(req, f"{noun}Types", JOB_STATUSES)
		with state.lock:
			kind.tick(state)
			queue = kind.queue(state)
			if "nextToken" in filters:
				ids, token = next_page(queue.page_tokens, state, filters["nextToken"])
			else:
				now = state.clock.now()
				since = filters["createdSince"] or now - RETENTION
				until = filters["createdUntil"] or now
				matching = [
					job.job_id
					for job in kind.newest_first(queue.jobs.values())
					if job.job_type in filters["types"]
					and (not filters["marketplaceIds"] or filters["marketplaceIds"] & set(job.marketplace_ids))
					and (not filters["statuses"] or job.status in filters["statuses"])
					and since <= job.created <= until
				]
				ids, token = paginate(queue.page_tokens, state, matching, filters["pageSize"])
			body: dict[str, Any] = {
				kind.collection: [queue.jobs[job_id].to_json() for job_id in ids if job_id in queue.jobs]
			}
		if token:
			body["nextToken"] = token
		return Response(status=200, body=body)

	def _job(job_id: str) -> Any:
		job = kind.queue(state).jobs.get(job_id)
		if job is None:
			raise ApiError(404, "NotFound", f"{kind.name} {job_id} was not found.")
		return job

	@router.route("GET", f"{jobs_path}/{{{noun}Id}}", operation=f"get{kind.name}")
	def get_job(req: Request) -> Response:
		with state.lock:
			kind.tick(state)
			return Response(status=200, body=_job(req.path_args[f"{noun}Id"]).to_json())

	@router.route("DELETE", f"{jobs_path}/{{{noun}Id}}", operation=f"cancel{kind.name}")
	def cancel_job(req: Request) -> Response:
		with state.lock:
			kind.tick(state)
			job = _job(req.path_args[f"{noun}Id"])
			if job.status != "IN_QUEUE":
				raise ApiError(
					400,
					"InvalidInput",
					f"{kind.name} {job.job_id} is {job.status}; only IN_QUEUE {kind.collection} can be cancelled.",
				)
			job.status = "CANCELLED"
		return Response(status=200, body=None)

	@router.route("GET", f"{kind.api}/documents/{{{noun}DocumentId}}", operation=f"get{kind.name}Document")
	def get_document(req: Request) -> Response:
		document_id = req.path_args[f"{noun}DocumentId"]
		with state.lock:
			kind.tick(state)
			document = documents(state).documents.get(document_id)
			if document is None or not kind.owns_document(state, document_id, document):
				raise ApiError(404, "NotFound", f"{kind.name} document {document_id} was not found.")
			encoded = (req.param("enableContentEncodingUrlHeader") or "").lower() == "true"
			body: dict[str, Any] = {
				f"{noun}DocumentId": document_id,
				"url": download_url(state, document_id, encoded and document.compression == "GZIP"),
			}
			if document.compression:
				body["compressionAlgorithm"] = document.compression
		return Response(status=200, body=body)

	# -- control API (no auth, no quota) --
	@router.route("POST", f"/_sim/{kind.collection}/timing")
	def timing(req: Request) -> Response:
		body = req.json() or {}
		with state.lock:
			queue = kind.queue(state)
			if "queue_seconds" in body:
				queue.queue_seconds = float(body["queue_seconds"])
			if "processing_seconds" in body:
				queue.processing_seconds = float(body["processing_seconds"])
			return Response(
				status=200,
				body={"queue_seconds": queue.queue_seconds, "processing_seconds": queue.processing_seconds},
			)
