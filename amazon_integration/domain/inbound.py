"""Send to Amazon, the pure part: what the seller compares before choosing, and which stock moves Amazon's
receipts call for.

Stock follows the units (the adapter makes the Stock Entries):
  shipment leaves        sending warehouse -> in-transit warehouse, every unit of the shipment
  Amazon receives        in transit -> FBA warehouse, the units received since the last move, never more than
                         were shipped (so the FBA warehouse rises exactly when Amazon's fulfillable count does)
  shipment closes short  the missing units stay in transit, listed as a shortage, until the seller settles them
                         (a draft adjustment; never a silent write-off)
  more received than sent: the extra units are an overage, listed the same way (they were never in transit)
Each move is computed from what Amazon reports now and what has already been moved, so running it twice moves
nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from amazon_integration.amazon.inbound import PlacementOption, TransportationOption
from amazon_integration.domain.text import msg

CLOSED_STATUSES = frozenset({"CLOSED"})  # Amazon finished receiving: what is missing now is a shortage
CANCELLED_STATUSES = frozenset({"CANCELLED", "DELETED", "ABANDONED"})


@dataclass(frozen=True)
class ReceiptLine:
	"""One SKU of one shipment: shipped by the seller, received by Amazon, already moved into the FBA warehouse."""

	sku: str
	shipped: int
	received: int
	moved: int = 0


@dataclass(frozen=True)
class Discrepancy:
	sku: str
	kind: str  # "Shortage" or "Overage", a msg() text: compared as the English word, shown translated
	quantity: int


def receipt_moves(lines: Iterable[ReceiptLine]) -> dict[str, int]:
	"""SKU -> units to move from in transit into the FBA warehouse now (only positive moves)."""
	moves: dict[str, int] = {}
	for line in lines:
		due = min(line.received, line.shipped) - line.moved
		if due > 0:
			moves[line.sku] = moves.get(line.sku, 0) + due
	return moves


def in_transit(lines: Iterable[ReceiptLine]) -> dict[str, int]:
	"""SKU -> units still in transit once the due moves are made: shipped and not received."""
	left: dict[str, int] = {}
	for line in lines:
		units = line.shipped - min(line.received, line.shipped)
		if units:
			left[line.sku] = left.get(line.sku, 0) + units
	return left


def discrepancies(lines: Iterable[ReceiptLine], shipment_status: str | None) -> list[Discrepancy]:
	"""Overages as soon as Amazon reports them; shortages once Amazon has closed the shipment (before that, the
	units may still be counted in)."""
	found: list[Discrepancy] = []
	closed = shipment_status in CLOSED_STATUSES
	for line in lines:
		if line.received > line.shipped:
			found.append(Discrepancy(line.sku, msg("Overage"), line.received - line.shipped))
		elif closed and line.received < line.shipped:
			found.append(Discrepancy(line.sku, msg("Shortage"), line.shipped - line.received))
	return found


@dataclass(frozen=True)
class PlacementChoice:
	"""A placement option as the user compares it: shipments, Amazon's placement fee, the partnered transport
	quotes when known, and the total."""

	placement_option_id: str
	shipments: int
	placement_fee: Decimal
	transport: Decimal | None
	currency: str | None

	@property
	def total(self) -> Decimal | None:
		return None if self.transport is None else self.placement_fee + self.transport


def placement_choices(
	options: Iterable[PlacementOption], transport: Mapping[str, Iterable[TransportationOption]] | None = None
) -> list[PlacementChoice]:
	"""Offered options, cheapest placement fee first. `transport`: placementOptionId -> its transportation
	options; the cheapest quoted option per shipment counts (the seller's own carrier has no quote)."""
	choices = []
	for option in options:
		if option.status == "EXPIRED":
			continue
		currency = next((f.currency for f in option.fees if f.currency), None)
		transport_total: Decimal | None = None
		listed = list((transport or {}).get(option.placement_option_id, ()))
		if listed:
			cheapest: dict[str, Decimal] = {}
			for candidate in listed:
				if candidate.quote is None:
					continue
				currency = currency or candidate.currency
				known = cheapest.get(candidate.shipment_id)
				cheapest[candidate.shipment_id] = candidate.quote if known is None else min(known, candidate.quote)
			if set(cheapest) >= set(option.shipment_ids):
				transport_total = sum(cheapest.values(), Decimal(0))
		choices.append(
			PlacementChoice(
				placement_option_id=option.placement_option_id,
				shipments=len(option.shipment_ids),
				placement_fee=option.total_fee,
				transport=transport_total,
				currency=currency,
			)
		)
	return sorted(choices, key=lambda c: (c.placement_fee, c.shipments))


def choose_transport(listed: Iterable[Mapping], selections: Mapping[str, str]) -> dict[str, str]:
	"""shipmentId -> transportationOptionId: the seller's choice where it is one Amazon offers for that shipment
	(a choice Amazon does not offer leaves the shipment out); without a choice, the cheapest quoted option
	(Amazon's partnered carrier), else the first offered (the seller's own carrier). `listed`: per shipment {"shipmentId", "options": [{"transportationOptionId", "quote"}]}; a shipment without
	options is left out."""
	chosen: dict[str, str] = {}
	for shipment in listed:
		options = list(shipment.get("options") or [])
		if not options:
			continue
		ids = {o["transportationOptionId"] for o in options}
		wanted = selections.get(shipment["shipmentId"])
		if wanted:
			if wanted in ids:  # an option Amazon does not offer is no choice: the shipment is left out
				chosen[shipment["shipmentId"]] = wanted
			continue
		quoted = sorted((o for o in options if o.get("quote") is not None), key=lambda o: Decimal(str(o["quote"])))
		chosen[shipment["shipmentId"]] = (quoted or options)[0]["transportationOptionId"]
	return chosen


def label_page_type(country_code: str, partnered: bool) -> str:
	"""v0 getLabels PageType: Amazon's partnered (UPS) shipments take two labels a sheet, the seller's own carrier
	four; US Letter in the US and Canada, A4 elsewhere."""
	paper = "Letter" if country_code.upper() in ("US", "CA") else "A4"
	return f"PackageLabel_{paper}_{2 if partnered else 4}"
