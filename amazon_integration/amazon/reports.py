"""Reports API 2021-06-30: request a report, follow it, list reports, stream a report document."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .core import DOWNLOAD_OPERATION, ClientCore
from .documents import iter_text_lines
from .errors import AmazonUnavailableError, AuthError
from .spapi import ReportsApi, request_id_of
from .text import msg
from .values import as_list, format_datetime, parse_datetime

REPORT_DONE_STATUSES = ("DONE", "CANCELLED", "FATAL")
REPORT_ORDERS_BY_LAST_UPDATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
REPORT_SETTLEMENT_V2 = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"


@dataclass(frozen=True)
class Report:
	report_id: str
	report_type: str
	status: str  # IN_QUEUE | IN_PROGRESS | DONE | CANCELLED | FATAL
	document_id: str | None = None
	data_start: datetime | None = None
	data_end: datetime | None = None
	created: datetime | None = None
	processing_start: datetime | None = None
	processing_end: datetime | None = None
	marketplace_ids: tuple[str, ...] = ()
	schedule_id: str | None = None

	@property
	def is_finished(self) -> bool:
		return self.status in REPORT_DONE_STATUSES

	@classmethod
	def from_api(cls, data: Mapping) -> Report:
		return cls(
			report_id=str(data.get("reportId") or ""),
			report_type=str(data.get("reportType") or ""),
			status=str(data.get("processingStatus") or ""),
			document_id=data.get("reportDocumentId"),
			data_start=parse_datetime(data.get("dataStartTime")),
			data_end=parse_datetime(data.get("dataEndTime")),
			created=parse_datetime(data.get("createdTime")),
			processing_start=parse_datetime(data.get("processingStartTime")),
			processing_end=parse_datetime(data.get("processingEndTime")),
			marketplace_ids=tuple(str(m) for m in as_list(data.get("marketplaceIds"))),
			schedule_id=data.get("reportScheduleId"),
		)


class ReportsClient(ClientCore):
	"""createReport, getReport, getReports and getReportDocument (streamed)."""

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
				msg("{0} answered without a report id.", "createReport"),
				operation="createReport",
				request_id=request_id_of(response),
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
					msg("{0} answered without a URL.", "getReportDocument"),
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
