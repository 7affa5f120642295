"""Buyer data retention end to end: real orders synced from the simulator, then blanked once due."""

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
from frappe.utils import add_days, flt, getdate, nowdate

from amazon_integration.amazon_integration.report.amazon_sales_by_marketplace import (
	amazon_sales_by_marketplace as sales_report,
)
from amazon_integration.erpnext.retention import _lock_if_still_due, remove_account_buyer_data
from amazon_integration.domain.retention import (
	REDACTED,
	BuyerActivity,
	RetentionPolicy,
	anonymous_label,
	is_due,
)
from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase
from amazon_integration.tests.utils import COMPANY

# Where ERPNext and the app keep a buyer's data, besides the Sales Invoices' billing snapshot.
SNAPSHOT = [
	"customer",
	"customer_name",
	"title",
	"address_display",
	"shipping_address",
	"contact_display",
	"contact_email",
]
PLACES = {
	"Customer": ["name", "customer_name"],
	"Address": ["name", "address_title", "address_line1", "address_line2", "city", "pincode", "phone"],
	"Contact": ["name", "first_name", "full_name", "email_id"],
	"Contact Email": ["email_id"],
	"Dynamic Link": ["parent", "link_name", "link_title"],
	"Sales Order": SNAPSHOT,
	"Delivery Note": SNAPSHOT,
	"Payment Entry": ["party", "party_name", "title"],
	"GL Entry": ["party"],
	"Version": ["docname", "data"],
	"Comment": ["reference_name", "content"],
	"Deleted Document": ["deleted_name", "data"],
}


class TestBuyerDataRetention(SimulatorTestCase):
	orders = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# Names no other test on the site used, so a search of the whole site finds only this test's buyers.
		cls.zelda_surname, cls.yorick_surname = (
			f"Privateperson{cls.namespace}x",
			f"Stillwaiting{cls.namespace}x",
		)
		cls.yorick_mail = f"yorick.retention{cls.namespace}@marketplace.amazon.com"

	def run_retention(self, days_from_now: int):
		log = frappe.get_doc(
			"Amazon Sync Log",
			remove_account_buyer_data(self.account.name, add_days(nowdate(), days_from_now)),
		)
		self.assertEqual(log.status, "Success", log.error)
		return log

	def found(self, text: str) -> list[str]:
		"""Every place (besides Sales Invoices) still holding this text."""
		hits = []
		for doctype, fields in PLACES.items():
			for field in fields:
				if frappe.get_all(doctype, filters={field: ("like", f"%{text}%")}, limit=1):
					hits.append(f"{doctype}.{field}")
		return hits

	def test_buyer_data_is_removed_once_due_and_the_documents_stay_valid(self):
		shipped = self.new_order(
			fulfilled_by="AMAZON", status="SHIPPED", buyer_name=f"Zelda {self.zelda_surname}"
		)
		waiting = self.new_order(
			buyer_name=f"Yorick {self.yorick_surname}",
			buyer_email=self.yorick_mail,
			items=[{"sku": SKU, "quantity": 1}],
		)
		self.sync()
		zelda_so, yorick_so = self.sales_order(shipped), self.sales_order(waiting)
		ref = frappe.db.get_value("Customer", zelda_so.customer, "amazon_buyer_ref")
		label = anonymous_label(ref)
		self.assertTrue(self.found(self.zelda_surname))
		total = flt(zelda_so.grand_total)

		# Within the retention days nothing is touched.
		log = self.run_retention(10)
		self.assertEqual((log.orders_read, log.updated_count, log.unchanged_count), (2, 0, 2))
		self.assertTrue(self.found(self.zelda_surname))

		# 31 days on: the shipped buyer's data goes; the buyer still waiting for a parcel keeps theirs.
		log = self.run_retention(31)
		self.assertEqual((log.orders_read, log.updated_count, log.failed_count), (2, 1, 0))
		self.assertGreaterEqual(log.documents_scrubbed, 3)  # order, delivery, invoice
		self.assertGreaterEqual(log.addresses_scrubbed, 1)
		self.assertEqual(self.found(self.zelda_surname), [])
		customer = frappe.get_doc("Customer", {"amazon_buyer_ref": ref})
		self.assertEqual((customer.name, customer.customer_name), (label, label))
		self.assertTrue(customer.amazon_buyer_data_removed_on)
		so = frappe.get_doc("Sales Order", zelda_so.name)
		self.assertEqual(
			(so.docstatus, so.customer, so.customer_name, so.address_display), (1, label, label, None)
		)
		self.assertEqual(flt(so.grand_total), total)
		for address in frappe.get_all(
			"Address", filters={"address_title": label}, fields=["address_line1", "pincode"]
		):
			self.assertEqual((address.address_line1, address.pincode), (REDACTED, None))
		# The invoice keeps the billing name and address the tax law asks for (the account's default).
		invoice = frappe.get_all(
			"Sales Invoice",
			filters={"amazon_order_id": shipped},
			fields=["customer", "customer_name", "address_display"],
		)[0]
		self.assertEqual((invoice.customer, invoice.customer_name), (label, f"Zelda {self.zelda_surname}"))
		self.assertTrue(invoice.address_display)
		self.assertTrue(self.found(self.yorick_surname))
		# Reports keep working on the blanked documents.
		rows = sales_report.execute(
			frappe._dict(
				company=COMPANY,
				from_date=add_days(nowdate(), -1),
				to_date=add_days(nowdate(), 1),
				amazon_account=self.account.name,
			)  # fmt: skip
		)[1]
		self.assertTrue(rows)
		# The log holds counts, never a name.
		self.assertNotIn(self.zelda_surname, frappe.as_json(log.as_dict()))

		# Yorick's parcel leaves; with invoices told to keep nothing, the invoice is blanked too.
		dn = make_delivery_note(yorick_so.name)
		dn.amazon_carrier_name, dn.amazon_tracking_number = "UPS", "1ZRETENTION1"
		dn.insert()
		dn.submit()
		frappe.db.set_value("Amazon Account", self.account.name, "invoices_keep_billing_address", 0)
		frappe.db.commit()
		log = self.run_retention(31)
		self.assertEqual((log.updated_count, log.failed_count), (1, 0))
		self.assertGreaterEqual(log.contacts_scrubbed, 1)
		self.assertEqual(self.found(self.yorick_surname), [])
		self.assertEqual(self.found(self.yorick_mail), [])
		yorick = frappe.db.get_value("Sales Order", yorick_so.name, "customer")
		yorick_ref = frappe.db.get_value("Customer", yorick, "amazon_buyer_ref")
		self.assertEqual(
			frappe.get_all("Sales Invoice", filters={"customer": yorick}, pluck="customer_name"), [yorick]
		)

		# The same buyer orders again: the blanked Customer (its stable reference) gets the order.
		again = self.new_order(
			buyer_name=f"Yorick {self.yorick_surname}",
			buyer_email=self.yorick_mail,
			items=[{"sku": SKU, "quantity": 1}],
		)
		self.sync()
		self.assertEqual(self.sales_order(again).customer, yorick)
		log = self.run_retention(31)
		self.assertEqual((log.orders_read, log.updated_count), (1, 0))  # an order still to ship keeps it
		# A run that read the buyer as due before that order came in checks again once it holds the Customer.
		stale = BuyerActivity(
			yorick, yorick_ref, open_orders=0, last_shipped=None, last_ordered=getdate("2020-01-01")
		)
		self.assertTrue(is_due(stale, RetentionPolicy(), getdate(add_days(nowdate(), 31))))
		self.assertFalse(
			_lock_if_still_due(self.account.name, stale, RetentionPolicy(), getdate(add_days(nowdate(), 31)))
		)
		frappe.db.rollback()
