"""What each amount of a V2 settlement report is, as money: Amazon's vocabulary mapped to fee categories.

`category_of(transaction_type, amount_type, amount_description) -> FeeCategory` reads the three columns of a
GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2 line, as Amazon writes them, and says which category of money it
is. Pure: no I/O, no frappe. Matching ignores case, spaces, "-" and "_" ("Storage Fee" = "StorageFee"), so the
spellings Amazon varies between marketplaces and years still match.

The categories and the strings Amazon writes for them (transaction-type / amount-type / amount-description;
"*" is any). Rules are tried in the order of `RULES`: the first that matches wins. A rule that names only an
amount-description also matches that string in transaction-type (some files put an other-transaction's name
there: transaction-type "StorageRenewalBilling").

  Product Sales            Order, Refund, ... / ItemPrice / Principal
  Shipping Income          * / ItemPrice / Shipping
  Gift Wrap Income         * / ItemPrice / GiftWrap
  Sales Tax                * / ItemPrice / Tax, ShippingTax, GiftWrapTax (any "...Tax")
  Withheld Tax             * / ItemWithheldTax / MarketplaceFacilitatorTax-Principal, -Shipping, -Giftwrap,
                           -Other, LowValueGoodsTax-Principal, ... (any)
  Promotions               * / Promotion / Principal, Shipping (any)
  Referral Fees            * / ItemFees / Commission, RefundCommission, VariableClosingFee, FixedClosingFee
  FBA Fulfilment Fees      * / ItemFees / FBAPerUnitFulfillmentFee, FBAPerOrderFulfillmentFee,
                           FBAWeightBasedFee, ShippingChargeback, GiftwrapChargeback, ShippingHB,
                           FBATransportationFee; a Multi-Channel Fulfilment order's fees are these same
                           strings (Amazon names them apart only by marketplace-name "Non-Amazon")
  Other Fees               * / ItemFees / DigitalServicesFee, SalesTaxCollectionFee, any other ItemFees
  FBA Storage Fees         other-transaction / * / Storage Fee, StorageRenewalBilling (long-term storage),
                           FBA Long-Term Storage (Fee), AgedInventorySurcharge, FBAStorageFee, FBA Inventory
                           Storage Fee, MonthlyInventoryStorageFee
  Inbound and Placement    other-transaction / * / FBAInboundTransportationFee, FBA Inbound Placement
    Fees                   Service Fee, FBAInboundConvenienceFee, InboundTransportationProgramFee,
                           FBA Inbound Defect Fee, ManualProcessingFee
  Removal and Disposal     other-transaction / * / RemovalComplete, DisposalComplete, FBARemovalFee,
    Fees                   FBADisposalFee, Removal Fee, Disposal Fee
  Advertising              ServiceFee / Cost of Advertising / TransactionTotalAmount (any)
  Subscription             other-transaction / * / Subscription Fee
  Shipping Labels          other-transaction / * / Shipping label purchase, Shipping label purchase for
                           return, Carrier Shipping Label Adjustments, MFNPostageFee
  Deal and Coupon Fees     CouponRedemptionFee, RunLightningDealFee, Vine Enrollment Fee, Early Reviewer
                           Program fee (as transaction-type or amount-description)
  Chargebacks and Claims   SAFE-T reimbursement (transaction-type or description), A-to-z Guarantee Refund /
                           other-transaction / *, Chargeback Refund / other-transaction / *
  Reimbursements           * / FBA Inventory Reimbursement / WAREHOUSE_DAMAGE, WAREHOUSE_LOST,
                           REVERSAL_REIMBURSEMENT, CustomerReturn, CustomerServiceIssue,
                           FREE_REPLACEMENT_REFUND_ITEMS, MISSING_FROM_INBOUND, ... (any)
  Reserve                  Previous Reserve Amount Balance, Current Reserve Amount (as any of the three)
  Seller Repayments        Successful charge, Repayment of negative Amazon balance, Payable to Amazon,
                           Debt Recovery, DebtPayment, DebtAdjustment (as any of the three): the seller's
                           money moving to Amazon to settle a negative balance (card charge, bank debit)
  Lending Repayments       Loan Servicing, LoanPayment, LoanAdvance, LoanRefund, Amazon Lending repayment
  Other Adjustments        Adjustment / * / * (any other adjustment), other "...Reimbursement" descriptions,
                           "Balance Adjustment", "Goodwill"... under Adjustment
  Unknown                  anything else: a new amount type. Never guessed: it goes to the suspense account,
                           and is listed on the settlement until the seller maps it.

Refunds are no category of their own: a refund line ("Refund", "Chargeback Refund", "A-to-z Guarantee Refund")
carries the same amount types with the opposite sign and falls in the same category as the charge it gives
back (Commission given back is Referral Fees, positive).

Which categories a settlement books where (erpnext/settlements.py):
- `INVOICE_CATEGORIES` (Product Sales ... Withheld Tax, Promotions) travel with the order's Sales Invoice,
  credit note and Payment Entry: their accounts are the invoice's (items, taxes);
- `FEE_ENTRY_CATEGORIES` are booked by the settlement's fee entry, each to the account the Amazon Account maps
  it to (or a rule for its description), unknown amounts to the suspense account;
- `RESERVE` stays in the clearing account: Amazon still holds that money.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache


class FeeCategory(str, Enum):
	PRODUCT_SALES = "Product Sales"
	SHIPPING_INCOME = "Shipping Income"
	GIFT_WRAP_INCOME = "Gift Wrap Income"
	SALES_TAX = "Sales Tax"
	WITHHELD_TAX = "Withheld Tax"
	PROMOTIONS = "Promotions"
	REFERRAL_FEES = "Referral Fees"
	FBA_FULFILMENT_FEES = "FBA Fulfilment Fees"
	OTHER_FEES = "Other Fees"
	FBA_STORAGE_FEES = "FBA Storage Fees"
	INBOUND_PLACEMENT_FEES = "Inbound and Placement Fees"
	REMOVAL_DISPOSAL_FEES = "Removal and Disposal Fees"
	ADVERTISING = "Advertising"
	SUBSCRIPTION = "Subscription"
	SHIPPING_LABELS = "Shipping Labels"
	DEAL_COUPON_FEES = "Deal and Coupon Fees"
	CHARGEBACKS_CLAIMS = "Chargebacks and Claims"
	REIMBURSEMENTS = "Reimbursements"
	RESERVE = "Reserve"
	SELLER_REPAYMENTS = "Seller Repayments"
	LENDING_REPAYMENTS = "Lending Repayments"
	OTHER_ADJUSTMENTS = "Other Adjustments"
	UNKNOWN = "Unknown"


INVOICE_CATEGORIES: frozenset[FeeCategory] = frozenset(
	{
		FeeCategory.PRODUCT_SALES,
		FeeCategory.SHIPPING_INCOME,
		FeeCategory.GIFT_WRAP_INCOME,
		FeeCategory.SALES_TAX,
		FeeCategory.WITHHELD_TAX,
		FeeCategory.PROMOTIONS,
	}
)
# Booked by the fee entry, each to its mapped account (UNKNOWN: to suspense).
FEE_ENTRY_CATEGORIES: tuple[FeeCategory, ...] = tuple(
	category
	for category in FeeCategory
	if category not in INVOICE_CATEGORIES and category is not FeeCategory.RESERVE
)
# Costs: "create default accounts" makes one expense account for each (income-like ones are listed apart).
EXPENSE_CATEGORIES: tuple[FeeCategory, ...] = (
	FeeCategory.REFERRAL_FEES,
	FeeCategory.FBA_FULFILMENT_FEES,
	FeeCategory.OTHER_FEES,
	FeeCategory.FBA_STORAGE_FEES,
	FeeCategory.INBOUND_PLACEMENT_FEES,
	FeeCategory.REMOVAL_DISPOSAL_FEES,
	FeeCategory.ADVERTISING,
	FeeCategory.SUBSCRIPTION,
	FeeCategory.SHIPPING_LABELS,
	FeeCategory.DEAL_COUPON_FEES,
	FeeCategory.CHARGEBACKS_CLAIMS,
	FeeCategory.OTHER_ADJUSTMENTS,
)
# Money Amazon pays the seller for lost or damaged units, claims it grants: income (or the loss account).
INCOME_CATEGORIES: tuple[FeeCategory, ...] = (FeeCategory.REIMBURSEMENTS,)
# Not profit or loss: the seller's own money moving (card, bank, lender). No default account is created for
# these: Seller Repayments default to the payout account, Lending Repayments to suspense until mapped.
BALANCE_CATEGORIES: tuple[FeeCategory, ...] = (FeeCategory.SELLER_REPAYMENTS, FeeCategory.LENDING_REPAYMENTS)


def normalize(text: str) -> str:
	"""Amazon's spelling with case, spaces, hyphens and underscores ignored: "Storage Fee" == "StorageFee"."""
	return "".join(ch for ch in text.lower() if ch not in " -_\t\u00a0")


@dataclass(frozen=True, slots=True)
class Rule:
	"""One row of Amazon's vocabulary. A blank field matches anything; `anywhere` matches the string in any of
	the three columns (Amazon writes e.g. "Current Reserve Amount" as amount-type in some files and as
	amount-description in others)."""

	category: FeeCategory
	transaction_type: str = ""
	amount_type: str = ""
	amount_description: str = ""
	anywhere: str = ""


RULES: tuple[Rule, ...] = (
	# The balance between Amazon and the seller, first: these strings can sit in any column.
	Rule(FeeCategory.RESERVE, anywhere="Previous Reserve Amount Balance"),
	Rule(FeeCategory.RESERVE, anywhere="Current Reserve Amount"),
	Rule(FeeCategory.SELLER_REPAYMENTS, anywhere="Successful charge"),
	Rule(FeeCategory.SELLER_REPAYMENTS, anywhere="Repayment of negative Amazon balance"),
	Rule(FeeCategory.SELLER_REPAYMENTS, anywhere="Payable to Amazon"),
	Rule(FeeCategory.SELLER_REPAYMENTS, anywhere="Debt Recovery"),
	Rule(FeeCategory.SELLER_REPAYMENTS, anywhere="DebtPayment"),
	Rule(FeeCategory.SELLER_REPAYMENTS, anywhere="DebtAdjustment"),
	Rule(FeeCategory.LENDING_REPAYMENTS, anywhere="Loan Servicing"),
	Rule(FeeCategory.LENDING_REPAYMENTS, anywhere="LoanPayment"),
	Rule(FeeCategory.LENDING_REPAYMENTS, anywhere="LoanAdvance"),
	Rule(FeeCategory.LENDING_REPAYMENTS, anywhere="LoanRefund"),
	Rule(FeeCategory.LENDING_REPAYMENTS, anywhere="Amazon Lending repayment"),
	# The buyer's money, booked through the invoice.
	Rule(FeeCategory.PRODUCT_SALES, amount_type="ItemPrice", amount_description="Principal"),
	Rule(FeeCategory.SHIPPING_INCOME, amount_type="ItemPrice", amount_description="Shipping"),
	Rule(FeeCategory.GIFT_WRAP_INCOME, amount_type="ItemPrice", amount_description="GiftWrap"),
	Rule(FeeCategory.SALES_TAX, amount_type="ItemPrice", amount_description="Tax"),
	Rule(FeeCategory.SALES_TAX, amount_type="ItemPrice", amount_description="ShippingTax"),
	Rule(FeeCategory.SALES_TAX, amount_type="ItemPrice", amount_description="GiftWrapTax"),
	Rule(FeeCategory.WITHHELD_TAX, amount_type="ItemWithheldTax"),
	Rule(FeeCategory.PROMOTIONS, amount_type="Promotion"),
	# Fees Amazon ties to an order's item.
	Rule(FeeCategory.REFERRAL_FEES, amount_type="ItemFees", amount_description="Commission"),
	Rule(FeeCategory.REFERRAL_FEES, amount_type="ItemFees", amount_description="RefundCommission"),
	Rule(FeeCategory.REFERRAL_FEES, amount_type="ItemFees", amount_description="VariableClosingFee"),
	Rule(FeeCategory.REFERRAL_FEES, amount_type="ItemFees", amount_description="FixedClosingFee"),
	Rule(FeeCategory.FBA_FULFILMENT_FEES, amount_type="ItemFees", amount_description="FBAPerUnitFulfillmentFee"),
	Rule(FeeCategory.FBA_FULFILMENT_FEES, amount_type="ItemFees", amount_description="FBAPerOrderFulfillmentFee"),
	Rule(FeeCategory.FBA_FULFILMENT_FEES, amount_type="ItemFees", amount_description="FBAWeightBasedFee"),
	Rule(FeeCategory.FBA_FULFILMENT_FEES, amount_type="ItemFees", amount_description="ShippingChargeback"),
	Rule(FeeCategory.FBA_FULFILMENT_FEES, amount_type="ItemFees", amount_description="GiftwrapChargeback"),
	Rule(FeeCategory.FBA_FULFILMENT_FEES, amount_type="ItemFees", amount_description="ShippingHB"),
	# Multi-Channel Fulfilment's outbound transport (Fulfillment Outbound's fee names); not the inbound one.
	Rule(FeeCategory.FBA_FULFILMENT_FEES, amount_type="ItemFees", amount_description="FBATransportationFee"),
	Rule(FeeCategory.OTHER_FEES, amount_type="ItemFees"),  # DigitalServicesFee, SalesTaxCollectionFee, ...
	# Inventory and account fees ("other-transaction" in transaction-type and amount-type).
	Rule(FeeCategory.FBA_STORAGE_FEES, amount_description="Storage Fee"),
	Rule(FeeCategory.FBA_STORAGE_FEES, amount_description="FBAStorageFee"),
	Rule(FeeCategory.FBA_STORAGE_FEES, amount_description="StorageRenewalBilling"),
	Rule(FeeCategory.FBA_STORAGE_FEES, amount_description="FBA Long-Term Storage Fee"),
	Rule(FeeCategory.FBA_STORAGE_FEES, amount_description="FBA Long-Term Storage"),
	Rule(FeeCategory.FBA_STORAGE_FEES, amount_description="FBA Inventory Storage Fee"),
	Rule(FeeCategory.FBA_STORAGE_FEES, amount_description="MonthlyInventoryStorageFee"),
	Rule(FeeCategory.FBA_STORAGE_FEES, amount_description="FBALongTermStorageFee"),
	Rule(FeeCategory.FBA_STORAGE_FEES, amount_description="AgedInventorySurcharge"),
	Rule(FeeCategory.FBA_STORAGE_FEES, amount_description="FBA Aged Inventory Surcharge"),
	Rule(FeeCategory.FBA_STORAGE_FEES, amount_description="StorageUtilizationSurcharge"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="FBAInboundTransportationFee"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="Inbound Transportation Fee"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="Inbound Transportation Charge"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="FBAInboundTransportationProgramFee"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="InboundTransportationProgramFee"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="FBA Inbound Placement Service Fee"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="FBAInboundPlacementServiceFee"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="FBAInboundConvenienceFee"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="FBA Inbound Defect Fee"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="ManualProcessingFee"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="LabelingFee"),
	Rule(FeeCategory.INBOUND_PLACEMENT_FEES, amount_description="PolybaggingFee"),
	Rule(FeeCategory.REMOVAL_DISPOSAL_FEES, amount_description="RemovalComplete"),
	Rule(FeeCategory.REMOVAL_DISPOSAL_FEES, amount_description="DisposalComplete"),
	Rule(FeeCategory.REMOVAL_DISPOSAL_FEES, amount_description="FBARemovalFee"),
	Rule(FeeCategory.REMOVAL_DISPOSAL_FEES, amount_description="FBADisposalFee"),
	Rule(FeeCategory.REMOVAL_DISPOSAL_FEES, amount_description="Removal Fee"),
	Rule(FeeCategory.REMOVAL_DISPOSAL_FEES, amount_description="Disposal Fee"),
	Rule(FeeCategory.REMOVAL_DISPOSAL_FEES, amount_description="FBA Removal Order: Return Fee"),
	Rule(FeeCategory.REMOVAL_DISPOSAL_FEES, amount_description="FBA Removal Order: Disposal Fee"),
	Rule(FeeCategory.ADVERTISING, amount_type="Cost of Advertising"),
	Rule(FeeCategory.ADVERTISING, amount_description="Cost of Advertising"),
	Rule(FeeCategory.SUBSCRIPTION, amount_description="Subscription Fee"),
	Rule(FeeCategory.SUBSCRIPTION, amount_description="Subscription"),
	Rule(FeeCategory.SHIPPING_LABELS, amount_description="Shipping label purchase"),
	Rule(FeeCategory.SHIPPING_LABELS, amount_description="Shipping label purchase for return"),
	Rule(FeeCategory.SHIPPING_LABELS, amount_description="Carrier Shipping Label Adjustments"),
	Rule(FeeCategory.SHIPPING_LABELS, amount_description="ShippingServicesRefund"),
	Rule(FeeCategory.SHIPPING_LABELS, amount_description="MFNPostageFee"),
	Rule(FeeCategory.DEAL_COUPON_FEES, anywhere="CouponRedemptionFee"),
	Rule(FeeCategory.DEAL_COUPON_FEES, anywhere="RunLightningDealFee"),
	Rule(FeeCategory.DEAL_COUPON_FEES, anywhere="Lightning Deal Fee"),
	Rule(FeeCategory.DEAL_COUPON_FEES, anywhere="Vine Enrollment Fee"),
	Rule(FeeCategory.DEAL_COUPON_FEES, anywhere="Early Reviewer Program fee"),
	# Amazon pays the seller.
	Rule(FeeCategory.REIMBURSEMENTS, anywhere="FBA Inventory Reimbursement"),
	Rule(FeeCategory.CHARGEBACKS_CLAIMS, anywhere="SAFE-T reimbursement"),
	Rule(FeeCategory.CHARGEBACKS_CLAIMS, transaction_type="A-to-z Guarantee Refund"),
	Rule(FeeCategory.CHARGEBACKS_CLAIMS, transaction_type="Chargeback Refund"),
	Rule(FeeCategory.OTHER_ADJUSTMENTS, transaction_type="Adjustment"),
	Rule(FeeCategory.OTHER_ADJUSTMENTS, amount_description="Balance Adjustment"),
)


def _matches(rule: Rule, transaction: str, kind: str, description: str) -> bool:
	if rule.anywhere:
		wanted = normalize(rule.anywhere)
		return wanted in (transaction, kind, description)
	if rule.transaction_type and normalize(rule.transaction_type) != transaction:
		return False
	if rule.amount_type and normalize(rule.amount_type) != kind:
		return False
	if rule.amount_description and normalize(rule.amount_description) != description:
		# Some files write an other-transaction's name in transaction-type instead ("StorageRenewalBilling",
		# "Storage Fee" as transaction-type): a rule on the description alone matches either.
		only_description = not rule.transaction_type and not rule.amount_type
		return only_description and normalize(rule.amount_description) == transaction
	return True


@lru_cache(maxsize=1024)  # a settlement repeats few distinct triples: decide each once
def category_of(transaction_type: str, amount_type: str, amount_description: str) -> FeeCategory:
	"""The category of a settlement line, from its three columns as Amazon writes them (table above)."""
	transaction = normalize(transaction_type)
	kind = normalize(amount_type)
	description = normalize(amount_description)
	for rule in RULES:
		if _matches(rule, transaction, kind, description):
			return rule.category
	if kind == "itemprice" and description.endswith("tax"):
		return FeeCategory.SALES_TAX  # "ItemPrice / ...Tax": every tax on the price (e.g. "RegulatoryFeeTax")
	if "reimbursement" in kind or "reimbursement" in description:
		return FeeCategory.OTHER_ADJUSTMENTS  # Amazon pays back something it charged
	return FeeCategory.UNKNOWN


@dataclass(frozen=True, slots=True)
class DescriptionRule:
	"""A seller's rule: lines with this amount-description (and, if set, this amount-type) go to `account`,
	before the category's own account. Matching ignores case and spaces, as `category_of` does."""

	amount_description: str
	account: str
	amount_type: str = ""


def account_for(
	category: FeeCategory,
	amount_type: str,
	amount_description: str,
	rules: tuple[DescriptionRule, ...],
	accounts: dict[FeeCategory, str],
	suspense: str,
) -> tuple[str, bool]:
	"""(account, in_suspense) of a fee-entry amount: the first description rule that matches, else its
	category's account, else the suspense account (an UNKNOWN amount always, unless a rule names it)."""
	kind = normalize(amount_type)
	description = normalize(amount_description)
	for rule in rules:
		if normalize(rule.amount_description) == description and (
			not rule.amount_type or normalize(rule.amount_type) == kind
		):
			return rule.account, False
	account = accounts.get(category) if category is not FeeCategory.UNKNOWN else None
	if account:
		return account, False
	return suspense, True


__all__ = [
	"BALANCE_CATEGORIES",
	"DescriptionRule",
	"EXPENSE_CATEGORIES",
	"FEE_ENTRY_CATEGORIES",
	"FeeCategory",
	"INCOME_CATEGORIES",
	"INVOICE_CATEGORIES",
	"RULES",
	"Rule",
	"account_for",
	"category_of",
	"normalize",
]
