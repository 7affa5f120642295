"""When MariaDB goes away or rows are locked: what the app recognises, what it tells the user, how it reconnects.

- Connection lost (MariaDB restarted or stopped, the connection killed): the server undid the open transaction;
  frappe.db never reconnects by itself, so every statement fails until `reconnect`. Not one unit's fault: a run
  stops at once (erpnext/runs.py) rather than record it against every following order.
- Lock wait timeout (1205): another session held the rows; only the statement was undone. The unit fails alone.
- Deadlock (1213): InnoDB undid the WHOLE transaction (its savepoints too). The unit fails alone.
Both unit failures are tried again by the next run (the retry queue, pending shipments, open settlement lines).
"""

from __future__ import annotations

import time

import frappe
from frappe import _

from amazon_integration.erpnext.account_client import current_budget

# MariaDB client errors of a connection that is gone: can't connect, server gone away, lost during a query,
# server shutting down, connection killed.
CONNECTION_ERRORS = frozenset({2002, 2003, 2006, 2013, 2055, 1053, 1927, 1152, 1317})
LOCK_WAIT_TIMEOUT = 1205
DEADLOCK = 1213
RECONNECT_SECONDS = 120  # at most this long a run waits for the server to answer again
RECONNECT_PAUSE = 1.0


def _errno(error: BaseException) -> int | None:
	args = getattr(error, "args", None) or ()
	return args[0] if args and isinstance(args[0], int) else None


def connection_lost(error: BaseException | None) -> bool:
	"""Whether `error` (or what caused it) says the database connection is gone."""
	import pymysql

	while error is not None:
		if isinstance(error, pymysql.err.InterfaceError):
			return True
		if isinstance(error, pymysql.err.OperationalError) and _errno(error) in CONNECTION_ERRORS:
			return True
		error = error.__cause__ or error.__context__
	return False


def lock_timeout(error: BaseException | None) -> bool:
	return isinstance(error, frappe.QueryTimeoutError) or _errno(error) == LOCK_WAIT_TIMEOUT


def deadlock(error: BaseException | None) -> bool:
	return isinstance(error, frappe.QueryDeadlockError) or _errno(error) == DEADLOCK


def lock_failure(error: BaseException | None) -> bool:
	"""A lock wait timeout or a deadlock: one unit's failure, which the next run tries again."""
	return lock_timeout(error) or deadlock(error)


def connection_lost_message() -> str:
	return _(
		"The database was not reachable (MariaDB restarted or stopped, or the connection was cut): the run stopped "
		"and MariaDB undid the work it had not committed yet. Nothing committed is lost; the next run goes on from there."
	)


def lock_timeout_message() -> str:
	return _(
		"Another session held these rows longer than the lock wait timeout (innodb_lock_wait_timeout); nothing of "
		"this was saved. The next run tries it again."
	)


def deadlock_message() -> str:
	return _(
		"Two sessions waited on each other's rows (a deadlock): MariaDB undid this one's changes. The next run tries "
		"it again."
	)


def describe(error: BaseException) -> str | None:
	"""The user's text for a database fault, None for any other error."""
	if connection_lost(error):
		return connection_lost_message()
	if deadlock(error):
		return deadlock_message()
	if lock_timeout(error):
		return lock_timeout_message()
	return None


def rollback() -> None:
	"""Roll back the transaction, whatever it met: after a deadlock its savepoints are gone (roll back the whole
	of it, never to a savepoint), and on a lost connection the server already undid it (nothing to raise)."""
	try:
		frappe.db.rollback()
	except Exception as e:
		if not connection_lost(e):
			raise


def alive() -> bool:
	try:
		frappe.db.sql("SELECT 1")
		return True
	except Exception as e:
		if connection_lost(e):
			return False
		raise


def reconnect(seconds: float = RECONNECT_SECONDS) -> bool:
	"""Open a new connection once the server answers again, waiting at most `seconds`; whether it did."""
	deadline = time.monotonic() + max(seconds, 0)
	while True:
		try:
			frappe.db.close()
		except Exception:
			# The old connection is gone already: drop it, so that connect opens a new one.
			frappe.db._conn = frappe.db._cursor = None
		try:
			frappe.db.connect()
			frappe.db.sql("SELECT 1")
			return True
		except Exception as e:
			if not connection_lost(e):
				raise
		if time.monotonic() + RECONNECT_PAUSE > deadline:
			return False
		time.sleep(RECONNECT_PAUSE)


def reconnect_in_budget() -> bool:
	"""`reconnect`, waiting at most what is left of the job's time budget (capped at RECONNECT_SECONDS)."""
	left = current_budget().seconds_left(time.time())
	return reconnect(RECONNECT_SECONDS if left is None else min(left, RECONNECT_SECONDS))
