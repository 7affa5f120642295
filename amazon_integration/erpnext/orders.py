"""Order sync: Amazon orders of one registration become ERPNext documents, one committed order at a time.

A run reads every order Amazon updated after the account's Last Order Sync (one searchOrders walk, all
datasets in the same pages), then retries the orders that failed before. Each order is decided by the
domain (`domain.orders`), made into documents under a per-order database lock, and committed on its own; a
failing order is rolled back, recorded in the retry queue (Amazon Order Retry) with its reason and tried
again on later runs, so it neither holds the others back nor gets lost. Last Order Sync moves to the end of
the window only when the whole window went through, so a crash at any point leaves no order skipped: the
next run reads the window again, and orders already imported are found by their unique amazon_order_id.

Each run writes an Amazon Sync Log rather than an Integration Request: a run is one unit of work with a
window, typed counts, SP-API calls by operation and per-order failures that users filter and act on;
Integration Request holds one request's raw payload, and buyer data must never be stored in a log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

import frappe
from frappe import _
from frappe.model.meta import get_field_precision
from frappe.utils import now_datetime

from amazon_integration.amazon.client import AmazonClient
from amazon_integration.amazon.errors import AmazonError, InvalidInputError, NotFoundError
from amazon_integration.amazon.orders import Order
from amazon_integration.erpnext import database
from amazon_integration.erpnext.account_client import get_client
from amazon_integration.erpnext.invoices import try_make_invoice
from amazon_integration.erpnext.jobs import ORDER_SYNC, JobKind
from amazon_integration.erpnext.runs import Run
from amazon_integration.erpnext.texts import translated
from amazon_integration.erpnext.sales_orders import (
	cancel_sales_order,
	create_sales_order,
	find_sales_order,
	make_fba_delivery,
	make_fbm_delivery,
	resolve_shipped_outside,
)
from amazon_integration.erpnext.timezone import from_system, to_system
from amazon_integration.erpnext.transactions import LOCK_TIMEOUT, order_lock
from amazon_integration.domain.orders import (
	INCLUDED_DATA,
	SEARCH_STATUSES,
	AccountSettings,
	Action,
	MappingError,
	decide,
	plan_sales_order,
)

if TYPE_CHECKING:
	# An Amazon Account document; not its controller's class, which imports this package (one-way imports).
	from frappe.model.document import Document as AmazonAccount

FIRST_SYNC_DAYS = 7  # an account never synced reads the orders Amazon updated in the last week
# Failed orders re-read per run, least recently tried first: getOrder's burst, so a run never waits on it.
RETRIES_PER_RUN = 30
# Orders listed with their reason on a run's log (skipped or waiting); the counts always count them all.
MAX_NOTED_ORDERS = 500
WALK_RESTARTS = 3  # times a run walks its window again when a page's token was spent by a lost answer


def sync_account_orders(account: str, log: str | None = None) -> str | None:
	"""Background job: sync the account's orders updated since Last Order Sync. Returns the log's name.

	`log` is the Queued Amazon Sync Log the desk made when the user asked for the run (the desk follows it)."""
	acc = frappe.get_doc("Amazon Account", account)
	if not acc.enabled:
		if log:
			frappe.db.set_value(
				"Amazon Sync Log",
				log,
				{"status": "Failed", "error": _("The Amazon Account is disabled."), "finished_at": now_datetime()},
			)
			frappe.db.commit()
		return None
	# A run the desk asked for while this job was already queued by the scheduler is this run.
	log = log or frappe.db.get_value(
		"Amazon Sync Log", {"amazon_account": account, "operation": "Order Sync", "status": "Queued"}, "name"
	)
	run = OrderRun(acc, queued=log, job=ORDER_SYNC)
	with run:
		start = (
			from_system(acc.last_order_sync)
			if acc.last_order_sync
			else datetime.now(timezone.utc) - timedelta(days=FIRST_SYNC_DAYS)
		)
		seen: dict[str, datetime | None] = {}  # order id -> the update processed
		for walk in range(WALK_RESTARTS + 1):
			search = run.client.search_orders(
				start, fulfillment_statuses=SEARCH_STATUSES, included_data=INCLUDED_DATA
			)
			run.set_window(search.window_start, None)
			try:
				for order in search:
					if order.order_id in seen and seen[order.order_id] == order.last_updated:
						continue  # walked again after a lost page: this very update is done
					seen[order.order_id] = order.last_updated
					run.process(order)
				break
			except InvalidInputError as e:
				# A later page refused after a retry: the lost answer spent its pagination token. Walk the window
				# again from its first page (what was done is skipped), rather than fail the run.
				if walk == WALK_RESTARTS or search.pages < 1 or e.attempts < 2:
					raise
		run.set_window(search.window_start, search.window_end)
		if search.window_end > search.window_start:
			# Every order of the window is committed or queued for retry: the cursor may pass them.
			frappe.db.set_value(
				"Amazon Account", acc.name, "last_order_sync", to_system(search.window_end), update_modified=False
			)
			frappe.db.commit()
		run.retry_failed(exclude=seen)
	return run.log.name


def recover_order(account: str, amazon_order_id: str) -> str:
	"""Sync one order by its Amazon order id, whatever the cursor says. Returns the log's name."""
	acc = frappe.get_doc("Amazon Account", account)
	run = OrderRun(acc, "Order Recovery")
	with run:
		run.process(run.client.get_order(amazon_order_id.strip(), INCLUDED_DATA))
	return run.log.name


class OrderRun(Run):
	"""A run that makes Amazon orders into ERPNext documents, one committed order at a time: the order sync, an
	order's recovery and (erpnext/backfill.py) the backfill."""

	count_names = ("orders_read", "created", "updated", "cancelled", "unchanged", "waiting", "skipped", "failed", "flagged")
	publishes_progress = True

	def __init__(
		self, account: AmazonAccount, operation: str | None = None, queued: str | None = None, job: JobKind | None = None
	):
		self.account = account
		self.marketplace_ids = {row.marketplace for row in account.marketplaces}
		self.settings = account_settings(account)
		client: AmazonClient = get_client(account)
		self.noted: list[tuple[str, str, str]] = []  # (order id, Skipped | Waiting, reason)
		self._current: Order | None = None
		super().__init__(account.name, operation=operation, job=job, queued=queued, client=client)

	def error_text(self, exc_type, exc, tb) -> str:
		return redact(super().error_text(exc_type, exc, tb), self._current)

	def process(self, order: Order) -> str:
		"""Decide, make the documents and commit: one order, all or nothing."""
		self._current = order
		self.counts["orders_read"] += 1
		decision = decide(order, self.marketplace_ids)
		reason = translated(decision.reason)
		if decision.action in (Action.WAIT, Action.SKIP):
			# Nothing to retry: it comes back by itself when Amazon updates it, or never should.
			outcome = "waiting" if decision.action is Action.WAIT else "skipped"
			clear_retry(self.account.name, order.order_id)
			frappe.db.commit()
		else:
			outcome = self._apply_in_isolation(order, decision.action)
			if outcome == "skipped" and decision.action is Action.CANCEL:
				reason = _("cancelled on Amazon before it was ever imported")
		if outcome in ("skipped", "waiting") and len(self.noted) < MAX_NOTED_ORDERS:
			self.noted.append((order.order_id, "Skipped" if outcome == "skipped" else "Waiting", reason))
			self.rows.append(
				("skipped_orders", {"amazon_order_id": order.order_id, "outcome": self.noted[-1][1], "reason": reason})
			)
		self.counts[outcome] += 1
		self._current = None
		self.progress()
		return outcome

	def retry_failed(self, exclude: Iterable[str]) -> None:
		"""Orders that failed on earlier runs and were not in this window: ask Amazon for each again."""
		excluded = set(exclude)
		for order_id in [o for o in pending_retries(self.account.name) if o not in excluded][:RETRIES_PER_RUN]:
			try:
				order = self.client.get_order(order_id, INCLUDED_DATA)
			except NotFoundError:
				# Counted like any order of the run, so that the counts add up to what was read.
				self.counts["orders_read"] += 1
				self.counts["failed"] += 1
				self._failed(order_id, _("Amazon does not know this order id."))
				continue
			self.process(order)

	def _apply_in_isolation(self, order: Order, action: Action) -> str:
		with order_lock(order.order_id) as locked:
			if not locked:
				self._failed(order.order_id, _("Another job held this order for {0} s.").format(LOCK_TIMEOUT))
				return "failed"
			try:
				outcome = self._apply(order, action)
				clear_retry(self.account.name, order.order_id)
				frappe.db.commit()
				return outcome
			except (frappe.DuplicateEntryError, frappe.UniqueValidationError):
				# Another job imported it between our check and our insert: the unique id kept it single.
				frappe.db.rollback()
				return "unchanged"
			except Exception as e:
				if database.connection_lost(e):
					raise  # not this order's fault: the run stops (runs.py) and the next run imports it
				database.rollback()
				self._failed(order.order_id, describe_failure(e, order))
				return "failed"

	def _apply(self, order: Order, action: Action) -> str:
		existing = find_sales_order(order.order_id)
		if action is Action.CANCEL:
			if not existing:
				return "skipped"  # cancelled before it was ever imported
			outcome, _note = cancel_sales_order(existing, str(to_system(order.last_updated or order.created).date()))
			return {"closed": "cancelled"}.get(outcome, outcome)
		if existing:
			if order.channel == "FBM" and order.status == "SHIPPED":
				return resolve_shipped_outside(existing, order, self.account)
			return "unchanged"
		decimals = currency_decimals(order.currency or "")
		plan = plan_sales_order(order, self.settings, self._resolve_item, decimals)
		so = create_sales_order(plan, self.account)
		if plan.channel == "FBA":
			dn = make_fba_delivery(so)
			if self.account.invoice_fba_orders:
				problem = try_make_invoice(dn)
				if problem:
					so.db_set("amazon_status_note", problem, update_modified=False)
		else:
			make_fbm_delivery(so)
			if order.status == "SHIPPED":
				resolve_shipped_outside(so.name, order, self.account)
		return "created"

	def _resolve_item(self, sku: str) -> str | None:
		if not sku:
			return None
		mapped = frappe.db.get_value(
			"Amazon SKU Mapping", {"amazon_account": self.account.name, "seller_sku": sku}, "item_code"
		)
		if mapped:
			return mapped
		return sku if frappe.db.exists("Item", sku) else None

	def _failed(self, order_id: str, message: str) -> None:
		self.fail(order_id, message)
		record_retry(self.account.name, order_id, message)
		frappe.db.commit()


def account_settings(account: AmazonAccount) -> AccountSettings:
	return AccountSettings(
		company=account.company,
		price_lists={row.marketplace: row.price_list or account.selling_price_list for row in account.marketplaces},
		fba_warehouse=account.fba_warehouse,
		fbm_warehouse=account.fbm_warehouse,
		shipping_item=account.shipping_item,
		gift_wrap_item=account.gift_wrap_item,
		promotion_item=account.promotion_item,
		fallback_item=account.fallback_item,
		sales_tax_account=account.sales_tax_account,
		marketplace_tax_account=account.marketplace_tax_account,
		territory=account.territory,
		customer_group=account.customer_group,
		sales_person=account.sales_person,
		vat_rates={row.marketplace: Decimal(str(row.vat_rate)) for row in account.marketplaces if row.get("vat_rate")},
	)


def currency_decimals(currency: str) -> int:
	"""The decimals ERPNext keeps for a rate in this currency (JPY 0, most others 2)."""
	field = frappe.get_meta("Sales Order Item").get_field("rate")
	return get_field_precision(field, currency=currency)


def pending_retries(account: str) -> list[str]:
	return frappe.get_all(
		"Amazon Order Retry",
		filters={"amazon_account": account},
		pluck="amazon_order_id",
		order_by="last_attempt asc",
	)


def record_retry(account: str, amazon_order_id: str, message: str) -> None:
	name = frappe.db.get_value(
		"Amazon Order Retry", {"amazon_account": account, "amazon_order_id": amazon_order_id}, "name"
	)
	if name:
		retry = frappe.get_doc("Amazon Order Retry", name)
		retry.attempts += 1
	else:
		retry = frappe.new_doc("Amazon Order Retry")
		retry.update({"amazon_account": account, "amazon_order_id": amazon_order_id, "attempts": 1})
	retry.error = message
	retry.last_attempt = now_datetime()
	retry.save(ignore_permissions=True)


def clear_retry(account: str, amazon_order_id: str) -> None:
	frappe.db.delete("Amazon Order Retry", {"amazon_account": account, "amazon_order_id": amazon_order_id})


def describe_failure(error: Exception, order: Order) -> str:
	"""What went wrong with one order, in words a user can act on, with no buyer data."""
	if isinstance(error, MappingError | AmazonError):
		text = translated(error)
	elif database.lock_failure(error):
		text = database.describe(error)
	else:
		text = frappe.utils.strip_html(str(error)) or type(error).__name__
	return redact(text, order)[:1000]


def redact(text: str, order: Order | None) -> str:
	"""Blank out the order's buyer data wherever an error message quotes it."""
	if order is None:
		return text
	values = []
	for record in (order.buyer, order.ship_to):
		if record is not None:
			values += [v for v in asdict(record).values() if isinstance(v, str) and len(v) >= 3]
	for value in sorted(set(values), key=len, reverse=True):
		text = text.replace(value, "<redacted>")
	return text
