"""Feeds API 2021-06-30: submit a feed (document upload included), follow it, read its processing report.

XML feeds answer with a ProcessingReport (processing_report.py); the JSON listings feed has its own report
(listings.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from .core import ClientCore
from .documents import gunzip_bytes
from .errors import AmazonUnavailableError, NotFoundError
from .logs import mask_url
from .processing_report import ProcessingReport, parse_processing_report
from .spapi import FeedsApi, error_from_response, request_id_of
from .text import msg
from .values import as_list, parse_datetime

FEED_CONTENT_TYPE = "text/xml; charset=UTF-8"
UPLOAD_OPERATION = "uploadFeedDocument"
FEED_DONE_STATUSES = ("DONE", "CANCELLED", "FATAL")


@dataclass(frozen=True)
class Feed:
	feed_id: str
	feed_type: str
	status: str  # IN_QUEUE | IN_PROGRESS | DONE | CANCELLED | FATAL
	created: datetime | None = None
	processing_start: datetime | None = None
	processing_end: datetime | None = None
	result_document_id: str | None = None
	marketplace_ids: tuple[str, ...] = ()

	@property
	def is_finished(self) -> bool:
		return self.status in FEED_DONE_STATUSES

	@classmethod
	def from_api(cls, data: Mapping) -> Feed:
		return cls(
			feed_id=str(data.get("feedId") or ""),
			feed_type=str(data.get("feedType") or ""),
			status=str(data.get("processingStatus") or ""),
			created=parse_datetime(data.get("createdTime")),
			processing_start=parse_datetime(data.get("processingStartTime")),
			processing_end=parse_datetime(data.get("processingEndTime")),
			result_document_id=data.get("resultFeedDocumentId"),
			marketplace_ids=tuple(str(m) for m in as_list(data.get("marketplaceIds"))),
		)


class FeedsClient(ClientCore):
	"""createFeedDocument, the upload, createFeed, getFeed and the result document (getFeedDocument)."""

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
				msg("{0} answered without a document id or upload URL.", "createFeedDocument"),
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
				msg("{0} answered without a feed id.", "createFeed"),
				operation="createFeed",
				request_id=request_id_of(created),
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

	def get_feed_result(self, feed: Feed | str) -> ProcessingReport:
		"""Download (gunzip) and parse the ProcessingReport of a finished feed."""
		return parse_processing_report(self._feed_result_bytes(feed))

	def _feed_result_bytes(self, feed: Feed | str) -> bytes:
		"""The (gunzipped) result document of a finished feed."""
		if isinstance(feed, str):
			feed = self.get_feed(feed)
		if not feed.result_document_id:
			raise NotFoundError(
				msg("Feed {0} has no result document (status {1}).", feed.feed_id, feed.status),
				code="NoResultDocument",
				operation="getFeedDocument",
			)
		document_id = feed.result_document_id
		info = self._call("getFeedDocument", lambda: self._api(FeedsApi).get_feed_document_info(document_id))
		url = (info.payload or {}).get("url")
		if not url:
			raise AmazonUnavailableError(
				msg("{0} answered without a URL.", "getFeedDocument"),
				operation="getFeedDocument",
				request_id=request_id_of(info),
			)
		with self._open_download(url) as response:
			data = response.read()
		return gunzip_bytes(data)
