# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class AmazonSyncLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from amazon_integration.amazon_integration.doctype.amazon_sync_log_failure.amazon_sync_log_failure import (
			AmazonSyncLogFailure,
		)
		from amazon_integration.amazon_integration.doctype.amazon_sync_log_label.amazon_sync_log_label import (
			AmazonSyncLogLabel,
		)
		from amazon_integration.amazon_integration.doctype.amazon_sync_log_skip.amazon_sync_log_skip import (
			AmazonSyncLogSkip,
		)

		amazon_account: DF.Link | None
		api_calls: DF.Code | None
		cancelled_count: DF.Int
		created_count: DF.Int
		duration: DF.Float
		error: DF.Code | None
		failed_count: DF.Int
		failures: DF.Table[AmazonSyncLogFailure]
		finished_at: DF.Datetime | None
		flagged_count: DF.Int
		labels: DF.Table[AmazonSyncLogLabel]
		labels_file: DF.Attach | None
		operation: DF.Literal[
			"Order Sync",
			"Order Recovery",
			"FBA Returns Import",
			"FBM Returns Import",
			"Reimbursements Import",
			"Removals Import",
			"Buyer Data Retention",
			"Backfill",
			"Settlement Import",
			"Label Purchase",
		]
		orders_read: DF.Int
		runner: DF.Data | None
		skipped_count: DF.Int
		skipped_orders: DF.Table[AmazonSyncLogSkip]
		started_at: DF.Datetime | None
		status: DF.Literal["Queued", "Running", "Success", "Partial Success", "Failed", "Interrupted"]
		unchanged_count: DF.Int
		updated_count: DF.Int
		waiting_count: DF.Int
		window_end: DF.Datetime | None
		window_start: DF.Datetime | None
	# end: auto-generated types

	@frappe.whitelist()
	def retry_failed_orders(self) -> dict:
		"""Sync each failed order of this run again, by its Amazon order id."""
		frappe.get_doc("Amazon Account", self.amazon_account).check_permission("write")
		if self.operation not in ("Order Sync", "Order Recovery"):
			frappe.throw(frappe._("This run imported a report: its failed rows are retried by the next run."))
		from amazon_integration.erpnext.orders import recover_order

		results = {}
		for order_id in dict.fromkeys(row.amazon_order_id for row in self.failures):
			log = frappe.get_doc("Amazon Sync Log", recover_order(self.amazon_account, order_id))
			results[order_id] = log.failures[0].error if log.failures else None
		return results
