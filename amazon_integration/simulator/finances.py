"""Finances API v0: listFinancialEventGroups, listFinancialEvents, listFinancialEventsByGroupId,
listFinancialEventsByOrderId, rendered from the settlement ledger (settlements.py), so every amount equals the
matching V2 settlement line.

Mapping (settlement amount-type/description -> Finances):
  ItemPrice Principal/Tax/Shipping/ShippingTax/GiftWrap/GiftWrapTax -> ItemChargeList ChargeType
      Principal/Tax/ShippingCharge/ShippingTax/GiftWrap/GiftWrapTax (refunds: ItemChargeAdjustmentList)
  ItemFees X -> ItemFeeList FeeType X (refunds: ItemFeeAdjustmentList)
  Promotion Principal/Shipping -> PromotionList (refunds: PromotionAdjustmentList)
  ItemWithheldTax X -> ItemTaxWithheldList [{TaxCollectionModel MarketplaceFacilitator, TaxesWithheld [X]}]
  other-transaction -> ServiceFeeEventList [{FeeDescription, FeeList [{FeeType, FeeAmount}]}]
Amounts are JSON numbers (BigDecimal in the model), dates "2024-01-02T03:04:05Z".

Rules kept from Amazon: PostedAfter/PostedBefore and the group start filters must be more than two minutes
before the (simulated) request time (400 InvalidInput otherwise); PostedBefore defaults to two minutes ago and
requires PostedAfter; more than 180 days apart -> empty answer; NextToken must come with the same arguments.
Groups are listed newest first; the open group (ProcessingStatus Open) carries the running total.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from . import settlements
from .documents import attach, new_uuid, parse_iso
from .http import ApiError, Request, Response, Router
from .money import ZERO, q
from .settlements import Amount, FinancialEvent, Ledger, Settlement
from .state import SimulatorState

TWO_MINUTES = timedelta(minutes=2)
MAX_SPAN = timedelta(days=180)
CHARGE_TYPES = {
	"Principal": "Principal",
	"Tax": "Tax",
	"Shipping": "ShippingCharge",
	"ShippingTax": "ShippingTax",
	"GiftWrap": "GiftWrap",
	"GiftWrapTax": "GiftWrapTax",
}
ACCOUNT_TAIL = "123"


def finance_date(moment: datetime) -> str:
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def currency_amount(amount: Decimal, currency: str) -> dict[str, Any]:
	# The model's BigDecimal is a JSON number; a 2-decimal Decimal converts to the float that prints the same.
	return {"CurrencyCode": currency, "CurrencyAmount": float(q(amount, currency))}


# -- rendering ------------------------------------------------------------------------------------------


def _item_json(event: FinancialEvent, item: settlements.EventItem, refund: bool) -> dict[str, Any]:
	currency = event.currency
	charges: list[dict[str, Any]] = []
	fees: list[dict[str, Any]] = []
	promotions: list[dict[str, Any]] = []
	withheld: list[dict[str, Any]] = []
	for amount in item.amounts:
		money = currency_amount(amount.amount, currency)
		if amount.amount_type == "ItemPrice":
			charges.append(
				{
					"ChargeType": CHARGE_TYPES.get(amount.description, amount.description),
					"ChargeAmount": money,
				}
			)
		elif amount.amount_type == "ItemFees":
			fees.append({"FeeType": amount.description, "FeeAmount": money})
		elif amount.amount_type == "Promotion":
			promotion: dict[str, Any] = {
				"PromotionType": "PromotionMetaDataDefinitionValue",
				"PromotionAmount": money,
			}
			if amount.promotion_id:
				promotion["PromotionId"] = amount.promotion_id
			promotions.append(promotion)
		elif amount.amount_type == "ItemWithheldTax":
			withheld.append({"ChargeType": amount.description, "ChargeAmount": money})
	body: dict[str, Any] = {
		"SellerSKU": item.sku,
		"OrderItemId": item.order_item_id,
		"QuantityShipped": item.quantity,
	}
	if refund:
		body["OrderAdjustmentItemId"] = item.adjustment_item_id or ""
		body["ItemChargeAdjustmentList"] = charges
		body["ItemFeeAdjustmentList"] = fees
		body["PromotionAdjustmentList"] = promotions
	else:
		body["ItemChargeList"] = charges
		body["ItemFeeList"] = fees
		body["PromotionList"] = promotions
	if withheld:
		body["ItemTaxWithheldList"] = [
			{"TaxCollectionModel": "MarketplaceFacilitator", "TaxesWithheld": withheld}
		]
	return body


def event_json(event: FinancialEvent) -> tuple[str, dict[str, Any]]:
	"""(list name in FinancialEvents, the event object)."""
	if event.fee_type == "FBAInventoryReimbursement":  # aftersale.py: Amazon pays for units it lost or damaged
		total = sum((amount.amount for amount in event.other), Decimal(0))
		body = {
			"AdjustmentType": "FBAInventoryReimbursement",
			"PostedDate": finance_date(event.posted),
			"AdjustmentAmount": currency_amount(total, event.currency),
		}
		if event.sku and event.quantity:
			body["AdjustmentItemList"] = [
				{
					"Quantity": str(event.quantity),
					"PerUnitAmount": currency_amount(total / event.quantity, event.currency),
					"TotalAmount": currency_amount(total, event.currency),
					"SellerSKU": event.sku,
				}
			]
		return "AdjustmentEventList", body
	if event.transaction_type == "other-transaction" or not event.items:  # ServiceFee, Adjustment, ...
		fee_list = [
			{
				"FeeType": event.fee_type or amount.description,
				"FeeAmount": currency_amount(amount.amount, event.currency),
			}
			for amount in event.other
		]
		description = event.other[0].description if event.other else ""
		return "ServiceFeeEventList", {"FeeList": fee_list, "FeeDescription": description}
	refund = event.transaction_type == "Refund"
	body: dict[str, Any] = {
		"AmazonOrderId": event.order_id,
		"MarketplaceName": event.marketplace_name,
		"PostedDate": finance_date(event.posted),
	}
	items = [_item_json(event, item, refund) for item in event.items]
	if refund:
		body["ShipmentItemAdjustmentList"] = items
		return "RefundEventList", body
	body["ShipmentItemList"] = items
	return "ShipmentEventList", body


EMPTY_LISTS = (
	"ShipmentEventList",
	"ShipmentSettleEventList",
	"RefundEventList",
	"GuaranteeClaimEventList",
	"ChargebackEventList",
	"ServiceFeeEventList",
	"AdjustmentEventList",
	"RetrochargeEventList",
	"ProductAdsPaymentEventList",
	"ServiceProviderCreditEventList",
)


def events_payload(events: list[FinancialEvent]) -> dict[str, Any]:
	lists: dict[str, list[Any]] = {name: [] for name in EMPTY_LISTS}
	for event in events:
		name, body = event_json(event)
		lists.setdefault(name, []).append(body)
	return lists


def group_json(settlement: Settlement, now: datetime) -> dict[str, Any]:
	currency = settlement.currency
	body: dict[str, Any] = {
		"FinancialEventGroupId": settlement.settlement_id,
		"ProcessingStatus": "Open" if settlement.is_open else "Closed",
		"OriginalTotal": currency_amount(settlement.total, currency),
		"BeginningBalance": currency_amount(ZERO, currency),
		"FinancialEventGroupStart": finance_date(settlement.start),
	}
	if not settlement.is_open:
		assert settlement.end is not None and settlement.deposit_date is not None
		body["FinancialEventGroupEnd"] = finance_date(settlement.end)
		body["ConvertedTotal"] = currency_amount(settlement.total, currency)
		body["FundTransferStatus"] = "Succeeded" if settlement.deposit_date <= now else "Initiated"
		body["FundTransferDate"] = finance_date(settlement.deposit_date)
		body["TraceId"] = settlement.trace_id
		body["AccountTail"] = ACCOUNT_TAIL
	return body


# -- query handling -------------------------------------------------------------------------------------


def _tokens(state: SimulatorState) -> dict[str, tuple[tuple[Any, ...], list[int]]]:
	return attach(state, "docs.finance_tokens", dict)


def _max_results(req: Request, default: int) -> int:
	raw = req.param("MaxResultsPerPage")
	try:
		value = int(raw) if raw is not None else default
	except ValueError:
		raise ApiError(
			400, "InvalidInput", "MaxResultsPerPage must be an integer between 1 and 100."
		) from None
	if not 1 <= value <= 100:
		raise ApiError(400, "InvalidInput", "MaxResultsPerPage must be an integer between 1 and 100.")
	return value


def _posted_range(req: Request, now: datetime) -> tuple[datetime | None, datetime]:
	latest = now - TWO_MINUTES
	raw_after = req.param("PostedAfter")
	raw_before = req.param("PostedBefore")
	after = parse_iso(raw_after, "PostedAfter") if raw_after else None
	if raw_before and after is None:
		raise ApiError(400, "InvalidInput", "PostedAfter is required when PostedBefore is given.")
	before = parse_iso(raw_before, "PostedBefore") if raw_before else latest
	if after is not None and after > latest:
		raise ApiError(
			400, "InvalidInput", "PostedAfter must be more than two minutes before the request time."
		)
	if before > latest:
		raise ApiError(
			400, "InvalidInput", "PostedBefore must be more than two minutes before the request time."
		)
	if after is not None and before <= after:
		raise ApiError(400, "InvalidInput", "PostedBefore must be later than PostedAfter.")
	return after, before


def _page(
	state: SimulatorState, req: Request, key: tuple[Any, ...], items: list[int], page_size: int
) -> tuple[list[int], str | None]:
	"""Paging over positions in a snapshot; the token is only valid with the same arguments."""
	tokens = _tokens(state)
	token = req.param("NextToken")
	if token:
		stored = tokens.pop(token, None)
		if stored is None or stored[0] != key:
			raise ApiError(400, "InvalidInput", "Invalid NextToken: it is unknown or the arguments changed.")
		items = stored[1]
	page, rest = items[:page_size], items[page_size:]
	next_token = None
	if rest:
		next_token = new_uuid(state)
		tokens[next_token] = (key, rest)
	return page, next_token


def _events_answer(
	state: SimulatorState, req: Request, book: Ledger, key: tuple[Any, ...], positions: list[int]
) -> Response:
	page, token = _page(state, req, key, positions, _max_results(req, 100))
	payload: dict[str, Any] = {"FinancialEvents": events_payload([book.events[i] for i in page])}
	if token:
		payload["NextToken"] = token
	return Response(status=200, body={"payload": payload})


def _key(req: Request, *names: str) -> tuple[Any, ...]:
	return tuple(req.param(name) for name in names) + (req.path,)


def register(router: Router, state: SimulatorState) -> None:
	settlements.register(router, state)  # the settlement control routes ride along (server lists finances)

	@router.route("GET", "/finances/v0/financialEventGroups", operation="listFinancialEventGroups")
	def list_groups(req: Request) -> Response:
		with state.lock:
			book = settlements.sync(state)
			now = state.clock.now()
			latest = now - TWO_MINUTES
			raw_after = req.param("FinancialEventGroupStartedAfter")
			raw_before = req.param("FinancialEventGroupStartedBefore")
			after = parse_iso(raw_after, "FinancialEventGroupStartedAfter") if raw_after else None
			before = parse_iso(raw_before, "FinancialEventGroupStartedBefore") if raw_before else None
			if after is not None and after > latest:
				raise ApiError(
					400,
					"InvalidInput",
					"FinancialEventGroupStartedAfter must be more than two minutes before the request.",
				)
			if before is not None and (before > latest or (after is not None and before <= after)):
				raise ApiError(
					400,
					"InvalidInput",
					"FinancialEventGroupStartedBefore must be after FinancialEventGroupStartedAfter and more than two "
					"minutes before the request.",
				)
			page_size = _max_results(req, 10)
			if after is not None and before is not None and before - after > MAX_SPAN:
				matching: list[int] = []
			else:
				matching = [
					index
					for index, settlement in sorted(
						enumerate(book.settlements),
						key=lambda pair: (pair[1].start, pair[1].currency),
						reverse=True,
					)
					if (after is None or settlement.start >= after)
					and (before is None or settlement.start < before)
				]
			page, token = _page(
				state,
				req,
				_key(
					req,
					"FinancialEventGroupStartedAfter",
					"FinancialEventGroupStartedBefore",
					"MaxResultsPerPage",
				),
				matching,
				page_size,
			)
			payload: dict[str, Any] = {
				"FinancialEventGroupList": [group_json(book.settlements[i], now) for i in page]
			}
		if token:
			payload["NextToken"] = token
		return Response(status=200, body={"payload": payload})

	@router.route("GET", "/finances/v0/financialEvents", operation="listFinancialEvents")
	def list_events(req: Request) -> Response:
		with state.lock:
			book = settlements.sync(state)
			after, before = _posted_range(req, state.clock.now())
			if after is not None and before - after > MAX_SPAN:
				positions: list[int] = []
			else:
				positions = [
					index
					for index, event in _by_posted(book)
					if (after is None or event.posted >= after) and event.posted < before
				]
			return _events_answer(
				state, req, book, _key(req, "PostedAfter", "PostedBefore", "MaxResultsPerPage"), positions
			)

	@router.route(
		"GET",
		"/finances/v0/financialEventGroups/{eventGroupId}/financialEvents",
		operation="listFinancialEventsByGroupId",
	)
	def list_events_by_group(req: Request) -> Response:
		group_id = req.path_args["eventGroupId"]
		with state.lock:
			book = settlements.sync(state)
			if not any(settlement.settlement_id == group_id for settlement in book.settlements):
				raise ApiError(404, "NotFound", f"Financial event group {group_id} was not found.")
			after, before = _posted_range(req, state.clock.now())
			positions = [
				index
				for index, event in _by_posted(book)
				if event.settlement_id == group_id
				and (after is None or event.posted >= after)
				and event.posted < before
			]
			return _events_answer(
				state, req, book, _key(req, "PostedAfter", "PostedBefore", "MaxResultsPerPage"), positions
			)

	@router.route(
		"GET", "/finances/v0/orders/{orderId}/financialEvents", operation="listFinancialEventsByOrderId"
	)
	def list_events_by_order(req: Request) -> Response:
		order_id = req.path_args["orderId"]
		with state.lock:
			book = settlements.sync(state)
			positions = [index for index, event in _by_posted(book) if event.order_id == order_id]
			return _events_answer(state, req, book, _key(req, "MaxResultsPerPage"), positions)


def _by_posted(book: Ledger) -> list[tuple[int, FinancialEvent]]:
	return sorted(enumerate(book.events), key=lambda pair: (pair[1].posted, pair[0]))


__all__ = ["Amount", "currency_amount", "event_json", "events_payload", "group_json", "register"]
