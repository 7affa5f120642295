"""Reports 2021-06-30 through python-amazon-sp-api: the all-orders flat file (gzip'd document) and the V2
settlement reports Amazon writes by itself (plain document); JSON checked against reports_2021-06-30.json."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sp_api.api import Reports
from sp_api.base import fill_query_params
from sp_api.base.exceptions import SellingApiBadRequestException, SellingApiNotFoundException

from amazon_integration.simulator.flatfiles import ORDERS_REPORT_COLUMNS, SETTLEMENT_COLUMNS, read_tsv
from amazon_integration.simulator.money import fmt

MODEL = "reports_2021-06-30"
ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
US = "ATVPDKIKX0DER"


def report_of(client: Reports, report_id: str, assert_valid: Any) -> dict[str, Any]:
	report = client.get_report(report_id).payload
	assert_valid(MODEL, "Report", report)
	return report


def metadata(client: Reports, document_id: str, assert_valid: Any) -> dict[str, Any]:
	response = client.get_report_document(document_id)
	assert_valid(MODEL, "ReportDocument", response.payload)
	return response.payload


def test_orders_report_content(sim, sp_client, assert_valid) -> None:
	client = sp_client(Reports)
	now = sim.state.clock.now()
	start = now - timedelta(days=2)
	created = client.create_report(
		reportType=ORDERS, dataStartTime=start, dataEndTime=now, marketplaceIds=[US]
	)
	assert_valid(MODEL, "CreateReportResponse", created.payload)
	report_id = created.payload["reportId"]
	assert report_of(client, report_id, assert_valid)["processingStatus"] == "IN_QUEUE"
	sim.state.clock.advance(20)
	assert report_of(client, report_id, assert_valid)["processingStatus"] == "IN_PROGRESS"
	sim.state.clock.advance(30)
	report = report_of(client, report_id, assert_valid)
	assert report["processingStatus"] == "DONE"

	assert metadata(client, report["reportDocumentId"], assert_valid)["compressionAlgorithm"] == "GZIP"
	document = client.get_report_document(report["reportDocumentId"], download=True)
	assert document.character_code.lower() == "utf-8"
	text = document.payload["document"]
	assert text.split("\n", 1)[0].split("\t") == list(ORDERS_REPORT_COLUMNS)
	rows = read_tsv(text)

	expected = [
		order
		for order in sim.state.orders.values()
		if order.marketplace_id == US and start <= order.last_updated <= now
	]
	assert expected, "the seeded data should have recent US orders"
	assert [row["amazon-order-id"] for row in rows] == [
		order.order_id
		for order in sorted(expected, key=lambda o: (o.created, o.order_id))
		for _ in order.items
	]
	by_key = {(row["amazon-order-id"], row["sku"]): row for row in rows}
	for order in expected:
		for item in order.items:
			row = by_key[(order.order_id, item.sku)]
			assert row["currency"] == "USD" and row["sales-channel"] == "Amazon.com"
			assert row["fulfillment-channel"] == ("Amazon" if order.is_fba else "Merchant")
			assert row["quantity"] == str(item.quantity)
			if order.status == "PENDING":
				assert row["item-price"] == ""
			else:
				assert row["item-price"] == fmt(item.item_price, "USD")
				assert row["item-tax"] == fmt(item.item_tax, "USD")
				assert Decimal(row["item-promotion-discount"]) == -item.promotion_discount
			assert row["ship-postal-code"] == order.address.postal_code
			assert order.buyer.name not in text and order.address.address_line1 not in text  # no PII lines


def test_orders_report_streams_to_a_file(sim, sp_client, assert_valid) -> None:
	client = sp_client(Reports)
	report_id = client.create_report(reportType=ORDERS, marketplaceIds=[US]).payload["reportId"]
	sim.state.clock.advance(60)
	document_id = report_of(client, report_id, assert_valid)["reportDocumentId"]
	target = io.StringIO()
	client.get_report_document(document_id, file=target, stream=True)
	assert target.getvalue().startswith("amazon-order-id\tmerchant-order-id\t")
	raw = httpx.get(metadata(client, document_id, assert_valid)["url"])
	assert "content-encoding" not in raw.headers and raw.content[:2] == b"\x1f\x8b"


def test_empty_report_is_cancelled_and_cancel_rules(sim, sp_client, assert_valid) -> None:
	client = sp_client(Reports)
	now = sim.state.clock.now()
	empty = client.create_report(
		reportType=ORDERS,
		dataStartTime=now - timedelta(days=400),
		dataEndTime=now - timedelta(days=399),
		marketplaceIds=[US],
	).payload["reportId"]
	queued = client.create_report(reportType=ORDERS, marketplaceIds=[US]).payload["reportId"]
	client.cancel_report(queued)
	sim.state.clock.advance(60)
	assert report_of(client, empty, assert_valid)["processingStatus"] == "CANCELLED"
	cancelled = report_of(client, queued, assert_valid)
	assert cancelled["processingStatus"] == "CANCELLED" and "reportDocumentId" not in cancelled
	with pytest.raises(SellingApiBadRequestException) as raised:
		client.cancel_report(empty)
	assert_valid(MODEL, "ErrorList", {"errors": raised.value.error})
	with pytest.raises(SellingApiNotFoundException):
		client.get_report("1")
	with pytest.raises(SellingApiBadRequestException):
		client.create_report(reportType=SETTLEMENT, marketplaceIds=[US])  # Amazon generates those itself
	with pytest.raises(SellingApiBadRequestException):
		client.create_report(reportType="GET_NOT_A_REPORT", marketplaceIds=[US])
	listed = client.get_reports(reportTypes=[ORDERS], processingStatuses=["CANCELLED"])
	assert_valid(MODEL, "GetReportsResponse", listed.payload)
	assert {r["reportId"] for r in listed.payload["reports"]} == {empty, queued}


def test_settlement_reports_are_listed_and_add_up(sim, sp_client, assert_valid) -> None:
	client = sp_client(Reports)
	listed = client.get_reports(reportTypes=[SETTLEMENT], pageSize=1)
	assert_valid(
		MODEL,
		"GetReportsResponse",
		{**listed.payload, **({"nextToken": listed.next_token} if listed.next_token else {})},
	)
	reports = list(listed.payload["reports"])
	token = listed.next_token
	while token:
		page = client.get_reports(nextToken=token)
		reports += page.payload["reports"]
		token = page.next_token
	assert reports, "a fresh simulator has back-filled settlements (the US marketplace sells every day)"
	for report in reports:
		assert_valid(MODEL, "Report", report)
		assert report["processingStatus"] == "DONE" and report["reportType"] == SETTLEMENT
		meta = metadata(client, report["reportDocumentId"], assert_valid)
		assert "compressionAlgorithm" not in meta
		text = client.get_report_document(report["reportDocumentId"], download=True).payload["document"]
		assert text.split("\n", 1)[0].split("\t") == list(SETTLEMENT_COLUMNS)
		summary, *lines = read_tsv(text)
		assert summary["settlement-id"] and summary["total-amount"] and summary["transaction-type"] == ""
		assert all(
			line["settlement-id"] == summary["settlement-id"] and line["total-amount"] == "" for line in lines
		)
		assert sum((Decimal(line["amount"]) for line in lines), Decimal(0)) == Decimal(
			summary["total-amount"]
		)
		assert report["dataStartTime"].startswith(summary["settlement-start-date"][:10])


def test_report_document_of_another_kind_is_not_found(sim, sp_client) -> None:
	client = sp_client(Reports)
	with pytest.raises(SellingApiNotFoundException):
		client._request(
			fill_query_params("/reports/2021-06-30/documents/{}", "amzn1.spdoc.1.4.na.nope"),
			add_marketplace=False,
		)
