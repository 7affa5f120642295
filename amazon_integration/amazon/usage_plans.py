"""Default usage plans (rate in requests/second, burst) of every operation the gateway calls.

Copied from the "Usage Plan" tables in the descriptions of Amazon's official models (sp-api-models/*.json);
tests/amazon/test_usage_plans.py checks this table against the models. Amazon may grant a seller more and says
so in `x-amzn-RateLimit-Limit`; the client then tunes the rate (the burst is not announced and stays as here).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UsagePlan:
	rate: float  # requests per second, sustained
	burst: int  # bucket size


USAGE_PLANS: dict[str, UsagePlan] = {
	# orders_2026-01-01.json
	"searchOrders": UsagePlan(0.0056, 20),
	"getOrder": UsagePlan(0.5, 30),
	# ordersV0.json (only the shipment confirmation is still used from v0)
	"confirmShipment": UsagePlan(2.0, 10),
	# feeds_2021-06-30.json
	"createFeedDocument": UsagePlan(0.5, 15),
	"createFeed": UsagePlan(0.0083, 15),
	"getFeed": UsagePlan(2.0, 15),
	"getFeeds": UsagePlan(0.0222, 10),
	"cancelFeed": UsagePlan(2.0, 15),
	"getFeedDocument": UsagePlan(0.0222, 10),
	# reports_2021-06-30.json
	"createReport": UsagePlan(0.0167, 15),
	"getReport": UsagePlan(2.0, 15),
	"getReports": UsagePlan(0.0222, 10),
	"cancelReport": UsagePlan(0.0222, 10),
	"getReportDocument": UsagePlan(0.0167, 15),
	# financesV0.json
	"listFinancialEventGroups": UsagePlan(0.5, 30),
	"listFinancialEvents": UsagePlan(0.5, 30),
	"listFinancialEventsByGroupId": UsagePlan(0.5, 30),
	"listFinancialEventsByOrderId": UsagePlan(0.5, 30),
	# finances/finances_2024-06-19.json
	"listTransactions": UsagePlan(0.5, 10),
	# fbaInventory.json
	"getInventorySummaries": UsagePlan(2.0, 2),
	# listings/listingsItems_2021-08-01.json
	"getListingsItem": UsagePlan(5.0, 10),
	"patchListingsItem": UsagePlan(5.0, 5),
	"searchListingsItems": UsagePlan(5.0, 5),
	# fulfillment-outbound/fulfillmentOutbound_2020-07-01.json
	"getFulfillmentPreview": UsagePlan(2.0, 30),
	"createFulfillmentOrder": UsagePlan(2.0, 30),
	"getFulfillmentOrder": UsagePlan(2.0, 30),
	"listAllFulfillmentOrders": UsagePlan(2.0, 30),
	"cancelFulfillmentOrder": UsagePlan(2.0, 30),
	# shipping/shippingV2.json
	"getRates": UsagePlan(80.0, 100),
	"purchaseShipment": UsagePlan(80.0, 100),
	"getShipmentDocuments": UsagePlan(80.0, 100),
	"cancelShipment": UsagePlan(80.0, 100),
	"getTracking": UsagePlan(80.0, 100),
	# fulfillment-inbound/fulfillmentInbound_2024-03-20.json
	"createInboundPlan": UsagePlan(2.0, 2),
	"getInboundPlan": UsagePlan(2.0, 6),
	"cancelInboundPlan": UsagePlan(2.0, 2),
	"generatePackingOptions": UsagePlan(2.0, 2),
	"listPackingOptions": UsagePlan(2.0, 6),
	"confirmPackingOption": UsagePlan(2.0, 2),
	"setPackingInformation": UsagePlan(2.0, 2),
	"generatePlacementOptions": UsagePlan(2.0, 2),
	"listPlacementOptions": UsagePlan(2.0, 6),
	"confirmPlacementOption": UsagePlan(2.0, 2),
	"generateTransportationOptions": UsagePlan(2.0, 2),
	"listTransportationOptions": UsagePlan(2.0, 6),
	"confirmTransportationOptions": UsagePlan(2.0, 2),
	"getShipment": UsagePlan(2.0, 6),
	"listShipmentItems": UsagePlan(2.0, 30),
	"getInboundOperationStatus": UsagePlan(2.0, 6),
}

# Which model file documents each operation (the test reads the plan from there; getOrder is also a deprecated
# v0 operation, the v2026-01-01 one is meant).
MODEL_OF_OPERATION: dict[str, str] = {
	"searchOrders": "orders_2026-01-01.json",
	"getOrder": "orders_2026-01-01.json",
	"confirmShipment": "ordersV0.json",
	**{
		op: "feeds_2021-06-30.json"
		for op in ("createFeedDocument", "createFeed", "getFeed", "getFeeds", "cancelFeed", "getFeedDocument")
	},
	**{
		op: "reports_2021-06-30.json"
		for op in ("createReport", "getReport", "getReports", "cancelReport", "getReportDocument")
	},
	**{
		op: "financesV0.json"
		for op in (
			"listFinancialEventGroups",
			"listFinancialEvents",
			"listFinancialEventsByGroupId",
			"listFinancialEventsByOrderId",
		)
	},
	"listTransactions": "finances/finances_2024-06-19.json",
	"getInventorySummaries": "fbaInventory.json",
	**{
		op: "listings/listingsItems_2021-08-01.json"
		for op in ("getListingsItem", "patchListingsItem", "searchListingsItems")
	},
	**{
		op: "fulfillment-outbound/fulfillmentOutbound_2020-07-01.json"
		for op in (
			"getFulfillmentPreview",
			"createFulfillmentOrder",
			"getFulfillmentOrder",
			"listAllFulfillmentOrders",
			"cancelFulfillmentOrder",
		)
	},
	**{
		op: "shipping/shippingV2.json"
		for op in ("getRates", "purchaseShipment", "getShipmentDocuments", "cancelShipment", "getTracking")
	},
	**{
		op: "fulfillment-inbound/fulfillmentInbound_2024-03-20.json"
		for op in (
			"createInboundPlan",
			"getInboundPlan",
			"cancelInboundPlan",
			"generatePackingOptions",
			"listPackingOptions",
			"confirmPackingOption",
			"setPackingInformation",
			"generatePlacementOptions",
			"listPlacementOptions",
			"confirmPlacementOption",
			"generateTransportationOptions",
			"listTransportationOptions",
			"confirmTransportationOptions",
			"getShipment",
			"listShipmentItems",
			"getInboundOperationStatus",
		)
	},
}

# Operations whose model is not among the shared models (so the table test cannot read them): Amazon's
# "Fulfillment Inbound API Rate Limits" page (developer-docs.amazon.com/sp-api/docs/fulfillment-inbound-api-rate-limits).
PLANS_WITHOUT_LOCAL_MODEL: dict[str, UsagePlan] = {
	"getShipmentItemsByShipmentId": UsagePlan(2.0, 30),  # Fulfillment Inbound v0: received quantities
	"getLabels": UsagePlan(2.0, 30),  # Fulfillment Inbound v0: box and pallet labels
}

# An operation missing from the table gets a conservative plan rather than none.
FALLBACK_PLAN = UsagePlan(0.0167, 1)


def plan_for(operation: str) -> UsagePlan:
	return USAGE_PLANS.get(operation) or PLANS_WITHOUT_LOCAL_MODEL.get(operation, FALLBACK_PLAN)
