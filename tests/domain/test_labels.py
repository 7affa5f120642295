from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal as D

import pytest

from amazon_integration.domain.labels import (
	ItemLine, LabelInputError, PackagePreset, ParcelPlan, RateOption, check_parcel, plan_parcels, propose_rate,
)

BOX = PackagePreset(D("30"), D("20"), D("10"), D("0.2"))


def test_two_parcels_share_weight_and_value() -> None:
	lines = [ItemLine("MUG", D(2), D("350"), "Gram", D("20")), ItemLine("TEA", D(1), D("1"), "Kg", D("10"))]
	parcels = plan_parcels(lines, BOX, packages=2)
	assert [p.reference for p in parcels] == ["1", "2"]
	assert parcels[0].weight_kg == D("1.050") and parcels[0].value == D("15.00")  # 1.7 kg / 2 + 0.2 tare
	assert parcels[1].length_cm == D("30")


def test_errors_name_what_is_wrong() -> None:
	with pytest.raises(LabelInputError, match="MUG"):
		plan_parcels([ItemLine("MUG", D(1), None, None, D(1)), ItemLine("TEA", D(1), D(1), "Kg", D(1))], BOX)
	with pytest.raises(LabelInputError, match="not a unit of weight"):
		plan_parcels([ItemLine("TEA", D(1), D(1), "Nos", D(1))], BOX)
	with pytest.raises(LabelInputError, match="package preset"):
		plan_parcels([ItemLine("TEA", D(1), D(1), "Kg", D(1))], None)
	with pytest.raises(LabelInputError, match="Parcel 2: the weight"):
		check_parcel(ParcelPlan("2", D(0), D(1), D(1), D(1), D(1)))


def test_cheapest_rate_meeting_the_latest_delivery_date() -> None:
	day = lambda d: datetime(2026, 12, d, 18, tzinfo=timezone.utc)  # noqa: E731
	rates = [RateOption("slow", D("4.00"), day(12)), RateOption("fast", D("9.00"), day(8)), RateOption("mid", D("6.00"), day(9))]
	assert propose_rate(rates, day(10)).rate_id == "mid"
	assert propose_rate(rates, None).rate_id == "slow"
	assert propose_rate(rates, day(7)) is None
