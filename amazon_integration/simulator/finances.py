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

Finances 2024-06-19 listTransactions renders the same events as transactions (`transaction_json`): Shipment /
Refund with one item per order line (ProductContext sku, quantity, fulfilment network) whose breakdowns group
the amounts as ProductCharges (OurPricePrincipal, OurPriceTax, ShippingCharge, ...), AmazonFees (Commission,
FBAPerUnitFulfillmentFee, ...), PromotionDiscounts and TaxWithheld; ServiceFee (storage, subscription) and
Adjustment (FBA inventory reimbursement) with breakdowns on the transaction. Related identifiers: ORDER_ID,
SHIPMENT_ID, FINANCIAL_EVENT_GROUP_ID (the settlement). postedAfter is required unless a related identifier
(ORDER_ID or FINANCIAL_EVENT_GROUP_ID) is given; amounts are camelCase Currency objects.
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
	state: SimulatorState,
	req: Request,
	key: tuple[Any, ...],
	items: list[int],
	page_size: int,
	token_param: str = "NextToken",
) -> tuple[list[int], str | None]:
	"""Paging over positions in a snapshot; the token is only valid with the same arguments."""
	tokens = _tokens(state)
	token = req.param(token_param)
	if token:
		stored = tokens.pop(token, None)
		if stored is None or stored[0] != key:
			raise ApiError(400, "InvalidInput", f"Invalid {token_param}: it is unknown or the arguments changed.")
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


# -- Finances 2024-06-19: listTransactions --------------------------------------------------------------

TRANSACTIONS_PAGE = 100
ITEM_PRICE_TYPES = {
	"Principal": "OurPricePrincipal",
	"Tax": "OurPriceTax",
	"Shipping": "ShippingCharge",
	"ShippingTax": "ShippingTax",
	"GiftWrap": "GiftWrap",
	"GiftWrapTax": "GiftWrapTax",
}
GROUP_OF_AMOUNT_TYPE = {
	"ItemPrice": "ProductCharges",
	"ItemFees": "AmazonFees",
	"Promotion": "PromotionDiscounts",
	"ItemWithheldTax": "TaxWithheld",
}


def money(amount: Decimal, currency: str) -> dict[str, Any]:
	"""2024-06-19 Currency: camelCase, the amount a JSON number."""
	return {"currencyCode": currency, "currencyAmount": float(q(amount, currency))}


def _breakdown(name: str, amount: Decimal, currency: str, children: list[dict[str, Any]]) -> dict[str, Any]:
	return {"breakdownType": name, "breakdownAmount": money(amount, currency), "breakdowns": children}


def _grouped(amounts: list[Amount], currency: str) -> list[dict[str, Any]]:
	"""Amounts grouped as Amazon's breakdowns: group -> named amounts (same names summed)."""
	groups: dict[str, dict[str, Decimal]] = {}
	for amount in amounts:
		group = GROUP_OF_AMOUNT_TYPE.get(amount.amount_type, "Expenses")
		name = ITEM_PRICE_TYPES.get(amount.description, amount.description) if amount.amount_type == "ItemPrice" else amount.description
		named = groups.setdefault(group, {})
		named[name] = named.get(name, ZERO) + amount.amount
	return [
		_breakdown(
			group,
			sum(named.values(), ZERO),
			currency,
			[_breakdown(name, value, currency, []) for name, value in named.items()],
		)
		for group, named in groups.items()
	]


def transaction_json(state: SimulatorState, index: int, event: FinancialEvent) -> dict[str, Any]:
	currency = event.currency
	related = []
	if event.order_id:
		related.append({"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": event.order_id})
	if event.shipment_id:
		related.append({"relatedIdentifierName": "SHIPMENT_ID", "relatedIdentifierValue": event.shipment_id})
	if event.settlement_id:
		related.append(
			{"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID", "relatedIdentifierValue": event.settlement_id}
		)
	body: dict[str, Any] = {
		"sellingPartnerMetadata": {
			"sellingPartnerId": state.seller_id,
			"accountType": "Standard Orders",
			"marketplaceId": event.marketplace_id,
		},
		"relatedIdentifiers": related,
		"transactionId": f"SIMTX-{event.settlement_id or 'OPEN'}-{index:07d}",
		"transactionStatus": "RELEASED",
		"postedDate": finance_date(event.posted),
		"totalAmount": money(event.total, currency),
		"marketplaceDetails": {"marketplaceId": event.marketplace_id, "marketplaceName": event.marketplace_name},
		"items": [],
		"contexts": [],
		"breakdowns": [],
	}
	if event.transaction_type in ("Order", "Refund"):
		refund = event.transaction_type == "Refund"
		body["transactionType"] = "Refund" if refund else "Shipment"
		body["description"] = "Refund Order" if refund else "Order Payment"
		every: list[Amount] = []
		for item in event.items:
			item_body: dict[str, Any] = {
				"description": item.sku,
				"totalAmount": money(sum((a.amount for a in item.amounts), ZERO), currency),
				"relatedIdentifiers": [],
				"breakdowns": _grouped(item.amounts, currency),
				"contexts": [
					{
						"contextType": "ProductContext",
						"sku": item.sku,
						"quantityShipped": item.quantity,
						"fulfillmentNetwork": event.fulfillment_id or "MFN",
					}
				],
			}
			if refund and item.adjustment_item_id:
				item_body["relatedIdentifiers"].append(
					{
						"itemRelatedIdentifierName": "ORDER_ADJUSTMENT_ITEM_ID",
						"itemRelatedIdentifierValue": item.adjustment_item_id,
					}
				)
			body["items"].append(item_body)
			every.extend(item.amounts)
		body["breakdowns"] = _grouped(every, currency)
		return body
	total = sum((amount.amount for amount in event.other), ZERO)
	if event.fee_type == "FBAInventoryReimbursement":
		body["transactionType"] = "Adjustment"
		body["description"] = "FBAInventoryReimbursement"
		body["breakdowns"] = [
			_breakdown(
				"FBAInventoryReimbursement",
				total,
				currency,
				[_breakdown(amount.description, amount.amount, currency, []) for amount in event.other],
			)
		]
		if event.sku:
			body["items"].append(
				{
					"description": event.sku,
					"totalAmount": money(total, currency),
					"contexts": [{"contextType": "ProductContext", "sku": event.sku, "quantityShipped": event.quantity or 0}],
				}
			)
		return body
	body["transactionType"] = "ServiceFee"
	body["description"] = event.other[0].description if event.other else (event.fee_type or "")
	body["breakdowns"] = [
		_breakdown(
			"Expenses",
			total,
			currency,
			[_breakdown(amount.description, amount.amount, currency, []) for amount in event.other],
		)
	]
	return body


def _transactions_answer(state: SimulatorState, req: Request) -> Response:
	now = state.clock.now()
	latest = now - TWO_MINUTES
	raw_after, raw_before = req.param("postedAfter"), req.param("postedBefore")
	name, value = req.param("relatedIdentifierName"), req.param("relatedIdentifierValue")
	if name and name not in ("ORDER_ID", "FINANCIAL_EVENT_GROUP_ID"):
		raise ApiError(400, "InvalidInput", "relatedIdentifierName must be ORDER_ID or FINANCIAL_EVENT_GROUP_ID.")
	if name and not value:
		raise ApiError(400, "InvalidInput", "relatedIdentifierValue is required with relatedIdentifierName.")
	if not raw_after and not name:
		raise ApiError(400, "InvalidInput", "postedAfter is required unless a related identifier is given.")
	after = parse_iso(raw_after, "postedAfter") if raw_after else None
	before = parse_iso(raw_before, "postedBefore") if raw_before else latest
	if after is not None and after > latest:
		raise ApiError(400, "InvalidInput", "postedAfter must be more than two minutes before the request time.")
	if before > latest:
		raise ApiError(400, "InvalidInput", "postedBefore must be more than two minutes before the request time.")
	if after is not None and before <= after:
		raise ApiError(400, "InvalidInput", "postedBefore must be later than postedAfter.")
	marketplace = req.param("marketplaceId")
	status = req.param("transactionStatus")
	book = settlements.sync(state)
	if after is not None and before - after > MAX_SPAN or (status and status != "RELEASED"):
		positions: list[int] = []
	else:
		positions = [
			index
			for index, event in _by_posted(book)
			if (after is None or event.posted >= after)
			and event.posted < before
			and (not marketplace or event.marketplace_id == marketplace)
			and (
				not name
				or (name == "ORDER_ID" and event.order_id == value)
				or (name == "FINANCIAL_EVENT_GROUP_ID" and event.settlement_id == value)
			)
		]
	key = _key(
		req,
		"postedAfter",
		"postedBefore",
		"marketplaceId",
		"transactionStatus",
		"relatedIdentifierName",
		"relatedIdentifierValue",
	)
	page, token = _page(state, req, key, positions, TRANSACTIONS_PAGE, token_param="nextToken")
	payload: dict[str, Any] = {"transactions": [transaction_json(state, i, book.events[i]) for i in page]}
	if token:
		payload["nextToken"] = token
	return Response(status=200, body={"payload": payload})


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


	@router.route("GET", "/finances/2024-06-19/transactions", operation="listTransactions")
	def list_transactions(req: Request) -> Response:
		with state.lock:
			return _transactions_answer(state, req)


def _by_posted(book: Ledger) -> list[tuple[int, FinancialEvent]]:
	return sorted(enumerate(book.events), key=lambda pair: (pair[1].posted, pair[0]))


__all__ = ["Amount", "currency_amount", "event_json", "events_payload", "group_json", "register", "transaction_json"]
