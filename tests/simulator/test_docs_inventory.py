"""FBA inventory summaries through python-amazon-sp-api, checked against fbaInventory.json; stock follows FBA
orders (reserved while unshipped, gone from the total once Amazon ships)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sp_api.api import Inventories
from sp_api.base.exceptions import SellingApiBadRequestException

from amazon_integration.simulator.testing import full_body

MODEL = "fbaInventory"


def summaries(client: Inventories, assert_valid: Any, **params: Any) -> dict[str, dict[str, Any]]:
	response = client.get_inventory_summary_marketplace(**params)
	body = full_body(response)
	assert_valid(MODEL, "GetInventorySummariesResponse", body)
	return {summary["sellerSku"]: summary for summary in body["inventorySummaries"]}


def test_stock_follows_fba_orders(sim, sp_client, assert_valid) -> None:
	client = sp_client(Inventories)
	view = sim.control.create_order(
		marketplace_id="ATVPDKIKX0DER", fulfilled_by="AMAZON", items=[{"sku": "SIM-LMP-030", "quantity": 3}]
	)
	order_id = view["order_id"]
	if sim.state.orders[order_id].status == "PENDING":
		sim.control.release_pending(order_id)
	before = summaries(client, assert_valid, details=True)
	assert set(before) == {item.sku for item in sim.state.catalogue}
	lamp = before["SIM-LMP-030"]
	reserved = lamp["inventoryDetails"]["reservedQuantity"]["pendingCustomerOrderQuantity"]
	assert reserved >= 3

	sim.state.clock.advance(60)
	sim.control.ship_fba(order_id)
	after = summaries(client, assert_valid, details=True)["SIM-LMP-030"]
	assert after["totalQuantity"] == lamp["totalQuantity"] - 3
	assert after["inventoryDetails"]["reservedQuantity"]["pendingCustomerOrderQuantity"] == reserved - 3
	assert after["inventoryDetails"]["fulfillableQuantity"] == lamp["inventoryDetails"]["fulfillableQuantity"]
	assert after["lastUpdatedTime"] > lamp["lastUpdatedTime"]

	changed = summaries(
		client, assert_valid, startDateTime=(sim.state.clock.now() - timedelta(seconds=30)).isoformat()
	)
	assert "SIM-LMP-030" in changed


def test_filters_and_validation(sim, sp_client, assert_valid) -> None:
	client = sp_client(Inventories)
	plain = summaries(client, assert_valid)
	assert all("inventoryDetails" not in summary for summary in plain.values())
	picked = summaries(client, assert_valid, sellerSkus=["SIM-MUG-001", "SIM-TEA-010", "NOT-A-SKU"])
	assert set(picked) == {"SIM-MUG-001", "SIM-TEA-010"}
	german = sp_client(Inventories, marketplace_id="A1PA6795UKMFR9")
	assert summaries(german, assert_valid)["SIM-MUG-001"]["fnSku"] == plain["SIM-MUG-001"]["fnSku"]
	with pytest.raises(SellingApiBadRequestException) as raised:
		client.get_inventory_summary_marketplace(granularityType="Country")
	assert_valid(MODEL, "GetInventorySummariesResponse", {"errors": raised.value.error})


def test_fba_stock_is_one_pool_per_region(sim, sp_client, assert_valid) -> None:
	"""Amazon.com and Amazon.ca draw on one North American pool: an FBA order shipped in Canada lowers both."""
	from amazon_integration.simulator.inventory import fba_quantities

	us = sp_client(Inventories)
	ca = sp_client(Inventories, marketplace_id="A2EUQ1WTGCTBG2")
	sku = "SIM-TEA-010"
	before_us = summaries(us, assert_valid, details=True)[sku]
	assert summaries(ca, assert_valid, details=True)[sku] == before_us
	view = sim.control.create_order(
		marketplace_id="A2EUQ1WTGCTBG2", fulfilled_by="AMAZON", items=[{"sku": sku, "quantity": 2}]
	)
	if sim.state.orders[view["order_id"]].status == "PENDING":
		sim.control.release_pending(view["order_id"])
	sim.control.ship_fba(view["order_id"])
	after_us = summaries(us, assert_valid, details=True)[sku]
	assert after_us["totalQuantity"] == before_us["totalQuantity"] - 2
	with sim.state.lock:
		assert fba_quantities(sim.state, "NA", sku).total == after_us["totalQuantity"]
