"""After-sale report parsers: Amazon's columns by name, one record per row, a BadRow (never an exception) for a
row that cannot be read, and keys that stay the same when the same rows are read again."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from amazon_integration.domain.aftersale import (
	BadRow,
	ReportFormatError,
	parse_fba_returns,
	parse_fbm_returns,
	parse_reimbursements,
	parse_removal_shipments,
)


def tsv(*rows: list[str]) -> list[str]:
	return ["\t".join(row) for row in rows]


FBA_HEADER = [
	"return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity", "fulfillment-center-id",
	"detailed-disposition", "reason", "status", "license-plate-number", "customer-comments",
]  # fmt: skip


def fba_row(order="111-1111111-1111111", quantity="1", disposition="SELLABLE", plate="LPNAAA", date="2026-11-08T07:12:45+00:00"):
	return [date, order, "SKU-1", "B0001", "X001", "Mug", quantity, "PHX3", disposition, "UNWANTED_ITEM",
			"Unit returned to inventory", plate, ""]


def test_fba_returns_dispositions_and_keys():
	lines = tsv(FBA_HEADER, fba_row(), fba_row(disposition="customer_damaged", plate="LPNBBB", quantity="2"))
	first, second = parse_fba_returns(lines)
	assert (first.sellable, second.sellable) == (True, False)
	assert second.disposition == "CUSTOMER_DAMAGED" and second.quantity == 2
	assert first.return_date == datetime(2026, 11, 8, 7, 12, 45, tzinfo=timezone.utc)
	assert first.key == "111-1111111-1111111:SKU-1:LPNAAA"
	assert [r.key for r in parse_fba_returns(lines)] == [first.key, second.key]  # reread: same keys


def test_fba_returns_without_plate_count_identical_rows():
	keys = [r.key for r in parse_fba_returns(tsv(FBA_HEADER, fba_row(plate=""), fba_row(plate="")))]
	assert len(set(keys)) == 2 and keys[1].endswith("#2")


def test_bad_rows_are_listed_not_raised():
	rows = list(
		parse_fba_returns(
			tsv(FBA_HEADER, fba_row(quantity="one"), fba_row(order=""), fba_row(date="08/11/2026"), fba_row(plate="OK"))
		)
	)
	assert [type(r).__name__ for r in rows] == ["BadRow", "BadRow", "BadRow", "FbaReturn"]
	assert "quantity" in rows[0].message and rows[0].line_no == 2
	assert "order-id is empty" in rows[1].message
	assert "return-date" in rows[2].message
	assert isinstance(rows[0], BadRow) and rows[0].order_id == "111-1111111-1111111"


def test_wrong_report_is_refused():
	with pytest.raises(ReportFormatError, match="missing columns"):
		list(parse_fba_returns(tsv(["order-id", "sku"], ["1", "2"])))
	assert list(parse_fba_returns([])) == []


def test_reimbursements_stock_effect():
	header = [
		"approval-date", "reimbursement-id", "case-id", "amazon-order-id", "reason", "sku", "fnsku", "asin",
		"product-name", "condition", "currency-unit", "amount-per-unit", "amount-total", "quantity-reimbursed-cash",
		"quantity-reimbursed-inventory", "quantity-reimbursed-total", "original-reimbursement-id",
		"original-reimbursement-type",
	]  # fmt: skip

	def row(rid, reason, cash, inventory, total_amount):
		return ["2026-11-08T07:12:45+00:00", rid, "", "", reason, "SKU-1", "X001", "B0001", "Mug", "NewItem", "USD",
				"11.50", total_amount, cash, inventory, str(int(cash) + int(inventory)), "", ""]

	records = list(
		parse_reimbursements(
			tsv(
				header,
				row("1001", "Lost_Warehouse", "2", "0", "23.00"),
				row("1002", "Damaged_Warehouse", "0", "1", "0.00"),  # replaced in kind: no stock change
				row("1003", "Reimbursement_Reversal", "-1", "0", "-11.50"),
				row("1004", "CustomerReturn", "1", "0", "11.50"),
				row("1005", "CustomerReturn", "0", "1", "0.00"),  # paid with a unit: it joins the FBA stock
			)
		)
	)
	assert [(r.key, r.stock_effect, r.amount_total) for r in records] == [
		("1001:SKU-1", -2, Decimal("23.00")),
		("1002:SKU-1", 0, Decimal("0.00")),
		("1003:SKU-1", 1, Decimal("-11.50")),
		("1004:SKU-1", 0, Decimal("11.50")),
		("1005:SKU-1", 1, Decimal("0.00")),
	]


def test_removals_and_fbm_returns():
	removal = next(
		parse_removal_shipments(
			tsv(
				["request-date", "order-id", "shipment-date", "sku", "fnsku", "disposition", "shipped-quantity",
				 "carrier", "tracking-number", "removal-order-type"],
				["2026-11-01T00:00:00+00:00", "RMV1", "2026-11-03T10:00:00+00:00", "SKU-1", "X001", "Unsellable", "4",
				 "UPS", "1Z1", "Return"],
			)
		)
	)  # fmt: skip
	assert (removal.quantity, removal.sellable, removal.key) == (4, False, "RMV1:SKU-1:1Z1:Unsellable:2026-11-03T10:00:00+00:00")
	fbm = next(
		parse_fbm_returns(
			tsv(
				["Order ID", "Order date", "Return request date", "Return request status", "Amazon RMA ID",
				 "Merchant SKU", "Return quantity", "Currency code", "Refunded Amount"],
				["111-2", "2026-11-01", "2026-11-05", "Approved", "DABC", "SKU-1", "1", "EUR", "12,50"],
			)
		)
	)  # fmt: skip
	assert (fbm.key, fbm.quantity, fbm.refunded) == ("DABC:SKU-1", 1, Decimal("12.50"))
