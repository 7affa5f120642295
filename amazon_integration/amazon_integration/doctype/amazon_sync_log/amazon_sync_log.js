// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

frappe.ui.form.on("Amazon Sync Log", {
	refresh(frm) {
		if (!(frm.doc.failures || []).length) return;
		if ((frm.doc.operation || "").endsWith(" Import")) {
			// Returns, reimbursements, removals: failed rows are Amazon Inventory Events, retried by every run.
			frm.add_custom_button(__("Failed Rows"), () =>
				frappe.set_route("List", "Amazon Inventory Event", {
					amazon_account: frm.doc.amazon_account,
					status: "Failed",
				})
			);
			return;
		}
		frm.add_custom_button(__("Retry Failed Orders"), () => {
			frm.call({
				method: "retry_failed_orders",
				doc: frm.doc,
				freeze: true,
				freeze_message: __("Reading the orders from Amazon again..."),
			}).then(({ message }) => {
				const rows = Object.entries(message).map(
					([order_id, error]) =>
						`<tr><td>${frappe.utils.escape_html(order_id)}</td><td>${
							error ? frappe.utils.escape_html(error) : __("Synced")
						}</td></tr>`
				);
				frappe.msgprint({
					title: __("Retry Failed Orders"),
					message: `<table class="table table-bordered">${rows.join("")}</table>`,
				});
			});
		});
	},
});
