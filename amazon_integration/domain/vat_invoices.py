"""Seller invoices for Amazon (feed UPLOAD_VAT_INVOICE): where Amazon takes them, what the feed says about one,
and a plain PDF of an invoice for sites that cannot render one from HTML.

Pure: invoice data in, feed options and bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

UPLOAD_VAT_INVOICE = "UPLOAD_VAT_INVOICE"
# Where Amazon takes seller invoices: UK, DE, FR, IT, ES, NL, PL, SE.
VAT_INVOICE_MARKETPLACES = frozenset(
	{
		"A1F83G8C2ARO7P",
		"A1PA6795UKMFR9",
		"A13V1IB3VIYZZH",
		"APJ6JRA9NG5V4",
		"A1RKKUPIHCS9HS",
		"A1805IZSGTT6HS",
		"A1C3SOZRARQ6R3",
		"A2NODRKZP88ZB9",
	}
)
# One upload per three seconds (Amazon's quota for this feed).
UPLOAD_INTERVAL_SECONDS = 3.0


@dataclass(frozen=True)
class InvoiceUpload:
	"""What Amazon is told about one invoice or credit note."""

	amazon_order_id: str
	invoice_number: str
	total: Decimal  # VAT-inclusive prices on items, gift wrap and shipping, minus promotions
	vat: Decimal
	credit_note: bool
	decimals: int = 2

	def feed_options(self) -> dict[str, str]:
		unit = Decimal(1).scaleb(-self.decimals)
		return {
			"metadata:OrderId": self.amazon_order_id,
			"metadata:InvoiceNumber": self.invoice_number,
			"metadata:TotalAmount": str(abs(self.total).quantize(unit)),
			"metadata:TotalVATAmount": str(abs(self.vat).quantize(unit)),
			"metadata:DocumentType": "CreditNote" if self.credit_note else "Invoice",
		}


def text_pdf(lines: list[str], title: str = "Invoice") -> bytes:
	"""A one-column PDF of text lines (PDF 1.4, Helvetica, A4, as many pages as it takes)."""
	per_page = 60
	pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
	objects: list[bytes] = []

	def add(body: bytes) -> int:
		objects.append(body)
		return len(objects)

	catalog = add(b"")  # filled below
	page_tree = add(b"")
	font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	page_ids = []
	for page_lines in pages:
		text = ["BT", "/F1 10 Tf", "12 TL", "50 800 Td"]
		for line in page_lines:
			text.append(f"({_escape(line)}) Tj T*")
		text.append("ET")
		stream = "\n".join(text).encode("cp1252", "replace")
		content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
		page_ids.append(
			add(
				b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> "
				b"/Contents %d 0 R >>" % (page_tree, font, content)
			)
		)
	objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % page_tree
	kids = b" ".join(b"%d 0 R" % page for page in page_ids)
	objects[page_tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))
	info = add(b"<< /Title (%s) >>" % _escape(title).encode("cp1252", "replace"))

	out = bytearray(b"%PDF-1.4\n")
	offsets = []
	for number, body in enumerate(objects, start=1):
		offsets.append(len(out))
		out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
	xref = len(out)
	out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
	for offset in offsets:
		out += b"%010d 00000 n \n" % offset
	out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
		len(objects) + 1,
		catalog,
		info,
		xref,
	)
	return bytes(out)


def _escape(text: str) -> str:
	return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("\r", " ").replace("\n", " ")
