"""The guided setup in the desk: an account's facts read for domain/setup.py, its steps told in the user's
language with a link to what is missing, and the Amazon workspace's onboarding steps kept in step with them.

Nothing here creates a record: each step says what is missing and where to set it; the user sets it.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.model.document import Document

from amazon_integration.domain import setup as steps_of
from amazon_integration.domain.setup import AccountFacts, setup_steps

ACCOUNT = "Amazon Account"
MODULE_ONBOARDING = "Amazon"
# The Onboarding Step shipped with the app for each step of the checklist (onboarding_step/ in the module).
ONBOARDING_STEPS = {
	steps_of.CONNECT: "Connect an Amazon Account",
	steps_of.MARKETPLACES: "Amazon Marketplaces and Price Lists",
	steps_of.WAREHOUSES: "Amazon Warehouses",
	steps_of.ITEMS: "Amazon Items and SKU Mappings",
	steps_of.TAXES: "Amazon Taxes",
	steps_of.SETTLEMENTS: "Amazon Settlement Accounts",
	steps_of.FIRST_SYNC: "First Amazon Order Sync",
}


def account_facts(doc: Document) -> AccountFacts:
	"""What domain/setup.py reads of an account (saved or not)."""
	if doc.is_new():
		return AccountFacts(saved=False, filled=_filled(doc))
	mappings = frappe.db.count("Amazon SKU Mapping", {"amazon_account": doc.name})
	syncs = frappe.db.count(
		"Amazon Sync Log",
		{"amazon_account": doc.name, "operation": "Order Sync", "status": ("in", ["Success", "Partial Success"])},
	)
	return AccountFacts(
		saved=True,
		filled=_filled(doc),
		answering=not doc.get("not_answering_since"),
		marketplaces=tuple(row.marketplace for row in doc.get("marketplaces") or [] if row.marketplace),
		sku_mappings=mappings,
		successful_syncs=syncs,
	)


def _filled(doc: Document) -> frozenset[str]:
	names = set()
	for df in doc.meta.fields:
		if df.fieldtype == "Password":
			# The form holds asterisks; the value is in __Auth.
			if doc.get(df.fieldname) or (not doc.is_new() and doc.get_password(df.fieldname, raise_exception=False)):
				names.add(df.fieldname)
		elif df.fieldtype not in ("Table", "Section Break", "Column Break", "Tab Break") and doc.get(df.fieldname):
			names.add(df.fieldname)
	return frozenset(names)


def _titles() -> dict[str, tuple[str, str]]:
	"""Each step's title and what it is for (translated when asked, in the user's language)."""
	return {
		steps_of.CONNECT: (
			_("Connect with Amazon"),
			_("The Seller ID and the app's LWA credentials; Test Connection checks that Amazon answers."),
		),
		steps_of.MARKETPLACES: (
			_("Marketplaces and Price Lists"),
			_("The marketplaces the account sells on, each priced in a price list of its currency."),
		),
		steps_of.WAREHOUSES: (
			_("Warehouses"),
			_("The company, and where stock is: the FBA warehouse for Amazon's stock, the FBM one for yours."),
		),
		steps_of.ITEMS: (
			_("Items and SKU Mappings"),
			_("Which Item each Amazon SKU is (Import Listings reads them from Amazon) and the shipping item."),
		),
		steps_of.TAXES: (
			_("Taxes"),
			_("The accounts for the sales tax you collect and the tax Amazon collects and pays itself."),
		),
		steps_of.SETTLEMENTS: (
			_("Settlement Accounts"),
			_("Where Amazon's payouts and fees are booked: clearing, payout and fee accounts, the Amazon supplier."),
		),
		steps_of.FIRST_SYNC: (
			_("First Order Sync"),
			_("Sync Orders on the account form brings Amazon's orders in as Sales Orders."),
		),
	}


def _missing_label(doc: Document, missing: str) -> str:
	codes = {
		steps_of.MISSING_SAVED: _("Save the account"),
		steps_of.MISSING_CONNECTION: _("Amazon does not answer: use Test Connection"),
		steps_of.MISSING_MARKETPLACE: _("At least one marketplace"),
		steps_of.MISSING_WAREHOUSE: _("An FBA Warehouse or an FBM Warehouse"),
		steps_of.MISSING_SKU_MAPPINGS: _("SKU mappings: use Import Listings"),
		steps_of.MISSING_ORDER_SYNC: _("An order sync that succeeded: use Sync Orders"),
	}
	if missing in codes:
		return codes[missing]
	df = doc.meta.get_field(missing)
	return _(df.label) if df else missing


# Where a code sends the user when it is not one of the account's fields.
_CODE_FIELDS = {
	steps_of.MISSING_MARKETPLACE: "marketplaces",
	steps_of.MISSING_WAREHOUSE: "fba_warehouse",
}
_CODE_ROUTES = {
	steps_of.MISSING_SKU_MAPPINGS: "Amazon SKU Mapping",
	steps_of.MISSING_ORDER_SYNC: "Amazon Sync Log",
}


def checklist(doc: Document) -> list[dict]:
	"""The account's steps for the desk: title, what it is for, done, and each missing thing with where to go
	(a field of the account form, or a list filtered to the account)."""
	titles = _titles()
	result = []
	for step in setup_steps(account_facts(doc)):
		title, description = titles[step.key]
		result.append(
			{
				"key": step.key,
				"title": title,
				"description": description,
				"done": step.done,
				"missing": [_missing_entry(doc, missing) for missing in step.missing],
			}
		)
	return result


def _missing_entry(doc: Document, missing: str) -> dict:
	entry = {"code": missing, "label": _missing_label(doc, missing)}
	if missing in _CODE_ROUTES:
		entry["doctype"] = _CODE_ROUTES[missing]
	elif doc.meta.get_field(missing) or missing in _CODE_FIELDS:
		entry["fieldname"] = _CODE_FIELDS.get(missing, missing)
	return entry


def sync_onboarding() -> None:
	"""Mark the workspace's onboarding steps done (or not) as the checklist says, so the workspace and the
	account form agree. With several accounts, a step is done once one enabled account has it done (a disabled
	account is retired: it guides nobody)."""
	if not frappe.db.exists("Module Onboarding", MODULE_ONBOARDING):
		return
	done: set[str] = set()
	for name in frappe.get_all(ACCOUNT, filters={"enabled": 1}, pluck="name"):
		done |= {step.key for step in setup_steps(account_facts(frappe.get_doc(ACCOUNT, name))) if step.done}
	for key, step_name in ONBOARDING_STEPS.items():
		complete = frappe.db.get_value("Onboarding Step", step_name, "is_complete")
		if complete is not None and int(complete) != int(key in done):
			frappe.db.set_value("Onboarding Step", step_name, "is_complete", int(key in done), update_modified=False)


@frappe.whitelist(methods=["POST"])
def get_setup_checklist(account: str | None = None, doc: str | dict | None = None) -> dict:
	"""The account form's checklist: of a saved `account` (and the workspace's onboarding steps brought up to
	date), or of the new account the form holds (`doc`, unsaved: nothing is inserted)."""
	if account:
		record = frappe.get_doc(ACCOUNT, account)
		record.check_permission("read")
	else:
		values = frappe.parse_json(doc) if isinstance(doc, str) else doc
		if not isinstance(values, dict):
			frappe.throw(_("Give the Amazon Account or the new account's values."), title=_("Guided Setup"))
		if not frappe.has_permission(ACCOUNT, "create"):
			frappe.throw(_("Not permitted to create an Amazon Account."), frappe.PermissionError)
		record = frappe.new_doc(ACCOUNT)
		record.update({k: v for k, v in values.items() if k not in ("name", "doctype", "__islocal", "__unsaved")})
	items = checklist(record)
	if account and frappe.has_permission(ACCOUNT, "write"):
		sync_onboarding()
	return {"steps": items, "complete": all(item["done"] for item in items)}
