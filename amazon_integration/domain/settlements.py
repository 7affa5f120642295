"""Amazon's V2 settlement report (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2), read as a stream.

Amazon collects the buyer's money and pays the seller once per settlement period, net of its fees and of the
taxes it withholds as marketplace facilitator. The report is a tab-separated flat file: a header row, then a
summary row (settlement-id, settlement-start-date, settlement-end-date, deposit-date, total-amount, currency;
every other column blank), then one row per amount. Pure parsing: the caller hands in text lines (e.g.
`with client.open_report_document(document_id) as lines:`); nothing here does I/O.

Flat memory: `parse_settlement` reads the header and the summary row at once and returns the amount rows as a
generator, consumed once. `summarize` aggregates while streaming, holding one small record per ORDER (plus one
per distinct non-order amount and each UNKNOWN line), never the lines themselves.

Columns are found by name in the header (order and extra columns do not matter). Values Amazon writes
differently per marketplace:
- dates: "2026-11-08 07:12:45 UTC" (US), "08.11.2026 07:12:45 UTC" (EU), "2026/11/08 07:12:45 JST",
  ISO 8601 ("2026-11-08T07:12:45+00:00", "...Z", fractions), date-only posted-date ("2026-11-08",
  "08.11.2026"). Zones: UTC/GMT/Z, numeric offsets, and PST PDT MST MDT CST CDT EST EDT BST CET CEST JST
  AEST AEDT; no zone means UTC. Results are aware datetimes in UTC. Anything else (including the ambiguous
  "08/11/2026") raises SettlementParseError naming the line, the column and the value.
- amounts: Decimal, from "1234.56", "-1234.56", "1.234,56", "1,234.56", "1 234,56", "1234,56", "(55.00)".
  With both separators the last one is the decimal mark; a single separator followed by exactly three digits
  is a thousands separator ("1.234" and "1,234" are 1234: Amazon amounts have at most two decimals), any other
  single separator is the decimal mark. No exponents, NaN or infinity.

What each line is for the accounting side (`LineKind`; matching ignores case; first rule that applies wins):

  amount-type / amount-description                                  kind
  ItemPrice / Principal                                             PRINCIPAL
  ItemPrice / Shipping                                              SHIPPING
  ItemPrice / GiftWrap                                              GIFT_WRAP
  ItemPrice / Tax, ShippingTax, GiftWrapTax (any "...Tax")          TAX
  ItemWithheldTax / MarketplaceFacilitatorTax-Principal, -Shipping,
      -Giftwrap, -Other (any description: every withheld tax)       MARKETPLACE_WITHHELD_TAX
  Promotion / Principal, Shipping (any description)                 PROMOTION
  ItemFees / Commission, FBAPerUnitFulfillmentFee,
      FBAPerOrderFulfillmentFee, FBAWeightBasedFee,
      ShippingChargeback, GiftwrapChargeback, RefundCommission,
      VariableClosingFee, FixedClosingFee (any description)         FEE
  "Previous Reserve Amount Balance" / "Current Reserve Amount"
      as transaction-type, amount-type or amount-description        RESERVE
  FBA Inventory Reimbursement as amount-type or amount-description
      (WAREHOUSE_LOST, WAREHOUSE_DAMAGE, REVERSAL_REIMBURSEMENT, ...)  REIMBURSEMENT
  any other "...Reimbursement" amount-type or amount-description
      (SAFE-T Reimbursement, ...),
      or transaction-type "Adjustment"                              ADJUSTMENT
  other-transaction (amount-type or transaction-type) / Subscription
      Fee, Storage Fee, FBA Long-Term Storage Fee, ...; and
      transaction-type ServiceFee (Cost of Advertising, ...)        OTHER_TRANSACTION
  anything else (e.g. ItemPrice / Goodwill, a new amount type)      UNKNOWN (kept, listed; never dropped)

Refunds are not separate kinds: a refund is a line whose transaction-type contains "Refund" ("Refund",
"Chargeback Refund", "A-to-z Guarantee Refund"), carrying the same amount types with the opposite signs
(ItemPrice negative, Commission given back positive, RefundCommission negative). `SettlementLine.is_refund`
tells them apart and `summarize` totals them per order separately from the order's charges.

Idempotent import (`line_key`): "<settlement-id>:<line number>", the line's physical line number in the file
(header = 1, summary row = 2, first amount = 3). A closed settlement's report is written once and its document
never changes, so re-downloading it yields the same lines in the same order and the same keys: importing again
finds every key present and changes nothing. Keys built from the line's content would need an occurrence counter
for identical lines (Amazon repeats identical rows, e.g. two units shipped in two packages on the same second),
i.e. memory per line. A settlement already imported is recognised by its settlement-id; a re-issued report
of it is the same if its total, line count and per-order totals (`summarize`) are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import lru_cache

from amazon_integration.domain.fees import FeeCategory, category_of
from amazon_integration.domain.text import msg

ZERO = Decimal("0")

# The V2 report's 24 columns, as Amazon documents them. simulator/flatfiles.py (SETTLEMENT_COLUMNS) writes them
# from its own list, on purpose: the simulator is an independent check of this parser and must not share it.
COLUMNS: tuple[str, ...] = (
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
# Without these the file is not a V2 settlement report; the others may be absent (read as blank).
REQUIRED_COLUMNS: tuple[str, ...] = (
	"settlement-id",
	"settlement-start-date",
	"settlement-end-date",
	"deposit-date",
	"total-amount",
	"currency",
	"transaction-type",
	"amount-type",
	"amount-description",
	"amount",
)


class LineKind(str, Enum):
	PRINCIPAL = "Principal"
	SHIPPING = "Shipping"
	GIFT_WRAP = "Gift Wrap"
	TAX = "Tax"
	MARKETPLACE_WITHHELD_TAX = "Marketplace Withheld Tax"
	PROMOTION = "Promotion"
	FEE = "Fee"
	OTHER_TRANSACTION = "Other Transaction"
	RESERVE = "Reserve"
	ADJUSTMENT = "Adjustment"
	REIMBURSEMENT = "Reimbursement"  # Amazon pays for FBA units it lost or damaged (or takes it back)
	UNKNOWN = "Unknown"


class SettlementError(ValueError):
	"""A settlement report that cannot be read or does not add up."""


class SettlementParseError(SettlementError):
	def __init__(self, line_no: int | None, message: str) -> None:
		self.line_no = line_no
		if line_no:
			super().__init__(msg("Settlement report line {0}: {1}", line_no, message))
		else:
			super().__init__(msg("Settlement report: {0}", message))


class SettlementTotalMismatchError(SettlementError):
	def __init__(self, settlement_id: str, expected: Decimal, actual: Decimal, currency: str) -> None:
		self.settlement_id = settlement_id
		self.expected = expected
		self.actual = actual
		super().__init__(
			msg(
				"Settlement {0}: total-amount is {1} {2} but its lines add up to {3} {2} (difference {4}).",
				settlement_id,
				expected,
				currency,
				actual,
				actual - expected,
			)
		)


# -- records --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettlementHeader:
	settlement_id: str
	start: datetime
	end: datetime
	deposit_date: datetime | None  # blank in a few marketplaces' files until the transfer is made
	total: Decimal
	currency: str


@dataclass(frozen=True, slots=True)
class SettlementLine:
	line_no: int  # physical line in the file: header = 1, summary row = 2
	settlement_id: str
	transaction_type: str  # "Order", "Refund", "other-transaction", "Adjustment", ...
	order_id: str
	merchant_order_id: str
	adjustment_id: str
	shipment_id: str
	marketplace_name: str
	amount_type: str
	amount_description: str
	amount: Decimal
	posted: datetime | None
	order_item_code: str
	sku: str
	quantity: int | None
	promotion_id: str
	kind: LineKind
	fulfillment_id: str = ""  # "AFN" (FBA) | "MFN"
	merchant_order_item_id: str = ""
	merchant_adjustment_item_id: str = ""

	@property
	def is_refund(self) -> bool:
		return is_refund_type(self.transaction_type)


@dataclass(frozen=True, slots=True)
class Settlement:
	"""The header and the amount lines as a one-shot iterator (consume it once, while the source is open)."""

	header: SettlementHeader
	lines: Iterator[SettlementLine]


@dataclass(frozen=True, slots=True)
class OrderAmounts:
	"""One order's lines of one kind of transaction (charges, or refunds), by what they are."""

	order_id: str
	principal: Decimal = ZERO
	shipping: Decimal = ZERO
	gift_wrap: Decimal = ZERO
	tax: Decimal = ZERO
	withheld_tax: Decimal = ZERO
	promotion: Decimal = ZERO
	fee: Decimal = ZERO
	other: Decimal = ZERO  # ADJUSTMENT, RESERVE, OTHER_TRANSACTION or UNKNOWN lines carrying the order id
	lines: int = 0

	@property
	def total(self) -> Decimal:
		return (
			self.principal
			+ self.shipping
			+ self.gift_wrap
			+ self.tax
			+ self.withheld_tax
			+ self.promotion
			+ self.fee
			+ self.other
		)


@dataclass(frozen=True, slots=True)
class OtherAmount:
	"""Lines without an order id (subscription, storage, reserve, reimbursements...), summed per description;
	and an order's reimbursements (CustomerReturn...), which belong with the other reimbursements, not with the
	order's charges."""

	kind: LineKind
	transaction_type: str
	amount_type: str
	amount_description: str
	amount: Decimal
	lines: int
	order_id: str = ""


@dataclass(frozen=True, slots=True)
class FeeAmount:
	"""What the settlement's fee entry books: the lines of one order (or none), SKU, marketplace and Amazon
	amount type, summed. Every line that is not the buyer's money (invoice, credit note, payment) nor a reserve
	lands in exactly one of these, so they add up to the settlement rows' `fees`. Its category says which
	account it goes to (domain/fees.py)."""

	category: FeeCategory
	transaction_type: str
	amount_type: str
	amount_description: str
	amount: Decimal
	lines: int
	order_id: str = ""
	sku: str = ""
	marketplace_name: str = ""
	posted_month: str = ""  # "YYYY-MM" (UTC) Amazon posted the lines in: a settlement can span a month end


@dataclass(frozen=True, slots=True)
class SettlementSummary:
	line_count: int
	total: Decimal  # sum of every line's amount
	by_kind: Mapping[LineKind, Decimal]
	orders: Mapping[str, OrderAmounts]  # order id -> its non-refund lines
	refunds: Mapping[str, OrderAmounts]  # order id -> its refund lines
	other: tuple[OtherAmount, ...]  # lines without an order id, and every reimbursement
	unknown: tuple[SettlementLine, ...]  # every UNKNOWN line, so the user sees it
	first_posted: datetime | None = None
	last_posted: datetime | None = None
	# order id -> order-item-code -> refunded principal (negative): which rows a credit note gives back
	refunded_items: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
	fee_amounts: tuple[FeeAmount, ...] = ()  # what the fee entry books, by order, SKU and category

	@property
	def order_ids(self) -> set[str]:
		return set(self.orders) | set(self.refunds)


# -- classification -------------------------------------------------------------------------------------

_ITEM_PRICE = {
	"principal": LineKind.PRINCIPAL,
	"shipping": LineKind.SHIPPING,
	"giftwrap": LineKind.GIFT_WRAP,
	"tax": LineKind.TAX,
	"shippingtax": LineKind.TAX,
	"giftwraptax": LineKind.TAX,
}
_RESERVE = frozenset({"previous reserve amount balance", "current reserve amount"})
_FBA_REIMBURSEMENT = "fba inventory reimbursement"


def is_refund_type(transaction_type: str) -> bool:
	return "refund" in transaction_type.lower()


@lru_cache(maxsize=512)
def classify(transaction_type: str, amount_type: str, amount_description: str) -> LineKind:
	"""The LineKind of a line (the table in the module docstring)."""
	kind = amount_type.strip().lower()
	description = amount_description.strip().lower()
	transaction = transaction_type.strip().lower()
	if kind == "itemprice":
		found = _ITEM_PRICE.get(description.replace(" ", ""))
		if found is None and description.endswith("tax"):
			found = LineKind.TAX
		return found or LineKind.UNKNOWN
	if kind == "itemwithheldtax":
		return LineKind.MARKETPLACE_WITHHELD_TAX
	if kind == "promotion":
		return LineKind.PROMOTION
	if kind == "itemfees":
		return LineKind.FEE
	if transaction in _RESERVE or kind in _RESERVE or description in _RESERVE:
		return LineKind.RESERVE
	if _FBA_REIMBURSEMENT in (kind, description):
		return LineKind.REIMBURSEMENT
	if "reimbursement" in kind or "reimbursement" in description or transaction == "adjustment":
		return LineKind.ADJUSTMENT
	if kind == "other-transaction" or transaction in ("other-transaction", "servicefee"):
		return LineKind.OTHER_TRANSACTION
	return LineKind.UNKNOWN


# -- values ---------------------------------------------------------------------------------------------

_ZONES = {
	"UTC": 0,
	"GMT": 0,
	"Z": 0,
	"PST": -8 * 60,
	"PDT": -7 * 60,
	"MST": -7 * 60,
	"MDT": -6 * 60,
	"CST": -6 * 60,
	"CDT": -5 * 60,
	"EST": -5 * 60,
	"EDT": -4 * 60,
	"BST": 60,
	"CET": 60,
	"CEST": 120,
	"JST": 9 * 60,
	"AEST": 10 * 60,
	"AEDT": 11 * 60,
}
_DATE = re.compile(
	r"(?:(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})|(?P<d2>\d{1,2})\.(?P<m2>\d{1,2})\.(?P<y2>\d{4}))"
	r"(?:[T ]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?)?"
	r"\s*(?:(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2})|(?P<zone>[A-Za-z]{1,4}))?"
)
DATE_FORMATS = (
	'"2026-11-08 07:12:45 UTC", "08.11.2026 07:12:45 UTC", "2026/11/08 07:12:45 JST", '
	'"2026-11-08T07:12:45+00:00", "2026-11-08"'
)


@lru_cache(maxsize=256)  # a settlement's lines share few distinct timestamps: parse each once
def parse_date(text: str) -> datetime:
	"""An Amazon settlement date -> aware datetime in UTC. ValueError for a format Amazon does not use."""
	match = _DATE.fullmatch(text.strip())
	if match is None:
		raise ValueError(msg("{0} is not a date in a format Amazon uses ({1})", repr(text), DATE_FORMATS))
	parts = match.groupdict()
	year, month, day = (
		(parts["y"], parts["m"], parts["d"]) if parts["y"] else (parts["y2"], parts["m2"], parts["d2"])
	)
	if parts["sign"]:
		minutes = int(parts["oh"]) * 60 + int(parts["om"])
		offset = -minutes if parts["sign"] == "-" else minutes
	elif parts["zone"]:
		zone = parts["zone"].upper()
		if zone not in _ZONES:
			raise ValueError(msg("{0} has a time zone {1} that is not known ({2})", repr(text), repr(zone), ", ".join(_ZONES)))
		offset = _ZONES[zone]
	else:
		offset = 0  # Amazon writes settlement dates in UTC
	fraction = (parts["f"] or "0")[:6].ljust(6, "0")
	try:
		moment = datetime(
			int(year),
			int(month),
			int(day),
			int(parts["H"] or 0),
			int(parts["M"] or 0),
			int(parts["S"] or 0),
			int(fraction),
			tzinfo=timezone(timedelta(minutes=offset)),
		)
	except ValueError as exc:
		raise ValueError(msg("{0} is not a valid date ({1})", repr(text), exc)) from None
	return moment.astimezone(timezone.utc)


_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_SPACES = str.maketrans("", "", " \u00a0\u202f'")
_GROUPED_DOTS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")
_GROUPED_COMMAS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")


def parse_amount(text: str) -> Decimal:
	"""An Amazon amount -> Decimal, decimal point or decimal comma. ValueError when it is not a number."""
	value = text.strip()
	if _NUMBER.fullmatch(value) and not (value.count(".") == 1 and len(value) - value.index(".") == 4):
		return Decimal(value)  # the common case: "-12.30"
	original = value
	value = value.translate(_SPACES)
	negative = False
	if value.startswith("(") and value.endswith(")"):
		negative, value = True, value[1:-1]
	if "," in value and "." in value:
		decimal_mark = "," if value.rindex(",") > value.rindex(".") else "."
		grouping = "." if decimal_mark == "," else ","
		whole, _, fraction = value.rpartition(decimal_mark)
		if not (_GROUPED_DOTS if grouping == "." else _GROUPED_COMMAS).fullmatch(whole):
			raise ValueError(msg("{0} is not an amount", repr(original)))
		value = whole.replace(grouping, "") + "." + fraction
	elif value.count(",") > 1 or value.count(".") > 1:
		if not (_GROUPED_COMMAS.fullmatch(value) or _GROUPED_DOTS.fullmatch(value)):
			raise ValueError(msg("{0} is not an amount", repr(original)))
		value = value.replace(",", "").replace(".", "")
	elif "," in value or "." in value:
		mark = "," if "," in value else "."
		whole, _, fraction = value.partition(mark)
		grouped = len(fraction) == 3 and whole.lstrip("+-") not in ("", "0")
		value = whole + fraction if grouped else whole + "." + fraction
	if not _NUMBER.fullmatch(value):
		raise ValueError(msg("{0} is not an amount", repr(original)))
	try:
		amount = Decimal(value)
	except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
		raise ValueError(msg("{0} is not an amount", repr(original))) from None
	return -amount if negative else amount


# -- parsing --------------------------------------------------------------------------------------------


class _Columns:
	"""Column name -> position, from the header row. A column the file lacks points at the blank cell `_split`
	appends after the last one, so every lookup is a plain index."""

	def __init__(self, header: list[str]) -> None:
		self.index = {name.strip().lower(): position for position, name in enumerate(header)}
		self.width = len(header)

	def missing(self) -> list[str]:
		return [name for name in REQUIRED_COLUMNS if name not in self.index]

	def __getitem__(self, name: str) -> int:
		return self.index.get(name, self.width)


def _split(line: str, width: int) -> list[str]:
	"""The row's cells, padded to the header's width plus the one blank cell of missing columns."""
	values = line.rstrip("\r\n").split("\t")
	if len(values) <= width:
		values += [""] * (width + 1 - len(values))
	else:
		values[width] = ""  # extra trailing cells beyond the header are ignored
	return values


def _date(text: str, column: str, line_no: int) -> datetime:
	try:
		return parse_date(text)
	except ValueError as exc:
		raise SettlementParseError(line_no, msg("{0}: {1}.", column, exc)) from None


def _amount(text: str, column: str, line_no: int) -> Decimal:
	if not text:
		raise SettlementParseError(line_no, msg("{0} is empty.", column))
	try:
		return parse_amount(text)
	except ValueError as exc:
		raise SettlementParseError(line_no, msg("{0}: {1}.", column, exc)) from None


def parse_settlement(lines: Iterable[str]) -> Settlement:
	"""Read the header and summary rows now; the amount lines stream from `Settlement.lines`.

	Raises SettlementParseError (with the line number) for a missing header or summary row, and, while the lines
	are consumed, for a bad date, amount or quantity, or a line of another settlement."""
	source = iter(lines)
	line_no = 0
	header_row: list[str] | None = None
	for raw in source:
		line_no += 1
		text = raw.lstrip("\ufeff")
		if text.strip():
			header_row = text.rstrip("\r\n").split("\t")
			break
	if header_row is None:
		raise SettlementParseError(None, msg("the document is empty (no header row)."))
	columns = _Columns(header_row)
	missing = columns.missing()
	if missing:
		raise SettlementParseError(
			line_no,
			msg(
				"this is not the header of a V2 settlement report (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2); "
				"missing columns: {0}.",
				", ".join(missing),
			),
		)
	summary: list[str] | None = None
	for raw in source:
		line_no += 1
		if raw.strip():
			summary = [value.strip() for value in _split(raw, columns.width)]
			break
	if summary is None:
		raise SettlementParseError(
			line_no + 1, msg("the summary row (settlement-id, dates, total-amount) is missing.")
		)
	header = _header(summary, columns, line_no)
	return Settlement(header=header, lines=_amount_lines(source, columns, header, line_no))


def _header(values: list[str], columns: _Columns, line_no: int) -> SettlementHeader:
	settlement_id = values[columns["settlement-id"]]
	if not settlement_id or not values[columns["total-amount"]]:
		raise SettlementParseError(
			line_no,
			msg("the first row after the header is not the summary row (settlement-id and total-amount are required)."),
		)
	currency = values[columns["currency"]].upper()
	if not currency:
		raise SettlementParseError(line_no, msg("currency is empty on the summary row."))
	dates: dict[str, datetime | None] = {}
	for column in ("settlement-start-date", "settlement-end-date", "deposit-date"):
		text = values[columns[column]]
		if not text and column != "deposit-date":
			raise SettlementParseError(line_no, msg("{0} is empty on the summary row.", column))
		dates[column] = _date(text, column, line_no) if text else None
	start, end = dates["settlement-start-date"], dates["settlement-end-date"]
	assert start is not None and end is not None
	return SettlementHeader(
		settlement_id=settlement_id,
		start=start,
		end=end,
		deposit_date=dates["deposit-date"],
		total=_amount(values[columns["total-amount"]], "total-amount", line_no),
		currency=currency,
	)


def _amount_lines(
	source: Iterator[str], columns: _Columns, header: SettlementHeader, line_no: int
) -> Iterator[SettlementLine]:
	width = columns.width
	settlement_col = columns["settlement-id"]
	transaction_col = columns["transaction-type"]
	order_col = columns["order-id"]
	merchant_order_col = columns["merchant-order-id"]
	adjustment_col = columns["adjustment-id"]
	shipment_col = columns["shipment-id"]
	marketplace_col = columns["marketplace-name"]
	amount_type_col = columns["amount-type"]
	description_col = columns["amount-description"]
	amount_col = columns["amount"]
	fulfillment_col = columns["fulfillment-id"]
	posted_date_col = columns["posted-date"]
	posted_time_col = columns["posted-date-time"]
	item_code_col = columns["order-item-code"]
	merchant_item_col = columns["merchant-order-item-id"]
	merchant_adjustment_col = columns["merchant-adjustment-item-id"]
	sku_col = columns["sku"]
	quantity_col = columns["quantity-purchased"]
	promotion_col = columns["promotion-id"]
	settlement_id = header.settlement_id
	for raw in source:
		line_no += 1
		if not raw.strip():
			continue
		values = _split(raw, width)
		line_settlement = values[settlement_col].strip()
		if line_settlement and line_settlement != settlement_id:
			raise SettlementParseError(
				line_no, msg("settlement-id {0} differs from the summary row's {1}.", line_settlement, settlement_id)
			)
		transaction_type = values[transaction_col].strip()
		amount_type = values[amount_type_col].strip()
		description = values[description_col].strip()
		posted = None
		if values[posted_time_col].strip():
			posted = _date(values[posted_time_col], "posted-date-time", line_no)
		elif values[posted_date_col].strip():
			posted = _date(values[posted_date_col], "posted-date", line_no)
		quantity_text = values[quantity_col].strip()
		quantity = None
		if quantity_text:
			if not quantity_text.isdigit():
				raise SettlementParseError(
					line_no, msg("quantity-purchased: {0} is not a whole number.", repr(quantity_text))
				)
			quantity = int(quantity_text)
		yield SettlementLine(
			line_no=line_no,
			settlement_id=settlement_id,
			transaction_type=transaction_type,
			order_id=values[order_col].strip(),
			merchant_order_id=values[merchant_order_col],
			adjustment_id=values[adjustment_col],
			shipment_id=values[shipment_col],
			marketplace_name=values[marketplace_col],
			amount_type=amount_type,
			amount_description=description,
			amount=_amount(values[amount_col].strip(), "amount", line_no),
			posted=posted,
			order_item_code=values[item_code_col],
			sku=values[sku_col],
			quantity=quantity,
			promotion_id=values[promotion_col],
			kind=classify(transaction_type, amount_type, description),
			fulfillment_id=values[fulfillment_col],
			merchant_order_item_id=values[merchant_item_col],
			merchant_adjustment_item_id=values[merchant_adjustment_col],
		)


# -- aggregation ----------------------------------------------------------------------------------------

# Position of each kind's sum in an order's accumulator: OrderAmounts' fields in order, then the line count.
_SLOT = {
	LineKind.PRINCIPAL: 0,
	LineKind.SHIPPING: 1,
	LineKind.GIFT_WRAP: 2,
	LineKind.TAX: 3,
	LineKind.MARKETPLACE_WITHHELD_TAX: 4,
	LineKind.PROMOTION: 5,
	LineKind.FEE: 6,
}
_OTHER_SLOT = 7
# The buyer's money: booked by the order's invoice, credit note and payment (domain/fees.py INVOICE_CATEGORIES).
INVOICE_KINDS = frozenset(
	{
		LineKind.PRINCIPAL,
		LineKind.SHIPPING,
		LineKind.GIFT_WRAP,
		LineKind.TAX,
		LineKind.MARKETPLACE_WITHHELD_TAX,
		LineKind.PROMOTION,
	}
)
# Kinds booked elsewhere than the fee entry: the buyer's money and the reserve (kept in the clearing account).
_NOT_FEE_ENTRY = INVOICE_KINDS | {LineKind.RESERVE}


def line_key(line: SettlementLine) -> str:
	"""Stable identity of a line for idempotent import: "<settlement-id>:<line number>" (module docstring)."""
	return f"{line.settlement_id}:{line.line_no}"


def _freeze(order_id: str, accumulator: list) -> OrderAmounts:
	return OrderAmounts(order_id, *accumulator[:8], lines=accumulator[8])


def summarize(lines: Iterable[SettlementLine]) -> SettlementSummary:
	"""Aggregate a settlement's lines in one pass; memory grows with the orders, not with the lines."""
	orders: dict[str, list] = {}
	refunds: dict[str, list] = {}
	other: dict[tuple[LineKind, str, str, str, str], list] = {}
	by_kind: dict[LineKind, Decimal] = {}
	unknown: list[SettlementLine] = []
	refunded_items: dict[str, dict[str, Decimal]] = {}
	fee_amounts: dict[tuple[str, str, str, str, str, str, str], list] = {}
	total = ZERO
	count = 0
	first: datetime | None = None
	last: datetime | None = None
	for line in lines:
		count += 1
		amount = line.amount
		kind = line.kind
		total += amount
		by_kind[kind] = by_kind.get(kind, ZERO) + amount
		if line.posted is not None:
			if first is None or line.posted < first:
				first = line.posted
			if last is None or line.posted > last:
				last = line.posted
		if kind is LineKind.UNKNOWN:
			unknown.append(line)
		if kind not in _NOT_FEE_ENTRY:
			fee_key = (
				line.order_id,
				line.sku,
				line.marketplace_name,
				line.transaction_type,
				line.amount_type,
				line.amount_description,
				f"{line.posted.year:04d}-{line.posted.month:02d}" if line.posted else "",
			)
			fee_entry = fee_amounts.get(fee_key)
			if fee_entry is None:
				fee_entry = fee_amounts[fee_key] = [ZERO, 0]
			fee_entry[0] += amount
			fee_entry[1] += 1
		# An order's reimbursement (Amazon pays for a unit it refunded and never got back) is no charge of the
		# order: it nets with the stock it stands for, like every FBA Inventory Reimbursement. A reserve line
		# carrying an order id is still money Amazon holds, never the order's.
		if line.order_id and kind not in (LineKind.REIMBURSEMENT, LineKind.RESERVE):
			refund = is_refund_type(line.transaction_type)
			book = refunds if refund else orders
			if refund and kind is LineKind.PRINCIPAL:
				items = refunded_items.setdefault(line.order_id, {})
				items[line.order_item_code] = items.get(line.order_item_code, ZERO) + amount
			accumulator = book.get(line.order_id)
			if accumulator is None:
				accumulator = book[line.order_id] = [ZERO] * 8 + [0]
			accumulator[_SLOT.get(kind, _OTHER_SLOT)] += amount
			accumulator[8] += 1
		else:
			key = (kind, line.transaction_type, line.amount_type, line.amount_description, line.order_id)
			entry = other.get(key)
			if entry is None:
				entry = other[key] = [ZERO, 0]
			entry[0] += amount
			entry[1] += 1
	return SettlementSummary(
		line_count=count,
		total=total,
		by_kind=by_kind,
		orders={order_id: _freeze(order_id, acc) for order_id, acc in orders.items()},
		refunds={order_id: _freeze(order_id, acc) for order_id, acc in refunds.items()},
		other=tuple(
			OtherAmount(kind, transaction, amount_type, description, entry[0], entry[1], order_id)
			for (kind, transaction, amount_type, description, order_id), entry in other.items()
		),
		unknown=tuple(unknown),
		first_posted=first,
		last_posted=last,
		refunded_items=refunded_items,
		fee_amounts=tuple(
			FeeAmount(
				category=category_of(transaction, amount_type, description),
				transaction_type=transaction,
				amount_type=amount_type,
				amount_description=description,
				amount=entry[0],
				lines=entry[1],
				order_id=order_id,
				sku=sku,
				marketplace_name=marketplace,
				posted_month=month,
			)
			for (order_id, sku, marketplace, transaction, amount_type, description, month), entry in fee_amounts.items()
		),
	)


def check_total(header: SettlementHeader, summary: SettlementSummary) -> None:
	"""Amazon's invariant: the lines add up to total-amount, to the cent. Raises SettlementTotalMismatchError."""
	if summary.total != header.total:
		raise SettlementTotalMismatchError(header.settlement_id, header.total, summary.total, header.currency)


def read_settlement(lines: Iterable[str]) -> tuple[SettlementHeader, SettlementSummary]:
	"""parse_settlement + summarize + check_total in one pass (the report's lines are not kept)."""
	settlement = parse_settlement(lines)
	summary = summarize(settlement.lines)
	check_total(settlement.header, summary)
	return settlement.header, summary


# -- what a settlement becomes in the books ----------------------------------------------------------------


class RowType(str, Enum):
	ORDER = "Order"  # an order's charges: paid to its Sales Invoice
	REFUND = "Refund"  # an order's refund: a credit note against its invoice, paid back
	FEE = "Fee"  # fees and other transactions without an order: the settlement's fee entry
	ADJUSTMENT = "Adjustment"  # reimbursements and adjustments: the settlement's fee entry (credited)
	REIMBURSEMENT = "Reimbursement"  # FBA units lost or damaged: the fee entry, against the loss account
	RESERVE = "Reserve"  # money Amazon holds back or releases: it stays in the clearing account
	UNKNOWN = "Unknown"  # an amount type this app does not know: the fee entry books it to suspense, listed


_ROW_TYPE = {
	LineKind.FEE: RowType.FEE,
	LineKind.OTHER_TRANSACTION: RowType.FEE,
	LineKind.ADJUSTMENT: RowType.ADJUSTMENT,
	LineKind.REIMBURSEMENT: RowType.REIMBURSEMENT,
	LineKind.RESERVE: RowType.RESERVE,
}


@dataclass(frozen=True, slots=True)
class SettlementRow:
	"""One stored line of a settlement: an order's charges or refund, or one kind of other amount."""

	row_type: RowType
	amount: Decimal  # what Amazon's lines of this row add up to
	lines: int  # how many report lines it stands for
	order_id: str = ""
	sale: Decimal = (
		ZERO  # price, shipping, gift wrap, tax and promotions: what the invoice or credit note carries
	)
	tax: Decimal = ZERO  # the tax part of `sale` (seller's and Amazon's)
	withheld_tax: Decimal = ZERO  # tax Amazon keeps as marketplace facilitator
	fees: Decimal = ZERO  # Amazon's fees and other amounts, booked in the settlement's fee entry
	description: str = ""


def settlement_rows(summary: SettlementSummary) -> list[SettlementRow]:
	"""The rows to store for a settlement: every amount lands in exactly one row, so they add up to its total."""
	rows = [_order_row(RowType.ORDER, amounts) for amounts in summary.orders.values()]
	rows += [_order_row(RowType.REFUND, amounts) for amounts in summary.refunds.values()]
	for other in summary.other:
		row_type = _ROW_TYPE.get(other.kind, RowType.UNKNOWN)
		booked_as_fee = row_type is not RowType.RESERVE
		rows.append(
			SettlementRow(
				row_type=row_type,
				amount=other.amount,
				lines=other.lines,
				order_id=other.order_id,
				fees=other.amount if booked_as_fee else ZERO,
				description=" / ".join(
					part
					for part in (other.transaction_type, other.amount_type, other.amount_description)
					if part
				),
			)
		)
	return rows


def _order_row(row_type: RowType, amounts: OrderAmounts) -> SettlementRow:
	return SettlementRow(
		row_type=row_type,
		amount=amounts.total,
		lines=amounts.lines,
		order_id=amounts.order_id,
		sale=amounts.principal + amounts.shipping + amounts.gift_wrap + amounts.tax + amounts.promotion,
		tax=amounts.tax,
		withheld_tax=amounts.withheld_tax,
		fees=amounts.fee + amounts.other,
	)


__all__ = [
	"COLUMNS",
	"DATE_FORMATS",
	"FeeAmount",
	"INVOICE_KINDS",
	"REQUIRED_COLUMNS",
	"LineKind",
	"OrderAmounts",
	"OtherAmount",
	"Settlement",
	"SettlementError",
	"SettlementHeader",
	"SettlementLine",
	"SettlementParseError",
	"SettlementSummary",
	"SettlementTotalMismatchError",
	"check_total",
	"classify",
	"is_refund_type",
	"line_key",
	"parse_amount",
	"parse_date",
	"parse_settlement",
	"read_settlement",
	"RowType",
	"SettlementRow",
	"settlement_rows",
	"summarize",
]
