"""The simulator's private control API (under /_sim, no auth, JSON in/out) and ControlClient, its Python wrapper.

Errors use the SP-API shape: {"errors": [{"code", "message"}]} (400 InvalidInput, 404 NotFound).
Times are ISO 8601 UTC. Money in order views is a string with the currency's decimals.

Health, clock, counters
	GET  /_sim/health                  {"status": "ok", "now", "time_scale", "seller_id", "orders", "url"}
	GET  /_sim/clock                   {"now", "time_scale"}
	POST /_sim/clock/advance           {"seconds": N}  -> {"now"}   (quota buckets refill, tokens expire...)
	GET  /_sim/counters                {"operations": {op: {"requests", "throttled", "errors"}}}
									   (SP-API operations by operationId, other non-control routes as "METHOD pattern")
	POST /_sim/counters/reset
Data
	GET  /_sim/catalogue               {"items": [{"sku", "title", "asin", "prices": {currency: "12.99"}}]}
	GET  /_sim/marketplaces            {"marketplaces": [{"marketplace_id", "name", "country", "currency", "domain", "region"}]}
	GET  /_sim/orders                  {"orders": [order summary...]}  query: status, fulfilled_by, marketplace_id
	POST /_sim/orders                  create from a spec -> 201 order view. Spec (all optional):
		{"marketplace_id": "ATVPDKIKX0DER", "fulfilled_by": "MERCHANT"|"AMAZON", "status": "UNSHIPPED"|"PENDING"|
		 "SHIPPED" (FBA only: shipped by Amazon at once), "order_id", "created" (ISO; default now),
		 "buyer_name", "buyer_email", "is_business", "company_name", "tax_id", "replaced_order_id",
		 "service_level", "is_prime", "tax_rate": "0.20", "tax_withheld": bool,
		 "prices_include_tax": bool (default: the marketplace's way, true in EU/UK/JP), "tax_breakdown": bool
		 (default true; false: the tax-inclusive order carries no TAX breakdown, as in Amazon's UK/JP examples),
		 "items": [{"sku", "quantity", "unit_price", "shipping_price", "shipping_discount", "gift_wrap_price",
					"promotion_discount", "item_tax", "shipping_tax", "gift_wrap_tax", "promotion_ids",
					"gift_message", "order_item_id"}]}
		Prices default to the catalogue price; taxes default to price x tax rate, or to the tax a tax-inclusive
		price contains (explicit taxes win).
		Note: searchOrders only sees orders created/updated at least 2 minutes before now: advance the clock.
	POST /_sim/orders/malformed        {"count": N, "marketplace_id"} -> {"orders": [{"order_id", "kind"}]}: N unshipped
		merchant orders no seller can import as they are, in turn one of MALFORMED_KINDS: missing_prices (no prices
		in the answer), unknown_sku, broken_address (country code ZZ), zero_quantity, unknown_currency (XQZ).
	GET  /_sim/orders/{id}             the order view (internal fields, amounts as strings)
	POST /_sim/orders/{id}/alter       {"status", "service_level", "is_prime", "buyer": {...}, "address": {...},
										"items": [{"order_item_id", <item fields>}]} -> order view; bumps lastUpdatedTime
	POST /_sim/orders/{id}/cancel      {"reason", "by": "BUYER"|"MERCHANT"|"AMAZON"} (400 if units shipped)
	POST /_sim/orders/{id}/ship-fba    Amazon ships an FBA order completely
	POST /_sim/orders/{id}/release-pending   PENDING -> UNSHIPPED
Faults (consumed by the next matching SP-API calls)
	POST   /_sim/faults   {"kind": "throttle"|"error"|"slow"|"truncate"|"repeat_page", "operation": op|null,
						   "count": N (default 1), "status": 500|503 (error), "delay": seconds (slow, real time)}
		throttle: 429 QuotaExceeded; error: 500 InternalFailure / 503 ServiceUnavailable; slow: answer after the
		delay; truncate: a 2xx whose body is cut in half; repeat_page: the next searchOrders call with a
		paginationToken answers the previous page's orders again, with the same token as nextToken.
	GET    /_sim/faults   {"faults": [...], "rate": r, "injected": {kind: calls}}
	POST   /_sim/faults/rate  {"rate": 0.2, "seed": N, "slow_seconds": 2.0}: from now on that fraction of SP-API calls
		meets a fault drawn from a seeded RNG of its own, evenly among 429, 500, 503, slow (answered after
		slow_seconds: set it above the client's timeout), truncated body and repeated page; rate 0 stops it.
	DELETE /_sim/faults
	POST   /_sim/feeds/fail-next  {"order_ids": [...], "message": "..."} or {"unattributed": true, "message": "..."}
		the next feed fails the messages about these orders / gets an error not attributable to a message
	POST   /_sim/shipments/reject-tracking  {"tracking_number": "...", "message": "..."} -> {"rejected": {number: message}}
		Amazon's carrier validation: confirmShipment and the fulfilment feed refuse this tracking number with
		400 InvalidInput and the message (default "The tracking number <n> is not valid for the carrier.")
	DELETE /_sim/shipments/reject-tracking  every tracking number is accepted again
Quotas and tokens
	GET  /_sim/quotas                  {"enabled", "plans": {op: {"rate", "burst"}}}
	POST /_sim/quotas                  {"enabled": bool} and/or {"operation": op, "rate": r, "burst": b}
	POST /_sim/quotas/reset            all buckets full again
	POST /_sim/tokens/revoke           every issued access token becomes invalid (403 until a new one is fetched)
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from .generator import (
	CATALOGUE,
	CATALOGUE_BY_SKU,
	PROFILES,
	build_item,
	make_address,
	make_buyer,
	new_order_id,
	tax_rate_for,
)
from .http import ApiError, Request, Response, Router
from .listings import return_fbm, take_fbm
from .money import q
from .orders import iso, parse_time
from .quotas import UsagePlan
from .state import FAULT_KINDS, ORDER_STATUSES, Fault, ShipmentRejected, SimItem, SimOrder, SimulatorState

MALFORMED_KINDS = ("missing_prices", "unknown_sku", "broken_address", "zero_quantity", "unknown_currency")
_ITEM_MONEY = ("unit_price", "shipping_price", "shipping_discount", "gift_wrap_price", "promotion_discount",
			   "item_tax", "shipping_tax", "gift_wrap_tax")


# -- views ----------------------------------------------------------------------------------------------
def item_view(item: SimItem, currency: str) -> dict[str, Any]:
	view: dict[str, Any] = {
		"order_item_id": item.order_item_id, "sku": item.sku, "asin": item.asin, "title": item.title,
		"quantity": item.quantity, "quantity_shipped": item.quantity_shipped,
		"quantity_cancelled": item.quantity_cancelled, "quantity_unshipped": item.quantity_unshipped,
		"tax_withheld": item.tax_withheld, "promotion_ids": list(item.promotion_ids),
		"gift_message": item.gift_message, "total": str(q(item.total, currency)),
		"prices_include_tax": item.prices_include_tax, "tax_breakdown": item.tax_breakdown,
	}
	for name in _ITEM_MONEY:
		view[name] = str(q(getattr(item, name), currency))
	return view


def order_summary(order: SimOrder) -> dict[str, Any]:
	return {
		"order_id": order.order_id, "marketplace_id": order.marketplace_id, "currency": order.currency,
		"status": order.status, "fulfilled_by": order.fulfilled_by, "created": iso(order.created),
		"last_updated": iso(order.last_updated), "total": str(order.total), "is_business": order.is_business,
		"replaced_order_id": order.replaced_order_id,
	}


def order_view(order: SimOrder) -> dict[str, Any]:
	view = order_summary(order)
	view.update({
		"last_updated_precise": order.last_updated.isoformat(),
		"service_level": order.service_level, "is_prime": order.is_prime,
		"shipped_at": iso(order.shipped_at), "cancelled_at": iso(order.cancelled_at),
		"cancel_reason": order.cancel_reason, "cancelled_by": order.cancelled_by,
		"buyer": {"name": order.buyer.name, "email": order.buyer.email, "company_name": order.buyer.company_name,
				  "tax_id": order.buyer.tax_id},
		"address": {name: getattr(order.address, name) for name in (
			"name", "address_line1", "address_line2", "city", "state_or_region", "postal_code", "country_code",
			"phone", "company_name", "address_type")},
		"items": [item_view(item, order.currency) for item in order.items],
		"packages": [
			{"package_reference_id": p.package_reference_id, "carrier_code": p.carrier_code,
			 "carrier_name": p.carrier_name, "tracking_number": p.tracking_number, "ship_date": iso(p.ship_date),
			 "shipping_method": p.shipping_method, "lines": [[item_id, qty] for item_id, qty in p.lines]}
			for p in order.packages
		],
	})
	return view


# -- helpers ------------------------------------------------------------------------------------------
def _decimal(value: Any, name: str) -> Decimal:
	try:
		return Decimal(str(value))
	except (InvalidOperation, ValueError):
		raise ApiError(400, "InvalidInput", f"{name} must be a number.") from None


def _int(value: Any, name: str) -> int:
	if isinstance(value, bool):
		raise ApiError(400, "InvalidInput", f"{name} must be an integer.")
	try:
		return int(value)
	except (TypeError, ValueError):
		raise ApiError(400, "InvalidInput", f"{name} must be an integer.") from None


def _object(req: Request) -> dict[str, Any]:
	body = req.json()
	if not isinstance(body, dict):
		raise ApiError(400, "InvalidInput", "The body must be a JSON object.")
	return body


class ControlApi:
	def __init__(self, state: SimulatorState) -> None:
		self.state = state

	def _order(self, req: Request) -> SimOrder:
		order = self.state.orders.get(req.path_args["orderId"])
		if order is None:
			raise ApiError(404, "NotFound", f"Order {req.path_args['orderId']} was not found.")
		return order

	# health / clock / counters ----------------------------------------------------------------------
	def health(self, req: Request) -> Response:
		state = self.state
		return Response(200, {"status": "ok", "now": state.clock.now().isoformat(), "time_scale": state.clock.time_scale,
							  "seller_id": state.seller_id, "orders": len(state.orders), "url": state.base_url})

	def clock(self, req: Request) -> Response:
		return Response(200, {"now": self.state.clock.now().isoformat(), "time_scale": self.state.clock.time_scale})

	def advance(self, req: Request) -> Response:
		seconds = float(_decimal(_object(req).get("seconds", 0), "seconds"))
		if seconds < 0:
			raise ApiError(400, "InvalidInput", "seconds must be >= 0 (the clock only moves forward).")
		self.state.clock.advance(seconds)
		return Response(200, {"now": self.state.clock.now().isoformat()})

	def counters(self, req: Request) -> Response:
		return Response(200, {"operations": self.state.counters.snapshot()})

	def reset_counters(self, req: Request) -> Response:
		self.state.counters.reset()
		return Response(200, {"operations": {}})

	# data -------------------------------------------------------------------------------------------
	def catalogue(self, req: Request) -> Response:
		return Response(200, {"items": [item.to_json() for item in CATALOGUE]})

	def marketplaces(self, req: Request) -> Response:
		return Response(200, {"marketplaces": [
			{"marketplace_id": m.marketplace_id, "name": m.name, "country": m.country, "currency": m.currency,
			 "domain": m.domain, "region": m.region} for m in self.state.marketplaces.values()]})

	def list_orders(self, req: Request) -> Response:
		status, fulfilled_by, marketplace_id = req.param("status"), req.param("fulfilled_by"), req.param("marketplace_id")
		with self.state.lock:
			orders = [
				order_summary(o) for o in self.state.orders.values()
				if (not status or o.status == status.upper())
				and (not fulfilled_by or o.fulfilled_by == fulfilled_by.upper())
				and (not marketplace_id or o.marketplace_id == marketplace_id)
			]
		return Response(200, {"orders": orders})

	def get_order(self, req: Request) -> Response:
		with self.state.lock:
			return Response(200, order_view(self._order(req)))

	def create_order(self, req: Request) -> Response:
		spec = _object(req)
		state = self.state
		rng: random.Random = state.rng
		with state.lock:
			marketplace_id = spec.get("marketplace_id") or "ATVPDKIKX0DER"
			profile = PROFILES.get(marketplace_id)
			if profile is None or marketplace_id not in state.marketplaces:
				raise ApiError(400, "InvalidInput", f"Unknown marketplace_id {marketplace_id}.")
			currency = profile.marketplace.currency
			fulfilled_by = str(spec.get("fulfilled_by") or "MERCHANT").upper()
			if fulfilled_by not in ("MERCHANT", "AMAZON"):
				raise ApiError(400, "InvalidInput", "fulfilled_by must be MERCHANT or AMAZON.")
			status = str(spec.get("status") or "UNSHIPPED").upper()
			if status not in ("UNSHIPPED", "PENDING", "SHIPPED") or (status == "SHIPPED" and fulfilled_by != "AMAZON"):
				raise ApiError(400, "InvalidInput", "status must be UNSHIPPED or PENDING (SHIPPED only for AMAZON).")
			now = state.clock.now()
			created = parse_time(spec["created"], "created") if spec.get("created") else now
			if created > now:
				raise ApiError(400, "InvalidInput", "created must not be in the future.")
			order_id = spec.get("order_id") or new_order_id(marketplace_id, rng, state.namespace)
			while order_id in state.orders and not spec.get("order_id"):
				order_id = new_order_id(marketplace_id, rng, state.namespace)
			if order_id in state.orders:
				raise ApiError(400, "InvalidInput", f"Order {order_id} already exists.")
			replaced_id = spec.get("replaced_order_id")
			replaced = state.orders.get(replaced_id) if replaced_id else None
			if replaced_id and replaced is None:
				raise ApiError(400, "InvalidInput", f"replaced_order_id {replaced_id} is not a known order.")
			business = bool(spec.get("is_business"))
			buyer = make_buyer(profile.marketplace.country, rng, business, profile.tax_id_format)
			if spec.get("buyer_name"):
				buyer.name = str(spec["buyer_name"])
			if spec.get("buyer_email"):
				buyer.email = str(spec["buyer_email"])
			if business:
				buyer.company_name = str(spec.get("company_name") or buyer.company_name)
				buyer.tax_id = str(spec.get("tax_id") or buyer.tax_id)
			address = make_address(profile.marketplace.country, buyer.name, rng, buyer.company_name)
			rate = _decimal(spec["tax_rate"], "tax_rate") if spec.get("tax_rate") is not None else tax_rate_for(marketplace_id)
			withheld = spec.get("tax_withheld")
			inclusive = spec.get("prices_include_tax")
			item_specs = spec.get("items") or [{"sku": rng.choice(CATALOGUE).sku, "quantity": 1}]
			if not isinstance(item_specs, list):
				raise ApiError(400, "InvalidInput", "items must be a list.")
			items = []
			for index, item_spec in enumerate(item_specs):
				if not isinstance(item_spec, dict) or not item_spec.get("sku"):
					raise ApiError(400, "InvalidInput", f"items[{index}] needs a sku.")
				sku = str(item_spec["sku"])
				if sku not in CATALOGUE_BY_SKU and item_spec.get("unit_price") is None:
					raise ApiError(400, "InvalidInput", f"items[{index}]: unknown sku {sku} needs a unit_price.")
				quantity = _int(item_spec.get("quantity", 1), f"items[{index}].quantity")
				if quantity <= 0:
					raise ApiError(400, "InvalidInput", f"items[{index}].quantity must be positive.")
				amounts = {name: _decimal(item_spec[name], f"items[{index}].{name}")
						   for name in ("unit_price", "shipping_price", "shipping_discount", "gift_wrap_price",
										"promotion_discount") if item_spec.get(name) is not None}
				item = build_item(
					marketplace_id, sku, quantity, rng, tax_rate=rate,
					tax_withheld=bool(withheld) if withheld is not None else None,
					promotion_ids=item_spec.get("promotion_ids"), gift_message=item_spec.get("gift_message"),
					order_item_id=str(item_spec["order_item_id"]) if item_spec.get("order_item_id") else None,
					prices_include_tax=bool(inclusive) if inclusive is not None else None,
					tax_breakdown=bool(spec.get("tax_breakdown", True)),
					**amounts,
				)
				if withheld is None:
					item.tax_withheld = profile.withheld_share >= 1.0
				for name in ("item_tax", "shipping_tax", "gift_wrap_tax"):
					if item_spec.get(name) is not None:
						setattr(item, name, q(_decimal(item_spec[name], f"items[{index}].{name}"), currency))
				items.append(item)
			order = SimOrder(
				order_id=order_id, marketplace_id=marketplace_id, currency=currency, created=created,
				last_updated=created, status="PENDING" if status == "PENDING" else "UNSHIPPED",
				fulfilled_by=fulfilled_by, items=items, buyer=buyer, address=address, is_business=business,
				replaced_order_id=replaced.order_id if replaced else None,
				service_level=str(spec.get("service_level") or "Standard"), is_prime=bool(spec.get("is_prime")),
			)
			order.latest_ship_date = created + timedelta(days=2)
			order.latest_delivery_date = created + timedelta(days=5)
			if not order.is_fba:
				refusal = take_fbm(state, [(item.sku, item.quantity) for item in items])
				if refusal is not None:
					raise ApiError(400, "OutOfStock", refusal)
			state.orders[order.order_id] = order
			if created != now:
				state.touch(order)  # an order inserted "in the past" still shows up as a fresh update
			if status == "SHIPPED":
				state.ship_fba(order.order_id)
			return Response(201, order_view(order))

	def create_malformed(self, req: Request) -> Response:
		body = _object(req)
		count = _int(body.get("count", 1), "count")
		if count < 0:
			raise ApiError(400, "InvalidInput", "count must be >= 0.")
		spec = {"marketplace_id": body.get("marketplace_id") or "ATVPDKIKX0DER", "fulfilled_by": "MERCHANT"}
		planted = []
		with self.state.lock:
			for index in range(count):
				view = self.create_order(Request("POST", "/_sim/orders", {}, {}, json.dumps(spec).encode()))
				order = self.state.orders[view.body["order_id"]]
				kind = MALFORMED_KINDS[index % len(MALFORMED_KINDS)]
				if kind == "missing_prices":
					order.withhold_prices = True
				elif kind == "unknown_sku":
					order.items[0].sku = f"UNKNOWN-SKU-{index + 1}"
				elif kind == "broken_address":
					order.address.country_code = "ZZ"
				elif kind == "zero_quantity":
					for item in order.items:
						item.quantity = 0
				else:
					order.currency = "XQZ"
				self.state.touch(order)
				planted.append({"order_id": order.order_id, "kind": kind})
		return Response(201, {"orders": planted})

	def alter_order(self, req: Request) -> Response:
		changes = _object(req)
		with self.state.lock:
			order = self._order(req)
			if "status" in changes:
				status = str(changes["status"]).upper()
				if status not in ORDER_STATUSES:
					raise ApiError(400, "InvalidInput", f"status must be one of {', '.join(ORDER_STATUSES)}.")
				order.status = status
			for name in ("service_level", "is_prime", "is_business"):
				if name in changes:
					setattr(order, name, changes[name])
			for section, target in (("buyer", order.buyer), ("address", order.address)):
				values = changes.get(section) or {}
				if not isinstance(values, dict):
					raise ApiError(400, "InvalidInput", f"{section} must be an object.")
				for name, value in values.items():
					if not hasattr(target, name):
						raise ApiError(400, "InvalidInput", f"{section}.{name} is not a known field.")
					setattr(target, name, value)
			for index, item_changes in enumerate(changes.get("items") or []):
				item = order.item(str(item_changes.get("order_item_id", "")))
				if item is None:
					raise ApiError(400, "InvalidInput", f"items[{index}].order_item_id is not an item of this order.")
				for name, value in item_changes.items():
					if name == "order_item_id":
						continue
					if name in _ITEM_MONEY:
						setattr(item, name, q(_decimal(value, name), order.currency))
					elif name in ("quantity", "quantity_shipped", "quantity_cancelled"):
						setattr(item, name, _int(value, name))
					elif name in ("sku", "title", "asin", "tax_withheld", "promotion_ids", "gift_message"):
						setattr(item, name, value)
					else:
						raise ApiError(400, "InvalidInput", f"items[{index}].{name} cannot be altered.")
			self.state.touch(order)
			return Response(200, order_view(order))

	def _lifecycle(self, req: Request, action) -> Response:
		with self.state.lock:
			self._order(req)
			try:
				order = action()
			except ShipmentRejected as exc:
				raise ApiError(exc.status, exc.code, exc.message) from None
			return Response(200, order_view(order))

	def cancel(self, req: Request) -> Response:
		body = _object(req)
		by = str(body.get("by") or "BUYER").upper()
		def cancel() -> SimOrder:
			order_id = req.path_args["orderId"]
			was_open = self._order(req).status != "CANCELLED"
			order = self.state.cancel(order_id, body.get("reason"), by)
			if was_open and not order.is_fba:
				return_fbm(self.state, [(item.sku, item.quantity) for item in order.items])
			return order

		return self._lifecycle(req, cancel)

	def ship_fba(self, req: Request) -> Response:
		return self._lifecycle(req, lambda: self.state.ship_fba(req.path_args["orderId"]))

	def release_pending(self, req: Request) -> Response:
		return self._lifecycle(req, lambda: self.state.release_pending(req.path_args["orderId"]))

	# faults -----------------------------------------------------------------------------------------
	def add_fault(self, req: Request) -> Response:
		body = _object(req)
		kind = body.get("kind")
		if kind not in FAULT_KINDS:
			raise ApiError(400, "InvalidInput", f"kind must be one of {', '.join(FAULT_KINDS)}.")
		status = _int(body.get("status") or 500, "status")
		if kind == "error" and status not in (500, 502, 503, 504):
			raise ApiError(400, "InvalidInput", "status must be 500 or 503 (502/504 also accepted).")
		fault = Fault(kind=kind, operation=body.get("operation") or None, count=_int(body.get("count", 1), "count"),
					  status=status, delay=float(_decimal(body.get("delay") or 0, "delay")))
		self.state.faults.add(fault)
		return Response(201, fault.to_json())

	def list_faults(self, req: Request) -> Response:
		faults = self.state.faults
		return Response(200, {"faults": [fault.to_json() for fault in faults.pending()], "rate": faults.rate,
							  "injected": dict(faults.injected)})

	def set_fault_rate(self, req: Request) -> Response:
		body = _object(req)
		rate = float(_decimal(body.get("rate", 0), "rate"))
		if not 0 <= rate <= 1:
			raise ApiError(400, "InvalidInput", "rate must be between 0 and 1.")
		seed = _int(body.get("seed", self.state.seed), "seed")
		self.state.faults.set_rate(rate, seed, float(_decimal(body.get("slow_seconds", 2.0), "slow_seconds")))
		return self.list_faults(req)

	def clear_faults(self, req: Request) -> Response:
		self.state.faults.clear()
		return Response(200, {"faults": []})

	def fail_next_feed(self, req: Request) -> Response:
		body = _object(req)
		failures = self.state.feeds_failures
		with self.state.lock:
			if body.get("unattributed"):
				failures.unattributed = True
				if body.get("message"):
					failures.unattributed_message = str(body["message"])
			order_ids = body.get("order_ids") or []
			if not isinstance(order_ids, list):
				raise ApiError(400, "InvalidInput", "order_ids must be a list.")
			failures.order_ids.update(str(order_id) for order_id in order_ids)
			if order_ids and body.get("message"):
				failures.order_message = str(body["message"])
			return Response(200, {"order_ids": sorted(failures.order_ids), "unattributed": failures.unattributed})

	def reject_tracking(self, req: Request) -> Response:
		body = _object(req)
		number = str(body.get("tracking_number") or "").strip()
		if not number:
			raise ApiError(400, "InvalidInput", "tracking_number is required.")
		message = str(body.get("message") or f"The tracking number {number} is not valid for the carrier.")
		with self.state.lock:
			self.state.rejected_tracking[number] = message
			return Response(200, {"rejected": dict(self.state.rejected_tracking)})

	def clear_rejected_tracking(self, req: Request) -> Response:
		with self.state.lock:
			self.state.rejected_tracking.clear()
		return Response(200, {"rejected": {}})

	# quotas / tokens --------------------------------------------------------------------------------
	def quotas(self, req: Request) -> Response:
		manager = self.state.quotas
		return Response(200, {"enabled": manager.enabled, "plans": {
			op: {"rate": plan.rate, "burst": plan.burst} for op, plan in sorted(manager.plans.items())}})

	def set_quotas(self, req: Request) -> Response:
		body = _object(req)
		manager = self.state.quotas
		if "enabled" in body:
			manager.enabled = bool(body["enabled"])
		if body.get("operation"):
			current = manager.plan(body["operation"])
			rate = float(_decimal(body.get("rate", current.rate), "rate"))
			burst = _int(body.get("burst", current.burst), "burst")
			if rate < 0 or burst < 0:
				raise ApiError(400, "InvalidInput", "rate and burst must be >= 0.")
			manager.set_plan(body["operation"], UsagePlan(rate, burst))
		return self.quotas(req)

	def reset_quotas(self, req: Request) -> Response:
		self.state.quotas.reset()
		return self.quotas(req)

	def revoke_tokens(self, req: Request) -> Response:
		with self.state.lock:
			count = len(self.state.access_tokens)
			self.state.access_tokens.clear()
		return Response(200, {"revoked": count})


def register(router: Router, state: SimulatorState) -> None:
	api = ControlApi(state)
	for method, pattern, handler in (
		("GET", "/_sim/health", api.health),
		("GET", "/_sim/clock", api.clock),
		("POST", "/_sim/clock/advance", api.advance),
		("GET", "/_sim/counters", api.counters),
		("POST", "/_sim/counters/reset", api.reset_counters),
		("GET", "/_sim/catalogue", api.catalogue),
		("GET", "/_sim/marketplaces", api.marketplaces),
		("GET", "/_sim/orders", api.list_orders),
		("POST", "/_sim/orders", api.create_order),
		("POST", "/_sim/orders/malformed", api.create_malformed),
		("GET", "/_sim/orders/{orderId}", api.get_order),
		("POST", "/_sim/orders/{orderId}/alter", api.alter_order),
		("POST", "/_sim/orders/{orderId}/cancel", api.cancel),
		("POST", "/_sim/orders/{orderId}/ship-fba", api.ship_fba),
		("POST", "/_sim/orders/{orderId}/release-pending", api.release_pending),
		("GET", "/_sim/faults", api.list_faults),
		("POST", "/_sim/faults", api.add_fault),
		("DELETE", "/_sim/faults", api.clear_faults),
		("POST", "/_sim/faults/rate", api.set_fault_rate),
		("POST", "/_sim/feeds/fail-next", api.fail_next_feed),
		("POST", "/_sim/shipments/reject-tracking", api.reject_tracking),
		("DELETE", "/_sim/shipments/reject-tracking", api.clear_rejected_tracking),
		("GET", "/_sim/quotas", api.quotas),
		("POST", "/_sim/quotas", api.set_quotas),
		("POST", "/_sim/quotas/reset", api.reset_quotas),
		("POST", "/_sim/tokens/revoke", api.revoke_tokens),
	):
		router.add(method, pattern, handler, None)


# -- Python wrapper ---------------------------------------------------------------------------------------
class ControlError(Exception):
	def __init__(self, status: int, body: Any) -> None:
		message = body
		if isinstance(body, dict) and body.get("errors"):
			message = body["errors"][0].get("message")
		super().__init__(f"control API answered {status}: {message}")
		self.status = status
		self.body = body


class ControlClient:
	"""Thin wrapper over the /_sim control API (httpx). Methods return the decoded JSON answers."""

	def __init__(self, base_url: str, timeout: float = 30.0) -> None:
		self.base_url = base_url.rstrip("/")
		self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

	def __repr__(self) -> str:
		return f"ControlClient({self.base_url!r})"

	def close(self) -> None:
		self._http.close()

	def _call(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
		response = self._http.request(method, "/_sim" + path, json=json, params=params)
		body = response.json() if response.content else None
		if response.status_code >= 400:
			raise ControlError(response.status_code, body)
		return body

	# health, clock, counters
	def health(self) -> dict[str, Any]:
		return self._call("GET", "/health")

	def now(self) -> datetime:
		return datetime.fromisoformat(self._call("GET", "/clock")["now"]).astimezone(timezone.utc)

	def advance(self, seconds: float) -> datetime:
		return datetime.fromisoformat(self._call("POST", "/clock/advance", {"seconds": seconds})["now"])

	def counters(self) -> dict[str, dict[str, int]]:
		return self._call("GET", "/counters")["operations"]

	def reset_counters(self) -> None:
		self._call("POST", "/counters/reset")

	# data
	def catalogue(self) -> list[dict[str, Any]]:
		return self._call("GET", "/catalogue")["items"]

	def marketplaces(self) -> list[dict[str, Any]]:
		return self._call("GET", "/marketplaces")["marketplaces"]

	def list_orders(self, status: str | None = None, fulfilled_by: str | None = None,
					marketplace_id: str | None = None) -> list[dict[str, Any]]:
		params = {k: v for k, v in (("status", status), ("fulfilled_by", fulfilled_by),
									("marketplace_id", marketplace_id)) if v}
		return self._call("GET", "/orders", params=params)["orders"]

	def create_order(self, **spec: Any) -> dict[str, Any]:
		return self._call("POST", "/orders", spec)

	def get_order(self, order_id: str) -> dict[str, Any]:
		return self._call("GET", f"/orders/{order_id}")

	def uploaded_invoices(self, order_id: str) -> list[dict[str, Any]]:
		"""The VAT invoices uploaded for an order (feed UPLOAD_VAT_INVOICE), accepted or not."""
		return self._call("GET", f"/orders/{order_id}/invoices")["invoices"]

	def alter_order(self, order_id: str, **changes: Any) -> dict[str, Any]:
		return self._call("POST", f"/orders/{order_id}/alter", changes)

	def cancel_order(self, order_id: str, reason: str | None = None, by: str = "BUYER") -> dict[str, Any]:
		return self._call("POST", f"/orders/{order_id}/cancel", {"reason": reason, "by": by})

	def ship_fba(self, order_id: str) -> dict[str, Any]:
		return self._call("POST", f"/orders/{order_id}/ship-fba")

	def release_pending(self, order_id: str) -> dict[str, Any]:
		return self._call("POST", f"/orders/{order_id}/release-pending")

	# faults
	def add_fault(self, kind: str, operation: str | None = None, count: int = 1, status: int = 500,
				  delay: float = 0.0) -> dict[str, Any]:
		return self._call("POST", "/faults", {"kind": kind, "operation": operation, "count": count,
											  "status": status, "delay": delay})

	def faults(self) -> list[dict[str, Any]]:
		return self._call("GET", "/faults")["faults"]

	def set_fault_rate(self, rate: float, seed: int | None = None, slow_seconds: float = 2.0) -> dict[str, Any]:
		"""That fraction of SP-API calls meets a seeded fault from now on; returns {"rate", "injected", ...}."""
		body: dict[str, Any] = {"rate": rate, "slow_seconds": slow_seconds}
		if seed is not None:
			body["seed"] = seed
		return self._call("POST", "/faults/rate", body)

	def injected_faults(self) -> dict[str, int]:
		"""Calls the fault rate answered with a fault, by kind."""
		return self._call("GET", "/faults")["injected"]

	def create_malformed_orders(self, count: int, marketplace_id: str | None = None) -> list[dict[str, str]]:
		"""`count` unshipped merchant orders no seller can import as they are: [{"order_id", "kind"}]."""
		return self._call("POST", "/orders/malformed", {"count": count, "marketplace_id": marketplace_id})["orders"]

	def clear_faults(self) -> None:
		self._call("DELETE", "/faults")

	def fail_next_feed(self, order_ids: list[str] | None = None, message: str | None = None,
					   unattributed: bool = False) -> dict[str, Any]:
		body: dict[str, Any] = {"order_ids": list(order_ids or []), "unattributed": unattributed}
		if message:
			body["message"] = message
		return self._call("POST", "/feeds/fail-next", body)

	def reject_tracking(self, tracking_number: str, message: str | None = None) -> dict[str, str]:
		"""Amazon refuses this tracking number (confirmShipment and feeds: 400 InvalidInput with the message)."""
		body: dict[str, Any] = {"tracking_number": tracking_number}
		if message:
			body["message"] = message
		return self._call("POST", "/shipments/reject-tracking", body)["rejected"]

	def clear_rejected_tracking(self) -> None:
		self._call("DELETE", "/shipments/reject-tracking")

	# settlements
	def settlements(self) -> list[dict[str, Any]]:
		return self._call("GET", "/settlements")["settlements"]

	def close_settlements(self, currency: str | None = None) -> list[dict[str, Any]]:
		"""Close the open settlement period(s) now: Amazon writes their reports and pays out."""
		return self._call("POST", "/settlements/close", {"currency": currency} if currency else {})["closed"]

	def settlement_config(self, period_days: float | None = None, negative_balance: str | None = None) -> dict[str, Any]:
		"""The settlement period, and how a period that adds up below zero closes ("debit", "charge", "carry")."""
		body: dict[str, Any] = {}
		if period_days is not None:
			body["period_days"] = period_days
		if negative_balance is not None:
			body["negative_balance"] = negative_balance
		return self._call("POST", "/settlements/config", body)

	def post_charges(
		self, currency: str, charges: list[dict[str, Any]] | None = None, month: bool = False, sku: str = ""
	) -> dict[str, Any]:
		"""Post other amounts now (Amazon's strings: transactionType, amountType, amountDescription, amount,
		orderId, sku); month=True posts a month of every kind (simulator MONTH_CHARGES)."""
		body: dict[str, Any] = {"currency": currency, "charges": charges or [], "month": month, "sku": sku}
		return self._call("POST", "/settlements/charges", body)

	def refund(self, order_id: str, items: list[tuple[str, int]] | None = None) -> dict[str, Any]:
		"""The seller refunds (order item id, units); no items = every shipped unit not yet refunded."""
		body = {"items": [{"orderItemId": item_id, "quantity": units} for item_id, units in items or []]}
		return self._call("POST", f"/orders/{order_id}/refund", body)

	# quotas, tokens
	def quotas(self) -> dict[str, Any]:
		return self._call("GET", "/quotas")

	def set_quotas_enabled(self, enabled: bool) -> dict[str, Any]:
		return self._call("POST", "/quotas", {"enabled": enabled})

	def set_quota(self, operation: str, rate: float, burst: int) -> dict[str, Any]:
		return self._call("POST", "/quotas", {"operation": operation, "rate": rate, "burst": burst})

	def reset_quotas(self) -> dict[str, Any]:
		return self._call("POST", "/quotas/reset")

	def revoke_tokens(self) -> int:
		return self._call("POST", "/tokens/revoke")["revoked"]

	# after the sale (aftersale.py)
	def fba_return(self, order_id: str, items: list[dict[str, Any]] | None = None, refund: bool = False) -> list[dict[str, Any]]:
		"""Amazon receives returned units: items [{"orderItemId", "quantity", "disposition", "reason"}]."""
		return self._call("POST", f"/orders/{order_id}/fba-return", {"items": items or [], "refund": refund})["returns"]

	def fbm_return(self, order_id: str, items: list[dict[str, Any]] | None = None, refund: bool = False) -> list[dict[str, Any]]:
		return self._call("POST", f"/orders/{order_id}/fbm-return", {"items": items or [], "refund": refund})["returns"]

	def lose_units(self, marketplace_id: str, sku: str, quantity: int = 1, reason: str = "Lost_Warehouse",
				   amount_per_unit: str = "10.00") -> dict[str, Any]:
		"""Amazon loses (or damages) FBA units and reimburses them."""
		return self._call("POST", "/inventory/loss", {"marketplace_id": marketplace_id, "sku": sku, "quantity": quantity,
													   "reason": reason, "amount_per_unit": amount_per_unit})

	def reimburse_order(self, order_id: str, order_item_id: str = "", quantity: int = 1, reason: str = "CustomerReturn",
						amount_per_unit: str = "10.00", in_inventory: bool = False) -> dict[str, Any]:  # fmt: skip
		"""Amazon pays for an order's unit it refunded and never got back (or mishandled): in cash (no stock change),
		or with in_inventory a replacement unit into the FBA stock (no money)."""
		return self._call("POST", f"/orders/{order_id}/reimbursement", {"orderItemId": order_item_id, "quantity": quantity,
																		 "reason": reason, "amount_per_unit": amount_per_unit,
																		 "in_inventory": in_inventory})  # fmt: skip

	def find_units(self, reimbursement_id: str, quantity: int = 1) -> dict[str, Any]:
		return self._call("POST", "/inventory/found", {"reimbursement_id": reimbursement_id, "quantity": quantity})

	def remove_units(self, marketplace_id: str, sku: str, quantity: int = 1, disposition: str = "Sellable") -> dict[str, Any]:
		"""A removal order: Amazon ships the units back to the seller."""
		return self._call("POST", "/removals", {"marketplace_id": marketplace_id, "sku": sku, "quantity": quantity,
												"disposition": disposition})

	def aftersale(self) -> dict[str, list[dict[str, Any]]]:
		return self._call("GET", "/aftersale")

	def report_timing(self, queue_seconds: float, processing_seconds: float) -> dict[str, float]:
		return self._call("POST", "/reports/timing", {"queue_seconds": queue_seconds, "processing_seconds": processing_seconds})

	# listings (listings.py)
	def put_listing(self, sku: str, channel: str = "DEFAULT", quantity: int = 0, **extra: Any) -> dict[str, Any]:
		"""Make the seller's listing of a SKU: DEFAULT (merchant-fulfilled, with a quantity) or AMAZON_NA/EU/FE."""
		return self._call("POST", "/listings", {"sku": sku, "channel": channel, "quantity": quantity, **extra})

	def put_listings(self, skus: list[str], channel: str = "DEFAULT", quantity: int = 0) -> None:
		"""put_listing for many SKUs in one call."""
		self._call("POST", "/listings", {"skus": skus, "channel": channel, "quantity": quantity})

	def set_feed_timing(self, queue_seconds: float, processing_seconds: float) -> dict[str, float]:
		"""Simulated seconds a feed waits IN_QUEUE, then IN_PROGRESS (default 30 each)."""
		return self._call("POST", "/feeds/timing", {"queue_seconds": queue_seconds, "processing_seconds": processing_seconds})

	def get_listing(self, sku: str) -> dict[str, Any]:
		return self._call("GET", f"/listings/{sku}")

	def refuse_listing(self, sku: str, message: str, code: str = "90000900") -> None:
		"""Every later quantity update of the SKU is INVALID with this issue."""
		self._call("POST", "/listings/refuse", {"sku": sku, "message": message, "code": code})

	def clear_listing_refusals(self) -> None:
		self._call("DELETE", "/listings/refuse")

	def listings_history(self) -> list[dict[str, Any]]:
		"""Every quantity a seller set: {"sku", "channel", "quantity", "via": "patch" | "feed"}."""
		return self._call("GET", "/listings-history")["history"]

	# Fulfillment Inbound (inbound.py)
	def inbound_ship(self, shipment_id: str) -> dict[str, Any]:
		"""The seller hands a confirmed inbound shipment to the carrier: IN_TRANSIT, received days later."""
		return self._call("POST", "/inbound/ship", {"shipmentId": shipment_id})

	def inbound_short(self, shortages: dict[str, int]) -> dict[str, int]:
		"""Later receipts of these SKUs come up this many units short."""
		return self._call("POST", "/inbound/short", shortages)
