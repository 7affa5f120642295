"""After the sale: FBA customer returns, merchant (FBM) returns, lost/damaged units with their reimbursements,
and removal orders, each made by a control call; the four reports Amazon writes about them; and the per-SKU
adjustments they make to the FBA inventory.

Reports (requested with createReport, paced and served by reports.py; rows whose date lies in
[dataStartTime, dataEndTime]; no row -> CANCELLED, as Amazon cancels reports without data). Columns are Amazon's
(developer-docs "FBA Customer Concessions", "Returns", "FBA Payments" and "FBA Removals" reports attributes):
- GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA: return-date (ISO 8601), order-id, sku, asin, fnsku, product-name,
  quantity, fulfillment-center-id, detailed-disposition (SELLABLE, DAMAGED, CUSTOMER_DAMAGED, DEFECTIVE,
  CARRIER_DAMAGED, EXPIRED), reason, status (Unit returned to inventory / Reimbursed), license-plate-number,
  customer-comments. One row per returned unit group, each with its own license plate number.
- GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE: the 32 columns with their spaced names ("Order ID", "Return request
  date", ... "Refunded Amount"); dates as "2026-11-08", amounts with two decimals.
- GET_FBA_REIMBURSEMENTS_DATA: approval-date, reimbursement-id, case-id, amazon-order-id, reason (Lost_Warehouse,
  Damaged_Warehouse, Reimbursement_Reversal; CustomerReturn, CustomerServiceIssue with the order's id), sku, fnsku, asin, product-name, condition, currency-unit,
  amount-per-unit, amount-total, quantity-reimbursed-cash, quantity-reimbursed-inventory,
  quantity-reimbursed-total, original-reimbursement-id, original-reimbursement-type.
- GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA: request-date, order-id, shipment-date, sku, fnsku,
  disposition (Sellable / Unsellable), shipped-quantity, carrier, tracking-number, removal-order-type (Return).

Money: a reimbursement posts an other-transaction line in the open settlement of its currency, amount-type
"FBA Inventory Reimbursement" and amount-description WAREHOUSE_LOST / WAREHOUSE_DAMAGE / REVERSAL_REIMBURSEMENT /
CUSTOMER_RETURN / CS_ERROR_ITEMS, with its sku and quantity-purchased (and the order-id of an order's
reimbursement), as in Amazon's V2 settlement report. A return's refund is the existing RefundEvent (settlements.refund), posted
by the same control call when asked ("refund": true) or later through /_sim/orders/{id}/refund.

Inventory: `adjustments(state, marketplace_ids)` gives each SKU's (fulfillable, unfulfillable) change: a SELLABLE
return +fulfillable, another disposition +unfulfillable, a loss -fulfillable (a reversal +fulfillable), a removal
-fulfillable (Sellable) or -unfulfillable (Unsellable). inventory.py adds them into the region's pool.

Control API:
  POST /_sim/orders/{orderId}/fba-return {"items": [{"orderItemId", "quantity", "disposition", "reason"}],
       "refund": false}     (no items: every shipped unit, SELLABLE)
  POST /_sim/orders/{orderId}/fbm-return {"items": [{"orderItemId", "quantity", "reason"}], "refund": false}
  POST /_sim/inventory/loss {"marketplace_id", "sku", "quantity", "reason": "Lost_Warehouse"|"Damaged_Warehouse",
       "amount_per_unit": "12.00"}
  POST /_sim/inventory/found {"reimbursement_id", "quantity"}   a lost unit found: the reimbursement reversed
  POST /_sim/orders/{orderId}/reimbursement {"orderItemId", "quantity", "reason": "CustomerReturn"|
       "CustomerServiceIssue", "amount_per_unit", "in_inventory": false}   Amazon pays for an order's unit it
       refunded and never got back: in cash (no stock change), or with in_inventory a replacement unit put into
       the FBA stock (no money: no settlement line)
  POST /_sim/removals {"marketplace_id", "sku", "quantity", "disposition": "Sellable"|"Unsellable"}
  GET  /_sim/aftersale   everything created so far
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from . import reports, settlements
from .documents import attach
from .flatfiles import orders_iso, write_tsv
from .http import ApiError, Request, Response, Router
from .ids import fn_sku
from .money import ZERO, fmt, q
from .state import SimOrder, SimulatorState

FBA_RETURNS_REPORT = "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"
FBM_RETURNS_REPORT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
REIMBURSEMENTS_REPORT = "GET_FBA_REIMBURSEMENTS_DATA"
REMOVALS_REPORT = "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA"

FBA_RETURN_COLUMNS = (
	"return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity", "fulfillment-center-id",
	"detailed-disposition", "reason", "status", "license-plate-number", "customer-comments",
)  # fmt: skip
FBM_RETURN_COLUMNS = (
	"Order ID", "Order date", "Return request date", "Return request status", "Amazon RMA ID", "Merchant RMA ID",
	"Label type", "Label cost", "Currency code", "Return carrier", "Tracking ID", "Label to be paid by",
	"A-to-Z Claim", "Is prime", "ASIN", "Merchant SKU", "Item Name", "Return quantity", "Return Reason",
	"In policy", "Return type", "Resolution", "Invoice number", "Return delivery date", "Order Amount",
	"Order quantity", "SafeT Action reason", "SafeT claim id", "SafeT claim state", "SafeT claim creation time",
	"SafeT claim reimbursement amount", "Refunded Amount",
)  # fmt: skip
REIMBURSEMENT_COLUMNS = (
	"approval-date", "reimbursement-id", "case-id", "amazon-order-id", "reason", "sku", "fnsku", "asin",
	"product-name", "condition", "currency-unit", "amount-per-unit", "amount-total", "quantity-reimbursed-cash",
	"quantity-reimbursed-inventory", "quantity-reimbursed-total", "original-reimbursement-id",
	"original-reimbursement-type",
)  # fmt: skip
REMOVAL_COLUMNS = (
	"request-date", "order-id", "shipment-date", "sku", "fnsku", "disposition", "shipped-quantity", "carrier",
	"tracking-number", "removal-order-type",
)  # fmt: skip

DISPOSITIONS = ("SELLABLE", "DAMAGED", "CUSTOMER_DAMAGED", "DEFECTIVE", "CARRIER_DAMAGED", "EXPIRED")
LOSS_REASONS = {"Lost_Warehouse": "WAREHOUSE_LOST", "Damaged_Warehouse": "WAREHOUSE_DAMAGE"}
ORDER_REASONS = {"CustomerReturn": "CUSTOMER_RETURN", "CustomerServiceIssue": "CS_ERROR_ITEMS"}
REIMBURSEMENT_AMOUNT_TYPE = "FBA Inventory Reimbursement"


@dataclass
class FbaReturn:
	moment: datetime
	order_id: str
	marketplace_id: str
	sku: str
	asin: str
	title: str
	quantity: int
	disposition: str
	reason: str
	license_plate: str
	fulfillment_center: str


@dataclass
class FbmReturn:
	moment: datetime
	order: SimOrder
	sku: str
	asin: str
	title: str
	quantity: int
	reason: str
	rma_id: str
	tracking_id: str
	refunded: Decimal


@dataclass
class Reimbursement:
	moment: datetime
	reimbursement_id: str
	marketplace_id: str
	currency: str
	reason: str
	sku: str
	asin: str
	title: str
	amount_per_unit: Decimal
	quantity: int  # negative for a reversal
	original_id: str = ""
	order_id: str = ""  # an order's reimbursement (CustomerReturn...)
	in_inventory: bool = False  # paid with units put into the seller's FBA stock, not cash


@dataclass
class Removal:
	requested: datetime
	shipped: datetime
	order_id: str
	marketplace_id: str
	sku: str
	quantity: int
	disposition: str  # Sellable | Unsellable
	carrier: str
	tracking_number: str


@dataclass
class AfterSale:
	fba_returns: list[FbaReturn] = field(default_factory=list)
	fbm_returns: list[FbmReturn] = field(default_factory=list)
	reimbursements: list[Reimbursement] = field(default_factory=list)
	removals: list[Removal] = field(default_factory=list)
	# (marketplace id, sku) -> [fulfillable change, unfulfillable change]
	adjustments: dict[tuple[str, str], list[int]] = field(default_factory=dict)
	returned: dict[tuple[str, str], int] = field(default_factory=dict)  # (order, item) -> units returned
	counter: int = 0


def aftersale(state: SimulatorState) -> AfterSale:
	return attach(state, "docs.aftersale", AfterSale)


def adjustments(state: SimulatorState, marketplace_ids: Collection[str]) -> dict[str, tuple[int, int]]:
	"""sku -> (fulfillable change, unfulfillable change) that returns, losses and removals made in these
	marketplaces (FBA stock is a region's pool: the caller passes the region's marketplaces)."""
	totals: dict[str, tuple[int, int]] = {}
	for (mid, sku), (fulfillable, unfulfillable) in aftersale(state).adjustments.items():
		if mid in marketplace_ids:
			before = totals.get(sku, (0, 0))
			totals[sku] = (before[0] + fulfillable, before[1] + unfulfillable)
	return totals


def _adjust(book: AfterSale, marketplace_id: str, sku: str, fulfillable: int = 0, unfulfillable: int = 0) -> None:
	entry = book.adjustments.setdefault((marketplace_id, sku), [0, 0])
	entry[0] += fulfillable
	entry[1] += unfulfillable


def _number(state: SimulatorState, *parts: object, digits: int = 11) -> str:
	"""An id deterministic from the seed, moved by the state's namespace (when it has one) like order ids."""
	seed = getattr(state, "seed", 1)
	namespace = getattr(state, "namespace", 0)
	keys = (seed, *parts, namespace) if namespace else (seed, *parts)
	value = int(hashlib.sha256(":".join(str(p) for p in keys).encode()).hexdigest(), 16)
	return str(value % 10**digits).zfill(digits)


def _now(state: SimulatorState) -> datetime:
	return state.clock.now().replace(microsecond=0)


def _catalogue_line(state: SimulatorState, sku: str) -> tuple[str, str]:
	for entry in state.catalogue or []:
		if entry.sku == sku:
			return getattr(entry, "asin", ""), getattr(entry, "title", sku)
	for order in state.orders.values():
		for item in order.items:
			if item.sku == sku:
				return item.asin, item.title
	raise ApiError(400, "InvalidInput", f"Unknown SKU {sku}.")


def _fn_sku(state: SimulatorState, sku: str) -> str:
	return fn_sku(getattr(state, "seed", 1), sku)


def _return_lines(order: SimOrder, book: AfterSale, items: list[dict] | None) -> list[tuple[Any, int, dict]]:
	"""(item, units, spec) of a return; units must be shipped and not returned yet."""
	if not items:
		items = [
			{"orderItemId": item.order_item_id, "quantity": item.quantity_shipped - book.returned.get((order.order_id, item.order_item_id), 0)}
			for item in order.items
		]
		items = [spec for spec in items if spec["quantity"] > 0]
		if not items:
			raise ApiError(400, "InvalidInput", f"Order {order.order_id} has no shipped, unreturned units.")
	lines = []
	for spec in items:
		item = order.item(str(spec.get("orderItemId") or spec.get("order_item_id") or ""))
		if item is None:
			raise ApiError(400, "InvalidInput", f"An orderItemId does not belong to order {order.order_id}.")
		units = spec.get("quantity", 1)
		left = item.quantity_shipped - book.returned.get((order.order_id, item.order_item_id), 0)
		if not isinstance(units, int) or units <= 0 or units > left:
			raise ApiError(400, "InvalidInput", f"Return quantity for {item.order_item_id} must be between 1 and {left}.")
		lines.append((item, units, spec))
	return lines


def _fba_order(state: SimulatorState, order_id: str) -> SimOrder:
	order = state.orders.get(order_id)
	if order is None:
		raise ApiError(404, "NotFound", f"Order {order_id} was not found.")
	if not order.is_fba:
		raise ApiError(400, "InvalidInput", f"Order {order_id} is not fulfilled by Amazon; use fbm-return.")
	return order


def fba_return(state: SimulatorState, order_id: str, items: list[dict] | None, refund: bool = False) -> list[FbaReturn]:
	with state.lock:
		order = _fba_order(state, order_id)
		book = aftersale(state)
		lines = _return_lines(order, book, items)
		for _, _, spec in lines:
			disposition = str(spec.get("disposition") or "SELLABLE").upper()
			if disposition not in DISPOSITIONS:
				raise ApiError(400, "InvalidInput", f"disposition must be one of {', '.join(DISPOSITIONS)}.")
		if refund:
			settlements.refund(state, order_id, [(item.order_item_id, units) for item, units, _ in lines])
		made = []
		for item, units, spec in lines:
			disposition = str(spec.get("disposition") or "SELLABLE").upper()
			book.counter += 1
			made.append(
				FbaReturn(
					moment=_now(state),
					order_id=order_id,
					marketplace_id=order.marketplace_id,
					sku=item.sku,
					asin=item.asin,
					title=item.title,
					quantity=units,
					disposition=disposition,
					reason=str(spec.get("reason") or "UNWANTED_ITEM"),
					license_plate="LPN" + _number(state, "lpn", book.counter, digits=9).upper(),
					fulfillment_center="PHX" + str(1 + book.counter % 7),
				)
			)
			book.returned[(order_id, item.order_item_id)] = book.returned.get((order_id, item.order_item_id), 0) + units
			if disposition == "SELLABLE":
				_adjust(book, order.marketplace_id, item.sku, fulfillable=units)
			else:
				_adjust(book, order.marketplace_id, item.sku, unfulfillable=units)
		book.fba_returns.extend(made)
		return made


def fbm_return(state: SimulatorState, order_id: str, items: list[dict] | None, refund: bool = False) -> list[FbmReturn]:
	with state.lock:
		order = state.orders.get(order_id)
		if order is None:
			raise ApiError(404, "NotFound", f"Order {order_id} was not found.")
		if order.is_fba:
			raise ApiError(400, "InvalidInput", f"Order {order_id} is fulfilled by Amazon; use fba-return.")
		book = aftersale(state)
		lines = _return_lines(order, book, items)
		refunded: dict[str, Decimal] = {}
		if refund:
			event = settlements.refund(state, order_id, [(item.order_item_id, units) for item, units, _ in lines])
			for event_item in event.items:
				refunded[event_item.order_item_id] = -sum(
					(a.amount for a in event_item.amounts if a.amount_type in ("ItemPrice", "Promotion")), Decimal(0)
				)
		made = []
		for item, units, spec in lines:
			book.counter += 1
			made.append(
				FbmReturn(
					moment=_now(state),
					order=order,
					sku=item.sku,
					asin=item.asin,
					title=item.title,
					quantity=units,
					reason=str(spec.get("reason") or "CR-UNWANTED_ITEM"),
					rma_id="D" + _number(state, "rma", book.counter, digits=8).upper() + "RRMA",
					tracking_id="1Z" + _number(state, "return-tracking", book.counter, digits=16),
					refunded=q(refunded.get(item.order_item_id, Decimal(0)), order.currency),
				)
			)
			book.returned[(order_id, item.order_item_id)] = book.returned.get((order_id, item.order_item_id), 0) + units
		book.fbm_returns.extend(made)
		return made


def _reimburse(state: SimulatorState, book: AfterSale, marketplace_id: str, reason: str, sku: str, quantity: int,
			   amount_per_unit: Decimal, **extra: str) -> Reimbursement:  # fmt: skip
	"""A new reimbursement (a reversal when quantity < 0), recorded and posted to the settlement."""
	market = state.marketplaces[marketplace_id]
	asin, title = _catalogue_line(state, sku)
	book.counter += 1
	in_inventory = bool(extra.pop("in_inventory", False))
	entry = Reimbursement(
		moment=_now(state),
		reimbursement_id=_number(state, "reimbursement", book.counter, digits=10),
		marketplace_id=marketplace_id,
		currency=market.currency,
		reason=reason,
		sku=sku,
		asin=asin,
		title=title,
		amount_per_unit=q(amount_per_unit, market.currency),
		quantity=quantity,
		in_inventory=in_inventory,
		**extra,
	)
	book.reimbursements.append(entry)
	if in_inventory:
		_adjust(book, marketplace_id, sku, fulfillable=quantity)
	else:
		_post_reimbursement(state, entry)
	return entry


def _post_reimbursement(state: SimulatorState, entry: Reimbursement) -> None:
	"""The settlement line: other-transaction / FBA Inventory Reimbursement / WAREHOUSE_LOST etc."""
	book = settlements.sync(state)
	market = state.marketplaces.get(entry.marketplace_id)
	reasons = {**LOSS_REASONS, **ORDER_REASONS}
	description = "REVERSAL_REIMBURSEMENT" if entry.quantity < 0 else reasons.get(entry.reason, entry.reason.upper())
	event = settlements.FinancialEvent(
		transaction_type="other-transaction",
		posted=entry.moment,
		currency=entry.currency,
		marketplace_id=entry.marketplace_id,
		marketplace_name=market.name if market else entry.marketplace_id,
		order_id=entry.order_id or None,
		other=[settlements.Amount(REIMBURSEMENT_AMOUNT_TYPE, description, q(entry.amount_per_unit * entry.quantity, entry.currency))],
		fee_type="FBAInventoryReimbursement",
		sku=entry.sku,
		quantity=entry.quantity,
	)
	if entry.currency not in book.open:
		book.open[entry.currency] = settlements._new_settlement(state, book, entry.currency, event.posted)
	settlements._place(book, event, event.posted)


def lose(state: SimulatorState, marketplace_id: str, sku: str, quantity: int, reason: str, amount_per_unit: Decimal) -> Reimbursement:
	with state.lock:
		market = state.marketplaces.get(marketplace_id)
		if market is None:
			raise ApiError(400, "InvalidInput", f"Invalid marketplaceId: {marketplace_id}.")
		if reason not in LOSS_REASONS:
			raise ApiError(400, "InvalidInput", f"reason must be one of {', '.join(LOSS_REASONS)}.")
		if not isinstance(quantity, int) or quantity <= 0:
			raise ApiError(400, "InvalidInput", "quantity must be a positive integer.")
		_catalogue_line(state, sku)
		book = aftersale(state)
		_adjust(book, marketplace_id, sku, fulfillable=-quantity)
		return _reimburse(state, book, marketplace_id, reason, sku, quantity, amount_per_unit)


def reimburse_order(state: SimulatorState, order_id: str, order_item_id: str, quantity: int, reason: str,
					amount_per_unit: Decimal, in_inventory: bool = False) -> Reimbursement:  # fmt: skip
	"""Amazon pays for an order's units it refunded and never got back (CustomerReturn) or mishandled
	(CustomerServiceIssue): in cash (no stock change), or in inventory (replacement units into the FBA stock, no
	money); the reimbursement names the order."""
	with state.lock:
		order = _fba_order(state, order_id)
		if reason not in ORDER_REASONS:
			raise ApiError(400, "InvalidInput", f"reason must be one of {', '.join(ORDER_REASONS)}.")
		item = order.item(order_item_id) if order_item_id else (order.items[0] if len(order.items) == 1 else None)
		if item is None:
			raise ApiError(400, "InvalidInput", f"An orderItemId of order {order_id} is required.")
		if not isinstance(quantity, int) or quantity <= 0 or quantity > item.quantity_shipped:
			raise ApiError(400, "InvalidInput", f"quantity must be between 1 and {item.quantity_shipped}.")
		return _reimburse(state, aftersale(state), order.marketplace_id, reason, item.sku, quantity, amount_per_unit,
						  order_id=order_id, in_inventory=in_inventory)  # fmt: skip


def found(state: SimulatorState, reimbursement_id: str, quantity: int) -> Reimbursement:
	"""A lost unit turns up: Amazon puts it back into inventory and takes the reimbursement back."""
	with state.lock:
		book = aftersale(state)
		original = next(
			(r for r in book.reimbursements if r.reimbursement_id == reimbursement_id and r.quantity > 0 and r.reason in LOSS_REASONS),
			None,
		)
		if original is None:
			raise ApiError(404, "NotFound", f"Reimbursement {reimbursement_id} of lost or damaged units was not found.")
		reversed_units = -sum(r.quantity for r in book.reimbursements if r.original_id == reimbursement_id)
		if not isinstance(quantity, int) or quantity <= 0 or quantity > original.quantity - reversed_units:
			raise ApiError(400, "InvalidInput", "quantity must be between 1 and the units still reimbursed.")
		_adjust(book, original.marketplace_id, original.sku, fulfillable=quantity)
		return _reimburse(state, book, original.marketplace_id, "Reimbursement_Reversal", original.sku, -quantity,
						  original.amount_per_unit, original_id=original.reimbursement_id)  # fmt: skip


def remove(state: SimulatorState, marketplace_id: str, sku: str, quantity: int, disposition: str) -> Removal:
	with state.lock:
		if marketplace_id not in state.marketplaces:
			raise ApiError(400, "InvalidInput", f"Invalid marketplaceId: {marketplace_id}.")
		if disposition not in ("Sellable", "Unsellable"):
			raise ApiError(400, "InvalidInput", "disposition must be Sellable or Unsellable.")
		if not isinstance(quantity, int) or quantity <= 0:
			raise ApiError(400, "InvalidInput", "quantity must be a positive integer.")
		_catalogue_line(state, sku)
		book = aftersale(state)
		book.counter += 1
		now = _now(state)
		entry = Removal(
			requested=now,
			shipped=now,
			order_id=_number(state, "removal", book.counter, digits=10).upper(),
			marketplace_id=marketplace_id,
			sku=sku,
			quantity=quantity,
			disposition=disposition,
			carrier="UPS",
			tracking_number="1Z" + _number(state, "removal-tracking", book.counter, digits=16),
		)
		if disposition == "Sellable":
			_adjust(book, marketplace_id, sku, fulfillable=-quantity)
		else:
			_adjust(book, marketplace_id, sku, unfulfillable=-quantity)
		book.removals.append(entry)
		return entry


# -- reports ------------------------------------------------------------------------------------------------


def _day(moment: datetime) -> str:
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%d")


def _within(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
	return (start is None or moment >= start) and (end is None or moment <= end)


def fba_returns_report(state: SimulatorState, marketplace_ids: set[str], start, end) -> bytes | None:
	rows = [
		[orders_iso(r.moment), r.order_id, r.sku, r.asin, _fn_sku(state, r.sku), r.title, str(r.quantity),
		 r.fulfillment_center, r.disposition, r.reason,
		 "Unit returned to inventory" if r.disposition == "SELLABLE" else "Unit returned to inventory",
		 r.license_plate, ""]
		for r in aftersale(state).fba_returns
		if r.marketplace_id in marketplace_ids and _within(r.moment, start, end)
	]  # fmt: skip
	return write_tsv(FBA_RETURN_COLUMNS, rows) if rows else None


def fbm_returns_report(state: SimulatorState, marketplace_ids: set[str], start, end) -> bytes | None:
	rows = []
	for r in aftersale(state).fbm_returns:
		order = r.order
		if order.marketplace_id not in marketplace_ids or not _within(r.moment, start, end):
			continue
		item = next((i for i in order.items if i.sku == r.sku), None)
		rows.append(
			[order.order_id, _day(order.created), _day(r.moment), "Approved", r.rma_id, "", "AmazonPrePaidLabel",
			 fmt(Decimal("6.50"), order.currency), order.currency, "UPS", r.tracking_id, "Seller", "N",
			 "Y" if order.is_prime else "N", r.asin, r.sku, r.title, str(r.quantity), r.reason, "Y",
			 "C-Returns", "StandardRefund", "", "", fmt(item.total if item else order.total, order.currency),
			 str(item.quantity if item else 1), "", "", "", "", "", fmt(r.refunded, order.currency)]
		)  # fmt: skip
	return write_tsv(FBM_RETURN_COLUMNS, rows) if rows else None


def reimbursements_report(state: SimulatorState, marketplace_ids: set[str], start, end) -> bytes | None:
	rows = [
		[orders_iso(r.moment), r.reimbursement_id, "", r.order_id, r.reason, r.sku, _fn_sku(state, r.sku), r.asin, r.title,
		 "NewItem", r.currency, fmt(r.amount_per_unit, r.currency), fmt(_cash(r) * r.quantity, r.currency),
		 "0" if r.in_inventory else str(r.quantity), str(r.quantity) if r.in_inventory else "0", str(r.quantity),
		 r.original_id, "Cash reimbursement" if r.original_id else ""]
		for r in aftersale(state).reimbursements
		if r.marketplace_id in marketplace_ids and _within(r.moment, start, end)
	]  # fmt: skip
	return write_tsv(REIMBURSEMENT_COLUMNS, rows) if rows else None


def _cash(r: Reimbursement) -> Decimal:
	"""What one unit was paid in money: nothing when Amazon paid with a replacement unit."""
	return ZERO if r.in_inventory else r.amount_per_unit


def removals_report(state: SimulatorState, marketplace_ids: set[str], start, end) -> bytes | None:
	rows = [
		[orders_iso(r.requested), r.order_id, orders_iso(r.shipped), r.sku, _fn_sku(state, r.sku), r.disposition,
		 str(r.quantity), r.carrier, r.tracking_number, "Return"]
		for r in aftersale(state).removals
		if r.marketplace_id in marketplace_ids and _within(r.shipped, start, end)
	]  # fmt: skip
	return write_tsv(REMOVAL_COLUMNS, rows) if rows else None


reports.REPORT_WRITERS.update(
	{
		FBA_RETURNS_REPORT: fba_returns_report,
		FBM_RETURNS_REPORT: fbm_returns_report,
		REIMBURSEMENTS_REPORT: reimbursements_report,
		REMOVALS_REPORT: removals_report,
	}
)


# -- control API --------------------------------------------------------------------------------------------


def _body(req: Request) -> dict[str, Any]:
	body = req.json() or {}
	if not isinstance(body, dict):
		raise ApiError(400, "InvalidInput", "The body must be a JSON object.")
	return body


def _decimal(value: Any, name: str) -> Decimal:
	try:
		return Decimal(str(value))
	except Exception:
		raise ApiError(400, "InvalidInput", f"{name} must be a decimal number.") from None


def register(router: Router, state: SimulatorState) -> None:
	@router.route("POST", "/_sim/orders/{orderId}/fba-return")
	def make_fba_return(req: Request) -> Response:
		body = _body(req)
		made = fba_return(state, req.path_args["orderId"], body.get("items"), bool(body.get("refund")))
		return Response(status=200, body={"returns": [_view(r) for r in made]})

	@router.route("POST", "/_sim/orders/{orderId}/fbm-return")
	def make_fbm_return(req: Request) -> Response:
		body = _body(req)
		made = fbm_return(state, req.path_args["orderId"], body.get("items"), bool(body.get("refund")))
		return Response(status=200, body={"returns": [_view(r) for r in made]})

	@router.route("POST", "/_sim/inventory/loss")
	def make_loss(req: Request) -> Response:
		body = _body(req)
		entry = lose(
			state,
			str(body.get("marketplace_id") or ""),
			str(body.get("sku") or ""),
			body.get("quantity", 1),
			str(body.get("reason") or "Lost_Warehouse"),
			_decimal(body.get("amount_per_unit", "10.00"), "amount_per_unit"),
		)
		return Response(status=200, body=_view(entry))

	@router.route("POST", "/_sim/orders/{orderId}/reimbursement")
	def make_order_reimbursement(req: Request) -> Response:
		body = _body(req)
		entry = reimburse_order(
			state,
			req.path_args["orderId"],
			str(body.get("orderItemId") or body.get("order_item_id") or ""),
			body.get("quantity", 1),
			str(body.get("reason") or "CustomerReturn"),
			_decimal(body.get("amount_per_unit", "10.00"), "amount_per_unit"),
			bool(body.get("in_inventory")),
		)
		return Response(status=200, body=_view(entry))

	@router.route("POST", "/_sim/inventory/found")
	def make_found(req: Request) -> Response:
		body = _body(req)
		entry = found(state, str(body.get("reimbursement_id") or ""), body.get("quantity", 1))
		return Response(status=200, body=_view(entry))

	@router.route("POST", "/_sim/removals")
	def make_removal(req: Request) -> Response:
		body = _body(req)
		entry = remove(
			state,
			str(body.get("marketplace_id") or ""),
			str(body.get("sku") or ""),
			body.get("quantity", 1),
			str(body.get("disposition") or "Sellable"),
		)
		return Response(status=200, body=_view(entry))

	@router.route("GET", "/_sim/aftersale")
	def listing(req: Request) -> Response:
		with state.lock:
			book = aftersale(state)
			return Response(
				status=200,
				body={
					"fba_returns": [_view(r) for r in book.fba_returns],
					"fbm_returns": [_view(r) for r in book.fbm_returns],
					"reimbursements": [_view(r) for r in book.reimbursements],
					"removals": [_view(r) for r in book.removals],
				},
			)


def _view(record: Any) -> dict[str, Any]:
	view = {}
	for name, value in vars(record).items():
		if isinstance(value, SimOrder):
			view["order_id"] = value.order_id
		elif isinstance(value, datetime):
			view[name] = value.astimezone(timezone.utc).isoformat()
		elif isinstance(value, Decimal):
			view[name] = str(value)
		else:
			view[name] = value
	return view
