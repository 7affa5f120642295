"""Connect with Amazon: Amazon's website authorization workflow for one Amazon Account.

1. `consent_url_for(account)` (the form's button): a random `state`, bound to the user and the account, kept
   ten minutes in Redis, and Seller Central's consent page for the account's first marketplace (or the
   simulator's, through the account's endpoint override, as its LWA token endpoint is).
2. The seller confirms; Amazon sends the browser to `callback` with `state`, `selling_partner_id` and
   `spapi_oauth_code`. The state is taken once (a replayed one is unknown), the seller must be the account's,
   the code is exchanged once through the gateway (LWA grant_type=authorization_code), the refresh token is
   stored encrypted, the Seller ID recorded, Test Connection run, and the user sent back to the form, which
   shows what happened (the controller's onload hands it the outcome kept for that user and account).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import frappe
from frappe import _
from frappe.utils import get_url, get_url_to_form, get_url_to_list

from amazon_integration.amazon.auth import consent_url, exchange_authorization_code
from amazon_integration.amazon.config import lwa_base_url
from amazon_integration.amazon.errors import AmazonError, AuthError, NoAnswerError
from amazon_integration.erpnext.account_client import check_connection, current_budget, interactive_calls
from amazon_integration.erpnext.texts import translated

if TYPE_CHECKING:
	from frappe.model.document import Document as AmazonAccount

CALLBACK_METHOD = "amazon_integration.erpnext.connect.callback"
STATE_SECONDS = 600  # the seller signs in to Seller Central and confirms: minutes, not hours
OUTCOME_SECONDS = 300  # the form shows the outcome once, right after the redirect


class ConnectRefused(frappe.ValidationError):
	"""The answer from Amazon is not taken; `account` is known once the state was."""

	def __init__(self, message: str, account: str | None = None) -> None:
		super().__init__(message)
		self.message = message
		self.account = account


@dataclass
class Outcome:
	ok: bool
	title: str
	message: str
	indicator: str


def redirect_uri() -> str:
	"""The OAuth Redirect URI to register on the app in Solution Provider Portal (the form shows it)."""
	return get_url(f"/api/method/{CALLBACK_METHOD}")


def consent_url_for(account: AmazonAccount) -> str:
	account.check_permission("write")
	missing = [
		_(account.meta.get_label(fieldname))
		for fieldname in ("application_id", "lwa_client_id")
		if not (account.get(fieldname) or "").strip()
	]
	if not account.get_password("lwa_client_secret", raise_exception=False):
		missing.append(_(account.meta.get_label("lwa_client_secret")))
	if missing:
		frappe.throw(
			_("Set {0} of your SP-API app first, then save.").format(", ".join(missing)),
			title=_("Amazon App Missing"),
		)
	state = secrets.token_urlsafe(32)
	frappe.cache().set(
		_state_key(state),
		json.dumps({"user": frappe.session.user, "account": account.name}),
		ex=STATE_SECONDS,
	)
	return consent_url(
		application_id=account.application_id.strip(),
		state=state,
		redirect_uri=redirect_uri(),
		region=account.region,
		marketplace_id=account.marketplaces[0].marketplace if account.marketplaces else None,
		endpoint=account.endpoint_override or None,
		draft=bool(account.draft_application),
	)


@frappe.whitelist(allow_guest=True, methods=["GET"])
def callback(state: str | None = None, selling_partner_id: str | None = None, spapi_oauth_code: str | None = None):
	"""Amazon's redirect after the seller's consent: back to the account form, with what happened."""
	if frappe.session.user == "Guest":
		# The desk session ended while the seller was on Seller Central: log in, then come back here (the state
		# is bound to the user who started, and is not taken by this visit).
		answer = {"state": state, "selling_partner_id": selling_partner_id, "spapi_oauth_code": spapi_oauth_code}
		back = f"/api/method/{CALLBACK_METHOD}?" + urlencode({k: v for k, v in answer.items() if v})
		frappe.local.response["type"] = "redirect"
		frappe.local.response["location"] = "/login?" + urlencode({"redirect-to": back})
		return
	try:
		account, outcome = complete(state, selling_partner_id, spapi_oauth_code)
		frappe.local.flags.commit = True  # a GET request commits only when asked
	except ConnectRefused as refused:
		if not refused.account:
			# Unknown, expired or replayed state: no account to go back to.
			frappe.respond_as_web_page(
				_("Connect with Amazon"),
				refused.message,
				indicator_color="red",
				http_status_code=400,
				primary_action=get_url_to_list("Amazon Account"),
				primary_label=_("Amazon Accounts"),
			)
			return
		account = refused.account
		outcome = Outcome(False, _("Not Connected"), refused.message, "red")
	frappe.cache().set(_outcome_key(account), json.dumps(asdict(outcome)), ex=OUTCOME_SECONDS)
	frappe.local.response["type"] = "redirect"
	frappe.local.response["location"] = get_url_to_form("Amazon Account", account)


def take_outcome(account: str) -> dict | None:
	"""What the last Connect with Amazon of this user did to the account, once (the form's onload)."""
	return _take_once(_outcome_key(account))


def complete(
	state: str | None, selling_partner_id: str | None, code: str | None
) -> tuple[str, Outcome]:
	"""Takes Amazon's answer for the account its state names: (account name, outcome), or ConnectRefused."""
	bound = _take_state(state) if state else None
	if bound is None:
		raise ConnectRefused(
			_(
				"This answer from Amazon does not belong to a Connect with Amazon started here, or it was already "
				"used or is older than {0} minutes. Open the Amazon Account and press Connect with Amazon again."
			).format(STATE_SECONDS // 60)
		)
	if bound["user"] != frappe.session.user:
		raise ConnectRefused(
			_("Connect with Amazon was started by another user: only they can finish it."), bound["account"]
		)
	account = frappe.get_doc("Amazon Account", bound["account"])
	account.check_permission("write")
	selling_partner_id = (selling_partner_id or "").strip()
	if not selling_partner_id or not code:
		raise ConnectRefused(
			_("Amazon's answer has no {0}: press Connect with Amazon again.").format(
				"selling_partner_id" if not selling_partner_id else "spapi_oauth_code"
			),
			account.name,
		)
	if account.seller_id and account.seller_id != selling_partner_id:
		raise ConnectRefused(
			_(
				"You authorized seller {0} on Amazon, but this account is for Seller ID {1}. Sign in to Seller "
				"Central as seller {1} and press Connect with Amazon again, or make another Amazon Account for {0}."
			).format(frappe.bold(selling_partner_id), frappe.bold(account.seller_id)),
			account.name,
		)
	grant = _exchange(account, code)
	# Enabled stays as it was: a new account starts syncing once the user has set it up and ticks Enabled.
	account.seller_id = selling_partner_id
	account.refresh_token = grant.refresh_token
	try:
		account.save()
	except frappe.ValidationError as e:  # e.g. another enabled account already syncs this seller's marketplace
		raise ConnectRefused(str(e), account.name) from None
	check = check_connection(account)
	if not check["ok"]:
		return account.name, Outcome(
			False,
			_("Connected, but Test Connection Failed"),
			_("Amazon authorized seller {0} and the refresh token is stored, but Test Connection failed: {1}").format(
				frappe.bold(selling_partner_id), check["message"]
			),
			"orange",
		)
	message = _("Amazon authorized seller {0}, and Test Connection answered: {1}").format(
		frappe.bold(selling_partner_id), check["message"]
	)
	if not account.enabled:
		message += " " + _(
			"Tick Enabled and save once the account is set up: its orders then sync every {0} minutes."
		).format(account.sync_interval)
	outcome = Outcome(True, _("Connected"), message, "green")
	return account.name, outcome


def _exchange(account: AmazonAccount, code: str):
	with interactive_calls():
		budget = current_budget()
		try:
			return exchange_authorization_code(
				token_url=lwa_base_url(account.endpoint_override or None),
				client_id=account.lwa_client_id,
				client_secret=account.get_password("lwa_client_secret"),
				code=code,
				redirect_uri=redirect_uri(),
				timeout=budget.timeout,
			)
		except AuthError as e:
			if e.code == "invalid_grant":
				message = _(
					"Amazon refused the authorization code: it was already used or is older than five minutes. "
					"Press Connect with Amazon again."
				)
			else:
				message = _("Amazon refused the app's LWA Client ID or Client Secret: {0}").format(translated(e))
			raise ConnectRefused(message, account.name) from None
		except NoAnswerError as e:
			raise ConnectRefused(
				_("Amazon did not answer: {0}. Press Connect with Amazon again.").format(translated(e)), account.name
			) from None
		except AmazonError as e:
			raise ConnectRefused(_("Amazon answered: {0}").format(translated(e)), account.name) from None


def _take_state(state: str) -> dict | None:
	"""The state's user and account, once: a replay finds nothing."""
	return _take_once(_state_key(state))


def _take_once(key: str) -> dict | None:
	"""Read and delete in one Redis transaction: two requests never both get the value."""
	pipe = frappe.cache().pipeline()
	pipe.get(key)
	pipe.delete(key)
	value, _deleted = pipe.execute()
	return json.loads(value) if value else None


def _state_key(state: str) -> str:
	# Keyed by a digest: the state itself never sits in Redis' key space.
	return frappe.cache().make_key("amazon_connect_state:" + hashlib.sha256(state.encode()).hexdigest())


def _outcome_key(account: str) -> str:
	return frappe.cache().make_key(f"amazon_connect_outcome:{frappe.session.user}:{account}")
