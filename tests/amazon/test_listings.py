"""Listings quantities through the gateway against the simulator: patchListingsItem, getListingsItem,
searchListingsItems and the JSON_LISTINGS_FEED; what the gateway sends is checked against Amazon's listings feed
schema and the Listings Items model, what the simulator answers against the model and the processing-report
schema."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from amazon_integration.amazon.listings import (
	QuantityUpdate,
	build_quantity_feed,
	parse_listings_feed_report,
	quantity_patch,
)
from amazon_integration.simulator.feeds import documents, feeds_state

MODEL = "listings/listingsItems_2021-08-01"
FBM_SKU = "SIM-MUG-001"


@pytest.fixture(scope="module")
def feed_schema(models_dir: Path) -> Any:
	from jsonschema import Draft7Validator

	def load(name: str) -> Any:
		return Draft7Validator(json.loads((models_dir / "feeds" / name).read_text(encoding="utf-8")))

	return {
		"feed": load("listings-feed-schema-v2.json"),
		"report": load("listings-feed-processing-report-schema-v2.json"),
	}


def assert_schema(validator: Any, instance: Any) -> None:
	errors = sorted(validator.iter_errors(instance), key=lambda error: list(error.path))
	assert not errors, "; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])


def test_what_the_gateway_sends_matches_the_schemas(feed_schema, assert_valid) -> None:
	updates = [QuantityUpdate("A-1", 0), QuantityUpdate("B-2", 17)]
	assert_schema(feed_schema["feed"], json.loads(build_quantity_feed("A1SIMSELLER", updates)))
	assert_valid(MODEL, "ListingsItemPatchRequest", quantity_patch(updates[1]))
	with pytest.raises(ValueError):
		build_quantity_feed("A1SIMSELLER", [])


def test_patch_get_and_search(sim, gateway, assert_valid) -> None:
	client = gateway(sim)
	submission = client.patch_listing_quantity(QuantityUpdate(FBM_SKU, 7))
	assert submission.accepted and submission.sku == FBM_SKU
	item = client.get_listings_item(FBM_SKU)
	assert item is not None and item.in_catalogue and item.fbm_quantity == 7 and not item.is_fba
	assert sim.control.get_listing(FBM_SKU)["fbm_quantity"] == 7
	assert client.get_listings_item("NOT-LISTED") is None

	found = {item.sku: item for item in client.search_listings_items([FBM_SKU, "SIM-TEA-010"])}
	assert set(found) == {FBM_SKU, "SIM-TEA-010"} and found[FBM_SKU].fbm_quantity == 7
	every = list(client.search_listings_items())
	assert len(every) == len(sim.state.catalogue)  # walked every page (20 a page)
	assert client.metrics.snapshot()["searchListingsItems"].calls >= 2

	from sp_api.api.listings_items.listings_items_2021_08_01 import ListingsItemsV20210801

	from amazon_integration.simulator.testing import full_body, sp_client

	raw = sp_client(ListingsItemsV20210801, sim.url)
	body = full_body(
		raw.get_listings_item(
			sim.state.seller_id,
			FBM_SKU,
			marketplaceIds=["ATVPDKIKX0DER"],
			includedData=["summaries", "fulfillmentAvailability", "attributes", "issues"],
		)
	)
	assert_valid(MODEL, "Item", body)
	page = full_body(
		raw.search_listings_items(sim.state.seller_id, marketplaceIds=["ATVPDKIKX0DER"], pageSize=5)
	)
	assert_valid(MODEL, "ItemSearchResults", page)
	answer = full_body(
		raw.patch_listings_item(
			sim.state.seller_id,
			FBM_SKU,
			marketplaceIds=["ATVPDKIKX0DER"],
			body=quantity_patch(QuantityUpdate(FBM_SKU, 3)),
		)
	)
	assert_valid(MODEL, "ListingsItemSubmissionResponse", answer)


def test_fba_sku_shows_amazons_count_and_refusals_carry_amazons_message(sim, gateway) -> None:
	client = gateway(sim)
	sim.control.put_listing("SIM-LMP-030", channel="AMAZON_NA")
	item = client.get_listings_item("SIM-LMP-030")
	assert item is not None and item.is_fba and item.fbm_quantity is None
	sim.control.refuse_listing(FBM_SKU, "The listing is suppressed for missing images.", code="18027")
	submission = client.patch_listing_quantity(QuantityUpdate(FBM_SKU, 4))
	assert not submission.accepted and submission.status == "INVALID"
	assert submission.issues[0].describe() == "18027: The listing is suppressed for missing images."


def test_quantity_feed_round_trip(sim, gateway, feed_schema) -> None:
	client = gateway(sim)
	sim.control.refuse_listing("SIM-TEA-010", "Quantity updates are blocked for this listing.")
	updates = [QuantityUpdate(FBM_SKU, 12), QuantityUpdate("SIM-TEA-010", 5), QuantityUpdate("NOT-LISTED", 3)]
	feed_id = client.submit_quantity_feed(updates)
	stored = feeds_state(sim.state).feeds[feed_id]
	sent = documents(sim.state).documents[stored.input_document_id].data
	assert_schema(feed_schema["feed"], json.loads(sent))
	feed = client.wait_for_feed(feed_id, interval=30)
	assert feed.status == "DONE"
	raw_report = json.loads(gzip.decompress(documents(sim.state).documents[feed.result_document_id].data))
	assert_schema(feed_schema["report"], raw_report)
	report = client.get_listings_feed_result(feed)
	assert (report.messages_processed, report.messages_accepted, report.messages_invalid) == (3, 2, 1)
	assert [issue.message for issue in report.issues_of("SIM-TEA-010")] == [
		"Quantity updates are blocked for this listing."
	]
	assert report.items is not None
	assert report.items[FBM_SKU].in_catalogue
	assert not report.items["NOT-LISTED"].in_catalogue  # accepted offer, but Amazon has no such product
	assert sim.control.get_listing(FBM_SKU)["fbm_quantity"] == 12
	assert [row["via"] for row in sim.control.listings_history()] == ["feed", "feed"]


def test_fbm_orders_take_from_the_quantity_and_stop_at_zero(sim) -> None:
	from amazon_integration.simulator.control import ControlError

	sim.control.put_listing(FBM_SKU, quantity=2)
	order = sim.control.create_order(fulfilled_by="MERCHANT", items=[{"sku": FBM_SKU, "quantity": 2}])
	assert sim.control.get_listing(FBM_SKU)["fbm_quantity"] == 0
	with pytest.raises(ControlError, match="0 units available"):
		sim.control.create_order(fulfilled_by="MERCHANT", items=[{"sku": FBM_SKU, "quantity": 1}])
	sim.control.cancel_order(order["order_id"])  # a cancelled order's units are available again
	assert sim.control.get_listing(FBM_SKU)["fbm_quantity"] == 2
	sim.control.create_order(
		fulfilled_by="AMAZON", items=[{"sku": FBM_SKU, "quantity": 1}]
	)  # FBA: not affected


def test_report_parser_rejects_garbage() -> None:
	from amazon_integration.amazon.listings import ListingsReportError

	with pytest.raises(ListingsReportError):
		parse_listings_feed_report(b"<xml/>")
	with pytest.raises(ListingsReportError):
		parse_listings_feed_report(b"{}")
