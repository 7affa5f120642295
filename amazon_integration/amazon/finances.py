"""Finances API v0: financial event groups (settlements) and financial events, amounts as signed Decimals; and
Finances 2024-06-19 `listTransactions`: what Amazon has posted (an order's fees before its settlement closes),
each transaction's money as a tree of breakdowns (domain/expected_fees.py reads them as fee categories)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from .core import ClientCore
from .spapi import FinancesApi, TransactionsApi
from .values import as_list, aware, format_datetime, parse_datetime, to_decimal, to_int


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
	for entry in as_list(entries):
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
		for component in as_list(data.get("ItemTaxWithheldList")):
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
			quantity=to_int(data.get("QuantityShipped", data.get("Quantity"))),
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
			for i in as_list(data.get(key))
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
		result.extend(FinancialEvent.from_api(kind, e) for e in as_list(entries) if isinstance(e, Mapping))
	return result


# -- Finances 2024-06-19 ----------------------------------------------------------------------------------


def _money(value: Any) -> tuple[Decimal | None, str | None]:
	"""2024-06-19 Currency {"currencyCode": "EUR", "currencyAmount": 1.23} -> (Decimal, code)."""
	if not isinstance(value, Mapping):
		return None, None
	return to_decimal(value.get("currencyAmount")), value.get("currencyCode")


@dataclass(frozen=True)
class Breakdown:
	"""A breakdown of a transaction's (or item's) amount: its type, amount and the breakdowns it sums."""

	type: str
	amount: Decimal | None
	currency: str | None = None
	children: tuple[Breakdown, ...] = ()

	@classmethod
	def from_api(cls, data: Mapping) -> Breakdown:
		amount, currency = _money(data.get("breakdownAmount"))
		return cls(
			type=str(data.get("breakdownType") or ""),
			amount=amount,
			currency=currency,
			children=_breakdowns(data.get("breakdowns")),
		)


def _breakdowns(value: Any) -> tuple[Breakdown, ...]:
	# The model's example (and some answers) wrap the list as {"breakdowns": [...]}: read both shapes.
	if isinstance(value, Mapping):
		value = value.get("breakdowns")
	return tuple(Breakdown.from_api(entry) for entry in as_list(value) if isinstance(entry, Mapping))


def _identifiers(value: Any, name_key: str, value_key: str) -> dict[str, str]:
	found: dict[str, str] = {}
	for entry in as_list(value):
		if isinstance(entry, Mapping) and entry.get(name_key) and entry.get(value_key) is not None:
			found.setdefault(str(entry[name_key]), str(entry[value_key]))
	return found


@dataclass(frozen=True)
class TransactionItem:
	description: str | None
	total: Decimal | None
	sku: str | None = None
	asin: str | None = None
	quantity: int | None = None
	fulfillment_network: str | None = None
	related: Mapping[str, str] | None = None  # ORDER_ADJUSTMENT_ITEM_ID, COUPON_ID, ...
	breakdowns: tuple[Breakdown, ...] = ()

	@classmethod
	def from_api(cls, data: Mapping) -> TransactionItem:
		product: Mapping = {}
		for context in as_list(data.get("contexts")):
			if isinstance(context, Mapping) and (context.get("contextType") == "ProductContext" or "sku" in context):
				product = context
				break
		return cls(
			description=data.get("description"),
			total=_money(data.get("totalAmount"))[0],
			sku=product.get("sku"),
			asin=product.get("asin"),
			quantity=to_int(product.get("quantityShipped")),
			fulfillment_network=product.get("fulfillmentNetwork"),
			related=_identifiers(data.get("relatedIdentifiers"), "itemRelatedIdentifierName", "itemRelatedIdentifierValue"),
			breakdowns=_breakdowns(data.get("breakdowns")),
		)


@dataclass(frozen=True)
class Transaction:
	"""One 2024-06-19 transaction (Shipment, Refund, ServiceFee, Adjustment, ...)."""

	transaction_id: str
	transaction_type: str
	status: str | None  # DEFERRED | RELEASED | DEFERRED_RELEASED
	description: str | None
	posted: datetime | None
	total: Decimal | None
	currency: str | None
	marketplace_id: str | None = None
	marketplace_name: str | None = None
	related: Mapping[str, str] | None = None  # ORDER_ID, SHIPMENT_ID, FINANCIAL_EVENT_GROUP_ID, ...
	items: tuple[TransactionItem, ...] = ()
	breakdowns: tuple[Breakdown, ...] = ()

	@property
	def order_id(self) -> str | None:
		return (self.related or {}).get("ORDER_ID")

	@property
	def group_id(self) -> str | None:
		return (self.related or {}).get("FINANCIAL_EVENT_GROUP_ID")

	@classmethod
	def from_api(cls, data: Mapping) -> Transaction:
		total, currency = _money(data.get("totalAmount"))
		marketplace = data.get("marketplaceDetails") if isinstance(data.get("marketplaceDetails"), Mapping) else {}
		metadata = data.get("sellingPartnerMetadata") if isinstance(data.get("sellingPartnerMetadata"), Mapping) else {}
		return cls(
			transaction_id=str(data.get("transactionId") or ""),
			transaction_type=str(data.get("transactionType") or ""),
			status=data.get("transactionStatus"),
			description=data.get("description"),
			posted=parse_datetime(data.get("postedDate")),
			total=total,
			currency=currency,
			marketplace_id=marketplace.get("marketplaceId") or metadata.get("marketplaceId"),
			marketplace_name=marketplace.get("marketplaceName"),
			related=_identifiers(data.get("relatedIdentifiers"), "relatedIdentifierName", "relatedIdentifierValue"),
			items=tuple(TransactionItem.from_api(item) for item in as_list(data.get("items")) if isinstance(item, Mapping)),
			breakdowns=_breakdowns(data.get("breakdowns")),
		)


class FinancesClient(ClientCore):
	"""listFinancialEventGroups and the listFinancialEvents operations (by group, by order, by posted window);
	listTransactions (2024-06-19)."""

	def list_financial_event_groups(
		self, started_after: datetime, started_before: datetime | None = None, *, page_size: int = 100
	) -> Iterator[FinancialEventGroup]:
		if aware(started_after) >= self._window_end(None):
			return  # Amazon wants the window to start more than two minutes ago: nothing to ask yet
		params: dict[str, Any] = {
			"FinancialEventGroupStartedAfter": format_datetime(started_after),
			"MaxResultsPerPage": page_size,
		}
		if started_before is not None:
			params["FinancialEventGroupStartedBefore"] = format_datetime(self._window_end(started_before))
		api = self._api(FinancesApi)
		for payload in self._pages("listFinancialEventGroups", api.list_financial_event_groups, params, token_param="NextToken"):
			for raw in payload.get("FinancialEventGroupList") or []:
				yield FinancialEventGroup.from_api(raw)

	def list_financial_events(
		self,
		*,
		group_id: str | None = None,
		order_id: str | None = None,
		posted_after: datetime | None = None,
		posted_before: datetime | None = None,
		page_size: int = 100,
	) -> Iterator[FinancialEvent]:
		"""Financial events of a group (optionally narrowed by posted_after/before), of an order, or posted in a
		window. Amazon's 2-minute rule is applied to posted_before; a window starting later yields nothing."""
		if order_id is not None and (group_id is not None or posted_after is not None or posted_before is not None):
			raise ValueError("order_id cannot be combined with group_id or a posted window")
		if order_id is None and group_id is None and posted_after is None:
			raise ValueError("give group_id, order_id or posted_after")
		return self._financial_events(group_id, order_id, posted_after, posted_before, page_size)

	def _financial_events(
		self,
		group_id: str | None,
		order_id: str | None,
		posted_after: datetime | None,
		posted_before: datetime | None,
		page_size: int,
	) -> Iterator[FinancialEvent]:
		if posted_after is not None and aware(posted_after) >= self._window_end(None):
			return
		params: dict[str, Any] = {"MaxResultsPerPage": page_size}
		if posted_after is not None:
			params["PostedAfter"] = format_datetime(posted_after)
		if posted_before is not None:
			params["PostedBefore"] = format_datetime(self._window_end(posted_before))
		api = self._api(FinancesApi)
		if group_id is not None:
			operation, method, args = "listFinancialEventsByGroupId", api.list_financial_events_by_group_id, (group_id,)
		elif order_id is not None:
			operation, method, args = "listFinancialEventsByOrderId", api.get_financial_events_for_order, (order_id,)
		else:
			operation, method, args = "listFinancialEvents", api.list_financial_events, ()
		for payload in self._pages(operation, method, params, token_param="NextToken", path_args=args):
			yield from parse_financial_events(payload.get("FinancialEvents") or {})

	def list_transactions(
		self,
		*,
		posted_after: datetime | None = None,
		posted_before: datetime | None = None,
		order_id: str | None = None,
		group_id: str | None = None,
		marketplace_id: str | None = None,
		status: str | None = None,
	) -> Iterator[Transaction]:
		"""Transactions posted in a window, or of one order or financial event group (Amazon filters by one
		related identifier at a time). The 2-minute rule is applied to posted_before; a window starting later
		yields nothing."""
		if order_id is not None and group_id is not None:
			raise ValueError("give order_id or group_id, not both")
		if order_id is None and group_id is None and posted_after is None:
			raise ValueError("give posted_after, order_id or group_id")
		return self._transactions(posted_after, posted_before, order_id, group_id, marketplace_id, status)

	def _transactions(
		self,
		posted_after: datetime | None,
		posted_before: datetime | None,
		order_id: str | None,
		group_id: str | None,
		marketplace_id: str | None,
		status: str | None,
	) -> Iterator[Transaction]:
		if posted_after is not None and aware(posted_after) >= self._window_end(None):
			return
		params: dict[str, Any] = {}
		if posted_after is not None:
			params["postedAfter"] = format_datetime(posted_after)
		if posted_before is not None:
			params["postedBefore"] = format_datetime(self._window_end(posted_before))
		if order_id is not None:
			params.update(relatedIdentifierName="ORDER_ID", relatedIdentifierValue=order_id)
		elif group_id is not None:
			params.update(relatedIdentifierName="FINANCIAL_EVENT_GROUP_ID", relatedIdentifierValue=group_id)
		if marketplace_id:
			params["marketplaceId"] = marketplace_id
		if status:
			params["transactionStatus"] = status
		api = self._api(TransactionsApi)
		seen: set[str] = set()
		for payload in self._pages("listTransactions", api.list_transactions, params, token_param="nextToken"):
			for raw in as_list(payload.get("transactions")):
				if not isinstance(raw, Mapping):
					continue
				transaction = Transaction.from_api(raw)
				if transaction.transaction_id and transaction.transaction_id in seen:
					continue  # a page answered twice
				seen.add(transaction.transaction_id)
				yield transaction
