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

from amazon_integration.erpnext.charges import quantities_done
from amazon_integration.erpnext.texts import translated
from amazon_integration.domain.orders import cumulative_share


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
	from amazon_integration.erpnext.transactions import savepoint

	try:
		with savepoint("amazon_invoice"):
			make_invoice(dn)
	except frappe.ValidationError as e:
		return _("The Sales Invoice of Delivery Note {0} could not be made: {1}").format(
			dn.name, frappe.utils.strip_html(translated(e))
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
	"""Set the Amazon tax rows of a Delivery Note or Sales Invoice to the share its rows carry.

	A product line's tax and the tax of its charges are shared by the line's units, each amount on its own
	(as Amazon shares them per shipment); a row that follows no line is shared by its own quantity.
	"""
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
	done = quantities_done(doc, list(so_rows))
	in_doc: dict[str, Decimal] = {}
	for row in doc.items:
		if row.get("so_detail") in so_rows:
			in_doc[row.so_detail] = in_doc.get(row.so_detail, Decimal(0)) + Decimal(str(row.qty))

	# (rows sharing one tax, units in the whole order, units before this document, units in it)
	groups: dict[tuple, list] = {}
	for row in so_rows.values():
		line = row.amazon_order_item_id or row.amazon_charge_for
		groups.setdefault((line, row.amazon_charge or "") if line else (row.name,), []).append(row)
	shares = []
	for key, rows in groups.items():
		units_of = [r for r in groups.get((key[0], ""), []) if r.amazon_order_item_id] if len(key) == 2 else rows
		if not units_of:
			units_of = rows
		whole = sum((Decimal(str(r.qty)) for r in units_of), Decimal(0))
		before = sum((done.get(r.name, Decimal(0)) for r in units_of), Decimal(0))
		here = sum((in_doc.get(r.name, Decimal(0)) for r in units_of), Decimal(0))
		if here:
			shares.append((rows, whole, before, here))
	for tax in doc.taxes:
		field = fields.get(tax.account_head)
		if tax.charge_type != "Actual" or not field:
			continue
		amount = Decimal(0)
		for rows, whole, before, here in shares:
			total = sum((Decimal(str(r.get(field) or 0)) for r in rows), Decimal(0))
			if total and any(r.amazon_tax_included for r in rows):
				# Amazon's price held the tax: the shipment's tax is its share of the gross less its net share.
				net = sum((Decimal(str(r.rate)) * Decimal(str(r.qty)) for r in rows), Decimal(0))
				for value, sign in ((net + total, 1), (net, -1)):
					amount += sign * (
						cumulative_share(value, before + here, whole, unit) - cumulative_share(value, before, whole, unit)
					)
				continue
			amount += cumulative_share(total, before + here, whole, unit) - cumulative_share(total, before, whole, unit)
		tax.tax_amount = float(amount)


def _amazon_order_rows(doc: Document) -> dict[str, frappe._dict]:
	"""Every row of the Amazon order the document's rows come from."""
	names = [row.so_detail for row in doc.items if row.get("so_detail")]
	if not names:
		return {}
	parents = frappe.get_all("Sales Order Item", filters={"name": ("in", names)}, pluck="parent", distinct=True)
	amazon = frappe.get_all("Sales Order", filters={"name": ("in", parents), "amazon_order_id": ("is", "set")}, pluck="name")
	if not amazon:
		return {}
	rows = frappe.get_all(
		"Sales Order Item",
		filters={"parent": ("in", amazon)},
		fields=[
			"name", "parent", "qty", "rate", "amazon_seller_tax", "amazon_withheld_tax", "amazon_order_item_id",
			"amazon_charge", "amazon_charge_for", "amazon_tax_included",
		],
	)
	return {row.name: row for row in rows}


