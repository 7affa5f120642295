"""The sandbox set up twice on a company of its own: the second run finds everything and creates nothing."""

import frappe
from frappe.tests.utils import FrappeTestCase

from amazon_integration.devtools.sandbox import open_sandbox
from amazon_integration.erpnext.account_client import is_sandbox_endpoint
from amazon_integration.erpnext.stock import fba_reconciliation
from amazon_integration.simulator.generator import CATALOGUE
from amazon_integration.tests.utils import make_company, next_namespace


class TestSandbox(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		suffix = frappe.generate_hash(length=5).upper()
		# A company of its own, so the first run really has warehouses, accounts and stock to make.
		cls.company = make_company(f"Amazon Sandbox {suffix}", f"S{suffix}")
		cls.abbr = f"S{suffix}"
		cls.account_name = f"Sandbox {suffix}"
		cls.seller_id = f"A1SBX{suffix}"
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		# Its simulator is gone: keep the scheduler from calling it.
		frappe.db.set_value("Amazon Account", cls.account_name, "enabled", 0)
		frappe.db.commit()
		super().tearDownClass()

	def open(self, namespace: int):
		return open_sandbox(
			orders=25,
			port=0,
			seed=1,
			namespace=namespace,
			life=False,
			company=self.company,
			account_name=self.account_name,
			seller_id=self.seller_id,
		)

	def counts(self) -> dict[str, int]:
		company = {"company": self.company}
		account = {"amazon_account": self.account_name}
		return {
			"Warehouse": frappe.db.count("Warehouse", company),
			"Account": frappe.db.count("Account", company),
			"Stock Entry": frappe.db.count("Stock Entry", company),
			"Item": frappe.db.count("Item"),
			"Price List": frappe.db.count("Price List"),
			"Currency Exchange": frappe.db.count("Currency Exchange"),
			"Supplier": frappe.db.count("Supplier", {"supplier_name": "Amazon"}),
			"Mode of Payment": frappe.db.count("Mode of Payment", {"name": "Amazon"}),
			"Mode of Payment Account": frappe.db.count("Mode of Payment Account", company),
			"Amazon Account": frappe.db.count("Amazon Account", {"seller_id": self.seller_id}),
			"Sales Order": frappe.db.count("Sales Order", account),
			"Delivery Note": frappe.db.count("Delivery Note", account),
			"Customer": len(set(frappe.get_all("Sales Order", filters=account, pluck="customer"))),
		}

	def test_sandbox_twice_duplicates_nothing(self):
		namespace = next_namespace()
		first = self.open(namespace)
		try:
			sim_orders = first.simulator.control.list_orders()
			# ERPNext's FBA stock opened with Amazon's count, less what the synced orders shipped: no difference.
			off = [(r.sku, r.amazon_item_qty, r.erpnext_qty) for r in fba_reconciliation(self.account_name) if r.difference]
			self.assertEqual(off, [])
		finally:
			first.simulator.stop()
		made = {(m.doctype, m.name) for m in first.setup.made}
		self.assertIn(("Amazon Account", self.account_name), made)
		self.assertIn(("Warehouse", f"Amazon FBA Sandbox - {self.abbr}"), made)
		self.assertIn(("Account", f"Amazon Clearing - {self.abbr}"), made)
		self.assertIn(("Account", f"Debtors CAD - {self.abbr}"), made)
		self.assertIn("Stock Entry", {doctype for doctype, _name in made})

		acc = frappe.get_doc("Amazon Account", self.account_name)
		self.assertTrue(is_sandbox_endpoint(acc.endpoint_override))
		self.assertEqual(frappe.db.get_value("Warehouse", acc.fba_warehouse, "company"), self.company)
		for fieldname in (
			"fbm_warehouse",
			"shipping_item",
			"gift_wrap_item",
			"sales_tax_account",
			"marketplace_tax_account",
			"clearing_account",
			"mode_of_payment",
			"payout_account",
			"amazon_supplier",
			"fees_account",
		):
			self.assertTrue(acc.get(fieldname), fieldname)
		self.assertEqual(
			{
				row.marketplace: frappe.db.get_value("Price List", row.price_list, "currency")
				for row in acc.marketplaces
			},
			{"ATVPDKIKX0DER": "USD", "A2EUQ1WTGCTBG2": "CAD"},
		)
		for entry in CATALOGUE:
			self.assertTrue(frappe.db.exists("Item", entry.sku))

		log = frappe.get_doc("Amazon Sync Log", first.sync_log)
		self.assertEqual(log.failed_count, 0, [row.error for row in log.failures])
		importable = [
			o
			for o in sim_orders
			if (o["fulfilled_by"] == "AMAZON" and o["status"] == "SHIPPED")
			or (
				o["fulfilled_by"] == "MERCHANT"
				and o["status"] in ("UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED")
			)
		]
		self.assertEqual(first.summary.sales_orders, len(importable))
		self.assertEqual(log.created_count, len(importable))
		# Send to Amazon: one plan received and closed by Amazon (its units in the FBA warehouse, none left in
		# transit), one waiting for the seller's choice among Amazon's transport quotes.
		self.assertIsNone(first.inbound_error)
		received, waiting = (frappe.get_doc("Amazon Inbound Shipment", name) for name in first.inbound_shipments)
		self.assertEqual((received.status, waiting.status), ("Closed", "Choose Transport"))
		self.assertEqual([(r.received_qty, r.moved_qty) for r in received.items], [(r.qty, r.qty) for r in received.items])
		transit = frappe.db.get_value("Amazon Account", self.account_name, "fba_in_transit_warehouse")
		self.assertFalse(frappe.db.get_value("Bin", {"warehouse": transit, "actual_qty": ("!=", 0)}))
		self.assertTrue(frappe.get_all("File", {"attached_to_name": received.name, "file_name": ("like", "%labels.pdf")}))
		quotes = [o["quote"] for s in frappe.parse_json(waiting.transport_options) for o in s["options"]]
		self.assertTrue(any(quotes) and None in quotes)  # Amazon's partnered quote, and the own carrier's none
		webshop = frappe.get_all("Sales Order", {"amazon_mcf_account": self.account_name}, ["name", "amazon_mcf_status"])
		self.assertEqual([row.amazon_mcf_status for row in webshop], ["Complete"])  # a webshop order Amazon fulfilled
		mcf_notes = {"amazon_mcf_package": ("like", f"{webshop[0].name}/%"), "docstatus": 1}
		self.assertEqual(frappe.db.count("Delivery Note", mcf_notes), 2)  # shipped in two packages
		before = self.counts()

		second = self.open(namespace)  # the same seed and namespace: the same orders, on another port
		second.simulator.stop()
		self.assertEqual(second.setup.made, [])
		# Send to Amazon: the new simulator knows what Amazon received (its count and the FBA warehouse agree);
		# the waiting plan, which it does not know, is made anew (no stock moves).
		from amazon_integration.simulator.generator import US
		from amazon_integration.simulator.inbound import inbound_state, received_units

		self.assertIsNone(second.inbound_error)
		plans = inbound_state(second.simulator.state).plans
		self.assertIn(received.inbound_plan_id, plans, list(plans))
		for row in received.items:
			self.assertEqual(
				received_units(second.simulator.state, {US}, row.seller_sku),
				row.received_qty,
				row.seller_sku,
			)
		self.assertEqual(frappe.db.get_value("Amazon Inbound Shipment", waiting.name, "status"), "Cancelled")
		self.assertEqual(len(second.inbound_shipments), 1)
		self.assertEqual(self.counts(), before)
		self.assertEqual(frappe.db.count("Delivery Note", mcf_notes), 2)
		self.assertEqual(frappe.db.get_value("Amazon Sync Log", second.sync_log, "created_count"), 0)
		self.assertEqual(second.summary, first.summary)
		self.assertNotEqual(
			frappe.db.get_value("Amazon Account", self.account_name, "endpoint_override"),
			acc.endpoint_override,
		)

	def test_sandbox_endpoint(self):
		self.assertTrue(is_sandbox_endpoint("http://127.0.0.1:8787"))
		self.assertTrue(is_sandbox_endpoint("http://localhost:8787/"))
		self.assertTrue(is_sandbox_endpoint("http://[::1]:8787"))
		self.assertFalse(is_sandbox_endpoint("https://sellingpartnerapi-na.amazon.com"))
		self.assertFalse(is_sandbox_endpoint(None))

	def test_refuses_an_account_that_talks_to_amazon(self):
		from amazon_integration.devtools.sandbox import setup_sandbox
		from amazon_integration.tests.utils import amazon_account

		name = f"Real {frappe.generate_hash(length=6)}"
		amazon_account(
			account_name=name, seller_id=f"A1REAL{frappe.generate_hash(length=6).upper()}"
		).insert()
		with self.assertRaises(frappe.ValidationError):
			setup_sandbox("http://127.0.0.1:1", company=self.company, account_name=name)
		frappe.db.rollback()
