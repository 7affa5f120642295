frappe.listview_settings["Amazon Settlement"] = {
	get_indicator(doc) {
		const colors = { Draft: "red", Unreconciled: "orange", Reconciled: "green", Cancelled: "grey" };
		return [__(doc.status), colors[doc.status] || "grey", "status,=," + doc.status];
	},
};
