"""After-sale in the simulator: returns, losses with reimbursements and removals made by control calls show in
Amazon's four reports (requested through python-amazon-sp-api), in the settlement and in the FBA inventory."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sp_api.api import FinancesV0, Reports

from amazon_integration.simulator import aftersale, settlements
from amazon_integration.simulator.flatfiles import read_tsv
from amazon_integration.simulator.settlements import settlement_report
from amazon_integration.domain.aftersale import (
	parse_fba_returns,
	parse_fbm_returns,
	parse_reimbursements,
	parse_removal_shipments,
)

US = "ATVPDKIKX0DER"
SKU = "SIM-MUG-001"


def _document(sim, client: Reports, report_type: str) -> str | None:
	now = sim.state.clock.now()
	report_id = client.create_report(
		reportType=report_type, dataStartTime=now - timedelta(days=1), dataEndTime=now, marketplaceIds=[US]
	).payload["reportId"]
	sim.state.clock.advance(60)
	report = client.get_report(report_id).payload
	if report["processingStatus"] == "CANCELLED":
		return None
	assert report["processingStatus"] == "DONE"
	return client.get_report_document(report["reportDocumentId"], download=True).payload["document"]


def _fulfillable(sim, sku: str) -> tuple[int, int]:
	with sim.state.lock:
		from amazon_integration.simulator.inventory import summaries

		summary = next(s for s in summaries(sim.state, US, True) if s["sellerSku"] == sku)
	details = summary["inventoryDetails"]
	return details["fulfillableQuantity"], details["unfulfillableQuantity"]["totalUnfulfillableQuantity"]


def test_reports_inventory_and_settlement(sim, sp_client, assert_valid) -> None:
	client = sp_client(Reports)
	assert _document(sim, client, aftersale.FBA_RETURNS_REPORT) is None  # nothing yet: Amazon cancels it
	order = sim.control.create_order(
		fulfilled_by="AMAZON", status="SHIPPED", items=[{"sku": SKU, "quantity": 3, "unit_price": "20.00"}]
	)
	item_id = order["items"][0]["order_item_id"]
	fulfillable, unfulfillable = _fulfillable(sim, SKU)
	sim.control.fba_return(order["order_id"], [{"orderItemId": item_id, "quantity": 1, "disposition": "SELLABLE"}])
	sim.control.fba_return(
		order["order_id"], [{"orderItemId": item_id, "quantity": 1, "disposition": "CUSTOMER_DAMAGED"}], refund=True
	)
	loss = sim.control.lose_units(US, SKU, 2, "Lost_Warehouse", "11.50")
	sim.control.find_units(loss["reimbursement_id"], 1)
	sim.control.remove_units(US, SKU, 3)
	sim.control.reimburse_order(order["order_id"], item_id, 1, "CustomerReturn", "18.00")  # cash: no stock change
	assert _fulfillable(sim, SKU) == (fulfillable + 1 - 2 + 1 - 3, unfulfillable + 1)
	# paid with a replacement unit: into the FBA stock, no money
	sim.control.reimburse_order(order["order_id"], item_id, 1, "CustomerServiceIssue", "18.00", in_inventory=True)
	assert _fulfillable(sim, SKU) == (fulfillable + 1 - 2 + 1 - 3 + 1, unfulfillable + 1)

	returns = list(parse_fba_returns(_document(sim, client, aftersale.FBA_RETURNS_REPORT).splitlines()))
	assert [(r.order_id, r.disposition, r.quantity, r.sellable) for r in returns] == [
		(order["order_id"], "SELLABLE", 1, True),
		(order["order_id"], "CUSTOMER_DAMAGED", 1, False),
	]
	assert len({r.key for r in returns}) == 2
	text = _document(sim, client, aftersale.REIMBURSEMENTS_REPORT)
	assert text.split("\n", 1)[0].split("\t") == list(aftersale.REIMBURSEMENT_COLUMNS)
	reimbursements = list(parse_reimbursements(text.splitlines()))
	assert [(r.reason, r.order_id, r.stock_effect, r.amount_total) for r in reimbursements] == [
		("Lost_Warehouse", "", -2, Decimal("23.00")),
		("Reimbursement_Reversal", "", 1, Decimal("-11.50")),
		("CustomerReturn", order["order_id"], 0, Decimal("18.00")),
		("CustomerServiceIssue", order["order_id"], 1, Decimal("0.00")),
	]
	removals = list(parse_removal_shipments(_document(sim, client, aftersale.REMOVALS_REPORT).splitlines()))
	assert [(r.sku, r.quantity, r.sellable) for r in removals] == [(SKU, 3, True)]

	book = settlements.sync(sim.state)
	lines = [
		(a.amount_type, a.description, a.amount)
		for e in book.open["USD"].events
		for a in e.other
		if a.amount_type == aftersale.REIMBURSEMENT_AMOUNT_TYPE
	]
	assert lines == [
		("FBA Inventory Reimbursement", "WAREHOUSE_LOST", Decimal("23.00")),
		("FBA Inventory Reimbursement", "REVERSAL_REIMBURSEMENT", Decimal("-11.50")),
		("FBA Inventory Reimbursement", "CUSTOMER_RETURN", Decimal("18.00")),
	]
	assert any(e.transaction_type == "Refund" and e.order_id == order["order_id"] for e in book.open["USD"].events)
	# Finances v0: the reimbursements are AdjustmentEvents of type FBAInventoryReimbursement.
	sim.state.clock.advance(300)
	response = sp_client(FinancesV0).list_financial_events(PostedAfter=(sim.state.clock.now() - timedelta(days=1)).isoformat())
	assert_valid("financesV0", "ListFinancialEventsResponse", {"payload": response.payload})
	adjustments = response.payload["FinancialEvents"]["AdjustmentEventList"]
	assert [(a["AdjustmentType"], a["AdjustmentAmount"]["CurrencyAmount"]) for a in adjustments] == [
		("FBAInventoryReimbursement", 23.0),
		("FBAInventoryReimbursement", -11.5),
		("FBAInventoryReimbursement", 18.0),
	]
	assert [(i["SellerSKU"], i["Quantity"], i["PerUnitAmount"]["CurrencyAmount"]) for a in adjustments for i in a["AdjustmentItemList"]] == [
		(SKU, "2", 11.5),
		(SKU, "-1", 11.5),
		(SKU, "1", 18.0),
	]

	# The V2 settlement report carries each reimbursement's sku, quantity-purchased and (for an order's) order-id.
	settlements.close_now(sim.state, "USD")
	closed = next(s for s in settlements.ledger(sim.state).settlements if s.currency == "USD" and not s.is_open and any(e.fee_type == "FBAInventoryReimbursement" for e in s.events))
	rows = read_tsv(settlement_report(closed))
	assert [
		(row["amount-description"], row["order-id"], row["sku"], row["quantity-purchased"], row["amount"])
		for row in rows
		if row["amount-type"] == aftersale.REIMBURSEMENT_AMOUNT_TYPE
	] == [
		("WAREHOUSE_LOST", "", SKU, "2", "23.00"),
		("REVERSAL_REIMBURSEMENT", "", SKU, "1", "-11.50"),
		("CUSTOMER_RETURN", order["order_id"], SKU, "1", "18.00"),
	]


def test_fbm_return_report(sim, sp_client) -> None:
	order = sim.control.create_order(fulfilled_by="MERCHANT", items=[{"sku": SKU, "quantity": 2, "unit_price": "9.99"}])
	sim.control.advance(60)
	item_id = order["items"][0]["order_item_id"]
	sim.state.apply_shipment(
		order["order_id"], [(item_id, 2)], "UPS", None, "1Z999", sim.state.clock.now()
	)
	made = sim.control.fbm_return(order["order_id"], [{"orderItemId": item_id, "quantity": 1}], refund=True)
	refunded = Decimal(made[0]["refunded"])  # the unit's price and its tax, as the RefundEvent gives back
	assert refunded >= Decimal("9.99")
	text = _document(sim, sp_client(Reports), aftersale.FBM_RETURNS_REPORT)
	assert text.split("\n", 1)[0].split("\t") == list(aftersale.FBM_RETURN_COLUMNS)
	rows = read_tsv(text)
	assert rows[0]["Order ID"] == order["order_id"]
	parsed = list(parse_fbm_returns(text.splitlines()))
	assert [(r.order_id, r.sku, r.quantity, r.refunded) for r in parsed] == [
		(order["order_id"], SKU, 1, refunded)
	]
