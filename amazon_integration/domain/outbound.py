"""Multi-Channel Fulfilment decisions: which fulfilment order a Sales Order becomes, and which of Amazon's
packages still need a Delivery Note. Pure: records in, records out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from amazon_integration.amazon.outbound import FulfillmentOrder, OutboundItem
from amazon_integration.domain.text import msg

MAX_ORDER_ID = 40  # Amazon's limit on sellerFulfillmentOrderId
MAX_LINE_ID = 50  # and on sellerFulfillmentOrderItemId


class OutboundError(ValueError):
	"""A Sales Order that cannot become a fulfilment order as it is (the message says what to fix)."""


@dataclass(frozen=True)
class OrderLine:
	"""One Sales Order Item to ship: its row name is the line id Amazon echoes back on every package."""

	row: str
	item_code: str
	sku: str | None
	quantity: float


@dataclass(frozen=True)
class PackageDelivery:
	"""One shipped package not yet delivered in ERPNext: (row, units) per Sales Order Item."""

	key: str  # <order id>/<amazon shipment id>/<package number>: the Delivery Note's idempotency key
	carrier: str
	tracking_number: str
	shipped_at: datetime | None
	lines: tuple[tuple[str, int], ...]


def fulfillment_order_id(sales_order: str) -> str:
	"""The seller's fulfilment order id: the Sales Order's name, in the characters Amazon accepts. The same
	Sales Order always gives the same id, so a retried create meets Amazon's duplicate refusal, never a twin."""
	cleaned = re.sub(r"[^A-Za-z0-9_.-]", "-", sales_order)
	if len(cleaned) > MAX_ORDER_ID:
		raise OutboundError(msg("Sales Order name {0} is longer than Amazon's {1} characters.", sales_order, MAX_ORDER_ID))
	return cleaned


def outbound_items(lines: list[OrderLine]) -> tuple[OutboundItem, ...]:
	"""Amazon's items for the order's lines; every line needs a seller SKU and whole units."""
	missing = sorted({line.item_code for line in lines if not line.sku})
	if missing:
		raise OutboundError(msg("No FBA seller SKU for item(s): {0}", ", ".join(missing)))
	fractional = sorted({line.item_code for line in lines if line.quantity != int(line.quantity) or line.quantity <= 0})
	if fractional:
		raise OutboundError(msg("Amazon ships whole units only: {0}", ", ".join(fractional)))
	if not lines:
		raise OutboundError(msg("The Sales Order has nothing left to deliver."))
	for line in lines:
		if len(line.row) > MAX_LINE_ID:
			raise OutboundError(msg("Line id {0} is longer than Amazon's {1} characters.", line.row, MAX_LINE_ID))
	return tuple(OutboundItem(sku=str(line.sku), quantity=int(line.quantity), line_id=line.row) for line in lines)


def packages_to_deliver(order: FulfillmentOrder, delivered: set[str]) -> list[PackageDelivery]:
	"""Every package of a SHIPPED shipment whose key is not in `delivered`, in Amazon's order."""
	result = []
	for shipment in order.shipments:
		if shipment.status != "SHIPPED":
			continue
		for package in shipment.packages:
			key = f"{order.order_id}/{shipment.amazon_shipment_id}/{package.number}"
			if key in delivered:
				continue
			lines = tuple((row, qty) for row, qty in package.lines if qty > 0)
			if lines:
				result.append(
					PackageDelivery(
						key=key,
						carrier=package.carrier,
						tracking_number=package.tracking_number or package.amazon_tracking_number or "",
						shipped_at=shipment.shipped_at,
						lines=lines,
					)
				)
	return result


def lines_not_shipped(order: FulfillmentOrder) -> dict[str, tuple[int, int]]:
	"""row -> (cancelled, unfulfillable) units Amazon will not ship, for lines that have any."""
	return {
		line.line_id: (line.cancelled, line.unfulfillable)
		for line in order.lines
		if line.cancelled or line.unfulfillable
	}
