// Amazon: send an invoice Amazon refused (or never answered for) again.
frappe.ui.form.on("Sales Invoice", {
	refresh(frm) {
		if (frm.doc.docstatus !== 1 || frm.doc.amazon_invoice_upload !== "Failed") return;
		frm.add_custom_button(__("Retry Amazon Upload"), () => {
			frappe
				.call({
					method: "amazon_integration.erpnext.api.retry_invoice_upload",
					args: { sales_invoice: frm.doc.name },
					freeze: true,
				})
				.then(() => {
					frappe.show_alert({ message: __("The invoice goes to Amazon again."), indicator: "blue" });
					frm.reload_doc();
				});
		});
	},
});
