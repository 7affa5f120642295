"""Shipment confirmation (Orders API v0 confirmShipment): an FBM package reported to Amazon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .core import ClientCore
from .spapi import OrdersV0Api
from .values import format_datetime

@dataclass(frozen=True)
class ShipmentConfirmation:
	"""One package for confirmShipment (Orders v0). items: (orderItemId, quantity) pairs."""

	package_reference_id: str
	carrier_code: str
	tracking_number: str
	ship_date: datetime
	items: tuple[tuple[str, int], ...]
	carrier_name: str | None = None  # required by Amazon when carrier_code is "Other"
	shipping_method: str | None = None
	ship_from_supply_source_id: str | None = None

	def to_api(self, marketplace_id: str) -> dict[str, Any]:
		package: dict[str, Any] = {
			"packageReferenceId": str(self.package_reference_id),
			"carrierCode": self.carrier_code,
			"trackingNumber": self.tracking_number,
			"shipDate": format_datetime(self.ship_date),
			"orderItems": [{"orderItemId": str(i), "quantity": int(q)} for i, q in self.items],
		}
		if self.carrier_name:
			package["carrierName"] = self.carrier_name
		if self.shipping_method:
			package["shippingMethod"] = self.shipping_method
		if self.ship_from_supply_source_id:
			package["shipFromSupplySourceId"] = self.ship_from_supply_source_id
		return {"marketplaceId": marketplace_id, "packageDetail": package}


class ShipmentsClient(ClientCore):
	"""confirmShipment (Orders API v0)."""

	def confirm_shipment(
		self, order_id: str, confirmation: ShipmentConfirmation, *, marketplace_id: str | None = None
	) -> None:
		"""confirmShipment (Orders v0) for one package. Retried on 5xx/timeouts like every call: if a retry then
		gets a 400 (e.g. quantity already shipped), the first attempt may have landed; error.attempts > 1 says so."""
		body = confirmation.to_api(marketplace_id or self.config.default_marketplace_id)
		self._call("confirmShipment", lambda: self._api(OrdersV0Api).confirm_shipment(order_id, **body))
