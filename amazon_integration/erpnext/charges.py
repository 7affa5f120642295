"""Every charge of an Amazon order follows its product units on Delivery Notes and Sales Invoices.

Amazon charges each shipment its units' share of every line amount (price, shipping, gift wrap, promotions,
taxes), rounded cumulatively. A Sales Order of an Amazon order has a product line's charges as rows of that
line's units (`amazon_charge`, `amazon_charge_for`); whatever a user does with the rows of a Delivery Note or
Sales Invoice (drops the shipping, keeps it whole, changes a quantity), this rebuilds the charge rows from the
product units the document carries, and takes a line's units from its two rows (rates a cent apart) in the
mix that makes Amazon's share to the cent. So each shipment's invoice is what Amazon charged for it, and
its settlement line books at once.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import frappe
from frappe.model.document import Document

from amazon_integration.domain.orders import allocate_units

SO_FIELD = {"Delivery Note": "against_sales_order", "Sales Invoice": "sales_order"}


def follow_product_units(doc: Document) -> None:
	if doc.get("is_return") or doc.doctype not in SO_FIELD:
		return
	order = _amazon_order(doc)
	if not order:
		return
	so_rows = frappe.get_all(
		"Sales Order Item",
		filters={"parent": order},
		fields=["name", "qty", "rate", "amazon_order_item_id", "amazon_charge", "amazon_charge_for"],
		order_by="idx",
	)
	if not any(row.amazon_charge_for for row in so_rows):
		return  # imported before charges followed their units: ERPNext's own behaviour
	groups: dict[tuple[str, str], list[frappe._dict]] = defaultdict(list)
	for row in so_rows:
		line = row.amazon_order_item_id or row.amazon_charge_for
		if line:
			groups[(line, row.amazon_charge or "")].append(row)
	group_of = {row.name: key for key, rows in groups.items() for row in rows}
	done = quantities_done(doc, [row.name for row in so_rows])
	line_units = {line: sum(int(r.qty) for r in rows) for (line, charge), rows in groups.items() if not charge}
	before = {
		line: sum(int(done.get(r.name, 0)) for r in groups[(line, "")]) for line in line_units
	}
	units = defaultdict(int)
	for row in doc.items:
		key = group_of.get(row.get("so_detail"))
		if key and not key[1]:
			units[key[0]] += int(row.qty)

	unit = Decimal(1).scaleb(-doc.precision("rate", "items"))

	def rebuilt(key) -> bool:
		# Charges always; a product line only where it has two rows (rates a cent apart) to take units from.
		return bool(key) and (bool(key[1]) or len(groups[key]) > 1)

	existing: dict[str, list] = defaultdict(list)
	for row in doc.items:
		if rebuilt(group_of.get(row.get("so_detail"))):
			existing[row.so_detail].append(row)
	wanted: dict[str, int] = {}
	for key, group in groups.items():
		k = units.get(key[0], 0)
		if not rebuilt(key) or not k:
			continue  # no product unit of this line here: none of its charges either
		group = sorted(group, key=lambda r: Decimal(str(r.rate)))
		total = sum((Decimal(str(r.rate)) * int(r.qty) for r in group), Decimal(0))
		open_rows = [(Decimal(str(r.rate)), int(r.qty) - int(done.get(r.name, 0))) for r in group]
		for so_row, qty in zip(group, allocate_units(total, line_units[key[0]], before[key[0]], k, open_rows, unit), strict=True):
			if qty > 0:
				wanted[so_row.name] = qty

	lacking = {name for name in wanted if not existing.get(name)}
	templates = {name: rows[0] for name, rows in existing.items()}
	templates.update(_mapped_rows(doc, order, lacking - set(templates)))
	so_row_of = {row.name: row for row in so_rows}

	def new_rows(key) -> list[dict]:
		out = []
		for so_row in groups[key]:
			if so_row.name not in lacking:
				continue
			template = templates.get(so_row.name) or next((templates[r.name] for r in groups[key] if r.name in templates), None)
			if template is not None:
				out.append(_row_like(template, so_row_of[so_row.name], wanted[so_row.name]))
		return out

	rows_out: list = []
	emitted: set = set()
	for row in doc.items:
		key = group_of.get(row.get("so_detail"))
		if not rebuilt(key):
			rows_out.append(row)
			continue
		if row is existing[row.so_detail][0] and wanted.get(row.so_detail):
			row.qty = wanted[row.so_detail]
			row.stock_qty = row.qty * (row.get("conversion_factor") or 1)
			rows_out.append(row)
		if key not in emitted:
			emitted.add(key)
			rows_out += new_rows(key)
	for key in groups:
		if key not in emitted and rebuilt(key):
			rows_out += new_rows(key)  # a charge the user removed: it comes back with its units
	doc.set("items", [])
	for idx, row in enumerate(rows_out, start=1):
		appended = doc.append("items", row)
		appended.idx = idx


def _amazon_order(doc: Document) -> str | None:
	field = SO_FIELD[doc.doctype]
	orders = {row.get(field) for row in doc.items if row.get(field)}
	if len(orders) != 1:
		return None
	(order,) = orders
	return order if frappe.db.get_value("Sales Order", order, "amazon_order_id") else None


def quantities_done(doc: Document, so_details: list[str]) -> dict[str, Decimal]:
	"""Quantities of each order row on other submitted documents of this kind (returns aside)."""
	child = f"{doc.doctype} Item"
	rows = frappe.db.sql(
		f"""select item.so_detail, sum(item.qty) from `tab{child}` item
		join `tab{doc.doctype}` parent on parent.name = item.parent
		where item.so_detail in %(rows)s and parent.docstatus = 1 and parent.is_return = 0 and parent.name != %(name)s
		group by item.so_detail""",
		{"rows": so_details, "name": doc.name or ""},
	)
	return {so_detail: Decimal(str(qty)) for so_detail, qty in rows}


def _mapped_rows(doc: Document, order: str, so_details: set[str]) -> dict[str, Document]:
	"""Rows for order rows the document lacks, as ERPNext's own mapper makes them from the order."""
	if not so_details:
		return {}
	if doc.doctype == "Delivery Note":
		from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note as make
	else:
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as make
	mapped = make(order)
	return {row.so_detail: row for row in mapped.items if row.so_detail in so_details}


_NOT_COPIED = {"name", "idx", "parent", "parentfield", "parenttype", "doctype", "creation", "modified", "owner", "modified_by"}


def _row_like(template, so_row: frappe._dict, qty: int) -> dict:
	"""A copy of `template` for order row `so_row` with `qty` units."""
	values = template.as_dict() if hasattr(template, "as_dict") else dict(template)
	values = {key: value for key, value in values.items() if key not in _NOT_COPIED and not key.startswith("__")}
	if values.get("so_detail") != so_row.name:
		# The line's other row: another rate; what ERPNext derives from the order row is recomputed on validate.
		values.update(
			so_detail=so_row.name, rate=so_row.rate, price_list_rate=so_row.rate, dn_detail=None, delivery_note=None,
			amount=None, base_rate=None, base_amount=None, net_rate=None, net_amount=None,
			serial_and_batch_bundle=None, serial_no=None, batch_no=None,
		)
	values["qty"] = qty
	values["stock_qty"] = qty * (values.get("conversion_factor") or 1)
	return values
