"""Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfilment): preview, create, get, list, cancel.

Orders take their units from the same regional FBA pool as Amazon's own orders (inventory.fba_quantities counts
`movements` below): reserved while unshipped, gone once shipped, back on cancel. Status moves on the clock,
counted from receivedDate:
  Received -> Planning (5 min) -> Processing (30 min) -> first shipment SHIPPED and the order Complete (2 h).
An order of two or more lines is split: its first line ships alone from one fulfilment centre at 2 h, the rest
from a second one at 4 h (the order stays Processing in between). Each shipped shipment has one package with the
carrier's tracking number. Stock short at create: FillOrKill (default) refuses the order; FillAllAvailable keeps
it and reports the missing units as unfulfillableQuantity (CompletePartialled, or Unfulfillable when nothing
can ship). cancelFulfillmentOrder is accepted while Received or Planning: every line's units come back.
Amazon charges the fees of each shipment when it ships: the settlement (settlements.py) gets one "Order" event per
shipped shipment, order-id = the sellerFulfillmentOrderId, marketplace "Non-Amazon", with the preview's fees
(FBAPerUnitFulfillmentFee per line, FBAPerOrderFulfillmentFee once per order; no FBATransportationFee here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from . import inventory, settlements
from .documents import attach, iso, parse_iso
from .http import ApiError, Request, Response, Router
from .ids import digest
from .money import q
from .state import SimulatorState

PREFIX = "/fba/outbound/2020-07-01"
PLANNING_AFTER = timedelta(minutes=5)
PROCESSING_AFTER = timedelta(minutes=30)
FIRST_SHIP_AFTER = timedelta(hours=2)
SECOND_SHIP_AFTER = timedelta(hours=4)
SPEEDS = {"Standard": (1, 3, 5), "Expedited": (1, 2, 3), "Priority": (0, 1, 1)}  # ship days, arrival days min/max
PER_UNIT_FEE = {"Standard": Decimal("3.49"), "Expedited": Decimal("5.99"), "Priority": Decimal("9.49")}
PER_ORDER_FEE = Decimal("1.00")
SETTLEMENT_MARKETPLACE = "Non-Amazon"  # the settlement's marketplace-name of MCF orders
CARRIERS = {"NA": "UPS", "EU": "DHL", "FE": "Yamato"}
CENTRES = {"NA": ("PHX3", "ONT8"), "EU": ("LEJ1", "DTM2"), "FE": ("NRT1", "KIX2")}
PAGE_SIZE = 50
DEFAULT_LOOKBACK = timedelta(hours=36)


@dataclass
class McfLine:
	sku: str
	line_id: str
	quantity: int
	unfulfillable: int = 0
	cancelled: int = 0

	@property
	def to_ship(self) -> int:
		return self.quantity - self.unfulfillable - self.cancelled


@dataclass
class McfOrder:
	order_id: str
	marketplace_id: str
	region: str
	displayable_id: str
	displayable_date: str
	comment: str
	speed: str
	address: dict[str, Any] = field(repr=False)
	policy: str
	received: datetime
	lines: list[McfLine]
	cancelled_at: datetime | None = None

	def groups(self) -> list[list[McfLine]]:
		"""Lines per shipment: a split order ships its first line apart from the rest."""
		lines = [line for line in self.lines if line.to_ship > 0]
		return [lines[:1], lines[1:]] if len(lines) > 1 else [lines]

	def ship_times(self) -> list[datetime]:
		return [self.received + FIRST_SHIP_AFTER, self.received + SECOND_SHIP_AFTER][: len(self.groups())]

	def status(self, now: datetime) -> tuple[str, datetime]:
		"""(fulfillmentOrderStatus, statusUpdatedDate) at `now`."""
		if self.cancelled_at is not None:
			return "Cancelled", self.cancelled_at
		if not any(line.to_ship for line in self.lines):
			return "Unfulfillable", self.received
		times = self.ship_times()
		if now >= times[-1]:
			partial = any(line.unfulfillable for line in self.lines)
			return ("CompletePartialled" if partial else "Complete"), times[-1]
		for name, after in (("Processing", PROCESSING_AFTER), ("Planning", PLANNING_AFTER)):
			if now >= self.received + after:
				return name, self.received + after
		return "Received", self.received

	def shipped_lines(self, now: datetime) -> set[str]:
		"""Line ids whose shipment left by `now`."""
		if self.cancelled_at is not None:
			return set()
		return {line.line_id for group, when in zip(self.groups(), self.ship_times()) if now >= when for line in group}


def _orders(state: SimulatorState) -> dict[str, McfOrder]:
	return attach(state, "outbound.orders", dict)


def movements(state: SimulatorState, region: str) -> dict[str, tuple[int, int, datetime]]:
	"""sku -> (units shipped, units pending, last change) of the region's MCF orders (for inventory's pool)."""
	now = state.clock.now()
	moves: dict[str, tuple[int, int, datetime]] = {}
	for order in list(_orders(state).values()):
		if order.region != region:
			continue
		shipped = order.shipped_lines(now)
		_, changed = order.status(now)
		for line in order.lines:
			if order.cancelled_at is not None:
				gone, pending = 0, 0
			elif line.line_id in shipped:
				gone, pending = line.to_ship, 0
			else:
				gone, pending = 0, line.to_ship
			old = moves.get(line.sku, (0, 0, changed))
			moves[line.sku] = (old[0] + gone, old[1] + pending, max(old[2], changed))
	return moves


inventory.POOL_DRAWS.append(movements)


def settlement_events(state: SimulatorState, book: settlements.Ledger, now: datetime) -> list[settlements.FinancialEvent]:
	"""ShipmentEvents of the MCF shipments shipped by `now` and not yet posted: their fees only (the buyer paid
	the seller elsewhere). Called by settlements.sync under state.lock."""
	events = []
	seed = getattr(state, "seed", 1)
	for order in list(_orders(state).values()):
		key = f"mcf:{order.order_id}"
		shipped = [(group, when) for group, when in zip(order.groups(), order.ship_times()) if now >= when]
		if order.cancelled_at is not None or len(shipped) <= book.packages_posted.get(key, 0):
			continue
		currency = state.marketplaces[order.marketplace_id].currency
		for index in range(book.packages_posted.get(key, 0), len(shipped)):
			group, when = shipped[index]
			event = settlements.FinancialEvent(
				transaction_type="Order",
				posted=settlements.whole_second(when),
				currency=currency,
				marketplace_id=order.marketplace_id,
				marketplace_name=SETTLEMENT_MARKETPLACE,
				order_id=order.order_id,
				merchant_order_id=order.order_id,
				shipment_id=f"T{digest(seed, 'mcf', order.order_id, index) % 10**9:09d}",
				fulfillment_id="AFN",
			)
			for number, line in enumerate(group):
				fees = [settlements.Amount("ItemFees", "FBAPerUnitFulfillmentFee", -q(PER_UNIT_FEE[order.speed] * line.to_ship, currency))]
				if index == 0 and number == 0:
					fees.append(settlements.Amount("ItemFees", "FBAPerOrderFulfillmentFee", -q(PER_ORDER_FEE, currency)))
				event.items.append(settlements.EventItem(line.line_id, line.sku, line.to_ship, fees))
			events.append(event)
		book.packages_posted[key] = len(shipped)
	return events


settlements.SHIPMENT_SOURCES.append(settlement_events)


def _money(amount: Decimal, currency: str) -> dict[str, str]:
	return {"currencyCode": currency, "value": str(amount.quantize(Decimal("0.01")))}


def _check_items(raw: Any) -> list[McfLine]:
	if not isinstance(raw, list) or not raw:
		raise ApiError(400, "InvalidInput", "items must list at least one item.")
	lines: list[McfLine] = []
	for item in raw:
		if not isinstance(item, dict):
			raise ApiError(400, "InvalidInput", "Each item must be an object.")
		sku, line_id, quantity = item.get("sellerSku"), item.get("sellerFulfillmentOrderItemId"), item.get("quantity")
		if not sku or not line_id or not isinstance(quantity, int) or quantity <= 0:
			raise ApiError(400, "InvalidInput", "Each item needs sellerSku, sellerFulfillmentOrderItemId and a positive quantity.")
		if any(line.line_id == line_id for line in lines):
			raise ApiError(400, "InvalidInput", f"Duplicate sellerFulfillmentOrderItemId {line_id}.")
		lines.append(McfLine(str(sku), str(line_id), quantity))
	return lines


def _check_address(address: Any, name: str) -> dict[str, Any]:
	if not isinstance(address, dict):
		raise ApiError(400, "InvalidInput", f"{name} is required.")
	missing = [key for key in ("name", "addressLine1", "postalCode", "countryCode") if not address.get(key)]
	if missing:
		raise ApiError(400, "InvalidInput", f"{name} lacks {', '.join(missing)}.")
	return address


def _shortages(state: SimulatorState, marketplace_id: str, lines: list[McfLine]) -> dict[str, tuple[int, str]]:
	"""line id -> (units Amazon cannot ship, reason) (caller holds state.lock)."""
	region = inventory.region_of(state, marketplace_id)
	known = {line.sku for line in inventory.catalogue_for(state, marketplace_id)}
	left: dict[str, int] = {}
	short: dict[str, tuple[int, str]] = {}
	for line in lines:
		if line.sku not in known:
			short[line.line_id] = (line.quantity, "InvalidSKU")
			continue
		if line.sku not in left:
			left[line.sku] = inventory.fba_quantities(state, region, line.sku).fulfillable
		take = min(left[line.sku], line.quantity)
		left[line.sku] -= take
		if take < line.quantity:
			short[line.line_id] = (line.quantity - take, "InventoryUnavailable")
	return short


def _marketplace(state: SimulatorState, body: dict[str, Any], req: Request) -> str:
	marketplace_id = body.get("marketplaceId") or req.param("marketplaceId") or next(iter(state.marketplaces))
	if marketplace_id not in state.marketplaces:
		raise ApiError(400, "InvalidInput", f"Invalid marketplace: {marketplace_id}.")
	return str(marketplace_id)


def _preview(state: SimulatorState, marketplace_id: str, lines: list[McfLine], speed: str) -> dict[str, Any]:
	now = state.clock.now()
	short = _shortages(state, marketplace_id, lines)
	currency = state.marketplaces[marketplace_id].currency
	ship_days, arrive_min, arrive_max = SPEEDS[speed]
	unfulfillable = [
		{"sellerSku": line.sku, "quantity": short[line.line_id][0], "sellerFulfillmentOrderItemId": line.line_id,
		 "itemUnfulfillableReasons": [short[line.line_id][1]]}
		for line in lines if line.line_id in short
	]
	shippable = [McfLine(line.sku, line.line_id, line.quantity - short.get(line.line_id, (0, ""))[0]) for line in lines]
	shippable = [line for line in shippable if line.quantity > 0]
	groups = [shippable[:1], shippable[1:]] if len(shippable) > 1 else [shippable]
	units = sum(line.quantity for line in shippable)
	preview: dict[str, Any] = {
		"shippingSpeedCategory": speed,
		"isFulfillable": not unfulfillable,
		"isCODCapable": False,
		"marketplaceId": marketplace_id,
		"estimatedShippingWeight": {"unit": "KG", "value": str(Decimal("0.4") * units)},
		"estimatedFees": [
			{"name": "FBAPerUnitFulfillmentFee", "amount": _money(PER_UNIT_FEE[speed] * units, currency)},
			{"name": "FBAPerOrderFulfillmentFee", "amount": _money(PER_ORDER_FEE, currency)},
			{"name": "FBATransportationFee", "amount": _money(Decimal(0), currency)},
		],
		"fulfillmentPreviewShipments": [
			{
				"earliestShipDate": iso(now + timedelta(hours=2 * (index + 1))),
				"latestShipDate": iso(now + timedelta(days=ship_days, hours=4)),
				"earliestArrivalDate": iso(now + timedelta(days=arrive_min)),
				"latestArrivalDate": iso(now + timedelta(days=arrive_max)),
				"fulfillmentPreviewItems": [
					{"sellerSku": line.sku, "quantity": line.quantity, "sellerFulfillmentOrderItemId": line.line_id,
					 "estimatedShippingWeight": {"unit": "KG", "value": str(Decimal("0.4") * line.quantity)},
					 "shippingWeightCalculationMethod": "Package"}
					for line in group
				],
			}
			for index, group in enumerate(groups) if group
		],
	}
	if unfulfillable:
		preview["unfulfillablePreviewItems"] = unfulfillable
		preview["orderUnfulfillableReasons"] = ["InventoryUnavailable"]
	return preview


def _order_body(state: SimulatorState, order: McfOrder) -> dict[str, Any]:
	now = state.clock.now()
	status, updated = order.status(now)
	header = {
		"sellerFulfillmentOrderId": order.order_id,
		"marketplaceId": order.marketplace_id,
		"displayableOrderId": order.displayable_id,
		"displayableOrderDate": order.displayable_date,
		"displayableOrderComment": order.comment,
		"shippingSpeedCategory": order.speed,
		"destinationAddress": order.address,
		"fulfillmentAction": "Ship",
		"fulfillmentPolicy": order.policy,
		"receivedDate": iso(order.received),
		"fulfillmentOrderStatus": status,
		"statusUpdatedDate": iso(updated),
	}
	items = [
		{"sellerSku": line.sku, "sellerFulfillmentOrderItemId": line.line_id, "quantity": line.quantity,
		 "cancelledQuantity": line.quantity - line.unfulfillable if order.cancelled_at else line.cancelled,
		 "unfulfillableQuantity": line.unfulfillable}
		for line in order.lines
	]
	shipments = []
	if order.cancelled_at is None and status not in ("Received", "Planning", "Unfulfillable"):
		centres = CENTRES.get(order.region, CENTRES["NA"])
		carrier = CARRIERS.get(order.region, "UPS")
		for index, (group, when) in enumerate(zip(order.groups(), order.ship_times())):
			shipped = now >= when
			mix = digest(getattr(state, "seed", 1), "mcf", order.order_id, index)
			shipment: dict[str, Any] = {
				"amazonShipmentId": f"T{mix % 10**9:09d}",
				"fulfillmentCenterId": centres[index % len(centres)],
				"fulfillmentShipmentStatus": "SHIPPED" if shipped else "PENDING",
				"fulfillmentShipmentItem": [
					{"sellerSku": line.sku, "sellerFulfillmentOrderItemId": line.line_id, "quantity": line.to_ship,
					 **({"packageNumber": index + 1} if shipped else {})}
					for line in group
				],
			}
			if shipped:
				shipment["shippingDate"] = iso(when)
				shipment["estimatedArrivalDate"] = iso(when + timedelta(days=SPEEDS[order.speed][2]))
				shipment["fulfillmentShipmentPackage"] = [{
					"packageNumber": index + 1,
					"carrierCode": carrier,
					"trackingNumber": f"1Z{mix % 10**16:016d}" if carrier == "UPS" else f"{mix % 10**12:012d}",
					"amazonFulfillmentTrackingNumber": f"TBA{mix % 10**12:012d}",
					"estimatedArrivalDate": iso(when + timedelta(days=SPEEDS[order.speed][2])),
				}]
			shipments.append(shipment)
	return {"fulfillmentOrder": header, "fulfillmentOrderItems": items, "fulfillmentShipments": shipments,
			"returnItems": [], "returnAuthorizations": []}


def register(router: Router, state: SimulatorState) -> None:
	orders = _orders(state)
	tokens: dict[str, list[str]] = attach(state, "outbound.tokens", dict)

	@router.route("POST", f"{PREFIX}/fulfillmentOrders/preview", operation="getFulfillmentPreview")
	def get_preview(req: Request) -> Response:
		body = req.json()
		_check_address(body.get("address"), "address")
		lines = _check_items(body.get("items"))
		speeds = body.get("shippingSpeedCategories") or list(SPEEDS)
		unknown = [speed for speed in speeds if speed not in SPEEDS]
		if unknown:
			raise ApiError(400, "InvalidInput", f"Unsupported shippingSpeedCategories: {', '.join(map(str, unknown))}.")
		with state.lock:
			marketplace_id = _marketplace(state, body, req)
			previews = [_preview(state, marketplace_id, lines, speed) for speed in speeds]
		return Response(200, {"payload": {"fulfillmentPreviews": previews}})

	@router.route("POST", f"{PREFIX}/fulfillmentOrders", operation="createFulfillmentOrder")
	def create(req: Request) -> Response:
		body = req.json()
		missing = [key for key in ("sellerFulfillmentOrderId", "displayableOrderId", "displayableOrderDate",
								   "displayableOrderComment", "shippingSpeedCategory") if not body.get(key)]
		if missing:
			raise ApiError(400, "InvalidInput", f"Missing required field(s): {', '.join(missing)}.")
		order_id = str(body["sellerFulfillmentOrderId"])
		if len(order_id) > 40:
			raise ApiError(400, "InvalidInput", "sellerFulfillmentOrderId must be at most 40 characters.")
		speed = body["shippingSpeedCategory"]
		if speed not in SPEEDS:
			raise ApiError(400, "InvalidInput", f"Unsupported shippingSpeedCategory: {speed}.")
		policy = body.get("fulfillmentPolicy") or "FillOrKill"
		if policy not in ("FillOrKill", "FillAll", "FillAllAvailable"):
			raise ApiError(400, "InvalidInput", f"Unsupported fulfillmentPolicy: {policy}.")
		address = _check_address(body.get("destinationAddress"), "destinationAddress")
		lines = _check_items(body.get("items"))
		displayable_date = iso(parse_iso(str(body["displayableOrderDate"]), "displayableOrderDate"))
		with state.lock:
			marketplace_id = _marketplace(state, body, req)
			if order_id in orders:
				raise ApiError(400, "InvalidInput", f"A fulfillment order with sellerFulfillmentOrderId {order_id} already exists.")
			short = _shortages(state, marketplace_id, lines)
			if short and policy != "FillAllAvailable":
				skus = sorted({line.sku for line in lines if line.line_id in short})
				raise ApiError(400, "InvalidInput", f"Unfulfillable items: {', '.join(skus)}.")
			for line in lines:
				line.unfulfillable = short.get(line.line_id, (0, ""))[0]
			orders[order_id] = McfOrder(
				order_id=order_id, marketplace_id=marketplace_id,
				region=inventory.region_of(state, marketplace_id), displayable_id=str(body["displayableOrderId"]),
				displayable_date=displayable_date, comment=str(body["displayableOrderComment"]), speed=speed,
				address=address, policy=policy, received=state.clock.now(), lines=lines,
			)
		return Response(200, {})

	@router.route("GET", f"{PREFIX}/fulfillmentOrders/{{sellerFulfillmentOrderId}}", operation="getFulfillmentOrder")
	def get(req: Request) -> Response:
		with state.lock:
			order = orders.get(req.path_args["sellerFulfillmentOrderId"])
			if order is None:
				raise ApiError(404, "NotFound", "The requested fulfillment order was not found.")
			return Response(200, {"payload": _order_body(state, order)})

	@router.route("GET", f"{PREFIX}/fulfillmentOrders", operation="listAllFulfillmentOrders")
	def list_all(req: Request) -> Response:
		with state.lock:
			token = req.param("nextToken")
			if token:
				ids = tokens.pop(token, None)
				if ids is None:
					raise ApiError(400, "InvalidInput", "The nextToken is invalid or expired.")
			else:
				now = state.clock.now()
				raw = req.param("queryStartDate")
				since = parse_iso(raw, "queryStartDate") if raw else now - DEFAULT_LOOKBACK
				ids = [o.order_id for o in orders.values() if o.status(now)[1] >= since]
			page, rest = ids[:PAGE_SIZE], ids[PAGE_SIZE:]
			payload: dict[str, Any] = {
				"fulfillmentOrders": [_order_body(state, orders[i])["fulfillmentOrder"] for i in page]
			}
			if rest:
				next_token = f"mcf-{digest(getattr(state, 'seed', 1), 'mcf-token', *rest[:1], len(tokens)) % 10**12}"
				tokens[next_token] = rest
				payload["nextToken"] = next_token
		return Response(200, {"payload": payload})

	@router.route("PUT", f"{PREFIX}/fulfillmentOrders/{{sellerFulfillmentOrderId}}/cancel", operation="cancelFulfillmentOrder")
	def cancel(req: Request) -> Response:
		with state.lock:
			order = orders.get(req.path_args["sellerFulfillmentOrderId"])
			if order is None:
				raise ApiError(404, "NotFound", "The requested fulfillment order was not found.")
			status, _ = order.status(state.clock.now())
			if status == "Cancelled":
				return Response(200, {})
			if status not in ("Received", "Planning"):
				raise ApiError(400, "InvalidInput", f"The fulfillment order is {status} and can no longer be cancelled.")
			order.cancelled_at = state.clock.now()
		return Response(200, {})
