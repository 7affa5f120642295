# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

from frappe.model.document import Document


class AmazonOrderRetry(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amazon_account: DF.Link
		amazon_order_id: DF.Data
		attempts: DF.Int
		error: DF.SmallText | None
		last_attempt: DF.Datetime | None
	# end: auto-generated types

	pass
