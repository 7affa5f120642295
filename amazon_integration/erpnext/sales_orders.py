"""Order plans of the domain become Customers, Addresses, Contacts, Sales Orders and Delivery Notes."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
from erpnext.setup.utils import get_exchange_rate
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, getdate

from amazon_integration.erpnext.timezone import to_system
from amazon_integration.erpnext.transactions import lock_customer, savepoint
from amazon_integration.erpnext.texts import translated
from amazon_integration.domain.orders import CHARGE_LABELS, CustomerPlan, MappingError, SalesOrderPlan

if TYPE_CHECKING:
	# An Amazon Account document; not its controller's class, which imports this package (one-way imports).
	from frappe.model.document import Document as AmazonAccount


def find_sales_order(amazon_order_id: str) -> str | None:
	return frappe.db.get_value("Sales Order", {"amazon_order_id": amazon_order_id}, "name")


def create_sales_order(plan: SalesOrderPlan, account: AmazonAccount) -> Document:
	"""A submitted Sales Order whose grand total is Amazon's order total to the cent."""
	customer = ensure_customer(plan.customer, account)
	address = ensure_address(plan.customer, customer) if plan.customer.address else None
	contact = ensure_contact(plan.customer, customer) if plan.customer.email else None
	ordered_on = getdate(to_system(plan.ordered_at))
	company_currency = frappe.get_cached_value("Company", account.company, "default_currency")
	rate = get_exchange_rate(plan.currency, company_currency, ordered_on, "for_selling")
	if not rate:
		raise MappingError(
			_("no exchange rate from {0} to {1} on {2}: add a Currency Exchange record").format(
				plan.currency, company_currency, ordered_on
			)
		)

	header = {
		"company": account.company,
		"customer": customer,
		"order_type": "Sales",
		"transaction_date": ordered_on,
		"delivery_date": max(ordered_on, getdate(to_system(plan.deliver_by))),
		"po_no": plan.purchase_order_number or plan.amazon_order_id,
		"currency": plan.currency,
		"conversion_rate": rate,
		"selling_price_list": plan.price_list,
		"price_list_currency": plan.currency,
		"plc_conversion_rate": rate,
		# Amazon fixed the prices: no pricing rule, price list lookup or rounding may change them.
		"ignore_pricing_rule": 1,
		"disable_rounded_total": 1,
		"set_warehouse": plan.warehouse,
		"territory": account.territory or None,
		"customer_address": address,
		"shipping_address_name": address,
		"contact_person": contact,
		"amazon_order_id": plan.amazon_order_id,
		"amazon_account": account.name,
		"amazon_marketplace": plan.marketplace_id,
		"amazon_fulfillment_channel": plan.channel,
		"amazon_replaced_order_id": plan.replaced_order_id,
	}
	so = None
	if plan.exclusive:
		# Gross prices with the tax included, when ERPNext's arithmetic on this site gives Amazon's split.
		try:
			with savepoint("amazon_tax_inclusive"):
				so = _insert_sales_order(plan, header, account)
				if _totals(so) != (plan.net_total, plan.tax_total, plan.grand_total):
					raise _NotExact
		except _NotExact:
			so, plan = None, plan.exclusive
	if so is None:
		so = _insert_sales_order(plan, header, account)
	erpnext_total = _totals(so)[2]
	if erpnext_total != plan.grand_total:
		raise MappingError(
			_("ERPNext computed a grand total of {0} for Amazon's {1} {2}").format(
				erpnext_total, plan.grand_total, plan.currency
			)
		)
	submit_as_saved(so)
	return so


class _NotExact(Exception):
	"""ERPNext's arithmetic on gross rows did not give Amazon's net and tax: use net rows instead."""


def _totals(so: Document) -> tuple[Decimal, Decimal, Decimal]:
	def value(field: str) -> Decimal:
		return Decimal(str(flt(so.get(field), so.precision(field))))

	return value("net_total"), value("total_taxes_and_charges"), value("grand_total")


def _insert_sales_order(plan: SalesOrderPlan, header: dict, account: AmazonAccount) -> Document:
	so = frappe.new_doc("Sales Order")
	so.update(header)
	for line in plan.lines:
		so.append(
			"items",
			{
				"item_code": line.item_code,
				"description": line.description,
				"qty": line.qty,
				"price_list_rate": float(line.rate),
				"rate": float(line.rate),
				"warehouse": line.warehouse or plan.warehouse,
				"delivery_date": so.delivery_date,
				"amazon_order_item_id": line.amazon_order_item_id,
				"amazon_charge": CHARGE_LABELS.get(line.kind) if line.charge_for else None,
				"amazon_charge_for": line.charge_for,
				"amazon_tax_included": int(line.tax_included),
				"amazon_seller_tax": float(line.seller_tax),
				"amazon_withheld_tax": float(line.amazon_tax),
			},
		)
	for tax in plan.taxes:
		row = {"account_head": tax.account, "description": tax.description}
		if tax.included_rate is None:
			row.update(charge_type="Actual", tax_amount=float(tax.amount))
		else:
			row.update(charge_type="On Net Total", rate=float(tax.included_rate), included_in_print_rate=1)
		so.append("taxes", row)
	if account.sales_person:
		so.append("sales_team", {"sales_person": account.sales_person, "allocated_percentage": 100})
	so.flags.ignore_permissions = True
	so.insert()
	return so


def submit_as_saved(doc: Document) -> None:
	"""Submit a document just inserted, as the database holds it.

	ERPNext leaves some fields None in memory where the database stores 0 (Advance Paid, the company-currency
	Rounding Adjustment, ...): submitting the in-memory copy would put "changed ... from 0 to null" in the
	document's timeline."""
	doc.reload()
	doc.flags.ignore_permissions = True
	doc.submit()


def make_fbm_delivery(so: Document) -> Document:
	"""The draft Delivery Note (the picking) of a merchant-fulfilled order, ready for full or partial shipment."""
	dn = make_delivery_note(so.name)
	dn.flags.ignore_permissions = True
	dn.insert()
	return dn


def make_fba_delivery(so: Document) -> Document:
	"""Amazon shipped from its fulfilment centre: the stock leaves the FBA warehouse now."""
	dn = make_delivery_note(so.name)
	dn.flags.ignore_permissions = True
	dn.insert()
	submit_as_saved(dn)
	return dn


def resolve_shipped_outside(so_name: str, order, account: AmazonAccount) -> str:
	"""Amazon shows an FBM order shipped that ERPNext never confirmed: settle its draft Delivery Note as the
	account says, and never confirm it to Amazon again. Returns "updated" or "unchanged"."""
	confirmed = frappe.db.exists(
		"Delivery Note",
		{"amazon_order_id": order.order_id, "docstatus": 1, "amazon_sync_status": ("in", ["Pending", "Synchronized", "Failed"])},
	)
	drafts = frappe.get_all(
		"Delivery Note Item", filters={"against_sales_order": so_name, "docstatus": 0}, pluck="parent", distinct=True
	)
	if confirmed or not drafts:
		return "unchanged"  # ERPNext shipped it (or part of it): the shipment sync owns it
	if frappe.db.exists("Delivery Note", {"name": ("in", drafts), "amazon_label_shipment_id": ("is", "set")}):
		# Its label was bought here, which is why Amazon shows it shipped: the warehouse submits that Delivery
		# Note, and the shipment sync reads Amazon's shipment back. Never submitted, deleted or noted as outside.
		return "unchanged"
	how = account.shipped_outside_erpnext or "Submit Delivery Note"
	note = _("Amazon shows this order shipped outside ERPNext.")
	if how == "Submit Delivery Note":
		package = next(iter(order.packages), None)
		for name in drafts:
			dn = frappe.get_doc("Delivery Note", name)
			dn.update(
				{
					"amazon_sync_status": "Synchronized",
					"amazon_sync_error": note,
					"amazon_carrier_name": (package.carrier if package else None) or dn.amazon_carrier_name,
					"amazon_tracking_number": (package.tracking_number if package else None) or dn.amazon_tracking_number,
				}
			)
			dn.flags.ignore_permissions = True
			dn.submit()
	elif how == "Delete Delivery Note":
		for name in drafts:
			frappe.delete_doc("Delivery Note", name, ignore_permissions=True)
		so = frappe.get_doc("Sales Order", so_name)
		so.update_status("Closed")
		_note(so, note + " " + _("Its draft Delivery Note was deleted and the order closed."))
	else:
		so = frappe.get_doc("Sales Order", so_name)
		if so.amazon_status_note:
			return "unchanged"
		_note(so, note + " " + _("Its draft Delivery Note is kept for review."))
	return "updated"


def cancel_sales_order(so_name: str, cancelled_on: str) -> tuple[str, str | None]:
	"""Cancel an order Amazon cancelled. Returns (outcome, note): "cancelled", "closed" or "flagged"."""
	so = frappe.get_doc("Sales Order", so_name)
	if so.docstatus == 2 or so.status == "Closed":
		return "unchanged", None
	if so.docstatus == 0:
		frappe.delete_doc("Sales Order", so.name, ignore_permissions=True)
		return "cancelled", None

	for doctype, link_field in (("Delivery Note", "against_sales_order"), ("Sales Invoice", "sales_order")):
		for draft in frappe.get_all(
			f"{doctype} Item", filters={link_field: so.name, "docstatus": 0}, pluck="parent", distinct=True
		):
			frappe.delete_doc(doctype, draft, ignore_permissions=True)

	if so.per_delivered or so.per_billed:
		# Part of it already left or was invoiced: ERPNext's way is to close the rest of the order.
		so.update_status("Closed")
		note = _("Cancelled on Amazon on {0} after a partial delivery or invoice: the rest of the order was closed.").format(
			cancelled_on
		)
		_note(so, note)
		return "closed", note
	try:
		with savepoint("amazon_cancel_sales_order"):
			so.flags.ignore_permissions = True
			so.cancel()
	except frappe.ValidationError as e:
		note = _("Cancelled on Amazon on {0}, but ERPNext refused to cancel this order: {1}").format(
			cancelled_on, frappe.utils.strip_html(translated(e))
		)
		_note(frappe.get_doc("Sales Order", so.name), note)
		return "flagged", note
	return "cancelled", None


def _note(so: Document, note: str) -> None:
	so.db_set("amazon_status_note", note, update_modified=False)
	so.add_comment("Comment", note)


def ensure_customer(plan: CustomerPlan, account: AmazonAccount) -> str:
	existing = frappe.db.get_value("Customer", {"amazon_buyer_ref": plan.buyer_ref}, "name")
	if existing:
		# Locked until the order commits: buyer data retention waits or is waited for.
		existing = lock_customer({"amazon_buyer_ref": plan.buyer_ref}) or existing
		if plan.tax_id and not frappe.db.get_value("Customer", existing, "tax_id"):
			frappe.db.set_value("Customer", existing, "tax_id", plan.tax_id)
		return existing
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": plan.customer_name,
			"customer_type": plan.customer_type,
			"customer_group": account.customer_group or _default("customer_group", "Selling Settings"),
			"territory": account.territory or _default("territory", "Selling Settings"),
			"tax_id": plan.tax_id,
			"amazon_buyer_ref": plan.buyer_ref,
		}
	)
	customer.flags.ignore_permissions = True
	customer.insert()
	return customer.name


def ensure_address(plan: CustomerPlan, customer: str) -> str:
	a = plan.address
	country = frappe.db.get_value("Country", {"code": a.country_code.lower()}, "name")
	if not country:
		raise MappingError(_("unknown country code {0} in the shipping address").format(a.country_code))
	same = _linked_to_customer(
		"Address", customer, address_line1=a.address_line1, pincode=a.pincode or "", country=country
	)
	if same:
		return same
	address = frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": a.title,
			"address_type": "Shipping",
			"address_line1": a.address_line1,
			"address_line2": a.address_line2,
			"city": a.city,
			"state": a.state,
			"pincode": a.pincode,
			"country": country,
			"phone": a.phone,
			"is_shipping_address": 1,
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	)
	address.flags.ignore_permissions = True
	address.insert()
	return address.name


def ensure_contact(plan: CustomerPlan, customer: str) -> str:
	existing = _linked_to_customer("Contact", customer, email_id=plan.email)
	if existing:
		return existing
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": plan.customer_name[:140],
			"email_ids": [{"email_id": plan.email, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer}],
			# Amazon relays mail to this anonymised address only for order matters; never mass mail it.
			"unsubscribed": 1,
		}
	)
	contact.flags.ignore_permissions = True
	contact.insert()
	return contact.name


def _linked_to_customer(doctype: str, customer: str, **values) -> str | None:
	"""The customer's Address or Contact with these values, if it has one."""
	filters = [["Dynamic Link", "link_doctype", "=", "Customer"], ["Dynamic Link", "link_name", "=", customer]]
	filters += [[field, "=", value] for field, value in values.items()]
	found = frappe.get_all(doctype, filters=filters, pluck="name", limit=1)
	return found[0] if found else None


def _default(fieldname: str, settings: str) -> str | None:
	return frappe.db.get_single_value(settings, fieldname)
