"""The V2 settlement report parser: the simulator's reports downloaded through the gateway, a hand-written
Amazon.de sample with every amount type (decimal commas, dd.mm.yyyy dates, refunds, other transactions, an
unknown amount type), the errors a broken file gives, and the benchmark's generator at a small size."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from amazon_integration.amazon import (
	REPORT_SETTLEMENT_V2,
	AccountConfig,
	AmazonClient,
	LwaCredentials,
	MemoryQuotaStore,
)
from amazon_integration.amazon.auth import TokenCache
from amazon_integration.devtools.benchmarks import settlement_parser as bench
from amazon_integration.simulator import settlements as sim_settlements
from amazon_integration.domain.settlements import (
	COLUMNS,
	LineKind,
	OrderAmounts,
	SettlementParseError,
	SettlementTotalMismatchError,
	check_total,
	classify,
	line_key,
	parse_amount,
	parse_date,
	parse_settlement,
	read_settlement,
	summarize,
)

SAMPLE = Path(__file__).parent / "data" / "settlement_sample.tsv"
US = "ATVPDKIKX0DER"
ORDER_A = "302-1111111-1111111"
ORDER_B = "302-2222222-2222222"

# What the simulator writes (amount-type, amount-description) -> the OrderAmounts field it must land in.
SIM_FIELD = {
	("ItemPrice", "Principal"): "principal",
	("ItemPrice", "Shipping"): "shipping",
	("ItemPrice", "GiftWrap"): "gift_wrap",
	("ItemPrice", "Tax"): "tax",
	("ItemPrice", "ShippingTax"): "tax",
	("ItemPrice", "GiftWrapTax"): "tax",
	("Promotion", "Principal"): "promotion",
	("Promotion", "Shipping"): "promotion",
}


def sample_lines() -> list[str]:
	return SAMPLE.read_text(encoding="utf-8").split("\n")


def edited(line_no: int, column: str, value: str) -> list[str]:
	"""The sample with one cell replaced (line_no as in the file: header = 1)."""
	lines = sample_lines()
	cells = lines[line_no - 1].split("\t")
	cells[COLUMNS.index(column)] = value
	lines[line_no - 1] = "\t".join(cells)
	return lines


# -- (a) the simulator's settlement reports, through the gateway ---------------------------------------


def gateway_client(sim: Any) -> AmazonClient:
	config = AccountConfig(
		seller_id=sim.state.seller_id,
		region="NA",
		marketplace_ids=(US,),
		credentials=LwaCredentials(
			"amzn1.application-oa2-client.settlements",
			"amzn1.oa2-cs.v1.SETTLEMENT-TEST",
			"Atzr|SETTLEMENT-TEST",
		),
		endpoint=sim.url,
		timeout=5.0,
		retry_deadline=600.0,
	)

	def sleep(seconds: float) -> None:
		if seconds > 0:
			sim.clock.advance(seconds)

	return AmazonClient(
		config,
		MemoryQuotaStore(),
		clock=lambda: sim.clock.now().timestamp(),
		sleep=sleep,
		token_cache=TokenCache(),
	)


def expected_amounts(settlement: sim_settlements.Settlement) -> tuple[dict, dict, Counter, int]:
	"""From the simulator's own ledger: per-order fields (charges, refunds), other-transaction sums, line count."""
	orders: dict[str, Counter] = {}
	refunds: dict[str, Counter] = {}
	other: Counter = Counter()
	count = 0
	for event in settlement.events:
		for item in event.items:
			book = refunds if event.transaction_type == "Refund" else orders
			fields = book.setdefault(event.order_id, Counter())
			for amount in item.amounts:
				count += 1
				if amount.amount_type == "ItemFees":
					name = "fee"
				elif amount.amount_type == "ItemWithheldTax":
					name = "withheld_tax"
				else:
					name = SIM_FIELD[(amount.amount_type, amount.description)]
				fields[name] += amount.amount
		for amount in event.other:
			count += 1
			other[amount.description] += amount.amount
	return orders, refunds, other, count


def assert_order_amounts(actual: OrderAmounts, expected: Counter) -> None:
	for name in ("principal", "shipping", "gift_wrap", "tax", "withheld_tax", "promotion", "fee"):
		assert getattr(actual, name) == expected.get(name, Decimal(0)), (actual.order_id, name)
	assert actual.other == 0


def test_simulator_settlements_downloaded_through_the_gateway(sim) -> None:
	state = sim.state
	shipped = next(o for o in state.orders.values() if o.status == "SHIPPED" and o.items[0].quantity_shipped)
	refund = httpx.post(f"{sim.url}/_sim/orders/{shipped.order_id}/refund", json={})
	refund.raise_for_status()
	closed = httpx.post(f"{sim.url}/_sim/settlements/close", json={}).json()["closed"]
	assert closed
	ledger = sim_settlements.sync(state)
	expected = {s.settlement_id: s for s in ledger.settlements if not s.is_open}

	client = gateway_client(sim)
	try:
		reports = list(client.list_reports([REPORT_SETTLEMENT_V2], marketplace_ids=list(state.marketplaces)))
		assert {report.report_type for report in reports} == {REPORT_SETTLEMENT_V2}
		parsed = {}
		for report in reports:
			assert report.document_id
			with client.open_report_document(report.document_id) as lines:
				settlement = parse_settlement(lines)
				summary = summarize(settlement.lines)
			check_total(settlement.header, summary)
			parsed[settlement.header.settlement_id] = (settlement.header, summary)
	finally:
		client.close()

	assert set(parsed) == set(expected)
	currencies = set()
	for settlement_id, (header, summary) in parsed.items():
		own = expected[settlement_id]
		currencies.add(header.currency)
		assert header.currency == own.currency
		assert (header.start, header.end, header.deposit_date) == (own.start, own.end, own.deposit_date)
		assert header.total == summary.total == own.total
		orders, refunds, other, count = expected_amounts(own)
		assert summary.line_count == count
		assert set(summary.orders) == set(orders) and set(summary.refunds) == set(refunds)
		for order_id, fields in orders.items():
			assert_order_amounts(summary.orders[order_id], fields)
		for order_id, fields in refunds.items():
			assert_order_amounts(summary.refunds[order_id], fields)
		assert {(o.amount_description, o.kind): o.amount for o in summary.other} == {
			(description, LineKind.OTHER_TRANSACTION): amount for description, amount in other.items()
		}
		assert not summary.unknown and LineKind.UNKNOWN not in summary.by_kind
	assert {"USD", "JPY", "EUR"} <= currencies
	refunded = next(s for s in parsed.values() if shipped.order_id in s[1].refunds)[1].refunds[
		shipped.order_id
	]
	assert refunded.principal < 0 and refunded.total == Decimal(refund.json()["amount"])


# -- (b) the hand-written sample ----------------------------------------------------------------------


def test_sample_header_and_every_line_kind() -> None:
	with open(SAMPLE, encoding="utf-8") as source:
		settlement = parse_settlement(source)
		lines = list(settlement.lines)
	header = settlement.header
	assert header.settlement_id == "24680135791"
	assert header.currency == "EUR"
	assert header.start == datetime(2026, 11, 1, tzinfo=timezone.utc)
	assert header.end == datetime(2026, 11, 15, tzinfo=timezone.utc)
	assert header.deposit_date == datetime(2026, 11, 17, tzinfo=timezone.utc)
	assert header.total == Decimal("-566.63")
	assert [line.line_no for line in lines] == list(range(3, 44))

	kinds = {(line.transaction_type, line.amount_type, line.amount_description): line.kind for line in lines}
	assert kinds == {
		("Order", "ItemPrice", "Principal"): LineKind.PRINCIPAL,
		("Order", "ItemPrice", "Tax"): LineKind.TAX,
		("Order", "ItemPrice", "Shipping"): LineKind.SHIPPING,
		("Order", "ItemPrice", "ShippingTax"): LineKind.TAX,
		("Order", "ItemPrice", "GiftWrap"): LineKind.GIFT_WRAP,
		("Order", "ItemPrice", "GiftWrapTax"): LineKind.TAX,
		(
			"Order",
			"ItemWithheldTax",
			"MarketplaceFacilitatorTax-Principal",
		): LineKind.MARKETPLACE_WITHHELD_TAX,
		("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping"): LineKind.MARKETPLACE_WITHHELD_TAX,
		("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Giftwrap"): LineKind.MARKETPLACE_WITHHELD_TAX,
		("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Other"): LineKind.MARKETPLACE_WITHHELD_TAX,
		(
			"Order",
			"ItemWithheldTax",
			"MarketplaceFacilitatorVAT-Principal",
		): LineKind.MARKETPLACE_WITHHELD_TAX,
		("Order", "Promotion", "Principal"): LineKind.PROMOTION,
		("Order", "Promotion", "Shipping"): LineKind.PROMOTION,
		("Order", "ItemFees", "Commission"): LineKind.FEE,
		("Order", "ItemFees", "FBAPerUnitFulfillmentFee"): LineKind.FEE,
		("Order", "ItemFees", "FBAPerOrderFulfillmentFee"): LineKind.FEE,
		("Order", "ItemFees", "FBAWeightBasedFee"): LineKind.FEE,
		("Order", "ItemFees", "ShippingChargeback"): LineKind.FEE,
		("Order", "ItemFees", "GiftwrapChargeback"): LineKind.FEE,
		("Order", "ItemFees", "VariableClosingFee"): LineKind.FEE,
		("Order", "ItemFees", "FixedClosingFee"): LineKind.FEE,
		("Order", "ItemSurcharge", "EnergySurcharge"): LineKind.UNKNOWN,
		("Refund", "ItemPrice", "Principal"): LineKind.PRINCIPAL,
		("Refund", "ItemPrice", "Tax"): LineKind.TAX,
		(
			"Refund",
			"ItemWithheldTax",
			"MarketplaceFacilitatorTax-Principal",
		): LineKind.MARKETPLACE_WITHHELD_TAX,
		("Refund", "Promotion", "Principal"): LineKind.PROMOTION,
		("Refund", "ItemFees", "Commission"): LineKind.FEE,
		("Refund", "ItemFees", "RefundCommission"): LineKind.FEE,
		("other-transaction", "other-transaction", "Subscription Fee"): LineKind.OTHER_TRANSACTION,
		("other-transaction", "other-transaction", "Storage Fee"): LineKind.OTHER_TRANSACTION,
		("other-transaction", "other-transaction", "FBA Long-Term Storage Fee"): LineKind.OTHER_TRANSACTION,
		("ServiceFee", "Cost of Advertising", "TransactionTotalAmount"): LineKind.OTHER_TRANSACTION,
		("other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE"): LineKind.REIMBURSEMENT,
		("other-transaction", "other-transaction", "FBA Inventory Reimbursement"): LineKind.REIMBURSEMENT,
		("Adjustment", "other-transaction", "Balance Adjustment"): LineKind.ADJUSTMENT,
		("other-transaction", "other-transaction", "Previous Reserve Amount Balance"): LineKind.RESERVE,
		("Current Reserve Amount", "other-transaction", "Current Reserve Amount"): LineKind.RESERVE,
		("NewProgramPayout", "NewProgram", "Something new"): LineKind.UNKNOWN,
	}

	principal = lines[0]
	assert principal.amount == Decimal("1234.56")  # "1.234,56"
	assert principal.posted == datetime(2026, 11, 3, 10, 15, tzinfo=timezone.utc)  # "03.11.2026 10:15:00 UTC"
	assert (principal.order_id, principal.shipment_id, principal.fulfillment_id) == (
		ORDER_A,
		"DgK7pQ2x9",
		"AFN",
	)
	assert (principal.order_item_code, principal.sku, principal.quantity) == ("51234567890123", "SKU-A", 2)
	assert principal.marketplace_name == "Amazon.de" and not principal.is_refund
	by_line = {line.line_no: line for line in lines}
	assert by_line[14].promotion_id == "PROMO-10OFF"
	assert by_line[24].posted == datetime(2026, 11, 5, 8, tzinfo=timezone.utc)  # ISO with +00:00
	assert by_line[26].posted == datetime(2026, 11, 5, tzinfo=timezone.utc)  # posted-date only
	assert by_line[24].merchant_order_id == "ERP-SO-0042"
	refund = by_line[28]
	assert refund.is_refund and refund.amount == Decimal("-617.28") and refund.quantity is None
	assert (refund.adjustment_id, refund.merchant_adjustment_item_id) == ("AdjX9f2K1q", "90123456789012")
	assert by_line[36].amount == Decimal("-1000.00")  # "-1.000,00"


def test_sample_summary_per_order_refunds_and_other_transactions() -> None:
	with open(SAMPLE, encoding="utf-8") as source:
		header, summary = read_settlement(source)  # check_total passes
	assert summary.line_count == 41
	assert summary.total == header.total == Decimal("-566.63")
	assert summary.orders[ORDER_A] == OrderAmounts(
		ORDER_A,
		principal=Decimal("1234.56"),
		shipping=Decimal("9.99"),
		gift_wrap=Decimal("4.00"),
		tax=Decimal("237.23"),
		withheld_tax=Decimal("-237.38"),
		promotion=Decimal("-29.99"),
		fee=Decimal("-208.87"),
		lines=21,
	)
	order_b = summary.orders[ORDER_B]
	assert (order_b.principal, order_b.tax, order_b.fee, order_b.other) == (
		Decimal("19.99"),
		Decimal("3.80"),
		Decimal("-3.00"),
		Decimal("0.50"),  # the unknown ItemSurcharge stays on its order
	)
	assert set(summary.refunds) == {ORDER_A}
	refund = summary.refunds[ORDER_A]
	assert (refund.principal, refund.tax, refund.withheld_tax, refund.promotion, refund.fee) == (
		Decimal("-617.28"),
		Decimal("-117.29"),
		Decimal("117.29"),
		Decimal("10.00"),
		Decimal("87.59"),
	)
	assert refund.total == Decimal("-519.69") and refund.lines == 6
	other = {(o.kind, o.amount_description): o.amount for o in summary.other}
	assert other == {
		(LineKind.OTHER_TRANSACTION, "Subscription Fee"): Decimal("-39.00"),
		(LineKind.OTHER_TRANSACTION, "Storage Fee"): Decimal("-12.34"),
		(LineKind.OTHER_TRANSACTION, "FBA Long-Term Storage Fee"): Decimal("-1000.00"),
		(LineKind.OTHER_TRANSACTION, "TransactionTotalAmount"): Decimal("-12.40"),
		(LineKind.REIMBURSEMENT, "WAREHOUSE_DAMAGE"): Decimal("25.00"),
		(LineKind.REIMBURSEMENT, "FBA Inventory Reimbursement"): Decimal("8.63"),
		(LineKind.ADJUSTMENT, "Balance Adjustment"): Decimal("1.11"),
		(LineKind.RESERVE, "Previous Reserve Amount Balance"): Decimal("100.00"),
		(LineKind.RESERVE, "Current Reserve Amount"): Decimal("-150.00"),
		(LineKind.UNKNOWN, "Something new"): Decimal("1.23"),
	}
	# Never dropped: both unknown lines are listed with their line numbers, and counted in the total.
	assert [(line.line_no, line.amount_type) for line in summary.unknown] == [
		(27, "ItemSurcharge"),
		(43, "NewProgram"),
	]
	assert summary.by_kind[LineKind.UNKNOWN] == Decimal("1.73")
	assert sum(summary.by_kind.values()) == summary.total
	assert summary.first_posted == datetime(2026, 11, 3, 10, 15, tzinfo=timezone.utc)
	assert summary.last_posted == datetime(2026, 11, 14, 23, 59, 59, tzinfo=timezone.utc)


def test_reimport_gives_the_same_keys_and_summary() -> None:
	first = parse_settlement(sample_lines())
	second = parse_settlement(line + "\r" for line in sample_lines())  # CRLF copy of the same report
	first_lines, second_lines = list(first.lines), list(second.lines)
	keys = [line_key(line) for line in first_lines]
	assert len(set(keys)) == len(keys) and keys[0] == "24680135791:3"
	assert keys == [line_key(line) for line in second_lines]
	assert first_lines == second_lines
	assert summarize(first_lines) == summarize(second_lines)


def test_lines_stream_without_reading_ahead() -> None:
	"""The amount lines are produced as they are read: an endless report still yields its first lines."""
	lines = sample_lines()

	def endless() -> Iterator[str]:
		yield from lines[:3]
		while True:
			yield lines[2]

	settlement = parse_settlement(endless())
	first = list(itertools.islice(settlement.lines, 5))
	assert [line.line_no for line in first] == [3, 4, 5, 6, 7]


def test_columns_are_found_by_name_and_a_bom_is_ignored() -> None:
	lines = [line.split("\t") for line in sample_lines() if line]
	order = list(reversed(range(len(COLUMNS))))
	shuffled = ["\t".join(cells[i] for i in order) for cells in lines]
	shuffled[0] = "\ufeff" + shuffled[0]
	header, summary = read_settlement(shuffled)
	assert header.total == Decimal("-566.63") and summary.line_count == 41


@pytest.mark.parametrize(
	("text", "expected"),
	[
		("12.30", "12.30"),
		("-12.30", "-12.30"),
		("0", "0"),
		("1500", "1500"),
		("12,30", "12.30"),
		("-0,05", "-0.05"),
		("1.234,56", "1234.56"),
		("-1.234.567,89", "-1234567.89"),
		("1,234.56", "1234.56"),
		("1 234,56", "1234.56"),
		("1\u00a0234,56", "1234.56"),
		("1,234", "1234"),  # JPY with a thousands separator
		("1.234", "1234"),
		("(55.00)", "-55.00"),
		(" 7.5 ", "7.5"),
	],
)
def test_parse_amount(text: str, expected: str) -> None:
	assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
	"text", ["abc", "1e5", "NaN", "Infinity", "12,34,5", "1.23.45,6", "--1", "1,2.3", ""]
)
def test_parse_amount_refuses(text: str) -> None:
	with pytest.raises(ValueError, match="not an amount"):
		parse_amount(text)


@pytest.mark.parametrize(
	("text", "expected"),
	[
		("2026-11-08 07:12:45 UTC", datetime(2026, 11, 8, 7, 12, 45)),
		("08.11.2026 07:12:45 UTC", datetime(2026, 11, 8, 7, 12, 45)),
		("8.11.2026 07:12:45 GMT", datetime(2026, 11, 8, 7, 12, 45)),
		("2026-11-08T07:12:45+00:00", datetime(2026, 11, 8, 7, 12, 45)),
		("2026-11-08T07:12:45Z", datetime(2026, 11, 8, 7, 12, 45)),
		("2026-11-08T07:12:45.250Z", datetime(2026, 11, 8, 7, 12, 45, 250000)),
		("2026-11-08T09:12:45+0200", datetime(2026, 11, 8, 7, 12, 45)),
		("2026-11-07 23:12:45 PST", datetime(2026, 11, 8, 7, 12, 45)),
		("2026/11/08 16:12:45 JST", datetime(2026, 11, 8, 7, 12, 45)),
		("2026-11-08 07:12:45", datetime(2026, 11, 8, 7, 12, 45)),
		("2026-11-08", datetime(2026, 11, 8)),
		("08.11.2026", datetime(2026, 11, 8)),
	],
)
def test_parse_date(text: str, expected: datetime) -> None:
	assert parse_date(text) == expected.replace(tzinfo=timezone.utc)
	assert parse_date(text).tzinfo == timezone.utc


def test_classify_ignores_case_and_refunds_are_a_flag() -> None:
	assert classify("Order", "itemfees", "SomeNewFee") is LineKind.FEE
	assert classify("Order", "ItemPrice", "Goodwill") is LineKind.UNKNOWN
	assert classify("Order", "ItemPrice", "RestockingFeeTax") is LineKind.TAX
	assert classify("Chargeback Refund", "ItemPrice", "Principal") is LineKind.PRINCIPAL
	assert classify("other-transaction", "other-transaction", "SAFE-T Reimbursement") is LineKind.ADJUSTMENT


# -- (c) errors ---------------------------------------------------------------------------------------


def consume(lines: list[str]) -> None:
	settlement = parse_settlement(lines)
	check_total(settlement.header, summarize(settlement.lines))


@pytest.mark.parametrize(
	("lines", "message"),
	[
		(
			edited(5, "posted-date-time", "31.02.2026 10:15:00 UTC"),
			"line 5: posted-date-time: '31.02.2026 10:15:00 UTC' is not a valid date",
		),
		(
			edited(6, "posted-date-time", "11/03/2026 10:15:00 UTC"),
			"line 6: posted-date-time: '11/03/2026 10:15:00 UTC' is not a date in a format Amazon uses",
		),
		(edited(7, "posted-date-time", "03.11.2026 10:15:00 XYZ"), "line 7: posted-date-time: .*'XYZ'"),
		(
			edited(2, "settlement-end-date", "next week"),
			"line 2: settlement-end-date: 'next week' is not a date",
		),
		(edited(9, "amount", "12,34,5"), "line 9: amount: '12,34,5' is not an amount"),
		(edited(10, "amount", "EUR 5"), "line 10: amount: 'EUR 5' is not an amount"),
		(edited(11, "amount", ""), "line 11: amount is empty"),
		(edited(2, "total-amount", "lots"), "line 2: total-amount: 'lots' is not an amount"),
		(edited(12, "quantity-purchased", "two"), "line 12: quantity-purchased: 'two' is not a whole number"),
		(edited(13, "settlement-id", "99999999999"), "line 13: settlement-id 99999999999 differs"),
		(edited(2, "settlement-start-date", ""), "line 2: settlement-start-date is empty"),
		(edited(2, "currency", ""), "line 2: currency is empty"),
		(sample_lines()[1:], "line 1: this is not the header of a V2 settlement report .*missing columns: "),
		(sample_lines()[:1], "line 2: the summary row .* is missing"),
		(
			sample_lines()[:1] + sample_lines()[2:],
			"line 2: the first row after the header is not the summary row",
		),
		([], "Settlement report: the document is empty"),
		(["", "  "], "Settlement report: the document is empty"),
	],
)
def test_errors_name_the_line_and_value(lines: list[str], message: str) -> None:
	with pytest.raises(SettlementParseError, match=message) as raised:
		consume(lines)
	if "line" in message:
		assert raised.value.line_no == int(message.split("line ")[1].split(":")[0])


def test_total_mismatch_gives_both_numbers() -> None:
	lines = edited(2, "total-amount", "-566,64")
	with pytest.raises(SettlementTotalMismatchError) as raised:
		consume(lines)
	error = raised.value
	assert (error.expected, error.actual, error.settlement_id) == (
		Decimal("-566.64"),
		Decimal("-566.63"),
		"24680135791",
	)
	assert str(error) == (
		"Settlement 24680135791: total-amount is -566.64 EUR but its lines add up to -566.63 EUR "
		"(difference 0.01)."
	)


# -- the benchmark's generator + parser, small --------------------------------------------------------


@pytest.mark.parametrize("style", ["us", "eu"])
def test_benchmark_generator_and_parser(tmp_path: Path, style: str) -> None:
	result = bench.measure(2000, tmp_path, style=style)
	assert result.lines == 2000 and result.orders > 100
	assert result.parse_peak > 0 and result.summary_peak > 0
	path = tmp_path / "again.tsv"
	total = bench.write_synthetic_settlement(path, 2000, style=style)
	with open(path, encoding="utf-8") as source:
		header, summary = read_settlement(source)
	assert header.total == total == result.total
	assert {o.kind for o in summary.other} == {
		LineKind.OTHER_TRANSACTION,
		LineKind.REIMBURSEMENT,
		LineKind.RESERVE,
	}
	assert summary.refunds and not summary.unknown


# -- rows a settlement is stored as ---------------------------------------------------------------------


def test_rows_add_up_to_the_total_and_split_sale_withheld_tax_and_fees() -> None:
	from amazon_integration.domain.settlements import RowType, settlement_rows

	header, summary = read_settlement(SAMPLE.read_text(encoding="utf-8").splitlines())
	rows = settlement_rows(summary)
	assert sum((row.amount for row in rows), Decimal(0)) == header.total
	for row in rows:
		assert row.sale + row.withheld_tax + row.fees == row.amount or row.row_type in (
			RowType.RESERVE,
			RowType.UNKNOWN,
		)
	orders = {row.order_id: row for row in rows if row.row_type is RowType.ORDER}
	refunds = {row.order_id: row for row in rows if row.row_type is RowType.REFUND}
	assert set(orders) == set(summary.orders) and set(refunds) == set(summary.refunds)
	for order_id, row in orders.items():
		amounts = summary.orders[order_id]
		assert row.withheld_tax == amounts.withheld_tax
		assert row.fees == amounts.fee + amounts.other
	for order_id in refunds:
		assert (
			sum(summary.refunded_items[order_id].values(), Decimal(0)) == summary.refunds[order_id].principal
		)
	kinds = {row.row_type for row in rows}
	assert {RowType.ORDER, RowType.REFUND, RowType.FEE} <= kinds


def test_an_orders_reimbursement_is_a_reimbursement_row_not_a_charge_of_the_order() -> None:
	"""Amazon pays for a refunded unit it never got back (CustomerReturn): the line carries the order id, yet it is
	a reimbursement (netted where the other reimbursements are), not a fee of the order's charges."""
	from amazon_integration.domain.settlements import RowType, settlement_rows

	lines = sample_lines()
	while not lines[-1].strip():
		lines.pop()
	extra = ["" for _ in COLUMNS]
	settlement_id = lines[1].split("\t")[0]
	for column, value in (
		("settlement-id", settlement_id), ("transaction-type", "other-transaction"), ("order-id", ORDER_A),
		("amount-type", "FBA Inventory Reimbursement"), ("amount-description", "CUSTOMER_RETURN"),
		("amount", "18.00"), ("posted-date-time", "2026-11-08 07:12:45 UTC"), ("sku", "SIM-MUG-001"),
		("quantity-purchased", "1"),
	):  # fmt: skip
		extra[COLUMNS.index(column)] = value
	header_cells = lines[1].split("\t")
	header_cells[COLUMNS.index("total-amount")] = str(parse_amount(header_cells[COLUMNS.index("total-amount")]) + Decimal("18.00"))
	lines[1] = "\t".join(header_cells)
	_, before = read_settlement(sample_lines())
	_, summary = read_settlement([*lines, "\t".join(extra)])
	assert summary.orders[ORDER_A] == before.orders[ORDER_A]  # the order's charges are untouched
	rows = [row for row in settlement_rows(summary) if row.order_id == ORDER_A and row.row_type is RowType.REIMBURSEMENT]
	assert [(row.amount, row.fees, row.lines) for row in rows] == [(Decimal("18.00"), Decimal("18.00"), 1)]
	assert "CUSTOMER_RETURN" in rows[0].description
