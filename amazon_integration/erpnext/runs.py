"""A run: one piece of background work for one account (an order sync, a report import, a stock push, a buyer
data retention...), and its log, which says what it did and why it stopped.

- `Run` writes the log, an Amazon Sync Log (its operation names the kind of run) or, for a stock push, an Amazon
  Stock Push Log: Running from its start, with what runs it (Run By); its counts as they grow (progress, which
  the desk follows); its failures; at its end the outcome, the error that stopped it (the run does not raise
  it: the log says why) and the SP-API calls it made. Each unit of work inside a run commits on its own.
- Runs that never finished: a run killed mid-way (worker killed, machine restarted) leaves its log Running; the
  next run of the same kind for the account marks it Interrupted, and so does `sweep_interrupted_runs` (hourly)
  once the job or process the log names (Run By) is gone, or, for a log that names none, once the log is older
  than its job's timeout and no job of that kind is queued or running.
What a job is (its queue, timeout and id) is jobs.py's; when it is due, scheduler.py's.
"""

from __future__ import annotations

import json
import os
import socket
import time
import traceback
from dataclasses import asdict
from datetime import datetime, timedelta

import frappe
import psutil
from frappe import _
from frappe.model.document import Document
from frappe.utils import add_to_date, cint, get_datetime, now_datetime

from amazon_integration.amazon.client import AmazonClient
from amazon_integration.amazon.errors import AmazonError
from amazon_integration.erpnext import database
from amazon_integration.erpnext.database import connection_lost
from amazon_integration.erpnext.jobs import FULL_STOCK_PUSH, JOBS, ORDER_SYNC, STOCK_PUSH, JobKind
from amazon_integration.erpnext.texts import translated
from amazon_integration.erpnext.timezone import to_system

SYNC_LOG = "Amazon Sync Log"
STOCK_PUSH_LOG = "Amazon Stock Push Log"
PROGRESS_SECONDS = 2  # at most this often a run's counts are saved on its log and sent to the desk
MAX_FAILURES_IN_ERROR = 50  # failures listed in the log's error text (runs whose failures name no order)


class Run:
	"""One run and its log; use it as a context manager around the run's work.

	`counts`: the run's counters, each saved on the log field of its name, or else on `<name>_count`.
	`failures`: (key, message) per failed unit: rows of the log's failures table (an order id), or with
	`failure_rows=False` (a buyer, a report: no order) lines of its error text."""

	doctype = SYNC_LOG
	count_names: tuple[str, ...] = ()
	publishes_progress = False  # the desk follows the run live (realtime amazon_sync_progress)
	rollback_at_end = True  # what a run leaves uncommitted is no unit's finished work: dropped before the log
	owns_client = True  # closed at the end of the run

	def __init__(
		self,
		account: str,
		*,
		operation: str | None = None,
		job: JobKind | None = None,
		queued: str | None = None,
		fields: dict | None = None,
		client: AmazonClient | None = None,
		counts: tuple[str, ...] | None = None,
		failure_rows: bool = True,
		budget_seconds: float | None = None,
		log: Document | None = None,
	) -> None:
		"""`queued`: a Queued log the desk made when the user asked (the user follows it), taken over; `log`: an
		existing log carried on (its counts go on); else a new log, with `fields`. `job`: the job kind it runs
		as (its operation, unless `operation` says), whose killed runs it marks Interrupted."""
		self.account_name = account
		self.operation = operation or (job.operations[0] if job and job.operations else None)
		self.client = client
		self.failure_rows = failure_rows
		self.budget_seconds = budget_seconds
		self.failures: list[tuple[str, str]] = []
		self.rows: list[tuple[str, dict]] = []  # further child rows the log gets at its end
		self.values: dict = {}  # further fields the log gets at its end
		self.status: str | None = None  # an outcome other than the counts say (Awaiting Report)
		self.error: str | None = None  # a problem to report that did not stop the run
		self.window: tuple[datetime | None, datetime | None] = (None, None)
		self._started = time.monotonic()
		self._last_progress = self._started
		self.log = log if log is not None else self._open(queued, fields or {})
		self.counts = {name: cint(self.log.get(self._field(name))) for name in (counts or self.count_names)}
		if log is None and self.doctype == SYNC_LOG:
			# Earlier runs of this kind left Running were killed mid-way: say so on their logs.
			interrupt_earlier_runs(self.log.name, account, self.operation, job.job_id(account) if job else None)

	def _open(self, queued: str | None, fields: dict) -> Document:
		values = {"status": "Running", "started_at": now_datetime()}
		if frappe.get_meta(self.doctype).has_field("runner"):
			values["runner"] = this_runner()
		if queued and frappe.db.get_value(self.doctype, queued, "status") == "Queued":
			log = frappe.get_doc(self.doctype, queued)
			log.update(values)
			log.save(ignore_permissions=True)
		else:
			if self.operation:
				fields = {"operation": self.operation, **fields}
			log = frappe.get_doc({"doctype": self.doctype, "amazon_account": self.account_name, **fields, **values})
			log.insert(ignore_permissions=True)
		frappe.db.commit()
		return log

	def __enter__(self):
		return self

	def __exit__(self, exc_type, exc, tb) -> bool:
		if exc is not None and connection_lost(exc):
			return self._exit_on_lost_connection(exc_type, exc, tb)
		if exc is not None or self.rollback_at_end:
			database.rollback()
		self.finish(self.error_text(exc_type, exc, tb) if exc is not None else None)
		if self.client is not None and self.owns_client:
			self.client.close()
		return exc is not None and self.swallows(exc)

	def _exit_on_lost_connection(self, exc_type, exc, tb) -> bool:
		"""The database connection went away mid-run: the server undid the unit under way, and no later unit could
		be saved. Once the server answers again (within the job's budget) the log ends Failed with the reason, and
		one Error Log keeps the details; if it does not, the log stays Running and the next run marks it
		Interrupted, and the job fails."""
		if self.client is not None and self.owns_client:
			self.client.close()
		if not database.reconnect_in_budget():
			return False
		self.finish(database.connection_lost_message())
		frappe.log_error(
			title=_("{0} stopped: the database was not reachable").format(_(self.operation or self.doctype)),
			message="".join(traceback.format_exception(exc_type, exc, tb)),
			reference_doctype=self.doctype,
			reference_name=self.log.name,
		)
		frappe.db.commit()
		return self.swallows(exc)

	def swallows(self, exc: BaseException) -> bool:
		"""Whether the run's caller is spared the exception that stopped it (its log says why)."""
		return not isinstance(exc, KeyboardInterrupt | SystemExit)

	def error_text(self, exc_type, exc: BaseException, tb) -> str:
		if isinstance(exc, AmazonError):
			return translated(exc)
		if text := database.describe(exc):
			return text
		return "".join(traceback.format_exception(exc_type, exc, tb))

	def fail(self, key: str, message: str) -> None:
		self.failures.append((key, message))

	def set_window(self, start: datetime, end: datetime | None) -> None:
		self.window = (start, end)

	def out_of_time(self) -> bool:
		"""Whether the run's own time budget is spent (the next run goes on where it stopped)."""
		return self.budget_seconds is not None and time.monotonic() - self._started > self.budget_seconds

	def progress(self, done: bool = False) -> None:
		"""Save the counts so far on the log (the desk polls it) and tell the user who started the run over
		realtime when there is one; every few seconds, so it stays cheap."""
		if not done:
			if time.monotonic() - self._last_progress < PROGRESS_SECONDS:
				return
			self._last_progress = time.monotonic()
			frappe.db.set_value(self.doctype, self.log.name, self._count_fields(), update_modified=False)
			frappe.db.commit()
		frappe.publish_realtime(
			"amazon_sync_progress",
			{"account": self.account_name, "log": self.log.name, "done": done, "status": self.log.status, **self.counts},
			user=frappe.session.user,
		)

	def final_status(self, error: str | None) -> str:
		if error:
			return "Failed"
		return self.status or ("Partial Success" if self.failures else "Success")

	def finish(self, error: str | None) -> None:
		"""The run's end on its log: counts, failures, outcome, the error that stopped it, its SP-API calls."""
		values = {
			"error": error or self.error,
			"finished_at": now_datetime(),
			"duration": round(time.monotonic() - self._started, 3),
			"status": self.final_status(error),
		}
		if not self.failure_rows and self.failures and not values["error"]:
			values["error"] = "\n".join(f"{key}: {message}" for key, message in self.failures[:MAX_FAILURES_IN_ERROR])
		start, end = self.window
		if start:
			values.update(window_start=to_system(start), window_end=to_system(end) if end else None)
		if self.client is not None:
			values["api_calls"] = json.dumps(
				{op: asdict(m) for op, m in self.client.metrics.snapshot().items()}, indent=1, sort_keys=True
			)
		self.save(values)
		if self.publishes_progress:
			self.progress(done=True)

	def save(self, values: dict | None = None) -> None:
		"""Write the counts, rows and values on the log and commit."""
		rows = list(self.rows)
		if self.failure_rows:
			rows = [("failures", {"amazon_order_id": key, "error": message}) for key, message in self.failures] + rows
		for attempt in range(3):
			try:
				log = frappe.get_doc(self.doctype, self.log.name)
				log.update({**self._count_fields(), **self.values, **(values or {})})
				for table, row in rows:
					log.append(table, row)
				log.save(ignore_permissions=True)
				break
			except frappe.QueryDeadlockError:
				# Another worker's run touched the same rows: the deadlock rolled us back; save again, from a
				# fresh copy (the failed save left its own timestamp on the one it had).
				frappe.db.rollback()
				if attempt == 2:
					raise
				time.sleep(0.2 * (attempt + 1))
		self.log = log
		self.rows = []
		frappe.db.commit()

	def _field(self, name: str) -> str:
		return name if frappe.get_meta(self.doctype).has_field(name) else f"{name}_count"

	def _count_fields(self) -> dict[str, int]:
		return {self._field(name): value for name, value in self.counts.items()}


# --- runs that never finished -------------------------------------------------------------------------------


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
	started = frappe.db.get_value(SYNC_LOG, log, "creation")
	earlier = frappe.get_all(
		SYNC_LOG,
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
	mark_interrupted(SYNC_LOG, stale)
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
		SYNC_LOG,
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
	mark_interrupted(SYNC_LOG, stale)
	return stale + sweep_stock_pushes(now)


def sweep_stock_pushes(now) -> list[str]:
	stale = []
	for log in frappe.get_all(
		STOCK_PUSH_LOG,
		filters={
			"status": "Running",
			"started_at": ("<", add_to_date(now, seconds=-STOCK_PUSH.seconds) - SWEEP_GRACE),
		},
		fields=["name", "amazon_account"],
	):
		jobs = (STOCK_PUSH.job_id(log.amazon_account), FULL_STOCK_PUSH.job_id(log.amazon_account))
		if not any(job_alive(job_id) for job_id in jobs):
			stale.append(log.name)
	mark_interrupted(STOCK_PUSH_LOG, stale)
	return stale
