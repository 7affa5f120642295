"""Amazon's quota belongs to the seller: two worker processes share one bucket through the site's Redis."""

import subprocess
import sys
import textwrap

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

from amazon_integration.simulator import Simulator
from amazon_integration.tests.utils import retire_simulator_accounts, simulator_account

CALLS_PER_WORKER = 20  # two workers: 40 getOrder calls against a burst of 30


class TestSharedQuota(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sim = Simulator(seed=5, orders=5, time_scale=1.0).start()
		cls.account = simulator_account(cls.sim)
		cls.order_id = next(iter(cls.sim.state.orders))

	@classmethod
	def tearDownClass(cls):
		retire_simulator_accounts(cls.sim)
		cls.sim.stop()
		super().tearDownClass()

	def test_two_workers_of_one_seller_never_meet_a_429(self):
		script = textwrap.dedent(
			f"""
			import frappe
			frappe.init(site={frappe.local.site!r}, sites_path=".")
			frappe.connect()
			from amazon_integration.erpnext.account_client import get_client
			client = get_client({self.account.name!r})
			for _ in range({CALLS_PER_WORKER}):
				client.get_order({self.order_id!r})
			calls = client.metrics.snapshot()["getOrder"]
			print(calls.throttled, calls.calls)
			"""
		)
		sites = f"{get_bench_path()}/sites"
		workers = [
			subprocess.Popen([sys.executable, "-c", script], cwd=sites, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
			for _ in range(2)
		]
		results = [worker.communicate(timeout=300) for worker in workers]
		self.assertEqual([w.returncode for w in workers], [0, 0], [err.decode()[-2000:] for _, err in results])

		counters = self.sim.control.counters()["getOrder"]
		self.assertEqual(counters["throttled"], 0, "the workers overran the seller's quota")
		reported = [out.decode().split()[-2:] for out, _ in results]
		self.assertEqual([throttled for throttled, _ in reported], ["0", "0"])
		# What Amazon received is what the workers sent: each call once, unless a slow machine made one time out
		# and retry (a retry is not a 429, and the workers count it as a call).
		self.assertEqual(counters["requests"], sum(int(calls) for _, calls in reported))
		self.assertGreaterEqual(counters["requests"], 2 * CALLS_PER_WORKER)
