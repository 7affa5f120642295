"""Amazon Shipping API v2 (Buy Shipping): rates, label purchase, label documents, cancellation and tracking for
the seller's own (FBM) Amazon orders. Every call names the marketplace's Amazon Shipping business in the
`x-amzn-shipping-business-id` header (spapi.SHIPPING_BUSINESS)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from .core import ClientCore
from .errors import AmazonError, AmazonUnavailableError
from .spapi import ShippingApi, shipping_business
from .text import msg
from .values import as_dict, as_list, parse_datetime, to_decimal

LABEL_FORMATS = ("PDF", "PNG", "ZPL")


@dataclass(frozen=True)
class ShippingAddress:
	"""A Shipping v2 Address (ship-from here: the FBM warehouse)."""

	name: str
	address_line1: str
	city: str
	postal_code: str
	country_code: str
	state_or_region: str
	address_line2: str | None = None
	company_name: str | None = None
	phone_number: str | None = None
	email: str | None = None

	def to_api(self) -> dict[str, Any]:
		data: dict[str, Any] = {
			"name": self.name,
			"addressLine1": self.address_line1,
			"city": self.city,
			"postalCode": self.postal_code,
			"countryCode": self.country_code,
			"stateOrRegion": self.state_or_region,
		}
		for key, value in (
			("addressLine2", self.address_line2),
			("companyName", self.company_name),
			("phoneNumber", self.phone_number),
			("email", self.email),
		):
			if value:
				data[key] = value
		return data


@dataclass(frozen=True)
class Parcel:
	"""One package: weight in kilograms, dimensions in centimetres, its declared value and item count."""

	reference: str  # packageClientReferenceId
	weight_kg: Decimal
	length_cm: Decimal
	width_cm: Decimal
	height_cm: Decimal
	value: Decimal
	currency: str
	items: tuple[tuple[str, int], ...] = ()  # (orderItemId, quantity)

	def to_api(self) -> dict[str, Any]:
		money = {"unit": self.currency, "value": float(self.value)}
		return {
			"packageClientReferenceId": self.reference,
			"weight": {"unit": "KILOGRAM", "value": float(self.weight_kg)},
			"dimensions": {
				"unit": "CENTIMETER",
				"length": float(self.length_cm),
				"width": float(self.width_cm),
				"height": float(self.height_cm),
			},
			"insuredValue": money,
			"items": [{"itemIdentifier": str(i), "quantity": int(q)} for i, q in self.items] or [{"quantity": 1}],
		}


@dataclass(frozen=True)
class ShippingRate:
	rate_id: str
	carrier_id: str
	carrier_name: str
	service_id: str
	service_name: str
	total: Decimal
	currency: str
	delivery_start: datetime | None
	delivery_end: datetime | None
	formats: tuple[str, ...]

	@classmethod
	def from_api(cls, data: Mapping) -> ShippingRate:
		charge = as_dict(data.get("totalCharge"))
		window = as_dict(as_dict(data.get("promise")).get("deliveryWindow"))
		return cls(
			rate_id=str(data.get("rateId") or ""),
			carrier_id=str(data.get("carrierId") or ""),
			carrier_name=str(data.get("carrierName") or ""),
			service_id=str(data.get("serviceId") or ""),
			service_name=str(data.get("serviceName") or ""),
			total=to_decimal(charge.get("value")) or Decimal(0),
			currency=str(charge.get("unit") or ""),
			delivery_start=parse_datetime(window.get("start")),
			delivery_end=parse_datetime(window.get("end")),
			formats=tuple(str(s.get("format")) for s in as_list(data.get("supportedDocumentSpecifications")) if isinstance(s, Mapping)),
		)


@dataclass(frozen=True)
class IneligibleRate:
	service_name: str
	carrier_name: str
	reasons: tuple[str, ...]


@dataclass(frozen=True)
class RateQuote:
	"""getRates: the rates for one shipment and the requestToken a purchase must quote."""

	request_token: str
	rates: tuple[ShippingRate, ...]
	ineligible: tuple[IneligibleRate, ...] = ()


@dataclass(frozen=True)
class LabelDocument:
	reference: str  # packageClientReferenceId
	tracking_id: str
	format: str
	content: bytes


@dataclass(frozen=True)
class PurchasedLabel:
	shipment_id: str
	documents: tuple[LabelDocument, ...]
	delivery_start: datetime | None = None
	delivery_end: datetime | None = None


@dataclass(frozen=True)
class TrackingEvent:
	code: str
	time: datetime | None
	city: str | None = None
	country_code: str | None = None


@dataclass(frozen=True)
class Tracking:
	tracking_id: str
	status: str  # Amazon's summary status: PreTransit, InTransit, OutForDelivery, Delivered, ...
	events: tuple[TrackingEvent, ...]
	promised_delivery: datetime | None = None

	@property
	def delivered(self) -> bool:
		return self.status == "Delivered"


def _documents(details: Any) -> tuple[LabelDocument, ...]:
	found: list[LabelDocument] = []
	for detail in as_list(details):
		detail = as_dict(detail)
		for document in as_list(detail.get("packageDocuments")):
			document = as_dict(document)
			try:
				content = base64.b64decode(str(document.get("contents") or ""), validate=True)
			except (binascii.Error, ValueError):
				raise AmazonUnavailableError(msg("Amazon sent a label document that is not valid base64.")) from None
			found.append(
				LabelDocument(
					reference=str(detail.get("packageClientReferenceId") or ""),
					tracking_id=str(detail.get("trackingId") or ""),
					format=str(document.get("format") or ""),
					content=content,
				)
			)
	return tuple(found)


class ShippingClient(ClientCore):
	"""getRates, purchaseShipment, getShipmentDocuments, cancelShipment, getTracking (Shipping API v2)."""

	def _shipping_api(self, marketplace_id: str | None) -> ShippingApi:
		marketplace = marketplace_id or self.config.default_marketplace_id
		business = shipping_business(marketplace)
		if business is None:
			raise AmazonError(
				msg("Amazon Buy Shipping is not offered in marketplace {0}.", marketplace), code="InvalidInput"
			)
		api = self._api(ShippingApi)
		api.amzn_shipping_business = business  # read by the library's headers on each request
		return api

	def get_rates(
		self,
		order_id: str,
		ship_from: ShippingAddress,
		parcels: Sequence[Parcel],
		*,
		marketplace_id: str | None = None,
		ship_date: datetime | None = None,
	) -> RateQuote:
		"""getRates for an Amazon order (channelType AMAZON: Amazon knows the ship-to address)."""
		api = self._shipping_api(marketplace_id)
		body: dict[str, Any] = {
			"shipFrom": ship_from.to_api(),
			"packages": [parcel.to_api() for parcel in parcels],
			"channelDetails": {"channelType": "AMAZON", "amazonOrderDetails": {"orderId": order_id}},
		}
		if ship_date is not None:
			body["shipDate"] = ship_date.strftime("%Y-%m-%dT%H:%M:%SZ")
		response = self._call("getRates", lambda: api.get_rates(**body))
		payload = as_dict(response.payload)
		return RateQuote(
			request_token=str(payload.get("requestToken") or ""),
			rates=tuple(ShippingRate.from_api(as_dict(r)) for r in as_list(payload.get("rates"))),
			ineligible=tuple(
				IneligibleRate(
					service_name=str(as_dict(r).get("serviceName") or ""),
					carrier_name=str(as_dict(r).get("carrierName") or ""),
					reasons=tuple(str(as_dict(x).get("message") or "") for x in as_list(as_dict(r).get("ineligibilityReasons"))),
				)
				for r in as_list(payload.get("ineligibleRates"))
			),
		)

	def purchase_label(
		self,
		request_token: str,
		rate_id: str,
		*,
		label_format: str = "PDF",
		idempotency_key: str,
		marketplace_id: str | None = None,
	) -> PurchasedLabel:
		"""purchaseShipment of a rate from get_rates; the same idempotency_key on a retry buys nothing twice."""
		if label_format not in LABEL_FORMATS:
			raise ValueError(msg("The label format must be one of {0}, not {1}.", ", ".join(LABEL_FORMATS), label_format))
		api = self._shipping_api(marketplace_id)
		body = {
			"requestToken": request_token,
			"rateId": rate_id,
			"requestedDocumentSpecification": {
				"format": label_format,
				"size": {"width": 4, "length": 6, "unit": "INCH"},
				"needFileJoining": False,
				"requestedDocumentTypes": ["LABEL"],
			},
		}
		response = self._call("purchaseShipment", lambda: api.purchase_shipment_once(idempotency_key, **body))
		payload = as_dict(response.payload)
		window = as_dict(as_dict(payload.get("promise")).get("deliveryWindow"))
		return PurchasedLabel(
			shipment_id=str(payload.get("shipmentId") or ""),
			documents=_documents(payload.get("packageDocumentDetails")),
			delivery_start=parse_datetime(window.get("start")),
			delivery_end=parse_datetime(window.get("end")),
		)

	def shipment_documents(
		self, shipment_id: str, reference: str, *, label_format: str | None = None, marketplace_id: str | None = None
	) -> tuple[LabelDocument, ...]:
		"""getShipmentDocuments: a package's label again (e.g. in another format)."""
		api = self._shipping_api(marketplace_id)
		params: dict[str, Any] = {"packageClientReferenceId": reference}
		if label_format:
			params["format"] = label_format
		response = self._call("getShipmentDocuments", lambda: api.get_shipment_documents(shipment_id, **params))
		return _documents([as_dict(response.payload).get("packageDocumentDetail")])

	def cancel_label(self, shipment_id: str, *, marketplace_id: str | None = None) -> None:
		"""cancelShipment: void a label the carrier has not scanned yet."""
		api = self._shipping_api(marketplace_id)
		self._call("cancelShipment", lambda: api.cancel_shipment(shipment_id))

	def tracking(self, tracking_id: str, carrier_id: str, *, marketplace_id: str | None = None) -> Tracking:
		"""getTracking: the carrier's events for one package."""
		api = self._shipping_api(marketplace_id)
		response = self._call("getTracking", lambda: api.get_tracking(trackingId=tracking_id, carrierId=carrier_id))
		payload = as_dict(response.payload)
		events = []
		for raw in as_list(payload.get("eventHistory")):
			raw = as_dict(raw)
			location = as_dict(raw.get("location"))
			events.append(
				TrackingEvent(
					code=str(raw.get("eventCode") or ""),
					time=parse_datetime(raw.get("eventTime")),
					city=location.get("city"),
					country_code=location.get("countryCode"),
				)
			)
		return Tracking(
			tracking_id=str(payload.get("trackingId") or tracking_id),
			status=str(as_dict(payload.get("summary")).get("status") or ""),
			events=tuple(events),
			promised_delivery=parse_datetime(payload.get("promisedDeliveryDate")),
		)
