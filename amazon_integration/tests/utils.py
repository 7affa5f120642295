"""Tier-2 test support: a site state of the app's own, made once by `before_tests` and committed.

ERPNext's own test records are not used: the app's tests create the companies, warehouses and price
lists they need, idempotently, so they run on any ERPNext site with `allow_tests`.
"""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

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


def before_tests() -> None:
	frappe.clear_cache()
	complete_setup_wizard()
	make_company(COMPANY, COMPANY_ABBR)
	make_company(OTHER_COMPANY, OTHER_COMPANY_ABBR)
	make_warehouse("Amazon FBA", COMPANY)
	for currency, name in PRICE_LISTS.items():
		make_price_list(name, currency)
	frappe.db.commit()


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


def make_company(name: str, abbr: str) -> str:
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": abbr,
				"default_currency": "USD",
				"country": "United States",
				"chart_of_accounts": "Standard",
			}
		).insert()
	return name


def make_warehouse(warehouse_name: str, company: str) -> str:
	abbr = frappe.get_cached_value("Company", company, "abbr")
	name = f"{warehouse_name} - {abbr}"
	if not frappe.db.exists("Warehouse", name):
		frappe.get_doc(
			{
				"doctype": "Warehouse",
				"warehouse_name": warehouse_name,
				"company": company,
				"parent_warehouse": f"All Warehouses - {abbr}",
			}
		).insert()
	return name


def make_price_list(name: str, currency: str) -> str:
	frappe.db.set_value("Currency", currency, "enabled", 1)
	if not frappe.db.exists("Price List", name):
		frappe.get_doc(
			{"doctype": "Price List", "price_list_name": name, "currency": currency, "selling": 1, "enabled": 1}
		).insert()
	return name


def amazon_account(**overrides) -> frappe.model.document.Document:
	"""An unsaved Amazon Account of the test company selling on Amazon.com and Amazon.ca."""
	values = {
		"doctype": "Amazon Account",
		"account_name": "Test Seller NA",
		"enabled": 1,
		"seller_id": "A1TESTSELLER",
		"region": "NA",
		"lwa_client_id": "amzn1.application-oa2-client.test",
		"lwa_client_secret": "lwa-secret-do-not-log",
		"refresh_token": "Atzr|refresh-token-do-not-log",
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
	return frappe.get_doc(values)
