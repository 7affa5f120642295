# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt
"""How the order sync of each Amazon Account is doing: its last runs, their counts and errors, and the
orders waiting in the retry queue (shown on the account's newest run: it is the queue as it is now)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.query_builder.functions import Count
from frappe.utils import cint

DEFAULT_RUNS = 5


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	runs = max(1, cint(filters.get("runs")) or DEFAULT_RUNS)
	data = get_data(filters.get("amazon_account"), runs)
	return get_columns(), data, None, None, get_summary(data)


def get_columns() -> list[dict]:
	def count(fieldname: str, label: str) -> dict:
		return {"fieldname": fieldname, "label": label, "fieldtype": "Int", "width": 90}

	return [
		{
			"fieldname": "amazon_account",
			"label": _("Amazon Account"),
			"fieldtype": "Link",
			"options": "Amazon Account",
			"width": 170,
		},
		{"fieldname": "started_at", "label": _("Started At"), "fieldtype": "Datetime", "width": 160},
		{"fieldname": "operation", "label": _("Operation"), "fieldtype": "Data", "width": 110},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 120},
		{
			"fieldname": "duration",
			"label": _("Duration (s)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 100,
		},
		# Read = every count after it: each order read lands in exactly one.
		count("orders_read", _("Read")),
		count("created_count", _("Created")),
		count("updated_count", _("Updated")),
		count("cancelled_count", _("Cancelled")),
		count("unchanged_count", _("Unchanged")),
		count("waiting_count", _("Waiting")),
		count("skipped_count", _("Skipped")),
		count("failed_count", _("Failed")),
		count("flagged_count", _("Needs Attention")),
		{"fieldname": "error", "label": _("Error"), "fieldtype": "Data", "width": 300},
		{"fieldname": "skip_reasons", "label": _("Why Skipped or Waiting"), "fieldtype": "Data", "width": 300},
		count("awaiting_retry", _("Awaiting Retry")),
		{
			"fieldname": "sync_log",
			"label": _("Sync Log"),
			"fieldtype": "Link",
			"options": "Amazon Sync Log",
			"width": 120,
		},
	]


def get_data(account: str | None, runs: int) -> list[dict]:
	logs = frappe.db.sql(
		"""
		SELECT * FROM (
			SELECT name AS sync_log, amazon_account, started_at, operation, status, duration, orders_read,
				created_count, updated_count, cancelled_count, unchanged_count, waiting_count, skipped_count,
				failed_count, flagged_count, error,
				ROW_NUMBER() OVER (PARTITION BY amazon_account ORDER BY started_at DESC, creation DESC) AS run_no
			FROM `tabAmazon Sync Log`
			WHERE (%(account)s IS NULL OR amazon_account = %(account)s)
		) runs
		WHERE run_no <= %(runs)s
		ORDER BY amazon_account, run_no
		""",
		{"account": account or None, "runs": runs},
		as_dict=True,
	)
	first_failure = _first_failures([log.sync_log for log in logs if log.failed_count])
	skip_reasons = _skip_reasons([log.sync_log for log in logs if log.skipped_count or log.waiting_count])
	retries = _retry_queue(account)
	for log in logs:
		log.error = _error_line(log.error) or first_failure.get(log.sync_log, "")
		log.skip_reasons = skip_reasons.get(log.sync_log, "")
		log.awaiting_retry = retries.get(log.amazon_account, 0) if log.run_no == 1 else None
		del log["run_no"]
	return logs


def _error_line(error: str | None) -> str:
	"""A run's error in one line: the last line of a traceback says what went wrong."""
	lines = (error or "").strip().splitlines()
	return lines[-1][:300] if lines else ""


def _first_failures(logs: list[str]) -> dict[str, str]:
	if not logs:
		return {}
	failures: dict[str, str] = {}
	for row in frappe.get_all(
		"Amazon Sync Log Failure",
		filters={"parenttype": "Amazon Sync Log", "parent": ("in", logs)},
		fields=["parent", "amazon_order_id", "error"],
		order_by="idx asc",
	):
		failures.setdefault(row.parent, f"{row.amazon_order_id}: {row.error}"[:300])
	return failures


def _skip_reasons(logs: list[str]) -> dict[str, str]:
	"""Each run's reasons for skipped and waiting orders, with how many orders each: "reason (5); ..."."""
	if not logs:
		return {}
	reasons: dict[str, list[str]] = {}
	skip = frappe.qb.DocType("Amazon Sync Log Skip")
	orders = Count(skip.name).as_("orders")
	rows = (
		frappe.qb.from_(skip)
		.select(skip.parent, skip.outcome, skip.reason, orders)
		.where((skip.parenttype == "Amazon Sync Log") & skip.parent.isin(logs))
		.groupby(skip.parent, skip.outcome, skip.reason)
		.orderby(skip.parent)
		.orderby(Count(skip.name), order=Order.desc)
		.run(as_dict=True)
	)
	for row in rows:
		reasons.setdefault(row.parent, []).append(f"{_(row.outcome)}: {row.reason} ({row.orders})")
	return {log: "; ".join(parts)[:300] for log, parts in reasons.items()}


def _retry_queue(account: str | None) -> dict[str, int]:
	retry = frappe.qb.DocType("Amazon Order Retry")
	query = frappe.qb.from_(retry).select(retry.amazon_account, Count(retry.name)).groupby(retry.amazon_account)
	if account:
		query = query.where(retry.amazon_account == account)
	return dict(query.run(as_list=True))


def get_summary(data: list[dict]) -> list[dict]:
	newest = [row for row in data if row.get("awaiting_retry") is not None]
	failed_now = [row for row in newest if row.status in ("Failed", "Interrupted")]
	return [
		{"value": len(newest), "label": _("Accounts"), "datatype": "Int", "indicator": "Blue"},
		{
			"value": len(failed_now),
			"label": _("Last Run Failed"),
			"datatype": "Int",
			"indicator": "Red" if failed_now else "Green",
		},
		{
			# Runs whose worker was killed mid-way (see erpnext/runs.py): their error says so.
			"value": sum(1 for row in data if row.status == "Interrupted"),
			"label": _("Runs Interrupted"),
			"datatype": "Int",
			"indicator": "Red" if any(row.status == "Interrupted" for row in data) else "Green",
		},
		{
			"value": sum(row.failed_count or 0 for row in data),
			"label": _("Orders Failed in These Runs"),
			"datatype": "Int",
			"indicator": "Orange" if any(row.failed_count for row in data) else "Green",
		},
		{
			"value": sum(row.awaiting_retry or 0 for row in newest),
			"label": _("Orders Awaiting Retry"),
			"datatype": "Int",
			"indicator": "Orange" if any(row.awaiting_retry for row in newest) else "Green",
		},
	]
