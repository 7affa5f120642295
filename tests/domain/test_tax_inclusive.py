"""Tax-inclusive or not, read per line from Amazon's numbers; Amazon's own examples map to their totals."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal as D
from typing import Any

import pytest

from amazon_integration.amazon.orders import Order, OrderItem
from amazon_integration.domain.orders import (
	AccountSettings,
	contained_tax,
	inclusive_split,
	plan_sales_order,
	vat_of,
)

US, UK, DE, FR, JP = "ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A1VC38T7YXB528"
BR, TR = "A2Q3Y263D00KWC", "A33AVAJ2PDY3EV"
CENT = D("0.01")


def settings(**vat_rates: D) -> AccountSettings:
	markets = {"US": US, "UK": UK, "DE": DE, "FR": FR, "JP": JP, "BR": BR, "TR": TR}
	return AccountSettings(
		company="EU Co",
		price_lists={mid: "Amazon" for mid in markets.values()},
		fba_warehouse="FBA - EU",
		fbm_warehouse="Stores - EU",
		shipping_item="AMZ-SHIPPING",
		gift_wrap_item="AMZ-GIFTWRAP",
		fallback_item="AMZ-ANY",
		sales_tax_account="VAT - EU",
		marketplace_tax_account="Amazon VAT - EU",
		vat_rates={markets[key]: rate for key, rate in vat_rates.items()},
	)


def example_orders(model: dict[str, Any]) -> list[dict[str, Any]]:
	"""Every Order in the model's examples and sandbox responses."""
	found: list[dict[str, Any]] = []

	def walk(node: Any) -> None:
		if isinstance(node, dict):
			if isinstance(node.get("orderId"), str) and isinstance(node.get("proceeds"), dict):
				found.append(node)
			for value in node.values():
				walk(value)
		elif isinstance(node, list):
			for value in node:
				walk(value)

	walk(model["paths"])
	return found


def plan(order: Order, s: AccountSettings, decimals: int = 2):
	return plan_sales_order(order, s, lambda sku: None, decimals)


def test_amazons_own_examples_map_to_their_grand_total(sp_model) -> None:
	raws = example_orders(sp_model("orders_2026-01-01"))
	markets = {raw["salesChannel"]["marketplaceName"] for raw in raws}
	assert {"Amazon.com", "Amazon.co.uk", "Amazon.co.jp"} <= markets
	# A seller registered for VAT in the UK and for consumption tax in Japan, not in Brazil or Turkey.
	s = settings(UK=D("20"), JP=D("10"))
	for raw in raws:
		order = Order.from_api(raw)
		for decimals in (2, 0) if order.currency == "JPY" else (2,):
			p = plan(order, s, decimals)
			assert p.grand_total == order.order_total, raw["orderId"]
			assert p.net_total + p.tax_total == p.grand_total


def test_uk_example_with_tax_on_top_stays_exclusive(sp_model) -> None:
	raw = next(r for r in example_orders(sp_model("orders_2026-01-01")) if r["orderId"] == "202-1234567-8901234")
	p = plan(Order.from_api(raw), settings(UK=D("20")))
	# ITEM 89.97 + SHIPPING 10.00 + TAX 4.00 = 103.97: the tax is on top of the prices.
	assert contained_tax(Order.from_api(raw).items[0], D("20"), CENT) is None
	assert (p.net_total, p.tax_total, p.grand_total) == (D("99.97"), D("4.00"), D("103.97"))
	assert all(tax.included_rate is None for tax in p.taxes)


def test_uk_and_jp_examples_without_tax_carry_the_sellers_rate(sp_model) -> None:
	raws = {r["orderId"]: r for r in example_orders(sp_model("orders_2026-01-01"))}
	uk = plan(Order.from_api(raws["202-7654321-1098765"]), settings(UK=D("20")))
	# 34.99 including 20 % VAT: net 29.16, VAT 5.83, in one tax row included in the print rate.
	assert [line.rate for line in uk.lines] == [D("34.99")]
	assert (uk.net_total, uk.tax_total, uk.grand_total) == (D("29.16"), D("5.83"), D("34.99"))
	assert [(t.account, t.included_rate, t.amount) for t in uk.taxes] == [("VAT - EU", D("20"), D("5.83"))]

	jp = Order.from_api(raws["250-1234567-8901234"])
	p = plan(jp, settings(JP=D("10")), decimals=0)
	assert (p.net_total, p.tax_total, p.grand_total) == (D("18127"), D("1813"), D("19940"))
	# Not registered there: no tax at all, the price is all revenue.
	p = plan(jp, settings(), decimals=0)
	assert (p.net_total, p.tax_total, p.taxes) == (D("19940"), D("0"), ())


def line(**kw) -> OrderItem:
	values = dict(order_item_id="1", sku="S", asin="B0", title="T", quantity=1)
	values.update(kw)
	return OrderItem(**values)


def test_contained_or_on_top_is_read_per_line_from_amazons_numbers() -> None:
	inclusive = line(item_total=D("119.00"), tax=D("19.00"), item_tax=D("19.00"), proceeds_total=D("119.00"))
	on_top = line(item_total=D("100.00"), tax=D("19.00"), item_tax=D("19.00"), proceeds_total=D("119.00"))
	assert contained_tax(inclusive, None, CENT).total == D("19.00")
	assert contained_tax(on_top, D("19"), CENT) is None
	shipped = line(item_total=D("23.80"), shipping=D("5.95"), tax=D("4.75"), item_tax=D("3.80"),
				   shipping_tax=D("0.95"), proceeds_total=D("29.75"))
	c = contained_tax(shipped, None, CENT)
	assert (c.item_tax, c.shipping_tax) == (D("3.80"), D("0.95"))


def _order(*items: OrderItem, marketplace: str = DE, currency: str = "EUR") -> Order:
	created = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
	return Order(order_id="302-0000000-0000001", marketplace_id=marketplace, status="UNSHIPPED",
				 created=created, last_updated=created,
				 fulfilled_by="MERCHANT", sales_channel="AMAZON", currency=currency,
				 order_total=sum((i.proceeds_total for i in items), D(0)), items=items)


def test_contained_tax_with_a_breakdown_keeps_amazons_net_and_tax_to_the_cent() -> None:
	items = (
		line(order_item_id="1", quantity=3, item_total=D("59.97"), tax=D("9.58"), item_tax=D("9.58"),
			 proceeds_total=D("59.97")),
		line(order_item_id="2", quantity=1, item_total=D("12.99"), shipping=D("3.99"), tax=D("2.71"),
			 item_tax=D("2.07"), shipping_tax=D("0.64"), proceeds_total=D("16.98")),
	)
	p = plan(_order(*items), settings(DE=D("19")))
	assert p.grand_total == D("76.95")
	assert (p.net_total, p.tax_total) == (D("64.66"), D("12.29"))
	(tax,) = p.taxes
	assert tax.included_rate == D("19") and tax.amount == D("12.29")
	assert [line.rate for line in p.lines] == [D("19.99"), D("12.99"), D("3.99")]
	# What ERPNext computes for these rows is what Amazon says.
	assert inclusive_split([(line.qty, line.rate) for line in p.lines], D("19"), CENT) == (p.net_total, p.tax_total)


def test_lines_at_several_rates_fall_back_to_net_rows_and_actual_tax_exactly() -> None:
	items = (
		line(order_item_id="1", item_total=D("119.00"), tax=D("19.00"), item_tax=D("19.00"), proceeds_total=D("119.00")),
		line(order_item_id="2", item_total=D("10.70"), tax=D("0.70"), item_tax=D("0.70"), proceeds_total=D("10.70")),
	)
	p = plan(_order(*items), settings(DE=D("19")))
	assert all(tax.included_rate is None for tax in p.taxes)
	assert (p.net_total, p.tax_total, p.grand_total) == (D("110.00"), D("19.70"), D("129.70"))
	assert [line.rate for line in p.lines] == [D("100.00"), D("10.00")]


@pytest.mark.parametrize("gross", [D("0.01"), D("1.00"), D("9.99"), D("19.99"), D("34.99"), D("119.00"), D("999.95")])
@pytest.mark.parametrize("rate", [D("5"), D("7"), D("10"), D("19"), D("20"), D("21"), D("22"), D("23"), D("25")])
def test_the_sellers_rate_gives_the_contained_vat_exactly_either_way(gross: D, rate: D) -> None:
	"""Gross prices with an included tax row where ERPNext's arithmetic gives gross - net exactly; net rows
	and an Actual tax row where it would be a cent off (or on a half-cent tie)."""
	p = plan(_order(line(item_total=gross, proceeds_total=gross)), settings(DE=rate))
	assert p.grand_total == gross
	assert p.tax_total == vat_of(gross, rate, CENT)
	assert p.net_total == gross - vat_of(gross, rate, CENT)
	split = inclusive_split([(1, gross)], rate, CENT)
	exact = split == (p.net_total, p.tax_total)
	assert [t.included_rate for t in p.taxes] == ([] if not p.tax_total else [rate] if exact else [None])
	assert [line.rate for line in p.lines] == [gross if exact else p.net_total]
