"""Order sync end to end: a real site, the real gateway, the simulator on loopback.

The sync commits every order, so these tests cannot lean on FrappeTestCase's rollback: each class runs
against its own simulator and its own seller id (see simulator_case).
"""

import json
import os
import signal
import subprocess
import time
from collections import Counter
from decimal import Decimal
from unittest.mock import patch

import frappe
from frappe.utils import flt, get_bench_path

from amazon_integration.erpnext import jobs
from amazon_integration.erpnext.orders import recover_order, sync_account_orders
from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase
from amazon_integration.tests.utils import (
	CA,
	FBA_WAREHOUSE,
	FBM_WAREHOUSE,
	PRICE_LISTS,
	US,
	make_warehouse,
	simulator_account,
)


class TestOrderSync(SimulatorTestCase):
	def test_01_first_sync_imports_what_amazon_shipped_or_wants_shipped(self):
		log = self.sync()
		sim = self.sim_orders()
		imported = frappe.get_all(
			"Sales Order",
			filters={"amazon_account": self.account.name},
			fields=["name", "amazon_order_id", "grand_total", "currency", "amazon_fulfillment_channel", "docstatus"],
		)
		by_id = {so.amazon_order_id: so for so in imported}

		expected = {
			order_id
			for order_id, o in sim.items()
			if (o["fulfilled_by"] == "AMAZON" and o["status"] == "SHIPPED")
			or (o["fulfilled_by"] == "MERCHANT" and o["status"] in ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED"))
		}
		self.assertTrue(expected, f"seed {self.seed} made no importable orders")
		self.assertEqual(set(by_id), expected, f"seed {self.seed}")
		self.assertEqual(log.created_count, len(expected))
		self.assertEqual(log.failed_count, 0, [(r.amazon_order_id, r.error) for r in log.failures])

		# Totals to the cent, in the order's currency.
		for order_id, so in by_id.items():
			self.assertEqual(so.docstatus, 1)
			self.assertEqual(so.currency, sim[order_id]["currency"])
			self.assertEqual(Decimal(str(flt(so.grand_total, 2))), Decimal(sim[order_id]["total"]), order_id)

		# FBA: the stock left the FBA warehouse; FBM: a draft picking from the FBM warehouse waits.
		for order_id, so in by_id.items():
			dns = frappe.get_all(
				"Delivery Note Item",
				filters={"against_sales_order": so.name},
				fields=["parent", "docstatus", "warehouse"],
				distinct=True,
			)
			if so.amazon_fulfillment_channel == "FBA":
				self.assertTrue(dns and all(d.docstatus == 1 and d.warehouse == FBA_WAREHOUSE for d in dns))
				self.assertTrue(
					frappe.db.exists(
						"Stock Ledger Entry",
						{"voucher_no": dns[0].parent, "warehouse": FBA_WAREHOUSE, "is_cancelled": 0},
					)
				)
			elif sim[order_id]["status"] == "SHIPPED":
				# Shipped from Seller Central before ERPNext saw it: settled, never confirmed again.
				self.assertTrue(dns and all(d.docstatus == 1 and d.warehouse == FBM_WAREHOUSE for d in dns))
				self.assertEqual(frappe.db.get_value("Delivery Note", dns[0].parent, "amazon_sync_status"), "Synchronized")
			else:
				self.assertTrue(dns and all(d.docstatus == 0 and d.warehouse == FBM_WAREHOUSE for d in dns))

	def test_02_a_second_sync_changes_nothing(self):
		before = frappe.db.count("Sales Order", {"amazon_account": self.account.name})
		cursor = frappe.db.get_value("Amazon Account", self.account.name, "last_order_sync")
		self.assertTrue(cursor)
		log = self.sync()
		self.assertEqual(log.created_count, 0)
		self.assertEqual(frappe.db.count("Sales Order", {"amazon_account": self.account.name}), before)

	def test_03_force_sync_rereads_the_window_without_duplicates(self):
		before = frappe.db.count("Sales Order", {"amazon_account": self.account.name})
		frappe.db.set_value("Amazon Account", self.account.name, "last_order_sync", "2020-01-01 00:00:00")
		frappe.db.commit()
		log = self.sync()
		self.assertEqual(log.created_count, 0)
		self.assertGreaterEqual(log.unchanged_count, before)
		self.assertEqual(frappe.db.count("Sales Order", {"amazon_account": self.account.name}), before)
		duplicates = frappe.db.sql(
			"select amazon_order_id from `tabSales Order` where amazon_order_id is not null "
			"group by amazon_order_id having count(*) > 1"
		)
		self.assertEqual(duplicates, ())

	def test_04_customers_are_reused_by_buyer_reference(self):
		first = self.new_order(buyer_name="Repeat Buyer", buyer_email="repeat-buyer@marketplace.example")
		second = self.new_order(buyer_name="Repeat Buyer", buyer_email="repeat-buyer@marketplace.example")
		self.sync()
		customers = {self.sales_order(first).customer, self.sales_order(second).customer}
		self.assertEqual(len(customers), 1)
		self.assertEqual(frappe.db.count("Contact", {"email_id": "repeat-buyer@marketplace.example"}), 1)

	def test_05_business_buyer_lands_with_company_name_and_tax_id(self):
		order_id = self.new_order(is_business=True, company_name="Acme Supplies LLC", tax_id="US-TAX-4411")
		self.sync()
		customer = frappe.get_doc("Customer", self.sales_order(order_id).customer)
		self.assertEqual(
			(customer.customer_name, customer.customer_type, customer.tax_id),
			("Acme Supplies LLC", "Company", "US-TAX-4411"),
		)

	def test_06_cancelled_on_amazon_cancels_the_sales_order_and_removes_the_picking(self):
		order_id = self.new_order()
		self.sync()
		so = self.sales_order(order_id)
		self.assertEqual(so.docstatus, 1)
		self.sim.control.cancel_order(order_id)
		self.later()
		log = self.sync()
		self.assertEqual(log.cancelled_count, 1)
		self.assertEqual(frappe.db.get_value("Sales Order", so.name, "docstatus"), 2)
		self.assertFalse(frappe.db.exists("Delivery Note Item", {"against_sales_order": so.name}))

	def test_07_cancellation_blocked_by_a_delivery_closes_the_rest(self):
		order_id = self.new_order(items=[{"sku": SKU, "quantity": 2}])
		self.sync()
		so = self.sales_order(order_id)
		dn = frappe.get_doc("Delivery Note", frappe.db.get_value("Delivery Note Item", {"against_sales_order": so.name}, "parent"))
		dn.items[0].qty = 1
		for row in dn.items[1:]:
			dn.remove(row)
		dn.amazon_carrier_name, dn.amazon_tracking_number = "UPS", "1ZPARTIAL"
		dn.save()
		dn.submit()
		frappe.db.commit()
		self.sim.control.cancel_order(order_id)
		self.later()
		self.sync()
		so.reload()
		self.assertEqual(so.status, "Closed")
		self.assertIn("Cancelled on Amazon", so.amazon_status_note)

	def test_08_a_bad_order_fails_alone_and_is_retried_until_it_goes_through(self):
		bad = self.new_order(items=[{"sku": "UNKNOWN-SKU-1", "quantity": 1, "unit_price": "9.99"}])
		good = self.new_order()
		log = self.sync()
		self.assertTrue(self.sales_order(good))
		self.assertIsNone(self.sales_order(bad))
		self.assertEqual([r.amazon_order_id for r in log.failures], [bad])
		self.assertIn("SKU 'UNKNOWN-SKU-1' matches no Item", log.failures[0].error)
		self.assertTrue(frappe.db.exists("Amazon Order Retry", {"amazon_order_id": bad}))

		frappe.get_doc(
			{"doctype": "Amazon SKU Mapping", "amazon_account": self.account.name, "seller_sku": "UNKNOWN-SKU-1", "item_code": SKU}
		).insert()
		frappe.db.commit()
		log = self.sync()  # the window is empty now: only the retry queue brings the order back
		self.assertTrue(self.sales_order(bad))
		self.assertFalse(frappe.db.exists("Amazon Order Retry", {"amazon_order_id": bad}))

	def test_09_recover_order_syncs_one_order_by_id(self):
		order_id = self.new_order()
		log = frappe.get_doc("Amazon Sync Log", recover_order(self.account.name, order_id))
		self.assertEqual((log.operation, log.status, log.created_count), ("Order Recovery", "Success", 1))
		self.assertTrue(self.sales_order(order_id))
		# Recovering it again changes nothing.
		log = frappe.get_doc("Amazon Sync Log", recover_order(self.account.name, order_id))
		self.assertEqual(log.unchanged_count, 1)

	def test_10_sync_log_holds_no_buyer_data_or_secrets(self):
		order_id = self.new_order(buyer_name="Zelda Privateperson", buyer_email="zelda@marketplace.example")
		self.sync()
		self.assertTrue(self.sales_order(order_id))
		logs = frappe.as_json(frappe.get_all("Amazon Sync Log", filters={"amazon_account": self.account.name}, fields=["*"]))
		for secret in ("Zelda", "Privateperson", "zelda@", "lwa-secret-do-not-log", "refresh-token-do-not-log"):
			self.assertNotIn(secret, logs)


	def test_11_replacement_orders_link_to_the_original(self):
		original = self.new_order()
		replacement = self.new_order(replaced_order_id=original)
		self.sync()
		so = self.sales_order(replacement)
		self.assertEqual(so.amazon_replaced_order_id, original)
		self.assertEqual(Decimal(str(so.grand_total)), Decimal(self.sim_orders()[replacement]["total"]))


	def test_12_retry_failed_orders_from_the_sync_log(self):
		bad = self.new_order(items=[{"sku": "UNKNOWN-SKU-2", "quantity": 1, "unit_price": "5.00"}])
		log = self.sync()
		self.assertEqual([r.amazon_order_id for r in log.failures], [bad])
		self.assertEqual(log.retry_failed_orders(), {bad: log.failures[0].error})  # still unknown
		frappe.get_doc(
			{"doctype": "Amazon SKU Mapping", "amazon_account": self.account.name, "seller_sku": "UNKNOWN-SKU-2", "item_code": SKU}
		).insert()
		frappe.db.commit()
		self.assertEqual(log.retry_failed_orders(), {bad: None})
		self.assertTrue(self.sales_order(bad))

	def test_13_counts_add_up_and_skipped_orders_say_why(self):
		order_id = self.new_order()
		self.sim.control.cancel_order(order_id)  # before it was ever imported
		self.later()
		log = self.sync()
		counts = ("created", "updated", "cancelled", "unchanged", "waiting", "skipped", "failed", "flagged")
		self.assertEqual(sum(log.get(f"{c}_count") for c in counts), log.orders_read)
		skipped = {row.amazon_order_id: row for row in log.skipped_orders}
		self.assertEqual((skipped[order_id].outcome, skipped[order_id].reason), ("Skipped", "cancelled on Amazon before it was ever imported"))
		self.assertEqual(len(log.skipped_orders), log.skipped_count + log.waiting_count)

	def test_14_sync_orders_from_the_desk_runs_under_the_log_it_returns(self):
		with patch.object(jobs.ORDER_SYNC, "enqueue") as enqueue, patch.object(
			jobs.ORDER_SYNC, "queued", return_value=False
		):
			answer = frappe.get_doc("Amazon Account", self.account.name).sync_orders()
		self.assertEqual(frappe.db.get_value("Amazon Sync Log", answer["log"], "status"), "Queued")
		enqueue.assert_called_once_with(self.account.name, log=answer["log"])
		frappe.db.commit()
		# The job the worker would run: it takes the Queued log over, so the desk follows the real run.
		self.assertEqual(sync_account_orders(self.account.name, log=answer["log"]), answer["log"])
		self.assertEqual(frappe.db.get_value("Amazon Sync Log", answer["log"], "status"), "Success")


class TestConcurrentSyncs(SimulatorTestCase):
	orders = 80

	def test_two_jobs_at_once_import_every_order_exactly_once(self):
		"""Two workers sync the same account at the same moment: no duplicate, nothing lost."""
		sites = f"{get_bench_path()}/sites"
		jobs = [subprocess.Popen(self.sync_command(), cwd=sites, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
		outputs = [job.communicate(timeout=600)[0].decode() for job in jobs]
		self.assertEqual([job.returncode for job in jobs], [0, 0], outputs)

		frappe.db.rollback()  # see what the two workers committed
		ids = frappe.get_all("Sales Order", filters={"amazon_account": self.account.name}, pluck="amazon_order_id")
		self.assertEqual(len(ids), len(set(ids)))
		self.assertEqual(set(ids), self.importable())
		logs = frappe.get_all("Amazon Sync Log", filters={"amazon_account": self.account.name}, fields=["created_count", "status"])
		self.assertEqual(sum(log.created_count for log in logs), len(ids))
		self.assertEqual(Counter(log.status for log in logs), Counter({"Success": 2}))


class TestCrashedSync(SimulatorTestCase):
	orders = 80

	def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(self):
		sites = f"{get_bench_path()}/sites"
		worker = subprocess.Popen(self.sync_command(), cwd=sites, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
		deadline = time.monotonic() + 300
		while time.monotonic() < deadline and worker.poll() is None:
			frappe.db.rollback()
			if frappe.db.count("Sales Order", {"amazon_account": self.account.name}) >= 3:
				break
			time.sleep(0.2)
		self.assertIsNone(worker.poll(), "the worker finished before it could be killed")
		os.kill(worker.pid, signal.SIGKILL)
		worker.wait()

		frappe.db.rollback()
		done_before = frappe.db.count("Sales Order", {"amazon_account": self.account.name})
		self.assertLess(done_before, len(self.importable()))
		self.assertFalse(frappe.db.get_value("Amazon Account", self.account.name, "last_order_sync"))

		log = self.sync()
		ids = frappe.get_all("Sales Order", filters={"amazon_account": self.account.name}, pluck="amazon_order_id")
		self.assertEqual(len(ids), len(set(ids)))
		self.assertEqual(set(ids), self.importable())
		self.assertEqual(log.created_count, len(ids) - done_before)
		# Every submitted order has its delivery: nothing half-made by the killed worker.
		for so in frappe.get_all("Sales Order", filters={"amazon_account": self.account.name}, pluck="name"):
			self.assertTrue(frappe.db.exists("Delivery Note Item", {"against_sales_order": so}), so)


class TestRegistrationsOfOneSeller(SimulatorTestCase):
	"""One seller, two registrations: each syncs only its marketplace, into its own warehouse and sales person."""

	orders = 80

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		seller = cls.account.seller_id
		frappe.db.set_value("Amazon Account", cls.account.name, "enabled", 0)
		for name in ("Amazon US Desk", "Amazon CA Desk"):
			if not frappe.db.exists("Sales Person", name):
				frappe.get_doc({"doctype": "Sales Person", "sales_person_name": name, "parent_sales_person": "Sales Team"}).insert()
		cls.us = simulator_account(
			cls.sim, seller_id=seller, account_name=f"{seller} US", sales_person="Amazon US Desk",
			marketplaces=[{"marketplace": US}],
		)
		cls.ca = simulator_account(
			cls.sim, seller_id=seller, account_name=f"{seller} CA", sales_person="Amazon CA Desk",
			fba_warehouse=make_warehouse("Amazon FBA CA", cls.account.company),
			selling_price_list=PRICE_LISTS["CAD"], marketplaces=[{"marketplace": CA}],
		)

	def test_each_registration_syncs_its_marketplace_only(self):
		from amazon_integration.tests.utils import stock_up

		stock_up([row["sku"] for row in self.sim.control.catalogue()], [self.ca.fba_warehouse])
		frappe.db.commit()
		for account, marketplace, person in ((self.us, US, "Amazon US Desk"), (self.ca, CA, "Amazon CA Desk")):
			log = frappe.get_doc("Amazon Sync Log", sync_account_orders(account.name))
			self.assertEqual(log.failed_count, 0, [(r.amazon_order_id, r.error) for r in log.failures])
			orders = frappe.get_all(
				"Sales Order",
				filters={"amazon_account": account.name},
				fields=["name", "amazon_order_id", "amazon_marketplace", "amazon_fulfillment_channel"],
			)
			self.assertEqual({so.amazon_order_id for so in orders}, self.importable((marketplace,)))
			self.assertEqual({so.amazon_marketplace for so in orders}, {marketplace})
			for so in orders:
				self.assertEqual(
					frappe.get_all("Sales Team", filters={"parent": so.name}, pluck="sales_person"), [person]
				)
				if so.amazon_fulfillment_channel == "FBA":
					warehouses = set(frappe.get_all("Delivery Note Item", filters={"against_sales_order": so.name}, pluck="warehouse"))
					self.assertEqual(warehouses, {account.fba_warehouse})


class TestRefusedAccessToken(SimulatorTestCase):
	"""Amazon refuses the access token the app holds (revoked, or expired days ago on Amazon's clock while the
	app's clock says it is still good): the token is renewed once and the run goes through."""

	orders = 0

	def test_a_refused_token_is_renewed_and_the_run_succeeds(self):
		self.sync()  # the account's token is now held (cached) by this process
		for refuse in (self.sim.control.revoke_tokens, lambda: self.later(3 * 24 * 60)):
			refuse()
			order_id = self.new_order(fulfilled_by="AMAZON", status="SHIPPED")
			log = self.sync()
			self.assertEqual((log.status, log.failed_count), ("Success", 0), log.error)
			self.assertTrue(self.sales_order(order_id), order_id)
			self.assertEqual(json.loads(log.api_calls)["lwaToken"]["calls"], 1)  # renewed once
