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
		amazon_label_buttons(frm);
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
					[frappe.utils.escape_html(frm.doc.amazon_order_id), labels.map((label) => `<b>${label}</b>`).join(" " + __("and") + " ")]
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

// Buy Shipping labels (erpnext/labels.py): Get Rates and Buy Label, Void Label, Tracking.
function amazon_label_buttons(frm) {
	if (frm.doc.docstatus === 2 || frm.is_new()) return;
	const group = __("Amazon Label");
	if (!frm.doc.amazon_label_shipment_id) {
		if (frm.doc.amazon_sync_status === "Synchronized") return;
		frm.add_custom_button(__("Get Rates"), () => amazon_rates_dialog(frm), group);
		return;
	}
	frm.add_custom_button(__("Tracking"), () => {
		frappe
			.call({ method: "amazon_integration.erpnext.api.label_tracking", args: { delivery_note: frm.doc.name }, freeze: true })
			.then(({ message }) => {
				const rows = message.events
					.map((e) => `<tr><td>${frappe.utils.escape_html(e.code)}</td><td>${frappe.datetime.str_to_user(e.time) || ""}</td><td>${frappe.utils.escape_html(e.city || "")}</td></tr>`)
					.join("");
				frappe.msgprint({
					title: __("Tracking: {0}", [__(message.status)]),
					message: `<table class="table table-bordered"><tr><th>${__("Event")}</th><th>${__("Time")}</th><th>${__("Place")}</th></tr>${rows}</table>`,
				});
				frm.reload_doc();
			});
	}, group);
	frm.add_custom_button(__("Void Label"), () => {
		frappe.confirm(__("Void the Amazon label of {0}? The carrier and tracking number are cleared.", [frm.doc.name]), () =>
			frappe
				.call({ method: "amazon_integration.erpnext.api.void_label", args: { delivery_note: frm.doc.name }, freeze: true })
				.then(() => frm.reload_doc())
		);
	}, group);
}

function amazon_rates_dialog(frm) {
	const fetch = (packages, parcels) =>
		frappe.call({
			method: "amazon_integration.erpnext.api.get_label_rates",
			args: { delivery_note: frm.doc.name, packages, parcels: parcels ? JSON.stringify(parcels) : null },
			freeze: true,
			freeze_message: __("Asking Amazon for rates..."),
		});
	const dialog = new frappe.ui.Dialog({
		title: __("Amazon Label for {0}", [frm.doc.name]),
		size: "extra-large",
		fields: [
			{ fieldname: "packages", fieldtype: "Int", label: __("Packages"), default: 1,
			  change: () => fetch(dialog.get_value("packages") || 1).then(({ message }) => show(message)) },
			{ fieldname: "parcels", fieldtype: "Table", label: __("Parcels"), cannot_add_rows: true, in_place_edit: true,
			  fields: [
				{ fieldname: "reference", fieldtype: "Data", label: __("Parcel"), in_list_view: 1, read_only: 1, columns: 1 },
				{ fieldname: "weight_kg", fieldtype: "Float", label: __("Weight (kg)"), in_list_view: 1, columns: 2 },
				{ fieldname: "length_cm", fieldtype: "Float", label: __("Length (cm)"), in_list_view: 1, columns: 2 },
				{ fieldname: "width_cm", fieldtype: "Float", label: __("Width (cm)"), in_list_view: 1, columns: 2 },
				{ fieldname: "height_cm", fieldtype: "Float", label: __("Height (cm)"), in_list_view: 1, columns: 2 },
				{ fieldname: "value", fieldtype: "Currency", label: __("Value"), in_list_view: 1, columns: 1 },
			  ] },
			{ fieldname: "rates", fieldtype: "HTML" },
		],
		primary_action_label: __("Buy Label"),
		primary_action() {
			const chosen = dialog.$wrapper.find("input[name=amazon-rate]:checked").val();
			const rate = (dialog.quote?.rates || []).find((r) => r.rate_id === chosen);
			if (!rate) return frappe.msgprint(__("Choose a rate."));
			frappe
				.call({
					method: "amazon_integration.erpnext.api.buy_label",
					args: { delivery_note: frm.doc.name, request_token: dialog.quote.request_token, rate_id: rate.rate_id,
						carrier_id: rate.carrier_id, carrier: rate.carrier, service: rate.service, price: rate.price },
					freeze: true,
					freeze_message: __("Buying the label..."),
				})
				.then(({ message }) => {
					dialog.hide();
					frappe.show_alert({ message: __("Label bought: {0}", [message.tracking.join(", ")]), indicator: "green" });
					frm.reload_doc().then(() => message.files.forEach((url) => window.open(url)));
				});
		},
		secondary_action_label: __("Get Rates Again"),
		secondary_action() {
			fetch(dialog.get_value("packages") || 1, dialog.get_value("parcels")).then(({ message }) => show(message));
		},
	});
	const show = (quote) => {
		dialog.quote = quote;
		dialog.fields_dict.parcels.df.data = quote.parcels;
		dialog.fields_dict.parcels.grid.refresh();
		// The parcels come from Packages: no rows added, removed or uploaded here.
		dialog.fields_dict.parcels.grid.wrapper.find(".grid-footer, .grid-row-check").addClass("hidden");
		const esc = frappe.utils.escape_html;
		const rows = quote.rates
			.map((r) => `<tr class="amazon-rate"><td><input type="radio" name="amazon-rate" value="${esc(r.rate_id)}" ${r.proposed ? "checked" : ""}></td>
				<td>${esc(r.carrier)}</td><td>${esc(r.service)}</td><td>${format_currency(r.price, r.currency)}</td>
				<td>${frappe.datetime.str_to_user(r.delivery) || ""}</td>
				<td>${r.meets_latest_delivery ? __("Yes") : `<span class="text-danger">${__("No")}</span>`}</td></tr>`)
			.join("");
		const ineligible = quote.ineligible
			.map((r) => `<div class="text-muted">${esc(r.carrier)} ${esc(r.service)}: ${esc(r.reasons.join("; "))}</div>`)
			.join("");
		dialog.fields_dict.rates.$wrapper.html(
			`<table class="table table-bordered amazon-label-rates"><tr><th></th><th>${__("Carrier")}</th><th>${__("Service")}</th><th>${__("Price")}</th>
			<th>${__("Promised Delivery")}</th><th>${__("Meets Latest Delivery Date")}</th></tr>${rows}</table>${ineligible}`
		);
	};
	fetch(1).then(({ message }) => {
		show(message);
		dialog.show();
	});
}
