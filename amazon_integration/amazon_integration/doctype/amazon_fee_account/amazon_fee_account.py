# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

from frappe.model.document import Document


class AmazonFeeAccount(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account: DF.Link
		amount_description: DF.Data | None
		amount_type: DF.Data | None
		category: DF.Literal["Referral Fees", "FBA Fulfilment Fees", "Other Fees", "FBA Storage Fees", "Inbound and Placement Fees", "Removal and Disposal Fees", "Advertising", "Subscription", "Shipping Labels", "Deal and Coupon Fees", "Chargebacks and Claims", "Reimbursements", "Seller Repayments", "Lending Repayments", "Other Adjustments", "Unknown"]
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
	# end: auto-generated types

	pass
