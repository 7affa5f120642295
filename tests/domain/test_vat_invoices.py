"""Invoices uploaded to Amazon: the feed options, the PDF, and the simulator checking totals to the cent."""

from __future__ import annotations

from decimal import Decimal as D

from amazon_integration.domain.vat_invoices import InvoiceUpload, text_pdf

DE = "A1PA6795UKMFR9"


def test_feed_options_say_what_amazon_checks() -> None:
	upload = InvoiceUpload("302-1234567-1234567", "ACC-SINV-0001", D("-34.99"), D("-5.59"), credit_note=True)
	assert upload.feed_options() == {
		"metadata:OrderId": "302-1234567-1234567",
		"metadata:InvoiceNumber": "ACC-SINV-0001",
		"metadata:TotalAmount": "34.99",
		"metadata:TotalVATAmount": "5.59",
		"metadata:DocumentType": "CreditNote",
	}


def test_text_pdf_is_a_pdf() -> None:
	pdf = text_pdf(["Invoice ACC-SINV-0001", "Müller (GmbH)"] * 50, title="ACC-SINV-0001")
	assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
	assert pdf.count(b"/Type /Page ") == 2  # 100 lines: two pages
