"""The simulator's mutable world: marketplaces, orders, items, packages, and the shipment rules.

Everything here is guarded by `SimulatorState.lock` (an RLock); handlers take it around reads that must be
consistent and around every mutation. Money is Decimal, quantized to the order's currency.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .clock import Clock
from .money import ZERO, q
from .quotas import QuotaManager

ORDER_STATUSES = ("PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED")


class ShipmentRejected(Exception):
	"""A shipment confirmation broke a rule; `code` is the SP-API error code (e.g. "InvalidInput")."""

	def __init__(self, code: str, message: str, status: int = 400) -> None:
		super().__init__(message)
		self.code = code
		self.message = message
		self.status = status


@dataclass
class SimMarketplace:
	marketplace_id: str
	name: str  # e.g. "Amazon.com"
	country: str  # ISO 3166 alpha-2
	currency: str
	domain: str  # e.g. "www.amazon.com"
	region: str = "NA"  # NA / EU / FE

	@property
	def id(self) -> str:
		return self.marketplace_id


@dataclass
class SimBuyer:
	name: str
	email: str
	company_name: str | None = None
	tax_id: str | None = None  # VAT / tax registration id of a business buyer

	def __repr__(self) -> str:  # buyer PII never lands in logs
		return "SimBuyer(<redacted>)"


@dataclass
class SimAddress:
	name: str
	address_line1: str
	city: str
	postal_code: str
	country_code: str
	address_line2: str | None = None
	state_or_region: str | None = None
	phone: str | None = None
	company_name: str | None = None
	address_type: str = "RESIDENTIAL"  # RESIDENTIAL | COMMERCIAL

	def __repr__(self) -> str:
		return f"SimAddress(<redacted>, country_code={self.country_code!r})"


@dataclass
class SimItem:
	order_item_id: str  # 14-digit numeric string
	sku: str
	asin: str
	title: str
	quantity: int
	quantity_shipped: int = 0
	unit_price: Decimal = ZERO  # price of ONE unit (tax-inclusive when prices_include_tax)
	shipping_price: Decimal = ZERO  # shipping charged for the whole line
	shipping_discount: Decimal = ZERO  # positive amount taken off shipping
	gift_wrap_price: Decimal = ZERO  # for the whole line
	promotion_discount: Decimal = ZERO  # positive amount taken off the item price (whole line)
	item_tax: Decimal = ZERO  # tax on the item price (whole line, after discount)
	shipping_tax: Decimal = ZERO  # tax on the net shipping
	gift_wrap_tax: Decimal = ZERO
	tax_withheld: bool = False  # marketplace facilitator: Amazon collected and remits the tax
	quantity_cancelled: int = 0
	promotion_ids: list[str] = field(default_factory=list)
	condition: str = "New"
	gift_message: str | None = None
	is_gift: bool = False
	# EU, UK, JP: the prices (and discounts) contain the taxes; tax_breakdown False renders no TAX breakdown,
	# as in Amazon's UK and JP examples (the buyer pays the same).
	prices_include_tax: bool = False
	tax_breakdown: bool = True

	@property
	def item_price(self) -> Decimal:
		"""Price of the whole line before discount (unit_price * quantity)."""
		return self.unit_price * self.quantity

	@property
	def quantity_unshipped(self) -> int:
		return max(0, self.quantity - self.quantity_shipped - self.quantity_cancelled)

	@property
	def total(self) -> Decimal:
		"""What the buyer pays for this line: price + shipping + gift wrap - discounts (+ all taxes, unless the
		prices contain them)."""
		gross = self.item_price + self.shipping_price + self.gift_wrap_price - self.shipping_discount - self.promotion_discount
		return gross if self.prices_include_tax else gross + self.tax_total

	@property
	def tax_total(self) -> Decimal:
		return self.item_tax + self.shipping_tax + self.gift_wrap_tax


@dataclass
class SimPackage:
	package_reference_id: str
	carrier_code: str
	carrier_name: str | None
	tracking_number: str
	ship_date: datetime
	shipping_method: str | None
	lines: list[tuple[str, int]]  # (orderItemId, quantity)


@dataclass
class SimOrder:
	order_id: str  # 3-7-7
	marketplace_id: str
	currency: str
	created: datetime
	last_updated: datetime
	status: str  # one of ORDER_STATUSES
	fulfilled_by: str  # "AMAZON" | "MERCHANT"
	items: list[SimItem]
	buyer: SimBuyer
	address: SimAddress
	is_business: bool = False
	replaced_order_id: str | None = None  # a replacement order points at the order it replaces
	packages: list[SimPackage] = field(default_factory=list)
	shipped_at: datetime | None = None
	cancelled_at: datetime | None = None
	service_level: str = "Standard"  # Standard / Expedited / NextDay / SecondDay / Priority
	cancel_reason: str | None = None
	cancelled_by: str | None = None  # "BUYER" | "SELLER" | "SYSTEM"
	is_prime: bool = False
	latest_ship_date: datetime | None = None
	latest_delivery_date: datetime | None = None
	# A malformed order (POST /_sim/orders/malformed, "missing_prices"): Amazon answers it without prices.
	withhold_prices: bool = False

	@property
	def is_fba(self) -> bool:
		return self.fulfilled_by == "AMAZON"

	@property
	def total(self) -> Decimal:
		"""What the buyer paid (all lines, incl. taxes), in the order currency."""
		return q(sum((item.total for item in self.items), ZERO), self.currency)

	def item(self, order_item_id: str) -> SimItem | None:
		for item in self.items:
			if item.order_item_id == order_item_id:
				return item
		return None

	def __repr__(self) -> str:
		return f"SimOrder({self.order_id!r}, {self.status}, {self.fulfilled_by}, {self.marketplace_id})"


@dataclass
class FeedFaults:
	"""Control-API instructions for the feeds module: make the next feed fail for some orders."""

	order_ids: set[str] = field(default_factory=set)  # next feed fails the messages about these orders
	order_message: str = "The order id you submitted is invalid."
	unattributed: bool = False  # next feed gets an error not attributable to any message
	unattributed_message: str = "The feed could not be processed."

	def clear(self) -> None:
		self.order_ids.clear()
		self.unattributed = False


FAULT_KINDS = ("throttle", "error", "slow", "truncate", "repeat_page")


@dataclass
class Fault:
	"""One injected fault: applies to the next `count` calls of `operation` (None = any SP-API operation)."""

	kind: str  # one of FAULT_KINDS
	operation: str | None = None
	count: int = 1
	status: int = 500  # for kind "error": 500 or 503
	delay: float = 0.0  # for kind "slow": real seconds to wait before answering

	def to_json(self) -> dict[str, Any]:
		return {"kind": self.kind, "operation": self.operation, "count": self.count, "status": self.status,
				"delay": self.delay}


# What a seeded fault rate answers with, drawn evenly: 429, 500, 503, an answer slower than the client waits, a
# body cut in half, a page served twice (the next searchOrders page; elsewhere it waits for one).
RATE_FAULTS = ("throttle", "error_500", "error_503", "slow", "truncate", "repeat_page")


class FaultPlan:
	"""Faults queued through the control API, consumed by the server (and by searchOrders: repeat_page); and a
	seeded fault rate: a fraction of all SP-API calls answered with one of RATE_FAULTS."""

	def __init__(self) -> None:
		self._faults: list[Fault] = []
		self._lock = threading.Lock()
		self.rate = 0.0
		self.slow_seconds = 2.0
		self._rng = random.Random(0)
		self.injected: dict[str, int] = {}  # fault kind -> calls it answered (the rate's faults only)

	def set_rate(self, rate: float, seed: int, slow_seconds: float = 2.0) -> None:
		"""A fraction `rate` of the SP-API calls from now on meets a fault; its own RNG, so the data never shifts."""
		if not 0 <= rate <= 1:
			raise ValueError("rate must be between 0 and 1")
		with self._lock:
			self.rate = rate
			self.slow_seconds = slow_seconds
			self._rng = random.Random(f"faults-{seed}")
			self.injected = {}

	def draw(self, operation: str) -> str | None:
		"""The rate's fault for this call (one of RATE_FAULTS), or None. A repeat_page becomes a one-shot fault of
		the next searchOrders page."""
		with self._lock:
			if not self.rate or self._rng.random() >= self.rate:
				return None
			kind = self._rng.choice(RATE_FAULTS)
			self.injected[kind] = self.injected.get(kind, 0) + 1
			if kind == "repeat_page":
				self._faults.append(Fault(kind="repeat_page", operation="searchOrders"))
				return None
			return kind

	def add(self, fault: Fault) -> None:
		if fault.kind not in FAULT_KINDS:
			raise ValueError(f"unknown fault kind {fault.kind!r}")
		if fault.count > 0:
			with self._lock:
				self._faults.append(fault)

	def take(self, kind: str, operation: str | None) -> Fault | None:
		"""Consume one use of the first matching fault of `kind` for `operation`; None when there is none."""
		with self._lock:
			for fault in self._faults:
				if fault.kind == kind and (fault.operation is None or fault.operation == operation):
					fault.count -= 1
					if fault.count <= 0:
						self._faults.remove(fault)
					return fault
		return None

	def clear(self) -> None:
		with self._lock:
			self._faults.clear()

	def pending(self) -> list[Fault]:
		with self._lock:
			return list(self._faults)


@dataclass
class OperationCounter:
	requests: int = 0
	throttled: int = 0  # answered 429
	errors: int = 0  # answered non-2xx other than 429


class Counters:
	"""Per-operation request counters (SP-API operations by operationId, other routes as "METHOD pattern")."""

	def __init__(self) -> None:
		self._counters: dict[str, OperationCounter] = {}
		self._lock = threading.Lock()

	def record(self, key: str, status: int) -> None:
		with self._lock:
			counter = self._counters.setdefault(key, OperationCounter())
			counter.requests += 1
			if status == 429:
				counter.throttled += 1
			elif status >= 300:
				counter.errors += 1

	def get(self, key: str) -> OperationCounter:
		with self._lock:
			counter = self._counters.get(key, OperationCounter())
			return OperationCounter(counter.requests, counter.throttled, counter.errors)

	def snapshot(self) -> dict[str, dict[str, int]]:
		with self._lock:
			return {key: {"requests": c.requests, "throttled": c.throttled, "errors": c.errors}
					for key, c in sorted(self._counters.items())}

	def reset(self) -> None:
		with self._lock:
			self._counters.clear()


@dataclass
class LwaConfig:
	"""LWA credentials the token endpoint checks; None fields accept anything."""

	client_id: str | None = None
	client_secret: str | None = None
	refresh_token: str | None = None

	def __repr__(self) -> str:  # secrets never land in logs
		return f"LwaConfig(client_id={self.client_id!r}, client_secret=<redacted>, refresh_token=<redacted>)"


class SimulatorState:
	"""All mutable simulator data plus the rules that change it."""

	def __init__(
		self,
		clock: Clock | None = None,
		seed: int = 1,
		seller_id: str = "A1SIMSELLER",
		base_url: str = "",
		namespace: int = 0,
	) -> None:
		self.clock = clock or Clock()
		self.lock = threading.RLock()
		self.seed = seed
		# Moves the ids a site keeps unique (order, settlement and report ids), never the data: simulators of one seed
		# with other namespaces can feed one ERPNext site again and again (tests).
		self.namespace = namespace
		self.rng = random.Random(seed)
		self.seller_id = seller_id
		self.base_url = base_url
		self.marketplaces: dict[str, SimMarketplace] = {}
		self.orders: dict[str, SimOrder] = {}
		self.feeds_failures = FeedFaults()
		self.lwa = LwaConfig()
		self.access_tokens: dict[str, datetime] = {}  # access token -> expiry (simulated time)
		self.quotas = QuotaManager(self.clock)
		self.faults = FaultPlan()
		self.counters = Counters()
		self.catalogue: list[Any] = []  # generator.CatalogueItem list, set by the generator
		self.extras: dict[str, Any] = {}  # free slot for modules (feeds, reports...) to keep their own state
		# tracking number -> message: Amazon's carrier validation refuses these (POST /_sim/shipments/reject-tracking)
		self.rejected_tracking: dict[str, str] = {}

	# -- helpers ------------------------------------------------------------------------------------
	def touch(self, order: SimOrder) -> None:
		"""Bump lastUpdatedTime to now (strictly increasing, so 'updated after X' never misses a change)."""
		now = self.clock.now()
		if now <= order.last_updated:
			now = order.last_updated + timedelta(milliseconds=1)
		order.last_updated = now

	def add_order(self, order: SimOrder) -> SimOrder:
		with self.lock:
			self.orders[order.order_id] = order
		return order

	def get_order(self, order_id: str) -> SimOrder | None:
		with self.lock:
			return self.orders.get(order_id)

	# -- life cycle ---------------------------------------------------------------------------------
	def _refresh_status(self, order: SimOrder) -> None:
		active = [item for item in order.items if item.quantity - item.quantity_cancelled > 0]
		if not active:
			order.status = "CANCELLED"
			return
		shipped = sum(item.quantity_shipped for item in active)
		remaining = sum(item.quantity_unshipped for item in active)
		if remaining == 0:
			order.status = "SHIPPED"
			if order.shipped_at is None:
				order.shipped_at = self.clock.now()
		elif shipped > 0:
			order.status = "PARTIALLY_SHIPPED"
		elif order.status != "PENDING":
			order.status = "UNSHIPPED"

	def apply_shipment(
		self,
		order_id: str,
		lines: list[tuple[str, int]],
		carrier_code: str,
		carrier_name: str | None,
		tracking_number: str,
		ship_date: datetime,
		shipping_method: str | None = None,
		package_reference_id: str | None = None,
	) -> None:
		"""Record a merchant shipment (confirmShipment and POST_ORDER_FULFILLMENT_DATA share these rules).

		Raises ShipmentRejected(code, message) when a rule is broken; nothing changes in that case."""
		with self.lock:
			order = self.orders.get(order_id)
			if order is None:
				raise ShipmentRejected("NotFound", f"Order {order_id} was not found.", status=404)
			if order.fulfilled_by != "MERCHANT":
				raise ShipmentRejected(
					"InvalidInput", f"Order {order_id} is fulfilled by Amazon; it cannot be confirmed by the seller."
				)
			if order.status == "CANCELLED":
				raise ShipmentRejected("InvalidInput", f"Order {order_id} is cancelled; it cannot be shipped.")
			if order.status == "PENDING":
				raise ShipmentRejected("InvalidInput", f"Order {order_id} is pending; it cannot be shipped yet.")
			if not carrier_code or not str(carrier_code).strip():
				raise ShipmentRejected("InvalidInput", "carrierCode is required.")
			if str(carrier_code).strip().lower() == "other" and not (carrier_name and carrier_name.strip()):
				raise ShipmentRejected("InvalidInput", 'carrierName is required when carrierCode is "Other".')
			if not tracking_number or not str(tracking_number).strip():
				raise ShipmentRejected("InvalidInput", "trackingNumber is required.")
			refusal = self.rejected_tracking.get(str(tracking_number).strip())
			if refusal is not None:
				raise ShipmentRejected("InvalidInput", refusal)
			if not lines:
				raise ShipmentRejected("InvalidInput", "orderItems must list at least one order item.")
			wanted: dict[str, int] = {}
			for order_item_id, quantity in lines:
				item = order.item(str(order_item_id))
				if item is None:
					raise ShipmentRejected(
						"InvalidInput", f"orderItemId {order_item_id} does not belong to order {order_id}."
					)
				if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
					raise ShipmentRejected(
						"InvalidInput", f"quantity for orderItemId {order_item_id} must be a positive integer."
					)
				wanted[item.order_item_id] = wanted.get(item.order_item_id, 0) + quantity
			for order_item_id, quantity in wanted.items():
				item = order.item(order_item_id)
				assert item is not None
				if quantity > item.quantity_unshipped:
					raise ShipmentRejected(
						"InvalidInput",
						f"quantity {quantity} for orderItemId {order_item_id} exceeds the unshipped quantity "
						f"{item.quantity_unshipped}.",
					)
			for order_item_id, quantity in wanted.items():
				item = order.item(order_item_id)
				assert item is not None
				item.quantity_shipped += quantity
			order.packages.append(
				SimPackage(
					package_reference_id=package_reference_id or str(len(order.packages) + 1),
					carrier_code=str(carrier_code).strip(),
					carrier_name=carrier_name,
					tracking_number=str(tracking_number).strip(),
					ship_date=ship_date,
					shipping_method=shipping_method,
					lines=list(wanted.items()),
				)
			)
			self._refresh_status(order)
			self.touch(order)

	def ship_fba(self, order_id: str) -> SimOrder:
		"""Amazon ships an FBA order completely."""
		with self.lock:
			order = self._require(order_id)
			if not order.is_fba:
				raise ShipmentRejected("InvalidInput", f"Order {order_id} is not fulfilled by Amazon.")
			if order.status in ("CANCELLED", "SHIPPED"):
				raise ShipmentRejected("InvalidInput", f"Order {order_id} is {order.status}; nothing to ship.")
			lines = [(item.order_item_id, item.quantity_unshipped) for item in order.items if item.quantity_unshipped]
			for item in order.items:
				item.quantity_shipped += item.quantity_unshipped
			order.packages.append(
				SimPackage(
					package_reference_id=str(len(order.packages) + 1),
					carrier_code="AMZN_" + order.address.country_code,
					carrier_name="Amazon Logistics",
					tracking_number=f"TBA{self.rng.randrange(10**11, 10**12)}",
					ship_date=self.clock.now(),
					shipping_method=order.service_level,
					lines=lines,
				)
			)
			if order.status == "PENDING":
				order.status = "UNSHIPPED"
			self._refresh_status(order)
			self.touch(order)
			return order

	def release_pending(self, order_id: str) -> SimOrder:
		"""Payment authorised: PENDING -> UNSHIPPED."""
		with self.lock:
			order = self._require(order_id)
			if order.status != "PENDING":
				raise ShipmentRejected("InvalidInput", f"Order {order_id} is {order.status}, not PENDING.")
			order.status = "UNSHIPPED"
			self.touch(order)
			return order

	def cancel(self, order_id: str, reason: str | None = None, by: str = "BUYER") -> SimOrder:
		"""Cancel everything not yet shipped; an order with shipped units cannot be cancelled."""
		with self.lock:
			order = self._require(order_id)
			if order.status == "CANCELLED":
				return order
			if any(item.quantity_shipped for item in order.items):
				raise ShipmentRejected(
					"InvalidInput", f"Order {order_id} has shipped units; it cannot be cancelled."
				)
			for item in order.items:
				item.quantity_cancelled = item.quantity
			order.status = "CANCELLED"
			order.cancelled_at = self.clock.now()
			order.cancel_reason = reason or "Buyer cancelled"
			order.cancelled_by = by
			self.touch(order)
			return order

	def _require(self, order_id: str) -> SimOrder:
		order = self.orders.get(order_id)
		if order is None:
			raise ShipmentRejected("NotFound", f"Order {order_id} was not found.", status=404)
		return order
