"""Amazon's money by kind, every settlement shape, on a German company (EUR, Amazon.de) and a US company (USD):
a simulated month with every category of amount, an order charged in one settlement and refunded in the next,
a negative period carried to the next settlement, one charged to the seller's card, and an amount type nobody
knows. Each category lands on its own account (defaults created, the seller's own choice and rule kept), per
marketplace cost center; every settlement reconciles to 0.00; the clearing account ends at what Amazon still
holds; the unknown amount is in suspense and listed; the fee entry's records add up to its rows."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import add_months, flt, getdate, today

from amazon_integration.amazon_integration.report.amazon_settlement_reconciliation.amazon_settlement_reconciliation import (
	execute as reconciliation,
)
from amazon_integration.domain.fees import EXPENSE_CATEGORIES, FeeCategory
from amazon_integration.erpnext.settlements import import_account_settlements
from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase
from amazon_integration.tests.test_eu_taxes import DE, EuSellerCase
from amazon_integration.tests.utils import COMPANY, COMPANY_ABBR, EU_COMPANY, EU_COMPANY_ABBR, make_account

C = FeeCategory
UNKNOWN_CHARGE = {
	"transactionType": "NewProgramPayout",
	"amountType": "NewProgram",
	"amountDescription": "Something new",
	"amount": "-4.20",
}
BIG_ADVERTISING = {
	"transactionType": "ServiceFee",
	"amountType": "Cost of Advertising",
	"amountDescription": "TransactionTotalAmount",
	"amount": "-5000.00",
}


class FeeBookingChecks:
	"""The month, run against `self.account` (the Amazon Account), its simulator and its company."""

	company: str
	abbr: str
	currency: str
	marketplace: str  # Amazon's marketplace id
	marketplace_name: str  # as the settlement report writes it

	def prepare_account(self) -> dict[str, str]:
		"""The seller's own choices, then Create Fee Accounts: it fills every other category, keeps these."""
		abbr = self.abbr
		ns = frappe.generate_hash(length=5)
		advertising = make_account(f"Amazon PPC {ns} - {abbr}", f"Indirect Expenses - {abbr}", "Expense Account", company=self.company)
		long_term = make_account(f"Long-Term Storage {ns} - {abbr}", f"Indirect Expenses - {abbr}", "Expense Account", company=self.company)
		lending = make_account(f"Amazon Lending {ns} - {abbr}", f"Current Liabilities - {abbr}", "", company=self.company)
		self.clearing = make_account(f"Amazon Clearing {ns} - {abbr}", f"Bank Accounts - {abbr}", "Bank", company=self.company)
		cost_center = frappe.get_doc(
			{
				"doctype": "Cost Center",
				"cost_center_name": f"Amazon {self.marketplace_name} {ns}",
				"parent_cost_center": f"{self.company} - {abbr}",
				"company": self.company,
			}
		).insert()
		account = self.account
		account.reload()
		account.clearing_account = self.clearing
		account.fee_accounts = []
		account.suspense_account = None
		account.append("fee_accounts", {"category": C.ADVERTISING.value, "account": advertising})
		account.append("fee_accounts", {"category": C.LENDING_REPAYMENTS.value, "account": lending})
		account.append(
			"fee_accounts",
			{"category": C.FBA_STORAGE_FEES.value, "amount_description": "StorageRenewalBilling", "account": long_term},
		)
		for row in account.marketplaces:
			if row.marketplace == self.marketplace:
				row.cost_center = cost_center.name
		account.save()
		created = account.create_fee_accounts()
		account.reload()
		self.assertTrue(account.suspense_account)
		self.assertIn(account.suspense_account, created)
		mapped = {row.category: row.account for row in account.fee_accounts if not row.amount_description}
		self.assertEqual(mapped[C.ADVERTISING.value], advertising, "the seller's choice is kept")
		for category in EXPENSE_CATEGORIES:
			self.assertTrue(mapped.get(category.value), category)
		self.assertEqual(len(set(mapped.values())), len(mapped), "one account per category")
		# Again: nothing changes, nothing is created twice.
		self.assertEqual(account.create_fee_accounts(), [])
		account.reload()
		self.assertEqual({row.category: row.account for row in account.fee_accounts if not row.amount_description}, mapped)
		frappe.db.commit()
		return {"advertising": advertising, "long_term": long_term, "lending": lending, "cost_center": cost_center.name, **mapped}

	def run_month(self) -> None:
		accounts = self.prepare_account()
		sim = self.sim
		currency = self.currency
		# Period 1: two orders, a month of every kind of amount, an amount type nobody knows.
		refunded = self.place_order()
		kept = self.place_order()
		self.sync_orders()
		sim.control.post_charges(currency, month=True, sku=SKU)
		sim.control.post_charges(currency, [UNKNOWN_CHARGE])
		self.later(5)
		(first,) = sim.control.close_settlements(currency)
		# Period 2: the first order's refund, and advertising that turns the period negative: carried over.
		self.later(5)
		sim.control.refund(refunded)
		sim.control.settlement_config(negative_balance="carry")
		sim.control.post_charges(currency, [BIG_ADVERTISING])
		self.later(5)
		(second,) = sim.control.close_settlements(currency)
		# Period 3: still negative after the carried balance: Amazon charges the seller's card.
		sim.control.settlement_config(negative_balance="charge")
		self.later(5)
		(third,) = sim.control.close_settlements(currency)
		sim.control.settlement_config(negative_balance="debit")
		self.later(5)
		import_account_settlements(self.account.name)

		ids = [first["settlementId"], second["settlementId"], third["settlementId"]]
		docs = [frappe.get_doc("Amazon Settlement", settlement_id) for settlement_id in ids]
		self.assertEqual([flt(doc.total_amount) for doc in docs[1:]], [0.0, 0.0], "carried, then charged")
		first_date = getdate(today())
		later_date = getdate(add_months(today(), 1))  # the refund and the negative periods: next month
		for doc, posting_date in zip(docs, (first_date, later_date, later_date), strict=True):
			doc.posting_date = posting_date
			doc.submit()
			frappe.db.commit()
			doc.reload()
			self.assertEqual(doc.status, "Reconciled", f"{doc.name}: {doc.booking_error}")
			self.assertEqual(flt(doc.difference), 0.0)
			self.assertEqual(reconciliation({"settlement": doc.name})[1][0]["difference"], 0.0)
			# The clearing account holds what Amazon still holds: minus the reserve lines so far.
			held = sum(flt(d.reserve_amount) for d in docs[: docs.index(doc) + 1])
			self.assertEqual(self.money(self.balance(self.clearing)), self.money(-held), doc.name)
		self.assertEqual(self.money(self.balance(self.clearing)), self.money(0))

		month = docs[0]
		fees = frappe.get_all(
			"Amazon Settlement Fee",
			{"settlement": month.name},
			["category", "amount_type", "amount_description", "amount", "account", "cost_center", "in_suspense",
			 "journal_entry", "amazon_order_id", "sku", "marketplace", "posting_date"],
		)  # fmt: skip
		by_description = {fee.amount_description: fee for fee in fees if not fee.amazon_order_id}
		# Each category on its own account; the rule and the seller's choice win.
		self.assertEqual(by_description["StorageRenewalBilling"].account, accounts["long_term"])
		self.assertEqual(by_description["TransactionTotalAmount"].account, accounts["advertising"])
		self.assertEqual(by_description["LoanPayment"].account, accounts["lending"])
		for description, category in (
			("AgedInventorySurcharge", C.FBA_STORAGE_FEES),
			("FBAInboundTransportationFee", C.INBOUND_PLACEMENT_FEES),
			("RemovalComplete", C.REMOVAL_DISPOSAL_FEES),
			("Shipping label purchase", C.SHIPPING_LABELS),
			("CouponRedemptionFee", C.DEAL_COUPON_FEES),
			("SAFE-T reimbursement", C.CHARGEBACKS_CLAIMS),
			("Balance Adjustment", C.OTHER_ADJUSTMENTS),
			("Subscription Fee", C.SUBSCRIPTION),
			("WAREHOUSE_DAMAGE", C.REIMBURSEMENTS),
		):
			fee = by_description[description]
			self.assertEqual((fee.category, fee.account, fee.in_suspense), (category.value, accounts[category.value], 0))
		commission = [fee for fee in fees if fee.amount_description == "Commission"]
		self.assertTrue(commission)
		for fee in commission:
			self.assertEqual((fee.category, fee.account), (C.REFERRAL_FEES.value, accounts[C.REFERRAL_FEES.value]))
			self.assertTrue(fee.amazon_order_id and fee.sku)
			self.assertEqual(fee.cost_center, accounts["cost_center"])
		# The unknown amount: in suspense, listed, booked (the settlement reconciled all the same).
		(unknown,) = frappe.get_all(
			"Amazon Settlement Fee", {"settlement": month.name, "in_suspense": 1}, ["amount_type", "amount", "account"]
		)
		self.assertEqual((unknown.amount_type, flt(unknown.amount), unknown.account), ("NewProgram", -4.2, self.account.suspense_account))
		self.assertEqual(flt(month.suspense_amount), -4.2)
		self.assertEqual(self.money(self.balance(self.account.suspense_account, month.fees_journal_entry)), self.money(4.2))

		# The fee entry's rows are the records' sums, per account, cost center and category (the report's contract).
		je = frappe.get_doc("Journal Entry", month.fees_journal_entry)
		rows = [row for row in je.accounts if row.amazon_fee_category]
		self.assertTrue(rows)
		for row in rows:
			records = [
				fee for fee in fees
				if (fee.account, fee.cost_center, fee.category, fee.marketplace or "")
				== (row.account, row.cost_center, row.amazon_fee_category, row.amazon_marketplace or "")
			]  # fmt: skip
			self.assertEqual(
				self.money(sum(flt(fee.amount) for fee in records)),
				self.money(flt(row.credit_in_account_currency) - flt(row.debit_in_account_currency)),
				row.account,
			)
			self.assertTrue(all(fee.journal_entry == je.name for fee in records))
		# And the ledger per category agrees: each expense account carries exactly its category's records.
		for category in (C.REFERRAL_FEES, C.FBA_FULFILMENT_FEES, C.SUBSCRIPTION, C.FBA_STORAGE_FEES):
			account = accounts[category.value]
			booked = sum(flt(fee.amount) for fee in fees if fee.account == account)
			self.assertEqual(self.money(self.balance(account, je.name)), self.money(-booked), category)

		# The order settled over two periods: charge in the first, refund and its fees in the second, once each.
		charge = frappe.get_all("Payment Entry", {"amazon_settlement": month.name, "docstatus": 1, "party": ("is", "set"), "payment_type": "Receive"}, ["name", "posting_date"])
		self.assertTrue(all(getdate(pe.posting_date) == first_date for pe in charge))
		line = frappe.get_all(
			"Amazon Settlement Line",
			{"amazon_order_id": refunded, "line_type": "Refund", "settlement": ("in", ids)},
			["settlement", "credit_note", "payment_entry", "status"],
		)
		self.assertEqual(len(line), 1)
		self.assertEqual((line[0].settlement, line[0].status), (docs[1].name, "Booked"))
		self.assertEqual(getdate(frappe.db.get_value("Sales Invoice", line[0].credit_note, "posting_date")), later_date)
		self.assertEqual(getdate(frappe.db.get_value("Payment Entry", line[0].payment_entry, "posting_date")), later_date)
		pieces = frappe.get_all(
			"Amazon Settlement Fee",
			{"amazon_order_id": refunded, "settlement": ("in", ids)},
			["settlement", "amount_description", "posting_date", "journal_entry"],
		)
		self.assertEqual({fee.settlement for fee in pieces}, {docs[0].name, docs[1].name})
		for fee in pieces:  # booked by its own settlement's fee entry, dated as that entry
			je = frappe.db.get_value("Journal Entry", fee.journal_entry, ["amazon_settlement", "posting_date"], as_dict=True)
			self.assertEqual((je.amazon_settlement, getdate(je.posting_date)), (fee.settlement, getdate(fee.posting_date)))
		self.assertIn("RefundCommission", {fee.amount_description for fee in pieces if fee.settlement == docs[1].name})
		for invoice in frappe.get_all("Sales Invoice", {"amazon_order_id": ("in", [refunded, kept]), "docstatus": 1}, ["name", "outstanding_amount"]):
			self.assertEqual(flt(invoice.outstanding_amount), 0, invoice.name)

		# Negative periods: carried as reserve (nothing paid out), then charged to the card: the payout account.
		self.assertGreater(flt(docs[1].reserve_amount), 0)
		self.assertFalse(docs[1].payout_journal_entry)
		(card,) = frappe.get_all(
			"Amazon Settlement Fee", {"settlement": docs[2].name, "amount_description": "Successful charge"}, ["account", "category", "amount"]
		)
		self.assertEqual((card.category, card.account), (C.SELLER_REPAYMENTS.value, self.account.payout_account))
		self.assertGreater(flt(card.amount), 0)
		self.assertEqual(self.money(self.balance(self.account.payout_account, docs[2].fees_journal_entry)), self.money(-flt(card.amount)))

	# -- helpers -----------------------------------------------------------------------------------------

	def book_other_amounts(self, start: str, end: str, amounts: list[tuple[str, str, str]]):
		"""A USD settlement report of other-transaction amounts on Amazon.com ((posted UTC, amount-description,
		amount)), imported, submitted and booked: reconciled."""
		from datetime import datetime, timedelta

		from amazon_integration.domain.settlements import COLUMNS
		from amazon_integration.erpnext.settlements import import_settlement_report

		settlement_id = f"9{frappe.generate_hash(length=10)}"

		def row(**values) -> str:
			return "\t".join(str(values.get(column.replace("-", "_"), "")) for column in COLUMNS)

		total = sum((Decimal(amount) for _posted, _description, amount in amounts), Decimal(0))
		deposit = (datetime.fromisoformat(end) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
		lines = [
			"\t".join(COLUMNS),
			row(settlement_id=settlement_id, settlement_start_date=f"{start} UTC", settlement_end_date=f"{end} UTC",
				deposit_date=f"{deposit} UTC", total_amount=str(total), currency="USD"),
		]  # fmt: skip
		for posted, description, amount in amounts:
			lines.append(
				row(settlement_id=settlement_id, transaction_type="other-transaction", marketplace_name="Amazon.com",
					amount_type="other-transaction", amount_description=description, amount=amount,
					posted_date=posted[:10], posted_date_time=f"{posted} UTC")
			)  # fmt: skip
		self.account.reload()
		name = import_settlement_report(self.account, [line + "\n" for line in lines])
		doc = frappe.get_doc("Amazon Settlement", name)
		doc.submit()
		frappe.db.commit()
		doc.reload()
		self.assertEqual(doc.status, "Reconciled", doc.booking_error)
		return doc

	def balance(self, account: str, voucher: str | None = None) -> float:
		query = "select sum(debit - credit) from `tabGL Entry` where account = %s and is_cancelled = 0"
		values: list = [account]
		if voucher:
			query += " and voucher_no = %s"
			values.append(voucher)
		return flt(frappe.db.sql(query, values)[0][0])

	@staticmethod
	def money(value) -> Decimal:
		return Decimal(str(flt(value, 2))).quantize(Decimal("0.01"))


class TestFeesUsCompany(FeeBookingChecks, SimulatorTestCase):
	orders = 0
	company, abbr, currency = COMPANY, COMPANY_ABBR, "USD"
	marketplace, marketplace_name = "ATVPDKIKX0DER", "Amazon.com"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account.reload()
		cls.account.invoice_fbm_deliveries = 1
		cls.account.save()
		frappe.db.commit()

	def place_order(self) -> str:
		return self.new_order(
			fulfilled_by="AMAZON", status="SHIPPED", items=[{"sku": SKU, "quantity": 2, "unit_price": "24.00"}]
		)

	def sync_orders(self) -> None:
		self.sync()

	def test_fee_rows_carry_the_marketplace_on_its_accounting_dimension(self):
		"""A company that reads its P&L per marketplace by accounting dimension: the fee entry's rows, and so their
		GL Entries, carry the marketplace on every dimension of Amazon Marketplaces."""
		fieldname = self.marketplace_dimension()
		posted = today()
		doc = self.book_other_amounts(
			f"{posted} 00:00:00",
			f"{posted} 01:00:00",
			[(f"{posted} 00:30:00", "Subscription Fee", "-39.99"), (f"{posted} 00:30:00", "Storage Fee", "-11.40")],
		)
		je = frappe.get_doc("Journal Entry", doc.fees_journal_entry)
		rows = [row for row in je.accounts if row.amazon_fee_category]
		self.assertEqual(len(rows), 2)
		self.assertEqual({row.get(fieldname) for row in rows}, {self.marketplace})
		gl = frappe.get_all(
			"GL Entry",
			{"voucher_no": doc.fees_journal_entry, "account": ("in", [row.account for row in rows]), "is_cancelled": 0},
			[fieldname],
		)
		self.assertEqual({entry[fieldname] for entry in gl}, {self.marketplace})

	def marketplace_dimension(self) -> str:
		"""An accounting dimension of Amazon Marketplaces, on the fee entry's rows and the ledger only (ERPNext would
		add it to some forty doctypes), removed after the test."""
		from erpnext.accounts.doctype.accounting_dimension.accounting_dimension import (
			make_dimension_in_accounting_doctypes,
		)

		existing = frappe.db.get_value("Accounting Dimension", {"document_type": "Amazon Marketplace"}, "fieldname")
		if existing:
			return existing
		dimension = frappe.get_doc(
			{"doctype": "Accounting Dimension", "document_type": "Amazon Marketplace", "label": "Sales Channel Test"}
		)
		dimension.set_fieldname_and_label()
		dimension.set_new_name()
		dimension.db_insert()  # without its after_insert, which adds it everywhere
		doctypes = ["Journal Entry Account", "GL Entry"]
		make_dimension_in_accounting_doctypes(dimension, doclist=doctypes)

		def remove() -> None:
			for doctype in doctypes:
				frappe.delete_doc("Custom Field", f"{doctype}-{dimension.fieldname}", force=True, ignore_missing=True)
			frappe.db.delete("Accounting Dimension", dimension.name)
			frappe.flags.accounting_dimensions = None
			frappe.flags.accounting_dimensions_details = None
			frappe.db.commit()

		self.addCleanup(remove)
		frappe.flags.accounting_dimensions = None
		frappe.flags.accounting_dimensions_details = None
		frappe.db.commit()
		return dimension.fieldname

	def test_a_month_of_every_category_and_shape(self):
		self.run_month()

	def test_a_settlement_spanning_a_month_end_books_each_month_its_fees(self):
		"""Amazon posted the subscription in one month and storage in the next: two fee entries, one a month."""
		from frappe.utils import add_days, get_first_day, get_last_day

		this_month = get_first_day(today())
		last_month_end = get_last_day(add_days(this_month, -1))
		self.account.reload()
		self.assertEqual(self.account.fees_by_month, 1)
		doc = self.book_other_amounts(
			f"{add_days(last_month_end, -10)} 00:00:00",
			f"{add_days(this_month, 1)} 00:00:00",
			[
				(f"{add_days(last_month_end, -1)} 12:00:00", "Subscription Fee", "-39.99"),
				(f"{this_month} 12:00:00", "Storage Fee", "-11.40"),
			],
		)
		name = doc.name
		entries = frappe.get_all(
			"Journal Entry",
			{"amazon_settlement": name, "docstatus": 1, "name": ("!=", doc.payout_journal_entry)},
			["name", "posting_date"],
			order_by="posting_date",
		)
		self.assertEqual([getdate(je.posting_date) for je in entries], [getdate(last_month_end), getdate(doc.posting_date)])
		fees = {
			fee.amount_description: fee
			for fee in frappe.get_all("Amazon Settlement Fee", {"settlement": name}, ["amount_description", "journal_entry", "posting_date", "posted_month"])
		}
		self.assertEqual(fees["Subscription Fee"].journal_entry, entries[0].name)
		self.assertEqual(fees["Storage Fee"].journal_entry, entries[1].name)
		self.assertEqual(fees["Subscription Fee"].posted_month, str(last_month_end)[:7])
		self.assertEqual(getdate(fees["Subscription Fee"].posting_date), getdate(last_month_end))
		self.assertEqual(self.money(self.balance(self.account.clearing_account, entries[0].name)), self.money(-39.99))
		self.assertEqual(self.money(self.balance(self.account.clearing_account, entries[1].name)), self.money(-11.40))


class TestFeesGermanCompany(FeeBookingChecks, EuSellerCase):
	company, abbr, currency = EU_COMPANY, EU_COMPANY_ABBR, "EUR"
	marketplace, marketplace_name = DE, "Amazon.de"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.account = cls.eu

	def place_order(self) -> str:
		order = self.order(DE, [{"sku": SKU, "quantity": 2, "unit_price": "29.90", "shipping_price": "3.99"}])
		self.later(3)
		return order

	def sync_orders(self) -> None:
		self.sync(self.eu)

	def later(self, minutes: float = 3) -> None:
		self.sim.control.advance(minutes * 60)

	def test_a_month_of_every_category_and_shape(self):
		self.run_month()
