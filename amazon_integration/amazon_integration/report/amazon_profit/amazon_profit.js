// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

frappe.query_reports["Amazon Profit"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
			reqd: 1,
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -1),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
		{
			fieldname: "group_by",
			label: __("Group By"),
			fieldtype: "Select",
			options: ["Order", "SKU", "Marketplace"],
			default: "Order",
			reqd: 1,
		},
		{
			fieldname: "amazon_account",
			label: __("Amazon Account"),
			fieldtype: "Link",
			options: "Amazon Account",
			get_query: () => ({ filters: { company: frappe.query_report.get_filter_value("company") } }),
		},
		{
			fieldname: "show_expected",
			label: __("Show Expected Fees"),
			fieldtype: "Check",
			default: 1,
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		// Money tied to no order or SKU stays at marketplace level: say so where the order (or SKU) would be.
		if (data && data.level_note && ["amazon_order_id", "item_code", "marketplace"].includes(column.fieldname)) {
			if (!data[column.fieldname]) value = `<span class="text-muted">${frappe.utils.escape_html(data.level_note)}</span>`;
		}
		if (column.fieldname === "expected_fees" && data && data.expected_fees) {
			value = `<span class="text-muted" title="${__("Expected: not booked yet")}">${value}</span>`;
		}
		return value;
	},
};
