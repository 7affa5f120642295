frappe.listview_settings["Amazon Settlement"] = {
	add_fields: ["currency"],

	get_indicator(doc) {
		const colors = { Draft: "red", Unreconciled: "orange", Reconciled: "green", Cancelled: "grey" };
		return [__(doc.status), colors[doc.status] || "grey", "status,=," + doc.status];
	},

	onload(listview) {
		// Settlements are never typed in: they come from Amazon's settlement reports.
		listview.page.add_inner_button(__("Import from Amazon"), () => import_settlements());
	},
};

function import_settlements() {
	frappe.db.get_list("Amazon Account", { filters: { enabled: 1 }, pluck: "name" }).then((accounts) => {
		if (!accounts.length) {
			frappe.msgprint(__("Set up an Amazon Account first: settlements are imported from its reports."));
			return;
		}
		frappe.prompt(
			{
				fieldname: "account",
				fieldtype: "Link",
				options: "Amazon Account",
				label: __("Amazon Account"),
				reqd: 1,
				default: accounts.length === 1 ? accounts[0] : undefined,
				get_query: () => ({ filters: { enabled: 1 } }),
			},
			({ account }) =>
				frappe
					.xcall("run_doc_method", { dt: "Amazon Account", dn: account, method: "import_settlements_now" })
					.then(() =>
						frappe.show_alert({
							message: __(
								"Downloading Amazon's settlement reports in the background: they appear here as drafts."
							),
							indicator: "blue",
						})
					),
			__("Import Settlements from Amazon"),
			__("Import")
		);
	});
}
