"""FBM shipments end to end: Delivery Notes confirmed to the simulator, partial and full, refused, retried."""

from datetime import datetime, timezone

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
from frappe.utils import strip_html

from amazon_integration.erpnext.shipments import retry_delivery, sync_account_shipments
from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase

OTHER_SKU = "SIM-TEA-010"
RECIPIENT = "amazon-ops@example.com"


class TestShipments(SimulatorTestCase):
	orders = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.db.set_value("Amazon Account", cls.account.name, "notification_recipients", RECIPIENT)
		frappe.db.commit()

	def fbm_order(self, items) -> tuple[str, frappe.model.document.Document]:
		order_id = self.new_order(items=items)
		self.sync()
		return order_id, self.sales_order(order_id)

	def draft_delivery(self, so) -> frappe.model.document.Document:
		name = frappe.db.get_value("Delivery Note Item", {"against_sales_order": so.name, "docstatus": 0}, "parent")
		return frappe.get_doc("Delivery Note", name)

	def ship(self, dn, carrier=None, carrier_name=None, tracking="TRACK-1", qty=None):
		dn.amazon_carrier = carrier
		dn.amazon_carrier_name = carrier_name
		dn.amazon_tracking_number = tracking
		if qty is not None:
			# A partial shipment: these quantities of these items, nothing else.
			dn.items = [row for row in dn.items if qty.get(row.amazon_order_item_id)]
			for row in dn.items:
				row.qty = qty[row.amazon_order_item_id]
		dn.save()
		dn.submit()
		frappe.db.commit()
		return dn

	def amazon_order(self, order_id) -> dict:
		return self.sim.control.get_order(order_id)

	def confirmations(self) -> int:
		return self.sim.control.counters().get("confirmShipment", {}).get("requests", 0)

	def status(self, dn) -> str:
		return frappe.db.get_value("Delivery Note", dn.name, "amazon_sync_status")

	def test_01_carrier_and_tracking_number_are_required(self):
		_order_id, so = self.fbm_order([{"sku": SKU, "quantity": 1}])
		dn = self.draft_delivery(so)
		self.assertEqual((dn.amazon_order_id, dn.amazon_fulfillment_channel), (so.amazon_order_id, "FBM"))
		with self.assertRaises(frappe.ValidationError) as raised:
			dn.submit()
		message = strip_html(str(raised.exception))
		self.assertIn("fill in Carrier (or Carrier Name) and Tracking Number in the Amazon section", message)
		frappe.db.rollback()

	def test_02_partial_then_full_shipment(self):
		order_id, so = self.fbm_order([{"sku": SKU, "quantity": 3}, {"sku": OTHER_SKU, "quantity": 1}])
		items = {i["sku"]: i["order_item_id"] for i in self.amazon_order(order_id)["items"]}
		first = self.ship(self.draft_delivery(so), carrier="UPS", tracking="1Z0001", qty={items[SKU]: 1})
		self.assertEqual(self.status(first), "Pending")
		self.assertEqual(sync_account_shipments(self.account.name)["Synchronized"], 1)
		self.assertEqual(self.status(first), "Synchronized")
		amazon = self.amazon_order(order_id)
		self.assertEqual(amazon["status"], "PARTIALLY_SHIPPED")
		self.assertEqual({i["sku"]: i["quantity_shipped"] for i in amazon["items"]}, {SKU: 1, OTHER_SKU: 0})

		# The backorder: ERPNext's own Delivery Note for what is left, carrier typed in another case.
		rest = make_delivery_note(so.name)
		rest.insert()
		self.ship(rest, carrier_name="ups", tracking="1Z0002")
		sync_account_shipments(self.account.name)
		self.assertEqual(self.status(rest), "Synchronized")
		amazon = self.amazon_order(order_id)
		self.assertEqual(amazon["status"], "SHIPPED")
		self.assertEqual({i["sku"]: i["quantity_shipped"] for i in amazon["items"]}, {SKU: 3, OTHER_SKU: 1})
		packages = amazon["packages"]
		self.assertEqual([(p["carrier_code"], p["tracking_number"]) for p in packages], [("UPS", "1Z0001"), ("UPS", "1Z0002")])
		self.assertEqual(len({p["package_reference_id"] for p in packages}), 2)

	def test_03_refused_tracking_number_fails_with_amazons_message_and_a_mail_then_retry_succeeds(self):
		message = "The tracking number is not valid for the carrier."
		self.sim.control.reject_tracking("BAD-TRACKING-9", message)
		order_id, so = self.fbm_order([{"sku": SKU, "quantity": 1}])
		dn = self.ship(self.draft_delivery(so), carrier="USPS", tracking="BAD-TRACKING-9")
		sync_account_shipments(self.account.name)
		dn.reload()
		self.assertEqual(dn.amazon_sync_status, "Failed")
		self.assertIn(message, dn.amazon_sync_error)
		mail = frappe.get_last_doc("Email Queue")
		self.assertIn(RECIPIENT, [r.recipient for r in mail.recipients])
		self.assertIn(order_id, mail.message)
		self.assertIn(message, mail.message)

		dn.amazon_tracking_number = "9400100000000000000001"
		dn.save()
		frappe.db.commit()
		self.assertEqual(retry_delivery(dn.name), "Synchronized")
		self.assertEqual(self.amazon_order(order_id)["status"], "SHIPPED")

	def test_04_carriers_amazon_does_not_know_and_self_delivery(self):
		for typed, expected in (("Acme Couriers", ("Other", "Acme Couriers")), ("self delivery", ("Other", "Self Delivery"))):
			order_id, so = self.fbm_order([{"sku": SKU, "quantity": 1}])
			self.ship(self.draft_delivery(so), carrier_name=typed, tracking=f"REF-{order_id}")
			sync_account_shipments(self.account.name)
			package = self.amazon_order(order_id)["packages"][0]
			self.assertEqual((package["carrier_code"], package["carrier_name"]), expected)

	def test_05_unknown_outcome_is_settled_by_reading_the_order_back(self):
		order_id, so = self.fbm_order([{"sku": SKU, "quantity": 1}])
		dn = self.ship(self.draft_delivery(so), carrier="DHL", tracking="DHL-LOST-ANSWER")
		frappe.conf.amazon_retry_deadline = 1
		self.sim.control.add_fault("error", "confirmShipment", count=1000, status=503)
		try:
			sync_account_shipments(self.account.name)
		finally:
			self.sim.control.clear_faults()
			frappe.conf.pop("amazon_retry_deadline", None)
		dn.reload()
		self.assertEqual((dn.amazon_sync_status, dn.amazon_sync_unconfirmed), ("Failed", 1))
		self.assertIn("next sync checks", dn.amazon_sync_error)

		# Amazon had recorded it after all: the next run reads the order and does not send it twice.
		with self.sim.state.lock:
			item = self.sim.state.orders[order_id].items[0]
			self.sim.state.apply_shipment(
				order_id, [(item.order_item_id, 1)], "DHL", None, "DHL-LOST-ANSWER",
				datetime.now(timezone.utc), package_reference_id=dn.amazon_package_reference,
			)
		sent = self.confirmations()
		sync_account_shipments(self.account.name)
		dn.reload()
		self.assertEqual((dn.amazon_sync_status, dn.amazon_sync_unconfirmed), ("Synchronized", 0))
		self.assertEqual(self.confirmations(), sent)

	def test_06_unknown_outcome_never_recorded_is_sent_again(self):
		order_id, so = self.fbm_order([{"sku": SKU, "quantity": 1}])
		dn = self.ship(self.draft_delivery(so), carrier="FedEx", tracking="FDX-1")
		dn.db_set({"amazon_sync_status": "Failed", "amazon_sync_unconfirmed": 1, "amazon_package_reference": "1"})
		frappe.db.commit()
		sync_account_shipments(self.account.name)
		self.assertEqual(self.status(dn), "Synchronized")
		self.assertEqual(self.amazon_order(order_id)["status"], "SHIPPED")

	def test_07_shipped_outside_erpnext_is_never_confirmed_twice(self):
		order_id, so = self.fbm_order([{"sku": SKU, "quantity": 1}])
		with self.sim.state.lock:
			item = self.sim.state.orders[order_id].items[0]
			self.sim.state.apply_shipment(order_id, [(item.order_item_id, 1)], "UPS", None, "1ZOUTSIDE", datetime.now(timezone.utc))
		self.later()
		sent = self.confirmations()
		log = self.sync()
		self.assertEqual(log.updated_count, 1)
		dn = frappe.get_doc("Delivery Note", frappe.db.get_value("Delivery Note Item", {"against_sales_order": so.name}, "parent"))
		self.assertEqual((dn.docstatus, dn.amazon_sync_status, dn.amazon_tracking_number), (1, "Synchronized", "1ZOUTSIDE"))
		sync_account_shipments(self.account.name, include_failed=True)
		self.assertEqual(self.confirmations(), sent)

	def test_08_cancelling_a_shipment_amazon_accepted_warns(self):
		_order_id, so = self.fbm_order([{"sku": SKU, "quantity": 1}])
		dn = self.ship(self.draft_delivery(so), carrier="UPS", tracking="1ZCANCEL")
		sync_account_shipments(self.account.name)
		frappe.clear_messages()
		for invoice in frappe.get_all("Sales Invoice Item", filters={"delivery_note": dn.name, "docstatus": 1}, pluck="parent"):
			frappe.get_doc("Sales Invoice", invoice).cancel()
		dn.reload()
		dn.cancel()
		self.assertIn("is not told", strip_html(str(frappe.message_log)))
		frappe.db.rollback()
