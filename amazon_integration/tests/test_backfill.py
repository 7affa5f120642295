"""The history before day one, end to end: orders Amazon shipped before the app come in from its all-orders report
(Sales Orders exactly at Amazon's totals, invoices, no stock moved unless asked), a second run changes nothing,
and the settlement that pays them reconciles to the cent."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_integration.amazon_integration.report.amazon_settlement_reconciliation.amazon_settlement_reconciliation import (
	execute as reconciliation,
)
from amazon_integration.erpnext.backfill import backfill_orders
from amazon_integration.erpnext.settlements import book_settlement, import_account_settlements
from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase
from amazon_integration.tests.utils import COMPANY_ABBR, FBA_WAREHOUSE, FBM_WAREHOUSE, US, make_account

OTHER_SKU = "SIM-TEA-010"


class BackfillCase(SimulatorTestCase):
	orders = 0  # only the orders a test makes: the settlement holds exactly them

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.clearing = make_account(f"Amazon Clearing {cls.namespace} - {COMPANY_ABBR}", f"Bank Accounts - {COMPANY_ABBR}", "Bank")
		cls.account.reload()
		cls.account.clearing_account = cls.clearing
		cls.account.invoice_fbm_deliveries = 1
		cls.account.invoice_fba_orders = 1
		cls.account.save()
		frappe.db.commit()
		cls.sim.control.report_timing(0, 0)  # Amazon's report is ready at once

	def backfill(self, **kwargs) -> frappe.model.document.Document:
		since = (datetime.now(timezone.utc) - timedelta(days=2)).date()
		log = frappe.get_doc("Amazon Sync Log", backfill_orders(self.account.name, str(since), **kwargs))
		self.assertEqual(log.operation, "Backfill")
		self.assertNotIn(log.status, ("Failed", "Partial Success"), log.error or [f.error for f in log.failures])
		return log

	def counts(self, log) -> dict[str, int]:
		return {key: log.get(f"{key}_count") for key in ("created", "unchanged", "waiting", "skipped", "failed")}

	def stock(self, warehouse: str, sku: str = SKU) -> float:
		return flt(frappe.db.get_value("Bin", {"item_code": sku, "warehouse": warehouse}, "actual_qty"))


class TestBackfill(BackfillCase):
	def test_history_in_and_its_settlement_reconciles(self):
		fba = self.new_order(
			fulfilled_by="AMAZON",
			status="SHIPPED",
			tax_withheld=True,
			items=[{"sku": SKU, "quantity": 3, "unit_price": "20.00", "shipping_price": "6.00", "promotion_discount": "3.00"}],
		)
		fbm = self.new_order(
			fulfilled_by="MERCHANT",
			tax_withheld=True,
			items=[
				{"sku": SKU, "quantity": 2, "unit_price": "10.00", "shipping_price": "4.99"},
				{"sku": OTHER_SKU, "quantity": 1, "gift_wrap_price": "2.00"},
			],
		)
		view = self.sim.control.get_order(fbm)
		self.sim.state.apply_shipment(
			fbm,
			[(item["order_item_id"], item["quantity"]) for item in view["items"]],
			"UPS",
			None,
			"1ZHISTORY",
			datetime.now(timezone.utc),
		)
		open_fbm = self.new_order(fulfilled_by="MERCHANT")  # still to ship: read whole with getOrder
		partial = self.new_order(
			fulfilled_by="MERCHANT",
			tax_withheld=True,
			items=[
				{"sku": SKU, "quantity": 3, "unit_price": "10.00", "shipping_price": "5.00"},
				{"sku": OTHER_SKU, "quantity": 1},
			],
		)
		first_line = self.sim.control.get_order(partial)["items"][0]["order_item_id"]
		self.sim.state.apply_shipment(partial, [(first_line, 1)], "UPS", None, "1ZPART", datetime.now(timezone.utc))
		cancelled = self.new_order(fulfilled_by="MERCHANT")
		self.sim.control.cancel_order(cancelled)
		pending = self.new_order(fulfilled_by="AMAZON", status="PENDING")
		self.later()
		stock_before = (self.stock(FBA_WAREHOUSE), self.stock(FBM_WAREHOUSE), self.stock(FBM_WAREHOUSE, OTHER_SKU))

		log = self.backfill()
		self.assertEqual(self.counts(log), {"created": 4, "unchanged": 0, "waiting": 1, "skipped": 1, "failed": 0})
		noted = {row.amazon_order_id: row.outcome for row in log.skipped_orders}
		self.assertEqual(noted, {cancelled: "Skipped", pending: "Waiting"})
		self.assertIn("createReport", log.api_calls)

		for order_id in (fba, fbm, open_fbm):
			so = self.sales_order(order_id)
			total = Decimal(self.sim.control.get_order(order_id)["total"])
			self.assertEqual(Decimal(str(flt(so.grand_total, 2))), total, order_id)
		for order_id in (fba, fbm):
			so = self.sales_order(order_id)
			self.assertEqual(so.status, "Closed")
			self.assertEqual(frappe.get_cached_value("Customer", so.customer, "amazon_buyer_ref"), f"marketplace:{US}")
			invoices = frappe.get_all("Sales Invoice", {"amazon_order_id": order_id, "docstatus": 1}, ["grand_total", "update_stock"])
			self.assertEqual([(flt(i.grand_total, 2), i.update_stock) for i in invoices], [(flt(so.grand_total, 2), 0)])
			self.assertFalse(frappe.db.exists("Delivery Note", {"amazon_order_id": order_id}))
		# The open order came in as order sync makes it: a draft Delivery Note waiting to ship, Amazon's line ids.
		draft = frappe.get_all("Delivery Note", {"amazon_order_id": open_fbm}, ["docstatus"])
		self.assertEqual([d.docstatus for d in draft], [0])
		item_ids = {i["order_item_id"] for i in self.sim.control.get_order(open_fbm)["items"]}
		self.assertTrue(item_ids & {row.amazon_order_item_id for row in self.sales_order(open_fbm).items})
		# Partly shipped before: the shipped unit (and its share of the charges) invoiced, the rest left to ship.
		rest = frappe.get_all("Delivery Note", {"amazon_order_id": partial, "docstatus": 0}, pluck="name")
		self.assertEqual(len(rest), 1)
		self.assertEqual(
			sorted((row.item_code, row.qty) for row in frappe.get_doc("Delivery Note", rest[0]).items if not row.amazon_charge),
			sorted([(SKU, 2), (OTHER_SKU, 1)]),
		)
		billed = frappe.get_all("Sales Invoice", {"amazon_order_id": partial, "docstatus": 1}, pluck="name")
		self.assertEqual(len(billed), 1)
		billed_rows = frappe.get_doc("Sales Invoice", billed[0]).items
		self.assertEqual([(row.item_code, row.qty) for row in billed_rows if not row.amazon_charge], [(SKU, 1)])
		self.assertEqual(flt(sum(flt(row.amount) for row in billed_rows if row.amazon_charge), 2), 1.67)  # 1 of 3 units of 5.00 shipping
		# No stock moved for the past.
		self.assertEqual(
			(self.stock(FBA_WAREHOUSE), self.stock(FBM_WAREHOUSE), self.stock(FBM_WAREHOUSE, OTHER_SKU)), stock_before
		)

		again = self.backfill()
		self.assertEqual(self.counts(again), {"created": 0, "unchanged": 4, "waiting": 1, "skipped": 1, "failed": 0})

		# Amazon pays them (and a refund of one unit): the settlement books and reconciles.
		item_id = self.sim.control.get_order(fba)["items"][0]["order_item_id"]
		self.sim.control.refund(fba, [(item_id, 1)])
		self.later(10)
		self.sim.control.close_settlements("USD")
		self.later(10)
		self.assertTrue(import_account_settlements(self.account.name))
		settlements = frappe.get_all(
			"Amazon Settlement", {"amazon_account": self.account.name, "currency": "USD", "docstatus": 0}, pluck="name"
		)
		self.assertTrue(settlements)
		for name in settlements:
			frappe.get_doc("Amazon Settlement", name).submit()
			frappe.db.commit()
			book_settlement(name)
		for name in settlements:
			lines = frappe.get_all(
				"Amazon Settlement Line", {"settlement": name, "amazon_order_id": ("in", [fba, fbm, partial])}, ["status", "error"]
			)
			self.assertTrue(lines)
			self.assertEqual({line.status for line in lines}, {"Booked"}, [line.error for line in lines])
			self.assertEqual(frappe.db.get_value("Amazon Settlement", name, "status"), "Reconciled", name)
			self.assertEqual(reconciliation({"settlement": name})[1][0]["difference"], 0.0)
		for order_id in (fba, fbm, partial):
			for invoice in frappe.get_all(
				"Sales Invoice", {"amazon_order_id": order_id, "docstatus": 1, "is_return": 0}, ["outstanding_amount"]
			):
				self.assertEqual(flt(invoice.outstanding_amount, 2), 0.0, order_id)

	def test_move_stock_when_asked(self):
		order_id = self.new_order(fulfilled_by="AMAZON", status="SHIPPED", items=[{"sku": SKU, "quantity": 2}])
		self.later()
		before = self.stock(FBA_WAREHOUSE)
		log = self.backfill(move_stock=True)
		self.assertEqual(log.created_count, 1)
		notes = frappe.get_all(
			"Delivery Note", {"amazon_order_id": order_id}, ["name", "docstatus", "amazon_sync_status"]
		)
		self.assertEqual([(n.docstatus, n.amazon_sync_status) for n in notes], [(1, "Synchronized")])
		self.assertEqual(self.stock(FBA_WAREHOUSE), before - 2)
		self.assertEqual(self.sales_order(order_id).status, "Completed")
		self.assertTrue(frappe.db.exists("Sales Invoice", {"amazon_order_id": order_id, "docstatus": 1}))


class TestBackfillCancelledLines(BackfillCase):
	def test_a_cancelled_line_counts_for_nothing(self):
		"""Amazon's report still prints a cancelled line's item-price: alone in a Shipped order it is a cancelled
		order (skipped, the reason in the log); beside a shipped line the order is worth what Amazon charged."""
		alone = self.new_order(fulfilled_by="AMAZON", status="SHIPPED", items=[{"sku": OTHER_SKU, "quantity": 1, "unit_price": "89.95"}])
		beside = self.new_order(
			fulfilled_by="AMAZON",
			status="SHIPPED",
			items=[
				{"sku": SKU, "quantity": 2, "unit_price": "12.99", "shipping_price": "4.99"},
				{"sku": OTHER_SKU, "quantity": 1, "unit_price": "89.95"},
			],
		)
		for order_id, item in ((alone, 0), (beside, 1)):
			line = self.sim.control.get_order(order_id)["items"][item]
			self.sim.control.alter_order(
				order_id,
				status="SHIPPED",
				items=[{"order_item_id": line["order_item_id"], "quantity_shipped": 0, "quantity_cancelled": 1}],
			)
		self.later()
		log = self.backfill()
		noted = {row.amazon_order_id: (row.outcome, row.reason) for row in log.skipped_orders}
		self.assertEqual(noted.get(alone, ("", ""))[0], "Skipped")
		self.assertIn("cancelled", noted[alone][1])
		self.assertIsNone(self.sales_order(alone))
		self.assertNotIn(alone, [f.amazon_order_id for f in log.failures])

		charged = Decimal(self.sim.control.get_order(beside)["items"][0]["total"])
		so = self.sales_order(beside)
		self.assertEqual(Decimal(str(flt(so.grand_total, 2))), charged)
		self.assertEqual({row.item_code for row in so.items if not row.amazon_charge}, {SKU})
		invoices = frappe.get_all("Sales Invoice", {"amazon_order_id": beside, "docstatus": 1}, pluck="grand_total")
		self.assertEqual([Decimal(str(flt(total, 2))) for total in invoices], [charged])
