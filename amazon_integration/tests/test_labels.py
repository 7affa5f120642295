"""Buy Shipping labels on FBM Delivery Notes against the simulator: rates for two parcels, a label bought and never
confirmed again through confirmShipment, a voided label, Amazon refusing a rate."""

import frappe
import httpx

from frappe.utils import flt

from amazon_integration.amazon_integration.report.amazon_settlement_reconciliation.amazon_settlement_reconciliation import (
	execute as reconciliation,
)
from amazon_integration.erpnext.labels import buy_label, get_rates, void_label
from amazon_integration.erpnext.settlements import book_settlement, import_account_settlements
from amazon_integration.erpnext.shipments import sync_account_shipments
from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase
from amazon_integration.tests.utils import COMPANY_ABBR, FBM_WAREHOUSE, make_account

OTHER_SKU = "SIM-TEA-010"


class TestLabels(SimulatorTestCase):
	orders = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# A clearing account of its own (its balance is this test's alone); FBM deliveries invoiced, so the
		# settlement's order lines have their invoices.
		clearing = make_account(f"Amazon Clearing {cls.namespace} - {COMPANY_ABBR}", f"Bank Accounts - {COMPANY_ABBR}", "Bank")
		frappe.db.set_value(
			"Amazon Account", cls.account.name,
			{"label_package_length": 30, "label_package_width": 20, "label_package_height": 10, "label_format": "PDF",
			 "clearing_account": clearing, "invoice_fbm_deliveries": 1},
		)
		frappe.db.set_value(
			"Warehouse", FBM_WAREHOUSE, {"address_line_1": "1 Dock Road", "city": "Seattle", "pin": "98101", "state": "WA"}
		)
		for sku, grams in ((SKU, 350), (OTHER_SKU, 120)):
			frappe.db.set_value("Item", sku, {"weight_per_unit": grams, "weight_uom": "Gram"})
		frappe.db.commit()

	def draft_delivery(self, items):
		order_id = self.new_order(items=items)
		self.sync()
		so = self.sales_order(order_id)
		name = frappe.db.get_value("Delivery Note Item", {"against_sales_order": so.name, "docstatus": 0}, "parent")
		return order_id, frappe.get_doc("Delivery Note", name)

	def confirmations(self) -> int:
		return self.sim.control.counters().get("confirmShipment", {}).get("requests", 0)

	def buy(self, dn, rate, quote):
		return buy_label(dn.name, quote["request_token"], rate["rate_id"], rate["carrier_id"], rate["carrier"], rate["service"], rate["price"])

	def test_01_two_parcels_rated_bought_attached_and_synchronized_without_confirmation(self):
		order_id, dn = self.draft_delivery([{"sku": SKU, "quantity": 2}, {"sku": OTHER_SKU, "quantity": 1}])
		quote = get_rates(dn.name, packages=2)
		self.assertEqual(len(quote["parcels"]), 2)
		self.assertEqual(len(quote["rates"]), 3)
		proposed = [r for r in quote["rates"] if r["proposed"]]
		self.assertEqual(len(proposed), 1)
		self.assertTrue(proposed[0]["meets_latest_delivery"])
		before = self.confirmations()

		bought = self.buy(dn, proposed[0], quote)
		self.assertEqual(len(bought["tracking"]), 2)
		dn.reload()
		self.assertEqual(dn.amazon_tracking_number, bought["tracking"][0])
		self.assertEqual(dn.amazon_carrier_name, proposed[0]["carrier"])
		self.assertTrue(dn.amazon_label_shipment_id)
		files = frappe.get_all("File", {"attached_to_doctype": "Delivery Note", "attached_to_name": dn.name}, pluck="file_name")
		self.assertEqual(len([f for f in files if f.endswith(".pdf")]), 2)
		self.assertEqual(self.sim.control.get_order(order_id)["status"], "SHIPPED")

		dn.submit()
		self.later()
		sync_account_shipments(self.account.name)
		dn.reload()
		self.assertEqual(dn.amazon_sync_status, "Synchronized", dn.amazon_sync_error)
		self.assertEqual(self.confirmations(), before)  # Amazon knew the label: no confirmShipment
		je = frappe.get_doc("Journal Entry", dn.amazon_label_journal_entry)
		self.assertEqual(je.docstatus, 1)
		self.assertEqual(flt(je.total_debit), flt(proposed[0]["price"]))

	def test_01b_a_labelled_draft_is_not_taken_for_a_shipment_outside_erpnext(self):
		"""Buying the label makes Amazon show the order shipped: the next order sync must leave the draft to the
		warehouse, whatever the account does with orders shipped outside ERPNext."""
		frappe.db.set_value("Amazon Account", self.account.name, "shipped_outside_erpnext", "Delete Delivery Note")
		try:
			_order_id, dn = self.draft_delivery([{"sku": SKU, "quantity": 1}])
			quote = get_rates(dn.name)
			self.buy(dn, quote["rates"][0], quote)
			self.later()
			self.sync()
			dn.reload()
			self.assertEqual(dn.docstatus, 0)
			self.assertFalse(dn.amazon_sync_error)
			void_label(dn.name)  # the settlement test counts the label charges of the labels kept
		finally:
			frappe.db.set_value("Amazon Account", self.account.name, "shipped_outside_erpnext", "Submit Delivery Note")

	def test_02_voided_label_is_cancelled_on_amazon_and_cleared(self):
		order_id, dn = self.draft_delivery([{"sku": SKU, "quantity": 1}])
		quote = get_rates(dn.name)
		self.buy(dn, quote["rates"][0], quote)
		void_label(dn.name)
		dn.reload()
		self.assertFalse(dn.amazon_label_shipment_id)
		self.assertFalse(dn.amazon_tracking_number)
		self.assertFalse(dn.amazon_label_cost)
		self.assertEqual(self.sim.control.get_order(order_id)["status"], "UNSHIPPED")
		self.assertFalse(frappe.get_all("File", {"attached_to_doctype": "Delivery Note", "attached_to_name": dn.name}))
		voided = frappe.get_all("Journal Entry", {"cheque_no": quote_shipment(self, order_id)}, pluck="docstatus")
		self.assertTrue(all(status == 2 for status in voided))  # not booked

	def test_03_refused_rate_shows_amazons_message_and_missing_weight_is_named(self):
		_order_id, dn = self.draft_delivery([{"sku": SKU, "quantity": 1}])
		quote = get_rates(dn.name)
		rate = quote["rates"][0]
		service = {"Ground": "SIM_GROUND", "Express": "SIM_EXPRESS", "Heavy Parcel": "SIM_FREIGHT"}[rate["service"]]
		httpx.post(f"{self.sim.url}/_sim/shipping/refusals", json={"serviceId": service, "message": "Address not serviceable."})
		with self.assertRaisesRegex(frappe.ValidationError, "Address not serviceable"):
			self.buy(dn, rate, quote)
		dn.reload()
		self.assertFalse(dn.amazon_label_shipment_id)
		frappe.db.set_value("Item", SKU, "weight_per_unit", 0)
		try:
			dn = frappe.get_doc("Delivery Note", dn.name)
			for row in dn.items:
				row.weight_per_unit = 0
			with self.assertRaisesRegex(frappe.ValidationError, SKU):
				from amazon_integration.erpnext.labels import proposed_parcels

				proposed_parcels(dn)
		finally:
			frappe.db.set_value("Item", SKU, "weight_per_unit", 350)

	def test_04_settlement_with_label_charges_reconciles(self):
		self.later(10)
		self.sim.control.close_settlements("USD")
		self.later(10)
		self.assertTrue(import_account_settlements(self.account.name))
		names = frappe.get_all("Amazon Settlement", {"amazon_account": self.account.name, "docstatus": 0}, pluck="name")
		label_lines = frappe.get_all(
			"Amazon Settlement Line",
			{"settlement": ("in", names), "description": ("like", "%Shipping label purchase")},
			["settlement", "amount"],
		)
		self.assertEqual(len(label_lines), 1)  # test_01's label; test_02's was voided
		bought = frappe.db.get_value("Delivery Note", {"amazon_account": self.account.name, "amazon_label_shipment_id": ("is", "set")}, "amazon_label_cost")
		self.assertEqual(flt(label_lines[0].amount), -flt(bought))
		for name in names:
			frappe.get_doc("Amazon Settlement", name).submit()
			frappe.db.commit()
			book_settlement(name)
			rows = reconciliation({"settlement": name})[1]
			self.assertEqual(rows[0]["difference"], 0.0, rows[0])
		# The label's expense was booked when bought: the settlement settles Amazon's claim, it books no expense twice.
		settlement = label_lines[0].settlement
		fees_je = frappe.get_doc("Journal Entry", frappe.db.get_value("Amazon Settlement", settlement, "fees_journal_entry"))
		other_fees = -sum(
			flt(line.fees_amount)
			for line in frappe.get_all("Amazon Settlement Line", {"settlement": settlement}, ["fees_amount", "description"])
			if not line.description.endswith("Shipping label purchase")
		)
		fees_account = frappe.db.get_value("Amazon Account", self.account.name, "fees_account")
		self.assertAlmostEqual(sum(flt(r.debit) - flt(r.credit) for r in fees_je.accounts if r.account == fees_account), other_fees, 2)

	def test_05_daily_run_tracks_labels_until_delivered(self):
		from amazon_integration.erpnext.labels import track_account_labels
		from amazon_integration.erpnext.scheduler import dispatch_label_tracking

		_order_id, dn = self.draft_delivery([{"sku": OTHER_SKU, "quantity": 1}])
		quote = get_rates(dn.name)
		self.buy(dn, quote["rates"][0], quote)
		dn.reload()
		dn.submit()
		frappe.db.commit()
		dispatch_label_tracking()  # queues the account's run (the scheduler's entry point)
		self.sim.control.advance(13 * 3600)
		self.assertEqual(track_account_labels(self.account.name)["Failed"], 0)  # test_01's label is tracked too
		self.assertEqual(frappe.db.get_value("Delivery Note", dn.name, "amazon_tracking_status"), "InTransit")
		self.sim.control.advance(12 * 86400)
		counts = track_account_labels(self.account.name)
		self.assertEqual((counts["Tracked"], counts["Failed"]), (0, 0))
		self.assertGreaterEqual(counts["Delivered"], 1)
		self.assertEqual(frappe.db.get_value("Delivery Note", dn.name, "amazon_tracking_status"), "Delivered")
		self.assertEqual(track_account_labels(self.account.name), {"Delivered": 0, "Tracked": 0, "Failed": 0})

	def test_06_labels_bought_for_many_in_one_run_into_one_file(self):
		from pypdf import PdfReader

		from amazon_integration.erpnext.labels import buy_account_labels, queue_label_purchase

		_order_id, good = self.draft_delivery([{"sku": SKU, "quantity": 1}])
		_order_id, bad = self.draft_delivery([{"sku": OTHER_SKU, "quantity": 1}])
		# No postal code where it ships from: this one fails, the others go on.
		address = frappe.get_doc({
			"doctype": "Address", "address_title": f"Dock {self.namespace}", "address_type": "Shipping",
			"address_line1": "2 Dock Road", "city": "Seattle", "country": "United States",
		}).insert()
		bad.db_set("dispatch_address_name", address.name)
		labelled = frappe.db.get_value(
			"Delivery Note", {"amazon_account": self.account.name, "amazon_label_shipment_id": ("is", "set")}, "name"
		)
		with self.assertRaisesRegex(frappe.ValidationError, "FBM"):
			queue_label_purchase([good.name, self.fba_or_other_delivery()])
		selection = [good.name, bad.name, labelled]

		log = frappe.get_doc("Amazon Sync Log", buy_account_labels(self.account.name, selection))
		self.assertEqual(log.status, "Partial Success")
		outcomes = {row.delivery_note: (row.outcome, row.message) for row in log.labels}
		self.assertEqual(outcomes[good.name][0], "Bought")
		self.assertEqual(outcomes[labelled][0], "Skipped")
		self.assertEqual(outcomes[bad.name][0], "Failed")
		self.assertIn("Postal Code", outcomes[bad.name][1])
		self.assertEqual((log.created_count, log.skipped_count, log.failed_count), (1, 1, 1))
		self.assertTrue(frappe.db.get_value("Delivery Note", good.name, "amazon_tracking_number"))
		self.assertFalse(frappe.db.get_value("Delivery Note", bad.name, "amazon_label_shipment_id"))
		printable = frappe.get_doc("File", {"file_url": log.labels_file, "attached_to_name": log.name})
		with open(printable.get_full_path(), "rb") as f:
			self.assertEqual(len(PdfReader(f).pages), 1)

		# Again, asked by warehouse staff: nothing bought twice, and they read the run they started and its file.
		from unittest.mock import patch

		from amazon_integration.tests.test_permissions import make_user

		make_user("labels-stock@example.com", ["Stock User"])
		frappe.set_user("labels-stock@example.com")
		try:
			with patch("amazon_integration.erpnext.jobs.enqueue"):
				(queued,) = queue_label_purchase(selection)
			again = frappe.get_doc("Amazon Sync Log", buy_account_labels(self.account.name, selection, queued=queued))
			self.assertTrue(again.has_permission("read"))
			self.assertFalse(log.has_permission("read"))  # another's run
		finally:
			frappe.set_user("Administrator")
		self.assertEqual((again.created_count, again.skipped_count, again.failed_count), (0, 2, 1))
		self.assertFalse(again.labels_file)

	def test_07_labels_merged_into_one_file_per_format(self):
		import io

		from pypdf import PdfReader

		from amazon_integration.erpnext.labels import merge_labels
		from amazon_integration.simulator.shipping import label_document

		def two(fmt):
			return merge_labels([label_document(fmt, f"S{n}", f"T{n}", "Carrier") for n in (1, 2)], fmt)

		for fmt in ("PDF", "PNG"):
			content, extension = two(fmt)
			self.assertEqual((extension, len(PdfReader(io.BytesIO(content)).pages)), ("pdf", 2), fmt)
		content, extension = two("ZPL")
		self.assertEqual((extension, content.count(b"^XA"), content.count(b"^XZ")), ("zpl", 2, 2))

	def fba_or_other_delivery(self) -> str:
		"""A Delivery Note that is no FBM shipment of an Amazon order."""
		return frappe.db.get_value("Delivery Note", {"amazon_order_id": ("is", "not set")}, "name") or "no such Delivery Note"


def quote_shipment(case, order_id: str) -> str:
	"""The simulator's shipment id of an order's (voided) label."""
	from amazon_integration.simulator.shipping import book_of

	return next(s.shipment_id for s in book_of(case.sim.state).shipments.values() if s.order_id == order_id)
