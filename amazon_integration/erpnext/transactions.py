"""All or nothing: the savepoints and database locks every flow of the adapter uses.

- `savepoint`: one step that ERPNext may refuse, undone alone (the rest of the transaction stays).
- `order_lock`: one Amazon order at a time across workers (order sync, backfill, shipment confirmation).
- `settlement_lock`: one booking of a settlement at a time (a job, the scheduler's dispatch, Book Open Lines).
- `lock_customer`: a buyer's Customer row, held until the commit, between an order and buyer data retention.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import frappe

from amazon_integration.erpnext.database import connection_lost, deadlock

LOCK_TIMEOUT = 60  # seconds one job waits for another holding the same order


class savepoint:
	"""Roll back to a savepoint on error, so one refused step leaves nothing half-made."""

	def __init__(self, name: str):
		self.name = name

	def __enter__(self):
		frappe.db.savepoint(self.name)

	def __exit__(self, exc_type, exc, tb):
		# After a deadlock or a lost connection the savepoint is gone with the whole transaction: the caller rolls
		# back all of it (rolling back to the savepoint would only fail on top).
		if exc_type is not None and not (deadlock(exc) or connection_lost(exc)):
			frappe.db.rollback(save_point=self.name)
		return False


def order_lock(amazon_order_id: str):
	"""A second job on the same order waits, then finds it imported."""
	return named_lock(f"amazon_order:{amazon_order_id}", LOCK_TIMEOUT)


def settlement_lock(settlement: str):
	"""Taken or not at once: a second booking while one runs leaves the settlement to it (a running job is not
	always known to RQ: after a Redis flush, say). Held by the connection: a killed worker's is released."""
	return named_lock(f"amazon_settlement_booking:{settlement}", 0)


@contextmanager
def named_lock(name: str, wait: float) -> Iterator[bool]:
	"""A database-wide named lock (GET_LOCK), waiting up to `wait` seconds; yields whether it was taken."""
	got = frappe.db.sql("SELECT GET_LOCK(%s, %s)", (name, wait))[0][0] == 1
	try:
		yield got
	finally:
		if got:
			try:
				frappe.db.sql("SELECT RELEASE_LOCK(%s)", (name,))
			except Exception as e:
				# A lost connection took its named locks with it; its own error is the one to report.
				if not connection_lost(e):
					raise


def lock_customer(filters: str | dict) -> str | None:
	"""Lock an existing Customer row until the transaction ends; returns its name (None: no such row). The order
	sync takes it before adding an order to a buyer and buyer data retention before blanking one, so each waits
	for the other: an order never links a customer's old name nor has its new address blanked at once. (Only an
	existing row is locked: a lock on a missing key would block other buyers' inserts.)"""
	return frappe.db.get_value("Customer", filters, "name", for_update=True)
