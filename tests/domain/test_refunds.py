"""A refund's units and VAT: whole units of a line from its refunded principal, taken from a split line's two rows
in the mix that gives Amazon's share, and the VAT a tax-inclusive refund contains."""

from __future__ import annotations

from decimal import Decimal as D

from amazon_integration.domain.orders import split_line_total, vat_of
from amazon_integration.domain.refunds import refund_vat, refunded_units, units_by_row

CENT = D("0.01")


def test_units_are_the_principal_over_the_lines_gross_unit_price() -> None:
	# Amazon.co.uk, 3 x 14.99 with the VAT contained: net rows 2 x 12.49 + 1 x 12.50, 7.50 VAT.
	assert refunded_units(D("-14.99"), D("37.48") + D("7.49"), 3, 3) == 1
	assert refunded_units(D("-29.98"), D("44.97"), 3, 3) == 2
	assert refunded_units(D("-44.97"), D("44.97"), 3, 3) == 3
	# Never more than the credit note can still take, never none for a principal given back.
	assert refunded_units(D("-44.97"), D("44.97"), 3, 1) == 1
	assert refunded_units(D("-0.50"), D("44.97"), 3, 3) == 1
	assert refunded_units(D("0"), D("44.97"), 3, 3) == 0
	assert refunded_units(D("-14.99"), D("44.97"), 3, 0) == 0


def test_a_split_line_credits_one_unit_from_the_rows_in_amazons_mix() -> None:
	rows = split_line_total(D("37.48"), 3, CENT)
	assert rows == [(2, D("12.49")), (1, D("12.50"))]
	# The first unit back is Amazon's share 12.49: one unit of the lower row, not one of each.
	assert units_by_row(rows, D("37.48"), 3, 0, 1, CENT) == [1, 0]
	# The next two carry 24.99: one of each.
	assert units_by_row([(D("12.49"), 1), (D("12.50"), 1)], D("37.48"), 3, 1, 2, CENT) == [1, 1]
	# Rows listed high rate first get the same units.
	assert units_by_row([(D("12.50"), 1), (D("12.49"), 2)], D("37.48"), 3, 0, 1, CENT) == [0, 1]
	# A row without open units gives none.
	assert units_by_row([(D("12.49"), 0), (D("12.50"), 1)], D("37.48"), 3, 2, 1, CENT) == [0, 1]
	# One rate: all from it.
	assert units_by_row([(D("19.99"), 3)], D("59.97"), 3, 0, 2, CENT) == [2]


def test_a_tax_inclusive_refund_contains_its_vat_at_the_invoices_rate() -> None:
	# The two refunds: 16.65 GBP at 20 % holds 2.77, 18.99 EUR at 19 % holds 3.03.
	assert refund_vat(D("-16.65"), CENT, D("20")) == D("-2.77")
	assert refund_vat(D("-18.99"), CENT, D("19")) == D("-3.03")
	assert refund_vat(D("-16.65"), CENT, D("20")) == -vat_of(D("16.65"), D("20"), CENT)
	# No rate known: the invoice's own share of tax in its gross.
	assert refund_vat(D("-10.00"), CENT, None, D("-19.17"), D("-119.99")) == D("-1.60")
	assert refund_vat(D("-10.00"), CENT, None) == D("0")
	assert refund_vat(D("-500"), D("1"), D("10")) == D("-45")
