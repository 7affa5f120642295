# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

from urllib.parse import urlparse

import frappe
from frappe import _
from frappe.model.document import Document


class AmazonMarketplace(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		country: DF.Link
		country_code: DF.Data | None
		currency: DF.Link
		domain: DF.Data | None
		endpoint: DF.Data
		marketplace_id: DF.Data
		marketplace_name: DF.Data
		region: DF.Literal["NA", "EU", "FE"]
	# end: auto-generated types

	def validate(self) -> None:
		if urlparse(self.endpoint or "").scheme not in ("http", "https"):
			frappe.throw(
				_("SP-API Endpoint {0} is not an http(s) URL.").format(frappe.bold(self.endpoint)),
				title=_("Invalid Endpoint"),
			)
