"""The one builder of ERPNext fixtures: the records an Amazon Account needs around it, found or created.

The sandbox (devtools/sandbox.py), the test site of the tier-2 tests, the benchmarks and the soak
(devtools/testbed.py) all make their companies, warehouses, price lists, exchange rates, items with stock,
tax, receivable, clearing, fee and payout accounts, mode of payment, supplier and simulator-bound accounts
here. Each record is looked up first and created only when missing; each creation is listed in `made`.
The builder never commits: its caller decides the transaction (the sandbox makes all of it or nothing).
`make_fbm_skus` bulk-inserts thousands of FBM items for the stock push benchmark and its test.
Record names stay untranslated: they are looked up by name on the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import frappe
from frappe import _
from frappe.utils import flt, now_datetime

if TYPE_CHECKING:
	from frappe.model.document import Document

REGION = "NA"
# The simulator accepts any credentials unless told otherwise.
SIMULATOR_CREDENTIALS = {
	"lwa_client_id": "amzn1.application-oa2-client.sandbox",
	"lwa_client_secret": "sandbox",
	"refresh_token": "Atzr|sandbox",
}


@dataclass(frozen=True)
class Made:
	"""One record the builder created (or completed), for its caller to list."""

	doctype: str
	name: str
	note: str = ""


class FixtureBuilder:
	"""Finds or creates the records of one company (and the company-free ones it needs), remembering each it made."""

	def __init__(self, company: str):
		self.company = company
		self.made: list[Made] = []
		self.notes: list[str] = []  # what a user may want to do by hand

	@property
	def abbr(self) -> str:
		return frappe.get_cached_value("Company", self.company, "abbr")

	@property
	def currency(self) -> str:
		return frappe.get_cached_value("Company", self.company, "default_currency")

	def insert(self, doc: Document | dict, note: str = "") -> Document:
		doc = frappe.get_doc(doc) if isinstance(doc, dict) else doc
		doc.flags.ignore_permissions = True
		doc.insert()
		self.made.append(Made(doc.doctype, doc.name, note))
		return doc

	def _insert(self, values: dict, note: str = "") -> str:
		return self.insert(values, note).name

	# -- the company ------------------------------------------------------------------------------------
	def make_company(self, abbr: str, currency: str = "USD", country: str = "United States") -> str:
		"""The company itself, with ERPNext's standard chart of accounts and its warehouses."""
		if frappe.db.exists("Company", self.company):
			return self.company
		return self._insert(
			{
				"doctype": "Company",
				"company_name": self.company,
				"abbr": abbr,
				"default_currency": currency,
				"country": country,
				"chart_of_accounts": "Standard",
			}
		)

	# -- stock ------------------------------------------------------------------------------------------
	def warehouse(self, warehouse_name: str, note: str = "") -> str:
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
			note,
		)

	def default_warehouse(self, fallback: str) -> str:
		"""Stock Settings' default warehouse when it is one of the company's, else `fallback` (made if missing)."""
		default = frappe.db.get_single_value("Stock Settings", "default_warehouse")
		if default and frappe.db.get_value("Warehouse", default, ["company", "is_group"]) == (
			self.company,
			0,
		):
			return default
		return self.warehouse(fallback)

	def item(
		self,
		item_code: str,
		title: str | None = None,
		is_stock_item: bool = True,
		item_group: str | None = None,
		valuation_rate: float | None = None,
	) -> str:
		if frappe.db.exists("Item", item_code):
			return item_code
		values = {
			"doctype": "Item",
			"item_code": item_code,
			"item_name": (title or item_code)[:140],
			"item_group": item_group or _leaf_or_root("Item Group", "Products", "All Item Groups"),
			"stock_uom": "Nos" if frappe.db.exists("UOM", "Nos") else frappe.db.get_value("UOM", {}, "name"),
			"is_stock_item": int(is_stock_item),
			"include_item_in_manufacturing": 0,
		}
		if valuation_rate is not None:
			values["valuation_rate"] = valuation_rate
		return self._insert(values)

	def stock_up(
		self,
		item_codes: Iterable[str],
		warehouses: Iterable[str],
		level: float,
		rate: float | Callable[[str], float],
		remarks: str | None = None,
	) -> str | None:
		"""One Material Receipt bringing each item to `level` units in each warehouse, only where it has run
		below half of that; `rate` is the valuation of an item's units (a number, or a function of the item)."""
		rows = []
		codes = list(item_codes)
		for warehouse in warehouses:
			for item_code in codes:
				qty = flt(
					frappe.db.get_value("Bin", {"item_code": item_code, "warehouse": warehouse}, "actual_qty")
				)
				if qty < level / 2:
					rows.append(
						{
							"item_code": item_code,
							"t_warehouse": warehouse,
							"qty": level - qty,
							"basic_rate": rate(item_code) if callable(rate) else rate,
						}
					)
		return self.material_receipt(rows, remarks)

	def material_receipt(self, rows: list[dict], remarks: str | None = None) -> str | None:
		"""One submitted Material Receipt of `rows` (item_code, t_warehouse, qty, basic_rate); None without rows."""
		if not rows:
			return None
		doc = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": self.company,
				"remarks": remarks,
				"items": rows,
			}
		)
		doc.flags.ignore_permissions = True
		doc.insert()
		doc.submit()
		self.made.append(Made(doc.doctype, doc.name, _("{0} rows of opening stock").format(len(rows))))
		return doc.name

	# -- selling ----------------------------------------------------------------------------------------
	def price_list(self, currency: str, name: str | None = None) -> str:
		"""An enabled selling price list in `currency` (named "Amazon <currency>" unless told)."""
		name = name or f"Amazon {currency}"
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

	def exchange_rate(
		self, currency: str, rate: float | None, date: str, to_currency: str | None = None, note: str = ""
	) -> None:
		"""A selling and buying rate from `currency` to the company's (or `to_currency`), valid from `date`."""
		to_currency = to_currency or self.currency
		frappe.db.set_value("Currency", currency, "enabled", 1)
		filters = {"from_currency": currency, "to_currency": to_currency, "for_selling": 1}
		if frappe.db.exists("Currency Exchange", filters):
			return
		if not rate:
			self.notes.append(
				_("No exchange rate from {0} to {1}: add a Currency Exchange record.").format(currency, to_currency)
			)
			return
		if not frappe.db.get_single_value("Accounts Settings", "allow_stale"):
			self.notes.append(
				_(
					"Exchange rates are refused when stale (Accounts Settings): keep {0} to {1} rates up to date."
				).format(currency, to_currency)
			)
		self._insert(
			{
				"doctype": "Currency Exchange",
				"date": date,
				"from_currency": currency,
				"to_currency": to_currency,
				"exchange_rate": rate,
				"for_selling": 1,
				"for_buying": 1,
			},
			note,
		)

	# -- accounts ---------------------------------------------------------------------------------------
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
		"""The company's account group of that name, else of that type, else its deepest of the root type."""
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

	def bank_account(self, account_name: str, currency: str | None = None) -> str:
		"""A Bank ledger (clearing or payout), in the company's currency unless told."""
		return self.ledger(
			account_name,
			self.group("Asset", "Bank", "Bank Accounts"),
			account_type="Bank",
			account_currency=currency,
		)

	def expense_account(self, account_name: str) -> str:
		return self.ledger(
			account_name,
			self.group("Expense", "Expense Account", "Indirect Expenses"),
			account_type="Expense Account",
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

	def mode_of_payment(self, name: str, clearing_account: str) -> str:
		"""A Bank mode of payment that pays into the company's `clearing_account`."""
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

	def supplier(self, supplier_name: str, supplier_group: str | None = None, note: str = "") -> str:
		name = frappe.db.get_value("Supplier", {"supplier_name": supplier_name}, "name")
		if name:
			return name
		return self._insert(
			{
				"doctype": "Supplier",
				"supplier_name": supplier_name,
				"supplier_type": "Company",
				"supplier_group": supplier_group
				or frappe.db.get_single_value("Buying Settings", "supplier_group")
				or _leaf_or_root("Supplier Group", "Services", "All Supplier Groups"),
			},
			note,
		)

	def customer_with_address(self, customer_name: str, country: str = "United States") -> tuple[str, str]:
		"""A company customer (a webshop's buyer, say) and its shipping address: (customer, address)."""
		customer = frappe.db.get_value("Customer", {"customer_name": customer_name}, "name") or self._insert(
			{
				"doctype": "Customer",
				"customer_name": customer_name,
				"customer_type": "Individual",
				"customer_group": _leaf_or_root("Customer Group", "Individual", "All Customer Groups"),
				"territory": _leaf_or_root("Territory", country, "All Territories"),
			}
		)
		address = frappe.db.get_value("Dynamic Link", {"link_doctype": "Customer", "link_name": customer,
													   "parenttype": "Address"}, "parent")
		if not address:
			address = self._insert(
				{
					"doctype": "Address",
					"address_title": customer_name,
					"address_type": "Shipping",
					"address_line1": "1 Main Street",
					"city": "Seattle",
					"state": "WA",
					"pincode": "98101",
					"country": country,
					"is_shipping_address": 1,
					"links": [{"link_doctype": "Customer", "link_name": customer}],
				}
			)
		return customer, address

	# -- the Amazon Account -----------------------------------------------------------------------------
	def amazon_account(
		self,
		account_name: str,
		seller_id: str,
		marketplaces: list[dict],
		endpoint: str | None = None,
		credentials: dict | None = None,
		**values,
	) -> Document:
		"""An unsaved, enabled Amazon Account of the company; bound to the simulator at `endpoint` if given.
		`values` (warehouses, items, accounts, ...) come last and win."""
		return frappe.get_doc(
			{
				"doctype": "Amazon Account",
				"account_name": account_name,
				"enabled": 1,
				"seller_id": seller_id,
				"region": REGION,
				**(SIMULATOR_CREDENTIALS if credentials is None else credentials),
				"endpoint_override": endpoint,
				"company": self.company,
				"marketplaces": marketplaces,
				**values,
			}
		)


def make_fbm_skus(account: str, count: int, prefix: str, warehouse: str, qty: float = 20) -> list[str]:
	"""`count` stock items `{prefix}-00001`..., each with `qty` in `warehouse` and an FBM mapping row of the same
	code (bulk-inserted; Bins written directly, as a benchmark or test fixture only: thousands of items in seconds).
	Unlike the builder, it commits."""
	codes = [f"{prefix}-{n:05d}" for n in range(1, count + 1)]
	now = now_datetime()
	group = frappe.db.get_value("Item Group", {"is_group": 0}, "name") or "All Item Groups"
	common = {"creation": now, "modified": now, "owner": "Administrator", "modified_by": "Administrator"}
	frappe.db.bulk_insert(
		"Item",
		[
			"name",
			"item_code",
			"item_name",
			"item_group",
			"stock_uom",
			"is_stock_item",
			"include_item_in_manufacturing",
			*common,
		],
		[(code, code, code, group, "Nos", 1, 0, *common.values()) for code in codes],
		ignore_duplicates=True,
	)
	frappe.db.bulk_insert(
		"Bin",
		["name", "item_code", "warehouse", "actual_qty", "projected_qty", "stock_uom", *common],
		[
			(frappe.generate_hash(length=12), code, warehouse, qty, qty, "Nos", *common.values())
			for code in codes
		],
		ignore_duplicates=True,
	)
	frappe.db.bulk_insert(
		"Amazon SKU Mapping",
		["name", "amazon_account", "seller_sku", "item_code", "fulfilment_channel", *common],
		[(frappe.generate_hash(length=12), account, code, code, "FBM", *common.values()) for code in codes],
		ignore_duplicates=True,
	)
	frappe.db.commit()
	return codes


def _leaf_or_root(doctype: str, preferred: str, root: str) -> str:
	return preferred if frappe.db.get_value(doctype, preferred, "is_group") == 0 else root
