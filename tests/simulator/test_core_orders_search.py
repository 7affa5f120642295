"""searchOrders through python-amazon-sp-api: Amazon's rules, pagination, filters, datasets, model validity."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sp_api.api import Orders, OrdersV20260101
from sp_api.base import SellingApiBadRequestException

from amazon_integration.simulator.testing import full_body

MODEL = "orders_2026-01-01"
ALL_MARKETS = ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A1VC38T7YXB528"]


def stamp(moment: datetime) -> str:
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def all_pages(client, assert_valid, **params):
	bodies = []
	response = client.search_orders(**params)
	while True:
		body = full_body(response)
		assert_valid(MODEL, "SearchOrdersResponse", body)
		bodies.append(body)
		if not response.next_token:
			return bodies
		response = client.search_orders(paginationToken=response.next_token, marketplaceIds=params.get("marketplaceIds"))


def test_pages_cover_every_order_once_sorted_by_creation(sim, sp_client, assert_valid):
	client = sp_client(OrdersV20260101)
	start = sim.state.clock.now() - timedelta(days=10)
	bodies = all_pages(client, assert_valid, createdAfter=stamp(start), marketplaceIds=ALL_MARKETS,
					   maxResultsPerPage=7, includedData=["FULFILLMENT"])
	orders = [order for body in bodies for order in body["orders"]]
	ids = [order["orderId"] for order in orders]
	assert len(ids) == len(set(ids)) == len(sim.state.orders)
	assert all(len(body["orders"]) == 7 for body in bodies[:-1])
	assert "pagination" not in bodies[-1]
	created = [order["createdTime"] for order in orders]
	assert created == sorted(created)
	assert all("createdBefore" in body for body in bodies)


def test_orders_client_dispatching_by_version_works_too(sim, sp_client, assert_valid):
	client = sp_client(Orders, version="2026-01-01")
	response = client.search_orders(createdAfter=stamp(sim.state.clock.now() - timedelta(days=10)))
	body = full_body(response)
	assert_valid(MODEL, "SearchOrdersResponse", body)
	us_orders = [o for o in sim.state.orders.values() if o.marketplace_id == "ATVPDKIKX0DER"]
	assert {o["orderId"] for o in body["orders"]} == {o.order_id for o in us_orders}  # client adds its marketplace


def test_last_updated_search_sees_changes_sorted_by_update(sim, sp_client, assert_valid):
	client = sp_client(OrdersV20260101)
	mark = sim.state.clock.now()
	target = next(o for o in sim.state.orders.values() if o.status == "UNSHIPPED" and o.marketplace_id == "ATVPDKIKX0DER")
	sim.control.alter_order(target.order_id, service_level="Expedited")
	sim.control.advance(180)
	body = full_body(client.search_orders(lastUpdatedAfter=stamp(mark), includedData="FULFILLMENT"))
	assert_valid(MODEL, "SearchOrdersResponse", body)
	assert [o["orderId"] for o in body["orders"]] == [target.order_id]
	assert body["orders"][0]["fulfillment"]["fulfillmentServiceLevel"] == "EXPEDITED"
	assert "lastUpdatedBefore" in body


def test_window_ends_two_minutes_before_now(sim, sp_client):
	client = sp_client(OrdersV20260101)
	mark = sim.state.clock.now() - timedelta(seconds=30)
	created = sim.control.create_order(marketplace_id="ATVPDKIKX0DER")
	body = full_body(client.search_orders(lastUpdatedAfter=stamp(mark)))
	assert created["order_id"] not in [o["orderId"] for o in body["orders"]]
	sim.control.advance(150)
	body = full_body(client.search_orders(lastUpdatedAfter=stamp(mark)))
	assert created["order_id"] in [o["orderId"] for o in body["orders"]]


def test_filters(sim, sp_client, assert_valid):
	client = sp_client(OrdersV20260101)
	after = stamp(sim.state.clock.now() - timedelta(days=10))
	body = full_body(client.search_orders(createdAfter=after, marketplaceIds=ALL_MARKETS,
										   fulfillmentStatuses=["SHIPPED", "CANCELLED"], fulfilledBy=["AMAZON"],
										   includedData=["FULFILLMENT"]))
	assert_valid(MODEL, "SearchOrdersResponse", body)
	expected = {o.order_id for o in sim.state.orders.values()
				if o.status in ("SHIPPED", "CANCELLED") and o.fulfilled_by == "AMAZON"}
	assert expected and {o["orderId"] for o in body["orders"]} == expected
	for order in body["orders"]:
		assert order["fulfillment"]["fulfilledBy"] == "AMAZON"
		assert order["fulfillment"]["fulfillmentStatus"] in ("SHIPPED", "CANCELLED")
	de = full_body(client.search_orders(createdAfter=after, marketplaceIds="A1PA6795UKMFR9"))
	assert {o["salesChannel"]["marketplaceId"] for o in de["orders"]} == {"A1PA6795UKMFR9"}


def test_datasets_only_when_asked_and_pending_orders_carry_no_money(sim, sp_client, assert_valid):
	client = sp_client(OrdersV20260101)
	after = stamp(sim.state.clock.now() - timedelta(days=10))
	plain = full_body(client.search_orders(createdAfter=after, marketplaceIds=ALL_MARKETS))
	for order in plain["orders"]:
		assert not {"buyer", "recipient", "proceeds", "fulfillment", "packages"} & set(order)
		assert order["orderItems"]  # items always
	full = full_body(client.search_orders(createdAfter=after, marketplaceIds=ALL_MARKETS, includedData=[
		"BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION", "FULFILLMENT", "PACKAGES", "TAX"]))
	assert_valid(MODEL, "SearchOrdersResponse", full)
	pending = [o for o in full["orders"] if o["fulfillment"]["fulfillmentStatus"] == "PENDING"]
	assert pending, "the seeded data set has pending orders"
	for order in pending:
		assert "proceeds" not in order
		for item in order["orderItems"]:
			assert "price" not in item["product"] and "proceeds" not in item
	for order in full["orders"]:
		assert "buyer" in order and "recipient" in order
		if order["fulfillment"]["fulfillmentStatus"] != "PENDING":
			assert "proceeds" in order


@pytest.mark.parametrize(
	("params", "fragment"),
	[
		({}, "Exactly one of createdAfter and lastUpdatedAfter"),
		({"createdAfter": "{old}", "lastUpdatedAfter": "{old}"}, "Exactly one"),
		({"createdAfter": "{old}", "lastUpdatedBefore": "{old}"}, "lastUpdatedBefore cannot"),
		({"lastUpdatedAfter": "{old}", "createdBefore": "{old}"}, "createdBefore cannot"),
		({"createdAfter": "{old}", "createdBefore": "{older}"}, "equal to or after"),
		({"createdAfter": "{old}", "createdBefore": "{recent}"}, "two minutes"),
		({"createdAfter": "not-a-date"}, "ISO 8601"),
		({"createdAfter": "{old}", "maxResultsPerPage": 0}, "between 1 and 100"),
		({"createdAfter": "{old}", "maxResultsPerPage": 101}, "between 1 and 100"),
		({"createdAfter": "{old}", "includedData": "BUYER,NOPE"}, "includedData"),
		({"createdAfter": "{old}", "fulfillmentStatuses": "LOST"}, "fulfillmentStatuses"),
		({"createdAfter": "{old}", "fulfilledBy": "NOBODY"}, "fulfilledBy"),
		({"createdAfter": "{old}", "marketplaceIds": "XXXXXXXX"}, "marketplaceIds"),
		({"paginationToken": "bogus-token"}, "paginationToken"),
	],
)
def test_invalid_requests_answer_400(sim, sp_client, assert_valid, params, fragment):
	now = sim.state.clock.now()
	values = {"{old}": stamp(now - timedelta(days=2)), "{older}": stamp(now - timedelta(days=3)),
			  "{recent}": stamp(now - timedelta(seconds=30))}
	params = {key: values.get(value, value) if isinstance(value, str) else value for key, value in params.items()}
	client = sp_client(OrdersV20260101)
	with pytest.raises(SellingApiBadRequestException) as caught:
		client.search_orders(**params)
	assert caught.value.amzn_code == "InvalidInput"
	assert fragment in caught.value.message
	assert caught.value.headers.get("x-amzn-RequestId")
	assert_valid(MODEL, "ErrorList", {"errors": caught.value.error})


def test_pagination_token_remembers_query_and_allows_changing_page_size(sim, sp_client):
	client = sp_client(OrdersV20260101)
	after = stamp(sim.state.clock.now() - timedelta(days=10))
	first = client.search_orders(createdAfter=after, marketplaceIds=ALL_MARKETS, maxResultsPerPage=5)
	second = client.search_orders(paginationToken=first.next_token, maxResultsPerPage=50, marketplaceIds=ALL_MARKETS)
	assert len(second.payload["orders"]) == len(sim.state.orders) - 5
	with pytest.raises(SellingApiBadRequestException):  # a token serves once
		client.search_orders(paginationToken=first.next_token, marketplaceIds=ALL_MARKETS)
	third = client.search_orders(createdAfter=after, marketplaceIds=ALL_MARKETS, maxResultsPerPage=5)
	with pytest.raises(SellingApiBadRequestException, match="same value"):  # other filters must stay the same
		client.search_orders(paginationToken=third.next_token, marketplaceIds=ALL_MARKETS,
							 createdAfter=stamp(sim.state.clock.now() - timedelta(days=9)))


def test_pagination_token_expires_after_24_hours(sim, sp_client):
	client = sp_client(OrdersV20260101)
	first = client.search_orders(createdAfter=stamp(sim.state.clock.now() - timedelta(days=10)),
								 marketplaceIds=ALL_MARKETS, maxResultsPerPage=5)
	sim.state.clock.advance(25 * 3600)
	client = sp_client(OrdersV20260101)
	from amazon_integration.simulator.testing import forget_tokens

	forget_tokens()  # the access token expired with the simulated day as well
	with pytest.raises(SellingApiBadRequestException) as caught:
		client.search_orders(paginationToken=first.next_token, marketplaceIds=ALL_MARKETS)
	assert "expired" in caught.value.message


def test_unknown_parameters_are_ignored(sim, sp_client):
	client = sp_client(OrdersV20260101)
	response = client.search_orders(createdAfter=stamp(sim.state.clock.now() - timedelta(days=10)), someFutureParam="x")
	assert response.payload["orders"]
