// Multi-Channel Fulfilment: a webshop, B2B or other marketplace order shipped by Amazon from the FBA stock.
frappe.ui.form.on("Sales Order", {
	refresh(frm) {
		if (frm.doc.docstatus !== 1 || frm.doc.amazon_order_id) return;
		if (!frm.doc.amazon_mcf_order && flt(frm.doc.per_delivered) < 100 && frm.doc.status !== "Closed") {
			frm.add_custom_button(__("Fulfil by Amazon"), () => amazon_mcf_dialog(frm), __("Create"));
		}
		if (frm.doc.amazon_mcf_order && ["Received", "Planning"].includes(frm.doc.amazon_mcf_status)) {
			frm.add_custom_button(__("Cancel Amazon Fulfilment"), () => {
				frappe.confirm(__("Ask Amazon to cancel fulfilment order {0}?", [frm.doc.amazon_mcf_order]), () =>
					frappe
						.call({
							method: "amazon_integration.erpnext.api.mcf_cancel",
							args: { sales_order: frm.doc.name },
							freeze: true,
							freeze_message: __("Asking Amazon..."),
						})
						.then(({ message }) => {
							frappe.show_alert({ message: __("Amazon: {0}", [__(message)]), indicator: "orange" });
							frm.reload_doc();
						})
				);
			});
		}
	},
});

function amazon_mcf_dialog(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Fulfil by Amazon"),
		size: "large",
		fields: [
			{
				fieldname: "account",
				fieldtype: "Link",
				options: "Amazon Account",
				label: __("Amazon Account"),
				reqd: 1,
				get_query: () => ({ filters: { company: frm.doc.company, enabled: 1 } }),
				change: () => load_preview(),
			},
			{ fieldname: "preview", fieldtype: "HTML" },
			{ fieldname: "speed", fieldtype: "Select", label: __("Shipping Speed"), reqd: 1 },
		],
		primary_action_label: __("Send to Amazon"),
		primary_action(values) {
			frappe
				.call({
					method: "amazon_integration.erpnext.api.mcf_create",
					args: { sales_order: frm.doc.name, account: values.account, speed: values.speed },
					freeze: true,
					freeze_message: __("Sending the order to Amazon..."),
				})
				.then(({ message }) => {
					dialog.hide();
					frappe.show_alert({ message: __("Fulfilment order {0} created", [message]), indicator: "green" });
					frm.reload_doc();
				});
		},
	});
	const load_preview = () => {
		const account = dialog.get_value("account");
		if (!account) return;
		dialog.fields_dict.preview.$wrapper.html(`<p class="text-muted">${__("Asking Amazon...")}</p>`);
		frappe
			.call({
				method: "amazon_integration.erpnext.api.mcf_preview",
				args: { sales_order: frm.doc.name, account },
			})
			.then(({ message }) => {
				const rows = (message || [])
					.map(
						(p) => `<tr>
							<td>${frappe.utils.escape_html(__(p.speed))}</td>
							<td>${p.fulfillable ? __("Yes") : __("No")}</td>
							<td>${amazon_mcf_date(p.earliest_arrival)} – ${amazon_mcf_date(p.latest_arrival)}</td>
							<td>${p.shipments}</td>
							<td class="text-right">${format_currency(p.fees, p.currency)}</td>
							<td>${p.unfulfillable.map((u) => frappe.utils.escape_html(`${u.sku} × ${u.qty} (${u.reasons.join(", ")})`)).join("<br>")}</td>
						</tr>`
					)
					.join("");
				dialog.fields_dict.preview.$wrapper.html(`<table class="table table-bordered">
					<thead><tr><th>${__("Speed")}</th><th>${__("Fulfillable")}</th><th>${__("Arrival")}</th>
					<th>${__("Shipments")}</th><th>${__("Estimated Fees")}</th><th>${__("Not Available")}</th></tr></thead>
					<tbody>${rows}</tbody></table>`);
				const speeds = (message || []).filter((p) => p.fulfillable).map((p) => p.speed);
				dialog.set_df_property("speed", "options", speeds);
				dialog.set_value("speed", speeds[0] || "");
			});
	};
	dialog.show();
}

function amazon_mcf_date(value) {
	// Amazon promises days, not minutes: the date part only.
	return value ? frappe.datetime.str_to_user(value.slice(0, 10)) : "";
}
