"""Stock doc events: a change of an item's stock or reservations marks it for the next stock push.

Bin rows are written with db_set / set_value (no doc events), so the changes are caught where they start:
every Stock Ledger Entry (receipts, deliveries, transfers, reconciliations, cancellations) and the Sales Order
events that reserve or release stock (submit, cancel, close / hold / re-open).
"""

from __future__ import annotations


def on_stock_ledger_entry(doc, method=None) -> None:
	_changed([doc.item_code], doc.warehouse)


def on_sales_order_change(doc, method=None) -> None:
	warehouses: dict[str | None, set[str]] = {}
	for row in list(doc.get("items") or []) + list(doc.get("packed_items") or []):
		warehouses.setdefault(row.get("warehouse"), set()).add(row.item_code)
	for warehouse, items in warehouses.items():
		_changed(items, warehouse, doc.company)


def _changed(item_codes, warehouse: str | None, company: str | None = None) -> None:
	from amazon_integration.erpnext.stock import mark_dirty
	from amazon_integration.erpnext.scheduler import schedule_stock_push

	from redis.exceptions import ConnectionError as RedisUnreachable

	try:
		for account in mark_dirty(item_codes, warehouse, company):
			schedule_stock_push(account)
	except RedisUnreachable:
		# Redis restarting must not fail the stock transaction. The mark is lost; a restart empties the set and
		# its kept-key too (stock.py), so the next push looks at every SKU; the daily reconcile catches the rest.
		pass
