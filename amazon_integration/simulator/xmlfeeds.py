"""Amazon XML feeds: parse an OrderFulfillment envelope (POST_ORDER_FULFILLMENT_DATA) and build the
ProcessingReport result document, both as described by Amazon's XSDs (amzn-envelope.xsd, OrderFulfillment.xsd,
ProcessingReport.xsd, release 4.1).

Stdlib only (xml.etree). Documents carrying a DOCTYPE are refused outright: Amazon's feeds never have one and
it keeps entity tricks out. A parse failure raises FeedParseError; the feeds module turns it into a FATAL feed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timezone

ENVELOPE_DOCUMENT_VERSION = "1.01"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
AMAZON_ORDER_ID_RE = re.compile(r"^\w{3}-\w{7}-\w{7}$")
ORDER_ITEM_CODE_RE = re.compile(r"^\d{14}$")

# ResultMessageCodes the simulator writes (Amazon has hundreds; these are the ones an integration meets here).
CODE_XML_PARSING_ERROR = 5001  # "XML Parsing Fatal Error" / structure not understood
CODE_FEED_PROCESSING_ERROR = 5000  # error not attributable to one message
CODE_INVALID_ORDER_ID = 18028  # AmazonOrderID unknown / not the seller's MFN order
CODE_INVALID_FULFILLMENT = 18025  # shipment rule broken (quantity, item, carrier, tracking, status)
CODE_MISSING_DATA = 8001  # a required element is missing or malformed in one message


class FeedParseError(Exception):
	"""The document is not a well-formed OrderFulfillment envelope (the whole feed is rejected)."""

	def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
		super().__init__(message)
		self.message = message
		self.line = line
		self.column = column

	def describe(self) -> str:
		if self.line is not None:
			return f"XML Parsing Fatal Error at Line {self.line}, Column {self.column or 0}: {self.message}"
		return f"XML Parsing Fatal Error: {self.message}"


@dataclass
class FulfillmentItem:
	amazon_order_item_code: str | None
	merchant_order_item_id: str | None = None
	quantity: int | None = None  # None = every unshipped unit of the item


@dataclass
class FulfillmentMessage:
	message_id: int
	amazon_order_id: str | None
	merchant_order_id: str | None = None
	merchant_fulfillment_id: str | None = None
	fulfillment_date: datetime | None = None
	carrier_code: str | None = None
	carrier_name: str | None = None
	shipping_method: str | None = None
	tracking_number: str | None = None
	items: list[FulfillmentItem] = field(default_factory=list)  # empty = the whole order
	problem: str | None = None  # why this one message cannot be processed (a per-message error)


@dataclass
class FulfillmentFeed:
	merchant_identifier: str
	messages: list[FulfillmentMessage]


@dataclass
class ResultEntry:
	message_id: int  # 0 = not attributable to a message
	result_code: str  # "Error" | "Warning"
	message_code: int
	description: str
	amazon_order_id: str | None = None
	amazon_order_item_code: str | None = None
	sku: str | None = None


@dataclass
class ProcessingReport:
	document_transaction_id: str  # the feed id (numeric)
	status_code: str  # "Complete" | "Processing" | "Rejected"
	messages_processed: int
	messages_successful: int
	messages_with_error: int
	messages_with_warning: int = 0
	results: list[ResultEntry] = field(default_factory=list)


def _local(tag: str) -> str:
	return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: ET.Element, name: str) -> ET.Element | None:
	for child in element:
		if _local(child.tag) == name:
			return child
	return None


def _children(element: ET.Element, name: str) -> list[ET.Element]:
	return [child for child in element if _local(child.tag) == name]


def _text(element: ET.Element, name: str) -> str | None:
	child = _child(element, name)
	if child is None or child.text is None:
		return None
	value = child.text.strip()
	return value or None


def parse_datetime(value: str) -> datetime:
	"""xsd:dateTime -> aware UTC datetime (no offset means UTC)."""
	text = value.strip()
	if text.endswith(("Z", "z")):
		text = text[:-1] + "+00:00"
	parsed = datetime.fromisoformat(text)
	if parsed.tzinfo is None:
		parsed = parsed.replace(tzinfo=timezone.utc)
	return parsed.astimezone(timezone.utc)


def _parse_message(element: ET.Element, position: int) -> FulfillmentMessage:
	raw_id = _text(element, "MessageID")
	try:
		message_id = int(raw_id or "")
		if message_id <= 0:
			raise ValueError
	except ValueError:
		raise FeedParseError(f"Message #{position} has no valid MessageID (a positive integer).") from None
	body = _child(element, "OrderFulfillment")
	if body is None:
		raise FeedParseError(f"Message {message_id} has no OrderFulfillment element.")
	message = FulfillmentMessage(
		message_id=message_id,
		amazon_order_id=_text(body, "AmazonOrderID"),
		merchant_order_id=_text(body, "MerchantOrderID"),
		merchant_fulfillment_id=_text(body, "MerchantFulfillmentID"),
	)
	problems: list[str] = []
	if not message.amazon_order_id and not message.merchant_order_id:
		problems.append("AmazonOrderID is required.")
	raw_date = _text(body, "FulfillmentDate")
	if raw_date is None:
		problems.append("FulfillmentDate is required.")
	else:
		try:
			message.fulfillment_date = parse_datetime(raw_date)
		except ValueError:
			problems.append(f"FulfillmentDate {raw_date!r} is not a valid xsd:dateTime.")
	data = _child(body, "FulfillmentData")
	if data is not None:
		message.carrier_code = _text(data, "CarrierCode")
		message.carrier_name = _text(data, "CarrierName")
		message.shipping_method = _text(data, "ShippingMethod")
		message.tracking_number = _text(data, "ShipperTrackingNumber")
	for item_element in _children(body, "Item"):
		item = FulfillmentItem(
			amazon_order_item_code=_text(item_element, "AmazonOrderItemCode"),
			merchant_order_item_id=_text(item_element, "MerchantOrderItemID"),
		)
		raw_quantity = _text(item_element, "Quantity")
		if raw_quantity is not None:
			try:
				item.quantity = int(raw_quantity)
			except ValueError:
				problems.append(f"Quantity {raw_quantity!r} is not a positive integer.")
			else:
				if item.quantity <= 0:
					problems.append(f"Quantity {raw_quantity!r} is not a positive integer.")
		if not item.amazon_order_item_code and not item.merchant_order_item_id:
			problems.append("Item needs an AmazonOrderItemCode.")
		message.items.append(item)
	if problems:
		message.problem = " ".join(problems)
	return message


def parse_order_fulfillment_feed(data: bytes) -> FulfillmentFeed:
	"""Parse a POST_ORDER_FULFILLMENT_DATA envelope. Raises FeedParseError when the document as a whole
	cannot be processed (malformed XML, wrong root/message type, message without MessageID)."""
	upper = data.upper()
	if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
		raise FeedParseError("DOCTYPE and ENTITY declarations are not allowed.")
	try:
		root = ET.fromstring(data)
	except ET.ParseError as exc:
		line, column = exc.position if getattr(exc, "position", None) else (None, None)
		raise FeedParseError(str(exc).split(":")[0], line, column) from None
	if _local(root.tag) != "AmazonEnvelope":
		raise FeedParseError(f"The root element is {_local(root.tag)}, expected AmazonEnvelope.")
	header = _child(root, "Header")
	if header is None:
		raise FeedParseError("The envelope has no Header.")
	merchant = _text(header, "MerchantIdentifier") or ""
	message_type = _text(root, "MessageType")
	if message_type != "OrderFulfillment":
		raise FeedParseError(f"MessageType {message_type!r} is not OrderFulfillment.")
	message_elements = _children(root, "Message")
	if not message_elements:
		raise FeedParseError("The envelope has no Message.")
	messages = [_parse_message(element, position) for position, element in enumerate(message_elements, 1)]
	return FulfillmentFeed(merchant_identifier=merchant, messages=messages)


# -- building documents ---------------------------------------------------------------------------------


def _sub(parent: ET.Element, name: str, text: str | int | None = None) -> ET.Element:
	element = ET.SubElement(parent, name)
	if text is not None:
		element.text = str(text)
	return element


def _envelope(merchant_identifier: str, message_type: str) -> ET.Element:
	ET.register_namespace("xsi", XSI_NS)
	root = ET.Element("AmazonEnvelope", {f"{{{XSI_NS}}}noNamespaceSchemaLocation": "amzn-envelope.xsd"})
	header = _sub(root, "Header")
	_sub(header, "DocumentVersion", ENVELOPE_DOCUMENT_VERSION)
	_sub(header, "MerchantIdentifier", merchant_identifier)
	_sub(root, "MessageType", message_type)
	return root


def _serialize(root: ET.Element) -> bytes:
	ET.indent(root, space="\t")
	return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def build_processing_report(report: ProcessingReport, merchant_identifier: str) -> bytes:
	"""The feed result document: AmazonEnvelope/MessageType ProcessingReport, one Message with the report.
	Element order follows ProcessingReport.xsd exactly."""
	root = _envelope(merchant_identifier, "ProcessingReport")
	message = _sub(root, "Message")
	_sub(message, "MessageID", 1)
	body = _sub(message, "ProcessingReport")
	_sub(body, "DocumentTransactionID", report.document_transaction_id)
	_sub(body, "StatusCode", report.status_code)
	summary = _sub(body, "ProcessingSummary")
	_sub(summary, "MessagesProcessed", report.messages_processed)
	_sub(summary, "MessagesSuccessful", report.messages_successful)
	_sub(summary, "MessagesWithError", report.messages_with_error)
	_sub(summary, "MessagesWithWarning", report.messages_with_warning)
	for result in report.results:
		entry = _sub(body, "Result")
		_sub(entry, "MessageID", result.message_id)
		_sub(entry, "ResultCode", result.result_code)
		_sub(entry, "ResultMessageCode", result.message_code)
		_sub(entry, "ResultDescription", result.description)
		order_id = (
			result.amazon_order_id
			if result.amazon_order_id and AMAZON_ORDER_ID_RE.match(result.amazon_order_id)
			else None
		)
		item_code = (
			result.amazon_order_item_code
			if result.amazon_order_item_code and ORDER_ITEM_CODE_RE.match(result.amazon_order_item_code)
			else None
		)
		if result.sku or order_id or item_code:
			info = _sub(entry, "AdditionalInfo")
			if result.sku:
				_sub(info, "SKU", result.sku)
			if order_id:
				_sub(info, "AmazonOrderID", order_id)
			if item_code:
				_sub(info, "AmazonOrderItemCode", item_code)
	return _serialize(root)


def parse_processing_report(data: bytes) -> ProcessingReport:
	"""Read a ProcessingReport result document (bare or inside an AmazonEnvelope)."""
	root = ET.fromstring(data)
	body = root if _local(root.tag) == "ProcessingReport" else root.find(".//ProcessingReport")
	if body is None:
		raise FeedParseError("No ProcessingReport element.")
	summary = _child(body, "ProcessingSummary")

	def count(name: str) -> int:
		return int(_text(summary, name) or 0) if summary is not None else 0

	results = []
	for entry in _children(body, "Result"):
		info = _child(entry, "AdditionalInfo")
		results.append(
			ResultEntry(
				message_id=int(_text(entry, "MessageID") or 0),
				result_code=_text(entry, "ResultCode") or "",
				message_code=int(_text(entry, "ResultMessageCode") or 0),
				description=_text(entry, "ResultDescription") or "",
				amazon_order_id=_text(info, "AmazonOrderID") if info is not None else None,
				amazon_order_item_code=_text(info, "AmazonOrderItemCode") if info is not None else None,
				sku=_text(info, "SKU") if info is not None else None,
			)
		)
	return ProcessingReport(
		document_transaction_id=_text(body, "DocumentTransactionID") or "",
		status_code=_text(body, "StatusCode") or "",
		messages_processed=count("MessagesProcessed"),
		messages_successful=count("MessagesSuccessful"),
		messages_with_error=count("MessagesWithError"),
		messages_with_warning=count("MessagesWithWarning"),
		results=results,
	)


def build_order_fulfillment_feed(merchant_identifier: str, messages: list[FulfillmentMessage]) -> bytes:
	"""A POST_ORDER_FULFILLMENT_DATA envelope (what a seller uploads); element order per OrderFulfillment.xsd.
	FulfillmentData holds CarrierCode, or CarrierName alone for a carrier outside Amazon's list (the XSD's
	choice); the simulator reads CarrierName alone as carrier "Other"."""
	root = _envelope(merchant_identifier, "OrderFulfillment")
	for message in messages:
		element = _sub(root, "Message")
		_sub(element, "MessageID", message.message_id)
		body = _sub(element, "OrderFulfillment")
		if message.amazon_order_id:
			_sub(body, "AmazonOrderID", message.amazon_order_id)
		else:
			_sub(body, "MerchantOrderID", message.merchant_order_id or "")
		if message.merchant_fulfillment_id:
			_sub(body, "MerchantFulfillmentID", message.merchant_fulfillment_id)
		date = message.fulfillment_date or datetime.now(timezone.utc)
		_sub(body, "FulfillmentDate", date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
		if message.carrier_code or message.carrier_name or message.tracking_number or message.shipping_method:
			data = _sub(body, "FulfillmentData")
			if message.carrier_code and message.carrier_code.lower() != "other":
				_sub(data, "CarrierCode", message.carrier_code)
			else:
				_sub(data, "CarrierName", message.carrier_name or "")
			if message.shipping_method:
				_sub(data, "ShippingMethod", message.shipping_method)
			if message.tracking_number:
				_sub(data, "ShipperTrackingNumber", message.tracking_number)
		for item in message.items:
			item_element = _sub(body, "Item")
			if item.amazon_order_item_code:
				_sub(item_element, "AmazonOrderItemCode", item.amazon_order_item_code)
			else:
				_sub(item_element, "MerchantOrderItemID", item.merchant_order_item_id or "")
			if item.quantity is not None:
				_sub(item_element, "Quantity", item.quantity)
	return _serialize(root)
