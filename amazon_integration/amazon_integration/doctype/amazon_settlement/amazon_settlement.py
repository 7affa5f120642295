# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate


class AmazonSettlement(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		amazon_account: DF.Link
		amended_from: DF.Link | None
		booked_amount: DF.Currency
		booking_error: DF.SmallText | None
		company: DF.Link | None
		currency: DF.Link | None
		deposit_date: DF.Datetime | None
		difference: DF.Currency
		end_date: DF.Datetime | None
		fees_amount: DF.Currency
		fees_journal_entry: DF.Link | None
		first_posted: DF.Datetime | None
		last_posted: DF.Datetime | None
		payout_journal_entry: DF.Link | None
		posting_date: DF.Date | None
		refund_amount: DF.Currency
		report_id: DF.Data | None
		report_lines: DF.Int
		reserve_amount: DF.Currency
		sales_amount: DF.Currency
		settlement_id: DF.Data
		start_date: DF.Datetime | None
		status: DF.Literal["Draft", "Unreconciled", "Reconciled", "Cancelled"]
		suspense_amount: DF.Currency
		total_amount: DF.Currency
		unknown_amount: DF.Currency
		unmatched_lines: DF.Int
		withheld_tax_amount: DF.Currency
	# end: auto-generated types

	def validate(self) -> None:
		if not self.posting_date:
			self.posting_date = getdate(self.deposit_date or self.end_date)

	def before_submit(self) -> None:
		from amazon_integration.erpnext.settlements import validate_for_booking

		validate_for_booking(self)
		self.status = "Unreconciled"

	def on_submit(self) -> None:
		if self.flags.booked_by_caller:
			return  # the caller (the sandbox) books it itself, in this process: no second booking beside it
		from amazon_integration.erpnext.jobs import SETTLEMENT_BOOKING

		SETTLEMENT_BOOKING.enqueue(self.name)

	def before_cancel(self) -> None:
		from amazon_integration.erpnext.settlements import check_can_cancel

		check_can_cancel(self)

	def on_cancel(self) -> None:
		self.db_set("status", "Cancelled")

	@frappe.whitelist()
	def book_open_lines(self) -> None:
		"""Book what is still open (an invoice made since, a payment cancelled, a line that failed)."""
		self.check_permission("submit")
		if self.docstatus != 1:
			frappe.throw(_("Submit the settlement first."), title=_("Not Submitted"))
		from amazon_integration.erpnext.jobs import SETTLEMENT_BOOKING

		SETTLEMENT_BOOKING.enqueue(self.name)
		frappe.msgprint(
			_("Booking the open lines of settlement {0} in the background.").format(self.name), alert=True
		)
