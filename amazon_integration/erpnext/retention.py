"""Buyer data retention: blank the personal data of Amazon buyers whose last order shipped long enough ago.

A daily job per Amazon Account (`scheduler.dispatch_buyer_data_retention`). For each Customer of the account's
orders that holds data not yet removed, the domain (`domain.retention`) says whether it is due and what its
records become; this module writes that:

- the Customer keeps its Amazon Buyer Reference (the next order of the same buyer finds it) and is renamed
  after it when ERPNext had named it after the buyer;
- its Addresses and Contacts are blanked in place (orders link them) and renamed;
- the buyer snapshot of its Sales Orders, Delivery Notes and Sales Invoices (name, address and contact texts)
  is blanked in place; invoices keep the billing name and address when the account says so (tax law);
- traces ERPNext keeps beside the records (edit history, global search, deleted drafts) go with them.

Submitted documents are written in the database directly: they stay valid (totals, ledgers and links are
untouched) and no Version records the old values. Each customer is committed on its own; one that fails is
rolled back and named (by its buyer reference, never by its data) on the run's Amazon Sync Log, which holds
counts only.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.model.naming import append_number_if_name_exists
from frappe.model.rename_doc import (
	get_link_fields,
	rename_dynamic_links,
	rename_parent_and_child,
	update_attachments,
	update_link_field_values,
)
from frappe.utils import cint, getdate, now_datetime, nowdate
from pypika.terms import Criterion

from amazon_integration.erpnext.jobs import RETENTION
from amazon_integration.erpnext.runs import Run
from amazon_integration.erpnext.transactions import lock_customer, savepoint
from amazon_integration.domain.retention import (
	DEFAULT_RETENTION_DAYS,
	BuyerActivity,
	RetentionPolicy,
	ScrubPlan,
	is_due,
	is_personal,
	needs_rename,
	plan_scrub,
)

# Documents of a buyer, by the filter that finds them.
DOCUMENTS = {
	"Sales Order": {},
	"Delivery Note": {},
	"Sales Invoice": {},
	"Payment Entry": {"party_type": "Customer"},
}
# A run stops taking buyers after this long (its queue allows an hour); the next day's run goes on.
RUN_BUDGET_SECONDS = 45 * 60


def account_policy(account: str) -> RetentionPolicy:
	days, keep = frappe.db.get_value(
		"Amazon Account", account, ["buyer_data_retention_days", "invoices_keep_billing_address"]
	)
	return RetentionPolicy(days=cint(days) or DEFAULT_RETENTION_DAYS, invoices_keep_billing=bool(cint(keep)))


class RetentionRun(Run):
	def error_text(self, exc_type, exc, tb) -> str:
		# What stopped the run (the database went away...) may quote a buyer's data: only its kind is kept.
		return exc_type.__name__


def remove_account_buyer_data(account: str, today: str | None = None) -> str:
	"""Background job: blank the data of the account's buyers that are due. Returns the Amazon Sync Log's name."""
	run = RetentionRun(
		account,
		job=RETENTION,
		counts=(
			"addresses_scrubbed",
			"contacts_scrubbed",
			"documents_scrubbed",
			"orders_read",  # buyers with data left, looked at
			"updated",  # buyers whose data was removed
			"unchanged",  # not due yet
			"failed",
			"skipped",  # due, left for the next run
		),
		failure_rows=False,  # failures are named by buyer reference in the log's error
		budget_seconds=RUN_BUDGET_SECONDS,
	)
	with run:
		policy = account_policy(account)
		activities = buyer_activity(account)
		day = getdate(today or nowdate())
		due = [a for a in activities if is_due(a, policy, day)]
		run.counts.update(orders_read=len(activities), unchanged=len(activities) - len(due))
		for position, activity in enumerate(due):
			if run.out_of_time():
				run.counts["skipped"] = len(due) - position
				break
			# A fresh transaction, so the check after the lock reads what committed up to it.
			frappe.db.commit()
			try:
				with savepoint("amazon_buyer_data"):
					if not _lock_if_still_due(account, activity, policy, day):
						frappe.db.commit()
						run.counts["unchanged"] += 1  # an order came in since the run read the activity
						continue
					for key, value in remove_buyer_data(activity.customer, activity.buyer_ref, policy).items():
						run.counts[key] += value
					frappe.db.commit()
					run.counts["updated"] += 1
			except Exception as e:
				# The message may quote the buyer's data: only the kind of error and the stable reference are kept.
				run.fail(activity.buyer_ref, type(e).__name__)
				run.counts["failed"] += 1
	return run.log.name


def _lock_if_still_due(account: str, activity: BuyerActivity, policy: RetentionPolicy, day) -> bool:
	"""Lock the Customer (the order sync locks it too before adding an order to it) and check again: an order
	of the buyer that came in meanwhile keeps their data, and none can come in until this buyer is committed."""
	lock_customer(activity.customer)
	fresh = buyer_activity(account, customer=activity.customer)
	return bool(fresh) and is_due(fresh[0], policy, day)


def buyer_activity(account: str, customer: str | None = None) -> list[BuyerActivity]:
	"""Customers of the account's orders holding data not removed yet (never removed, or ordered since)."""
	rows = frappe.db.sql(
		"""
		SELECT c.name AS customer, c.amazon_buyer_ref AS buyer_ref,
			(SELECT COUNT(*) FROM `tabSales Order` o
				WHERE o.customer = c.name AND o.docstatus = 1 AND o.per_delivered < 100
				AND o.status NOT IN ('Closed', 'Completed')) AS open_orders,
			(SELECT MAX(d.posting_date) FROM `tabDelivery Note` d
				WHERE d.customer = c.name AND d.docstatus = 1) AS last_shipped,
			(SELECT MAX(o.transaction_date) FROM `tabSales Order` o WHERE o.customer = c.name) AS last_ordered
		FROM `tabCustomer` c
		WHERE IFNULL(c.amazon_buyer_ref, '') != '' AND (%(customer)s IS NULL OR c.name = %(customer)s)
		AND EXISTS (SELECT 1 FROM `tabSales Order` so WHERE so.customer = c.name AND so.amazon_account = %(account)s
			AND (c.amazon_buyer_data_removed_on IS NULL OR so.creation > c.amazon_buyer_data_removed_on))
		ORDER BY c.name
		""",
		{"account": account, "customer": customer},
		as_dict=True,
	)
	return [
		BuyerActivity(
			customer=r.customer,
			buyer_ref=r.buyer_ref,
			open_orders=cint(r.open_orders),
			last_shipped=getdate(r.last_shipped) if r.last_shipped else None,
			last_ordered=getdate(r.last_ordered) if r.last_ordered else None,
		)
		for r in rows
		if is_personal(r.buyer_ref)
	]


def remove_buyer_data(customer: str, buyer_ref: str, policy: RetentionPolicy) -> dict[str, int]:
	"""Blank one buyer's personal data everywhere the app put it. Returns counts."""
	plan = plan_scrub(buyer_ref, policy)
	old_name = frappe.db.get_value("Customer", customer, "customer_name") or ""
	counts = {"documents_scrubbed": _scrub_documents(customer, plan)}
	for doctype, values, key in (
		("Address", plan.address, "addresses"),
		("Contact", plan.contact, "contacts"),
	):
		records = _linked(doctype, customer)
		for name in records:
			_scrub_record(doctype, name, values, plan.label, [old_name])
		counts[f"{key}_scrubbed"] = len(records)
	frappe.db.set_value(
		"Customer",
		customer,
		{**_existing_fields("Customer", plan.customer), "amazon_buyer_data_removed_on": now_datetime()},
		update_modified=False,
	)
	_forget_history("Customer", customer)
	new_name = (
		_rename("Customer", customer, plan.label)
		if needs_rename(customer, [old_name], plan.label)
		else customer
	)
	_scrub_deleted_drafts(customer, new_name, plan)
	frappe.db.set_value(
		"Dynamic Link",
		{"link_doctype": "Customer", "link_name": new_name},
		"link_title",
		plan.label,
		update_modified=False,
	)
	return counts


def _scrub_documents(customer: str, plan: ScrubPlan) -> int:
	"""Blank the buyer snapshot of every order, delivery, invoice and payment of the customer, in place."""
	total = 0
	for doctype, extra in DOCUMENTS.items():
		values = _existing_fields(doctype, plan.documents[doctype])
		filters = {**extra, "party" if extra else "customer": customer}
		names = frappe.get_all(doctype, filters=filters, pluck="name")
		if names and values:
			frappe.db.set_value(doctype, filters, values, update_modified=False)
			_forget_history(doctype, names, mentioning=list(values))
		total += len(names)
	return total


def _scrub_deleted_drafts(old_name: str, new_name: str, plan: ScrubPlan) -> None:
	"""Drafts the order sync deleted (Amazon cancelled the order) are kept whole in Deleted Document."""
	for row in frappe.get_all(
		"Deleted Document",
		filters={
			"deleted_doctype": ("in", ["Sales Order", "Delivery Note", "Sales Invoice"]),
			"data": ("like", f"%{_json_fragment(old_name)}%"),
		},
		fields=["name", "deleted_doctype", "data"],
	):
		data = json.loads(row.data)
		if data.get("customer") != old_name:
			continue
		# The links name the buyer's Address and Contact as they were called then.
		data.update(plan.documents[row.deleted_doctype], customer=new_name)
		data.update(dict.fromkeys(("customer_address", "shipping_address_name", "contact_person")))
		frappe.db.set_value("Deleted Document", row.name, "data", frappe.as_json(data), update_modified=False)


def _json_fragment(value: str) -> str:
	return json.dumps(value)[1:-1].replace("%", "\\%").replace("_", "\\_")


def _linked(doctype: str, customer: str) -> list[str]:
	return frappe.get_all(
		"Dynamic Link",
		filters={"parenttype": doctype, "link_doctype": "Customer", "link_name": customer},
		pluck="parent",
		distinct=True,
	)


def _scrub_record(doctype: str, name: str, values: dict, label: str, personal: list[str]) -> None:
	"""Blank an Address or Contact in place (orders link it) and rename it when its name quotes the buyer."""
	old_title = (
		frappe.db.get_value(doctype, name, "address_title" if doctype == "Address" else "full_name") or ""
	)
	frappe.db.set_value(doctype, name, _existing_fields(doctype, values), update_modified=False)
	if doctype == "Contact":
		# The e-mail and phone rows are the data: they go, the contact stays.
		frappe.db.delete("Contact Email", {"parenttype": "Contact", "parent": name})
		frappe.db.delete("Contact Phone", {"parenttype": "Contact", "parent": name})
	_forget_history(doctype, name)
	if needs_rename(name, [*personal, old_title], label):
		base = (
			f"{label}-{_(frappe.db.get_value('Address', name, 'address_type'))}"
			if doctype == "Address"
			else label
		)
		_rename(doctype, name, base)


def _rename(doctype: str, name: str, base: str) -> str:
	"""Rename a record ERPNext named after the buyer; links everywhere (ledgers included) follow. Frappe's
	rename_doc would also flush the whole site's cache and write a comment quoting the old name, for every
	record of every buyer: its link updates are all this needs. Returns the new name."""
	new = append_number_if_name_exists(doctype, base)
	rename_parent_and_child(doctype, name, new, frappe.get_meta(doctype))
	update_link_field_values(get_link_fields(doctype), name, new, doctype)
	rename_dynamic_links(doctype, name, new)
	update_attachments(doctype, name, new)
	frappe.clear_document_cache(doctype, name)
	_forget_history(doctype, [name, new])
	return new


def _forget_history(doctype: str, names: str | list[str], mentioning: list[str] | None = None) -> None:
	"""Edit history and global search hold old values of the record. A document's history goes only where it
	recorded a change of one of the fields `mentioning` (the rest of its audit trail stays)."""
	names = [names] if isinstance(names, str) else names
	if not names:
		return
	version = frappe.qb.DocType("Version")
	query = (
		frappe.qb.from_(version)
		.delete()
		.where((version.ref_doctype == doctype) & version.docname.isin(names))
	)
	if mentioning:
		query = query.where(Criterion.any([version.data.like(f'%"{field}"%') for field in mentioning]))
	query.run()
	frappe.db.delete("__global_search", {"doctype": doctype, "name": ("in", names)})


def _existing_fields(doctype: str, values: dict) -> dict:
	meta = frappe.get_meta(doctype)
	return {k: v for k, v in values.items() if meta.has_field(k)}
