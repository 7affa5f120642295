"""A simulated month of after-sale, end to end: FBA and FBM orders, FBA returns (sellable and not) refunded before
and after they arrive, a refund never returned and reimbursed, units lost, found and damaged in Amazon's warehouse,
removals of sellable and unsellable units, an FBM return. Every event is a control call with fixed data (seed
fixed, no generated orders); ERPNext learns of it only through the app's own imports (orders, shipments, the four
after-sale reports, settlements). At the end the FBA Stock Reconciliation report shows no difference for any SKU
(ERPNext's FBA and Unsellable warehouses hold what Amazon's FBA inventory does) and every settlement of the month
reconciles to 0.00."""

import frappe
from frappe.utils import flt

from amazon_integration.amazon_integration.report.amazon_fba_stock_reconciliation.amazon_fba_stock_reconciliation import (
	execute as fba_stock_report,
)
from amazon_integration.erpnext.aftersale import EVENT, import_account_aftersale
from amazon_integration.erpnext.settlements import import_account_settlements
from amazon_integration.erpnext.shipments import sync_account_shipments
from amazon_integration.erpnext.stock import make_stock_reconciliation
from amazon_integration.tests.simulator_case import SKU
from amazon_integration.tests.test_aftersale import OTHER_SKU, AftersaleCase
from amazon_integration.tests.utils import COMPANY, US, make_warehouse

THIRD_SKU = "SIM-LMP-030"
DAY = 24 * 60


class TestAftersaleMonth(AftersaleCase):
	orders = 0  # every order of the month is made below

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# Warehouses of this class's own: their stock is this simulator's alone, so it must equal Amazon's count.
		cls.fba = make_warehouse(f"Amazon FBA Month {cls.namespace}", COMPANY)
		cls.unsellable = make_warehouse(f"Amazon FBA Unsellable Month {cls.namespace}", COMPANY)
		cls.account.reload()
		cls.account.update({"fba_warehouse": cls.fba, "unsellable_warehouse": cls.unsellable})
		cls.account.save()
		frappe.db.commit()

	# -- the seller's routine -------------------------------------------------------------------------------

	def fba_order(self, *lines: tuple[str, int, str]) -> str:
		return self.new_order(fulfilled_by="AMAZON", status="SHIPPED",
							  items=[{"sku": sku, "quantity": qty, "unit_price": price} for sku, qty, price in lines])  # fmt: skip

	def fbm_order(self, *lines: tuple[str, int, str]) -> str:
		return self.new_order(items=[{"sku": sku, "quantity": qty, "unit_price": price} for sku, qty, price in lines])

	def ship_fbm(self, order_id: str) -> None:
		"""The warehouse ships the order: its Delivery Note submitted with a tracking number, confirmed to Amazon."""
		so = frappe.db.get_value("Sales Order", {"amazon_order_id": order_id}, "name")
		dn = frappe.get_doc("Delivery Note", frappe.db.get_value("Delivery Note Item", {"against_sales_order": so, "docstatus": 0}, "parent"))
		dn.amazon_carrier_name = "UPS"
		dn.amazon_tracking_number = f"1ZMONTH{order_id[-7:]}"
		dn.save()
		dn.submit()
		frappe.db.commit()
		sync_account_shipments(self.account.name)

	def items(self, order_id: str) -> dict[str, str]:
		return {item["sku"]: item["order_item_id"] for item in self.sim.control.get_order(order_id)["items"]}

	def import_aftersale(self) -> None:
		"""The daily job: the four reports; then the warehouse receives what Amazon shipped back (removals) and
		what buyers sent back (FBM returns), as it would when the parcels arrive."""
		for name in import_account_aftersale(self.account.name):
			log = frappe.get_doc("Amazon Sync Log", name)
			self.assertEqual((log.status, log.failed_count), ("Success", 0), [(row.amazon_order_id, row.error) for row in log.failures])
		for event in frappe.get_all(EVENT, {"amazon_account": self.account.name, "event_type": ("in", ["Removal", "FBM Return"]),
											"status": "Applied"}, ["reference_doctype", "reference_name"]):  # fmt: skip
			doc = frappe.get_doc(event.reference_doctype, event.reference_name)
			if doc.docstatus == 0:
				doc.submit()
		frappe.db.commit()

	def import_settlements(self) -> None:
		import_account_settlements(self.account.name)
		for name in frappe.get_all("Amazon Settlement", {"amazon_account": self.account.name, "docstatus": 0}, pluck="name"):
			frappe.get_doc("Amazon Settlement", name).submit()
		frappe.db.commit()

	def stock_report(self) -> list[dict]:
		return fba_stock_report({"amazon_account": self.account.name})[1]

	# -- the month ------------------------------------------------------------------------------------------

	def test_a_month_of_orders_returns_losses_and_removals(self):
		# Day 0: the FBA warehouse starts at Amazon's count (the report's own draft reconciliation, submitted).
		self.sync()
		start = {row["seller_sku"]: row for row in self.stock_report()}
		self.assertTrue({SKU, OTHER_SKU, THIRD_SKU} <= set(start))
		reconciliation = frappe.get_doc("Stock Reconciliation", make_stock_reconciliation(self.account.name, sorted({row["item_code"] for row in start.values()})))
		reconciliation.submit()
		frappe.db.commit()
		self.assertEqual([row["seller_sku"] for row in self.stock_report() if row["difference"]], [])

		# Week 1: sales both ways.
		a = self.fba_order((SKU, 3, "20.00"))
		b = self.fba_order((OTHER_SKU, 2, "7.50"), (SKU, 1, "21.00"))
		c = self.fba_order((THIRD_SKU, 1, "30.00"))
		d = self.fbm_order((SKU, 2, "9.00"))
		e = self.fbm_order((OTHER_SKU, 1, "12.00"))
		self.sync()
		self.ship_fbm(d)
		self.ship_fbm(e)
		self.later(3 * DAY)
		# A sellable return refunded at once; a damaged one refunded later; two units lost in the warehouse.
		self.sim.control.fba_return(a, [{"orderItemId": self.items(a)[SKU], "quantity": 1, "disposition": "SELLABLE"}], refund=True)
		self.sim.control.fba_return(b, [{"orderItemId": self.items(b)[OTHER_SKU], "quantity": 1, "disposition": "DAMAGED"}])
		loss = self.sim.control.lose_units(US, OTHER_SKU, 2, "Lost_Warehouse", "6.00")
		self.later(2 * DAY)
		self.import_aftersale()

		# Week 2: more sales; the damaged return's refund; one lost unit found; a removal; an FBM return.
		f = self.fba_order((SKU, 2, "19.00"))
		g = self.fba_order((THIRD_SKU, 2, "28.00"))
		self.sync()
		self.sim.control.refund(b, [(self.items(b)[OTHER_SKU], 1)])
		self.sim.control.find_units(loss["reimbursement_id"], 1)
		self.sim.control.remove_units(US, SKU, 3, "Sellable")
		self.sim.control.fbm_return(d, [{"orderItemId": self.items(d)[SKU], "quantity": 1}], refund=True)
		self.later(3 * DAY)
		self.import_aftersale()
		self.later(4 * DAY)  # the first settlement period closes
		self.import_settlements()

		# Week 3: a two-unit return split by grade; a refund Amazon never gets back and reimburses; a unit damaged
		# in the warehouse; unsellable units removed.
		self.sim.control.fba_return(f, [{"orderItemId": self.items(f)[SKU], "quantity": 1, "disposition": "SELLABLE"}], refund=True)
		self.sim.control.fba_return(f, [{"orderItemId": self.items(f)[SKU], "quantity": 1, "disposition": "CUSTOMER_DAMAGED"}], refund=True)
		self.sim.control.refund(c)
		self.later(DAY)
		self.sim.control.reimburse_order(c, self.items(c)[THIRD_SKU], 1, "CustomerReturn", "30.00")
		self.sim.control.lose_units(US, THIRD_SKU, 1, "Damaged_Warehouse", "11.00")
		self.sim.control.remove_units(US, OTHER_SKU, 1, "Unsellable")
		self.later(2 * DAY)  # imported with week 4's rows: three runs of four reports stay within Amazon's burst

		# Week 4: the last sales; Amazon closes the month.
		self.fba_order((SKU, 1, "22.00"), (THIRD_SKU, 1, "29.00"))
		h = self.fbm_order((THIRD_SKU, 1, "31.00"))
		self.sync()
		self.ship_fbm(h)
		self.sim.control.fba_return(g, [{"orderItemId": self.items(g)[THIRD_SKU], "quantity": 1, "disposition": "DEFECTIVE"}])
		self.later(4 * DAY)
		self.import_aftersale()
		self.later(DAY)
		self.sim.control.close_settlements()
		self.later(10)
		self.import_settlements()

		# Nothing waits: every after-sale row applied (or money only), every order synced.
		events = frappe.get_all(EVENT, {"amazon_account": self.account.name}, ["event_type", "status", "error"])
		self.assertEqual([e for e in events if e.status == "Failed"], [])
		self.assertEqual(len(events), 12)

		# ERPNext's FBA stock is Amazon's, SKU by SKU, and it did move.
		end = {row["seller_sku"]: row for row in self.stock_report()}
		self.assertEqual({sku: row["difference"] for sku, row in end.items() if row["difference"]}, {})
		moved = {sku: end[sku]["amazon_qty"] - start[sku]["amazon_qty"] for sku in (SKU, OTHER_SKU, THIRD_SKU)}
		self.assertEqual(moved, {
			SKU: -3 - 1 - 2 - 1 + 1 - 3 + 1 + 1,  # sold a, b, f, the last order; returns of a and f (two grades); removal
			OTHER_SKU: -2 + 1 - 2 + 1 - 1,  # sold b; its damaged return; lost 2, found 1; unsellable removed
			THIRD_SKU: -1 - 2 - 1 + 1 - 1,  # sold c, g, the last order; g's defective return; one damaged
		})  # fmt: skip

		# Every settlement of the month reconciles to the cent, refunds and reimbursements included.
		settlements = frappe.get_all("Amazon Settlement", {"amazon_account": self.account.name},
									 ["name", "docstatus", "status", "difference", "refund_amount"])  # fmt: skip
		self.assertTrue(settlements)
		self.assertEqual([(s.name, s.docstatus, s.status, flt(s.difference)) for s in settlements if (s.docstatus, s.status, flt(s.difference)) != (1, "Reconciled", 0.0)], [])
		lines = frappe.get_all("Amazon Settlement Line", {"settlement": ("in", [s.name for s in settlements])},
							   ["line_type", "amazon_order_id", "amount", "booked_amount", "status"])  # fmt: skip
		self.assertEqual({(line.line_type, line.amazon_order_id) for line in lines if line.line_type == "Refund"}, {("Refund", o) for o in (a, b, c, d, f)})
		self.assertIn(("Reimbursement", c, 30.0), {(line.line_type, line.amazon_order_id, flt(line.amount)) for line in lines})
		for order_id in (a, b, c, d, f):
			self.assertEqual(len(self.credit_notes(order_id)), 1, order_id)
