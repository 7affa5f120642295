"""Scheduled work: the one enqueue point for background jobs per Amazon Account."""

from __future__ import annotations

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime

ORDER_SYNC_QUEUE = "long"


def dispatch_order_sync() -> None:
	"""Cron entry: enqueue one order-sync job per enabled account whose interval has elapsed."""
	now = now_datetime()
	for account in frappe.get_all(
		"Amazon Account", filters={"enabled": 1}, fields=["name", "last_order_sync", "sync_interval"]
	):
		if account.last_order_sync and account.sync_interval:
			due = add_to_date(get_datetime(account.last_order_sync), minutes=account.sync_interval)
			if due > now:
				continue
		enqueue_order_sync(account.name)


def enqueue_order_sync(account: str) -> None:
	# job_id + deduplicate: never two sync jobs of one account at once.
	frappe.enqueue(
		"amazon_integration.erpnext.order_sync.sync_account_orders",
		queue=ORDER_SYNC_QUEUE,
		job_id=order_sync_job_id(account),
		deduplicate=True,
		enqueue_after_commit=True,
		account=account,
	)


def order_sync_job_id(account: str) -> str:
	return f"amazon_order_sync::{account}"
