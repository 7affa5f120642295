"""Background jobs that never hold a worker hostage, accounts Amazon does not answer, runs that never finished.

- `run_job` runs every job of the app (tasks._enqueue enqueues it): the job's Amazon calls get a budget derived
  from its queue timeout (amazon/budget.py), so their retries end, and the job records why, before RQ kills it.
- After the job, each account it called is marked: an account whose endpoint did not answer at all gets "not
  answering since / retry after" (scheduled jobs skip it until then, each time longer); the first answer, from
  any job or Test Connection, clears it.
- A run killed mid-way (worker killed, machine restarted) leaves its log Running: the next run of the same kind
  for the account marks it Interrupted, and so does `sweep_interrupted_runs` (hourly) once the log is older
  than its job's timeout and no job of that kind is queued or running.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, now_datetime

from amazon_integration.amazon.budget import job_budget, no_answer_retry_after
from amazon_integration.amazon.client import AmazonClient
from amazon_integration.erpnext.gateway import call_budget, configured_retry_deadline, watch_clients
from amazon_integration.erpnext.timezone import from_system, to_system

INTERRUPTED = "Interrupted"


def run_job(job_method: str, job_timeout: float, **kwargs):
	"""Run `amazon_integration.erpnext.<job_method>(**kwargs)` as a job RQ kills after `job_timeout` seconds."""
	budget = job_budget(job_timeout, time.time(), configured_retry_deadline())
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


# --- accounts Amazon does not answer ------------------------------------------------------------------------


def record_answers(clients: Iterable[tuple[str, AmazonClient]]) -> None:
	"""Per account: any answer clears its no-answer state; calls that all ended with no answer set (or extend) it."""
	answered: dict[str, bool] = {}
	silent: dict[str, str] = {}
	for account, client in clients:
		answered[account] = answered.get(account, False) or client.answered
		if client.unanswered is not None:
			silent[account] = str(client.unanswered)
	for account, was_answered in answered.items():
		if was_answered:
			clear_no_answer(account)
		elif account in silent:
			mark_no_answer(account, silent[account])


def mark_no_answer(account: str, error: str) -> None:
	state = frappe.db.get_value("Amazon Account", account, ["not_answering_since"], as_dict=True)
	if state is None:
		return
	now = now_datetime()
	since = get_datetime(state.not_answering_since) if state.not_answering_since else now
	retry_after = to_system(no_answer_retry_after(from_system(since), from_system(now)))
	_set_no_answer(account, since, retry_after, error[:1000])


def clear_no_answer(account: str) -> None:
	if frappe.db.get_value("Amazon Account", account, "not_answering_since"):
		_set_no_answer(account, None, None, None)


def _set_no_answer(account: str, since, retry_after, error: str | None) -> None:
	# Committed on its own: the job's own work is already committed or rolled back when this runs.
	values = {"not_answering_since": since, "retry_after": retry_after, "last_no_answer": error}
	frappe.db.set_value("Amazon Account", account, values, update_modified=False)
	frappe.db.commit()


def backing_off() -> set[str]:
	"""Accounts scheduled jobs leave alone for now: Amazon did not answer them, and their retry time is to come."""
	return set(frappe.get_all("Amazon Account", filters={"retry_after": (">", now_datetime())}, pluck="name"))


# --- runs that never finished -------------------------------------------------------------------------------


def job_of(operation: str, account: str) -> tuple[str | None, int]:
	"""The RQ job id a sync log's operation runs under (None: not a background job) and that job's timeout."""
	from amazon_integration.erpnext.aftersale import REPORTS
	from amazon_integration.erpnext.tasks import (
		AFTERSALE_TIMEOUT,
		ORDER_SYNC_TIMEOUT,
		RETENTION_TIMEOUT,
		order_sync_job_id,
		retention_job_id,
	)

	if operation == "Order Sync":
		return order_sync_job_id(account), ORDER_SYNC_TIMEOUT
	if operation in {spec[0] for spec in REPORTS.values()}:
		return f"amazon_aftersale_import::{account}", AFTERSALE_TIMEOUT
	if operation == "Buyer Data Retention":
		return retention_job_id(account), RETENTION_TIMEOUT
	if operation == "Order Recovery":
		return None, RECOVERY_TIMEOUT
	# A kind this list does not know yet: the longest timeout of any job, so that a live run is never marked.
	return None, ORDER_SYNC_TIMEOUT


# Order Recovery runs in a web request (or a bench command): gone after this long.
RECOVERY_TIMEOUT = 600
SWEEP_GRACE = timedelta(minutes=5)


def interrupted_message() -> str:
	return _(
		"This run stopped without finishing: its worker was stopped or killed (a restart, a deployment, the queue's "
		"time limit, memory). Nothing it committed is lost; the next run reads the rest again."
	)


def interrupt_earlier_runs(log: str, account: str, operation: str) -> list[str]:
	"""A new run of `operation` for `account` starts: earlier runs of that kind still Running were killed (the job
	id lets one job of a kind run at a time), unless a job of that kind is alive and it is not this one."""
	job_id, _timeout = job_of(operation, account)
	if job_id is None or (_job_alive(job_id) and _current_job_id() != job_id):
		return []
	started = frappe.db.get_value("Amazon Sync Log", log, "creation")
	stale = frappe.get_all(
		"Amazon Sync Log",
		filters={
			"amazon_account": account,
			"operation": operation,
			"status": "Running",
			"name": ("!=", log),
			"creation": ("<", started),
		},
		pluck="name",
	)
	_interrupt("Amazon Sync Log", stale)
	return stale


def sweep_interrupted_runs() -> list[str]:
	"""Hourly: Running (or Queued) logs older than their job's timeout whose job is gone are marked Interrupted."""
	now = now_datetime()
	stale = []
	for log in frappe.get_all(
		"Amazon Sync Log",
		filters={"status": ("in", ["Queued", "Running"])},
		fields=["name", "amazon_account", "operation", "started_at", "creation"],
	):
		job_id, timeout = job_of(log.operation, log.amazon_account)
		since = get_datetime(log.started_at or log.creation)
		if add_to_date(since, seconds=timeout) + SWEEP_GRACE < now and not (job_id and _job_alive(job_id)):
			stale.append(log.name)
	_interrupt("Amazon Sync Log", stale)
	return stale + sweep_stock_pushes(now)


def sweep_stock_pushes(now) -> list[str]:
	from amazon_integration.erpnext.tasks import STOCK_PUSH_TIMEOUT

	stale = []
	for log in frappe.get_all(
		"Amazon Stock Push Log",
		filters={"status": "Running", "started_at": ("<", add_to_date(now, seconds=-STOCK_PUSH_TIMEOUT) - SWEEP_GRACE)},
		fields=["name", "amazon_account"],
	):
		jobs = (f"amazon_stock_push::{log.amazon_account}", f"amazon_stock_push_full::{log.amazon_account}")
		if not any(_job_alive(job_id) for job_id in jobs):
			stale.append(log.name)
	_interrupt("Amazon Stock Push Log", stale)
	return stale


def _interrupt(doctype: str, names: list[str]) -> None:
	if not names:
		return
	message = interrupted_message()
	for name in names:
		frappe.db.set_value(
			doctype,
			name,
			{"status": INTERRUPTED, "error": message, "finished_at": now_datetime()},
			update_modified=False,
		)
	frappe.db.commit()


def _job_alive(job_id: str) -> bool:
	from frappe.utils.background_jobs import is_job_enqueued

	try:
		return is_job_enqueued(job_id)
	except Exception:
		return True  # Redis out of reach: better a stale log for an hour more than a live run marked dead


def _current_job_id() -> str | None:
	from rq import get_current_job

	job = get_current_job()
	if job is None:
		return None
	# Frappe prefixes job ids with the site.
	return job.id.split("::", 1)[1] if job.id.startswith(f"{frappe.local.site}::") else job.id
