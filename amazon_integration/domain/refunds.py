"""What a credit note gives back for an Amazon refund: the units of each line, and the VAT the refund contains.

Amazon's settlement report gives a refund's principal per order item but no unit count, and for tax-inclusive
prices (EU, UK, JP) no tax amount: the VAT is inside the refunded amounts. So the units are the principal over
the line's gross unit price, taken from the line's rows in the mix that gives Amazon's share (as its invoices
do, `allocate_units`), and the VAT is the one the refund contains at the invoice's rate (`vat_of`, as the
order's own lines were taxed without a TAX breakdown). Nothing here reads a database.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from amazon_integration.domain.orders import allocate_units, vat_of

ZERO = Decimal(0)


def refunded_units(principal: Decimal, line_gross: Decimal, line_units: int, open_units: int) -> int:
	"""The units of a line a refunded principal stands for: the principal over the line's gross unit price
	(its tax included where the price held it), rounded; at least one (Amazon refunded something of the line),
	at most the units the invoice still has to credit. None for no principal (only a charge given back)."""
	if not principal or open_units <= 0 or line_units <= 0:
		return 0
	if not line_gross:
		return 1
	units = int((abs(principal) * line_units / abs(line_gross)).to_integral_value(rounding=ROUND_HALF_UP))
	return max(1, min(units, open_units))


def units_by_row(
	rows: list[tuple[Decimal, int]],
	line_total: Decimal,
	line_units: int,
	before: int,
	units: int,
	unit: Decimal,
) -> list[int]:
	"""How many of `units` each of a line's invoice rows (rate, units still open) credits, in their order.

	A line whose total does not divide by its units has two rows a cent apart: the units come from them in the
	mix that makes the cumulative share of `line_total` Amazon refunds after `before` units refunded earlier,
	never more of a row than it holds. Rows at one rate (or more than two) are filled in order."""
	rates = {rate for rate, _open in rows}
	if len(rows) == 2 and len(rates) == 2:
		order = sorted(range(2), key=lambda i: rows[i][0])
		split = allocate_units(line_total, line_units, before, units, [rows[i] for i in order], unit)
		taken = [0, 0]
		for i, qty in zip(order, split, strict=True):
			taken[i] = qty
		if sum(taken) == units:
			return taken
	taken, left = [], units
	for _rate, open_units in rows:
		qty = min(left, max(open_units, 0))
		taken.append(qty)
		left -= qty
	return taken


def refund_vat(
	refund: Decimal,
	unit: Decimal,
	rate: Decimal | None = None,
	invoice_tax: Decimal = ZERO,
	invoice_gross: Decimal = ZERO,
) -> Decimal:
	"""The VAT a tax-inclusive refund contains: at the invoice's `rate` when it has one; without one, the share
	of the invoice's tax its gross amount carries (rounded half up)."""
	if rate:
		return vat_of(refund, rate, unit)
	if not invoice_gross:
		return ZERO
	return (invoice_tax * refund / invoice_gross).quantize(unit, rounding=ROUND_HALF_UP)
