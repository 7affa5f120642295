"""Runs that never finished: a run killed mid-way (worker killed, machine restarted) leaves its log Running; the
next run of the same kind for the account marks it Interrupted (here), and so does `sweep_interrupted_runs`
(hourly) once the job or process the log names (Run By) is gone, or, for a log that names none, once the log is
older than its job's timeout and no job of that kind is queued or running."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import frappe
import psutil
from frappe import _
from frappe.utils import add_to_date, get_datetime, now_datetime

from amazon_integration.erpnext.jobs import FULL_STOCK_PUSH, JOBS, ORDER_SYNC, STOCK_PUSH

INTERRUPTED = "Interrupted"
# How a log names its runner (the Run By field): "job <RQ job id>" or "process <pid> on <host>".
JOB = "job "
PROCESS = "process "


def interrupted_message() -> str:
	return _(
		"This run stopped without finishing: its worker was stopped or killed (a restart, a deployment, the queue's "
		"time limit, memory). Nothing it committed is lost; the next run reads the rest again."
	)


def interrupt_earlier_runs(log: str, account: str, operation: str, job_id: str | None) -> list[str]:
	"""A new run of `operation` for `account` starts: earlier runs of that kind still Running whose runner is gone
	(their job is neither queued nor running, their process has ended) were killed. A run still going (a bench
	command beside the scheduled job, say) is left alone. A log that names no runner counts as the job `job_id`."""
	started = frappe.db.get_value("Amazon Sync Log", log, "creation")
	earlier = frappe.get_all(
		"Amazon Sync Log",
		filters={
			"amazon_account": account,
			"operation": operation,
			"status": "Running",
			"name": ("!=", log),
			"creation": ("<", started),
		},
		fields=["name", "runner"],
	)
	stale = [row.name for row in earlier if not runner_alive(row.runner or (job_id and f"{JOB}{job_id}"))]
	mark_interrupted("Amazon Sync Log", stale)
	return stale


def this_runner() -> str:
	"""What runs the current code: its RQ job, or (a bench command, a web request) its host and process."""
	job_id = current_job_id()
	if job_id:
		return f"{JOB}{job_id}"
	return f"{PROCESS}{os.getpid()} on {socket.gethostname()}"


def runner_alive(runner: str | None) -> bool:
	"""Whether the job or process that `this_runner()` named may still be running (this job or process itself: no,
	it has moved on to a new run). A process on another host: yes, until the hourly sweep decides by age."""
	if not runner or runner == this_runner():
		return False
	if runner.startswith(JOB):
		return job_alive(runner.removeprefix(JOB))
	pid, _on, host = runner.removeprefix(PROCESS).partition(" on ")
	if host != socket.gethostname():
		return True
	return pid.isdigit() and psutil.pid_exists(int(pid))


def mark_interrupted(doctype: str, names: list[str]) -> None:
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


def job_alive(job_id: str) -> bool:
	from frappe.utils.background_jobs import is_job_enqueued

	try:
		return is_job_enqueued(job_id)
	except Exception:
		return True  # Redis out of reach: better a stale log for an hour more than a live run marked dead


def current_job_id() -> str | None:
	from rq import get_current_job

	job = get_current_job()
	if job is None:
		return None
	# Frappe prefixes job ids with the site.
	return job.id.split("::", 1)[1] if job.id.startswith(f"{frappe.local.site}::") else job.id


def job_of(operation: str, account: str) -> tuple[str | None, int]:
	"""The RQ job id a sync log's operation runs under (None: not a background job) and that job's timeout."""
	if operation == "Order Recovery":
		return None, RECOVERY_TIMEOUT
	kind = next((kind for kind in JOBS if operation in kind.operations), None)
	if kind:
		return kind.job_id(account), kind.seconds
	# A kind this list does not know yet: the order sync's long timeout, so that a live run is never marked.
	return None, ORDER_SYNC.seconds


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
			"started_at": ("<", add_to_date(now, seconds=-STOCK_PUSH.seconds) - SWEEP_GRACE),
		},
		fields=["name", "amazon_account"],
	):
		jobs = (STOCK_PUSH.job_id(log.amazon_account), FULL_STOCK_PUSH.job_id(log.amazon_account))
		if not any(job_alive(job_id) for job_id in jobs):
			stale.append(log.name)
	mark_interrupted("Amazon Stock Push Log", stale)
	return stale
