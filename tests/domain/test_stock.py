"""The stock push and FBA reconciliation decisions (domain/stock.py)."""

from __future__ import annotations

from amazon_integration.amazon.listings import QuantityUpdate
from amazon_integration.domain.stock import (
	FBA,
	FEED,
	PATCH,
	BinFigures,
	BundleComponent,
	FbaCount,
	StockSku,
	bundle_qty,
	choose_method,
	plan_push,
	promisable_qty,
	quota_bound_seconds,
	reconcile_fba,
	target_quantity,
)


def test_promisable_leaves_out_incoming_and_takes_every_reservation() -> None:
	figures = BinFigures(
		actual_qty=50,
		reserved_qty=8,
		reserved_qty_for_production=2,
		reserved_qty_for_sub_contract=1,
		reserved_qty_for_production_plan=4,
	)
	assert figures.promisable == 35
	assert promisable_qty([figures, BinFigures(actual_qty=5)]) == 40


def test_target_quantity_buffer_floor_and_cap() -> None:
	assert target_quantity(10.7, buffer=2) == 8
	assert target_quantity(1, buffer=3) == 0
	assert target_quantity(-4) == 0
	assert target_quantity(100, buffer=0, cap=25) == 25
	assert target_quantity(100, cap=0) == 0


def test_bundle_quantity_is_what_components_allow() -> None:
	components = [BundleComponent("MUG", 2), BundleComponent("TEA", 1)]
	assert bundle_qty(components, {"MUG": 9, "TEA": 10}) == 4
	assert bundle_qty(components, {"MUG": 9}) == 0
	assert bundle_qty(components, {"MUG": -3, "TEA": 10}) == 0


def test_plan_sends_fbm_deltas_only_and_never_fba() -> None:
	skus = [
		StockSku("MUG-FBM", "MUG", last_accepted=5),
		StockSku("MUG-FBA", "MUG", channel=FBA),
		StockSku("TEA-FBM", "TEA", last_accepted=3),
		StockSku("NEW-FBM", "NEW"),
		StockSku("GONE", "GONE", not_on_amazon=True),
		StockSku("SET", "SET", cap=2),
	]
	promisable = {"MUG": 6, "TEA": 3, "NEW": 0, "GONE": 9, "CUP": 10}
	bundles = {"SET": [BundleComponent("CUP", 3)]}
	plan = plan_push(skus, promisable, buffer=1, bundles=bundles)
	assert plan.considered == 5
	assert plan.updates == [
		QuantityUpdate("TEA-FBM", 2),
		QuantityUpdate("NEW-FBM", 0),
		QuantityUpdate("SET", 2),
	]
	assert plan.unchanged == 1 and plan.skipped_unknown == ["GONE"] and plan.method == PATCH
	resent = plan_push(skus, promisable, buffer=1, bundles=bundles, resend=True, retry_unknown=True)
	assert {u.sku for u in resent.updates} == {"MUG-FBM", "TEA-FBM", "NEW-FBM", "GONE", "SET"}
	assert plan_push([], promisable).method is None


def test_method_by_count_against_quotas() -> None:
	assert choose_method(1) == PATCH
	assert choose_method(50) == PATCH
	assert choose_method(5000) == FEED
	assert quota_bound_seconds({"patchListingsItem": 5}) == 0
	assert quota_bound_seconds({"patchListingsItem": 105, "getFeed": 1}) == 20


def test_fba_reconciliation_sums_skus_of_one_item_in_the_pool() -> None:
	counts = [
		FbaCount("MUG-FBA", fulfillable=10, inbound=4, reserved=2, unfulfillable=1),
		FbaCount("MUG-FBA-2", fulfillable=3, inbound=0, reserved=0, unfulfillable=0),
		FbaCount("TEA-FBA", fulfillable=5, inbound=0, reserved=0, unfulfillable=0),
		FbaCount(
			"MUG-FBA", fulfillable=10, inbound=4, reserved=2, unfulfillable=1
		),  # a second marketplace's copy
		FbaCount("UNMAPPED", fulfillable=1, inbound=0, reserved=0, unfulfillable=0),
	]
	rows = reconcile_fba(
		counts, {"MUG-FBA": "MUG", "MUG-FBA-2": "MUG", "TEA-FBA": "TEA"}, {"MUG": 20, "TEA": 5}
	)
	by_sku = {row.sku: row for row in rows}
	assert set(by_sku) == {"MUG-FBA", "MUG-FBA-2", "TEA-FBA"}
	assert by_sku["MUG-FBA"].amazon_item_qty == 16 and by_sku["MUG-FBA"].difference == -4
	assert by_sku["MUG-FBA"].shared_with == ("MUG-FBA-2",)
	assert by_sku["TEA-FBA"].difference == 0
