"""Amazon's settlement vocabulary -> fee categories: every string the table names, the hand-written Amazon.de
sample, what the simulator writes, and the account a fee-entry amount goes to (rules, category, suspense)."""

from __future__ import annotations

from pathlib import Path

import pytest

from amazon_integration.domain.fees import (
	EXPENSE_CATEGORIES,
	FEE_ENTRY_CATEGORIES,
	INVOICE_CATEGORIES,
	DescriptionRule,
	FeeCategory,
	account_for,
	category_of,
	normalize,
)
from amazon_integration.domain.settlements import INVOICE_KINDS, LineKind, classify

C = FeeCategory
SAMPLE = Path(__file__).parent / "data" / "settlement_sample.tsv"

CASES = [
	# (transaction-type, amount-type, amount-description) as Amazon writes them -> category
	(("Order", "ItemPrice", "Principal"), C.PRODUCT_SALES),
	(("Refund", "ItemPrice", "Principal"), C.PRODUCT_SALES),
	(("Chargeback Refund", "ItemPrice", "Principal"), C.PRODUCT_SALES),
	(("Order", "ItemPrice", "Shipping"), C.SHIPPING_INCOME),
	(("Order", "ItemPrice", "GiftWrap"), C.GIFT_WRAP_INCOME),
	(("Order", "ItemPrice", "Tax"), C.SALES_TAX),
	(("Order", "ItemPrice", "ShippingTax"), C.SALES_TAX),
	(("Order", "ItemPrice", "GiftWrapTax"), C.SALES_TAX),
	(("Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal"), C.WITHHELD_TAX),
	(("Order", "ItemWithheldTax", "MarketplaceFacilitatorVAT-Principal"), C.WITHHELD_TAX),
	(("Order", "Promotion", "Shipping"), C.PROMOTIONS),
	(("Order", "ItemFees", "Commission"), C.REFERRAL_FEES),
	(("Refund", "ItemFees", "RefundCommission"), C.REFERRAL_FEES),
	(("Order", "ItemFees", "VariableClosingFee"), C.REFERRAL_FEES),
	(("Order", "ItemFees", "FixedClosingFee"), C.REFERRAL_FEES),
	(("Order", "ItemFees", "FBAPerUnitFulfillmentFee"), C.FBA_FULFILMENT_FEES),
	(("Order", "ItemFees", "FBAPerOrderFulfillmentFee"), C.FBA_FULFILMENT_FEES),
	(("Order", "ItemFees", "FBAWeightBasedFee"), C.FBA_FULFILMENT_FEES),
	(("Order", "ItemFees", "ShippingChargeback"), C.FBA_FULFILMENT_FEES),
	(("Order", "ItemFees", "GiftwrapChargeback"), C.FBA_FULFILMENT_FEES),
	(("Order", "ItemFees", "FBATransportationFee"), C.FBA_FULFILMENT_FEES),  # Multi-Channel Fulfilment
	(("Order", "ItemFees", "DigitalServicesFee"), C.OTHER_FEES),
	(("other-transaction", "other-transaction", "Storage Fee"), C.FBA_STORAGE_FEES),
	(("other-transaction", "other-transaction", "StorageRenewalBilling"), C.FBA_STORAGE_FEES),
	(("other-transaction", "other-transaction", "FBA Long-Term Storage Fee"), C.FBA_STORAGE_FEES),
	(("other-transaction", "other-transaction", "AgedInventorySurcharge"), C.FBA_STORAGE_FEES),
	(("StorageRenewalBilling", "other-transaction", ""), C.FBA_STORAGE_FEES),
	(("Storage Fee", "other-transaction", ""), C.FBA_STORAGE_FEES),
	(("other-transaction", "other-transaction", "FBA Long-Term Storage"), C.FBA_STORAGE_FEES),
	(("Inbound Transportation Fee", "other-transaction", ""), C.INBOUND_PLACEMENT_FEES),
	(("other-transaction", "other-transaction", "Inbound Transportation Charge"), C.INBOUND_PLACEMENT_FEES),
	(("other-transaction", "other-transaction", "FBA Inbound Placement Service Fee"), C.INBOUND_PLACEMENT_FEES),
	(("other-transaction", "other-transaction", "FBA Removal Order: Disposal Fee"), C.REMOVAL_DISPOSAL_FEES),
	(("other-transaction", "other-transaction", "MFNPostageFee"), C.SHIPPING_LABELS),
	(("Transfer", "Transfer", "Previous Reserve Amount Balance"), C.RESERVE),
	(("other-transaction", "other-transaction", "FBAInboundTransportationFee"), C.INBOUND_PLACEMENT_FEES),
	(("other-transaction", "other-transaction", "FBA Inbound Placement Service Fee"), C.INBOUND_PLACEMENT_FEES),
	(("other-transaction", "other-transaction", "RemovalComplete"), C.REMOVAL_DISPOSAL_FEES),
	(("other-transaction", "other-transaction", "DisposalComplete"), C.REMOVAL_DISPOSAL_FEES),
	(("ServiceFee", "Cost of Advertising", "TransactionTotalAmount"), C.ADVERTISING),
	(("other-transaction", "other-transaction", "Subscription Fee"), C.SUBSCRIPTION),
	(("other-transaction", "other-transaction", "Shipping label purchase"), C.SHIPPING_LABELS),
	(("other-transaction", "other-transaction", "Shipping label purchase for return"), C.SHIPPING_LABELS),
	(("CouponRedemptionFee", "CouponRedemptionFee", "TransactionTotalAmount"), C.DEAL_COUPON_FEES),
	(("other-transaction", "other-transaction", "RunLightningDealFee"), C.DEAL_COUPON_FEES),
	(("Vine Enrollment Fee", "other-transaction", "Vine Enrollment Fee"), C.DEAL_COUPON_FEES),
	(("SAFE-T reimbursement", "other-transaction", "SAFE-T reimbursement"), C.CHARGEBACKS_CLAIMS),
	(("A-to-z Guarantee Refund", "other-transaction", "A-to-z claim"), C.CHARGEBACKS_CLAIMS),
	(("other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE"), C.REIMBURSEMENTS),
	(("other-transaction", "other-transaction", "FBA Inventory Reimbursement"), C.REIMBURSEMENTS),
	(("Order", "FBA Inventory Reimbursement", "CustomerReturn"), C.REIMBURSEMENTS),
	(("other-transaction", "other-transaction", "Previous Reserve Amount Balance"), C.RESERVE),
	(("Current Reserve Amount", "other-transaction", "Current Reserve Amount"), C.RESERVE),
	(("other-transaction", "other-transaction", "Successful charge"), C.SELLER_REPAYMENTS),
	(("other-transaction", "other-transaction", "Repayment of negative Amazon balance"), C.SELLER_REPAYMENTS),
	(("Debt Recovery", "other-transaction", "DebtPayment"), C.SELLER_REPAYMENTS),
	(("Loan Servicing", "other-transaction", "LoanPayment"), C.LENDING_REPAYMENTS),
	(("Adjustment", "other-transaction", "Balance Adjustment"), C.OTHER_ADJUSTMENTS),
	(("Adjustment", "ItemPrice", "Goodwill"), C.OTHER_ADJUSTMENTS),
	(("NewProgramPayout", "NewProgram", "Something new"), C.UNKNOWN),
	(("Order", "ItemSurcharge", "EnergySurcharge"), C.UNKNOWN),
	(("Order", "ItemPrice", "Goodwill"), C.UNKNOWN),
]


@pytest.mark.parametrize(("columns", "category"), CASES, ids=[" / ".join(c) for c, _ in CASES])
def test_category_of_amazons_strings(columns: tuple[str, str, str], category: FeeCategory) -> None:
	assert category_of(*columns) is category


def test_spelling_variants_match() -> None:
	assert category_of("other-transaction", "other-transaction", "storage fee") is C.FBA_STORAGE_FEES
	assert category_of("other-transaction", "other_transaction", "StorageFee") is C.FBA_STORAGE_FEES
	assert category_of(" Order ", " itemfees ", " commission ") is C.REFERRAL_FEES
	assert normalize("FBA Long-Term Storage_Fee") == "fbalongtermstoragefee"


def test_every_line_of_the_amazon_de_sample_has_a_category_consistent_with_its_line_kind() -> None:
	"""The parser's LineKind says how a line is booked; the category must agree with it."""
	rows = SAMPLE.read_text(encoding="utf-8").splitlines()[2:]
	seen = set()
	for row in rows:
		cells = row.split("\t")
		triple = (cells[6], cells[12], cells[13])
		category = category_of(*triple)
		kind = classify(*triple)
		seen.add(category)
		assert (kind in INVOICE_KINDS) == (category in INVOICE_CATEGORIES), triple
		assert (kind is LineKind.RESERVE) == (category is C.RESERVE), triple
		assert (kind is LineKind.UNKNOWN) == (category is C.UNKNOWN), triple
	assert {C.REFERRAL_FEES, C.FBA_FULFILMENT_FEES, C.FBA_STORAGE_FEES, C.ADVERTISING, C.SUBSCRIPTION} <= seen


def test_category_sets_partition_the_categories() -> None:
	assert not INVOICE_CATEGORIES & set(FEE_ENTRY_CATEGORIES)
	assert C.RESERVE not in FEE_ENTRY_CATEGORIES and C.RESERVE not in INVOICE_CATEGORIES
	assert set(FEE_ENTRY_CATEGORIES) | INVOICE_CATEGORIES | {C.RESERVE} == set(FeeCategory)
	assert set(EXPENSE_CATEGORIES) <= set(FEE_ENTRY_CATEGORIES)
	assert C.UNKNOWN in FEE_ENTRY_CATEGORIES  # booked, to suspense


def test_account_for_rule_then_category_then_suspense() -> None:
	accounts = {C.REFERRAL_FEES: "Referral", C.FBA_STORAGE_FEES: "Storage"}
	rules = (
		DescriptionRule("FBA Long-Term Storage Fee", "Long-Term Storage"),
		DescriptionRule("Something new", "New Program Income", amount_type="NewProgram"),
	)
	assert account_for(C.REFERRAL_FEES, "ItemFees", "Commission", rules, accounts, "Suspense") == (
		"Referral",
		False,
	)
	assert account_for(C.FBA_STORAGE_FEES, "other-transaction", "fba long-term storage fee", rules, accounts, "S") == (
		"Long-Term Storage",
		False,
	)
	assert account_for(C.FBA_STORAGE_FEES, "other-transaction", "Storage Fee", rules, accounts, "S") == (
		"Storage",
		False,
	)
	assert account_for(C.ADVERTISING, "Cost of Advertising", "TransactionTotalAmount", rules, accounts, "S") == (
		"S",
		True,
	)
	assert account_for(C.UNKNOWN, "NewProgram", "Something new", rules, accounts, "S") == ("New Program Income", False)
	assert account_for(C.UNKNOWN, "Other", "Something new", rules, accounts, "S") == ("S", True)
	assert account_for(C.UNKNOWN, "X", "Y", rules, {C.UNKNOWN: "never"}, "S") == ("S", True)


def test_fee_amounts_add_up_to_what_the_rows_book_as_fees() -> None:
	"""Every amount the fee entry books is in exactly one FeeAmount, with its order, SKU and category."""
	from amazon_integration.domain.settlements import RowType, read_settlement, settlement_rows

	with SAMPLE.open(encoding="utf-8") as lines:
		header, summary = read_settlement(lines)
	rows = settlement_rows(summary)
	assert sum(fee.amount for fee in summary.fee_amounts) == sum(row.fees for row in rows)
	assert sum(fee.lines for fee in summary.fee_amounts) + sum(
		1
		for row in SAMPLE.read_text(encoding="utf-8").splitlines()[2:]
		if classify(*[row.split("\t")[i] for i in (6, 12, 13)])
		in INVOICE_KINDS | {LineKind.RESERVE}
	) == summary.line_count
	unknown = [fee for fee in summary.fee_amounts if fee.category is C.UNKNOWN]
	assert {(fee.amount_type, fee.amount_description) for fee in unknown} == {
		("NewProgram", "Something new"),
		("ItemSurcharge", "EnergySurcharge"),
	}
	commission = [fee for fee in summary.fee_amounts if fee.amount_description == "Commission"]
	assert all(fee.order_id and fee.sku and fee.category is C.REFERRAL_FEES for fee in commission)
	assert header.total == summary.total
