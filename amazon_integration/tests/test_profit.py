"""Amazon Profit: the report is the ledger seen per order. Two FBA orders are invoiced and delivered, one partly
refunded; before the settlement closes the report shows Amazon's expected fees apart; once it books, its totals
equal the general ledger's to the cent, and one order's margin is worked out here from its documents."""

from decimal import Decimal

import frappe
from frappe.utils import add_days, flt, getdate, nowdate

from amazon_integration.amazon_integration.report.amazon_profit.amazon_profit import execute as profit_report
from amazon_integration.domain.fees import FeeCategory
from amazon_integration.erpnext.expected_fees import refresh_expected_fees, refresh_order_expected_fees
from amazon_integration.erpnext.fee_accounts import create_default_fee_accounts
from amazon_integration.erpnext.profit import FEE_COLUMNS, fee_field
from amazon_integration.erpnext.settlements import import_account_settlements
from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase
from amazon_integration.tests.utils import COMPANY, COMPANY_ABBR, make_account


UNKNOWN_CHARGE = {
	"transactionType": "NewProgramPayout",
	"amountType": "NewProgram",
	"amountDescription": "Something new",
	"amount": "-4.20",
}


def money(value) -> Decimal:
	return Decimal(str(flt(value, 2))).quantize(Decimal("0.01"))


class TestProfit(SimulatorTestCase):
	orders = 0  # only this test's orders: the period's ledger is theirs alone (filtered by account)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.clearing = make_account(f"Amazon Clearing {cls.namespace} - {COMPANY_ABBR}", f"Bank Accounts - {COMPANY_ABBR}", "Bank")
		cls.account.reload()
		cls.account.clearing_account = cls.clearing
		create_default_fee_accounts(cls.account)  # each category on its own account
		cls.account.save()
		frappe.db.commit()

	def report(self, **filters) -> tuple[list[dict], list[dict]]:
		base = {
			"company": COMPANY,
			"from_date": add_days(nowdate(), -40),
			"to_date": add_days(nowdate(), 40),
			"amazon_account": self.account.name,
			"group_by": "Order",
			"show_expected": 1,
		}
		columns, data, _message, _chart, _summary = profit_report({**base, **filters})
		# The desk's total row (Frappe adds it) sums every money column over every row.
		from frappe.desk.query_report import add_total_row

		total = add_total_row(list(data), columns)[-1]
		for index, column in enumerate(columns):
			if column["fieldtype"] == "Currency" and data:
				self.assertEqual(
					flt(total[index], 2), flt(sum(flt(row.get(column["fieldname"])) for row in data), 2), column["fieldname"]
				)
		return columns, data

	def test_profit_equals_the_ledger(self):
		kept = self.new_order(fulfilled_by="AMAZON", status="SHIPPED", items=[{"sku": SKU, "quantity": 2, "unit_price": "25.00", "shipping_price": "4.00"}])
		refunded = self.new_order(fulfilled_by="AMAZON", status="SHIPPED", items=[{"sku": SKU, "quantity": 2, "unit_price": "18.00"}])
		self.sync()
		item_id = self.sim.control.get_order(refunded)["items"][0]["order_item_id"]
		self.sim.control.refund(refunded, [(item_id, 1)])
		self.later(10)

		# Before the settlement closes: Amazon's expected fees, apart, never in the margin.
		self.assertTrue(refresh_order_expected_fees(self.account.name, kept))
		expected = frappe.get_all("Amazon Expected Fee", {"amazon_order_id": kept}, ["category", "amount"])
		# The daily refresh of the account replaces what it finds again: never twice.
		self.assertTrue(refresh_expected_fees(self.account.name))
		self.assertEqual(frappe.db.count("Amazon Expected Fee", {"amazon_order_id": kept}), len(expected))
		self.assertTrue(frappe.db.count("Amazon Expected Fee", {"amazon_order_id": refunded}))
		self.assertIn(FeeCategory.REFERRAL_FEES.value, {row.category for row in expected})
		row = self.order_row(self.report()[1], kept)
		self.assertEqual(money(row["expected_fees"]), money(sum(flt(r.amount) for r in expected)))
		self.assertLess(row["expected_fees"], 0)
		self.assertEqual(money(row.get("total_fees")), 0)
		self.assertEqual(money(row["margin"]), money(row["net_sales"] - row["cogs"]))

		# A month of every other kind of amount (storage by SKU, advertising, reimbursements...), one unknown.
		self.sim.control.post_charges("USD", month=True, sku=SKU)
		self.sim.control.post_charges("USD", [UNKNOWN_CHARGE])
		self.later(5)  # posted before the period closes
		self.sim.control.close_settlements("USD")
		self.later(10)
		import_account_settlements(self.account.name)
		settlements = frappe.get_all("Amazon Settlement", {"amazon_account": self.account.name, "docstatus": 0}, pluck="name")
		for name in settlements:
			frappe.get_doc("Amazon Settlement", name).submit()
		frappe.db.commit()
		for name in settlements:
			self.assertEqual(frappe.db.get_value("Amazon Settlement", name, "status"), "Reconciled", name)

		columns, data = self.report()
		totals = self.totals(data)
		ledger = self.ledger(settlements)
		# The report's totals are the ledger's, to the cent: sales, refunds, each category, cost of goods.
		self.assertEqual(money(totals["net_sales"]), ledger["net_sales"])
		self.assertEqual(money(totals["refunds"]), ledger["refunds"])
		self.assertLess(ledger["refunds"], 0)
		self.assertEqual(money(totals["cogs"]), ledger["cogs"])
		self.assertGreater(ledger["cogs"], 0)
		for category in (*FEE_COLUMNS, FeeCategory.REIMBURSEMENTS):
			field = "reimbursements" if category is FeeCategory.REIMBURSEMENTS else fee_field(category)
			self.assertEqual(money(totals.get(field)), ledger["categories"].get(category.value, money(0)), category.value)
		for category in (
			FeeCategory.REFERRAL_FEES, FeeCategory.FBA_STORAGE_FEES, FeeCategory.ADVERTISING, FeeCategory.UNKNOWN,
		):  # fmt: skip
			self.assertLess(ledger["categories"].get(category.value, 0), 0, category.value)
		self.assertGreater(ledger["categories"][FeeCategory.REIMBURSEMENTS.value], 0)
		self.assertNotIn(fee_field(FeeCategory.LENDING_REPAYMENTS), totals)  # the seller's own money: left out
		self.assertEqual(
			money(totals["margin"]),
			money(totals["net_sales"] + totals["refunds"] + totals.get("reimbursements", 0) + totals["total_fees"] - totals["cogs"]),
		)
		# Subscription is no order's: it stays at marketplace level, on a row that says so.
		level = [row for row in data if not row.get("amazon_order_id")]
		self.assertTrue(level and all(row.get("level_note") for row in level))
		self.assertLess(sum(row.get(fee_field(FeeCategory.SUBSCRIPTION), 0) for row in level), 0)
		# Storage Amazon bills by SKU is that SKU's, no order's: on the marketplace-level row by order, on the
		# SKU's row by SKU.
		self.assertLess(sum(row.get(fee_field(FeeCategory.FBA_STORAGE_FEES), 0) for row in level), 0)
		by_sku = self.report(group_by="SKU")[1]
		self.assertLess(next(row for row in by_sku if row.get("item_code") == SKU)[fee_field(FeeCategory.FBA_STORAGE_FEES)], 0)
		# Every grouping is the same ledger.
		for group_by in ("SKU", "Marketplace"):
			other = self.totals(self.report(group_by=group_by)[1])
			for field in ("net_sales", "refunds", "total_fees", "cogs", "margin"):
				self.assertEqual(money(other[field]), money(totals[field]), f"{group_by} {field}")
		self.assertIn("journal_entry", [column["fieldname"] for column in columns])

		# One order by hand, from its documents: invoice net, its fee records, its delivery's stock value.
		row = self.order_row(data, kept)
		invoice = frappe.get_doc("Sales Invoice", row["sales_invoice"])
		self.assertEqual(invoice.amazon_order_id, kept)
		fees = frappe.get_all("Amazon Settlement Fee", {"amazon_order_id": kept, "journal_entry": ("is", "set")}, pluck="amount")
		delivery = frappe.get_doc("Delivery Note", row["delivery_note"])
		self.assertEqual(delivery.amazon_order_id, kept)
		cogs = -sum(
			flt(value)
			for value in frappe.get_all(
				"Stock Ledger Entry", {"voucher_no": delivery.name, "is_cancelled": 0}, pluck="stock_value_difference"
			)
		)
		self.assertEqual(money(invoice.base_net_total), money(2 * 25 + 4))
		margin = flt(invoice.base_net_total) + sum(flt(fee) for fee in fees) - cogs
		self.assertEqual(money(row["net_sales"]), money(invoice.base_net_total))
		self.assertEqual(money(row["cogs"]), money(cogs))
		self.assertEqual(money(row["total_fees"]), money(sum(flt(fee) for fee in fees)))
		self.assertEqual(money(row["margin"]), money(margin))
		self.assertEqual(row["margin_percent"], flt(margin / flt(invoice.base_net_total) * 100, 2))
		# Booked: the expected fees are replaced by the settled amounts.
		self.assertEqual(money(row.get("expected_fees", 0)), 0)

	# -- helpers ------------------------------------------------------------------------------------------

	def order_row(self, data: list[dict], order_id: str) -> dict:
		rows = [row for row in data if row.get("amazon_order_id") == order_id]
		self.assertEqual(len(rows), 1, order_id)
		return rows[0]

	@staticmethod
	def totals(data: list[dict]) -> dict[str, float]:
		totals: dict[str, float] = {}
		for row in data:
			for field, value in row.items():
				if isinstance(value, float | int) and field != "margin_percent":
					totals[field] = totals.get(field, 0.0) + value
		return totals

	def ledger(self, settlements: list[str]) -> dict:
		"""The same period straight from the GL: the orders' invoices on income accounts, their deliveries on
		expense accounts, the fee entries' rows by category."""
		orders = frappe.get_all("Sales Order", {"amazon_account": self.account.name, "docstatus": 1}, pluck="amazon_order_id")
		period = (getdate(add_days(nowdate(), -40)), getdate(add_days(nowdate(), 40)))

		def gl(voucher_type: str, root_type: str, extra: str = "") -> Decimal:
			value = frappe.db.sql(
				f"""select sum(gle.credit - gle.debit) from `tabGL Entry` gle
				join `tabAccount` acc on acc.name = gle.account
				join `tab{voucher_type}` doc on doc.name = gle.voucher_no
				where gle.voucher_type = %s and gle.is_cancelled = 0 and acc.root_type = %s
				and doc.amazon_order_id in %s and gle.posting_date between %s and %s {extra}""",
				(voucher_type, root_type, orders, *period),
			)[0][0]
			return money(value or 0)

		journal_entries = frappe.get_all(
			"Journal Entry", {"amazon_settlement": ("in", settlements), "docstatus": 1}, pluck="name"
		)
		categories = {
			row.category: money(row.amount)
			for row in frappe.db.sql(
				"""select jea.amazon_fee_category as category, sum(jea.credit - jea.debit) as amount
				from `tabJournal Entry Account` jea join `tabJournal Entry` je on je.name = jea.parent
				where je.name in %s and je.docstatus = 1 and ifnull(jea.amazon_fee_category, '') != ''
				and je.posting_date between %s and %s
				group by jea.amazon_fee_category""",
				(journal_entries or [""], *period),
				as_dict=True,
			)
		}
		return {
			"net_sales": gl("Sales Invoice", "Income", "and doc.is_return = 0"),
			"refunds": gl("Sales Invoice", "Income", "and doc.is_return = 1"),
			"cogs": -gl("Delivery Note", "Expense"),
			"categories": categories,
		}
