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
	"Sales Order Item": [_order_item_id_field()],
	"Delivery Note Item": [_order_item_id_field()],
	"Sales Invoice Item": [_order_item_id_field()],
	"Delivery Note": [
		{
			"fieldname": "amazon_section",
			"label": "Amazon",
			"fieldtype": "Section Break",
			"insert_after": "lr_date",
			"collapsible": 1,
			"depends_on": "eval:doc.amazon_sync_status",
		},
		{
			"fieldname": "amazon_sync_status",
			"label": "Amazon Sync Status",
			"fieldtype": "Select",
			"options": "\n" + "\n".join(SYNC_STATUSES),
			"insert_after": "amazon_section",
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
}

for _fields in CUSTOM_FIELDS.values():
	for _field in _fields:
		_field["module"] = MODULE
