"""Order-sync benchmark: `bench --site SITE amazon benchmark-sync --orders N`.

Starts the simulator with N seeded orders on Amazon.com and Amazon.ca and syncs them into a fresh Amazon
Account (the first import), then lets N/2 more orders arrive and syncs again (the steady state: a run over
what changed since the last one). On the same site and in the same run it inserts and submits the same
Customers, Addresses, Contacts, Sales Orders, Delivery Notes and Sales Invoices directly with frappe:
the bare baseline. Prints SP-API requests per synced order by operation, wall time per order on both paths and their ratio.

It prepares the site as the tier-2 tests do (their company, items, stock, price lists and rates), so run
it on a test site (`allow_tests`), never on a production one: the documents it makes stay there.
"""

from __future__ import annotations

import random
import time
from collections import Counter

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_invoice

from amazon_integration.erpnext.invoices import receivable_account
from amazon_integration.erpnext.orders import sync_account_orders
from amazon_integration.setup.custom_fields import CUSTOM_FIELDS
from amazon_integration.simulator import Simulator
from amazon_integration.devtools.testbed import CA, US, before_tests, require_test_site, simulator_account


def run(orders: int, seed: int | None = None) -> dict:
	require_test_site()
	before_tests()
	seed = seed or random.randrange(1, 2**31)
	rng = random.Random(seed)
	with Simulator(seed=seed, orders=orders, time_scale=1.0, marketplaces=(US, CA)) as sim:
		account = simulator_account(sim)
		first = _timed_sync(sim, account.name)
		catalogue = [row["sku"] for row in sim.control.catalogue()]
		for _ in range(orders // 2):
			sim.control.create_order(
				marketplace_id=rng.choice((US, US, US, CA)),
				fulfilled_by=rng.choice(("MERCHANT", "AMAZON")),
				status="UNSHIPPED",
				items=[{"sku": rng.choice(catalogue), "quantity": rng.randint(1, 3)}],
			)
		sim.control.advance(180)  # Amazon shows an update once it is two minutes old
		steady = _timed_sync(sim, account.name)

	sales_orders = frappe.get_all(
		"Sales Order", filters={"amazon_account": account.name}, pluck="name", order_by="creation"
	)
	return {
		"seed": seed,
		"orders_generated": orders,
		"first": first,
		"steady": steady,
		"orders_created": len(sales_orders),
		"sync_seconds": first["seconds"] + steady["seconds"],
		"bare_seconds": _bare_baseline(sales_orders),
	}


def _timed_sync(sim: Simulator, account: str) -> dict:
	sim.control.reset_counters()
	started = time.perf_counter()
	log = frappe.get_doc("Amazon Sync Log", sync_account_orders(account))
	seconds = time.perf_counter() - started
	counters = sim.control.counters()
	# SP-API operations are named by operationId; other routes (the LWA token exchange) by method and path.
	return {
		"seconds": seconds,
		"read": log.orders_read,
		"created": log.created_count,
		"failed": log.failed_count,
		"requests": {op: c["requests"] for op, c in counters.items() if c.get("requests") and "/" not in op},
		"token_exchanges": sum(c["requests"] for op, c in counters.items() if "/auth/o2/token" in op),
	}


def _bare_baseline(sales_orders: list[str]) -> float:
	"""The same documents, inserted and submitted directly: copies of what the sync made."""
	sources = [frappe.get_doc("Sales Order", name) for name in sales_orders]
	deliveries = {
		name: frappe.db.get_value("Delivery Note Item", {"against_sales_order": name}, "docstatus")
		for name in sales_orders
	}
	invoiced = set(
		frappe.get_all("Sales Invoice Item", filters={"sales_order": ("in", sales_orders), "docstatus": 1}, pluck="sales_order")
	)
	customers = {so.customer: frappe.get_doc("Customer", so.customer) for so in sources}
	addresses = {so.customer_address: frappe.get_doc("Address", so.customer_address) for so in sources if so.customer_address}
	contacts = {so.contact_person: frappe.get_doc("Contact", so.contact_person) for so in sources if so.contact_person}
	frappe.db.commit()

	started = time.perf_counter()
	new_customer = {}
	suffix = frappe.generate_hash(length=6)
	for name, customer in customers.items():
		copy = _without_amazon_fields(frappe.copy_doc(customer))
		copy.customer_name = f"{customer.customer_name} {suffix}"
		copy.insert()
		new_customer[name] = copy.name
	new_address = _copy_linked(addresses, new_customer)
	new_contact = _copy_linked(contacts, new_customer)
	for so in sources:
		copy = _without_amazon_fields(frappe.copy_doc(so))
		copy.customer = new_customer[so.customer]
		copy.customer_address = copy.shipping_address_name = new_address.get(so.customer_address)
		copy.contact_person = new_contact.get(so.contact_person)
		copy.insert()
		copy.submit()
		dn = make_delivery_note(copy.name)
		dn.insert()
		if deliveries[so.name] == 1:
			dn.submit()
		if so.name in invoiced:
			invoice = make_sales_invoice(dn.name)
			invoice.debit_to = receivable_account(invoice.company, invoice.currency) or invoice.debit_to
			invoice.insert()
			invoice.submit()
		frappe.db.commit()
	return time.perf_counter() - started


def _without_amazon_fields(doc):
	"""The baseline's documents are plain ERPNext documents: the app's fields stay behind."""
	for field in CUSTOM_FIELDS.get(doc.doctype, []):
		doc.set(field["fieldname"], None)
	return doc


def _copy_linked(records: dict, new_customer: dict[str, str]) -> dict[str, str]:
	"""Copies of Addresses or Contacts, linked to the copied customers; old name -> new name."""
	copies = {}
	for name, record in records.items():
		copy = frappe.copy_doc(record)
		for link in copy.links:
			link.link_name = new_customer.get(link.link_name, link.link_name)
		copy.insert()
		copies[name] = copy.name
	return copies


def report(result: dict) -> str:
	lines = [f"Order sync benchmark: {result['orders_generated']} simulated orders on Amazon.com + Amazon.ca (seed {result['seed']})"]
	for label, phase in (("First import", result["first"]), ("Steady state (next run)", result["steady"])):
		requests: Counter = Counter(phase["requests"])
		total = sum(requests.values())
		read = phase["read"] or 1
		lines.append(
			f"{label}: {phase['read']} orders synced, {phase['created']} created, {phase['failed']} failed, "
			f"{phase['seconds']:.1f} s"
		)
		for operation, count in sorted(requests.items()):
			lines.append(f"  {operation:<24} {count:>4} requests  {count / read:.4f}/synced order")
		lines.append(f"  {'all SP-API operations':<24} {total:>4} requests  {total / read:.4f}/synced order (target <= 0.012)")
		lines.append(f"  LWA token exchanges (not SP-API): {phase['token_exchanges']}")
	created = result["orders_created"] or 1
	sync_per_order = result["sync_seconds"] / created
	bare_per_order = result["bare_seconds"] / created
	lines += [
		f"ERPNext side, sync:   {result['sync_seconds']:.1f} s for {created} orders, {sync_per_order * 1000:.1f} ms/order",
		f"Bare frappe baseline: {result['bare_seconds']:.1f} s for the same documents, {bare_per_order * 1000:.1f} ms/order",
		f"Ratio sync / bare:    {sync_per_order / bare_per_order:.3f} (target <= 1.25)",
	]
	return "\n".join(lines)
