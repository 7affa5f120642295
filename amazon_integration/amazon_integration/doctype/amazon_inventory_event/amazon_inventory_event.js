// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

frappe.ui.form.on("Amazon Inventory Event", {
	refresh(frm) {
		if (frm.doc.status === "Failed") {
			frm.add_custom_button(__("Retry"), () =>
				frm.call("retry").then((r) => {
					frappe.show_alert({ message: __("Status: {0}", [r.message]), indicator: "blue" });
					frm.reload_doc();
				})
			);
		}
	},
});
