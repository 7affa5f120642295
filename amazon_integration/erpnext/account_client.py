"""Builds the SP-API gateway client of one Amazon Account registration.

The only place where an Amazon Account's secrets are read (Password fields, decrypted on demand) and
where the gateway gets the site's Redis for quota state shared by every worker of the site.

How long a client's calls may take comes from the call budget in force (amazon/budget.py): a background job's
(set by erpnext/jobs.py from its queue timeout), a user's waiting on a form (`interactive_calls`), else the
site's `amazon_retry_deadline` (bench commands, tests). Every client made while `watch_clients` is active is
remembered, so that the job can tell afterwards whether each account's endpoint answered.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import ip_address
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import frappe
from frappe import _

from amazon_integration.amazon.budget import (
	DEFAULT_CONNECT_TIMEOUT,
	DEFAULT_RETRY_DEADLINE,
	DEFAULT_TIMEOUT,
	CallBudget,
	interactive_budget,
)
from amazon_integration.amazon.client import AmazonClient
from amazon_integration.amazon.config import AccountConfig, LwaCredentials
from amazon_integration.amazon.errors import AmazonError, NoAnswerError
from amazon_integration.amazon.quota import RedisQuotaStore
from amazon_integration.erpnext.texts import translated

if TYPE_CHECKING:
	# An Amazon Account document; not its controller's class, which imports this package (one-way imports).
	from frappe.model.document import Document as AmazonAccount


def configured_retry_deadline() -> float:
	"""How long one call keeps retrying 429/5xx/timeouts; a site config key for operators (and tests)."""
	return float(frappe.conf.get("amazon_retry_deadline") or DEFAULT_RETRY_DEADLINE)


def configured_http_timeout() -> float:
	"""Seconds one request waits for Amazon's answer (site config; the soak lowers it to meet slow answers)."""
	return float(frappe.conf.get("amazon_http_timeout") or DEFAULT_TIMEOUT)


def current_budget() -> CallBudget:
	return getattr(frappe.local, "amazon_call_budget", None) or CallBudget(
		retry_deadline=configured_retry_deadline(),
		timeout=configured_http_timeout(),
		connect_timeout=min(DEFAULT_CONNECT_TIMEOUT, configured_http_timeout()),
	)


@contextmanager
def call_budget(budget: CallBudget) -> Iterator[CallBudget]:
	"""Clients made in this block call Amazon within `budget`."""
	previous = getattr(frappe.local, "amazon_call_budget", None)
	frappe.local.amazon_call_budget = budget
	try:
		yield budget
	finally:
		frappe.local.amazon_call_budget = previous


def interactive_calls():
	"""For a user waiting on an answer: the calls of the block answer within seconds (see budget.py)."""
	return call_budget(interactive_budget(time.time(), configured_retry_deadline()))


@contextmanager
def watch_clients() -> Iterator[list[tuple[str, AmazonClient]]]:
	"""Collects (account, client) of every client made in the block."""
	previous = getattr(frappe.local, "amazon_clients", None)
	clients: list[tuple[str, AmazonClient]] = []
	frappe.local.amazon_clients = clients
	try:
		yield clients
	finally:
		frappe.local.amazon_clients = previous


def account_config(account: AmazonAccount, budget: CallBudget | None = None) -> AccountConfig:
	budget = budget or current_budget()
	refresh_token = account.get_password("refresh_token", raise_exception=False)
	if not account.seller_id or not refresh_token:
		frappe.throw(
			_("Amazon Account {0} is not connected yet: press Connect with Amazon on it.").format(
				frappe.bold(account.name)
			),
			title=_("Not Connected"),
		)
	return AccountConfig(
		seller_id=account.seller_id,
		region=account.region,
		marketplace_ids=tuple(row.marketplace for row in account.marketplaces),
		credentials=LwaCredentials(
			client_id=account.lwa_client_id,
			client_secret=account.get_password("lwa_client_secret"),
			refresh_token=refresh_token,
		),
		endpoint=account.endpoint_override or None,
		timeout=budget.timeout,
		connect_timeout=budget.connect_timeout,
		retry_deadline=min(budget.retry_deadline, configured_retry_deadline()),
	)


def quota_store() -> RedisQuotaStore:
	"""The site's Redis holds the buckets; while it restarts, the process's own do (amazon/quota.py)."""
	import redis.exceptions

	return RedisQuotaStore(
		frappe.cache(),
		prefix="amazon_quota",
		unreachable=(redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, ConnectionError, TimeoutError),
	)


def get_client(account: AmazonAccount | str) -> AmazonClient:
	if isinstance(account, str):
		account = frappe.get_doc("Amazon Account", account)
	budget = current_budget()
	# Amazon's quota belongs to the seller: every worker of the site shares one bucket per operation.
	client = AmazonClient(
		account_config(account, budget), quota_store(), stop_at=budget.stop_at
	)
	watched = getattr(frappe.local, "amazon_clients", None)
	if watched is not None:
		# An endpoint that did not answer an earlier client of this job is tried once per call, not for minutes.
		for name, earlier in watched:
			if name == account.name and earlier.unanswered is not None and not earlier.answered:
				client.unanswered = earlier.unanswered
		watched.append((account.name, client))
	return client


def check_connection(account: AmazonAccount) -> dict:
	"""Ask Amazon once, within seconds, and say plainly whether the registration works: connected, refused
	(Amazon answered no), or no answer at all (nothing at the endpoint answered in time)."""
	from amazon_integration.erpnext.connection_health import record_answers

	with interactive_calls(), watch_clients() as clients:
		try:
			with get_client(account) as client:
				check = client.check_connection()
		except NoAnswerError as e:
			check = None
			message = _("Amazon did not answer: {0}").format(translated(e))
		except AmazonError as e:
			check = None
			message = _("Amazon answered: {0}").format(translated(e))
	record_answers(clients)
	if check is None:
		return {"ok": False, "message": message}
	if check.no_answer:
		return {"ok": False, "no_answer": True, "message": _("Amazon did not answer: {0}").format(translated(check.message))}
	if not check.ok:
		return {"ok": False, "message": _("Amazon refused the connection: {0}").format(translated(check.message))}
	return {
		"ok": True,
		"message": _("Connected to {0} as seller {1}.").format(check.endpoint, frappe.bold(check.seller_id)),
	}


def is_sandbox_endpoint(url: str | None) -> bool:
	"""A sandbox account talks to a simulator on this machine, never to Amazon (the form's banner says so)."""
	host = urlparse(url or "").hostname or ""
	if host == "localhost" or host.endswith(".localhost"):  # loopback names (RFC 6761)
		return True
	try:
		return ip_address(host).is_loopback
	except ValueError:
		return False
