"""Background jobs that never hold a worker hostage, and the sweep of runs that never finished.

- `run_job` runs every job of the app (tasks._enqueue enqueues it): the job's Amazon calls get a budget derived
  from its queue timeout (amazon/budget.py), so their retries end, and the job records why, before RQ kills it.
  After the job, each account it called is marked answering or not (connection_health.py).
- A run killed mid-way (worker killed, machine restarted) leaves its log Running: the next run of the same kind
  for the account marks it Interrupted (interrupted_runs.py), and so does `sweep_interrupted_runs` (hourly) once
  the job or process the log names (Run By) is gone, or, for a log that names none, once the log is older than
  its job's timeout and no job of that kind is queued or running.
"""

from __future__ import annotations

import time
from datetime import timedelta

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime

from amazon_integration.amazon.budget import job_budget
from amazon_integration.erpnext.aftersale import REPORTS
from amazon_integration.erpnext.connection_health import record_answers
from amazon_integration.erpnext.account_client import (
	call_budget,
	configured_http_timeout,
	configured_retry_deadline,
	watch_clients,
)
from amazon_integration.erpnext.interrupted_runs import job_alive, mark_interrupted, runner_alive
from amazon_integration.erpnext.tasks import (
	AFTERSALE_TIMEOUT,
	BACKFILL_TIMEOUT,
	ORDER_SYNC_TIMEOUT,
	RETENTION_TIMEOUT,
	STOCK_PUSH_TIMEOUT,
	aftersale_job_id,
	backfill_job_id,
	order_sync_job_id,
	retention_job_id,
)


def run_job(job_method: str, job_timeout: float, **kwargs):
	"""Run `amazon_integration.erpnext.<job_method>(**kwargs)` as a job RQ kills after `job_timeout` seconds."""
	budget = job_budget(job_timeout, time.time(), configured_retry_deadline(), timeout=configured_http_timeout())
	method = frappe.get_attr(f"amazon_integration.erpnext.{job_method}")
	with call_budget(budget), watch_clients() as clients:
		try:
			result = method(**kwargs)
			frappe.db.commit()
		except BaseException:
			frappe.db.rollback()
			record_answers(clients)
			raise
	record_answers(clients)
	return result


# --- runs that never finished -------------------------------------------------------------------------------


def job_of(operation: str, account: str) -> tuple[str | None, int]:
	"""The RQ job id a sync log's operation runs under (None: not a background job) and that job's timeout."""
	if operation == "Order Sync":
		return order_sync_job_id(account), ORDER_SYNC_TIMEOUT
	if operation in {spec[0] for spec in REPORTS.values()}:
		return aftersale_job_id(account), AFTERSALE_TIMEOUT
	if operation == "Backfill":
		return backfill_job_id(account), BACKFILL_TIMEOUT
	if operation == "Buyer Data Retention":
		return retention_job_id(account), RETENTION_TIMEOUT
	if operation == "Order Recovery":
		return None, RECOVERY_TIMEOUT
	# A kind this list does not know yet: the longest timeout of any job, so that a live run is never marked.
	return None, ORDER_SYNC_TIMEOUT


# Order Recovery runs in a web request (or a bench command): gone after this long.
RECOVERY_TIMEOUT = 600
SWEEP_GRACE = timedelta(minutes=5)


def sweep_interrupted_runs() -> list[str]:
	"""Hourly: Running logs whose runner (Run By) is gone, and Running or Queued logs older than their job's timeout
	whose job is gone, are marked Interrupted."""
	now = now_datetime()
	stale = []
	for log in frappe.get_all(
		"Amazon Sync Log",
		filters={"status": ("in", ["Queued", "Running"])},
		fields=["name", "amazon_account", "operation", "status", "runner", "started_at", "creation"],
	):
		if log.status == "Running" and log.runner and not runner_alive(log.runner):
			stale.append(log.name)
			continue
		job_id, timeout = job_of(log.operation, log.amazon_account)
		since = get_datetime(log.started_at or log.creation)
		if add_to_date(since, seconds=timeout) + SWEEP_GRACE < now and not (job_id and job_alive(job_id)):
			stale.append(log.name)
	mark_interrupted("Amazon Sync Log", stale)
	return stale + sweep_stock_pushes(now)


def sweep_stock_pushes(now) -> list[str]:
	stale = []
	for log in frappe.get_all(
		"Amazon Stock Push Log",
		filters={
			"status": "Running",
			"started_at": ("<", add_to_date(now, seconds=-STOCK_PUSH_TIMEOUT) - SWEEP_GRACE),
		},
		fields=["name", "amazon_account"],
	):
		jobs = (f"amazon_stock_push::{log.amazon_account}", f"amazon_stock_push_full::{log.amazon_account}")
		if not any(job_alive(job_id) for job_id in jobs):
			stale.append(log.name)
	mark_interrupted("Amazon Stock Push Log", stale)
	return stale
