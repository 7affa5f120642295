"""Finances 2024-06-19 breakdowns read as fee categories: each amount once, at the node that says what it is."""

from __future__ import annotations

from decimal import Decimal

from amazon_integration.amazon.finances import Transaction
from amazon_integration.domain.expected_fees import expected_amounts, expected_fees
from amazon_integration.domain.fees import FeeCategory


def money(amount: str) -> dict:
	return {"currencyCode": "EUR", "currencyAmount": float(amount)}


def node(name: str, amount: str, *children: dict) -> dict:
	return {"breakdownType": name, "breakdownAmount": money(amount), "breakdowns": list(children)}


def shipment() -> Transaction:
	return Transaction.from_api(
		{
			"transactionId": "T1",
			"transactionType": "Shipment",
			"transactionStatus": "RELEASED",
			"postedDate": "2026-11-03T10:00:00Z",
			"totalAmount": money("14.05"),
			"marketplaceDetails": {"marketplaceId": "A1PA6795UKMFR9", "marketplaceName": "Amazon.de"},
			"relatedIdentifiers": [
				{"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": "302-1"},
				{"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID", "relatedIdentifierValue": "G1"},
			],
			"items": [
				{
					"contexts": [{"contextType": "ProductContext", "sku": "MUG", "quantityShipped": 1}],
					"breakdowns": [
						node("ProductCharges", "20.00", node("OurPricePrincipal", "16.81"), node("OurPriceTax", "3.19")),
						node(
							"AmazonFees",
							"-5.95",
							# Amazon nests the commission's base and tax: taken whole, once.
							node("Commission", "-3.00", node("Base", "-2.52"), node("Tax", "-0.48")),
							node("FBAPerUnitFulfillmentFee", "-2.70"),
							node("SomethingNew", "-0.25"),
						),
					],
				}
			],
			# The same money summed at the transaction: ignored while the items carry breakdowns.
			"breakdowns": {"breakdowns": [node("Expenses", "-5.95")]},
		}
	)


def test_item_breakdowns_by_category_each_amount_once() -> None:
	amounts = expected_amounts(shipment())
	by = {(a.category, a.breakdown_type): a.amount for a in amounts}
	assert by == {
		(FeeCategory.PRODUCT_SALES, "OurPricePrincipal"): Decimal("16.81"),
		(FeeCategory.SALES_TAX, "OurPriceTax"): Decimal("3.19"),
		(FeeCategory.REFERRAL_FEES, "Commission"): Decimal("-3.00"),
		(FeeCategory.FBA_FULFILMENT_FEES, "FBAPerUnitFulfillmentFee"): Decimal("-2.70"),
		(FeeCategory.OTHER_FEES, "SomethingNew"): Decimal("-0.25"),
	}
	assert {(a.order_id, a.sku, a.group_id, a.marketplace_name) for a in amounts} == {("302-1", "MUG", "G1", "Amazon.de")}
	assert sum(a.amount for a in expected_fees([shipment()])) == Decimal("-5.95")


def test_account_level_money_on_the_transaction() -> None:
	storage = Transaction.from_api(
		{
			"transactionId": "T2",
			"transactionType": "ServiceFee",
			"totalAmount": money("-4.10"),
			"breakdowns": [node("Expenses", "-4.10", node("Storage Fee", "-4.00"), node("Mystery", "-0.10"))],
		}
	)
	reimbursement = Transaction.from_api(
		{
			"transactionId": "T3",
			"transactionType": "Adjustment",
			"items": [{"contexts": [{"contextType": "ProductContext", "sku": "MUG"}], "breakdowns": None}],
			"breakdowns": [node("FBAInventoryReimbursement", "7.50", node("WAREHOUSE_DAMAGE", "7.50"))],
		}
	)
	fees = expected_fees([storage, reimbursement])
	assert [(f.category, f.amount, f.sku) for f in fees] == [
		(FeeCategory.FBA_STORAGE_FEES, Decimal("-4.00"), ""),
		(FeeCategory.UNKNOWN, Decimal("-0.10"), ""),
		(FeeCategory.REIMBURSEMENTS, Decimal("7.50"), "MUG"),
	]
