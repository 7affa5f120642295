"""Builds the SP-API gateway client of one Amazon Account registration.

The only place where an Amazon Account's secrets are read (Password fields, decrypted on demand) and
where the gateway gets the site's Redis for quota state shared by every worker of the site.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import frappe
from frappe import _

from amazon_integration.amazon.client import AmazonClient
from amazon_integration.amazon.config import AccountConfig, LwaCredentials
from amazon_integration.amazon.errors import AmazonError
from amazon_integration.amazon.quota import RedisQuotaStore

if TYPE_CHECKING:
	from amazon_integration.amazon_integration.doctype.amazon_account.amazon_account import AmazonAccount


def account_config(account: AmazonAccount) -> AccountConfig:
	return AccountConfig(
		seller_id=account.seller_id,
		region=account.region,
		marketplace_ids=tuple(row.marketplace for row in account.marketplaces),
		credentials=LwaCredentials(
			client_id=account.lwa_client_id,
			client_secret=account.get_password("lwa_client_secret"),
			refresh_token=account.get_password("refresh_token"),
		),
		endpoint=account.endpoint_override or None,
		# How long one call keeps retrying 429/5xx/timeouts; a site config key for operators (and tests).
		retry_deadline=float(frappe.conf.get("amazon_retry_deadline") or 300),
		# Seconds one request waits for Amazon's answer (site config; the soak lowers it to meet slow answers).
		timeout=float(frappe.conf.get("amazon_http_timeout") or 30),
	)


def get_client(account: AmazonAccount | str) -> AmazonClient:
	if isinstance(account, str):
		account = frappe.get_doc("Amazon Account", account)
	# Amazon's quota belongs to the seller: every worker of the site shares one bucket per operation.
	return AmazonClient(account_config(account), RedisQuotaStore(frappe.cache(), prefix="amazon_quota"))


def check_connection(account: AmazonAccount) -> dict:
	"""Ask Amazon once and say plainly whether the registration works."""
	try:
		check = get_client(account).check_connection()
	except AmazonError as e:
		return {"ok": False, "message": _("Amazon answered: {0}").format(str(e))}
	if not check.ok:
		return {"ok": False, "message": _("Amazon refused the connection: {0}").format(check.message)}
	return {
		"ok": True,
		"message": _("Connected to {0} as seller {1}.").format(check.endpoint, frappe.bold(check.seller_id)),
	}
