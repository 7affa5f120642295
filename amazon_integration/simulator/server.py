"""The HTTP server: dispatch, request ids, access-token checks, quotas, fault injection; the Simulator class.

Request pipeline (routes registered by each module's `register(router, state)`):
1. match the route (unknown path -> 404 NotFound, wrong method -> 405); every answer gets x-amzn-RequestId;
2. routes with an SP-API `operation` (not the LWA, control, upload or download routes):
   a. x-amz-access-token must be a live token from auth.py (else 403 Unauthorized);
   b. injected faults, queued or drawn by the fault rate: slow (delay first), throttle (429 QuotaExceeded),
      error (500/503);
   c. the operation's token bucket (429 QuotaExceeded when empty);
3. the handler; ApiError -> JSON errors array; any other exception -> 500 InternalFailure;
4. 2xx of a quota'd operation carry x-amzn-RateLimit-Limit; a "truncate" fault cuts a 2xx body in half.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import (
	aftersale,
	auth,
	control,
	documents,
	feeds,
	finances,
	inbound,
	inventory,
	listings,
	orders,
	outbound,
	reports,
	shipping,
	vat_invoices,
)
from .auth import check_access_token
from .clock import Clock
from .http import ApiError, Request, Response, Router
from .quotas import QuotaManager, load_usage_plans
from .state import Fault, LwaConfig, SimulatorState

log = logging.getLogger("amazon_integration.simulator")

# Modules registered in this order; each has `register(router, state)`.
MODULES = (
	orders, auth, control, documents, feeds, reports, finances, inventory, vat_invoices, aftersale, listings, outbound,
	shipping, inbound,
)
QUOTA_EXCEEDED = "You exceeded your quota for the requested resource."
MAX_BODY = 64 * 1024 * 1024  # answer 413 above this


def _json_default(value: Any) -> Any:
	if isinstance(value, Decimal):
		return str(value)
	if isinstance(value, datetime):
		return value.isoformat()
	raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def encode_body(response: Response) -> tuple[bytes, str | None]:
	body = response.body
	if body is None:
		return b"", response.content_type
	if isinstance(body, (bytes, bytearray)):
		return bytes(body), response.content_type or "application/octet-stream"
	if isinstance(body, str):
		return body.encode("utf-8"), response.content_type or "text/plain; charset=utf-8"
	text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_json_default)
	return text.encode("utf-8"), response.content_type or "application/json"


class Dispatcher:
	"""Turns a Request into a Response following the pipeline in the module docstring."""

	def __init__(self, state: SimulatorState, router: Router, life: Any = None) -> None:
		self.state = state
		self.router = router
		self.life = life  # generator.Life or None

	def dispatch(self, req: Request) -> tuple[Response, bool]:
		"""(response, truncate?)"""
		state = self.state
		try:
			found = self.router.match(req.method, req.path)
		except ApiError as exc:
			return Response(exc.status, exc.to_body()), False
		if found is None:
			return Response(404, ApiError(404, "NotFound", f"Resource {req.path} was not found.").to_body()), False
		route, path_args = found
		req.path_args = path_args
		operation = route.operation
		counter_key = operation or f"{route.method} {route.pattern}"
		truncate = False
		drawn = None
		try:
			if operation is not None:
				if self.life is not None:
					self.life.tick(state)
				# A finished feed changes orders whoever asks next, not only a client polling getFeed.
				feeds.tick(state)
				check_access_token(state, req)
				drawn = state.faults.draw(operation)
				slow = state.faults.take("slow", operation)
				if slow is not None and slow.delay > 0:
					time.sleep(slow.delay)
				elif drawn == "slow":
					time.sleep(state.faults.slow_seconds)  # then answer: what the call did stands, the client gave up
				if drawn == "throttle" or state.faults.take("throttle", operation) is not None:
					raise ApiError(429, "QuotaExceeded", QUOTA_EXCEEDED)
				if drawn in ("error_500", "error_503"):
					drawn_status = 503 if drawn == "error_503" else 500
					error = Fault(kind="error", operation=operation, status=drawn_status)
				else:
					error = state.faults.take("error", operation)
				if error is not None:
					if error.status == 503:
						raise ApiError(503, "ServiceUnavailable", "Service temporarily unavailable. Please try again.")
					raise ApiError(error.status or 500, "InternalFailure", "We encountered an internal error. Please try again.")
				if not state.quotas.take(state.seller_id, operation):
					raise ApiError(429, "QuotaExceeded", QUOTA_EXCEEDED)
			response = route.handler(req)
			if not isinstance(response, Response):
				raise TypeError(f"handler for {route.pattern} returned {type(response).__name__}, not Response")
			if operation is not None and 200 <= response.status < 300:
				response.headers.setdefault("x-amzn-RateLimit-Limit", state.quotas.plan(operation).header)
				truncate = drawn == "truncate" or state.faults.take("truncate", operation) is not None
		except ApiError as exc:
			response = Response(exc.status, exc.to_body())
			if operation is not None and exc.status not in (403, 429):
				response.headers["x-amzn-RateLimit-Limit"] = state.quotas.plan(operation).header
		except Exception as exc:  # a bug in a handler: answer like Amazon does, keep serving
			log.exception("simulator handler failed for %s %s", req.method, route.pattern)
			response = Response(500, ApiError(500, "InternalFailure", "We encountered an internal error. Please try again.",
											   f"{type(exc).__name__}: {exc}").to_body())
		if not route.pattern.startswith("/_sim"):
			state.counters.record(counter_key, response.status)
		return response, truncate


class _Handler(BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"  # keep-alive: httpx reuses connections
	server_version = "AmazonSPAPISimulator/1.0"
	dispatcher: Dispatcher  # set on the per-server subclass
	verbose: bool = False

	def setup(self) -> None:
		super().setup()
		# Headers and body go out in separate writes; without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per answer.
		self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

	def log_message(self, format: str, *args: Any) -> None:  # quiet unless --verbose; never bodies or tokens
		if self.verbose:
			log.info("%s %s", self.address_string(), format % args)

	def _handle(self) -> None:
		request_id = str(uuid.uuid4())
		split = urlsplit(self.path)
		headers = {key.lower(): value for key, value in self.headers.items()}
		try:
			length = int(headers.get("content-length") or 0)
		except ValueError:
			length = 0
		if length > MAX_BODY:
			self._send(Response(413, ApiError(413, "RequestEntityTooLarge", "The request is too large.").to_body()),
					   request_id, False, close=True)
			return
		body = self.rfile.read(length) if length > 0 else b""
		req = Request(
			method=self.command.upper(),
			path=split.path or "/",
			query=parse_qs(split.query, keep_blank_values=True),
			headers=headers,
			body=body,
			path_args={},
		)
		response, truncate = self.dispatcher.dispatch(req)
		self._send(response, request_id, truncate)

	def _send(self, response: Response, request_id: str, truncate: bool, close: bool = False) -> None:
		payload, content_type = encode_body(response)
		if truncate and len(payload) > 1:
			payload = payload[: len(payload) // 2]
		if response.status == 204 or self.command == "HEAD":
			send_payload = b""
		else:
			send_payload = payload
		self.send_response(response.status)
		self.send_header("x-amzn-RequestId", request_id)
		if content_type and response.status != 204:
			self.send_header("Content-Type", content_type)
		for name, value in response.headers.items():
			self.send_header(name, value)
		if response.status != 204:
			self.send_header("Content-Length", str(len(payload) if self.command == "HEAD" else len(send_payload)))
		if close:
			self.send_header("Connection", "close")
			self.close_connection = True
		self.end_headers()
		if send_payload:
			self.wfile.write(send_payload)

	do_GET = _handle
	do_POST = _handle
	do_PUT = _handle
	do_DELETE = _handle
	do_PATCH = _handle
	do_HEAD = _handle


class _Server(ThreadingHTTPServer):
	daemon_threads = True
	block_on_close = False
	allow_reuse_address = True

	def handle_error(self, request, client_address) -> None:
		# A client that stopped waiting (its timeout, a slow or truncated answer) is what faults are for: not an error.
		if isinstance(sys.exc_info()[1], ConnectionError):
			return
		super().handle_error(request, client_address)


def build_router(state: SimulatorState) -> Router:
	"""A router with every available module registered."""
	router = Router()
	for module in MODULES:
		module.register(router, state)
	return router


class Simulator:
	"""A running SP-API simulator on loopback. Use as a context manager or call start()/stop()."""

	def __init__(
		self,
		seed: int = 1,
		orders: int = 200,
		time_scale: float = 1.0,
		port: int = 0,
		client_id: str | None = None,
		client_secret: str | None = None,
		refresh_token: str | None = None,
		seller_id: str = "A1SIMSELLER",
		host: str = "127.0.0.1",
		start: datetime | None = None,
		models_dir: str | None = None,
		verbose: bool = False,
		days: float = 4.0,
		life: bool = False,
		life_orders_per_hour: float = 6.0,
		marketplaces: Sequence[str] | None = None,
		namespace: int = 0,
	) -> None:
		self.seed = seed
		self.marketplaces = tuple(marketplaces or ())
		self.order_count = orders
		self.host = host
		self.port = port
		self.verbose = verbose
		self.days = days
		self.clock = Clock(time_scale=time_scale, start=start)
		self.state = SimulatorState(clock=self.clock, seed=seed, seller_id=seller_id, namespace=namespace)
		self.state.lwa = LwaConfig(client_id, client_secret, refresh_token)
		self.state.quotas = QuotaManager(self.clock, load_usage_plans(models_dir))
		self._server: _Server | None = None
		self._thread: threading.Thread | None = None
		self._control = None
		self._generated = False
		self.life = None
		if life:
			from .generator import Life

			self.life = Life(seed, life_orders_per_hour, self.marketplaces)

	def __repr__(self) -> str:
		return f"Simulator(url={self.url if self._server else None!r}, seed={self.seed}, orders={self.order_count})"

	@property
	def url(self) -> str:
		if self._server is None:
			raise RuntimeError("the simulator is not running")
		return f"http://{self.host}:{self._server.server_address[1]}"

	@property
	def control(self):
		from .control import ControlClient

		if self._control is None:
			self._control = ControlClient(self.url)
		return self._control

	def start(self) -> Simulator:
		if self._server is not None:
			return self
		from .generator import generate

		if not self._generated:
			generate(self.state, self.order_count, self.seed, days=self.days, marketplaces=self.marketplaces)
			self._generated = True
		router = build_router(self.state)
		handler = type("SimulatorHandler", (_Handler,), {"dispatcher": Dispatcher(self.state, router, self.life),
														 "verbose": self.verbose})
		self._server = _Server((self.host, self.port), handler)
		self.port = self._server.server_address[1]
		self.state.base_url = self.url
		self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
										name=f"sp-api-simulator:{self.port}", daemon=True)
		self._thread.start()
		return self

	def stop(self) -> None:
		if self._control is not None:
			self._control.close()
			self._control = None
		if self._server is not None:
			self._server.shutdown()
			self._server.server_close()
			self._server = None
		if self._thread is not None:
			self._thread.join(timeout=5)
			self._thread = None

	def serve_forever(self) -> None:
		"""Start (if needed) and block until interrupted (the command line uses this)."""
		self.start()
		try:
			while self._thread is not None and self._thread.is_alive():
				self._thread.join(timeout=0.5)
		finally:
			self.stop()

	def __enter__(self) -> Simulator:
		return self.start()

	def __exit__(self, *exc: object) -> None:
		self.stop()
