import frappe
from frappe.tests.utils import FrappeTestCase

from amazon_integration.setup.custom_fields import CUSTOM_FIELDS


class TestInstall(FrappeTestCase):
	def test_custom_fields_exist(self):
		for doctype, fields in CUSTOM_FIELDS.items():
			meta = frappe.get_meta(doctype)
			for field in fields:
				self.assertTrue(meta.has_field(field["fieldname"]), f"{doctype}.{field['fieldname']} is missing")

	def test_amazon_order_id_is_unique_on_sales_order(self):
		self.assertTrue(frappe.get_meta("Sales Order").get_field("amazon_order_id").unique)

	def test_marketplaces_ship_as_fixtures(self):
		self.assertGreaterEqual(frappe.db.count("Amazon Marketplace"), 23)
		us = frappe.get_doc("Amazon Marketplace", "ATVPDKIKX0DER")
		self.assertEqual(
			(us.marketplace_name, us.country, us.currency, us.region, us.endpoint),
			("Amazon.com", "United States", "USD", "NA", "https://sellingpartnerapi-na.amazon.com"),
		)
		for region in ("NA", "EU", "FE"):
			self.assertTrue(frappe.db.exists("Amazon Marketplace", {"region": region}))

	def test_amazon_manager_role_owns_amazon_account(self):
		roles = {
			perm.role for perm in frappe.get_meta("Amazon Account").permissions if perm.read or perm.write
		}
		self.assertEqual(roles, {"System Manager", "Amazon Manager"})

	def test_bench_command_group_is_registered(self):
		from frappe.utils.bench_helper import get_app_commands

		group = get_app_commands("amazon_integration")["amazon"]
		self.assertIn("accounts", group.commands)
