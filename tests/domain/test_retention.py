"""Buyer data retention: who is due, and what their records become."""

from datetime import date

from amazon_integration.domain.retention import (
	REDACTED,
	BuyerActivity,
	RetentionPolicy,
	anonymous_label,
	is_due,
	needs_rename,
	plan_scrub,
)

TODAY = date(2026, 11, 30)
REF = "email:3fa2b1c9d0e4f5a6b7c8d9e0"


def activity(**values) -> BuyerActivity:
	return BuyerActivity(
		**{
			"customer": "Jane Doe",
			"buyer_ref": REF,
			"open_orders": 0,
			"last_shipped": None,
			"last_ordered": None,
			**values,
		}
	)


def test_due_once_the_last_shipment_is_older_than_the_retention_days():
	policy = RetentionPolicy(days=30)
	assert is_due(activity(last_shipped=date(2026, 10, 30), last_ordered=date(2026, 10, 28)), policy, TODAY)
	assert not is_due(
		activity(last_shipped=date(2026, 10, 31), last_ordered=date(2026, 10, 28)), policy, TODAY
	)
	assert not is_due(
		activity(last_shipped=date(2026, 10, 1), last_ordered=date(2026, 11, 20)), policy, TODAY
	)
	assert is_due(activity(last_shipped=date(2026, 11, 20)), RetentionPolicy(days=5), TODAY)


def test_a_buyer_waiting_for_a_parcel_keeps_their_data():
	assert not is_due(
		activity(open_orders=1, last_shipped=date(2025, 1, 1), last_ordered=date(2025, 1, 1)),
		RetentionPolicy(),
		TODAY,
	)


def test_orders_only_cancelled_count_from_the_order_date():
	assert is_due(activity(last_ordered=date(2026, 9, 1)), RetentionPolicy(), TODAY)
	assert not is_due(activity(), RetentionPolicy(), TODAY)  # no order at all: nothing to go by


def test_the_customer_of_orders_with_no_buyer_data_is_nobody_to_blank():
	assert not is_due(
		activity(buyer_ref="marketplace:ATVPDKIKX0DER", last_ordered=date(2025, 1, 1)),
		RetentionPolicy(),
		TODAY,
	)


def test_the_label_is_stable_and_says_nothing_about_the_buyer():
	assert anonymous_label(REF) == anonymous_label(REF) == "Amazon Buyer 3FA2B1C9D0E4"
	assert anonymous_label("tax:abcdef0123456789") == "Amazon Buyer ABCDEF012345"


def test_records_named_after_the_buyer_are_renamed():
	label = anonymous_label(REF)
	assert needs_rename("Jane Doe", ["Jane Doe"], label)
	assert needs_rename("Jane Doe-Shipping-1", ["jane doe"], label)
	assert not needs_rename("CUST-00042", ["Jane Doe"], label)
	assert not needs_rename(f"{label}-Shipping", ["Jane Doe", label], label)


def test_invoices_keep_the_billing_name_and_address_when_the_account_says_so():
	kept = plan_scrub(REF, RetentionPolicy(invoices_keep_billing=True)).documents["Sales Invoice"]
	assert "customer_name" not in kept and "address_display" not in kept
	assert kept["contact_email"] is None and kept["shipping_address"] is None
	blanked = plan_scrub(REF, RetentionPolicy(invoices_keep_billing=False)).documents["Sales Invoice"]
	assert blanked["customer_name"] == anonymous_label(REF) and blanked["address_display"] is None


def test_what_orders_addresses_and_contacts_become():
	plan = plan_scrub(REF, RetentionPolicy())
	assert plan.documents["Sales Order"]["customer_name"] == plan.label
	assert plan.documents["Delivery Note"]["address_display"] is None
	assert plan.documents["Payment Entry"]["party_name"] == plan.label
	assert plan.address["address_line1"] == REDACTED and plan.address["pincode"] is None
	assert (
		"country" not in plan.address and "state" not in plan.address
	)  # the tax the order bore depends on them
	assert plan.contact["email_id"] is None and plan.contact["first_name"] == plan.label
	assert plan.customer["customer_name"] == plan.label
