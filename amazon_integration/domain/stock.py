"""Stock both ways, the pure part: which quantity each merchant-fulfilled SKU gets on Amazon, which SKUs a run
sends and by which method, and how Amazon's FBA counts compare with ERPNext's.

The promisable figure of an item in a warehouse comes from ERPNext's Bin (erpnext/stock/doctype/bin/bin.py,
set_projected_qty): projected_qty = actual + ordered + indented + planned - reserved (sales orders) - reserved for
production, sub-contracting and production plans. Amazon may only be promised stock that is on the shelf and not
already promised, so the incoming terms (ordered from suppliers, requested, planned production) are left out:
    promisable = actual_qty - reserved_qty - reserved_qty_for_production - reserved_qty_for_sub_contract
                 - reserved_qty_for_production_plan
`reserved_stock` (Stock Reservation Entries) is not subtracted again: those entries reserve stock for sales order
lines that reserved_qty already counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from amazon_integration.amazon.listings import QuantityUpdate
from amazon_integration.amazon.usage_plans import USAGE_PLANS, plan_for

FBM = "FBM"
FBA = "FBA"
PATCH = "Patch"
FEED = "Feed"
# A feed is worth it once patches would take longer than one createFeed refill (~120 s at 0.0083/s) plus
# Amazon's processing: beyond that many SKUs, one feed beats a stream of patches.
FEED_TURNAROUND_SECONDS = 1 / plan_for("createFeed").rate


@dataclass(frozen=True)
class BinFigures:
	"""The Bin fields the promisable figure is made of (one item, one warehouse)."""

	actual_qty: float = 0.0
	reserved_qty: float = 0.0
	reserved_qty_for_production: float = 0.0
	reserved_qty_for_sub_contract: float = 0.0
	reserved_qty_for_production_plan: float = 0.0

	@property
	def promisable(self) -> float:
		return (
			self.actual_qty
			- self.reserved_qty
			- self.reserved_qty_for_production
			- self.reserved_qty_for_sub_contract
			- self.reserved_qty_for_production_plan
		)


def promisable_qty(bins: Iterable[BinFigures]) -> float:
	"""An item's promisable quantity over the FBM warehouses (one warehouse short never borrows from another's
	surplus below zero: each Bin counts as it stands, negative ones included, as ERPNext's projected qty does)."""
	return sum(b.promisable for b in bins)


@dataclass(frozen=True)
class BundleComponent:
	item_code: str
	qty: float  # units of the component in one bundle


def bundle_qty(components: Sequence[BundleComponent], promisable_by_item: Mapping[str, float]) -> float:
	"""How many whole bundles the components allow (ERPNext's Product Bundle Balance does the same)."""
	if not components:
		return 0.0
	return float(
		min(
			math.floor(max(0.0, promisable_by_item.get(c.item_code, 0.0)) / c.qty) if c.qty > 0 else 0
			for c in components
		)
	)


def target_quantity(promisable: float, buffer: int = 0, cap: int | None = None) -> int:
	"""The whole units Amazon may sell: promisable less the safety buffer, never below 0, at most `cap`."""
	quantity = max(0, math.floor(promisable + 1e-9) - max(0, buffer))
	if cap is not None:
		quantity = min(quantity, max(0, cap))
	return quantity


@dataclass(frozen=True)
class StockSku:
	"""One seller SKU of an account as the push sees it."""

	sku: str
	item_code: str
	channel: str = FBM  # FBM / FBA
	cap: int | None = None
	last_accepted: int | None = None  # the last quantity Amazon accepted; None: never accepted
	not_on_amazon: bool = False  # Amazon said it has no listing for the SKU (reported once, then skipped)


@dataclass
class PushPlan:
	updates: list[QuantityUpdate] = field(default_factory=list)
	considered: int = 0
	unchanged: int = 0
	skipped_unknown: list[str] = field(default_factory=list)
	method: str | None = None  # PATCH / FEED / None when nothing is sent
	item_of_sku: dict[str, str] = field(default_factory=dict)


def plan_push(
	skus: Iterable[StockSku],
	promisable_by_item: Mapping[str, float],
	*,
	buffer: int = 0,
	bundles: Mapping[str, Sequence[BundleComponent]] | None = None,
	resend: bool = False,
	retry_unknown: bool = False,
) -> PushPlan:
	"""The quantities to send: FBM SKUs only (Amazon owns FBA stock), deltas only unless `resend`; SKUs Amazon
	said it does not know are skipped unless `retry_unknown`."""
	bundles = bundles or {}
	plan = PushPlan()
	for sku in skus:
		if sku.channel != FBM:
			continue
		plan.considered += 1
		if sku.not_on_amazon and not retry_unknown:
			plan.skipped_unknown.append(sku.sku)
			continue
		if sku.item_code in bundles:
			promisable = bundle_qty(bundles[sku.item_code], promisable_by_item)
		else:
			promisable = promisable_by_item.get(sku.item_code, 0.0)
		quantity = target_quantity(promisable, buffer, sku.cap)
		if not resend and sku.last_accepted is not None and sku.last_accepted == quantity:
			plan.unchanged += 1
			continue
		plan.updates.append(QuantityUpdate(sku.sku, quantity))
		plan.item_of_sku[sku.sku] = sku.item_code
	if plan.updates:
		plan.method = choose_method(len(plan.updates))
	return plan


def choose_method(count: int) -> str:
	"""Patches while they take no longer than a feed's turnaround at Amazon's patch quota, a feed beyond."""
	plan = plan_for("patchListingsItem")
	patch_seconds = max(0, count - plan.burst) / plan.rate
	return PATCH if patch_seconds <= FEED_TURNAROUND_SECONDS else FEED


def quota_bound_seconds(calls: Mapping[str, int]) -> float:
	"""The least time Amazon's default quotas allow for these calls (per operation: past the burst, one per
	1/rate seconds; operations have separate buckets, so the slowest decides)."""
	longest = 0.0
	for operation, count in calls.items():
		if operation not in USAGE_PLANS:  # the LWA token, document uploads and downloads have no SP-API quota
			continue
		plan = plan_for(operation)
		longest = max(longest, max(0, count - plan.burst) / plan.rate)
	return longest


# -- FBA counts back ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FbaCount:
	"""Amazon's FBA figures of a SKU (its region's pool)."""

	sku: str
	fulfillable: int
	inbound: int
	reserved: int
	unfulfillable: int

	@property
	def on_hand(self) -> int:
		"""Units physically in Amazon's warehouses and the seller's: fulfillable + reserved (picked for orders not
		yet shipped: still stock until Amazon ships) + unfulfillable (damaged, still owned)."""
		return self.fulfillable + self.reserved + self.unfulfillable


@dataclass(frozen=True)
class FbaReconciliationRow:
	sku: str
	item_code: str
	amazon: FbaCount
	amazon_item_qty: int  # on hand at Amazon over every SKU of the item in the pool
	erpnext_qty: float  # the item's stock in the pool's FBA warehouse(s)
	shared_with: tuple[str, ...] = ()  # other SKUs of the same item in the same pool

	@property
	def difference(self) -> float:
		"""What ERPNext must add to match Amazon (negative: ERPNext holds more than Amazon)."""
		return self.amazon_item_qty - self.erpnext_qty


def reconcile_fba(
	counts: Iterable[FbaCount], item_of_sku: Mapping[str, str], erpnext_qty_by_item: Mapping[str, float]
) -> list[FbaReconciliationRow]:
	"""One row per SKU Amazon reports (and mapped to an item). Several SKUs of one item in the pool are summed
	against the item's one ERPNext figure; the difference is shown on each of them (the same for all)."""
	by_item: dict[str, list[FbaCount]] = {}
	seen: set[str] = set()
	for count in counts:
		item = item_of_sku.get(count.sku)
		if item is None or count.sku in seen:
			continue
		seen.add(count.sku)
		by_item.setdefault(item, []).append(count)
	rows = []
	for item, item_counts in sorted(by_item.items()):
		total = sum(count.on_hand for count in item_counts)
		for count in item_counts:
			rows.append(
				FbaReconciliationRow(
					sku=count.sku,
					item_code=item,
					amazon=count,
					amazon_item_qty=total,
					erpnext_qty=float(erpnext_qty_by_item.get(item, 0.0)),
					shared_with=tuple(c.sku for c in item_counts if c.sku != count.sku),
				)
			)
	return rows
