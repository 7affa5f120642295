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
	// Amazon sends a replacement free of charge: where its 0.00 would show, say so (the tooltip names the order).
	settings.formatters = settings.formatters || {};
	const grand_total = settings.formatters.grand_total;
	settings.formatters.grand_total = function (value, df, doc) {
		const amount = grand_total ? grand_total(value, df, doc) : format_currency(value, doc.currency);
		if (!doc.amazon_replaced_order_id || flt(value)) return amount;
		const why = __("{0}: replacement for Amazon order {1}, sent free of charge.", [
			format_currency(value, doc.currency),
			doc.amazon_replaced_order_id,
		]);
		return `<span class="ellipsis text-muted" title="${frappe.utils.escape_html(why)}">${__("Replacement")}</span>`;
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
