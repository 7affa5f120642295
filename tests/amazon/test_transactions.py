"""FinancesClient.list_transactions against the simulator, read as expected fees (domain/expected_fees.py): a
closed settlement's fee amounts per order, SKU and category equal its report lines' (category_of)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from sp_api.api import Reports

from amazon_integration.domain.expected_fees import expected_fees
from amazon_integration.domain.fees import INVOICE_CATEGORIES, FeeCategory, category_of
from tests.simulator.test_docs_settlements import advance, control, settlement_documents


def test_expected_fees_equal_the_settlements_fee_lines(sim, gateway, sp_client) -> None:
	view = sim.control.create_order(
		marketplace_id="ATVPDKIKX0DER", fulfilled_by="AMAZON", items=[{"sku": "SIM-MUG-001", "quantity": 2}]
	)
	sim.control.ship_fba(view["order_id"])
	advance(sim, 180)  # Amazon lists what was posted more than two minutes ago
	client = gateway(sim)
	open_fees = expected_fees(client.list_transactions(order_id=view["order_id"]))
	assert {fee.category for fee in open_fees} >= {FeeCategory.REFERRAL_FEES, FeeCategory.FBA_FULFILMENT_FEES}
	assert all(fee.order_id == view["order_id"] and fee.sku == "SIM-MUG-001" for fee in open_fees)
	assert all(fee.amount < 0 and fee.currency == "USD" for fee in open_fees)

	(closed, *_) = control(sim, "/settlements/close", {"currency": "USD"})["closed"]
	advance(sim, 180)
	_, lines = settlement_documents(sp_client(Reports), sim)[closed["settlementId"]]
	wanted: dict[tuple, Decimal] = defaultdict(Decimal)
	for line in lines:
		category = category_of(line["transaction-type"], line["amount-type"], line["amount-description"])
		if category in INVOICE_CATEGORIES or category is FeeCategory.RESERVE:
			continue
		wanted[(line["order-id"], line["sku"] if line["order-id"] else "", category)] += Decimal(line["amount"])
	got: dict[tuple, Decimal] = defaultdict(Decimal)
	for fee in expected_fees(client.list_transactions(group_id=closed["settlementId"])):
		assert fee.group_id == closed["settlementId"] and fee.status == "RELEASED"
		got[(fee.order_id, fee.sku, fee.category)] += fee.amount
	assert dict(got) == dict(wanted)
	assert any(key[2] is FeeCategory.SUBSCRIPTION and not key[0] for key in got)


def test_list_transactions_needs_a_window_or_an_identifier(sim, gateway) -> None:
	client = gateway(sim)
	with pytest.raises(ValueError):
		client.list_transactions()
	with pytest.raises(ValueError):
		client.list_transactions(order_id="1", group_id="2")
