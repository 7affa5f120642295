# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

from frappe.model.document import Document


class AmazonSettlementFee(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account: DF.Link | None
		amazon_order_id: DF.Data | None
		amount: DF.Currency
		amount_description: DF.Data | None
		amount_type: DF.Data | None
		category: DF.Literal["Referral Fees", "FBA Fulfilment Fees", "Other Fees", "FBA Storage Fees", "Inbound and Placement Fees", "Removal and Disposal Fees", "Advertising", "Subscription", "Shipping Labels", "Deal and Coupon Fees", "Chargebacks and Claims", "Reimbursements", "Seller Repayments", "Lending Repayments", "Other Adjustments", "Unknown"]
		cost_center: DF.Link | None
		currency: DF.Link | None
		in_suspense: DF.Check
		journal_entry: DF.Link | None
		marketplace: DF.Data | None
		posted_month: DF.Data | None
		posting_date: DF.Date | None
		report_lines: DF.Int
		settlement: DF.Link
		sku: DF.Data | None
		transaction_type: DF.Data | None
	# end: auto-generated types

	pass
