"""Settlements end to end: orders synced and invoiced, Amazon closes the period, the report is imported,
submitted and booked (Payment Entries, credit notes, fees, payout), and the books reconcile to the cent."""

from decimal import Decimal

import frappe
from frappe.utils import flt

from amazon_integration.amazon_integration.report.amazon_settlement_reconciliation.amazon_settlement_reconciliation import (
	execute as reconciliation,
)
from amazon_integration.erpnext.settlements import book_settlement, import_account_settlements
from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase
from amazon_integration.tests.utils import (
	AMAZON_SUPPLIER,
	CA,
	COMPANY,
	COMPANY_ABBR,
	MARKETPLACE_TAX_ACCOUNT,
	make_account,
)


class TestSettlements(SimulatorTestCase):
	# Only the orders a test creates: a generated order Amazon settles but ERPNext never invoices (an FBM order
	# shipped in part, say) would sit in the same settlement and move its difference.
	orders = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# A clearing account of its own: its balance is this test's alone.
		cls.clearing = make_account(f"Amazon Clearing {cls.namespace} - {COMPANY_ABBR}", f"Bank Accounts - {COMPANY_ABBR}", "Bank")
		cls.cad_clearing = make_account(
			f"Amazon Clearing CAD {cls.namespace} - {COMPANY_ABBR}", f"Bank Accounts - {COMPANY_ABBR}", "Bank", currency="CAD"
		)
		cls.account.reload()
		cls.account.clearing_account = cls.clearing
		cls.account.invoice_fbm_deliveries = 1
		cls.account.settlement_accounts[0].clearing_account = cls.cad_clearing
		cls.account.save()
		frappe.db.commit()

	def test_settlement_lifecycle(self):
		partial = self.new_order(
			fulfilled_by="AMAZON",
			status="SHIPPED",
			tax_withheld=True,
			items=[{"sku": SKU, "quantity": 3, "unit_price": "20.00", "shipping_price": "6.00", "promotion_discount": "3.00"}],
		)
		full = self.new_order(
			fulfilled_by="AMAZON",
			status="SHIPPED",
			items=[{"sku": SKU, "quantity": 1, "unit_price": "12.50", "gift_wrap_price": "2.00"}],
		)
		self.sync()
		for order_id in (partial, full):
			self.assertTrue(self.invoices(order_id), f"{order_id} was not invoiced")
		item_id = self.sim.control.get_order(partial)["items"][0]["order_item_id"]
		self.sim.control.refund(partial, [(item_id, 1)])
		self.sim.control.refund(full)
		late = self.new_order(fulfilled_by="AMAZON", status="SHIPPED")  # shipped, not synced yet
		self.later(10)
		self.sim.control.close_settlements("USD")
		self.later(10)

		self.assertTrue(import_account_settlements(self.account.name))
		self.assertEqual(import_account_settlements(self.account.name), [], "importing again changes nothing")
		settlements = self.drafts()
		usd = [doc for doc in settlements if doc.currency == "USD"]
		self.assertTrue(usd)
		for doc in settlements:
			lines = frappe.get_all("Amazon Settlement Line", {"settlement": doc.name}, ["amount"])
			self.assertEqual(self.money(sum(flt(line.amount) for line in lines)), self.money(doc.total_amount))

		latest = next(doc for doc in usd if self.line(doc.name, late, "Order"))
		self.assertEqual(self.line(latest.name, late, "Order").status, "Unmatched")

		for doc in usd:
			doc.submit()
		frappe.db.commit()

		# The late order has no invoice yet: its money is listed, not dropped, and the difference names it.
		row = self.report_row(latest.name)
		late_line = self.line(latest.name, late, "Order")
		self.assertEqual(
			self.money(row["difference"]), self.money(flt(late_line.sale_amount) + flt(late_line.withheld_tax))
		)
		self.assertIn(late, row["lines_not_booked"])
		self.assertEqual(frappe.db.get_value("Amazon Settlement", latest.name, "status"), "Unreconciled")

		self.sync()  # the order comes in, is invoiced; booking again books what is open
		book_settlement(latest.name)
		for doc in usd:
			self.assertEqual(frappe.db.get_value("Amazon Settlement", doc.name, "status"), "Reconciled", doc.name)
			self.assertEqual(self.report_row(doc.name)["difference"], 0.0)

		# Orders paid in full, refunds credited to the cent.
		for order_id in (partial, full, late):
			for invoice in self.invoices(order_id):
				self.assertEqual(invoice.outstanding_amount, 0, f"{invoice.name} of {order_id}")
		for order_id in (partial, full):
			refund = self.line(latest.name, order_id, "Refund")
			self.assertEqual(refund.status, "Booked")
			credit_note = frappe.get_doc("Sales Invoice", refund.credit_note)
			self.assertEqual(credit_note.is_return, 1)
			self.assertEqual(credit_note.return_against, refund.sales_invoice)
			self.assertEqual(self.money(credit_note.grand_total), self.money(refund.sale_amount))
		partial_note = frappe.get_doc("Sales Invoice", self.line(latest.name, partial, "Refund").credit_note)
		self.assertEqual([row.qty for row in partial_note.items], [-1])

		# Amazon's withheld tax nets to zero: credited by the invoices, debited by the payments' deductions.
		vouchers = self.vouchers(latest.name)
		tax = frappe.db.sql(
			"""select sum(debit - credit) from `tabGL Entry` where account = %s and is_cancelled = 0
			and voucher_no in %s""",
			(MARKETPLACE_TAX_ACCOUNT, vouchers),
		)[0][0]
		self.assertEqual(self.money(tax or 0), 0)

		# Fees are booked against the supplier Amazon, whose balance they leave at zero (already paid).
		fees_je = frappe.get_doc("Journal Entry", latest.fees_journal_entry or frappe.db.get_value("Amazon Settlement", latest.name, "fees_journal_entry"))
		self.assertTrue(any(row.party == AMAZON_SUPPLIER for row in fees_je.accounts))
		self.assertEqual(
			self.money(sum(flt(r.debit) - flt(r.credit) for r in fees_je.accounts if r.party == AMAZON_SUPPLIER)), 0
		)

		# Everything was paid out: the clearing account holds only what Amazon still holds (its reserve).
		reserve = sum(
			flt(frappe.db.get_value("Amazon Settlement", doc.name, "reserve_amount")) for doc in usd
		)
		self.assertEqual(self.money(self.clearing_balance()), self.money(-reserve))

		# A cancelled Payment Entry re-opens its line; the settlement cannot be cancelled while entries stand.
		line = self.line(latest.name, full, "Order")
		frappe.get_doc("Payment Entry", line.payment_entry).cancel()
		reopened = self.line(latest.name, full, "Order")
		self.assertEqual((reopened.status, reopened.payment_entry), ("Matched", None))
		self.assertEqual(frappe.db.get_value("Amazon Settlement", latest.name, "status"), "Unreconciled")
		self.assertIn(full, self.report_row(latest.name)["lines_not_booked"])
		with self.assertRaises(frappe.ValidationError):
			frappe.get_doc("Amazon Settlement", latest.name).cancel()
		book_settlement(latest.name)
		self.assertEqual(frappe.db.get_value("Amazon Settlement", latest.name, "status"), "Reconciled")
		self.assertEqual(self.report_row(latest.name)["difference"], 0.0)

	def test_settlement_in_another_currency(self):
		"""Amazon.ca pays in CAD: booked through the account's CAD clearing account, at one rate."""
		order = self.new_order(
			marketplace_id=CA,
			fulfilled_by="AMAZON",
			status="SHIPPED",
			tax_withheld=True,
			items=[{"sku": SKU, "quantity": 2, "unit_price": "31.99", "shipping_price": "4.99"}],
		)
		self.sync()
		self.assertTrue(self.invoices(order))
		item_id = self.sim.control.get_order(order)["items"][0]["order_item_id"]
		self.sim.control.refund(order, [(item_id, 1)])
		self.later(10)
		self.sim.control.close_settlements("CAD")
		self.later(10)
		import_account_settlements(self.account.name)
		cad = [doc for doc in self.drafts() if doc.currency == "CAD"]
		self.assertTrue(any(self.line(doc.name, order, "Refund") for doc in cad))
		for doc in cad:
			doc.submit()
		frappe.db.commit()
		for doc in cad:
			self.assertEqual(frappe.db.get_value("Amazon Settlement", doc.name, "status"), "Reconciled", doc.name)
			self.assertEqual(self.report_row(doc.name)["difference"], 0.0)
		for invoice in self.invoices(order):
			self.assertEqual(invoice.outstanding_amount, 0)
		reserve = sum(flt(frappe.db.get_value("Amazon Settlement", doc.name, "reserve_amount")) for doc in cad)
		balance = frappe.db.sql(
			"""select sum(debit_in_account_currency - credit_in_account_currency) from `tabGL Entry`
			where account = %s and is_cancelled = 0""",
			self.cad_clearing,
		)[0][0]
		self.assertEqual(self.money(balance or 0), self.money(-reserve))

	# -- helpers ------------------------------------------------------------------------------------------

	def drafts(self):
		return [
			frappe.get_doc("Amazon Settlement", name)
			for name in frappe.get_all(
				"Amazon Settlement", {"amazon_account": self.account.name, "docstatus": 0}, pluck="name"
			)
		]

	@staticmethod
	def money(value) -> Decimal:
		return Decimal(str(flt(value, 2))).quantize(Decimal("0.01"))

	def invoices(self, order_id: str):
		return frappe.get_all(
			"Sales Invoice",
			{"amazon_order_id": order_id, "docstatus": 1, "is_return": 0},
			["name", "outstanding_amount", "grand_total"],
		)

	def line(self, settlement: str, order_id: str, line_type: str):
		name = frappe.db.get_value(
			"Amazon Settlement Line", {"settlement": settlement, "amazon_order_id": order_id, "line_type": line_type}
		)
		return frappe.get_doc("Amazon Settlement Line", name) if name else None

	def report_row(self, settlement: str) -> dict:
		rows = reconciliation({"settlement": settlement})[1]
		self.assertEqual(len(rows), 1)
		return rows[0]

	def vouchers(self, settlement: str) -> tuple[str, ...]:
		order_ids = frappe.get_all(
			"Amazon Settlement Line",
			{"settlement": settlement, "line_type": ("in", ["Order", "Refund"])},
			pluck="amazon_order_id",
		)
		invoices = frappe.get_all("Sales Invoice", {"amazon_order_id": ("in", order_ids), "docstatus": 1}, pluck="name")
		payments = frappe.get_all("Payment Entry", {"amazon_settlement": settlement, "docstatus": 1}, pluck="name")
		return tuple(invoices + payments)

	def clearing_balance(self) -> float:
		return flt(
			frappe.db.sql(
				"select sum(debit - credit) from `tabGL Entry` where account = %s and is_cancelled = 0 and company = %s",
				(self.clearing, COMPANY),
			)[0][0]
		)
