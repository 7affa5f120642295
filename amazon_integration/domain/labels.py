"""Buy Shipping labels for an FBM Delivery Note: its parcels (weights from the items, dimensions from the account's
package preset) and the rate to propose (the cheapest that arrives by the order's latest delivery date).

Pure decisions, dataclasses in and out; the ERPNext adapter reads the Delivery Note and calls the gateway."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from amazon_integration.domain.text import msg

# ERPNext's stock UOMs for weight (setup/setup_wizard/data/uom_data.json) -> kilograms per unit.
KG_PER_UOM: dict[str, Decimal] = {
	"kg": Decimal("1"),
	"kilogram": Decimal("1"),
	"gram": Decimal("0.001"),
	"g": Decimal("0.001"),
	"milligram": Decimal("0.000001"),
	"pound": Decimal("0.45359237"),
	"lb": Decimal("0.45359237"),
	"ounce": Decimal("0.028349523125"),
	"oz": Decimal("0.028349523125"),
	"tonne": Decimal("1000"),
}


class LabelInputError(ValueError):
	"""What is missing or wrong for a label, in words for the warehouse."""


@dataclass(frozen=True)
class ItemLine:
	item_code: str
	qty: Decimal
	weight_per_unit: Decimal | None
	weight_uom: str | None
	amount: Decimal  # the line's value (for the parcel's declared value)
	order_item_id: str | None = None


@dataclass(frozen=True)
class PackagePreset:
	"""The account's standard box: outer dimensions in centimetres and its own (tare) weight in kilograms."""

	length_cm: Decimal
	width_cm: Decimal
	height_cm: Decimal
	tare_kg: Decimal = Decimal(0)


@dataclass(frozen=True)
class ParcelPlan:
	reference: str
	weight_kg: Decimal
	length_cm: Decimal
	width_cm: Decimal
	height_cm: Decimal
	value: Decimal


@dataclass(frozen=True)
class RateOption:
	rate_id: str
	total: Decimal
	delivery_end: datetime | None


def _kg(line: ItemLine) -> Decimal:
	if not line.weight_per_unit or line.weight_per_unit <= 0:
		raise LabelInputError(msg("Item {0} has no weight per unit.", line.item_code))
	factor = KG_PER_UOM.get((line.weight_uom or "").strip().lower())
	if factor is None:
		raise LabelInputError(
			msg(
				"Item {0}: weight UOM {1} is not a unit of weight (use Kg, Gram, Pound or Ounce).",
				line.item_code,
				line.weight_uom or msg("(none)"),
			)
		)
	return line.weight_per_unit * factor * line.qty


def plan_parcels(lines: Sequence[ItemLine], preset: PackagePreset | None, packages: int = 1) -> list[ParcelPlan]:
	"""`packages` parcels of the preset box sharing the items' weight and value evenly (the warehouse edits a
	parcel when the split is uneven). Every item without a weight is named at once."""
	if packages < 1:
		raise LabelInputError(msg("The number of packages must be at least 1."))
	if not lines:
		raise LabelInputError(msg("The Delivery Note has no items to ship."))
	if preset is None or min(preset.length_cm, preset.width_cm, preset.height_cm) <= 0:
		raise LabelInputError(msg("The Amazon Account has no package preset (length, width and height in cm)."))
	missing = [line.item_code for line in lines if not line.weight_per_unit or line.weight_per_unit <= 0]
	if missing:
		raise LabelInputError(msg("No weight per unit on item(s): {0}.", ", ".join(sorted(set(missing)))))
	total_kg = sum((_kg(line) for line in lines), Decimal(0))
	total_value = sum((line.amount for line in lines), Decimal(0))
	each_kg = (total_kg / packages + preset.tare_kg).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
	each_value = (total_value / packages).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
	return [
		ParcelPlan(str(n), each_kg, preset.length_cm, preset.width_cm, preset.height_cm, each_value)
		for n in range(1, packages + 1)
	]


def check_parcel(parcel: ParcelPlan) -> None:
	"""An edited parcel still makes sense."""
	for what, value in (
		(msg("weight (kg)"), parcel.weight_kg),
		(msg("length (cm)"), parcel.length_cm),
		(msg("width (cm)"), parcel.width_cm),
		(msg("height (cm)"), parcel.height_cm),
	):
		if value is None or value <= 0:
			raise LabelInputError(msg("Parcel {0}: the {1} must be greater than 0.", parcel.reference, what))


def meets(rate: RateOption, latest_delivery: datetime | None) -> bool:
	"""Arrives by the order's latest delivery date (an order without one accepts any promise)."""
	if latest_delivery is None:
		return True
	return rate.delivery_end is not None and rate.delivery_end <= latest_delivery


def propose_rate(rates: Sequence[RateOption], latest_delivery: datetime | None) -> RateOption | None:
	"""The cheapest rate that meets the latest delivery date; None when none does (the user then chooses)."""
	fitting = [rate for rate in rates if meets(rate, latest_delivery)]
	return min(fitting, key=lambda rate: (rate.total, rate.delivery_end or datetime.max)) if fitting else None
