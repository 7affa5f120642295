// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

frappe.query_reports["Amazon Settlement Reconciliation"] = {
	filters: [
		{ fieldname: "amazon_account", label: __("Amazon Account"), fieldtype: "Link", options: "Amazon Account" },
		{ fieldname: "settlement", label: __("Amazon Settlement"), fieldtype: "Link", options: "Amazon Settlement" },
		{ fieldname: "from_date", label: __("Deposit From"), fieldtype: "Date" },
		{ fieldname: "to_date", label: __("Deposit To"), fieldtype: "Date" },
		{ fieldname: "only_differences", label: __("Only Differences"), fieldtype: "Check" },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "difference" && data && data.difference) {
			value = `<span style="color: var(--red-600)">${value}</span>`;
		}
		return value;
	},
};
