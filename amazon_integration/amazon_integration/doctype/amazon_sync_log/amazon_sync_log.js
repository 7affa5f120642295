// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

frappe.ui.form.on("Amazon Sync Log", {
	refresh(frm) {
		follow_run(frm);
		if (frm.doc.labels_file) {
			frm.add_custom_button(__("Print Labels"), () => window.open(frm.doc.labels_file)).addClass("btn-primary");
		}
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

// A run saves its counts as it goes: while it is queued or running, the form reloads every few seconds.
function follow_run(frm) {
	clearTimeout(frm.__amazon_poll);
	const running = ["Queued", "Running"].includes(frm.doc.status);
	if (!running) return;
	frm.set_intro(
		frm.doc.status === "Queued"
			? __("Waiting for a background worker to start this run (is a worker running for the long queue?).")
			: __("This run is under way: its counts below grow as it goes, and this page follows it."),
		"blue"
	);
	const name = frm.doc.name;
	frm.__amazon_poll = setTimeout(() => {
		if (cur_frm === frm && frm.doc.name === name && frappe.get_route_str() === `Form/Amazon Sync Log/${name}`) {
			frm.reload_doc();
		}
	}, 2000);
}

// Frappe appends the time zone to a Datetime field's description and then looks the whole text up for a
// translation, which never matches: translate the field's own text, before the time zone.
frappe.ui.form.on("Amazon Sync Log", {
	refresh(frm) {
		for (const field of Object.values(frm.fields_dict)) {
			if (field.df.fieldtype !== "Datetime" || !field.df.description) continue;
			const [text, ...time_zone] = field.df.description.split("<br>");
			field.df.description = [__(text), ...time_zone].join("<br>");
			field.set_description();
		}
	},
});
