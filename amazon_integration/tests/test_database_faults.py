"""When MariaDB drops the app's connection, or another session holds the rows it writes (issue 26).

The runner's own server is never restarted: a restart is the job's connection KILLed by a second connection of
the same database user; lock waits and deadlocks come from a second session holding rows the order import writes.
"""

import threading
import time
from unittest.mock import patch

import frappe
import pymysql

from amazon_integration.erpnext import database
from amazon_integration.erpnext import orders as order_sync
from amazon_integration.erpnext.orders import sync_account_orders
from amazon_integration.tests.simulator_case import SimulatorTestCase

LOCKED_SKU = "SIM-CHG-050"  # only the order under test uses it, so only it writes this item's Bin rows


def connection_id() -> int:
	return frappe.db.sql("SELECT CONNECTION_ID()")[0][0]


def other_connection() -> pymysql.connections.Connection:
	"""A second session as the site's database user (autocommit off: its locks last until its rollback)."""
	return frappe.db.create_connection()


def kill(connection: int) -> None:
	killer = other_connection()
	try:
		killer.cursor().execute("KILL CONNECTION %s", (connection,))
	finally:
		killer.close()


class DatabaseFaultCase(SimulatorTestCase):
	orders = 0  # only the orders a test makes

	def run_sync(self) -> frappe.model.document.Document:
		return frappe.get_doc("Amazon Sync Log", sync_account_orders(self.account.name))

	def imported(self) -> list[str]:
		return frappe.get_all("Sales Order", filters={"amazon_account": self.account.name}, pluck="amazon_order_id")

	def assert_each_once_and_whole(self, expected: set[str]) -> None:
		ids = self.imported()
		self.assertEqual(len(ids), len(set(ids)), "an order imported twice")
		self.assertEqual(set(ids), expected)
		for so in frappe.get_all("Sales Order", filters={"amazon_account": self.account.name}, pluck="name"):
			self.assertTrue(frappe.db.exists("Delivery Note Item", {"against_sales_order": so}), so)

	def locked_bins(self) -> list[str]:
		"""The Bin rows of LOCKED_SKU that a Sales Order of it updates (made and committed beforehand)."""
		from erpnext.stock.utils import get_or_make_bin

		bins = [get_or_make_bin(LOCKED_SKU, w) for w in (self.account.fbm_warehouse, self.account.fba_warehouse) if w]
		frappe.db.commit()
		return bins


class TestConnectionLost(DatabaseFaultCase):
	def test_a_connection_killed_mid_sync_fails_the_run_with_the_reason_and_the_next_run_imports_the_rest(self):
		expected = {self.new_order() for _ in range(4)}
		real = order_sync.create_sales_order
		made = []

		def create_then_lose_the_connection(*args, **kwargs):
			so = real(*args, **kwargs)
			made.append(so.amazon_order_id)
			if len(made) == 2:
				kill(connection_id())  # the 2nd order is uncommitted: the server undoes it
			return so

		errors_before = frappe.db.count("Error Log")
		with patch.object(order_sync, "create_sales_order", create_then_lose_the_connection):
			log = self.run_sync()

		self.assertEqual(log.status, "Failed")
		self.assertEqual(log.error, database.connection_lost_message())
		self.assertEqual(log.failures, [], "a lost connection is no order's fault")
		self.assertFalse(frappe.db.exists("Amazon Order Retry", {"amazon_account": self.account.name}))
		self.assertEqual(self.imported(), made[:1], "the uncommitted order was undone, nothing after it made")
		self.assertEqual(frappe.db.count("Error Log") - errors_before, 1)
		self.assertEqual(
			frappe.db.count("Error Log", {"reference_doctype": "Amazon Sync Log", "reference_name": log.name}), 1
		)

		log = self.run_sync()
		self.assertEqual(log.status, "Success", log.error)
		self.assert_each_once_and_whole(expected)
		self.assertEqual(log.created_count, 3)

	def test_b_a_database_that_does_not_come_back_leaves_the_log_running_for_the_next_run(self):
		self.new_order()
		real = order_sync.create_sales_order

		def lose_the_connection(*args, **kwargs):
			kill(connection_id())
			return real(*args, **kwargs)

		with (
			patch.object(order_sync, "create_sales_order", lose_the_connection),
			patch.object(database, "RECONNECT_SECONDS", 0),
			patch.object(database.frappe.db, "connect", side_effect=pymysql.err.OperationalError(2003, "down")),
		):
			with self.assertRaises(pymysql.err.OperationalError):
				sync_account_orders(self.account.name)
		database.reconnect()
		running = frappe.get_all(
			"Amazon Sync Log", filters={"amazon_account": self.account.name, "status": "Running"}, pluck="name"
		)
		self.assertEqual(len(running), 1)

		log = self.run_sync()
		self.assertEqual(log.status, "Success", log.error)
		self.assertEqual(frappe.db.get_value("Amazon Sync Log", running[0], "status"), "Interrupted")


class TestLockWaitTimeout(DatabaseFaultCase):
	def test_an_order_whose_rows_another_session_holds_fails_alone_and_the_next_run_imports_it(self):
		others = {self.new_order() for _ in range(2)}
		locked = self.new_order(items=[{"sku": LOCKED_SKU, "quantity": 1}])
		bins = self.locked_bins()

		holder = other_connection()
		try:
			holder.cursor().execute("SELECT name FROM `tabBin` WHERE name IN %s FOR UPDATE", (bins,))
			frappe.db.sql("SET SESSION innodb_lock_wait_timeout = 1")
			log = self.run_sync()
		finally:
			holder.rollback()
			holder.close()
			frappe.db.sql("SET SESSION innodb_lock_wait_timeout = DEFAULT")

		self.assertEqual(log.status, "Partial Success", log.error)
		self.assertEqual([(r.amazon_order_id, r.error) for r in log.failures], [(locked, database.lock_timeout_message())])
		self.assert_each_once_and_whole(others)

		self.later()
		log = self.run_sync()  # the retry queue brings it back
		self.assertEqual(log.status, "Success", log.error)
		self.assert_each_once_and_whole(others | {locked})


class TestDeadlock(DatabaseFaultCase):
	def test_an_order_picked_as_deadlock_victim_fails_alone_and_the_next_run_imports_it(self):
		locked = self.new_order(items=[{"sku": LOCKED_SKU, "quantity": 1}])
		other = self.new_order()
		bins = self.locked_bins()
		frappe.db.sql_ddl("CREATE TABLE IF NOT EXISTS `_amazon_test_weight` (n INT PRIMARY KEY) ENGINE=InnoDB")
		app = connection_id()
		holder = other_connection()
		ready, failure = threading.Event(), []

		def hold():
			"""Lock the order's Bin rows and many more (heavier: InnoDB rolls back the app), wait until the app waits
			on the Bin, then ask for the Sales Order row the app has inserted: a cycle."""
			try:
				cur = holder.cursor()
				cur.execute("SELECT name FROM `tabBin` WHERE name IN %s FOR UPDATE", (bins,))
				cur.execute(
					"INSERT INTO `_amazon_test_weight` WITH RECURSIVE s(n) AS "
					"(SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100) SELECT a.n * 1000 + b.n FROM s a, s b"
				)
				ready.set()
				deadline = time.monotonic() + 60
				while time.monotonic() < deadline:  # polls a state, no timing luck
					# The app's session runs a statement on the Bin (the one waiting on our lock): one's own user's
					# sessions are visible without the PROCESS privilege.
					cur.execute(
						"SELECT 1 FROM information_schema.PROCESSLIST WHERE id = %s AND command = 'Query' "
						"AND info LIKE %s",
						(app, "%tabBin%"),
					)
					if cur.fetchone():
						break
					time.sleep(0.05)
				cur.execute("SELECT name FROM `tabSales Order` WHERE amazon_order_id = %s FOR UPDATE", (locked,))
			except Exception as e:
				failure.append(e)
			finally:
				ready.set()
				holder.rollback()

		thread = threading.Thread(target=hold)
		thread.start()
		try:
			self.assertTrue(ready.wait(30), failure)
			frappe.db.sql("SET SESSION innodb_lock_wait_timeout = 30")
			log = self.run_sync()
		finally:
			thread.join(60)
			holder.close()
			frappe.db.sql("SET SESSION innodb_lock_wait_timeout = DEFAULT")
			frappe.db.sql_ddl("DROP TABLE IF EXISTS `_amazon_test_weight`")

		self.assertEqual(failure, [])
		self.assertEqual(log.status, "Partial Success", log.error)
		self.assertEqual([(r.amazon_order_id, r.error) for r in log.failures], [(locked, database.deadlock_message())])
		self.assert_each_once_and_whole({other})

		self.later()
		log = self.run_sync()
		self.assertEqual(log.status, "Success", log.error)
		self.assert_each_once_and_whole({other, locked})


class TestShipmentConfirmation(DatabaseFaultCase):
	def shipped(self) -> frappe.model.document.Document:
		"""A submitted FBM Delivery Note, Pending confirmation to Amazon."""
		order_id = self.new_order()
		self.sync()
		so = self.sales_order(order_id)
		dn = frappe.get_doc(
			"Delivery Note",
			frappe.db.get_value("Delivery Note Item", {"against_sales_order": so.name, "docstatus": 0}, "parent"),
		)
		dn.amazon_carrier, dn.amazon_tracking_number = "UPS", f"1Z{order_id[-8:]}"
		dn.save()
		dn.submit()
		frappe.db.commit()
		return dn

	def confirmations(self) -> int:
		return self.sim.control.counters().get("confirmShipment", {}).get("requests", 0)

	def status(self, dn) -> str:
		return frappe.db.get_value("Delivery Note", dn.name, "amazon_sync_status")

	def test_a_connection_killed_mid_run_fails_the_job_once_and_nothing_is_sent_twice(self):
		from amazon_integration.erpnext import jobs, shipments

		notes = [self.shipped() for _ in range(3)]
		real = shipments._set_status
		calls = []

		def lose_the_connection_before_the_2nd_outcome(*args, **kwargs):
			calls.append(args[0].name)
			if len(calls) == 2:
				kill(connection_id())  # Amazon accepted it; what we write next is lost
			return real(*args, **kwargs)

		with patch.object(shipments, "_set_status", lose_the_connection_before_the_2nd_outcome):
			with self.assertRaises(pymysql.err.Error):
				jobs.run_job("shipments.sync_account_shipments", 300, account=self.account.name)
		self.assertTrue(database.alive(), "the job reconnected before it failed")
		self.assertEqual([self.status(dn) for dn in notes], ["Synchronized", "Pending", "Pending"])
		self.assertEqual(self.confirmations(), 2)

		counts = shipments.sync_account_shipments(self.account.name)
		self.assertEqual(counts["Synchronized"], 2)
		self.assertEqual([self.status(dn) for dn in notes], ["Synchronized"] * 3)
		self.assertEqual(self.confirmations(), 3, "the shipment Amazon had accepted was read back, not sent again")

	def test_a_delivery_note_another_session_holds_waits_for_the_next_run(self):
		from amazon_integration.erpnext.shipments import sync_account_shipments

		locked, free = self.shipped(), self.shipped()
		before = self.confirmations()
		holder = other_connection()
		try:
			holder.cursor().execute("SELECT name FROM `tabDelivery Note` WHERE name = %s FOR UPDATE", (locked.name,))
			frappe.db.sql("SET SESSION innodb_lock_wait_timeout = 1")
			counts = sync_account_shipments(self.account.name)
		finally:
			holder.rollback()
			holder.close()
			frappe.db.sql("SET SESSION innodb_lock_wait_timeout = DEFAULT")
		self.assertEqual((counts["Synchronized"], counts["Pending"]), (1, 1))
		self.assertEqual((self.status(locked), self.status(free)), ("Pending", "Synchronized"))

		self.assertEqual(sync_account_shipments(self.account.name)["Synchronized"], 1)
		self.assertEqual(self.status(locked), "Synchronized")
		self.assertEqual(self.confirmations() - before, 2)
