// Amazon: an FBM shipment needs a carrier and a tracking number; retry a shipment Amazon refused or never confirmed.
frappe.ui.form.on("Delivery Note", {
	refresh(frm) {
		if (frm.doc.amazon_fulfillment_channel !== "FBM" || frm.doc.is_return) return;
		if (frm.doc.docstatus === 0 && amazon_missing_shipment_fields(frm).length) {
			frm.set_intro(
				__("Amazon order {0}: fill in the carrier and the tracking number in the Amazon section below, then submit.", [
					frm.doc.amazon_order_id,
				]),
				"blue"
			);
		}
		if (frm.doc.docstatus !== 1) return;
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

	before_submit(frm) {
		// The server refuses the same (overrides/delivery_note.py); here the user is taken to the fields.
		if (frm.doc.amazon_fulfillment_channel !== "FBM" || frm.doc.is_return || frm.doc.amazon_sync_status) return;
		const missing = amazon_missing_shipment_fields(frm);
		if (!missing.length) return;
		frappe.validated = false;
		const labels = missing.map((fieldname) =>
			fieldname === "amazon_carrier"
				? __("{0} (or {1})", [__("Carrier"), __("Carrier Name")])
				: __(frappe.meta.get_label(frm.doctype, fieldname))
		);
		// The submit confirmation is still closing: take the user to the fields once it has.
		setTimeout(() => {
			frm.scroll_to_field(missing[0]);
			frappe.msgprint({
				title: __("Carrier and Tracking Number Required"),
				indicator: "orange",
				message: __(
					"Amazon must be told how order {0} ships: fill in {1} in the Amazon section, then submit again.",
					[frappe.utils.escape_html(frm.doc.amazon_order_id), labels.map((label) => `<b>${label}</b>`).join(__(" and "))]
				),
			});
		}, 500);
	},
});

function amazon_missing_shipment_fields(frm) {
	const missing = [];
	if (!frm.doc.amazon_carrier && !frm.doc.amazon_carrier_name) missing.push("amazon_carrier");
	if (!(frm.doc.amazon_tracking_number || "").trim()) missing.push("amazon_tracking_number");
	return missing;
}
