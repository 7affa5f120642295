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
		// The server tells the user who started a sync how far it got (every few orders, and at the end).
		frappe.realtime.off("amazon_sync_progress");
		frappe.realtime.on("amazon_sync_progress", (data) => {
			if (data.account !== frm.doc.name) return;
			const counts = __("{0} orders read: {1} created, {2} cancelled, {3} failed", [
				data.orders_read,
				data.created,
				data.cancelled,
				data.failed,
			]);
			if (!data.done) {
				frm.dashboard.show_progress(__("Amazon Order Sync"), 50, counts);
				return;
			}
			frm.dashboard.hide_progress(__("Amazon Order Sync"));
			frappe.show_alert({
				message: __("Order sync {0}: {1}", [__(data.status), counts]),
				indicator: { Success: "green", "Partial Success": "orange" }[data.status] || "red",
			});
			frm.reload_doc();
		});
	},

	refresh(frm) {
		show_sandbox_banner(frm);
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
		frm.add_custom_button(
			__("Import Returns and Reimbursements"),
			() => {
				frm.call({ method: "import_aftersale_reports", doc: frm.doc }).then(() => {
					frappe.show_alert({
						message: __("Reading Amazon's returns, reimbursements and removals reports"),
						indicator: "blue",
					});
				});
			},
			__("Amazon")
		);
		frm.add_custom_button(
			__("Returns, Reimbursements and Removals"),
			() => frappe.set_route("List", "Amazon Inventory Event", { amazon_account: frm.doc.name }),
			__("Amazon")
		);
		if (frm.doc.push_stock) {
			frm.add_custom_button(
				__("Push Stock"),
				() => {
					frm.call({ method: "push_stock_now", doc: frm.doc }).then(() => {
						frappe.show_alert({ message: __("Sending every FBM quantity to Amazon"), indicator: "blue" });
					});
				},
				__("Amazon")
			);
			frm.add_custom_button(
				__("Stock Push Logs"),
				() => frappe.set_route("List", "Amazon Stock Push Log", { amazon_account: frm.doc.name }),
				__("Amazon")
			);
		}
		frm.add_custom_button(
			__("Import Listings"),
			() => {
				frm.call({ method: "import_listings", doc: frm.doc, freeze: true }).then(({ message }) => {
					frappe.msgprint(
						__("SKU mappings: {0} created, {1} channel corrected, {2} unchanged; {3} SKUs match no Item.", [
							message.created,
							message.updated,
							message.unchanged,
							message.unmatched,
						])
					);
				});
			},
			__("Amazon")
		);
		frm.add_custom_button(
			__("FBA Stock Reconciliation"),
			() => frappe.set_route("query-report", "Amazon FBA Stock Reconciliation", { amazon_account: frm.doc.name }),
			__("Amazon")
		);
	},

	endpoint_override(frm) {
		show_sandbox_banner(frm);
	},
});

// A sandbox account talks to the Amazon simulator on this machine (`bench amazon sandbox`), never to Amazon.
function is_sandbox_endpoint(url) {
	let host;
	try {
		host = new URL(url).hostname;
	} catch (e) {
		return false;
	}
	// *.localhost names resolve to loopback (RFC 6761).
	return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127\./.test(host);
}

function show_sandbox_banner(frm) {
	frm.set_intro("");
	if (!is_sandbox_endpoint(frm.doc.endpoint_override)) return;
	frm.set_intro(
		__(
			"Sandbox: this account talks to the Amazon simulator at {0}, not to Amazon. Its orders, customers and shipments are made up.",
			[frm.doc.endpoint_override]
		),
		"orange"
	);
	frm.page.set_indicator(__("Sandbox"), "orange");
}
