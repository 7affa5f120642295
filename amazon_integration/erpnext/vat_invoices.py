"""Sales Invoices and credit notes of Amazon orders uploaded to Amazon (feed UPLOAD_VAT_INVOICE).

Where the Amazon Account's marketplace row says **Upload VAT Invoices** (Amazon.de, .fr, .it, .es, .co.uk, .nl,
.pl, .se), every submitted invoice or credit note of an order of that marketplace is marked Pending and goes to
Amazon in the background, one upload per three seconds, as its PDF ("Amazon VAT Invoice" print format) with the
totals Amazon checks. Amazon answers later: a later run reads the feed's report and marks the invoice Uploaded,
or Failed with Amazon's message (Retry sends it again).
"""

from __future__ import annotations

import time
from decimal import Decimal

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt

from amazon_integration.amazon.errors import AmazonError
from amazon_integration.erpnext.account_client import get_client
from amazon_integration.erpnext.texts import translated
from amazon_integration.domain.vat_invoices import (
	UPLOAD_INTERVAL_SECONDS,
	VAT_INVOICE_MARKETPLACES,
	InvoiceUpload,
	text_pdf,
)

PRINT_FORMAT = "Amazon VAT Invoice"


def queue_upload(si: Document) -> None:
	"""On submit: an invoice of an order in a marketplace the account uploads invoices for waits for the job."""
	account = _upload_account(si)
	if not account:
		return
	si.db_set(
		{"amazon_invoice_upload": "Pending", "amazon_invoice_upload_message": None, "amazon_invoice_feed_id": None},
		update_modified=False,
	)
	from amazon_integration.erpnext.jobs import INVOICE_UPLOAD

	INVOICE_UPLOAD.enqueue(account)


def _upload_account(si: Document) -> str | None:
	if not si.get("amazon_order_id") or frappe.flags.get("amazon_backfill"):  # history: Amazon has its invoices
		return None
	order = frappe.db.get_value(
		"Sales Order", {"amazon_order_id": si.amazon_order_id}, ["amazon_account", "amazon_marketplace"], as_dict=True
	)
	if not order or order.amazon_marketplace not in VAT_INVOICE_MARKETPLACES:
		return None
	uploads = frappe.db.get_value(
		"Amazon Account Marketplace",
		{"parent": order.amazon_account, "parenttype": "Amazon Account", "marketplace": order.amazon_marketplace},
		"upload_invoices",
	)
	return order.amazon_account if uploads else None


def upload_account_invoices(account: str) -> dict[str, int]:
	"""Background job: read Amazon's answers to invoices sent before, then send the pending ones."""
	invoices = frappe.get_all(
		"Sales Invoice",
		filters={"docstatus": 1, "amazon_invoice_upload": "Pending"},
		fields=["name", "amazon_invoice_feed_id", "amazon_order_id"],
		order_by="creation",
	)
	orders = dict(
		frappe.get_all(
			"Sales Order",
			filters={"amazon_order_id": ("in", [inv.amazon_order_id for inv in invoices] or [""]), "amazon_account": account},
			fields=["amazon_order_id", "amazon_marketplace"],
			as_list=True,
		)
	)
	invoices = [inv for inv in invoices if inv.amazon_order_id in orders]
	counts = {"Uploaded": 0, "Failed": 0, "Pending": 0}
	if not invoices:
		return counts
	last_upload = 0.0
	with get_client(account) as client:
		for inv in invoices:
			if inv.amazon_invoice_feed_id:
				status = _read_answer(client, inv.name, inv.amazon_invoice_feed_id)
			else:
				wait = last_upload + UPLOAD_INTERVAL_SECONDS - time.monotonic()
				if wait > 0:
					time.sleep(wait)  # Amazon takes one invoice per three seconds
				status = _send(client, inv.name, orders[inv.amazon_order_id])
				last_upload = time.monotonic()
			counts[status] += 1
	return counts


def _send(client, name: str, marketplace: str) -> str:
	si = frappe.get_doc("Sales Invoice", name)
	upload = invoice_upload(si)
	try:
		feed_id = client.upload_vat_invoice(invoice_pdf(si), marketplace, upload.feed_options())
	except AmazonError as e:
		return _set(si.name, "Failed", translated(e))
	return _set(si.name, "Pending", None, feed_id)


def _read_answer(client, name: str, feed_id: str) -> str:
	try:
		feed = client.get_feed(feed_id)
		if not feed.is_finished:
			return "Pending"
		if feed.status != "DONE":
			return _set(name, "Failed", _("Amazon did not process the upload (feed {0} {1}).").format(feed_id, feed.status))
		report = client.get_feed_result(feed)
	except AmazonError as e:
		return _set(name, "Pending", _("Amazon's answer could not be read yet: {0}").format(translated(e)), feed_id)
	errors = [result.description for result in report.results if result.is_error]
	if errors or not report.messages_successful:
		return _set(name, "Failed", "; ".join(errors) or _("Amazon did not accept the invoice."), feed_id)
	return _set(name, "Uploaded", None, feed_id)


def _set(name: str, status: str, message: str | None, feed_id: str | None = None) -> str:
	frappe.db.set_value(
		"Sales Invoice",
		name,
		{"amazon_invoice_upload": status, "amazon_invoice_upload_message": message, "amazon_invoice_feed_id": feed_id},
		update_modified=False,
	)
	frappe.db.commit()
	return status


def retry_upload(sales_invoice: str) -> str:
	"""Send an invoice Amazon refused (or never answered for) again, in the background."""
	si = frappe.get_doc("Sales Invoice", sales_invoice)
	account = _upload_account(si) if si.docstatus == 1 else None
	if not account:
		frappe.throw(
			_("Sales Invoice {0} is not an invoice Amazon takes: its marketplace does not upload invoices.").format(si.name),
			title=_("Nothing to Upload"),
		)
	queue_upload(si)
	return "Pending"


def invoice_upload(si: Document) -> InvoiceUpload:
	decimals = si.precision("grand_total")
	return InvoiceUpload(
		amazon_order_id=si.amazon_order_id,
		invoice_number=si.name,
		total=Decimal(str(flt(si.grand_total, decimals))),
		vat=Decimal(str(flt(si.total_taxes_and_charges, decimals))),
		credit_note=bool(si.is_return),
		decimals=decimals,
	)


def invoice_pdf(si: Document) -> bytes:
	"""The invoice as the buyer sees it; a plain text rendering where the site cannot make PDFs from HTML."""
	try:
		pdf = frappe.get_print("Sales Invoice", si.name, print_format=PRINT_FORMAT, doc=si, as_pdf=True)
		if pdf and pdf.startswith(b"%PDF"):
			return pdf
	except Exception:
		frappe.clear_last_message()
	return text_pdf(_invoice_lines(si), title=si.name)


def _invoice_lines(si: Document) -> list[str]:
	company = frappe.get_cached_doc("Company", si.company)
	title = _("Credit Note") if si.is_return else _("Invoice")
	lines = [
		f"{title} {si.name}",
		_("Date: {0}").format(si.posting_date),
		_("Amazon order: {0}").format(si.amazon_order_id),
		"",
		_("Seller: {0}").format(company.company_name),
	]
	if company.tax_id:
		lines.append(_("VAT number: {0}").format(company.tax_id))
	lines.append(_("Buyer: {0}").format(si.customer_name))
	if si.get("tax_id"):
		lines.append(_("Buyer VAT number: {0}").format(si.tax_id))
	if si.get("address_display"):
		lines += [frappe.utils.strip_html(part).strip() for part in si.address_display.split("<br>") if part.strip()]
	lines += ["", _("Item, quantity, unit price, amount ({0})").format(si.currency)]
	for row in si.items:
		lines.append(f"{row.item_name or row.item_code}  {flt(row.qty):g} x {row.rate:.{si.precision('grand_total')}f}  {row.amount}")
	lines.append("")
	for tax in si.taxes:
		included = " " + _("(included)") if tax.included_in_print_rate else ""
		rate = f" {flt(tax.rate):g} %" if tax.rate else ""
		lines.append(f"{tax.description}{rate}{included}: {tax.tax_amount}")
	lines += [
		_("Net total: {0} {1}").format(si.net_total, si.currency),
		_("VAT: {0} {1}").format(si.total_taxes_and_charges, si.currency),
		_("Total: {0} {1}").format(si.grand_total, si.currency),
	]
	return lines
