// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

// One button per step of Amazon's workflow; each step is safe to press again. Where Amazon asks for a choice
// (placement, transport), its options are listed with Amazon's fees and the user picks one.
const parse_list = (value) => {
	try {
		return JSON.parse(value || "[]");
	} catch (e) {
		return [];
	}
};
const money = (amount, currency) =>
	amount === null || amount === undefined ? __("no quote") : format_currency(flt(amount), currency || undefined);
const solution_label = (option) =>
	option.shippingSolution === "AMAZON_PARTNERED_CARRIER" ? __("Amazon-partnered carrier") : __("Your own carrier");
const transport_label = (option) =>
	__("{0} ({1}, {2}): {3}", [
		solution_label(option),
		option.carrier || "",
		option.shippingMode || "",
		money(option.quote, option.currency),
	]);

function render_options(frm) {
	const placement = parse_list(frm.doc.placement_options);
	const transport = parse_list(frm.doc.transport_options);
	const esc = frappe.utils.escape_html;
	let html = "";
	if (placement.length) {
		html += `<h5>${__("Placement Options")}</h5><table class="table table-bordered table-sm"><thead><tr>
			<th>${__("Shipments")}</th><th>${__("Placement Fee")}</th><th>${__("Amazon-Partnered Transport")}</th>
			<th>${__("Total")}</th><th>${__("Chosen")}</th></tr></thead><tbody>`;
		for (const o of placement) {
			const chosen = o.placementOptionId === frm.doc.placement_option_id;
			html += `<tr><td>${cint(o.shipments)}</td><td>${esc(money(o.placementFee, o.currency))}</td>
				<td>${esc(money(o.transportFee, o.currency))}</td><td><b>${esc(money(o.total, o.currency))}</b></td>
				<td>${chosen ? "&#10003;" : ""}</td></tr>`;
		}
		html += "</tbody></table>";
	}
	if (transport.length) {
		html += `<h5>${__("Transport Options")}</h5><table class="table table-bordered table-sm"><thead><tr>
			<th>${__("Shipment")}</th><th>${__("Fulfilment Centre")}</th><th>${__("Items")}</th>
			<th>${__("Transport")}</th><th>${__("Amazon's Quote")}</th><th>${__("Chosen")}</th></tr></thead><tbody>`;
		for (const s of transport) {
			for (const o of s.options) {
				html += `<tr><td>${esc(s.shipmentId.slice(0, 12))}…</td><td>${esc(s.destination || "")}</td>
					<td>${esc((s.items || []).join(", "))}</td><td>${esc(solution_label(o))} (${esc(o.carrier || "")})</td>
					<td>${esc(money(o.quote, o.currency))}</td><td>${o.transportationOptionId === s.chosen ? "&#10003;" : ""}</td></tr>`;
			}
		}
		html += "</tbody></table>";
	}
	frm.get_field("options_html").$wrapper.html(html);
}

function choose_transport(frm) {
	const transport = parse_list(frm.doc.transport_options);
	const fields = transport.map((s) => {
		const quoted = s.options.filter((o) => o.quote !== null).sort((a, b) => flt(a.quote) - flt(b.quote));
		return {
			fieldname: s.shipmentId,
			fieldtype: "Select",
			reqd: 1,
			label: __("Shipment to {0} ({1})", [s.destination || "", (s.items || []).join(", ")]),
			options: s.options.map((o) => ({ value: o.transportationOptionId, label: transport_label(o) })),
			default: (quoted[0] || s.options[0] || {}).transportationOptionId,
		};
	});
	frappe.prompt(
		fields,
		(values) =>
			frm
				.call({
					doc: frm.doc,
					method: "confirm_transport",
					args: { selections: JSON.stringify(values) },
					freeze: true,
					freeze_message: __("Asking Amazon..."),
				})
				.then(() => frm.reload_doc()),
		__("Amazon's Transport Options"),
		__("Confirm Transport")
	);
}

frappe.ui.form.on("Amazon Inbound Shipment", {
	refresh(frm) {
		render_options(frm);
		if (frm.is_new()) return;
		const step = (label, method, args) =>
			frm.add_custom_button(label, () =>
				frm.call({ doc: frm.doc, method, args, freeze: true, freeze_message: __("Asking Amazon...") }).then(() => frm.reload_doc())
			);
		const status = frm.doc.status;
		if (status === "Draft") step(__("Create Inbound Plan"), "start_plan");
		if (status === "Choose Placement") {
			frm.add_custom_button(__("Confirm Placement"), () => {
				const options = parse_list(frm.doc.placement_options);
				frappe.prompt(
					{
						fieldname: "placement_option_id",
						fieldtype: "Select",
						label: __("Placement Option"),
						reqd: 1,
						options: options.map((o) => ({
							value: o.placementOptionId,
							label: __("{0} shipment(s): placement fee {1}, Amazon-partnered transport {2}, total {3}", [
								o.shipments,
								money(o.placementFee, o.currency),
								money(o.transportFee, o.currency),
								money(o.total, o.currency),
							]),
						})),
					},
					(values) =>
						frm.call({ doc: frm.doc, method: "confirm_placement", args: values, freeze: true }).then(() => frm.reload_doc()),
					__("Amazon's Placement Options")
				);
			});
		}
		if (status === "Choose Transport") frm.add_custom_button(__("Choose Transport"), () => choose_transport(frm));
		if (["Ready to Ship", "In Transit"].includes(status) && (frm.doc.boxes || []).length) step(__("Get Labels"), "fetch_labels");
		if (status === "Ready to Ship") step(__("Shipments Left"), "mark_shipped");
		if (["In Transit", "Receiving"].includes(status)) step(__("Update Receipts"), "sync_receipts");
		if (status === "Closed" && frm.doc.discrepancies && !frm.doc.adjustment) step(__("Draft Adjustment"), "draft_adjustment");
		if (["Choose Placement", "Choose Transport", "Ready to Ship", "In Transit"].includes(status)) step(__("Cancel at Amazon"), "cancel_plan");
	},
});
