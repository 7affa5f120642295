"""Delivery Note doc events."""

import frappe


def on_submit(doc, method=None) -> None:
	"""A shipment of a merchant-fulfilled Amazon order waits for Amazon to hear of it."""
	if doc.is_return or doc.amazon_sync_status:
		return
	channels = {
		frappe.db.get_value("Sales Order", row.against_sales_order, "amazon_fulfillment_channel")
		for row in doc.items
		if row.against_sales_order
	}
	if "FBM" in channels:
		doc.db_set("amazon_sync_status", "Pending", update_modified=False)
