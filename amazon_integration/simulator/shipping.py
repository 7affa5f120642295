"""Shipping API v2 (Amazon Buy Shipping) for the seller's own (MERCHANT) orders: getRates, purchaseShipment,
getShipmentDocuments, cancelShipment, getTracking.

- getRates (channelType AMAZON, the order's address as ship-to) quotes three services. Price = base + per billed
  kilogram (the greater of actual and volumetric weight, L*W*H/5000 cm) + a surcharge when the destination's
  postal zone differs from the ship-from's or the country does; promised delivery days per service. A package
  over 30 kg leaves only the freight service; the others come back as ineligibleRates. A rate lives 10 simulated
  minutes (requestToken); after that purchaseShipment answers 400 with Amazon's expiry message.
- purchaseShipment marks the order shipped on Amazon (state.apply_shipment, as Amazon does for a Buy Shipping
  label) and answers the label documents (PDF, PNG or ZPL, base64) and a tracking id per package; the charge is
  kept in `state.docs.shipping_labels` for the settlement.
- The same x-amzn-IdempotencyKey answers the first purchase again (a retry after a lost answer buys nothing).
- A refusal queued with POST /_sim/shipping/refusals {"serviceId", "message"} makes the next purchase of that
  service answer 400 with the message (the carrier or Amazon refusing the rate).
- cancelShipment works until the carrier scans the parcel (PickupDone, 8 simulated hours after purchase): the
  shipment is reversed on the order and its charge dropped.
- getTracking moves on the simulator clock: ReadyForReceive at purchase, PickupDone +8h, Departed +12h,
  ArrivedAtCarrierFacility +24h, OutForDelivery at the promise's start, Delivered at its end.
"""

from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .documents import attach, iso, new_uuid
from .http import ApiError, Request, Response, Router
from .ids import digest
from .state import ShipmentRejected, SimulatorState

RATE_LIFETIME = timedelta(minutes=10)
SCAN_AFTER = timedelta(hours=8)
MAX_WEIGHT_KG = Decimal("30")
RATE_EXPIRED = "The rate is no longer valid. Request new rates with getRates and purchase one of those."

# serviceId -> (carrierId, carrierName, serviceName, base, per kg, transit days, freight?)
SERVICES: dict[str, tuple[str, str, str, Decimal, Decimal, int, bool]] = {
	"SIM_GROUND": ("SIMCARRIER", "Simulated Carrier", "Ground", Decimal("4.20"), Decimal("0.85"), 5, False),
	"SIM_EXPRESS": ("SIMCARRIER", "Simulated Carrier", "Express", Decimal("7.90"), Decimal("1.40"), 2, False),
	"SIM_FREIGHT": ("SIMFREIGHT", "Simulated Freight", "Heavy Parcel", Decimal("19.50"), Decimal("0.60"), 6, True),
}
WEIGHT_TO_KG = {"GRAM": Decimal("0.001"), "KILOGRAM": Decimal("1"), "OUNCE": Decimal("0.0283495"), "POUND": Decimal("0.453592")}
LENGTH_TO_CM = {"CENTIMETER": Decimal("1"), "INCH": Decimal("2.54")}
TRACK_STEPS = (
	(timedelta(0), "ReadyForReceive", "PreTransit"),
	(SCAN_AFTER, "PickupDone", "InTransit"),
	(timedelta(hours=12), "Departed", "InTransit"),
	(timedelta(hours=24), "ArrivedAtCarrierFacility", "InTransit"),
)


@dataclass
class QuotedRate:
	rate_id: str
	service_id: str
	total: Decimal
	currency: str
	delivery_start: datetime
	delivery_end: datetime


@dataclass
class Quote:
	request_token: str
	order_id: str
	packages: list[dict[str, Any]]
	rates: dict[str, QuotedRate]
	expires: datetime


@dataclass
class LabelShipment:
	shipment_id: str
	order_id: str
	marketplace_id: str
	service_id: str
	carrier_id: str
	carrier_name: str
	total: Decimal
	currency: str
	purchased: datetime
	delivery_start: datetime
	delivery_end: datetime
	packages: list[tuple[str, str]]  # (packageClientReferenceId, trackingId)
	lines: list[tuple[str, int]]
	doc_format: str
	cancelled: bool = False
	posted: bool = False  # taken into a settlement


@dataclass
class ShippingBook:
	quotes: dict[str, Quote] = field(default_factory=dict)
	shipments: dict[str, LabelShipment] = field(default_factory=dict)
	refusals: dict[str, str] = field(default_factory=dict)  # serviceId -> message for the next purchase
	purchases: dict[str, dict[str, Any]] = field(default_factory=dict)  # x-amzn-IdempotencyKey -> the answer


def book_of(state: SimulatorState) -> ShippingBook:
	return attach(state, "docs.shipping_labels", ShippingBook)


def _number(value: Any, what: str) -> Decimal:
	if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
		raise ApiError(400, "InvalidInput", f"{what} must be a positive number.")
	return Decimal(str(value))


def _package_kg(package: Any, index: int) -> tuple[Decimal, Decimal]:
	"""(actual kg, billed kg) of one request package; 400 naming the field when it is missing or wrong."""
	if not isinstance(package, dict):
		raise ApiError(400, "InvalidInput", f"packages[{index}] must be an object.")
	for key in ("dimensions", "weight", "insuredValue", "items", "packageClientReferenceId"):
		if key not in package:
			raise ApiError(400, "InvalidInput", f"packages[{index}].{key} is required.")
	weight, dims = package["weight"], package["dimensions"]
	if not isinstance(weight, dict) or weight.get("unit") not in WEIGHT_TO_KG:
		raise ApiError(400, "InvalidInput", f"packages[{index}].weight.unit must be one of {', '.join(WEIGHT_TO_KG)}.")
	kg = _number(weight.get("value"), f"packages[{index}].weight.value") * WEIGHT_TO_KG[weight["unit"]]
	if not isinstance(dims, dict) or dims.get("unit") not in LENGTH_TO_CM:
		raise ApiError(400, "InvalidInput", f"packages[{index}].dimensions.unit must be INCH or CENTIMETER.")
	factor = LENGTH_TO_CM[dims["unit"]]
	volume = Decimal(1)
	for key in ("length", "width", "height"):
		volume *= _number(dims.get(key), f"packages[{index}].dimensions.{key}") * factor
	return kg, max(kg, volume / 5000)


def _address_error(address: Any, what: str) -> str | None:
	if not isinstance(address, dict):
		return f"{what} is required."
	for key in ("name", "addressLine1", "city", "countryCode", "postalCode", "stateOrRegion"):
		if not str(address.get(key) or "").strip():
			return f"{what}.{key} is required."
	return None


def _money(value: Decimal) -> Decimal:
	return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _rate_json(rate: QuotedRate, billed: Decimal) -> dict[str, Any]:
	carrier_id, carrier_name, service_name, *_ = SERVICES[rate.service_id]
	return {
		"rateId": rate.rate_id,
		"carrierId": carrier_id,
		"carrierName": carrier_name,
		"serviceId": rate.service_id,
		"serviceName": service_name,
		"billedWeight": {"unit": "KILOGRAM", "value": float(_money(billed))},
		"totalCharge": {"unit": rate.currency, "value": float(rate.total)},
		"promise": {
			"deliveryWindow": {"start": iso(rate.delivery_start), "end": iso(rate.delivery_end)},
			"pickupWindow": {"start": iso(rate.delivery_start - timedelta(days=SERVICES[rate.service_id][5])),
							 "end": iso(rate.delivery_start - timedelta(days=SERVICES[rate.service_id][5]) + timedelta(hours=8))},
		},
		"supportedDocumentSpecifications": [
			{
				"format": fmt,
				"size": {"width": 4, "length": 6, "unit": "INCH"},
				"printOptions": [{
					"supportedDPIs": [203, 300],
					"supportedPageLayouts": ["DEFAULT"],
					"supportedFileJoiningOptions": [False],
					"supportedDocumentDetails": [{"name": "LABEL", "isMandatory": True}],
				}],
			}
			for fmt in ("PDF", "PNG", "ZPL")
		],
		"requiresAdditionalInputs": False,
		"paymentType": "PAY_THROUGH_AMAZON",
		"benefits": {"includedBenefits": ["CLAIMS_PROTECTED", "LATE_DELIVERY_RISK_PROTECTED"], "excludedBenefits": []},
	}


def label_document(fmt: str, shipment_id: str, tracking_id: str, carrier: str) -> bytes:
	"""A small but real document in the asked format, naming carrier and tracking id."""
	if fmt == "ZPL":
		return f"^XA^CF0,40^FO40,40^FD{carrier}^FS^FO40,120^BCN,120,Y,N,N^FD{tracking_id}^FS^XZ".encode()
	if fmt == "PNG":
		raw = b"".join(b"\x00" + bytes([0 if (x // 4 + y // 8) % 2 else 255 for x in range(64)]) for y in range(32))
		def chunk(kind: bytes, data: bytes) -> bytes:
			return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
		return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 32, 8, 0, 0, 0, 0))
				+ chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
	# A 4 x 6 inch label: the carrier, the tracking id large, the shipment id small.
	stream = (
		f"BT /F1 18 Tf 20 390 Td ({carrier}) Tj /F1 16 Tf 0 -40 Td ({tracking_id}) Tj /F1 8 Tf 0 -30 Td ({shipment_id}) Tj ET"
	).encode()
	objects = [
		b"<< /Type /Catalog /Pages 2 0 R >>",
		b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
		b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	]
	out = b"%PDF-1.4\n"
	offsets = []
	for number, body in enumerate(objects, 1):
		offsets.append(len(out))
		out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
	xref = len(out)
	out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
	out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
	out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
	return out


def _documents(shipment: LabelShipment, reference: str, tracking_id: str, fmt: str) -> dict[str, Any]:
	content = label_document(fmt, shipment.shipment_id, tracking_id, shipment.carrier_name)
	return {
		"packageClientReferenceId": reference,
		"trackingId": tracking_id,
		"packageDocuments": [{"type": "LABEL", "format": fmt, "contents": base64.b64encode(content).decode()}],
	}


def tracking_events(shipment: LabelShipment, now: datetime) -> tuple[list[tuple[datetime, str]], str]:
	"""(events so far, summary status) of a label's parcel at `now`."""
	steps = [(shipment.purchased + offset, code, status) for offset, code, status in TRACK_STEPS]
	steps.append((max(shipment.delivery_start, shipment.purchased + timedelta(hours=25)), "OutForDelivery", "OutForDelivery"))
	steps.append((max(shipment.delivery_end - timedelta(hours=2), shipment.purchased + timedelta(hours=26)), "Delivered", "Delivered"))
	done = [(at, code, status) for at, code, status in steps if at <= now]
	return [(at, code) for at, code, _ in done], (done[-1][2] if done else "PreTransit")


def register(router: Router, state: SimulatorState) -> None:
	book = book_of(state)

	def _order(body: dict[str, Any]):
		channel = body.get("channelDetails")
		if not isinstance(channel, dict) or channel.get("channelType") not in ("AMAZON", "EXTERNAL"):
			raise ApiError(400, "InvalidInput", "channelDetails.channelType must be AMAZON or EXTERNAL.")
		if channel["channelType"] != "AMAZON":
			raise ApiError(400, "InvalidInput", "Only channelType AMAZON is supported for this seller.")
		order_id = str((channel.get("amazonOrderDetails") or {}).get("orderId") or "")
		order = state.orders.get(order_id)
		if order is None:
			raise ApiError(400, "InvalidInput", f"Order {order_id or '(none)'} was not found for this seller.")
		if order.fulfilled_by != "MERCHANT":
			raise ApiError(400, "InvalidInput", f"Order {order_id} is fulfilled by Amazon.")
		if order.status not in ("UNSHIPPED", "PARTIALLY_SHIPPED"):
			raise ApiError(400, "InvalidInput", f"Order {order_id} is {order.status}; no label can be bought for it.")
		return order

	@router.route("POST", "/shipping/v2/shipments/rates", operation="getRates")
	def get_rates(req: Request) -> Response:
		body = req.json()
		if not isinstance(body, dict):
			raise ApiError(400, "InvalidInput", "The request body must be a GetRatesRequest object.")
		error = _address_error(body.get("shipFrom"), "shipFrom")
		if error:
			raise ApiError(400, "InvalidInput", error)
		packages = body.get("packages")
		if not isinstance(packages, list) or not packages:
			raise ApiError(400, "InvalidInput", "packages must list at least one package.")
		with state.lock:
			order = _order(body)
			weights = [_package_kg(package, index) for index, package in enumerate(packages)]
			now = state.clock.now()
			ship_from = body["shipFrom"]
			far = str(ship_from["postalCode"])[:1] != str(order.address.postal_code or "")[:1]
			abroad = str(ship_from["countryCode"]).upper() != order.address.country_code
			billed = sum((b for _, b in weights), Decimal(0))
			heavy = any(kg > MAX_WEIGHT_KG for kg, _ in weights)
			token = new_uuid(state)
			quote = Quote(token, order.order_id, packages, {}, now + RATE_LIFETIME)
			rates, ineligible = [], []
			for service_id, (carrier_id, carrier_name, service_name, base, per_kg, days, freight) in SERVICES.items():
				if heavy and not freight:
					ineligible.append({
						"serviceId": service_id, "serviceName": service_name, "carrierName": carrier_name,
						"carrierId": carrier_id,
						"ineligibilityReasons": [{"code": "WEIGHT_RESTRICTIONS", "message": f"A package is over {MAX_WEIGHT_KG} kg."}],
					})
					continue
				total = base * len(packages) + per_kg * billed
				total += Decimal("1.50") if far else 0
				total += Decimal("6.00") if abroad else 0
				days_total = days + (1 if far else 0) + (3 if abroad else 0)
				start = (now + timedelta(days=days_total)).replace(hour=9, minute=0, second=0, microsecond=0)
				rate = QuotedRate(new_uuid(state), service_id, _money(total), order.currency, start, start + timedelta(hours=11))
				quote.rates[rate.rate_id] = rate
				rates.append(_rate_json(rate, billed))
			book.quotes[token] = quote
		payload: dict[str, Any] = {"requestToken": token, "rates": rates}
		if ineligible:
			payload["ineligibleRates"] = ineligible
		return Response(200, {"payload": payload})

	@router.route("POST", "/shipping/v2/shipments", operation="purchaseShipment")
	def purchase_shipment(req: Request) -> Response:
		body = req.json()
		if not isinstance(body, dict):
			raise ApiError(400, "InvalidInput", "The request body must be a PurchaseShipmentRequest object.")
		spec = body.get("requestedDocumentSpecification")
		if not isinstance(spec, dict) or spec.get("format") not in ("PDF", "PNG", "ZPL"):
			raise ApiError(400, "InvalidInput", "requestedDocumentSpecification.format must be PDF, PNG or ZPL.")
		key = req.headers.get("x-amzn-idempotencykey")
		with state.lock:
			if key and key in book.purchases:  # a retry of a purchase that went through: the same label
				return Response(200, book.purchases[key])
			now = state.clock.now()
			quote = book.quotes.get(str(body.get("requestToken") or ""))
			rate = quote.rates.get(str(body.get("rateId") or "")) if quote else None
			if quote is None or rate is None:
				raise ApiError(400, "InvalidInput", "requestToken and rateId must come from one getRates answer.")
			if now > quote.expires:
				raise ApiError(400, "InvalidInput", RATE_EXPIRED)
			refusal = book.refusals.pop(rate.service_id, None)
			if refusal is not None:
				raise ApiError(400, "InvalidInput", refusal)
			order = state.orders[quote.order_id]
			carrier_id, carrier_name, service_name, *_ = SERVICES[rate.service_id]
			shipment_id = f"SIM{digest(rate.rate_id) % 10**12:012d}"
			packages = [
				(str(p["packageClientReferenceId"]), f"SIMTRK{digest(shipment_id, i) % 10**12:012d}")
				for i, p in enumerate(quote.packages)
			]
			lines = [(item.order_item_id, item.quantity_unshipped) for item in order.items if item.quantity_unshipped > 0]
			try:
				# Amazon knows a Buy Shipping label for its own order: the order shows shipped without confirmShipment.
				state.apply_shipment(order.order_id, lines, carrier_name, carrier_name, packages[0][1], now,
									 service_name, package_reference_id=packages[0][0])
			except ShipmentRejected as exc:
				raise ApiError(exc.status, exc.code, str(exc)) from None
			shipment = LabelShipment(shipment_id, order.order_id, order.marketplace_id, rate.service_id, carrier_id,
									 carrier_name, rate.total, rate.currency, now, rate.delivery_start,
									 rate.delivery_end, packages, lines, spec["format"])
			book.shipments[shipment_id] = shipment
			del book.quotes[quote.request_token]  # a rate is bought once
		payload = {
			"shipmentId": shipment_id,
			"packageDocumentDetails": [_documents(shipment, ref, trk, spec["format"]) for ref, trk in packages],
			"promise": {"deliveryWindow": {"start": iso(rate.delivery_start), "end": iso(rate.delivery_end)}},
			"benefits": {"includedBenefits": ["CLAIMS_PROTECTED", "LATE_DELIVERY_RISK_PROTECTED"], "excludedBenefits": []},
		}
		if key:
			with state.lock:
				book.purchases[key] = {"payload": payload}
		return Response(200, {"payload": payload})

	def _shipment(req: Request) -> LabelShipment:
		shipment = book.shipments.get(req.path_args["shipmentId"])
		if shipment is None:
			raise ApiError(404, "NotFound", f"Shipment {req.path_args['shipmentId']} was not found.")
		return shipment

	@router.route("GET", "/shipping/v2/shipments/{shipmentId}/documents", operation="getShipmentDocuments")
	def get_shipment_documents(req: Request) -> Response:
		with state.lock:
			shipment = _shipment(req)
			reference = req.param("packageClientReferenceId")
			found = [pkg for pkg in shipment.packages if pkg[0] == reference]
			if not found:
				raise ApiError(400, "InvalidInput", f"packageClientReferenceId {reference or '(none)'} is not in this shipment.")
			fmt = req.param("format") or shipment.doc_format
			if fmt not in ("PDF", "PNG", "ZPL"):
				raise ApiError(400, "InvalidInput", "format must be PDF, PNG or ZPL.")
			detail = _documents(shipment, found[0][0], found[0][1], fmt)
		return Response(200, {"payload": {"shipmentId": shipment.shipment_id, "packageDocumentDetail": detail}})

	@router.route("PUT", "/shipping/v2/shipments/{shipmentId}/cancel", operation="cancelShipment")
	def cancel_shipment(req: Request) -> Response:
		with state.lock:
			shipment = _shipment(req)
			now = state.clock.now()
			if shipment.cancelled:
				raise ApiError(400, "InvalidInput", f"Shipment {shipment.shipment_id} is already cancelled.")
			if now >= shipment.purchased + SCAN_AFTER:
				raise ApiError(400, "InvalidInput",
							   f"Shipment {shipment.shipment_id} was already scanned by the carrier and cannot be cancelled.")
			order = state.orders[shipment.order_id]
			tracking = {trk for _, trk in shipment.packages}
			for order_item_id, quantity in shipment.lines:
				item = order.item(order_item_id)
				if item is not None:
					item.quantity_shipped = max(0, item.quantity_shipped - quantity)
			order.packages = [p for p in order.packages if p.tracking_number not in tracking]
			state._refresh_status(order)
			state.touch(order)
			shipment.cancelled = True
		return Response(200, {"payload": {}})

	@router.route("GET", "/shipping/v2/tracking", operation="getTracking")
	def get_tracking(req: Request) -> Response:
		tracking_id, carrier_id = req.param("trackingId"), req.param("carrierId")
		if not tracking_id or not carrier_id:
			raise ApiError(400, "InvalidInput", "trackingId and carrierId are required.")
		with state.lock:
			found = [s for s in book.shipments.values()
					 if s.carrier_id == carrier_id and any(trk == tracking_id for _, trk in s.packages)]
			if not found:
				raise ApiError(404, "NotFound", f"Tracking id {tracking_id} of carrier {carrier_id} was not found.")
			shipment = found[0]
			events, status = tracking_events(shipment, state.clock.now())
			if shipment.cancelled:
				events, status = events[:1], "PickupCancelled"
			address = state.orders[shipment.order_id].address
		location = {"city": address.city, "countryCode": address.country_code, "postalCode": address.postal_code}
		payload = {
			"trackingId": tracking_id,
			"alternateLegTrackingId": "",
			"eventHistory": [{"eventCode": code, "eventTime": iso(at), "location": location} for at, code in events],
			"promisedDeliveryDate": iso(shipment.delivery_end),
			"summary": {"status": status},
		}
		return Response(200, {"payload": payload})

	@router.route("POST", "/_sim/shipping/refusals")
	def queue_refusal(req: Request) -> Response:
		body = req.json()
		service_id = str((body or {}).get("serviceId") or "")
		if service_id not in SERVICES:
			raise ApiError(400, "InvalidInput", f"serviceId must be one of {', '.join(SERVICES)}.")
		with state.lock:
			book.refusals[service_id] = str(body.get("message") or "The carrier declined this shipment.")
		return Response(200, {"serviceId": service_id, "message": book.refusals[service_id]})
