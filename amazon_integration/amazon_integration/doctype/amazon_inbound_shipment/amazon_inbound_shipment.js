// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

// One button per step of Amazon's workflow; each step is safe to press again.
frappe.ui.form.on("Amazon Inbound Shipment", {
	refresh(frm) {
		if (frm.is_new()) return;
		const step = (label, method, args) =>
			frm.add_custom_button(label, () =>
				frm.call({ doc: frm.doc, method, args, freeze: true, freeze_message: __("Asking Amazon...") }).then(() => frm.reload_doc())
			);
		const status = frm.doc.status;
		if (status === "Draft") step(__("Create Inbound Plan"), "start_plan");
		if (status === "Choose Placement") {
			frm.add_custom_button(__("Confirm Placement"), () => {
				const options = JSON.parse(frm.doc.placement_options || "[]");
				frappe.prompt(
					{
						fieldname: "placement_option_id",
						fieldtype: "Select",
						label: __("Placement Option"),
						reqd: 1,
						options: options.map((o) => ({
							value: o.placementOptionId,
							label: __("{0} shipment(s), placement fee {1} {2}", [o.shipments, o.placementFee, o.currency || ""]),
						})),
					},
					(values) =>
						frm.call({ doc: frm.doc, method: "confirm_placement", args: values, freeze: true }).then(() => frm.reload_doc()),
					__("Amazon's Placement Options")
				);
			});
		}
		if (status === "Ready to Ship") step(__("Shipments Left"), "mark_shipped");
		if (["In Transit", "Receiving"].includes(status)) step(__("Update Receipts"), "sync_receipts");
		if (status === "Closed" && frm.doc.discrepancies && !frm.doc.adjustment) step(__("Draft Adjustment"), "draft_adjustment");
		if (["Choose Placement", "Ready to Ship", "In Transit"].includes(status)) step(__("Cancel at Amazon"), "cancel_plan");
	},
});
