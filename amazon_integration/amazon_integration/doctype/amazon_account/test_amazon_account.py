# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import strip_html

from amazon_integration.tests.utils import (
	CA,
	CAD_CLEARING_ACCOUNT,
	CAD_PAYOUT_ACCOUNT,
	CLEARING_ACCOUNT,
	COMPANY,
	FEES_ACCOUNT,
	DE,
	GROUP_WAREHOUSE,
	OTHER_WAREHOUSE,
	PRICE_LISTS,
	US,
	amazon_account,
	retire_simulator_accounts,
)

# The app's tests make their own records (tests/utils.py): skip ERPNext's test record graph.
test_ignore = [
	"Account",
	"Amazon Marketplace",
	"Company",
	"Currency",
	"Customer Group",
	"Item",
	"Price List",
	"Sales Person",
	"Territory",
	"Warehouse",
]


class TestAmazonAccount(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def assertRefused(self, account, message_regex: str) -> None:
		with self.assertRaises(frappe.ValidationError) as raised:
			account.insert()
		self.assertRegex(strip_html(str(raised.exception)), message_regex)

	def test_account_with_two_marketplaces(self):
		account = amazon_account().insert()
		self.assertEqual([row.marketplace for row in account.marketplaces], [US, CA])
		self.assertEqual([row.currency for row in account.marketplaces], ["USD", "CAD"])

	def test_marketplace_currency_must_match_price_list(self):
		account = amazon_account(marketplaces=[{"marketplace": US}, {"marketplace": CA}])
		self.assertRefused(account, r"Row 2: marketplace Amazon\.ca \(A2EUQ1WTGCTBG2\) sells in CAD, but price list Amazon USD is in USD")

	def test_row_price_list_in_another_currency_is_refused(self):
		account = amazon_account(marketplaces=[{"marketplace": CA, "price_list": PRICE_LISTS["EUR"]}])
		self.assertRefused(account, r"Row 1: marketplace Amazon\.ca \(A2EUQ1WTGCTBG2\) sells in CAD, but price list Amazon EUR is in EUR")

	def test_warehouse_of_another_company_is_refused(self):
		account = amazon_account(fbm_warehouse=OTHER_WAREHOUSE)
		self.assertRefused(account, f"FBM Warehouse {OTHER_WAREHOUSE} belongs to company Amazon Other Company, not to {COMPANY}")

	def test_group_warehouse_is_refused(self):
		account = amazon_account(fba_warehouse=GROUP_WAREHOUSE)
		self.assertRefused(account, f"FBA Warehouse {GROUP_WAREHOUSE} is a group warehouse")

	def test_marketplace_of_another_region_is_refused(self):
		account = amazon_account(marketplaces=[{"marketplace": US}, {"marketplace": DE, "price_list": PRICE_LISTS["EUR"]}])
		self.assertRefused(account, r"Row 2: marketplace Amazon\.de \(A1PA6795UKMFR9\) belongs to region EU, but this account is for region NA")

	def test_two_enabled_registrations_of_one_seller_cannot_sync_one_marketplace(self):
		amazon_account().insert()
		second = amazon_account(account_name="Test Seller NA 2", marketplaces=[{"marketplace": US}])
		self.assertRefused(second, r"Marketplace Amazon\.com \(ATVPDKIKX0DER\) of seller A1TESTSELLER is already synced by the enabled Amazon Account Test Seller NA")

		# A disabled registration, or another seller, may list the same marketplace.
		amazon_account(account_name="Test Seller NA 3", enabled=0, marketplaces=[{"marketplace": US}]).insert()
		amazon_account(account_name="Other Seller NA", seller_id="A2OTHERSELLER", marketplaces=[{"marketplace": US}]).insert()

	def test_clearing_account_must_be_a_bank_account(self):
		account = amazon_account(clearing_account=FEES_ACCOUNT)
		self.assertRefused(account, f"Amazon Clearing Account {FEES_ACCOUNT} must be an account of type Bank")

	def test_settlement_accounts_row_must_be_in_its_currency(self):
		account = amazon_account(
			settlement_accounts=[
				{"currency": "CAD", "clearing_account": CLEARING_ACCOUNT, "payout_account": CAD_PAYOUT_ACCOUNT}
			]
		)
		self.assertRefused(account, f"Settlement Accounts row 1: {CLEARING_ACCOUNT} must be a Bank account in CAD")
		account = amazon_account(
			settlement_accounts=[
				{"currency": "CAD", "clearing_account": CAD_CLEARING_ACCOUNT, "payout_account": CAD_PAYOUT_ACCOUNT}
			]
		).insert()
		self.assertEqual(account.settlement_accounts[0].clearing_account, CAD_CLEARING_ACCOUNT)

	def test_fee_accounts_one_per_category_or_rule_ledgers_of_the_company(self):
		rule = {"category": "FBA Storage Fees", "amount_description": "StorageRenewalBilling", "account": FEES_ACCOUNT}
		account = amazon_account(
			fee_accounts=[{"category": "FBA Storage Fees", "account": FEES_ACCOUNT}, rule, {**rule, "amount_description": "storagerenewalbilling "}]
		)
		self.assertRefused(account, r"Accounts by Category row 3: FBA Storage Fees / storagerenewalbilling is listed twice")
		other = frappe.db.get_value("Account", {"company": ("!=", COMPANY), "is_group": 0}, "name")
		account = amazon_account(fee_accounts=[{"category": "Advertising", "account": other}])
		self.assertRefused(account, f"Accounts by Category row 1: {other} must be a ledger")
		account = amazon_account(suspense_account=f"Indirect Expenses - {FEES_ACCOUNT.rsplit(' - ', 1)[1]}")
		self.assertRefused(account, "Suspense Account .* must be a ledger")
		account = amazon_account(fee_accounts=[{"category": "Advertising", "account": FEES_ACCOUNT}, rule]).insert()
		self.assertEqual(len(account.fee_accounts), 2)

	def test_promotion_item_needs_negative_rates(self):
		frappe.db.set_single_value("Selling Settings", "allow_negative_rates_for_items", 0)
		account = amazon_account(promotion_item="AMZ-PROMOTION")
		self.assertRefused(account, "enable Allow Negative Rates for Items in Selling Settings")

	def test_passwords_are_not_readable_as_plain_values(self):
		account = amazon_account().insert()
		reloaded = frappe.get_doc("Amazon Account", account.name)
		values = reloaded.as_dict()
		for fieldname, secret in (
			("lwa_client_secret", "lwa-secret-do-not-log"),
			("refresh_token", "Atzr|refresh-token-do-not-log"),
		):
			self.assertNotIn(secret, str(values))
			self.assertTrue(set(values[fieldname]) <= {"*"})
			self.assertEqual(reloaded.get_password(fieldname), secret)
		self.assertNotIn("do-not-log", frappe.as_json(frappe.get_all("Amazon Account", fields=["*"])))


class TestAmazonAccountConnection(FrappeTestCase):
	"""Test Connection calls the gateway against the simulator, which checks the LWA credentials."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from amazon_integration.simulator import Simulator

		cls.sim = Simulator(
			seed=1, orders=0, client_id="amzn1.application-oa2-client.test",
			client_secret="lwa-secret-do-not-log", refresh_token="Atzr|refresh-token-do-not-log",
		).start()

	@classmethod
	def tearDownClass(cls):
		retire_simulator_accounts(cls.sim)
		cls.sim.stop()
		super().tearDownClass()

	def tearDown(self):
		frappe.db.rollback()

	def test_accepted_credentials(self):
		account = amazon_account(endpoint_override=self.sim.url).insert()
		result = account.test_connection()
		self.assertTrue(result["ok"], result["message"])
		self.assertIn("A1TESTSELLER", strip_html(result["message"]))

	def test_refused_credentials_are_reported_plainly(self):
		account = amazon_account(
			account_name="Wrong Secret", endpoint_override=self.sim.url, lwa_client_secret="not-the-secret"
		).insert()
		result = account.test_connection()
		self.assertFalse(result["ok"])
		self.assertIn("invalid_client", strip_html(result["message"]))
		self.assertNotIn("not-the-secret", result["message"])
