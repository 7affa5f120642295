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
Control: POST /_sim/reports/timing {"queue_seconds": s, "processing_seconds": s}.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .documents import (
	attach,
	docs_rng,
	documents,
	download_url,
	iso,
	new_uuid,
	parse_iso,
	region_code,
	store_document,
)
from .feeds import list_filters, next_page, paginate
from .flatfiles import orders_report
from .http import ApiError, Request, Response, Router
from .state import SimulatorState

ORDERS_REPORT_TYPE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
SETTLEMENT_REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
REPORT_STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
TSV_CONTENT_TYPE = "text/tab-separated-values; charset=UTF-8"
RETENTION = timedelta(days=90)
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


@dataclass
class ReportsState:
	reports: dict[str, SimReport] = field(default_factory=dict)  # creation order
	next_number: int = 0
	queue_seconds: float = 15.0
	processing_seconds: float = 30.0
	page_tokens: dict[str, tuple[list[str], int]] = field(default_factory=dict)


def reports_state(state: SimulatorState) -> ReportsState:
	return attach(state, "docs.reports", ReportsState)


def _new_report_id(state: SimulatorState, rs: ReportsState) -> str:
	if rs.next_number == 0:
		# ERPNext keeps a settlement's report id: the namespace moves it like order and settlement ids.
		block = (docs_rng(state).randrange(1000) + state.namespace * 7919) % 100_000
		rs.next_number = 50_100_000_000 + block * 1000
	rs.next_number += 1
	return str(rs.next_number)


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
	if report.status == "IN_QUEUE":
		start = report.created + timedelta(seconds=rs.queue_seconds)
		if now < start:
			return
		report.status = "IN_PROGRESS"
		report.processing_start = start
	if report.status == "IN_PROGRESS":
		assert report.processing_start is not None
		end = report.processing_start + timedelta(seconds=rs.processing_seconds)
		if now < end:
			return
		report.processing_end = end
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


def register(router: Router, state: SimulatorState) -> None:
	@router.route("POST", "/reports/2021-06-30/reports", operation="createReport")
	def create_report(req: Request) -> Response:
		body = req.json()
		if not isinstance(body, dict):
			raise ApiError(400, "InvalidInput", "The body must be a CreateReportSpecification object.")
		report_type = body.get("reportType")
		if not isinstance(report_type, str) or not report_type:
			raise ApiError(400, "InvalidInput", "reportType is required.")
		marketplace_ids = body.get("marketplaceIds")
		if (
			not isinstance(marketplace_ids, list)
			or not marketplace_ids
			or not all(isinstance(value, str) and value for value in marketplace_ids)
		):
			raise ApiError(400, "InvalidInput", "marketplaceIds must be a non-empty list of strings.")
		if len(marketplace_ids) > 25:
			raise ApiError(400, "InvalidInput", "marketplaceIds accepts at most 25 values.")
		if report_type == SETTLEMENT_REPORT_TYPE:
			raise ApiError(
				400,
				"InvalidInput",
				"Settlement reports cannot be requested or scheduled; Amazon generates them. Use getReports.",
			)
		if report_type not in REPORT_WRITERS:
			raise ApiError(400, "InvalidInput", f"Invalid report type: {report_type}.")
		options = body.get("reportOptions") or {}
		if not isinstance(options, dict):
			raise ApiError(400, "InvalidInput", "reportOptions must be an object of strings.")
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
				options={str(k): str(v) for k, v in options.items()},
			)
			rs.reports[report.report_id] = report
		return Response(status=202, body={"reportId": report.report_id})

	@router.route("GET", "/reports/2021-06-30/reports", operation="getReports")
	def get_reports(req: Request) -> Response:
		filters = list_filters(req, "reportTypes", REPORT_STATUSES)
		with state.lock:
			tick(state)
			rs = reports_state(state)
			if "nextToken" in filters:
				ids, token = next_page(rs.page_tokens, state, filters["nextToken"])
			else:
				now = state.clock.now()
				since = filters["createdSince"] or now - RETENTION
				until = filters["createdUntil"] or now
				newest_first = sorted(
					rs.reports.values(), key=lambda r: (r.created, int(r.report_id)), reverse=True
				)
				matching = [
					report.report_id
					for report in newest_first
					if report.report_type in filters["types"]
					and (
						not filters["marketplaceIds"]
						or filters["marketplaceIds"] & set(report.marketplace_ids)
					)
					and (not filters["statuses"] or report.status in filters["statuses"])
					and since <= report.created <= until
				]
				ids, token = paginate(rs.page_tokens, state, matching, filters["pageSize"])
			body: dict[str, Any] = {
				"reports": [rs.reports[rid].to_json() for rid in ids if rid in rs.reports]
			}
		if token:
			body["nextToken"] = token
		return Response(status=200, body=body)

	def _report(report_id: str) -> SimReport:
		report = reports_state(state).reports.get(report_id)
		if report is None:
			raise ApiError(404, "NotFound", f"Report {report_id} was not found.")
		return report

	@router.route("GET", "/reports/2021-06-30/reports/{reportId}", operation="getReport")
	def get_report(req: Request) -> Response:
		with state.lock:
			tick(state)
			return Response(status=200, body=_report(req.path_args["reportId"]).to_json())

	@router.route("DELETE", "/reports/2021-06-30/reports/{reportId}", operation="cancelReport")
	def cancel_report(req: Request) -> Response:
		with state.lock:
			tick(state)
			report = _report(req.path_args["reportId"])
			if report.status != "IN_QUEUE":
				raise ApiError(
					400,
					"InvalidInput",
					f"Report {report.report_id} is {report.status}; only IN_QUEUE reports can be cancelled.",
				)
			report.status = "CANCELLED"
		return Response(status=200, body=None)

	@router.route("GET", "/reports/2021-06-30/documents/{reportDocumentId}", operation="getReportDocument")
	def get_report_document(req: Request) -> Response:
		document_id = req.path_args["reportDocumentId"]
		with state.lock:
			tick(state)
			owned = any(report.document_id == document_id for report in reports_state(state).reports.values())
			document = documents(state).documents.get(document_id)
			if not owned or document is None:
				raise ApiError(404, "NotFound", f"Report document {document_id} was not found.")
			encoded = (req.param("enableContentEncodingUrlHeader") or "").lower() == "true"
			body: dict[str, Any] = {
				"reportDocumentId": document_id,
				"url": download_url(state, document_id, encoded and document.compression == "GZIP"),
			}
			if document.compression:
				body["compressionAlgorithm"] = document.compression
		return Response(status=200, body=body)

	@router.route("POST", "/_sim/reports/timing")
	def timing(req: Request) -> Response:
		body = req.json() or {}
		with state.lock:
			rs = reports_state(state)
			if "queue_seconds" in body:
				rs.queue_seconds = float(body["queue_seconds"])
			if "processing_seconds" in body:
				rs.processing_seconds = float(body["processing_seconds"])
			return Response(
				status=200,
				body={"queue_seconds": rs.queue_seconds, "processing_seconds": rs.processing_seconds},
			)
