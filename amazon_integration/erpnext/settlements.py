"""Amazon settlements in the books: import the V2 settlement reports, book them on submit, keep them reconciled.

Money path, through one Bank-type clearing account per Amazon Account (its balance is what Amazon holds):
- an order's charges: a Payment Entry from the customer into the clearing account, allocated to the order's
  Sales Invoices; the tax Amazon withholds as marketplace facilitator is a deduction to the Amazon-collected
  tax account, which the invoice credited: it never touches revenue nor the seller's own tax;
- an order's refund: a credit note against the original invoice (the refunded rows, the exact refunded tax),
  paid back out of the clearing account by a Payment Entry;
- fees, commissions and adjustments: one Journal Entry per settlement. A Journal Entry rather than a Purchase
  Invoice because the fees are already paid (Amazon deducts them from the payout) and are no purchase of an
  item: the entry books the expense against the supplier Amazon and settles it from the clearing account in
  the same voucher, so Amazon's supplier ledger shows every fee, at zero balance. Each category of Amazon's
  money (domain/fees.py) goes to its own account (erpnext/fee_accounts.py), one row per account, category,
  marketplace and cost center; an amount no category or rule knows goes to the suspense account, is marked
  and listed, and never stops the booking. A card charge or debt recovery (Seller Repayments) goes to the
  payout bank account: the seller's money filling a negative balance;
- reserve lines stay in the clearing account (Amazon still holds that money);
- the payout: a Journal Entry from the clearing account to the seller's bank account.

"Booked" for a settlement is measured on the ledger, not trusted from bookkeeping fields: what its Payment
Entries and fee entry moved through the clearing account, plus the reserve kept there. Amazon's total minus
that is the difference the reconciliation report shows; the lines whose amount is not booked explain it.

Negative settlements need no manual entry: a balance Amazon carries to the next period is a reserve line
(kept in the clearing account, which then shows what the seller owes); a card charge is a Seller Repayments
amount (clearing debited from the payout account); a negative total with a deposit date is a payout entry
the other way. Each settlement books once, at its own posting date, so an order charged in one settlement and
refunded in a later one books each piece in its own period; a settlement that spans a month end books one fee
entry per month Amazon posted its amounts in (the Amazon Account's "Book Fees in the Month Amazon Posted Them").

The ledger per order and SKU (the contract the profit report reads): every amount of the fee entry is an
`Amazon Settlement Fee` record (settlement, amazon_order_id, sku, marketplace, transaction_type, amount_type,
amount_description, category, amount in the settlement's currency, report_lines, posted_month) and, once
booked, its account, cost_center, in_suspense, journal_entry and posting_date. The fee entries' rows carry
amazon_fee_category and amazon_marketplace (Journal Entry Account custom fields); for each fee entry, the
records with the same journal_entry, account, cost_center, category and marketplace add up to that row's
amount (credit minus debit, in the settlement's currency). The buyer's money per order is on the order's
Sales Invoice, credit notes and Payment Entries (amazon_order_id, amazon_settlement).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import add_days, flt, getdate, now_datetime

from amazon_integration.amazon.errors import AmazonError
from amazon_integration.erpnext import database
from amazon_integration.erpnext.texts import translated
from amazon_integration.erpnext.transactions import settlement_lock
from amazon_integration.erpnext.timezone import to_system
from amazon_integration.domain.fees import EXPENSE_CATEGORIES, FeeCategory
from amazon_integration.domain.settlements import (
	FeeAmount,
	RowType,
	SettlementError,
	SettlementRow,
	check_total,
	parse_settlement,
	settlement_rows,
	summarize,
)
from amazon_integration.domain.refunds import refund_vat, refunded_units, units_by_row

REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
REPORT_LOOKBACK_DAYS = 90  # Amazon keeps settlement reports for 90 days
COMMIT_EVERY = 50  # booked lines per commit: a crash loses little, and never half a line
LINE = "Amazon Settlement Line"
FEE = "Amazon Settlement Fee"
ZERO = Decimal(0)


# -- import -----------------------------------------------------------------------------------------------


def import_account_settlements(account_name: str) -> list[str]:
	"""Download the account's settlement reports Amazon has finished and import the new ones.

	One settlement per transaction: a bad report is named on the run's log and skipped, the others still come in."""
	from amazon_integration.erpnext.account_client import get_client
	from amazon_integration.erpnext.jobs import SETTLEMENT_IMPORT
	from amazon_integration.erpnext.runs import Run

	account = frappe.get_doc("Amazon Account", account_name)
	client = get_client(account)
	since = add_days(now_datetime(), -REPORT_LOOKBACK_DAYS)
	imported = []
	# Counted as reports: read (new ones), created (imported), unchanged (settlement already there), failed.
	run = Run(
		account_name,
		job=SETTLEMENT_IMPORT,
		client=client,
		counts=("orders_read", "created", "unchanged", "failed"),
		failure_rows=False,  # failures name reports, not orders: listed in the log's error
	)
	with run:
		for report in client.list_reports([REPORT_TYPE], created_since=since, processing_statuses=["DONE"]):
			if not report.document_id or frappe.db.exists("Amazon Settlement", {"report_id": report.report_id}):
				continue
			run.counts["orders_read"] += 1
			try:
				with client.open_report_document(report.document_id) as lines:
					name = import_settlement_report(account, lines, report_id=report.report_id)
			except (SettlementError, AmazonError, frappe.ValidationError) as e:
				frappe.db.rollback()
				run.fail(_("Settlement report {0}").format(report.report_id), frappe.utils.strip_html(translated(e)))
				run.counts["failed"] += 1
				continue
			frappe.db.commit()
			if name:
				imported.append(name)
			run.counts["created" if name else "unchanged"] += 1
	return imported


def import_settlement_report(account: Document, lines: Iterable[str], report_id: str = "") -> str | None:
	"""One report's settlement as a draft Amazon Settlement and its lines; None when it is already imported.

	The lines stream through the parser into one small row per order (and per other amount kind): the
	report itself is never held in memory."""
	settlement = parse_settlement(lines)
	header = settlement.header
	if frappe.db.exists("Amazon Settlement", header.settlement_id):
		return None  # a closed settlement never changes: importing it again changes nothing
	summary = summarize(settlement.lines)
	check_total(header, summary)
	rows = settlement_rows(summary)
	invoices = _invoices_by_order({row.order_id for row in rows if row.order_id})
	mcf = _mcf_orders({row.order_id for row in rows if row.row_type is RowType.ORDER and row.order_id not in invoices})

	doc = frappe.new_doc("Amazon Settlement")
	doc.update(
		{
			"settlement_id": header.settlement_id,
			"amazon_account": account.name,
			"company": account.company,
			"currency": header.currency,
			"start_date": to_system(header.start),
			"end_date": to_system(header.end),
			"deposit_date": to_system(header.deposit_date) if header.deposit_date else None,
			"total_amount": float(header.total),
			"report_id": report_id,
			"report_lines": summary.line_count,
			"first_posted": to_system(summary.first_posted) if summary.first_posted else None,
			"last_posted": to_system(summary.last_posted) if summary.last_posted else None,
			"status": "Draft",
		}
	)
	totals = _totals(rows)
	doc.update({field: float(amount) for field, amount in totals.items()})
	doc.booked_amount = float(totals["reserve_amount"])
	doc.difference = float(header.total - totals["reserve_amount"])
	doc.unmatched_lines = sum(1 for row in rows if row.row_type is not RowType.RESERVE)
	doc.flags.ignore_permissions = True
	doc.insert()
	_insert_lines(doc, rows, invoices, summary.refunded_items, mcf)
	_insert_fees(doc, summary.fee_amounts)
	return doc.name


def _totals(rows: list[SettlementRow]) -> dict[str, Decimal]:
	totals = dict.fromkeys(
		(
			"sales_amount",
			"refund_amount",
			"withheld_tax_amount",
			"fees_amount",
			"reserve_amount",
			"unknown_amount",
		),
		ZERO,
	)
	for row in rows:
		if row.row_type is RowType.ORDER:
			totals["sales_amount"] += row.sale
		elif row.row_type is RowType.REFUND:
			totals["refund_amount"] += row.sale
		elif row.row_type is RowType.RESERVE:
			totals["reserve_amount"] += row.amount
		elif row.row_type is RowType.UNKNOWN:
			totals["unknown_amount"] += row.amount
		totals["withheld_tax_amount"] += row.withheld_tax
		totals["fees_amount"] += row.fees
	return totals


def _insert_lines(
	doc: Document, rows: list[SettlementRow], invoices: dict[str, str], refunded_items, mcf: dict[str, str]
) -> None:
	"""Bulk insert: a large settlement has thousands of rows, and they are plain records, not documents."""
	now = now_datetime()
	user = frappe.session.user
	fields = [
		"name", "creation", "modified", "owner", "modified_by", "settlement", "line_type", "amazon_order_id",
		"description", "status", "currency", "amount", "sale_amount", "tax_amount", "withheld_tax", "fees_amount",
		"booked_amount", "report_lines", "sales_invoice", "refunded_items",
	]  # fmt: skip
	values = []
	for row in rows:
		invoice = invoices.get(row.order_id)
		if row.row_type is RowType.RESERVE:
			status, booked = "Held by Amazon", row.amount
		elif row.row_type is RowType.ORDER and row.order_id in mcf:
			status, booked = "Matched", ZERO  # a Multi-Channel fulfilment order: Amazon's fees only
		elif row.row_type in (RowType.ORDER, RowType.REFUND):
			status, booked = ("Matched" if invoice else "Unmatched"), ZERO
		elif row.row_type is RowType.UNKNOWN:
			status, booked = "Unmatched", ZERO
		else:
			status, booked = "Matched", ZERO
		items = refunded_items.get(row.order_id) if row.row_type is RowType.REFUND else None
		values.append(
			(
				frappe.generate_hash(length=12), now, now, user, user, doc.name, row.row_type.value, row.order_id,
				_mcf_description(mcf[row.order_id]) if row.order_id in mcf else row.description, status, doc.currency, float(row.amount), float(row.sale), float(row.tax),
				float(row.withheld_tax), float(row.fees), float(booked), row.lines, invoice,
				json.dumps({code: str(amount) for code, amount in items.items()}) if items else None,
			)
		)  # fmt: skip
	frappe.db.bulk_insert(LINE, fields, values, chunk_size=1000)


def _insert_fees(doc: Document, fees: Iterable[FeeAmount]) -> None:
	"""The fee entry's amounts by order, SKU, marketplace and category: what the profit report reads."""
	now = now_datetime()
	user = frappe.session.user
	fields = [
		"name", "creation", "modified", "owner", "modified_by", "settlement", "category", "amazon_order_id", "sku",
		"marketplace", "transaction_type", "amount_type", "amount_description", "currency", "amount", "report_lines",
		"posted_month",
	]  # fmt: skip
	values = [
		(
			frappe.generate_hash(length=12), now, now, user, user, doc.name, fee.category.value, fee.order_id, fee.sku,
			fee.marketplace_name, fee.transaction_type, fee.amount_type, fee.amount_description, doc.currency,
			float(fee.amount), fee.lines, fee.posted_month,
		)  # fmt: skip
		for fee in fees
		if fee.amount
	]
	frappe.db.bulk_insert(FEE, fields, values, chunk_size=1000)


def _mcf_orders(order_ids: set[str]) -> dict[str, str]:
	"""Fulfilment order id -> Sales Order, for the ids that are Multi-Channel fulfilment orders (outbound.py):
	Amazon settles only its fees for them, under that id; the buyer paid the seller elsewhere."""
	ids = sorted(order_id for order_id in order_ids if order_id)
	found: dict[str, str] = {}
	for start in range(0, len(ids), 1000):
		for row in frappe.get_all(
			"Sales Order",
			filters={"amazon_mcf_order": ("in", ids[start : start + 1000]), "docstatus": ("<", 2)},
			fields=["name", "amazon_mcf_order"],
		):
			found.setdefault(row.amazon_mcf_order, row.name)
	return found


def _mcf_description(sales_order: str) -> str:
	return _("Multi-Channel Fulfilment fees of Sales Order {0}").format(sales_order)[:140]


def _invoices_by_order(order_ids: set[str]) -> dict[str, str]:
	found: dict[str, str] = {}
	ids = sorted(order_ids)
	for start in range(0, len(ids), 1000):
		for row in frappe.get_all(
			"Sales Invoice",
			filters={"amazon_order_id": ("in", ids[start : start + 1000]), "docstatus": 1, "is_return": 0},
			fields=["name", "amazon_order_id"],
			order_by="posting_date asc, creation asc",
		):
			found.setdefault(row.amazon_order_id, row.name)
	return found


# -- booking ----------------------------------------------------------------------------------------------


def settlement_accounts(account: Document, currency: str) -> tuple[str, str] | None:
	"""The (clearing, payout) bank accounts of an account for a settlement currency: the account's own when
	they are in that currency, else its Settlement Accounts row for the currency."""
	if account.clearing_account and account.payout_account:
		if frappe.get_cached_value("Account", account.clearing_account, "account_currency") == currency:
			return account.clearing_account, account.payout_account
	for row in account.get("settlement_accounts") or []:
		if row.currency == currency:
			return row.clearing_account, row.payout_account
	return None


def validate_for_booking(doc: Document) -> None:
	"""What the account must have before a settlement can be booked: said at submit, not found half-way."""
	account = frappe.get_doc("Amazon Account", doc.amazon_account)
	labels = {
		"clearing_account": _("Amazon Clearing Account"),
		"payout_account": _("Payout Bank Account"),
		"amazon_supplier": _("Amazon Supplier"),
		"fees_account": _("Amazon Fees Account"),
		"marketplace_tax_account": _("Amazon-Collected Tax Account"),
	}
	missing = [label for field, label in labels.items() if not account.get(field)]
	if missing:
		frappe.throw(
			_("Set {0} on Amazon Account {1} before submitting a settlement.").format(
				", ".join(missing), frappe.bold(account.name)
			),
			title=_("Settlement Accounts Missing"),
		)
	if not settlement_accounts(account, doc.currency):
		frappe.throw(
			_(
				"Settlement {0} is in {1}: add a row for {1} to the Settlement Accounts of Amazon Account {2} "
				"(a clearing and a payout bank account in {1})."
			).format(doc.name, doc.currency, frappe.bold(account.name)),
			title=_("Settlement Accounts Missing"),
		)


def book_settlement(settlement: str) -> None:
	"""Book every open line of a submitted settlement, then its fees and payout. Resumable: run it again and
	only what is not booked yet is booked; one line's failure is recorded on it and never stops the others. One
	booking of a settlement at a time: a second one while it runs returns at once."""
	with settlement_lock(settlement) as got:
		if got:
			_book_settlement(settlement)


def _book_settlement(settlement: str) -> None:
	doc = frappe.get_doc("Amazon Settlement", settlement)
	if doc.docstatus != 1:
		return
	account = frappe.get_doc("Amazon Account", doc.amazon_account)
	booking = _Booking(doc, account)
	lines = frappe.get_all(
		LINE,
		filters={
			"settlement": doc.name,
			"line_type": ("in", ["Order", "Refund"]),
			"status": ("!=", "Booked"),
		},
		pluck="name",
		order_by="line_type asc, amazon_order_id asc",  # an order's charges before its refund
	)
	for count, name in enumerate(lines, 1):
		try:
			booking.book_line(frappe.get_doc(LINE, name))
		except Exception as e:
			if not database.lock_failure(e):
				raise
			# Another session held the rows (a lock wait timeout, a deadlock): nothing the user must fix. The line,
			# and those a deadlock undid since the last commit, stay open as they were: the next booking (the
			# hourly dispatch, Book Open Lines) books them.
			database.rollback()
			continue
		if count % COMMIT_EVERY == 0:
			frappe.db.commit()
	error = None
	try:
		if not doc.fees_journal_entry:
			booking.book_fees()
		if not doc.payout_journal_entry and doc.deposit_date:
			booking.book_payout()
	except frappe.ValidationError as e:
		frappe.db.rollback()
		error = frappe.utils.strip_html(translated(e))
	refresh_reconciliation(doc.name, booking_error=error)
	frappe.db.commit()


class _Booking:
	def __init__(self, doc: Document, account: Document) -> None:
		self.doc = doc
		self.account = account
		self.company = doc.company
		self.posting_date = doc.posting_date or getdate(doc.deposit_date or doc.end_date)
		self.cost_center = frappe.get_cached_value("Company", doc.company, "cost_center")
		self.clearing, self.payout = settlement_accounts(account, doc.currency)
		company_currency = frappe.get_cached_value("Company", doc.company, "default_currency")
		# One rate for the whole settlement: every entry converts Amazon's amounts alike, so they balance.
		self.rate = 1.0
		if doc.currency != company_currency:
			from erpnext.setup.utils import get_exchange_rate

			self.rate = flt(get_exchange_rate(doc.currency, company_currency, self.posting_date))
			if not self.rate:
				frappe.throw(
					_("No exchange rate from {0} to {1} on {2}.").format(doc.currency, company_currency, self.posting_date)
				)

	def book_line(self, line: Document) -> None:
		from amazon_integration.erpnext.transactions import savepoint

		try:
			with savepoint("amazon_settlement_line"):
				if line.line_type == "Order":
					documents = self._book_order(line)
				else:
					documents = self._book_refund(line)
		except frappe.ValidationError as e:
			line.db_set({"status": "Failed", "error": frappe.utils.strip_html(translated(e))[:1000]})
			return
		if documents is None:
			line.db_set({"status": "Unmatched", "error": _("No submitted Sales Invoice of this order.")})
			return
		booked = (
			_decimal(line.booked_amount)
			+ _decimal(line.sale_amount)
			+ _decimal(line.withheld_tax)
		)
		line.db_set({"status": "Booked", "error": None, "booked_amount": float(booked), **documents})

	def _book_order(self, line: Document) -> dict | None:
		invoices = frappe.get_all(
			"Sales Invoice",
			filters={"amazon_order_id": line.amazon_order_id, "docstatus": 1, "is_return": 0},
			fields=["name", "customer", "debit_to", "outstanding_amount", "currency"],
			order_by="posting_date asc, creation asc",
		)
		if not invoices:
			if not line.sale_amount and not line.withheld_tax:
				mcf = _mcf_orders({line.amazon_order_id})
				if mcf:  # only Amazon's fees of a Multi-Channel fulfilment order: the fee entry books them
					return {"description": _mcf_description(mcf[line.amazon_order_id])}
			return None
		sale = _decimal(line.sale_amount)
		if not sale and not line.withheld_tax:
			return {"sales_invoice": invoices[0].name}  # only fees: the fee entry books them
		open_amount = sum((_decimal(inv.outstanding_amount) for inv in invoices), ZERO)
		if sale > open_amount:
			frappe.throw(
				_("Amazon paid {0} {1} for order {2} but its invoices have only {3} outstanding.").format(
					sale, line.currency, line.amazon_order_id, open_amount
				),
				title=_("Settlement Does Not Match Invoices"),
			)
		allocations = []
		left = sale
		for inv in invoices:
			amount = min(left, _decimal(inv.outstanding_amount))
			if amount > 0:
				allocations.append((inv.name, amount))
				left -= amount
		pe = self._payment_entry("Receive", invoices[0], allocations, sale, _decimal(line.withheld_tax))
		return {"payment_entry": pe.name, "sales_invoice": invoices[0].name}

	def _book_refund(self, line: Document) -> dict | None:
		original = line.sales_invoice or frappe.db.get_value(
			"Sales Invoice",
			{"amazon_order_id": line.amazon_order_id, "docstatus": 1, "is_return": 0},
			"name",
			order_by="posting_date asc, creation asc",
		)
		if not original:
			return None
		if not line.sale_amount and not line.withheld_tax:
			return {"sales_invoice": original}  # only fees given back: the fee entry books them
		if line.credit_note and frappe.db.get_value("Sales Invoice", line.credit_note, "docstatus") == 1:
			credit_note = frappe.get_doc(
				"Sales Invoice", line.credit_note
			)  # booked before, its payment cancelled
		else:
			credit_note = self._credit_note(line, original)
		sale = _decimal(line.sale_amount)
		pe = self._payment_entry(
			"Pay", credit_note, [(credit_note.name, sale)], sale, _decimal(line.withheld_tax)
		)
		return {"payment_entry": pe.name, "sales_invoice": original, "credit_note": credit_note.name}

	def _credit_note(self, line: Document, original: str) -> Document:
		"""A credit note of exactly what Amazon refunded: the refunded units, the refunded tax, and a discount for
		what is not whole units (partial refunds, shipping, promotions given back).

		Amazon reports a tax-inclusive refund (EU, UK, JP) without a tax amount: whichever form the invoice took
		(gross prices with an included tax row, or net prices with an Actual tax row), the credit note then
		carries net prices and an Actual row of the VAT the refund contains at the invoice's rate, so revenue
		and VAT both go back as they were charged."""
		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

		sale = _decimal(line.sale_amount)
		tax = _decimal(line.tax_amount)
		amazon_tax = -_decimal(line.withheld_tax)  # Amazon gives back the tax it withheld
		refunded = {code: Decimal(amount) for code, amount in json.loads(line.refunded_items or "{}").items()}

		cn = make_sales_return(original)
		cn.update_stock = 0  # the goods come back (or not) through their own stock entry
		cn.update_outstanding_for_self = 1
		cn.posting_date = self.posting_date
		cn.set_posting_time = 1
		cn.amazon_order_id = line.amazon_order_id
		precision = cn.precision("grand_total")
		unit = Decimal(1).scaleb(-precision)
		order = next((row.sales_order for row in cn.items if row.get("sales_order")), None)
		inclusive = [row for row in cn.taxes if row.included_in_print_rate]
		contained = not tax and bool(
			inclusive or (order and frappe.db.exists("Sales Order Item", {"parent": order, "amazon_tax_included": 1}))
		)
		# The invoice's own tax share, for a refund of an invoice whose rate is known nowhere else.
		invoice_tax, invoice_gross = _decimal(cn.total_taxes_and_charges), _decimal(cn.grand_total)
		tax_heads = [row.account_head for row in cn.taxes]

		products = [row for row in cn.items if row.get("amazon_order_item_id")]
		kept = self._refunded_rows(line.amazon_order_id, order, products, refunded, unit)
		if not kept:
			if not products:
				frappe.throw(_("Invoice {0} has no Amazon item to credit.").format(original))
			products[0].qty = -1
			kept = [products[0]]
		cn.items = []
		for idx, row in enumerate(kept, 1):
			row.idx = idx
			if inclusive:
				# The included tax row goes: the rows keep the net prices the invoice's gross prices held.
				row.rate = row.price_list_rate = row.net_rate
				row.discount_percentage = row.discount_amount = 0
			cn.append("items", row)

		seller_tax_account = self.account.sales_tax_account
		if contained and amazon_tax:
			wanted = {self.account.marketplace_tax_account: amazon_tax}  # Amazon's own figure of what it collected
		elif contained:
			rate = Decimal(str(inclusive[0].rate)) if inclusive else self._vat_rate(order)
			vat = refund_vat(sale, unit, rate, invoice_tax, invoice_gross)
			account = next(
				(head for head in (seller_tax_account, self.account.marketplace_tax_account) if head and head in tax_heads),
				seller_tax_account,
			)
			if vat and not account:
				frappe.throw(_("Amazon refunded tax-inclusive prices but the account has no Sales Tax Account."))
			wanted = {account: vat}
		else:
			wanted = {self.account.marketplace_tax_account: amazon_tax}
			if seller_tax_account:
				wanted[seller_tax_account] = tax - amazon_tax
			elif tax != amazon_tax:
				frappe.throw(_("Amazon refunded seller-collected tax but the account has no Sales Tax Account."))
		taxes = {row.account_head: row for row in cn.taxes if row.account_head in wanted}
		cn.taxes = []
		for account_head, amount in wanted.items():
			if not amount:
				continue
			row = taxes.get(account_head) or frappe._dict(
				charge_type="Actual",
				account_head=account_head,
				description=account_head,
				cost_center=self.cost_center,
			)
			row.charge_type = "Actual"
			row.rate = 0
			row.included_in_print_rate = 0  # the refunded tax on top of the net prices
			row.tax_amount = float(amount)
			cn.append("taxes", row)

		cn.apply_discount_on = "Net Total"
		cn.additional_discount_percentage = 0
		cn.discount_amount = 0
		cn.calculate_taxes_and_totals()
		refunded_tax = sum(wanted.values(), ZERO)
		cn.discount_amount = flt(cn.net_total - float(sale - refunded_tax), precision)
		cn.calculate_taxes_and_totals()
		if _decimal(flt(cn.grand_total, precision)) != sale:
			frappe.throw(
				_("The credit note of order {0} comes to {1}, not Amazon's refund of {2}.").format(
					line.amazon_order_id, cn.grand_total, sale
				)
			)
		cn.flags.ignore_permissions = True
		cn.insert()
		cn.submit()
		return cn

	def _refunded_rows(
		self, order_id: str, order: str | None, products: list, refunded: dict[str, Decimal], unit: Decimal
	) -> list:
		"""The credit note's product rows with the units Amazon refunded of each line (negative quantities).

		A line's units are its refunded principal over its gross unit price on the Sales Order; a line split into
		two rows a cent apart gives them from both rows in the mix that makes Amazon's share."""
		kept = []
		for item_id, principal in refunded.items():
			rows = [row for row in products if row.amazon_order_item_id == item_id and row.rate]
			if not rows:
				continue
			line_rows = (
				frappe.get_all(
					"Sales Order Item",
					filters={"parent": order, "amazon_order_item_id": item_id},
					fields=["rate", "qty", "amazon_seller_tax", "amazon_withheld_tax", "amazon_tax_included"],
				)
				if order
				else []
			) or [frappe._dict(rate=row.rate, qty=abs(row.qty)) for row in rows]
			line_units = int(sum(abs(flt(r.qty)) for r in line_rows))
			line_total = sum((_decimal(r.rate) * int(abs(flt(r.qty))) for r in line_rows), ZERO)
			contained = sum(
				(_decimal(r.amazon_seller_tax) + _decimal(r.amazon_withheld_tax) for r in line_rows if r.get("amazon_tax_included")),
				ZERO,
			)
			open_rows = [(_decimal(row.rate), int(abs(flt(row.qty)))) for row in rows]
			units = refunded_units(principal, line_total + contained, line_units, sum(qty for _rate, qty in open_rows))
			before = _decimal(
				frappe.db.sql(
					"""select -sum(item.qty) from `tabSales Invoice Item` item
					join `tabSales Invoice` si on si.name = item.parent
					where si.docstatus = 1 and si.is_return = 1 and si.amazon_order_id = %s
					and item.amazon_order_item_id = %s""",
					(order_id, item_id),
				)[0][0]
			)
			for row, qty in zip(rows, units_by_row(open_rows, line_total, line_units, int(before), units, unit), strict=True):
				if qty > 0:
					row.qty = -qty
					kept.append(row)
		return kept

	def _vat_rate(self, order: str | None) -> Decimal | None:
		"""The seller's VAT rate in the order's marketplace (the rate its lines were taxed at without Amazon's
		TAX breakdown), if the account sets one."""
		marketplace = frappe.db.get_value("Sales Order", order, "amazon_marketplace") if order else None
		for row in self.account.get("marketplaces") or []:
			if row.marketplace == marketplace and row.get("vat_rate"):
				return Decimal(str(row.vat_rate))
		return None

	def _payment_entry(
		self, payment_type: str, invoice, allocations, sale: Decimal, withheld: Decimal
	) -> Document:
		"""Cash through the clearing account: the sale less the tax Amazon withheld (a deduction booked to the
		Amazon-collected tax account, which the invoice credited)."""
		cash = sale + withheld  # what reached (or left) the clearing account
		clearing = self.clearing
		pe = frappe.new_doc("Payment Entry")
		pe.update(
			{
				"payment_type": payment_type,
				"company": self.company,
				"posting_date": self.posting_date,
				"mode_of_payment": self.account.mode_of_payment,
				"party_type": "Customer",
				"party": invoice.customer,
				"paid_from": invoice.debit_to if payment_type == "Receive" else clearing,
				"paid_to": clearing if payment_type == "Receive" else invoice.debit_to,
				"paid_amount": float(abs(cash)),
				"received_amount": float(abs(cash)),
				"source_exchange_rate": self.rate,
				"target_exchange_rate": self.rate,
				"reference_no": self.doc.settlement_id,
				"reference_date": self.posting_date,
				"amazon_settlement": self.doc.name,
			}
		)
		for name, amount in allocations:
			pe.append(
				"references",
				{
					"reference_doctype": "Sales Invoice",
					"reference_name": name,
					"allocated_amount": float(amount),
				},
			)
		pe.setup_party_account_field()
		pe.set_missing_values()
		pe.set_missing_ref_details()
		pe.set_amounts()
		if withheld:
			pe.append(
				"deductions",
				{
					"account": self.account.marketplace_tax_account,
					"cost_center": self.cost_center,
					"amount": float(pe.difference_amount),
				},
			)
			pe.set_amounts()
		if flt(pe.difference_amount, pe.precision("difference_amount")):
			frappe.throw(_("Payment Entry does not balance: difference {0}.").format(pe.difference_amount))
		pe.flags.ignore_permissions = True
		pe.insert()
		pe.submit()
		return pe

	def book_fees(self) -> None:
		"""The Journal Entry of every fee, commission and adjustment of the settlement, each category of
		Amazon's money on its own account (see module docstring). A settlement that spans a month end books one
		entry per month Amazon posted the amounts in (dated at that month's end, the last at the settlement's
		posting date) when the account books fees by month, so each month's P&L carries its own fees."""
		from amazon_integration.erpnext.fee_accounts import FeeAccounts

		accounts = FeeAccounts(self.account, self.payout)
		groups = frappe.db.sql(
			f"""select category, amount_type, amount_description, marketplace, posted_month, sum(amount) as amount
			from `tab{FEE}` where settlement = %s
			group by category, amount_type, amount_description, marketplace, posted_month""",
			self.doc.name,
			as_dict=True,
		)
		# A settlement imported before its amounts were kept by category: the rest books as before.
		lines_total = _decimal(
			frappe.db.sql(f"select sum(fees_amount) from `tab{LINE}` where settlement = %s", self.doc.name)[0][0]
		)
		rest = lines_total - sum((_decimal(group.amount) for group in groups), ZERO)
		entries: dict = {}  # posting date -> {(account, cost center, category, marketplace): amount}
		months: dict = {}  # posting date -> the posted months it books
		suspense = ZERO
		resolved = {}
		for group in groups:
			category = FeeCategory(group.category)
			where = (group.category, group.amount_type, group.amount_description, group.marketplace)
			if where not in resolved:
				account, in_suspense = accounts.resolve(category, group.amount_type, group.amount_description)
				if not account:
					frappe.throw(
						_("Set the Amazon Fees Account or a Suspense Account on Amazon Account {0}.").format(
							self.account.name
						),
						title=_("Settlement Accounts Missing"),
					)
				resolved[where] = (account, accounts.cost_center(group.marketplace), in_suspense)
				frappe.db.sql(
					f"""update `tab{FEE}` set account = %s, cost_center = %s, in_suspense = %s
					where settlement = %s and category = %s and amount_type = %s and amount_description = %s
					and marketplace = %s""",
					(*resolved[where], self.doc.name, *where),
				)
			account, cost_center, in_suspense = resolved[where]
			posting_date = self._fee_date(group.posted_month)
			rows = entries.setdefault(posting_date, {})
			key = (account, cost_center, category.value, group.marketplace or "")
			rows[key] = rows.get(key, ZERO) + _decimal(group.amount)
			months.setdefault(posting_date, set()).add(group.posted_month or "")
			if in_suspense:
				suspense += _decimal(group.amount)
		if rest:
			rows = entries.setdefault(self.posting_date, {})
			key = (self.account.fees_account, self.cost_center, "", "")
			rows[key] = rows.get(key, ZERO) + rest
		je = None
		for posting_date, by_row in sorted(entries.items()):
			if not any(by_row.values()):
				continue
			je = self._fee_entry(by_row, posting_date, accounts.dimension_values)
			frappe.db.sql(
				f"""update `tab{FEE}` set journal_entry = %s, posting_date = %s
				where settlement = %s and ifnull(posted_month, '') in %s""",
				(je.name, posting_date, self.doc.name, tuple(months.get(posting_date) or {""})),
			)
		if je is None:
			return
		frappe.db.sql(
			f"""update `tab{LINE}` set booked_amount = booked_amount + fees_amount,
			status = if(line_type in ('Fee', 'Adjustment', 'Reimbursement', 'Unknown'), 'Booked', status)
			where settlement = %s and fees_amount != 0""",
			self.doc.name,
		)
		self.doc.db_set({"fees_journal_entry": je.name, "suspense_amount": float(suspense)})

	def _fee_date(self, posted_month: str | None):
		"""The posting date of amounts Amazon posted in `posted_month` ("YYYY-MM"): the end of that month when it
		ends before the settlement's posting date and the account books fees by month, else the settlement's."""
		if not posted_month or not self.account.get("fees_by_month"):
			return self.posting_date
		from frappe.utils import get_last_day

		month_end = get_last_day(getdate(f"{posted_month}-01"))
		return min(month_end, getdate(self.posting_date))

	def _fee_entry(self, by_row: dict, posting_date, dimension_values) -> Document:
		from erpnext.accounts.party import get_party_account

		payable = get_party_account("Supplier", self.account.amazon_supplier, self.company)
		supplier = {"party_type": "Supplier", "party": self.account.amazon_supplier}
		expense_categories = {category.value for category in EXPENSE_CATEGORIES}
		charged = sum(
			(amount for (_a, _c, category, _m), amount in by_row.items() if category in expense_categories or not category),
			ZERO,
		)
		# Labels bought from the Delivery Note were owed to Amazon when bought (erpnext/labels.py): their lines
		# settle that debt (fee_accounts.py routes them to the payable), they are no expense a second time.
		charged -= sum((amount for (account, *_rest), amount in by_row.items() if account == payable), ZERO)
		rows = [
			self._je_row(
				account,
				-amount,
				cost_center=cost_center,
				amazon_fee_category=category,
				# A dimension labelled "Amazon Marketplace" shares this field: it holds the marketplace's id then.
				**{"amazon_marketplace": marketplace, **dimension_values(marketplace)},
				**(supplier if account == payable else {}),
			)
			for (account, cost_center, category, marketplace), amount in sorted(by_row.items())
		]
		# Amazon's charges pass through its supplier ledger (billed and settled in the same voucher).
		rows += [
			self._je_row(payable, charged, **supplier),
			self._je_row(payable, -charged, **supplier),
			self._je_row(self.clearing, sum(by_row.values(), ZERO)),
		]
		rows = [row for row in rows if row["debit_in_account_currency"] or row["credit_in_account_currency"]]
		_balance_rounding(rows)
		return self._journal_entry(
			rows, _("Amazon fees and adjustments of settlement {0}").format(self.doc.name), posting_date
		)

	def book_payout(self) -> None:
		total = _decimal(self.doc.total_amount)
		if not total:
			return
		rows = [self._je_row(self.payout, total), self._je_row(self.clearing, -total)]
		je = self._journal_entry(
			rows, _("Amazon payout of settlement {0}").format(self.doc.name), getdate(self.doc.deposit_date)
		)
		self.doc.db_set("payout_journal_entry", je.name)

	def _je_row(self, account: str, amount: Decimal, **extra) -> dict:
		"""A Journal Entry row of an amount in the settlement's currency: a positive amount is a debit, a
		negative one a credit, in the account's own currency (the settlement's, or the company's converted
		at the settlement's rate, rounded alike on every row so the entry balances)."""
		currency = frappe.get_cached_value("Account", account, "account_currency")
		value, rate = float(amount), self.rate
		if currency != self.doc.currency:
			if currency != frappe.get_cached_value("Company", self.company, "default_currency"):
				frappe.throw(
					_("Account {0} is in {1}, neither the settlement's nor the company's currency.").format(
						account, currency
					)
				)
			value, rate = flt(value * self.rate, 2), 1.0
		row = {
			"account": account,
			"exchange_rate": rate,
			"debit_in_account_currency": max(value, 0),
			"credit_in_account_currency": max(-value, 0),
		}
		row.update(extra)
		return row

	def _journal_entry(self, rows: list[dict], remark: str, posting_date=None) -> Document:
		je = frappe.new_doc("Journal Entry")
		je.update(
			{
				"voucher_type": "Bank Entry",
				"company": self.company,
				"posting_date": posting_date or self.posting_date,
				"cheque_no": self.doc.settlement_id,
				"cheque_date": posting_date or self.posting_date,
				"user_remark": remark,
				"multi_currency": int(self.rate != 1),
				"amazon_settlement": self.doc.name,
			}
		)
		for row in rows:
			je.append("accounts", row)
		je.flags.ignore_permissions = True
		je.insert()
		je.submit()
		return je


def _decimal(value) -> Decimal:
	return Decimal(str(value or 0))


def _balance_rounding(rows: list[dict]) -> None:
	"""Rows converted to the company's currency one by one can miss balance by a cent or two: the largest
	company-currency row takes the difference (in a one-currency entry there is none)."""
	total = sum(
		(
			(_decimal(row["debit_in_account_currency"]) - _decimal(row["credit_in_account_currency"]))
			* _decimal(row["exchange_rate"])
		).quantize(Decimal("0.01"))
		for row in rows
	)
	company_rows = [row for row in rows if row["exchange_rate"] == 1.0]
	if not total or abs(total) > Decimal("0.05") or not company_rows:
		return
	row = max(company_rows, key=lambda r: r["debit_in_account_currency"] + r["credit_in_account_currency"])
	value = _decimal(row["debit_in_account_currency"]) - _decimal(row["credit_in_account_currency"]) - total
	row["debit_in_account_currency"] = float(max(value, ZERO))
	row["credit_in_account_currency"] = float(max(-value, ZERO))


# -- reconciliation -----------------------------------------------------------------------------------------


def booked_amount(settlement: Document) -> Decimal:
	"""What the settlement's Payment Entries and fee entry moved through the clearing account, plus the reserve
	Amazon holds (kept in the clearing account): read from the General Ledger."""
	accounts = settlement_accounts(frappe.get_doc("Amazon Account", settlement.amazon_account), settlement.currency)
	clearing = accounts[0] if accounts else ""
	moved = frappe.db.sql(
		"""select sum(gle.debit_in_account_currency - gle.credit_in_account_currency)
		from `tabGL Entry` gle
		where gle.account = %(clearing)s and gle.is_cancelled = 0 and (
			(gle.voucher_type = 'Payment Entry' and gle.voucher_no in (
				select name from `tabPayment Entry` where amazon_settlement = %(name)s and docstatus = 1))
			or (gle.voucher_type = 'Journal Entry' and gle.voucher_no in (
				select name from `tabJournal Entry` where amazon_settlement = %(name)s and docstatus = 1
				and name != %(payout)s)))""",
		{"clearing": clearing, "name": settlement.name, "payout": settlement.payout_journal_entry or ""},
	)[0][0]
	reserve = frappe.db.sql(
		f"select sum(amount) from `tab{LINE}` where settlement = %s and line_type = 'Reserve'",
		settlement.name,
	)[0][0]
	return _decimal(moved) + _decimal(reserve)


def lines_not_booked(settlement: str, limit: int | None = None) -> list[frappe._dict]:
	return frappe.db.sql(
		f"""select name, line_type, amazon_order_id, description, status, amount, booked_amount, error
		from `tab{LINE}` where settlement = %s and amount != booked_amount
		order by line_type, amazon_order_id {f"limit {int(limit)}" if limit else ""}""",
		settlement,
		as_dict=True,
	)


def refresh_reconciliation(settlement: str, booking_error: str | None = None) -> None:
	doc = frappe.get_doc("Amazon Settlement", settlement)
	if doc.docstatus != 1:
		return
	booked = booked_amount(doc)
	difference = _decimal(doc.total_amount) - booked
	open_lines = frappe.db.sql(
		f"select count(*) from `tab{LINE}` where settlement = %s and amount != booked_amount", settlement
	)[0][0]
	# A settlement that pays out nothing (a negative balance carried over or charged to the card) has no payout.
	paid_out = doc.payout_journal_entry or not doc.deposit_date or not _decimal(doc.total_amount)
	reconciled = not difference and not open_lines and paid_out
	doc.db_set(
		{
			"booked_amount": float(booked),
			"difference": float(difference),
			"unmatched_lines": open_lines,
			"booking_error": booking_error,
			"status": "Reconciled" if reconciled else "Unreconciled",
		}
	)


def reopen_payment_lines(payment_entry: Document) -> None:
	"""A cancelled Payment Entry of a settlement: its lines are open again, ready to be booked once more."""
	lines = frappe.get_all(
		LINE,
		filters={"payment_entry": payment_entry.name},
		fields=["name", "sale_amount", "withheld_tax"],
	)
	# The error keeps the hourly dispatcher from booking it again on its own: the user cancelled for a reason.
	reopened = _("Payment Entry {0} was cancelled: Book Open Lines books this line again.").format(payment_entry.name)
	for line in lines:
		frappe.db.sql(
			f"""update `tab{LINE}` set status = 'Matched', payment_entry = null, error = %s,
			booked_amount = booked_amount - %s where name = %s""",
			(reopened, flt(line.sale_amount) + flt(line.withheld_tax), line.name),
		)
	refresh_reconciliation(payment_entry.amazon_settlement)


def check_can_cancel(doc: Document) -> None:
	standing = [
		*frappe.get_all("Payment Entry", {"amazon_settlement": doc.name, "docstatus": 1}, pluck="name"),
		*frappe.get_all("Journal Entry", {"amazon_settlement": doc.name, "docstatus": 1}, pluck="name"),
	]
	if standing:
		frappe.throw(
			_("Cancel the entries made from settlement {0} first: {1}").format(
				doc.name,
				", ".join(standing[:20])
				+ (" " + _("and {0} more").format(len(standing) - 20) if len(standing) > 20 else ""),
			),
			title=_("Settlement Has Entries"),
		)
