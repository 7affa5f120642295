# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt
"""Amazon's FBA pool (read live from Amazon) against ERPNext's stock in the FBA warehouse(s) of the registrations
sharing it; see erpnext/stock.py for how registrations map onto the pool."""

import frappe
from frappe import _


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not filters.amazon_account:
		# The only enabled account needs no picking (the filter then shows it); with several, the user picks.
		enabled = frappe.get_all("Amazon Account", filters={"enabled": 1}, pluck="name", limit=2)
		if len(enabled) != 1:
			return columns(), [], _("Pick an Amazon Account.")
		filters.amazon_account = enabled[0]
	frappe.get_doc("Amazon Account", filters.amazon_account).check_permission("read")
	from amazon_integration.amazon.errors import AmazonError
	from amazon_integration.erpnext.stock import fba_reconciliation
	from amazon_integration.erpnext.texts import translated

	try:
		rows = fba_reconciliation(filters.amazon_account)
	except AmazonError as e:
		frappe.throw(_("Amazon answered: {0}").format(translated(e)), title=_("Amazon FBA Inventory"))
	data = [
		{
			"seller_sku": row.sku,
			"item_code": row.item_code,
			"fulfillable": row.amazon.fulfillable,
			"inbound": row.amazon.inbound,
			"reserved": row.amazon.reserved,
			"unfulfillable": row.amazon.unfulfillable,
			"amazon_qty": row.amazon_item_qty,
			"erpnext_qty": row.erpnext_qty,
			"difference": row.difference,
			"shared_with": ", ".join(row.shared_with),
		}
		for row in rows
		if not filters.only_differences or row.difference
	]
	return columns(), data


def columns():
	def col(fieldname, label, fieldtype="Float", width=110, **extra):
		return {"fieldname": fieldname, "label": label, "fieldtype": fieldtype, "width": width, **extra}

	return [
		col("seller_sku", _("Seller SKU"), "Data", 160),
		col("item_code", _("Item"), "Link", 160, options="Item"),
		col("fulfillable", _("Amazon Fulfillable"), "Int"),
		col("inbound", _("Amazon Inbound"), "Int"),
		col("reserved", _("Amazon Reserved"), "Int"),
		col("unfulfillable", _("Amazon Unfulfillable"), "Int"),
		col("amazon_qty", _("Amazon On Hand (Item)"), "Int", 140),
		col("erpnext_qty", _("ERPNext Qty (FBA and Unsellable Warehouses)"), "Float", 160),
		col("difference", _("Difference"), "Float"),
		col("shared_with", _("Other SKUs of the Item"), "Data", 160),
	]


@frappe.whitelist()
def make_stock_reconciliation(amazon_account: str, item_codes: str | list) -> str:
	"""A draft Stock Reconciliation for the picked items (the user reviews and submits it)."""
	frappe.get_doc("Amazon Account", amazon_account).check_permission("read")
	if not frappe.has_permission("Stock Reconciliation", "create"):
		frappe.throw(_("Not permitted to create a Stock Reconciliation."), frappe.PermissionError)
	from amazon_integration.erpnext.stock import make_stock_reconciliation as make

	codes = frappe.parse_json(item_codes) if isinstance(item_codes, str) else item_codes
	return make(amazon_account, list(codes or []))
