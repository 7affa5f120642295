"""The order-sync domain: which orders, and what Sales Order they become, without ERPNext."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from amazon_integration.amazon.orders import Address, Buyer, Order, OrderItem, TaxRegistration
from amazon_integration.domain.orders import (
	AccountSettings,
	Action,
	LineKind,
	MappingError,
	decide,
	plan_customer,
	plan_sales_order,
	share,
	split_line_total,
)

US = "ATVPDKIKX0DER"
CREATED = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
SETTINGS = AccountSettings(
	company="Test Co",
	price_lists={US: "Amazon USD"},
	fba_warehouse="Amazon FBA - TC",
	fbm_warehouse="Stores - TC",
	shipping_item="AMZ-SHIPPING",
	gift_wrap_item="AMZ-GIFTWRAP",
	promotion_item="AMZ-PROMO",
	sales_tax_account="Sales Tax - TC",
	marketplace_tax_account="Amazon Tax - TC",
)
ITEMS = {"SKU-1": "ITEM-1", "SKU-2": "ITEM-2"}


def item(**kw) -> OrderItem:
	values = dict(order_item_id="11111111111111", sku="SKU-1", asin="B000000001", title="Mug", quantity=1,
				  unit_price=D("10.00"), item_total=D("10.00"), proceeds_total=D("10.00"))
	values.update(kw)
	return OrderItem(**values)


def order(*items: OrderItem, **kw) -> Order:
	items = items or (item(),)
	total = sum((i.proceeds_total or D(0)) for i in items)
	values = dict(order_id="111-1111111-1111111", marketplace_id=US, created=CREATED, last_updated=CREATED,
				  status="UNSHIPPED", fulfilled_by="MERCHANT", sales_channel="AMAZON", currency="USD",
				  order_total=total, items=items,
				  buyer=Buyer(name="Jane Buyer", email="abc123@marketplace.amazon.com"),
				  ship_to=Address(name="Jane Buyer", address_line1="1 Main St", city="Seattle",
								  state_or_region="WA", postal_code="98101", country_code="US"))
	values.update(kw)
	return Order(**values)


def plan(o: Order, settings: AccountSettings = SETTINGS, decimals: int = 2):
	return plan_sales_order(o, settings, ITEMS.get, decimals)


@pytest.mark.parametrize(
	"status, fulfilled_by, action",
	[
		("SHIPPED", "AMAZON", Action.IMPORT),
		("CANCELLED", "AMAZON", Action.CANCEL),
		("UNSHIPPED", "AMAZON", Action.WAIT),
		("PENDING", "AMAZON", Action.WAIT),
		("UNSHIPPED", "MERCHANT", Action.IMPORT),
		("PARTIALLY_SHIPPED", "MERCHANT", Action.IMPORT),
		("SHIPPED", "MERCHANT", Action.IMPORT),
		("CANCELLED", "MERCHANT", Action.CANCEL),
		("PENDING", "MERCHANT", Action.WAIT),
		("PENDING_AVAILABILITY", "MERCHANT", Action.WAIT),
		("UNFULFILLABLE", "MERCHANT", Action.SKIP),
	],
)
def test_which_orders_are_imported(status, fulfilled_by, action):
	assert decide(order(status=status, fulfilled_by=fulfilled_by), {US}).action is action


def test_orders_of_other_marketplaces_and_channels_are_skipped_with_a_reason():
	other = decide(order(marketplace_id="A2EUQ1WTGCTBG2"), {US})
	assert other.action is Action.SKIP and "A2EUQ1WTGCTBG2" in other.reason
	mcf = decide(order(sales_channel="NON_AMAZON"), {US})
	assert mcf.action is Action.SKIP and "NON_AMAZON" in mcf.reason


@pytest.mark.parametrize(
	"total, qty, unit, rows",
	[
		(D("10.00"), 3, D("0.01"), [(2, D("3.33")), (1, D("3.34"))]),
		(D("9.99"), 3, D("0.01"), [(3, D("3.33"))]),
		(D("0.00"), 2, D("0.01"), [(2, D("0.00"))]),
		(D("1000"), 3, D("1"), [(2, D("333")), (1, D("334"))]),
		(D("0.05"), 7, D("0.01"), [(2, D("0.00")), (5, D("0.01"))]),
	],
)
def test_line_totals_split_into_exact_unit_rates(total, qty, unit, rows):
	assert split_line_total(total, qty, unit) == rows
	assert sum(q * r for q, r in rows) == total


def test_unit_rate_of_a_line_total_that_does_not_divide():
	p = plan(order(item(quantity=3, unit_price=D("3.33"), item_total=D("10.00"), proceeds_total=D("10.00"))))
	products = [line for line in p.lines if line.kind is LineKind.PRODUCT]
	assert [(line.qty, line.rate) for line in products] == [(2, D("3.33")), (1, D("3.34"))]
	assert all("Amazon line total 10.00 for 3 units" in line.description for line in products)
	assert {line.amazon_order_item_id for line in products} == {"11111111111111"}
	assert p.grand_total == D("10.00")


def test_charges_promotions_and_taxes_add_up_to_amazons_total():
	line = item(quantity=2, unit_price=D("12.50"), item_total=D("25.00"), shipping=D("4.99"),
				shipping_discount=D("4.99"), gift_wrap=D("3.00"), promotion_discount=D("2.50"),
				tax=D("2.31"), item_tax=D("1.81"), gift_wrap_tax=D("0.50"),
				proceeds_total=D("27.81"))
	p = plan(order(line))
	by_kind: dict = {}
	for row in p.lines:
		by_kind[(row.kind, row.item_code)] = by_kind.get((row.kind, row.item_code), D(0)) + row.amount
	assert by_kind == {
		(LineKind.PRODUCT, "ITEM-1"): D("25.00"),
		(LineKind.SHIPPING, "AMZ-SHIPPING"): D("4.99"),
		(LineKind.GIFT_WRAP, "AMZ-GIFTWRAP"): D("3.00"),
		(LineKind.PROMOTION, "AMZ-PROMO"): D("-2.50"),
		(LineKind.SHIPPING_PROMOTION, "AMZ-PROMO"): D("-4.99"),
	}
	# Every charge follows the units of its line: 4.99 of shipping over 2 units is 2.49 + 2.50.
	assert [(row.qty, row.rate, row.charge_for) for row in p.lines if row.kind is LineKind.SHIPPING] == [
		(1, D("2.49"), line.order_item_id), (1, D("2.50"), line.order_item_id)
	]
	assert [(t.account, t.amount, t.collected_by_amazon) for t in p.taxes] == [("Sales Tax - TC", D("2.31"), False)]
	assert p.grand_total == D("27.81")


def test_without_a_promotion_item_promotions_reduce_their_lines():
	line = item(quantity=1, item_total=D("25.00"), promotion_discount=D("2.50"), shipping=D("5.00"),
				shipping_discount=D("1.00"), proceeds_total=D("26.50"))
	p = plan(order(line), replace(SETTINGS, promotion_item=None))
	assert [(line.kind, line.amount) for line in p.lines] == [(LineKind.PRODUCT, D("22.50")), (LineKind.SHIPPING, D("4.00"))]
	assert p.grand_total == D("26.50")


def test_tax_amazon_collects_is_kept_apart_from_the_sellers():
	lines = (
		item(tax=D("0.80"), item_tax=D("0.80"), tax_withheld=True, proceeds_total=D("10.80")),
		item(order_item_id="22222222222222", sku="SKU-2", tax=D("0.50"), item_tax=D("0.50"), proceeds_total=D("10.50")),
	)
	p = plan(order(*lines))
	assert [(t.account, t.amount, t.collected_by_amazon) for t in p.taxes] == [
		("Sales Tax - TC", D("0.50"), False),
		("Amazon Tax - TC", D("0.80"), True),
	]
	assert p.grand_total == D("21.30")


def test_warehouse_follows_the_channel():
	assert plan(order(fulfilled_by="AMAZON", status="SHIPPED")).warehouse == "Amazon FBA - TC"
	assert plan(order()).warehouse == "Stores - TC"
	assert {line.warehouse for line in plan(order()).lines if line.kind is LineKind.PRODUCT} == {"Stores - TC"}


@pytest.mark.parametrize(
	"change, message",
	[
		(dict(items=(item(sku="NOPE"),)), "SKU 'NOPE' matches no Item"),
		(dict(order_total=None), "without prices"),
		(dict(items=(item(shipping=D("1.00"), proceeds_total=D("11.00")),), order_total=D("11.00")), None),
		(dict(order_total=D("10.01")), "differs from Amazon's order total 10.01"),
	],
)
def test_orders_that_cannot_be_mapped_say_why(change, message):
	o = order(**change)
	if message is None:
		with pytest.raises(MappingError, match="shipping charges of 1.00 but the Amazon Account has no Shipping Item"):
			plan(o, replace(SETTINGS, shipping_item=None))
		return
	with pytest.raises(MappingError, match=message):
		plan(o)


def test_unknown_sku_uses_the_fallback_item_when_configured():
	p = plan(order(item(sku="NOPE")), replace(SETTINGS, fallback_item="AMZ-FALLBACK"))
	assert p.lines[0].item_code == "AMZ-FALLBACK" and p.lines[0].sku == "NOPE"


def test_missing_tax_account_is_a_clear_error():
	o = order(item(tax=D("0.80"), item_tax=D("0.80"), tax_withheld=True, proceeds_total=D("10.80")))
	with pytest.raises(MappingError, match="Amazon collected tax of 0.80 .* no Amazon-Collected Tax Account"):
		plan(o, replace(SETTINGS, marketplace_tax_account=None))


def test_yen_has_no_decimals():
	o = order(item(quantity=3, item_total=D("1000"), proceeds_total=D("1000")), currency="JPY", order_total=D("1000"))
	p = plan_sales_order(o, replace(SETTINGS, price_lists={US: "Amazon JPY"}), ITEMS.get, 0)
	assert [(line.qty, line.rate) for line in p.lines] == [(2, D("333")), (1, D("334"))]


def test_customer_reference_is_stable_and_holds_no_readable_pii():
	first = plan_customer(order())
	again = plan_customer(order(order_id="222-2222222-2222222", ship_to=Address(name="J. Buyer", country_code="US", city="Tacoma")))
	assert first.buyer_ref == again.buyer_ref
	assert first.buyer_ref.startswith("email:") and "abc123" not in first.buyer_ref
	assert "Jane" not in repr(first) and "Main" not in repr(first.address)


def test_b2b_buyer_becomes_a_company_with_its_tax_id():
	o = order(buyer=Buyer(name="Jane Buyer", company_name="Acme GmbH"),
			  buyer_tax_registrations=(TaxRegistration(registration_type="VAT", registration_number="DE123456789"),))
	customer = plan_customer(o)
	assert (customer.customer_name, customer.customer_type, customer.tax_id) == ("Acme GmbH", "Company", "DE123456789")
	assert customer.buyer_ref.startswith("tax:")


def test_fba_buyer_without_email_is_keyed_by_name_and_postal_code():
	fba = order(fulfilled_by="AMAZON", buyer=Buyer(name="Jane Buyer"),
				ship_to=Address(city="Seattle", postal_code="98101", country_code="US"))
	customer = plan_customer(fba)
	assert customer.buyer_ref.startswith("name:")
	assert customer.address.address_line1 == "Seattle"


def test_order_without_buyer_data_goes_to_the_marketplace_customer():
	customer = plan_customer(order(buyer=None, ship_to=None, marketplace_name="Amazon.com"))
	assert (customer.buyer_ref, customer.customer_name) == (f"marketplace:{US}", "Amazon.com Customer")


def test_delivery_date_is_never_before_the_order():
	late = CREATED + timedelta(days=5)
	assert plan(order(latest_delivery_date=late)).deliver_by == late
	assert plan(order()).deliver_by == CREATED


@pytest.mark.parametrize(
	"total, parts, whole, shares",
	[
		(D("1.00"), [1, 1, 1], 3, [D("0.33"), D("0.34"), D("0.33")]),
		(D("0.80"), [2, 1], 3, [D("0.53"), D("0.27")]),
		(D("0.05"), [1, 1], 2, [D("0.03"), D("0.02")]),
		(D("10"), [1, 2], 3, [D("3"), D("7")]),
	],
)
def test_shares_add_up_to_the_total(total, parts, whole, shares):
	unit = D("1") if total == D("10") else D("0.01")
	assert share(total, parts, whole, unit) == shares
	assert sum(shares) == total


def test_every_row_carries_its_share_of_the_tax():
	lines = (
		item(quantity=3, item_total=D("10.00"), shipping=D("3.00"), tax=D("1.06"), item_tax=D("0.80"),
			 shipping_tax=D("0.26"), proceeds_total=D("14.06")),
		item(order_item_id="22222222222222", sku="SKU-2", item_total=D("5.00"), tax=D("0.40"), item_tax=D("0.40"),
			 tax_withheld=True, proceeds_total=D("5.40")),
	)
	p = plan(order(*lines))
	rows = [(line.kind, line.qty, line.seller_tax, line.amazon_tax) for line in p.lines]
	assert rows == [
		(LineKind.PRODUCT, 2, D("0.53"), D("0")),  # 0.80 over 3 units: 2 units carry 0.53
		(LineKind.PRODUCT, 1, D("0.27"), D("0")),
		(LineKind.PRODUCT, 1, D("0"), D("0.40")),
		(LineKind.SHIPPING, 3, D("0.26"), D("0")),  # the shipping of the first line's 3 units
	]
	assert [(t.amount, t.collected_by_amazon) for t in p.taxes] == [(D("1.06"), False), (D("0.40"), True)]
	assert p.grand_total == D("19.46")


@pytest.mark.parametrize("total, qty", [(D("10.00"), 3), (D("4.99"), 2), (D("10.05"), 10), (D("-7.49"), 4), (D("0.05"), 7)])
@pytest.mark.parametrize("shipments", [[1] * 10, [2, 1, 7], [3, 7], [10]])
def test_units_taken_from_split_rows_make_amazons_share_of_each_shipment(total, qty, shipments):
	"""Whatever the shipments, each one's rows come to Amazon's cumulative share and no row runs over."""
	from amazon_integration.domain.orders import allocate_units, cumulative_share

	unit = D("0.01")
	rows = split_line_total(total, qty, unit)
	open_qty = [q for q, _rate in rows]
	before = 0
	for units in shipments:
		units = min(units, qty - before)
		if units <= 0:
			break
		taken = allocate_units(total, qty, before, units, [(rate, left) for (_q, rate), left in zip(rows, open_qty, strict=True)], unit)
		assert sum(taken) == units and all(0 <= t <= left for t, left in zip(taken, open_qty, strict=True))
		amount = sum((rate * t for (_q, rate), t in zip(rows, taken, strict=True)), D(0))
		assert amount == cumulative_share(total, before + units, qty, unit) - cumulative_share(total, before, qty, unit)
		open_qty = [left - t for left, t in zip(open_qty, taken, strict=True)]
		before += units


def test_an_order_of_zero_quantities_that_costs_something_says_so():
	with pytest.raises(MappingError, match="no item of the order has a quantity above 0, yet Amazon's order total is 10.00 USD"):
		plan(order(item(quantity=0)))
