"""Permissions: every whitelisted method and every report of the app, called the way the desk calls them, as
users with and without Amazon Manager; and the Amazon Account's secrets never leave the server.

The methods are found by walking the package, so a new whitelisted method fails this test until it is given
its expected outcomes below.
"""

import importlib
import pkgutil
from types import SimpleNamespace
from unittest.mock import patch

import frappe
from frappe.desk.query_report import run as run_report
from frappe.handler import execute_cmd, run_doc_method
from frappe.utils import add_days, nowdate

import amazon_integration
from amazon_integration.tests.simulator_case import SimulatorTestCase
from amazon_integration.tests.utils import COMPANY

SECRETS = ("lwa-secret-do-not-log", "refresh-token-do-not-log")

# A user of the ERPNext side of the business (sales, stock, accounts) without Amazon Manager; a Sales User only;
# an Amazon Manager (with Sales User, as a seller's Amazon person is).
OPS = "amazon-perm-ops@example.com"
SALES = "amazon-perm-sales@example.com"
MANAGER = "amazon-perm-manager@example.com"
ROLES = {
	OPS: ["Sales User", "Stock User", "Accounts User"],
	SALES: ["Sales User"],
	MANAGER: ["Amazon Manager", "Sales User"],
}

# Outcomes: "denied" (PermissionError), "ok" (an answer), "refused" (the method's own ValidationError: the
# user got through to it). Methods that only enqueue run with the enqueue patched out.
ACCOUNT = "amazon_integration.amazon_integration.doctype.amazon_account.amazon_account.AmazonAccount."
ONLY_MANAGER = {OPS: "denied", SALES: "denied", MANAGER: "ok"}
INBOUND = "amazon_integration.amazon_integration.doctype.amazon_inbound_shipment.amazon_inbound_shipment.AmazonInboundShipment."
METHODS = {
	ACCOUNT + "test_connection": ({}, ONLY_MANAGER),
	ACCOUNT + "sync_orders": ({}, ONLY_MANAGER),
	ACCOUNT + "import_settlements_now": ({}, ONLY_MANAGER),
	ACCOUNT + "sync_deliveries": ({}, ONLY_MANAGER),
	ACCOUNT + "push_stock_now": (
		{},
		{OPS: "denied", SALES: "denied", MANAGER: "refused"},
	),  # stock push is off
	ACCOUNT + "import_listings": ({}, ONLY_MANAGER),
	ACCOUNT + "recover_order": ({"amazon_order_id": "111-0000000-0000000"}, ONLY_MANAGER),
	ACCOUNT + "import_aftersale_reports": ({}, ONLY_MANAGER),
	# The test account names no SP-API app: the consent URL is refused with what to set.
	ACCOUNT + "connect_with_amazon": ({}, {OPS: "denied", SALES: "denied", MANAGER: "refused"}),
	# Amazon's redirect is a GET (tests/test_connect.py calls it, as a user and as a Guest sent to log in first);
	# a POST is not taken from anyone.
	"amazon_integration.erpnext.connect.callback": ({}, {OPS: "denied", SALES: "denied", MANAGER: "denied"}),
	# It adds ledgers to the chart of accounts: an Amazon Manager who may also create Accounts.
	ACCOUNT + "create_fee_accounts": ({}, {OPS: "denied", SALES: "denied", MANAGER: "denied"}),
	ACCOUNT + "backfill_orders": (
		{"since": "2999-01-01"},
		{OPS: "denied", SALES: "denied", MANAGER: "refused"},
	),  # a start date in the future
	"amazon_integration.amazon_integration.doctype.amazon_sync_log.amazon_sync_log.AmazonSyncLog.retry_failed_orders": (
		{},
		ONLY_MANAGER,
	),
	"amazon_integration.amazon_integration.doctype.amazon_inventory_event.amazon_inventory_event.AmazonInventoryEvent.retry": (
		{},
		ONLY_MANAGER,
	),
	# Accounts Users read settlements, only their managers book them; this one is not submitted.
	"amazon_integration.amazon_integration.doctype.amazon_settlement.amazon_settlement.AmazonSettlement.book_open_lines": (
		{},
		{OPS: "denied", SALES: "denied", MANAGER: "refused"},
	),
	"amazon_integration.amazon_integration.report.amazon_fba_stock_reconciliation.amazon_fba_stock_reconciliation.make_stock_reconciliation": (
		{"item_codes": "[]"},
		# Stock Reconciliation is the Stock Manager's, whoever runs the Amazon side.
		{OPS: "denied", SALES: "denied", MANAGER: "denied"},
	),
	# Whoever may submit the shipment or the invoice may send it to Amazon again (warehouse staff, accountants).
	# Stock Users follow inbound shipments, only Amazon Managers drive them. The test's shipment has no plan yet,
	# a sending warehouse without an address and an account without an in-transit warehouse: the steps refuse.
	INBOUND + "start_plan": ({}, {OPS: "denied", SALES: "denied", MANAGER: "refused"}),
	INBOUND + "confirm_placement": ({}, {OPS: "denied", SALES: "denied", MANAGER: "refused"}),
	INBOUND + "confirm_transport": ({}, {OPS: "denied", SALES: "denied", MANAGER: "refused"}),
	INBOUND + "fetch_labels": ({}, {OPS: "denied", SALES: "denied", MANAGER: "refused"}),
	INBOUND + "mark_shipped": ({}, {OPS: "denied", SALES: "denied", MANAGER: "refused"}),
	INBOUND + "sync_receipts": ({}, {OPS: "denied", SALES: "denied", MANAGER: "refused"}),
	INBOUND + "draft_adjustment": ({}, {OPS: "denied", SALES: "denied", MANAGER: "refused"}),  # nothing to settle
	INBOUND + "cancel_plan": ({}, ONLY_MANAGER),  # nothing at Amazon yet: just marked Cancelled
	"amazon_integration.erpnext.api.retry_delivery": (
		{},
		{OPS: "refused", SALES: "refused", MANAGER: "refused"},
	),
	"amazon_integration.erpnext.api.retry_invoice_upload": (
		{},
		{OPS: "refused", SALES: "denied", MANAGER: "denied"},
	),
	# Whoever may change the Sales Order may have Amazon fulfil it; an Amazon order of its own is refused.
	"amazon_integration.erpnext.api.mcf_preview": ({}, {OPS: "refused", SALES: "refused", MANAGER: "refused"}),
	"amazon_integration.erpnext.api.mcf_create": (
		{"speed": "Standard"},
		{OPS: "refused", SALES: "refused", MANAGER: "refused"},
	),
	"amazon_integration.erpnext.api.mcf_cancel": ({}, {OPS: "refused", SALES: "refused", MANAGER: "refused"}),
	# Labels: whoever may change the Delivery Note (warehouse staff); an FBA one has no label to buy.
	"amazon_integration.erpnext.api.get_label_rates": ({}, {OPS: "refused", SALES: "refused", MANAGER: "refused"}),
	"amazon_integration.erpnext.api.buy_label": (
		{"request_token": "t", "rate_id": "r", "carrier_id": "c", "carrier": "C", "service": "S", "price": 1},
		{OPS: "refused", SALES: "refused", MANAGER: "refused"},
	),
	"amazon_integration.erpnext.api.void_label": ({}, {OPS: "refused", SALES: "refused", MANAGER: "refused"}),
	"amazon_integration.erpnext.api.label_tracking": ({}, {OPS: "refused", SALES: "refused", MANAGER: "refused"}),
	"amazon_integration.erpnext.api.buy_labels": ({}, {OPS: "refused", SALES: "refused", MANAGER: "refused"}),
	# The guided setup's checklist: whoever reads the account.
	"amazon_integration.erpnext.setup_checklist.get_setup_checklist": ({}, ONLY_MANAGER),
}
REPORTS = {
	"Amazon FBA Stock Reconciliation": ({}, ONLY_MANAGER),
	"Amazon Sales by Marketplace": (
		{"company": COMPANY, "from_date": add_days(nowdate(), -7), "to_date": add_days(nowdate(), 1)},
		ONLY_MANAGER,
	),
	"Amazon Settlement Reconciliation": ({}, {OPS: "ok", SALES: "denied", MANAGER: "ok"}),  # accountants too
	"Amazon Profit": (
		{"company": COMPANY, "from_date": add_days(nowdate(), -7), "to_date": add_days(nowdate(), 1)},
		# The ledger per order, its rows linking invoices and journal entries: whoever may read those (the desk
		# filters a report's rows by its links), not an Amazon Manager who is only a Sales User.
		{OPS: "ok", SALES: "denied", MANAGER: "denied"},
	),
	"Amazon Sync Health": ({}, ONLY_MANAGER),
}


def whitelisted_methods() -> dict[str, object]:
	"""Every @frappe.whitelist function and document method of the app, by its dotted path."""
	for module in pkgutil.walk_packages(amazon_integration.__path__, "amazon_integration."):
		if ".tests" in module.name or module.name.endswith(".patches"):
			continue
		importlib.import_module(module.name)
	return {
		f"{fn.__module__}.{fn.__qualname__}": fn
		for fn in frappe.whitelisted
		if fn.__module__.startswith("amazon_integration.")
	}


def make_user(email: str, roles: list[str]) -> None:
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.set("roles", [])
	user.add_roles(*roles)


class TestPermissions(SimulatorTestCase):
	orders = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for email, roles in ROLES.items():
			make_user(email, roles)
		order_id = cls.sim.control.create_order(
			fulfilled_by="AMAZON", status="SHIPPED", items=[{"sku": "SIM-MUG-001", "quantity": 1}]
		)["order_id"]
		cls.sim.control.advance(180)
		from amazon_integration.erpnext.orders import sync_account_orders

		sync_account_orders(cls.account.name)
		cls.log = frappe.get_last_doc("Amazon Sync Log", {"amazon_account": cls.account.name})
		cls.delivery_note = frappe.db.get_value(
			"Delivery Note", {"amazon_order_id": order_id, "docstatus": 1}
		)
		cls.invoice = frappe.db.get_value("Sales Invoice", {"amazon_order_id": order_id, "docstatus": 1})
		cls.sales_order = frappe.db.get_value("Sales Order", {"amazon_order_id": order_id, "docstatus": 1})
		cls.event = frappe.get_doc(
			{
				"doctype": "Amazon Inventory Event",
				"amazon_account": cls.account.name,
				"event_type": "FBA Return",
			}
		).insert(ignore_permissions=True)
		cls.settlement = frappe.get_doc(
			{
				"doctype": "Amazon Settlement",
				"amazon_account": cls.account.name,
				"settlement_id": f"PERM{cls.namespace}",
			}
		).insert(ignore_permissions=True)
		cls.inbound = frappe.get_doc(
			{
				"doctype": "Amazon Inbound Shipment",
				"amazon_account": cls.account.name,
				"source_warehouse": cls.account.fbm_warehouse,
				"items": [{"item_code": "SIM-MUG-001", "qty": 1}],
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()

	def tearDown(self):
		frappe.set_user("Administrator")

	def documents(self) -> dict[str, str]:
		return {
			"Amazon Account": self.account.name,
			"Amazon Sync Log": self.log.name,
			"Amazon Inventory Event": self.event.name,
			"Amazon Settlement": self.settlement.name,
			"Amazon Inbound Shipment": self.inbound.name,
		}

	def call(self, path: str, fn, args: dict, user: str) -> str:
		"""Call as the desk does (a POST), as `user`. Returns the outcome."""
		frappe.set_user(user)
		frappe.local.request = SimpleNamespace(method="POST", headers={})
		frappe.local.form_dict = frappe._dict(args)
		doctype = next((dt for dt in self.documents() if path.split(".")[-2] == dt.replace(" ", "")), None)
		if path.endswith(("retry_delivery", "label_rates", "buy_label", "void_label", "label_tracking")):
			frappe.local.form_dict.delivery_note = self.delivery_note
		if path.endswith("buy_labels"):
			frappe.local.form_dict.delivery_notes = frappe.as_json([self.delivery_note])
		if path.endswith(("retry_invoice_upload",)):
			frappe.local.form_dict.sales_invoice = self.invoice
		if ".mcf_" in path:
			frappe.local.form_dict.update(sales_order=self.sales_order, account=self.account.name)
		if path.endswith("get_setup_checklist"):
			frappe.local.form_dict.account = self.account.name
		if path.endswith("make_stock_reconciliation"):
			frappe.local.form_dict.amazon_account = self.account.name
		try:
			with patch("amazon_integration.erpnext.jobs.enqueue"):
				if doctype:
					run_doc_method(
						fn.__name__, dt=doctype, dn=self.documents()[doctype], args=frappe.as_json(args)
					)
				else:
					execute_cmd(path)
			return "ok"
		except frappe.PermissionError:
			return "denied"
		except frappe.ValidationError:
			return "refused"
		finally:
			del frappe.local.request
			frappe.set_user("Administrator")
			frappe.db.rollback()

	def test_every_whitelisted_method(self):
		found = whitelisted_methods()
		self.assertEqual(
			sorted(set(found) - set(METHODS)), [], "whitelisted methods with no expected outcome"
		)
		outcomes = {
			path: {user: self.call(path, found[path], args, user) for user in expected}
			for path, (args, expected) in METHODS.items()
		}
		self.assertEqual(outcomes, {path: expected for path, (_args, expected) in METHODS.items()})

	def test_every_report(self):
		reports = frappe.get_all("Report", filters={"module": "Amazon Integration"}, pluck="name")
		self.assertEqual(sorted(set(reports) - set(REPORTS)), [], "reports with no expected outcome")
		outcomes, results = {}, []
		for report, (filters, expected) in REPORTS.items():
			if report == "Amazon FBA Stock Reconciliation":
				filters = {**filters, "amazon_account": self.account.name}
			outcomes[report] = {}
			for user in expected:
				frappe.set_user(user)
				try:
					results.append(run_report(report, filters=filters))
					outcomes[report][user] = "ok"
				except frappe.PermissionError:
					outcomes[report][user] = "denied"
				finally:
					frappe.set_user("Administrator")
		self.assertEqual(outcomes, {report: expected for report, (_f, expected) in REPORTS.items()})
		for secret in SECRETS:
			self.assertNotIn(secret, frappe.as_json(results))

	def test_secrets_never_leave_the_server(self):
		from frappe.desk.form.load import getdoc

		# Without Amazon Manager the account is a name to pick in a link, never a form to open.
		for user in (OPS, SALES):
			frappe.set_user(user)
			self.assertTrue(frappe.has_permission("Amazon Account", "select"))
			for read in (
				lambda: getdoc("Amazon Account", self.account.name),
				lambda: frappe.client.get("Amazon Account", self.account.name),
			):
				self.assertRaises(frappe.PermissionError, read)
		frappe.set_user(MANAGER)
		frappe.local.response = frappe._dict(docs=[])
		getdoc("Amazon Account", self.account.name)
		payloads = [
			frappe.local.response.docs,
			frappe.client.get("Amazon Account", self.account.name),
			frappe.get_doc("Amazon Account", self.account.name).as_dict(),
			self.account.as_dict(),  # the very document the secrets were typed into
			frappe.get_list("Amazon Account", fields=["*"]),
		]
		frappe.set_user("Administrator")
		# What the app writes down: run logs, error logs, the account's own history.
		payloads += [
			frappe.get_all("Amazon Sync Log", filters={"amazon_account": self.account.name}, fields=["*"]),
			frappe.get_all("Error Log", fields=["error"], limit=200, order_by="creation desc"),
			frappe.get_all("Version", filters={"ref_doctype": "Amazon Account"}, fields=["data"]),
		]
		for secret in SECRETS:
			self.assertNotIn(secret, frappe.as_json(payloads))
		# Still there for the gateway.
		self.assertEqual(
			frappe.get_doc("Amazon Account", self.account.name).get_password("lwa_client_secret"), SECRETS[0]
		)
