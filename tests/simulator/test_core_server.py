"""HTTP plumbing: Request helpers, routing, request ids, error bodies, Host not checked, command line."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from amazon_integration.simulator.http import ApiError, Request, Response, Router


def test_request_helpers():
	req = Request("GET", "/x", {"a": ["1,2", "3"], "b": [""]}, {}, b"", {})
	assert req.param("a") == "1,2" and req.param("missing") is None
	assert req.param_list("a") == ["1", "2", "3"] and req.param_list("b") == []
	assert req.json() == {}
	with pytest.raises(ApiError) as caught:
		Request("POST", "/x", {}, {}, b"{nope", {}).json()
	assert caught.value.status == 400 and caught.value.code == "InvalidInput"
	assert Request("POST", "/x", {}, {}, b'{"k": 1}', {}).json() == {"k": 1}


def test_router_patterns_and_methods():
	router = Router()

	@router.route("GET", "/feeds/2021-06-30/feeds/{feedId}", operation="getFeed")
	def get_feed(req: Request) -> Response:
		return Response(200, {"feedId": req.path_args["feedId"]})

	route, args = router.match("GET", "/feeds/2021-06-30/feeds/123")
	assert route.operation == "getFeed" and args == {"feedId": "123"}
	assert router.match("GET", "/feeds/2021-06-30/feeds/123/x") is None
	with pytest.raises(ApiError) as caught:
		router.match("DELETE", "/feeds/2021-06-30/feeds/123")
	assert caught.value.status == 405


def test_unknown_route_errors_and_request_ids(sim):
	answer = httpx.get(f"{sim.url}/nothing/here")
	assert answer.status_code == 404 and answer.json()["errors"][0]["code"] == "NotFound"
	assert answer.headers["x-amzn-RequestId"]
	wrong = httpx.delete(f"{sim.url}/_sim/health")
	assert wrong.status_code == 405 and wrong.json()["errors"]
	ids = {httpx.get(f"{sim.url}/_sim/health").headers["x-amzn-RequestId"] for _ in range(3)}
	assert len(ids) == 3


def test_host_header_is_not_checked(sim):
	answer = httpx.get(f"{sim.url}/_sim/health", headers={"host": "27.0.0.1:1"})  # what sp_api sends for http://
	assert answer.status_code == 200


def test_command_line_starts_a_server():
	process = subprocess.Popen(
		[sys.executable, "-m", "amazon_integration.simulator", "--port", "0", "--seed", "2", "--orders", "10",
		 "--time-scale", "10"],
		stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
	)
	try:
		line = process.stdout.readline()
		assert "listening on http://127.0.0.1:" in line, line + process.stderr.read()
		url = line.split("listening on ")[1].split()[0]
		deadline = time.monotonic() + 10
		while True:
			try:
				health = httpx.get(f"{url}/_sim/health").json()
				break
			except httpx.TransportError:
				if time.monotonic() > deadline:
					raise
				time.sleep(0.05)
		assert health["orders"] == 10
	finally:
		process.terminate()
		process.wait(timeout=10)


def test_a_client_that_stopped_waiting_is_no_error_but_a_real_error_is_printed(capsys):
	from http.server import BaseHTTPRequestHandler

	from amazon_integration.simulator.server import _Server

	server = _Server(("127.0.0.1", 0), BaseHTTPRequestHandler)
	try:
		for error in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset"), ValueError("boom")):
			try:
				raise error
			except Exception:
				server.handle_error(None, ("127.0.0.1", 1))
	finally:
		server.server_close()
	printed = capsys.readouterr().err
	assert "ValueError: boom" in printed
	assert "BrokenPipeError" not in printed and "ConnectionResetError" not in printed
