// Amazon: an Amazon order's status says its channel, FBA (Amazon ships) or FBM (you ship).
(() => {
	const settings = frappe.listview_settings["Sales Order"] || {};
	const erpnext_indicator = settings.get_indicator;

	settings.add_fields = [
		...(settings.add_fields || []),
		"amazon_order_id",
		"amazon_fulfillment_channel",
		"amazon_replaced_order_id",
	];
	// Amazon sends a replacement free of charge: say so where its 0.00 shows.
	settings.formatters = settings.formatters || {};
	const grand_total = settings.formatters.grand_total;
	settings.formatters.grand_total = function (value, df, doc) {
		const amount = grand_total ? grand_total(value, df, doc) : format_currency(value, doc.currency);
		if (!doc.amazon_replaced_order_id) return amount;
		const why = __("Replacement for Amazon order {0}: Amazon sends it free of charge.", [doc.amazon_replaced_order_id]);
		return `<span class="ellipsis" title="${frappe.utils.escape_html(why)}"><span class="text-muted">${__(
			"Replacement"
		)}</span> ${amount}</span>`;
	};
	settings.get_indicator = function (doc) {
		let indicator = erpnext_indicator ? erpnext_indicator(doc) : undefined;
		const channel = doc.amazon_order_id && doc.amazon_fulfillment_channel;
		if (!channel) return indicator;
		if (!indicator) {
			// ERPNext leaves drafts and cancelled orders to the list's defaults.
			indicator =
				doc.docstatus === 2
					? [__("Cancelled"), "red", "docstatus,=,2"]
					: [__("Draft"), "gray", "docstatus,=,0"];
		}
		const [label, color, filters] = indicator;
		return [
			__("{0}: {1}", [__(channel), label]),
			color,
			`${filters}|amazon_fulfillment_channel,=,${channel}`,
		];
	};
	frappe.listview_settings["Sales Order"] = settings;
})();
