"""LWA token endpoint and access-token checks, through python-amazon-sp-api and raw HTTP."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sp_api.api import OrdersV20260101
from sp_api.auth.exceptions import AuthorizationError
from sp_api.base import SellingApiForbiddenException

from amazon_integration.simulator.testing import forget_tokens, sp_client

CREDS = {"client_id": "amzn1.application-oa2-client.abc", "client_secret": "s3cr3t", "refresh_token": "Atzr|r3fr3sh"}


def after(sim) -> str:
	return (sim.state.clock.now() - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_token_endpoint_shape(sim):
	answer = httpx.post(f"{sim.url}/auth/o2/token", data={"grant_type": "refresh_token", "refresh_token": "x",
														   "client_id": "a", "client_secret": "b"})
	assert answer.status_code == 200
	body = answer.json()
	assert body["token_type"] == "bearer" and body["expires_in"] == 3600 and body["access_token"]
	assert answer.headers["x-amzn-RequestId"]


@pytest.mark.parametrize(
	("form", "status", "error"),
	[
		({"grant_type": "refresh_token", "refresh_token": CREDS["refresh_token"], "client_id": CREDS["client_id"],
		  "client_secret": "wrong"}, 401, "invalid_client"),
		({"grant_type": "refresh_token", "refresh_token": CREDS["refresh_token"], "client_id": "other",
		  "client_secret": CREDS["client_secret"]}, 401, "invalid_client"),
		({"grant_type": "refresh_token", "refresh_token": "Atzr|other", "client_id": CREDS["client_id"],
		  "client_secret": CREDS["client_secret"]}, 400, "invalid_grant"),
		({"grant_type": "password", "client_id": CREDS["client_id"], "client_secret": CREDS["client_secret"]},
		 400, "unsupported_grant_type"),
		({"refresh_token": CREDS["refresh_token"]}, 400, "invalid_request"),
	],
)
def test_configured_credentials_are_checked(sim_factory, form, status, error):
	sim = sim_factory(**CREDS)
	answer = httpx.post(f"{sim.url}/auth/o2/token", data=form)
	assert answer.status_code == status
	assert answer.json()["error"] == error and answer.json()["error_description"]


def test_sp_api_client_with_wrong_secret_gets_authorization_error(sim_factory):
	sim = sim_factory(**CREDS)
	client = sp_client(OrdersV20260101, sim.url, refresh_token=CREDS["refresh_token"], client_id=CREDS["client_id"],
					   client_secret="wrong")
	with pytest.raises(AuthorizationError) as caught:
		client.search_orders(createdAfter=after(sim))
	assert caught.value.status_code == 401 and caught.value.error_code == "invalid_client"
	good = sp_client(OrdersV20260101, sim.url, refresh_token=CREDS["refresh_token"], client_id=CREDS["client_id"],
					 client_secret=CREDS["client_secret"])
	assert "orders" in good.search_orders(createdAfter=after(sim)).payload


def test_tokens_expire_on_the_simulated_clock(sim, sp_client):
	client = sp_client(OrdersV20260101)
	client.search_orders(createdAfter=after(sim))
	sim.control.advance(3601)
	with pytest.raises(SellingApiForbiddenException) as caught:
		client.search_orders(createdAfter=after(sim))  # sp_api still holds the cached, now expired token
	assert caught.value.amzn_code == "Unauthorized"
	assert caught.value.error[0]["details"] == "The access token you provided has expired."
	forget_tokens()
	assert "orders" in client.search_orders(createdAfter=after(sim)).payload


def test_a_token_expired_days_ago_still_answers_expired(sim):
	"""Amazon tells an expired token from a forged one however long ago it expired, even after new tokens."""
	form = {"grant_type": "refresh_token", "refresh_token": "x", "client_id": "a", "client_secret": "b"}
	old = httpx.post(f"{sim.url}/auth/o2/token", data=form).json()["access_token"]
	sim.control.advance(3 * 86400)
	assert httpx.post(f"{sim.url}/auth/o2/token", data=form).status_code == 200  # another process renews its own
	answer = httpx.get(f"{sim.url}/orders/2026-01-01/orders/111-0000000-0000000", headers={"x-amz-access-token": old})
	assert answer.status_code == 403
	assert answer.json()["errors"][0]["details"] == "The access token you provided has expired."


def test_missing_or_unknown_token_is_403_but_control_routes_are_open(sim):
	url = f"{sim.url}/orders/2026-01-01/orders/111-0000000-0000000"
	missing = httpx.get(url)
	unknown = httpx.get(url, headers={"x-amz-access-token": "Atza|forged"})
	for answer in (missing, unknown):
		assert answer.status_code == 403
		assert answer.json()["errors"][0]["code"] == "Unauthorized"
		assert answer.json()["errors"][0]["message"] == "Access to requested resource is denied."
		assert answer.headers["x-amzn-RequestId"]
	assert httpx.get(f"{sim.url}/_sim/health").status_code == 200


def test_revoked_tokens(sim, sp_client):
	client = sp_client(OrdersV20260101)
	client.search_orders(createdAfter=after(sim))
	assert sim.control.revoke_tokens() >= 1
	with pytest.raises(SellingApiForbiddenException):
		client.search_orders(createdAfter=after(sim))
