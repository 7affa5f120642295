"""Stock-push benchmark: `bench --site SITE amazon benchmark-stock --skus N`.

Makes N stock items with a Bin in the test FBM warehouse and an FBM SKU mapping each (bulk-inserted: the
benchmark measures the push, not ERPNext's item creation), lists them on the simulator, then times
  1. a full push (every SKU is new to Amazon: one JSON_LISTINGS_FEED per 25,000 SKUs), and
  2. a 1% delta (N/100 items' stock changes: deltas only, sent by patches when few).
For each it prints the SP-API calls by operation, the wall time, and the time Amazon's default quotas alone
would need for those calls. The simulator processes feeds at once here; Amazon takes minutes.

It prepares the site as the tier-2 tests do and leaves its items there: run it on a test site (`allow_tests`).
"""

from __future__ import annotations

import time

import frappe
from frappe.utils import now_datetime

from amazon_integration.amazon.usage_plans import USAGE_PLANS
from amazon_integration.erpnext.account_client import get_client
from amazon_integration.erpnext.stock import LOG, push_account_stock
from amazon_integration.simulator import Simulator
from amazon_integration.domain.stock import quota_bound_seconds


def make_fbm_skus(account: str, count: int, prefix: str, warehouse: str, qty: float = 20) -> list[str]:
	"""`count` stock items `{prefix}-00001`..., each with `qty` in `warehouse` and an FBM mapping row of the same
	code (bulk-inserted; Bins written directly, as a benchmark or test fixture only)."""
	codes = [f"{prefix}-{n:05d}" for n in range(1, count + 1)]
	now = now_datetime()
	group = frappe.db.get_value("Item Group", {"is_group": 0}, "name") or "All Item Groups"
	common = {"creation": now, "modified": now, "owner": "Administrator", "modified_by": "Administrator"}
	frappe.db.bulk_insert(
		"Item",
		[
			"name",
			"item_code",
			"item_name",
			"item_group",
			"stock_uom",
			"is_stock_item",
			"include_item_in_manufacturing",
			*common,
		],
		[(code, code, code, group, "Nos", 1, 0, *common.values()) for code in codes],
		ignore_duplicates=True,
	)
	frappe.db.bulk_insert(
		"Bin",
		["name", "item_code", "warehouse", "actual_qty", "projected_qty", "stock_uom", *common],
		[
			(frappe.generate_hash(length=12), code, warehouse, qty, qty, "Nos", *common.values())
			for code in codes
		],
		ignore_duplicates=True,
	)
	frappe.db.bulk_insert(
		"Amazon SKU Mapping",
		["name", "amazon_account", "seller_sku", "item_code", "fulfilment_channel", *common],
		[(frappe.generate_hash(length=12), account, code, code, "FBM", *common.values()) for code in codes],
		ignore_duplicates=True,
	)
	frappe.db.commit()
	return codes


def run(skus: int) -> dict:
	if not frappe.conf.allow_tests:
		frappe.throw("The benchmark makes test documents: run it on a site with allow_tests set.")
	from amazon_integration.devtools.testbed import FBM_WAREHOUSE, before_tests, simulator_account

	before_tests()
	with Simulator(seed=11, orders=0, time_scale=1.0) as sim:
		sim.control.set_feed_timing(0, 0)
		account = simulator_account(sim, push_stock=1)
		prefix = f"BENCH-{account.seller_id[-6:]}"
		codes = make_fbm_skus(account.name, skus, prefix, FBM_WAREHOUSE)
		sim.control.put_listings(codes, quantity=0)
		full = _timed(account.name, resend=True)
		changed = codes[:: max(1, len(codes) // max(1, skus // 100))][: max(1, skus // 100)]
		frappe.db.sql(
			"update `tabBin` set actual_qty = actual_qty + 5 where warehouse = %s and item_code in %s",
			(FBM_WAREHOUSE, tuple(changed)),
		)
		frappe.db.commit()
		delta = _timed(account.name, resend=False)
	return {"skus": skus, "full": full, "delta": delta, "changed": len(changed)}


def _timed(account: str, resend: bool) -> dict:
	client = get_client(account)
	started = time.perf_counter()
	log = frappe.get_doc(LOG, push_account_stock(account, trigger="Manual", resend=resend, client=client))
	seconds = time.perf_counter() - started
	calls = {op: m.calls for op, m in client.metrics.snapshot().items() if m.calls}
	return {
		"seconds": seconds,
		"calls": calls,
		"quota_seconds": quota_bound_seconds(calls),
		"method": log.method,
		"sent": log.sent_count,
		"accepted": log.accepted_count,
		"status": log.status,
	}


def report(result: dict) -> str:
	lines = [f"Stock push benchmark: {result['skus']} FBM SKUs"]
	for label, key in (
		(f"Full push ({result['skus']} SKUs)", "full"),
		(f"1% delta ({result['changed']} items changed)", "delta"),
	):
		run = result[key]
		spapi = {op: n for op, n in run["calls"].items() if op in USAGE_PLANS}
		other = {op: n for op, n in run["calls"].items() if op not in USAGE_PLANS}
		lines.append(
			f"{label}: {run['status']}, sent {run['sent']} by {run['method'] or 'nothing'}, accepted {run['accepted']}\n"
			f"  SP-API calls: {sum(spapi.values())} ({_listed(spapi)}); "
			f"other requests (LWA token, document transfer): {_listed(other) or 'none'}\n"
			f"  wall time {run['seconds']:.1f}s; Amazon's quotas alone need {run['quota_seconds']:.1f}s"
			+ (
				" (plus Amazon's processing of the feed: minutes; the simulator's is instant)"
				if run["method"] == "Feed"
				else ""
			)
		)
	return "\n".join(lines)


def _listed(calls: dict[str, int]) -> str:
	return ", ".join(f"{op} {count}" for op, count in sorted(calls.items()))
