"""Sales Invoices of Amazon orders, and the exact tax of every partial delivery or invoice.

ERPNext copies an "Actual" tax row whole onto each Delivery Note and Sales Invoice made from an order, so
a partial delivery would carry the whole order's tax. Every Sales Order row of an Amazon order records
its share of the tax (seller-collected and Amazon-collected); a Delivery Note or invoice of part of a row
carries the part of that share its quantity earns, rounded cumulatively, so the parts always add up to
Amazon's tax to the cent.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_invoice
from frappe import _
from frappe.model.document import Document

from amazon_integration.sync.orders import cumulative_share


def make_invoice(dn: Document) -> Document:
	"""A submitted Sales Invoice for what a Delivery Note shipped."""
	from amazon_integration.erpnext.sales_orders import submit_as_saved

	si = make_sales_invoice(dn.name)
	si.debit_to = receivable_account(si.company, si.currency) or si.debit_to
	si.flags.ignore_permissions = True
	si.insert()
	submit_as_saved(si)
	return si


def try_make_invoice(dn: Document) -> str | None:
	"""Invoice a delivery, or say why not: an invoice ERPNext refuses never undoes the delivery."""
	from amazon_integration.erpnext.sales_orders import savepoint

	try:
		with savepoint("amazon_invoice"):
			make_invoice(dn)
	except frappe.ValidationError as e:
		return _("The Sales Invoice of Delivery Note {0} could not be made: {1}").format(
			dn.name, frappe.utils.strip_html(str(e))
		)
	return None


def receivable_account(company: str, currency: str) -> str | None:
	"""ERPNext bills a foreign-currency invoice to a receivable account in that currency."""
	if currency == frappe.get_cached_value("Company", company, "default_currency"):
		return None
	return frappe.db.get_value(
		"Account",
		{"company": company, "account_type": "Receivable", "account_currency": currency, "is_group": 0, "disabled": 0},
		"name",
	)


def prorate_amazon_taxes(doc: Document) -> None:
	"""Set the Amazon tax rows of a Delivery Note or Sales Invoice to the share its rows carry."""
	if doc.get("is_return") or not doc.get("taxes"):
		return
	so_rows = _amazon_order_rows(doc)
	if not so_rows:
		return
	order = frappe.db.get_value(
		"Sales Order", next(iter(so_rows.values())).parent, ["amazon_account", "currency"], as_dict=True
	)
	accounts = frappe.db.get_value(
		"Amazon Account", order.amazon_account, ["sales_tax_account", "marketplace_tax_account"], as_dict=True
	)
	fields = {accounts.sales_tax_account: "amazon_seller_tax", accounts.marketplace_tax_account: "amazon_withheld_tax"}
	unit = Decimal(1).scaleb(-doc.precision("grand_total"))
	done = _quantities_done(doc, so_rows)
	for tax in doc.taxes:
		field = fields.get(tax.account_head)
		if tax.charge_type != "Actual" or not field:
			continue
		amount = Decimal(0)
		for row in doc.items:
			so_row = so_rows.get(row.get("so_detail"))
			if not so_row:
				continue
			row_tax = Decimal(str(so_row.get(field) or 0))
			before = done.get(so_row.name, 0)
			qty = Decimal(str(row.qty))
			amount += cumulative_share(row_tax, before + qty, Decimal(str(so_row.qty)), unit)
			amount -= cumulative_share(row_tax, before, Decimal(str(so_row.qty)), unit)
			done[so_row.name] = before + qty
		tax.tax_amount = float(amount)


def _amazon_order_rows(doc: Document) -> dict[str, frappe._dict]:
	names = [row.so_detail for row in doc.items if row.get("so_detail")]
	if not names:
		return {}
	rows = frappe.get_all(
		"Sales Order Item",
		filters={"name": ("in", names)},
		fields=["name", "parent", "qty", "amazon_seller_tax", "amazon_withheld_tax"],
	)
	parents = {row.parent for row in rows}
	if not frappe.db.exists("Sales Order", {"name": ("in", list(parents)), "amazon_order_id": ("is", "set")}):
		return {}
	return {row.name: row for row in rows}


def _quantities_done(doc: Document, so_rows: dict) -> dict[str, Decimal]:
	"""Quantities of each order row already delivered (Delivery Note) or invoiced (Sales Invoice) elsewhere."""
	done: dict[str, Decimal] = {}
	for row in frappe.get_all(
		f"{doc.doctype} Item",
		filters={"so_detail": ("in", list(so_rows)), "docstatus": 1, "parent": ("!=", doc.name or "")},
		fields=["so_detail", "qty"],
	):
		done[row.so_detail] = done.get(row.so_detail, Decimal(0)) + Decimal(str(row.qty))
	return done
