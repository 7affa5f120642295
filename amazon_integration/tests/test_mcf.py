"""Multi-Channel Fulfilment end to end against the simulator: a webshop Sales Order shipped by Amazon from the
FBA pool (one Delivery Note per package, Amazon's carrier and tracking, the FBA reconciliation without a
difference afterwards; the job run twice delivers nothing twice), and a cancelled order returning its units."""

import os
import signal
import subprocess
import sys
import time
from unittest.mock import patch

import frappe
from frappe.utils import add_days, get_bench_path, nowdate

from amazon_integration.devtools.fixtures import FixtureBuilder
from amazon_integration.erpnext import jobs
from amazon_integration.erpnext.settlements import book_settlement, import_account_settlements
from amazon_integration.erpnext.outbound import auto_create, cancel, create, preview, sync_account_mcf
from amazon_integration.erpnext.stock import fba_reconciliation, make_stock_reconciliation
from amazon_integration.tests.simulator_case import SimulatorTestCase
from amazon_integration.tests.utils import COMPANY, FBA_WAREHOUSE, make_item

SKUS = ("SIM-TEA-010", "SIM-LMP-030")  # catalogue SKUs: the simulator's FBA pool holds them


class TestMultiChannelFulfilment(SimulatorTestCase):
	orders = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		tag = cls.account.seller_id[-8:]
		cls.items = {}
		for sku in SKUS:
			item = make_item(f"MCF-{sku[4:7]}-{tag}")
			frappe.get_doc({"doctype": "Amazon SKU Mapping", "amazon_account": cls.account.name, "seller_sku": sku,
							"item_code": item, "fulfilment_channel": "FBA"}).insert()
			cls.items[sku] = item
		cls.customer, cls.address = FixtureBuilder(COMPANY).customer_with_address(f"Webshop Buyer {tag}")
		frappe.db.commit()
		# ERPNext's FBA warehouse starts equal to Amazon's count for these items.
		draft = frappe.get_doc("Stock Reconciliation", make_stock_reconciliation(cls.account.name, list(cls.items.values())))
		draft.submit()
		frappe.db.commit()

	def sales_order(self, quantities: dict[str, int]) -> str:
		so = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"company": COMPANY,
				"customer": self.customer,
				"transaction_date": nowdate(),
				"delivery_date": add_days(nowdate(), 5),
				"shipping_address_name": self.address,
				"customer_address": self.address,
				"set_warehouse": FBA_WAREHOUSE,
				"items": [
					{"item_code": self.items[sku], "qty": qty, "rate": 20, "warehouse": FBA_WAREHOUSE}
					for sku, qty in quantities.items()
				],
			}
		)
		so.insert()
		so.submit()
		frappe.db.commit()
		return so.name

	def differences(self) -> dict[str, float]:
		return {r.sku: r.difference for r in fba_reconciliation(self.account.name) if r.sku in SKUS}

	def test_killed_sync_delivers_each_package_once(self):
		"""A worker killed in the middle of the follow-up job, then the job again: every package Amazon shipped has
		exactly one Delivery Note, the orders end Complete, and the FBA stock still equals Amazon's count."""
		names = [self.sales_order({"SIM-TEA-010": 1, "SIM-LMP-030": 1}) for _ in range(2)]
		order_ids = [create(name, self.account.name, "Standard") for name in names]
		frappe.db.commit()
		self.sim.control.advance(5 * 3600)  # both orders shipped, each in two packages
		# Every read of a fulfilment order answers 6 s late: the worker is still waiting on the second order when
		# the first one's Delivery Notes are committed, and is killed there.
		self.sim.control.add_fault("slow", operation="getFulfillmentOrder", count=10, delay=6)
		job = {"job_method": "outbound.sync_account_mcf", "job_timeout": jobs.MCF_SYNC.seconds, "account": self.account.name}
		command = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site, "execute",
				   "amazon_integration.erpnext.jobs.run_job", "--kwargs", frappe.as_json(job)]
		worker = subprocess.Popen(command, cwd=f"{get_bench_path()}/sites", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
		try:
			deadline = time.monotonic() + 120
			while time.monotonic() < deadline and worker.poll() is None and self.delivered(order_ids) < 2:
				time.sleep(0.2)
				frappe.db.rollback()
			self.assertIsNone(worker.poll(), "the worker finished before it could be killed")
		finally:
			os.kill(worker.pid, signal.SIGKILL)
			worker.wait()
			self.sim.control.clear_faults()
		frappe.db.rollback()
		self.assertEqual(self.delivered(order_ids), 2)  # one order's two packages: the other is still to do

		sync_account_mcf(self.account.name)
		sync_account_mcf(self.account.name)
		self.assertEqual(self.delivered(order_ids), 4)
		keys = frappe.get_all("Delivery Note", {"amazon_mcf_package": ("like", "%/%"), "docstatus": 1}, pluck="amazon_mcf_package")
		self.assertEqual(len(keys), len(set(keys)))
		for name in names:
			so = frappe.get_doc("Sales Order", name)
			self.assertEqual((so.amazon_mcf_status, so.per_delivered), ("Complete", 100))
		self.assertEqual(self.differences(), {sku: 0 for sku in SKUS})

	def delivered(self, order_ids: list[str]) -> int:
		return sum(
			frappe.db.count("Delivery Note", {"amazon_mcf_package": ("like", f"{order_id}/%"), "docstatus": 1})
			for order_id in order_ids
		)

	def test_shipped_by_amazon_per_package_and_reconciled(self):
		self.assertEqual(self.differences(), {sku: 0 for sku in SKUS})
		name = self.sales_order({"SIM-TEA-010": 2, "SIM-LMP-030": 1})
		speeds = {p["speed"]: p for p in preview(name, self.account.name)}
		self.assertTrue(speeds["Standard"]["fulfillable"])
		self.assertEqual(speeds["Standard"]["shipments"], 2)
		order_id = create(name, self.account.name, "Standard")
		frappe.db.commit()  # as the desk request does
		so = frappe.get_doc("Sales Order", name)
		self.assertEqual((so.amazon_mcf_order, so.amazon_mcf_status), (order_id, "Received"))
		self.assertGreater(so.amazon_mcf_fees, 0)
		self.assertRaises(frappe.ValidationError, create, name, self.account.name, "Standard")  # not twice
		self.assertRaises(frappe.ValidationError, so.cancel)  # Amazon is fulfilling it: cancel there first
		frappe.db.rollback()

		self.sim.control.advance(5 * 3600)
		sync_account_mcf(self.account.name)
		sync_account_mcf(self.account.name)  # a second run (a killed worker's retry) delivers nothing twice
		notes = frappe.get_all(
			"Delivery Note",
			filters={"amazon_mcf_package": ("like", f"{order_id}/%")},
			fields=["name", "docstatus", "set_warehouse", "amazon_mcf_carrier", "amazon_mcf_tracking_number", "lr_no"],
		)
		self.assertEqual(len(notes), 2)  # Amazon split the order into two packages
		for note in notes:
			self.assertEqual((note.docstatus, note.amazon_mcf_carrier), (1, "UPS"))
			self.assertTrue(note.amazon_mcf_tracking_number.startswith("1Z"))
			self.assertEqual(note.lr_no, note.amazon_mcf_tracking_number)
			warehouses = set(frappe.get_all("Delivery Note Item", filters={"parent": note.name}, pluck="warehouse"))
			self.assertEqual(warehouses, {FBA_WAREHOUSE})
		so.reload()
		self.assertEqual((so.amazon_mcf_status, so.per_delivered), ("Complete", 100))
		self.assertEqual(self.differences(), {sku: 0 for sku in SKUS})
		self.assert_fees_settled(order_id)

	def assert_fees_settled(self, order_id: str) -> None:
		"""Amazon's settlement charges the order's fees under its fulfilment order id: they book as FBA
		fulfilment fees, and the settlement reconciles though no Sales Invoice has that id."""
		self.sim.control.close_settlements("USD")
		self.later(10)
		import_account_settlements(self.account.name)
		name = frappe.db.get_value("Amazon Settlement Line", {"amazon_order_id": order_id}, "settlement")
		frappe.get_doc("Amazon Settlement", name).submit()
		frappe.db.commit()
		book_settlement(name)
		fees = frappe.get_all("Amazon Settlement Fee", {"settlement": name, "amazon_order_id": order_id},
							  ["category", "amount_description", "marketplace", "account", "amount", "journal_entry"])
		self.assertEqual({(f.category, f.marketplace) for f in fees}, {("FBA Fulfilment Fees", "Non-Amazon")})
		self.assertEqual({f.amount_description for f in fees}, {"FBAPerUnitFulfillmentFee", "FBAPerOrderFulfillmentFee"})
		self.assertTrue(all(f.journal_entry and f.account for f in fees))
		line = frappe.get_all("Amazon Settlement Line", {"amazon_order_id": order_id}, ["status", "description"])[0]
		self.assertEqual(line.status, "Booked")
		self.assertIn(frappe.db.get_value("Sales Order", {"amazon_mcf_order": order_id}), line.description)
		settlement = frappe.get_doc("Amazon Settlement", name)
		self.assertEqual((settlement.status, settlement.difference), ("Reconciled", 0))

	def test_cancelled_before_shipping_returns_units(self):
		name = self.sales_order({"SIM-TEA-010": 3})
		before = self.differences()
		create(name, self.account.name, "Expedited")
		self.assertEqual(cancel(name), "Cancelled")
		self.sim.control.advance(5 * 3600)
		sync_account_mcf(self.account.name)
		so = frappe.get_doc("Sales Order", name)
		self.assertEqual(so.amazon_mcf_status, "Cancelled")
		self.assertIn("3 cancelled", so.amazon_mcf_note)
		self.assertFalse(frappe.db.exists("Delivery Note", {"amazon_mcf_package": ("like", f"{so.amazon_mcf_order}/%")}))
		self.assertEqual(self.differences(), before)  # the units are back in Amazon's pool, ERPNext never moved them

	def test_chosen_items_go_to_amazon_automatically(self):
		frappe.db.set_value("Amazon Account", self.account.name, "mcf_auto_speed", "Priority")
		frappe.db.set_value("Amazon SKU Mapping", {"amazon_account": self.account.name, "seller_sku": "SIM-TEA-010"},
							"mcf_auto", 1)
		frappe.db.commit()
		try:
			with patch.object(jobs.MCF_CREATE, "enqueue") as enqueue:
				chosen = self.sales_order({"SIM-TEA-010": 1})
				self.sales_order({"SIM-TEA-010": 1, "SIM-LMP-030": 1})  # the lamp is not chosen: stays with the user
			self.assertEqual([(c.args, c.kwargs) for c in enqueue.call_args_list], [((chosen,), {"account": self.account.name})])
			create(chosen, self.account.name, "Priority")
			frappe.db.rollback()  # a worker killed after Amazon took the order, before its own commit
			self.assertFalse(frappe.db.get_value("Sales Order", chosen, "amazon_mcf_order"))
			order_id = auto_create(chosen, self.account.name)  # the job again: Amazon says it exists, it is taken
			self.assertIsNone(auto_create(chosen, self.account.name))  # run twice: one order
			so = frappe.get_doc("Sales Order", chosen)
			self.assertEqual((so.amazon_mcf_order, so.amazon_mcf_speed), (order_id, "Priority"))
			self.assertEqual(cancel(chosen), "Cancelled")
		finally:
			frappe.db.set_value("Amazon Account", self.account.name, "mcf_auto_speed", None)
			frappe.db.commit()

	def test_automatic_order_whose_job_was_lost_is_sent_by_the_next_dispatch(self):
		"""Redis flushed after the submit: the hourly dispatcher queues it again, not one Amazon refused."""
		from frappe.utils import add_to_date, now_datetime

		from amazon_integration.erpnext import scheduler
		from amazon_integration.erpnext.outbound import refusal

		frappe.db.set_value("Amazon Account", self.account.name, "mcf_auto_speed", "Priority")
		frappe.db.set_value("Amazon SKU Mapping", {"amazon_account": self.account.name, "seller_sku": "SIM-TEA-010"},
							"mcf_auto", 1)
		frappe.db.commit()
		try:
			with patch.object(jobs.MCF_CREATE, "enqueue"):  # the jobs the flush lost
				lost = self.sales_order({"SIM-TEA-010": 1})
				refused = self.sales_order({"SIM-TEA-010": 1})
			frappe.get_doc("Sales Order", refused).add_comment("Comment", refusal().format("InvalidInput"))
			quiet = add_to_date(now_datetime(), minutes=-(scheduler.MCF_CREATE_QUIET_MINUTES + 1))
			frappe.db.sql("update `tabSales Order` set modified = %s where name in %s", (quiet, (lost, refused)))
			frappe.db.commit()
			with patch.object(jobs.MCF_CREATE, "enqueue") as enqueue:
				scheduler.dispatch_mcf_create()
			calls = [(c.args, c.kwargs) for c in enqueue.call_args_list if c.args[0] in (lost, refused)]
			self.assertEqual(calls, [((lost,), {"account": self.account.name})])
		finally:
			frappe.db.set_value("Amazon Account", self.account.name, "mcf_auto_speed", None)
			frappe.db.commit()
