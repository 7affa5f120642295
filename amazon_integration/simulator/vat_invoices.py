"""Seller invoices uploaded to Amazon: the UPLOAD_VAT_INVOICE feed (Amazon.de, .fr, .it, .es, .co.uk, .nl, .pl,
.se).

The feed document is the invoice PDF; what it is about travels in feedOptions: metadata:OrderId (or
metadata:ShippingId), metadata:InvoiceNumber, metadata:TotalAmount, metadata:TotalVATAmount and
metadata:DocumentType (Invoice or CreditNote). Amazon refuses an invoice whose total differs from its own to
two decimals: an Invoice's TotalAmount must be the order's total or what Amazon charged for one of its
shipments (its units' share of every amount), and for the whole order its VAT must be the order's tax; a
CreditNote may not exceed the order. Each feed carries one invoice and reports on it alone.

Control API: GET /_sim/orders/{orderId}/invoices -> {"invoices": [{"invoice_number", "document_type",
"total", "vat", "feed_id", "status": "ACCEPTED"|"REJECTED", "message"}]}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .documents import attach
from .feeds import FEED_PROCESSORS, SimFeed, finish, xml_feed_payload
from .http import ApiError, Request, Response, Router
from .money import ZERO, q
from .state import SimOrder, SimulatorState
from .xmlfeeds import ProcessingReport, ResultEntry

UPLOAD_VAT_INVOICE = "UPLOAD_VAT_INVOICE"
# UK, DE, FR, IT, ES, NL, PL, SE
VAT_INVOICE_MARKETPLACES = frozenset(
	{
		"A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "APJ6JRA9NG5V4", "A1RKKUPIHCS9HS",
		"A1805IZSGTT6HS", "A1C3SOZRARQ6R3", "A2NODRKZP88ZB9",
	}
)
DOCUMENT_TYPES = ("Invoice", "CreditNote")
CODE_INVALID = 8001
CODE_MISMATCH = 8002


@dataclass
class UploadedInvoice:
	invoice_number: str
	document_type: str
	total: str
	vat: str
	feed_id: str
	status: str
	message: str = ""


@dataclass
class InvoicesState:
	by_order: dict[str, list[UploadedInvoice]] = field(default_factory=dict)


def invoices_state(state: SimulatorState) -> InvoicesState:
	return attach(state, "vat_invoices", InvoicesState)


def process(state: SimulatorState, feed_id: str, options: dict[str, str], data: bytes) -> ProcessingReport:
	"""Check one uploaded invoice against Amazon's order (under state.lock); the report says yes or why not."""
	order_id = options.get("metadata:OrderId") or _order_of_shipment(state, options.get("metadata:ShippingId"))
	number = options.get("metadata:InvoiceNumber") or ""
	document_type = options.get("metadata:DocumentType") or ""
	order = state.orders.get(order_id or "")
	error = _check(state, order, options, number, document_type, data)
	if order is not None:
		invoices_state(state).by_order.setdefault(order.order_id, []).append(
			UploadedInvoice(
				invoice_number=number,
				document_type=document_type,
				total=options.get("metadata:TotalAmount", ""),
				vat=options.get("metadata:TotalVATAmount", ""),
				feed_id=feed_id,
				status="REJECTED" if error else "ACCEPTED",
				message=error[1] if error else "",
			)
		)
	results = []
	if error:
		results.append(
			ResultEntry(message_id=1, result_code="Error", message_code=error[0], description=error[1], amazon_order_id=order_id)
		)
	return ProcessingReport(
		document_transaction_id=feed_id,
		status_code="Complete",
		messages_processed=1,
		messages_successful=0 if error else 1,
		messages_with_error=1 if error else 0,
		results=results,
	)


def _process_feed(state: SimulatorState, feed: SimFeed) -> None:
	data = xml_feed_payload(state, feed)
	if data is not None:
		finish(state, feed, "DONE", process(state, feed.feed_id, feed.feed_options, data))


FEED_PROCESSORS[UPLOAD_VAT_INVOICE] = _process_feed


def _check(
	state: SimulatorState, order: SimOrder | None, options: dict[str, str], number: str, document_type: str, data: bytes
) -> tuple[int, str] | None:
	if order is None:
		return CODE_INVALID, "metadata:OrderId (or metadata:ShippingId) names no order of this seller."
	if order.marketplace_id not in VAT_INVOICE_MARKETPLACES:
		return CODE_INVALID, f"Amazon does not take seller invoices in marketplace {order.marketplace_id}."
	if not number:
		return CODE_INVALID, "metadata:InvoiceNumber is required."
	if document_type not in DOCUMENT_TYPES:
		return CODE_INVALID, "metadata:DocumentType must be Invoice or CreditNote."
	if not data.startswith(b"%PDF"):
		return CODE_INVALID, "The invoice document is not a PDF."
	try:
		total = Decimal(options.get("metadata:TotalAmount", ""))
		vat = Decimal(options.get("metadata:TotalVATAmount", "0") or "0")
	except InvalidOperation:
		return CODE_INVALID, "metadata:TotalAmount and metadata:TotalVATAmount must be amounts."
	currency = order.currency
	total, vat = q(total, currency), q(vat, currency)
	if document_type == "CreditNote":
		if not ZERO < abs(total) <= order.total:
			return CODE_MISMATCH, (
				f"The credit note total {abs(total)} {currency} is not within order {order.order_id}'s total "
				f"{order.total} {currency}."
			)
		return None
	tax = q(sum((item.tax_total for item in order.items), ZERO), currency)
	if total == order.total:
		if vat != tax:
			return CODE_MISMATCH, (
				f"The invoice VAT {vat} {currency} does not match the VAT of order {order.order_id}, {tax} {currency}."
			)
		return None
	shipments = shipment_totals(order)
	if total not in shipments:
		expected = ", ".join(f"{amount} {currency}" for amount in [order.total, *shipments])
		return CODE_MISMATCH, (
			f"The invoice total {total} {currency} does not match Amazon's total for order {order.order_id} "
			f"({expected})."
		)
	return None


def shipment_totals(order: SimOrder) -> list[Decimal]:
	"""What the buyer paid for each shipment of the order: its units' share of every line amount."""
	from .settlements import _item_base, _share

	totals, before = [], {}
	for package in order.packages:
		amount = ZERO
		for item_id, units in package.lines:
			item = order.item(item_id)
			if item is None or units <= 0:
				continue
			done = before.get(item_id, 0)
			amount += sum(
				(
					_share(value, done, units, item.quantity, order.currency)
					for kind, _description, value, _promotion in _item_base(item)
					if kind in ("ItemPrice", "Promotion")
				),
				ZERO,
			)
			before[item_id] = done + units
		totals.append(amount)
	return totals


def _order_of_shipment(state: SimulatorState, shipping_id: str | None) -> str | None:
	if not shipping_id:
		return None
	for order in state.orders.values():
		if any(package.package_reference_id == shipping_id for package in order.packages):
			return order.order_id
	return None


def register(router: Router, state: SimulatorState) -> None:
	@router.route("GET", "/_sim/orders/{orderId}/invoices")
	def uploaded(req: Request) -> Response:
		order_id = req.path_args["orderId"]
		with state.lock:
			if order_id not in state.orders:
				raise ApiError(404, "NotFound", f"Order {order_id} not found.")
			rows = invoices_state(state).by_order.get(order_id, [])
			body: dict[str, Any] = {"invoices": [vars(row).copy() for row in rows]}
		return Response(200, body)
