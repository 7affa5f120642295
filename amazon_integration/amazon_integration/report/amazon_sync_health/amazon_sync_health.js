// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

frappe.query_reports["Amazon Sync Health"] = {
	filters: [
		{
			fieldname: "amazon_account",
			label: __("Amazon Account"),
			fieldtype: "Link",
			options: "Amazon Account",
		},
		{
			fieldname: "runs",
			label: __("Runs per Account"),
			fieldtype: "Int",
			default: 5,
		},
	],

	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (!data) return value;
		if (column.fieldname === "status") {
			const colors = { Success: "green", "Partial Success": "orange", Failed: "red", Running: "blue" };
			return `<span class="indicator-pill ${colors[data.status] || "gray"}">${__(data.status)}</span>`;
		}
		if (column.fieldname === "awaiting_retry" && data.awaiting_retry) {
			const url = `/app/amazon-order-retry?amazon_account=${encodeURIComponent(data.amazon_account)}`;
			return `<a href="${url}">${value}</a>`;
		}
		return value;
	},
};
