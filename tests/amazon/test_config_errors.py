"""AccountConfig / LwaCredentials / the error hierarchy: plain values, safe reprs, Amazon's words in messages."""

from __future__ import annotations

import pickle

import pytest

from amazon_integration.amazon import (
	REGION_ENDPOINTS,
	AccountConfig,
	AmazonError,
	AmazonUnavailableError,
	AuthError,
	InvalidInputError,
	LwaCredentials,
	NotFoundError,
	ThrottledError,
)
from amazon_integration.amazon.errors import error_for_status

SECRET = "amzn1.oa2-cs.v1.TOPSECRET"
REFRESH = "Atzr|REFRESH-TOKEN-VALUE"


def creds() -> LwaCredentials:
	return LwaCredentials("amzn1.application-oa2-client.x", SECRET, REFRESH)


def test_production_endpoints_by_region() -> None:
	for region, url in (
		("NA", "https://sellingpartnerapi-na.amazon.com"),
		("EU", "https://sellingpartnerapi-eu.amazon.com"),
		("FE", "https://sellingpartnerapi-fe.amazon.com"),
	):
		config = AccountConfig("S1", region, ("M1",), creds())
		assert config.base_url == url == REGION_ENDPOINTS[region]
		assert config.token_url == "https://api.amazon.com"


def test_endpoint_override_serves_lwa_too_unless_told_otherwise() -> None:
	config = AccountConfig("S1", "EU", ["M1", "M2"], creds(), endpoint="http://127.0.0.1:8787/")
	assert config.base_url == "http://127.0.0.1:8787"
	assert config.token_url == "http://127.0.0.1:8787"
	assert config.marketplace_ids == ("M1", "M2")
	other = AccountConfig("S1", "EU", ("M1",), creds(), endpoint="http://sim:1", lwa_url="https://lwa.example/")
	assert other.token_url == "https://lwa.example"


@pytest.mark.parametrize(
	"kwargs",
	[
		{"region": "US"},
		{"marketplace_ids": ()},
		{"endpoint": "ftp://x"},
		{"endpoint": "localhost:8787"},
		{"seller_id": ""},
		{"timeout": 0},
	],
)
def test_config_rejects_nonsense(kwargs: dict) -> None:
	options = {"seller_id": "S1", "region": "NA", "marketplace_ids": ("M1",), "credentials": creds()}
	options.update(kwargs)
	with pytest.raises(ValueError):
		AccountConfig(**options)


def test_secrets_never_in_reprs() -> None:
	config = AccountConfig("S1", "NA", ("M1",), creds())
	for text in (repr(creds()), str(creds()), repr(config), str(config)):
		assert SECRET not in text and REFRESH not in text
	with pytest.raises(ValueError):
		LwaCredentials("id", "", "token")


def test_error_classes_by_status() -> None:
	assert error_for_status(401) is AuthError
	assert error_for_status(403) is AuthError
	assert error_for_status(404) is NotFoundError
	assert error_for_status(429) is ThrottledError
	for status in (400, 409, 413, 415, 422):
		assert error_for_status(status) is InvalidInputError
	for status in (500, 502, 503, 504):
		assert error_for_status(status) is AmazonUnavailableError
	assert error_for_status(418) is AmazonError
	assert ThrottledError("x").retryable and AmazonUnavailableError("x").retryable
	assert not InvalidInputError("x").retryable and not AuthError("x").retryable


def test_error_text_names_operation_and_amazons_message() -> None:
	error = InvalidInputError(
		"Invalid carrier.", code="InvalidInput", status=400, request_id="rid-1", operation="confirmShipment"
	)
	assert str(error) == "confirmShipment: Invalid carrier. (HTTP 400, InvalidInput, request id rid-1)"
	assert "Invalid carrier." in repr(error) and "rid-1" in repr(error)
	clone = pickle.loads(pickle.dumps(error))
	assert type(clone) is InvalidInputError and str(clone) == str(error) and clone.request_id == "rid-1"


def test_refused_token_detection() -> None:
	for details in ("The access token you provided has expired.", "The access token you provided is revoked, malformed or invalid.", None):
		assert AuthError("Access to requested resource is denied.", status=403, code="Unauthorized", details=details).token_refused
	# An LWA exchange refused is not a refused access token.
	assert not AuthError("LWA token exchange failed: Client authentication failed", status=401, code="invalid_client").token_refused
	assert not AuthError("LWA token exchange failed", status=400, code="invalid_grant").token_refused


def test_expired_token_detection() -> None:
	assert AuthError("The access token you provided has expired.", status=403, code="Unauthorized").token_expired
	assert AuthError(
		"Access to requested resource is denied.",
		status=403,
		code="Unauthorized",
		details="The access token you provided has expired.",
	).token_expired
	assert not AuthError("Access to requested resource is denied.", status=403, code="Unauthorized").token_expired
