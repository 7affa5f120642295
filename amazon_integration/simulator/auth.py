"""Login with Amazon (LWA) token endpoint and access-token checks.

POST /auth/o2/token  (application/x-www-form-urlencoded; JSON bodies are accepted too)
	grant_type=refresh_token&refresh_token=...&client_id=...&client_secret=...
	-> 200 {"access_token": "Atza|...", "refresh_token": ..., "token_type": "bearer", "expires_in": 3600}
	grant_type=client_credentials&scope=...  (grantless) -> same shape without refresh_token
Errors use LWA's own shape, not the SP-API errors array:
	400 {"error": "invalid_request" | "unsupported_grant_type" | "invalid_grant", "error_description": ...}
	401 {"error": "invalid_client", "error_description": "Client authentication failed"}
Client id, secret and refresh token are checked only when the simulator was configured with them
(--client-id/--client-secret/--refresh-token); otherwise any non-empty value is accepted.
Access tokens expire after 3600 SIMULATED seconds, so advancing the clock makes them expire.

The server calls `check_access_token` on every SP-API route: a missing, unknown or expired
x-amz-access-token answers 403 Unauthorized, in Amazon's words for each ("is revoked, malformed or invalid" for a
token it never issued or revoked, "has expired" for one past its hour, however long ago).
"""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import timedelta
from urllib.parse import parse_qs

from .http import ApiError, Request, Response, Router
from .state import SimulatorState

TOKEN_LIFETIME_SECONDS = 3600
MAX_KNOWN_TOKENS = 100_000  # issued tokens remembered (a token exchange per simulated hour and process)
DENIED = "Access to requested resource is denied."


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
	if grant_type not in ("refresh_token", "client_credentials"):
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
	else:
		if not form.get("scope"):
			return _lwa_error(400, "invalid_scope", "The request has an invalid parameter : scope")
	body["access_token"] = issue_token(state)
	return Response(200, body, headers={"cache-control": "no-store", "pragma": "no-cache"})


def register(router: Router, state: SimulatorState) -> None:
	router.add("POST", "/auth/o2/token", lambda req: token_endpoint(state, req), None)
