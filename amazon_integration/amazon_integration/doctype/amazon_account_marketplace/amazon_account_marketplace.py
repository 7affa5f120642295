# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

from frappe.model.document import Document


class AmazonAccountMarketplace(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		cost_center: DF.Link | None
		currency: DF.Link | None
		marketplace: DF.Link
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		price_list: DF.Link | None
		upload_invoices: DF.Check
		vat_rate: DF.Percent
	# end: auto-generated types

	pass
