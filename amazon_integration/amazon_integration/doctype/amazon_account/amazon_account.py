# Copyright (c) 2026, Amazon Integration contributors
# For license information, please see license.txt

from urllib.parse import urlparse

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, getdate, today


class AmazonAccount(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from amazon_integration.amazon_integration.doctype.amazon_account_marketplace.amazon_account_marketplace import AmazonAccountMarketplace
		from amazon_integration.amazon_integration.doctype.amazon_fee_account.amazon_fee_account import AmazonFeeAccount
		from amazon_integration.amazon_integration.doctype.amazon_settlement_account.amazon_settlement_account import AmazonSettlementAccount
		from frappe.types import DF

		account_name: DF.Data
		amazon_supplier: DF.Link | None
		application_id: DF.Data | None
		buyer_data_retention_days: DF.Int
		clearing_account: DF.Link | None
		company: DF.Link
		customer_group: DF.Link | None
		default_carrier: DF.Link | None
		draft_application: DF.Check
		enabled: DF.Check
		endpoint_override: DF.Data | None
		fallback_item: DF.Link | None
		fba_loss_account: DF.Link | None
		fba_warehouse: DF.Link | None
		fbm_warehouse: DF.Link | None
		fee_accounts: DF.Table[AmazonFeeAccount]
		fees_account: DF.Link | None
		fees_by_month: DF.Check
		gift_wrap_item: DF.Link | None
		import_aftersale: DF.Check
		import_settlements: DF.Check
		invoice_fba_orders: DF.Check
		invoice_fbm_deliveries: DF.Check
		invoices_keep_billing_address: DF.Check
		last_no_answer: DF.SmallText | None
		last_order_sync: DF.Datetime | None
		last_stock_push: DF.Datetime | None
		lwa_client_id: DF.Data
		lwa_client_secret: DF.Password
		marketplace_tax_account: DF.Link | None
		marketplaces: DF.Table[AmazonAccountMarketplace]
		mode_of_payment: DF.Link | None
		not_answering_since: DF.Datetime | None
		notification_recipients: DF.SmallText | None
		payout_account: DF.Link | None
		promotion_item: DF.Link | None
		push_stock: DF.Check
		refresh_token: DF.Password | None
		region: DF.Literal["NA", "EU", "FE"]
		retry_after: DF.Datetime | None
		sales_person: DF.Link | None
		sales_tax_account: DF.Link | None
		seller_id: DF.Data | None
		settlement_accounts: DF.Table[AmazonSettlementAccount]
		selling_price_list: DF.Link
		shipped_outside_erpnext: DF.Literal["Submit Delivery Note", "Delete Delivery Note", "Keep Delivery Note"]
		shipping_item: DF.Link | None
		stock_buffer: DF.Int
		suspense_account: DF.Link | None
		sync_interval: DF.Int
		territory: DF.Link | None
		unsellable_warehouse: DF.Link | None
	# end: auto-generated types

	def validate(self) -> None:
		self.seller_id = (self.seller_id or "").strip()
		self.validate_connected()
		self.validate_endpoint_override()
		self.validate_marketplaces()
		self.validate_price_lists()
		self.validate_warehouses()
		self.validate_accounts()
		self.validate_promotion_item()
		self.validate_notification_recipients()
		self.validate_no_overlap_with_other_registrations()
		self.validate_stock_push()
		self.validate_buyer_data_retention()

	def validate_connected(self) -> None:
		"""Connect with Amazon fills in the Seller ID and refresh token of a saved account: until then it stays off
		(the form shows Enabled once both are there)."""
		if not self.enabled or (self.seller_id and self.refresh_token):
			return
		if self.is_new():
			self.enabled = 0
			return
		frappe.throw(
			_(
				"Press Connect with Amazon (or, for a self-authorized private app, enter its Seller ID and "
				"Refresh Token) before enabling the account."
			),
			title=_("Not Connected"),
		)

	def onload(self) -> None:
		from amazon_integration.erpnext.connect import redirect_uri, take_outcome

		self.set_onload("amazon_redirect_uri", redirect_uri())
		outcome = take_outcome(self.name)
		if outcome:
			self.set_onload("amazon_connect", outcome)

	@frappe.whitelist()
	def connect_with_amazon(self) -> str:
		"""Seller Central's consent page for this account (the form opens it)."""
		from amazon_integration.erpnext.connect import consent_url_for

		return consent_url_for(self)

	def validate_buyer_data_retention(self) -> None:
		if cint(self.buyer_data_retention_days) < 1:
			frappe.throw(
				_("Keep Buyer Data for at least one day after shipment (Amazon allows 30)."),
				title=_("Buyer Data Retention"),
			)

	def validate_stock_push(self) -> None:
		if self.push_stock and not self.fbm_warehouse:
			frappe.throw(
				_("Set the FBM Warehouse: the quantities sent to Amazon are its stock."), title=_("No FBM Warehouse")
			)

	def on_update(self) -> None:
		from amazon_integration.erpnext.currencies import announce, tell_currencies_apart

		company_currency = frappe.get_cached_value("Company", self.company, "default_currency")
		announce(tell_currencies_apart(company_currency, [row.currency for row in self.marketplaces if row.currency]))

	def validate_endpoint_override(self) -> None:
		if self.endpoint_override and urlparse(self.endpoint_override).scheme not in ("http", "https"):
			frappe.throw(
				_("Endpoint Override {0} is not an http(s) URL.").format(frappe.bold(self.endpoint_override)),
				title=_("Invalid Endpoint"),
			)

	def validate_marketplaces(self) -> None:
		if not self.marketplaces:
			frappe.throw(_("Add at least one marketplace."), title=_("No Marketplace"))
		seen: set[str] = set()
		for row in self.marketplaces:
			if row.marketplace in seen:
				frappe.throw(
					_("Row {0}: marketplace {1} is listed twice.").format(
						row.idx, frappe.bold(_marketplace_label(row.marketplace))
					),
					title=_("Duplicate Marketplace"),
				)
			seen.add(row.marketplace)
			region = frappe.db.get_value("Amazon Marketplace", row.marketplace, "region")
			# One SP-API registration talks to one regional endpoint.
			if region and region != self.region:
				frappe.throw(
					_("Row {0}: marketplace {1} belongs to region {2}, but this account is for region {3}.").format(
						row.idx, frappe.bold(_marketplace_label(row.marketplace)), region, self.region
					),
					title=_("Marketplace Region Mismatch"),
				)

	def validate_price_lists(self) -> None:
		account_currency = self._selling_price_list_currency(self.selling_price_list)
		for row in self.marketplaces:
			currency = frappe.db.get_value("Amazon Marketplace", row.marketplace, "currency")
			row.currency = currency
			price_list = row.price_list or self.selling_price_list
			if not price_list:
				continue  # the mandatory check names the missing price list
			price_list_currency = (
				self._selling_price_list_currency(row.price_list) if row.price_list else account_currency
			)
			if price_list_currency != currency:
				frappe.throw(
					_(
						"Row {0}: marketplace {1} sells in {2}, but price list {3} is in {4}. "
						"Set a price list in {2} on that row."
					).format(
						row.idx,
						frappe.bold(_marketplace_label(row.marketplace)),
						currency,
						frappe.bold(price_list),
						price_list_currency,
					),
					title=_("Currency Mismatch"),
				)

	def _selling_price_list_currency(self, price_list: str) -> str | None:
		details = frappe.db.get_value("Price List", price_list, ["currency", "selling", "enabled"], as_dict=True)
		if not details:
			return None
		if not details.selling or not details.enabled:
			frappe.throw(
				_("Price List {0} must be enabled and used for selling.").format(frappe.bold(price_list)),
				title=_("Invalid Price List"),
			)
		return details.currency

	def validate_warehouses(self) -> None:
		for fieldname in ("fba_warehouse", "fbm_warehouse", "unsellable_warehouse"):
			warehouse = self.get(fieldname)
			if not warehouse:
				continue
			company, is_group = frappe.db.get_value("Warehouse", warehouse, ["company", "is_group"])
			label = _(self.meta.get_label(fieldname))
			if company != self.company:
				frappe.throw(
					_("{0} {1} belongs to company {2}, not to {3}.").format(
						label, frappe.bold(warehouse), company, frappe.bold(self.company)
					),
					title=_("Warehouse of Another Company"),
				)
			if is_group:
				frappe.throw(
					_("{0} {1} is a group warehouse; stock can only move in a leaf warehouse.").format(
						label, frappe.bold(warehouse)
					),
					title=_("Group Warehouse"),
				)

	def validate_accounts(self) -> None:
		fieldnames = (
			"sales_tax_account", "marketplace_tax_account", "clearing_account", "payout_account", "fees_account",
			"fba_loss_account", "suspense_account",
		)  # fmt: skip
		for fieldname in fieldnames:
			account = self.get(fieldname)
			if not account:
				continue
			company, is_group, account_type = frappe.db.get_value(
				"Account", account, ["company", "is_group", "account_type"]
			)
			if company != self.company or is_group:
				frappe.throw(
					_("{0} {1} must be a ledger (not a group) account of company {2}.").format(
						_(self.meta.get_label(fieldname)), frappe.bold(account), frappe.bold(self.company)
					),
					title=_("Invalid Account"),
				)
			if fieldname in ("clearing_account", "payout_account") and account_type not in ("Bank", "Cash"):
				# Payment Entries pay into and out of it: ERPNext wants a Bank or Cash account there.
				frappe.throw(
					_("{0} {1} must be an account of type Bank.").format(
						_(self.meta.get_label(fieldname)), frappe.bold(account)
					),
					title=_("Invalid Account"),
				)
		self.validate_settlement_accounts()
		self.validate_fee_accounts()
		if self.clearing_account and self.clearing_account == self.payout_account:
			frappe.throw(
				_("The Amazon Clearing Account holds what Amazon owes you; it cannot be the payout bank account."),
				title=_("Invalid Account"),
			)

	def validate_settlement_accounts(self) -> None:
		seen: set[str] = set()
		for row in self.settlement_accounts:
			if row.currency in seen:
				frappe.throw(
					_("Settlement Accounts row {0}: currency {1} is listed twice.").format(row.idx, row.currency),
					title=_("Duplicate Currency"),
				)
			seen.add(row.currency)
			for fieldname in ("clearing_account", "payout_account"):
				account = row.get(fieldname)
				company, is_group, account_type, currency = frappe.db.get_value(
					"Account", account, ["company", "is_group", "account_type", "account_currency"]
				)
				if company != self.company or is_group or account_type not in ("Bank", "Cash") or currency != row.currency:
					frappe.throw(
						_("Settlement Accounts row {0}: {1} must be a Bank account in {2} of company {3}.").format(
							row.idx, frappe.bold(account), row.currency, frappe.bold(self.company)
						),
						title=_("Invalid Account"),
					)
			if row.clearing_account == row.payout_account:
				frappe.throw(
					_("Settlement Accounts row {0}: the clearing account cannot be the payout bank account.").format(row.idx),
					title=_("Invalid Account"),
				)

	def validate_fee_accounts(self) -> None:
		"""One account per category, and per description rule; each a ledger of the company."""
		from amazon_integration.domain.fees import normalize

		seen: set[tuple[str, str, str]] = set()
		for row in self.fee_accounts:
			row.amount_description = (row.amount_description or "").strip()
			row.amount_type = (row.amount_type or "").strip()
			key = (row.category, normalize(row.amount_description), normalize(row.amount_type))
			if key in seen:
				frappe.throw(
					_("Accounts by Category row {0}: {1} is listed twice.").format(
						row.idx, " / ".join(part for part in (row.category, row.amount_type, row.amount_description) if part)
					),
					title=_("Duplicate Category"),
				)
			seen.add(key)
			company, is_group = frappe.db.get_value("Account", row.account, ["company", "is_group"]) or (None, 0)
			if company != self.company or is_group:
				frappe.throw(
					_("Accounts by Category row {0}: {1} must be a ledger (not a group) account of company {2}.").format(
						row.idx, frappe.bold(row.account), frappe.bold(self.company)
					),
					title=_("Invalid Account"),
				)

	@frappe.whitelist()
	def create_fee_accounts(self) -> list[str]:
		"""Create an account for every category that has none, and a suspense account (never changes a choice
		already made), then save."""
		self.check_permission("write")
		if not frappe.has_permission("Account", "create"):
			frappe.throw(_("Not permitted to create Accounts."), frappe.PermissionError)
		from amazon_integration.erpnext.fee_accounts import create_default_fee_accounts

		created = create_default_fee_accounts(self)
		self.save()
		return created

	def validate_promotion_item(self) -> None:
		# Promotions are negative item rows: ERPNext refuses them unless Selling Settings allow it.
		if self.promotion_item and not frappe.db.get_single_value("Selling Settings", "allow_negative_rates_for_items"):
			frappe.throw(
				_(
					"A Promotion Discount Item books Amazon promotions as negative rows: enable {0} in {1}, "
					"or leave the item empty to take promotions off their lines."
				).format(frappe.bold(_("Allow Negative Rates for Items")), _("Selling Settings")),
				title=_("Negative Rates Not Allowed"),
			)

	def validate_notification_recipients(self) -> None:
		from amazon_integration.erpnext.shipments import validate_recipients

		validate_recipients(self.notification_recipients)

	def validate_no_overlap_with_other_registrations(self) -> None:
		"""Two enabled registrations of one seller syncing one marketplace would import its orders twice."""
		if not self.enabled:
			return
		mine = {row.marketplace for row in self.marketplaces}
		others = frappe.get_all(
			"Amazon Account",
			filters={"seller_id": self.seller_id, "enabled": 1, "name": ("!=", self.name or "")},
			pluck="name",
		)
		if not others:
			return
		rows = frappe.get_all(
			"Amazon Account Marketplace",
			filters={"parenttype": "Amazon Account", "parent": ("in", others), "marketplace": ("in", list(mine))},
			fields=["parent", "marketplace"],
		)
		if rows:
			frappe.throw(
				_("Marketplace {0} of seller {1} is already synced by the enabled Amazon Account {2}.").format(
					frappe.bold(_marketplace_label(rows[0].marketplace)),
					frappe.bold(self.seller_id),
					frappe.bold(rows[0].parent),
				),
				title=_("Marketplace Already Synced"),
			)

	@frappe.whitelist()
	def test_connection(self) -> dict:
		self.check_permission("write")
		from amazon_integration.erpnext.account_client import check_connection

		return check_connection(self)

	@frappe.whitelist()
	def sync_orders(self) -> dict:
		"""Sync now, in the background. Returns the run's Amazon Sync Log, which the form follows (its counts
		are saved as the run goes), and whether a run of this account was already under way."""
		self.check_permission("write")
		if not self.enabled:
			frappe.throw(_("Enable the account to sync its orders."), title=_("Account Disabled"))
		from amazon_integration.erpnext.jobs import ORDER_SYNC

		if ORDER_SYNC.queued(self.name):
			return {"log": self.current_sync_log(), "already_running": True}
		log = frappe.get_doc(
			{"doctype": "Amazon Sync Log", "amazon_account": self.name, "operation": "Order Sync", "status": "Queued"}
		).insert(ignore_permissions=True)
		ORDER_SYNC.enqueue(self.name, log=log.name)
		return {"log": log.name, "already_running": False}

	def current_sync_log(self) -> str | None:
		"""The newest order sync of this account that is queued or running, if any."""
		return frappe.db.get_value(
			"Amazon Sync Log",
			{"amazon_account": self.name, "operation": "Order Sync", "status": ("in", ["Queued", "Running"])},
			"name",
			order_by="creation desc",
		)

	@frappe.whitelist()
	def import_settlements_now(self) -> None:
		"""Download Amazon's settlement reports now, in the background. (Not `import_settlements`: the check box
		of that name would hide the method from the desk.)"""
		self.check_permission("write")
		if not frappe.has_permission("Amazon Settlement", "create"):
			frappe.throw(_("Not permitted to import Amazon Settlements."), frappe.PermissionError)
		from amazon_integration.erpnext.jobs import SETTLEMENT_IMPORT

		SETTLEMENT_IMPORT.enqueue(self.name)

	@frappe.whitelist()
	def sync_deliveries(self) -> None:
		"""Send every pending or refused shipment of this account to Amazon now, in the background."""
		self.check_permission("write")
		from amazon_integration.erpnext.jobs import SHIPMENT_SYNC

		SHIPMENT_SYNC.enqueue(self.name, include_failed=True)

	@frappe.whitelist()
	def push_stock_now(self) -> None:
		"""Send every FBM quantity to Amazon now, in the background (a full push: unknown SKUs are tried again)."""
		self.check_permission("write")
		if not (self.enabled and self.push_stock):
			frappe.throw(
				_("Enable the account and Send FBM Quantities to Amazon first."), title=_("Stock Push Disabled")
			)
		from amazon_integration.erpnext.jobs import FULL_STOCK_PUSH

		FULL_STOCK_PUSH.enqueue(self.name, trigger="Manual", resend=True)

	@frappe.whitelist()
	def import_listings(self) -> dict:
		"""Set each SKU's fulfilment channel as Amazon lists it (mapping rows for SKUs that are Item codes)."""
		self.check_permission("write")
		from amazon_integration.amazon.errors import AmazonError
		from amazon_integration.erpnext.stock import import_listings
		from amazon_integration.erpnext.texts import translated

		try:
			return import_listings(self.name)
		except AmazonError as e:
			frappe.throw(_("Amazon answered: {0}").format(translated(e)), title=_("Import Listings"))

	@frappe.whitelist()
	def recover_order(self, amazon_order_id: str) -> dict:
		"""Sync one order by its Amazon order id, now."""
		self.check_permission("write")
		if not (amazon_order_id or "").strip():
			frappe.throw(_("Enter an Amazon order id."), title=_("Missing Order ID"))
		from amazon_integration.erpnext.account_client import interactive_calls
		from amazon_integration.erpnext.orders import recover_order

		with interactive_calls():  # the user waits on the form: an answer in seconds
			log = frappe.get_doc("Amazon Sync Log", recover_order(self.name, amazon_order_id))
		sales_order = frappe.db.get_value("Sales Order", {"amazon_order_id": amazon_order_id.strip()}, "name")
		return {
			"log": log.name,
			"status": log.status,
			"sales_order": sales_order,
			"error": log.failures[0].error if log.failures else log.error,
		}

	@frappe.whitelist()
	def import_aftersale_reports(self) -> None:
		"""Read Amazon's returns, reimbursements and removals reports now, in the background."""
		self.check_permission("write")
		if not self.enabled:
			frappe.throw(_("Enable the account to import its reports."), title=_("Account Disabled"))
		from amazon_integration.erpnext.jobs import AFTERSALE_IMPORT

		AFTERSALE_IMPORT.enqueue(self.name)

	@frappe.whitelist()
	def backfill_orders(self, since: str, until: str | None = None, move_stock: int | str = 0) -> dict:
		"""Import the orders Amazon updated in [since, until] from its order history report, in the background.
		Returns the run's Amazon Sync Log."""
		self.check_permission("write")
		if not self.enabled:
			frappe.throw(_("Enable the account to import its order history."), title=_("Account Disabled"))
		since_day = getdate(since) if since else None
		until_day = getdate(until) if until else None
		if not since_day or since_day > getdate(today()):
			frappe.throw(_("Choose a start date that is not in the future."), title=_("Backfill Orders"))
		if until_day and until_day < since_day:
			frappe.throw(_("The end date comes before the start date."), title=_("Backfill Orders"))
		from amazon_integration.erpnext.jobs import BACKFILL

		if BACKFILL.queued(self.name):
			frappe.throw(_("A backfill of this account is already under way."), title=_("Backfill Orders"))
		log = frappe.get_doc(
			{"doctype": "Amazon Sync Log", "amazon_account": self.name, "operation": "Backfill", "status": "Queued"}
		).insert(ignore_permissions=True)
		BACKFILL.enqueue(
			self.name,
			since=str(since_day),
			until=str(until_day) if until_day else None,
			move_stock=bool(cint(move_stock)),
			log=log.name,
		)
		return {"log": log.name}


def _marketplace_label(marketplace: str) -> str:
	name = frappe.db.get_value("Amazon Marketplace", marketplace, "marketplace_name")
	return f"{name} ({marketplace})" if name else marketplace
