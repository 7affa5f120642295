"""Amazon's expected fees of orders whose settlement has not closed: Finances API 2024-06-19 transactions kept as
`Amazon Expected Fee` records, which the profit report shows apart from the booked amounts (report/amazon_profit).

Daily, per account: the transactions Amazon posted in the last LOOKBACK_DAYS are read (amazon/finances.py) and
mapped to fee categories (domain/expected_fees.py); the account's records of that window are replaced by them,
so a transaction Amazon corrects is never counted twice. Records of a settlement once booked stay, but the
report ignores them: the booked amounts replace them (profit.py). Only the fee-entry money is kept: the buyer's
money is already on the invoice.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from amazon_integration.domain.expected_fees import ExpectedAmount, expected_fees
from amazon_integration.erpnext.timezone import to_system

DOCTYPE = "Amazon Expected Fee"
LOOKBACK_DAYS = 30  # a settlement period is 14 days; a month covers the open one and a late one


def refresh_expected_fees(account_name: str, since=None) -> int:
	"""Replace the account's expected fees posted since `since` (default LOOKBACK_DAYS ago) with Amazon's
	current transactions. Returns the number of records kept."""
	from amazon_integration.erpnext.account_client import get_client

	account = frappe.get_doc("Amazon Account", account_name)
	client = get_client(account)
	since = since or now_datetime() - timedelta(days=LOOKBACK_DAYS)
	amounts = expected_fees(client.list_transactions(posted_after=since))
	frappe.db.delete(DOCTYPE, {"amazon_account": account.name, "posted": (">=", since)})
	_insert(account.name, amounts)
	return len(amounts)


def refresh_order_expected_fees(account_name: str, order_id: str) -> int:
	"""One order's expected fees, now (e.g. from the order's form or a test)."""
	from amazon_integration.erpnext.account_client import get_client

	client = get_client(account_name)
	amounts = expected_fees(client.list_transactions(order_id=order_id))
	frappe.db.delete(DOCTYPE, {"amazon_account": account_name, "amazon_order_id": order_id})
	_insert(account_name, amounts)
	return len(amounts)


def _insert(account_name: str, amounts: list[ExpectedAmount]) -> None:
	now = now_datetime()
	user = frappe.session.user
	fields = [
		"name", "creation", "modified", "owner", "modified_by", "amazon_account", "amazon_order_id", "sku",
		"marketplace", "category", "breakdown_type", "currency", "amount", "posted", "transaction_id",
		"financial_event_group", "transaction_status",
	]  # fmt: skip
	values = [
		(
			frappe.generate_hash(length=12), now, now, user, user, account_name, amount.order_id, amount.sku,
			amount.marketplace_name, amount.category.value, amount.breakdown_type, amount.currency,
			float(amount.amount), to_system(amount.posted) if amount.posted else None, amount.transaction_id,
			amount.group_id, amount.status,
		)  # fmt: skip
		for amount in amounts
	]
	frappe.db.bulk_insert(DOCTYPE, fields, values, chunk_size=1000)
