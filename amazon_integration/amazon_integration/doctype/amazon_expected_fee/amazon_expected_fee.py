# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

from frappe.model.document import Document


class AmazonExpectedFee(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amazon_account: DF.Link
		amazon_order_id: DF.Data | None
		amount: DF.Currency
		breakdown_type: DF.Data | None
		category: DF.Data | None
		currency: DF.Link | None
		financial_event_group: DF.Data | None
		marketplace: DF.Data | None
		posted: DF.Datetime | None
		sku: DF.Data | None
		transaction_id: DF.Data | None
		transaction_status: DF.Data | None
	# end: auto-generated types

	pass
