// Amazon: retry a shipment Amazon refused or never confirmed.
frappe.ui.form.on("Delivery Note", {
	refresh(frm) {
		if (frm.doc.docstatus !== 1 || frm.doc.amazon_fulfillment_channel !== "FBM") return;
		if (!["Failed", "Pending"].includes(frm.doc.amazon_sync_status)) return;
		frm.add_custom_button(__("Retry Amazon Sync"), () => {
			frappe
				.call({
					method: "amazon_integration.erpnext.api.retry_delivery",
					args: { delivery_note: frm.doc.name },
					freeze: true,
					freeze_message: __("Sending the shipment to Amazon..."),
				})
				.then(({ message }) => {
					frappe.show_alert({
						message: __("Amazon sync status: {0}", [__(message)]),
						indicator: message === "Synchronized" ? "green" : "red",
					});
					frm.reload_doc();
				});
		});
	},
});
