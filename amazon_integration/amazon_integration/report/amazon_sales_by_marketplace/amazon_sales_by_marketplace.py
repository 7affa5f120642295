# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt
"""Amazon sales per marketplace: submitted Amazon Sales Orders of a period, net of tax.

Amounts stay in the marketplace's currency (one row per marketplace and currency, never added across
currencies); the company-currency column is the only one that adds up across rows, and the chart uses it.
Units count product rows only: shipping, gift wrap and promotion rows carry no Amazon order item id.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import flt, getdate
from frappe.utils.nestedset import get_descendants_of


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	validate_filters(filters)
	company_currency = frappe.get_cached_value("Company", filters.company, "default_currency")
	data = get_data(filters, company_currency)
	return get_columns(), data, None, get_chart(data, company_currency), get_summary(data, company_currency)


def validate_filters(filters: frappe._dict) -> None:
	if not filters.get("company"):
		frappe.throw(_("Select a Company."), title=_("Missing Filter"))
	if (
		filters.get("from_date")
		and filters.get("to_date")
		and getdate(filters.from_date) > getdate(filters.to_date)
	):
		frappe.throw(_("From Date must be before To Date."), title=_("Invalid Period"))


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "marketplace",
			"label": _("Marketplace"),
			"fieldtype": "Link",
			"options": "Amazon Marketplace",
			"width": 150,
		},
		{"fieldname": "marketplace_name", "label": _("Marketplace Name"), "fieldtype": "Data", "width": 140},
		{
			"fieldname": "currency",
			"label": _("Currency"),
			"fieldtype": "Link",
			"options": "Currency",
			"width": 90,
		},
		{"fieldname": "orders", "label": _("Orders"), "fieldtype": "Int", "width": 90},
		{"fieldname": "units", "label": _("Units"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "net_sales",
			"label": _("Net Sales"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 140,
		},
		{
			"fieldname": "average_order",
			"label": _("Average Order"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 130,
		},
		{
			"fieldname": "base_net_sales",
			"label": _("Net Sales (Company Currency)"),
			"fieldtype": "Currency",
			"options": "company_currency",
			"width": 190,
		},
	]


def get_data(filters: frappe._dict, company_currency: str) -> list[dict]:
	so = frappe.qb.DocType("Sales Order")
	soi = frappe.qb.DocType("Sales Order Item")
	orders = _filtered(
		frappe.qb.from_(so).select(
			so.amazon_marketplace.as_("marketplace"),
			so.currency,
			Count(so.name).as_("orders"),
			Sum(so.net_total).as_("net_sales"),
			Sum(so.base_net_total).as_("base_net_sales"),
		),
		so,
		filters,
	).groupby(so.amazon_marketplace, so.currency)
	units = (
		_filtered(
			frappe.qb.from_(soi)
			.join(so)
			.on(soi.parent == so.name)
			.select(so.amazon_marketplace.as_("marketplace"), so.currency, Sum(soi.qty).as_("units")),
			so,
			filters,
		)
		.where(soi.amazon_order_item_id.isnotnull() & (soi.amazon_order_item_id != ""))
		.groupby(so.amazon_marketplace, so.currency)
	)
	units_by_key = {(row.marketplace, row.currency): row.units for row in units.run(as_dict=True)}
	names = dict(frappe.get_all("Amazon Marketplace", fields=["name", "marketplace_name"], as_list=True))
	data = []
	for row in orders.run(as_dict=True):
		data.append(
			{
				"marketplace": row.marketplace,
				"marketplace_name": names.get(row.marketplace, row.marketplace),
				"currency": row.currency,
				"orders": row.orders,
				"units": int(flt(units_by_key.get((row.marketplace, row.currency)))),
				"net_sales": flt(row.net_sales),
				"average_order": flt(row.net_sales) / row.orders if row.orders else 0,
				"base_net_sales": flt(row.base_net_sales),
				"company_currency": company_currency,
			}
		)
	return sorted(data, key=lambda row: -row["base_net_sales"])


def _filtered(query, so, filters: frappe._dict):
	"""Submitted Amazon orders of the company, within the filters (cancelled ones are docstatus 2)."""
	query = query.where(
		(so.docstatus == 1)
		& (so.company == filters.company)
		& so.amazon_order_id.isnotnull()
		& (so.amazon_order_id != "")
	)
	if filters.get("from_date"):
		query = query.where(so.transaction_date >= getdate(filters.from_date))
	if filters.get("to_date"):
		query = query.where(so.transaction_date <= getdate(filters.to_date))
	if filters.get("amazon_account"):
		query = query.where(so.amazon_account == filters.amazon_account)
	if filters.get("marketplace"):
		query = query.where(so.amazon_marketplace == filters.marketplace)
	if filters.get("sales_person"):
		# A sales person stands for the team under them too.
		people = [filters.sales_person, *get_descendants_of("Sales Person", filters.sales_person)]
		team = frappe.qb.DocType("Sales Team")
		query = query.where(
			so.name.isin(
				frappe.qb.from_(team)
				.select(team.parent)
				.where((team.parenttype == "Sales Order") & team.sales_person.isin(people))
			)
		)
	return query


def get_chart(data: list[dict], company_currency: str) -> dict | None:
	if not data:
		return None
	return {
		"data": {
			"labels": [row["marketplace_name"] for row in data],
			"datasets": [
				{
					"name": _("Net Sales ({0})").format(company_currency),
					"values": [row["base_net_sales"] for row in data],
				}
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
		"options": company_currency,
	}


def get_summary(data: list[dict], company_currency: str) -> list[dict]:
	by_currency: dict[str, float] = {}
	for row in data:
		by_currency[row["currency"]] = by_currency.get(row["currency"], 0) + row["net_sales"]
	summary = [
		{
			"value": sum(row["orders"] for row in data),
			"label": _("Orders"),
			"datatype": "Int",
			"indicator": "Blue",
		},
		{
			"value": sum(row["units"] for row in data),
			"label": _("Units"),
			"datatype": "Float",
			"indicator": "Blue",
		},
	]
	summary += [
		{
			"value": amount,
			"label": _("Net Sales in {0}").format(currency),
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Green",
		}
		for currency, amount in sorted(by_currency.items())
	]
	if len(by_currency) > 1:
		summary.append(
			{
				"value": sum(row["base_net_sales"] for row in data),
				"label": _("Net Sales, all in {0}").format(company_currency),
				"datatype": "Currency",
				"currency": company_currency,
				"indicator": "Green",
			}
		)
	return summary
