"""getOrder through python-amazon-sp-api: datasets, money reconstruction, model validity."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sp_api.api import OrdersV20260101
from sp_api.base import SellingApiNotFoundException

from amazon_integration.simulator.money import decimals

MODEL = "orders_2026-01-01"
EVERYTHING = ["BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION", "FULFILLMENT", "PACKAGES",
			  "TAX", "PAYMENT", "FULFILLMENT_ORDERS"]


def amount(money_obj) -> Decimal:
	return Decimal(money_obj["amount"])


def breakdown(entries, kind):
	return next((entry for entry in entries if entry["type"] == kind), None)


def test_every_order_renders_valid_and_money_adds_up(sim, sp_client, assert_valid):
	sim.control.set_quotas_enabled(False)  # 40 getOrder calls in a burst of 30
	client = sp_client(OrdersV20260101)
	for order in sim.state.orders.values():
		body = client.get_order(order.order_id, includedData=EVERYTHING).payload
		assert_valid(MODEL, "GetOrderResponse", body)
		rendered = body["order"]
		assert rendered["orderId"] == order.order_id
		assert rendered["fulfillment"]["fulfillmentStatus"] == order.status
		if order.status == "PENDING":
			assert "proceeds" not in rendered
			continue
		places = decimals(order.currency)
		grand = Decimal(0)
		for item, rendered_item in zip(order.items, rendered["orderItems"], strict=True):
			proceeds = rendered_item["proceeds"]
			for entry in proceeds["breakdowns"]:
				assert entry["subtotal"]["currencyCode"] == order.currency
				assert -Decimal(entry["subtotal"]["amount"]).as_tuple().exponent == places
				if "detailedBreakdowns" in entry:
					assert sum(amount(d["value"]) for d in entry["detailedBreakdowns"]) == amount(entry["subtotal"])
			# Tax-inclusive prices (EU, UK, JP): the TAX breakdown, if any, is contained in the others.
			total = sum(
				amount(entry["subtotal"])
				for entry in proceeds["breakdowns"]
				if entry["type"] != "TAX" or not item.prices_include_tax
			)
			assert total == amount(proceeds["proceedsTotal"]) == item.total
			unit = amount(rendered_item["product"]["price"]["unitPrice"])
			assert amount(breakdown(proceeds["breakdowns"], "ITEM")["subtotal"]) == unit * item.quantity
			grand += total
		assert amount(rendered["proceeds"]["grandTotal"]) == grand == order.total
		inclusive = all(item.prices_include_tax for item in order.items)
		order_level = sum(
			amount(entry["subtotal"])
			for entry in rendered["proceeds"]["breakdowns"]
			if entry["type"] != "TAX" or not inclusive
		)
		assert order_level == grand


def test_money_components_are_reconstructable(sim, sp_client):
	"""Pick a line with shipping, discounts and taxes; rebuild every amount from the answer."""
	state = sim.state
	created = sim.control.create_order(
		marketplace_id="A1F83G8C2ARO7P", tax_rate="0.20", prices_include_tax=False,
		items=[{"sku": "SIM-MUG-001", "quantity": 3, "unit_price": "10.00", "shipping_price": "4.00",
				"shipping_discount": "1.00", "gift_wrap_price": "2.50", "promotion_discount": "3.00",
				"promotion_ids": ["PROMO-1"], "gift_message": "Enjoy"}],
	)
	client = sp_client(OrdersV20260101, "A1F83G8C2ARO7P")
	rendered = client.get_order(created["order_id"], includedData=EVERYTHING).payload["order"]
	item = rendered["orderItems"][0]
	entries = item["proceeds"]["breakdowns"]
	assert item["product"]["price"]["unitPrice"] == {"amount": "10.00", "currencyCode": "GBP"}
	assert breakdown(entries, "ITEM")["subtotal"]["amount"] == "30.00"
	assert breakdown(entries, "SHIPPING")["subtotal"]["amount"] == "4.00"
	assert breakdown(entries, "GIFT_WRAP")["subtotal"]["amount"] == "2.50"
	discount = breakdown(entries, "DISCOUNT")
	assert discount["subtotal"]["amount"] == "-4.00"
	assert {d["subtype"]: d["value"]["amount"] for d in discount["detailedBreakdowns"]} == {"ITEM": "-3.00", "SHIPPING": "-1.00"}
	tax = breakdown(entries, "TAX")
	# 20 % of (30 - 3), of (4 - 1) and of 2.50
	assert {d["subtype"]: d["value"]["amount"] for d in tax["detailedBreakdowns"]} == {"ITEM": "5.40", "SHIPPING": "0.60", "GIFT_WRAP": "0.50"}
	assert tax["subtotal"]["amount"] == "6.50"
	assert item["proceeds"]["proceedsTotal"]["amount"] == "39.00"  # 30 + 4 + 2.5 - 4 + 6.5
	assert rendered["proceeds"]["grandTotal"]["amount"] == "39.00"
	assert item["promotion"] == {"breakdowns": [{"promotionId": "PROMO-1"}]}
	assert item["fulfillment"]["packing"]["giftOption"]["giftMessage"] == "Enjoy"
	assert "tax" not in item  # UK seller-collected VAT: no marketplace facilitator
	assert state.orders[created["order_id"]].total == Decimal("39.00")


def test_marketplace_facilitator_tax_is_flagged(sim, sp_client, assert_valid):
	us = next(o for o in sim.state.orders.values() if o.marketplace_id == "ATVPDKIKX0DER" and o.status != "PENDING"
			  and any(i.tax_total for i in o.items))
	client = sp_client(OrdersV20260101)
	rendered = client.get_order(us.order_id, includedData=["PROCEEDS", "TAX"]).payload["order"]
	for item in rendered["orderItems"]:
		assert item["tax"]["taxCollections"] == [{"model": "MARKETPLACE_FACILITATOR", "responsibleParty": "Amazon Services, Inc."}]
	without_tax_dataset = client.get_order(us.order_id, includedData=["PROCEEDS"]).payload["order"]
	assert all("tax" not in item for item in without_tax_dataset["orderItems"])


def test_b2b_and_replacement_and_fba_privacy(sim_factory, assert_valid):
	from amazon_integration.simulator.testing import sp_client

	big = sim_factory(seed=3, orders=150)
	client = sp_client(OrdersV20260101, big.url)
	orders = list(big.state.orders.values())
	b2b = next(o for o in orders if o.is_business and o.status != "PENDING")
	rendered = client.get_order(b2b.order_id, includedData=["BUYER", "TAX"]).payload["order"]
	assert rendered["buyer"]["buyerCompanyName"] == b2b.buyer.company_name
	registration = rendered["tax"]["taxRegistrations"][0]
	assert registration["entityType"] == "BUYER" and registration["taxRegistrationNumber"] == b2b.buyer.tax_id
	assert "AMAZON_BUSINESS" in rendered["programs"]
	replacement = next(o for o in orders if o.replaced_order_id)
	body = client.get_order(replacement.order_id, includedData=["PROCEEDS"]).payload
	assert_valid(MODEL, "GetOrderResponse", body)
	assert body["order"]["associatedOrders"] == [{"orderId": replacement.replaced_order_id,
												  "associationType": "REPLACEMENT_ORIGINAL_ID"}]
	assert Decimal(body["order"]["proceeds"]["grandTotal"]["amount"]) == 0
	fba = next(o for o in orders if o.is_fba)
	rendered = client.get_order(fba.order_id, includedData=["BUYER", "RECIPIENT", "PACKAGES"]).payload["order"]
	assert "buyerEmail" not in rendered["buyer"]
	assert "addressLine1" not in rendered["recipient"]["deliveryAddress"]
	assert "packages" not in rendered
	jp = next(o for o in orders if o.currency == "JPY" and o.status != "PENDING")
	rendered = client.get_order(jp.order_id, includedData=["PROCEEDS", "EXPENSE"]).payload["order"]
	assert "." not in rendered["proceeds"]["grandTotal"]["amount"]


def test_unknown_order_is_404(sim, sp_client, assert_valid):
	client = sp_client(OrdersV20260101)
	with pytest.raises(SellingApiNotFoundException) as caught:
		client.get_order("999-0000000-0000000")
	assert caught.value.amzn_code == "NotFound"
	assert_valid(MODEL, "ErrorList", {"errors": caught.value.error})


@pytest.mark.parametrize(
	"marketplace, spec, inclusive, tax_shown",
	[
		("A1PA6795UKMFR9", {}, True, True),  # Amazon.de: the TAX breakdown is contained in ITEM and SHIPPING
		("A1F83G8C2ARO7P", {"tax_breakdown": False}, True, False),  # Amazon's UK example shape: no TAX at all
		("A1VC38T7YXB528", {"tax_breakdown": False}, True, False),  # Amazon.co.jp likewise
		("ATVPDKIKX0DER", {}, False, True),  # Amazon.com: tax on top
	],
)
def test_eu_uk_and_jp_prices_include_tax_us_prices_do_not(sim, sp_client, assert_valid, marketplace, spec, inclusive, tax_shown):
	sim.control.set_quotas_enabled(False)
	created = sim.control.create_order(
		marketplace_id=marketplace, tax_rate="0.20",
		items=[{"sku": "SIM-MUG-001", "quantity": 2, "unit_price": "1200" if marketplace == "A1VC38T7YXB528" else "12.00",
				"shipping_price": "400" if marketplace == "A1VC38T7YXB528" else "4.00"}], **spec,
	)
	body = sp_client(OrdersV20260101, marketplace).get_order(created["order_id"], includedData=EVERYTHING).payload
	assert_valid(MODEL, "GetOrderResponse", body)
	(item,) = body["order"]["orderItems"]
	entries = item["proceeds"]["breakdowns"]
	non_tax = sum(amount(e["subtotal"]) for e in entries if e["type"] != "TAX")
	tax = breakdown(entries, "TAX")
	assert (tax is not None) == tax_shown
	assert amount(item["proceeds"]["proceedsTotal"]) == (non_tax if inclusive else non_tax + amount(tax["subtotal"]))
	assert amount(body["order"]["proceeds"]["grandTotal"]) == amount(item["proceeds"]["proceedsTotal"])
	if inclusive and tax_shown:  # 20 % contained in 24.00 and 4.00: 4.00 and 0.67
		assert {d["subtype"]: d["value"]["amount"] for d in tax["detailedBreakdowns"]} == {"ITEM": "4.00", "SHIPPING": "0.67"}
