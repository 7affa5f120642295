"""What each Amazon order, SKU and marketplace earned in a period: the general ledger seen per order.

Every booked amount is read from GL Entries (company currency, posting date in the period), never from the
app's own records, so the report's totals are the ledger's:
- net sales and refunds: the Income-account GL Entries of the orders' Sales Invoices and credit notes (tax is
  on tax accounts, so it is out). An invoice's amount is split over its SKUs by its rows' net amounts; a
  shipping, gift wrap or promotion row goes with the product row it follows (`amazon_charge_for`);
- fees, reimbursements and adjustments: the GL Entries of the settlements' fee entries, per entry, account and
  cost center, split over the entry's `Amazon Settlement Fee` records (money branch, erpnext/settlements.py:
  the records with the same journal entry, account and cost center add up to that GL amount) by their amounts.
  A record with an order goes to the order (and its SKU, else the order's SKUs by their net sales); one with a
  SKU only (storage by SKU) to that SKU; the rest (subscription, advertising) stays at marketplace level;
- cost of goods: the stock value the orders' Delivery Notes (and stock-updating invoices) took out of the
  stock ledger, returns back in (Stock Ledger Entries, valued as ERPNext valued them).
Seller Repayments and Lending Repayments are the seller's own money moving (bank, lender), not profit or
loss: they are left out. Unknown amounts (in suspense) are shown, and count against the margin.

Expected fees (`Amazon Expected Fee`, erpnext/expected_fees.py) are shown apart, in their own column, and only
while nothing of the order (or, for account-level money, of its settlement) is booked yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import frappe
from frappe.utils import flt, getdate

from amazon_integration.domain.fees import BALANCE_CATEGORIES, FEE_ENTRY_CATEGORIES, FeeCategory
from amazon_integration.domain.profit import allocate, contribution_margin

ORDER, SKU, MARKETPLACE = "Order", "SKU", "Marketplace"
# The fee-entry categories the report shows, in FeeCategory's order; Reimbursements have a column of their own.
FEE_COLUMNS: tuple[FeeCategory, ...] = tuple(
	category
	for category in FEE_ENTRY_CATEGORIES
	if category not in BALANCE_CATEGORIES and category is not FeeCategory.REIMBURSEMENTS
)
NO_ORDER = ""  # the key of money tied to no order: marketplace (or SKU) level


def fee_field(category: FeeCategory) -> str:
	return "fee_" + frappe.scrub(category.value)


@dataclass
class Piece:
	"""One amount of the ledger attributed to an order (or none), item and marketplace."""

	order_id: str
	item_code: str
	marketplace: str
	field: str  # net_sales | refunds | reimbursements | fee_<category> | cogs | expected_fees
	amount: float
	document: tuple[str, str] | None = None  # (doctype, name) to drill down to


@dataclass
class Line:
	key: tuple[str, ...]
	order_id: str = ""
	item_code: str = ""
	marketplace: str = ""
	amounts: dict[str, float] = field(default_factory=lambda: defaultdict(float))
	documents: dict[str, str] = field(default_factory=dict)  # doctype -> first document


def profit(filters: frappe._dict) -> tuple[list[Line], dict[str, float]]:
	"""The period's lines grouped by filters.group_by, and the ledger totals per field (for the summary)."""
	orders = _orders(filters)
	pieces: list[Piece] = []
	pieces += _sales(filters, orders)
	pieces += _fees(filters, orders)
	pieces += _cogs(filters, orders)
	if filters.get("show_expected", 1):
		pieces += _expected(filters, orders)
	group_by = filters.get("group_by") or ORDER
	lines: dict[tuple[str, ...], Line] = {}
	totals: dict[str, float] = defaultdict(float)
	for piece in pieces:
		if group_by == MARKETPLACE:
			key: tuple[str, ...] = (piece.marketplace,)
		elif group_by == SKU:
			key = (piece.item_code, piece.marketplace if not piece.item_code else "")
		else:
			key = (piece.order_id, piece.marketplace if not piece.order_id else "")
		line = lines.get(key)
		if line is None:
			line = lines[key] = Line(key, marketplace=piece.marketplace)
			if group_by == ORDER:
				line.order_id = piece.order_id
			if group_by == SKU:
				line.item_code = piece.item_code
		elif line.marketplace != piece.marketplace:
			line.marketplace = ""  # a SKU sold on several marketplaces: the row is theirs together
		line.amounts[piece.field] += piece.amount
		totals[piece.field] += piece.amount
		if piece.document and piece.document[0] not in line.documents:
			line.documents[piece.document[0]] = piece.document[1]
	for line in lines.values():
		_margin(line.amounts)
	_margin(totals)
	return sorted(lines.values(), key=lambda line: (not line.key[0], line.key)), totals


def _margin(amounts: dict[str, float]) -> None:
	fees = sum((_cents(amounts.get(fee_field(category))) for category in FEE_COLUMNS), Decimal(0))
	margin, percent = contribution_margin(
		_cents(amounts.get("net_sales")),
		_cents(amounts.get("refunds")),
		_cents(amounts.get("reimbursements")),
		fees,
		_cents(amounts.get("cogs")),
	)
	amounts["total_fees"] = float(fees)
	amounts["margin"] = float(margin)
	amounts["margin_percent"] = float(percent)


def _cents(value) -> Decimal:
	return Decimal(str(flt(value, 2)))


# -- orders -----------------------------------------------------------------------------------------------


@dataclass
class OrderInfo:
	marketplace: str  # Amazon's marketplace name ("Amazon.de"), as the settlement writes it
	item_weights: dict[str, float] = field(default_factory=dict)  # item -> net sales, to split order fees


def _orders(filters: frappe._dict) -> dict[str, OrderInfo]:
	"""The company's (or account's) Amazon orders: id -> marketplace."""
	conditions = {"company": filters.company, "docstatus": 1, "amazon_order_id": ("is", "set")}
	if filters.get("amazon_account"):
		conditions["amazon_account"] = filters.amazon_account
	names = {
		row.name: row.marketplace_name
		for row in frappe.get_all("Amazon Marketplace", fields=["name", "marketplace_name"])
	}
	return {
		row.amazon_order_id: OrderInfo(names.get(row.amazon_marketplace) or row.amazon_marketplace or "")
		for row in frappe.get_all("Sales Order", filters=conditions, fields=["amazon_order_id", "amazon_marketplace"])
	}


def _period(filters: frappe._dict) -> dict:
	return {"company": filters.company, "from_date": getdate(filters.from_date), "to_date": getdate(filters.to_date)}


# -- sales and refunds --------------------------------------------------------------------------------------


def _sales(filters: frappe._dict, orders: dict[str, OrderInfo]) -> list[Piece]:
	ledger = frappe.db.sql(
		"""select gle.voucher_no as invoice, si.amazon_order_id as order_id, si.is_return,
			sum(gle.credit - gle.debit) as amount
		from `tabGL Entry` gle
		join `tabSales Invoice` si on si.name = gle.voucher_no
		join `tabAccount` acc on acc.name = gle.account
		where gle.voucher_type = 'Sales Invoice' and gle.is_cancelled = 0 and gle.company = %(company)s
			and gle.posting_date between %(from_date)s and %(to_date)s and acc.root_type = 'Income'
			and ifnull(si.amazon_order_id, '') != ''
		group by gle.voucher_no, si.amazon_order_id, si.is_return""",
		_period(filters),
		as_dict=True,
	)
	ledger = [row for row in ledger if row.order_id in orders]
	rows = _invoice_rows([row.invoice for row in ledger])
	pieces = []
	for row in ledger:
		order = orders[row.order_id]
		target = "refunds" if row.is_return else "net_sales"
		for item_code, amount in _split(flt(row.amount), rows.get(row.invoice) or {"": 1.0}).items():
			pieces.append(Piece(row.order_id, item_code, order.marketplace, target, amount, ("Sales Invoice", row.invoice)))
			if not row.is_return:
				order.item_weights[item_code] = order.item_weights.get(item_code, 0.0) + amount
	return pieces


def _invoice_rows(invoices: list[str]) -> dict[str, dict[str, float]]:
	"""Invoice -> product item -> net amount; a charge row (shipping...) counts for the product it follows."""
	found: dict[str, dict[str, float]] = defaultdict(dict)
	if not invoices:
		return found
	rows = frappe.get_all(
		"Sales Invoice Item",
		filters={"parent": ("in", invoices)},
		fields=["parent", "item_code", "base_net_amount", "amazon_order_item_id", "amazon_charge_for"],
		order_by="idx asc",
	)
	products = {(row.parent, row.amazon_order_item_id): row.item_code for row in rows if row.amazon_order_item_id}
	for row in rows:
		item_code = row.item_code
		if row.amazon_charge_for:
			item_code = products.get((row.parent, row.amazon_charge_for), item_code)
		found[row.parent][item_code] = found[row.parent].get(item_code, 0.0) + flt(row.base_net_amount)
	return found


def _split(amount: float, weights: dict) -> dict:
	"""An amount over keys by weight, to the cent: the parts add up to the amount exactly (domain/profit.py)."""
	parts = allocate(_cents(amount), {key: Decimal(str(flt(weight))) for key, weight in weights.items()})
	return {key: float(part) for key, part in parts.items()}


# -- fees -----------------------------------------------------------------------------------------------------


def _fees(filters: frappe._dict, orders: dict[str, OrderInfo]) -> list[Piece]:
	if not frappe.db.table_exists("Amazon Settlement Fee"):
		return []
	params = _period(filters)
	account_filter = ""
	if filters.get("amazon_account"):
		account_filter = "and st.amazon_account = %(amazon_account)s"
		params["amazon_account"] = filters.amazon_account
	# The fee entries' GL (a settlement may book one per month), per entry, account and cost center: ERPNext
	# merges a voucher's rows alike, so that is as fine as the ledger goes.
	ledger = frappe.db.sql(
		f"""select gle.voucher_no as journal_entry, gle.account, gle.cost_center,
			sum(gle.credit - gle.debit) as amount
		from `tabGL Entry` gle
		where gle.voucher_type = 'Journal Entry' and gle.is_cancelled = 0 and gle.company = %(company)s
			and gle.posting_date between %(from_date)s and %(to_date)s
			and gle.voucher_no in (
				select sf.journal_entry from `tabAmazon Settlement Fee` sf
				join `tabAmazon Settlement` st on st.name = sf.settlement
				where ifnull(sf.journal_entry, '') != '' {account_filter})
		group by gle.voucher_no, gle.account, gle.cost_center""",
		params,
		as_dict=True,
	)
	if not ledger:
		return []
	records: dict[tuple[str, str, str], list] = defaultdict(list)
	for record in frappe.get_all(
		"Amazon Settlement Fee",
		filters={"journal_entry": ("in", list({row.journal_entry for row in ledger}))},
		fields=["journal_entry", "account", "cost_center", "category", "amazon_order_id", "sku", "marketplace", "amount"],
	):
		records[(record.journal_entry, record.account, record.cost_center)].append(record)
	items = _sku_items(record.sku for group in records.values() for record in group if record.sku)
	shown = {category.value: fee_field(category) for category in FEE_COLUMNS}
	shown[FeeCategory.REIMBURSEMENTS.value] = "reimbursements"
	pieces = []
	for row in ledger:
		group = records.get((row.journal_entry, row.account, row.cost_center))
		if not group:
			continue  # the clearing, payable and payout rows: no profit or loss
		parts = _split(flt(row.amount), {index: flt(record.amount) for index, record in enumerate(group)})
		for index, amount in parts.items():
			record = group[index]
			target = shown.get(record.category)
			if not target or not amount:
				continue
			order_id = record.amazon_order_id if record.amazon_order_id in orders else NO_ORDER
			marketplace = orders[order_id].marketplace if order_id else (record.marketplace or "")
			document = ("Journal Entry", row.journal_entry)
			if record.sku:
				pieces.append(Piece(order_id, items.get(record.sku, record.sku), marketplace, target, amount, document))
			elif order_id:
				for item_code, share in _split(amount, orders[order_id].item_weights or {"": 1.0}).items():
					pieces.append(Piece(order_id, item_code, marketplace, target, share, document))
			else:
				pieces.append(Piece(NO_ORDER, "", marketplace, target, amount, document))
	return pieces


def _sku_items(skus: Iterable[str]) -> dict[str, str]:
	"""Amazon SKU -> ERPNext item (Amazon SKU Mapping; else an item of the same code)."""
	wanted = set(skus)
	if not wanted:
		return {}
	found = {
		row.seller_sku: row.item_code
		for row in frappe.get_all(
			"Amazon SKU Mapping", filters={"seller_sku": ("in", list(wanted))}, fields=["seller_sku", "item_code"]
		)
	}
	for sku in wanted - set(found):
		if frappe.db.exists("Item", sku):
			found[sku] = sku
	return found


# -- cost of goods ------------------------------------------------------------------------------------------


def _cogs(filters: frappe._dict, orders: dict[str, OrderInfo]) -> list[Piece]:
	pieces = []
	for doctype, child in (("Delivery Note", "Delivery Note Item"), ("Sales Invoice", "Sales Invoice Item")):
		for row in frappe.db.sql(
			f"""select sle.voucher_no, doc.amazon_order_id as order_id, child.item_code,
				sum(sle.stock_value_difference) as value
			from `tabStock Ledger Entry` sle
			join `tab{doctype}` doc on doc.name = sle.voucher_no
			join `tab{child}` child on child.name = sle.voucher_detail_no
			where sle.voucher_type = %(doctype)s and sle.is_cancelled = 0 and sle.company = %(company)s
				and sle.posting_date between %(from_date)s and %(to_date)s and ifnull(doc.amazon_order_id, '') != ''
			group by sle.voucher_no, doc.amazon_order_id, child.item_code""",
			{**_period(filters), "doctype": doctype},
			as_dict=True,
		):
			if row.order_id in orders:
				order = orders[row.order_id]
				pieces.append(
					Piece(row.order_id, row.item_code, order.marketplace, "cogs", -flt(row.value), (doctype, row.voucher_no))
				)
	return pieces


# -- expected -------------------------------------------------------------------------------------------------


def _expected(filters: frappe._dict, orders: dict[str, OrderInfo]) -> list[Piece]:
	"""Amazon's expected fees of the period not booked yet, in company currency (module docstring)."""
	if not frappe.db.table_exists("Amazon Expected Fee"):
		return []
	accounts = frappe.get_all("Amazon Account", filters={"company": filters.company}, pluck="name")
	if filters.get("amazon_account"):
		accounts = [account for account in accounts if account == filters.amazon_account]
	if not accounts:
		return []
	rows = frappe.db.sql(
		"""select ef.amazon_order_id as order_id, ef.sku, ef.marketplace, ef.category, ef.currency, ef.amount,
			date(ef.posted) as posted
		from `tabAmazon Expected Fee` ef
		where ef.amazon_account in %(accounts)s and date(ef.posted) between %(from_date)s and %(to_date)s
			and not exists (
				select 1 from `tabAmazon Settlement Fee` sf
				where ef.amazon_order_id != '' and sf.amazon_order_id = ef.amazon_order_id
					and ifnull(sf.journal_entry, '') != '')
			and not exists (
				select 1 from `tabAmazon Settlement` st
				where st.settlement_id = ef.financial_event_group and ifnull(st.fees_journal_entry, '') != '')""",
		{**_period(filters), "accounts": accounts},
		as_dict=True,
	)
	wanted = {category.value for category in FEE_COLUMNS} | {FeeCategory.REIMBURSEMENTS.value}
	company_currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	items = _sku_items(row.sku for row in rows if row.sku)
	rates: dict[tuple, float] = {}
	pieces = []
	for row in rows:
		if row.category not in wanted:
			continue
		rate = 1.0
		if row.currency and row.currency != company_currency:
			from erpnext.setup.utils import get_exchange_rate

			key = (row.currency, row.posted)
			if key not in rates:
				rates[key] = flt(get_exchange_rate(row.currency, company_currency, row.posted)) or 1.0
			rate = rates[key]
		order_id = row.order_id if row.order_id in orders else NO_ORDER
		marketplace = orders[order_id].marketplace if order_id else (row.marketplace or "")
		item_code = items.get(row.sku, row.sku or "")
		pieces.append(Piece(order_id, item_code, marketplace, "expected_fees", flt(flt(row.amount) * rate, 2)))
	return pieces
