"""The Multi-Channel Fulfilment gateway (OutboundClient) against the simulator: records in, records out."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from amazon_integration.amazon import AmazonError
from amazon_integration.amazon.outbound import FulfillmentOrderRequest, OutboundAddress, OutboundItem

ADDRESS = OutboundAddress(name="Jane Doe", address_line1="1 Main St", postal_code="98101", country_code="US",
						  city="Seattle", state_or_region="WA")


def request(order_id: str, items: tuple[OutboundItem, ...]) -> FulfillmentOrderRequest:
	return FulfillmentOrderRequest(
		order_id=order_id, displayable_order_id=order_id, displayable_date=datetime(2026, 1, 2, tzinfo=timezone.utc),
		comment="Thank you for your order.", speed="Expedited", address=ADDRESS, items=items,
	)


def test_preview_create_follow_and_list(sim, gateway) -> None:
	client = gateway(sim)
	items = (OutboundItem("SIM-MUG-001", 2, "1"), OutboundItem("SIM-TEA-010", 1, "2"))
	previews = {p.speed: p for p in client.fulfillment_preview(ADDRESS, items)}
	assert set(previews) == {"Standard", "Expedited", "Priority"}
	expedited = previews["Expedited"]
	assert expedited.fulfillable and expedited.currency == "USD" and expedited.shipments == 2
	assert expedited.total_fees > previews["Standard"].total_fees
	assert expedited.earliest_arrival and expedited.latest_arrival and expedited.earliest_arrival <= expedited.latest_arrival

	client.create_fulfillment_order(request("WEB-1", items))
	order = client.get_fulfillment_order("WEB-1")
	assert order.status == "Received" and order.cancellable and not order.shipments
	assert [(line.sku, line.quantity) for line in order.lines] == [("SIM-MUG-001", 2), ("SIM-TEA-010", 1)]

	sim.state.clock.advance(5 * 3600)
	order = client.get_fulfillment_order("WEB-1")
	assert order.status == "Complete" and order.closed
	packages = [pkg for shipment in order.shipments for pkg in shipment.packages]
	assert [pkg.lines for pkg in packages] == [(("1", 2),), (("2", 1),)]
	assert all(pkg.carrier == "UPS" and pkg.tracking_number for pkg in packages)
	assert all(shipment.status == "SHIPPED" and shipment.shipped_at for shipment in order.shipments)

	listed = list(client.fulfillment_orders(since=sim.state.clock.now() - timedelta(hours=6)))
	assert [o.order_id for o in listed] == ["WEB-1"] and listed[0].status == "Complete"


def test_cancel_and_errors(sim, gateway) -> None:
	client = gateway(sim)
	client.create_fulfillment_order(request("WEB-2", (OutboundItem("SIM-MUG-001", 1, "1"),)))
	client.cancel_fulfillment_order("WEB-2")
	order = client.get_fulfillment_order("WEB-2")
	assert order.status == "Cancelled" and order.lines[0].cancelled == 1
	with pytest.raises(AmazonError):
		client.create_fulfillment_order(request("WEB-2", (OutboundItem("SIM-MUG-001", 1, "1"),)))
	assert "Address" not in repr(ADDRESS) or "Jane" not in repr(ADDRESS)
