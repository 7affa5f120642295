"""The sandbox: an Amazon Account bound to the simulator on loopback, with what ERPNext needs around it.

`bench --site S amazon sandbox` calls `open_sandbox`: it starts the simulator, makes sure the company has
what an Amazon registration needs (an FBA warehouse, price lists in the marketplaces' currencies, the
simulator's Items with some stock, tax, receivable and settlement accounts, ...), binds the "Sandbox"
account to the simulator and syncs its orders. Everything is looked up first and created only when
missing, in one transaction: a failure leaves nothing half made, and a second run creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from ipaddress import ip_address
from urllib.parse import quote, urlparse

import frappe
from frappe import _
from frappe.utils import add_days, flt, get_url, nowdate

from amazon_integration.erpnext.orders import sync_account_orders
from amazon_integration.simulator import Simulator
from amazon_integration.simulator.generator import _FX, CA, CATALOGUE, US

SANDBOX_ACCOUNT = "Sandbox"
SANDBOX_SELLER_ID = "A1SANDBOXSELLER"
DEFAULT_PORT = 8787
DEFAULT_SEED = 1
DEFAULT_ORDERS = 60
# One NA registration selling on Amazon.com (USD) and Amazon.ca (CAD): two currencies, one endpoint.
MARKETPLACES = (US, CA)
REGION = "NA"
SHIPPING_ITEM = "AMZ-SHIPPING"
GIFT_WRAP_ITEM = "AMZ-GIFT-WRAP"
PROMOTION_ITEM = "AMZ-PROMOTION"
# Units kept in each warehouse: FBA orders move stock out of the FBA warehouse when Amazon ships.
STOCK_LEVEL = 1000
COST_SHARE = Decimal("0.4")  # valuation of the sandbox stock: 40 % of the catalogue's USD price


@dataclass(frozen=True)
class Made:
	"""One record the setup created (or completed), for the command to list."""

	doctype: str
	name: str
	note: str = ""


@dataclass
class SandboxSetup:
	account: str
	company: str
	made: list[Made] = field(default_factory=list)
	notes: list[str] = field(default_factory=list)  # what the user may want to do by hand


@dataclass(frozen=True)
class SandboxSummary:
	account: str
	sales_orders: int
	fba_orders: int
	fbm_orders: int
	replacements: int  # Amazon's free replacements: Sales Orders at 0.00
	customers: int
	shipped_deliveries: int  # submitted: FBA shipments and FBM orders shipped; their stock has moved
	shipped_fba: int  # of which Amazon shipped from its warehouse
	fbm_drafts: int  # draft Delivery Notes waiting to be shipped
	stock_moves: int  # stock ledger entries of the account's Delivery Notes: one per item row shipped
	units_shipped: int
	invoices: int
	settlements: int  # Amazon Settlements of the account
	settlement_currencies: tuple[str, ...]
	links: dict[str, str]


@dataclass(frozen=True)
class SimulatorOrders:
	"""What the simulator held when the sandbox synced: the sync log's counts read against it."""

	total: int
	pending: int  # no prices yet: the sync does not ask for them until Amazon releases them


@dataclass
class Sandbox:
	simulator: Simulator
	setup: SandboxSetup
	sync_log: str | None
	summary: SandboxSummary
	simulator_orders: SimulatorOrders | None = None
	imported_settlements: list[str] = field(default_factory=list)
	settlement_error: str | None = None


def is_sandbox_endpoint(url: str | None) -> bool:
	"""A sandbox account talks to a simulator on this machine, never to Amazon."""
	host = urlparse(url or "").hostname or ""
	if host == "localhost" or host.endswith(".localhost"):  # loopback names (RFC 6761)
		return True
	try:
		return ip_address(host).is_loopback
	except ValueError:
		return False


def open_sandbox(
	orders: int = DEFAULT_ORDERS,
	port: int = DEFAULT_PORT,
	seed: int = DEFAULT_SEED,
	life: bool = True,
	company: str | None = None,
	account_name: str = SANDBOX_ACCOUNT,
	seller_id: str = SANDBOX_SELLER_ID,
	namespace: int = 0,
) -> Sandbox:
	"""Start the simulator, set the sandbox up and sync its orders. The caller stops `sandbox.simulator`.

	The same seed (and namespace) makes the same orders with the same ids, so a second start finds them imported.
	"""
	sim = Simulator(
		seed=seed,
		orders=orders,
		port=port,
		seller_id=seller_id,
		marketplaces=MARKETPLACES,
		life=life,
		namespace=namespace,
	).start()
	try:
		setup = setup_sandbox(sim.url, company=company, account_name=account_name, seller_id=seller_id)
		held = sim.control.list_orders()
		log = sync_account_orders(setup.account)
		settlements, settlement_error = _import_settlements(setup.account)
	except BaseException:
		frappe.db.rollback()
		sim.stop()
		raise
	return Sandbox(
		sim,
		setup,
		log,
		summarize(setup.account),
		SimulatorOrders(total=len(held), pending=sum(1 for o in held if o["status"] == "PENDING")),
		settlements,
		settlement_error,
	)


def _import_settlements(account: str) -> tuple[list[str], str | None]:
	"""The simulator's closed settlements, as draft Amazon Settlements (the account's daily job imports the next
	ones). A failure here leaves the orders synced and says why."""
	from amazon_integration.amazon.errors import AmazonError
	from amazon_integration.erpnext.settlements import import_account_settlements

	try:
		return import_account_settlements(account), None
	except AmazonError as e:
		frappe.db.rollback()
		return [], str(e)


def setup_sandbox(
	endpoint: str,
	company: str | None = None,
	account_name: str = SANDBOX_ACCOUNT,
	seller_id: str = SANDBOX_SELLER_ID,
) -> SandboxSetup:
	"""Make (idempotently) the sandbox Amazon Account bound to `endpoint` and what it needs; commit once."""
	existing = frappe.db.get_value(
		"Amazon Account", account_name, ["endpoint_override", "company"], as_dict=True
	)
	if existing and not is_sandbox_endpoint(existing.endpoint_override):
		frappe.throw(
			_("Amazon Account {0} talks to Amazon, not to the simulator: it is left alone.").format(
				frappe.bold(account_name)
			),
			title=_("Not a Sandbox Account"),
		)
	# An existing sandbox account keeps its company: its warehouses and accounts belong to it.
	company = (existing and existing.company) or company or frappe.defaults.get_global_default("company")
	if not company or not frappe.db.exists("Company", company):
		frappe.throw(
			_("Set ERPNext up first (Setup Wizard): the sandbox uses the site's default company."),
			title=_("No Default Company"),
		)
	try:
		builder = _Builder(company)
		account = builder.account(account_name, seller_id, endpoint)
		frappe.db.commit()
	except BaseException:
		frappe.db.rollback()
		raise
	return SandboxSetup(account=account, company=company, made=builder.made, notes=builder.notes)


class _Builder:
	"""Finds or creates each record the sandbox account needs, and remembers what it created."""

	def __init__(self, company: str):
		self.company = company
		self.abbr = frappe.get_cached_value("Company", company, "abbr")
		self.currency = frappe.get_cached_value("Company", company, "default_currency")
		self.made: list[Made] = []
		self.notes: list[str] = []

	def _insert(self, values: dict, note: str = "") -> str:
		doc = frappe.get_doc(values)
		doc.flags.ignore_permissions = True
		doc.insert()
		self.made.append(Made(doc.doctype, doc.name, note))
		return doc.name

	# -- the account ------------------------------------------------------------------------------------
	def account(self, account_name: str, seller_id: str, endpoint: str) -> str:
		price_lists = {market: self.price_list(self.marketplace_currency(market)) for market in MARKETPLACES}
		values = {
			"fba_warehouse": self.warehouse("Amazon FBA"),
			"fbm_warehouse": self.fbm_warehouse(),
			"selling_price_list": price_lists[US],
			"shipping_item": self.item(SHIPPING_ITEM, "Amazon Shipping", is_stock_item=False),
			"gift_wrap_item": self.item(GIFT_WRAP_ITEM, "Amazon Gift Wrap", is_stock_item=False),
			"promotion_item": self.promotion_item(),
			"sales_tax_account": self.tax_account("Amazon Sales Tax"),
			"marketplace_tax_account": self.tax_account("Amazon Collected Tax"),
			"invoice_fba_orders": 1,
			"invoice_fbm_deliveries": 1,
		}
		foreign = sorted({self.marketplace_currency(market) for market in MARKETPLACES} - {self.currency})
		for currency in foreign:
			self.exchange_rate(currency)
			self.receivable_account(currency)
		for entry in CATALOGUE:
			self.item(entry.sku, entry.title)
		self.stock_up([values["fba_warehouse"], values["fbm_warehouse"]])
		values.update(self.settlement_defaults(foreign))
		values.update(self.aftersale_defaults())

		if frappe.db.exists("Amazon Account", account_name):
			doc = frappe.get_doc("Amazon Account", account_name)
			# Keep what the user changed; fill what is empty and follow the simulator's address.
			if not doc.get("clearing_account") and values.get("import_settlements"):
				doc.set("import_settlements", 1)  # it could not import before: nobody turned it off
			for fieldname, value in values.items():
				df = doc.meta.get_field(fieldname)
				if df and df.fieldtype != "Check" and value and not doc.get(fieldname):
					doc.set(fieldname, value)
			have = {row.marketplace for row in doc.marketplaces}
			for market in MARKETPLACES:
				if market not in have:
					doc.append("marketplaces", {"marketplace": market, "price_list": price_lists[market]})
			doc.endpoint_override = endpoint
			doc.enabled = 1
			# A new simulator is a new history: read all of it again (imported orders are found by id).
			doc.last_order_sync = None
			doc.flags.ignore_permissions = True
			doc.save()
			return doc.name
		return self._insert(
			{
				"doctype": "Amazon Account",
				"account_name": account_name,
				"enabled": 1,
				"seller_id": seller_id,
				"region": REGION,
				# The simulator accepts any credentials unless told otherwise.
				"lwa_client_id": "amzn1.application-oa2-client.sandbox",
				"lwa_client_secret": "sandbox",
				"refresh_token": "Atzr|sandbox",
				"endpoint_override": endpoint,
				"company": self.company,
				"marketplaces": [{"marketplace": m, "price_list": price_lists[m]} for m in MARKETPLACES],
				**values,
			},
			_("bound to the simulator at {0}").format(endpoint),
		)

	def marketplace_currency(self, marketplace: str) -> str:
		return frappe.db.get_value("Amazon Marketplace", marketplace, "currency")

	# -- stock ------------------------------------------------------------------------------------------
	def warehouse(self, warehouse_name: str) -> str:
		name = frappe.db.get_value(
			"Warehouse", {"warehouse_name": warehouse_name, "company": self.company, "is_group": 0}, "name"
		)
		if name:
			return name
		parent = frappe.db.get_value(
			"Warehouse",
			{"company": self.company, "is_group": 1, "parent_warehouse": ("is", "not set")},
			"name",
		)
		return self._insert(
			{
				"doctype": "Warehouse",
				"warehouse_name": warehouse_name,
				"company": self.company,
				"parent_warehouse": parent,
			},
			_("Amazon's fulfilment centres"),
		)

	def fbm_warehouse(self) -> str:
		default = frappe.db.get_single_value("Stock Settings", "default_warehouse")
		if default and frappe.db.get_value("Warehouse", default, ["company", "is_group"]) == (
			self.company,
			0,
		):
			return default
		return self.warehouse("Stores")

	def item(self, item_code: str, title: str, is_stock_item: bool = True) -> str:
		if frappe.db.exists("Item", item_code):
			return item_code
		return self._insert(
			{
				"doctype": "Item",
				"item_code": item_code,
				"item_name": title[:140],
				"item_group": _leaf_or_root("Item Group", "Products", "All Item Groups"),
				"stock_uom": "Nos"
				if frappe.db.exists("UOM", "Nos")
				else frappe.db.get_value("UOM", {}, "name"),
				"is_stock_item": int(is_stock_item),
				"include_item_in_manufacturing": 0,
			}
		)

	def promotion_item(self) -> str | None:
		# Promotions are negative rows; without the setting they reduce their lines instead.
		if not frappe.db.get_single_value("Selling Settings", "allow_negative_rates_for_items"):
			self.notes.append(
				_(
					"Promotions reduce their lines: enable {0} in Selling Settings to book them on their own row."
				).format(_("Allow Negative Rates for Items"))
			)
			return None
		return self.item(PROMOTION_ITEM, "Amazon Promotion", is_stock_item=False)

	def stock_up(self, warehouses: list[str]) -> None:
		"""Stock for the simulator's SKUs, topped up only when it has run low."""
		rows = []
		for warehouse in warehouses:
			for entry in CATALOGUE:
				qty = flt(
					frappe.db.get_value("Bin", {"item_code": entry.sku, "warehouse": warehouse}, "actual_qty")
				)
				if qty < STOCK_LEVEL / 2:
					rate = entry.price("USD") * COST_SHARE * Decimal(str(_company_rate("USD", self.currency)))
					rows.append(
						{
							"item_code": entry.sku,
							"t_warehouse": warehouse,
							"qty": STOCK_LEVEL - qty,
							"basic_rate": float(rate),
						}
					)
		if not rows:
			return
		doc = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": self.company,
				"remarks": _("Amazon sandbox: stock for the simulator's SKUs"),
				"items": rows,
			}
		)
		doc.flags.ignore_permissions = True
		doc.insert()
		doc.submit()
		self.made.append(Made(doc.doctype, doc.name, _("{0} rows of opening stock").format(len(rows))))

	# -- selling ----------------------------------------------------------------------------------------
	def price_list(self, currency: str) -> str:
		name = f"Amazon {currency}"
		details = frappe.db.get_value("Price List", name, ["currency", "selling", "enabled"], as_dict=True)
		if details:
			if details.currency != currency or not details.selling or not details.enabled:
				frappe.throw(
					_("Price List {0} exists but is not an enabled selling price list in {1}.").format(
						frappe.bold(name), currency
					),
					title=_("Invalid Price List"),
				)
			return name
		frappe.db.set_value("Currency", currency, "enabled", 1)
		return self._insert(
			{
				"doctype": "Price List",
				"price_list_name": name,
				"currency": currency,
				"selling": 1,
				"enabled": 1,
			}
		)

	def exchange_rate(self, currency: str) -> None:
		"""A rate for orders in a marketplace currency, dated before the simulator's oldest order."""
		filters = {"from_currency": currency, "to_currency": self.currency, "for_selling": 1}
		if frappe.db.exists("Currency Exchange", filters):
			return
		rate = _company_rate(currency, self.currency)
		if not rate:
			self.notes.append(
				_("No exchange rate from {0} to {1}: add a Currency Exchange record.").format(
					currency, self.currency
				)
			)
			return
		if not frappe.db.get_single_value("Accounts Settings", "allow_stale"):
			self.notes.append(
				_(
					"Exchange rates are refused when stale (Accounts Settings): keep {0} to {1} rates up to date."
				).format(currency, self.currency)
			)
		self._insert(
			{
				"doctype": "Currency Exchange",
				"date": add_days(nowdate(), -30),
				"from_currency": currency,
				"to_currency": self.currency,
				"exchange_rate": rate,
				"for_selling": 1,
				"for_buying": 1,
			},
			_("the simulator's rate"),
		)

	# -- accounts (record names stay untranslated: they are looked up by name on the next run) ---------------------------------------------------------------------------------------
	def ledger(self, account_name: str, parent: str, **values) -> str:
		name = frappe.db.get_value(
			"Account", {"account_name": account_name, "company": self.company, "is_group": 0}, "name"
		)
		if name:
			return name
		return self._insert(
			{
				"doctype": "Account",
				"account_name": account_name,
				"company": self.company,
				"parent_account": parent,
				"is_group": 0,
				**values,
			}
		)

	def group(self, root_type: str, account_type: str | None = None, account_name: str | None = None) -> str:
		filters = {"company": self.company, "is_group": 1, "root_type": root_type}
		for extra in ({"account_name": account_name}, {"account_type": account_type}, {}):
			if None in extra.values():
				continue
			name = frappe.db.get_value("Account", {**filters, **extra}, "name", order_by="lft desc")
			if name:
				return name
		frappe.throw(
			_("Company {0} has no {1} account group.").format(frappe.bold(self.company), root_type),
			title=_("Chart of Accounts"),
		)

	def tax_account(self, account_name: str) -> str:
		return self.ledger(
			account_name, self.group("Liability", "Tax", "Duties and Taxes"), account_type="Tax"
		)

	def receivable_account(self, currency: str) -> str:
		"""ERPNext bills a foreign-currency invoice to a receivable account in that currency."""
		name = frappe.db.get_value(
			"Account",
			{
				"company": self.company,
				"account_type": "Receivable",
				"account_currency": currency,
				"is_group": 0,
			},
			"name",
		)
		if name:
			return name
		default = frappe.get_cached_value("Company", self.company, "default_receivable_account")
		parent = frappe.db.get_value("Account", default, "parent_account") if default else None
		return self.ledger(
			f"Debtors {currency}",
			parent or self.group("Asset", "Receivable"),
			account_type="Receivable",
			account_currency=currency,
		)

	def settlement_defaults(self, foreign_currencies: list[str]) -> dict:
		"""What Amazon's payouts and fees are booked to (settlements import is on once the app has it);
		a settlement in another currency (CAD for Amazon.ca) has its own clearing and payout accounts."""
		bank_group = self.group("Asset", "Bank", "Bank Accounts")
		clearing = self.ledger("Amazon Clearing", bank_group, account_type="Bank")
		# The company's own bank account, else one of the sandbox's: any other Bank ledger may be
		# another registration's clearing account.
		payout = frappe.get_cached_value("Company", self.company, "default_bank_account") or self.ledger(
			"Sandbox Bank", bank_group, account_type="Bank"
		)
		fees = self.ledger(
			"Amazon Fees",
			self.group("Expense", "Expense Account", "Indirect Expenses"),
			account_type="Expense Account",
		)
		values = {
			"clearing_account": clearing,
			"payout_account": payout,
			"fees_account": fees,
			"mode_of_payment": self.mode_of_payment(clearing),
			"amazon_supplier": self.supplier(),
			"settlement_accounts": [
				{
					"currency": currency,
					"clearing_account": self.ledger(
						f"Amazon Clearing {currency}", bank_group, account_type="Bank", account_currency=currency
					),
					"payout_account": self.ledger(
						f"Sandbox Bank {currency}", bank_group, account_type="Bank", account_currency=currency
					),
				}
				for currency in foreign_currencies
			],
		}
		if frappe.db.exists("DocType", "Amazon Settlement"):
			values["import_settlements"] = 1
		return values

	def aftersale_defaults(self) -> dict:
		"""Where returns Amazon did not grade sellable go, and what lost units are written off to."""
		return {
			"import_aftersale": 1,
			"unsellable_warehouse": self.warehouse("Amazon FBA Unsellable"),
			"fba_loss_account": self.ledger(
				"Amazon FBA Losses",
				self.group("Expense", "Expense Account", "Indirect Expenses"),
				account_type="Expense Account",
			),
		}

	def mode_of_payment(self, clearing_account: str) -> str:
		name = "Amazon"
		if not frappe.db.exists("Mode of Payment", name):
			return self._insert(
				{
					"doctype": "Mode of Payment",
					"mode_of_payment": name,
					"type": "Bank",
					"enabled": 1,
					"accounts": [{"company": self.company, "default_account": clearing_account}],
				},
				_("pays into {0}").format(clearing_account),
			)
		doc = frappe.get_doc("Mode of Payment", name)
		if not any(row.company == self.company for row in doc.accounts):
			doc.append("accounts", {"company": self.company, "default_account": clearing_account})
			doc.flags.ignore_permissions = True
			doc.save()
			self.made.append(
				Made(doc.doctype, doc.name, _("{0} pays into {1}").format(self.company, clearing_account))
			)
		return name

	def supplier(self) -> str:
		name = frappe.db.get_value("Supplier", {"supplier_name": "Amazon"}, "name")
		if name:
			return name
		return self._insert(
			{
				"doctype": "Supplier",
				"supplier_name": "Amazon",
				"supplier_type": "Company",
				"supplier_group": frappe.db.get_single_value("Buying Settings", "supplier_group")
				or _leaf_or_root("Supplier Group", "Services", "All Supplier Groups"),
			},
			_("its fees are booked against it"),
		)


def _leaf_or_root(doctype: str, preferred: str, root: str) -> str:
	return preferred if frappe.db.get_value(doctype, preferred, "is_group") == 0 else root


def _company_rate(currency: str, company_currency: str) -> float | None:
	"""The simulator prices every currency from USD: its own rate between two of them."""
	if currency not in _FX or company_currency not in _FX:
		return None
	return float((_FX[company_currency] / _FX[currency]).quantize(Decimal("0.000001")))


def summarize(account: str) -> SandboxSummary:
	"""What the account's orders became, and where to look in the desk."""
	orders = frappe.get_all(
		"Sales Order",
		filters={"amazon_account": account, "docstatus": ("!=", 2)},
		fields=["name", "customer", "amazon_order_id", "amazon_fulfillment_channel", "amazon_replaced_order_id"],
	)
	delivery_notes = frappe.get_all(
		"Delivery Note",
		filters={"amazon_account": account, "docstatus": ("!=", 2)},
		fields=["name", "docstatus", "amazon_fulfillment_channel"],
	)
	submitted = [dn.name for dn in delivery_notes if dn.docstatus == 1]
	moves = (
		frappe.get_all(
			"Stock Ledger Entry",
			filters={"voucher_type": "Delivery Note", "voucher_no": ("in", submitted), "is_cancelled": 0},
			fields=["count(name) as entries", "sum(actual_qty) as qty"],
		)[0]
		if submitted
		else frappe._dict(entries=0, qty=0)
	)
	settlement_currencies = frappe.get_all(
		"Amazon Settlement", filters={"amazon_account": account, "docstatus": ("!=", 2)}, pluck="currency"
	)
	order_ids = [o.amazon_order_id for o in orders]
	invoices = (
		frappe.db.count("Sales Invoice", {"amazon_order_id": ("in", order_ids), "docstatus": 1})
		if order_ids
		else 0
	)
	quoted = quote(account)
	return SandboxSummary(
		account=account,
		sales_orders=len(orders),
		fba_orders=sum(1 for o in orders if o.amazon_fulfillment_channel == "FBA"),
		fbm_orders=sum(1 for o in orders if o.amazon_fulfillment_channel == "FBM"),
		replacements=sum(1 for o in orders if o.amazon_replaced_order_id),
		customers=len({o.customer for o in orders}),
		shipped_deliveries=len(submitted),
		shipped_fba=sum(1 for dn in delivery_notes if dn.docstatus == 1 and dn.amazon_fulfillment_channel == "FBA"),
		fbm_drafts=sum(1 for dn in delivery_notes if dn.docstatus == 0),
		stock_moves=int(moves.entries or 0),
		units_shipped=int(-flt(moves.qty)),
		invoices=invoices,
		settlements=len(settlement_currencies),
		settlement_currencies=tuple(sorted(set(settlement_currencies))),
		links={
			_("Workspace"): get_url("/app/amazon"),
			_("Amazon Account"): get_url(f"/app/amazon-account/{quoted}"),
			_("Sales Orders"): get_url(f"/app/sales-order?amazon_account={quoted}"),
			_("Delivery Notes"): get_url(f"/app/delivery-note?amazon_account={quoted}"),
			_("Sync Logs"): get_url(f"/app/amazon-sync-log?amazon_account={quoted}"),
			_("Settlements"): get_url(f"/app/amazon-settlement?amazon_account={quoted}"),
		},
	)
