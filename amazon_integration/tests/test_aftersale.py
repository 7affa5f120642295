"""After the sale, end to end against the simulator: FBA returns back into stock (sellable and not), refunds
that agree with them in either order of arrival, lost units and their reimbursements, removals, FBM returns;
every import run twice changes nothing the second time."""

from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_integration.erpnext.aftersale import EVENT, import_report
from amazon_integration.erpnext.settlements import import_account_settlements
from amazon_integration.erpnext.shipments import sync_account_shipments
from amazon_integration.simulator.inventory import summaries
from amazon_integration.domain.aftersale import (
	FBA_RETURNS_REPORT,
	FBM_RETURNS_REPORT,
	REIMBURSEMENTS_REPORT,
	REMOVALS_REPORT,
)
from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase
from amazon_integration.tests.utils import (
	COMPANY,
	COMPANY_ABBR,
	FBA_WAREHOUSE,
	FBM_WAREHOUSE,
	US,
	make_account,
	make_warehouse,
)

UNSELLABLE_WAREHOUSE = f"Amazon FBA Unsellable - {COMPANY_ABBR}"
OTHER_SKU = "SIM-TEA-010"


class AftersaleCase(SimulatorTestCase):
	"""An account with an Unsellable Warehouse and an FBA Loss Account. Amazon allows one createReport a minute
	after a burst of 15 per seller: a class of its own (own seller) keeps each test clear of that wait."""

	orders = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_warehouse("Amazon FBA Unsellable", COMPANY)
		# Accounts of this class's own: their balances are this test's alone.
		suffix = cls.namespace
		cls.loss_account = make_account(
			f"Amazon FBA Losses {suffix} - {COMPANY_ABBR}", f"Indirect Expenses - {COMPANY_ABBR}", "Expense Account"
		)
		cls.clearing = make_account(f"Amazon Clearing {suffix} - {COMPANY_ABBR}", f"Bank Accounts - {COMPANY_ABBR}", "Bank")
		cls.account.reload()
		cls.account.update(
			{
				"unsellable_warehouse": UNSELLABLE_WAREHOUSE,
				"fba_loss_account": cls.loss_account,
				"clearing_account": cls.clearing,
				"invoice_fbm_deliveries": 1,
			}
		)
		cls.account.save()
		frappe.db.commit()
		cls.sim.control.report_timing(0, 0)  # reports are ready at once

	# -- helpers ------------------------------------------------------------------------------------------

	def stock(self, warehouse: str, sku: str = SKU) -> float:
		return flt(frappe.db.get_value("Bin", {"item_code": sku, "warehouse": warehouse}, "actual_qty"))

	def amazon_stock(self, sku: str) -> tuple[int, int]:
		"""(fulfillable, unfulfillable) units of the SKU in the simulator's FBA inventory of Amazon.com."""
		with self.sim.state.lock:
			summary = next(s for s in summaries(self.sim.state, US, True) if s["sellerSku"] == sku)
		details = summary["inventoryDetails"]
		return details["fulfillableQuantity"], details["unfulfillableQuantity"]["totalUnfulfillableQuantity"]

	def both_stocks(self) -> dict[str, tuple]:
		return {
			sku: (*self.amazon_stock(sku), self.stock(FBA_WAREHOUSE, sku), self.stock(UNSELLABLE_WAREHOUSE, sku))
			for sku in (SKU, OTHER_SKU)
		}

	def imported(self, report_type: str):
		log = frappe.get_doc("Amazon Sync Log", import_report(self.account.name, report_type))
		self.assertNotEqual(log.status, "Failed", log.error)
		return log

	def settle(self) -> list[str]:
		"""Amazon closes the USD period; every USD settlement of the account is imported, submitted, booked."""
		self.later(10)
		self.sim.control.close_settlements("USD")
		self.later(10)
		import_account_settlements(self.account.name)
		names = frappe.get_all(
			"Amazon Settlement", {"amazon_account": self.account.name, "currency": "USD", "docstatus": 0}, pluck="name"
		)
		for name in names:
			frappe.get_doc("Amazon Settlement", name).submit()
		frappe.db.commit()
		for name in names:
			doc = frappe.get_doc("Amazon Settlement", name)
			self.assertEqual((doc.status, flt(doc.difference)), ("Reconciled", 0.0), name)
		return names

	def credit_notes(self, order_id: str) -> list[str]:
		return frappe.get_all("Sales Invoice", {"amazon_order_id": order_id, "is_return": 1, "docstatus": 1}, pluck="name")

	def event(self, order_id: str, event_type: str):
		return frappe.get_doc(EVENT, {"amazon_order_id": order_id, "event_type": event_type, "amazon_account": self.account.name})

	def item_id(self, order_id: str) -> str:
		return self.sim.control.get_order(order_id)["items"][0]["order_item_id"]


class TestAftersale(AftersaleCase):
	def test_fba_returns_and_refunds_in_either_order(self):
		refund_first = self.new_order(fulfilled_by="AMAZON", status="SHIPPED",
									  items=[{"sku": SKU, "quantity": 2, "unit_price": "20.00", "shipping_price": "4.00"}])  # fmt: skip
		return_first = self.new_order(fulfilled_by="AMAZON", status="SHIPPED",
									  items=[{"sku": SKU, "quantity": 1, "unit_price": "15.00"}])  # fmt: skip
		self.sync()

		# The refund of one order is settled before its unit comes back.
		self.sim.control.refund(refund_first, [(self.item_id(refund_first), 1)])
		self.settle()
		self.assertEqual(len(self.credit_notes(refund_first)), 1)

		sellable, unsellable = self.stock(FBA_WAREHOUSE), self.stock(UNSELLABLE_WAREHOUSE)
		self.sim.control.fba_return(refund_first, [{"orderItemId": self.item_id(refund_first), "quantity": 1, "disposition": "SELLABLE"}])
		self.sim.control.fba_return(return_first, [{"orderItemId": self.item_id(return_first), "quantity": 1, "disposition": "DAMAGED"}])
		self.later()
		log = self.imported(FBA_RETURNS_REPORT)
		self.assertEqual((log.created_count, log.failed_count), (2, 0))
		self.assertEqual(self.stock(FBA_WAREHOUSE), sellable + 1)
		self.assertEqual(self.stock(UNSELLABLE_WAREHOUSE), unsellable + 1)

		for order_id, warehouse in ((refund_first, FBA_WAREHOUSE), (return_first, UNSELLABLE_WAREHOUSE)):
			event = self.event(order_id, "FBA Return")
			dn = frappe.get_doc("Delivery Note", event.reference_name)
			self.assertEqual((dn.is_return, dn.docstatus, dn.amazon_order_id), (1, 1, order_id))
			self.assertEqual(frappe.db.get_value("Delivery Note", dn.return_against, "amazon_order_id"), order_id)
			self.assertEqual([(row.item_code, row.qty, row.warehouse) for row in dn.items], [(SKU, -1, warehouse)])
		# The refund settled first: the return names its credit note and makes none.
		self.assertEqual(self.event(refund_first, "FBA Return").credit_note, self.credit_notes(refund_first)[0])
		self.assertFalse(self.credit_notes(return_first))

		# The other refund is settled after its return: one credit note, to the cent, reconciled.
		self.sim.control.refund(return_first)
		self.settle()
		self.assertEqual(len(self.credit_notes(return_first)), 1)
		self.assertEqual(len(self.credit_notes(refund_first)), 1)

		again = self.imported(FBA_RETURNS_REPORT)  # a rerun over the same window changes nothing
		self.assertEqual((again.created_count, again.failed_count), (0, 0))
		self.assertGreaterEqual(again.unchanged_count, 2)
		self.assertEqual(self.stock(FBA_WAREHOUSE), sellable + 1)
		self.assertEqual(self.stock(UNSELLABLE_WAREHOUSE), unsellable + 1)
		self.assertEqual(self.event(return_first, "FBA Return").credit_note, self.credit_notes(return_first)[0])

	def test_lost_unit_reimbursement_and_removal(self):
		before = self.stock(FBA_WAREHOUSE)
		loss = self.sim.control.lose_units(US, SKU, 1, "Lost_Warehouse", "12.00")
		self.sim.control.remove_units(US, SKU, 2, "Sellable")
		self.later()
		log = self.imported(REIMBURSEMENTS_REPORT)
		self.assertEqual((log.created_count, log.failed_count), (1, 0))
		self.assertEqual(self.stock(FBA_WAREHOUSE), before - 1)
		issue = frappe.get_doc("Stock Entry", self.event(loss["reimbursement_id"], "Reimbursement").reference_name)
		self.assertEqual((issue.purpose, issue.docstatus, issue.items[0].expense_account), ("Material Issue", 1, self.loss_account))

		removals = self.imported(REMOVALS_REPORT)
		self.assertEqual(removals.created_count, 1)
		removal = frappe.get_doc(
			EVENT, {"event_type": "Removal", "amazon_account": self.account.name}
		)
		transfer = frappe.get_doc("Stock Entry", removal.reference_name)
		self.assertEqual((transfer.purpose, transfer.docstatus), ("Material Transfer", 0))
		self.assertEqual(
			[(row.item_code, row.qty, row.s_warehouse, row.t_warehouse) for row in transfer.items],
			[(SKU, 2, FBA_WAREHOUSE, FBM_WAREHOUSE)],
		)
		self.assertEqual(self.stock(FBA_WAREHOUSE), before - 1)  # a draft: the warehouse receives it

		# The reimbursement arrives in a settlement: booked against the loss account, where it nets the write-off.
		names = self.settle()
		lines = frappe.get_all(
			"Amazon Settlement Line",
			{"settlement": ("in", names), "line_type": "Reimbursement"},
			["status", "amount"],
		)
		self.assertEqual([(line.status, flt(line.amount)) for line in lines], [("Booked", 12.0)])
		balance = frappe.db.sql(
			"select sum(debit - credit) from `tabGL Entry` where account = %s and is_cancelled = 0",
			self.loss_account,
		)[0][0]
		written_off = flt(frappe.db.get_value("Stock Entry", issue.name, "total_outgoing_value"))
		self.assertTrue(written_off > 0)
		self.assertEqual(Decimal(str(flt(balance, 2))), Decimal(str(flt(written_off - 12.0, 2))))

		for report_type in (REIMBURSEMENTS_REPORT, REMOVALS_REPORT):
			again = self.imported(report_type)
			self.assertEqual((again.created_count, again.unchanged_count), (0, 1))
		self.assertEqual(self.stock(FBA_WAREHOUSE), before - 1)
		self.assertEqual(frappe.db.count(EVENT, {"amazon_account": self.account.name, "event_type": "Removal"}), 1)

	def test_order_reimbursed_with_a_unit(self):
		"""Amazon pays a refunded, never-returned unit with a replacement unit: it joins the FBA stock, no money."""
		order_id = self.new_order(fulfilled_by="AMAZON", status="SHIPPED")
		self.sync()
		before = self.stock(FBA_WAREHOUSE)
		self.sim.control.reimburse_order(order_id, self.item_id(order_id), 1, "CustomerReturn", "9.00", in_inventory=True)
		self.later()
		log = self.imported(REIMBURSEMENTS_REPORT)
		self.assertEqual((log.created_count, log.failed_count), (1, 0), [row.error for row in log.failures])
		self.assertEqual(self.stock(FBA_WAREHOUSE), before + 1)
		receipt = frappe.get_doc("Stock Entry", self.event(order_id, "Reimbursement").reference_name)
		self.assertEqual((receipt.purpose, receipt.docstatus), ("Material Receipt", 1))
		self.assertEqual([(row.item_code, row.qty, row.t_warehouse) for row in receipt.items], [(SKU, 1, FBA_WAREHOUSE)])
		self.assertEqual(self.imported(REIMBURSEMENTS_REPORT).created_count, 0)
		self.assertEqual(self.stock(FBA_WAREHOUSE), before + 1)

	def test_fbm_return_is_a_draft_for_the_warehouse(self):
		order_id = self.new_order(items=[{"sku": SKU, "quantity": 2, "unit_price": "9.00"}])
		self.sync()
		so = frappe.db.get_value("Sales Order", {"amazon_order_id": order_id}, "name")
		dn = frappe.get_doc("Delivery Note", frappe.db.get_value("Delivery Note Item", {"against_sales_order": so}, "parent"))
		dn.amazon_carrier_name = "UPS"
		dn.amazon_tracking_number = "1ZRETURNTEST"
		dn.save()
		dn.submit()
		frappe.db.commit()
		sync_account_shipments(self.account.name)
		self.later()
		self.sim.control.fbm_return(order_id, [{"orderItemId": self.item_id(order_id), "quantity": 1}])
		self.later()
		log = self.imported(FBM_RETURNS_REPORT)
		self.assertEqual((log.created_count, log.failed_count), (1, 0), [row.error for row in log.failures])
		ret = frappe.get_doc("Delivery Note", self.event(order_id, "FBM Return").reference_name)
		self.assertEqual((ret.is_return, ret.docstatus, ret.return_against), (1, 0, dn.name))
		self.assertEqual([(row.qty, row.warehouse) for row in ret.items], [(-1, FBM_WAREHOUSE)])
		self.assertFalse(ret.amazon_sync_status)
		self.assertEqual(self.imported(FBM_RETURNS_REPORT).created_count, 0)

	def test_unknown_order_is_listed_and_retried(self):
		order_id = self.new_order(fulfilled_by="AMAZON", status="SHIPPED")
		self.sim.control.fba_return(order_id, [{"orderItemId": self.item_id(order_id), "quantity": 1}])
		self.later()
		log = self.imported(FBA_RETURNS_REPORT)  # the order is not imported yet
		self.assertEqual(log.status, "Partial Success")
		self.assertIn(order_id, [row.amazon_order_id for row in log.failures])
		self.assertEqual(self.event(order_id, "FBA Return").status, "Failed")
		self.sync()
		self.imported(FBA_RETURNS_REPORT)
		self.assertEqual(self.event(order_id, "FBA Return").status, "Applied")


class TestAftersaleBusyPeriod(AftersaleCase):
	def test_stock_follows_amazon_through_a_busy_period(self):
		"""Orders, returns of every kind, a refund without return, a lost unit found again, a removal received:
		per SKU, ERPNext's FBA and Unsellable warehouses move exactly as Amazon's fulfillable and unfulfillable
		units, and every settlement reconciles to 0.00."""
		self.sync()  # whatever the simulator started with is in
		before = self.both_stocks()
		removals_before = set(frappe.get_all(EVENT, {"amazon_account": self.account.name, "event_type": "Removal"}, pluck="name"))
		orders = [
			self.new_order(fulfilled_by="AMAZON", status="SHIPPED",
						   items=[{"sku": SKU, "quantity": 2, "unit_price": "18.00"}, {"sku": OTHER_SKU, "quantity": 1, "unit_price": "7.50"}]),
			self.new_order(fulfilled_by="AMAZON", status="SHIPPED", items=[{"sku": OTHER_SKU, "quantity": 3, "unit_price": "6.00"}]),
			self.new_order(fulfilled_by="AMAZON", status="SHIPPED", items=[{"sku": SKU, "quantity": 1, "unit_price": "21.00"}]),
		]  # fmt: skip
		self.sync()
		items = {order_id: self.sim.control.get_order(order_id)["items"] for order_id in orders}
		first, second, third = orders
		self.sim.control.fba_return(first, [{"orderItemId": items[first][0]["order_item_id"], "quantity": 1, "disposition": "SELLABLE"},
											{"orderItemId": items[first][1]["order_item_id"], "quantity": 1, "disposition": "DEFECTIVE"}], refund=True)  # fmt: skip
		self.sim.control.fba_return(second, [{"orderItemId": items[second][0]["order_item_id"], "quantity": 2, "disposition": "CARRIER_DAMAGED"}])  # fmt: skip
		self.sim.control.refund(third)  # refunded, never returned
		loss = self.sim.control.lose_units(US, OTHER_SKU, 2, "Damaged_Warehouse", "5.25")
		self.later()
		for report_type in (FBA_RETURNS_REPORT, REIMBURSEMENTS_REPORT, REMOVALS_REPORT):
			self.assertEqual(self.imported(report_type).failed_count, 0)

		self.sim.control.refund(second, [(items[second][0]["order_item_id"], 2)])  # the refund after the return
		self.sim.control.find_units(loss["reimbursement_id"], 1)
		self.sim.control.remove_units(US, SKU, 3, "Sellable")
		self.later()
		for report_type in (FBA_RETURNS_REPORT, REIMBURSEMENTS_REPORT, REMOVALS_REPORT):
			self.assertEqual(self.imported(report_type).failed_count, 0)
		for event in frappe.get_all(EVENT, {"amazon_account": self.account.name, "event_type": "Removal"}, ["name", "reference_name"]):
			if event.name not in removals_before:
				frappe.get_doc("Stock Entry", event.reference_name).submit()  # the warehouse receives the removal
		frappe.db.commit()
		self.settle()

		after = self.both_stocks()
		for sku in (SKU, OTHER_SKU):
			amazon = (after[sku][0] - before[sku][0], after[sku][1] - before[sku][1])
			erpnext = (after[sku][2] - before[sku][2], after[sku][3] - before[sku][3])
			self.assertEqual(erpnext, amazon, sku)
		self.assertEqual(
			{sku: after[sku][0] - before[sku][0] for sku in (SKU, OTHER_SKU)},
			{SKU: -2 + 1 - 1 - 3, OTHER_SKU: -1 - 3 - 2 + 1},
		)
		for order_id in orders:
			self.assertLessEqual(len(self.credit_notes(order_id)), 1, order_id)
