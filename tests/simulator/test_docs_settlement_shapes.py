"""Settlements of every shape: a month of every kind of amount with Amazon's strings (each one a fee category
the app knows), and the three ways a negative period closes (debit, card charge, carried to the next period),
read back through python-amazon-sp-api; the Finances events of the period valid against Amazon's model."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sp_api.api import FinancesV0, Reports

from amazon_integration.domain.fees import FeeCategory, category_of
from amazon_integration.simulator.settlements import MONTH_CHARGES

from .test_docs_settlements import FIXED_START, advance, control, settlement_documents


def close_and_read(sim: Any, sp_client: Any, currency: str) -> tuple[dict[str, str], list[dict[str, str]]]:
	(closed,) = control(sim, "/settlements/close", {"currency": currency})["closed"]
	advance(sim, 180)
	return settlement_documents(sp_client(Reports), sim)[closed["settlementId"]]


def test_a_month_of_every_kind_of_amount(sim, sp_client, assert_valid) -> None:
	posted = control(sim, "/settlements/charges", {"currency": "USD", "month": True, "sku": "SIM-SKU-1"})
	assert posted["posted"] == len(MONTH_CHARGES)
	summary, lines = close_and_read(sim, sp_client, "USD")
	assert sum((Decimal(line["amount"]) for line in lines), Decimal(0)) == Decimal(summary["total-amount"])
	written = {(line["transaction-type"], line["amount-type"], line["amount-description"]): line for line in lines}
	categories = set()
	for transaction_type, amount_type, description, usd, about_sku in MONTH_CHARGES:
		line = written[(transaction_type, amount_type, description)]
		assert Decimal(line["amount"]) == usd
		assert (line["sku"] == "SIM-SKU-1") == about_sku
		category = category_of(transaction_type, amount_type, description)
		assert category is not FeeCategory.UNKNOWN, description
		categories.add(category)
	assert {
		FeeCategory.FBA_STORAGE_FEES,
		FeeCategory.INBOUND_PLACEMENT_FEES,
		FeeCategory.REMOVAL_DISPOSAL_FEES,
		FeeCategory.ADVERTISING,
		FeeCategory.SHIPPING_LABELS,
		FeeCategory.DEAL_COUPON_FEES,
		FeeCategory.CHARGEBACKS_CLAIMS,
		FeeCategory.REIMBURSEMENTS,
		FeeCategory.OTHER_ADJUSTMENTS,
		FeeCategory.LENDING_REPAYMENTS,
	} <= categories
	# Every line the simulator writes has a category: the subscription at close too.
	assert all(
		category_of(line["transaction-type"], line["amount-type"], line["amount-description"])
		is not FeeCategory.UNKNOWN
		for line in lines
	)
	finances = sp_client(FinancesV0)
	response = finances.list_financial_events(
		PostedAfter=(sim.state.clock.now() - timedelta(days=30)).isoformat(), MaxResultsPerPage=100
	)
	assert_valid("financesV0", "ListFinancialEventsResponse", {"payload": response.payload})


def test_an_unknown_amount_type_is_written_as_given(sim, sp_client) -> None:
	charge = {
		"transactionType": "NewProgramPayout",
		"amountType": "NewProgram",
		"amountDescription": "Something new",
		"amount": "-4.20",
	}
	control(sim, "/settlements/charges", {"currency": "USD", "charges": [charge]})
	_, lines = close_and_read(sim, sp_client, "USD")
	(line,) = [line for line in lines if line["amount-type"] == "NewProgram"]
	assert (line["transaction-type"], line["amount-description"], line["amount"]) == (
		"NewProgramPayout",
		"Something new",
		"-4.20",
	)
	assert category_of("NewProgramPayout", "NewProgram", "Something new") is FeeCategory.UNKNOWN


def _negative_period(sim: Any) -> None:
	big = {
		"transactionType": "ServiceFee",
		"amountType": "Cost of Advertising",
		"amountDescription": "TransactionTotalAmount",
		"amount": "-100000.00",
	}
	control(sim, "/settlements/charges", {"currency": "USD", "charges": [big]})


def test_negative_period_debited(sim_factory) -> None:
	sim = sim_factory(start=FIXED_START)
	assert control(sim, "/settlements/config", {})["negative_balance"] == "debit"
	_negative_period(sim)
	(closed,) = control(sim, "/settlements/close", {"currency": "USD"})["closed"]
	assert Decimal(closed["totalAmount"]) < 0 and closed["depositDate"]


def test_negative_period_charged_to_the_card(sim_factory) -> None:
	sim = sim_factory(start=FIXED_START)
	control(sim, "/settlements/config", {"negative_balance": "charge"})
	_negative_period(sim)
	(closed,) = control(sim, "/settlements/close", {"currency": "USD"})["closed"]
	assert Decimal(closed["totalAmount"]) == 0
	lines = _lines(sim, closed["settlementId"])
	(charge,) = [line for line in lines if line["amount-description"] == "Successful charge"]
	assert Decimal(charge["amount"]) > 0
	assert category_of("other-transaction", "other-transaction", "Successful charge") is FeeCategory.SELLER_REPAYMENTS


def test_negative_period_carried_to_the_next(sim_factory) -> None:
	sim = sim_factory(start=FIXED_START)
	control(sim, "/settlements/config", {"negative_balance": "carry"})
	_negative_period(sim)
	(first,) = control(sim, "/settlements/close", {"currency": "USD"})["closed"]
	assert Decimal(first["totalAmount"]) == 0
	(held,) = [line for line in _lines(sim, first["settlementId"]) if line["amount-description"] == "Current Reserve Amount"]
	advance(sim, 3600)
	(second,) = control(sim, "/settlements/close", {"currency": "USD"})["closed"]
	(carried,) = [
		line for line in _lines(sim, second["settlementId"]) if line["amount-description"] == "Previous Reserve Amount Balance"
	]
	assert Decimal(carried["amount"]) == -Decimal(held["amount"]) < 0
	assert Decimal(second["totalAmount"]) == sum(
		(Decimal(line["amount"]) for line in _lines(sim, second["settlementId"])), Decimal(0)
	)


def _lines(sim: Any, settlement_id: str) -> list[dict[str, str]]:
	from amazon_integration.simulator.flatfiles import read_tsv
	from amazon_integration.simulator.settlements import ledger, settlement_report

	(settlement,) = [s for s in ledger(sim.state).settlements if s.settlement_id == settlement_id]
	_, *lines = read_tsv(settlement_report(settlement).decode())
	return lines


def test_charges_and_config_refuse_what_amazon_would_not_write(sim) -> None:
	import httpx

	def post(path: str, body: dict[str, Any]) -> int:
		return httpx.post(f"{sim.url}/_sim{path}", json=body).status_code

	assert post("/settlements/charges", {"month": True}) == 400  # no currency
	assert post("/settlements/charges", {"currency": "USD", "charges": [{"amountType": "x"}]}) == 400
	assert post("/settlements/charges", {"currency": "USD", "charges": [{**_AD, "amount": "lots"}]}) == 400
	assert post("/settlements/config", {"negative_balance": "forgive"}) == 400


_AD = {"transactionType": "ServiceFee", "amountType": "Cost of Advertising", "amountDescription": "TransactionTotalAmount"}
