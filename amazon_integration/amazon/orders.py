"""Orders API v2026-01-01: the order records (orders_2026-01-01.json) and searchOrders / getOrder.

What is None means Amazon did not send it (the dataset was not requested through includedData, or Amazon has no
value yet, e.g. prices of a PENDING order); within a proceeds breakdown that is present, a missing category is
Decimal 0. Money is Decimal, times tz-aware UTC.

Buyer PII (names, e-mail, addresses, phone, tax registrations, gift messages) never shows in a repr.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .core import ClientCore
from .errors import AmazonUnavailableError
from .spapi import request_id_of
from .text import msg
from .values import as_dict, as_list, aware, format_datetime, parse_datetime, to_decimal, to_int

ZERO = Decimal("0")

def _money(value: Any) -> Decimal | None:
	"""Orders-style Money {"amount": "1.23", "currencyCode": "USD"} -> Decimal."""
	if not isinstance(value, Mapping):
		return None
	return to_decimal(value.get("amount"))


def _currency_of(value: Any) -> str | None:
	if isinstance(value, Mapping):
		return value.get("currencyCode") or value.get("CurrencyCode")
	return None


FBA = "FBA"
FBM = "FBM"


@dataclass(frozen=True, repr=False)
class Buyer:
	"""Order.buyer (includedData BUYER). All fields are PII."""

	name: str | None = None
	email: str | None = None  # anonymized marketplace address; FBM only
	company_name: str | None = None
	purchase_order_number: str | None = None

	def __repr__(self) -> str:
		return "Buyer(<redacted>)"

	@classmethod
	def from_api(cls, data: Mapping) -> Buyer:
		return cls(
			name=data.get("buyerName"),
			email=data.get("buyerEmail"),
			company_name=data.get("buyerCompanyName"),
			purchase_order_number=data.get("buyerPurchaseOrderNumber"),
		)


@dataclass(frozen=True, repr=False)
class Address:
	"""A CustomerAddress (recipient.deliveryAddress, includedData RECIPIENT). PII except the country code."""

	name: str | None = None
	company_name: str | None = None
	address_line1: str | None = None
	address_line2: str | None = None
	address_line3: str | None = None
	city: str | None = None
	district_or_county: str | None = None
	state_or_region: str | None = None
	municipality: str | None = None
	postal_code: str | None = None
	country_code: str | None = None
	phone: str | None = None
	address_type: str | None = None  # RESIDENTIAL | COMMERCIAL

	def __repr__(self) -> str:
		return f"Address(<redacted>, country_code={self.country_code!r})"

	@classmethod
	def from_api(cls, data: Mapping) -> Address:
		return cls(
			name=data.get("name"),
			company_name=data.get("companyName"),
			address_line1=data.get("addressLine1"),
			address_line2=data.get("addressLine2"),
			address_line3=data.get("addressLine3"),
			city=data.get("city"),
			district_or_county=data.get("districtOrCounty"),
			state_or_region=data.get("stateOrRegion"),
			municipality=data.get("municipality"),
			postal_code=data.get("postalCode"),
			country_code=data.get("countryCode"),
			phone=data.get("phone"),
			address_type=data.get("addressType"),
		)


@dataclass(frozen=True, repr=False)
class TaxRegistration:
	"""A buyer's tax registration (order.tax.taxRegistrations, includedData TAX), e.g. a business VAT id."""

	entity_type: str | None = None
	legal_name: str | None = None
	registration_type: str | None = None  # e.g. VAT
	registration_number: str | None = None

	def __repr__(self) -> str:
		return f"TaxRegistration(<redacted>, registration_type={self.registration_type!r})"


@dataclass(frozen=True)
class Package:
	"""An FBM package (order.packages, includedData PACKAGES)."""

	package_reference_id: str
	carrier: str | None = None
	shipping_service: str | None = None
	tracking_number: str | None = None
	ship_time: datetime | None = None
	created: datetime | None = None
	status: str | None = None
	items: tuple[tuple[str, int], ...] = ()  # (orderItemId, quantity)

	@classmethod
	def from_api(cls, data: Mapping) -> Package:
		return cls(
			package_reference_id=str(data.get("packageReferenceId") or ""),
			carrier=data.get("carrier"),
			shipping_service=data.get("shippingService"),
			tracking_number=data.get("trackingNumber"),
			ship_time=parse_datetime(data.get("shipTime")),
			created=parse_datetime(data.get("createdTime")),
			status=as_dict(data.get("packageStatus")).get("status"),
			items=tuple(
				(str(item.get("orderItemId")), to_int(item.get("quantity")) or 0)
				for item in as_list(data.get("packageItems"))
				if isinstance(item, Mapping)
			),
		)


def _breakdowns(proceeds: Mapping) -> tuple[dict[str, Decimal], dict[tuple[str, str], Decimal]]:
	"""Proceeds breakdowns summed by type, and detailed breakdowns summed by (type, subtype)."""
	by_type: dict[str, Decimal] = {}
	detailed: dict[tuple[str, str], Decimal] = {}
	for entry in as_list(proceeds.get("breakdowns")):
		if not isinstance(entry, Mapping):
			continue
		kind = str(entry.get("type") or "OTHER")
		by_type[kind] = by_type.get(kind, ZERO) + (_money(entry.get("subtotal")) or ZERO)
		for sub in as_list(entry.get("detailedBreakdowns")):
			if isinstance(sub, Mapping):
				key = (kind, str(sub.get("subtype") or "OTHER"))
				detailed[key] = detailed.get(key, ZERO) + (_money(sub.get("value")) or ZERO)
	return by_type, detailed


@dataclass(frozen=True)
class OrderItem:
	"""One order line. Money is for the whole line (all units), as Amazon reports proceeds.

	From product.price: unit_price. From proceeds (includedData PROCEEDS; None when absent):
	item_total (ITEM), shipping (SHIPPING), gift_wrap (GIFT_WRAP), cod_fee (COD_FEE), other (OTHER),
	tax (TAX) with item_tax / shipping_tax / gift_wrap_tax from its detailed breakdowns, discount (DISCOUNT)
	with promotion_discount (subtype ITEM) / shipping_discount (SHIPPING) / gift_wrap_discount (GIFT_WRAP), and
	proceeds_total. Discounts are returned as positive amounts taken off, whatever sign Amazon uses.
	From tax (includedData TAX): tax_collection_model / tax_responsible_party; tax_withheld is True when the
	marketplace facilitator (Amazon) collects and remits the tax, i.e. the seller must not book it as payable.
	From fulfillment (includedData FULFILLMENT): quantity_shipped / quantity_unshipped.
	"""

	order_item_id: str
	sku: str | None
	asin: str | None
	title: str | None
	quantity: int
	quantity_shipped: int | None = None
	quantity_unshipped: int | None = None
	condition: str | None = None
	unit_price: Decimal | None = None
	price_designation: str | None = None  # BUSINESS_PRICE
	proceeds_total: Decimal | None = None
	item_total: Decimal | None = None
	shipping: Decimal | None = None
	gift_wrap: Decimal | None = None
	cod_fee: Decimal | None = None
	other: Decimal | None = None
	discount: Decimal | None = None
	promotion_discount: Decimal | None = None
	shipping_discount: Decimal | None = None
	gift_wrap_discount: Decimal | None = None
	tax: Decimal | None = None
	item_tax: Decimal | None = None
	shipping_tax: Decimal | None = None
	gift_wrap_tax: Decimal | None = None
	tax_withheld: bool = False
	tax_collection_model: str | None = None  # MARKETPLACE_FACILITATOR
	tax_responsible_party: str | None = None
	tax_reporting_schemes: tuple[str, ...] = ()  # UOSS / IOSS
	promotion_ids: tuple[str, ...] = ()
	gift_wrap_level: str | None = None
	gift_message: str | None = field(default=None, repr=False)  # written by the buyer
	cancellation_requested: bool = False
	cancel_reason: str | None = None
	serial_numbers: tuple[str, ...] = ()

	@classmethod
	def from_api(cls, data: Mapping) -> OrderItem:
		product = as_dict(data.get("product"))
		price = as_dict(product.get("price"))
		fulfillment = data.get("fulfillment")
		proceeds = data.get("proceeds")
		tax = as_dict(data.get("tax"))
		packing = as_dict(as_dict(fulfillment).get("packing"))
		gift = as_dict(packing.get("giftOption"))
		cancellation = as_dict(data.get("cancellation"))
		money: dict[str, Any] = {}
		if isinstance(proceeds, Mapping):
			by_type, detailed = _breakdowns(proceeds)
			discount = by_type.get("DISCOUNT", ZERO)
			money = {
				"proceeds_total": _money(proceeds.get("proceedsTotal")),
				"item_total": by_type.get("ITEM", ZERO),
				"shipping": by_type.get("SHIPPING", ZERO),
				"gift_wrap": by_type.get("GIFT_WRAP", ZERO),
				"cod_fee": by_type.get("COD_FEE", ZERO),
				"other": by_type.get("OTHER", ZERO),
				"discount": abs(discount),
				"promotion_discount": abs(detailed.get(("DISCOUNT", "ITEM"), ZERO)),
				"shipping_discount": abs(detailed.get(("DISCOUNT", "SHIPPING"), ZERO)),
				"gift_wrap_discount": abs(detailed.get(("DISCOUNT", "GIFT_WRAP"), ZERO)),
				"tax": by_type.get("TAX", ZERO),
				"item_tax": detailed.get(("TAX", "ITEM"), ZERO),
				"shipping_tax": detailed.get(("TAX", "SHIPPING"), ZERO),
				"gift_wrap_tax": detailed.get(("TAX", "GIFT_WRAP"), ZERO),
			}
			# A discount without a detailed breakdown is a promotion on the item price.
			if discount and not any(key[0] == "DISCOUNT" for key in detailed):
				money["promotion_discount"] = abs(discount)
			# Likewise a tax without detail is tax on the item.
			if by_type.get("TAX") and not any(key[0] == "TAX" for key in detailed):
				money["item_tax"] = by_type["TAX"]
		collections = [c for c in as_list(tax.get("taxCollections")) if isinstance(c, Mapping)]
		models = [str(c.get("model")) for c in collections if c.get("model")]
		quantity = to_int(data.get("quantityOrdered")) or 0
		return cls(
			order_item_id=str(data.get("orderItemId") or ""),
			sku=product.get("sellerSku"),
			asin=product.get("asin"),
			title=product.get("title"),
			quantity=quantity,
			quantity_shipped=to_int(as_dict(fulfillment).get("quantityFulfilled")) if fulfillment else None,
			quantity_unshipped=to_int(as_dict(fulfillment).get("quantityUnfulfilled")) if fulfillment else None,
			condition=as_dict(product.get("condition")).get("conditionType"),
			unit_price=_money(price.get("unitPrice")),
			price_designation=price.get("priceDesignation"),
			tax_withheld="MARKETPLACE_FACILITATOR" in models,
			tax_collection_model=models[0] if models else None,
			tax_responsible_party=next((c.get("responsibleParty") for c in collections if c.get("responsibleParty")), None),
			tax_reporting_schemes=tuple(
				str(b.get("reportingScheme"))
				for b in as_list(tax.get("taxCalculationBreakdowns"))
				if isinstance(b, Mapping) and b.get("reportingScheme")
			),
			promotion_ids=tuple(
				str(p.get("promotionId"))
				for p in as_list(as_dict(data.get("promotion")).get("breakdowns"))
				if isinstance(p, Mapping) and p.get("promotionId")
			),
			gift_wrap_level=gift.get("giftWrapLevel"),
			gift_message=gift.get("giftMessage"),
			cancellation_requested=bool(cancellation.get("cancellationRequest")),
			cancel_reason=as_dict(cancellation.get("cancellationRequest")).get("cancelReason")
			or as_dict(cancellation.get("cancellationExecution")).get("cancelReason"),
			serial_numbers=tuple(str(s) for s in as_list(product.get("serialNumbers"))),
			**money,
		)


@dataclass(frozen=True)
class Order:
	"""An order of the Orders API v2026-01-01.

	status is fulfillment.fulfillmentStatus (PENDING_AVAILABILITY, PENDING, UNSHIPPED, PARTIALLY_SHIPPED,
	SHIPPED, CANCELLED, UNFULFILLABLE), None when FULFILLMENT was not requested. channel is "FBA" for
	fulfilledBy AMAZON, "FBM" for MERCHANT. order_total is proceeds.grandTotal (includedData PROCEEDS).
	"""

	order_id: str
	marketplace_id: str | None
	created: datetime | None
	last_updated: datetime | None
	status: str | None = None
	fulfilled_by: str | None = None
	service_level: str | None = None
	sales_channel: str | None = None  # AMAZON | NON_AMAZON
	marketplace_name: str | None = None
	programs: tuple[str, ...] = ()
	seller_order_id: str | None = None
	replaced_order_id: str | None = None
	currency: str | None = None
	order_total: Decimal | None = None
	proceeds: tuple[tuple[str, Decimal], ...] = ()  # order-level breakdown (type, subtotal), e.g. DELIVERY_TIP
	items: tuple[OrderItem, ...] = ()
	buyer: Buyer | None = None
	ship_to: Address | None = None
	buyer_tax_registrations: tuple[TaxRegistration, ...] = ()
	packages: tuple[Package, ...] = ()
	earliest_ship_date: datetime | None = None
	latest_ship_date: datetime | None = None
	earliest_delivery_date: datetime | None = None
	latest_delivery_date: datetime | None = None
	payment_methods: tuple[str, ...] = ()

	@property
	def channel(self) -> str | None:
		return {"AMAZON": FBA, "MERCHANT": FBM}.get(self.fulfilled_by or "")

	@property
	def is_fba(self) -> bool:
		return self.fulfilled_by == "AMAZON"

	@property
	def is_business(self) -> bool:
		return "AMAZON_BUSINESS" in self.programs

	@property
	def is_prime(self) -> bool:
		return "PRIME" in self.programs

	@property
	def is_replacement(self) -> bool:
		return self.replaced_order_id is not None

	@classmethod
	def from_api(cls, data: Mapping) -> Order:
		channel = as_dict(data.get("salesChannel"))
		fulfillment = as_dict(data.get("fulfillment"))
		proceeds = data.get("proceeds")
		items = tuple(OrderItem.from_api(i) for i in as_list(data.get("orderItems")) if isinstance(i, Mapping))
		currency = _currency_of(as_dict(proceeds).get("grandTotal")) or _find_currency(data.get("orderItems"))
		replaced = next(
			(
				str(a.get("orderId"))
				for a in as_list(data.get("associatedOrders"))
				if isinstance(a, Mapping) and a.get("associationType") == "REPLACEMENT_ORIGINAL_ID" and a.get("orderId")
			),
			None,
		)
		seller_order_id = next(
			(
				str(a.get("aliasId"))
				for a in as_list(data.get("orderAliases"))
				if isinstance(a, Mapping) and a.get("aliasType") == "SELLER_ORDER_ID"
			),
			None,
		)
		buyer = data.get("buyer")
		address = as_dict(data.get("recipient")).get("deliveryAddress")
		ship_by = as_dict(fulfillment.get("shipByWindow"))
		deliver_by = as_dict(fulfillment.get("deliverByWindow"))
		return cls(
			order_id=str(data.get("orderId") or ""),
			marketplace_id=channel.get("marketplaceId"),
			created=parse_datetime(data.get("createdTime")),
			last_updated=parse_datetime(data.get("lastUpdatedTime")),
			status=fulfillment.get("fulfillmentStatus"),
			fulfilled_by=fulfillment.get("fulfilledBy"),
			service_level=fulfillment.get("fulfillmentServiceLevel"),
			sales_channel=channel.get("channelName"),
			marketplace_name=channel.get("marketplaceName"),
			programs=tuple(str(p) for p in as_list(data.get("programs"))),
			seller_order_id=seller_order_id,
			replaced_order_id=replaced,
			currency=currency,
			order_total=_money(as_dict(proceeds).get("grandTotal")),
			proceeds=tuple(_breakdowns(proceeds)[0].items()) if isinstance(proceeds, Mapping) else (),
			items=items,
			buyer=Buyer.from_api(buyer) if isinstance(buyer, Mapping) else None,
			ship_to=Address.from_api(address) if isinstance(address, Mapping) else None,
			buyer_tax_registrations=tuple(
				TaxRegistration(
					entity_type=r.get("entityType"),
					legal_name=r.get("legalName"),
					registration_type=r.get("taxRegistrationType"),
					registration_number=r.get("taxRegistrationNumber"),
				)
				for r in as_list(as_dict(data.get("tax")).get("taxRegistrations"))
				if isinstance(r, Mapping)
			),
			packages=tuple(Package.from_api(p) for p in as_list(data.get("packages")) if isinstance(p, Mapping)),
			earliest_ship_date=parse_datetime(ship_by.get("earliestDateTime")),
			latest_ship_date=parse_datetime(ship_by.get("latestDateTime")),
			earliest_delivery_date=parse_datetime(deliver_by.get("earliestDateTime")),
			latest_delivery_date=parse_datetime(deliver_by.get("latestDateTime")),
			payment_methods=tuple(
				str(p.get("paymentMethod"))
				for p in as_list(as_dict(data.get("payment")).get("paymentExecutions"))
				if isinstance(p, Mapping) and p.get("paymentMethod")
			),
		)


def _find_currency(items: Any) -> str | None:
	for item in as_list(items):
		if not isinstance(item, Mapping):
			continue
		product_price = as_dict(as_dict(item.get("product")).get("price")).get("unitPrice")
		for candidate in (product_price, as_dict(item.get("proceeds")).get("proceedsTotal")):
			currency = _currency_of(candidate)
			if currency:
				return currency
	return None


class OrderSearch:
	"""The result of search_orders: iterate it for the orders (pages are fetched lazily, every page is walked).

	`window_end` is where the window ended: once every order has been consumed, move the sync cursor to it.
	Without a requested end, the request leaves lastUpdatedBefore out so that Amazon applies its 2-minute rule
	on its own clock, and window_end is the bound Amazon echoes in its answer (None until the first page):
	a local clock that runs fast or slow can then never skip an order. When the window is empty (`is_empty`),
	iterating makes no call and window_end equals window_start, so the cursor stays.
	"""

	def __init__(
		self,
		client: OrdersClient,
		params: dict[str, Any],
		window_start: datetime,
		window_end: datetime | None,
	) -> None:
		self._client = client
		self._params = params
		self.window_start = window_start
		self.window_end = window_end
		self.pages = 0  # pages fetched so far
		self.duplicates = 0  # orders Amazon repeated across pages (skipped)

	@property
	def is_empty(self) -> bool:
		return self.window_end is not None and self.window_end <= self.window_start

	def __iter__(self) -> Iterator[Order]:
		if self.is_empty:
			return
		seen: set[str] = set()
		latest = self.window_start
		echoed: datetime | None = None
		for payload in self._client._pages("searchOrders", self._client._orders_api().search_orders, self._params):
			self.pages += 1
			echoed = echoed or parse_datetime(payload.get("lastUpdatedBefore"))
			for raw in payload.get("orders") or []:
				order = Order.from_api(raw)
				if order.order_id in seen:
					self.duplicates += 1
					continue
				seen.add(order.order_id)
				if order.last_updated:
					latest = max(latest, order.last_updated)
				yield order
		if self.window_end is None:
			# Amazon's own bound; failing that, the newest update seen (the next window re-reads from there).
			self.window_end = echoed or latest

	def __repr__(self) -> str:
		end = self.window_end.isoformat() if self.window_end else "Amazon's now - 2 min"
		return f"OrderSearch({self.window_start.isoformat()} .. {end}, pages={self.pages})"


class OrdersClient(ClientCore):
	"""searchOrders and getOrder (Orders API v2026-01-01)."""

	def search_orders(
		self,
		last_updated_after: datetime,
		last_updated_before: datetime | None = None,
		*,
		fulfillment_statuses: Iterable[str] = (),
		fulfilled_by: Iterable[str] = (),
		marketplace_ids: Iterable[str] | None = None,
		included_data: Iterable[str] = (),
		page_size: int = 100,
	) -> OrderSearch:
		"""searchOrders (v2026-01-01) by lastUpdated window; see OrderSearch for the cursor contract."""
		if not 1 <= page_size <= 100:
			raise ValueError("page_size must be between 1 and 100")
		start = aware(last_updated_after).replace(microsecond=0)
		params: dict[str, Any] = {
			"lastUpdatedAfter": format_datetime(start),
			"marketplaceIds": list(marketplace_ids or self.config.marketplace_ids),
			"maxResultsPerPage": page_size,
		}
		end = None
		if last_updated_before is not None:
			end = self._window_end(last_updated_before)
			if end <= start:
				return OrderSearch(self, {}, start, start)
			params["lastUpdatedBefore"] = format_datetime(end)
		if fulfillment_statuses:
			params["fulfillmentStatuses"] = list(fulfillment_statuses)
		if fulfilled_by:
			params["fulfilledBy"] = list(fulfilled_by)
		if included_data:
			params["includedData"] = list(included_data)
		return OrderSearch(self, params, start, end)

	def get_order(self, order_id: str, included_data: Iterable[str] = ()) -> Order:
		"""getOrder (v2026-01-01)."""
		params: dict[str, Any] = {}
		if included_data:
			params["includedData"] = list(included_data)
		response = self._call("getOrder", lambda: self._orders_api().get_order(order_id, **params))
		order = (response.payload or {}).get("order")
		if not isinstance(order, dict):
			raise AmazonUnavailableError(
				msg("{0} answered without an order.", "getOrder"), operation="getOrder", request_id=request_id_of(response)
			)
		return Order.from_api(order)
