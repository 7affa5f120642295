# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

"""Per submitted settlement: Amazon's total against what the ledger shows booked. The difference must be 0.00;
when it is not, the lines that are not (fully) booked are named."""

import frappe
from frappe import _
from frappe.utils import flt

from amazon_integration.erpnext.settlements import booked_amount, lines_not_booked

LINES_SHOWN = 20


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	return columns(), data(filters)


def columns() -> list[dict]:
	return [
		{"fieldname": "settlement", "label": _("Amazon Settlement"), "fieldtype": "Link", "options": "Amazon Settlement", "width": 140},
		{"fieldname": "amazon_account", "label": _("Amazon Account"), "fieldtype": "Link", "options": "Amazon Account", "width": 140},
		{"fieldname": "deposit_date", "label": _("Deposit Date"), "fieldtype": "Datetime", "width": 150},
		{"fieldname": "currency", "label": _("Currency"), "fieldtype": "Link", "options": "Currency", "width": 70},
		{"fieldname": "total_amount", "label": _("Amazon Total"), "fieldtype": "Currency", "options": "currency", "width": 130},
		{"fieldname": "booked", "label": _("Booked"), "fieldtype": "Currency", "options": "currency", "width": 130},
		{"fieldname": "difference", "label": _("Difference"), "fieldtype": "Currency", "options": "currency", "width": 110},
		{"fieldname": "paid_out", "label": _("Paid Out"), "fieldtype": "Currency", "options": "currency", "width": 120},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 110},
		{"fieldname": "lines_not_booked", "label": _("Lines Not Booked"), "fieldtype": "Small Text", "width": 400},
	]  # fmt: skip


def data(filters: frappe._dict) -> list[dict]:
	conditions = {"docstatus": 1}
	if filters.amazon_account:
		conditions["amazon_account"] = filters.amazon_account
	if filters.settlement:
		conditions["name"] = filters.settlement
	if filters.from_date and filters.to_date:
		conditions["deposit_date"] = ("between", [filters.from_date, filters.to_date])
	elif filters.from_date:
		conditions["deposit_date"] = (">=", filters.from_date)
	elif filters.to_date:
		conditions["deposit_date"] = ("<=", filters.to_date)
	rows = []
	for settlement in frappe.get_list(
		"Amazon Settlement",
		filters=conditions,
		fields=[
			"name",
			"amazon_account",
			"deposit_date",
			"currency",
			"total_amount",
			"payout_journal_entry",
			"status",
		],
		order_by="deposit_date desc",
	):
		booked = booked_amount(settlement)
		difference = flt(flt(settlement.total_amount) - float(booked), 2)
		if filters.only_differences and not difference:
			continue
		rows.append(
			{
				"settlement": settlement.name,
				"amazon_account": settlement.amazon_account,
				"deposit_date": settlement.deposit_date,
				"currency": settlement.currency,
				"total_amount": settlement.total_amount,
				"booked": float(booked),
				"difference": difference,
				"paid_out": _paid_out(settlement),
				"status": _(settlement.status),
				"lines_not_booked": _describe(settlement.name) if difference else "",
			}
		)
	return rows


def _paid_out(settlement: frappe._dict) -> float:
	"""Amazon's total once its payout entry stands (negative when Amazon debited the seller's bank)."""
	journal_entry = settlement.payout_journal_entry
	if not journal_entry or frappe.db.get_value("Journal Entry", journal_entry, "docstatus") != 1:
		return 0.0
	return flt(settlement.total_amount)


def _describe(settlement: str) -> str:
	lines = lines_not_booked(settlement, limit=LINES_SHOWN + 1)
	parts = [
		_("{0} {1}: {2} not booked ({3})").format(
			_(line.line_type),
			line.amazon_order_id or line.description,
			flt(flt(line.amount) - flt(line.booked_amount), 2),
			_(line.status),
		)
		for line in lines[:LINES_SHOWN]
	]
	if len(lines) > LINES_SHOWN:
		parts.append(_("and more: see the settlement's lines"))
	return "; ".join(parts)
