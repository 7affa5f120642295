"""No client secret, refresh token, access token or buyer PII in any log record (every logger at DEBUG,
python-amazon-sp-api's and httpx's included) or in any exception text the gateway raises."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from amazon_integration.amazon import AmazonError, ShipmentConfirmation
from amazon_integration.amazon.auth import TokenCache

CLIENT_SECRET = "amzn1.oa2-cs.v1.GATEWAY-SECRET-0123456789"  # the gateway conftest's credentials
REFRESH_TOKEN = "Atzr|GATEWAY-REFRESH-TOKEN-abcdefghijklmnop"
LOGGERS = ("", "sp_api", "sp_api.base.client", "sp_api.auth.access_token_client", "httpx", "httpcore",
		   "httpcore.http11", "httpcore.connection", "amazon_integration", "amazon_integration.amazon")


class _Capture(logging.Handler):
	def __init__(self) -> None:
		super().__init__(logging.DEBUG)
		self.records: list[logging.LogRecord] = []

	def emit(self, record: logging.LogRecord) -> None:
		self.records.append(record)


@pytest.fixture
def captured() -> Iterator[_Capture]:
	handler = _Capture()
	previous = {name: logging.getLogger(name).level for name in LOGGERS}
	for name in LOGGERS:
		logging.getLogger(name).setLevel(logging.DEBUG)
	logging.getLogger().addHandler(handler)
	try:
		yield handler
	finally:
		logging.getLogger().removeHandler(handler)
		for name, level in previous.items():
			logging.getLogger(name).setLevel(level)


def _texts(record: logging.LogRecord) -> str:
	parts = [record.getMessage()]
	if record.exc_info and record.exc_info[1] is not None:
		parts.append(repr(record.exc_info[1]))
	return "\n".join(parts)


def test_nothing_secret_in_logs_or_errors(sim_factory, gateway, captured: _Capture) -> None:
	sim = sim_factory()
	strict = sim_factory(client_id="the-id", client_secret="the-right-secret", refresh_token="Atzr|right-refresh")
	errors: list[AmazonError] = []

	def expect_error(call) -> None:
		try:
			call()
		except AmazonError as exc:
			errors.append(exc)
		else:
			raise AssertionError("an error was expected")

	client = gateway(sim, now=time.time)
	start = sim.clock.now() - timedelta(days=10)
	orders = list(client.search_orders(start, included_data=("BUYER", "RECIPIENT", "TAX", "FULFILLMENT", "PROCEEDS")))
	assert orders and any(o.buyer and o.buyer.name for o in orders)
	seen_tokens = {client._tokens.last_token}
	for order in orders[:3]:
		client.get_order(order.order_id, ("BUYER", "RECIPIENT", "TAX"))
		repr(order), str(order)
	sim.control.add_fault("throttle", "getOrder", count=2)
	sim.control.add_fault("error", "getOrder", count=1, status=503)
	client.get_order(orders[0].order_id, ("BUYER",))
	expect_error(lambda: client.get_order("111-0000000-0000000"))
	fbm = next(o for o in orders if o.channel == "FBM")
	expect_error(lambda: client.confirm_shipment(
		fbm.order_id, ShipmentConfirmation("1", "UPS", "T1", sim.clock.now(), items=(("99999999999999", 1),))
	))
	sim.control.advance(3700)  # the access token expires: renewed once
	client.get_order(orders[0].order_id)
	seen_tokens.add(client._tokens.last_token)
	feed_id = client.submit_feed("POST_ORDER_FULFILLMENT_DATA", b"<AmazonEnvelope/>")
	client.get_feed(feed_id)
	report_id = client.create_report("GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL", start=start)
	for _ in range(20):
		report = client.get_report(report_id)
		if report.is_finished:
			break
		sim.control.advance(10)
	with client.open_report_document(report.document_id) as lines:
		assert sum(1 for _ in lines) > 1

	class Poisoned(TokenCache):  # a refused token is renewed once: this cache hands the poisoned one out again
		def get(self, key: str, now: float) -> str | None:
			return "Atza|poisoned-token-value-1234567890"

	poisoned = Poisoned()
	bad_token_client = gateway(sim, token_cache=poisoned)
	expect_error(lambda: bad_token_client.get_order(orders[0].order_id))
	expect_error(lambda: gateway(strict).get_order("111-0000000-0000000"))

	with sim.state.lock:
		access_tokens = set(sim.state.access_tokens) | seen_tokens
		pii = set()
		for order in sim.state.orders.values():
			pii.update({order.buyer.name, order.buyer.email, order.address.name, order.address.address_line1})
			if order.address.phone:
				pii.add(order.address.phone)
	secrets = {CLIENT_SECRET, REFRESH_TOKEN, "the-right-secret", "Atzr|right-refresh", "Atza|poisoned-token-value-1234567890"}
	secrets.update(access_tokens)
	assert len(access_tokens) >= 2 and len(pii) > 10
	forbidden = {s for s in secrets | pii if s and len(s) >= 6}

	texts = [_texts(r) for r in captured.records]
	texts += [str(e) for e in errors] + [repr(e) for e in errors]
	texts += [repr(client), repr(client.config), repr(client._tokens), repr(poisoned)]
	assert len(captured.records) > 50  # the capture really saw the traffic (httpx, httpcore, the gateway)
	leaks = sorted({secret for secret in forbidden for text in texts if secret in text})
	assert not leaks, f"leaked into logs/errors: {len(leaks)} values, e.g. {leaks[0][:4]}..."
	# the library's header/body dumps never got through
	assert not any(r.name.startswith("sp_api") and r.levelno < logging.INFO for r in captured.records)
	assert all("x-amz-access-token" not in t.lower() for t in texts)
	assert len(errors) == 4 and {type(e).__name__ for e in errors} == {"NotFoundError", "InvalidInputError", "AuthError"}
