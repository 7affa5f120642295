"""Scheduled work: the one enqueue point for background jobs per Amazon Account."""

from __future__ import annotations

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime

ORDER_SYNC_QUEUE = "long"
# A first import of a large backlog may take long; a job cut short loses nothing (the cursor waits for a
# complete window) but would start that window over.
ORDER_SYNC_TIMEOUT = 4 * 3600


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


def enqueue_order_sync(account: str, log: str | None = None) -> None:
	"""`log`: a Queued Amazon Sync Log the job runs under (the desk user follows it)."""
	# job_id + deduplicate: never two sync jobs of one account at once.
	frappe.enqueue(
		"amazon_integration.erpnext.order_sync.sync_account_orders",
		queue=ORDER_SYNC_QUEUE,
		timeout=ORDER_SYNC_TIMEOUT,
		job_id=order_sync_job_id(account),
		deduplicate=True,
		enqueue_after_commit=True,
		account=account,
		log=log,
	)


def order_sync_queued(account: str) -> bool:
	from frappe.utils.background_jobs import is_job_enqueued

	return is_job_enqueued(order_sync_job_id(account))


def order_sync_job_id(account: str) -> str:
	return f"amazon_order_sync::{account}"


def dispatch_shipment_sync() -> None:
	"""Cron entry: accounts with shipments waiting for Amazon (or whose outcome is unknown) get a job."""
	accounts = frappe.get_all(
		"Delivery Note",
		filters={"docstatus": 1, "amazon_sync_status": ("in", ["Pending", "Failed"])},
		or_filters={"amazon_sync_status": "Pending", "amazon_sync_unconfirmed": 1},
		pluck="amazon_account",
		distinct=True,
	)
	enabled = set(frappe.get_all("Amazon Account", filters={"enabled": 1}, pluck="name"))
	for account in set(accounts) & enabled:
		enqueue_shipment_sync(account)


def enqueue_shipment_sync(account: str, include_failed: bool = False) -> None:
	frappe.enqueue(
		"amazon_integration.erpnext.shipments.sync_account_shipments",
		queue="short",
		job_id=f"amazon_shipment_sync::{account}",
		deduplicate=True,
		enqueue_after_commit=True,
		account=account,
		include_failed=include_failed,
	)


def dispatch_settlement_import() -> None:
	"""Daily: accounts that import settlements get a job each."""
	for account in frappe.get_all("Amazon Account", filters={"enabled": 1, "import_settlements": 1}, pluck="name"):
		enqueue_settlement_import(account)


def enqueue_settlement_import(account: str) -> None:
	frappe.enqueue(
		"amazon_integration.erpnext.settlements.import_account_settlements",
		queue="long",
		timeout=3600,
		job_id=f"amazon_settlement_import::{account}",
		deduplicate=True,
		enqueue_after_commit=True,
		account_name=account,
	)
