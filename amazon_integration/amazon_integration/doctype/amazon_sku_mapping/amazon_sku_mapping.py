# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class AmazonSKUMapping(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		accepted_at: DF.Datetime | None
		accepted_qty: DF.Int
		amazon_account: DF.Link
		fulfilment_channel: DF.Literal["FBM", "FBA"]
		item_code: DF.Link
		limit_quantity: DF.Check
		max_quantity: DF.Int
		push_error: DF.SmallText | None
		push_error_at: DF.Datetime | None
		push_status: DF.Literal["", "Accepted", "Refused", "Not on Amazon"]
		seller_sku: DF.Data
	# end: auto-generated types

	def validate(self) -> None:
		self.seller_sku = (self.seller_sku or "").strip()
		if self.push_status == "Not on Amazon":
			# The user looked at the SKU (listed it on Amazon, fixed a typo): the next push tries it again.
			self.push_status = ""
		duplicate = frappe.db.exists(
			"Amazon SKU Mapping",
			{"amazon_account": self.amazon_account, "seller_sku": self.seller_sku, "name": ("!=", self.name)},
		)
		if duplicate:
			frappe.throw(
				_("Seller SKU {0} of Amazon Account {1} is already mapped by {2}.").format(
					frappe.bold(self.seller_sku), frappe.bold(self.amazon_account), duplicate
				),
				title=_("Duplicate SKU Mapping"),
			)
