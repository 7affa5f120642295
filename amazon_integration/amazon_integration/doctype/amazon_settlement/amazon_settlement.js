// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

frappe.ui.form.on("Amazon Settlement", {
	refresh(frm) {
		frm.add_custom_button(__("Lines"), () =>
			frappe.set_route("List", "Amazon Settlement Line", { settlement: frm.doc.name })
		);
		frm.add_custom_button(__("Fees by Category"), () =>
			frappe.set_route("List", "Amazon Settlement Fee", { settlement: frm.doc.name })
		);
		if (flt(frm.doc.suspense_amount)) {
			// Listed, never hidden: the amounts no category or rule of the account knows.
			frm.add_custom_button(__("Amounts in Suspense"), () =>
				frappe.set_route("List", "Amazon Settlement Fee", { settlement: frm.doc.name, in_suspense: 1 })
			);
			frm.dashboard.add_comment(
				__("{0} booked to the suspense account: amounts no category or rule of the Amazon Account knows.", [
					format_currency(frm.doc.suspense_amount, frm.doc.currency),
				]),
				"orange",
				true
			);
		}
		if (frm.doc.docstatus === 1) {
			frm.add_custom_button(__("Reconciliation"), () =>
				frappe.set_route("query-report", "Amazon Settlement Reconciliation", {
					amazon_account: frm.doc.amazon_account,
					settlement: frm.doc.name,
				})
			);
		}
		if (frm.doc.docstatus === 1 && frm.doc.status === "Unreconciled") {
			frm.add_custom_button(__("Book Open Lines"), () =>
				frm.call({ method: "book_open_lines", doc: frm.doc }).then(() => frm.reload_doc())
			);
			const message = frm.doc.booking_error
				? __("Booking stopped: {0}", [frm.doc.booking_error])
				: __("{0} line(s) not booked; difference {1}.", [
						frm.doc.unmatched_lines,
						format_currency(frm.doc.difference, frm.doc.currency),
				  ]);
			frm.dashboard.set_headline_alert(message, "orange");
		}
	},
});
