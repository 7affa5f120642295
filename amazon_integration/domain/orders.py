"""Which Amazon orders to import, and what ERPNext documents they become.

Pure decisions and mappings: an `Order` of the gateway in, plain plans out; the ERPNext adapter turns a plan
into documents. Nothing here reads a database or calls Amazon.

Money is exact. Amazon gives line totals; ERPNext stores a unit rate with the currency's decimals, so a line
whose total does not divide by its quantity is split into two rows (e.g. 10.00 for 3 units: 2 x 3.33 and
1 x 3.34). Each row says so in its description; the order total stays Amazon's to the cent, and every row
still delivers and invoices per unit. Shipping, gift wrap and promotions are item rows (not "Actual" tax
rows), because ERPNext copies an Actual charge whole onto every partial delivery or invoice.

Tax-inclusive or not is read per order line from Amazon's numbers, never assumed by marketplace: when the
line's non-tax breakdowns (ITEM + SHIPPING + GIFT_WRAP + ... - DISCOUNT) already make its proceedsTotal,
the TAX Amazon gives is contained in them (EU, UK, JP); when TAX is needed to reach it, the tax is on top
(US, CA). A contained line without a TAX breakdown (Amazon's UK and JP examples) carries the VAT of the
seller's rate for that marketplace, or none where the seller set no rate. An order whose tax is contained
keeps Amazon's gross prices as its rates with one "On Net Total" tax row included in the print rate, when
`inclusive_split` shows that ERPNext's own arithmetic then gives Amazon's net and tax to the cent; otherwise
(lines at several rates, a rounding tie) its rows carry the net prices and "Actual" tax rows, exact too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import Enum

from amazon_integration.amazon.orders import FBA, FBM, Address, Order, OrderItem
from amazon_integration.domain.text import msg

ZERO = Decimal("0")

# What one search asks for: FBA orders once Amazon shipped or cancelled them; FBM orders to ship, shipped
# (possibly outside ERPNext) or cancelled. Pending orders carry no prices and wait.
FBA_STATUSES = ("SHIPPED", "CANCELLED")
FBM_STATUSES = ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED")
SEARCH_STATUSES = ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED")
INCLUDED_DATA = ("BUYER", "RECIPIENT", "PROCEEDS", "FULFILLMENT", "TAX", "PROMOTION", "CANCELLATION", "PACKAGES")


class Action(str, Enum):
	IMPORT = "import"  # create the ERPNext documents (or bring existing ones up to date)
	CANCEL = "cancel"  # cancelled on Amazon
	WAIT = "wait"  # not ready: it comes back once Amazon updates it
	SKIP = "skip"  # never imported, for the reason given


@dataclass(frozen=True)
class Decision:
	action: Action
	reason: str = ""


def decide(order: Order, marketplace_ids: Collection[str]) -> Decision:
	"""What to do with an order one registration read from Amazon."""
	if order.sales_channel and order.sales_channel != "AMAZON":
		return Decision(Action.SKIP, msg("not sold on Amazon (sales channel {0})", order.sales_channel))
	if order.marketplace_id not in marketplace_ids:
		return Decision(Action.SKIP, msg("marketplace {0} is not synced by this account", order.marketplace_id))
	if order.channel not in (FBA, FBM):
		return Decision(Action.SKIP, msg("unknown fulfilment channel {0}", repr(order.fulfilled_by)))
	status = order.status
	if status in ("PENDING", "PENDING_AVAILABILITY"):
		return Decision(Action.WAIT, msg("pending on Amazon: no prices yet"))
	if status == "CANCELLED":
		return Decision(Action.CANCEL, msg("cancelled on Amazon"))
	if order.channel == FBA:
		if status == "SHIPPED":
			return Decision(Action.IMPORT)
		if status in ("UNSHIPPED", "PARTIALLY_SHIPPED"):
			return Decision(Action.WAIT, msg("Amazon has not shipped this FBA order yet"))
	elif status in FBM_STATUSES:
		return Decision(Action.IMPORT)
	return Decision(Action.SKIP, msg("unknown order status {0}", repr(status)))


class MappingError(ValueError):
	"""An order that cannot become ERPNext documents; the message says what to fix (no buyer data in it)."""


@dataclass(frozen=True)
class AccountSettings:
	"""What one Amazon Account registration says about the documents its orders become."""

	company: str
	price_lists: Mapping[str, str]  # marketplace id -> selling price list
	fba_warehouse: str | None = None
	fbm_warehouse: str | None = None
	shipping_item: str | None = None
	gift_wrap_item: str | None = None
	promotion_item: str | None = None
	fallback_item: str | None = None
	sales_tax_account: str | None = None
	marketplace_tax_account: str | None = None
	territory: str | None = None
	customer_group: str | None = None
	sales_person: str | None = None
	# marketplace id -> the seller's VAT / consumption tax rate in percent, where it is registered there
	vat_rates: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, repr=False)
class AddressPlan:
	title: str
	address_line1: str
	address_line2: str | None
	city: str
	state: str | None
	pincode: str | None
	country_code: str
	phone: str | None
	is_company: bool

	def __repr__(self) -> str:
		return f"AddressPlan(<redacted>, country_code={self.country_code!r})"


@dataclass(frozen=True, repr=False)
class CustomerPlan:
	"""The buyer as an ERPNext Customer. `buyer_ref` is stable across orders and holds no readable PII."""

	buyer_ref: str
	customer_name: str
	customer_type: str  # Individual | Company
	tax_id: str | None = None
	email: str | None = None
	address: AddressPlan | None = None

	def __repr__(self) -> str:
		return f"CustomerPlan(buyer_ref={self.buyer_ref!r}, customer_type={self.customer_type!r})"


class LineKind(str, Enum):
	PRODUCT = "product"
	SHIPPING = "shipping"
	GIFT_WRAP = "gift_wrap"
	PROMOTION = "promotion"
	SHIPPING_PROMOTION = "shipping_promotion"


# What a charge row is called on ERPNext's item rows (field amazon_charge): the hooks of deliveries and
# invoices find a product line's charges by it and by amazon_charge_for.
CHARGE_LABELS = {
	LineKind.SHIPPING: "Shipping",
	LineKind.GIFT_WRAP: "Gift Wrap",
	LineKind.PROMOTION: "Promotion",
	LineKind.SHIPPING_PROMOTION: "Shipping Promotion",
}


@dataclass(frozen=True)
class LinePlan:
	kind: LineKind
	item_code: str
	qty: int
	rate: Decimal
	description: str
	warehouse: str | None = None
	amazon_order_item_id: str | None = None
	sku: str | None = None
	# The row's share of the order's tax: what the seller collects, what Amazon collects and remits.
	seller_tax: Decimal = ZERO
	amazon_tax: Decimal = ZERO
	# A charge row follows the units of this Amazon order line (its order item id): a delivery or invoice
	# of k of its n units carries Amazon's share of the charge for those k units.
	charge_for: str | None = None
	# The row's price is net of a tax Amazon's price contained: Amazon charges a shipment its share of the
	# gross amount, so a partial delivery's tax is that share less the net share (not the tax's own share).
	tax_included: bool = False

	@property
	def amount(self) -> Decimal:
		return self.rate * self.qty


@dataclass(frozen=True)
class TaxPlan:
	account: str
	description: str
	amount: Decimal
	collected_by_amazon: bool
	# A tax contained in the rows' rates: ERPNext's "On Net Total" row at this rate (percent), included in
	# the print rate. None: an "Actual" row of `amount` on top.
	included_rate: Decimal | None = None


@dataclass(frozen=True)
class SalesOrderPlan:
	amazon_order_id: str
	marketplace_id: str
	channel: str  # FBA | FBM
	currency: str
	price_list: str
	ordered_at: datetime
	deliver_by: datetime
	warehouse: str
	customer: CustomerPlan
	lines: tuple[LinePlan, ...]
	taxes: tuple[TaxPlan, ...]
	replaced_order_id: str | None = None
	purchase_order_number: str | None = field(default=None, repr=False)
	# The same order in net rows and Actual tax rows, for when ERPNext's arithmetic on the gross rows
	# (site settings such as row-wise tax rounding) does not come out at Amazon's net and tax.
	exclusive: SalesOrderPlan | None = field(default=None, repr=False)

	@property
	def total(self) -> Decimal:
		"""The rows' amounts at their rates (gross where the tax is included in them)."""
		return sum((line.amount for line in self.lines), ZERO)

	@property
	def included_tax(self) -> Decimal:
		return sum((tax.amount for tax in self.taxes if tax.included_rate is not None), ZERO)

	@property
	def net_total(self) -> Decimal:
		return self.total - self.included_tax

	@property
	def tax_total(self) -> Decimal:
		return sum((tax.amount for tax in self.taxes), ZERO)

	@property
	def grand_total(self) -> Decimal:
		return self.net_total + self.tax_total


def plan_sales_order(
	order: Order,
	settings: AccountSettings,
	resolve_item: Callable[[str], str | None],
	decimals: int,
) -> SalesOrderPlan:
	"""The Sales Order an importable order becomes. `resolve_item` maps a seller SKU to an Item code."""
	if not order.items:
		raise MappingError(msg("Amazon sent the order without items"))
	if order.currency is None or order.order_total is None or any(i.item_total is None for i in order.items):
		raise MappingError(msg("Amazon sent the order without prices (PROCEEDS): it cannot be valued"))
	if all(item.quantity <= 0 for item in order.items) and order.order_total:
		raise MappingError(
			msg(
				"no item of the order has a quantity above 0, yet Amazon's order total is {0} {1}: there is nothing to "
				"deliver for what Amazon charged",
				order.order_total,
				order.currency,
			)
		)
	channel = order.channel
	warehouse = settings.fba_warehouse if channel == FBA else settings.fbm_warehouse
	if not warehouse:
		raise MappingError(msg("the Amazon Account has no {0} Warehouse", channel))
	price_list = settings.price_lists.get(order.marketplace_id or "")
	if not price_list:
		raise MappingError(msg("no selling price list for marketplace {0}", order.marketplace_id))

	unit = Decimal(1).scaleb(-decimals)
	vat_rate = settings.vat_rates.get(order.marketplace_id or "")
	contained = {item.order_item_id: contained_tax(item, vat_rate, unit) for item in order.items}
	lines = _order_lines(order, settings, resolve_item, warehouse, unit, contained, gross=False)
	taxes = _taxes(lines, settings)
	inclusive = _inclusive_tax(order, settings, contained, vat_rate, unit)
	gross_lines: list[LinePlan] = []
	if inclusive is not None:
		gross_lines = _order_lines(order, settings, resolve_item, warehouse, unit, contained, gross=True)
		if inclusive_split([(line.qty, line.rate) for line in gross_lines], inclusive.included_rate, unit) != (
			sum((line.amount for line in gross_lines), ZERO) - inclusive.amount,
			inclusive.amount,
		):
			gross_lines = []

	plan = SalesOrderPlan(
		amazon_order_id=order.order_id,
		marketplace_id=order.marketplace_id or "",
		channel=channel or "",
		currency=order.currency,
		price_list=price_list,
		ordered_at=order.created or order.last_updated,
		deliver_by=_deliver_by(order),
		warehouse=warehouse,
		customer=plan_customer(order),
		lines=tuple(lines),
		taxes=tuple(taxes),
		replaced_order_id=order.replaced_order_id,
		purchase_order_number=order.buyer.purchase_order_number if order.buyer else None,
	)
	if gross_lines:
		plan = replace(plan, lines=tuple(gross_lines), taxes=(inclusive,), exclusive=plan)
	if plan.grand_total != order.order_total:
		raise MappingError(
			msg(
				"the mapped total {0} differs from Amazon's order total {1} {2}: Amazon charged something this app "
				"does not map",
				plan.grand_total,
				order.order_total,
				order.currency,
			)
		)
	return plan


def _order_lines(
	order: Order,
	settings: AccountSettings,
	resolve_item: Callable[[str], str | None],
	warehouse: str,
	unit: Decimal,
	contained: Mapping[str, ContainedTax | None],
	gross: bool,
) -> list[LinePlan]:
	"""The order's rows: at net prices with each row's tax share (gross=False), or at Amazon's gross prices."""
	separate_promotions = bool(settings.promotion_item)
	lines: list[LinePlan] = []
	for item in order.items:
		lines.extend(
			_product_lines(item, resolve_item, settings, warehouse, unit, separate_promotions, contained[item.order_item_id], gross)
		)

	def charge(item: OrderItem, amount: Decimal, tax_field: str) -> tuple[Decimal, Decimal]:
		"""A line's charge net of its contained tax (unless gross), and its tax."""
		tax = contained[item.order_item_id]
		if tax is None:
			return amount, getattr(item, tax_field) or ZERO
		if gross:
			return amount, ZERO
		return amount - getattr(tax, tax_field), getattr(tax, tax_field)

	# Each line's charges follow its units: Amazon charges a shipment its units' share of them.
	for item in order.items:
		charges = [
			(LineKind.SHIPPING, *charge(item, _shipping_charge(item, separate_promotions), "shipping_tax"),
			 settings.shipping_item, "Shipping Item"),
			(LineKind.GIFT_WRAP, *charge(item, (item.gift_wrap or ZERO) - (item.gift_wrap_discount or ZERO), "gift_wrap_tax"),
			 settings.gift_wrap_item, "Gift Wrap Item"),
		]
		if separate_promotions:
			charges += [
				(LineKind.PROMOTION, -(item.promotion_discount or ZERO), ZERO, settings.promotion_item, ""),
				(LineKind.SHIPPING_PROMOTION, -(item.shipping_discount or ZERO), ZERO, settings.promotion_item, ""),
			]
		included = contained[item.order_item_id] is not None and not gross
		for kind, amount, tax, item_code, field_label in charges:
			lines += _charge_lines(kind, item, amount, tax, item_code, field_label, unit, included and bool(tax))
	for kind, amount in order.proceeds:
		if kind not in LINE_BREAKDOWNS:  # charged on the order, not on a line: e.g. a DELIVERY_TIP
			label = kind.replace("_", " ").capitalize()
			lines += _charge_line(LineKind.SHIPPING, label, amount, settings.shipping_item, "Shipping Item")
	return lines


# Proceeds breakdowns Amazon gives per line (the order's breakdowns are their sums).
LINE_BREAKDOWNS = frozenset({"ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER", "DISCOUNT", "TAX"})


@dataclass(frozen=True)
class ContainedTax:
	"""The tax contained in one line's gross amounts (field names as on OrderItem)."""

	item_tax: Decimal = ZERO
	shipping_tax: Decimal = ZERO
	gift_wrap_tax: Decimal = ZERO

	@property
	def total(self) -> Decimal:
		return self.item_tax + self.shipping_tax + self.gift_wrap_tax


def contained_tax(item: OrderItem, vat_rate: Decimal | None, unit: Decimal) -> ContainedTax | None:
	"""The tax contained in a line's prices, or None when its prices exclude tax (or it carries none).

	Decided from Amazon's numbers: with a TAX breakdown, the tax is contained when the other breakdowns
	already make the line's proceedsTotal. Without one, the line carries the seller's rate, if any.
	"""
	tax = item.tax or ZERO
	if tax:
		gross = (
			(item.item_total or ZERO) + (item.shipping or ZERO) + (item.gift_wrap or ZERO) + (item.cod_fee or ZERO)
			+ (item.other or ZERO) - (item.discount or ZERO)
		)
		if item.proceeds_total is None or gross != item.proceeds_total:
			return None  # Amazon adds the tax on top
		shipping, gift_wrap = item.shipping_tax or ZERO, item.gift_wrap_tax or ZERO
		return ContainedTax(item_tax=tax - shipping - gift_wrap, shipping_tax=shipping, gift_wrap_tax=gift_wrap)
	if not vat_rate:
		return None
	return ContainedTax(
		item_tax=vat_of((item.item_total or ZERO) - (item.promotion_discount or ZERO), vat_rate, unit),
		shipping_tax=vat_of(_shipping_charge(item, False), vat_rate, unit),
		gift_wrap_tax=vat_of((item.gift_wrap or ZERO) - (item.gift_wrap_discount or ZERO), vat_rate, unit),
	)


def vat_of(gross: Decimal, rate: Decimal, unit: Decimal) -> Decimal:
	"""The tax contained in a gross amount at `rate` percent: gross minus its net, rounded half up."""
	return gross - (gross * 100 / (100 + rate)).quantize(unit, rounding=ROUND_HALF_UP)


def _inclusive_tax(
	order: Order,
	settings: AccountSettings,
	contained: Mapping[str, ContainedTax | None],
	vat_rate: Decimal | None,
	unit: Decimal,
) -> TaxPlan | None:
	"""The one included tax row of an order whose every line contains its tax at one rate, else None."""
	items = [i for i in order.items if i.quantity > 0]
	if not items or any(contained[i.order_item_id] is None for i in items):
		return None
	if len({i.tax_withheld for i in items}) > 1:
		return None
	tax = sum((contained[i.order_item_id].total for i in items), ZERO)
	if not tax:
		return None
	gross = sum((_line_gross(i) for i in items), ZERO)
	candidates = [vat_rate] if vat_rate else []
	if gross != tax:
		candidates.append((tax * 100 / (gross - tax)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))
	rate = next(
		(
			r
			for r in candidates
			if all(abs(vat_of(_line_gross(i), r, unit) - contained[i.order_item_id].total) <= unit for i in items)
		),
		None,
	)
	if rate is None:
		return None  # lines at several rates: net rows and Actual tax rows instead
	withheld = items[0].tax_withheld
	account = settings.marketplace_tax_account if withheld else settings.sales_tax_account
	if not account:
		return None  # _taxes says what is missing
	label = "Tax collected and remitted by Amazon (marketplace facilitator)" if withheld else "VAT"
	return TaxPlan(account, f"{label} {rate.normalize():f} % (included in the price)", tax, withheld, included_rate=rate)


def _line_gross(item: OrderItem) -> Decimal:
	return (
		(item.item_total or ZERO) - (item.promotion_discount or ZERO) + _shipping_charge(item, False)
		+ (item.gift_wrap or ZERO) - (item.gift_wrap_discount or ZERO)
	)


def inclusive_split(rows: list[tuple[int, Decimal]], rate: Decimal, unit: Decimal) -> tuple[Decimal, Decimal] | None:
	"""The net total and tax ERPNext computes for rows at gross rates with one tax "On Net Total" at `rate`
	percent included in the print rate (erpnext/controllers/taxes_and_totals.py: each row's net amount is
	amount / (1 + rate) rounded, the tax is the rounded sum of rate x net). None when a rounding lands on a
	half unit, where ERPNext's float rounding and the site's rounding method could go either way.
	"""
	net_total, tax = ZERO, ZERO
	for qty, row_rate in rows:
		net = _round_clear(row_rate * qty * 100 / (100 + rate), unit)
		if net is None:
			return None
		net_total += net
		tax += net * rate / 100
	rounded_tax = _round_clear(tax, unit)
	return None if rounded_tax is None else (net_total, rounded_tax)


def _round_clear(value: Decimal, unit: Decimal) -> Decimal | None:
	"""`value` rounded to `unit`, or None when it lies within a hair of a half unit."""
	fraction = (value / unit) % 1
	if abs(abs(fraction) - Decimal("0.5")) < Decimal("0.000001"):
		return None
	return value.quantize(unit, rounding=ROUND_HALF_UP)


def _product_lines(
	item: OrderItem,
	resolve_item: Callable[[str], str | None],
	settings: AccountSettings,
	warehouse: str,
	unit: Decimal,
	separate_promotions: bool,
	contained: ContainedTax | None = None,
	gross: bool = False,
) -> list[LinePlan]:
	if item.quantity <= 0:
		return []  # a fully cancelled line: nothing to deliver or invoice
	item_code = resolve_item(item.sku or "") or settings.fallback_item
	if not item_code:
		raise MappingError(
			msg(
				"SKU {0} matches no Item: create an Item with that code, map the SKU on the Amazon Account, or set a "
				"Fallback Item",
				repr(item.sku),
			)
		)
	total = (item.item_total or ZERO) - (ZERO if separate_promotions else (item.promotion_discount or ZERO))
	line_tax = item.item_tax or ZERO
	if contained is not None:
		line_tax = ZERO if gross else contained.item_tax
		total -= line_tax
	title = (item.title or item.sku or "")[:140]
	rows = split_line_total(total, item.quantity, unit)
	taxes = share(line_tax, [qty for qty, _rate in rows], item.quantity, unit)
	return [
		LinePlan(
			kind=LineKind.PRODUCT,
			item_code=item_code,
			qty=qty,
			rate=rate,
			description=title if len(rows) == 1 else f"{title} (Amazon line total {total} for {item.quantity} units)",
			warehouse=warehouse,
			amazon_order_item_id=item.order_item_id,
			sku=item.sku,
			tax_included=contained is not None and not gross and bool(line_tax),
			**_tax_fields(tax, item.tax_withheld),
		)
		for (qty, rate), tax in zip(rows, taxes, strict=True)
	]


def _tax_fields(tax: Decimal, withheld: bool) -> dict[str, Decimal]:
	return {"amazon_tax": tax, "seller_tax": ZERO} if withheld else {"seller_tax": tax, "amazon_tax": ZERO}


def share(total: Decimal, parts: list[int], whole: int, unit: Decimal) -> list[Decimal]:
	"""Split `total` over parts of `whole` with cumulative rounding: the shares add up to `total` exactly.

	share(1.00, [1, 1, 1], 3, 0.01) -> [0.33, 0.34, 0.33]: each share is round(total x (done + part) / whole)
	minus round(total x done / whole), so any run of partial deliveries or invoices ends on the total.
	"""
	shares, done = [], 0
	for part in parts:
		shares.append(cumulative_share(total, done + part, whole, unit) - cumulative_share(total, done, whole, unit))
		done += part
	return shares


def allocate_units(
	total: Decimal, whole: int, before: int, units: int, rows: list[tuple[Decimal, int]], unit: Decimal
) -> list[int]:
	"""How many of a delivery's `units` each order row of one Amazon line's product or charge carries.

	`rows` are (rate, quantity still open) of the line's rows: one rate, or two a unit apart (see
	split_line_total). Amazon charges a shipment of `units` after `before` of `whole` units its cumulative
	share of the line's `total`; taking that many units at the higher rate makes the rows' amounts exactly
	that share, and a run of shipments never takes more of a row than it holds.
	"""
	if len(rows) == 1:
		return [units]
	(low, low_open), (high, high_open) = rows
	target = cumulative_share(total, before + units, whole, unit) - cumulative_share(total, before, whole, unit)
	at_high = int(((target - low * units) / (high - low)).to_integral_value(rounding=ROUND_HALF_UP))
	at_high = max(units - low_open, 0, min(at_high, units, high_open))
	return [units - at_high, at_high]


def cumulative_share(total: Decimal, done: Decimal | int, whole: Decimal | int, unit: Decimal) -> Decimal:
	"""The part of `total` that `done` out of `whole` carries, rounded half up to `unit`."""
	if not whole:
		return ZERO
	return (total * Decimal(done) / Decimal(whole)).quantize(unit, rounding=ROUND_HALF_UP)


def _shipping_charge(item: OrderItem, separate_promotions: bool) -> Decimal:
	charge = (item.shipping or ZERO) + (item.cod_fee or ZERO) + (item.other or ZERO)
	return charge if separate_promotions else charge - (item.shipping_discount or ZERO)


def _charge_lines(
	kind: LineKind,
	item: OrderItem,
	amount: Decimal,
	tax: Decimal,
	item_code: str | None,
	field_label: str,
	unit: Decimal,
	tax_included: bool = False,
) -> list[LinePlan]:
	"""A line's charge as rows of its units (one row for a line without units left)."""
	if not amount and not tax:
		return []
	label = CHARGE_LABELS[kind]
	if not item_code:
		raise MappingError(
			msg("the order has {0} charges of {1} but the Amazon Account has no {2}", label.lower(), amount, msg(field_label))
		)
	if item.quantity <= 0:
		return _charge_line(kind, label, amount, item_code, field_label, _tax_fields(tax, item.tax_withheld))
	rows = split_line_total(amount, item.quantity, unit)
	taxes = share(tax, [qty for qty, _rate in rows], item.quantity, unit)
	title = f"{label}: {(item.title or item.sku or '')[:100]}"
	return [
		LinePlan(
			kind=kind,
			item_code=item_code,
			qty=qty,
			rate=rate,
			description=title if len(rows) == 1 else f"{title} (Amazon total {amount} for {item.quantity} units)",
			charge_for=item.order_item_id,
			tax_included=tax_included,
			**_tax_fields(row_tax, item.tax_withheld),
		)
		for (qty, rate), row_tax in zip(rows, taxes, strict=True)
	]


def _charge_line(
	kind: LineKind,
	label: str,
	amount: Decimal,
	item_code: str | None,
	field_label: str,
	taxes: dict[str, Decimal] | None = None,
) -> list[LinePlan]:
	taxes = taxes or {}
	if not amount and not any(taxes.values()):
		return []
	if not item_code:
		raise MappingError(
			msg("the order has {0} charges of {1} but the Amazon Account has no {2}", label.lower(), amount, msg(field_label))
		)
	return [LinePlan(kind=kind, item_code=item_code, qty=1, rate=amount, description=label, **taxes)]


def split_line_total(total: Decimal, qty: int, unit: Decimal) -> list[tuple[int, Decimal]]:
	"""Unit rates in the currency's smallest unit whose rows add up to `total` exactly.

	10.00 for 3 units -> [(2, 3.33), (1, 3.34)]; 9.99 for 3 -> [(3, 3.33)].
	"""
	base = (total / qty / unit).to_integral_value(rounding=ROUND_FLOOR) * unit
	remainder_units = int((total - base * qty) / unit)
	rows = [(qty - remainder_units, base), (remainder_units, base + unit)]
	return [(q, rate.quantize(unit)) for q, rate in rows if q]


def _taxes(lines: list[LinePlan], settings: AccountSettings) -> tuple[TaxPlan, ...]:
	"""The order's tax rows: the sums of the rows' shares, so rows and totals always agree."""
	seller = sum((line.seller_tax for line in lines), ZERO)
	amazon = sum((line.amazon_tax for line in lines), ZERO)
	taxes = []
	if seller:
		if not settings.sales_tax_account:
			raise MappingError(msg("the order carries tax of {0} but the Amazon Account has no Sales Tax Account", seller))
		taxes.append(TaxPlan(settings.sales_tax_account, "Sales tax", seller, collected_by_amazon=False))
	if amazon:
		if not settings.marketplace_tax_account:
			raise MappingError(
				msg(
					"Amazon collected tax of {0} on the order but the Amazon Account has no Amazon-Collected Tax Account",
					amazon,
				)
			)
		taxes.append(
			TaxPlan(
				settings.marketplace_tax_account,
				"Tax collected and remitted by Amazon (marketplace facilitator)",
				amazon,
				collected_by_amazon=True,
			)
		)
	return tuple(taxes)


def _deliver_by(order: Order) -> datetime:
	ordered = order.created or order.last_updated
	candidates = [d for d in (order.latest_delivery_date, order.latest_ship_date) if d]
	return max([ordered, *candidates[:1]])


def plan_customer(order: Order) -> CustomerPlan:
	"""The buyer as a Customer, keyed by the most stable reference Amazon gives.

	In order: the B2B buyer's tax registration, the buyer's anonymised Amazon e-mail (FBM), a digest of
	name + postal code + country; with no buyer data at all, one customer per marketplace.
	"""
	buyer = order.buyer
	ship_to = order.ship_to
	registration = next((r for r in order.buyer_tax_registrations if r.registration_number), None)
	company = (buyer.company_name if buyer else None) or (registration.legal_name if registration else None)
	name = company or (buyer.name if buyer else None) or (ship_to.name if ship_to else None)
	country = ship_to.country_code if ship_to else None
	if registration:
		ref = "tax:" + _digest(country or "", registration.registration_number or "")
	elif buyer and buyer.email:
		ref = "email:" + _digest(buyer.email.strip().lower())
	elif name:
		ref = "name:" + _digest(name.strip().lower(), (ship_to.postal_code or "") if ship_to else "", country or "")
	else:
		ref = f"marketplace:{order.marketplace_id}"
		name = f"{order.marketplace_name or order.marketplace_id} Customer"
	return CustomerPlan(
		buyer_ref=ref,
		customer_name=name[:140],
		customer_type="Company" if company or order.is_business else "Individual",
		tax_id=registration.registration_number if registration else None,
		email=buyer.email if buyer else None,
		address=_address_plan(ship_to, name) if ship_to else None,
	)


def _address_plan(address: Address, fallback_title: str) -> AddressPlan | None:
	if not address.country_code:
		return None
	lines = [line for line in (address.address_line1, address.address_line2, address.address_line3) if line]
	return AddressPlan(
		title=(address.name or fallback_title)[:140],
		# FBA orders carry no street: ERPNext requires a first line, so the city stands in.
		address_line1=lines[0] if lines else (address.city or address.postal_code or address.country_code),
		address_line2=", ".join(lines[1:]) or None,
		city=address.city or address.municipality or address.postal_code or address.country_code,
		state=address.state_or_region,
		pincode=address.postal_code,
		country_code=address.country_code,
		phone=address.phone,
		is_company=bool(address.company_name) or address.address_type == "COMMERCIAL",
	)


def _digest(*parts: str) -> str:
	return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]
