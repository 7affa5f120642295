"""Login with Amazon (LWA) token endpoint and access-token checks.

POST /auth/o2/token  (application/x-www-form-urlencoded; JSON bodies are accepted too)
	grant_type=refresh_token&refresh_token=...&client_id=...&client_secret=...
	-> 200 {"access_token": "Atza|...", "refresh_token": ..., "token_type": "bearer", "expires_in": 3600}
	grant_type=client_credentials&scope=...  (grantless) -> same shape without refresh_token
	grant_type=authorization_code&code=...&redirect_uri=...&client_id=...&client_secret=...
	-> 200 with the seller's refresh token (the configured one, else a new one); a code is single-use, lives five
	real minutes (a person's click, not simulated business time) and needs the redirect_uri it was issued for
Errors use LWA's own shape, not the SP-API errors array:
	400 {"error": "invalid_request" | "unsupported_grant_type" | "invalid_grant", "error_description": ...}
	401 {"error": "invalid_client", "error_description": "Client authentication failed"}
Client id, secret and refresh token are checked only when the simulator was configured with them
(--client-id/--client-secret/--refresh-token); otherwise any non-empty value is accepted.
Website authorization workflow (Amazon's consent page on Seller Central, served here on the same host):
GET /apps/authorize/consent?application_id=...&state=...&redirect_uri=...[&version=beta]
	-> an HTML page naming the app and the seller, with a Confirm button (a form POST to /apps/authorize/confirm)
POST /apps/authorize/confirm -> 302 to redirect_uri?state=...&selling_partner_id=...&spapi_oauth_code=...
Access tokens expire after 3600 SIMULATED seconds, so advancing the clock makes them expire.

The server calls `check_access_token` on every SP-API route: a missing, unknown or expired
x-amz-access-token answers 403 Unauthorized, in Amazon's words for each ("is revoked, malformed or invalid" for a
token it never issued or revoked, "has expired" for one past its hour, however long ago).
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from datetime import timedelta
from html import escape
from urllib.parse import parse_qs, urlencode, urlsplit

from .http import ApiError, Request, Response, Router
from .state import SimulatorState

TOKEN_LIFETIME_SECONDS = 3600
MAX_KNOWN_TOKENS = 100_000  # issued tokens remembered (a token exchange per simulated hour and process)
DENIED = "Access to requested resource is denied."
AUTH_CODE_LIFETIME_SECONDS = 300  # Amazon: the spapi_oauth_code expires after five minutes
AUTH_CODES = "auth_codes"  # state.extras key: code -> _AuthCode


def _lwa_error(status: int, error: str, description: str) -> Response:
	return Response(status, {"error": error, "error_description": description})


def _same(given: str | None, expected: str | None) -> bool:
	if expected is None:
		return bool(given)
	return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _form(req: Request) -> dict[str, str]:
	content_type = req.headers.get("content-type", "")
	text = req.body.decode("utf-8", errors="replace")
	if "json" in content_type:
		try:
			data = json.loads(text or "{}")
		except ValueError:
			return {}
		return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
	return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


def issue_token(state: SimulatorState) -> str:
	token = "Atza|sim-" + secrets.token_urlsafe(32)
	with state.lock:
		now = state.clock.now()
		# An expired token stays known, however long ago it expired: Amazon answers it "has expired", never
		# "revoked, malformed or invalid". Only the oldest go once there are very many.
		while len(state.access_tokens) >= MAX_KNOWN_TOKENS:
			del state.access_tokens[next(iter(state.access_tokens))]
		state.access_tokens[token] = now + timedelta(seconds=TOKEN_LIFETIME_SECONDS)
	return token


def check_access_token(state: SimulatorState, req: Request) -> None:
	"""Raise ApiError 403 unless x-amz-access-token is a live token this simulator issued."""
	token = req.headers.get("x-amz-access-token")
	if not token:
		raise ApiError(403, "Unauthorized", DENIED, "The request is missing the x-amz-access-token header.")
	with state.lock:
		expiry = state.access_tokens.get(token)
		now = state.clock.now()
	if expiry is None:
		raise ApiError(403, "Unauthorized", DENIED, "The access token you provided is revoked, malformed or invalid.")
	if now >= expiry:
		raise ApiError(403, "Unauthorized", DENIED, "The access token you provided has expired.")


def token_endpoint(state: SimulatorState, req: Request) -> Response:
	form = _form(req)
	grant_type = form.get("grant_type")
	if not grant_type:
		return _lwa_error(400, "invalid_request", "The request is missing a required parameter : grant_type")
	if grant_type not in ("refresh_token", "client_credentials", "authorization_code"):
		return _lwa_error(400, "unsupported_grant_type", f"The authorization grant type is not supported: {grant_type}")
	if not form.get("client_id"):
		return _lwa_error(400, "invalid_request", "The request is missing a required parameter : client_id")
	if not form.get("client_secret"):
		return _lwa_error(400, "invalid_request", "The request is missing a required parameter : client_secret")
	config = state.lwa
	if not (_same(form.get("client_id"), config.client_id) and _same(form.get("client_secret"), config.client_secret)):
		return _lwa_error(401, "invalid_client", "Client authentication failed")
	body: dict[str, object] = {"token_type": "bearer", "expires_in": TOKEN_LIFETIME_SECONDS}
	if grant_type == "refresh_token":
		refresh_token = form.get("refresh_token")
		if not refresh_token:
			return _lwa_error(400, "invalid_request", "The request is missing a required parameter : refresh_token")
		if not _same(refresh_token, config.refresh_token):
			return _lwa_error(400, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
		body["refresh_token"] = refresh_token
	elif grant_type == "authorization_code":
		for name in ("code", "redirect_uri"):
			if not form.get(name):
				return _lwa_error(400, "invalid_request", f"The request is missing a required parameter : {name}")
		if not take_authorization_code(state, form["code"], form["redirect_uri"]):
			return _lwa_error(400, "invalid_grant", "The request has an invalid grant parameter : code")
		body["refresh_token"] = config.refresh_token or "Atzr|sim-" + secrets.token_urlsafe(48)
	else:
		if not form.get("scope"):
			return _lwa_error(400, "invalid_scope", "The request has an invalid parameter : scope")
	body["access_token"] = issue_token(state)
	return Response(200, body, headers={"cache-control": "no-store", "pragma": "no-cache"})


# -- the consent page ------------------------------------------------------------------------------------------


class _AuthCode:
	__slots__ = ("redirect_uri", "expires_at")

	def __init__(self, redirect_uri: str, expires_at: float) -> None:
		self.redirect_uri = redirect_uri
		self.expires_at = expires_at


def issue_authorization_code(state: SimulatorState, redirect_uri: str) -> str:
	code = "ANsim" + secrets.token_urlsafe(24)
	now = time.time()
	with state.lock:
		codes: dict[str, _AuthCode] = state.extras.setdefault(AUTH_CODES, {})
		for stale in [key for key, value in codes.items() if value.expires_at <= now]:
			del codes[stale]
		codes[code] = _AuthCode(redirect_uri, now + AUTH_CODE_LIFETIME_SECONDS)
	return code


def take_authorization_code(state: SimulatorState, code: str, redirect_uri: str) -> bool:
	"""True once for a live code issued for this redirect_uri: a code is gone after its first exchange."""
	with state.lock:
		codes: dict[str, _AuthCode] = state.extras.setdefault(AUTH_CODES, {})
		issued = codes.pop(code, None)
	return issued is not None and issued.expires_at > time.time() and issued.redirect_uri == redirect_uri


def _page(status: int, title: str, body: str) -> Response:
	html = (
		"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>{0}</title>"
		"<style>body{{font-family:sans-serif;max-width:40em;margin:4em auto;color:#232f3e}}"
		"button{{background:#ffd814;border:1px solid #fcd200;border-radius:8px;padding:.6em 2em;font-size:1em}}"
		"</style></head><body><h1>{0}</h1>{1}</body></html>"
	).format(escape(title), body)
	return Response(status, html, content_type="text/html; charset=utf-8")


def _valid_redirect(uri: str | None) -> bool:
	parts = urlsplit(uri or "")
	return parts.scheme in ("http", "https") and bool(parts.netloc)


def consent_page(state: SimulatorState, req: Request) -> Response:
	application_id = req.param("application_id")
	redirect_uri = req.param("redirect_uri")
	if not application_id:
		return _page(400, "Authorization failed", "<p>The request is missing the application_id parameter.</p>")
	if not _valid_redirect(redirect_uri):
		return _page(400, "Authorization failed", "<p>The redirect_uri parameter is missing or not a URL.</p>")
	fields = {"application_id": application_id, "state": req.param("state") or "", "redirect_uri": redirect_uri}
	hidden = "".join(
		f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in fields.items()
	)
	draft = " (draft application, version=beta)" if req.param("version") == "beta" else ""
	body = (
		f"<p>The application <b>{escape(application_id)}</b>{escape(draft)} asks for access to the selling "
		f"account <b>{escape(state.seller_id)}</b>.</p>"
		"<p>Amazon SP-API simulator: no Amazon account is involved.</p>"
		f'<form method="post" action="/apps/authorize/confirm">{hidden}'
		'<button type="submit" id="confirm">Confirm</button></form>'
	)
	return _page(200, "Authorize application", body)


def confirm_consent(state: SimulatorState, req: Request) -> Response:
	form = _form(req)
	redirect_uri = form.get("redirect_uri")
	if not form.get("application_id") or not _valid_redirect(redirect_uri):
		return _page(400, "Authorization failed", "<p>The consent form is incomplete.</p>")
	query = urlencode({
		"state": form.get("state", ""),
		"selling_partner_id": state.seller_id,
		"spapi_oauth_code": issue_authorization_code(state, redirect_uri),
	})
	separator = "&" if urlsplit(redirect_uri).query else "?"
	return Response(302, None, headers={"Location": f"{redirect_uri}{separator}{query}"})


def register(router: Router, state: SimulatorState) -> None:
	router.add("POST", "/auth/o2/token", lambda req: token_endpoint(state, req), None)
	router.add("GET", "/apps/authorize/consent", lambda req: consent_page(state, req), None)
	router.add("POST", "/apps/authorize/confirm", lambda req: confirm_consent(state, req), None)
