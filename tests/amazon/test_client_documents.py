"""Feeds, reports, finances and FBA inventory end to end through AmazonClient against the simulator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from amazon_integration.amazon import (
	REPORT_ORDERS_BY_LAST_UPDATE,
	REPORT_SETTLEMENT_V2,
	Feed,
	Report,
	read_flat_file,
)

US = "ATVPDKIKX0DER"
CARRIER = "Über Express ☃ 日本"  # not Latin-1: proves the bytes travel as UTF-8


def _wait_until(sim, read: Callable[[], Any], done: Callable[[Any], bool], step: float = 10.0, limit: int = 100) -> Any:
	for _ in range(limit):
		value = read()
		if done(value):
			return value
		sim.clock.advance(step)
	raise AssertionError(f"still not done: {value!r}")


def _unshipped_fbm_order(sim, client) -> tuple[str, list[tuple[str, int]]]:
	skus = [item["sku"] for item in sim.control.catalogue() if "USD" in item["prices"]][:2]
	created = sim.control.create_order(
		marketplace_id=US, fulfilled_by="MERCHANT", items=[{"sku": sku, "quantity": 1} for sku in skus]
	)
	return created["order_id"], [(item["order_item_id"], item["quantity"]) for item in created["items"]]


def _fulfillment_feed(seller_id: str, messages: list[tuple[int, str, list[tuple[str, int]]]], when: str) -> bytes:
	body = "".join(
		f"""<Message><MessageID>{message_id}</MessageID><OrderFulfillment>
<AmazonOrderID>{order_id}</AmazonOrderID><FulfillmentDate>{when}</FulfillmentDate>
<FulfillmentData><CarrierName>{CARRIER}</CarrierName><ShippingMethod>Standard</ShippingMethod>
<ShipperTrackingNumber>TRK{message_id}</ShipperTrackingNumber></FulfillmentData>
{"".join(f"<Item><AmazonOrderItemCode>{i}</AmazonOrderItemCode><Quantity>{q}</Quantity></Item>" for i, q in lines)}
</OrderFulfillment></Message>"""
		for message_id, order_id, lines in messages
	)
	return (
		'<?xml version="1.0" encoding="UTF-8"?>\n'
		'<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">'
		f"<Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>{seller_id}</MerchantIdentifier></Header>"
		f"<MessageType>OrderFulfillment</MessageType>{body}</AmazonEnvelope>"
	).encode()


def test_feed_end_to_end(sim, gateway) -> None:
	client = gateway(sim)
	good_order, good_lines = _unshipped_fbm_order(sim, client)
	bad_order, bad_lines = _unshipped_fbm_order(sim, client)
	sim.control.fail_next_feed(order_ids=[bad_order], message="Simulated rejection.")
	when = (sim.clock.now() - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
	content = _fulfillment_feed(sim.state.seller_id, [(1, good_order, good_lines), (2, bad_order, bad_lines)], when)

	feed_id = client.submit_feed("POST_ORDER_FULFILLMENT_DATA", content)
	from amazon_integration.simulator.feeds import documents

	with sim.state.lock:
		uploaded = [d.data for d in documents(sim.state).documents.values() if d.uploadable]
	assert uploaded == [content]  # byte for byte, UTF-8

	feed = _wait_until(sim, lambda: client.get_feed(feed_id), lambda f: f.is_finished)
	assert isinstance(feed, Feed) and feed.status == "DONE" and feed.result_document_id
	report = client.get_feed_result(feed)
	assert report.status_code == "Complete"
	assert (report.messages_processed, report.messages_successful, report.messages_with_error) == (2, 1, 1)
	(failure,) = report.results
	assert failure.message_id == 2 and failure.is_error and failure.description == "Simulated rejection."
	assert report.results_for(1) == ()
	with sim.state.lock:
		package = sim.state.orders[good_order].packages[0]
	assert package.carrier_name == CARRIER
	ops = client.metrics.snapshot()
	assert {"createFeedDocument", "uploadFeedDocument", "createFeed", "getFeed", "getFeedDocument", "downloadDocument"} <= set(ops)


def test_feed_result_with_unattributed_error(sim, gateway) -> None:
	client = gateway(sim)
	order_id, lines = _unshipped_fbm_order(sim, client)
	sim.control.fail_next_feed(unattributed=True, message="Feed rejected as a whole.")
	when = (sim.clock.now() - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
	feed_id = client.submit_feed(
		"POST_ORDER_FULFILLMENT_DATA", _fulfillment_feed(sim.state.seller_id, [(1, order_id, lines)], when).decode("utf-8")
	)
	feed = client.wait_for_feed(feed_id, interval=10)
	report = client.get_feed_result(feed_id)
	assert feed.status == "DONE" and report.messages_with_error == 1
	assert [r.message_id for r in report.results] == [None] and report.unattributed[0].description == "Feed rejected as a whole."


def test_orders_report_streamed(sim, gateway) -> None:
	client = gateway(sim)
	start = sim.clock.now() - timedelta(days=10)
	report_id = client.create_report(REPORT_ORDERS_BY_LAST_UPDATE, start=start, end=sim.clock.now())
	report = client.wait_for_report(report_id, interval=10)  # the client's sleep advances the simulated clock
	assert isinstance(report, Report) and report.status == "DONE" and report.document_id
	with client.open_report_document(report.document_id) as lines:
		rows = list(read_flat_file(lines))
	with sim.state.lock:
		expected_items = sum(
			len(o.items) for o in sim.state.orders.values()
			if o.marketplace_id == US and start <= o.last_updated <= report.data_end + timedelta(seconds=1)
		)
	assert rows and "amazon-order-id" in rows[0] and "sku" in rows[0]
	assert len(rows) == expected_items
	assert client.metrics.snapshot()["getReportDocument"].calls == 1


def test_settlement_report_listed_and_streamed(sim, gateway) -> None:
	client = gateway(sim)
	httpx.post(f"{sim.url}/_sim/settlements/close", json={}).raise_for_status()
	reports = list(client.list_reports([REPORT_SETTLEMENT_V2], page_size=1))
	assert reports and all(r.report_type == REPORT_SETTLEMENT_V2 and r.document_id for r in reports)
	assert client.metrics.snapshot()["getReports"].calls >= len(reports)  # one per page
	with client.open_report_document(reports[0].document_id) as lines:
		rows = list(read_flat_file(lines))
	summary = rows[0]
	assert summary["settlement-id"] and summary["total-amount"]
	Decimal(summary["total-amount"])  # parses as an exact amount


def test_finances(sim, gateway) -> None:
	client = gateway(sim)
	httpx.post(f"{sim.url}/_sim/settlements/close", json={}).raise_for_status()
	groups = list(client.list_financial_event_groups(sim.clock.now() - timedelta(days=90), page_size=1))
	assert groups and all(isinstance(g.original_total, Decimal) for g in groups if g.original_total is not None)
	closed = next(g for g in groups if g.is_closed)
	events = list(client.list_financial_events(group_id=closed.group_id, page_size=5))
	assert events and any(e.kind == "Shipment" for e in events)
	shipment = next(e for e in events if e.kind == "Shipment" and e.items)
	assert all(isinstance(c.amount, Decimal) for item in shipment.items for c in item.charges + item.fees)
	by_order = list(client.list_financial_events(order_id=shipment.order_id))
	assert any(e.order_id == shipment.order_id for e in by_order)
	windowed = list(client.list_financial_events(posted_after=sim.clock.now() - timedelta(days=30)))
	assert windowed


def test_inventory_summaries(sim, gateway) -> None:
	client = gateway(sim)
	summaries = list(client.inventory_summaries(US))
	skus = [s.sku for s in summaries]
	assert summaries and len(skus) == len(set(skus))
	assert all(s.total >= s.fulfillable >= 0 for s in summaries)
	chosen = skus[:3]
	assert sorted(s.sku for s in client.inventory_summaries(US, chosen)) == sorted(chosen)


def test_refused_document_url_is_renewed_once(sim, gateway, monkeypatch) -> None:
	from amazon_integration.amazon import AuthError

	client = gateway(sim)
	httpx.post(f"{sim.url}/_sim/settlements/close", json={}).raise_for_status()
	report = next(iter(client.list_reports([REPORT_SETTLEMENT_V2])))
	real_open = client._open_stream
	opened: list[str] = []

	def expired_first(url: str):
		opened.append(url)
		if len(opened) == 1:  # as S3 answers a presigned URL that has expired
			raise AuthError("Request has expired", code="AccessDenied", status=403)
		return real_open(url)

	monkeypatch.setattr(client, "_open_stream", expired_first)
	with client.open_report_document(report.document_id) as lines:
		assert next(iter(lines)).startswith("settlement-id")
	assert len(opened) == 2 and client.metrics.snapshot()["getReportDocument"].calls == 2
