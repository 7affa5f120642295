"""The history before day one: Amazon's all-orders report read as the `Order` records searchOrders gives.

GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL has one tab-separated row per order item (Amazon's
columns: amazon-order-id, purchase-date, last-updated-date, order-status, fulfillment-channel, sales-channel,
ship-service-level, product-name, sku, asin, item-status, quantity, currency, item-price, item-tax,
shipping-price, shipping-tax, gift-wrap-price, gift-wrap-tax, item-promotion-discount, ship-promotion-discount,
ship-city, ship-state, ship-postal-code, ship-country, promotion-ids, is-business-order,
purchase-order-number, price-designation, ...). One report request covers months of orders where searchOrders
pages through them 100 at a time, so history comes in through it; `orders_from_report` turns its rows into
`Order`s and `domain.orders` maps them to Sales Orders exactly as it maps the orders searchOrders returns.

What the report does not carry, and what takes its place:
- No buyer name, e-mail or street: the customer is the marketplace's (`plan_customer`'s stable reference for
  an order without buyer data), and no address is made from a city and postal code alone.
- No order item id: each line gets "<n>" by its place in the order (Amazon's ids are needed only to confirm
  a shipment, and only shipped orders come in through the report).
- No statement of whether the prices contain the tax, nor who collects it: the report prints prices the way
  the marketplace shows them, so `TAX_ON_TOP` (the Americas) and `MARKETPLACE_FACILITATOR` (Amazon.com,
  where Amazon collects and remits every state's sales tax) decide it per marketplace.
Prices of Pending orders are empty (Amazon prints none until the payment clears): those orders are `priced`
False and wait, as they do in order sync. A Cancelled line (item-status) carries no money though Amazon still
prints its item-price; an order whose every line is cancelled is a cancelled order, whatever its order-status.

Rows are read one at a time; a row that cannot be read becomes a `BadRow` (aftersale's), and so does its
order, so one bad line never stops the others nor half-imports its order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from amazon_integration.amazon.orders import FBM, Buyer, Order, OrderItem
from amazon_integration.domain.aftersale import BadRow, _parse, _Row
from amazon_integration.domain.text import msg

ORDERS_REPORT = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
REQUIRED_COLUMNS = (
	"amazon-order-id",
	"purchase-date",
	"last-updated-date",
	"order-status",
	"fulfillment-channel",
	"sales-channel",
	"sku",
	"quantity",
	"currency",
	"item-price",
)

ZERO = Decimal(0)

# Marketplaces whose prices exclude the tax (added on top); elsewhere (Europe, the UK, Japan, Australia,
# India...) the report's prices contain the VAT or consumption tax that item-tax shows.
TAX_ON_TOP = frozenset(
	{
		"ATVPDKIKX0DER",  # Amazon.com
		"A2EUQ1WTGCTBG2",  # Amazon.ca
		"A1AM78C64UM0Y8",  # Amazon.com.mx
		"A2Q3Y263D00KWC",  # Amazon.com.br
	}
)
# Marketplaces where Amazon collects and remits the tax of every order (marketplace facilitator laws).
MARKETPLACE_FACILITATOR = frozenset({"ATVPDKIKX0DER"})

# The report's order-status -> the Orders API's fulfillment status.
STATUSES = {
	"pending": "PENDING",
	"pendingavailability": "PENDING_AVAILABILITY",
	"unshipped": "UNSHIPPED",
	"shipping": "PARTIALLY_SHIPPED",
	"partiallyshipped": "PARTIALLY_SHIPPED",
	"shipped": "SHIPPED",
	"cancelled": "CANCELLED",
	"canceled": "CANCELLED",
}


@dataclass(frozen=True, slots=True, repr=False)
class ReportLine:
	"""One row of the report: one item of one order. Money is for the whole line, as Amazon prints it."""

	line_no: int
	order_id: str
	purchased: datetime
	last_updated: datetime
	order_status: str  # Pending | Unshipped | Shipping | Shipped | Cancelled
	fulfillment_channel: str  # Amazon | Merchant
	sales_channel: str  # Amazon.com, Amazon.de, ... or Non-Amazon
	service_level: str
	title: str
	sku: str
	asin: str
	item_status: str
	quantity: int
	currency: str
	priced: bool  # False: Amazon printed no prices (a Pending order)
	item_price: Decimal
	item_tax: Decimal
	shipping_price: Decimal
	shipping_tax: Decimal
	gift_wrap_price: Decimal
	gift_wrap_tax: Decimal
	promotion_discount: Decimal  # positive: taken off the item price
	shipping_discount: Decimal  # positive: taken off shipping
	promotion_ids: tuple[str, ...]
	is_business: bool
	purchase_order_number: str

	def __repr__(self) -> str:
		return f"ReportLine({self.order_id!r}, {self.sku!r}, line {self.line_no})"


def parse_orders_report(lines: Iterable[str]) -> Iterator[ReportLine | BadRow]:
	"""The report's rows, typed, one at a time (ReportFormatError when the header is not this report's)."""

	def build(row: _Row, _seen: dict[str, int]) -> ReportLine:
		price = row.text("item-price")
		return ReportLine(
			line_no=row.line_no,
			order_id=row.required("amazon-order-id"),
			purchased=row.date("purchase-date"),
			last_updated=row.date("last-updated-date"),
			order_status=row.required("order-status"),
			fulfillment_channel=row.required("fulfillment-channel"),
			sales_channel=row.text("sales-channel"),
			service_level=row.text("ship-service-level"),
			title=row.text("product-name"),
			sku=row.text("sku"),
			asin=row.text("asin"),
			item_status=row.text("item-status"),
			quantity=row.whole("quantity"),
			currency=row.required("currency"),
			priced=bool(price),
			item_price=row.amount("item-price"),
			item_tax=row.amount("item-tax"),
			shipping_price=row.amount("shipping-price"),
			shipping_tax=row.amount("shipping-tax"),
			gift_wrap_price=row.amount("gift-wrap-price"),
			gift_wrap_tax=row.amount("gift-wrap-tax"),
			# Amazon prints discounts negative; some marketplaces' files positive: the amount taken off either way.
			promotion_discount=abs(row.amount("item-promotion-discount")),
			shipping_discount=abs(row.amount("ship-promotion-discount")),
			promotion_ids=tuple(p.strip() for p in row.text("promotion-ids").split(",") if p.strip()),
			is_business=row.text("is-business-order").lower() == "true",
			purchase_order_number=row.text("purchase-order-number"),
		)

	return _parse(lines, REQUIRED_COLUMNS, ORDERS_REPORT, build, lambda row: row.text("amazon-order-id"))


@dataclass(frozen=True, slots=True)
class BadOrder:
	"""An order the report describes in a way that cannot be read (which line, what is wrong)."""

	order_id: str
	message: str


def orders_from_report(
	rows: Iterable[ReportLine | BadRow], marketplaces: Mapping[str, str]
) -> Iterator[Order | BadOrder]:
	"""The report's orders, each as the `Order` searchOrders would give for it (as far as the report says).

	`marketplaces` maps a sales channel as Amazon prints it (its marketplace name, e.g. "Amazon.com", any case)
	to the marketplace id. An order's rows are consecutive in Amazon's file; should one come apart, its rows
	are still gathered: orders are yielded once the whole file is read (a few hundred bytes per order)."""
	by_name = {name.strip().lower(): marketplace_id for name, marketplace_id in marketplaces.items()}
	orders: dict[str, list[ReportLine | BadRow]] = {}
	for row in rows:
		orders.setdefault(row.order_id, []).append(row)
	for order_id, lines in orders.items():
		yield _order(order_id, lines, by_name)


def _order(order_id: str, lines: list[ReportLine | BadRow], marketplaces: Mapping[str, str]) -> Order | BadOrder:
	bad = next((line for line in lines if isinstance(line, BadRow)), None)
	if bad is not None:
		return BadOrder(order_id, msg("line {0}: {1}", bad.line_no, bad.message))
	rows: list[ReportLine] = lines  # type: ignore[assignment]
	first = rows[0]
	channel = first.sales_channel.strip()
	marketplace_id = marketplaces.get(channel.lower())
	if len({row.currency for row in rows}) > 1:
		return BadOrder(order_id, msg("its lines are in several currencies"))
	status = STATUSES.get("".join(ch for ch in first.order_status.lower() if ch.isalpha()))
	if status is None:
		return BadOrder(order_id, msg("unknown order-status {0}", repr(first.order_status)))
	fulfilled_by = {"amazon": "AMAZON", "afn": "AMAZON", "merchant": "MERCHANT", "mfn": "MERCHANT"}.get(
		first.fulfillment_channel.strip().lower(), first.fulfillment_channel
	)
	on_top = marketplace_id in TAX_ON_TOP
	withheld = marketplace_id in MARKETPLACE_FACILITATOR
	priced = all(row.priced or _cancelled(row) for row in rows)
	items = tuple(_item(row, n, on_top, withheld, priced) for n, row in enumerate(rows, 1))
	if all(_cancelled(row) for row in rows):
		status = "CANCELLED"  # every line cancelled, whatever the order-status says: nothing was sold
	return Order(
		order_id=order_id,
		marketplace_id=marketplace_id,
		created=first.purchased,
		last_updated=max(row.last_updated for row in rows),
		status=status,
		fulfilled_by=fulfilled_by,
		service_level=first.service_level or None,
		sales_channel="AMAZON" if marketplace_id or channel.lower().startswith("amazon") else "NON_AMAZON",
		marketplace_name=channel or None,
		programs=("AMAZON_BUSINESS",) if first.is_business else (),
		currency=first.currency,
		order_total=sum((item.proceeds_total or ZERO for item in items), ZERO) if priced else None,
		items=items,
		buyer=Buyer(purchase_order_number=first.purchase_order_number) if first.purchase_order_number else None,
	)


def _cancelled(row: ReportLine) -> bool:
	return row.item_status.strip().lower() in ("cancelled", "canceled")


def _item(row: ReportLine, n: int, on_top: bool, withheld: bool, priced: bool) -> OrderItem:
	cancelled = _cancelled(row)
	quantity = 0 if cancelled else row.quantity
	shipped = quantity if row.item_status.strip().lower() == "shipped" else 0
	money: dict[str, object] = {}
	if priced and cancelled:
		# Amazon still prints a cancelled line's item-price (its Shipped order's only line, even): it carries
		# no money, or the order would be worth more than Amazon charged.
		money = dict.fromkeys(_MONEY_FIELDS, ZERO)
	elif priced:
		tax = row.item_tax + row.shipping_tax + row.gift_wrap_tax
		gross = (
			row.item_price + row.shipping_price + row.gift_wrap_price - row.promotion_discount - row.shipping_discount
		)
		money = {
			# What the buyer paid for the line: domain.orders reads "tax contained" from gross == proceeds_total.
			"proceeds_total": gross + tax if on_top else gross,
			"item_total": row.item_price,
			"shipping": row.shipping_price,
			"gift_wrap": row.gift_wrap_price,
			"cod_fee": ZERO,
			"other": ZERO,
			"discount": row.promotion_discount + row.shipping_discount,
			"promotion_discount": row.promotion_discount,
			"shipping_discount": row.shipping_discount,
			"gift_wrap_discount": ZERO,
			"tax": tax,
			"item_tax": row.item_tax,
			"shipping_tax": row.shipping_tax,
			"gift_wrap_tax": row.gift_wrap_tax,
		}
	return OrderItem(
		order_item_id=str(n),
		sku=row.sku or None,
		asin=row.asin or None,
		title=row.title or None,
		quantity=quantity,
		quantity_shipped=shipped,
		quantity_unshipped=quantity - shipped,
		tax_withheld=withheld and bool(money.get("tax")),
		tax_collection_model="MARKETPLACE_FACILITATOR" if withheld else None,
		promotion_ids=row.promotion_ids,
		**money,  # type: ignore[arg-type]
	)


_MONEY_FIELDS = (
	"proceeds_total", "item_total", "shipping", "gift_wrap", "cod_fee", "other", "discount", "promotion_discount",
	"shipping_discount", "gift_wrap_discount", "tax", "item_tax", "shipping_tax", "gift_wrap_tax",
)  # fmt: skip


def needs_order_api(order: Order) -> bool:
	"""An FBM order still to ship: shipping it needs Amazon's order item ids, which the report lacks, so it is
	read whole with getOrder and imported as order sync imports it (such orders are few)."""
	return order.channel == FBM and order.status in ("UNSHIPPED", "PARTIALLY_SHIPPED")
