"""Multi-Channel Fulfilment (Fulfillment Outbound API 2020-07-01): orders from any channel shipped from FBA stock.

getFulfillmentPreview, createFulfillmentOrder, getFulfillmentOrder, listAllFulfillmentOrders,
cancelFulfillmentOrder. Statuses and fee names are Amazon's strings (fulfillmentOutbound_2020-07-01.json).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .core import ClientCore
from .spapi import FulfillmentOutboundApi
from .values import as_dict, as_list, format_datetime, parse_datetime, to_decimal, to_int

SHIPPING_SPEEDS = ("Standard", "Expedited", "Priority")
# Amazon has shipped or closed the order: nothing more will change on it.
CLOSED_STATUSES = frozenset({"Complete", "CompletePartialled", "Cancelled", "Unfulfillable", "Invalid"})
# cancelFulfillmentOrder is accepted only before Amazon starts picking.
CANCELLABLE_STATUSES = frozenset({"New", "Received", "Planning"})


@dataclass(frozen=True)
class OutboundAddress:
	"""The recipient (Amazon's Address). Buyer PII: never logged (repr hides it)."""

	name: str
	address_line1: str
	postal_code: str
	country_code: str
	city: str | None = None
	address_line2: str | None = None
	state_or_region: str | None = None
	phone: str | None = None

	def to_api(self) -> dict[str, Any]:
		data = {
			"name": self.name,
			"addressLine1": self.address_line1,
			"postalCode": self.postal_code,
			"countryCode": self.country_code,
		}
		for key, value in (
			("addressLine2", self.address_line2),
			("city", self.city),
			("stateOrRegion", self.state_or_region),
			("phone", self.phone),
		):
			if value:
				data[key] = value
		return data

	def __repr__(self) -> str:
		return f"OutboundAddress(country_code={self.country_code!r})"


@dataclass(frozen=True)
class OutboundItem:
	"""One line to preview or ship: the seller SKU, the quantity, and the seller's line id (unique in the order)."""

	sku: str
	quantity: int
	line_id: str

	def to_api(self) -> dict[str, Any]:
		return {"sellerSku": self.sku, "quantity": int(self.quantity), "sellerFulfillmentOrderItemId": self.line_id}


@dataclass(frozen=True)
class PreviewFee:
	name: str  # FBAPerUnitFulfillmentFee, FBAPerOrderFulfillmentFee, FBATransportationFee, ...
	amount: Decimal
	currency: str


@dataclass(frozen=True)
class UnfulfillableLine:
	sku: str
	quantity: int
	line_id: str
	reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class FulfillmentPreview:
	"""One shipping speed's preview: can Amazon fulfil it, when, and for which fees."""

	speed: str
	fulfillable: bool
	marketplace_id: str
	fees: tuple[PreviewFee, ...] = ()
	earliest_ship: datetime | None = None
	latest_ship: datetime | None = None
	earliest_arrival: datetime | None = None
	latest_arrival: datetime | None = None
	shipments: int = 0
	unfulfillable: tuple[UnfulfillableLine, ...] = ()
	reasons: tuple[str, ...] = ()

	@property
	def total_fees(self) -> Decimal:
		return sum((fee.amount for fee in self.fees), Decimal(0))

	@property
	def currency(self) -> str | None:
		return self.fees[0].currency if self.fees else None

	@classmethod
	def from_api(cls, data: Mapping) -> FulfillmentPreview:
		shipments = [as_dict(s) for s in as_list(data.get("fulfillmentPreviewShipments"))]

		def bound(key: str, pick: Any) -> datetime | None:
			values = [v for v in (parse_datetime(s.get(key)) for s in shipments) if v is not None]
			return pick(values) if values else None

		fees = tuple(
			PreviewFee(
				name=str(fee.get("name") or ""),
				amount=to_decimal(as_dict(fee.get("amount")).get("value")) or Decimal(0),
				currency=str(as_dict(fee.get("amount")).get("currencyCode") or ""),
			)
			for fee in map(as_dict, as_list(data.get("estimatedFees")))
		)
		return cls(
			speed=str(data.get("shippingSpeedCategory") or ""),
			fulfillable=bool(data.get("isFulfillable")),
			marketplace_id=str(data.get("marketplaceId") or ""),
			fees=fees,
			earliest_ship=bound("earliestShipDate", min),
			latest_ship=bound("latestShipDate", max),
			earliest_arrival=bound("earliestArrivalDate", min),
			latest_arrival=bound("latestArrivalDate", max),
			shipments=len(shipments),
			unfulfillable=tuple(
				UnfulfillableLine(
					sku=str(item.get("sellerSku") or ""),
					quantity=to_int(item.get("quantity")) or 0,
					line_id=str(item.get("sellerFulfillmentOrderItemId") or ""),
					reasons=tuple(str(r) for r in as_list(item.get("itemUnfulfillableReasons"))),
				)
				for item in map(as_dict, as_list(data.get("unfulfillablePreviewItems")))
			),
			reasons=tuple(str(r) for r in as_list(data.get("orderUnfulfillableReasons"))),
		)


@dataclass(frozen=True)
class FulfillmentOrderLine:
	sku: str
	line_id: str
	quantity: int
	cancelled: int = 0
	unfulfillable: int = 0


@dataclass(frozen=True)
class OutboundPackage:
	"""One package of a shipment, with the units of each line it holds."""

	number: int
	carrier: str
	tracking_number: str | None
	amazon_tracking_number: str | None = None
	estimated_arrival: datetime | None = None
	lines: tuple[tuple[str, int], ...] = ()  # (sellerFulfillmentOrderItemId, quantity)


@dataclass(frozen=True)
class OutboundShipment:
	amazon_shipment_id: str
	fulfillment_center: str
	status: str  # PENDING, SHIPPED, CANCELLED_BY_FULFILLER, CANCELLED_BY_SELLER
	shipped_at: datetime | None = None
	packages: tuple[OutboundPackage, ...] = ()


@dataclass(frozen=True)
class FulfillmentOrder:
	"""A fulfilment order as Amazon reports it (getFulfillmentOrder, or its header from listAllFulfillmentOrders)."""

	order_id: str  # sellerFulfillmentOrderId
	displayable_order_id: str
	status: str
	status_updated: datetime | None
	received: datetime | None
	speed: str
	marketplace_id: str
	lines: tuple[FulfillmentOrderLine, ...] = ()
	shipments: tuple[OutboundShipment, ...] = ()

	@property
	def closed(self) -> bool:
		return self.status in CLOSED_STATUSES

	@property
	def cancellable(self) -> bool:
		return self.status in CANCELLABLE_STATUSES

	@classmethod
	def header_from_api(cls, data: Mapping) -> FulfillmentOrder:
		return cls(
			order_id=str(data.get("sellerFulfillmentOrderId") or ""),
			displayable_order_id=str(data.get("displayableOrderId") or ""),
			status=str(data.get("fulfillmentOrderStatus") or ""),
			status_updated=parse_datetime(data.get("statusUpdatedDate")),
			received=parse_datetime(data.get("receivedDate")),
			speed=str(data.get("shippingSpeedCategory") or ""),
			marketplace_id=str(data.get("marketplaceId") or ""),
		)

	@classmethod
	def from_api(cls, payload: Mapping) -> FulfillmentOrder:
		header = cls.header_from_api(as_dict(payload.get("fulfillmentOrder")))
		lines = tuple(
			FulfillmentOrderLine(
				sku=str(item.get("sellerSku") or ""),
				line_id=str(item.get("sellerFulfillmentOrderItemId") or ""),
				quantity=to_int(item.get("quantity")) or 0,
				cancelled=to_int(item.get("cancelledQuantity")) or 0,
				unfulfillable=to_int(item.get("unfulfillableQuantity")) or 0,
			)
			for item in map(as_dict, as_list(payload.get("fulfillmentOrderItems")))
		)
		shipments = []
		for raw in map(as_dict, as_list(payload.get("fulfillmentShipments"))):
			by_package: dict[int, list[tuple[str, int]]] = {}
			for item in map(as_dict, as_list(raw.get("fulfillmentShipmentItem"))):
				number = to_int(item.get("packageNumber")) or 0
				by_package.setdefault(number, []).append(
					(str(item.get("sellerFulfillmentOrderItemId") or ""), to_int(item.get("quantity")) or 0)
				)
			packages = tuple(
				OutboundPackage(
					number=to_int(pkg.get("packageNumber")) or 0,
					carrier=str(pkg.get("carrierCode") or ""),
					tracking_number=pkg.get("trackingNumber"),
					amazon_tracking_number=pkg.get("amazonFulfillmentTrackingNumber"),
					estimated_arrival=parse_datetime(pkg.get("estimatedArrivalDate")),
					lines=tuple(by_package.get(to_int(pkg.get("packageNumber")) or 0, ())),
				)
				for pkg in map(as_dict, as_list(raw.get("fulfillmentShipmentPackage")))
			)
			shipments.append(
				OutboundShipment(
					amazon_shipment_id=str(raw.get("amazonShipmentId") or ""),
					fulfillment_center=str(raw.get("fulfillmentCenterId") or ""),
					status=str(raw.get("fulfillmentShipmentStatus") or ""),
					shipped_at=parse_datetime(raw.get("shippingDate")),
					packages=packages,
				)
			)
		return cls(**{**header.__dict__, "lines": lines, "shipments": tuple(shipments)})


@dataclass(frozen=True)
class FulfillmentOrderRequest:
	"""createFulfillmentOrder's body. order_id is the seller's own id (idempotency: Amazon refuses a second one)."""

	order_id: str
	displayable_order_id: str
	displayable_date: datetime
	comment: str
	speed: str
	address: OutboundAddress
	items: tuple[OutboundItem, ...]
	fulfillment_policy: str = "FillOrKill"
	notification_emails: tuple[str, ...] = field(default=(), repr=False)

	def to_api(self, marketplace_id: str) -> dict[str, Any]:
		body: dict[str, Any] = {
			"marketplaceId": marketplace_id,
			"sellerFulfillmentOrderId": self.order_id,
			"displayableOrderId": self.displayable_order_id,
			"displayableOrderDate": format_datetime(self.displayable_date),
			"displayableOrderComment": self.comment,
			"shippingSpeedCategory": self.speed,
			"destinationAddress": self.address.to_api(),
			"fulfillmentAction": "Ship",
			"fulfillmentPolicy": self.fulfillment_policy,
			"items": [item.to_api() for item in self.items],
		}
		if self.notification_emails:
			body["notificationEmails"] = list(self.notification_emails)
		return body


class OutboundClient(ClientCore):
	"""Fulfillment Outbound 2020-07-01: preview, create, get, list, cancel."""

	def fulfillment_preview(
		self,
		address: OutboundAddress,
		items: Iterable[OutboundItem],
		speeds: Iterable[str] = SHIPPING_SPEEDS,
		*,
		marketplace_id: str | None = None,
	) -> list[FulfillmentPreview]:
		"""getFulfillmentPreview: one preview per shipping speed asked."""
		body = {
			"marketplaceId": marketplace_id or self.config.default_marketplace_id,
			"address": address.to_api(),
			"items": [item.to_api() for item in items],
			"shippingSpeedCategories": list(speeds),
		}
		api = self._api(FulfillmentOutboundApi)
		response = self._call("getFulfillmentPreview", lambda: api.get_fulfillment_preview(**body))
		return [FulfillmentPreview.from_api(p) for p in map(as_dict, as_list((response.payload or {}).get("fulfillmentPreviews")))]

	def create_fulfillment_order(self, request: FulfillmentOrderRequest, *, marketplace_id: str | None = None) -> None:
		"""createFulfillmentOrder. A retry after a lost answer may meet Amazon's duplicate-id refusal: callers check
		with get_fulfillment_order before treating that as a failure."""
		body = request.to_api(marketplace_id or self.config.default_marketplace_id)
		api = self._api(FulfillmentOutboundApi)
		self._call("createFulfillmentOrder", lambda: api.create_fulfillment_order(**body))

	def get_fulfillment_order(self, order_id: str) -> FulfillmentOrder:
		api = self._api(FulfillmentOutboundApi)
		response = self._call("getFulfillmentOrder", lambda: api.get_fulfillment_order(order_id))
		return FulfillmentOrder.from_api(response.payload or {})

	def fulfillment_orders(self, since: datetime | None = None) -> Iterator[FulfillmentOrder]:
		"""listAllFulfillmentOrders: headers of the orders changed since `since` (Amazon's default: 36 hours)."""
		params: dict[str, Any] = {}
		if since is not None:
			params["queryStartDate"] = format_datetime(since)
		api = self._api(FulfillmentOutboundApi)
		for payload in self._pages("listAllFulfillmentOrders", api.list_all_fulfillment_orders, params, token_param="nextToken", token_only=True):
			for raw in map(as_dict, as_list(payload.get("fulfillmentOrders"))):
				yield FulfillmentOrder.header_from_api(raw)

	def cancel_fulfillment_order(self, order_id: str) -> None:
		api = self._api(FulfillmentOutboundApi)
		self._call("cancelFulfillmentOrder", lambda: api.cancel_fulfillment_order(order_id))
