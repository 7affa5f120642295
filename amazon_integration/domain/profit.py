"""The arithmetic of the profit report (erpnext/profit.py), pure: how one booked amount is shared out over the
orders, SKUs or records it belongs to, to the cent, and the contribution margin of a row."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
CENT = Decimal("0.01")
ZERO = Decimal(0)


def allocate(amount: Decimal, weights: Mapping[K, Decimal]) -> dict[K, Decimal]:
	"""`amount` shared over the keys in proportion to their weights, each part rounded to the cent and the
	rounding remainder put on the largest part, so the parts add up to the amount exactly (the ledger's total
	stays the ledger's). Weights may be negative (fees) as long as they do not sum to zero; with no usable
	weight the whole amount goes to the first key."""
	if not weights:
		raise ValueError("allocate needs at least one key")
	total = sum(weights.values(), ZERO)
	if not total:
		first = next(iter(weights))
		return {key: (amount if key == first else ZERO) for key in weights}
	parts = {key: (amount * weight / total).quantize(CENT, rounding=ROUND_HALF_UP) for key, weight in weights.items()}
	largest = max(parts, key=lambda key: abs(parts[key]))
	parts[largest] += amount - sum(parts.values(), ZERO)
	return parts


def contribution_margin(
	net_sales: Decimal, refunds: Decimal, reimbursements: Decimal, fees: Decimal, cost_of_goods: Decimal
) -> tuple[Decimal, Decimal]:
	"""(margin, margin percent of the revenue net of refunds). Fees are negative, cost of goods positive."""
	revenue = net_sales + refunds
	margin = revenue + reimbursements + fees - cost_of_goods
	percent = (margin / revenue * 100).quantize(CENT, rounding=ROUND_HALF_UP) if revenue else ZERO
	return margin, percent


__all__ = ["allocate", "contribution_margin"]
