"""The money side: financial events, settlement periods, V2 settlement reports and payouts.

Amazon posts a financial event when an order ships (one ShipmentEvent per package: FBA shipped by Amazon or
FBM confirmed by the seller) and when the seller refunds (RefundEvent), plus service fees. Events collect in
the OPEN settlement of their currency ("one settlement per currency per period", so Amazon.de and Amazon.fr
share the EUR settlement). Every `period` (14 simulated days by default) the open settlement closes: Amazon
writes a GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2 report and pays out; the payout is the Finances API
FinancialEventGroup, whose FinancialEventGroupId is the settlement-id (a simulator simplification; on Amazon the
two ids differ) and whose OriginalTotal is the settlement's total-amount.

Everything is derived lazily from the orders on each read (sync(state), under state.lock): new packages become
ShipmentEvents dated at their ship date (clamped into the open period and never after now), overdue periods
close. At first use the ledger opens the current periods two days before the simulator's start (floored to
midnight UTC) and back-fills closed settlements for older shipments, so a fresh simulator already has history.

Amounts (all Decimal, quantized to the currency; deterministic from the seed and the order data):
  ItemPrice Principal/Shipping/GiftWrap/Tax/ShippingTax/GiftWrapTax    what the buyer paid, per shipped share
  Promotion Principal/Shipping                                          -discounts (with promotion-id)
  ItemWithheldTax MarketplaceFacilitatorTax-Principal/-Shipping/-Other  -taxes, when the marketplace withheld
  ItemFees Commission                -referral rate (8/12/15 % by SKU) x (price + shipping + gift wrap - promos)
  ItemFees FBAPerUnitFulfillmentFee  -per-unit fee by SKU (FBA only)
  ItemFees ShippingChargeback / GiftwrapChargeback   -shipping / gift wrap charged (FBA only)
  Multi-Channel fulfilment orders (outbound.py), per shipment Amazon shipped: an "Order" with order-id and
  merchant-order-id = the sellerFulfillmentOrderId, marketplace-name "Non-Amazon", fulfillment-id AFN, only
  ItemFees FBAPerUnitFulfillmentFee per line and FBAPerOrderFulfillmentFee once (the preview's estimate)
  Refunds: the same ItemPrice/Promotion/ItemWithheldTax amounts negated for the refunded share, Commission
  given back and ItemFees RefundCommission = -20 % of it (at most 5.00 in USD terms).
  other-transaction: "Subscription Fee" in every settlement; "Storage Fee" when the period had FBA sales;
  "Shipping label purchase" per Buy Shipping label bought in the period and not voided (shipping.py).
  Any other amount Amazon writes, posted on demand (POST /_sim/settlements/charges): `MONTH_CHARGES` is a
  month of them with Amazon's strings, one or more per fee category of domain/fees.py (long-term storage
  "StorageRenewalBilling", "FBAInboundTransportationFee", "RemovalComplete", "ServiceFee / Cost of
  Advertising / TransactionTotalAmount", "SAFE-T reimbursement", "Loan Servicing / LoanPayment", ...).
A period whose amounts add up to less than zero closes as the account's `negative_balance` says:
  "debit" (default): total-amount is negative; Amazon takes it from the seller's bank on the deposit date;
  "charge": Amazon charges the seller's card before closing: "other-transaction / Successful charge" +X,
            so total-amount is 0.00;
  "carry": the balance moves to the next period: "Current Reserve Amount" +X closes this one at 0.00, and
           the next one opens with "Previous Reserve Amount Balance" -X.
A shipment of k of n units carries round(total*(shipped so far)/n) - round(total*(before)/n) of each line
amount, so the parts always add up to the line exactly.

Control API (registered here): POST /_sim/settlements/close {"currency": optional} closes open periods now;
POST /_sim/settlements/config {"period_days": N, "negative_balance": "debit" | "charge" | "carry"} sets
the period and how a negative period closes; POST /_sim/settlements/charges {"currency": "EUR", "month": true,
"sku": "..."} posts MONTH_CHARGES now, or {"currency", "charges": [{"transactionType", "amountType",
"amountDescription", "amount", "orderId", "sku"}]} the charges given; GET /_sim/settlements lists them;
POST /_sim/orders/{orderId}/refund {"items": [{"orderItemId": "...", "quantity": 1}]} (no items = every
shipped, not yet refunded unit) posts a RefundEvent now.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from collections.abc import Callable
from typing import Any

from . import feeds, inbound, reports
from .documents import attach
from .flatfiles import SETTLEMENT_COLUMNS, write_tsv
from .http import ApiError, Request, Response, Router
from .ids import digest
from .money import ZERO, fmt, q
from .state import SimItem, SimOrder, SimulatorState

DEFAULT_PERIOD = timedelta(days=14)
DEPOSIT_DELAY = timedelta(days=1)

# Rough USD conversions for fees expressed in USD terms.
_FX = {
	"USD": Decimal("1"),
	"CAD": Decimal("1.36"),
	"GBP": Decimal("0.80"),
	"EUR": Decimal("0.93"),
	"JPY": Decimal("150"),
}
_SUBSCRIPTION_USD = Decimal("39.99")
_REFERRAL_RATES = (Decimal("0.08"), Decimal("0.12"), Decimal("0.15"))
_REFUND_ADMIN_RATE = Decimal("0.20")
_REFUND_ADMIN_CAP_USD = Decimal("5.00")
_STORAGE_PER_UNIT_USD = Decimal("0.05")
NEGATIVE_BALANCE = ("debit", "charge", "carry")

# A month of the other amounts Amazon writes, as its V2 settlement report spells them:
# (transaction-type, amount-type, amount-description, amount in USD terms, about a SKU).
MONTH_CHARGES: tuple[tuple[str, str, str, Decimal, bool], ...] = (
	("other-transaction", "other-transaction", "StorageRenewalBilling", Decimal("-12.40"), True),
	("other-transaction", "other-transaction", "AgedInventorySurcharge", Decimal("-3.10"), True),
	("other-transaction", "other-transaction", "FBAInboundTransportationFee", Decimal("-24.75"), False),
	("other-transaction", "other-transaction", "FBA Inbound Placement Service Fee", Decimal("-8.30"), False),
	("other-transaction", "other-transaction", "RemovalComplete", Decimal("-2.97"), True),
	("other-transaction", "other-transaction", "DisposalComplete", Decimal("-1.04"), True),
	("ServiceFee", "Cost of Advertising", "TransactionTotalAmount", Decimal("-85.20"), False),
	("other-transaction", "other-transaction", "Shipping label purchase", Decimal("-6.45"), False),
	("other-transaction", "other-transaction", "CouponRedemptionFee", Decimal("-0.60"), False),
	("other-transaction", "other-transaction", "RunLightningDealFee", Decimal("-20.00"), False),
	("SAFE-T reimbursement", "other-transaction", "SAFE-T reimbursement", Decimal("15.99"), False),
	("other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE", Decimal("9.50"), True),
	("Adjustment", "other-transaction", "Balance Adjustment", Decimal("1.25"), False),
	("Loan Servicing", "other-transaction", "LoanPayment", Decimal("-50.00"), False),
)


def _fx(currency: str) -> Decimal:
	return _FX.get(currency, Decimal("1"))


def _code(seed: object, *parts: object, length: int = 9) -> str:
	alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	number = digest(seed, *parts)
	chars = []
	for _ in range(length):
		number, index = divmod(number, len(alphabet))
		chars.append(alphabet[index])
	return "".join(chars)


def referral_rate(sku: str) -> Decimal:
	return _REFERRAL_RATES[digest("referral", sku) % len(_REFERRAL_RATES)]


def fba_unit_fee(sku: str, currency: str) -> Decimal:
	usd = Decimal("3.22") + Decimal(digest("fba-fee", sku) % 400) / 100  # 3.22 .. 7.21 USD
	return q(usd * _fx(currency), currency)


# -- records --------------------------------------------------------------------------------------------


@dataclass
class Amount:
	amount_type: (
		str  # settlement amount-type: ItemPrice, ItemFees, Promotion, ItemWithheldTax, other-transaction
	)
	description: str  # settlement amount-description: Principal, Commission, ...
	amount: Decimal
	promotion_id: str | None = None


@dataclass
class EventItem:
	order_item_id: str
	sku: str
	quantity: int
	amounts: list[Amount] = field(default_factory=list)
	adjustment_item_id: str | None = None  # refunds


@dataclass
class FinancialEvent:
	transaction_type: str  # "Order" | "Refund" | "other-transaction"
	posted: datetime
	currency: str
	marketplace_id: str
	marketplace_name: str
	order_id: str | None = None
	shipment_id: str | None = None
	adjustment_id: str | None = None
	fulfillment_id: str | None = None  # "AFN" | "MFN"
	items: list[EventItem] = field(default_factory=list)
	other: list[Amount] = field(default_factory=list)  # other-transaction amounts
	fee_type: str | None = None  # Finances ServiceFeeEvent FeeType of an other-transaction
	settlement_id: str | None = None
	merchant_order_id: str | None = None  # the seller's own order id (a Multi-Channel fulfilment order's)
	# An other-transaction about units (FBA Inventory Reimbursement): its sku and quantity-purchased.
	sku: str = ""
	quantity: int | None = None

	@property
	def total(self) -> Decimal:
		return sum((a.amount for item in self.items for a in item.amounts), ZERO) + sum(
			(a.amount for a in self.other), ZERO
		)


@dataclass
class Settlement:
	settlement_id: str
	currency: str
	start: datetime
	end: datetime | None = None  # None while open
	deposit_date: datetime | None = None
	events: list[FinancialEvent] = field(default_factory=list)
	report_id: str | None = None
	trace_id: str = ""

	@property
	def is_open(self) -> bool:
		return self.end is None

	@property
	def total(self) -> Decimal:
		return q(sum((event.total for event in self.events), ZERO), self.currency)


@dataclass
class Ledger:
	initialized: bool = False
	period: timedelta = DEFAULT_PERIOD
	settlements: list[Settlement] = field(default_factory=list)  # chronological by start, then currency
	open: dict[str, Settlement] = field(default_factory=dict)  # currency -> open settlement
	events: list[FinancialEvent] = field(default_factory=list)  # every event, in posting order
	packages_posted: dict[str, int] = field(default_factory=dict)  # order id -> packages turned into events
	units_posted: dict[tuple[str, str], int] = field(
		default_factory=dict
	)  # (order, item) -> shipped units posted
	units_refunded: dict[tuple[str, str], int] = field(default_factory=dict)
	refunds: int = 0
	next_number: int = 0
	negative_balance: str = "debit"  # how a period whose amounts add up below zero closes (module docstring)
	carried: dict[str, Decimal] = field(default_factory=dict)  # currency -> negative balance for the next period


def ledger(state: SimulatorState) -> Ledger:
	return attach(state, "docs.ledger", Ledger)


def _period(state: SimulatorState, book: Ledger) -> timedelta:
	days = getattr(state, "settlement_period_days", None)
	return timedelta(days=float(days)) if days else book.period


def sim_start(state: SimulatorState) -> datetime:
	start = state.clock.now() - timedelta(seconds=state.clock.elapsed())
	return (start + timedelta(microseconds=500_000)).replace(microsecond=0)


def _new_settlement(state: SimulatorState, book: Ledger, currency: str, start: datetime) -> Settlement:
	if book.next_number == 0:  # 11-digit ids like Amazon's, deterministic from the seed (and namespace)
		namespace = (state.namespace,) if state.namespace else ()
		book.next_number = 11_000_000_000 + (digest(state.seed, "settlement", *namespace) % 10**8) * 10
	book.next_number += 1 + digest("step", book.next_number) % 7
	settlement = Settlement(
		settlement_id=str(book.next_number),
		currency=currency,
		start=start,
		trace_id=_code(getattr(state, "seed", 1), "trace", book.next_number, length=16).upper(),
	)
	book.settlements.append(settlement)
	return settlement


def whole_second(moment: datetime) -> datetime:
	"""Amazon's dates carry whole seconds (settlement files and Finances print no fractions)."""
	return moment.replace(microsecond=0)


def _marketplace_name(state: SimulatorState, marketplace_id: str) -> str:
	market = state.marketplaces.get(marketplace_id)
	return market.name if market is not None else marketplace_id


def _currency_marketplaces(state: SimulatorState, currency: str) -> list[str]:
	return [mid for mid, market in state.marketplaces.items() if market.currency == currency]


# -- amounts --------------------------------------------------------------------------------------------


def _share(total: Decimal, before: int, units: int, quantity: int, currency: str) -> Decimal:
	if quantity <= 0:
		return ZERO
	whole = Decimal(total)
	return q(whole * (before + units) / quantity, currency) - q(whole * before / quantity, currency)


def _item_base(item: SimItem) -> list[tuple[str, str, Decimal, str | None]]:
	"""The line's full-quantity charges as (amount-type, amount-description, amount, promotion-id)."""
	promo_principal = next((pid for pid in item.promotion_ids if pid != "SIM-FREESHIP"), None)
	promo_shipping = "SIM-FREESHIP" if "SIM-FREESHIP" in item.promotion_ids else (promo_principal or None)
	# Tax-inclusive prices (EU, UK, JP): the principal, shipping and gift wrap already hold the tax.
	on_top = ZERO if item.prices_include_tax else 1
	base = [
		("ItemPrice", "Principal", item.item_price, None),
		("ItemPrice", "Tax", item.item_tax * on_top, None),
		("ItemPrice", "Shipping", item.shipping_price, None),
		("ItemPrice", "ShippingTax", item.shipping_tax * on_top, None),
		("ItemPrice", "GiftWrap", item.gift_wrap_price, None),
		("ItemPrice", "GiftWrapTax", item.gift_wrap_tax * on_top, None),
	]
	if item.tax_withheld:
		base += [
			("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", -item.item_tax, None),
			("ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping", -item.shipping_tax, None),
			("ItemWithheldTax", "MarketplaceFacilitatorTax-Other", -item.gift_wrap_tax, None),
		]
	base += [
		("Promotion", "Principal", -item.promotion_discount, promo_principal),
		("Promotion", "Shipping", -item.shipping_discount, promo_shipping),
	]
	return base


def _commission_base(amounts: list[Amount]) -> Decimal:
	return sum(
		(
			a.amount
			for a in amounts
			if (a.amount_type == "ItemPrice" and a.description in ("Principal", "Shipping", "GiftWrap"))
			or a.amount_type == "Promotion"
		),
		ZERO,
	)


def _shipment_amounts(order: SimOrder, item: SimItem, before: int, units: int) -> list[Amount]:
	currency = order.currency
	amounts = [
		Amount(kind, description, _share(total, before, units, item.quantity, currency), promotion)
		for kind, description, total, promotion in _item_base(item)
	]
	amounts = [a for a in amounts if a.amount or (a.amount_type, a.description) == ("ItemPrice", "Principal")]
	fees: list[Amount] = []
	commission = q(_commission_base(amounts) * referral_rate(item.sku), currency)
	if commission:
		fees.append(Amount("ItemFees", "Commission", -commission))
	if order.is_fba:
		fees.append(Amount("ItemFees", "FBAPerUnitFulfillmentFee", -fba_unit_fee(item.sku, currency) * units))
		shipping = next(
			(a.amount for a in amounts if a.description == "Shipping" and a.amount_type == "ItemPrice"), ZERO
		)
		if shipping:
			fees.append(Amount("ItemFees", "ShippingChargeback", -shipping))
		gift_wrap = next((a.amount for a in amounts if a.description == "GiftWrap"), ZERO)
		if gift_wrap:
			fees.append(Amount("ItemFees", "GiftwrapChargeback", -gift_wrap))
	return amounts + fees


def _refund_amounts(order: SimOrder, item: SimItem, before: int, units: int) -> list[Amount]:
	currency = order.currency
	charged = [
		Amount(kind, description, _share(total, before, units, item.quantity, currency), promotion)
		for kind, description, total, promotion in _item_base(item)
	]
	charged = [a for a in charged if a.amount]
	refunded = [Amount(a.amount_type, a.description, -a.amount, a.promotion_id) for a in charged]
	fees: list[Amount] = []
	commission = q(_commission_base(charged) * referral_rate(item.sku), currency)
	if commission:
		fees.append(Amount("ItemFees", "Commission", commission))
		admin = min(
			q(commission * _REFUND_ADMIN_RATE, currency), q(_REFUND_ADMIN_CAP_USD * _fx(currency), currency)
		)
		fees.append(Amount("ItemFees", "RefundCommission", -admin))
	if order.is_fba:
		shipping = next(
			(a.amount for a in charged if a.description == "Shipping" and a.amount_type == "ItemPrice"), ZERO
		)
		if shipping:
			fees.append(Amount("ItemFees", "ShippingChargeback", shipping))
	return refunded + fees


# -- syncing with the orders ----------------------------------------------------------------------------


def _shipment_events(state: SimulatorState, book: Ledger, now: datetime) -> list[FinancialEvent]:
	"""ShipmentEvents for packages (and shipped units) not yet posted."""
	seed = getattr(state, "seed", 1)
	events: list[FinancialEvent] = []
	for order in state.orders.values():
		done = book.packages_posted.get(order.order_id, 0)
		batches: list[tuple[str, datetime, list[tuple[str, int]]]] = []
		for index, package in enumerate(order.packages[done:], start=done):
			batches.append((f"{index}", package.ship_date, list(package.lines)))
		book.packages_posted[order.order_id] = len(order.packages)
		posted_now: dict[str, int] = {}
		for _, _, lines in batches:
			for item_id, units in lines:
				posted_now[item_id] = posted_now.get(item_id, 0) + units
		# Shipped units without a package (should not happen; keeps the books complete if it does).
		leftovers = []
		for item in order.items:
			known = book.units_posted.get((order.order_id, item.order_item_id), 0) + posted_now.get(
				item.order_item_id, 0
			)
			if item.quantity_shipped > known:
				leftovers.append((item.order_item_id, item.quantity_shipped - known))
		if leftovers:
			batches.append((f"x{len(order.packages)}", order.shipped_at or now, leftovers))
		for key, ship_date, lines in batches:
			event = FinancialEvent(
				transaction_type="Order",
				posted=whole_second(ship_date),
				currency=order.currency,
				marketplace_id=order.marketplace_id,
				marketplace_name=_marketplace_name(state, order.marketplace_id),
				order_id=order.order_id,
				shipment_id=_code(seed, "shipment", order.order_id, key),
				fulfillment_id="AFN" if order.is_fba else "MFN",
			)
			for item_id, units in lines:
				item = order.item(item_id)
				if item is None or units <= 0:
					continue
				before = book.units_posted.get((order.order_id, item_id), 0)
				event.items.append(
					EventItem(item_id, item.sku, units, _shipment_amounts(order, item, before, units))
				)
				book.units_posted[(order.order_id, item_id)] = before + units
			if event.items:
				events.append(event)
	for source in SHIPMENT_SOURCES:
		events.extend(source(state, book, now))
	return events


# Other shipments Amazon charges for in the settlement (outbound.py: Multi-Channel fulfilment orders), each
# (state, ledger, now) -> the ShipmentEvents not yet posted; registered by their modules.
SHIPMENT_SOURCES: list[Callable[[SimulatorState, Ledger, datetime], list[FinancialEvent]]] = []


def _place(book: Ledger, event: FinancialEvent, now: datetime) -> None:
	"""Into the open settlement of its currency, dated inside that settlement and never in the future."""
	settlement = book.open[event.currency]
	event.posted = min(max(event.posted, settlement.start), whole_second(now))
	event.settlement_id = settlement.settlement_id
	settlement.events.append(event)
	book.events.append(event)


def _fee_events(state: SimulatorState, settlement: Settlement, end: datetime) -> list[FinancialEvent]:
	"""other-transaction lines Amazon adds when a period closes."""
	currency = settlement.currency
	markets = _currency_marketplaces(state, currency)
	marketplace_id = markets[0] if markets else ""
	posted = end - timedelta(seconds=1)

	def fee(description: str, fee_type: str, amount: Decimal) -> FinancialEvent:
		return FinancialEvent(
			transaction_type="other-transaction",
			posted=posted,
			currency=currency,
			marketplace_id=marketplace_id,
			marketplace_name=_marketplace_name(state, marketplace_id),
			other=[Amount("other-transaction", description, amount)],
			fee_type=fee_type,
		)

	events = [fee("Subscription Fee", "Subscription", -q(_SUBSCRIPTION_USD * _fx(currency), currency))]
	fba_units = sum(
		item.quantity
		for event in settlement.events
		if event.transaction_type == "Order" and event.fulfillment_id == "AFN" and event.posted < end
		for item in event.items
	)
	if fba_units:
		storage = q(_STORAGE_PER_UNIT_USD * _fx(currency) * fba_units, currency)
		if storage:
			events.append(fee("Storage Fee", "FBAStorageFee", -storage))
	# Buy Shipping labels (shipping.py) bought in the period and not voided: Amazon deducts them here.
	from .shipping import book_of

	for label in book_of(state).shipments.values():
		if label.currency == currency and not label.cancelled and not label.posted and label.purchased < end:
			label.posted = True
			events.append(fee("Shipping label purchase", "ShippingLabelPurchase", -label.total))
	for description, fee_type, amount in inbound.inbound_fees(state, currency, settlement.start, end):
		events.append(fee(description, fee_type, -q(Decimal(str(amount)), currency)))  # Send to Amazon
	return events


def _finalize(
	state: SimulatorState, book: Ledger, settlement: Settlement, end: datetime
) -> list[FinancialEvent]:
	"""Close `settlement` at `end`: add the period's fees, write the V2 report. Returns the events dated at or
	after `end` (they belong to the next settlement)."""
	keep = [event for event in settlement.events if event.posted < end]
	moved = [event for event in settlement.events if event.posted >= end]
	settlement.events = keep
	for event in _fee_events(state, settlement, end):
		event.settlement_id = settlement.settlement_id
		settlement.events.append(event)
		book.events.append(event)
	owed = -settlement.total
	if owed > 0 and book.negative_balance in ("charge", "carry"):
		description = "Successful charge" if book.negative_balance == "charge" else "Current Reserve Amount"
		event = _other_event(
			state, settlement.currency, "other-transaction", "other-transaction", description, owed,
			end - timedelta(seconds=1),
		)  # fmt: skip
		event.settlement_id = settlement.settlement_id
		settlement.events.append(event)
		book.events.append(event)
		if book.negative_balance == "carry":
			book.carried[settlement.currency] = book.carried.get(settlement.currency, ZERO) - owed
	settlement.end = end
	settlement.deposit_date = end + DEPOSIT_DELAY
	report = reports.add_generated_report(
		state,
		reports.SETTLEMENT_REPORT_TYPE,
		settlement_report(settlement),
		created=end,
		data_start=settlement.start,
		data_end=end,
		marketplace_ids=_currency_marketplaces(state, settlement.currency),
		gzipped=False,
	)
	settlement.report_id = report.report_id
	return moved


def _close(state: SimulatorState, book: Ledger, settlement: Settlement, end: datetime) -> Settlement:
	"""Close the open `settlement` at `end` and open the next one (which gets the later events)."""
	moved = _finalize(state, book, settlement, end)
	following = _new_settlement(state, book, settlement.currency, end)
	for event in moved:
		event.settlement_id = following.settlement_id
	following.events = moved
	carried = book.carried.pop(settlement.currency, ZERO)
	if carried:
		event = _other_event(
			state, settlement.currency, "other-transaction", "other-transaction",
			"Previous Reserve Amount Balance", carried, end,
		)  # fmt: skip
		event.settlement_id = following.settlement_id
		following.events.insert(0, event)
		book.events.append(event)
	book.open[settlement.currency] = following
	return following


def _history_index(open_start: datetime, posted: datetime, period: timedelta) -> int:
	"""k such that open_start - k*period <= posted < open_start - (k-1)*period (posted < open_start)."""
	k = max(1, math.ceil((open_start - posted) / period))
	while open_start - period * k > posted:
		k += 1
	while k > 1 and open_start - period * (k - 1) <= posted:
		k -= 1
	return k


def _initialize(state: SimulatorState, book: Ledger, now: datetime) -> None:
	period = _period(state, book)
	start = sim_start(state)
	open_start = min(start.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2), now)
	events = _shipment_events(state, book, now)
	currencies = sorted(
		{market.currency for market in state.marketplaces.values()} | {e.currency for e in events}
	)
	# Back-filled history: closed periods [open_start - k*period, open_start - (k-1)*period), oldest first.
	keys = sorted(
		{(_history_index(open_start, e.posted, period), e.currency) for e in events if e.posted < open_start},
		key=lambda key: (-key[0], key[1]),
	)
	history = {key: _new_settlement(state, book, key[1], open_start - period * key[0]) for key in keys}
	for currency in currencies:
		book.open[currency] = _new_settlement(state, book, currency, open_start)
	for event in events:
		if event.posted < open_start:
			target = history[(_history_index(open_start, event.posted, period), event.currency)]
			event.settlement_id = target.settlement_id
			target.events.append(event)
			book.events.append(event)
		else:
			_place(book, event, now)
	for key in keys:
		settlement = history[key]
		_finalize(state, book, settlement, settlement.start + period)
	book.settlements.sort(key=lambda s: (s.start, s.currency))
	book.initialized = True


def sync(state: SimulatorState) -> Ledger:
	"""Bring feeds, financial events and settlement periods up to the simulated now. Returns the ledger."""
	with state.lock:
		feeds.tick(state)
		book = ledger(state)
		now = state.clock.now()
		if not book.initialized:
			_initialize(state, book, now)
		else:
			for event in _shipment_events(state, book, now):
				if event.currency not in book.open:
					book.open[event.currency] = _new_settlement(state, book, event.currency, now)
				_place(book, event, now)
		period = _period(state, book)
		for currency in sorted(book.open):
			settlement = book.open[currency]
			while settlement.start + period <= now:
				settlement = _close(state, book, settlement, settlement.start + period)
		return book


reports.BEFORE_READ.append(sync)  # getReports lists the settlement reports closed by then


def close_now(state: SimulatorState, currency: str | None = None) -> list[Settlement]:
	"""Close the open settlement(s) at the simulated now (the control API's /_sim/settlements/close)."""
	with state.lock:
		book = sync(state)
		now = whole_second(state.clock.now())
		closed = []
		for code in sorted(book.open):
			if currency and code != currency:
				continue
			settlement = book.open[code]
			if settlement.start >= now:
				continue
			_close(state, book, settlement, now)
			closed.append(settlement)
		return closed


def refund(
	state: SimulatorState, order_id: str, lines: list[tuple[str, int]] | None = None
) -> FinancialEvent:
	"""Post a RefundEvent now for `lines` ((orderItemId, units)); None = everything shipped and unrefunded.
	Raises ApiError 404/400 when the order or a quantity is wrong."""
	with state.lock:
		book = sync(state)
		order = state.orders.get(order_id)
		if order is None:
			raise ApiError(404, "NotFound", f"Order {order_id} was not found.")
		if lines is None:
			lines = [
				(
					item.order_item_id,
					item.quantity_shipped - book.units_refunded.get((order_id, item.order_item_id), 0),
				)
				for item in order.items
			]
			lines = [(item_id, units) for item_id, units in lines if units > 0]
			if not lines:
				raise ApiError(400, "InvalidInput", f"Order {order_id} has no shipped, unrefunded units.")
		for item_id, units in lines:
			item = order.item(item_id)
			if item is None:
				raise ApiError(
					400, "InvalidInput", f"orderItemId {item_id} does not belong to order {order_id}."
				)
			left = book.units_posted.get((order_id, item_id), 0) - book.units_refunded.get(
				(order_id, item_id), 0
			)
			if not isinstance(units, int) or units <= 0 or units > left:
				raise ApiError(
					400,
					"InvalidInput",
					f"Refund quantity {units} for {item_id} must be between 1 and {left} (shipped).",
				)
		book.refunds += 1
		seed = getattr(state, "seed", 1)
		event = FinancialEvent(
			transaction_type="Refund",
			posted=whole_second(state.clock.now()),
			currency=order.currency,
			marketplace_id=order.marketplace_id,
			marketplace_name=_marketplace_name(state, order.marketplace_id),
			order_id=order_id,
			adjustment_id=_code(seed, "adjustment", order_id, book.refunds, length=10),
			fulfillment_id="AFN" if order.is_fba else "MFN",
		)
		for number, (item_id, units) in enumerate(lines, 1):
			item = order.item(item_id)
			assert item is not None
			before = book.units_refunded.get((order_id, item_id), 0)
			event.items.append(
				EventItem(
					order_item_id=item_id,
					sku=item.sku,
					quantity=units,
					amounts=_refund_amounts(order, item, before, units),
					adjustment_item_id=str(
						digest(seed, "adjustment-item", order_id, book.refunds, number) % 10**14
					).zfill(14),
				)
			)
			book.units_refunded[(order_id, item_id)] = before + units
		if order.currency not in book.open:
			book.open[order.currency] = _new_settlement(state, book, order.currency, event.posted)
		_place(book, event, event.posted)
		return event


def _other_event(
	state: SimulatorState,
	currency: str,
	transaction_type: str,
	amount_type: str,
	description: str,
	amount: Decimal,
	posted: datetime,
	order_id: str | None = None,
	sku: str = "",
) -> FinancialEvent:
	markets = _currency_marketplaces(state, currency)
	marketplace_id = markets[0] if markets else ""
	return FinancialEvent(
		transaction_type=transaction_type,
		posted=whole_second(posted),
		currency=currency,
		marketplace_id=marketplace_id,
		marketplace_name=_marketplace_name(state, marketplace_id),
		order_id=order_id,
		other=[Amount(amount_type, description, q(amount, currency))],
		sku=sku,
		quantity=1 if sku and amount_type == "FBA Inventory Reimbursement" else None,
	)


def post_charges(state: SimulatorState, currency: str, charges: list[dict[str, Any]]) -> list[FinancialEvent]:
	"""Post other amounts now into the open settlement of `currency` (the control API's charges)."""
	with state.lock:
		book = sync(state)
		now = whole_second(state.clock.now())
		events = []
		for charge in charges:
			try:
				amount = Decimal(str(charge["amount"]))
				transaction_type = str(charge["transactionType"])
				amount_type = str(charge["amountType"])
				description = str(charge.get("amountDescription") or "")
			except (KeyError, ArithmeticError, ValueError):
				raise ApiError(
					400, "InvalidInput", "Each charge needs transactionType, amountType and a numeric amount."
				) from None
			event = _other_event(
				state, currency, transaction_type, amount_type, description, amount, now,
				order_id=charge.get("orderId") or None, sku=str(charge.get("sku") or ""),
			)  # fmt: skip
			if currency not in book.open:
				book.open[currency] = _new_settlement(state, book, currency, now)
			_place(book, event, now)
			events.append(event)
		return events


def month_charges(currency: str, sku: str = "") -> list[dict[str, Any]]:
	"""MONTH_CHARGES in `currency`, the SKU ones about `sku`."""
	return [
		{
			"transactionType": transaction_type,
			"amountType": amount_type,
			"amountDescription": description,
			"amount": str(q(usd * _fx(currency), currency)),
			"sku": sku if about_sku else "",
		}
		for transaction_type, amount_type, description, usd, about_sku in MONTH_CHARGES
	]


# -- control API ----------------------------------------------------------------------------------------


def settlement_summary(settlement: Settlement) -> dict[str, Any]:
	return {
		"settlementId": settlement.settlement_id,
		"currency": settlement.currency,
		"start": settlement.start.astimezone(timezone.utc).isoformat(),
		"end": settlement.end.astimezone(timezone.utc).isoformat() if settlement.end else None,
		"depositDate": settlement.deposit_date.astimezone(timezone.utc).isoformat()
		if settlement.deposit_date
		else None,
		"totalAmount": str(settlement.total),
		"open": settlement.is_open,
		"reportId": settlement.report_id,
		"events": len(settlement.events),
	}


# -- settlement report ----------------------------------------------------------------------------------


def settlement_datetime(moment: datetime) -> str:
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def settlement_report(settlement: Settlement) -> bytes:
	"""GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2 for one closed settlement."""
	currency = settlement.currency
	assert settlement.end is not None and settlement.deposit_date is not None
	rows: list[list[str]] = [
		[
			settlement.settlement_id,
			settlement_datetime(settlement.start),
			settlement_datetime(settlement.end),
			settlement_datetime(settlement.deposit_date),
			fmt(settlement.total, currency),
			currency,
			*([""] * (len(SETTLEMENT_COLUMNS) - 6)),
		]
	]
	for event in settlement.events:
		common = {
			"settlement-id": settlement.settlement_id,
			"transaction-type": event.transaction_type,
			"order-id": event.order_id or "",
			"merchant-order-id": event.merchant_order_id or "",
			"marketplace-name": event.marketplace_name,
			"posted-date": event.posted.astimezone(timezone.utc).strftime("%Y-%m-%d"),
			"posted-date-time": settlement_datetime(event.posted),
		}
		for item in event.items:
			for amount in item.amounts:
				line = {
					**common,
					"adjustment-id": event.adjustment_id or "",
					"shipment-id": event.shipment_id or "",
					"fulfillment-id": event.fulfillment_id or "",
					"order-item-code": item.order_item_id,
					"sku": item.sku,
					"quantity-purchased": str(item.quantity) if event.transaction_type == "Order" else "",
					"promotion-id": amount.promotion_id or "",
				}
				rows.append(_settlement_row(line, amount, currency))
		for amount in event.other:
			line = {
				**common,
				"sku": event.sku,
				"quantity-purchased": str(abs(event.quantity)) if event.quantity is not None else "",
			}
			rows.append(_settlement_row(line, amount, currency))
	return write_tsv(SETTLEMENT_COLUMNS, rows)


def _settlement_row(line: dict[str, str], amount: Amount, currency: str) -> list[str]:
	"""One amount's row: the columns `line` names, the amount's own, the rest empty."""
	line = {
		**line,
		"amount-type": amount.amount_type,
		"amount-description": amount.description,
		"amount": fmt(amount.amount, currency),
	}
	return [line.get(column) or "" for column in SETTLEMENT_COLUMNS]


def register(router: Router, state: SimulatorState) -> None:
	@router.route("POST", "/_sim/settlements/close")
	def close(req: Request) -> Response:
		body = req.json() or {}
		currency = body.get("currency") if isinstance(body, dict) else None
		closed = close_now(state, currency)
		return Response(status=200, body={"closed": [settlement_summary(s) for s in closed]})

	@router.route("POST", "/_sim/settlements/config")
	def config(req: Request) -> Response:
		body = req.json() or {}
		with state.lock:
			book = ledger(state)
			if "period_days" in body:
				days = float(body["period_days"])
				if days <= 0:
					raise ApiError(400, "InvalidInput", "period_days must be positive.")
				book.period = timedelta(days=days)
			if "negative_balance" in body:
				if body["negative_balance"] not in NEGATIVE_BALANCE:
					raise ApiError(400, "InvalidInput", f"negative_balance must be one of {', '.join(NEGATIVE_BALANCE)}.")
				book.negative_balance = body["negative_balance"]
			return Response(
				status=200,
				body={"period_days": book.period.total_seconds() / 86400, "negative_balance": book.negative_balance},
			)

	@router.route("POST", "/_sim/settlements/charges")
	def charges(req: Request) -> Response:
		body = req.json() or {}
		if not isinstance(body, dict) or not body.get("currency"):
			raise ApiError(400, "InvalidInput", "currency is required.")
		currency = str(body["currency"]).upper()
		wanted = list(body.get("charges") or [])
		if body.get("month"):
			wanted += month_charges(currency, str(body.get("sku") or ""))
		events = post_charges(state, currency, wanted)
		return Response(
			status=200,
			body={
				"posted": len(events),
				"amount": str(q(sum((event.total for event in events), ZERO), currency)),
				"settlementId": events[0].settlement_id if events else None,
			},
		)

	@router.route("GET", "/_sim/settlements")
	def listing(req: Request) -> Response:
		book = sync(state)
		with state.lock:
			return Response(
				status=200, body={"settlements": [settlement_summary(s) for s in book.settlements]}
			)

	@router.route("POST", "/_sim/orders/{orderId}/refund")
	def refund_order(req: Request) -> Response:
		body = req.json() or {}
		lines = None
		if isinstance(body, dict) and body.get("items"):
			lines = []
			for entry in body["items"]:
				item_id = entry.get("orderItemId") or entry.get("order_item_id")
				units = entry.get("quantity", 1)
				if not item_id:
					raise ApiError(400, "InvalidInput", "Each item needs an orderItemId.")
				lines.append((str(item_id), units))
		event = refund(state, req.path_args["orderId"], lines)
		return Response(
			status=200,
			body={
				"adjustmentId": event.adjustment_id,
				"postedDate": event.posted.astimezone(timezone.utc).isoformat(),
				"amount": str(q(event.total, event.currency)),
				"currency": event.currency,
				"settlementId": event.settlement_id,
			},
		)


__all__ = [
	"MONTH_CHARGES",
	"Amount",
	"EventItem",
	"FinancialEvent",
	"Ledger",
	"Settlement",
	"close_now",
	"ledger",
	"month_charges",
	"post_charges",
	"refund",
	"register",
	"sync",
]
