# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt
"""Amazon Profit: what each order, SKU or marketplace earned in a period, in company currency, read from the
general ledger (erpnext/profit.py): net sales (tax out), refunds, reimbursements, each of Amazon's fee
categories, cost of goods from the stock ledger, and the contribution margin with its percentage.

Money Amazon ties to no order (subscription, advertising without a SKU) is on rows of its own, "marketplace
level". Expected fees (Amazon's Finances transactions of orders whose settlement has not booked) are a column
apart, never part of the margin: the booked amounts replace them once the settlement books.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, getdate

from amazon_integration.erpnext.profit import FEE_COLUMNS, MARKETPLACE, ORDER, SKU, fee_field, profit


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	validate_filters(filters)
	lines, totals = profit(filters)
	columns = get_columns(filters, totals)
	data = [_row(line, filters) for line in lines]
	# Frappe's total row reads a dict row only as far as its number of keys: every row has every column.
	for row in data:
		for column in columns:
			row.setdefault(column["fieldname"], None)
	return columns, data, None, get_chart(data, filters), get_summary(totals)


def validate_filters(filters: frappe._dict) -> None:
	if not filters.get("company"):
		frappe.throw(_("Select a Company."), title=_("Missing Filter"))
	if not filters.get("from_date") or not filters.get("to_date"):
		frappe.throw(_("Select a period (From Date and To Date)."), title=_("Missing Filter"))
	if getdate(filters.from_date) > getdate(filters.to_date):
		frappe.throw(_("From Date must be before To Date."), title=_("Invalid Period"))
	if filters.get("group_by") and filters.group_by not in (ORDER, SKU, MARKETPLACE):
		frappe.throw(_("Group by Order, SKU or Marketplace."), title=_("Invalid Filter"))


def _money(fieldname: str, label: str, width: int = 120) -> dict:
	return {"fieldname": fieldname, "label": label, "fieldtype": "Currency", "options": "currency", "width": width}


def get_columns(filters: frappe._dict, totals: dict) -> list[dict]:
	group_by = filters.get("group_by") or ORDER
	columns: list[dict] = []
	if group_by == ORDER:
		columns += [
			{"fieldname": "amazon_order_id", "label": _("Amazon Order ID"), "fieldtype": "Data", "width": 190},
			{"fieldname": "sales_invoice", "label": _("Sales Invoice"), "fieldtype": "Link", "options": "Sales Invoice", "width": 150},
			{"fieldname": "delivery_note", "label": _("Delivery Note"), "fieldtype": "Link", "options": "Delivery Note", "width": 150},
			{"fieldname": "journal_entry", "label": _("Fee Entry"), "fieldtype": "Link", "options": "Journal Entry", "width": 150},
		]
	elif group_by == SKU:
		columns.append({"fieldname": "item_code", "label": _("Item (SKU)"), "fieldtype": "Link", "options": "Item", "width": 180})
	columns.append({"fieldname": "marketplace", "label": _("Marketplace"), "fieldtype": "Data", "width": 120})
	columns += [
		_money("net_sales", _("Net Sales")),
		_money("refunds", _("Refunds")),
		_money("reimbursements", _("Reimbursements")),
	]
	# A column for each fee category the period has (an empty one says nothing).
	for category in FEE_COLUMNS:
		if flt(totals.get(fee_field(category)), 2):
			columns.append(_money(fee_field(category), _(category.value)))
	columns += [
		_money("total_fees", _("Amazon Fees")),
		_money("cogs", _("Cost of Goods")),
		_money("margin", _("Contribution Margin"), 150),
		{"fieldname": "margin_percent", "label": _("Margin %"), "fieldtype": "Percent", "width": 90},
		_money("expected_fees", _("Expected Fees (not booked)"), 170),
		{"fieldname": "currency", "label": _("Currency"), "fieldtype": "Link", "options": "Currency", "hidden": 1},
	]
	return columns


def _row(line, filters: frappe._dict) -> dict:
	row = {
		"amazon_order_id": line.order_id,
		"item_code": line.item_code,
		"marketplace": line.marketplace,
		"sales_invoice": line.documents.get("Sales Invoice"),
		"delivery_note": line.documents.get("Delivery Note"),
		"journal_entry": line.documents.get("Journal Entry"),
		"currency": frappe.get_cached_value("Company", filters.company, "default_currency"),
	}
	row.update({field: flt(amount, 2) for field, amount in line.amounts.items()})
	group_by = filters.get("group_by") or ORDER
	if group_by != MARKETPLACE and not line.key[0]:
		row["level_note"] = _("Marketplace level: not tied to an order") if group_by == ORDER else _("Marketplace level: no SKU")
	return row


def get_chart(data: list[dict], filters: frappe._dict) -> dict | None:
	"""Contribution margin by marketplace (the workspace chart), or of the ten largest rows."""
	group_by = filters.get("group_by") or ORDER
	if group_by == MARKETPLACE:
		rows = data
	else:
		by_market: dict[str, float] = {}
		for row in data:
			by_market[row.get("marketplace") or ""] = by_market.get(row.get("marketplace") or "", 0.0) + flt(row.get("margin"))
		rows = [{"marketplace": name, "margin": margin} for name, margin in by_market.items()]
	if not rows:
		return None
	# By SKU, a SKU sold on several marketplaces is on none of them alone.
	none = _("Several Marketplaces") if group_by == SKU else _("No Marketplace")
	return {
		"data": {
			"labels": [row.get("marketplace") or none for row in rows],
			"datasets": [{"name": _("Contribution Margin"), "values": [flt(row.get("margin"), 2) for row in rows]}],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}


def get_summary(totals: dict) -> list[dict]:
	margin = flt(totals.get("margin"), 2)
	return [
		{"label": _("Net Sales"), "value": flt(totals.get("net_sales"), 2), "datatype": "Currency", "indicator": "Blue"},
		{"label": _("Amazon Fees"), "value": flt(totals.get("total_fees"), 2), "datatype": "Currency", "indicator": "Orange"},
		{"label": _("Cost of Goods"), "value": flt(totals.get("cogs"), 2), "datatype": "Currency", "indicator": "Orange"},
		{"label": _("Contribution Margin"), "value": margin, "datatype": "Currency", "indicator": "Green" if margin >= 0 else "Red"},
		{"label": _("Margin %"), "value": flt(totals.get("margin_percent"), 1), "datatype": "Percent"},
		{"label": _("Expected Fees (not booked)"), "value": flt(totals.get("expected_fees"), 2), "datatype": "Currency", "indicator": "Grey"},
	]
