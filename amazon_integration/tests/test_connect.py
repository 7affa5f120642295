"""Connect with Amazon against the simulator: the consent page's answer reaches the app's callback.

The browser's part (open the consent page, press Confirm) is done over HTTP; the callback runs in-process as the
user who started it. One simulator for the class; each test makes its own unconnected account (rolled back).
"""

from urllib.parse import parse_qs, urlsplit

import frappe
import httpx
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_url_to_form, strip_html

from amazon_integration.erpnext import connect
from amazon_integration.simulator import Simulator
from amazon_integration.tests.utils import amazon_account

APP = "amzn1.sp.solution.0e1f2a3b-connect-test"


class TestConnectWithAmazon(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.seller = f"A1CON{frappe.generate_hash(length=8).upper()}"
		cls.sim = Simulator(orders=0, seller_id=cls.seller).start()

	@classmethod
	def tearDownClass(cls):
		cls.sim.stop()
		super().tearDownClass()

	def tearDown(self):
		frappe.db.rollback()

	def new_account(self, seller_id: str = "") -> frappe.model.document.Document:
		account = amazon_account(
			account_name=f"Connect {frappe.generate_hash(length=6)}",
			seller_id=seller_id,
			refresh_token="",
			endpoint_override=self.sim.url,
			application_id=APP,
		).insert()
		self.assertFalse(account.enabled, "an account not yet connected is saved disabled")
		return account

	def consent(self, account) -> dict[str, str]:
		"""The seller's browser: Connect with Amazon, the simulator's consent page, Confirm; Amazon's answer."""
		url = account.connect_with_amazon()
		self.assertTrue(url.startswith(f"{self.sim.url}/apps/authorize/consent?"), url)
		sent = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
		self.assertEqual(sent["application_id"], APP)
		self.assertEqual(sent["redirect_uri"], connect.redirect_uri())
		self.assertEqual(httpx.get(url).status_code, 200)
		answer = httpx.post(f"{self.sim.url}/apps/authorize/confirm", data=sent)
		location = answer.headers["location"]
		self.assertTrue(location.startswith(connect.redirect_uri()))
		return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}

	def assertRefused(self, answer: dict, pattern: str, account: str | None) -> None:
		with self.assertRaises(connect.ConnectRefused) as refused:
			connect.complete(answer["state"], answer["selling_partner_id"], answer["spapi_oauth_code"])
		self.assertRegex(strip_html(refused.exception.message), pattern)
		self.assertEqual(refused.exception.account, account)

	def test_callback_connects_the_account(self):
		account = self.new_account()
		answer = self.consent(account)
		connect.callback(**answer)
		self.assertEqual(frappe.local.response["type"], "redirect")
		self.assertEqual(frappe.local.response["location"], get_url_to_form("Amazon Account", account.name))
		account.reload()
		self.assertEqual(account.seller_id, self.seller)
		self.assertFalse(account.enabled, "the user enables the account once it is set up")
		self.assertTrue(account.get_password("refresh_token").startswith("Atzr|"))
		outcome = connect.take_outcome(account.name)
		self.assertTrue(outcome["ok"], outcome)
		self.assertIn(self.seller, strip_html(outcome["message"]))
		self.assertIn("Tick Enabled", outcome["message"])
		self.assertIsNone(connect.take_outcome(account.name), "the form shows the outcome once")

	def test_forged_state_is_refused(self):
		account = self.new_account()
		answer = self.consent(account)
		answer["state"] = "forged-" + answer["state"]
		self.assertRefused(answer, "does not belong to a Connect with Amazon started here", None)
		self.assertFalse(frappe.db.get_value("Amazon Account", account.name, "seller_id"))

	def test_replayed_state_is_refused(self):
		account = self.new_account()
		answer = self.consent(account)
		connect.complete(answer["state"], answer["selling_partner_id"], answer["spapi_oauth_code"])
		self.assertRefused(answer, "already used", None)

	def test_code_used_twice_is_refused(self):
		account = self.new_account()
		first = self.consent(account)
		connect.complete(first["state"], first["selling_partner_id"], first["spapi_oauth_code"])
		second = self.consent(frappe.get_doc("Amazon Account", account.name))
		second["spapi_oauth_code"] = first["spapi_oauth_code"]
		self.assertRefused(second, "Amazon refused the authorization code: it was already used", account.name)

	def test_other_seller_is_refused(self):
		account = self.new_account(seller_id="A1SOMEONEELSE")
		answer = self.consent(account)
		self.assertRefused(answer, f"You authorized seller {self.seller} on Amazon, but this account is for Seller ID A1SOMEONEELSE", account.name)
		self.assertFalse(frappe.get_doc("Amazon Account", account.name).get_password("refresh_token", raise_exception=False))
		# The refused answer goes back to the form, which says why.
		answer = self.consent(frappe.get_doc("Amazon Account", account.name))
		connect.callback(**answer)
		self.assertEqual(frappe.local.response["location"], get_url_to_form("Amazon Account", account.name))
		self.assertFalse(connect.take_outcome(account.name)["ok"])

	def test_guest_logs_in_first_and_the_state_waits(self):
		account = self.new_account()
		answer = self.consent(account)
		frappe.set_user("Guest")
		try:
			connect.callback(**answer)
		finally:
			frappe.set_user("Administrator")
		location = frappe.local.response["location"]
		self.assertTrue(location.startswith("/login?redirect-to="), location)
		back = parse_qs(urlsplit(location).query)["redirect-to"][0]
		self.assertEqual(parse_qs(urlsplit(back).query)["state"], [answer["state"]])
		connect.complete(answer["state"], answer["selling_partner_id"], answer["spapi_oauth_code"])
		self.assertEqual(frappe.db.get_value("Amazon Account", account.name, "seller_id"), self.seller)

	def test_unconnected_account_cannot_be_enabled(self):
		account = self.new_account()
		account.enabled = 1
		with self.assertRaises(frappe.ValidationError) as raised:
			account.save()
		self.assertIn("Connect with Amazon", str(raised.exception))
