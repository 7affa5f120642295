"""The cron entries (hooks.py): which accounts are due for which job; the jobs themselves are kinds of jobs.py."""

from __future__ import annotations

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime

from amazon_integration.erpnext.jobs import (
	AFTERSALE_IMPORT,
	EXPECTED_FEES,
	FULL_STOCK_PUSH,
	INBOUND_RECEIPTS,
	INVOICE_UPLOAD,
	LABEL_TRACKING,
	MCF_CREATE,
	MCF_SYNC,
	ORDER_SYNC,
	RETENTION,
	SETTLEMENT_BOOKING,
	SETTLEMENT_IMPORT,
	SHIPMENT_SYNC,
	STOCK_PUSH,
)


def _backing_off() -> set[str]:
	"""Accounts Amazon did not answer, until their retry time: scheduled jobs skip them (connection_health.py)."""
	from amazon_integration.erpnext.connection_health import backing_off

	return backing_off()


def dispatch_order_sync() -> None:
	"""Cron entry: enqueue one order-sync job per enabled account whose interval has elapsed."""
	now = now_datetime()
	resting = _backing_off()
	for account in frappe.get_all(
		"Amazon Account", filters={"enabled": 1}, fields=["name", "last_order_sync", "sync_interval"]
	):
		if account.name in resting:
			continue
		if account.last_order_sync and account.sync_interval:
			due = add_to_date(get_datetime(account.last_order_sync), minutes=account.sync_interval)
			if due > now:
				continue
		ORDER_SYNC.enqueue(account.name)


def dispatch_shipment_sync() -> None:
	"""Cron entry: accounts with shipments waiting for Amazon (or whose outcome is unknown) get a job."""
	accounts = frappe.get_all(
		"Delivery Note",
		filters={"docstatus": 1, "amazon_sync_status": ("in", ["Pending", "Failed"])},
		or_filters={"amazon_sync_status": "Pending", "amazon_sync_unconfirmed": 1},
		pluck="amazon_account",
		distinct=True,
	)
	enabled = set(frappe.get_all("Amazon Account", filters={"enabled": 1}, pluck="name")) - _backing_off()
	for account in set(accounts) & enabled:
		SHIPMENT_SYNC.enqueue(account, include_failed=False)


def _settling_accounts() -> list[str]:
	"""Enabled accounts that import settlements, but those Amazon is not answering."""
	resting = _backing_off()
	accounts = frappe.get_all("Amazon Account", filters={"enabled": 1, "import_settlements": 1}, pluck="name")
	return [account for account in accounts if account not in resting]


def dispatch_settlement_import() -> None:
	"""Daily: accounts that import settlements get a job each."""
	for account in _settling_accounts():
		SETTLEMENT_IMPORT.enqueue(account)


# A booking touches its lines every few seconds: one untouched this long has no job working on it.
def dispatch_settlement_booking() -> None:
	"""Hourly: a submitted settlement whose booking was asked for but never finished (its job lost with Redis, its
	worker killed) is booked again. Unfinished: Order/Refund lines no booking has tried yet (a tried line is Booked,
	Failed or Unmatched, with the reason the user fixes first, then presses Book Open Lines; a line a cancelled
	Payment Entry reopened says so in its error and waits for that button too), or fees not booked and no
	booking error. Booking is resumable (only what is open is booked), and a booking running now (its job unknown
	to a flushed Redis) keeps its settlement's lock: the one queued here then returns at once."""
	settlements = frappe.db.sql(
		"""select st.name from `tabAmazon Settlement` st
		where st.docstatus = 1 and st.status = 'Unreconciled'
		and (
			exists (select 1 from `tabAmazon Settlement Line` l where l.settlement = st.name
				and l.line_type in ('Order', 'Refund') and l.status = 'Matched' and ifnull(l.error, '') = '')
			or (ifnull(st.fees_journal_entry, '') = '' and ifnull(st.booking_error, '') = ''
				and exists (select 1 from `tabAmazon Settlement Line` l where l.settlement = st.name
					and l.fees_amount != 0))
		)
		order by st.name""",
		pluck=True,
	)
	for settlement in settlements:
		SETTLEMENT_BOOKING.enqueue(settlement)


def dispatch_expected_fees() -> None:
	"""Daily: accounts that import settlements refresh Amazon's expected fees of the orders not settled yet."""
	for account in _settling_accounts():
		EXPECTED_FEES.enqueue(account)


def dispatch_invoice_uploads() -> None:
	"""Cron entry: accounts with invoices waiting to go to Amazon (or for Amazon's answer) get a job."""
	orders = frappe.get_all(
		"Sales Invoice", filters={"docstatus": 1, "amazon_invoice_upload": "Pending"}, pluck="amazon_order_id", distinct=True
	)
	if not orders:
		return
	accounts = frappe.get_all(
		"Sales Order", filters={"amazon_order_id": ("in", orders)}, pluck="amazon_account", distinct=True
	)
	enabled = set(frappe.get_all("Amazon Account", filters={"enabled": 1}, pluck="name")) - _backing_off()
	for account in set(accounts) & enabled:
		INVOICE_UPLOAD.enqueue(account)


def dispatch_aftersale_import() -> None:
	"""Daily: accounts that import returns, reimbursements and removals get a job each."""
	resting = _backing_off()
	for account in frappe.get_all("Amazon Account", filters={"enabled": 1, "import_aftersale": 1}, pluck="name"):
		if account not in resting:
			AFTERSALE_IMPORT.enqueue(account)


def schedule_stock_push(account: str) -> None:
	"""A stock change: push now if the account's sync interval has passed since its last push, else the
	dispatcher does once it has (the changed items wait in the cache meanwhile)."""
	if account not in _backing_off() and _stock_push_due(
		frappe.db.get_value("Amazon Account", account, ["last_stock_push", "sync_interval"], as_dict=True)
	):
		enqueue_stock_push(account)


def dispatch_stock_push() -> None:
	"""Cron entry (every minute): accounts with changed items whose interval has passed get a job."""
	from amazon_integration.erpnext.stock import has_dirty_items

	resting = _backing_off()
	for account in frappe.get_all(
		"Amazon Account",
		filters={"enabled": 1, "push_stock": 1},
		fields=["name", "last_stock_push", "sync_interval"],
	):
		if account.name not in resting and _stock_push_due(account) and has_dirty_items(account.name):
			enqueue_stock_push(account.name)


def _stock_push_due(account) -> bool:
	if not account or not account.last_stock_push or not account.sync_interval:
		return True
	return add_to_date(get_datetime(account.last_stock_push), minutes=account.sync_interval) <= now_datetime()


def enqueue_stock_push(account: str) -> None:
	"""One job per account at a time; it sends the SKUs of every item changed until it starts."""
	STOCK_PUSH.enqueue(account, trigger="Stock Change", only_dirty=True)


def dispatch_stock_reconcile() -> None:
	"""Daily: every pushing account sends all its FBM quantities again (what Amazon drifted to is corrected)."""
	resting = _backing_off()
	for account in frappe.get_all("Amazon Account", filters={"enabled": 1, "push_stock": 1}, pluck="name"):
		if account not in resting:
			FULL_STOCK_PUSH.enqueue(account, trigger="Daily Reconcile", resend=True)


def dispatch_buyer_data_retention() -> None:
	"""Daily: every account (a disabled one too: its buyers' data is still held) removes what is due."""
	for account in frappe.get_all("Amazon Account", pluck="name"):
		RETENTION.enqueue(account)


def dispatch_mcf_sync() -> None:
	"""Cron entry: one job per account that has open Multi-Channel Fulfilment orders."""
	accounts = frappe.get_all(
		"Sales Order",
		filters={
			"docstatus": 1,
			"amazon_mcf_order": ("is", "set"),
			"amazon_mcf_status": ("not in", ("Complete", "CompletePartialled", "Cancelled", "Unfulfillable", "Invalid")),
		},
		pluck="amazon_mcf_account",
		distinct=True,
	)
	for account in sorted(set(accounts) - _backing_off() - {None}):
		MCF_SYNC.enqueue(account)


# Automatic fulfilment orders are sent within seconds of their Sales Order's submit: one still unsent this long
# after lost its job; one submitted this long ago is left to the user (Amazon may have refused it meanwhile).
MCF_CREATE_QUIET_MINUTES = 15
MCF_CREATE_WITHIN_HOURS = 24


def dispatch_mcf_create() -> None:
	"""Hourly: a Sales Order chosen for automatic Multi-Channel Fulfilment whose job was lost (Redis flushed or
	restarted) is sent again, but not one Amazon refused (its comment says why; the user acts) and not one
	submitted more than a day ago. The job does nothing twice (outbound.auto_create)."""
	from amazon_integration.erpnext.outbound import automatic_account, refusal

	if not frappe.db.exists("Amazon Account", {"enabled": 1, "mcf_auto_speed": ("is", "set")}):
		return
	now = now_datetime()
	orders = frappe.get_all(
		"Sales Order",
		filters={
			"docstatus": 1,
			"amazon_order_id": ("is", "not set"),
			"amazon_mcf_order": ("is", "not set"),
			"status": ("not in", ("Closed", "Completed", "On Hold")),
			"per_delivered": ("<", 100),
			"modified": (
				"between",
				(
					add_to_date(now, hours=-MCF_CREATE_WITHIN_HOURS),
					add_to_date(now, minutes=-MCF_CREATE_QUIET_MINUTES),
				),
			),
		},
		pluck="name",
		order_by="name",
	)
	if not orders:
		return
	lang = frappe.db.get_default("lang") or "en"
	refusals = {refusal("en").split("{0}")[0], refusal(lang).split("{0}")[0]}
	refused = set()
	for prefix in refusals:
		refused.update(
			frappe.get_all(
				"Comment",
				filters={
					"reference_doctype": "Sales Order",
					"reference_name": ("in", orders),
					"content": ("like", prefix + "%"),
				},
				pluck="reference_name",
			)
		)
	resting = _backing_off()
	for name in orders:
		if name in refused:
			continue
		account = automatic_account(frappe.get_doc("Sales Order", name))
		if account and account not in resting:
			MCF_CREATE.enqueue(name, account=account)


def dispatch_label_tracking() -> None:
	"""Daily: accounts with Buy Shipping labels not delivered yet get a tracking job each."""
	accounts = frappe.get_all(
		"Delivery Note",
		filters={"docstatus": 1, "amazon_label_shipment_id": ("is", "set"), "amazon_tracking_status": ("!=", "Delivered")},
		pluck="amazon_account",
		distinct=True,
	)
	enabled = set(frappe.get_all("Amazon Account", filters={"enabled": 1}, pluck="name")) - _backing_off()
	for account in sorted(set(accounts) & enabled):
		LABEL_TRACKING.enqueue(account)


def dispatch_inbound_receipts() -> None:
	"""Hourly: every inbound shipment on its way to Amazon gets a job reading Amazon's receipts."""
	from amazon_integration.erpnext.inbound import open_shipments

	for name in open_shipments():
		INBOUND_RECEIPTS.enqueue(name)
