"""Amazon's after-sale reports, read as streams: FBA customer returns, merchant (FBM) returns, FBA
reimbursements and removal shipments. Pure parsing and decisions; the caller hands in text lines (e.g.
`with client.open_report_document(document_id) as lines:`), nothing here does I/O.

Each report is a tab-separated flat file with a header row; columns are found by name (case and spacing do not
matter, so "Order ID" and "order-id" both work; extra columns are ignored). A row is turned into one record, or
into a `BadRow` naming its line and what is wrong (a missing order id, a quantity that is not a whole number, a
date in no format Amazon uses): one bad row never stops the others. Rows are yielded one at a time (flat memory).

Every record has a `key`, the same whenever the same row is read again (reruns, overlapping report windows), so
an importer applies each row once:
- FBA return: "<order-id>:<sku>:<license-plate-number>" (Amazon labels every returned unit group with its own
  license plate); without one, the row's content plus its occurrence among identical rows of the file.
- FBM return: "<Amazon RMA ID>:<Merchant SKU>" (plus the occurrence when repeated).
- Reimbursement: "<reimbursement-id>:<sku>".
- Removal shipment: "<order-id>:<sku>:<tracking-number>:<disposition>:<shipment-date>".

What each record means for stock:
- FBA return: the units come back into the FBA warehouse when the detailed-disposition is SELLABLE, into the
  unsellable warehouse for any other disposition (DAMAGED, CUSTOMER_DAMAGED, DEFECTIVE, CARRIER_DAMAGED, ...).
- Reimbursement (`stock_effect`): Lost_Warehouse / Damaged_Warehouse / Lost_Outbound... reimbursed in cash: the
  units left Amazon's stock (a write-off); reimbursed with inventory, a replacement took their place (no change);
  Reimbursement_Reversal: the units were found and are back; other reasons (CustomerReturn,
  CustomerServiceIssue, ...) move money only when paid in cash, and put units into the FBA stock when Amazon
  paid with inventory (quantity-reimbursed-inventory).
- Removal: units shipped back to the seller, out of the FBA (Sellable) or unsellable (Unsellable) stock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from amazon_integration.domain.settlements import parse_amount, parse_date
from amazon_integration.domain.text import msg, text_of

FBA_RETURNS_REPORT = "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"
FBM_RETURNS_REPORT = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
REIMBURSEMENTS_REPORT = "GET_FBA_REIMBURSEMENTS_DATA"
REMOVALS_REPORT = "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA"
# Each report's import, by the name its runs are logged under (the Amazon Sync Log's operation).
IMPORTS = {
	FBA_RETURNS_REPORT: "FBA Returns Import",
	FBM_RETURNS_REPORT: "FBM Returns Import",
	REIMBURSEMENTS_REPORT: "Reimbursements Import",
	REMOVALS_REPORT: "Removals Import",
}

SELLABLE = "SELLABLE"
# Reimbursement reasons whose cash-reimbursed units left Amazon's inventory (lost or destroyed there).
LOSS_REASONS = frozenset(
	{"lost_warehouse", "damaged_warehouse", "lost_outbound", "damaged_outbound", "lost_inbound",
	 "damaged_inbound", "warehouse_lost", "warehouse_damage"}
)  # fmt: skip
REVERSAL_REASONS = frozenset({"reimbursement_reversal", "reversal_reimbursement"})


class ReportFormatError(ValueError):
	"""The document is not the report it should be (no header, a required column missing)."""


@dataclass(frozen=True, slots=True)
class BadRow:
	line_no: int
	key: str  # what identifies the row as far as it could be read (order id, reimbursement id...)
	order_id: str
	message: str


@dataclass(frozen=True, slots=True)
class FbaReturn:
	key: str
	line_no: int
	return_date: datetime
	order_id: str
	sku: str
	asin: str
	fnsku: str
	quantity: int
	fulfillment_center: str
	disposition: str  # SELLABLE, DAMAGED, CUSTOMER_DAMAGED, DEFECTIVE, CARRIER_DAMAGED, EXPIRED...
	reason: str
	status: str
	license_plate: str

	@property
	def sellable(self) -> bool:
		return self.disposition == SELLABLE


@dataclass(frozen=True, slots=True)
class FbmReturn:
	key: str
	line_no: int
	order_id: str
	return_date: datetime
	status: str
	rma_id: str
	sku: str
	asin: str
	quantity: int
	reason: str
	resolution: str
	currency: str
	refunded: Decimal | None


@dataclass(frozen=True, slots=True)
class Reimbursement:
	key: str
	line_no: int
	approval_date: datetime
	reimbursement_id: str
	case_id: str
	order_id: str
	reason: str
	sku: str
	fnsku: str
	asin: str
	condition: str
	currency: str
	amount_per_unit: Decimal
	amount_total: Decimal
	quantity_cash: int
	quantity_inventory: int
	quantity_total: int
	original_reimbursement_id: str

	@property
	def stock_effect(self) -> int:
		"""Units this reimbursement takes out of (negative) or puts back into (positive) the FBA stock."""
		reason = self.reason.strip().lower()
		if reason in REVERSAL_REASONS:
			return abs(self.quantity_cash)
		if reason in LOSS_REASONS:
			return -self.quantity_cash  # units reimbursed in inventory were replaced: no change
		return self.quantity_inventory


@dataclass(frozen=True, slots=True)
class RemovalShipment:
	key: str
	line_no: int
	request_date: datetime | None
	order_id: str
	shipment_date: datetime
	sku: str
	fnsku: str
	disposition: str  # Sellable | Unsellable
	quantity: int
	carrier: str
	tracking_number: str
	removal_type: str  # Return | Disposal | Liquidations

	@property
	def sellable(self) -> bool:
		return self.disposition.strip().lower() == "sellable"


# -- reading --------------------------------------------------------------------------------------------


def _normal(name: str) -> str:
	return "".join(ch for ch in name.strip().lower() if ch.isalnum())


class _Row:
	def __init__(self, index: dict[str, int], values: list[str], line_no: int) -> None:
		self.index = index
		self.values = values
		self.line_no = line_no

	def text(self, column: str) -> str:
		position = self.index.get(_normal(column))
		return self.values[position].strip() if position is not None and position < len(self.values) else ""

	def required(self, column: str) -> str:
		value = self.text(column)
		if not value:
			raise ValueError(msg("{0} is empty", column))
		return value

	def date(self, column: str, required: bool = True) -> datetime | None:
		value = self.text(column)
		if not value:
			if required:
				raise ValueError(msg("{0} is empty", column))
			return None
		try:
			return parse_date(value)
		except ValueError as exc:
			raise ValueError(msg("{0}: {1}", column, exc)) from None

	def whole(self, column: str, default: int | None = None) -> int:
		value = self.text(column)
		if not value and default is not None:
			return default
		try:
			return int(value)
		except ValueError:
			raise ValueError(msg("{0}: {1} is not a whole number", column, repr(value))) from None

	def amount(self, column: str) -> Decimal:
		value = self.text(column)
		if not value:
			return Decimal(0)
		return parse_amount(value)


def _rows(lines: Iterable[str], required: tuple[str, ...], report: str) -> Iterator[_Row]:
	source = iter(lines)
	index: dict[str, int] | None = None
	line_no = 0
	for raw in source:
		line_no += 1
		text = raw.lstrip("\ufeff").rstrip("\r\n")
		if text.strip():
			index = {_normal(name): position for position, name in enumerate(text.split("\t"))}
			break
	if index is None:
		return
	missing = [column for column in required if _normal(column) not in index]
	if missing:
		raise ReportFormatError(msg("{0}: this is not its header; missing columns: {1}.", report, ", ".join(missing)))
	for raw in source:
		line_no += 1
		text = raw.rstrip("\r\n")
		if text.strip():
			yield _Row(index, text.split("\t"), line_no)


def _parse(lines: Iterable[str], required: tuple[str, ...], report: str, build, key_of) -> Iterator:
	seen: dict[str, int] = {}
	for row in _rows(lines, required, report):
		try:
			record = build(row, seen)
		except (ValueError, ArithmeticError) as exc:
			yield BadRow(row.line_no, key_of(row), row.text("order-id") or row.text("Order ID") or row.text("amazon-order-id"), text_of(exc))
			continue
		yield record


def _occurrence(seen: dict[str, int], base: str) -> str:
	"""A key for rows without an id of their own: identical rows get #2, #3... in file order."""
	seen[base] = seen.get(base, 0) + 1
	return base if seen[base] == 1 else f"{base}#{seen[base]}"


def _positive(value: int, column: str) -> int:
	if value <= 0:
		raise ValueError(msg("{0} must be positive, not {1}", column, value))
	return value


def parse_fba_returns(lines: Iterable[str]) -> Iterator[FbaReturn | BadRow]:
	def build(row: _Row, seen: dict[str, int]) -> FbaReturn:
		order_id = row.required("order-id")
		sku = row.required("sku")
		when = row.date("return-date")
		disposition = row.required("detailed-disposition").upper()
		quantity = _positive(row.whole("quantity"), "quantity")
		plate = row.text("license-plate-number")
		if plate:
			key = f"{order_id}:{sku}:{plate}"
		else:
			key = _occurrence(seen, f"{order_id}:{sku}:{when.isoformat()}:{disposition}:{quantity}")
		return FbaReturn(
			key=key,
			line_no=row.line_no,
			return_date=when,
			order_id=order_id,
			sku=sku,
			asin=row.text("asin"),
			fnsku=row.text("fnsku"),
			quantity=quantity,
			fulfillment_center=row.text("fulfillment-center-id"),
			disposition=disposition,
			reason=row.text("reason"),
			status=row.text("status"),
			license_plate=plate,
		)

	return _parse(
		lines, ("return-date", "order-id", "sku", "quantity", "detailed-disposition"), FBA_RETURNS_REPORT, build,
		lambda row: f"{row.text('order-id')}:{row.text('sku')}:{row.text('license-plate-number')}",
	)  # fmt: skip


def parse_fbm_returns(lines: Iterable[str]) -> Iterator[FbmReturn | BadRow]:
	def build(row: _Row, seen: dict[str, int]) -> FbmReturn:
		order_id = row.required("Order ID")
		sku = row.required("Merchant SKU")
		rma = row.text("Amazon RMA ID")
		refunded = row.text("Refunded Amount")
		return FbmReturn(
			key=_occurrence(seen, f"{rma or order_id}:{sku}"),
			line_no=row.line_no,
			order_id=order_id,
			return_date=row.date("Return request date"),
			status=row.text("Return request status"),
			rma_id=rma,
			sku=sku,
			asin=row.text("ASIN"),
			quantity=_positive(row.whole("Return quantity"), "Return quantity"),
			reason=row.text("Return Reason"),
			resolution=row.text("Resolution"),
			currency=row.text("Currency code"),
			refunded=parse_amount(refunded) if refunded else None,
		)

	return _parse(
		lines, ("Order ID", "Return request date", "Merchant SKU", "Return quantity"), FBM_RETURNS_REPORT, build,
		lambda row: f"{row.text('Amazon RMA ID') or row.text('Order ID')}:{row.text('Merchant SKU')}",
	)  # fmt: skip


def parse_reimbursements(lines: Iterable[str]) -> Iterator[Reimbursement | BadRow]:
	def build(row: _Row, seen: dict[str, int]) -> Reimbursement:
		reimbursement_id = row.required("reimbursement-id")
		sku = row.required("sku")
		cash = row.whole("quantity-reimbursed-cash", 0)
		inventory = row.whole("quantity-reimbursed-inventory", 0)
		return Reimbursement(
			key=_occurrence(seen, f"{reimbursement_id}:{sku}"),
			line_no=row.line_no,
			approval_date=row.date("approval-date"),
			reimbursement_id=reimbursement_id,
			case_id=row.text("case-id"),
			order_id=row.text("amazon-order-id"),
			reason=row.required("reason"),
			sku=sku,
			fnsku=row.text("fnsku"),
			asin=row.text("asin"),
			condition=row.text("condition"),
			currency=row.text("currency-unit").upper(),
			amount_per_unit=row.amount("amount-per-unit"),
			amount_total=row.amount("amount-total"),
			quantity_cash=cash,
			quantity_inventory=inventory,
			quantity_total=row.whole("quantity-reimbursed-total", cash + inventory),
			original_reimbursement_id=row.text("original-reimbursement-id"),
		)

	return _parse(
		lines, ("approval-date", "reimbursement-id", "reason", "sku", "amount-total"), REIMBURSEMENTS_REPORT, build,
		lambda row: f"{row.text('reimbursement-id')}:{row.text('sku')}",
	)  # fmt: skip


def parse_removal_shipments(lines: Iterable[str]) -> Iterator[RemovalShipment | BadRow]:
	def build(row: _Row, seen: dict[str, int]) -> RemovalShipment:
		order_id = row.required("order-id")
		sku = row.required("sku")
		shipped = row.date("shipment-date")
		disposition = row.text("disposition") or "Sellable"
		tracking = row.text("tracking-number")
		return RemovalShipment(
			key=_occurrence(seen, f"{order_id}:{sku}:{tracking}:{disposition}:{shipped.isoformat()}"),
			line_no=row.line_no,
			request_date=row.date("request-date", required=False),
			order_id=order_id,
			shipment_date=shipped,
			sku=sku,
			fnsku=row.text("fnsku"),
			disposition=disposition,
			quantity=_positive(row.whole("shipped-quantity"), "shipped-quantity"),
			carrier=row.text("carrier"),
			tracking_number=tracking,
			removal_type=row.text("removal-order-type"),
		)

	return _parse(
		lines, ("order-id", "shipment-date", "sku", "shipped-quantity"), REMOVALS_REPORT, build,
		lambda row: f"{row.text('order-id')}:{row.text('sku')}:{row.text('tracking-number')}",
	)  # fmt: skip


PARSERS = {
	FBA_RETURNS_REPORT: parse_fba_returns,
	FBM_RETURNS_REPORT: parse_fbm_returns,
	REIMBURSEMENTS_REPORT: parse_reimbursements,
	REMOVALS_REPORT: parse_removal_shipments,
}


__all__ = [
	"BadRow",
	"FBA_RETURNS_REPORT",
	"FBM_RETURNS_REPORT",
	"FbaReturn",
	"FbmReturn",
	"PARSERS",
	"REIMBURSEMENTS_REPORT",
	"REMOVALS_REPORT",
	"Reimbursement",
	"RemovalShipment",
	"ReportFormatError",
	"parse_fba_returns",
	"parse_fbm_returns",
	"parse_reimbursements",
	"parse_removal_shipments",
]
