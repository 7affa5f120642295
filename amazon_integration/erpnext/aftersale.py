"""After the sale: Amazon's returns, reimbursements and removals reports applied to ERPNext's stock, once each.

Four imports, each reading one report over a window (from the previous run's end, less a few days' overlap,
since Amazon adds rows late) and writing an Amazon Sync Log per run:
- FBA customer returns (GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA): a submitted return Delivery Note against the
  order's Delivery Note, into the account's FBA warehouse (SELLABLE) or its Unsellable Warehouse (any other
  disposition). Submitted, because Amazon already holds the unit: the FBA warehouse must show it now.
- FBM returns (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE): a draft return Delivery Note against the order's
  Delivery Note, into the warehouse it shipped from. Draft, because the parcel is still on its way: the
  warehouse submits it when the goods arrive and have been checked, and only then does stock go up.
- Reimbursements (GET_FBA_REIMBURSEMENTS_DATA): units Amazon lost or destroyed and paid for leave the FBA
  warehouse through a submitted Material Issue whose expense is the account's FBA Loss Account; a reversal
  (the unit was found) brings it back through a Material Receipt. The money arrives in a settlement, whose
  reimbursement lines the fee entry credits to the same account (erpnext/settlements.py): loss and
  reimbursement net there. Reasons that move money only (CustomerReturn, FeeCorrection...) change no stock;
  their settlement lines (which name the order) are reimbursements all the same, credited to that account.
- Removals (GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA): a draft Material Transfer from the FBA (or
  Unsellable) warehouse to the FBM warehouse, submitted by the warehouse when the shipment arrives.

Why a return Delivery Note rather than a credit note with update_stock: the FBA and FBM stock left through the
order's Delivery Note (its invoice has update_stock = 0), so the unit comes back through a return against that
Delivery Note: ERPNext takes its valuation from the original stock ledger entry (an exact reversal), counts it
in the Delivery Note's and Sales Order's returned quantity, and a Delivery Note can wait as a draft for the
warehouse, which a credit note could not do without also holding the refund. The money stays with the
settlement: the units are known the day Amazon receives them, the refund (shipping, promotions, partial refunds,
restocking fees) only when Amazon pays it, and a credit note made from the returns report would have to guess
it. So a refund has one credit note whichever comes first: the settlement makes it (erpnext/settlements.py)
and the return, before or after, never makes another; each event names the order's credit note once it exists.

Each report row is an Amazon Inventory Event keyed by the row's stable key (domain/aftersale.py): a row already
applied is never applied again, whatever reruns or overlapping windows bring it back. A row that cannot be
applied (unknown SKU, order not imported yet, a warehouse not set) is kept as Failed with its reason, listed in
the run's log, and applied again on later runs; it never stops the others (each row commits on its own).
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
from dataclasses import asdict, fields
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime, now_datetime

from amazon_integration.erpnext.account_client import get_client
from amazon_integration.erpnext.jobs import AFTERSALE_IMPORT
from amazon_integration.erpnext.runs import Run
from amazon_integration.erpnext.texts import translated
from amazon_integration.erpnext.timezone import from_system, to_system
from amazon_integration.erpnext.transactions import savepoint
from amazon_integration.domain.aftersale import (
	FBA_RETURNS_REPORT,
	FBM_RETURNS_REPORT,
	IMPORTS,
	PARSERS,
	REIMBURSEMENTS_REPORT,
	REMOVALS_REPORT,
	BadRow,
	FbaReturn,
	FbmReturn,
	Reimbursement,
	RemovalShipment,
	ReportFormatError,
)

EVENT = "Amazon Inventory Event"
# report type -> (Sync Log operation, event type, record class)
REPORTS = {
	FBA_RETURNS_REPORT: (IMPORTS[FBA_RETURNS_REPORT], "FBA Return", FbaReturn),
	FBM_RETURNS_REPORT: (IMPORTS[FBM_RETURNS_REPORT], "FBM Return", FbmReturn),
	REIMBURSEMENTS_REPORT: (IMPORTS[REIMBURSEMENTS_REPORT], "Reimbursement", Reimbursement),
	REMOVALS_REPORT: (IMPORTS[REMOVALS_REPORT], "Removal", RemovalShipment),
}
FIRST_IMPORT_DAYS = 30
OVERLAP = timedelta(days=3)  # Amazon adds rows to past days late; their keys keep the overlap harmless
POLL_INTERVAL = 15.0
POLL_TIMEOUT = 600.0
RETRIES_PER_RUN = 200


class NotYet(frappe.ValidationError):
	"""A row that cannot be applied yet (order not imported, warehouse not set...): kept and tried again."""


def import_account_aftersale(account: str) -> list[str]:
	"""Background job and daily entry: every after-sale report of the account. Returns the logs' names."""
	if not frappe.db.get_value("Amazon Account", account, "enabled"):
		return []
	return [import_report(account, report_type) for report_type in REPORTS]


def import_report(account: str, report_type: str) -> str:
	"""Request one report over the window since the last run, apply its rows, retry earlier failures."""
	run = AftersaleRun(frappe.get_doc("Amazon Account", account), report_type)
	with run:
		run.read_report()
		run.retry_failed()
		link_credit_notes(account)
		frappe.db.commit()
	return run.log.name


def retry_event(name: str) -> str:
	"""Apply one Failed event again now (its form's Retry button). Returns its status."""
	event = frappe.get_doc(EVENT, name)
	if event.status != "Failed" or not event.data:
		return event.status
	report_type = next(rt for rt, (_op, kind, _cls) in REPORTS.items() if kind == event.event_type)
	account = frappe.get_doc("Amazon Account", event.amazon_account)
	_apply_row(account, report_type, _record(REPORTS[report_type][2], json.loads(event.data)), None)
	frappe.db.commit()
	return frappe.db.get_value(EVENT, name, "status")


class AftersaleRun(Run):
	"""One import of one report: a run whose rows count as orders (read, created, unchanged, skipped, failed)."""

	count_names = ("orders_read", "created", "unchanged", "skipped", "failed")
	publishes_progress = True

	def __init__(self, account: Document, report_type: str) -> None:
		self.account = account
		self.report_type = report_type
		self.seen: set[str] = set()
		client = get_client(account)
		super().__init__(account.name, operation=REPORTS[report_type][0], job=AFTERSALE_IMPORT, client=client)

	def read_report(self) -> None:
		end = datetime.now(timezone.utc)
		last = frappe.get_all(
			"Amazon Sync Log",
			filters={
				"amazon_account": self.account.name,
				"operation": self.log.operation,
				"status": ("in", ["Success", "Partial Success"]),
				"window_end": ("is", "set"),
			},
			fields=["window_end"],
			order_by="window_end desc",
			limit=1,
		)
		start = from_system(last[0].window_end) - OVERLAP if last else end - timedelta(days=FIRST_IMPORT_DAYS)
		self.set_window(start, None)
		# No end: Amazon's report runs to its own now, and says so in dataEndTime (the next run's start).
		report_id = self.client.create_report(self.report_type, start=start)
		report = self.client.wait_for_report(report_id, interval=POLL_INTERVAL, timeout=POLL_TIMEOUT)
		if report.status == "CANCELLED":  # Amazon cancels a report that has no row
			self.set_window(start, report.data_end or end)
			return
		if report.status != "DONE" or not report.document_id:
			frappe.throw(
				_("Amazon's {0} report {1} ended {2}.").format(self.report_type, report_id, report.status or "unfinished")
			)
		with self.client.open_report_document(report.document_id) as lines:
			try:
				for record in PARSERS[self.report_type](lines):
					self.process_row(record)
			except ReportFormatError as e:
				frappe.throw(translated(e))
		self.set_window(start, report.data_end or end)

	def process_row(self, record) -> None:
		self.counts["orders_read"] += 1
		if isinstance(record, BadRow):
			self.counts["failed"] += 1
			message = _("Line {0}: {1}").format(record.line_no, translated(record.message))
			self.fail(record.order_id, message)
			_save_event(self.account.name, REPORTS[self.report_type][1], "bad:" + record.key,
						{"status": "Failed", "error": message, "amazon_order_id": record.order_id, "sync_log": self.log.name})  # fmt: skip
			frappe.db.commit()
			return
		key = _event_key(self.account.name, REPORTS[self.report_type][1], record.key)
		self.seen.add(key)
		status = frappe.db.get_value(EVENT, {"event_key": key}, "status")
		if status and status != "Failed":
			self.counts["unchanged"] += 1
			return
		self._count(_apply_row(self.account, self.report_type, record, self.log.name), record)
		self.progress()

	def retry_failed(self) -> None:
		"""Rows that failed on earlier runs and were not in this report: applied again from their stored data."""
		kind = REPORTS[self.report_type][1]
		for row in frappe.get_all(
			EVENT,
			filters={"amazon_account": self.account.name, "event_type": kind, "status": "Failed", "data": ("is", "set")},
			fields=["name", "event_key", "data"],
			order_by="modified asc",
			limit=RETRIES_PER_RUN,
		):
			if row.event_key in self.seen:
				continue
			record = _record(REPORTS[self.report_type][2], json.loads(row.data))
			self._count(_apply_row(self.account, self.report_type, record, self.log.name), record)

	def _count(self, status: str, record) -> None:
		if status == "Failed":
			self.counts["failed"] += 1
			error = frappe.db.get_value(EVENT, {"event_key": _event_key(self.account.name, REPORTS[self.report_type][1], record.key)}, "error")
			self.fail(getattr(record, "order_id", ""), error)
		elif status == "No Stock Change":
			self.counts["skipped"] += 1
		else:
			self.counts["created"] += 1


# -- applying one row ---------------------------------------------------------------------------------------


def _apply_row(account: Document, report_type: str, record, log: str | None) -> str:
	"""Make the row's documents and record its event, committed on its own. Returns the event's status."""
	kind = REPORTS[report_type][1]
	values = {"sync_log": log, "data": json.dumps(asdict(record), default=str), **_describe(record)}
	try:
		with savepoint("amazon_inventory_event"):
			document = APPLY[report_type](account, record)
	except Exception as e:  # one row's failure, whatever it is, is recorded on it and never stops the others
		frappe.db.rollback()
		message = frappe.utils.strip_html(translated(e))[:1000] or type(e).__name__
		_save_event(account.name, kind, record.key, {**values, "status": "Failed", "error": message})
		frappe.db.commit()
		return "Failed"
	status = "Applied" if document else "No Stock Change"
	values.update({"status": status, "error": None})
	if document:
		values.update({"reference_doctype": document.doctype, "reference_name": document.name})
	_save_event(account.name, kind, record.key, values)
	frappe.db.commit()
	return status


def apply_fba_return(account: Document, record: FbaReturn) -> Document:
	item_code = _item(account, record.sku)
	warehouse = account.fba_warehouse if record.sellable else account.unsellable_warehouse
	if not warehouse:
		raise NotYet(
			_("Set the Unsellable Warehouse of Amazon Account {0}: units graded {1} go there.").format(
				account.name, record.disposition
			)
		)
	return _return_delivery(account, record.order_id, item_code, record.quantity, warehouse, record.return_date,
							submit=True, remark=_("Amazon FBA return, {0}, license plate {1}").format(record.disposition, record.license_plate or "-"))  # fmt: skip


def apply_fbm_return(account: Document, record: FbmReturn) -> Document:
	item_code = _item(account, record.sku)
	return _return_delivery(account, record.order_id, item_code, record.quantity, None, record.return_date,
							submit=False, remark=_("Amazon return {0} ({1}): receive it when the parcel arrives").format(record.rma_id or "-", record.reason or "-"))  # fmt: skip


def apply_reimbursement(account: Document, record: Reimbursement) -> Document | None:
	units = record.stock_effect
	if not units:
		return None  # money only: the settlement books it
	item_code = _item(account, record.sku)
	if not account.get("fba_loss_account"):
		raise NotYet(_("Set the FBA Loss Account of Amazon Account {0}: lost units are written off to it.").format(account.name))
	if not account.fba_warehouse:
		raise NotYet(_("Set the FBA Warehouse of Amazon Account {0}.").format(account.name))
	entry = frappe.new_doc("Stock Entry")
	entry.update(
		{
			"stock_entry_type": "Material Issue" if units < 0 else "Material Receipt",
			"company": account.company,
			"set_posting_time": 1,
			**_posting(record.approval_date),
			"remarks": _("Amazon reimbursement {0}: {1}").format(record.reimbursement_id, record.reason),
		}
	)
	row = {
		"item_code": item_code,
		"qty": abs(units),
		"expense_account": account.fba_loss_account,
		"cost_center": frappe.get_cached_value("Company", account.company, "cost_center"),
	}
	if units < 0:
		row["s_warehouse"] = account.fba_warehouse
	else:
		row["t_warehouse"] = account.fba_warehouse
		row["basic_rate"] = _valuation_rate(item_code, account.fba_warehouse)
	entry.append("items", row)
	entry.flags.ignore_permissions = True
	entry.insert()
	entry.submit()
	return entry


def apply_removal(account: Document, record: RemovalShipment) -> Document:
	item_code = _item(account, record.sku)
	source = account.fba_warehouse if record.sellable else account.unsellable_warehouse
	if not source or not account.fbm_warehouse:
		raise NotYet(
			_("Set the {0} and the FBM Warehouse of Amazon Account {1}: removals move units between them.").format(
				_("FBA Warehouse") if record.sellable else _("Unsellable Warehouse"), account.name
			)
		)
	entry = frappe.new_doc("Stock Entry")
	entry.update(
		{
			"stock_entry_type": "Material Transfer",
			"company": account.company,
			"from_warehouse": source,
			"to_warehouse": account.fbm_warehouse,
			"set_posting_time": 1,
			**_posting(record.shipment_date),
			"remarks": _("Amazon removal order {0}, {1} {2}: receive it when the shipment arrives").format(
				record.order_id, record.carrier or "-", record.tracking_number or "-"
			),
		}
	)
	entry.append("items", {"item_code": item_code, "qty": record.quantity, "s_warehouse": source, "t_warehouse": account.fbm_warehouse})
	entry.flags.ignore_permissions = True
	entry.insert()
	return entry


APPLY = {
	FBA_RETURNS_REPORT: apply_fba_return,
	FBM_RETURNS_REPORT: apply_fbm_return,
	REIMBURSEMENTS_REPORT: apply_reimbursement,
	REMOVALS_REPORT: apply_removal,
}


def _return_delivery(account: Document, order_id: str, item_code: str, quantity: int, warehouse: str | None,
					 when: datetime, submit: bool, remark: str) -> Document:  # fmt: skip
	"""A return against the order's Delivery Note that delivered the item and still has `quantity` to take back."""
	from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return

	rows = frappe.db.sql(
		"""select dni.parent, dni.name, dni.qty - ifnull(dni.returned_qty, 0) as returnable
		from `tabDelivery Note Item` dni join `tabDelivery Note` dn on dn.name = dni.parent
		where dn.amazon_order_id = %s and dn.docstatus = 1 and dn.is_return = 0 and dni.item_code = %s
		order by dn.posting_date, dn.creation, dni.idx""",
		(order_id, item_code),
		as_dict=True,
	)
	if not rows:
		raise NotYet(_("Order {0} has no submitted Delivery Note of item {1} (yet).").format(order_id, item_code))
	row = next((r for r in rows if r.returnable >= quantity), None)
	if row is None:
		raise frappe.ValidationError(
			_("Amazon returned {0} of item {1} on order {2}, more than its Delivery Notes have left to return ({3}).").format(
				quantity, item_code, order_id, max(r.returnable for r in rows)
			)
		)
	dn = make_sales_return(row.parent)
	lines = [line for line in dn.items if line.dn_detail == row.name]
	dn.items = []
	for line in lines[:1]:
		line.qty = -quantity
		line.stock_qty = -quantity * (line.conversion_factor or 1)
		if warehouse:
			line.warehouse = warehouse
		dn.append("items", line)
	# The money is the credit note's (the settlement's refund): this document moves the units only.
	dn.taxes = []
	dn.taxes_and_charges = None
	dn.discount_amount = 0
	dn.additional_discount_percentage = 0
	dn.set_posting_time = 1
	# Never before the delivery it returns (ERPNext refuses it): a Delivery Note made when the order was
	# synced may be later than Amazon's return of an order shipped and returned before that sync.
	shipped = frappe.db.get_value("Delivery Note", row.parent, ["posting_date", "posting_time"], as_dict=True)
	after = get_datetime(f"{shipped.posting_date} {shipped.posting_time}") + timedelta(seconds=1)
	dn.update(_posting(when, not_before=after))
	dn.instructions = remark
	dn.flags.ignore_permissions = True
	dn.insert()
	if submit:
		dn.submit()
	return dn


def link_credit_notes(account: str) -> None:
	"""Name, on each return, the refund's credit note the settlement made (before or after the return)."""
	frappe.db.sql(
		f"""update `tab{EVENT}` ev set ev.credit_note = (
			select si.name from `tabSales Invoice` si
			where si.amazon_order_id = ev.amazon_order_id and si.is_return = 1 and si.docstatus = 1
			order by si.posting_date, si.creation limit 1)
		where ev.amazon_account = %s and ev.event_type in ('FBA Return', 'FBM Return') and ev.status = 'Applied'
		and ifnull(ev.credit_note, '') = ''""",
		account,
	)


# -- helpers ------------------------------------------------------------------------------------------------


def _item(account: Document, sku: str) -> str:
	mapped = frappe.db.get_value("Amazon SKU Mapping", {"amazon_account": account.name, "seller_sku": sku}, "item_code")
	if mapped:
		return mapped
	if frappe.db.exists("Item", sku):
		return sku
	raise NotYet(_("SKU {0} is no Item and has no Amazon SKU Mapping.").format(sku))


def _posting(moment: datetime, not_before: datetime | None = None) -> dict:
	"""Posting date and time of an Amazon event, never in the future (Amazon's clock may run ahead)."""
	when = min(to_system(moment), now_datetime())
	if not_before and when < not_before:
		when = not_before
	return {"posting_date": when.date(), "posting_time": when.time().replace(microsecond=0)}


def _valuation_rate(item_code: str, warehouse: str) -> float:
	return (
		frappe.db.get_value("Bin", {"item_code": item_code, "warehouse": warehouse}, "valuation_rate")
		or frappe.db.get_value("Item", item_code, "valuation_rate")
		or 0
	)


def _event_key(account: str, kind: str, key: str) -> str:
	return hashlib.sha1(f"{account}|{kind}|{key}".encode()).hexdigest()


def _save_event(account: str, kind: str, key: str, values: dict) -> None:
	event_key = _event_key(account, kind, key)
	name = frappe.db.get_value(EVENT, {"event_key": event_key}, "name")
	doc = frappe.get_doc(EVENT, name) if name else frappe.new_doc(EVENT)
	if not name:
		doc.update({"amazon_account": account, "event_type": kind, "event_key": event_key, "report_key": key[:140]})
	doc.update(values)
	doc.attempts = (doc.attempts or 0) + (1 if values.get("status") == "Failed" else 0)
	doc.flags.ignore_permissions = True
	doc.save()


def _describe(record) -> dict:
	"""The event's visible fields."""
	if isinstance(record, FbaReturn):
		return {"amazon_order_id": record.order_id, "sku": record.sku, "quantity": record.quantity,
				"detail": record.disposition, "event_date": to_system(record.return_date)}  # fmt: skip
	if isinstance(record, FbmReturn):
		return {"amazon_order_id": record.order_id, "sku": record.sku, "quantity": record.quantity,
				"detail": record.reason, "event_date": to_system(record.return_date)}  # fmt: skip
	if isinstance(record, Reimbursement):
		return {"amazon_order_id": record.order_id or record.reimbursement_id, "sku": record.sku,
				"quantity": record.stock_effect, "detail": record.reason, "event_date": to_system(record.approval_date),
				"amount": float(record.amount_total), "currency": record.currency or None}  # fmt: skip
	return {"amazon_order_id": record.order_id, "sku": record.sku, "quantity": -record.quantity,
			"detail": record.disposition, "event_date": to_system(record.shipment_date)}  # fmt: skip


def _record(cls, data: dict):
	"""A record back from its stored JSON (dates and amounts were written as text)."""
	hints = typing.get_type_hints(cls)
	values = {}
	for field in fields(cls):
		value = data.get(field.name)
		kinds = set(typing.get_args(hints[field.name])) if isinstance(hints[field.name], types.UnionType) else {hints[field.name]}
		if value is not None and datetime in kinds:
			value = datetime.fromisoformat(value) if isinstance(value, str) else value
			value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
		elif value is not None and Decimal in kinds:
			value = Decimal(str(value))
		values[field.name] = value
	return cls(**values)
