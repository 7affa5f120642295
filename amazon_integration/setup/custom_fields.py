"""The fields this app adds to ERPNext doctypes, as constants (applied by amazon_integration.setup)."""

MODULE = "Amazon Integration"

SYNC_STATUSES = ("Pending", "Synchronized", "Failed")



def _order_item_id_field() -> dict:
	# Same fieldname on the three item tables: ERPNext's mappers carry it from order to delivery to invoice.
	return {
		"fieldname": "amazon_order_item_id",
		"label": "Amazon Order Item ID",
		"fieldtype": "Data",
		"insert_after": "item_name",
		"read_only": 1,
		"translatable": 0,
	}


CUSTOM_FIELDS: dict[str, list[dict]] = {
	"Sales Order": [
		{
			"fieldname": "amazon_order_id",
			"label": "Amazon Order ID",
			"fieldtype": "Data",
			"insert_after": "po_date",
			"unique": 1,
			"read_only": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
			"translatable": 0,
		},
		{
			"fieldname": "amazon_account",
			"label": "Amazon Account",
			"fieldtype": "Link",
			"options": "Amazon Account",
			"insert_after": "amazon_order_id",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_order_id",
		},
		{
			"fieldname": "amazon_marketplace",
			"label": "Amazon Marketplace",
			"fieldtype": "Link",
			"options": "Amazon Marketplace",
			"insert_after": "amazon_account",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_order_id",
		},
		{
			"fieldname": "amazon_fulfillment_channel",
			"label": "Amazon Fulfillment Channel",
			"fieldtype": "Select",
			"options": "\nFBA\nFBM",
			"insert_after": "amazon_marketplace",
			"read_only": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
			"depends_on": "eval:doc.amazon_order_id",
		},
		{
			"fieldname": "amazon_replaced_order_id",
			"label": "Replacement for Amazon Order",
			"fieldtype": "Data",
			"insert_after": "amazon_fulfillment_channel",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_replaced_order_id",
			"translatable": 0,
			"description": "Amazon sends a replacement free of charge: its total is 0.00.",
		},
		{
			"fieldname": "amazon_status_note",
			"label": "Amazon Status Note",
			"fieldtype": "Small Text",
			"insert_after": "amazon_replaced_order_id",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_status_note",
		},
	],
	"Sales Order Item": [
		_order_item_id_field(),
		{
			"fieldname": "amazon_seller_tax",
			"label": "Amazon Order Tax (Seller)",
			"fieldtype": "Currency",
			"options": "currency",
			"insert_after": "amazon_order_item_id",
			"read_only": 1,
			"no_copy": 1,
			"description": "This row's share of the tax you collect: deliveries and invoices of part of the row carry part of it",
		},
		{
			"fieldname": "amazon_withheld_tax",
			"label": "Amazon Order Tax (Collected by Amazon)",
			"fieldtype": "Currency",
			"options": "currency",
			"insert_after": "amazon_seller_tax",
			"read_only": 1,
			"no_copy": 1,
		},
	],
	"Delivery Note Item": [_order_item_id_field()],
	"Sales Invoice Item": [_order_item_id_field()],
	"Delivery Note": [
		{
			# At the top of the Details tab, where a shipper works on the draft (not under More Info).
			"fieldname": "amazon_section",
			"label": "Amazon",
			"fieldtype": "Section Break",
			"insert_after": "return_against",
			"collapsible": 0,
			"depends_on": "eval:doc.amazon_order_id",
		},
		{
			"fieldname": "amazon_order_id",
			"label": "Amazon Order ID",
			"fieldtype": "Data",
			"insert_after": "amazon_section",
			"read_only": 1,
			"search_index": 1,
			"in_standard_filter": 1,
			"translatable": 0,
		},
		{
			"fieldname": "amazon_account",
			"label": "Amazon Account",
			"fieldtype": "Link",
			"options": "Amazon Account",
			"insert_after": "amazon_order_id",
			"read_only": 1,
		},
		{
			"fieldname": "amazon_fulfillment_channel",
			"label": "Amazon Fulfillment Channel",
			"fieldtype": "Select",
			"options": "\nFBA\nFBM",
			"insert_after": "amazon_account",
			"read_only": 1,
		},
		{
			"fieldname": "amazon_sync_status",
			"label": "Amazon Sync Status",
			"fieldtype": "Select",
			"options": "\n" + "\n".join(SYNC_STATUSES),
			"insert_after": "amazon_fulfillment_channel",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
			"search_index": 1,
		},
		{
			"fieldname": "amazon_sync_error",
			"label": "Amazon Sync Error",
			"fieldtype": "Small Text",
			"insert_after": "amazon_sync_status",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_sync_error",
		},
		{
			"fieldname": "amazon_column_break",
			"fieldtype": "Column Break",
			"insert_after": "amazon_sync_error",
		},
		{
			"fieldname": "amazon_carrier",
			"label": "Carrier",
			"fieldtype": "Link",
			"options": "Amazon Carrier",
			"insert_after": "amazon_column_break",
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_fulfillment_channel=='FBM'",
			"description": "Amazon's carrier list. For another carrier, type its name below.",
		},
		{
			"fieldname": "amazon_carrier_name",
			"label": "Carrier Name",
			"fieldtype": "Data",
			"insert_after": "amazon_carrier",
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_fulfillment_channel=='FBM'",
			"description": "A carrier not in Amazon's list, or Self Delivery",
		},
		{
			"fieldname": "amazon_tracking_number",
			"label": "Tracking Number",
			"fieldtype": "Data",
			"insert_after": "amazon_carrier_name",
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_fulfillment_channel=='FBM'",
			"translatable": 0,
		},
		{
			"fieldname": "amazon_shipping_method",
			"label": "Shipping Method",
			"fieldtype": "Data",
			"insert_after": "amazon_tracking_number",
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_fulfillment_channel=='FBM'",
		},
		{
			"fieldname": "amazon_package_reference",
			"label": "Amazon Package Reference",
			"fieldtype": "Data",
			"insert_after": "amazon_shipping_method",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_package_reference",
		},
		{
			# Amazon's answer was lost (5xx, timeout): the next sync reads the order before sending again.
			"fieldname": "amazon_sync_unconfirmed",
			"label": "Amazon Outcome Unknown",
			"fieldtype": "Check",
			"insert_after": "amazon_package_reference",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"hidden": 1,
		},
		{
			# A Buy Shipping label: Amazon knows this shipment already, it is never sent through confirmShipment.
			"fieldname": "amazon_label_shipment_id",
			"label": "Amazon Label Shipment ID",
			"fieldtype": "Data",
			"insert_after": "amazon_sync_unconfirmed",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"translatable": 0,
			"depends_on": "eval:doc.amazon_label_shipment_id",
		},
		{
			"fieldname": "amazon_label_carrier_id",
			"label": "Amazon Label Carrier ID",
			"fieldtype": "Data",
			"insert_after": "amazon_label_shipment_id",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"hidden": 1,
			"translatable": 0,
		},
		{
			"fieldname": "amazon_label_cost",
			"label": "Amazon Label Cost",
			"fieldtype": "Currency",
			"insert_after": "amazon_label_carrier_id",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_label_shipment_id",
		},
		{
			"fieldname": "amazon_label_journal_entry",
			"label": "Amazon Label Journal Entry",
			"fieldtype": "Link",
			"options": "Journal Entry",
			"insert_after": "amazon_label_cost",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_label_journal_entry",
		},
		{
			"fieldname": "amazon_tracking_status",
			"label": "Tracking Status",
			"fieldtype": "Data",
			"insert_after": "amazon_label_journal_entry",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_label_shipment_id",
		},
	],
	"Customer": [
		{
			"fieldname": "amazon_buyer_ref",
			"label": "Amazon Buyer Reference",
			"fieldtype": "Data",
			"insert_after": "customer_pos_id",
			"unique": 1,
			"read_only": 1,
			"no_copy": 1,
			"translatable": 0,
		},
	],
	"Sales Invoice": [
		{
			"fieldname": "amazon_order_id",
			"label": "Amazon Order ID",
			"fieldtype": "Data",
			"insert_after": "po_date",
			"search_index": 1,
			"read_only": 1,
			"in_standard_filter": 1,
			"translatable": 0,
		},
	],
	# Entries made from an Amazon Settlement point back to it (cancelling one re-opens its settlement lines).
	"Payment Entry": [
		{
			"fieldname": "amazon_settlement",
			"label": "Amazon Settlement",
			"fieldtype": "Link",
			"options": "Amazon Settlement",
			"insert_after": "reference_date",
			"search_index": 1,
			"read_only": 1,
			"no_copy": 1,
		},
	],
	"Journal Entry": [
		{
			"fieldname": "amazon_settlement",
			"label": "Amazon Settlement",
			"fieldtype": "Link",
			"options": "Amazon Settlement",
			"insert_after": "cheque_date",
			"search_index": 1,
			"read_only": 1,
			"no_copy": 1,
		},
	],
}



def _charge_fields() -> list[dict]:
	# A shipping, gift wrap or promotion row follows the units of one Amazon order line: a delivery or invoice
	# of part of the line carries Amazon's share of the charge. Same fieldnames on the three item tables, so
	# ERPNext's mappers carry them from order to delivery to invoice.
	return [
		{
			"fieldname": "amazon_charge",
			"label": "Amazon Charge",
			"fieldtype": "Select",
			"options": "\nShipping\nGift Wrap\nPromotion\nShipping Promotion",
			"insert_after": "amazon_order_item_id",
			"read_only": 1,
		},
		{
			"fieldname": "amazon_charge_for",
			"label": "Amazon Charge for Order Item",
			"fieldtype": "Data",
			"insert_after": "amazon_charge",
			"read_only": 1,
			"translatable": 0,
			"description": "The Amazon order item whose units this charge follows",
		},
	]


for _doctype in ("Sales Order Item", "Delivery Note Item", "Sales Invoice Item"):
	CUSTOM_FIELDS[_doctype].extend(_charge_fields())
CUSTOM_FIELDS["Sales Order Item"].append(
	{
		"fieldname": "amazon_tax_included",
		"label": "Amazon Price Included the Tax",
		"fieldtype": "Check",
		"insert_after": "amazon_charge_for",
		"read_only": 1,
		"no_copy": 1,
		"description": "Amazon's price of this row contained its tax (the row's rate is net of it)",
	}
)

# Invoices uploaded to Amazon (UPLOAD_VAT_INVOICE): where each stands with Amazon, and Amazon's message.
CUSTOM_FIELDS["Sales Invoice"].extend(
	[
		{
			"fieldname": "amazon_invoice_upload",
			"label": "Amazon Invoice Upload",
			"fieldtype": "Select",
			"options": "\nPending\nUploaded\nFailed",
			"insert_after": "amazon_order_id",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
			"depends_on": "eval:doc.amazon_invoice_upload",
		},
		{
			"fieldname": "amazon_invoice_upload_message",
			"label": "Amazon Invoice Upload Message",
			"fieldtype": "Small Text",
			"insert_after": "amazon_invoice_upload",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_invoice_upload_message",
		},
		{
			"fieldname": "amazon_invoice_feed_id",
			"label": "Amazon Invoice Feed ID",
			"fieldtype": "Data",
			"insert_after": "amazon_invoice_upload_message",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"hidden": 1,
		},
	]
)

# Buyer data retention: when the buyer's personal data was last removed (orders placed since bring new data).
CUSTOM_FIELDS["Customer"].append(
	{
		"fieldname": "amazon_buyer_data_removed_on",
		"label": "Amazon Buyer Data Removed On",
		"fieldtype": "Datetime",
		"insert_after": "amazon_buyer_ref",
		"read_only": 1,
		"no_copy": 1,
		"depends_on": "eval:doc.amazon_buyer_data_removed_on",
	}
)

# A settlement's fee entry row says which of Amazon's categories of money it books, and for which marketplace:
# the ledger read by category. Its amounts per order and SKU are the Amazon Settlement Fee records that carry
# the same journal_entry, account, cost center and category (erpnext/settlements.py).
CUSTOM_FIELDS["Journal Entry Account"] = [
	{
		"fieldname": "amazon_fee_category",
		"label": "Amazon Fee Category",
		"fieldtype": "Data",
		"insert_after": "cost_center",
		"read_only": 1,
		"no_copy": 1,
		"translatable": 0,
		"depends_on": "eval:doc.amazon_fee_category",
	},
	{
		"fieldname": "amazon_marketplace",
		"label": "Amazon Marketplace",
		"fieldtype": "Data",
		"insert_after": "amazon_fee_category",
		"read_only": 1,
		"no_copy": 1,
		"translatable": 0,
		"depends_on": "eval:doc.amazon_marketplace",
	},
]

# Multi-Channel Fulfilment: a non-Amazon Sales Order fulfilled from the FBA pool, and its Delivery Notes (one per
# package Amazon ships; the package key makes the scheduler's delivery idempotent).
MCF_STATUSES = (
	"Received", "Planning", "Processing", "Complete", "CompletePartialled", "Cancelled", "Unfulfillable", "Invalid",
)
CUSTOM_FIELDS["Sales Order"].extend(
	[
		{
			"fieldname": "amazon_mcf_section",
			"label": "Fulfilled by Amazon (Multi-Channel)",
			"fieldtype": "Section Break",
			"insert_after": "amazon_status_note",
			"collapsible": 1,
			"depends_on": "eval:doc.amazon_mcf_order",
		},
		{
			"fieldname": "amazon_mcf_order",
			"label": "Amazon Fulfillment Order",
			"fieldtype": "Data",
			"insert_after": "amazon_mcf_section",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"search_index": 1,
			"translatable": 0,
		},
		{
			"fieldname": "amazon_mcf_account",
			"label": "Amazon Account (Fulfilment)",
			"fieldtype": "Link",
			"options": "Amazon Account",
			"insert_after": "amazon_mcf_order",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "amazon_mcf_status",
			"label": "Amazon Fulfillment Status",
			"fieldtype": "Select",
			"options": "\n" + "\n".join(MCF_STATUSES),
			"insert_after": "amazon_mcf_account",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"in_standard_filter": 1,
		},
		{
			"fieldname": "amazon_mcf_column_break",
			"fieldtype": "Column Break",
			"insert_after": "amazon_mcf_status",
		},
		{
			"fieldname": "amazon_mcf_speed",
			"label": "Shipping Speed",
			"fieldtype": "Data",
			"insert_after": "amazon_mcf_column_break",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "amazon_mcf_fees",
			"label": "Estimated Amazon Fees",
			"fieldtype": "Currency",
			"options": "currency",
			"insert_after": "amazon_mcf_speed",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"description": "Amazon's preview; the fees charged come with the settlement to the account's fees account.",
		},
		{
			"fieldname": "amazon_mcf_note",
			"label": "Units Amazon Will Not Ship",
			"fieldtype": "Small Text",
			"insert_after": "amazon_mcf_fees",
			"read_only": 1,
			"allow_on_submit": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_mcf_note",
		},
	]
)
CUSTOM_FIELDS["Delivery Note"].extend(
	[
		{
			"fieldname": "amazon_mcf_section",
			"label": "Shipped by Amazon (Multi-Channel)",
			"fieldtype": "Section Break",
			"insert_after": "amazon_sync_unconfirmed",
			"depends_on": "eval:doc.amazon_mcf_package",
		},
		{
			"fieldname": "amazon_mcf_package",
			"label": "Amazon MCF Package",
			"fieldtype": "Data",
			"insert_after": "amazon_mcf_section",
			"read_only": 1,
			"no_copy": 1,
			"unique": 1,
			"translatable": 0,
			"depends_on": "eval:doc.amazon_mcf_package",
		},
		{
			"fieldname": "amazon_mcf_carrier",
			"label": "Amazon MCF Carrier",
			"fieldtype": "Data",
			"insert_after": "amazon_mcf_package",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_mcf_package",
		},
		{
			"fieldname": "amazon_mcf_tracking_number",
			"label": "Amazon MCF Tracking Number",
			"fieldtype": "Data",
			"insert_after": "amazon_mcf_carrier",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "eval:doc.amazon_mcf_package",
		},
	]
)

for _fields in CUSTOM_FIELDS.values():
	for _field in _fields:
		_field["module"] = MODULE
