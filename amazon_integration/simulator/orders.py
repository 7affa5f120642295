"""Orders API v2026-01-01 (searchOrders, getOrder) and Orders v0 confirmShipment.

Routes
------
GET  /orders/2026-01-01/orders                          searchOrders
GET  /orders/2026-01-01/orders/{orderId}                getOrder   (404 NotFound for an unknown id)
POST /orders/v0/orders/{orderId}/shipmentConfirmation   confirmShipment (204, empty body)

searchOrders rules (as Amazon documents them)
---------------------------------------------
- exactly one of createdAfter / lastUpdatedAfter; createdBefore only with createdAfter, lastUpdatedBefore
  only with lastUpdatedAfter; a *Before must be >= its *After and at least 2 minutes before now.
- without a *Before the window ends 2 minutes before now (never before the *After); the response echoes the
  effective bound as `createdBefore` / `lastUpdatedBefore` (use it as the next watermark).
- marketplaceIds required (max 50, known marketplaces only); fulfillmentStatuses, fulfilledBy filter;
  maxResultsPerPage 1..100 (default 100); results sorted ascending by the time field asked, then orderId.
- paginationToken: opaque, remembers the query (and the matched order ids, so later updates never shift
  pages); maxResultsPerPage and includedData may change between pages; other filters, if sent, must be the
  same; unknown or expired (24 simulated hours) tokens -> 400 InvalidInput. Only the last page has no
  `pagination`.
- Times are rendered in UTC to whole seconds ("2025-01-01T10:00:00Z"); filters are inclusive.

What each includedData value adds (without includedData an order carries only orderId, createdTime,
lastUpdatedTime, programs, associatedOrders, salesChannel and orderItems with product; ask FULFILLMENT for
the status!):
- BUYER        order.buyer: buyerName, buyerEmail (FBM only), buyerCompanyName + buyerPurchaseOrderNumber (B2B)
- RECIPIENT    order.recipient.deliveryAddress (FBA: city/state/postal code/country only; phone FBM only)
- PROCEEDS     order.proceeds and orderItems[].proceeds (money, see below); absent for PENDING orders
- EXPENSE      orderItems[].expense.pointsCost (JP only: Amazon points)
- PROMOTION    orderItems[].promotion.breakdowns[].promotionId
- CANCELLATION orderItems[].cancellation (cancelled items)
- FULFILLMENT  order.fulfillment (fulfillmentStatus, fulfilledBy, fulfillmentServiceLevel, shipByWindow,
               deliverByWindow) and orderItems[].fulfillment (quantityFulfilled, quantityUnfulfilled, gift option)
- PACKAGES     order.packages (FBM only): packageReferenceId, carrier, trackingNumber, shipTime, shippingService,
               packageItems
- TAX          order.tax.taxRegistrations (B2B buyer's VAT / tax id) and orderItems[].tax.taxCollections
- PAYMENT, FULFILLMENT_ORDERS: accepted, nothing to add in the simulator.

Money (all amounts are strings with the currency's decimals: "12.30", JPY "1500")
-------------------------------------------------------------------------------
Prices are tax-EXCLUSIVE; taxes are added on top (as in Amazon's own v2026 examples).
- orderItems[].product.price.unitPrice        price of ONE unit (absent for PENDING orders).
- orderItems[].proceeds.breakdowns[] (each category present only when non-zero, except ITEM):
    ITEM       subtotal = unitPrice x quantityOrdered (the line's gross item price, before promotions)
    SHIPPING   subtotal = shipping charged for the line (before shipping discounts)
    GIFT_WRAP  subtotal = gift wrap charged for the line
    DISCOUNT   subtotal = NEGATIVE total of discounts; detailedBreakdowns:
                 subtype ITEM      -> promotion discount on the item price (negative)
                 subtype SHIPPING  -> shipping discount (negative)
    TAX        subtotal = all tax of the line (positive); detailedBreakdowns:
                 subtype ITEM      -> tax on (item price - promotion discount)
                 subtype SHIPPING  -> tax on (shipping - shipping discount)
                 subtype GIFT_WRAP -> tax on gift wrap
  proceedsTotal = sum of the breakdown subtotals = what the buyer paid for the line, tax included.
- orderItems[].tax.taxCollections = [{"model": "MARKETPLACE_FACILITATOR", "responsibleParty": "..."}] (TAX) marks
  a line whose TAX was collected and is remitted by Amazon (US marketplace facilitator, some UK lines): the TAX
  breakdown is still shown, but the seller never receives it (settlements deduct it again).
- order.proceeds.grandTotal = sum of the items' proceedsTotal = what the buyer paid for the order (incl. all tax);
  order.proceeds.breakdowns = the same categories summed over the items (no detailedBreakdowns).
- Replacement orders (associatedOrders[].associationType REPLACEMENT_ORIGINAL_ID) are priced 0.

confirmShipment (v0)
--------------------
Body {"marketplaceId", "packageDetail": {"packageReferenceId" (positive number), "carrierCode", "carrierName"
(required when carrierCode is "Other"), "shippingMethod", "trackingNumber", "shipDate" (ISO 8601),
"orderItems": [{"orderItemId", "quantity"}]}}. Rules live in SimulatorState.apply_shipment: unknown order
404; FBA / cancelled / pending order, unknown orderItemId, quantity <= 0 or above the unshipped quantity,
missing tracking number -> 400 InvalidInput with a message saying which. Success: 204, empty body; shipped
quantities, status (PARTIALLY_SHIPPED / SHIPPED) and lastUpdatedTime change.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from .generator import PROFILES
from .http import ApiError, Request, Response, Router
from .money import ZERO, money
from .state import ShipmentRejected, SimItem, SimOrder, SimulatorState

INCLUDED_DATA = (
	"BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION", "FULFILLMENT", "PACKAGES", "TAX",
	"PAYMENT", "FULFILLMENT_ORDERS",
)
FULFILLMENT_STATUSES = (
	"PENDING_AVAILABILITY", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED", "UNFULFILLABLE",
)
FULFILLED_BY = ("MERCHANT", "AMAZON")
TOKEN_LIFETIME = timedelta(hours=24)
MIN_AGE = timedelta(minutes=2)
_SERVICE_LEVELS = {"Standard": "STANDARD", "Expedited": "EXPEDITED", "NextDay": "NEXT_DAY",
				   "SecondDay": "SECOND_DAY", "Priority": "PRIORITY", "SameDay": "SAME_DAY"}
_FILTER_PARAMS = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore",
				  "fulfillmentStatuses", "fulfilledBy", "marketplaceIds")


# -- time helpers -----------------------------------------------------------------------------------
def iso(moment: datetime | None) -> str | None:
	"""UTC, whole seconds, "Z" suffix (floor: a rendered bound never excludes what it covered)."""
	if moment is None:
		return None
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str, name: str) -> datetime:
	"""ISO 8601 -> aware UTC datetime; 400 InvalidInput otherwise. Naive values are taken as UTC."""
	text = value.strip()
	if text.endswith(("Z", "z")):
		text = text[:-1] + "+00:00"
	try:
		moment = datetime.fromisoformat(text)
	except ValueError:
		raise ApiError(400, "InvalidInput", f"{name} must be an ISO 8601 date-time.", f"{name}={value!r}") from None
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=timezone.utc)
	return moment.astimezone(timezone.utc)


def _drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
	return {key: value for key, value in mapping.items() if value is not None and value != [] and value != {}}


# -- rendering -----------------------------------------------------------------------------------------
def item_breakdowns(item: SimItem, currency: str) -> list[dict[str, Any]]:
	"""The proceeds breakdowns of one line (see the module docstring)."""
	result: list[dict[str, Any]] = [{"type": "ITEM", "subtotal": money(item.item_price, currency)}]
	if item.shipping_price:
		result.append({"type": "SHIPPING", "subtotal": money(item.shipping_price, currency)})
	if item.gift_wrap_price:
		result.append({"type": "GIFT_WRAP", "subtotal": money(item.gift_wrap_price, currency)})
	discount = item.promotion_discount + item.shipping_discount
	if discount:
		details = []
		if item.promotion_discount:
			details.append({"subtype": "ITEM", "value": money(-item.promotion_discount, currency)})
		if item.shipping_discount:
			details.append({"subtype": "SHIPPING", "value": money(-item.shipping_discount, currency)})
		result.append({"type": "DISCOUNT", "subtotal": money(-discount, currency), "detailedBreakdowns": details})
	if item.tax_total and (item.tax_breakdown or not item.prices_include_tax):
		details = []
		for subtype, amount in (("ITEM", item.item_tax), ("SHIPPING", item.shipping_tax),
								("GIFT_WRAP", item.gift_wrap_tax)):
			if amount:
				details.append({"subtype": subtype, "value": money(amount, currency)})
		result.append({"type": "TAX", "subtotal": money(item.tax_total, currency), "detailedBreakdowns": details})
	return result


def order_breakdowns(order: SimOrder) -> list[dict[str, Any]]:
	totals: dict[str, Decimal] = {}
	for item in order.items:
		for entry in item_breakdowns(item, order.currency):
			totals[entry["type"]] = totals.get(entry["type"], ZERO) + Decimal(entry["subtotal"]["amount"])
	return [{"type": kind, "subtotal": money(amount, order.currency)} for kind, amount in totals.items()]


def render_item(order: SimOrder, item: SimItem, included: set[str], responsible_party: str) -> dict[str, Any]:
	currency = order.currency
	pending = order.status == "PENDING" or order.withhold_prices
	product: dict[str, Any] = {
		"asin": item.asin,
		"title": item.title,
		"sellerSku": item.sku,
		"condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
	}
	if not pending:
		price: dict[str, Any] = {"unitPrice": money(item.unit_price, currency)}
		if order.is_business:
			price["priceDesignation"] = "BUSINESS_PRICE"
		product["price"] = price
	rendered: dict[str, Any] = {"orderItemId": item.order_item_id, "quantityOrdered": item.quantity,
								"product": product}
	if "PROCEEDS" in included and not pending:
		rendered["proceeds"] = {"proceedsTotal": money(item.total, currency),
								"breakdowns": item_breakdowns(item, currency)}
	if "EXPENSE" in included and order.currency == "JPY" and not pending and item.unit_price:
		points = int(item.item_price // 100)  # 1 % back in points
		if points:
			rendered["expense"] = {"pointsCost": {"pointsGranted": {
				"pointsNumber": points, "pointsMonetaryValue": money(points, currency)}}}
	if "PROMOTION" in included and item.promotion_ids:
		rendered["promotion"] = {"breakdowns": [{"promotionId": pid} for pid in item.promotion_ids]}
	if "CANCELLATION" in included and item.quantity_cancelled:
		cancellation: dict[str, Any] = {"cancellationExecution": _drop_none(
			{"cancelledBy": order.cancelled_by or "BUYER", "cancelReason": order.cancel_reason})}
		if (order.cancelled_by or "BUYER") == "BUYER":
			cancellation["cancellationRequest"] = _drop_none(
				{"requester": "BUYER", "cancelReason": order.cancel_reason})
		rendered["cancellation"] = cancellation
	if "FULFILLMENT" in included:
		fulfillment: dict[str, Any] = {"quantityFulfilled": item.quantity_shipped,
									   "quantityUnfulfilled": item.quantity_unshipped}
		if item.is_gift:
			fulfillment["packing"] = {"giftOption": _drop_none(
				{"giftMessage": item.gift_message, "giftWrapLevel": "STANDARD" if item.gift_wrap_price else None})}
		rendered["fulfillment"] = fulfillment
	if "TAX" in included and item.tax_withheld and not pending:
		rendered["tax"] = {"taxCollections": [{"model": "MARKETPLACE_FACILITATOR",
											   "responsibleParty": responsible_party}]}
	return rendered


def render_order(state: SimulatorState, order: SimOrder, included: set[str]) -> dict[str, Any]:
	"""An Order object per the v2026-01-01 model with the datasets in `included`."""
	market = state.marketplaces.get(order.marketplace_id)
	profile = PROFILES.get(order.marketplace_id)
	responsible_party = profile.responsible_party if profile else "Amazon"
	programs: list[str] = []
	if order.is_prime:
		programs.append("PRIME")
	if order.is_business:
		programs.append("AMAZON_BUSINESS")
	rendered: dict[str, Any] = _drop_none({
		"orderId": order.order_id,
		"createdTime": iso(order.created),
		"lastUpdatedTime": iso(order.last_updated),
		"programs": programs or None,
		"salesChannel": _drop_none({"channelName": "AMAZON", "marketplaceId": order.marketplace_id,
									"marketplaceName": market.name if market else None}),
	})
	if order.replaced_order_id:
		rendered["associatedOrders"] = [{"orderId": order.replaced_order_id,
										 "associationType": "REPLACEMENT_ORIGINAL_ID"}]
	if "BUYER" in included:
		buyer = order.buyer
		rendered["buyer"] = _drop_none({
			"buyerName": buyer.name,
			"buyerEmail": None if order.is_fba else buyer.email,
			"buyerCompanyName": buyer.company_name if order.is_business else None,
			"buyerPurchaseOrderNumber": f"PO-{order.order_id[-7:]}" if order.is_business else None,
		})
	if "RECIPIENT" in included:
		address = order.address
		if order.is_fba:
			delivery = _drop_none({"city": address.city, "stateOrRegion": address.state_or_region,
								   "postalCode": address.postal_code, "countryCode": address.country_code})
		else:
			delivery = _drop_none({
				"name": address.name, "companyName": address.company_name, "addressLine1": address.address_line1,
				"addressLine2": address.address_line2, "city": address.city,
				"stateOrRegion": address.state_or_region, "postalCode": address.postal_code,
				"countryCode": address.country_code, "phone": address.phone, "addressType": address.address_type,
			})
		rendered["recipient"] = {"deliveryAddress": delivery}
	if "PROCEEDS" in included and order.status != "PENDING" and not order.withhold_prices:
		rendered["proceeds"] = {"grandTotal": money(order.total, order.currency),
								"breakdowns": order_breakdowns(order)}
	if "TAX" in included and order.is_business and order.buyer.tax_id:
		rendered["tax"] = {"taxRegistrations": [_drop_none({
			"entityType": "BUYER",
			"legalName": order.buyer.company_name,
			"taxRegistrationType": profile.tax_registration_type if profile else "VAT",
			"taxRegistrationNumber": order.buyer.tax_id,
		})]}
	if "FULFILLMENT" in included:
		rendered["fulfillment"] = _drop_none({
			"fulfillmentStatus": order.status,
			"fulfilledBy": order.fulfilled_by,
			"fulfillmentServiceLevel": _SERVICE_LEVELS.get(order.service_level, "STANDARD"),
			"shipByWindow": _drop_none({"earliestDateTime": iso(order.created),
										"latestDateTime": iso(order.latest_ship_date)}),
			"deliverByWindow": _drop_none({"earliestDateTime": iso(order.latest_ship_date),
										   "latestDateTime": iso(order.latest_delivery_date)}),
		})
	rendered["orderItems"] = [render_item(order, item, included, responsible_party) for item in order.items]
	if "PACKAGES" in included and not order.is_fba:
		rendered["packages"] = [
			_drop_none({
				"packageReferenceId": package.package_reference_id,
				"createdTime": iso(package.ship_date),
				"packageStatus": {"status": "SHIPPED"},
				"carrier": package.carrier_name or package.carrier_code,
				"shipTime": iso(package.ship_date),
				"shippingService": package.shipping_method,
				"trackingNumber": package.tracking_number,
				"packageItems": [{"orderItemId": item_id, "quantity": quantity} for item_id, quantity in package.lines],
			})
			for package in order.packages
		]
	return rendered


# -- searchOrders ------------------------------------------------------------------------------------
@dataclass
class _Query:
	time_field: str  # "created" | "last_updated"
	after: datetime
	before: datetime
	statuses: frozenset[str]
	fulfilled_by: frozenset[str]
	marketplace_ids: frozenset[str]
	raw_filters: dict[str, tuple[str, ...]]  # as sent, to check later pages send the same


@dataclass
class _Cursor:
	query: _Query
	order_ids: list[str]
	offset: int
	page_size: int
	issued: datetime
	previous_offset: int | None = None
	echo: dict[str, str] = field(default_factory=dict)


def _raw_filters(req: Request) -> dict[str, tuple[str, ...]]:
	raw: dict[str, tuple[str, ...]] = {}
	for name in _FILTER_PARAMS:
		values = tuple(sorted(req.param_list(name))) if name in req.query else ()
		if values:
			raw[name] = values
	return raw


def _included(req: Request) -> set[str]:
	values = {value.upper() for value in req.param_list("includedData")}
	unknown = sorted(values - set(INCLUDED_DATA))
	if unknown:
		raise ApiError(400, "InvalidInput", f"Invalid includedData value(s): {', '.join(unknown)}.",
					   f"Allowed values: {', '.join(INCLUDED_DATA)}")
	return values


def _page_size(req: Request, default: int) -> int:
	raw = req.param("maxResultsPerPage")
	if raw is None or raw == "":
		return default
	try:
		size = int(raw)
	except ValueError:
		raise ApiError(400, "InvalidInput", "maxResultsPerPage must be an integer between 1 and 100.") from None
	if not 1 <= size <= 100:
		raise ApiError(400, "InvalidInput", "maxResultsPerPage must be between 1 and 100.")
	return size


class OrdersApi:
	"""Handlers bound to one SimulatorState (no module globals: several simulators may share a process)."""

	def __init__(self, state: SimulatorState) -> None:
		self.state = state
		self.cursors: dict[str, _Cursor] = {}

	# searchOrders -------------------------------------------------------------------------------
	def _parse_query(self, req: Request) -> _Query:
		now = self.state.clock.now()
		created_after = req.param("createdAfter")
		created_before = req.param("createdBefore")
		updated_after = req.param("lastUpdatedAfter")
		updated_before = req.param("lastUpdatedBefore")
		if bool(created_after) == bool(updated_after):
			raise ApiError(400, "InvalidInput", "Exactly one of createdAfter and lastUpdatedAfter must be provided.")
		if created_after and (updated_before):
			raise ApiError(400, "InvalidInput", "lastUpdatedBefore cannot be combined with createdAfter.")
		if updated_after and created_before:
			raise ApiError(400, "InvalidInput", "createdBefore cannot be combined with lastUpdatedAfter.")
		if created_after:
			time_field, after_name, before_name = "created", "createdAfter", "createdBefore"
			after_raw, before_raw = created_after, created_before
		else:
			time_field, after_name, before_name = "last_updated", "lastUpdatedAfter", "lastUpdatedBefore"
			after_raw, before_raw = updated_after, updated_before
		after = parse_time(after_raw, after_name)
		if after > now:
			raise ApiError(400, "InvalidInput", f"{after_name} must not be in the future.")
		if before_raw:
			before = parse_time(before_raw, before_name)
			if before < after:
				raise ApiError(400, "InvalidInput", f"{before_name} must be equal to or after {after_name}.")
			if before > now - MIN_AGE:
				raise ApiError(400, "InvalidInput", f"{before_name} must be at least two minutes before the time of the request.")
		else:
			before = max(after, now - MIN_AGE)
		marketplace_ids = req.param_list("marketplaceIds")
		if not marketplace_ids:
			raise ApiError(400, "InvalidInput", "marketplaceIds is required.")
		if len(marketplace_ids) > 50:
			raise ApiError(400, "InvalidInput", "marketplaceIds accepts at most 50 values.")
		unknown = sorted(set(marketplace_ids) - set(self.state.marketplaces))
		if unknown:
			raise ApiError(400, "InvalidInput", f"Invalid marketplaceIds: {', '.join(unknown)}.")
		statuses = {value.upper() for value in req.param_list("fulfillmentStatuses")}
		bad = sorted(statuses - set(FULFILLMENT_STATUSES))
		if bad:
			raise ApiError(400, "InvalidInput", f"Invalid fulfillmentStatuses value(s): {', '.join(bad)}.")
		fulfilled_by = {value.upper() for value in req.param_list("fulfilledBy")}
		bad = sorted(fulfilled_by - set(FULFILLED_BY))
		if bad:
			raise ApiError(400, "InvalidInput", f"Invalid fulfilledBy value(s): {', '.join(bad)}.")
		return _Query(time_field, after, before, frozenset(statuses), frozenset(fulfilled_by),
					  frozenset(marketplace_ids), _raw_filters(req))

	def _match(self, query: _Query) -> list[str]:
		selected = []
		for order in self.state.orders.values():
			moment = order.created if query.time_field == "created" else order.last_updated
			if not query.after <= moment <= query.before:
				continue
			if order.marketplace_id not in query.marketplace_ids:
				continue
			if query.statuses and order.status not in query.statuses:
				continue
			if query.fulfilled_by and order.fulfilled_by not in query.fulfilled_by:
				continue
			selected.append((moment, order.order_id))
		selected.sort()
		return [order_id for _, order_id in selected]

	def _new_token(self) -> str:
		# Opaque and unguessable; the random part comes from `secrets` so the seeded data never shifts.
		return hashlib.sha256(secrets.token_bytes(24)).hexdigest()[:40]

	def search_orders(self, req: Request) -> Response:
		state = self.state
		included = _included(req)
		token = req.param("paginationToken")
		with state.lock:
			now = state.clock.now()
			self._expire_cursors(now)
			if token:
				cursor = self.cursors.get(token)
				if cursor is None:
					raise ApiError(400, "InvalidInput", "The paginationToken is invalid or has expired.")
				sent = _raw_filters(req)
				for name, values in sent.items():
					if cursor.query.raw_filters.get(name) != values:
						raise ApiError(400, "InvalidInput",
									   f"{name} must have the same value as in the request that produced the paginationToken.")
				page_size = _page_size(req, cursor.page_size)
				offset = cursor.offset
				repeat = cursor.previous_offset is not None and state.faults.take("repeat_page", "searchOrders")
				if repeat:
					# Fault: serve the previous page again and hand back the same token.
					ids = cursor.order_ids[cursor.previous_offset:offset]
					body = {"orders": [render_order(state, state.orders[i], included) for i in ids if i in state.orders],
							"pagination": {"nextToken": token}, **cursor.echo}
					return Response(200, body)
				del self.cursors[token]
				query, order_ids, echo = cursor.query, cursor.order_ids, cursor.echo
			else:
				query = self._parse_query(req)
				page_size = _page_size(req, 100)
				offset = 0
				order_ids = self._match(query)
				echo = {("createdBefore" if query.time_field == "created" else "lastUpdatedBefore"): iso(query.before)}
			page_ids = order_ids[offset:offset + page_size]
			body: dict[str, Any] = {
				"orders": [render_order(state, state.orders[i], included) for i in page_ids if i in state.orders],
			}
			next_offset = offset + page_size
			if next_offset < len(order_ids):
				new_token = self._new_token()
				self.cursors[new_token] = _Cursor(query, order_ids, next_offset, page_size, now, offset, echo)
				body["pagination"] = {"nextToken": new_token}
			body.update(echo)
			return Response(200, body)

	def _expire_cursors(self, now: datetime) -> None:
		expired = [token for token, cursor in self.cursors.items() if now - cursor.issued > TOKEN_LIFETIME]
		for token in expired:
			del self.cursors[token]

	# getOrder -------------------------------------------------------------------------------------
	def get_order(self, req: Request) -> Response:
		included = _included(req)
		order_id = req.path_args["orderId"]
		with self.state.lock:
			order = self.state.orders.get(order_id)
			if order is None:
				raise ApiError(404, "NotFound", f"Order {order_id} was not found.")
			return Response(200, {"order": render_order(self.state, order, included)})

	# confirmShipment (v0) ---------------------------------------------------------------------------
	def confirm_shipment(self, req: Request) -> Response:
		order_id = req.path_args["orderId"]
		body = req.json()
		if not isinstance(body, dict):
			raise ApiError(400, "InvalidInput", "The request body must be a JSON object.")
		marketplace_id = body.get("marketplaceId")
		if not marketplace_id or not isinstance(marketplace_id, str):
			raise ApiError(400, "InvalidInput", "marketplaceId is required.")
		detail = body.get("packageDetail")
		if not isinstance(detail, dict):
			raise ApiError(400, "InvalidInput", "packageDetail is required.")
		for name in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems"):
			if detail.get(name) in (None, "", []):
				raise ApiError(400, "InvalidInput", f"packageDetail.{name} is required.")
		reference = str(detail["packageReferenceId"]).strip()
		if not reference.isdigit() or int(reference) <= 0:
			raise ApiError(400, "InvalidInput", "packageDetail.packageReferenceId must be a positive number.")
		ship_date = parse_time(str(detail["shipDate"]), "packageDetail.shipDate")
		lines: list[tuple[str, int]] = []
		if not isinstance(detail["orderItems"], list):
			raise ApiError(400, "InvalidInput", "packageDetail.orderItems must be a list.")
		for entry in detail["orderItems"]:
			if not isinstance(entry, dict) or not entry.get("orderItemId") or "quantity" not in entry:
				raise ApiError(400, "InvalidInput", "Each of packageDetail.orderItems needs orderItemId and quantity.")
			quantity = entry["quantity"]
			if isinstance(quantity, str) and quantity.strip().lstrip("-").isdigit():
				quantity = int(quantity)
			lines.append((str(entry["orderItemId"]), quantity))
		with self.state.lock:
			order = self.state.orders.get(order_id)
			if order is not None and order.marketplace_id != marketplace_id:
				raise ApiError(400, "InvalidInput",
							   f"marketplaceId {marketplace_id} does not match the marketplace of order {order_id}.")
			try:
				self.state.apply_shipment(
					order_id, lines, str(detail["carrierCode"]), detail.get("carrierName"),
					str(detail["trackingNumber"]), ship_date, detail.get("shippingMethod"), package_reference_id=reference,
				)
			except ShipmentRejected as exc:
				raise ApiError(exc.status, exc.code, exc.message) from None
		return Response(204)


def register(router: Router, state: SimulatorState) -> None:
	api = OrdersApi(state)
	state.extras["orders"] = api
	router.add("GET", "/orders/2026-01-01/orders", api.search_orders, "searchOrders")
	router.add("GET", "/orders/2026-01-01/orders/{orderId}", api.get_order, "getOrder")
	router.add("POST", "/orders/v0/orders/{orderId}/shipmentConfirmation", api.confirm_shipment, "confirmShipment")
