"""The history before day one: orders Amazon shipped before the app, brought in from Amazon's all-orders report.

One run requests GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL for the chosen range (a handful of calls,
where searchOrders and getOrder would take hours of quota for a year of orders), reads it into the orders
searchOrders gives (`domain.backfill`) and makes each one's documents as order sync does, one committed order at
a time under the same per-order lock, with the same Amazon Sync Log (operation "Backfill"):
- an order already in ERPNext (same amazon_order_id, the binder of order sync) is left as it is (Unchanged);
- a shipped order: its Sales Order, exactly as order sync makes it, then, when the account invoices that
  channel (Invoice FBA Orders / Invoice FBM Deliveries), its Sales Invoice, dated the day Amazon last updated
  the order (when it shipped). No stock moves unless asked (`move_stock`): an ERPNext Delivery Note of a
  stock item always posts stock ledger entries, so without it the invoice is made from the Sales Order
  (update_stock off) and the order is closed, its goods long gone. With `move_stock`, a submitted Delivery
  Note (marked as already confirmed with Amazon) takes the units out of the warehouse, and is invoiced;
- an FBM order still to ship: read whole with getOrder (its order item ids are needed to ship it) and
  imported as order sync imports it;
- pending and cancelled orders: nothing to make; the log lists them.
The report names no buyer: those orders go to one customer per marketplace (the stable reference order sync
gives an order without buyer data). Invoices of the past are never uploaded to Amazon.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice as invoice_from_order
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from amazon_integration.amazon.orders import Order
from amazon_integration.erpnext.invoices import make_invoice, receivable_account
from amazon_integration.erpnext.jobs import BACKFILL
from amazon_integration.erpnext.orders import OrderRun, currency_decimals
from amazon_integration.erpnext.sales_orders import (
	_note,
	create_sales_order,
	find_sales_order,
	submit_as_saved,
)
from amazon_integration.erpnext.texts import translated
from amazon_integration.erpnext.timezone import from_system, to_system
from amazon_integration.domain.aftersale import ReportFormatError
from amazon_integration.domain.backfill import (
	ORDERS_REPORT,
	BadOrder,
	needs_order_api,
	orders_from_report,
	parse_orders_report,
)
from amazon_integration.domain.orders import INCLUDED_DATA, Action, decide, plan_sales_order

POLL_INTERVAL = 30.0
POLL_TIMEOUT = 3600.0  # Amazon takes minutes for a year of orders; the job's timeout leaves room


def backfill_orders(
	account: str, since: date | str, until: date | str | None = None, move_stock: bool = False, log: str | None = None
) -> str | None:
	"""Import the orders Amazon updated from `since` (to `until`, default now). Returns the run's log name."""
	acc = frappe.get_doc("Amazon Account", account)
	start = _utc(getdate(since))
	end = _utc(getdate(until), end_of_day=True) if until else None
	if end is not None and end <= start:
		frappe.throw(_("The backfill must end after it starts."), title=_("Backfill Orders"))
	run = BackfillRun(acc, move_stock, log)
	frappe.flags.amazon_backfill = True  # invoices of the past are not uploaded to Amazon (vat_invoices)
	try:
		with run:
			run.read(start, end)
	finally:
		frappe.flags.amazon_backfill = False
	return run.log.name


def _utc(day: date, end_of_day: bool = False) -> datetime:
	"""Midnight of the day (or its last instant) in the system's time zone, as UTC."""
	return from_system(datetime.combine(day, time.max if end_of_day else time.min)).astimezone(timezone.utc)


class BackfillRun(OrderRun):
	"""One backfill of one account: a run that makes orders (their lock, counts and failures), from a report."""

	def __init__(self, account: Document, move_stock: bool, log: str | None = None) -> None:
		super().__init__(account, queued=log, job=BACKFILL)
		self.move_stock = move_stock
		self.marketplace_names = {
			name: marketplace_id
			for marketplace_id, name in frappe.get_all(
				"Amazon Marketplace",
				filters={"name": ("in", list(self.marketplace_ids))},
				fields=["name", "marketplace_name"],
				as_list=True,
			)
		}

	def read(self, start: datetime, end: datetime | None) -> None:
		self.set_window(start, end)
		report_id = self.client.create_report(ORDERS_REPORT, start=start, end=end, marketplace_ids=sorted(self.marketplace_ids))
		report = self.client.wait_for_report(report_id, interval=POLL_INTERVAL, timeout=POLL_TIMEOUT)
		self.set_window(start, report.data_end or end)
		if report.status == "CANCELLED":  # Amazon cancels a report without a row: no order in the range
			return
		if report.status != "DONE" or not report.document_id:
			frappe.throw(_("Amazon's orders report {0} ended {1}.").format(report_id, report.status or "unfinished"))
		with self.client.open_report_document(report.document_id) as lines:
			try:
				orders = list(orders_from_report(parse_orders_report(lines), self.marketplace_names))
			except ReportFormatError as e:
				frappe.throw(translated(e))
		for order in orders:
			if isinstance(order, BadOrder):
				self.counts["orders_read"] += 1
				self.counts["failed"] += 1
				self._failed(order.order_id, translated(order.message)[:1000])
				continue
			self.process(order)

	def _failed(self, order_id: str, message: str) -> None:
		# Not queued for order sync's retries: it would re-read the order with getOrder; the backfill is rerun.
		self.fail(order_id, message)

	def _apply(self, order: Order, action: Action) -> str:
		if find_sales_order(order.order_id):
			return "unchanged"
		if action is Action.CANCEL:
			return "skipped"  # cancelled before it was ever imported: nothing to make
		if needs_order_api(order):
			whole = self.client.get_order(order.order_id, INCLUDED_DATA)
			decision = decide(whole, self.marketplace_ids)
			if decision.action is not Action.IMPORT:
				return "waiting" if decision.action is Action.WAIT else "skipped"
			outcome = super()._apply(whole, decision.action)
			if outcome == "created" and any(item.quantity_shipped for item in whole.items):
				self._shipped_part(whole)
			return outcome
		if order.status != "SHIPPED":
			return "waiting"
		plan = plan_sales_order(order, self.settings, self._resolve_item, currency_decimals(order.currency or ""))
		so = create_sales_order(plan, self.account)
		shipped_on = getdate(to_system(order.last_updated or order.created))
		invoice = self.account.invoice_fba_orders if plan.channel == "FBA" else self.account.invoice_fbm_deliveries
		if self.move_stock:
			dn = self._delivery(so, shipped_on)
			if invoice:
				make_invoice(dn)
			return "created"
		if invoice:
			self._invoice(so, shipped_on)
		so.reload()
		so.update_status("Closed")
		_note(so, _("Shipped by Amazon before the integration; imported from Amazon's order history without moving stock."))
		return "created"

	def _shipped_part(self, order: Order) -> None:
		"""An FBM order Amazon shows partly shipped before the integration: its draft Delivery Note keeps the
		units still to ship, and the shipped ones are invoiced (delivered too when stock moves), as history."""
		so = frappe.get_doc("Sales Order", find_sales_order(order.order_id))
		shipped = {item.order_item_id: item.quantity_shipped or 0 for item in order.items}
		for name in frappe.get_all(
			"Delivery Note Item", filters={"against_sales_order": so.name, "docstatus": 0}, pluck="parent", distinct=True
		):
			draft = frappe.get_doc("Delivery Note", name)
			_keep_units(draft, {item.order_item_id: item.quantity_unshipped or 0 for item in order.items})
			draft.flags.ignore_permissions = True
			draft.save()
		shipped_on = getdate(to_system(order.last_updated or order.created))
		if self.move_stock:
			dn = self._delivery(so, shipped_on, shipped)
			if self.account.invoice_fbm_deliveries:
				make_invoice(dn)
		elif self.account.invoice_fbm_deliveries:
			self._invoice(so, shipped_on, shipped)

	def _delivery(self, so: Document, shipped_on: date, units: dict[str, int] | None = None) -> Document:
		dn = make_delivery_note(so.name)
		if units is not None:
			_keep_units(dn, units)
		dn.update(
			{
				"posting_date": max(shipped_on, getdate(so.transaction_date)),
				"set_posting_time": 1,
				# Amazon shipped it long ago: nothing to confirm.
				"amazon_sync_status": "Synchronized",
				"amazon_sync_error": _("Imported from Amazon's order history."),
			}
		)
		dn.flags.ignore_permissions = True
		dn.insert()
		submit_as_saved(dn)
		return dn

	def _invoice(self, so: Document, shipped_on: date, units: dict[str, int] | None = None) -> Document:
		si = invoice_from_order(so.name, ignore_permissions=True)
		if units is not None:
			_keep_units(si, units)
		si.update(
			{
				"update_stock": 0,
				"amazon_order_id": so.amazon_order_id,  # not copied from the order (unique there): settlements find it by it
				"posting_date": max(shipped_on, getdate(so.transaction_date)),
				"set_posting_time": 1,
				"debit_to": receivable_account(si.company, si.currency) or si.debit_to,
			}
		)
		si.flags.ignore_permissions = True
		si.insert()
		submit_as_saved(si)
		return si



def _keep_units(doc: Document, units: dict[str, int]) -> None:
	"""Keep `units` of each Amazon order line on a Delivery Note or invoice made from its order (one product row
	per line; the charge rows and a line's second rate are rebuilt around them by charges.follow_product_units)."""
	kept, seen = [], set()
	for row in doc.items:
		line = row.get("amazon_order_item_id")
		if not line:
			kept.append(row)
			continue
		if line in seen or not units.get(line):
			continue
		seen.add(line)
		row.qty = units[line]
		kept.append(row)
	doc.set("items", [])
	for idx, row in enumerate(kept, start=1):
		row.idx = idx
		doc.append("items", row)
