# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class AmazonInventoryEvent(Document):
	@frappe.whitelist()
	def retry(self) -> str:
		"""Apply this failed row again now (its account's settings or the missing order may have changed)."""
		frappe.get_doc("Amazon Account", self.amazon_account).check_permission("write")
		from amazon_integration.erpnext.aftersale import retry_event

		return retry_event(self.name)
