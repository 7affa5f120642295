"""The library adaptations without a server: any non-2xx is an error (even without an `errors` body), truncated
2xx JSON is retryable, LWA failures map to our errors, logging guards mask what they must."""

from __future__ import annotations

import dataclasses
import logging

import httpx
import pytest
from sp_api.base._transport_httpx import HttpxTransport

from amazon_integration.amazon import (
	AccountConfig,
	AmazonUnavailableError,
	AuthError,
	InvalidInputError,
	LwaCredentials,
	NotFoundError,
	ThrottledError,
)
from amazon_integration.amazon.auth import LwaTokenProvider, TokenCache, token_cache_key
from amazon_integration.amazon.logs import install_log_guards, mask_url
from amazon_integration.amazon.spapi import Endpoint, OrdersApi

SECRET = "amzn1.oa2-cs.v1.UNIT-SECRET-XYZ"
REFRESH = "Atzr|UNIT-REFRESH-TOKEN-XYZ"


def _config() -> AccountConfig:
	return AccountConfig("S1", "NA", ("ATVPDKIKX0DER",), LwaCredentials("client-id", SECRET, REFRESH), endpoint="http://sim.invalid:1")


def _api() -> OrdersApi:
	provider = LwaTokenProvider(_config(), cache=TokenCache())
	return OrdersApi(Endpoint("http://sim.invalid:1", "ATVPDKIKX0DER", "us-east-1"), provider=provider, timeout=1.0)


def _response(status: int, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
	return httpx.Response(status, content=content, headers=headers or {}, request=httpx.Request("GET", "http://sim.invalid:1/x"))


@pytest.mark.parametrize(
	("status", "error_class"),
	[(400, InvalidInputError), (403, AuthError), (404, NotFoundError), (429, ThrottledError), (502, AmazonUnavailableError)],
)
def test_non_2xx_without_errors_body_is_an_error(status: int, error_class: type) -> None:
	api = _api()
	api.method = "GET"
	with pytest.raises(error_class) as caught:
		api._check_response(_response(status, b"<html>gateway</html>", {"x-amzn-RequestId": "rid-9"}))
	assert caught.value.status == status and caught.value.request_id == "rid-9"
	assert f"HTTP {status}" in caught.value.message


def test_errors_body_gives_amazons_code_message_and_retry_after() -> None:
	api = _api()
	api.method = "GET"
	body = b'{"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota.", "details": ""}]}'
	with pytest.raises(ThrottledError) as caught:
		api._check_response(_response(429, body, {"Retry-After": "7", "x-amzn-RequestId": "rid-1"}))
	assert (caught.value.code, caught.value.message, caught.value.retry_after) == ("QuotaExceeded", "You exceeded your quota.", 7.0)


def test_truncated_2xx_is_retryable_and_good_2xx_passes() -> None:
	api = _api()
	api.method = "GET"
	with pytest.raises(AmazonUnavailableError):
		api._check_response(_response(200, b'{"orders": [{"orderId": "1'))
	good = api._check_response(_response(200, b'{"orders": [], "pagination": {"nextToken": "T"}}', {"x-amzn-RateLimit-Limit": "0.0056"}))
	assert good.payload == {"orders": []} and good.next_token == "T" and good.rate_limit == "0.0056"
	assert api._check_response(_response(204, b""), res_no_data=True) is not None


def test_host_header_and_marketplace_are_the_configured_ones(monkeypatch: pytest.MonkeyPatch) -> None:
	monkeypatch.setenv("SP_API_DEFAULT_MARKETPLACE", "DE")
	api = _api()
	assert api.endpoint == "http://sim.invalid:1" and api.marketplace_id == "ATVPDKIKX0DER"
	api._auth.provider.cache.put(api._auth.provider.key, "Atza|cached", 1e12)
	headers = api.headers
	assert headers["host"] == "sim.invalid:1" and headers["x-amz-access-token"] == "Atza|cached"
	assert headers["user-agent"].startswith("amazon_integration/")


def _provider_with(handler) -> tuple[LwaTokenProvider, OrdersApi]:
	provider = LwaTokenProvider(_config(), cache=TokenCache(), clock=lambda: 1000.0)
	provider.transport = HttpxTransport(client=httpx.Client(transport=httpx.MockTransport(handler)))
	api = OrdersApi(Endpoint("http://sim.invalid:1", "ATVPDKIKX0DER", "us-east-1"), provider=provider, timeout=1.0)
	return provider, api


def test_lwa_exchange_cached_until_shortly_before_expiry() -> None:
	calls: list[httpx.Request] = []

	def handler(request: httpx.Request) -> httpx.Response:
		calls.append(request)
		return httpx.Response(200, json={"access_token": f"Atza|t{len(calls)}", "expires_in": 3600, "token_type": "bearer"})

	provider, api = _provider_with(handler)
	assert calls == [] and api.headers["x-amz-access-token"] == "Atza|t1"
	assert api.headers["x-amz-access-token"] == "Atza|t1" and len(calls) == 1
	assert calls[0].url == "http://sim.invalid:1/auth/o2/token"
	assert b"grant_type=refresh_token" in calls[0].content
	provider.clock = lambda: 1000.0 + 3600 - 61
	assert api.headers["x-amz-access-token"] == "Atza|t1"
	provider.clock = lambda: 1000.0 + 3600 - 59  # within the last minute: renewed
	assert api.headers["x-amz-access-token"] == "Atza|t2" and provider.exchanges == 2
	# the cache key never holds a raw secret, and a corrected secret never rides on the old secret's token
	credentials = provider.config.credentials
	assert REFRESH not in provider.key and credentials.client_secret not in provider.key
	assert provider.key == token_cache_key(credentials, provider.token_url)
	corrected = dataclasses.replace(credentials, client_secret="corrected-secret")
	assert token_cache_key(corrected, provider.token_url) != provider.key


@pytest.mark.parametrize(
	("status", "body", "error_class"),
	[
		(400, {"error": "invalid_grant", "error_description": f"The request has an invalid grant parameter : {REFRESH}"}, AuthError),
		(401, {"error": "invalid_client", "error_description": "Client authentication failed"}, AuthError),
		(429, {"error": "slow_down"}, ThrottledError),
		(500, None, AmazonUnavailableError),
		(200, None, AmazonUnavailableError),  # 200 with a non-JSON body
	],
)
def test_lwa_failures(status: int, body: dict | None, error_class: type) -> None:
	def handler(request: httpx.Request) -> httpx.Response:
		return httpx.Response(status, json=body) if body is not None else httpx.Response(status, content=b"<html>")

	_, api = _provider_with(handler)
	with pytest.raises(error_class) as caught:
		api.headers  # noqa: B018  (the token exchange happens when the headers are built)
	text = str(caught.value) + repr(caught.value)
	assert REFRESH not in text and SECRET not in text  # even when LWA echoes it


def test_lwa_timeout_is_unavailable() -> None:
	def handler(request: httpx.Request) -> httpx.Response:
		raise httpx.ReadTimeout("timed out", request=request)

	_, api = _provider_with(handler)
	with pytest.raises(AmazonUnavailableError):
		api.headers  # noqa: B018


def test_mask_url_and_httpx_filter(caplog: pytest.LogCaptureFixture) -> None:
	url = "https://bucket.s3.amazonaws.com/doc?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2Fx&X-Amz-Signature=abcdef&X-Amz-Security-Token=tok"
	masked = mask_url(url)
	assert "abcdef" not in masked and "AKIA" not in masked and "tok" not in masked and "X-Amz-Algorithm=AWS4" in masked
	install_log_guards()
	caplog.set_level(logging.DEBUG, logger="sp_api.base.client")  # as an application debugging might
	with caplog.at_level(logging.DEBUG):
		logging.getLogger("httpx").info('HTTP Request: %s %s "%s %d %s"', "GET", httpx.URL(url), "HTTP/1.1", 200, "OK")
		logging.getLogger("sp_api.base.client").debug("Request Headers: %s", {"x-amz-access-token": "Atza|secret"})
	text = caplog.text
	assert "abcdef" not in text and "X-Amz-Signature=***" in text
	assert "Atza|secret" not in text


def test_s3_style_error_of_a_document_url() -> None:
	from amazon_integration.amazon.spapi import error_from_response

	body = b'<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>'
	error = error_from_response(_response(403, body, {"Content-Type": "application/xml"}))
	assert isinstance(error, AuthError) and error.code == "AccessDenied" and error.message == "Request has expired"
