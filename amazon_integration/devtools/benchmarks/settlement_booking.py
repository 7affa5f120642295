"""Settlement booking benchmark: `bench --site SITE amazon benchmark-settlement --orders N` (default 10,000).

Makes 2N submitted Sales Invoices of one unit each (setup, not timed), writes a V2 settlement report of the
first N orders (price, referral fee, FBA fee; a subscription fee; a deposit date), imports it and times its
booking (submit: one Payment Entry per order, the fee entry by category, the payout entry). Then, in the same
run, it times inserting the same documents bare for the other N invoices: ERPNext's own Payment Entry of each
invoice into the clearing account, and copies of the fee and payout Journal Entries. It prints both times and
their ratio (goal: at most 1.25x).

It prepares the site as the tier-2 tests do and leaves its documents there: run it on a test site
(`allow_tests`). Setup makes one invoice through ERPNext and copies its rows for the others (see `_invoices`).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import frappe
from frappe.utils import add_days, getdate, nowdate

from amazon_integration.domain.settlements import COLUMNS

SKU_PRICE = Decimal("24.99")
COMMISSION = Decimal("-3.75")
FBA_FEE = Decimal("-3.22")
SUBSCRIPTION = Decimal("-39.99")
GOAL = 1.25


def run(orders: int) -> dict:
	from amazon_integration.devtools.testbed import require_test_site

	require_test_site()
	from amazon_integration.erpnext.fee_accounts import create_default_fee_accounts
	from amazon_integration.erpnext.settlements import import_settlement_report
	from amazon_integration.devtools.testbed import amazon_account, before_tests

	before_tests()
	tag = frappe.generate_hash(length=6).upper()
	account = _account(amazon_account, tag)
	create_default_fee_accounts(account)
	account.save()
	frappe.db.commit()

	started = time.perf_counter()
	booked_ids = _invoices(account, f"BK{tag}", orders)
	bare_invoices = _invoices(account, f"BR{tag}", orders, pluck="name")
	setup = time.perf_counter() - started

	report = _report(f"9{int(time.time())}", booked_ids)
	name = import_settlement_report(account, report)
	frappe.db.commit()
	doc = frappe.get_doc("Amazon Settlement", name)
	in_test, frappe.flags.in_test = frappe.flags.in_test, True  # book at submit, in this process
	try:
		started, cpu = time.perf_counter(), time.process_time()
		doc.submit()
		frappe.db.commit()
		booking, booking_cpu = time.perf_counter() - started, time.process_time() - cpu
	finally:
		frappe.flags.in_test = in_test
	doc.reload()

	started, cpu = time.perf_counter(), time.process_time()
	_bare(account, doc, bare_invoices)
	bare, bare_cpu = time.perf_counter() - started, time.process_time() - cpu
	return {
		"orders": orders,
		"settlement": doc.name,
		"status": doc.status,
		"setup_seconds": setup,
		"booking_seconds": booking,
		"bare_seconds": bare,
		"ratio": booking / bare if bare else float("inf"),
		# The process's own CPU time: what the app adds in Python, whatever else the machine runs meanwhile.
		"booking_cpu_seconds": booking_cpu,
		"bare_cpu_seconds": bare_cpu,
	}


def report(result: dict) -> str:
	verdict = "within" if result["ratio"] <= GOAL else "over"
	return "\n".join(
		(
			f"settlement {result['settlement']} of {result['orders']} orders: {result['status']}",
			f"setup (2 x {result['orders']} invoices): {result['setup_seconds']:.1f} s",
			f"booking (Payment Entries, fee entry, payout): {result['booking_seconds']:.1f} s "
			f"({result['booking_seconds'] / max(result['orders'], 1) * 1000:.1f} ms/order)",
			f"the same entries inserted bare: {result['bare_seconds']:.1f} s",
			f"ratio {result['ratio']:.2f}x ({verdict} the goal of {GOAL}x)",
			f"this process's CPU: booking {result['booking_cpu_seconds']:.1f} s, bare {result['bare_cpu_seconds']:.1f} s "
			f"({result['booking_cpu_seconds'] / max(result['bare_cpu_seconds'], 1e-9):.2f}x)",
		)
	)


def _account(amazon_account, tag: str):
	from amazon_integration.devtools import testbed as utils

	account = amazon_account(
		account_name=f"Benchmark Settlement {tag}",
		seller_id=f"A1BENCH{tag}",
		sales_tax_account=utils.SALES_TAX_ACCOUNT,
		marketplace_tax_account=utils.MARKETPLACE_TAX_ACCOUNT,
		clearing_account=utils.CLEARING_ACCOUNT,
		payout_account=utils.PAYOUT_ACCOUNT,
		fees_account=utils.FEES_ACCOUNT,
		amazon_supplier=utils.AMAZON_SUPPLIER,
		mode_of_payment=utils.MODE_OF_PAYMENT,
		shipping_item=utils.SHIPPING_ITEM,
		gift_wrap_item=utils.GIFT_WRAP_ITEM,
		promotion_item=utils.PROMOTION_ITEM,
	)
	account.flags.ignore_permissions = True
	return account.insert()


def _customer() -> str:
	name = "Amazon Benchmark Buyer"
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{"doctype": "Customer", "customer_name": name, "customer_group": "All Customer Groups", "territory": "All Territories"}
		).insert(ignore_permissions=True)
	return name


def _invoices(account, prefix: str, count: int, pluck: str = "amazon_order_id") -> list[str]:
	"""`count` submitted one-unit invoices of Amazon orders `{prefix}-0000001`...

	The first is made through ERPNext; the others are copies of its rows (the invoice, its child rows, its GL
	Entries and Payment Ledger Entries) written in bulk, because setup is not what the benchmark measures and
	making 20,000 invoices one by one takes over an hour. A copy differs only in its name and order id, so
	ERPNext sees each as the template's twin: outstanding, ledger and all.
	"""
	from amazon_integration.simulator.generator import CATALOGUE

	sku = CATALOGUE[0].sku  # before_tests makes an Item of every catalogue SKU

	template = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": account.company,
			"customer": _customer(),
			"currency": "USD",
			"selling_price_list": account.selling_price_list,
			"posting_date": nowdate(),
			"due_date": nowdate(),
			"set_posting_time": 1,
			"amazon_order_id": f"{prefix}-{1:07d}",
			"items": [{"item_code": sku, "qty": 1, "rate": float(SKU_PRICE)}],
		}
	)
	template.flags.ignore_permissions = True
	template.insert()
	template.submit()
	frappe.db.commit()
	names = [template.name] + [f"SINV-{prefix}-{number:07d}" for number in range(2, count + 1)]
	order_ids = [f"{prefix}-{number:07d}" for number in range(1, count + 1)]
	tables = [("Sales Invoice", "name")]
	tables += [(field.options, "parent") for field in frappe.get_meta("Sales Invoice").get_table_fields()]
	tables += [("GL Entry", "voucher_no"), ("Payment Ledger Entry", "voucher_no")]
	for doctype, key in tables:
		rows = frappe.db.sql(f"select * from `tab{doctype}` where `{key}` = %s", template.name, as_dict=True)
		if not rows:
			continue
		fields = list(rows[0])
		for start in range(1, count, 1000):
			values = []
			for position in range(start, min(start + 1000, count)):
				for row in rows:
					copy = {f: (names[position] if v == template.name else v) for f, v in row.items()}
					if doctype != "Sales Invoice":
						copy["name"] = frappe.generate_hash(length=12)
					if "amazon_order_id" in copy:
						copy["amazon_order_id"] = order_ids[position]
					values.append(tuple(copy[f] for f in fields))
			frappe.db.bulk_insert(doctype, fields, values)
		frappe.db.commit()
	return order_ids if pluck == "amazon_order_id" else names


def _report(settlement_id: str, order_ids: list[str]) -> list[str]:
	"""A V2 settlement report of the orders (tab-separated lines, header and summary row first)."""
	start = datetime.now(timezone.utc) - timedelta(days=14)
	end = datetime.now(timezone.utc) - timedelta(days=1)
	stamp = lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S UTC")  # noqa: E731
	index = {column: position for position, column in enumerate(COLUMNS)}

	def row(**values: str) -> str:
		cells = [""] * len(COLUMNS)
		for column, value in values.items():
			cells[index[column.replace("_", "-")]] = value
		return "\t".join(cells)

	lines = []
	total = Decimal(0)
	for number, order_id in enumerate(order_ids):
		for amount_type, description, amount in (
			("ItemPrice", "Principal", SKU_PRICE),
			("ItemFees", "Commission", COMMISSION),
			("ItemFees", "FBAPerUnitFulfillmentFee", FBA_FEE),
		):
			total += amount
			lines.append(
				row(
					settlement_id=settlement_id, transaction_type="Order", order_id=order_id,
					marketplace_name="Amazon.com", amount_type=amount_type, amount_description=description,
					amount=f"{amount:.2f}", fulfillment_id="AFN", posted_date_time=stamp(start + timedelta(seconds=number)),
					order_item_code=f"{number:014d}", sku="BENCH", quantity_purchased="1",
				)  # fmt: skip
			)
	total += SUBSCRIPTION
	lines.append(
		row(
			settlement_id=settlement_id, transaction_type="other-transaction", amount_type="other-transaction",
			amount_description="Subscription Fee", amount=f"{SUBSCRIPTION:.2f}", posted_date_time=stamp(end),
		)  # fmt: skip
	)
	header = "\t".join(COLUMNS)
	summary = row(
		settlement_id=settlement_id, settlement_start_date=stamp(start), settlement_end_date=stamp(end),
		deposit_date=stamp(end + timedelta(hours=12)), total_amount=f"{total:.2f}", currency="USD",
	)  # fmt: skip
	return [header, summary, *lines]


def _bare(account, settlement, invoices: list[str]) -> None:
	"""The same documents, bare: ERPNext's Payment Entry of each invoice, copies of the two Journal Entries."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	posting_date = getdate(settlement.posting_date or settlement.deposit_date or add_days(nowdate(), -1))
	for number, invoice in enumerate(invoices, 1):
		pe = get_payment_entry("Sales Invoice", invoice, bank_account=account.clearing_account)
		pe.posting_date = posting_date
		pe.reference_no = settlement.settlement_id
		pe.reference_date = posting_date
		pe.flags.ignore_permissions = True
		pe.insert()
		pe.submit()
		if number % 50 == 0:
			frappe.db.commit()
	# The fee entries (one per month the amounts were posted in) and the payout entry.
	for name in frappe.get_all("Journal Entry", {"amazon_settlement": settlement.name, "docstatus": 1}, pluck="name"):
		if name:
			je = frappe.copy_doc(frappe.get_doc("Journal Entry", name))
			je.amazon_settlement = None
			je.flags.ignore_permissions = True
			je.insert()
			je.submit()
	frappe.db.commit()
