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

		amazon_account: DF.Link
		item_code: DF.Link
		seller_sku: DF.Data
	# end: auto-generated types

	def validate(self) -> None:
		self.seller_sku = (self.seller_sku or "").strip()
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
