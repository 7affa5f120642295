"""The guided setup on a real account: its checklist names what is missing with where to set it, the first
successful order sync completes it, and the workspace's onboarding steps follow."""

import frappe

from amazon_integration.erpnext.setup_checklist import (
	ONBOARDING_STEPS,
	checklist,
	get_setup_checklist,
)
from amazon_integration.tests.simulator_case import SimulatorTestCase


class TestSetupChecklist(SimulatorTestCase):
	orders = 3

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# The sync commits: give the site's onboarding back as it was.
		cls.onboarding = {
			name: frappe.db.get_value("Onboarding Step", name, "is_complete") for name in ONBOARDING_STEPS.values()
		}

	@classmethod
	def tearDownClass(cls):
		for name, complete in cls.onboarding.items():
			if complete is not None:
				frappe.db.set_value("Onboarding Step", name, "is_complete", complete, update_modified=False)
		frappe.db.commit()
		super().tearDownClass()

	def steps(self, doc) -> dict[str, dict]:
		return {step["key"]: step for step in checklist(doc)}

	def test_checklist_names_what_is_missing_until_the_first_sync(self):
		doc = frappe.get_doc("Amazon Account", self.account.name)
		doc.import_settlements = 1
		doc.save()
		steps = self.steps(doc)
		self.assertEqual(list(steps), list(ONBOARDING_STEPS))
		self.assertEqual(
			[key for key, step in steps.items() if not step["done"]], ["items", "first_sync"], steps
		)
		self.assertEqual(
			steps["items"]["missing"][0]["doctype"], "Amazon SKU Mapping"
		)  # Import Listings makes them
		self.assertEqual(steps["first_sync"]["missing"][0]["doctype"], "Amazon Sync Log")

		# An unsaved change shows at once, with the field's label and where it is.
		doc.sales_tax_account = None
		self.assertEqual(
			self.steps(doc)["taxes"]["missing"],
			[{"code": "sales_tax_account", "label": "Sales Tax Account", "fieldname": "sales_tax_account"}],
		)

		frappe.get_doc(
			{"doctype": "Amazon SKU Mapping", "amazon_account": doc.name, "seller_sku": "SIM-MUG-001",
			 "item_code": "SIM-MUG-001"}
		).insert()
		self.sync()
		answer = get_setup_checklist(doc.name)
		self.assertTrue(answer["complete"], answer)
		for step_name in ONBOARDING_STEPS.values():
			self.assertEqual(frappe.db.get_value("Onboarding Step", step_name, "is_complete"), 1, step_name)

	def test_a_new_account_starts_with_connecting_and_nothing_is_saved(self):
		before = frappe.db.count("Amazon Account")
		answer = get_setup_checklist(doc={"doctype": "Amazon Account", "seller_id": "A1NEWSELLER", "__islocal": 1})
		self.assertFalse(answer["complete"])
		connect = answer["steps"][0]
		self.assertEqual(connect["key"], "connect")
		self.assertEqual(
			[m["code"] for m in connect["missing"]], ["saved", "lwa_client_id", "lwa_client_secret", "refresh_token"]
		)
		self.assertEqual(frappe.db.count("Amazon Account"), before)
