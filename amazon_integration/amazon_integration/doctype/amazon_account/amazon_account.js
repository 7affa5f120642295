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

	onload(frm) {
		frappe.realtime.on("amazon_sync_progress", (data) => {
			if (data.account !== frm.doc.name) return;
			frm.dashboard.show_progress(
				__("Amazon Order Sync"),
				100,
				__("{0} orders read: {1} created, {2} cancelled, {3} failed", [
					data.orders_read,
					data.created,
					data.cancelled,
					data.failed,
				])
			);
		});
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

		if (!frm.doc.enabled) return;
		frm.add_custom_button(
			__("Sync Orders"),
			() => {
				frm.call({ method: "sync_orders", doc: frm.doc }).then(() => {
					frappe.show_alert({ message: __("Order sync queued"), indicator: "blue" });
				});
			},
			__("Amazon")
		);
		frm.add_custom_button(
			__("Recover Order"),
			() => {
				frappe.prompt(
					{ fieldname: "amazon_order_id", fieldtype: "Data", label: __("Amazon Order ID"), reqd: 1 },
					({ amazon_order_id }) => {
						frm.call({
							method: "recover_order",
							doc: frm.doc,
							args: { amazon_order_id },
							freeze: true,
							freeze_message: __("Reading the order from Amazon..."),
						}).then(({ message }) => {
							const ok = message.status === "Success";
							let text = ok
								? __("Order {0} is synced.", [amazon_order_id])
								: __("Order {0} could not be synced: {1}", [amazon_order_id, message.error || ""]);
							if (message.sales_order) {
								text += "<br>" + frappe.utils.get_form_link("Sales Order", message.sales_order, true);
							}
							frappe.msgprint({ title: __("Recover Order"), indicator: ok ? "green" : "red", message: text });
						});
					},
					__("Recover Amazon Order"),
					__("Sync")
				);
			},
			__("Amazon")
		);
		frm.add_custom_button(
			__("Sync Deliveries"),
			() => {
				frm.call({ method: "sync_deliveries", doc: frm.doc }).then(() => {
					frappe.show_alert({ message: __("Pending and failed shipments queued for Amazon"), indicator: "blue" });
				});
			},
			__("Amazon")
		);
		frm.add_custom_button(
			__("Import Settlements"),
			() => {
				frm.call({ method: "import_settlements", doc: frm.doc }).then(() => {
					frappe.show_alert({ message: __("Downloading Amazon settlement reports"), indicator: "blue" });
				});
			},
			__("Amazon")
		);
		frm.add_custom_button(
			__("Settlements"),
			() => frappe.set_route("List", "Amazon Settlement", { amazon_account: frm.doc.name }),
			__("Amazon")
		);
		frm.add_custom_button(
			__("Sync Logs"),
			() => frappe.set_route("List", "Amazon Sync Log", { amazon_account: frm.doc.name }),
			__("Amazon")
		);
	},
});
