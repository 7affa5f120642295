"""Buyer data retention: which Amazon buyers' personal data is due for removal, and what it becomes.

Amazon's Data Protection Policy lets a seller keep a buyer's personal data only as long as the order needs it
(30 days after delivery, unless a law such as the tax law requires longer). These are the pure decisions; the
adapter (`erpnext/retention.py`) reads the activity and writes the blanks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

DEFAULT_RETENTION_DAYS = 30
# What a removed mandatory value becomes (an Address must keep a first line and a city).
REDACTED = "Redacted"
# Buyer references that name no person: the one customer per marketplace of orders with no buyer data.
IMPERSONAL_REF_PREFIXES = ("marketplace:",)


@dataclass(frozen=True)
class RetentionPolicy:
	days: int = DEFAULT_RETENTION_DAYS
	# Sales Invoices keep their billing name and address snapshot (what a VAT invoice must show).
	invoices_keep_billing: bool = True


@dataclass(frozen=True)
class BuyerActivity:
	"""What decides whether a buyer's data may go: no order left to ship, and the last one long enough ago."""

	customer: str
	buyer_ref: str
	open_orders: int  # submitted orders neither fully delivered, closed nor cancelled
	last_shipped: date | None  # the newest submitted delivery
	last_ordered: date | None  # the newest order (a cancelled one counts too)


@dataclass(frozen=True)
class ScrubPlan:
	"""The values each kind of record gets; a document type's values apply where the type has the field."""

	label: str  # the buyer's new name, derived from the stable buyer reference
	customer: dict[str, Any]
	address: dict[str, Any]
	contact: dict[str, Any]
	documents: dict[str, dict[str, Any]] = field(default_factory=dict)


def is_personal(buyer_ref: str | None) -> bool:
	return bool(buyer_ref) and not buyer_ref.startswith(IMPERSONAL_REF_PREFIXES)


def cutoff(policy: RetentionPolicy, today: date) -> date:
	return today - timedelta(days=max(policy.days, 1))


def is_due(activity: BuyerActivity, policy: RetentionPolicy, today: date) -> bool:
	"""Due once nothing is left to ship and the last shipment (or order) is older than the retention days."""
	if activity.open_orders or not is_personal(activity.buyer_ref):
		return False
	last = max((d for d in (activity.last_shipped, activity.last_ordered) if d), default=None)
	return last is not None and last < cutoff(policy, today)


def anonymous_label(buyer_ref: str) -> str:
	"""A name that stays the same for one buyer and says nothing about them: `Amazon Buyer 3FA2B1C9D0E4`."""
	digest = buyer_ref.split(":", 1)[-1]
	return f"Amazon Buyer {digest[:12].upper()}"


def needs_rename(name: str, personal_values: list[str], label: str) -> bool:
	"""A record whose name quotes the buyer (ERPNext names Customers, Addresses and Contacts after them)."""
	if name.startswith(label):
		return False
	lowered = name.lower()
	return any(value and len(value) >= 2 and value.lower() in lowered for value in personal_values)


def plan_scrub(buyer_ref: str, policy: RetentionPolicy) -> ScrubPlan:
	label = anonymous_label(buyer_ref)
	# Snapshots of the buyer on orders and deliveries: the name, the address texts and the contact's details.
	snapshot: dict[str, Any] = {
		"customer_name": label,
		"title": label,
		"address_display": None,
		"shipping_address": None,
		"contact_display": None,
		"contact_email": None,
		"contact_mobile": None,
		"contact_phone": None,
	}
	invoice = dict(snapshot)
	if policy.invoices_keep_billing:
		for kept in ("customer_name", "title", "address_display"):
			invoice.pop(kept)
	return ScrubPlan(
		label=label,
		customer={"customer_name": label, "email_id": None, "mobile_no": None, "primary_address": None},
		address={
			"address_title": label,
			"address_line1": REDACTED,
			"address_line2": None,
			"city": REDACTED,
			"county": None,
			"pincode": None,
			"phone": None,
			"fax": None,
			"email_id": None,
		},
		contact={
			"first_name": label,
			"middle_name": None,
			"last_name": None,
			"full_name": label,
			"email_id": None,
			"phone": None,
			"mobile_no": None,
			"company_name": None,
		},
		documents={
			"Sales Order": snapshot,
			"Delivery Note": snapshot,
			"Sales Invoice": invoice,
			# Settlement bookings: the payment names its party.
			"Payment Entry": {"party_name": label, "title": label, "contact_email": None},
		},
	)
