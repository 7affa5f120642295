# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

from frappe.model.document import Document


class AmazonSyncLogSkip(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amazon_order_id: DF.Data | None
		outcome: DF.Literal["Skipped", "Waiting"]
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		reason: DF.SmallText | None
	# end: auto-generated types

	pass
