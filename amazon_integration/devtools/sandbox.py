"""The sandbox: an Amazon Account bound to the simulator on loopback, with what ERPNext needs around it.

`bench --site S amazon sandbox` calls `open_sandbox`: it starts the simulator, makes sure the company has
what an Amazon registration needs (an FBA warehouse, price lists in the marketplaces' currencies, the
simulator's Items with some stock, tax, receivable and settlement accounts, an account per category of
Amazon's money, ...), binds the "Sandbox" account to the simulator and syncs its orders. Everything is looked
up first and created only when missing, in one transaction: a failure leaves nothing half made, and a second
run creates nothing.

Then it has Amazon close its open settlement periods (with a month of every other kind of amount Amazon
charges in the USD one), imports the settlements and books them, so the Amazon Profit report shows each fee
category, the cost of goods and the margin of the sandbox's orders. Settlement ids follow from the seed: a
second run finds them imported and books nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_days, flt, get_url_to_form, get_url_to_list, get_url_to_report, getdate, nowdate

from amazon_integration.devtools.fixtures import FixtureBuilder, Made
from amazon_integration.erpnext.account_client import is_sandbox_endpoint
from amazon_integration.erpnext.orders import sync_account_orders
from amazon_integration.erpnext.setup_checklist import sync_onboarding
from amazon_integration.simulator import Simulator
from amazon_integration.simulator.generator import CA, CATALOGUE, CATALOGUE_BY_SKU, US, exchange_rate
from amazon_integration.simulator.inventory import opening_stock, region_of

SANDBOX_ACCOUNT = "Sandbox"
SANDBOX_SELLER_ID = "A1SANDBOXSELLER"
DEFAULT_PORT = 8787
DEFAULT_SEED = 1
DEFAULT_ORDERS = 60
# One NA registration selling on Amazon.com (USD) and Amazon.ca (CAD): two currencies, one endpoint.
MARKETPLACES = (US, CA)
SANDBOX_FBA_WAREHOUSE = "Amazon FBA Sandbox"
SHIPPING_ITEM = "AMZ-SHIPPING"
GIFT_WRAP_ITEM = "AMZ-GIFT-WRAP"
PROMOTION_ITEM = "AMZ-PROMOTION"
# Units kept in the FBM warehouse (and the FBA one when Amazon's count is not known): FBA orders move stock out of
# the FBA warehouse when Amazon ships, which starts from Amazon's own count (see _fba_opening).
STOCK_LEVEL = 1000
COST_SHARE = Decimal("0.4")  # valuation of the sandbox stock: 40 % of the catalogue's USD price
# Buy Shipping labels (erpnext/labels.py) need a weight per item, a standard box and a ship-from address.
GRAMS_PER_USD = 12  # a plausible shipping weight per unit: heavier for dearer goods, at least 100 g
LABEL_PACKAGE_CM = (30, 20, 10)
FBM_SHIP_FROM = {"address_line_1": "410 Terry Ave N", "city": "Seattle", "pin": "98109", "state": "WA"}


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
	booked_settlements: int  # of which submitted and booked
	reconciled_settlements: int  # of which every line is booked and the ledger shows Amazon's total
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
	inbound_shipments: list[str] = field(default_factory=list)  # Send to Amazon plans made now
	inbound_error: str | None = None
	booking_errors: list[str] = field(default_factory=list)  # settlements that could not be submitted, and why


def open_sandbox(
	orders: int = DEFAULT_ORDERS,
	port: int = DEFAULT_PORT,
	seed: int = DEFAULT_SEED,
	life: bool = True,
	company: str | None = None,
	account_name: str = SANDBOX_ACCOUNT,
	seller_id: str = SANDBOX_SELLER_ID,
	namespace: int = 0,
	book_settlements: bool = True,
) -> Sandbox:
	"""Start the simulator, set the sandbox up and sync its orders. The caller stops `sandbox.simulator`.

	The same seed (and namespace) makes the same orders with the same ids, so a second start finds them imported.
	With `book_settlements`, Amazon closes its open settlement periods now and every draft settlement of the
	account is submitted and booked; without, the settlements Amazon closed already are imported as drafts.
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
		setup = setup_sandbox(
			sim.url, company=company, account_name=account_name, seller_id=seller_id, fba_opening=_fba_opening(sim)
		)
		webshop_order_by_amazon(sim, setup.account)  # moves the simulator's clock: before its orders are read
		held = sim.control.list_orders()
		log = sync_account_orders(setup.account)
		if book_settlements:
			_close_settlements(sim, setup.account)
		settlements, settlement_error = _import_settlements(setup.account)
		inbound_shipments, inbound_error = _send_to_amazon(sim, setup)
		booking_errors = book_draft_settlements(setup.account) if book_settlements and not settlement_error else []
		# The workspace's guided setup shows where the sandbox account stands (e.g. Import Listings not run).
		sync_onboarding()
		frappe.db.commit()
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
		inbound_shipments,
		inbound_error,
		booking_errors,
	)


def _close_settlements(sim: Simulator, account: str) -> None:
	"""Amazon closes the open periods now: the synced orders' money settles today instead of in two weeks. The
	USD period first gets a month of every other kind of amount Amazon charges (storage, advertising, inbound,
	removal, subscription, claims, a loan repayment, ...), the SKU ones about a SKU the sandbox sold."""
	sim.control.post_charges("USD", month=True, sku=_best_selling_sku(account))
	sim.control.advance(60)  # a period holds what was posted before it closes
	sim.control.close_settlements()


def _best_selling_sku(account: str) -> str:
	"""The catalogue SKU the account shipped most of in USD (not the shipping or gift wrap item)."""
	rows = frappe.db.sql(
		"""select item.item_code from `tabDelivery Note Item` item
		join `tabDelivery Note` dn on dn.name = item.parent
		where dn.amazon_account = %s and dn.docstatus = 1 and dn.currency = 'USD' and item.item_code in %s
		group by item.item_code order by sum(item.qty) desc, item.item_code limit 1""",
		(account, tuple(CATALOGUE_BY_SKU)),
	)
	return rows[0][0] if rows else CATALOGUE[0].sku


def book_draft_settlements(account: str) -> list[str]:
	"""Submit and book the account's draft settlements, oldest first (a balance carried over books in order),
	here rather than in a background job, so the sandbox's reports show them once it says it is ready. A
	settlement dated after today (Amazon pays out a day after closing) is booked today, so the reports of today
	show it. Returns why a settlement could not be submitted (it stays a draft)."""
	from amazon_integration.erpnext.settlements import book_settlement

	errors = []
	drafts = frappe.get_all(
		"Amazon Settlement",
		filters={"amazon_account": account, "docstatus": 0},
		pluck="name",
		order_by="start_date asc, name asc",
	)
	for name in drafts:
		doc = frappe.get_doc("Amazon Settlement", name)
		if doc.posting_date and getdate(doc.posting_date) > getdate(nowdate()):
			doc.posting_date = nowdate()
		doc.flags.ignore_permissions = True
		doc.flags.booked_by_caller = True
		try:
			doc.submit()
		except frappe.ValidationError as e:
			frappe.db.rollback()
			errors.append(f"{name}: {frappe.utils.strip_html(str(e))}")
			continue
		frappe.db.commit()
		book_settlement(name)
	return errors


def _fba_opening(sim: Simulator) -> dict[str, tuple[int, int]]:
	"""SKU -> (fulfillable, unfulfillable) units Amazon's FBA pool held before the simulator's orders: the opening
	stock that makes ERPNext's FBA warehouses agree with Amazon's count once the shipped orders are synced."""
	region = region_of(sim.state, MARKETPLACES[0])  # both marketplaces draw on the one North American pool
	return {entry.sku: opening_stock(sim.state, region, entry.sku) for entry in CATALOGUE}


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


def _send_to_amazon(sim: Simulator, setup: SandboxSetup) -> tuple[list[str], str | None]:
	"""Two Send to Amazon plans (sandbox_inbound.py); a failure leaves the rest of the sandbox and says why."""
	from amazon_integration.amazon.errors import AmazonError
	from amazon_integration.devtools.sandbox_inbound import send_sample_plans

	try:
		return send_sample_plans(sim, _Builder(setup.company), setup.account), None
	except (AmazonError, frappe.ValidationError) as e:
		frappe.db.rollback()
		return [], str(e)


def setup_sandbox(
	endpoint: str,
	company: str | None = None,
	account_name: str = SANDBOX_ACCOUNT,
	seller_id: str = SANDBOX_SELLER_ID,
	fba_opening: dict[str, tuple[int, int]] | None = None,
) -> SandboxSetup:
	"""Make (idempotently) the sandbox Amazon Account bound to `endpoint` and what it needs; commit once.
	`fba_opening` (SKU -> Amazon's fulfillable and unfulfillable units) opens the FBA stock with Amazon's own
	count; without it the FBA warehouse gets the same round level as the FBM one."""
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
		account = builder.account(account_name, seller_id, endpoint, fba_opening)
		builder.fee_accounts(account)
		frappe.db.commit()
	except BaseException:
		frappe.db.rollback()
		raise
	return SandboxSetup(account=account, company=company, made=builder.made, notes=builder.notes)


class _Builder(FixtureBuilder):
	"""What the sandbox account needs, from the fixture builder: names and rates of the sandbox's own."""

	# -- the account ------------------------------------------------------------------------------------
	def account(
		self,
		account_name: str,
		seller_id: str,
		endpoint: str,
		fba_opening: dict[str, tuple[int, int]] | None = None,
	) -> str:
		price_lists = {market: self.price_list(self.marketplace_currency(market)) for market in MARKETPLACES}
		values = {
			# Warehouses of the sandbox's own: the FBA stock must be Amazon's count alone, not what other accounts
			# of the company (a test site's) moved through an "Amazon FBA" warehouse.
			"fba_warehouse": self.warehouse(SANDBOX_FBA_WAREHOUSE, _("Amazon's fulfilment centres")),
			"fbm_warehouse": self.default_warehouse("Stores"),
			"selling_price_list": price_lists[US],
			"shipping_item": self.item(SHIPPING_ITEM, "Amazon Shipping", is_stock_item=False),
			"gift_wrap_item": self.item(GIFT_WRAP_ITEM, "Amazon Gift Wrap", is_stock_item=False),
			"promotion_item": self.promotion_item(),
			"sales_tax_account": self.tax_account("Amazon Sales Tax"),
			"marketplace_tax_account": self.tax_account("Amazon Collected Tax"),
			"invoice_fba_orders": 1,
			"invoice_fbm_deliveries": 1,
			"label_package_length": LABEL_PACKAGE_CM[0],
			"label_package_width": LABEL_PACKAGE_CM[1],
			"label_package_height": LABEL_PACKAGE_CM[2],
			"label_format": "PDF",
		}
		foreign = sorted({self.marketplace_currency(market) for market in MARKETPLACES} - {self.currency})
		for currency in foreign:
			# Dated before the simulator's oldest order.
			self.exchange_rate(
				currency,
				_company_rate(currency, self.currency),
				add_days(nowdate(), -30),
				note=_("the simulator's rate"),
			)
			self.receivable_account(currency)
		for entry in CATALOGUE:
			self.item(entry.sku, entry.title)
			self.item_weight(entry.sku, max(100, int(entry.price("USD") * GRAMS_PER_USD)))
		self.ship_from(values["fbm_warehouse"])
		aftersale = self.aftersale_defaults()
		stocked = [values["fbm_warehouse"]]
		if fba_opening is None:
			stocked.append(values["fba_warehouse"])
		else:
			self.fba_opening_stock(values["fba_warehouse"], aftersale["unsellable_warehouse"], fba_opening)
		self.stock_up(
			[entry.sku for entry in CATALOGUE],
			stocked,
			STOCK_LEVEL,
			self.stock_rate,
			remarks=_("Amazon sandbox: stock for the simulator's SKUs"),
		)
		values.update(self.settlement_defaults(foreign))
		values.update(aftersale)

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
		doc = self.amazon_account(
			account_name,
			seller_id,
			[{"marketplace": m, "price_list": price_lists[m]} for m in MARKETPLACES],
			endpoint,
			**values,
		)
		return self.insert(doc, _("bound to the simulator at {0}").format(endpoint)).name

	def item_weight(self, item_code: str, grams: int) -> None:
		"""A weight for the item's labels, unless it has one."""
		if not frappe.db.get_value("Item", item_code, "weight_per_unit"):
			frappe.db.set_value("Item", item_code, {"weight_per_unit": grams, "weight_uom": "Gram"})

	def ship_from(self, warehouse: str) -> None:
		"""The FBM warehouse's address, the labels' ship-from, unless it has one."""
		have = frappe.db.get_value("Warehouse", warehouse, list(FBM_SHIP_FROM), as_dict=True) or {}
		if not any(have.values()):
			frappe.db.set_value("Warehouse", warehouse, dict(FBM_SHIP_FROM))  # set_value adds to the dict it gets
			self.notes.append(
				_("Labels ship from {0}, {1}, {2} {3}: the address of warehouse {4}.").format(
					*FBM_SHIP_FROM.values(), warehouse
				)
			)

	def fee_accounts(self, account_name: str) -> None:
		"""An account per category of Amazon's money (the account's Create Fee Accounts), so the profit and loss
		statement and the Amazon Profit report show each of Amazon's costs apart. Never changes a mapping."""
		from amazon_integration.erpnext.fee_accounts import create_default_fee_accounts

		doc = frappe.get_doc("Amazon Account", account_name)
		set_now = create_default_fee_accounts(doc)
		if not set_now:
			return
		doc.flags.ignore_permissions = True
		doc.save()
		for name in set_now:
			self.made.append(Made("Account", name, _("mapped on Amazon Account {0}").format(account_name)))

	def fba_opening_stock(
		self, fba_warehouse: str, unsellable_warehouse: str, counts: dict[str, tuple[int, int]]
	) -> str | None:
		"""Amazon's opening count as ERPNext's opening stock: fulfillable units into the FBA warehouse, unfulfillable
		ones into the Unsellable Warehouse (Amazon's on-hand figure counts both). Only for items the FBA warehouse
		never held: what the flows moved since is theirs, and a second run adds nothing."""
		rows = []
		for sku, (fulfillable, unfulfillable) in sorted(counts.items()):
			if frappe.db.exists("Stock Ledger Entry", {"item_code": sku, "warehouse": fba_warehouse}):
				continue
			for warehouse, qty in ((fba_warehouse, fulfillable), (unsellable_warehouse, unfulfillable)):
				if qty:
					rows.append(
						{"item_code": sku, "t_warehouse": warehouse, "qty": qty, "basic_rate": self.stock_rate(sku)}
					)
		return self.material_receipt(rows, remarks=_("Amazon sandbox: Amazon's FBA count as opening stock"))

	def marketplace_currency(self, marketplace: str) -> str:
		return frappe.db.get_value("Amazon Marketplace", marketplace, "currency")

	def stock_rate(self, item_code: str) -> float:
		"""The sandbox stock's valuation: a share of the catalogue's USD price, in the company's currency."""
		usd = CATALOGUE_BY_SKU[item_code].price("USD")
		return float(usd * COST_SHARE * Decimal(str(_company_rate("USD", self.currency))))

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

	def settlement_defaults(self, foreign_currencies: list[str]) -> dict:
		"""What Amazon's payouts and fees are booked to (settlements import is on once the app has it);
		a settlement in another currency (CAD for Amazon.ca) has its own clearing and payout accounts."""
		clearing = self.bank_account("Amazon Clearing")
		# The company's own bank account, else one of the sandbox's: any other Bank ledger may be
		# another registration's clearing account.
		payout = frappe.get_cached_value("Company", self.company, "default_bank_account") or self.bank_account(
			"Sandbox Bank"
		)
		values = {
			"clearing_account": clearing,
			"payout_account": payout,
			"fees_account": self.expense_account("Amazon Fees"),
			"mode_of_payment": self.mode_of_payment("Amazon", clearing),
			"amazon_supplier": self.supplier("Amazon", note=_("its fees are booked against it")),
			"settlement_accounts": [
				{
					"currency": currency,
					"clearing_account": self.bank_account(f"Amazon Clearing {currency}", currency),
					"payout_account": self.bank_account(f"Sandbox Bank {currency}", currency),
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
			"unsellable_warehouse": self.warehouse(f"{SANDBOX_FBA_WAREHOUSE} Unsellable"),
			"fba_loss_account": self.expense_account("Amazon FBA Losses"),
		}


def _company_rate(currency: str, company_currency: str) -> float | None:
	"""The simulator prices every currency from USD: its own rate between two of them."""
	rate = exchange_rate(currency, company_currency)
	return None if rate is None else float(rate)


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
	sle = frappe.qb.DocType("Stock Ledger Entry")
	moves = (
		frappe.qb.from_(sle)
		.select(Count(sle.name).as_("entries"), Sum(sle.actual_qty).as_("qty"))
		.where((sle.voucher_type == "Delivery Note") & sle.voucher_no.isin(submitted) & (sle.is_cancelled == 0))
		.run(as_dict=True)[0]
		if submitted
		else frappe._dict(entries=0, qty=0)
	)
	settlements = frappe.get_all(
		"Amazon Settlement",
		filters={"amazon_account": account, "docstatus": ("!=", 2)},
		fields=["currency", "docstatus", "status"],
	)
	settlement_currencies = [row.currency for row in settlements]
	order_ids = [o.amazon_order_id for o in orders]
	invoices = (
		frappe.db.count("Sales Invoice", {"amazon_order_id": ("in", order_ids), "docstatus": 1})
		if order_ids
		else 0
	)
	listed = f"?amazon_account={quote(account)}"
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
		booked_settlements=sum(1 for row in settlements if row.docstatus == 1),
		reconciled_settlements=sum(1 for row in settlements if row.status == "Reconciled"),
		settlement_currencies=tuple(sorted(set(settlement_currencies))),
		links={
			# A workspace has no route helper: the list helper gives the desk's prefix and slugs "Amazon" alike.
			_("Workspace"): get_url_to_list("Amazon"),
			_("Amazon Account"): get_url_to_form("Amazon Account", account),
			_("Sales Orders"): get_url_to_list("Sales Order") + listed,
			_("Delivery Notes"): get_url_to_list("Delivery Note") + listed,
			_("Sync Logs"): get_url_to_list("Amazon Sync Log") + listed,
			_("Settlements"): get_url_to_list("Amazon Settlement") + listed,
			_("Fulfilled by Amazon (Multi-Channel)"): get_url_to_list("Sales Order") + f"?amazon_mcf_account={quote(account)}",
			_("Amazon Profit"): get_url_to_report("Amazon Profit") + listed,
		},
	)


# -- a webshop order Amazon fulfils (Multi-Channel Fulfilment) -------------------------------------------------

WEBSHOP_CUSTOMER = "Webshop Customer (Sandbox)"
WEBSHOP_ITEMS = (("SIM-TEA-010", 2), ("SIM-LMP-030", 1))  # two lines: Amazon ships them in two packages


def webshop_order_by_amazon(sim: Simulator, account: str) -> str:
	"""One submitted webshop Sales Order sent to Amazon, shipped on the simulator's clock (which this moves on
	by the time Amazon takes to ship) and delivered by two Delivery Notes out of the FBA warehouse, as the
	scheduler's job would; and a second one, submitted and not sent, for the user to try Fulfil by Amazon on.
	Found on a later run: then only Amazon's side is sent again (a new simulator knows no fulfilment order), so
	Amazon's FBA count and the FBA warehouse keep agreeing. Returns the Sales Order Amazon fulfilled."""
	from amazon_integration.erpnext.outbound import create, sync_account_mcf
	from amazon_integration.simulator.outbound import SECOND_SHIP_AFTER

	acc = frappe.get_doc("Amazon Account", account)
	for sku, _qty in WEBSHOP_ITEMS:
		if not frappe.db.exists("Amazon SKU Mapping", {"amazon_account": account, "seller_sku": sku}):
			frappe.get_doc(
				{"doctype": "Amazon SKU Mapping", "amazon_account": account, "seller_sku": sku, "item_code": sku,
				 "fulfilment_channel": "FBA"}
			).insert(ignore_permissions=True)  # fmt: skip
	customer, address = FixtureBuilder(acc.company).customer_with_address(WEBSHOP_CUSTOMER)
	name = frappe.db.get_value(
		"Sales Order", {"customer": customer, "amazon_mcf_account": account, "docstatus": 1}, "name"
	)
	if name:
		_send_again(acc, name)
	else:
		name = _webshop_order(acc, customer, address)
		create(name, account, "Standard")
	waiting = {"customer": customer, "company": acc.company, "docstatus": 1, "amazon_mcf_order": ("is", "not set")}
	if not frappe.db.exists("Sales Order", waiting):
		_webshop_order(acc, customer, address)
	frappe.db.commit()
	sim.control.advance(SECOND_SHIP_AFTER.total_seconds() + 600)
	sync_account_mcf(account)
	frappe.db.commit()
	return name


def _webshop_order(acc, customer: str, address: str) -> str:
	"""A submitted Sales Order of the webshop's customer for WEBSHOP_ITEMS, out of the FBA warehouse."""
	rate = _company_rate("USD", frappe.get_cached_value("Company", acc.company, "default_currency")) or 1.0
	so = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"company": acc.company,
			"customer": customer,
			"transaction_date": nowdate(),
			"delivery_date": add_days(nowdate(), 5),
			"shipping_address_name": address,
			"customer_address": address,
			"set_warehouse": acc.fba_warehouse,
			"items": [
				{"item_code": sku, "qty": qty, "warehouse": acc.fba_warehouse,
				 "rate": float(CATALOGUE_BY_SKU[sku].price("USD")) * rate}
				for sku, qty in WEBSHOP_ITEMS
			],
		}
	)  # fmt: skip
	so.insert(ignore_permissions=True)
	so.submit()
	frappe.db.commit()
	return so.name


def _send_again(acc, sales_order: str) -> None:
	"""The fulfilment order of `sales_order` sent to a simulator that does not know it (its units leave Amazon's
	pool as they left the FBA warehouse); nothing changes in ERPNext."""
	from amazon_integration.amazon import NotFoundError
	from amazon_integration.amazon.outbound import FulfillmentOrderRequest
	from amazon_integration.domain.outbound import OrderLine, outbound_items
	from amazon_integration.erpnext.account_client import get_client
	from amazon_integration.erpnext.outbound import _address

	so = frappe.get_doc("Sales Order", sales_order)
	client = get_client(acc)
	try:
		client.get_fulfillment_order(so.amazon_mcf_order)
		return
	except NotFoundError:
		pass
	lines = [OrderLine(row=row.name, item_code=row.item_code, sku=row.item_code, quantity=row.qty) for row in so.items]
	client.create_fulfillment_order(
		FulfillmentOrderRequest(
			order_id=so.amazon_mcf_order,
			displayable_order_id=so.name,
			displayable_date=frappe.utils.get_datetime(so.transaction_date),
			comment=_("Thank you for your order."),
			speed=so.amazon_mcf_speed or "Standard",
			address=_address(so),
			items=outbound_items(lines),
		)
	)
