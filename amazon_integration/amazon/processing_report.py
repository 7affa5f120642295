"""The result document of an XML feed: the ProcessingReport (amazon-xsd/ProcessingReport.xsd), its records and parser.

stdlib ElementTree (expat) never fetches external entities; documents with a DOCTYPE are refused outright so
entity-expansion tricks cannot reach the parser either. Namespaces are ignored (tags compared by local name).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .errors import AmazonError
from .text import msg


@dataclass(frozen=True)
class ProcessingResult:
	"""One <Result> of a ProcessingReport. message_id None = not attributable to a message (Amazon sends 0)."""

	message_id: int | None
	result_code: str  # Error | Warning
	message_code: str | None
	description: str
	order_id: str | None = None
	order_item_id: str | None = None
	sku: str | None = None

	@property
	def is_error(self) -> bool:
		return self.result_code == "Error"


@dataclass(frozen=True)
class ProcessingReport:
	status_code: str  # Complete | Processing | Rejected
	messages_processed: int = 0
	messages_successful: int = 0
	messages_with_error: int = 0
	messages_with_warning: int = 0
	results: tuple[ProcessingResult, ...] = ()
	document_transaction_id: str | None = None

	def results_for(self, message_id: int) -> tuple[ProcessingResult, ...]:
		return tuple(r for r in self.results if r.message_id == message_id)

	@property
	def unattributed(self) -> tuple[ProcessingResult, ...]:
		return tuple(r for r in self.results if r.message_id is None)


class ProcessingReportError(AmazonError):
	"""The feed result document is not a ProcessingReport we can read."""


def _local(tag: str) -> str:
	return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
	if element is None:
		return None
	for child in element:
		if _local(child.tag) == name:
			return child
	return None


def _text(element: ET.Element | None, name: str) -> str | None:
	child = _child(element, name)
	if child is None or child.text is None:
		return None
	return child.text.strip()


def _count(element: ET.Element | None, name: str) -> int:
	value = _text(element, name)
	try:
		return int(value) if value else 0
	except ValueError:
		return 0


def parse_processing_report(document: bytes | str) -> ProcessingReport:
	"""Parse a ProcessingReport, bare or wrapped in an AmazonEnvelope/Message."""
	data = document.encode("utf-8") if isinstance(document, str) else document
	if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
		raise ProcessingReportError(msg("The feed processing report carries a DOCTYPE; refused."), code="InvalidDocument")
	try:
		root = ET.fromstring(data)
	except ET.ParseError as exc:
		raise ProcessingReportError(
			msg("The feed processing report is not well-formed XML ({0}).", exc), code="InvalidDocument"
		) from None
	report = root if _local(root.tag) == "ProcessingReport" else None
	if report is None:
		report = next((el for el in root.iter() if _local(el.tag) == "ProcessingReport"), None)
	if report is None:
		raise ProcessingReportError(
			msg("The feed result document holds no {0}.", "ProcessingReport"), code="InvalidDocument"
		)
	summary = _child(report, "ProcessingSummary")
	results = []
	for element in report:
		if _local(element.tag) != "Result":
			continue
		raw_id = _text(element, "MessageID")
		try:
			message_id: int | None = int(raw_id) if raw_id else None
		except ValueError:
			message_id = None
		info = _child(element, "AdditionalInfo")
		results.append(
			ProcessingResult(
				message_id=message_id or None,  # Amazon uses 0 for "not attributable to a message"
				result_code=_text(element, "ResultCode") or "",
				message_code=_text(element, "ResultMessageCode"),
				description=_text(element, "ResultDescription") or "",
				order_id=_text(info, "AmazonOrderID"),
				order_item_id=_text(info, "AmazonOrderItemCode"),
				sku=_text(info, "SKU"),
			)
		)
	return ProcessingReport(
		status_code=_text(report, "StatusCode") or "",
		messages_processed=_count(summary, "MessagesProcessed"),
		messages_successful=_count(summary, "MessagesSuccessful"),
		messages_with_error=_count(summary, "MessagesWithError"),
		messages_with_warning=_count(summary, "MessagesWithWarning"),
		results=tuple(results),
		document_transaction_id=_text(report, "DocumentTransactionID"),
	)
