app_name = "amazon_integration"
app_title = "Amazon Integration"
app_publisher = "Amazon Integration contributors"
app_description = "Amazon seller accounts in ERPNext: orders, FBM shipments, FBA stock, settlements"
app_email = "dev@example.com"
app_license = "mit"

required_apps = ["frappe/erpnext"]

export_python_type_annotations = True

# Install, migrate, uninstall
after_install = "amazon_integration.setup.after_install"
after_migrate = "amazon_integration.setup.after_migrate"
before_uninstall = "amazon_integration.setup.before_uninstall"

# Tests: a company, warehouses and price lists of the app's own (see tests/utils.py)
before_tests = "amazon_integration.tests.utils.before_tests"

fixtures = [
	"Amazon Marketplace",
	{"dt": "Role", "filters": [["role_name", "=", "Amazon Manager"]]},
]

doctype_js = {
	"Delivery Note": "public/js/delivery_note.js",
	"Sales Invoice": "public/js/sales_invoice.js",
	"Sales Order": "public/js/sales_order.js",
}
doctype_list_js = {
	"Delivery Note": "public/js/delivery_note_list.js",
	"Sales Order": "public/js/sales_order_list.js",
}

# The cron is a cheap dispatcher: it enqueues one job per due account on the long queue.
scheduler_events = {
	"cron": {
		"*/5 * * * *": [
			"amazon_integration.erpnext.scheduler.dispatch_order_sync",
			"amazon_integration.erpnext.scheduler.dispatch_shipment_sync",
			"amazon_integration.erpnext.scheduler.dispatch_invoice_uploads",
			"amazon_integration.erpnext.scheduler.dispatch_mcf_sync",
		],
		# Stock pushes wait out each account's sync interval after its last push: checked every minute (cheap).
		"* * * * *": [
			"amazon_integration.erpnext.scheduler.dispatch_stock_push",
		],
	},
	"daily_long": [
		"amazon_integration.erpnext.scheduler.dispatch_settlement_import",
		"amazon_integration.erpnext.scheduler.dispatch_expected_fees",
		"amazon_integration.erpnext.scheduler.dispatch_aftersale_import",
		"amazon_integration.erpnext.scheduler.dispatch_stock_reconcile",
		"amazon_integration.erpnext.scheduler.dispatch_buyer_data_retention",
		"amazon_integration.erpnext.scheduler.dispatch_label_tracking",
	],
	# Runs whose worker was killed are marked Interrupted once older than their job's timeout.
	"hourly": [
		"amazon_integration.erpnext.runs.sweep_interrupted_runs",
		"amazon_integration.erpnext.scheduler.dispatch_inbound_receipts",
		# A booking whose job Redis lost (flushed, restarted) is queued again.
		"amazon_integration.erpnext.scheduler.dispatch_settlement_booking",
		"amazon_integration.erpnext.scheduler.dispatch_mcf_create",
	],
}

doc_events = {
	"Delivery Note": {
		"before_validate": "amazon_integration.overrides.delivery_note.before_validate",
		"validate": "amazon_integration.overrides.delivery_note.validate",
		"before_submit": "amazon_integration.overrides.delivery_note.before_submit",
		"on_submit": "amazon_integration.overrides.delivery_note.on_submit",
		"on_cancel": "amazon_integration.overrides.delivery_note.on_cancel",
	},
	"Sales Invoice": {
		"before_validate": "amazon_integration.overrides.sales_invoice.before_validate",
		"on_submit": "amazon_integration.overrides.sales_invoice.on_submit",
	},
	"Payment Entry": {
		"on_cancel": "amazon_integration.overrides.payment_entry.on_cancel",
	},
	"Stock Ledger Entry": {
		"on_submit": "amazon_integration.overrides.stock.on_stock_ledger_entry",
	},
	"Sales Order": {
		"on_submit": [
			"amazon_integration.overrides.stock.on_sales_order_change",
			"amazon_integration.overrides.sales_order.on_submit",
		],
		"before_cancel": "amazon_integration.overrides.sales_order.before_cancel",
		"on_cancel": "amazon_integration.overrides.stock.on_sales_order_change",
		"on_update_after_submit": "amazon_integration.overrides.stock.on_sales_order_change",
	},
}

# List status pills that say the Amazon channel or status fit their column.
app_include_css = ["/assets/amazon_integration/css/amazon_integration.css"]
