# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

from frappe.model.document import Document


class AmazonSyncLogLabel(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amazon_order_id: DF.Data | None
		carrier: DF.Data | None
		cost: DF.Float
		delivery_note: DF.Link | None
		message: DF.SmallText | None
		outcome: DF.Literal["Bought", "Skipped", "Failed"]
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		tracking_number: DF.Data | None
	# end: auto-generated types

	pass
