# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

from frappe.model.document import Document


class AmazonSettlementLine(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amazon_order_id: DF.Data | None
		amount: DF.Currency
		booked_amount: DF.Currency
		credit_note: DF.Link | None
		currency: DF.Link | None
		description: DF.Data | None
		error: DF.SmallText | None
		fees_amount: DF.Currency
		line_type: DF.Literal["Order", "Refund", "Fee", "Adjustment", "Reserve", "Unknown", "Reimbursement"]
		payment_entry: DF.Link | None
		refunded_items: DF.Code | None
		report_lines: DF.Int
		sale_amount: DF.Currency
		sales_invoice: DF.Link | None
		settlement: DF.Link
		status: DF.Literal["Unmatched", "Matched", "Booked", "Held by Amazon", "Failed"]
		tax_amount: DF.Currency
		withheld_tax: DF.Currency
	# end: auto-generated types

	pass
