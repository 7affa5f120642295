"""Finances 2024-06-19 listTransactions: answers valid against Amazon's model, and every amount of a closed
settlement present once as a transaction breakdown (same order, SKU, description and amount)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sp_api.api import FinancesV20240619, Reports
from sp_api.base.exceptions import SellingApiBadRequestException

from tests.simulator.test_docs_settlements import advance, control, settlement_documents

MODEL = "finances/finances_2024-06-19"
ITEM_PRICE = {"OurPricePrincipal": "Principal", "OurPriceTax": "Tax", "ShippingCharge": "Shipping"}
AMOUNT_TYPES = {
	"ProductCharges": "ItemPrice",
	"AmazonFees": "ItemFees",
	"PromotionDiscounts": "Promotion",
	"TaxWithheld": "ItemWithheldTax",
}


def all_transactions(client: FinancesV20240619, assert_valid: Any, **params: Any) -> list[dict[str, Any]]:
	found: list[dict[str, Any]] = []
	token = None
	while True:
		response = client.list_transactions(**params, **({"nextToken": token} if token else {}))
		assert_valid(MODEL, "ListTransactionsResponse", {"payload": response.payload})
		found += response.payload["transactions"]
		token = response.payload.get("nextToken")
		if not token:
			return found


def transaction_lines(transactions: list[dict[str, Any]]) -> Counter:
	"""(order-id, sku, amount-type, amount-description, amount) of each leaf breakdown of the items (or of the
	transaction, for account-level money)."""
	lines: Counter = Counter()
	for transaction in transactions:
		related = {r["relatedIdentifierName"]: r["relatedIdentifierValue"] for r in transaction["relatedIdentifiers"]}
		order_id = related.get("ORDER_ID", "")
		sources = [(item["contexts"][0]["sku"], item.get("breakdowns") or []) for item in transaction["items"]]
		if not any(breakdowns for _, breakdowns in sources):
			sources = [("", transaction["breakdowns"])]
		for sku, groups in sources:
			for group in groups:
				kind = AMOUNT_TYPES.get(group["breakdownType"], "other-transaction")
				for leaf in group["breakdowns"]:
					name = ITEM_PRICE.get(leaf["breakdownType"], leaf["breakdownType"]) if kind == "ItemPrice" else leaf["breakdownType"]
					amount = Decimal(str(leaf["breakdownAmount"]["currencyAmount"]))
					lines[(order_id, sku if order_id else "", kind, name, amount)] += 1
	return lines


def test_transactions_of_a_settlement_are_its_lines(sim, sp_client, assert_valid) -> None:
	state = sim.state
	view = sim.control.create_order(
		marketplace_id="ATVPDKIKX0DER", fulfilled_by="AMAZON", items=[{"sku": "SIM-MUG-001", "quantity": 2}]
	)
	sim.control.ship_fba(view["order_id"])
	advance(sim, 60)
	(closed, *_) = control(sim, "/settlements/close", {"currency": "USD"})["closed"]
	settlement_id = closed["settlementId"]
	advance(sim, 180)
	_, lines = settlement_documents(sp_client(Reports), sim)[settlement_id]

	client = sp_client(FinancesV20240619)
	transactions = all_transactions(
		client, assert_valid, relatedIdentifierName="FINANCIAL_EVENT_GROUP_ID", relatedIdentifierValue=settlement_id
	)
	assert {t["transactionType"] for t in transactions} >= {"Shipment", "ServiceFee"}
	expected = Counter(
		(
			line["order-id"],
			line["sku"] if line["order-id"] else "",
			"other-transaction" if line["amount-type"] not in AMOUNT_TYPES.values() else line["amount-type"],
			line["amount-description"],
			Decimal(line["amount"]),
		)
		for line in lines
	)
	assert transaction_lines(transactions) == expected
	for transaction in transactions:
		total = Decimal(str(transaction["totalAmount"]["currencyAmount"]))
		assert total == sum(Decimal(str(b["breakdownAmount"]["currencyAmount"])) for b in transaction["breakdowns"])

	by_order = all_transactions(
		client, assert_valid, relatedIdentifierName="ORDER_ID", relatedIdentifierValue=view["order_id"]
	)
	assert [t["transactionType"] for t in by_order] == ["Shipment"]
	assert by_order[0]["items"][0]["contexts"][0] == {
		"contextType": "ProductContext",
		"sku": "SIM-MUG-001",
		"quantityShipped": 2,
		"fulfillmentNetwork": "AFN",
	}
	window = all_transactions(client, assert_valid, postedAfter=(state.clock.now() - timedelta(days=30)).isoformat())
	assert {t["transactionId"] for t in transactions} <= {t["transactionId"] for t in window}


def test_transactions_follow_amazons_rules(sim) -> None:
	advance(sim, 180)
	url = f"{sim.url}/finances/2024-06-19/transactions"
	from amazon_integration.simulator.testing import sp_client as build

	client = build(FinancesV20240619, sim.url, "ATVPDKIKX0DER")
	with pytest.raises(SellingApiBadRequestException):
		client.list_transactions()  # neither postedAfter nor a related identifier
	with pytest.raises(SellingApiBadRequestException):
		client.list_transactions(postedAfter=sim.state.clock.now().isoformat())  # not two minutes ago
	with pytest.raises(SellingApiBadRequestException):
		client.list_transactions(relatedIdentifierName="SHIPMENT_ID", relatedIdentifierValue="x")
	assert httpx.get(url).status_code in (400, 401, 403)  # no token: refused like any SP-API call
