"""Send to Amazon's pure decisions: receipt moves are idempotent and never exceed what was shipped; shortages
appear once Amazon closes the shipment, overages at once; placement choices carry Amazon's fees."""

from __future__ import annotations

from decimal import Decimal

from amazon_integration.amazon.inbound import InboundFee, PlacementOption, TransportationOption
from amazon_integration.domain.inbound import (
	Discrepancy,
	ReceiptLine,
	discrepancies,
	in_transit,
	placement_choices,
	receipt_moves,
)


def test_moves_follow_receipts_and_run_twice_moves_nothing_twice() -> None:
	lines = [ReceiptLine("A", 10, 4), ReceiptLine("B", 6, 0)]
	assert receipt_moves(lines) == {"A": 4}
	moved = [ReceiptLine("A", 10, 4, moved=4), ReceiptLine("B", 6, 0)]
	assert receipt_moves(moved) == {}
	later = [ReceiptLine("A", 10, 10, moved=4), ReceiptLine("B", 6, 5)]
	assert receipt_moves(later) == {"A": 6, "B": 5}
	assert in_transit(later) == {"B": 1}


def test_overage_is_not_moved_from_transit_but_listed() -> None:
	lines = [ReceiptLine("A", 3, 5)]
	assert receipt_moves(lines) == {"A": 3}
	assert in_transit(lines) == {}
	assert discrepancies(lines, "RECEIVING") == [Discrepancy("A", "Overage", 2)]


def test_shortage_only_once_closed() -> None:
	lines = [ReceiptLine("A", 4, 3, moved=3), ReceiptLine("B", 2, 2, moved=2)]
	assert discrepancies(lines, "RECEIVING") == []
	assert discrepancies(lines, "CLOSED") == [Discrepancy("A", "Shortage", 1)]
	# The kind is a msg() text: the adapter shows it in the user's language.
	assert discrepancies(lines, "CLOSED")[0].kind.template == "Shortage"


def test_placement_choices_with_fees_and_quotes() -> None:
	fee = InboundFee("FEE", "Placement Services", "", Decimal("6.00"), "USD")
	split = PlacementOption("pl1", "OFFERED", ("s1", "s2"), ())
	single = PlacementOption("pl2", "OFFERED", ("s3",), (fee,))
	expired = PlacementOption("pl3", "EXPIRED", ("s4",), ())

	def quote(shipment: str, amount: str | None) -> TransportationOption:
		solution = "AMAZON_PARTNERED_CARRIER" if amount else "USE_YOUR_OWN_CARRIER"
		return TransportationOption(f"to-{shipment}-{amount}", shipment, solution, "GROUND_SMALL_PARCEL", None, None, Decimal(amount) if amount else None, "USD" if amount else None)

	transport = {"pl1": [quote("s1", "4.50"), quote("s1", None), quote("s2", "2.70")], "pl2": [quote("s3", None)]}
	choices = placement_choices([single, split, expired], transport)
	assert [c.placement_option_id for c in choices] == ["pl1", "pl2"]
	assert choices[0].total == Decimal("7.20") and choices[0].currency == "USD"
	assert choices[1].placement_fee == Decimal("6.00") and choices[1].total is None  # own carrier: no quote


def test_transport_choice_is_the_sellers_else_the_cheapest_quote() -> None:
	from amazon_integration.domain.inbound import choose_transport

	listed = [
		{"shipmentId": "sh1", "options": [{"transportationOptionId": "own", "quote": None}, {"transportationOptionId": "ups", "quote": "4.50"}, {"transportationOptionId": "ltl", "quote": "12"}]},
		{"shipmentId": "sh2", "options": [{"transportationOptionId": "own2", "quote": None}]},
		{"shipmentId": "sh3", "options": []},
	]
	assert choose_transport(listed, {}) == {"sh1": "ups", "sh2": "own2"}
	assert choose_transport(listed, {"sh1": "own"}) == {"sh1": "own", "sh2": "own2"}
	assert choose_transport(listed, {"sh1": "not-offered"}) == {"sh2": "own2"}  # no silent substitute


def test_label_page_type() -> None:
	from amazon_integration.domain.inbound import label_page_type

	assert label_page_type("US", partnered=True) == "PackageLabel_Letter_2"
	assert label_page_type("de", partnered=False) == "PackageLabel_A4_4"
