"""Jobs never hold a worker hostage, forms never freeze, killed runs do not stay "Running".

An unreachable endpoint is a closed loopback port; a slow one is the simulator's "slow" fault.
"""

import os
import socket
import subprocess
import time
from unittest.mock import patch

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime

from amazon_integration.amazon.budget import INTERACTIVE_TOTAL_SECONDS
from amazon_integration.amazon_integration.report.amazon_sync_health import (
	amazon_sync_health as health_report,
)
from amazon_integration.erpnext import scheduler
from amazon_integration.erpnext.jobs import run_job
from amazon_integration.erpnext.runs import sweep_interrupted_runs
from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase

# A background job as the short queue would run it, with a smaller timeout so that the test stays short.
JOB_TIMEOUT = 20


def closed_port() -> str:
	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		return f"http://127.0.0.1:{probe.getsockname()[1]}"


class TestJobs(SimulatorTestCase):
	orders = 0

	def tearDown(self):
		frappe.db.rollback()
		self.sim.control.clear_faults()
		self.point_at(self.sim.url)
		frappe.db.set_value(
			"Amazon Account",
			self.account.name,
			{"not_answering_since": None, "retry_after": None, "last_no_answer": None},
		)
		frappe.db.commit()

	def point_at(self, url: str) -> None:
		frappe.db.set_value("Amazon Account", self.account.name, "endpoint_override", url)
		frappe.db.commit()

	def pending_delivery(self):
		"""A submitted FBM Delivery Note waiting to be confirmed to Amazon."""
		order_id = self.new_order(items=[{"sku": SKU, "quantity": 1}])
		self.sync()
		so = self.sales_order(order_id)
		name = frappe.db.get_value("Delivery Note Item", {"against_sales_order": so.name, "docstatus": 0}, "parent")
		dn = frappe.get_doc("Delivery Note", name)
		dn.amazon_carrier, dn.amazon_tracking_number = "UPS", f"1Z-{order_id}"
		dn.save()
		dn.submit()
		frappe.db.commit()
		return dn

	def account_state(self):
		return frappe.db.get_value(
			"Amazon Account", self.account.name, ["not_answering_since", "retry_after", "last_no_answer"], as_dict=True
		)

	# --- interactive calls ---------------------------------------------------------------------------------

	def test_01_test_connection_to_an_endpoint_nobody_answers_says_so_in_seconds(self):
		self.point_at(closed_port())
		started = time.monotonic()
		result = frappe.get_doc("Amazon Account", self.account.name).test_connection()
		elapsed = time.monotonic() - started
		self.assertLess(elapsed, INTERACTIVE_TOTAL_SECONDS + 5)
		self.assertFalse(result["ok"])
		self.assertTrue(result.get("no_answer"), result["message"])
		self.assertIn("did not answer", result["message"])
		self.assertNotIn("refused", result["message"].lower())
		# The account now backs off; Test Connection against an endpoint that answers clears it.
		self.assertTrue(self.account_state().not_answering_since)
		self.point_at(self.sim.url)
		self.assertTrue(frappe.get_doc("Amazon Account", self.account.name).test_connection()["ok"])
		self.assertIsNone(self.account_state().not_answering_since)

	def test_02_test_connection_to_a_slow_endpoint_answers_in_seconds(self):
		self.sim.control.add_fault("slow", "getOrder", count=3, delay=10)
		started = time.monotonic()
		result = frappe.get_doc("Amazon Account", self.account.name).test_connection()
		self.assertLess(time.monotonic() - started, INTERACTIVE_TOTAL_SECONDS + 5)
		self.assertFalse(result["ok"])
		self.assertIn("ReadTimeout", result["message"])
		self.assertIn("did not answer", result["message"])

	# --- background jobs -------------------------------------------------------------------------------------

	def test_03_a_shipment_job_on_an_unreachable_endpoint_ends_before_its_timeout_and_backs_off(self):
		dn = self.pending_delivery()
		self.point_at(closed_port())
		frappe.conf.amazon_retry_deadline = 300  # as in production: the job's budget, not this, bounds the retries
		try:
			started = time.monotonic()
			run_job("shipments.sync_account_shipments", JOB_TIMEOUT, account=self.account.name)
			elapsed = time.monotonic() - started
		finally:
			frappe.conf.pop("amazon_retry_deadline", None)
		self.assertLess(elapsed, JOB_TIMEOUT)
		status, error = frappe.db.get_value("Delivery Note", dn.name, ["amazon_sync_status", "amazon_sync_error"])
		self.assertNotEqual(status, "Synchronized")
		self.assertIn("No answer from 127.0.0.1", error)

		state = self.account_state()
		self.assertTrue(state.not_answering_since and state.retry_after)
		self.assertGreater(get_datetime(state.retry_after), add_to_date(now_datetime(), minutes=9))
		self.assertIn("ConnectError", state.last_no_answer)

		# Scheduled jobs leave the account alone until then; the first answer clears the state.
		with patch.object(scheduler.frappe, "enqueue") as enqueue:
			scheduler.dispatch_shipment_sync()
			scheduler.dispatch_order_sync()
		self.assertFalse([c for c in enqueue.call_args_list if c.kwargs.get("account") == self.account.name])
		self.point_at(self.sim.url)
		run_job("shipments.sync_account_shipments", JOB_TIMEOUT, account=self.account.name, include_failed=True)
		self.assertEqual(frappe.db.get_value("Delivery Note", dn.name, "amazon_sync_status"), "Synchronized")
		self.assertIsNone(self.account_state().not_answering_since)

	def test_04_a_job_on_a_slow_endpoint_ends_before_its_timeout(self):
		dn = self.pending_delivery()
		self.sim.control.add_fault("slow", "confirmShipment", count=20, delay=8)
		started = time.monotonic()
		run_job("shipments.sync_account_shipments", JOB_TIMEOUT, account=self.account.name)
		self.assertLess(time.monotonic() - started, JOB_TIMEOUT)
		dn.reload()
		self.assertNotEqual(dn.amazon_sync_status, "Synchronized")
		self.assertIn("ReadTimeout", dn.amazon_sync_error)

	# --- runs that never finished ------------------------------------------------------------------------------

	def stuck_log(self, operation: str = "Order Sync", hours_ago: float = 5, runner: str | None = None):
		started = add_to_date(now_datetime(), hours=-hours_ago)
		log = frappe.get_doc(
			{
				"doctype": "Amazon Sync Log",
				"amazon_account": self.account.name,
				"operation": operation,
				"status": "Running",
				"started_at": started,
				"runner": runner,
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value("Amazon Sync Log", log.name, "creation", started, update_modified=False)
		frappe.db.commit()
		return log.name

	def status(self, log: str) -> str:
		return frappe.db.get_value("Amazon Sync Log", log, "status")

	def test_05_the_sweep_marks_runs_older_than_their_jobs_timeout(self):
		killed = self.stuck_log(hours_ago=5)  # the order sync job's timeout is 4 hours
		recent = self.stuck_log(hours_ago=1)  # could still be running
		report_killed = self.stuck_log("FBA Returns Import", hours_ago=2)  # report imports: 1 hour
		swept = sweep_interrupted_runs()
		self.assertIn(killed, swept)
		self.assertIn(report_killed, swept)
		self.assertNotIn(recent, swept)
		self.assertEqual((self.status(killed), self.status(recent)), ("Interrupted", "Running"))
		self.assertIn("stopped without finishing", frappe.db.get_value("Amazon Sync Log", killed, "error"))

		_columns, rows, _message, _chart, cards = health_report.execute(
			{"amazon_account": self.account.name, "runs": 10}
		)
		interrupted = [row for row in rows if row.sync_log == killed]
		self.assertEqual(interrupted[0].status, "Interrupted")
		self.assertIn("stopped without finishing", interrupted[0].error)
		summary = {card["label"]: card["value"] for card in cards}
		self.assertGreaterEqual(summary["Runs Interrupted"], 2)
		frappe.db.set_value("Amazon Sync Log", recent, "status", "Failed")
		frappe.db.commit()

	def test_06_the_next_run_of_the_same_kind_marks_a_killed_run(self):
		# Killed a moment ago (the sweep would wait, the next run does not): a job gone, a process gone, a log of
		# before runners were recorded. A bench command still running beside the new run (its process lives) and
		# another kind of run are left alone.
		dead = subprocess.Popen(["true"])
		dead.wait()
		killed_job = self.stuck_log(hours_ago=0.01, runner="job amazon_order_sync::a job long gone")
		killed_process = self.stuck_log(hours_ago=0.01, runner=f"process {dead.pid} on {socket.gethostname()}")
		unnamed = self.stuck_log(hours_ago=0.01)
		live_command = self.stuck_log(hours_ago=0.01, runner=f"process {os.getppid()} on {socket.gethostname()}")
		recovery = self.stuck_log("Order Recovery", hours_ago=0.01)
		log = self.sync()
		for killed in (killed_job, killed_process, unnamed):
			self.assertEqual(self.status(killed), "Interrupted", killed)
		self.assertEqual((self.status(live_command), self.status(recovery)), ("Running", "Running"))
		self.assertNotEqual(log.status, "Interrupted")
		self.assertEqual(log.runner, f"process {os.getpid()} on {socket.gethostname()}")
		for name in (live_command, recovery):
			frappe.db.set_value("Amazon Sync Log", name, "status", "Failed")
		frappe.db.commit()

	def test_07_the_sweep_marks_a_run_whose_runner_is_gone_at_once(self):
		# Killed a minute ago and no new run follows: the sweep need not wait for the job's timeout when the log
		# names its runner. A run whose process lives, and one on another host, wait for that timeout.
		dead = subprocess.Popen(["true"])
		dead.wait()
		killed_job = self.stuck_log(hours_ago=0.02, runner="job amazon_order_sync::a job long gone")
		killed_process = self.stuck_log(hours_ago=0.02, runner=f"process {dead.pid} on {socket.gethostname()}")
		live_command = self.stuck_log(hours_ago=0.02, runner=f"process {os.getppid()} on {socket.gethostname()}")
		elsewhere = self.stuck_log(hours_ago=0.02, runner="process 1 on another-host.example")
		swept = sweep_interrupted_runs()
		self.assertIn(killed_job, swept)
		self.assertIn(killed_process, swept)
		self.assertNotIn(live_command, swept)
		self.assertNotIn(elsewhere, swept)
		self.assertEqual((self.status(live_command), self.status(elsewhere)), ("Running", "Running"))
		for name in (live_command, elsewhere):
			frappe.db.set_value("Amazon Sync Log", name, "status", "Failed")
		frappe.db.commit()
