"""Amazon's website authorization workflow: the consent URL, the simulator's consent page and the gateway's
authorization-code grant (the whole round trip a seller's browser makes, without a browser)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from amazon_integration.amazon.auth import (
	SELLER_CENTRAL_URLS,
	AuthorizationGrant,
	consent_url,
	exchange_authorization_code,
	seller_central_url,
)
from amazon_integration.amazon.client import AmazonClient
from amazon_integration.amazon.config import AccountConfig, LwaCredentials
from amazon_integration.amazon.errors import AuthError, NoAnswerError

APP = "amzn1.sp.solution.0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7"
REDIRECT = "https://erp.example.com/api/method/amazon_integration.erpnext.connect.callback"
CLIENT = {"client_id": "amzn1.application-oa2-client.abc", "client_secret": "s3cr3t-value"}


def query(url: str) -> dict[str, str]:
	return {key: values[0] for key, values in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def consent(sim, state: str = "st4te-value", redirect_uri: str = REDIRECT) -> dict[str, str]:
	"""What the seller's browser does: open the consent page, press Confirm, follow nothing (the app's callback)."""
	url = consent_url(application_id=APP, state=state, redirect_uri=redirect_uri, region="NA", endpoint=sim.url)
	page = httpx.get(url)
	assert page.status_code == 200 and "text/html" in page.headers["content-type"]
	assert 'id="confirm"' in page.text and APP in page.text
	fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
	answer = httpx.post(f"{sim.url}/apps/authorize/confirm", data=fields)
	assert answer.status_code == 302
	location = answer.headers["location"]
	assert location.startswith(redirect_uri)
	return query(location)


def test_consent_url_per_marketplace_and_region():
	url = consent_url(application_id=APP, state="s", redirect_uri=REDIRECT, region="EU", marketplace_id="A1PA6795UKMFR9")
	assert url.startswith("https://sellercentral.amazon.de/apps/authorize/consent?")
	assert query(url) == {"application_id": APP, "state": "s", "redirect_uri": REDIRECT}
	draft = consent_url(application_id=APP, state="s", redirect_uri=REDIRECT, region="FE", draft=True)
	assert draft.startswith("https://sellercentral.amazon.co.jp/apps/authorize/consent?")
	assert query(draft)["version"] == "beta"
	assert seller_central_url("NA", "ATVPDKIKX0DER") == "https://sellercentral.amazon.com"
	assert seller_central_url("EU", "unknown") == "https://sellercentral-europe.amazon.com"
	assert seller_central_url("EU", "A1PA6795UKMFR9", "http://127.0.0.1:8814/") == "http://127.0.0.1:8814"
	assert all(url.startswith("https://sellercentral.amazon.") for url in SELLER_CENTRAL_URLS.values())
	with pytest.raises(ValueError):
		consent_url(application_id="", state="s", redirect_uri=REDIRECT, region="NA")
	with pytest.raises(ValueError):
		seller_central_url("XX")


def test_consent_redirects_with_state_seller_and_code(sim):
	answer = consent(sim, state="abc 123/=")
	assert answer["state"] == "abc 123/="
	assert answer["selling_partner_id"] == sim.state.seller_id
	assert answer["spapi_oauth_code"]


def test_redirect_uri_with_a_query_keeps_it(sim):
	answer = httpx.post(f"{sim.url}/apps/authorize/confirm",
						data={"application_id": APP, "state": "s", "redirect_uri": REDIRECT + "?site=a"})
	assert answer.headers["location"].startswith(REDIRECT + "?site=a&state=s&")


def test_consent_page_refuses_missing_parameters(sim):
	assert httpx.get(f"{sim.url}/apps/authorize/consent", params={"state": "s", "redirect_uri": REDIRECT}).status_code == 400
	answer = httpx.get(f"{sim.url}/apps/authorize/consent", params={"application_id": APP, "redirect_uri": "nowhere"})
	assert answer.status_code == 400 and "redirect_uri" in answer.text


def test_code_exchanges_once_for_a_refresh_token_that_calls_sp_api(sim):
	code = consent(sim)["spapi_oauth_code"]
	grant = exchange_authorization_code(token_url=sim.url, code=code, redirect_uri=REDIRECT, **CLIENT)
	assert isinstance(grant, AuthorizationGrant) and grant.refresh_token and grant.expires_in == 3600
	assert grant.refresh_token not in repr(grant)
	config = AccountConfig(seller_id=sim.state.seller_id, region="NA", marketplace_ids=("ATVPDKIKX0DER",),
						   credentials=LwaCredentials(refresh_token=grant.refresh_token, **CLIENT), endpoint=sim.url)
	with AmazonClient(config) as client:
		assert client.check_connection().ok
	with pytest.raises(AuthError) as again:
		exchange_authorization_code(token_url=sim.url, code=code, redirect_uri=REDIRECT, **CLIENT)
	assert again.value.code == "invalid_grant" and again.value.status == 400
	assert code not in str(again.value) and CLIENT["client_secret"] not in str(again.value)


def test_configured_simulator_answers_its_refresh_token_and_checks_the_client(sim_factory):
	sim = sim_factory(refresh_token="Atzr|configured-token", **CLIENT)
	code = consent(sim)["spapi_oauth_code"]
	with pytest.raises(AuthError) as wrong:
		exchange_authorization_code(token_url=sim.url, code=code, redirect_uri=REDIRECT,
									client_id=CLIENT["client_id"], client_secret="wrong-secret")
	assert wrong.value.code == "invalid_client"
	code = consent(sim)["spapi_oauth_code"]
	grant = exchange_authorization_code(token_url=sim.url, code=code, redirect_uri=REDIRECT, **CLIENT)
	assert grant.refresh_token == "Atzr|configured-token"


def test_code_is_bound_to_its_redirect_uri(sim):
	code = consent(sim)["spapi_oauth_code"]
	with pytest.raises(AuthError) as caught:
		exchange_authorization_code(token_url=sim.url, code=code, redirect_uri=REDIRECT + "x", **CLIENT)
	assert caught.value.code == "invalid_grant"


def test_expired_code_is_refused(sim, monkeypatch):
	import amazon_integration.simulator.auth as sim_auth

	code = consent(sim)["spapi_oauth_code"]
	later = sim_auth.time.time() + sim_auth.AUTH_CODE_LIFETIME_SECONDS + 1
	monkeypatch.setattr(sim_auth.time, "time", lambda: later)
	with pytest.raises(AuthError) as caught:
		exchange_authorization_code(token_url=sim.url, code=code, redirect_uri=REDIRECT, **CLIENT)
	assert caught.value.code == "invalid_grant"


def test_token_endpoint_wants_code_and_redirect_uri(sim):
	answer = httpx.post(f"{sim.url}/auth/o2/token", data={"grant_type": "authorization_code", "code": "x", **CLIENT})
	assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
	assert "redirect_uri" in answer.json()["error_description"]


def test_no_answer_is_said_as_such():
	with pytest.raises(NoAnswerError):
		exchange_authorization_code(token_url="http://127.0.0.1:9", code="c", redirect_uri=REDIRECT, timeout=2, **CLIENT)
