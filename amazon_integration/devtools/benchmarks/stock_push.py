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

from amazon_integration.amazon.usage_plans import USAGE_PLANS
from amazon_integration.devtools.fixtures import make_fbm_skus
from amazon_integration.erpnext.account_client import get_client
from amazon_integration.erpnext.stock import LOG, push_account_stock
from amazon_integration.simulator import Simulator
from amazon_integration.domain.stock import quota_bound_seconds


def run(skus: int) -> dict:
	from amazon_integration.devtools.testbed import require_test_site

	require_test_site()
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
