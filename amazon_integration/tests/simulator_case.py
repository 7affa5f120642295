"""A FrappeTestCase with its own simulator and Amazon Account, for end-to-end tests.

The sync commits every order, so these tests cannot lean on FrappeTestCase's rollback: each class runs
against its own simulator and its own seller id. The seed is fixed, so every run draws the same data; the
simulator's namespace, new on each run, gives that data order and settlement ids the site has not seen.
"""

import sys

import frappe
from frappe.tests.utils import FrappeTestCase

from amazon_integration.erpnext.orders import sync_account_orders
from amazon_integration.simulator import Simulator
from amazon_integration.tests.utils import (
	CA,
	US,
	next_namespace,
	retire_simulator_accounts,
	simulator_account,
)

SKU = "SIM-MUG-001"  # a catalogue SKU; before_tests makes an Item of every catalogue SKU


class SimulatorTestCase(FrappeTestCase):
	orders = 60  # generated orders besides those a test creates itself
	seed = 1

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.namespace = next_namespace()
		cls.sim = Simulator(seed=cls.seed, orders=cls.orders, time_scale=1.0, namespace=cls.namespace).start()
		cls.account = simulator_account(cls.sim)

	@classmethod
	def tearDownClass(cls):
		retire_simulator_accounts(cls.sim)
		cls.sim.stop()
		super().tearDownClass()

	def sync(self) -> frappe.model.document.Document:
		log = frappe.get_doc("Amazon Sync Log", sync_account_orders(self.account.name))
		self.assertNotEqual(log.status, "Failed", log.error)
		return log

	def later(self, minutes: float = 3) -> None:
		"""Amazon shows an update once it is two minutes old."""
		self.sim.control.advance(minutes * 60)

	def sim_orders(self) -> dict[str, dict]:
		return {
			o["order_id"]: o
			for o in self.sim.control.list_orders()
			if o["marketplace_id"] in (US, CA)
		}

	def sales_order(self, amazon_order_id: str):
		name = frappe.db.get_value("Sales Order", {"amazon_order_id": amazon_order_id}, "name")
		return frappe.get_doc("Sales Order", name) if name else None

	def importable(self, marketplaces=(US, CA)) -> set[str]:
		return {
			order_id
			for order_id, o in self.sim_orders().items()
			if o["marketplace_id"] in marketplaces
			and (
				(o["fulfilled_by"] == "AMAZON" and o["status"] == "SHIPPED")
				or (o["fulfilled_by"] == "MERCHANT" and o["status"] in ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"))
			)
		}

	def sync_command(self) -> list[str]:
		return [
			sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site,
			"execute", "amazon_integration.erpnext.orders.sync_account_orders",
			"--kwargs", frappe.as_json({"account": self.account.name}),
		]

	def new_order(self, **spec) -> str:
		spec.setdefault("items", [{"sku": SKU, "quantity": 1}])
		order_id = self.sim.control.create_order(**spec)["order_id"]
		self.later()
		return order_id
