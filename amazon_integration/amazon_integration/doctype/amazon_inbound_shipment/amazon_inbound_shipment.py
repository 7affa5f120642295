# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from amazon_integration.erpnext import inbound
from amazon_integration.erpnext.account_client import interactive_calls


class AmazonInboundShipment(Document):
	def validate(self):
		inbound.validate(self)

	def _may_drive(self):
		# Stock Users read these shipments; only who may write them (Amazon Manager) sends anything to Amazon.
		self.check_permission("write")

	@frappe.whitelist()
	def start_plan(self):
		self._may_drive()
		with interactive_calls():
			inbound.start_plan(self)

	@frappe.whitelist()
	def confirm_placement(self, placement_option_id: str | None = None):
		self._may_drive()
		with interactive_calls():
			inbound.confirm_placement(self, placement_option_id)

	@frappe.whitelist()
	def confirm_transport(self, selections: str | None = None):
		self._may_drive()
		with interactive_calls():
			inbound.confirm_transport(self, selections)

	@frappe.whitelist()
	def fetch_labels(self):
		self._may_drive()
		with interactive_calls():
			return inbound.fetch_labels(self)

	@frappe.whitelist()
	def mark_shipped(self):
		self._may_drive()
		inbound.mark_shipped(self)

	@frappe.whitelist()
	def sync_receipts(self):
		self._may_drive()
		with interactive_calls():
			inbound.sync_receipts(self)

	@frappe.whitelist()
	def draft_adjustment(self):
		self._may_drive()
		return inbound.draft_adjustment(self)

	@frappe.whitelist()
	def cancel_plan(self):
		self._may_drive()
		with interactive_calls():
			inbound.cancel_plan(self)
