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
			// Report filters show no label once they hold a value: the options say what the number is.
			fieldname: "runs",
			label: __("Runs per Account"),
			fieldtype: "Select",
			options: [1, 5, 10, 20, 50].map((n) => ({
				value: String(n),
				label: n === 1 ? __("Last run per account") : __("Last {0} runs per account", [n]),
			})),
			default: "5",
		},
	],

	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (!data) return value;
		if (column.fieldname === "status") {
			const colors = { Success: "green", "Partial Success": "orange", Failed: "red", Interrupted: "red", Running: "blue", Queued: "blue" };
			return `<span class="indicator-pill ${colors[data.status] || "gray"}">${__(data.status)}</span>`;
		}
		if (column.fieldname === "operation") return __(data.operation);
		if (["skipped_count", "waiting_count"].includes(column.fieldname) && data[column.fieldname]) {
			// The reasons are listed on the run's log.
			const url = frappe.utils.get_form_link("Amazon Sync Log", data.sync_log);
			return `<a href="${url}" title="${__("See why on the sync log")}">${value}</a>`;
		}
		if (column.fieldname === "awaiting_retry" && data.awaiting_retry) {
			const url =
				frappe.router.make_url([frappe.router.slug("Amazon Order Retry")]) +
				frappe.utils.make_query_string({ amazon_account: data.amazon_account });
			return `<a href="${url}">${value}</a>`;
		}
		return value;
	},
};
