"""ProcessingReport parsing (checked against Amazon's XSD) and streamed document decoding."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from amazon_integration.amazon import ProcessingReportError, parse_processing_report, read_flat_file
from amazon_integration.amazon.documents import iter_text_lines

REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
	<Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>A1SELLER</MerchantIdentifier></Header>
	<MessageType>ProcessingReport</MessageType>
	<Message>
		<MessageID>1</MessageID>
		<ProcessingReport>
			<DocumentTransactionID>50012345678</DocumentTransactionID>
			<StatusCode>Complete</StatusCode>
			<ProcessingSummary>
				<MessagesProcessed>3</MessagesProcessed>
				<MessagesSuccessful>1</MessagesSuccessful>
				<MessagesWithError>2</MessagesWithError>
				<MessagesWithWarning>1</MessagesWithWarning>
			</ProcessingSummary>
			<Result>
				<MessageID>2</MessageID>
				<ResultCode>Error</ResultCode>
				<ResultMessageCode>18028</ResultMessageCode>
				<ResultDescription>The data you submitted is incomplete or invalid — Größe.</ResultDescription>
				<AdditionalInfo><AmazonOrderID>111-2222222-3333333</AmazonOrderID></AdditionalInfo>
			</Result>
			<Result>
				<MessageID>3</MessageID>
				<ResultCode>Warning</ResultCode>
				<ResultMessageCode>5001</ResultMessageCode>
				<ResultDescription>Carrier name ignored.</ResultDescription>
			</Result>
			<Result>
				<MessageID>0</MessageID>
				<ResultCode>Error</ResultCode>
				<ResultMessageCode>5000</ResultMessageCode>
				<ResultDescription>XML parsing fatal error.</ResultDescription>
			</Result>
		</ProcessingReport>
	</Message>
</AmazonEnvelope>
"""


def test_sample_is_valid_against_amazons_xsd(xsd_dir: Path) -> None:
	lxml_etree = pytest.importorskip("lxml.etree")
	# amzn-envelope.xsd includes every message schema (most absent from this copy): validate the
	# ProcessingReport element against ProcessingReport.xsd (+ amzn-base.xsd) instead.
	schema = lxml_etree.XMLSchema(lxml_etree.parse(str(xsd_dir / "ProcessingReport.xsd")))
	envelope = lxml_etree.fromstring(REPORT.encode("utf-8"))
	report = envelope.find("Message/ProcessingReport")
	assert schema.validate(lxml_etree.ElementTree(report)), schema.error_log


def test_parse_processing_report() -> None:
	report = parse_processing_report(REPORT.encode("utf-8"))
	assert report.status_code == "Complete" and report.document_transaction_id == "50012345678"
	assert (report.messages_processed, report.messages_successful, report.messages_with_error, report.messages_with_warning) == (3, 1, 2, 1)
	first, warning, unattributed = report.results
	assert first.message_id == 2 and first.is_error and first.message_code == "18028"
	assert first.order_id == "111-2222222-3333333" and "Größe" in first.description
	assert warning.message_id == 3 and not warning.is_error
	assert unattributed.message_id is None and report.unattributed == (unattributed,)
	assert report.results_for(2) == (first,)


def test_bare_and_namespaced_reports() -> None:
	bare = b"<ProcessingReport xmlns='urn:x'><DocumentTransactionID>1</DocumentTransactionID><StatusCode>Processing</StatusCode></ProcessingReport>"
	report = parse_processing_report(bare)
	assert report.status_code == "Processing" and report.results == () and report.messages_processed == 0


@pytest.mark.parametrize(
	"document",
	[
		b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
		b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><r>&lol2;</r>',
		b"<AmazonEnvelope><Message>",
		b"<AmazonEnvelope/>",
		b"not xml at all",
	],
)
def test_unsafe_or_broken_documents_are_refused(document: bytes) -> None:
	with pytest.raises(ProcessingReportError) as caught:
		parse_processing_report(document)
	assert "passwd" not in str(caught.value) or "DOCTYPE" in str(caught.value)


def _chunks(data: bytes, size: int) -> list[bytes]:
	return [data[i : i + size] for i in range(0, len(data), size)]


def test_lines_stream_through_gzip_in_small_chunks() -> None:
	text = "a\tb\tc\r\n" + "".join(f"{i}\tÄpfel ☃ 日本\t{i * 2}\n" for i in range(2000))
	data = gzip.compress(text.encode("utf-8"))
	lines = list(iter_text_lines(_chunks(data, 7), gzip=True))
	assert lines[0] == "a\tb\tc" and len(lines) == 2001
	assert lines[1999 + 1] == "1999\tÄpfel ☃ 日本\t3998"


def test_multi_member_gzip_and_already_decoded_bytes() -> None:
	data = gzip.compress(b"one\ntwo\n") + gzip.compress(b"three\n")
	assert list(iter_text_lines(_chunks(data, 5), gzip=True)) == ["one", "two", "three"]
	# a transport that already undid the gzip (Content-Encoding) must not break the reader
	assert list(iter_text_lines([b"plain\nlast"], gzip=True)) == ["plain", "last"]


def test_charset_fallback_and_bom() -> None:
	utf8 = "\ufeffsku\tname\nS1\tCafé\n".encode()
	assert list(iter_text_lines([utf8])) == ["sku\tname", "S1\tCafé"]
	latin = "sku\tname\nS1\tCafé\n".encode("cp1252")
	assert list(iter_text_lines([latin], charset="ISO-8859-1")) == ["sku\tname", "S1\tCafé"]
	assert list(iter_text_lines([latin])) == ["sku\tname", "S1\tCafé"]  # none declared: Cp1252
	japanese = "商品\n".encode("cp932")
	assert list(iter_text_lines([japanese], charset="Windows-31J")) == ["商品"]


def test_read_flat_file() -> None:
	rows = list(read_flat_file(["sku\tqty\tnote", "A\t1\tx", "", "B\t2"]))
	assert rows == [{"sku": "A", "qty": "1", "note": "x"}, {"sku": "B", "qty": "2", "note": ""}]
