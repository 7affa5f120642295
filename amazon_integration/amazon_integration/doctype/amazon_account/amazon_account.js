// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

frappe.ui.form.on("Amazon Account", {
	setup(frm) {
		const company_filter = () => ({ filters: { company: frm.doc.company, is_group: 0 } });
		frm.set_query("fba_warehouse", company_filter);
		frm.set_query("fbm_warehouse", company_filter);
		frm.set_query("sales_tax_account", company_filter);
		frm.set_query("marketplace_tax_account", company_filter);
		frm.set_query("selling_price_list", () => ({ filters: { selling: 1, enabled: 1 } }));
		frm.set_query("price_list", "marketplaces", () => ({ filters: { selling: 1, enabled: 1 } }));
		frm.set_query("marketplace", "marketplaces", () => ({ filters: { region: frm.doc.region } }));
	},

	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Test Connection"), () => {
			frm.call({
				method: "test_connection",
				doc: frm.doc,
				freeze: true,
				freeze_message: __("Calling Amazon..."),
			}).then(({ message }) => {
				frappe.msgprint({
					title: message.ok ? __("Connected") : __("Connection Failed"),
					indicator: message.ok ? "green" : "red",
					message: message.message,
				});
			});
		});
	},
});
