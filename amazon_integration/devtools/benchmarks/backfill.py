"""Backfill benchmark: `bench --site SITE amazon benchmark-backfill --orders 10000 [--import-orders 300]`.

Amazon's side (no ERPNext): a simulator holds N orders placed over the last year on Amazon.com and Amazon.ca,
with Amazon's default usage plans enforced. One client, on the simulator's clock (a quota wait advances it and
costs no real time), reads the year twice: through the all-orders report (createReport, getReport polls,
getReportDocument, the download), parsed and planned into Sales Orders; and through searchOrders, 100 orders a
page, as order sync reads. Prints the calls of each path by operation, the simulated time each took (quota
waits and Amazon's report processing), the least time Amazon's quotas alone allow, and the real seconds spent
parsing and planning the report's orders.

ERPNext's side (`--import-orders M`, test sites only: it prepares the site as the tier-2 tests do and its
documents stay): M orders backfilled into a fresh account (wall seconds per order), then Amazon closes the
settlement period; the settlements are imported, submitted and booked, and their status printed
(Reconciled when every order's money found its invoice).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from amazon_integration.amazon import AccountConfig, AmazonClient, LwaCredentials, MemoryQuotaStore
from amazon_integration.amazon.auth import TokenCache
from amazon_integration.simulator import Simulator
from amazon_integration.domain.backfill import ORDERS_REPORT, BadOrder, orders_from_report, parse_orders_report
from amazon_integration.domain.orders import AccountSettings, Action, decide, plan_sales_order
from amazon_integration.domain.stock import quota_bound_seconds

US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
DAYS = 365
SETTINGS = AccountSettings(
	company="Benchmark",
	price_lists={US: "USD", CA: "CAD"},
	fba_warehouse="FBA",
	fbm_warehouse="FBM",
	shipping_item="SHIPPING",
	gift_wrap_item="GIFT WRAP",
	sales_tax_account="Sales Tax",
	marketplace_tax_account="Amazon Tax",
)


class _SimClock:
	def __init__(self, sim: Simulator) -> None:
		self.sim = sim

	def now(self) -> float:
		return self.sim.state.clock.now().timestamp()

	def sleep(self, seconds: float) -> None:
		if seconds > 0:
			self.sim.state.clock.advance(seconds)


def amazon_side(orders: int, seed: int = 1) -> dict:
	"""The two ways of reading a year of orders, in Amazon's time."""
	with Simulator(seed=seed, orders=orders, days=DAYS, time_scale=1.0, marketplaces=(US, CA)) as sim:
		sim.control.report_timing(60, 300)  # Amazon takes minutes to write a year's report
		clock = _SimClock(sim)
		config = AccountConfig(
			seller_id=sim.state.seller_id,
			region="NA",
			marketplace_ids=(US, CA),
			credentials=LwaCredentials("amzn1.application-oa2-client.bench", "bench-secret", "Atzr|bench"),
			endpoint=sim.url,
			retry_deadline=24 * 3600.0,
		)
		client = AmazonClient(config, MemoryQuotaStore(), clock=clock.now, sleep=clock.sleep, token_cache=TokenCache())
		since = sim.state.clock.now() - timedelta(days=DAYS + 1)
		names = {market.name: mid for mid, market in sim.state.marketplaces.items()}

		started, real = clock.now(), time.perf_counter()
		report_id = client.create_report(ORDERS_REPORT, start=since)
		report = client.wait_for_report(report_id, interval=30.0, timeout=3600.0)
		parse_seconds = 0.0
		outcomes: Counter = Counter()
		with client.open_report_document(report.document_id) as lines:
			parse_started = time.perf_counter()
			for order in orders_from_report(parse_orders_report(lines), names):
				if isinstance(order, BadOrder):
					outcomes["bad"] += 1
					continue
				action = decide(order, {US, CA}).action
				outcomes[action.value] += 1
				if action is Action.IMPORT and order.status == "SHIPPED":
					plan_sales_order(order, SETTINGS, lambda sku: sku, 2)
			parse_seconds = time.perf_counter() - parse_started
		report_path = _path(client, started, time.perf_counter() - real)
		client.metrics.reset()

		started, real = clock.now(), time.perf_counter()
		search = client.search_orders(since, included_data=("PROCEEDS", "FULFILLMENT"))
		searched = sum(1 for _ in search)
		search_path = _path(client, started, time.perf_counter() - real)
		client.close()
	return {
		"orders": orders,
		"report": {**report_path, "outcomes": dict(outcomes), "parse_plan_seconds": parse_seconds},
		"search": {**search_path, "orders": searched, "pages": search.pages},
	}


def _path(client: AmazonClient, started: float, real: float) -> dict:
	calls = {op: m.calls for op, m in client.metrics.snapshot().items() if m.calls}
	return {
		"calls": calls,
		"amazon_seconds": client.utcnow().timestamp() - started,
		"quota_seconds": quota_bound_seconds(calls),
		"real_seconds": real,
	}


def erpnext_side(orders: int, seed: int = 1) -> dict:
	"""Backfill `orders` into a fresh account of a test site, then settle them."""
	import frappe

	from amazon_integration.erpnext.backfill import backfill_orders
	from amazon_integration.erpnext.settlements import book_settlement, import_account_settlements
	from amazon_integration.devtools.testbed import (
		COMPANY_ABBR,
		before_tests,
		make_account,
		next_namespace,
		require_test_site,
		retire_simulator_accounts,
		simulator_account,
	)

	require_test_site()
	before_tests()
	namespace = next_namespace()
	with Simulator(seed=seed, orders=orders, days=30, time_scale=1.0, marketplaces=(US,), namespace=namespace) as sim:
		sim.control.report_timing(0, 0)
		account = simulator_account(sim)
		account.clearing_account = make_account(
			f"Amazon Clearing {namespace} - {COMPANY_ABBR}", f"Bank Accounts - {COMPANY_ABBR}", "Bank"
		)
		account.invoice_fbm_deliveries = 1
		account.save()
		frappe.db.commit()
		since = (datetime.now(timezone.utc) - timedelta(days=32)).date()
		started = time.perf_counter()
		log = frappe.get_doc("Amazon Sync Log", backfill_orders(account.name, str(since)))
		seconds = time.perf_counter() - started
		sim.control.advance(600)
		sim.control.close_settlements("USD")
		sim.control.advance(600)
		settlements = import_account_settlements(account.name)
		statuses: Counter = Counter()
		difference = Decimal(0)
		for name in settlements:
			frappe.get_doc("Amazon Settlement", name).submit()
			frappe.db.commit()
			book_settlement(name)
			doc = frappe.get_doc("Amazon Settlement", name)
			statuses[doc.status] += 1
			difference += Decimal(str(doc.get("difference") or 0))
		retire_simulator_accounts(sim)
	return {
		"orders": orders,
		"log": log.name,
		"counts": {k: log.get(f"{k}_count") for k in ("created", "unchanged", "waiting", "skipped", "failed")},
		"seconds": seconds,
		"settlements": dict(statuses),
	}


def report(amazon: dict, erpnext: dict | None = None) -> str:
	r, s = amazon["report"], amazon["search"]
	lines = [
		f"Backfill of {amazon['orders']} orders placed over {DAYS} days (Amazon.com + Amazon.ca), Amazon's default quotas:",
		f"  all-orders report: calls {r['calls']}",
		f"    Amazon time {r['amazon_seconds'] / 60:.1f} min (report processing and polls), of it quotas alone "
		f"{r['quota_seconds'] / 60:.1f} min; real {r['real_seconds']:.1f}s, of it parsing and planning "
		f"{r['parse_plan_seconds']:.1f}s",
		f"    orders: {r['outcomes']}",
		f"  searchOrders: {s['pages']} pages for {s['orders']} orders, calls {s['calls']}",
		f"    Amazon time {s['amazon_seconds'] / 3600:.2f} h, quotas alone {s['quota_seconds'] / 3600:.2f} h; "
		f"real {s['real_seconds']:.1f}s",
	]
	if erpnext:
		per = erpnext["seconds"] / max(1, erpnext["counts"]["created"] or 1)
		lines += [
			f"ERPNext: backfilled {erpnext['orders']} orders in {erpnext['seconds']:.1f}s "
			f"({per:.2f}s per created order): {erpnext['counts']} (log {erpnext['log']})",
			f"  their settlements after booking: {erpnext['settlements']}",
		]
	return "\n".join(lines)


if __name__ == "__main__":
	import sys

	print(report(amazon_side(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)))
