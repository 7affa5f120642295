"""Multi-Channel Fulfilment decisions: the order id, the items, the packages still to deliver."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from amazon_integration.amazon.outbound import (
	FulfillmentOrder,
	FulfillmentOrderLine,
	OutboundPackage,
	OutboundShipment,
)
from amazon_integration.domain.outbound import (
	OrderLine,
	OutboundError,
	fulfillment_order_id,
	lines_not_shipped,
	outbound_items,
	packages_to_deliver,
)

SHIPPED = datetime(2026, 1, 2, tzinfo=timezone.utc)


def test_order_id_is_the_sales_order_name_in_amazons_characters() -> None:
	assert fulfillment_order_id("SAL-ORD-2026-00001") == "SAL-ORD-2026-00001"
	assert fulfillment_order_id("SO 1/2") == "SO-1-2"
	with pytest.raises(OutboundError):
		fulfillment_order_id("X" * 41)


def test_items_need_an_fba_sku_and_whole_units() -> None:
	items = outbound_items([OrderLine("row1", "ITEM-A", "SKU-A", 2.0)])
	assert [(i.sku, i.quantity, i.line_id) for i in items] == [("SKU-A", 2, "row1")]
	with pytest.raises(OutboundError, match="ITEM-B"):
		outbound_items([OrderLine("row1", "ITEM-B", None, 1)])
	with pytest.raises(OutboundError, match="whole units"):
		outbound_items([OrderLine("row1", "ITEM-A", "SKU-A", 1.5)])
	with pytest.raises(OutboundError):
		outbound_items([])


def test_packages_to_deliver_skips_delivered_and_pending() -> None:
	order = FulfillmentOrder(
		order_id="SO-1", displayable_order_id="SO-1", status="Processing", status_updated=None, received=None,
		speed="Standard", marketplace_id="M",
		lines=(FulfillmentOrderLine("A", "row1", 2), FulfillmentOrderLine("B", "row2", 3, cancelled=1, unfulfillable=1)),
		shipments=(
			OutboundShipment("T1", "PHX3", "SHIPPED", SHIPPED, (OutboundPackage(1, "UPS", "1Z1", lines=(("row1", 2),)),)),
			OutboundShipment("T2", "ONT8", "SHIPPED", SHIPPED, (OutboundPackage(2, "UPS", None, "TBA2", lines=(("row2", 1),)),)),
			OutboundShipment("T3", "ONT8", "PENDING", None, ()),
		),
	)
	todo = packages_to_deliver(order, {"SO-1/T1/1"})
	assert [(p.key, p.tracking_number, p.lines) for p in todo] == [("SO-1/T2/2", "TBA2", (("row2", 1),))]
	assert lines_not_shipped(order) == {"row2": (1, 1)}
