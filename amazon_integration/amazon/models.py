"""Records the gateway returns: Amazon's answers as frozen dataclasses, money as Decimal, times tz-aware UTC.

Orders follow the Orders API v2026-01-01 model (orders_2026-01-01.json). What is None means Amazon did not send
it (the dataset was not requested through includedData, or Amazon has no value yet, e.g. prices of a PENDING
order); within a proceeds breakdown that is present, a missing category is Decimal 0.

Buyer PII (names, e-mail, addresses, phone, tax registrations, gift messages) never shows in a repr.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

ZERO = Decimal("0")

# --- small parsing helpers -------------------------------------------------------------------------------

_FRACTION = re.compile(r"\.(\d+)")


def parse_datetime(value: Any) -> datetime | None:
	"""ISO 8601 (with Z, offsets, any fraction length, or a bare date) -> tz-aware UTC datetime."""
	if value in (None, ""):
		return None
	if isinstance(value, datetime):
		return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
	text = str(value).strip()
	if text.endswith(("Z", "z")):
		text = text[:-1] + "+00:00"
	# Python 3.10's fromisoformat wants exactly 3 or 6 fraction digits.
	text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
	try:
		parsed = datetime.fromisoformat(text)
	except ValueError:
		try:
			parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
		except ValueError:
			return None
	if parsed.tzinfo is None:
		parsed = parsed.replace(tzinfo=timezone.utc)
	return parsed.astimezone(timezone.utc)


def format_datetime(value: datetime) -> str:
	"""tz-aware (naive = UTC) datetime -> ISO 8601 'YYYY-MM-DDTHH:MM:SSZ', floored to the second."""
	if value.tzinfo is None:
		value = value.replace(tzinfo=timezone.utc)
	return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_decimal(value: Any) -> Decimal | None:
	if value is None or value == "":
		return None
	if isinstance(value, Decimal):
		return value
	try:
		# str() of a float is its shortest round-trip form, i.e. the JSON literal Amazon sent.
		return Decimal(str(value))
	except (InvalidOperation, ValueError):
		return None


def _money(value: Any) -> Decimal | None:
	"""Orders-style Money {"amount": "1.23", "currencyCode": "USD"} -> Decimal."""
	if not isinstance(value, Mapping):
		return None
	return to_decimal(value.get("amount"))


def _currency_of(value: Any) -> str | None:
	if isinstance(value, Mapping):
		return value.get("currencyCode") or value.get("CurrencyCode")
	return None


def _int(value: Any) -> int | None:
	if value is None or value == "":
		return None
	try:
		return int(value)
	except (TypeError, ValueError):
		try:
			return int(Decimal(str(value)))
		except (InvalidOperation, ValueError):
			return None


def _list(value: Any) -> list:
	return value if isinstance(value, list) else []


def _dict(value: Any) -> Mapping:
	return value if isinstance(value, Mapping) else {}


# --- orders (v2026-01-01) ----------------------------------------------------------------------------------

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
			status=_dict(data.get("packageStatus")).get("status"),
			items=tuple(
				(str(item.get("orderItemId")), _int(item.get("quantity")) or 0)
				for item in _list(data.get("packageItems"))
				if isinstance(item, Mapping)
			),
		)


def _breakdowns(proceeds: Mapping) -> tuple[dict[str, Decimal], dict[tuple[str, str], Decimal]]:
	"""Proceeds breakdowns summed by type, and detailed breakdowns summed by (type, subtype)."""
	by_type: dict[str, Decimal] = {}
	detailed: dict[tuple[str, str], Decimal] = {}
	for entry in _list(proceeds.get("breakdowns")):
		if not isinstance(entry, Mapping):
			continue
		kind = str(entry.get("type") or "OTHER")
		by_type[kind] = by_type.get(kind, ZERO) + (_money(entry.get("subtotal")) or ZERO)
		for sub in _list(entry.get("detailedBreakdowns")):
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
		product = _dict(data.get("product"))
		price = _dict(product.get("price"))
		fulfillment = data.get("fulfillment")
		proceeds = data.get("proceeds")
		tax = _dict(data.get("tax"))
		packing = _dict(_dict(fulfillment).get("packing"))
		gift = _dict(packing.get("giftOption"))
		cancellation = _dict(data.get("cancellation"))
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
		collections = [c for c in _list(tax.get("taxCollections")) if isinstance(c, Mapping)]
		models = [str(c.get("model")) for c in collections if c.get("model")]
		quantity = _int(data.get("quantityOrdered")) or 0
		return cls(
			order_item_id=str(data.get("orderItemId") or ""),
			sku=product.get("sellerSku"),
			asin=product.get("asin"),
			title=product.get("title"),
			quantity=quantity,
			quantity_shipped=_int(_dict(fulfillment).get("quantityFulfilled")) if fulfillment else None,
			quantity_unshipped=_int(_dict(fulfillment).get("quantityUnfulfilled")) if fulfillment else None,
			condition=_dict(product.get("condition")).get("conditionType"),
			unit_price=_money(price.get("unitPrice")),
			price_designation=price.get("priceDesignation"),
			tax_withheld="MARKETPLACE_FACILITATOR" in models,
			tax_collection_model=models[0] if models else None,
			tax_responsible_party=next((c.get("responsibleParty") for c in collections if c.get("responsibleParty")), None),
			tax_reporting_schemes=tuple(
				str(b.get("reportingScheme"))
				for b in _list(tax.get("taxCalculationBreakdowns"))
				if isinstance(b, Mapping) and b.get("reportingScheme")
			),
			promotion_ids=tuple(
				str(p.get("promotionId"))
				for p in _list(_dict(data.get("promotion")).get("breakdowns"))
				if isinstance(p, Mapping) and p.get("promotionId")
			),
			gift_wrap_level=gift.get("giftWrapLevel"),
			gift_message=gift.get("giftMessage"),
			cancellation_requested=bool(cancellation.get("cancellationRequest")),
			cancel_reason=_dict(cancellation.get("cancellationRequest")).get("cancelReason")
			or _dict(cancellation.get("cancellationExecution")).get("cancelReason"),
			serial_numbers=tuple(str(s) for s in _list(product.get("serialNumbers"))),
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
		channel = _dict(data.get("salesChannel"))
		fulfillment = _dict(data.get("fulfillment"))
		proceeds = data.get("proceeds")
		items = tuple(OrderItem.from_api(i) for i in _list(data.get("orderItems")) if isinstance(i, Mapping))
		currency = _currency_of(_dict(proceeds).get("grandTotal")) or _find_currency(data.get("orderItems"))
		replaced = next(
			(
				str(a.get("orderId"))
				for a in _list(data.get("associatedOrders"))
				if isinstance(a, Mapping) and a.get("associationType") == "REPLACEMENT_ORIGINAL_ID" and a.get("orderId")
			),
			None,
		)
		seller_order_id = next(
			(
				str(a.get("aliasId"))
				for a in _list(data.get("orderAliases"))
				if isinstance(a, Mapping) and a.get("aliasType") == "SELLER_ORDER_ID"
			),
			None,
		)
		buyer = data.get("buyer")
		address = _dict(data.get("recipient")).get("deliveryAddress")
		ship_by = _dict(fulfillment.get("shipByWindow"))
		deliver_by = _dict(fulfillment.get("deliverByWindow"))
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
			programs=tuple(str(p) for p in _list(data.get("programs"))),
			seller_order_id=seller_order_id,
			replaced_order_id=replaced,
			currency=currency,
			order_total=_money(_dict(proceeds).get("grandTotal")),
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
				for r in _list(_dict(data.get("tax")).get("taxRegistrations"))
				if isinstance(r, Mapping)
			),
			packages=tuple(Package.from_api(p) for p in _list(data.get("packages")) if isinstance(p, Mapping)),
			earliest_ship_date=parse_datetime(ship_by.get("earliestDateTime")),
			latest_ship_date=parse_datetime(ship_by.get("latestDateTime")),
			earliest_delivery_date=parse_datetime(deliver_by.get("earliestDateTime")),
			latest_delivery_date=parse_datetime(deliver_by.get("latestDateTime")),
			payment_methods=tuple(
				str(p.get("paymentMethod"))
				for p in _list(_dict(data.get("payment")).get("paymentExecutions"))
				if isinstance(p, Mapping) and p.get("paymentMethod")
			),
		)


def _find_currency(items: Any) -> str | None:
	for item in _list(items):
		if not isinstance(item, Mapping):
			continue
		product_price = _dict(_dict(item.get("product")).get("price")).get("unitPrice")
		for candidate in (product_price, _dict(item.get("proceeds")).get("proceedsTotal")):
			currency = _currency_of(candidate)
			if currency:
				return currency
	return None


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


# --- feeds ------------------------------------------------------------------------------------------------

FEED_DONE_STATUSES = ("DONE", "CANCELLED", "FATAL")


@dataclass(frozen=True)
class Feed:
	feed_id: str
	feed_type: str
	status: str  # IN_QUEUE | IN_PROGRESS | DONE | CANCELLED | FATAL
	created: datetime | None = None
	processing_start: datetime | None = None
	processing_end: datetime | None = None
	result_document_id: str | None = None
	marketplace_ids: tuple[str, ...] = ()

	@property
	def is_finished(self) -> bool:
		return self.status in FEED_DONE_STATUSES

	@classmethod
	def from_api(cls, data: Mapping) -> Feed:
		return cls(
			feed_id=str(data.get("feedId") or ""),
			feed_type=str(data.get("feedType") or ""),
			status=str(data.get("processingStatus") or ""),
			created=parse_datetime(data.get("createdTime")),
			processing_start=parse_datetime(data.get("processingStartTime")),
			processing_end=parse_datetime(data.get("processingEndTime")),
			result_document_id=data.get("resultFeedDocumentId"),
			marketplace_ids=tuple(str(m) for m in _list(data.get("marketplaceIds"))),
		)


@dataclass(frozen=True)
class ProcessingResult:
	"""One <Result> of a ProcessingReport. message_id None = not attributable to a message (Amazon sends 0)."""

	message_id: int | None
	result_code: str  # Error | Warning
	message_code: str | None
	description: str
	order_id: str | None = None
	order_item_id: str | None = None
	sku: str | None = None

	@property
	def is_error(self) -> bool:
		return self.result_code == "Error"


@dataclass(frozen=True)
class ProcessingReport:
	status_code: str  # Complete | Processing | Rejected
	messages_processed: int = 0
	messages_successful: int = 0
	messages_with_error: int = 0
	messages_with_warning: int = 0
	results: tuple[ProcessingResult, ...] = ()
	document_transaction_id: str | None = None

	def results_for(self, message_id: int) -> tuple[ProcessingResult, ...]:
		return tuple(r for r in self.results if r.message_id == message_id)

	@property
	def unattributed(self) -> tuple[ProcessingResult, ...]:
		return tuple(r for r in self.results if r.message_id is None)


# --- reports ----------------------------------------------------------------------------------------------

REPORT_DONE_STATUSES = ("DONE", "CANCELLED", "FATAL")
REPORT_ORDERS_BY_LAST_UPDATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
REPORT_SETTLEMENT_V2 = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"


@dataclass(frozen=True)
class Report:
	report_id: str
	report_type: str
	status: str  # IN_QUEUE | IN_PROGRESS | DONE | CANCELLED | FATAL
	document_id: str | None = None
	data_start: datetime | None = None
	data_end: datetime | None = None
	created: datetime | None = None
	processing_start: datetime | None = None
	processing_end: datetime | None = None
	marketplace_ids: tuple[str, ...] = ()
	schedule_id: str | None = None

	@property
	def is_finished(self) -> bool:
		return self.status in REPORT_DONE_STATUSES

	@classmethod
	def from_api(cls, data: Mapping) -> Report:
		return cls(
			report_id=str(data.get("reportId") or ""),
			report_type=str(data.get("reportType") or ""),
			status=str(data.get("processingStatus") or ""),
			document_id=data.get("reportDocumentId"),
			data_start=parse_datetime(data.get("dataStartTime")),
			data_end=parse_datetime(data.get("dataEndTime")),
			created=parse_datetime(data.get("createdTime")),
			processing_start=parse_datetime(data.get("processingStartTime")),
			processing_end=parse_datetime(data.get("processingEndTime")),
			marketplace_ids=tuple(str(m) for m in _list(data.get("marketplaceIds"))),
			schedule_id=data.get("reportScheduleId"),
		)


# --- finances (v0) ----------------------------------------------------------------------------------------


def _currency_amount(value: Any) -> tuple[Decimal, str | None] | None:
	"""Finances Currency {"CurrencyCode": "USD", "CurrencyAmount": 1.23} -> (Decimal, code)."""
	if not isinstance(value, Mapping) or "CurrencyAmount" not in value:
		return None
	amount = to_decimal(value.get("CurrencyAmount"))
	if amount is None:
		return None
	return amount, value.get("CurrencyCode")


@dataclass(frozen=True)
class Charge:
	"""A signed amount with its Amazon type: a charge (Principal, Tax, ShippingCharge...), a fee (Commission,
	FBAPerUnitFulfillmentFee...), a withheld tax (MarketplaceFacilitatorTax-Principal...) or a promotion."""

	type: str
	amount: Decimal
	currency: str | None = None


def _charges(entries: Any, type_key: str, amount_key: str) -> tuple[Charge, ...]:
	result = []
	for entry in _list(entries):
		if not isinstance(entry, Mapping):
			continue
		parsed = _currency_amount(entry.get(amount_key))
		if parsed is not None:
			result.append(Charge(str(entry.get(type_key) or ""), parsed[0], parsed[1]))
	return tuple(result)


@dataclass(frozen=True)
class FinancialEventGroup:
	group_id: str
	processing_status: str | None  # Open | Closed
	fund_transfer_status: str | None
	start: datetime | None
	end: datetime | None
	original_total: Decimal | None
	currency: str | None
	converted_total: Decimal | None = None
	converted_currency: str | None = None
	beginning_balance: Decimal | None = None
	fund_transfer_date: datetime | None = None
	trace_id: str | None = None
	account_tail: str | None = None

	@property
	def is_closed(self) -> bool:
		return self.processing_status == "Closed"

	@classmethod
	def from_api(cls, data: Mapping) -> FinancialEventGroup:
		original = _currency_amount(data.get("OriginalTotal"))
		converted = _currency_amount(data.get("ConvertedTotal"))
		beginning = _currency_amount(data.get("BeginningBalance"))
		return cls(
			group_id=str(data.get("FinancialEventGroupId") or ""),
			processing_status=data.get("ProcessingStatus"),
			fund_transfer_status=data.get("FundTransferStatus"),
			start=parse_datetime(data.get("FinancialEventGroupStart")),
			end=parse_datetime(data.get("FinancialEventGroupEnd")),
			original_total=original[0] if original else None,
			currency=original[1] if original else None,
			converted_total=converted[0] if converted else None,
			converted_currency=converted[1] if converted else None,
			beginning_balance=beginning[0] if beginning else None,
			fund_transfer_date=parse_datetime(data.get("FundTransferDate")),
			trace_id=data.get("TraceId"),
			account_tail=data.get("AccountTail"),
		)


@dataclass(frozen=True)
class FinancialEventItem:
	"""A ShipmentItem (or its adjustment twin in refunds), or an AdjustmentItem."""

	sku: str | None
	order_item_id: str | None = None
	order_adjustment_item_id: str | None = None
	quantity: int | None = None
	charges: tuple[Charge, ...] = ()
	fees: tuple[Charge, ...] = ()
	taxes_withheld: tuple[Charge, ...] = ()  # collected and remitted by the marketplace facilitator
	tax_collection_model: str | None = None
	promotions: tuple[Charge, ...] = ()

	@classmethod
	def from_api(cls, data: Mapping) -> FinancialEventItem:
		withheld: list[Charge] = []
		models: list[str] = []
		for component in _list(data.get("ItemTaxWithheldList")):
			if isinstance(component, Mapping):
				if component.get("TaxCollectionModel"):
					models.append(str(component["TaxCollectionModel"]))
				withheld.extend(_charges(component.get("TaxesWithheld"), "ChargeType", "ChargeAmount"))
		charges = _charges(data.get("ItemChargeList"), "ChargeType", "ChargeAmount") + _charges(
			data.get("ItemChargeAdjustmentList"), "ChargeType", "ChargeAmount"
		)
		total = _currency_amount(data.get("TotalAmount"))  # AdjustmentItem
		if total is not None:
			charges += (Charge("TotalAmount", total[0], total[1]),)
		return cls(
			sku=data.get("SellerSKU"),
			order_item_id=data.get("OrderItemId"),
			order_adjustment_item_id=data.get("OrderAdjustmentItemId"),
			quantity=_int(data.get("QuantityShipped", data.get("Quantity"))),
			charges=charges,
			fees=_charges(data.get("ItemFeeList"), "FeeType", "FeeAmount")
			+ _charges(data.get("ItemFeeAdjustmentList"), "FeeType", "FeeAmount"),
			taxes_withheld=tuple(withheld),
			tax_collection_model=models[0] if models else None,
			promotions=_charges(data.get("PromotionList"), "PromotionType", "PromotionAmount")
			+ _charges(data.get("PromotionAdjustmentList"), "PromotionType", "PromotionAmount"),
		)


@dataclass(frozen=True)
class FinancialEvent:
	"""One financial event. kind is the event list's name without "EventList": Shipment, Refund,
	GuaranteeClaim, Chargeback, ServiceFee, Adjustment, Retrocharge, ProductAdsPayment, ...

	Shipment-like events carry items (with charges, fees, withheld taxes, promotions) plus order-level charges
	and fees. ServiceFee events carry fees (description = FeeReason/FeeDescription). Adjustment events carry
	amount and items. Any other kind exposes its top-level amounts as charges named after their field.
	"""

	kind: str
	posted: datetime | None
	order_id: str | None = None
	seller_order_id: str | None = None
	marketplace_name: str | None = None
	description: str | None = None
	sku: str | None = None
	amount: Decimal | None = None
	currency: str | None = None
	charges: tuple[Charge, ...] = ()
	fees: tuple[Charge, ...] = ()
	items: tuple[FinancialEventItem, ...] = ()

	@classmethod
	def from_api(cls, kind: str, data: Mapping) -> FinancialEvent:
		items = tuple(
			FinancialEventItem.from_api(i)
			for key in ("ShipmentItemList", "ShipmentItemAdjustmentList", "AdjustmentItemList")
			for i in _list(data.get(key))
			if isinstance(i, Mapping)
		)
		# Order-level lists by naming convention: *ChargeList / *ChargeAdjustmentList (OrderChargeList,
		# RentalChargeList, ...) and *FeeList / *FeeAdjustmentList (ShipmentFeeList, OrderFeeList, FeeList, ...).
		charges: tuple[Charge, ...] = ()
		fees: tuple[Charge, ...] = ()
		for key, value in data.items():
			if key.endswith(("ChargeList", "ChargeAdjustmentList")):
				charges += _charges(value, "ChargeType", "ChargeAmount")
			elif key.endswith(("FeeList", "FeeAdjustmentList")):
				fees += _charges(value, "FeeType", "FeeAmount")
		if isinstance(data.get("Charge"), Mapping):  # PayWithAmazon-style single charge
			charges += _charges([data["Charge"]], "ChargeType", "ChargeAmount")
		amount = currency = None
		adjustment = _currency_amount(data.get("AdjustmentAmount"))
		if adjustment is not None:
			amount, currency = adjustment
		known = {"AdjustmentAmount"}
		if not items and not charges and not fees and adjustment is None:
			# Generic kinds: every top-level Currency field becomes a named charge.
			for key, value in data.items():
				parsed = _currency_amount(value)
				if parsed is not None and key not in known:
					charges += (Charge(key, parsed[0], parsed[1]),)
			if len(charges) == 1:
				amount, currency = charges[0].amount, charges[0].currency
		description = None
		for key in ("FeeReason", "FeeDescription", "AdjustmentType", "transactionType", "eventType", "RetrochargeEventType", "DebtRecoveryType"):
			if data.get(key):
				description = str(data[key])
				break
		return cls(
			kind=kind,
			posted=parse_datetime(data.get("PostedDate") or data.get("postedDate")),
			order_id=data.get("AmazonOrderId"),
			seller_order_id=data.get("SellerOrderId"),
			marketplace_name=data.get("MarketplaceName"),
			description=description,
			sku=data.get("SellerSKU"),
			amount=amount,
			currency=currency or next((c.currency for c in charges + fees if c.currency), None),
			charges=charges,
			fees=fees,
			items=items,
		)


def parse_financial_events(events: Mapping) -> list[FinancialEvent]:
	"""FinancialEvents payload (one page) -> events in Amazon's list order, list by list."""
	result: list[FinancialEvent] = []
	for list_name, entries in events.items():
		if not list_name.endswith("EventList"):
			continue
		kind = list_name[: -len("EventList")]
		result.extend(FinancialEvent.from_api(kind, e) for e in _list(entries) if isinstance(e, Mapping))
	return result


# --- FBA inventory ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InventorySummary:
	"""FBA inventory of one SKU in one marketplace (getInventorySummaries with details=true)."""

	sku: str
	asin: str | None
	fnsku: str | None
	condition: str | None = None
	product_name: str | None = None
	fulfillable: int = 0
	inbound_working: int = 0
	inbound_shipped: int = 0
	inbound_receiving: int = 0
	reserved: int = 0
	researching: int = 0
	unfulfillable: int = 0
	total: int = 0
	last_updated: datetime | None = None

	@property
	def inbound(self) -> int:
		return self.inbound_working + self.inbound_shipped + self.inbound_receiving

	@classmethod
	def from_api(cls, data: Mapping) -> InventorySummary:
		details = _dict(data.get("inventoryDetails"))
		return cls(
			sku=str(data.get("sellerSku") or ""),
			asin=data.get("asin"),
			fnsku=data.get("fnSku"),
			condition=data.get("condition"),
			product_name=data.get("productName"),
			fulfillable=_int(details.get("fulfillableQuantity")) or 0,
			inbound_working=_int(details.get("inboundWorkingQuantity")) or 0,
			inbound_shipped=_int(details.get("inboundShippedQuantity")) or 0,
			inbound_receiving=_int(details.get("inboundReceivingQuantity")) or 0,
			reserved=_int(_dict(details.get("reservedQuantity")).get("totalReservedQuantity")) or 0,
			researching=_int(_dict(details.get("researchingQuantity")).get("totalResearchingQuantity")) or 0,
			unfulfillable=_int(_dict(details.get("unfulfillableQuantity")).get("totalUnfulfillableQuantity")) or 0,
			total=_int(data.get("totalQuantity")) or 0,
			last_updated=parse_datetime(data.get("lastUpdatedTime")),
		)


# --- connection check -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionCheck:
	"""Result of AmazonClient.check_connection(): credentials accepted and the SP-API endpoint answering."""

	ok: bool
	seller_id: str
	marketplace_ids: tuple[str, ...]
	endpoint: str
	request_id: str | None = None
	message: str = ""
	no_answer: bool = False  # nothing answered (connection not opened, or no answer in time): not a refusal


def chunked(values: Iterable[str], size: int) -> Iterable[list[str]]:
	chunk: list[str] = []
	for value in values:
		chunk.append(value)
		if len(chunk) == size:
			yield chunk
			chunk = []
	if chunk:
		yield chunk
