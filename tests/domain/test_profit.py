"""The profit report's arithmetic: shares add up to the ledger's amount to the cent; the margin."""

from __future__ import annotations

from decimal import Decimal

import pytest

from amazon_integration.domain.profit import allocate, contribution_margin

D = Decimal


def test_allocate_adds_up_exactly() -> None:
	parts = allocate(D("-10.00"), {"a": D("1"), "b": D("1"), "c": D("1")})
	assert sum(parts.values()) == D("-10.00")
	assert sorted(parts.values()) == [D("-3.34"), D("-3.33"), D("-3.33")]


def test_allocate_by_negative_weights_and_zero_total() -> None:
	# Fee records are negative; a refund of a fee positive: shares follow the records' signs.
	parts = allocate(D("-7.50"), {"x": D("-5.00"), "y": D("-2.50")})
	assert parts == {"x": D("-5.00"), "y": D("-2.50")}
	assert allocate(D("4.00"), {"x": D("2"), "y": D("-2")}) == {"x": D("4.00"), "y": D("0")}
	with pytest.raises(ValueError):
		allocate(D("1"), {})


def test_contribution_margin() -> None:
	margin, percent = contribution_margin(D("54.00"), D("0"), D("0"), D("-14.06"), D("16.00"))
	assert (margin, percent) == (D("23.94"), D("44.33"))
	assert contribution_margin(D("0"), D("0"), D("0"), D("-39.99"), D("0")) == (D("-39.99"), D("0"))
