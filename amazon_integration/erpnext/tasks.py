"""Scheduled work: the one enqueue point for background jobs per Amazon Account."""

from __future__ import annotations

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime

ORDER_SYNC_QUEUE = "long"
# A first import of a large backlog may take long; a job cut short loses nothing (the cursor waits for a
# complete window) but would start that window over.
ORDER_SYNC_TIMEOUT = 4 * 3600


def _enqueue(method: str, job_id: str, queue: str, timeout: int | None = None, **kwargs) -> None:
	"""Every background job of the app: `method` of amazon_integration.erpnext; job_id + deduplicate, so never two
	jobs of one kind for one account at once; after the commit that asked for it, so the job sees what it saved.
	It runs through jobs.run_job, which fits its Amazon calls within the queue's timeout."""
	from frappe.utils.background_jobs import get_queues_timeout

	timeout = timeout or get_queues_timeout().get(queue) or 300
	forget_dead_job(job_id)
	frappe.enqueue(
		"amazon_integration.erpnext.jobs.run_job",
		queue=queue,
		timeout=timeout,
		job_id=job_id,
		deduplicate=True,
		enqueue_after_commit=True,
		job_method=method,
		job_timeout=timeout,
		**kwargs,
	)


def _backing_off() -> set[str]:
	"""Accounts Amazon did not answer, until their retry time: scheduled jobs skip them (connection_health.py)."""
	from amazon_integration.erpnext.connection_health import backing_off

	return backing_off()


def dispatch_order_sync() -> None:
	"""Cron entry: enqueue one order-sync job per enabled account whose interval has elapsed."""
	now = now_datetime()
	resting = _backing_off()
	for account in frappe.get_all(
		"Amazon Account", filters={"enabled": 1}, fields=["name", "last_order_sync", "sync_interval"]
	):
		if account.name in resting:
			continue
		if account.last_order_sync and account.sync_interval:
			due = add_to_date(get_datetime(account.last_order_sync), minutes=account.sync_interval)
			if due > now:
				continue
		enqueue_order_sync(account.name)


def enqueue_order_sync(account: str, log: str | None = None) -> None:
	"""`log`: a Queued Amazon Sync Log the job runs under (the desk user follows it)."""
	_enqueue(
		"order_sync.sync_account_orders",
		order_sync_job_id(account),
		ORDER_SYNC_QUEUE,
		ORDER_SYNC_TIMEOUT,
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
	enabled = set(frappe.get_all("Amazon Account", filters={"enabled": 1}, pluck="name")) - _backing_off()
	for account in set(accounts) & enabled:
		enqueue_shipment_sync(account)


def enqueue_shipment_sync(account: str, include_failed: bool = False) -> None:
	_enqueue(
		"shipments.sync_account_shipments",
		f"amazon_shipment_sync::{account}",
		"short",
		account=account,
		include_failed=include_failed,
	)


def dispatch_settlement_import() -> None:
	"""Daily: accounts that import settlements get a job each."""
	resting = _backing_off()
	for account in frappe.get_all("Amazon Account", filters={"enabled": 1, "import_settlements": 1}, pluck="name"):
		if account not in resting:
			enqueue_settlement_import(account)


def enqueue_settlement_import(account: str) -> None:
	_enqueue(
		"settlements.import_account_settlements", f"amazon_settlement_import::{account}", "long", 3600, account_name=account
	)


def dispatch_inbound_receipts() -> None:
	"""Hourly: every inbound shipment on its way to Amazon gets a job reading Amazon's receipts."""
	from amazon_integration.erpnext.inbound import open_shipments

	for name in open_shipments():
		enqueue_inbound_receipts(name)


def enqueue_inbound_receipts(shipment: str) -> None:
	_enqueue("inbound.sync_shipment_receipts", f"amazon_inbound_receipts::{shipment}", "short", name=shipment)


def dispatch_invoice_uploads() -> None:
	"""Cron entry: accounts with invoices waiting to go to Amazon (or for Amazon's answer) get a job."""
	orders = frappe.get_all(
		"Sales Invoice", filters={"docstatus": 1, "amazon_invoice_upload": "Pending"}, pluck="amazon_order_id", distinct=True
	)
	if not orders:
		return
	accounts = frappe.get_all(
		"Sales Order", filters={"amazon_order_id": ("in", orders)}, pluck="amazon_account", distinct=True
	)
	enabled = set(frappe.get_all("Amazon Account", filters={"enabled": 1}, pluck="name")) - _backing_off()
	for account in set(accounts) & enabled:
		enqueue_invoice_upload(account)


def enqueue_invoice_upload(account: str) -> None:
	_enqueue("vat_invoices.upload_account_invoices", f"amazon_invoice_upload::{account}", "short", account=account)


def dispatch_aftersale_import() -> None:
	"""Daily: accounts that import returns, reimbursements and removals get a job each."""
	resting = _backing_off()
	for account in frappe.get_all("Amazon Account", filters={"enabled": 1, "import_aftersale": 1}, pluck="name"):
		if account not in resting:
			enqueue_aftersale_import(account)


AFTERSALE_TIMEOUT = 3600


def enqueue_aftersale_import(account: str) -> None:
	_enqueue(
		"aftersale.import_account_aftersale", aftersale_job_id(account), "long", AFTERSALE_TIMEOUT, account=account
	)


STOCK_PUSH_TIMEOUT = 1500  # a feed's report is waited for up to amazon_feed_wait_seconds (600) within this


def schedule_stock_push(account: str) -> None:
	"""A stock change: push now if the account's sync interval has passed since its last push, else the
	dispatcher does once it has (the changed items wait in the cache meanwhile)."""
	if account not in _backing_off() and _stock_push_due(
		frappe.db.get_value("Amazon Account", account, ["last_stock_push", "sync_interval"], as_dict=True)
	):
		enqueue_stock_push(account)


def dispatch_stock_push() -> None:
	"""Cron entry (every minute): accounts with changed items whose interval has passed get a job."""
	from amazon_integration.erpnext.stock import has_dirty_items

	resting = _backing_off()
	for account in frappe.get_all(
		"Amazon Account",
		filters={"enabled": 1, "push_stock": 1},
		fields=["name", "last_stock_push", "sync_interval"],
	):
		if account.name not in resting and _stock_push_due(account) and has_dirty_items(account.name):
			enqueue_stock_push(account.name)


def _stock_push_due(account) -> bool:
	if not account or not account.last_stock_push or not account.sync_interval:
		return True
	return add_to_date(get_datetime(account.last_stock_push), minutes=account.sync_interval) <= now_datetime()


def enqueue_stock_push(account: str) -> None:
	"""One job per account at a time; it sends the SKUs of every item changed until it starts."""
	_enqueue_stock_push(account, "amazon_stock_push", trigger="Stock Change", only_dirty=True)


def dispatch_stock_reconcile() -> None:
	"""Daily: every pushing account sends all its FBM quantities again (what Amazon drifted to is corrected)."""
	resting = _backing_off()
	for account in frappe.get_all("Amazon Account", filters={"enabled": 1, "push_stock": 1}, pluck="name"):
		if account not in resting:
			enqueue_full_stock_push(account, trigger="Daily Reconcile")


def enqueue_full_stock_push(account: str, trigger: str = "Manual") -> None:
	_enqueue_stock_push(account, "amazon_stock_push_full", trigger=trigger, resend=True)


def _enqueue_stock_push(account: str, job: str, **kwargs) -> None:
	_enqueue("stock.push_account_stock", f"{job}::{account}", "long", STOCK_PUSH_TIMEOUT, account=account, **kwargs)


def dispatch_buyer_data_retention() -> None:
	"""Daily: every account (a disabled one too: its buyers' data is still held) removes what is due."""
	for account in frappe.get_all("Amazon Account", pluck="name"):
		enqueue_buyer_data_retention(account)


def aftersale_job_id(account: str) -> str:
	return f"amazon_aftersale_import::{account}"


RETENTION_TIMEOUT = 3600  # a run stops taking buyers after 45 minutes (erpnext/retention.py)


def retention_job_id(account: str) -> str:
	return f"amazon_buyer_data_retention::{account}"


def enqueue_buyer_data_retention(account: str) -> None:
	_enqueue(
		"retention.remove_account_buyer_data", retention_job_id(account), "long", RETENTION_TIMEOUT, account=account
	)


BACKFILL_TIMEOUT = 6 * 3600  # a year of orders: the report takes minutes, ERPNext seconds per order


def enqueue_backfill(account: str, since: str, until: str | None, move_stock: bool, log: str) -> None:
	"""Import the account's order history (erpnext/backfill.py) under the Queued Amazon Sync Log `log`."""
	_enqueue(
		"backfill.backfill_orders",
		backfill_job_id(account),
		"long",
		BACKFILL_TIMEOUT,
		account=account,
		since=since,
		until=until,
		move_stock=move_stock,
		log=log,
	)


def backfill_queued(account: str) -> bool:
	from frappe.utils.background_jobs import is_job_enqueued

	return is_job_enqueued(backfill_job_id(account))


def backfill_job_id(account: str) -> str:
	return f"amazon_backfill::{account}"


WORKER_SILENCE = 120  # seconds without a heartbeat after which a worker is dead (RQ beats every 30 s while busy)


def forget_dead_job(job_id: str) -> None:
	"""A job whose worker died (SIGKILL, out of memory, a restart) stays "started" in RQ until its registry is
	cleaned, minutes later, and deduplication refuses every new job of that id meanwhile: the account's sync would
	stop. Such a job is deleted here, so the next one is queued. Its work is resumable by design."""
	import socket

	import psutil
	from frappe.utils.background_jobs import get_job, get_redis_conn
	from rq import Worker
	from rq.job import JobStatus
	from rq.utils import utcnow

	job = get_job(job_id)
	if not job or job.get_status() != JobStatus.STARTED:
		return
	for worker in Worker.all(connection=get_redis_conn()):
		if worker.get_current_job_id() != job.id:
			continue
		silent = (utcnow() - worker.last_heartbeat).total_seconds() if worker.last_heartbeat else WORKER_SILENCE
		gone = worker.hostname == socket.gethostname() and worker.pid and not psutil.pid_exists(worker.pid)
		if not gone and silent < WORKER_SILENCE:
			return  # alive: running it now
	job.delete()
