// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

frappe.query_reports["Amazon FBA Stock Reconciliation"] = {
	filters: [
		{
			fieldname: "amazon_account",
			label: __("Amazon Account"),
			fieldtype: "Link",
			options: "Amazon Account",
		},
		{ fieldname: "only_differences", label: __("Only Differences"), fieldtype: "Check", default: 1 },
	],
	get_datatable_options(options) {
		return Object.assign(options, { checkboxColumn: true });
	},
	onload(report) {
		report.page.add_inner_button(__("Make Draft Stock Reconciliation"), () => {
			const datatable = report.datatable;
			const checked = datatable ? datatable.rowmanager.getCheckedRows().map((i) => report.data[i]) : [];
			const items = [...new Set(checked.filter((row) => row && row.difference).map((row) => row.item_code))];
			if (!items.length) {
				frappe.msgprint(__("Tick the rows whose difference ERPNext should take over."));
				return;
			}
			frappe
				.call({
					method: "amazon_integration.amazon_integration.report.amazon_fba_stock_reconciliation.amazon_fba_stock_reconciliation.make_stock_reconciliation",
					args: { amazon_account: report.get_filter_value("amazon_account"), item_codes: items },
					freeze: true,
				})
				.then(({ message }) => frappe.set_route("Form", "Stock Reconciliation", message));
		});
		// With a single (enabled) Amazon Account there is nothing to pick: show its reconciliation straight away.
		// Returned: the report waits for it before its first run, which then runs once, with the account.
		if (report.get_filter_value("amazon_account")) return;
		return frappe.db
			.get_list("Amazon Account", { fields: ["name"], filters: { enabled: 1 }, limit: 2 })
			.then((accounts) => {
				if (accounts.length === 1) return report.set_filter_value("amazon_account", accounts[0].name);
			});
	},
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "difference" && data && data.difference) {
			value = `<span style="color: var(--red-600)">${value}</span>`;
		}
		return value;
	},
};
