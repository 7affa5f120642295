"""Report writers: Amazon's tab-separated flat files, byte for byte in Amazon's layout.

- GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL: one row per order item, Amazon's 32 columns, dates as
  2024-01-02T03:04:05+00:00, prices of Pending orders left empty (Amazon prints none until payment clears),
  discounts as negative amounts, no buyer name/address lines (only city/state/postal code/country).
- GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2: the 24 V2 columns; first data row is the summary (settlement id,
  start, end, deposit date, total-amount, currency), then one row per amount; dates as "2024-01-02 03:04:05 UTC",
  posted-date as "2024-01-02".

Text is UTF-8, lines end with "\\n", no quoting (Amazon never quotes; tabs/newlines in values become spaces).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from decimal import Decimal

from .money import fmt
from .state import SimItem, SimOrder

ORDERS_REPORT_COLUMNS: tuple[str, ...] = (
	"amazon-order-id",
	"merchant-order-id",
	"purchase-date",
	"last-updated-date",
	"order-status",
	"fulfillment-channel",
	"sales-channel",
	"order-channel",
	"url",
	"ship-service-level",
	"product-name",
	"sku",
	"asin",
	"item-status",
	"quantity",
	"currency",
	"item-price",
	"item-tax",
	"shipping-price",
	"shipping-tax",
	"gift-wrap-price",
	"gift-wrap-tax",
	"item-promotion-discount",
	"ship-promotion-discount",
	"ship-city",
	"ship-state",
	"ship-postal-code",
	"ship-country",
	"promotion-ids",
	"is-business-order",
	"purchase-order-number",
	"price-designation",
)

# The V2 settlement report's 24 columns, as Amazon documents them. domain/settlements.py lists them too, on
# purpose: the simulator is an independent check of the app's parser, so it must not borrow the parser's list (a
# mistake there would then pass unseen). Keep the two apart; correct either against Amazon's documentation only.
SETTLEMENT_COLUMNS: tuple[str, ...] = (
	"settlement-id",
	"settlement-start-date",
	"settlement-end-date",
	"deposit-date",
	"total-amount",
	"currency",
	"transaction-type",
	"order-id",
	"merchant-order-id",
	"adjustment-id",
	"shipment-id",
	"marketplace-name",
	"amount-type",
	"amount-description",
	"amount",
	"fulfillment-id",
	"posted-date",
	"posted-date-time",
	"order-item-code",
	"merchant-order-item-id",
	"merchant-adjustment-item-id",
	"sku",
	"quantity-purchased",
	"promotion-id",
)

ORDER_STATUS_TEXT = {
	"PENDING": "Pending",
	"UNSHIPPED": "Unshipped",
	"PARTIALLY_SHIPPED": "Shipping",
	"SHIPPED": "Shipped",
	"CANCELLED": "Cancelled",
}


def _clean(value: object) -> str:
	text = "" if value is None else str(value)
	return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def write_tsv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
	lines = ["\t".join(columns)]
	for row in rows:
		lines.append("\t".join(_clean(value) for value in row))
	return ("\n".join(lines) + "\n").encode("utf-8")


def read_tsv(data: bytes | str) -> list[dict[str, str]]:
	"""Rows of a flat file as dicts keyed by the header (tests and tools)."""
	text = data.decode("utf-8") if isinstance(data, bytes) else data
	lines = [line for line in text.split("\n") if line != ""]
	if not lines:
		return []
	header = lines[0].rstrip("\r").split("\t")
	return [dict(zip(header, line.rstrip("\r").split("\t"), strict=True)) for line in lines[1:]]


# -- orders report --------------------------------------------------------------------------------------


def orders_iso(moment: datetime) -> str:
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _item_status(order: SimOrder, item: SimItem) -> str:
	if order.status == "PENDING":
		return "Unshipped"
	if item.quantity_cancelled >= item.quantity:
		return "Cancelled"
	if item.quantity_unshipped == 0 and item.quantity_shipped > 0:
		return "Shipped"
	return "Unshipped"


def _negative(amount: Decimal, currency: str) -> str:
	return fmt(-amount, currency) if amount else fmt(amount, currency)


def order_rows(order: SimOrder, sales_channel: str) -> list[list[str]]:
	rows = []
	currency = order.currency
	priced = order.status != "PENDING"
	for item in order.items:
		money = [
			fmt(item.item_price, currency),
			fmt(item.item_tax, currency),
			fmt(item.shipping_price, currency),
			fmt(item.shipping_tax, currency),
			fmt(item.gift_wrap_price, currency),
			fmt(item.gift_wrap_tax, currency),
			_negative(item.promotion_discount, currency),
			_negative(item.shipping_discount, currency),
		]
		rows.append(
			[
				order.order_id,
				"",
				orders_iso(order.created),
				orders_iso(order.last_updated),
				ORDER_STATUS_TEXT.get(order.status, order.status.title()),
				"Amazon" if order.is_fba else "Merchant",
				sales_channel,
				"",
				"",
				order.service_level,
				item.title,
				item.sku,
				item.asin,
				_item_status(order, item),
				str(item.quantity),
				currency,
				*(money if priced else [""] * len(money)),
				order.address.city,
				order.address.state_or_region or "",
				order.address.postal_code,
				order.address.country_code,
				",".join(item.promotion_ids),
				"true" if order.is_business else "false",
				"",
				"BusinessPrice" if order.is_business else "",
			]
		)
	return rows


def orders_report(orders: Iterable[SimOrder], sales_channels: dict[str, str]) -> bytes:
	"""GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL for `orders` (already filtered and sorted)."""
	rows: list[list[str]] = []
	for order in orders:
		rows.extend(order_rows(order, sales_channels.get(order.marketplace_id, "")))
	return write_tsv(ORDERS_REPORT_COLUMNS, rows)
