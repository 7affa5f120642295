"""The test site: a site state of the app's own, made once by `before_tests` and committed.

The tier-2 tests (through amazon_integration/tests/utils.py), the benchmarks and the soak run on it. ERPNext's
own test records are not used: the companies, warehouses and price lists are made here, idempotently, by the
fixture builder (devtools/fixtures.py), so they run on any ERPNext site with `allow_tests`.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from amazon_integration.devtools.fixtures import FixtureBuilder

COMPANY = "Amazon Test Company"
COMPANY_ABBR = "ATC"
OTHER_COMPANY = "Amazon Other Company"
OTHER_COMPANY_ABBR = "AOC"
FBA_WAREHOUSE = f"Amazon FBA - {COMPANY_ABBR}"
FBM_WAREHOUSE = f"Stores - {COMPANY_ABBR}"
OTHER_WAREHOUSE = f"Stores - {OTHER_COMPANY_ABBR}"
GROUP_WAREHOUSE = f"All Warehouses - {COMPANY_ABBR}"
PRICE_LISTS = {"USD": "Amazon USD", "CAD": "Amazon CAD", "EUR": "Amazon EUR", "GBP": "Amazon GBP", "JPY": "Amazon JPY"}

US = "ATVPDKIKX0DER"
CA = "A2EUQ1WTGCTBG2"
DE = "A1PA6795UKMFR9"


SHIPPING_ITEM = "AMZ-SHIPPING"
GIFT_WRAP_ITEM = "AMZ-GIFT-WRAP"
PROMOTION_ITEM = "AMZ-PROMOTION"
SALES_TAX_ACCOUNT = f"Amazon Sales Tax - {COMPANY_ABBR}"
MARKETPLACE_TAX_ACCOUNT = f"Amazon Collected Tax - {COMPANY_ABBR}"
CLEARING_ACCOUNT = f"Amazon Clearing - {COMPANY_ABBR}"
PAYOUT_ACCOUNT = f"Seller Bank - {COMPANY_ABBR}"
FEES_ACCOUNT = f"Amazon Fees - {COMPANY_ABBR}"
AMAZON_SUPPLIER = "Amazon Services"
MODE_OF_PAYMENT = "Amazon Settlement"
CAD_CLEARING_ACCOUNT = f"Amazon Clearing CAD - {COMPANY_ABBR}"
CAD_PAYOUT_ACCOUNT = f"Seller Bank CAD - {COMPANY_ABBR}"
EXCHANGE_RATES = {"CAD": 0.73, "EUR": 1.08, "GBP": 1.26, "JPY": 0.0067}
STOCK_LEVEL = 100_000
# Secrets the tests look for in logs and errors: they must never appear there.
TEST_CREDENTIALS = {
	"lwa_client_id": "amzn1.application-oa2-client.test",
	"lwa_client_secret": "lwa-secret-do-not-log",
	"refresh_token": "Atzr|refresh-token-do-not-log",
}


def require_test_site() -> None:
	"""Benchmarks and the soak make test documents: only on a site that allows tests."""
	if not frappe.conf.allow_tests:
		frappe.throw(
			_("This command makes test documents: run it on a site with allow_tests set."),
			title=_("Not a Test Site"),
		)


def before_tests() -> None:
	frappe.clear_cache()
	complete_setup_wizard()
	make_company(COMPANY, COMPANY_ABBR)
	make_company(OTHER_COMPANY, OTHER_COMPANY_ABBR)
	make_warehouse("Amazon FBA", COMPANY)
	for currency, name in PRICE_LISTS.items():
		make_price_list(name, currency)
	for currency, rate in EXCHANGE_RATES.items():
		make_exchange_rate(currency, "USD", rate)
	frappe.db.set_single_value("Accounts Settings", "allow_stale", 1)
	# Promotions are negative item lines.
	frappe.db.set_single_value("Selling Settings", "allow_negative_rates_for_items", 1)
	for currency in EXCHANGE_RATES:
		make_receivable_account(currency)
	make_tax_account(SALES_TAX_ACCOUNT, "Tax")
	make_tax_account(MARKETPLACE_TAX_ACCOUNT, "Tax")
	for item_code in (SHIPPING_ITEM, GIFT_WRAP_ITEM, PROMOTION_ITEM):
		make_item(item_code, is_stock_item=0)
	make_settlement_accounts()
	for entry in catalogue():
		make_item(entry.sku, title=entry.title)
	stock_up([entry.sku for entry in catalogue()], [FBA_WAREHOUSE, FBM_WAREHOUSE])
	make_outgoing_email_account()
	make_eu_company()
	frappe.db.commit()


# A seller in Germany, books in EUR, selling on Amazon.de, .fr, .co.uk (GBP) and .co.jp (JPY).
EU_COMPANY = "Amazon Test GmbH"
EU_COMPANY_ABBR = "ATG"
EU_FBA_WAREHOUSE = f"Amazon FBA - {EU_COMPANY_ABBR}"
EU_FBM_WAREHOUSE = f"Stores - {EU_COMPANY_ABBR}"
EU_VAT_ACCOUNT = f"Amazon VAT - {EU_COMPANY_ABBR}"
EU_AMAZON_VAT_ACCOUNT = f"Amazon Collected VAT - {EU_COMPANY_ABBR}"
EU_CLEARING_ACCOUNT = f"Amazon Clearing - {EU_COMPANY_ABBR}"
EU_PAYOUT_ACCOUNT = f"Seller Bank - {EU_COMPANY_ABBR}"
EU_FEES_ACCOUNT = f"Amazon Fees - {EU_COMPANY_ABBR}"
EU_FOREIGN_CURRENCIES = {"GBP": 1.17, "JPY": 0.0062, "USD": 0.93}  # -> EUR


def make_eu_company() -> None:
	make_company(EU_COMPANY, EU_COMPANY_ABBR, currency="EUR", country="Germany")
	make_warehouse("Amazon FBA", EU_COMPANY)
	for currency, rate in EU_FOREIGN_CURRENCIES.items():
		make_exchange_rate(currency, "EUR", rate)
		make_receivable_account(currency, EU_COMPANY)
	make_tax_account(EU_VAT_ACCOUNT, "Tax", EU_COMPANY)
	make_tax_account(EU_AMAZON_VAT_ACCOUNT, "Tax", EU_COMPANY)
	bank = f"Bank Accounts - {EU_COMPANY_ABBR}"
	make_account(EU_CLEARING_ACCOUNT, bank, "Bank", company=EU_COMPANY)
	make_account(EU_PAYOUT_ACCOUNT, bank, "Bank", company=EU_COMPANY)
	make_account(EU_FEES_ACCOUNT, f"Indirect Expenses - {EU_COMPANY_ABBR}", "Expense Account", company=EU_COMPANY)
	for currency in ("GBP", "JPY"):
		for name in eu_settlement_accounts(currency):
			make_account(name, bank, "Bank", currency=currency, company=EU_COMPANY)
	FixtureBuilder(EU_COMPANY).mode_of_payment(MODE_OF_PAYMENT, EU_CLEARING_ACCOUNT)
	stock_up([entry.sku for entry in catalogue()], [EU_FBA_WAREHOUSE, EU_FBM_WAREHOUSE], EU_COMPANY)


def eu_settlement_accounts(currency: str) -> tuple[str, str]:
	"""The clearing and payout accounts of the German company in a marketplace currency."""
	return f"Amazon Clearing {currency} - {EU_COMPANY_ABBR}", f"Seller Bank {currency} - {EU_COMPANY_ABBR}"


def make_settlement_accounts() -> None:
	"""The clearing and payout bank accounts, the fee expense account, Amazon as supplier, a mode of payment."""
	for name, parent, account_type in (
		(CLEARING_ACCOUNT, f"Bank Accounts - {COMPANY_ABBR}", "Bank"),
		(PAYOUT_ACCOUNT, f"Bank Accounts - {COMPANY_ABBR}", "Bank"),
		(FEES_ACCOUNT, f"Indirect Expenses - {COMPANY_ABBR}", "Expense Account"),
	):
		make_account(name, parent, account_type)
	make_account(CAD_CLEARING_ACCOUNT, f"Bank Accounts - {COMPANY_ABBR}", "Bank", currency="CAD")
	make_account(CAD_PAYOUT_ACCOUNT, f"Bank Accounts - {COMPANY_ABBR}", "Bank", currency="CAD")
	builder = FixtureBuilder(COMPANY)
	builder.supplier(AMAZON_SUPPLIER, "All Supplier Groups")
	builder.mode_of_payment(MODE_OF_PAYMENT, CLEARING_ACCOUNT)


def make_account(name: str, parent: str, account_type: str, currency: str | None = None, company: str = COMPANY) -> str:
	"""An account named `name` ("<account name> - <abbr>") under `parent`."""
	return FixtureBuilder(company).ledger(
		name.rsplit(" - ", 1)[0], parent, account_type=account_type, account_currency=currency
	)


def make_outgoing_email_account() -> None:
	"""Mail is only queued in tests (the scheduler is off), but queueing needs an outgoing account."""
	if frappe.db.exists("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}):
		return
	frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": "Amazon Tests Outgoing",
			"email_id": "amazon-tests@example.com",
			"smtp_server": "127.0.0.1",
			"enable_outgoing": 1,
			"default_outgoing": 1,
			"no_smtp_authentication": 1,
		}
	).insert()


def catalogue():
	from amazon_integration.simulator.generator import CATALOGUE

	return CATALOGUE


def make_exchange_rate(from_currency: str, to_currency: str, rate: float) -> None:
	# A rate is no company's: the builder's company only names the default target currency, given here.
	FixtureBuilder(COMPANY).exchange_rate(from_currency, rate, "2020-01-01", to_currency=to_currency)


def make_receivable_account(currency: str, company: str = COMPANY) -> str:
	"""Invoices in a marketplace currency other than the company's need a receivable in that currency."""
	return FixtureBuilder(company).receivable_account(currency)


def make_tax_account(name: str, account_type: str, company: str = COMPANY) -> str:
	builder = FixtureBuilder(company)
	return builder.ledger(
		name.rsplit(" - ", 1)[0], builder.group("Liability", "Tax", "Duties and Taxes"), account_type=account_type
	)


def make_item(item_code: str, title: str | None = None, is_stock_item: int = 1) -> str:
	return FixtureBuilder(COMPANY).item(
		item_code, title, bool(is_stock_item), item_group="All Item Groups", valuation_rate=5 if is_stock_item else 0
	)


def stock_up(item_codes: list[str], warehouses: list[str], company: str = COMPANY) -> None:
	"""Enough stock that deliveries never wait on it."""
	FixtureBuilder(company).stock_up(item_codes, warehouses, STOCK_LEVEL, 5)


def complete_setup_wizard() -> None:
	if frappe.db.a_row_exists("Company"):
		return
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	year = now_datetime().year
	setup_complete(
		{
			"currency": "USD",
			"full_name": "Test User",
			"company_name": COMPANY,
			"timezone": "America/New_York",
			"company_abbr": COMPANY_ABBR,
			"industry": "Retail",
			"country": "United States",
			"fy_start_date": f"{year}-01-01",
			"fy_end_date": f"{year}-12-31",
			"language": "english",
			"company_tagline": "Testing",
			"email": "test@example.com",
			"password": "test",
			"chart_of_accounts": "Standard",
		}
	)


def make_company(name: str, abbr: str, currency: str = "USD", country: str = "United States") -> str:
	return FixtureBuilder(name).make_company(abbr, currency, country)


def make_warehouse(warehouse_name: str, company: str) -> str:
	return FixtureBuilder(company).warehouse(warehouse_name)


def make_price_list(name: str, currency: str) -> str:
	return FixtureBuilder(COMPANY).price_list(currency, name)


def next_namespace() -> int:
	"""A simulator namespace no earlier test on this site used: a fixed seed draws the same data every run,
	under order and settlement ids the site has not seen (they are unique in ERPNext)."""
	key = "amazon_integration_test_namespace"
	namespace = int(frappe.db.get_global(key) or 0) + 1
	frappe.db.set_global(key, namespace)
	frappe.db.commit()
	return namespace


def retire_simulator_accounts(sim) -> None:
	"""Disable the accounts bound to a simulator about to stop: left enabled, the scheduler (and every stock change
	of a later test or sandbox on the site) would keep calling an endpoint nobody answers."""
	for name in frappe.get_all("Amazon Account", {"endpoint_override": sim.url, "enabled": 1}, pluck="name"):
		frappe.db.set_value("Amazon Account", name, "enabled", 0)
	frappe.db.commit()


def simulator_account(sim, **overrides) -> frappe.model.document.Document:
	"""An enabled Amazon Account bound to a running simulator, for Amazon.com and Amazon.ca, inserted."""
	seller = overrides.pop("seller_id", None) or f"A1SIM{frappe.generate_hash(length=8).upper()}"
	values = {
		"account_name": f"Simulator {seller}",
		"seller_id": seller,
		"endpoint_override": sim.url,
		"shipping_item": SHIPPING_ITEM,
		"gift_wrap_item": GIFT_WRAP_ITEM,
		"promotion_item": PROMOTION_ITEM,
		"sales_tax_account": SALES_TAX_ACCOUNT,
		"marketplace_tax_account": MARKETPLACE_TAX_ACCOUNT,
		"clearing_account": CLEARING_ACCOUNT,
		"payout_account": PAYOUT_ACCOUNT,
		"fees_account": FEES_ACCOUNT,
		"amazon_supplier": AMAZON_SUPPLIER,
		"mode_of_payment": MODE_OF_PAYMENT,
		"settlement_accounts": [
			{"currency": "CAD", "clearing_account": CAD_CLEARING_ACCOUNT, "payout_account": CAD_PAYOUT_ACCOUNT}
		],
	}
	values.update(overrides)
	account = amazon_account(**values).insert()
	frappe.db.commit()
	return account


def amazon_account(**overrides) -> frappe.model.document.Document:
	"""An unsaved Amazon Account of the test company selling on Amazon.com and Amazon.ca."""
	values = {
		"account_name": "Test Seller NA",
		"seller_id": "A1TESTSELLER",
		"company": COMPANY,
		"fba_warehouse": FBA_WAREHOUSE,
		"fbm_warehouse": FBM_WAREHOUSE,
		"selling_price_list": PRICE_LISTS["USD"],
		"marketplaces": [
			{"marketplace": US},
			{"marketplace": CA, "price_list": PRICE_LISTS["CAD"]},
		],
	}
	values.update(overrides)
	return FixtureBuilder(values.pop("company")).amazon_account(
		values.pop("account_name"),
		values.pop("seller_id"),
		values.pop("marketplaces"),
		credentials=TEST_CREDENTIALS,
		**values,
	)
