"""Where each category of Amazon's money goes in the books: the Amazon Account's "Accounts by Category" table,
its description rules, the suspense account, and the default accounts "Create Fee Accounts" offers.

Resolution of a fee-entry amount (domain/fees.py `account_for`): a row of the table with the amount's
amount-description (and amount-type, if set) -> the row of its category without a description -> the
category's fallback below -> the suspense account (then listed as "in suspense"):
- Reimbursements: the FBA Loss Account when set (the write-off and Amazon's payment for it net on one account);
- Seller Repayments (card charge, debt recovery): the settlement's payout bank account, whose money it is;
- Shipping Labels, when the account buys labels from the Delivery Note: the supplier Amazon's payable, whatever
  the category is mapped to, as those labels were expensed (to the Label Expense Account, else the category's
  account, else the Amazon Fees Account) and owed to Amazon when bought;
- Lending Repayments and Unknown: none (suspense): a loan is no cost, a new amount type is never guessed;
- every other category: the Amazon Fees Account, as before the categories existed.
Without a Suspense Account, suspense amounts go to the Amazon Fees Account, still marked and listed.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document

from amazon_integration.domain.fees import (
	EXPENSE_CATEGORIES,
	DescriptionRule,
	FeeCategory,
	account_for,
)

NO_FALLBACK = frozenset({FeeCategory.LENDING_REPAYMENTS, FeeCategory.UNKNOWN})


class FeeAccounts:
	"""An Amazon Account's fee mapping for one settlement currency, resolved once per settlement."""

	def __init__(self, account: Document, payout_account: str) -> None:
		self.rules = tuple(
			DescriptionRule(row.amount_description, row.account, row.amount_type or "")
			for row in account.get("fee_accounts") or []
			if row.amount_description and row.account
		)
		self.accounts: dict[FeeCategory, str] = {}
		for category in FeeCategory:
			if category in NO_FALLBACK:
				continue
			if category is FeeCategory.SELLER_REPAYMENTS:
				self.accounts[category] = payout_account
			elif category is FeeCategory.REIMBURSEMENTS and account.get("fba_loss_account"):
				self.accounts[category] = account.fba_loss_account
			elif account.get("fees_account"):
				self.accounts[category] = account.fees_account
		for row in account.get("fee_accounts") or []:
			if not row.amount_description and row.account:
				self.accounts[FeeCategory(row.category)] = row.account
		if account.get("amazon_supplier") and buys_labels_here(account.name):
			# Labels bought from the Delivery Note were expensed when bought, owed to Amazon (labels.py): the
			# settlement's label lines settle that debt instead of booking the expense twice.
			from erpnext.accounts.party import get_party_account

			self.accounts[FeeCategory.SHIPPING_LABELS] = get_party_account(
				"Supplier", account.amazon_supplier, account.company
			)
		self.suspense = account.get("suspense_account") or account.get("fees_account")
		self.cost_centers = marketplace_cost_centers(account)
		self.default_cost_center = frappe.get_cached_value("Company", account.company, "cost_center")
		self.dimensions = marketplace_dimensions()
		self.marketplace_ids = (
			{
				row.marketplace_name.lower(): row.name
				for row in frappe.get_all("Amazon Marketplace", fields=["name", "marketplace_name"])
				if row.marketplace_name
			}
			if self.dimensions
			else {}
		)

	def resolve(self, category: FeeCategory, amount_type: str, amount_description: str) -> tuple[str, bool]:
		return account_for(category, amount_type, amount_description, self.rules, self.accounts, self.suspense)

	def cost_center(self, marketplace_name: str) -> str:
		return self.cost_centers.get((marketplace_name or "").lower()) or self.default_cost_center

	def dimension_values(self, marketplace_name: str) -> dict[str, str]:
		"""The marketplace on each accounting dimension of Amazon Marketplaces, for a fee entry row."""
		marketplace = self.marketplace_ids.get((marketplace_name or "").lower())
		return {fieldname: marketplace for fieldname in self.dimensions} if marketplace else {}


def buys_labels_here(account_name: str) -> bool:
	"""Whether the account buys its FBM labels from the Delivery Note (Amazon Buy Shipping, labels.py)."""
	return bool(
		frappe.db.exists("Delivery Note", {"amazon_account": account_name, "amazon_label_journal_entry": ("is", "set")})
	)


def shipping_labels_account(account: Document) -> str | None:
	"""The account the Shipping Labels category is mapped to on the Amazon Account, if any."""
	for row in account.get("fee_accounts") or []:
		if row.category == FeeCategory.SHIPPING_LABELS.value and not row.amount_description and row.account:
			return row.account
	return None


def marketplace_dimensions() -> tuple[str, ...]:
	"""The fieldnames of the enabled accounting dimensions whose values are Amazon Marketplaces (a company that
	reads its P&L per marketplace by dimension rather than by cost center): the fee entry puts each row's
	marketplace on them."""
	from erpnext.accounts.doctype.accounting_dimension.accounting_dimension import get_accounting_dimensions

	return tuple(
		dimension.fieldname
		for dimension in get_accounting_dimensions(as_list=False)
		if dimension.document_type == "Amazon Marketplace"
	)


def marketplace_cost_centers(account: Document) -> dict[str, str]:
	"""Amazon's marketplace-name ("Amazon.de", lower case) -> the cost center set on the account's row."""
	found = {}
	for row in account.get("marketplaces") or []:
		if row.get("cost_center"):
			name = frappe.get_cached_value("Amazon Marketplace", row.marketplace, "marketplace_name")
			if name:
				found[name.lower()] = row.cost_center
	return found


# -- default accounts -----------------------------------------------------------------------------------------


def create_default_fee_accounts(account: Document) -> list[str]:
	"""Give every cost category without an account its own expense ledger ("Amazon Referral Fees", ...), next to
	the Amazon Fees Account (or under the company's Indirect Expenses), and a suspense account when there is
	none. Never changes a row or field the seller set; an existing ledger of the same name is reused. Returns
	the accounts it set on the Amazon Account (the caller saves it)."""
	company = account.company
	mapped = {row.category for row in account.get("fee_accounts") or [] if not row.amount_description}
	wanted = [category for category in EXPENSE_CATEGORIES if category.value not in mapped]
	if not account.get("fba_loss_account") and FeeCategory.REIMBURSEMENTS.value not in mapped:
		wanted.append(FeeCategory.REIMBURSEMENTS)
	set_now = []
	if wanted:
		expense_parent = _parent_group(company, "Expense", account.get("fees_account"), "Indirect Expenses")
		income_parent = None
		for category in wanted:
			if category is FeeCategory.REIMBURSEMENTS:
				income_parent = income_parent or _parent_group(company, "Income", None, "Indirect Income")
				name = _ledger(company, _("Amazon {0}").format(_(category.value)), income_parent, "Income Account")
			else:
				name = _ledger(company, _("Amazon {0}").format(_(category.value)), expense_parent, "Expense Account")
			account.append("fee_accounts", {"category": category.value, "account": name})
			set_now.append(name)
	if not account.get("suspense_account"):
		parent = _parent_group(company, "Asset", None, "Temporary Accounts")
		account.suspense_account = _ledger(company, _("Amazon Suspense"), parent, "Temporary")
		set_now.append(account.suspense_account)
	return set_now


def _parent_group(company: str, root_type: str, sibling: str | None, preferred: str) -> str:
	if sibling:
		parent = frappe.db.get_value("Account", sibling, "parent_account")
		if parent:
			return parent
	groups = frappe.get_all(
		"Account",
		filters={"company": company, "root_type": root_type, "is_group": 1},
		fields=["name", "account_name", "lft"],
		order_by="lft asc",
	)
	for group in groups:
		if group.account_name == preferred:
			return group.name
	if not groups:
		frappe.throw(
			_("Company {0} has no {1} group account to put the Amazon accounts under.").format(company, root_type),
			title=_("No Account Group"),
		)
	return groups[0].name  # the root group: it always takes a ledger


def _ledger(company: str, account_name: str, parent: str, account_type: str) -> str:
	existing = frappe.db.get_value("Account", {"company": company, "account_name": account_name, "is_group": 0})
	if existing:
		return existing
	doc = frappe.get_doc(
		{
			"doctype": "Account",
			"company": company,
			"account_name": account_name,
			"parent_account": parent,
			"is_group": 0,
			"account_type": account_type,
			"account_currency": frappe.get_cached_value("Company", company, "default_currency"),
		}
	)
	doc.flags.ignore_permissions = True
	doc.insert()
	return doc.name
