"""Stock both ways: FBM quantities to Amazon, Amazon's FBA counts back.

Push (`push_account_stock`): the FBM SKUs of an account (Amazon SKU Mapping rows of channel FBM), each with
the quantity ERPNext can promise from the account's FBM warehouse (domain/stock.py says which Bin figure and why),
less the account's safety buffer, capped per SKU; Product Bundles from their components. Only SKUs whose
quantity differs from the last one Amazon accepted are sent (unless `resend`), by patchListingsItem for a few,
by one JSON_LISTINGS_FEED for many. Every answer is read: each SKU's row keeps the quantity Amazon accepted, or
Amazon's message when it refused; a SKU Amazon has no listing for is marked "Not on Amazon" once and skipped
by later automatic runs (saving the mapping row, or a manual full push, tries it again). A run writes an Amazon
Stock Push Log; a feed whose report is not ready when the run ends leaves its log "Awaiting Report" and the
next run of the account reads it first.

When: stock changes (Stock Ledger Entries, Sales Order reservations) mark the items "dirty" per account in the
site cache (overrides/stock.py); scheduler.py runs one deduplicated job per account once its sync interval has
passed since its last push; a daily job sends every SKU again (`resend`); the button and
`bench amazon push-stock` run one now.

FBA back (`fba_reconciliation`): Amazon's FBA inventory is a pool per seller and region, shared by every
registration of that seller in the region. The pool is read once (getInventorySummaries through the first
registration) and compared, item by item, with ERPNext's stock in the FBA warehouse(s) of all those
registrations; `make_stock_reconciliation` drafts the corrections into the chosen account's FBA warehouse.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress

import frappe
from frappe import _
from frappe.utils import cint, flt, now_datetime

from amazon_integration.amazon.client import AmazonClient
from amazon_integration.amazon.errors import AmazonError, AuthError
from amazon_integration.amazon.listings import FEED_MAX_MESSAGES, ListingsFeedReport, QuantityUpdate
from amazon_integration.amazon.values import chunked
from amazon_integration.erpnext.account_client import get_client
from amazon_integration.erpnext.runs import Run
from amazon_integration.erpnext.texts import translated
from amazon_integration.domain.stock import (
	FBA,
	FBM,
	FEED,
	PATCH,
	BinFigures,
	BundleComponent,
	FbaCount,
	FbaReconciliationRow,
	StockSku,
	plan_push,
	promisable_qty,
	reconcile_fba,
)

MAPPING = "Amazon SKU Mapping"
LOG = "Amazon Stock Push Log"
DIRTY_KEY = "amazon_stock_dirty"  # site cache set per account: item codes whose stock changed
BIN_FIELDS = tuple(BinFigures.__dataclass_fields__)
COUNTS = (
	"skus_considered",
	"unchanged_count",
	"skipped_unknown_count",
	"sent_count",
	"accepted_count",
	"failed_count",
	"not_on_amazon_count",
)


# -- push ---------------------------------------------------------------------------------------------------


def push_account_stock(
	account: str,
	*,
	trigger: str = "Manual",
	resend: bool = False,
	only_dirty: bool = False,
	client: AmazonClient | None = None,
) -> str | None:
	"""Send the account's FBM quantities that changed (every one when `resend`); returns the log's name, None
	when the account does not push stock. `only_dirty`: just the SKUs whose items' stock changed since the last
	run (the debounced job)."""
	acc = frappe.get_doc("Amazon Account", account)
	if not acc.enabled or not acc.push_stock:
		return None
	client = client or get_client(acc)
	finish_awaiting_feeds(acc, client)
	dirty = take_dirty_items(acc.name) if only_dirty else None  # None: every SKU (the set was lost)
	if not only_dirty:
		_keep_dirty_items(acc.name)  # every change from here on is in the set: this run covers those before
	run = StockPushRun(acc, client, trigger, resend)
	with run:
		skus = fbm_skus(acc.name)
		bundles = bundle_components({sku.item_code for sku in skus})
		if dirty is not None:
			skus = [
				sku
				for sku in skus
				if sku.item_code in dirty or any(c.item_code in dirty for c in bundles.get(sku.item_code, ()))
			]
		items = {sku.item_code for sku in skus} | {c.item_code for parts in bundles.values() for c in parts}
		plan = plan_push(
			skus,
			promisable_by_item(items, fbm_warehouses(acc)),
			buffer=cint(acc.stock_buffer),
			bundles=bundles,
			resend=resend,
			retry_unknown=trigger == "Manual" and resend,
		)
		run.start(plan)
		if plan.method == PATCH:
			run.send_patches(plan.updates, plan.item_of_sku, {sku.sku: sku for sku in skus})
		elif plan.method == FEED:
			run.send_feeds(plan.updates, plan.item_of_sku)
	if run.log.status == "Failed" and dirty:
		frappe.cache().sadd(_dirty_key(acc.name), *dirty)  # the next run sends them
	elif run.log.status == "Failed" and dirty is None:
		_forget_dirty_items(acc.name)  # the next run looks at every SKU again
	frappe.db.set_value("Amazon Account", acc.name, "last_stock_push", now_datetime(), update_modified=False)
	frappe.db.commit()
	return run.log.name


def fbm_skus(account: str) -> list[StockSku]:
	rows = frappe.get_all(
		MAPPING,
		filters={"amazon_account": account, "fulfilment_channel": FBM},
		fields=[
			"seller_sku",
			"item_code",
			"limit_quantity",
			"max_quantity",
			"push_status",
			"accepted_qty",
			"accepted_at",
		],
		order_by="seller_sku",
	)
	return [
		StockSku(
			sku=row.seller_sku,
			item_code=row.item_code,
			channel=FBM,
			cap=cint(row.max_quantity) if row.limit_quantity else None,
			last_accepted=cint(row.accepted_qty) if row.accepted_at else None,
			not_on_amazon=row.push_status == "Not on Amazon",
		)
		for row in rows
	]


def bundle_components(item_codes: set[str]) -> dict[str, list[BundleComponent]]:
	"""Product Bundles among the items -> their components (ERPNext reserves components for bundle orders)."""
	if not item_codes:
		return {}
	bundles = frappe.get_all(
		"Product Bundle",
		filters={"new_item_code": ("in", list(item_codes)), "disabled": 0},
		fields=["name", "new_item_code"],
	)
	if not bundles:
		return {}
	parent_item = {b.name: b.new_item_code for b in bundles}
	components: dict[str, list[BundleComponent]] = {}
	for row in frappe.get_all(
		"Product Bundle Item",
		filters={"parent": ("in", list(parent_item)), "parenttype": "Product Bundle"},
		fields=["parent", "item_code", "qty"],
		order_by="idx",
	):
		components.setdefault(parent_item[row.parent], []).append(
			BundleComponent(row.item_code, float(row.qty or 0))
		)
	return components


def fbm_warehouses(acc) -> list[str]:
	"""The FBM warehouse, or every warehouse under it when it is a group."""
	if not acc.fbm_warehouse:
		return []
	lft, rgt, is_group = frappe.db.get_value("Warehouse", acc.fbm_warehouse, ["lft", "rgt", "is_group"])
	if not is_group:
		return [acc.fbm_warehouse]
	return frappe.get_all(
		"Warehouse", filters={"lft": (">=", lft), "rgt": ("<=", rgt), "is_group": 0}, pluck="name"
	)


def promisable_by_item(item_codes: Iterable[str], warehouses: list[str]) -> dict[str, float]:
	items = list(item_codes)
	if not items or not warehouses:
		return {}
	by_item: dict[str, list[BinFigures]] = {}
	for row in frappe.get_all(
		"Bin",
		filters={"item_code": ("in", items), "warehouse": ("in", warehouses)},
		fields=["item_code", *BIN_FIELDS],
	):
		by_item.setdefault(row.item_code, []).append(
			BinFigures(**{f: float(row[f] or 0) for f in BIN_FIELDS})
		)
	return {item: promisable_qty(bins) for item, bins in by_item.items()}


class StockPushRun(Run):
	"""One push (or, with `log`, the reading of an earlier push's feeds): sends, reads Amazon's answers into the SKU
	rows, keeps the counts on its Amazon Stock Push Log."""

	doctype = LOG
	count_names = COUNTS
	rollback_at_end = False  # a SKU's refusal is committed with the log
	owns_client = False

	def __init__(self, acc, client: AmazonClient, trigger: str = "Manual", resend: bool = False, log=None):
		self.acc = acc
		fields = {"trigger": trigger, "resend": 1 if resend else 0, **dict.fromkeys(COUNTS, 0)}
		super().__init__(acc.name, fields=fields, client=client, log=log)

	def swallows(self, exc: BaseException) -> bool:
		return isinstance(exc, AmazonError)  # Amazon's refusal of the whole run is logged, not raised

	def error_text(self, exc_type, exc, tb) -> str:
		return _error_text(exc)

	def outcome(self) -> str:
		return "Partial Success" if self.counts["failed_count"] or self.counts["not_on_amazon_count"] else "Success"

	def final_status(self, error: str | None) -> str:
		return "Failed" if error else (self.status or self.outcome())

	def start(self, plan) -> None:
		self.counts.update(
			{
				"skus_considered": plan.considered,
				"unchanged_count": plan.unchanged,
				"skipped_unknown_count": len(plan.skipped_unknown),
				"sent_count": len(plan.updates),
			}
		)
		self.values["method"] = plan.method or ""

	# patches: one call per SKU; a SKU never accepted before is looked up once to tell an unknown SKU
	def send_patches(
		self, updates: list[QuantityUpdate], item_of_sku: dict[str, str], skus: dict[str, StockSku]
	) -> None:
		for update in updates:
			try:
				submission = self.client.patch_listing_quantity(update)
				if submission.accepted and skus[update.sku].last_accepted is None:
					listing = self.client.get_listings_item(update.sku)
					if listing is None or not listing.in_catalogue:
						self.not_on_amazon(update, item_of_sku)
						continue
			except AmazonError as e:
				if e.retryable or isinstance(e, AuthError):
					raise  # Amazon is away or refuses the seller: the run stops, the log says why
				self.refused(update, item_of_sku, translated(e))
				continue
			if submission.accepted:
				self.accepted([update])
			else:
				message = "; ".join(issue.describe() for issue in submission.issues if issue.is_error)
				self.refused(
					update, item_of_sku, message or _("Amazon answered {0}.").format(submission.status)
				)
			frappe.db.commit()

	def send_feeds(self, updates: list[QuantityUpdate], item_of_sku: dict[str, str]) -> None:
		feed_ids = []
		for chunk in chunked(updates, FEED_MAX_MESSAGES):
			feed_id = self.client.submit_quantity_feed(chunk)
			feed_ids.append(feed_id)
			self.log.db_set("feed_id", ", ".join(feed_ids))
			frappe.db.commit()
			_remember_feed(self.log.name, feed_id, chunk)
		for feed_id in feed_ids:
			feed = self.client.wait_for_feed(
				feed_id,
				interval=float(frappe.conf.get("amazon_feed_poll_seconds") or 30),
				timeout=float(frappe.conf.get("amazon_feed_wait_seconds") or 600),
			)
			if not feed.is_finished:
				self.status = "Awaiting Report"
				continue
			self.read_feed(feed, item_of_sku)

	def read_feed(self, feed, item_of_sku: dict[str, str]) -> None:
		chunk = _remembered_feed(self.log.name, feed.feed_id)
		if chunk is None:  # the cache was cleared meanwhile: the next full push sends them again
			self.error = _("Feed {0}: which SKU each message was is no longer known.").format(
				feed.feed_id
			)
			return
		if feed.status != "DONE":
			report = None
			try:
				report = self.client.get_listings_feed_result(feed) if feed.result_document_id else None
			except AmazonError:
				pass
			reason = "; ".join(i.describe() for i in report.general_issues) if report else ""
			message = _("Amazon did not process feed {0} ({1}). {2}").format(
				feed.feed_id, feed.status, reason
			)
			for update in chunk:
				self.refused(update, item_of_sku, message)
		else:
			apply_feed_report(self, chunk, self.client.get_listings_feed_result(feed), item_of_sku)
		_forget_feed(self.log.name, feed.feed_id)
		frappe.db.commit()

	# what Amazon said, per SKU
	def accepted(self, updates: list[QuantityUpdate]) -> None:
		now = now_datetime()
		by_quantity: dict[int, list[str]] = {}
		for update in updates:
			by_quantity.setdefault(update.quantity, []).append(update.sku)
		for quantity, skus in by_quantity.items():
			for batch in chunked(skus, 500):
				frappe.db.set_value(
					MAPPING,
					{"amazon_account": self.acc.name, "seller_sku": ("in", batch)},
					{
						"push_status": "Accepted",
						"accepted_qty": quantity,
						"accepted_at": now,
						"push_error": None,
					},
					update_modified=False,
				)
		self.counts["accepted_count"] += len(updates)

	def refused(self, update: QuantityUpdate, item_of_sku: dict[str, str], message: str) -> None:
		self._mark(update, item_of_sku, "Refused", message)
		self.counts["failed_count"] += 1

	def not_on_amazon(self, update: QuantityUpdate, item_of_sku: dict[str, str]) -> None:
		message = _(
			"Amazon has no listing for SKU {0}: it is not sent again until its mapping is saved."
		).format(update.sku)
		self._mark(update, item_of_sku, "Not on Amazon", message)
		self.counts["not_on_amazon_count"] += 1

	def _mark(self, update: QuantityUpdate, item_of_sku: dict[str, str], status: str, message: str) -> None:
		frappe.db.set_value(
			MAPPING,
			{"amazon_account": self.acc.name, "seller_sku": update.sku},
			{"push_status": status, "push_error": message, "push_error_at": now_datetime()},
			update_modified=False,
		)
		self.rows.append(
			(
				"failures",
				{
					"seller_sku": update.sku,
					"item_code": item_of_sku.get(update.sku),
					"quantity": update.quantity,
					"error": message,
				},
			)
		)


def apply_feed_report(
	run: StockPushRun, chunk: list[QuantityUpdate], report: ListingsFeedReport, item_of_sku: dict[str, str]
) -> None:
	"""Message n of the feed is chunk[n-1]: issues name their messageId (and usually the SKU)."""
	sku_of_message = {number: update.sku for number, update in enumerate(chunk, start=1)}
	errors: dict[str, list[str]] = {}
	for issue in report.issues:
		sku = issue.sku or sku_of_message.get(issue.message_id or 0)
		if issue.is_error:
			if sku:
				errors.setdefault(sku, []).append(issue.describe())
	general = [i.describe() for i in report.general_issues if i.is_error and not i.message_id]
	accepted = []
	for update in chunk:
		if update.sku in errors:
			run.refused(update, item_of_sku, "; ".join(errors[update.sku]))
		elif general and report.messages_accepted == 0:
			run.refused(update, item_of_sku, "; ".join(general))
		elif report.items is not None and (
			update.sku not in report.items or not report.items[update.sku].in_catalogue
		):
			run.not_on_amazon(update, item_of_sku)
		else:
			accepted.append(update)
	run.accepted(accepted)


def finish_awaiting_feeds(acc, client: AmazonClient) -> None:
	"""Read the reports of feeds an earlier run left unread, into their own logs."""
	for name in frappe.get_all(
		LOG, filters={"amazon_account": acc.name, "status": "Awaiting Report"}, pluck="name"
	):
		log = frappe.get_doc(LOG, name)
		run = StockPushRun(acc, client, log=log)
		item_of_sku = dict(
			frappe.get_all(
				MAPPING,
				filters={"amazon_account": acc.name},
				fields=["seller_sku", "item_code"],
				as_list=True,
			)
		)
		try:
			pending = False
			for feed_id in [f.strip() for f in (log.feed_id or "").split(",") if f.strip()]:
				if _remembered_feed(log.name, feed_id) is None:
					continue
				feed = client.get_feed(feed_id)
				if not feed.is_finished:
					pending = True
					continue
				run.read_feed(feed, item_of_sku)
			if not pending:
				run.status = run.outcome()
		except AmazonError as e:
			run.error = _error_text(e)
		# Its counts and outcome so far; its start, end and calls stay those of the run that sent the feeds.
		run.save({"status": run.status or log.status, "error": run.error or log.error})


# The SKUs and quantities of a feed in flight: the report names message ids, the log keeps which is which.
def _feed_key(log: str, feed_id: str) -> str:
	return f"amazon_stock_feed::{log}::{feed_id}"


def _remember_feed(log: str, feed_id: str, chunk: list[QuantityUpdate]) -> None:
	frappe.cache().set_value(
		_feed_key(log, feed_id), [[u.sku, u.quantity] for u in chunk], expires_in_sec=7 * 86400
	)


def _remembered_feed(log: str, feed_id: str) -> list[QuantityUpdate] | None:
	rows = frappe.cache().get_value(_feed_key(log, feed_id))
	return [QuantityUpdate(sku, int(quantity)) for sku, quantity in rows] if rows is not None else None


def _forget_feed(log: str, feed_id: str) -> None:
	frappe.cache().delete_value(_feed_key(log, feed_id))


def _error_text(exc: BaseException) -> str:
	if isinstance(exc, AmazonError):
		return _("Amazon answered: {0}").format(translated(exc))
	return frappe.get_traceback()


# -- listings -> mapping rows ------------------------------------------------------------------------------


def import_listings(account: str, client: AmazonClient | None = None) -> dict[str, int]:
	"""Read the account's listings from Amazon (searchListingsItems; Amazon walks at most 1000) and set each SKU's
	fulfilment channel as Amazon has it: a mapping row is made for a SKU equal to an Item code, an existing row
	gets its channel corrected. SKUs matching no Item are counted, not guessed."""
	client = client or get_client(account)
	existing = {
		row.seller_sku: row
		for row in frappe.get_all(
			MAPPING, filters={"amazon_account": account}, fields=["name", "seller_sku", "fulfilment_channel"]
		)
	}
	counts = {"created": 0, "updated": 0, "unchanged": 0, "unmatched": 0}
	listings = [item for item in client.search_listings_items(included_data=("fulfillmentAvailability",))]
	items = set(
		frappe.get_all(
			"Item",
			filters={"name": ("in", [i.sku for i in listings if i.sku not in existing] or [""])},
			pluck="name",
		)
	)
	for listing in listings:
		channel = FBA if listing.is_fba else FBM
		row = existing.get(listing.sku)
		if row is not None:
			if row.fulfilment_channel == channel:
				counts["unchanged"] += 1
			else:
				frappe.db.set_value(MAPPING, row.name, "fulfilment_channel", channel)
				counts["updated"] += 1
		elif listing.sku in items:
			frappe.get_doc(
				{
					"doctype": MAPPING,
					"amazon_account": account,
					"seller_sku": listing.sku,
					"item_code": listing.sku,
					"fulfilment_channel": channel,
				}
			).insert()
			counts["created"] += 1
		else:
			counts["unmatched"] += 1
	frappe.db.commit()
	return counts


# -- dirty items (debounce) ---------------------------------------------------------------------------------


def mark_dirty(item_codes: Iterable[str], warehouse: str | None, company: str | None = None) -> list[str]:
	"""Remember that these items' stock changed for every account pushing from that warehouse; returns the
	accounts concerned (the caller asks scheduler.py to schedule them)."""
	items = [code for code in item_codes if code]
	if not items:
		return []
	accounts = []
	for acc in _pushing_accounts():
		if warehouse and warehouse not in acc.warehouses:
			continue
		if not warehouse and company and acc.company != company:
			continue
		frappe.cache().sadd(_dirty_key(acc.name), *items)
		accounts.append(acc.name)
	return accounts


def take_dirty_items(account: str) -> set[str] | None:
	"""The items changed since the last run (and forget them: a change from now on starts a new set); None when
	the set may be incomplete (Redis flushed or restarted, or never kept yet): then every SKU is looked at."""
	from redis.exceptions import ConnectionError as RedisUnreachable

	key = _dirty_key(account)
	cache = frappe.cache()
	try:
		kept = _dirty_items_kept(account)
		_keep_dirty_items(account)
		if not kept:
			cache.delete_value(key)  # what was marked since the loss is covered by this full look too
			return None
		items = set()
		while True:
			popped = cache.spop(key)
			if popped is None:
				break
			items.add(popped.decode() if isinstance(popped, bytes) else popped)
	except RedisUnreachable:
		return None  # Redis restarting: what changed is unknown, the run looks at every SKU instead of failing
	return items


def has_dirty_items(account: str) -> bool:
	"""Items changed since the last run, or the set of them was lost (a run then looks at every SKU)."""
	return not _dirty_items_kept(account) or bool(frappe.cache().srandmember(_dirty_key(account)))


# The sets of changed items live in the site's Redis cache, which a flush or a restart empties: this key, set
# when a run takes its set, says the set holds every change since. Gone with the set, it makes the next run
# look at every SKU (sending only the quantities that differ from what Amazon was last sent).
def _kept_key(account: str) -> str:
	return frappe.cache().make_key(f"{DIRTY_KEY}_kept::{account}")


def _dirty_items_kept(account: str) -> bool:
	return bool(frappe.cache().exists(_kept_key(account), shared=True))


def _keep_dirty_items(account: str) -> None:
	from redis.exceptions import ConnectionError as RedisUnreachable

	with suppress(RedisUnreachable):  # not kept: the next run looks at every SKU again, no harm
		frappe.cache().set(_kept_key(account), 1)


def _forget_dirty_items(account: str) -> None:
	from redis.exceptions import ConnectionError as RedisUnreachable

	with suppress(RedisUnreachable):  # unreachable because it restarted: the key is gone already
		frappe.cache().delete(_kept_key(account))


def _dirty_key(account: str) -> str:
	return f"{DIRTY_KEY}::{account}"


def _pushing_accounts() -> list:
	accounts = frappe.get_all(
		"Amazon Account", filters={"enabled": 1, "push_stock": 1}, fields=["name", "company", "fbm_warehouse"]
	)
	for acc in accounts:
		acc.warehouses = set(fbm_warehouses(acc))
	return accounts


# -- FBA counts back ----------------------------------------------------------------------------------------


def pool_accounts(account: str) -> list:
	"""The enabled registrations sharing the account's FBA pool (same seller, same region), the account first."""
	acc = frappe.db.get_value(
		"Amazon Account", account, ["name", "seller_id", "region", "fba_warehouse", "unsellable_warehouse"], as_dict=True
	)
	others = frappe.get_all(
		"Amazon Account",
		filters={"seller_id": acc.seller_id, "region": acc.region, "enabled": 1, "name": ("!=", acc.name)},
		fields=["name", "fba_warehouse", "unsellable_warehouse"],
		order_by="name",
	)
	return [acc, *others]


def fba_reconciliation(account: str, client: AmazonClient | None = None) -> list[FbaReconciliationRow]:
	"""Amazon's FBA pool against ERPNext's FBA and Unsellable warehouse(s) of every registration sharing it."""
	accounts = pool_accounts(account)
	client = client or get_client(account)
	counts = [
		FbaCount(
			sku=summary.sku,
			fulfillable=summary.fulfillable,
			inbound=summary.inbound,
			reserved=summary.reserved,
			unfulfillable=summary.unfulfillable,
		)
		for summary in client.inventory_summaries()
	]
	names = [acc.name for acc in accounts]
	item_of_sku = {
		row.seller_sku: row.item_code
		for row in frappe.get_all(
			MAPPING,
			filters={"amazon_account": ("in", names)},
			fields=["seller_sku", "item_code"],
			order_by="fulfilment_channel",
		)
	}
	unmapped = [c.sku for c in counts if c.sku not in item_of_sku]
	if unmapped:  # a SKU equal to an Item code needs no mapping row (as for orders)
		for code in frappe.get_all("Item", filters={"name": ("in", unmapped)}, pluck="name"):
			item_of_sku[code] = code
	# Amazon's on-hand figure counts unfulfillable units: ERPNext holds them in the Unsellable Warehouse.
	warehouses = sorted(
		{warehouse for acc in accounts for warehouse in (acc.fba_warehouse, acc.unsellable_warehouse) if warehouse}
	)
	erpnext_qty: dict[str, float] = {}
	items = sorted(set(item_of_sku.values()))
	if items and warehouses:
		for row in frappe.get_all(
			"Bin",
			filters={"item_code": ("in", items), "warehouse": ("in", warehouses)},
			fields=["item_code", "actual_qty"],
		):
			erpnext_qty[row.item_code] = erpnext_qty.get(row.item_code, 0.0) + float(row.actual_qty or 0)
	return reconcile_fba(counts, item_of_sku, erpnext_qty)


def make_stock_reconciliation(account: str, item_codes: list[str], client: AmazonClient | None = None) -> str:
	"""A DRAFT Stock Reconciliation bringing the picked items of the account's FBA warehouse to Amazon's count
	(never submitted here: the user checks and submits it)."""
	acc = frappe.get_doc("Amazon Account", account)
	if not acc.fba_warehouse:
		frappe.throw(
			_("Set the FBA Warehouse of Amazon Account {0}.").format(acc.name), title=_("No FBA Warehouse")
		)
	picked = set(item_codes)
	rows = {}
	for row in fba_reconciliation(account, client):
		if row.item_code in picked and row.difference:
			rows[row.item_code] = row
	if not rows:
		frappe.throw(_("The picked items have no difference to reconcile."), title=_("Nothing to Reconcile"))
	own = {
		b.item_code: b
		for b in frappe.get_all(
			"Bin",
			filters={"item_code": ("in", list(rows)), "warehouse": acc.fba_warehouse},
			fields=["item_code", "actual_qty", "valuation_rate"],
		)
	}
	doc = frappe.new_doc("Stock Reconciliation")
	doc.company = acc.company
	doc.purpose = "Stock Reconciliation"
	unvalued = []
	for item_code, row in sorted(rows.items()):
		current = own.get(item_code)
		qty = max(0.0, float(current.actual_qty if current else 0) + row.difference)
		line = {"item_code": item_code, "warehouse": acc.fba_warehouse, "qty": qty}
		# Without a rate the reconciliation cannot be submitted. An item new to the FBA warehouse (the first
		# count) is valued as the company values it elsewhere: ERPNext's own fallback looks only at the same
		# warehouse and the Item's rates, never another warehouse.
		rate = current.valuation_rate if current and current.valuation_rate else None
		if not rate and qty:
			rate = _valuation_elsewhere(item_code, acc.company)
			if not rate:
				unvalued.append(item_code)
		if rate:
			line["valuation_rate"] = rate
		doc.append("items", line)
	doc.flags.ignore_permissions = False
	doc.insert()
	if unvalued:
		rows_text = ", ".join(
			_("row {0} ({1})").format(item.idx, item.item_code) for item in doc.items if item.item_code in unvalued
		)
		message = _(
			"No valuation rate found for {0}: the company holds no valued stock of these items in any warehouse, "
			"and they have no Valuation Rate nor buying price. Enter a Valuation Rate on each of these rows "
			"before submitting."
		).format(rows_text)
		doc.add_comment("Comment", message)
		frappe.msgprint(message, title=_("Valuation Rate Missing"), indicator="orange")
	return doc.name


def _valuation_elsewhere(item_code: str, company: str) -> float | None:
	"""What the company's stock of an item is valued at in its other warehouses (their average), else the
	Item's Valuation Rate, else its buying price in the company's currency (the default buying price list
	first)."""
	valued = frappe.db.sql(
		"""select sum(bin.stock_value) / sum(bin.actual_qty) from `tabBin` bin
		join `tabWarehouse` warehouse on warehouse.name = bin.warehouse
		where bin.item_code = %s and warehouse.company = %s and bin.actual_qty > 0 and bin.stock_value > 0""",
		(item_code, company),
	)[0][0]
	if valued:
		return flt(valued)
	if rate := frappe.db.get_value("Item", item_code, "valuation_rate"):
		return flt(rate)
	buying_list = frappe.db.get_single_value("Buying Settings", "buying_price_list") or ""
	price = frappe.db.sql(
		"""select price_list_rate from `tabItem Price`
		where item_code = %s and buying = 1 and currency = %s and price_list_rate > 0
		order by price_list = %s desc, modified desc limit 1""",
		(item_code, frappe.get_cached_value("Company", company, "default_currency"), buying_list),
	)
	return flt(price[0][0]) if price else None
