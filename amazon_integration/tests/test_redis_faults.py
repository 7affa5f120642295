"""Redis flushed or restarted: the queued jobs come back through the scheduler's dispatchers, Amazon calls go on
paced by an in-process bucket while Redis does not answer, and a lost bucket starts from the operation's burst.

The site's Redis is never touched: the app's queue connection and cache point at a redis-server of this class
(ports 16379-16389), which the tests flush and restart.
"""

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from unittest.mock import patch

import frappe
import redis
from frappe.utils import add_to_date, now_datetime
from frappe.utils.redis_wrapper import RedisWrapper

from amazon_integration.amazon.quota import FALLBACK_QUOTA_STORE, quota_key
from amazon_integration.amazon.usage_plans import plan_for
from amazon_integration.erpnext import scheduler
from amazon_integration.erpnext.account_client import get_client, quota_store
from amazon_integration.erpnext.jobs import ORDER_SYNC, SETTLEMENT_BOOKING, SHIPMENT_SYNC, STOCK_PUSH
from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase

PORTS = range(16379, 16390)


def _free_port() -> int:
	for port in PORTS:
		with socket.socket() as probe:
			try:
				probe.bind(("127.0.0.1", port))
			except OSError:
				continue
			return port
	raise RuntimeError("no free port in 16379-16389 for the test's redis-server")


class TestRedisFaults(SimulatorTestCase):
	orders = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not shutil.which("redis-server"):
			raise RuntimeError("redis-server is needed for these tests")
		cls.port = _free_port()
		cls.start_redis()
		cls.queue_conn = redis.Redis(port=cls.port)
		cls.cache = RedisWrapper.from_url(f"redis://127.0.0.1:{cls.port}")

	@classmethod
	def tearDownClass(cls):
		cls.stop_redis()
		super().tearDownClass()

	@classmethod
	def start_redis(cls) -> None:
		subprocess.run(
			["redis-server", "--port", str(cls.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			 "--daemonize", "yes"],
			check=True,
			stdout=subprocess.DEVNULL,
		)  # fmt: skip
		probe = redis.Redis(port=cls.port)
		for _ in range(100):
			try:
				probe.ping()
				return
			except redis.exceptions.ConnectionError:
				time.sleep(0.05)
		raise RuntimeError(f"the test's redis-server on port {cls.port} did not start")

	@classmethod
	def stop_redis(cls) -> None:
		try:
			redis.Redis(port=cls.port).shutdown(nosave=True)
		except redis.exceptions.ConnectionError:
			pass  # shut down: redis-py sees the connection close
		probe = redis.Redis(port=cls.port)
		for _ in range(100):
			try:
				probe.ping()
				time.sleep(0.05)
			except redis.exceptions.ConnectionError:
				return

	@contextmanager
	def own_redis(self):
		"""The app's RQ connection and cache on this class's redis-server."""
		from frappe.utils import background_jobs

		with (
			patch.object(background_jobs, "_redis_queue_conn", self.queue_conn),
			patch.object(frappe, "cache", self.cache),
			patch.object(SETTLEMENT_BOOKING, "now_in_tests", False),
		):
			yield

	def flushall(self) -> None:
		redis.Redis(port=self.port).flushall()

	# --- jobs a flush lost ---------------------------------------------------------------------------------

	def pending_delivery(self) -> str:
		"""A submitted FBM Delivery Note waiting to be confirmed to Amazon."""
		order_id = self.new_order(items=[{"sku": SKU, "quantity": 1}])
		self.sync()
		so = frappe.db.get_value("Sales Order", {"amazon_order_id": order_id}, "name")
		name = frappe.db.get_value("Delivery Note Item", {"against_sales_order": so, "docstatus": 0}, "parent")
		dn = frappe.get_doc("Delivery Note", name)
		dn.amazon_carrier, dn.amazon_tracking_number = "UPS", f"1Z-{order_id}"
		dn.save()
		dn.submit()
		frappe.db.commit()
		self.assertEqual(frappe.db.get_value("Delivery Note", name, "amazon_sync_status"), "Pending")
		return name

	def submitted_settlement(self) -> str:
		"""A submitted settlement with an Order line no booking has tried yet (its job was lost)."""
		doc = frappe.new_doc("Amazon Settlement")
		doc.update(
			{
				"settlement_id": f"RF-{self.namespace}-{frappe.generate_hash(length=6)}",
				"amazon_account": self.account.name,
				"company": self.account.company,
				"currency": "USD",
				"start_date": add_to_date(now_datetime(), days=-14),
				"end_date": add_to_date(now_datetime(), days=-1),
				"total_amount": 10.0,
			}
		)
		doc.insert(ignore_permissions=True)
		line = frappe.get_doc(
			{
				"doctype": "Amazon Settlement Line",
				"settlement": doc.name,
				"line_type": "Order",
				"amazon_order_id": f"RF-{self.namespace}",
				"status": "Matched",
				"currency": "USD",
				"amount": 10.0,
				"sale_amount": 10.0,
			}
		).insert(ignore_permissions=True)
		doc.flags.booked_by_caller = True  # no job now: the one a flush lost is what the dispatcher brings back
		doc.submit()
		frappe.db.commit()
		self.line = line.name
		return doc.name

	def test_flushed_jobs_are_queued_again_by_the_dispatchers(self):
		account = self.account.name
		with self.own_redis():
			delivery = self.pending_delivery()
			settlement = self.submitted_settlement()
			frappe.db.set_value("Amazon Account", account, "last_order_sync", None)
			frappe.db.commit()

			def dispatch():
				scheduler.dispatch_order_sync()
				scheduler.dispatch_shipment_sync()
				scheduler.dispatch_settlement_booking()
				frappe.db.commit()  # jobs are enqueued after the commit

			dispatch()
			queued = {kind.name: kind.queued(key) for kind, key in self.jobs(settlement)}
			self.assertEqual(queued, dict.fromkeys(queued, True))

			self.flushall()
			self.assertFalse(any(kind.queued(key) for kind, key in self.jobs(settlement)))
			dispatch()  # the next cron run: every one is back, decided from the database
			queued = {kind.name: kind.queued(key) for kind, key in self.jobs(settlement)}
			self.assertEqual(queued, dict.fromkeys(queued, True))
		self.assertEqual(frappe.db.get_value("Delivery Note", delivery, "amazon_sync_status"), "Pending")

	def jobs(self, settlement: str):
		return [(ORDER_SYNC, self.account.name), (SHIPMENT_SYNC, self.account.name), (SETTLEMENT_BOOKING, settlement)]

	def test_a_second_booking_leaves_the_settlement_to_the_one_running(self):
		"""After a flush RQ no longer knows a booking that runs: the one the dispatcher queues returns at once."""
		import time

		from amazon_integration.erpnext.settlements import book_settlement
		from amazon_integration.erpnext.transactions import settlement_lock

		with self.own_redis():
			settlement = self.submitted_settlement()
		other = self.second_connection()
		try:
			with other.cursor() as cur:  # the running booking, in a worker of its own
				cur.execute("select get_lock(%s, 0)", (f"amazon_settlement_booking:{settlement}",))
				self.assertEqual(cur.fetchone()[0], 1)
			started = time.monotonic()
			book_settlement(settlement)
			self.assertLess(time.monotonic() - started, 5)
			line = frappe.db.get_value("Amazon Settlement Line", self.line, ["status", "payment_entry"], as_dict=True)
			self.assertEqual((line.status, line.payment_entry), ("Matched", None))
		finally:
			other.close()
		with settlement_lock(settlement) as got:  # the lock went with the other connection
			self.assertTrue(got)

	def second_connection(self):
		import pymysql

		conf = frappe.conf
		return pymysql.connect(
			host=conf.db_host or "127.0.0.1", port=int(conf.db_port or 3306), user=conf.db_user or conf.db_name,
			password=conf.db_password, database=conf.db_name, autocommit=True,
		)

	def test_booking_that_stopped_on_a_problem_is_not_queued_again(self):
		with self.own_redis():
			settlement = self.submitted_settlement()
			line = frappe.db.get_value("Amazon Settlement Line", {"settlement": settlement}, "name")
			# Tried and failed (or reopened by a cancelled Payment Entry): the user acts first.
			frappe.db.set_value(
				"Amazon Settlement Line", line, {"status": "Failed", "error": "Closed period"}, update_modified=False
			)
			frappe.db.commit()
			scheduler.dispatch_settlement_booking()
			frappe.db.commit()
			self.assertFalse(SETTLEMENT_BOOKING.queued(settlement))
			frappe.db.set_value("Amazon Settlement Line", line, {"status": "Matched"}, update_modified=False)
			frappe.db.commit()
			scheduler.dispatch_settlement_booking()  # reopened, with its error: still the user's button
			frappe.db.commit()
			self.assertFalse(SETTLEMENT_BOOKING.queued(settlement))

	def test_stock_changes_a_flush_lost_make_the_next_push_look_at_every_sku(self):
		from amazon_integration.erpnext.stock import _dirty_key, has_dirty_items, take_dirty_items

		account = self.account.name
		with self.own_redis():
			self.assertIsNone(take_dirty_items(account))  # never kept on this Redis: every SKU
			self.assertFalse(has_dirty_items(account))
			self.cache.sadd(_dirty_key(account), "RF-ITEM")
			self.assertEqual(take_dirty_items(account), {"RF-ITEM"})
			self.cache.sadd(_dirty_key(account), "RF-ITEM")
			self.flushall()  # the changed items are gone, and so is the key saying the set is whole
			self.assertTrue(has_dirty_items(account))
			frappe.db.set_value("Amazon Account", account, {"push_stock": 1, "last_stock_push": None})
			frappe.db.commit()
			try:
				scheduler.dispatch_stock_push()
				frappe.db.commit()
				self.assertTrue(STOCK_PUSH.queued(account))
			finally:
				frappe.db.set_value("Amazon Account", account, "push_stock", 0)
				frappe.db.commit()
			self.assertIsNone(take_dirty_items(account))  # that job's run: every SKU
			self.assertFalse(has_dirty_items(account))

	def test_stock_changes_and_pushes_go_on_while_redis_restarts(self):
		from amazon_integration.erpnext.stock import mark_dirty, take_dirty_items
		from amazon_integration.overrides.stock import _changed

		account = self.account.name
		with self.own_redis():
			frappe.db.set_value("Amazon Account", account, "push_stock", 1)
			frappe.db.commit()
			self.stop_redis()
			try:
				with self.assertRaises(redis.exceptions.ConnectionError):
					mark_dirty(["RF-ITEM"], None, self.account.company)  # the mark needs Redis ...
				_changed(["RF-ITEM"], None, self.account.company)  # ... the stock transaction does not fail
				self.assertIsNone(take_dirty_items(account))  # the push looks at every SKU
			finally:
				self.start_redis()
				frappe.db.set_value("Amazon Account", account, "push_stock", 0)
				frappe.db.commit()

	# --- quota buckets -------------------------------------------------------------------------------------

	def test_a_flushed_bucket_gives_exactly_burst_immediate_tokens(self):
		plan = plan_for("getOrder")
		key = quota_key(f"RF-{self.namespace}", "getOrder")
		with self.own_redis():
			store = quota_store()
			now = time.time()
			waits = [store.acquire(key, plan.rate, plan.burst, now) for _ in range(plan.burst + 1)]
			self.assertEqual(waits[: plan.burst], [0.0] * plan.burst)
			self.assertGreater(waits[-1], 0)
			self.flushall()
			waits = [store.acquire(key, plan.rate, plan.burst, now) for _ in range(plan.burst + 1)]
			self.assertEqual(waits[: plan.burst], [0.0] * plan.burst)
			self.assertGreater(waits[-1], 0)
			self.assertEqual(store.unreachable_calls, 0)

	def test_redis_restart_between_calls_falls_back_and_the_calls_succeed(self):
		order_id = self.new_order()
		FALLBACK_QUOTA_STORE.clear()
		with self.own_redis():
			client = get_client(self.account.name)
			self.assertEqual(client.get_order(order_id).order_id, order_id)
			self.stop_redis()
			try:
				self.assertEqual(client.get_order(order_id).order_id, order_id)  # paced in-process
				self.assertEqual(client.quota_store.unreachable_calls, 1)
			finally:
				self.start_redis()
			self.assertEqual(client.get_order(order_id).order_id, order_id)  # on Redis again
			self.assertEqual(client.quota_store.unreachable_calls, 1)
			self.assertTrue(self.cache.keys("amazon_quota:*getOrder"))
		self.assertEqual(self.sim.control.counters()["getOrder"]["throttled"], 0)
