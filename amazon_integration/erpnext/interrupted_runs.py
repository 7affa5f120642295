"""Runs that never finished: a run killed mid-way (worker killed, machine restarted) leaves its log Running; the
next run of the same kind for the account marks it Interrupted (here), and so does the hourly sweep of jobs.py
once the log is older than its job's timeout and no job of that kind is queued or running."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

INTERRUPTED = "Interrupted"


def interrupted_message() -> str:
	return _(
		"This run stopped without finishing: its worker was stopped or killed (a restart, a deployment, the queue's "
		"time limit, memory). Nothing it committed is lost; the next run reads the rest again."
	)


def interrupt_earlier_runs(log: str, account: str, operation: str, job_id: str | None) -> list[str]:
	"""A new run of `operation` for `account` starts: earlier runs of that kind still Running were killed (the job
	id `job_id` lets one job of a kind run at a time), unless a job of that kind is alive and it is not this one.
	A run that is no background job (`job_id` None) marks nothing."""
	if job_id is None or (job_alive(job_id) and current_job_id() != job_id):
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
	mark_interrupted("Amazon Sync Log", stale)
	return stale


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
