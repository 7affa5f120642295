"""Reports API 2021-06-30: createReport, getReport, getReports, cancelReport, getReportDocument.

Report types:
- GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL (requested with createReport): the orders of the given
  marketplaces whose last-updated-date lies in [dataStartTime, dataEndTime] (defaults: the last 30 days up to
  now), one row per item, oldest purchase first (flatfiles.orders_report). Processing is paced by the
  simulated clock like feeds: IN_QUEUE 15 s, IN_PROGRESS 30 s, then DONE; the content is taken when the report
  reaches DONE. No matching order -> CANCELLED without a document (Amazon cancels reports that have no data).
  Its document is GZIP-compressed (compressionAlgorithm GZIP; the bytes are served without Content-Encoding, so
  python-amazon-sp-api's get_report_document(download=True) gunzips them itself).
- GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA, GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE, GET_FBA_REIMBURSEMENTS_DATA,
  GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA: requested and paced the same way, written by aftersale.py.
- GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2: cannot be requested (400 InvalidInput, as on Amazon); Amazon
  (settlements.py) generates one per closed settlement; list them with getReports. Plain text, no compression.
Documents are served as "text/tab-separated-values; charset=UTF-8", so clients decode them as UTF-8.
getReports, getReport, cancelReport and getReportDocument are Amazon's asynchronous-job routes of async_jobs.py,
shared with feeds. Control: POST /_sim/reports/timing {"queue_seconds": s, "processing_seconds": s}.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
	iso,
	new_uuid,
	parse_iso,
	region_code,
	store_document,
)
from .flatfiles import orders_report
from .http import ApiError, Request, Response, Router
from .state import SimulatorState

ORDERS_REPORT_TYPE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
SETTLEMENT_REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
TSV_CONTENT_TYPE = "text/tab-separated-values; charset=UTF-8"
DEFAULT_RANGE = timedelta(days=30)


@dataclass
class SimReport:
	report_id: str
	report_type: str
	marketplace_ids: list[str]
	created: datetime
	data_start: datetime | None = None
	data_end: datetime | None = None
	status: str = "IN_QUEUE"
	processing_start: datetime | None = None
	processing_end: datetime | None = None
	document_id: str | None = None
	options: dict[str, str] = field(default_factory=dict)

	def to_json(self) -> dict[str, Any]:
		body: dict[str, Any] = {
			"reportId": self.report_id,
			"reportType": self.report_type,
			"marketplaceIds": list(self.marketplace_ids),
			"createdTime": iso(self.created),
			"processingStatus": self.status,
		}
		if self.data_start is not None:
			body["dataStartTime"] = iso(self.data_start)
		if self.data_end is not None:
			body["dataEndTime"] = iso(self.data_end)
		if self.processing_start is not None:
			body["processingStartTime"] = iso(self.processing_start)
		if self.processing_end is not None:
			body["processingEndTime"] = iso(self.processing_end)
		if self.document_id is not None:
			body["reportDocumentId"] = self.document_id
		return body

	@property
	def job_id(self) -> str:
		return self.report_id

	@property
	def job_type(self) -> str:
		return self.report_type


@dataclass
class ReportsState(JobQueue):
	reports: dict[str, SimReport] = field(default_factory=dict)  # creation order
	queue_seconds: float = 15.0

	@property
	def jobs(self) -> dict[str, SimReport]:
		return self.reports


def reports_state(state: SimulatorState) -> ReportsState:
	return attach(state, "docs.reports", ReportsState)


def _new_report_id(state: SimulatorState, rs: ReportsState) -> str:
	def first_block() -> int:
		# ERPNext keeps a settlement's report id: the namespace moves it like order and settlement ids.
		block = (docs_rng(state).randrange(1000) + state.namespace * 7919) % 100_000
		return 50_100_000_000 + block * 1000

	return rs.new_id(first_block)


def _new_document_id(state: SimulatorState) -> str:
	return f"amzn1.spdoc.1.4.{region_code(state)}.{new_uuid(state)}"


def add_generated_report(
	state: SimulatorState,
	report_type: str,
	content: bytes,
	*,
	created: datetime,
	data_start: datetime | None,
	data_end: datetime | None,
	marketplace_ids: list[str],
	gzipped: bool,
) -> SimReport:
	"""A report Amazon produced on its own (settlements): DONE at once, with its document."""
	with state.lock:
		rs = reports_state(state)
		document_id = _new_document_id(state)
		store_document(state, document_id, content, TSV_CONTENT_TYPE, gzipped)
		report = SimReport(
			report_id=_new_report_id(state, rs),
			report_type=report_type,
			marketplace_ids=list(marketplace_ids),
			created=created,
			data_start=data_start,
			data_end=data_end,
			status="DONE",
			processing_start=created,
			processing_end=created,
			document_id=document_id,
		)
		rs.reports[report.report_id] = report
		return report


def _generate_orders_report(
	state: SimulatorState, marketplaces: set[str], start: datetime | None, end: datetime | None
) -> bytes | None:
	orders = [
		order
		for order in state.orders.values()
		if order.marketplace_id in marketplaces
		and (start is None or order.last_updated >= start)
		and (end is None or order.last_updated <= end)
	]
	if not orders:
		return None
	orders.sort(key=lambda order: (order.created, order.order_id))
	channels = {mid: market.name for mid, market in state.marketplaces.items()}
	return orders_report(orders, channels)


def _advance(state: SimulatorState, rs: ReportsState, report: SimReport, now: datetime) -> None:
	if not advance(rs, report, now):
		return
	writer = REPORT_WRITERS[report.report_type]
	content = writer(state, set(report.marketplace_ids), report.data_start, report.data_end)
	if content is None:
		report.status = "CANCELLED"
		return
	document_id = _new_document_id(state)
	store_document(state, document_id, content, TSV_CONTENT_TYPE, gzipped=True)
	report.document_id = document_id
	report.status = "DONE"


# The report types createReport accepts: report type -> writer(state, marketplace ids, data start, data end) ->
# the document, or None when no row matches. This module registers the orders report, aftersale.py its four.
ReportWriter = Callable[[SimulatorState, set[str], datetime | None, datetime | None], bytes | None]
REPORT_WRITERS: dict[str, ReportWriter] = {ORDERS_REPORT_TYPE: _generate_orders_report}
# Called before reports are read (settlements.py registers its sync, which writes the settlement reports).
BEFORE_READ: list[Callable[[SimulatorState], object]] = []


def tick(state: SimulatorState) -> None:
	"""Bring what writes reports on its own (settlements) and the requested reports up to now."""
	with state.lock:
		for hook in BEFORE_READ:
			hook(state)
		rs = reports_state(state)
		now = state.clock.now()
		for report in rs.reports.values():
			_advance(state, rs, report, now)


def _owns_document(state: SimulatorState, document_id: str, document: StoredDocument) -> bool:
	"""getReportDocument serves the documents of reports only."""
	return any(report.document_id == document_id for report in reports_state(state).reports.values())


REPORTS = AsyncJobKind(
	name="Report",
	api="/reports/2021-06-30",
	queue=reports_state,
	tick=tick,
	# Newest first by creation time: Amazon's own reports (settlements) are added when read, dated when made.
	newest_first=lambda reports: sorted(reports, key=lambda r: (r.created, int(r.report_id)), reverse=True),
	owns_document=_owns_document,
)


def register(router: Router, state: SimulatorState) -> None:
	@router.route("POST", "/reports/2021-06-30/reports", operation="createReport")
	def create_report(req: Request) -> Response:
		body = req.json()
		if not isinstance(body, dict):
			raise ApiError(400, "InvalidInput", "The body must be a CreateReportSpecification object.")
		report_type = body.get("reportType")
		if not isinstance(report_type, str) or not report_type:
			raise ApiError(400, "InvalidInput", "reportType is required.")
		marketplace_ids = require_list(body, "marketplaceIds", 25)
		if report_type == SETTLEMENT_REPORT_TYPE:
			raise ApiError(
				400,
				"InvalidInput",
				"Settlement reports cannot be requested or scheduled; Amazon generates them. Use getReports.",
			)
		if report_type not in REPORT_WRITERS:
			raise ApiError(400, "InvalidInput", f"Invalid report type: {report_type}.")
		options = string_options(body, "reportOptions")
		with state.lock:
			for marketplace_id in marketplace_ids:
				if marketplace_id not in state.marketplaces:
					raise ApiError(400, "InvalidInput", f"Invalid marketplaceId: {marketplace_id}.")
			now = state.clock.now()
			end = parse_iso(body["dataEndTime"], "dataEndTime") if body.get("dataEndTime") else now
			start = (
				parse_iso(body["dataStartTime"], "dataStartTime")
				if body.get("dataStartTime")
				else end - DEFAULT_RANGE
			)
			if start > now or end > now + timedelta(minutes=1):
				raise ApiError(
					400, "InvalidInput", "dataStartTime and dataEndTime must not be in the future."
				)
			if start > end:
				raise ApiError(400, "InvalidInput", "dataStartTime must be before dataEndTime.")
			rs = reports_state(state)
			report = SimReport(
				report_id=_new_report_id(state, rs),
				report_type=report_type,
				marketplace_ids=list(marketplace_ids),
				created=now,
				data_start=start,
				data_end=min(end, now),
				options=options,
			)
			rs.reports[report.report_id] = report
		return Response(status=202, body={"reportId": report.report_id})

	register_job_routes(router, state, REPORTS)
