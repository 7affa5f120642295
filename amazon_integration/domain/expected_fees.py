"""Amazon's expected fees of an order before its settlement closes: Finances API 2024-06-19 transactions read as
fee categories (domain/fees.py), so the profit report can show them apart from what the ledger booked.

A transaction (`listTransactions`) carries its money as a tree of breakdowns, on each item (with the item's
SKU in a ProductContext) or, for account-level charges (storage, subscription) and some adjustments, on the
transaction itself. Amazon nests the same amount at several levels (a group "AmazonFees" holding "Commission",
which may hold "Base" and "Tax"), so an amount is taken once, at the first node that says what it is:

- a group node (ProductCharges, AmazonFees, Expenses, Promotion..., TaxWithheld) only says which settlement
  amount-type its children are (ItemPrice, ItemFees, Promotion, ItemWithheldTax; a non-order transaction's
  fees stay "other-transaction", as the settlement report writes them);
- a node whose type `category_of` knows on its own (Commission, FBAPerUnitFulfillmentFee, Storage Fee,
  FBAInventoryReimbursement...) is taken whole, its children ignored;
- a leaf nobody knows falls back to what its group's amount type means (an unknown "ItemFees" is Other Fees)
  or UNKNOWN: never dropped.

Item breakdowns are used when any item has them (they carry the SKU); the transaction's own breakdowns
otherwise (they sum the items', so reading both would count twice). Pure: no I/O, no frappe; the transaction
is any object shaped like `amazon.finances.Transaction` (see the Protocols below).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from amazon_integration.domain.fees import INVOICE_CATEGORIES, FeeCategory, category_of, normalize


class BreakdownLike(Protocol):
	type: str
	amount: Decimal | None
	children: Sequence[BreakdownLike]


class ItemLike(Protocol):
	sku: str | None
	breakdowns: Sequence[BreakdownLike]


class TransactionLike(Protocol):
	transaction_id: str
	transaction_type: str
	status: str | None
	posted: datetime | None
	currency: str | None
	marketplace_id: str | None
	marketplace_name: str | None
	order_id: str | None
	group_id: str | None
	items: Sequence[ItemLike]
	breakdowns: Sequence[BreakdownLike]


# 2024-06-19 transactionType -> the settlement report's transaction-type, as category_of reads it.
TRANSACTION_TYPES = {
	"shipment": "Order",
	"refund": "Refund",
	"guaranteeclaim": "A-to-z Guarantee Refund",
	"chargeback": "Chargeback Refund",
	"servicefee": "other-transaction",
	"adjustment": "Adjustment",
}
ORDER_TRANSACTIONS = frozenset({"Order", "Refund", "A-to-z Guarantee Refund", "Chargeback Refund"})
# Group nodes: the settlement amount-type of what they hold.
GROUPS = {
	"sales": "ItemPrice",
	"productcharges": "ItemPrice",
	"shippingcharges": "ItemPrice",
	"giftwrapcharges": "ItemPrice",
	"amazonfees": "ItemFees",
	"expenses": "ItemFees",
	"fees": "ItemFees",
	"itemfees": "ItemFees",
	"promotion": "Promotion",
	"promotions": "Promotion",
	"promotiondiscounts": "Promotion",
	"taxwithheld": "ItemWithheldTax",
	"taxeswithheld": "ItemWithheldTax",
	"itemwithheldtax": "ItemWithheldTax",
}
# 2024-06-19 names of the buyer's charges -> the settlement's amount-description.
CHARGE_NAMES = {
	"ourpriceprincipal": "Principal",
	"ourpricetax": "Tax",
	"shippingcharge": "Shipping",
	"shippingprice": "Shipping",
	"shippingpricetax": "ShippingTax",
	"giftwrapprice": "GiftWrap",
	"giftwrappricetax": "GiftWrapTax",
}
_NOTHING = "\x00"  # a description no rule matches: what a group's amount type means on its own


@dataclass(frozen=True, slots=True)
class ExpectedAmount:
	"""One amount of a transaction Amazon has posted, by what it is (sign as in the settlement: fees negative)."""

	transaction_id: str
	category: FeeCategory
	breakdown_type: str  # Amazon's name of the amount: "Commission", "Storage Fee", ...
	amount: Decimal
	currency: str
	order_id: str = ""
	sku: str = ""
	marketplace_id: str = ""
	marketplace_name: str = ""
	posted: datetime | None = None
	group_id: str = ""  # the financial event group (settlement) it will be paid out in
	status: str = ""  # RELEASED, DEFERRED, DEFERRED_RELEASED

	@property
	def is_fee(self) -> bool:
		"""Booked by the settlement's fee entry (not the buyer's money on the invoice, nor the reserve)."""
		return self.category not in INVOICE_CATEGORIES and self.category is not FeeCategory.RESERVE


def settlement_transaction_type(transaction_type: str) -> str:
	return TRANSACTION_TYPES.get(normalize(transaction_type or ""), transaction_type or "")


def _walk(
	nodes: Iterable[BreakdownLike], transaction_type: str, amount_type: str
) -> Iterable[tuple[FeeCategory, str, Decimal]]:
	for node in nodes:
		name = node.type or ""
		key = normalize(name)
		children = list(node.children or ())
		group = GROUPS.get(key)
		if group is not None and children:
			if group == "ItemFees" and transaction_type not in ORDER_TRANSACTIONS:
				group = amount_type  # an account's fees are "other-transaction" in the settlement report
			yield from _walk(children, transaction_type, group)
			continue
		description = CHARGE_NAMES.get(key, name) if amount_type == "ItemPrice" else name
		category = category_of(transaction_type, amount_type, description)
		fallback = category_of(transaction_type, amount_type, _NOTHING)
		if children and category == fallback:
			yield from _walk(children, transaction_type, amount_type)  # a group we do not know: look inside
			continue
		if node.amount:
			yield category, name, node.amount


def expected_amounts(transaction: TransactionLike) -> list[ExpectedAmount]:
	"""Every amount of one transaction with its category, SKU and order (table in the module docstring)."""
	transaction_type = settlement_transaction_type(transaction.transaction_type)
	start_type = "other-transaction" if transaction_type not in ORDER_TRANSACTIONS else ""
	base = {
		"transaction_id": transaction.transaction_id,
		"currency": transaction.currency or "",
		"order_id": transaction.order_id or "",
		"marketplace_id": transaction.marketplace_id or "",
		"marketplace_name": transaction.marketplace_name or "",
		"posted": transaction.posted,
		"group_id": transaction.group_id or "",
		"status": transaction.status or "",
	}
	found: list[ExpectedAmount] = []
	items = [item for item in transaction.items if item.breakdowns]
	if items:
		for item in items:
			for category, name, amount in _walk(item.breakdowns, transaction_type, start_type):
				found.append(ExpectedAmount(category=category, breakdown_type=name, amount=amount, sku=item.sku or "", **base))
	else:
		# Account-level money; a single item (e.g. one SKU's reimbursement) still names the SKU.
		skus = {item.sku for item in transaction.items if item.sku}
		sku = skus.pop() if len(skus) == 1 else ""
		for category, name, amount in _walk(transaction.breakdowns, transaction_type, start_type):
			found.append(ExpectedAmount(category=category, breakdown_type=name, amount=amount, sku=sku, **base))
	return found


def expected_fees(transactions: Iterable[TransactionLike]) -> list[ExpectedAmount]:
	"""The fee-entry amounts (fees, reimbursements, adjustments...) of the transactions, the buyer's money left
	out: the invoice already holds it."""
	return [amount for transaction in transactions for amount in expected_amounts(transaction) if amount.is_fee]


__all__ = [
	"ExpectedAmount",
	"expected_amounts",
	"expected_fees",
	"settlement_transaction_type",
]
