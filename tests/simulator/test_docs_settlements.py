"""Settlements and Finances v0 through python-amazon-sp-api: V2 settlement totals equal the sum of their lines,
refunds, automatic and manual period closing, and finance events equal to the settlement (same ids, amounts)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sp_api.api import FinancesV0, Reports
from sp_api.base.exceptions import SellingApiBadRequestException

from amazon_integration.simulator.flatfiles import SETTLEMENT_COLUMNS, read_tsv
from amazon_integration.simulator.testing import forget_tokens

MODEL = "financesV0"
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
FIXED_START = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
CHARGE_DESCRIPTIONS = {"ShippingCharge": "Shipping"}


def control(sim: Any, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
	response = httpx.post(f"{sim.url}/_sim{path}", json=body or {})
	response.raise_for_status()
	return response.json()


def advance(sim: Any, seconds: float) -> None:
	sim.state.clock.advance(seconds)
	forget_tokens()  # long jumps expire access tokens; sp_api would keep its cached one


def settlement_documents(client: Reports, sim: Any) -> dict[str, tuple[dict[str, str], list[dict[str, str]]]]:
	"""Every V2 settlement report Amazon wrote, by settlement-id: (summary row, amount rows)."""
	reports = []
	token = None
	while True:
		if token:
			page = client.get_reports(nextToken=token)
		else:
			page = client.get_reports(
				reportTypes=[SETTLEMENT], pageSize=100, marketplaceIds=list(sim.state.marketplaces)
			)
		reports += page.payload["reports"]
		token = page.next_token
		if not token:
			break
	documents = {}
	for report in reports:
		text = client.get_report_document(report["reportDocumentId"], download=True).payload["document"]
		assert text.split("\n", 1)[0].split("\t") == list(SETTLEMENT_COLUMNS)
		summary, *lines = read_tsv(text)
		documents[summary["settlement-id"]] = (summary, lines)
	return documents


def all_events(
	client: FinancesV0, call: str, assert_valid: Any, *args: Any, **params: Any
) -> dict[str, list[Any]]:
	merged: dict[str, list[Any]] = {}
	token = None
	while True:
		extra = {"NextToken": token} if token else {}
		response = getattr(client, call)(*args, **params, **extra)
		assert_valid(MODEL, "ListFinancialEventsResponse", {"payload": response.payload})
		for name, events in response.payload["FinancialEvents"].items():
			merged.setdefault(name, []).extend(events)
		token = response.payload.get("NextToken")
		if not token:
			return merged


def finance_lines(events: dict[str, list[Any]]) -> Counter:
	"""(transaction-type, order-id, order-item-code, amount-type, amount-description, amount) of every amount."""
	lines: Counter = Counter()
	for kind, key, charge_list, fee_list, promo_list in (
		("Order", "ShipmentItemList", "ItemChargeList", "ItemFeeList", "PromotionList"),
		(
			"Refund",
			"ShipmentItemAdjustmentList",
			"ItemChargeAdjustmentList",
			"ItemFeeAdjustmentList",
			"PromotionAdjustmentList",
		),
	):
		for event in events.get("ShipmentEventList" if kind == "Order" else "RefundEventList", []):
			for item in event[key]:
				base = (kind, event["AmazonOrderId"], item["OrderItemId"])
				for charge in item.get(charge_list, []):
					description = CHARGE_DESCRIPTIONS.get(charge["ChargeType"], charge["ChargeType"])
					lines[
						base
						+ ("ItemPrice", description, Decimal(str(charge["ChargeAmount"]["CurrencyAmount"])))
					] += 1
				for fee in item.get(fee_list, []):
					lines[
						base + ("ItemFees", fee["FeeType"], Decimal(str(fee["FeeAmount"]["CurrencyAmount"])))
					] += 1
				for promotion in item.get(promo_list, []):
					description = (
						"Shipping" if promotion.get("PromotionId") == "SIM-FREESHIP" else "Principal"
					)
					lines[
						base
						+ (
							"Promotion",
							description,
							Decimal(str(promotion["PromotionAmount"]["CurrencyAmount"])),
						)
					] += 1
				for withheld in item.get("ItemTaxWithheldList", []):
					for tax in withheld["TaxesWithheld"]:
						lines[
							base
							+ (
								"ItemWithheldTax",
								tax["ChargeType"],
								Decimal(str(tax["ChargeAmount"]["CurrencyAmount"])),
							)
						] += 1
	for event in events.get("ServiceFeeEventList", []):
		for fee in event["FeeList"]:
			lines[
				(
					"other-transaction",
					"",
					"",
					"other-transaction",
					event["FeeDescription"],
					Decimal(str(fee["FeeAmount"]["CurrencyAmount"])),
				)
			] += 1
	return lines


def report_lines(lines: list[dict[str, str]]) -> Counter:
	return Counter(
		(
			line["transaction-type"],
			line["order-id"],
			line["order-item-code"],
			line["amount-type"],
			line["amount-description"],
			Decimal(line["amount"]),
		)
		for line in lines
	)


def test_settlement_and_finances_agree(sim, sp_client, assert_valid) -> None:
	state = sim.state
	fbm = next(
		o
		for o in state.orders.values()
		if o.fulfilled_by == "MERCHANT" and o.status == "UNSHIPPED" and o.currency == "USD"
	)
	fba = next(
		(o for o in state.orders.values() if o.is_fba and o.status == "UNSHIPPED" and o.currency == "USD"),
		None,
	)
	if fba is None:
		view = sim.control.create_order(
			marketplace_id="ATVPDKIKX0DER",
			fulfilled_by="AMAZON",
			items=[{"sku": "SIM-MUG-001", "quantity": 2}],
		)
		fba = state.orders[view["order_id"]]
	state.apply_shipment(
		fbm.order_id,
		[(i.order_item_id, i.quantity) for i in fbm.items],
		"USPS",
		None,
		"9400111",
		state.clock.now(),
	)
	sim.control.ship_fba(fba.order_id)
	advance(sim, 60)
	refund_item = fbm.items[0]
	refunded = control(
		sim,
		f"/orders/{fbm.order_id}/refund",
		{"items": [{"orderItemId": refund_item.order_item_id, "quantity": 1}]},
	)
	assert Decimal(refunded["amount"]) < 0
	advance(sim, 60)
	(closed, *_) = [s for s in control(sim, "/settlements/close", {"currency": "USD"})["closed"]]
	settlement_id = closed["settlementId"]
	advance(sim, 180)  # finance queries must end two minutes before now

	reports = sp_client(Reports)
	summary, lines = settlement_documents(reports, sim)[settlement_id]
	assert summary["currency"] == "USD"
	total = Decimal(summary["total-amount"])
	assert (
		total
		== sum((Decimal(line["amount"]) for line in lines), Decimal(0))
		== Decimal(closed["totalAmount"])
	)
	kinds = {(line["transaction-type"], line["amount-type"], line["amount-description"]) for line in lines}
	assert ("Order", "ItemPrice", "Principal") in kinds and ("Order", "ItemFees", "Commission") in kinds
	assert ("Order", "ItemFees", "FBAPerUnitFulfillmentFee") in kinds
	assert ("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal") in kinds  # US: facilitator tax
	assert ("Refund", "ItemPrice", "Principal") in kinds and (
		"Refund",
		"ItemFees",
		"RefundCommission",
	) in kinds
	assert ("other-transaction", "other-transaction", "Subscription Fee") in kinds
	refund_lines = [line for line in lines if line["transaction-type"] == "Refund"]
	assert {line["adjustment-id"] for line in refund_lines} == {refunded["adjustmentId"]}
	assert sum((Decimal(line["amount"]) for line in refund_lines), Decimal(0)) == Decimal(refunded["amount"])
	fbm_principal = [
		line
		for line in lines
		if line["order-id"] == fbm.order_id
		and line["transaction-type"] == "Order"
		and (line["amount-type"], line["amount-description"]) == ("ItemPrice", "Principal")
	]
	assert sum(Decimal(line["amount"]) for line in fbm_principal) == sum(i.item_price for i in fbm.items)
	assert all(line["fulfillment-id"] == "MFN" for line in fbm_principal)

	finances = sp_client(FinancesV0)
	groups = finances.list_financial_event_groups(MaxResultsPerPage=100)
	assert_valid(MODEL, "ListFinancialEventGroupsResponse", {"payload": groups.payload})
	group = next(
		g for g in groups.payload["FinancialEventGroupList"] if g["FinancialEventGroupId"] == settlement_id
	)
	assert group["ProcessingStatus"] == "Closed"
	assert Decimal(str(group["OriginalTotal"]["CurrencyAmount"])) == total
	assert group["OriginalTotal"]["CurrencyCode"] == "USD"
	assert group["FundTransferDate"].startswith(summary["deposit-date"][:10])

	events = all_events(
		finances, "list_financial_events_by_group_id", assert_valid, settlement_id, MaxResultsPerPage=3
	)
	assert finance_lines(events) == report_lines(lines)

	by_order = all_events(finances, "get_financial_events_for_order", assert_valid, fbm.order_id)
	assert len(by_order["ShipmentEventList"]) == 1 and len(by_order["RefundEventList"]) == 1
	by_date = all_events(
		finances,
		"list_financial_events",
		assert_valid,
		PostedAfter=(state.clock.now() - timedelta(days=30)).isoformat(),
	)
	assert (
		finance_lines(events) - finance_lines(by_date) == Counter()
	)  # the group's events are all in the range


def test_every_settlement_total_is_the_sum_of_its_lines_and_groups_match(
	sim, sp_client, assert_valid
) -> None:
	control(sim, "/settlements/close")
	advance(sim, 180)
	finances = sp_client(FinancesV0)
	reports = sp_client(Reports)
	groups = finances.list_financial_event_groups(MaxResultsPerPage=100).payload["FinancialEventGroupList"]
	closed = [group for group in groups if group["ProcessingStatus"] == "Closed"]
	assert len(closed) >= len({g["OriginalTotal"]["CurrencyCode"] for g in groups})
	documents = settlement_documents(reports, sim)
	assert len(documents) == len(closed)
	for group in closed:
		summary, lines = documents[group["FinancialEventGroupId"]]
		total = Decimal(summary["total-amount"])
		assert sum((Decimal(line["amount"]) for line in lines), Decimal(0)) == total
		assert Decimal(str(group["OriginalTotal"]["CurrencyAmount"])) == total
		assert summary["currency"] == group["OriginalTotal"]["CurrencyCode"]


def test_periods_close_by_themselves(sim_factory) -> None:
	sim = sim_factory(start=FIXED_START)
	control(sim, "/settlements/config", {"period_days": 1})
	before = {
		s["settlementId"]
		for s in httpx.get(f"{sim.url}/_sim/settlements").json()["settlements"]
		if not s["open"]
	}
	advance(sim, 2 * 86400 + 60)
	after = httpx.get(f"{sim.url}/_sim/settlements").json()["settlements"]
	newly_closed = [s for s in after if not s["open"] and s["settlementId"] not in before]
	currencies = {s["currency"] for s in after if s["open"]}
	assert len(newly_closed) >= 2 * len(currencies)  # two 1-day periods per currency
	for settlement in newly_closed:
		end = datetime.fromisoformat(settlement["end"])
		start = datetime.fromisoformat(settlement["start"])
		assert end - start == timedelta(days=1)


def test_settlements_are_deterministic_from_the_seed(sim_factory) -> None:
	def snapshot() -> list[tuple[str, str, str, str]]:
		sim = sim_factory(start=FIXED_START, time_scale=0)
		rows = httpx.get(f"{sim.url}/_sim/settlements").json()["settlements"]
		return [(s["settlementId"], s["currency"], s["start"], s["totalAmount"]) for s in rows]

	first, second = snapshot(), snapshot()
	assert first == second and len(first) > 5


def test_finance_rules(sim, sp_client, assert_valid) -> None:
	finances = sp_client(FinancesV0)
	now = sim.state.clock.now()
	with pytest.raises(SellingApiBadRequestException) as raised:
		finances.list_financial_events(
			PostedAfter=(now - timedelta(days=1)).isoformat(), PostedBefore=now.isoformat()
		)
	assert_valid(MODEL, "ListFinancialEventsResponse", {"errors": raised.value.error})
	with pytest.raises(SellingApiBadRequestException):
		finances.list_financial_events(PostedBefore=(now - timedelta(hours=1)).isoformat())
	with pytest.raises(SellingApiBadRequestException):
		finances.list_financial_event_groups(FinancialEventGroupStartedAfter=now.isoformat())
	page = finances.list_financial_events(
		PostedAfter=(now - timedelta(days=30)).isoformat(), MaxResultsPerPage=1
	)
	token = page.payload["NextToken"]
	with pytest.raises(SellingApiBadRequestException):  # the token goes with the same arguments
		finances.list_financial_events(
			PostedAfter=(now - timedelta(days=29)).isoformat(), MaxResultsPerPage=1, NextToken=token
		)


def test_refund_control_rules(sim) -> None:
	state = sim.state
	unshipped = next(o for o in state.orders.values() if o.status == "UNSHIPPED")
	response = httpx.post(f"{sim.url}/_sim/orders/{unshipped.order_id}/refund", json={})
	assert response.status_code == 400
	assert httpx.post(f"{sim.url}/_sim/orders/999-0000000-0000000/refund", json={}).status_code == 404
	shipped = next(o for o in state.orders.values() if o.status == "SHIPPED" and o.items[0].quantity_shipped)
	item = shipped.items[0]
	too_many = {"items": [{"orderItemId": item.order_item_id, "quantity": item.quantity_shipped + 1}]}
	assert httpx.post(f"{sim.url}/_sim/orders/{shipped.order_id}/refund", json=too_many).status_code == 400
	everything = control(sim, f"/orders/{shipped.order_id}/refund")
	assert Decimal(everything["amount"]) < 0
	assert httpx.post(f"{sim.url}/_sim/orders/{shipped.order_id}/refund", json={}).status_code == 400
