"""Parsing Amazon's JSON into the gateway's dataclasses: the models' own examples, Decimal money, masked PII."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from amazon_integration.amazon.feeds import Feed
from amazon_integration.amazon.finances import FinancialEvent, FinancialEventGroup, parse_financial_events
from amazon_integration.amazon.inventory import InventorySummary
from amazon_integration.amazon.orders import Order
from amazon_integration.amazon.reports import Report
from amazon_integration.amazon.shipments import ShipmentConfirmation
from amazon_integration.amazon.values import format_datetime, parse_datetime


def _example(model: dict[str, Any], path: str) -> dict[str, Any]:
	return model["paths"][path]["get"]["responses"]["200"]["examples"]["application/json"]


def test_get_order_example_of_the_model(sp_model: Callable[[str], dict[str, Any]]) -> None:
	raw = _example(sp_model("orders_2026-01-01"), "/orders/2026-01-01/orders/{orderId}")["order"]
	order = Order.from_api(raw)
	assert order.order_id == "202-1234567-8901234"
	assert order.marketplace_id == "A1F83G8C2ARO7P"
	assert order.created == datetime(2024, 12, 25, 9, 15, tzinfo=timezone.utc)
	assert order.status == "SHIPPED" and order.fulfilled_by == "MERCHANT" and order.channel == "FBM"
	assert order.service_level == "STANDARD" and order.is_prime and not order.is_business
	assert order.seller_order_id == "UK-MERCHANT-ORDER-2024-001"
	assert order.currency == "GBP" and order.order_total == Decimal("103.97")
	assert dict(order.proceeds) == {"ITEM": Decimal("89.97"), "SHIPPING": Decimal("10.00"), "TAX": Decimal("4.00")}
	(item,) = order.items
	assert item.sku == "ECHO-DOT-4-UK-CHARCOAL-3PACK" and item.quantity == 3
	assert item.quantity_shipped == 3 and item.quantity_unshipped == 0
	assert item.unit_price == Decimal("29.99") and item.price_designation == "BUSINESS_PRICE"
	assert item.item_total == Decimal("89.97") and item.shipping == Decimal("10.00")
	assert item.tax == Decimal("4.00") and item.item_tax == Decimal("3.00") and item.shipping_tax == Decimal("1.00")
	assert item.proceeds_total == Decimal("103.97")
	assert item.promotion_ids == ("UK-BOXING-DAY-2024",)
	assert item.gift_wrap_level == "PREMIUM"
	assert all(isinstance(v, Decimal) for v in (item.unit_price, item.item_total, item.tax))
	(package,) = order.packages
	assert package.tracking_number == "RR123456789GB" and package.items == (("20212345678901", 3),)
	assert order.ship_to is not None and order.ship_to.postal_code == "M1 2AB"
	assert order.buyer is not None and order.buyer.name == "James Wilson"
	# PII never in reprs
	text = repr(order)
	for pii in ("James Wilson", "buyer-email@marketplace", "123 High Street", "M1 2AB", "+44 161", "Happy Christmas"):
		assert pii not in text, pii


def test_search_orders_example_of_the_model(sp_model: Callable[[str], dict[str, Any]]) -> None:
	body = _example(sp_model("orders_2026-01-01"), "/orders/2026-01-01/orders")
	orders = [Order.from_api(raw) for raw in body["orders"]]
	assert orders and all(o.order_id and o.created for o in orders)
	first = orders[0]
	assert first.marketplace_id == "ATVPDKIKX0DER" and first.items
	assert all(isinstance(i.unit_price, Decimal) for i in first.items if i.unit_price is not None)
	sandbox = sp_model("orders_2026-01-01")["paths"]["/orders/2026-01-01/orders"]["get"]["responses"]["200"]
	for case in sandbox["x-amzn-api-sandbox"]["static"]:
		for raw in case["response"].get("orders", []):
			order = Order.from_api(raw)
			if order.marketplace_id == "A1VC38T7YXB528":
				assert order.currency == "JPY" and order.order_total == Decimal("19940") and order.channel == "FBA"


def test_discounts_taxes_and_marketplace_facilitator() -> None:
	money = lambda amount: {"amount": amount, "currencyCode": "USD"}  # noqa: E731
	raw = {
		"orderId": "111-0000000-0000001",
		"createdTime": "2025-01-02T03:04:05.1Z",
		"lastUpdatedTime": "2025-01-02T03:04:05+00:00",
		"salesChannel": {"channelName": "AMAZON", "marketplaceId": "ATVPDKIKX0DER"},
		"programs": ["AMAZON_BUSINESS"],
		"associatedOrders": [{"orderId": "111-0000000-0000000", "associationType": "REPLACEMENT_ORIGINAL_ID"}],
		"orderItems": [
			{
				"orderItemId": "1",
				"quantityOrdered": 2,
				"product": {"sellerSku": "SKU-1", "price": {"unitPrice": money("10.00")}},
				"proceeds": {
					"proceedsTotal": money("24.30"),
					"breakdowns": [
						{"type": "ITEM", "subtotal": money("20.00")},
						{"type": "SHIPPING", "subtotal": money("5.00")},
						{
							"type": "DISCOUNT",
							"subtotal": money("-2.00"),
							"detailedBreakdowns": [
								{"subtype": "ITEM", "value": money("-1.50")},
								{"subtype": "SHIPPING", "value": money("-0.50")},
							],
						},
						{
							"type": "TAX",
							"subtotal": money("1.30"),
							"detailedBreakdowns": [
								{"subtype": "ITEM", "value": money("1.00")},
								{"subtype": "SHIPPING", "value": money("0.30")},
							],
						},
					],
				},
				"tax": {"taxCollections": [{"model": "MARKETPLACE_FACILITATOR", "responsibleParty": "Amazon Services, Inc."}]},
			},
			{"orderItemId": "2", "quantityOrdered": 1, "product": {"sellerSku": "SKU-2"}},
		],
	}
	order = Order.from_api(raw)
	assert order.is_business and order.is_replacement and order.replaced_order_id == "111-0000000-0000000"
	assert order.status is None and order.channel is None  # FULFILLMENT not requested
	assert order.currency == "USD" and order.order_total is None
	assert order.created == datetime(2025, 1, 2, 3, 4, 5, 100000, tzinfo=timezone.utc)
	first, second = order.items
	assert first.discount == Decimal("2.00")
	assert first.promotion_discount == Decimal("1.50") and first.shipping_discount == Decimal("0.50")
	assert first.item_tax == Decimal("1.00") and first.shipping_tax == Decimal("0.30")
	assert first.gift_wrap == Decimal("0") and first.gift_wrap_tax == Decimal("0")
	assert first.tax_withheld and first.tax_collection_model == "MARKETPLACE_FACILITATOR"
	assert first.quantity_shipped is None  # FULFILLMENT not requested
	# no proceeds at all (e.g. a PENDING order): None, not zero
	assert second.item_total is None and second.unit_price is None and not second.tax_withheld


def test_datetime_helpers() -> None:
	assert parse_datetime("2025-01-02T03:04:05Z") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
	assert parse_datetime("2025-01-02T05:04:05.123456789+02:00") == datetime(
		2025, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc
	)
	assert parse_datetime("2025-01-02") == datetime(2025, 1, 2, tzinfo=timezone.utc)
	assert parse_datetime(None) is None and parse_datetime("garbage") is None
	assert format_datetime(datetime(2025, 1, 2, 3, 4, 5, 999999)) == "2025-01-02T03:04:05Z"


def test_shipment_confirmation_body_follows_v0_model(assert_valid: Callable[[str, str, Any], None]) -> None:
	confirmation = ShipmentConfirmation(
		package_reference_id="1",
		carrier_code="Other",
		carrier_name="Local Courier",
		tracking_number="TRACK1",
		ship_date=datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
		items=(("11111111111111", 2),),
		shipping_method="Standard",
	)
	body = confirmation.to_api("ATVPDKIKX0DER")
	assert_valid("ordersV0", "ConfirmShipmentRequest", body)
	assert body["packageDetail"]["shipDate"] == "2025-01-02T03:04:05Z"


def test_finance_examples_of_the_model(sp_model: Callable[[str], dict[str, Any]]) -> None:
	model = sp_model("financesV0")
	groups_case = model["paths"]["/finances/v0/financialEventGroups"]["get"]["responses"]["200"]["x-amzn-api-sandbox"]
	groups_body = groups_case["static"][0]["response"]
	group = FinancialEventGroup.from_api(groups_body["payload"]["FinancialEventGroupList"][0])
	assert group.group_id == "1" and group.original_total == Decimal("10.34") and group.currency == "USD"
	assert group.beginning_balance == Decimal("55.33") and group.fund_transfer_date is not None

	events_case = model["paths"]["/finances/v0/financialEvents"]["get"]["responses"]["200"]["x-amzn-api-sandbox"]
	events = parse_financial_events(events_case["static"][0]["response"]["payload"]["FinancialEvents"])
	kinds = {event.kind for event in events}
	assert {"PayWithAmazon", "ServiceProviderCredit", "RentalTransaction", "ProductAdsPayment"} <= kinds
	ads = next(e for e in events if e.kind == "ProductAdsPayment")
	assert ads.posted is not None and ads.charges and ads.currency == "USD"
	for event in events:
		assert event.charges or event.fees, event.kind
		assert all(isinstance(c.amount, Decimal) for c in event.charges + event.fees)


def test_shipment_event_with_withheld_tax() -> None:
	usd = lambda amount: {"CurrencyCode": "USD", "CurrencyAmount": amount}  # noqa: E731
	raw = {
		"ShipmentEventList": [
			{
				"AmazonOrderId": "111-1",
				"PostedDate": "2025-01-02T03:04:05Z",
				"MarketplaceName": "Amazon.com",
				"ShipmentItemList": [
					{
						"SellerSKU": "SKU-1",
						"OrderItemId": "1",
						"QuantityShipped": 2,
						"ItemChargeList": [{"ChargeType": "Principal", "ChargeAmount": usd(19.98)}],
						"ItemFeeList": [{"FeeType": "Commission", "FeeAmount": usd(-3.0)}],
						"ItemTaxWithheldList": [
							{
								"TaxCollectionModel": "MarketplaceFacilitator",
								"TaxesWithheld": [{"ChargeType": "MarketplaceFacilitatorTax-Principal", "ChargeAmount": usd(-1.6)}],
							}
						],
						"PromotionList": [{"PromotionType": "Principal", "PromotionId": "P1", "PromotionAmount": usd(-0.1)}],
					}
				],
			}
		],
		"ServiceFeeEventList": [{"FeeDescription": "Subscription Fee", "FeeList": [{"FeeType": "Subscription", "FeeAmount": usd(-39.99)}]}],
		"ProductAdsPaymentEventList": [{"postedDate": "2025-01-03T00:00:00Z", "transactionType": "Charge", "transactionValue": usd(-12.5)}],
	}
	shipment, fee, ads = parse_financial_events(raw)
	assert isinstance(shipment, FinancialEvent) and shipment.kind == "Shipment" and shipment.order_id == "111-1"
	item = shipment.items[0]
	assert item.quantity == 2 and item.charges[0].amount == Decimal("19.98")
	assert item.fees[0].amount == Decimal("-3.0")
	assert item.taxes_withheld[0].amount == Decimal("-1.6") and item.tax_collection_model == "MarketplaceFacilitator"
	assert item.promotions[0].amount == Decimal("-0.1")
	assert fee.kind == "ServiceFee" and fee.description == "Subscription Fee" and fee.fees[0].amount == Decimal("-39.99")
	assert ads.kind == "ProductAdsPayment" and ads.amount == Decimal("-12.5") and ads.posted is not None


def test_feed_report_inventory_records() -> None:
	feed = Feed.from_api(
		{"feedId": "F1", "feedType": "POST_ORDER_FULFILLMENT_DATA", "processingStatus": "DONE",
		 "createdTime": "2025-01-02T03:04:05Z", "resultFeedDocumentId": "D1", "marketplaceIds": ["M"]}
	)
	assert feed.is_finished and feed.result_document_id == "D1" and feed.marketplace_ids == ("M",)
	report = Report.from_api({"reportId": "R1", "reportType": "X", "processingStatus": "IN_QUEUE", "createdTime": "2025-01-02T03:04:05Z"})
	assert not report.is_finished and report.document_id is None
	summary = InventorySummary.from_api(
		{"sellerSku": "S", "asin": "A", "fnSku": "F", "totalQuantity": 12,
		 "inventoryDetails": {"fulfillableQuantity": 7, "inboundWorkingQuantity": 1, "inboundShippedQuantity": 2,
							  "inboundReceivingQuantity": 0, "reservedQuantity": {"totalReservedQuantity": 2},
							  "unfulfillableQuantity": {"totalUnfulfillableQuantity": 0}}}
	)
	assert summary.fulfillable == 7 and summary.inbound == 3 and summary.reserved == 2 and summary.total == 12
