"""Feeds 2021-06-30 through python-amazon-sp-api: POST_ORDER_FULFILLMENT_DATA applied on DONE, per-message and
unattributed errors, FATAL feeds, cancel, listing; every JSON answer checked against feeds_2021-06-30.json and
every XML (the uploaded envelope, the ProcessingReport) against Amazon's XSDs."""

from __future__ import annotations

import gzip
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sp_api.api import Feeds
from sp_api.base import fill_query_params
from sp_api.base.exceptions import SellingApiBadRequestException, SellingApiNotFoundException

from amazon_integration.simulator import xmlfeeds
from amazon_integration.simulator.feeds import feeds_state
from amazon_integration.simulator.state import SimOrder
from amazon_integration.simulator.testing import forget_tokens
from amazon_integration.simulator.xmlfeeds import FulfillmentItem, FulfillmentMessage

MODEL = "feeds_2021-06-30"
FEED_TYPE = "POST_ORDER_FULFILLMENT_DATA"
XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
XS = "http://www.w3.org/2001/XMLSchema"


# -- XSD ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def envelope_schema(request: pytest.FixtureRequest) -> Any:
	"""amzn-envelope.xsd reduced to the schemas present in the shared folder (the envelope includes ~25 files;
	only OrderFulfillment, ProcessingReport, OrderAcknowledgement and OrderAdjustment are shipped)."""
	etree = pytest.importorskip("lxml.etree", reason="lxml is needed to validate XML against Amazon's XSDs")
	xsd_dir: Path = request.getfixturevalue("xsd_dir")
	envelope_path = xsd_dir / "amzn-envelope.xsd"
	if not envelope_path.is_file():
		pytest.skip(f"amzn-envelope.xsd not found in {xsd_dir}")
	present = {path.name for path in xsd_dir.glob("*.xsd")}
	defined: set[str] = set()
	for name in present:
		tree = etree.parse(str(xsd_dir / name))
		defined.update(element.get("name") for element in tree.getroot().findall(f"{{{XS}}}element"))
	root = etree.fromstring(envelope_path.read_bytes(), base_url=str(envelope_path))
	for include in root.findall(f"{{{XS}}}include"):
		if include.get("schemaLocation") not in present:
			root.remove(include)
	for element in list(root.iter(f"{{{XS}}}element")):
		if element.get("ref") and element.get("ref") not in defined:
			element.getparent().remove(element)
	return etree.XMLSchema(etree.ElementTree(root))


def assert_xsd_valid(schema: Any, document: bytes) -> None:
	from lxml import etree

	parsed = etree.fromstring(document)
	if not schema.validate(parsed):
		raise AssertionError(
			"XSD validation failed: " + "; ".join(str(error) for error in schema.error_log[:5])
		)


# -- helpers --------------------------------------------------------------------------------------------


def unshipped_fbm(sim: Any, count: int = 1, exclude: set[str] | None = None) -> list[SimOrder]:
	found = [
		order
		for order in sim.state.orders.values()
		if order.fulfilled_by == "MERCHANT"
		and order.status == "UNSHIPPED"
		and order.order_id not in (exclude or set())
	]
	assert len(found) >= count, "the seeded data set needs more unshipped FBM orders"
	return found[:count]


def message(message_id: int, order: SimOrder, sim: Any, **overrides: Any) -> FulfillmentMessage:
	values: dict[str, Any] = {
		"message_id": message_id,
		"amazon_order_id": order.order_id,
		"fulfillment_date": sim.state.clock.now() - timedelta(hours=1),
		"carrier_code": "UPS",
		"shipping_method": "UPS Ground",
		"tracking_number": f"1Z999AA1012345678{message_id}",
		"items": [FulfillmentItem(item.order_item_id, quantity=item.quantity) for item in order.items],
	}
	values.update(overrides)
	return FulfillmentMessage(**values)


def submit(client: Feeds, sim: Any, body: bytes, assert_valid: Any) -> str:
	document, created = client.submit_feed(
		FEED_TYPE, io.BytesIO(body), content_type=XML_CONTENT_TYPE, marketplaceIds=["ATVPDKIKX0DER"]
	)
	assert_valid(MODEL, "CreateFeedDocumentResponse", document.payload)
	assert document.payload["url"].startswith(sim.url + "/_sim/upload/")
	assert_valid(MODEL, "CreateFeedResponse", created.payload)
	return created.payload["feedId"]


def get_feed(client: Feeds, feed_id: str, assert_valid: Any) -> dict[str, Any]:
	feed = client.get_feed(feed_id).payload
	assert_valid(MODEL, "Feed", feed)
	return feed


def document_metadata(client: Feeds, document_id: str, assert_valid: Any, **params: Any) -> dict[str, Any]:
	"""getFeedDocument's JSON (sp_api's get_feed_document downloads at once; this is its first request)."""
	response = client._request(
		fill_query_params("/feeds/2021-06-30/documents/{}", document_id), params=params, add_marketplace=False
	)
	assert_valid(MODEL, "FeedDocument", response.payload)
	return response.payload


def run_to_end(client: Feeds, sim: Any, feed_id: str, assert_valid: Any) -> dict[str, Any]:
	sim.state.clock.advance(61)
	return get_feed(client, feed_id, assert_valid)


def result_report(
	client: Feeds, feed: dict[str, Any], assert_valid: Any, schema: Any
) -> xmlfeeds.ProcessingReport:
	document_id = feed["resultFeedDocumentId"]
	metadata = document_metadata(client, document_id, assert_valid)
	assert metadata["compressionAlgorithm"] == "GZIP"
	text = client.get_feed_result_document(document_id)  # sp_api downloads and gunzips
	assert_xsd_valid(schema, text.encode("utf-8"))
	return xmlfeeds.parse_processing_report(text.encode("utf-8"))


# -- tests ----------------------------------------------------------------------------------------------


def test_feed_is_applied_once_when_done(sim, sp_client, assert_valid, envelope_schema) -> None:
	client = sp_client(Feeds)
	(order,) = unshipped_fbm(sim)
	first = order.items[0]
	body = xmlfeeds.build_order_fulfillment_feed(
		sim.state.seller_id,
		[message(1, order, sim, items=[FulfillmentItem(first.order_item_id, quantity=1)])],
	)
	assert_xsd_valid(envelope_schema, body)
	feed_id = submit(client, sim, body, assert_valid)

	feed = get_feed(client, feed_id, assert_valid)
	assert feed["processingStatus"] == "IN_QUEUE" and "resultFeedDocumentId" not in feed
	sim.state.clock.advance(31)
	feed = get_feed(client, feed_id, assert_valid)
	assert feed["processingStatus"] == "IN_PROGRESS" and "processingStartTime" in feed
	assert first.quantity_shipped == 0, "nothing is applied before the feed is DONE"

	sim.state.clock.advance(30)
	feed = get_feed(client, feed_id, assert_valid)
	assert feed["processingStatus"] == "DONE"
	assert first.quantity_shipped == 1
	assert order.status in ("PARTIALLY_SHIPPED", "SHIPPED")
	package = order.packages[-1]
	assert (package.carrier_code, package.tracking_number, package.lines) == (
		"UPS",
		"1Z999AA10123456781",
		[(first.order_item_id, 1)],
	)

	report = result_report(client, feed, assert_valid, envelope_schema)
	assert report.document_transaction_id == feed_id and report.status_code == "Complete"
	assert (report.messages_processed, report.messages_successful, report.messages_with_error) == (1, 1, 0)
	assert report.results == []

	# Reading again never applies twice.
	sim.state.clock.advance(3600)
	forget_tokens()  # the access token expired with the jump; sp_api would keep using its cached one
	get_feed(client, feed_id, assert_valid)
	listed = client.get_feeds(feedTypes=[FEED_TYPE])
	assert_valid(MODEL, "GetFeedsResponse", listed.payload)
	assert first.quantity_shipped == 1 and len(order.packages) == 1


def test_result_document_is_raw_gzip_unless_content_encoding_is_asked(sim, sp_client, assert_valid) -> None:
	client = sp_client(Feeds)
	(order,) = unshipped_fbm(sim)
	feed_id = submit(
		client,
		sim,
		xmlfeeds.build_order_fulfillment_feed("A1SIMSELLER", [message(1, order, sim)]),
		assert_valid,
	)
	feed = run_to_end(client, sim, feed_id, assert_valid)
	plain = document_metadata(client, feed["resultFeedDocumentId"], assert_valid)
	raw = httpx.get(plain["url"])
	assert raw.status_code == 200 and "content-encoding" not in raw.headers
	assert raw.content[:2] == b"\x1f\x8b"
	assert b"<ProcessingReport>" in gzip.decompress(raw.content)
	encoded = document_metadata(
		client, feed["resultFeedDocumentId"], assert_valid, enableContentEncodingUrlHeader="true"
	)
	decoded = httpx.get(encoded["url"])  # httpx honours Content-Encoding: gzip and inflates
	assert decoded.headers["content-encoding"] == "gzip"
	assert b"<ProcessingReport>" in decoded.content


def test_per_message_errors_leave_those_orders_alone(sim, sp_client, assert_valid, envelope_schema) -> None:
	client = sp_client(Feeds)
	good, faulted, too_many, no_tracking = unshipped_fbm(sim, 4)
	fba = (
		next(o for o in sim.state.orders.values() if o.is_fba and o.status == "UNSHIPPED")
		if any(o.is_fba and o.status == "UNSHIPPED" for o in sim.state.orders.values())
		else None
	)
	sim.control.fail_next_feed(order_ids=[faulted.order_id], message="Order is locked for editing.")
	messages = [
		message(1, good, sim),
		message(2, faulted, sim),
		message(3, too_many, sim, items=[FulfillmentItem(too_many.items[0].order_item_id, quantity=99)]),
		message(4, no_tracking, sim, tracking_number=None),
		message(5, good, sim, amazon_order_id="111-0000000-0000000"),
	]
	if fba is not None:
		messages.append(message(6, fba, sim))
	body = xmlfeeds.build_order_fulfillment_feed(sim.state.seller_id, messages)
	assert_xsd_valid(envelope_schema, body)
	feed_id = submit(client, sim, body, assert_valid)
	feed = run_to_end(client, sim, feed_id, assert_valid)
	assert feed["processingStatus"] == "DONE"
	report = result_report(client, feed, assert_valid, envelope_schema)

	failed = {result.message_id: result for result in report.results}
	expected_failed = {2, 3, 4, 5} | ({6} if fba is not None else set())
	assert set(failed) == expected_failed
	assert report.messages_processed == len(messages)
	assert report.messages_with_error == len(expected_failed)
	assert report.messages_successful == len(messages) - len(expected_failed)
	assert (
		failed[2].description == "Order is locked for editing."
		and failed[2].amazon_order_id == faulted.order_id
	)
	assert failed[5].message_code == xmlfeeds.CODE_INVALID_ORDER_ID
	assert all(result.result_code == "Error" for result in report.results)
	assert good.status == "SHIPPED"
	for order in (faulted, too_many, no_tracking):
		assert order.status == "UNSHIPPED" and not order.packages
	# The fault was for one feed only.
	assert not sim.state.feeds_failures.order_ids


def test_unattributed_error_applies_nothing(sim, sp_client, assert_valid, envelope_schema) -> None:
	client = sp_client(Feeds)
	first, second = unshipped_fbm(sim, 2)
	sim.control.fail_next_feed(unattributed=True, message="Internal processing error, resubmit the feed.")
	body = xmlfeeds.build_order_fulfillment_feed(
		sim.state.seller_id, [message(1, first, sim), message(2, second, sim)]
	)
	feed = run_to_end(client, sim, submit(client, sim, body, assert_valid), assert_valid)
	assert feed["processingStatus"] == "DONE"
	report = result_report(client, feed, assert_valid, envelope_schema)
	assert (report.messages_processed, report.messages_successful, report.messages_with_error) == (2, 0, 2)
	assert [(r.message_id, r.description) for r in report.results] == [
		(0, "Internal processing error, resubmit the feed.")
	]
	assert first.status == second.status == "UNSHIPPED"


def test_malformed_xml_is_fatal(sim, sp_client, assert_valid, envelope_schema) -> None:
	client = sp_client(Feeds)
	feed_id = submit(
		client, sim, b"<?xml version='1.0'?><AmazonEnvelope><Header></AmazonEnvelope>", assert_valid
	)
	feed = run_to_end(client, sim, feed_id, assert_valid)
	assert feed["processingStatus"] == "FATAL"
	report = result_report(client, feed, assert_valid, envelope_schema)
	assert report.status_code == "Rejected"
	assert report.results[0].message_code == xmlfeeds.CODE_XML_PARSING_ERROR
	assert "XML Parsing Fatal Error" in report.results[0].description


def test_forced_fatal_applies_nothing(sim, sp_client, assert_valid) -> None:
	client = sp_client(Feeds)
	(order,) = unshipped_fbm(sim)
	httpx.post(
		f"{sim.url}/_sim/feeds/fatal-next", json={"message": "Feed processing aborted."}
	).raise_for_status()
	body = xmlfeeds.build_order_fulfillment_feed(sim.state.seller_id, [message(1, order, sim)])
	feed = run_to_end(client, sim, submit(client, sim, body, assert_valid), assert_valid)
	assert feed["processingStatus"] == "FATAL"
	assert order.status == "UNSHIPPED"
	# Only one feed was affected.
	body = xmlfeeds.build_order_fulfillment_feed(sim.state.seller_id, [message(1, order, sim)])
	assert (
		run_to_end(client, sim, submit(client, sim, body, assert_valid), assert_valid)["processingStatus"]
		== "DONE"
	)
	assert order.status == "SHIPPED"


def test_cancel_only_in_queue(sim, sp_client, assert_valid) -> None:
	client = sp_client(Feeds)
	first, second = unshipped_fbm(sim, 2)
	queued = submit(
		client,
		sim,
		xmlfeeds.build_order_fulfillment_feed("A1SIMSELLER", [message(1, first, sim)]),
		assert_valid,
	)
	client.cancel_feed(queued)
	assert get_feed(client, queued, assert_valid)["processingStatus"] == "CANCELLED"
	running = submit(
		client,
		sim,
		xmlfeeds.build_order_fulfillment_feed("A1SIMSELLER", [message(1, second, sim)]),
		assert_valid,
	)
	sim.state.clock.advance(40)
	with pytest.raises(SellingApiBadRequestException) as raised:
		client.cancel_feed(running)
	assert_valid(MODEL, "ErrorList", {"errors": raised.value.error})
	sim.state.clock.advance(60)
	assert get_feed(client, queued, assert_valid)["processingStatus"] == "CANCELLED"
	assert first.status == "UNSHIPPED" and second.status == "SHIPPED"
	with pytest.raises(SellingApiNotFoundException):
		client.get_feed("123")


def test_get_feeds_filters_and_pages(sim, sp_client, assert_valid) -> None:
	client = sp_client(Feeds)
	orders = unshipped_fbm(sim, 3)
	ids = [
		submit(
			client,
			sim,
			xmlfeeds.build_order_fulfillment_feed("A1SIMSELLER", [message(1, order, sim)]),
			assert_valid,
		)
		for order in orders
	]
	sim.state.clock.advance(61)  # all DONE
	fourth = submit(
		client,
		sim,
		xmlfeeds.build_order_fulfillment_feed("A1SIMSELLER", [message(1, orders[0], sim)]),
		assert_valid,
	)

	first_page = client.get_feeds(feedTypes=[FEED_TYPE], pageSize=2)
	body = dict(first_page.payload)
	assert first_page.next_token
	body["nextToken"] = first_page.next_token
	assert_valid(MODEL, "GetFeedsResponse", body)
	second_page = client.get_feeds(nextToken=first_page.next_token)
	assert_valid(MODEL, "GetFeedsResponse", second_page.payload)
	seen = [feed["feedId"] for feed in first_page.payload["feeds"] + second_page.payload["feeds"]]
	assert seen == [fourth, *reversed(ids)]  # newest first
	assert not second_page.next_token

	done = client.get_feeds(feedTypes=[FEED_TYPE], processingStatuses=["DONE"]).payload["feeds"]
	assert sorted(feed["feedId"] for feed in done) == sorted(ids)
	other_market = client.get_feeds(feedTypes=[FEED_TYPE], marketplaceIds=["A1PA6795UKMFR9"]).payload["feeds"]
	assert other_market == []
	with pytest.raises(SellingApiBadRequestException):
		client.get_feeds(marketplaceIds=["ATVPDKIKX0DER"])  # neither feedTypes nor nextToken
	with pytest.raises(SellingApiBadRequestException):
		client.get_feeds(nextToken=first_page.next_token, pageSize=5)


def test_create_feed_validation_and_upload_rules(sim, sp_client, assert_valid) -> None:
	client = sp_client(Feeds)
	document = client.create_feed_document(None, XML_CONTENT_TYPE)
	url = document.payload["url"]
	wrong = httpx.put(url, content=b"<x/>", headers={"Content-Type": "text/plain"})
	assert wrong.status_code == 403 and b"SignatureDoesNotMatch" in wrong.content
	right = httpx.put(url, content=b"<x/>", headers={"Content-Type": XML_CONTENT_TYPE})
	assert right.status_code == 200
	with pytest.raises(SellingApiBadRequestException):
		client.create_feed(
			"POST_NOT_A_FEED", document.payload["feedDocumentId"], marketplaceIds=["ATVPDKIKX0DER"]
		)
	with pytest.raises(SellingApiBadRequestException):
		client.create_feed(FEED_TYPE, "amzn1.tortuga.4.na.unknown", marketplaceIds=["ATVPDKIKX0DER"])
	# A feed whose document was never uploaded goes FATAL.
	empty = client.create_feed_document(None, XML_CONTENT_TYPE).payload["feedDocumentId"]
	feed_id = client.create_feed(FEED_TYPE, empty, marketplaceIds=["ATVPDKIKX0DER"]).payload["feedId"]
	assert run_to_end(client, sim, feed_id, assert_valid)["processingStatus"] == "FATAL"


def test_whole_order_and_carrier_name_only(sim, sp_client, assert_valid) -> None:
	"""No Item elements = every unshipped unit; CarrierName alone (the XSD's choice) = carrier "Other"."""
	client = sp_client(Feeds)
	(order,) = unshipped_fbm(sim)
	msg = message(1, order, sim, carrier_code=None, carrier_name="Local Courier GmbH", items=[])
	feed = run_to_end(
		client,
		sim,
		submit(client, sim, xmlfeeds.build_order_fulfillment_feed("A1SIMSELLER", [msg]), assert_valid),
		assert_valid,
	)
	assert feed["processingStatus"] == "DONE"
	assert order.status == "SHIPPED"
	assert (order.packages[-1].carrier_code, order.packages[-1].carrier_name) == (
		"Other",
		"Local Courier GmbH",
	)
	assert feeds_state(sim.state).feeds[feed["feedId"]].report.messages_successful == 1


# -- XML unit tests (no server) -------------------------------------------------------------------------


SAMPLE_ENVELOPE = b"""<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header>
    <DocumentVersion>1.01</DocumentVersion>
    <MerchantIdentifier>M_EXAMPLE_123456</MerchantIdentifier>
  </Header>
  <MessageType>OrderFulfillment</MessageType>
  <Message>
    <MessageID>1</MessageID>
    <OrderFulfillment>
      <AmazonOrderID>002-3275191-2204215</AmazonOrderID>
      <FulfillmentDate>2002-05-01T15:36:33-08:00</FulfillmentDate>
      <FulfillmentData>
        <CarrierCode>UPS</CarrierCode>
        <ShippingMethod>Second Day</ShippingMethod>
        <ShipperTrackingNumber>1234567890</ShipperTrackingNumber>
      </FulfillmentData>
      <Item>
        <AmazonOrderItemCode>12345678901234</AmazonOrderItemCode>
        <Quantity>2</Quantity>
      </Item>
    </OrderFulfillment>
  </Message>
</AmazonEnvelope>
"""


def test_sample_envelope_parses_and_validates(envelope_schema) -> None:
	assert_xsd_valid(envelope_schema, SAMPLE_ENVELOPE)
	parsed = xmlfeeds.parse_order_fulfillment_feed(SAMPLE_ENVELOPE)
	(msg,) = parsed.messages
	assert parsed.merchant_identifier == "M_EXAMPLE_123456"
	assert (msg.message_id, msg.amazon_order_id, msg.carrier_code, msg.tracking_number) == (
		1,
		"002-3275191-2204215",
		"UPS",
		"1234567890",
	)
	assert (
		msg.fulfillment_date is not None and msg.fulfillment_date.isoformat() == "2002-05-01T23:36:33+00:00"
	)
	assert [(i.amazon_order_item_code, i.quantity) for i in msg.items] == [("12345678901234", 2)]


def test_processing_report_with_unattributed_result_validates(envelope_schema) -> None:
	report = xmlfeeds.ProcessingReport(
		document_transaction_id="50001234567",
		status_code="Complete",
		messages_processed=3,
		messages_successful=1,
		messages_with_error=2,
		results=[
			xmlfeeds.ResultEntry(0, "Error", 5000, "The feed could not be processed."),
			xmlfeeds.ResultEntry(
				2,
				"Error",
				18028,
				"Order was not found.",
				amazon_order_id="111-1234567-1234567",
				amazon_order_item_code="12345678901234",
			),
		],
	)
	data = xmlfeeds.build_processing_report(report, "A1SIMSELLER")
	assert_xsd_valid(envelope_schema, data)
	assert xmlfeeds.parse_processing_report(data) == report


@pytest.mark.parametrize(
	"document",
	[
		b"not xml at all",
		b"<Other/>",
		b'<!DOCTYPE x [<!ENTITY a "b">]><AmazonEnvelope/>',
		b"<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier>"
		b"</Header><MessageType>Price</MessageType><Message><MessageID>1</MessageID></Message></AmazonEnvelope>",
	],
)
def test_parser_rejects_documents_it_cannot_process(document: bytes) -> None:
	with pytest.raises(xmlfeeds.FeedParseError):
		xmlfeeds.parse_order_fulfillment_feed(document)


def test_message_level_problems_do_not_reject_the_feed() -> None:
	document = SAMPLE_ENVELOPE.replace(b"2002-05-01T15:36:33-08:00", b"yesterday")
	(msg,) = xmlfeeds.parse_order_fulfillment_feed(document).messages
	assert msg.problem and "FulfillmentDate" in msg.problem
