"""Background jobs: the table of job kinds, the one enqueue, and `run_job`, which runs every job of the app.

- `JOBS`: each kind of job (what it runs, on which queue, for how long, under which id). A kind has one job per key
  (an account, a settlement) at a time: its id is `<name>::<key>`, enqueued with deduplicate, so a second ask while
  one is queued or running is dropped, and after the commit that asked for it, so the job sees what it saved.
- `run_job`: the job's Amazon calls get a budget derived from its timeout (amazon/budget.py), so their retries end,
  and the job records why, before RQ kills it. After the job, each account it called is marked answering or not
  (connection_health.py).
The cron entries that decide which accounts are due are in scheduler.py; runs and their logs in runs.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import frappe

from amazon_integration.amazon.budget import job_budget
from amazon_integration.domain.aftersale import IMPORTS
from amazon_integration.erpnext import database
from amazon_integration.erpnext.account_client import (
	call_budget,
	configured_http_timeout,
	configured_retry_deadline,
	watch_clients,
)
from amazon_integration.erpnext.connection_health import record_answers


@dataclass(eq=False)
class JobKind:
	"""One kind of background job."""

	name: str  # the job id's prefix
	method: str  # under amazon_integration.erpnext
	queue: str
	timeout: int | None = None  # seconds; None: the queue's
	key: str = "account"  # the method's argument the job id is made of
	operations: tuple[str, ...] = ()  # the Amazon Sync Log operations its runs write
	now_in_tests: bool = False  # run at once under tests (its callers' tests wait for its outcome)

	def job_id(self, key: str) -> str:
		return f"{self.name}::{key}"

	def enqueue(self, key: str, **kwargs) -> None:
		enqueue(self, self.job_id(key), **{self.key: key}, **kwargs)

	def queued(self, key: str) -> bool:
		"""Whether a job of this kind for `key` is queued or running."""
		from frappe.utils.background_jobs import is_job_enqueued

		return is_job_enqueued(self.job_id(key))

	@property
	def seconds(self) -> int:
		"""The time RQ gives the job before it kills it."""
		from frappe.utils.background_jobs import get_queues_timeout

		return self.timeout or get_queues_timeout().get(self.queue) or 300


# A first import of a large backlog may take long; a job cut short loses nothing (the cursor waits for a
# complete window) but would start that window over.
ORDER_SYNC = JobKind("amazon_order_sync", "orders.sync_account_orders", "long", 4 * 3600, operations=("Order Sync",))
SHIPMENT_SYNC = JobKind("amazon_shipment_sync", "shipments.sync_account_shipments", "short")
INVOICE_UPLOAD = JobKind("amazon_invoice_upload", "vat_invoices.upload_account_invoices", "short")
SETTLEMENT_IMPORT = JobKind(
	"amazon_settlement_import",
	"settlements.import_account_settlements",
	"long",
	3600,
	key="account_name",
	operations=("Settlement Import",),
)
SETTLEMENT_BOOKING = JobKind(
	"amazon_settlement_booking", "settlements.book_settlement", "long", 4 * 3600, key="settlement", now_in_tests=True
)
# Amazon's transactions of the last month, mapped to fee categories (expected_fees.py).
EXPECTED_FEES = JobKind("amazon_expected_fees", "expected_fees.refresh_expected_fees", "long", 1800, key="account_name")
AFTERSALE_IMPORT = JobKind(
	"amazon_aftersale_import", "aftersale.import_account_aftersale", "long", 3600, operations=tuple(IMPORTS.values())
)
# A feed's report is waited for up to amazon_feed_wait_seconds (600) within this.
STOCK_PUSH = JobKind("amazon_stock_push", "stock.push_account_stock", "long", 1500)
FULL_STOCK_PUSH = JobKind("amazon_stock_push_full", "stock.push_account_stock", "long", 1500)
# A run stops taking buyers after 45 minutes (erpnext/retention.py).
RETENTION = JobKind(
	"amazon_buyer_data_retention",
	"retention.remove_account_buyer_data",
	"long",
	3600,
	operations=("Buyer Data Retention",),
)
# A year of orders: the report takes minutes, ERPNext seconds per order.
BACKFILL = JobKind("amazon_backfill", "backfill.backfill_orders", "long", 6 * 3600, operations=("Backfill",))

# Buy Shipping labels tracked daily until delivered (labels.py).
LABEL_TRACKING = JobKind("amazon_label_tracking", "labels.track_account_labels", "long")
# Buy Amazon Labels from the Delivery Note list: one run per account at a time (labels.py).
LABEL_PURCHASE = JobKind(
	"amazon_label_purchase", "labels.buy_account_labels", "long", 1500, operations=("Label Purchase",)
)
# Send to Amazon: one inbound shipment's receipts read back (inbound.py).
INBOUND_RECEIPTS = JobKind("amazon_inbound_receipts", "inbound.sync_shipment_receipts", "short", key="name")
# Multi-Channel Fulfilment (outbound.py): open fulfilment orders read back, and an order sent on its submit.
MCF_SYNC = JobKind("amazon_mcf_sync", "outbound.sync_account_mcf", "long", 1500)
MCF_CREATE = JobKind("amazon_mcf_create", "outbound.auto_create", "default", 300, key="sales_order")

JOBS = (
	ORDER_SYNC,
	SHIPMENT_SYNC,
	INVOICE_UPLOAD,
	SETTLEMENT_IMPORT,
	SETTLEMENT_BOOKING,
	EXPECTED_FEES,
	AFTERSALE_IMPORT,
	STOCK_PUSH,
	FULL_STOCK_PUSH,
	RETENTION,
	BACKFILL,
	LABEL_TRACKING,
	LABEL_PURCHASE,
	INBOUND_RECEIPTS,
	MCF_SYNC,
	MCF_CREATE,
)


def enqueue(kind: JobKind, job_id: str, **kwargs) -> None:
	"""The one enqueue of the app: `kind`'s method through run_job, under `job_id` (kind.enqueue makes it)."""
	forget_dead_job(job_id)
	frappe.enqueue(
		"amazon_integration.erpnext.jobs.run_job",
		queue=kind.queue,
		timeout=kind.seconds,
		job_id=job_id,
		deduplicate=True,
		enqueue_after_commit=True,
		now=kind.now_in_tests and bool(frappe.flags.in_test),
		job_method=kind.method,
		job_timeout=kind.seconds,
		**kwargs,
	)


def run_job(job_method: str, job_timeout: float, **kwargs):
	"""Run `amazon_integration.erpnext.<job_method>(**kwargs)` as a job RQ kills after `job_timeout` seconds."""
	budget = job_budget(job_timeout, time.time(), configured_retry_deadline(), timeout=configured_http_timeout())
	method = frappe.get_attr(f"amazon_integration.erpnext.{job_method}")
	# What a job stores for people (Sync Log rows, a Delivery Note's Amazon error) speaks the site's language
	# (System Settings > Language): a worker otherwise runs in English, whoever queued the job.
	frappe.local.lang = frappe.db.get_default("lang") or "en"
	with call_budget(budget), watch_clients() as clients:
		try:
			result = method(**kwargs)
			frappe.db.commit()
		except BaseException as e:
			database.rollback()
			if database.connection_lost(e) and not database.reconnect(0):
				raise  # the database is still away: nothing more to record (RQ keeps the error)
			record_answers(clients)
			raise
	record_answers(clients)
	return result


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
