// Amazon: shipments show whether Amazon accepted them.
(() => {
	const settings = frappe.listview_settings["Delivery Note"] || {};
	const erpnext_indicator = settings.get_indicator;
	const amazon_colors = { Pending: "orange", Synchronized: "green", Failed: "red" };

	settings.add_fields = [...(settings.add_fields || []), "amazon_sync_status"];
	settings.get_indicator = function (doc) {
		if (doc.docstatus === 1 && amazon_colors[doc.amazon_sync_status]) {
			const status = doc.amazon_sync_status;
			return [__("Amazon: {0}", [__(status)]), amazon_colors[status], "amazon_sync_status,=," + status];
		}
		return erpnext_indicator ? erpnext_indicator(doc) : undefined;
	};
	// Buy Amazon Labels: the selected FBM Delivery Notes get Amazon's proposed rate in one background run
	// (erpnext/labels.py), whose Sync Log holds one file of all labels to print.
	const erpnext_onload = settings.onload;
	settings.onload = function (listview) {
		if (erpnext_onload) erpnext_onload(listview);
		listview.page.add_action_item(__("Buy Amazon Labels"), () => amazon_buy_labels(listview));
	};
	frappe.listview_settings["Delivery Note"] = settings;

	function amazon_buy_labels(listview) {
		const names = listview.get_checked_items(true);
		if (!names.length) return frappe.msgprint(__("Select the Delivery Notes to buy Amazon labels for."));
		frappe.confirm(
			__("Buy Amazon labels for {0} Delivery Notes, each at the rate Amazon proposes? Those with a label already are skipped.", [names.length]),
			() =>
				frappe
					.call({
						method: "amazon_integration.erpnext.api.buy_labels",
						args: { delivery_notes: names },
						freeze: true,
					})
					.then(({ message }) => {
						listview.clear_checked_items();
						const links = message.map((log) => frappe.utils.get_form_link("Amazon Sync Log", log, true, __("Amazon Sync Log {0}", [log]))).join(", ");
						frappe.msgprint({
							title: __("Buying Amazon Labels"),
							indicator: "blue",
							message: __("The labels are being bought in the background. {0} lists each Delivery Note and, when done, holds one file of all labels to print.", [links]),
						});
					})
		);
	}
})();
