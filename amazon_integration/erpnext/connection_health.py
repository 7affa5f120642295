"""Accounts Amazon does not answer: after a job (or Test Connection), an account whose calls all ended with no
answer gets "not answering since / retry after" (scheduled jobs skip it until then, each time longer); the first
answer, from any job or Test Connection, clears it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import frappe
from frappe.utils import get_datetime, now_datetime

from amazon_integration.amazon.budget import no_answer_retry_after
from amazon_integration.erpnext.texts import translated
from amazon_integration.erpnext.timezone import from_system, to_system

if TYPE_CHECKING:
	from amazon_integration.amazon.client import AmazonClient


def record_answers(clients: Iterable[tuple[str, AmazonClient]]) -> None:
	"""Per account: any answer clears its no-answer state; calls that all ended with no answer set (or extend) it."""
	answered: dict[str, bool] = {}
	silent: dict[str, str] = {}
	for account, client in clients:
		answered[account] = answered.get(account, False) or client.answered
		if client.unanswered is not None:
			silent[account] = translated(client.unanswered)
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
