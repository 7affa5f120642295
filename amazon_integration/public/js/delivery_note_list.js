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
	frappe.listview_settings["Delivery Note"] = settings;
})();
