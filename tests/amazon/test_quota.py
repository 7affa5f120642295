"""Token buckets: MemoryQuotaStore math and sharing; RedisQuotaStore's Lua script against a real redis-server.

The Redis test needs the redis-server binary (skipped otherwise). It talks RESP through a ten-line client that
only offers `eval`, which also exercises RedisQuotaStore's fallback for clients without register_script.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from amazon_integration.amazon.quota import MemoryQuotaStore, QuotaStore, RedisQuotaStore, quota_key


def test_burst_then_paced_at_rate() -> None:
	store = MemoryQuotaStore()
	waits = [store.acquire("S:getOrder", 0.5, 3, now=100.0) for _ in range(5)]
	# three tokens in the bucket, then reservations queue up 2 s apart (rate 0.5/s)
	assert waits == [0.0, 0.0, 0.0, 2.0, 4.0]
	# 10 s later the debt (-2 tokens) has been repaid and 3 tokens refilled... capped at the burst
	assert store.tokens("S:getOrder", 0.5, 3, now=110.0) == pytest.approx(3.0)


def test_refill_is_capped_at_burst_and_keys_are_independent() -> None:
	store = MemoryQuotaStore()
	for _ in range(20):
		store.acquire("S:searchOrders", 0.0056, 20, now=0.0)
	assert store.acquire("S:searchOrders", 0.0056, 20, now=0.0) == pytest.approx(1 / 0.0056)
	assert store.acquire("S:getOrder", 0.5, 30, now=0.0) == 0.0
	assert store.acquire("T:searchOrders", 0.0056, 20, now=0.0) == 0.0
	assert store.tokens("U:x", 1.0, 5, now=1e9) == 5.0


def test_memory_store_is_thread_safe() -> None:
	store = MemoryQuotaStore()
	waits: list[float] = []
	lock = threading.Lock()

	def worker() -> None:
		for _ in range(50):
			wait = store.acquire("S:op", 10.0, 100, now=0.0)
			with lock:
				waits.append(wait)

	threads = [threading.Thread(target=worker) for _ in range(8)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	# 400 reservations: 100 free, the other 300 spaced 0.1 s apart, each slot handed out exactly once
	assert sorted(waits) == pytest.approx([0.0] * 100 + [round(0.1 * i, 10) for i in range(1, 301)])


def test_protocol_and_key() -> None:
	assert isinstance(MemoryQuotaStore(), QuotaStore)
	assert quota_key("A1SELLER", "searchOrders") == "A1SELLER:searchOrders"


class _MiniRedis:
	"""Just enough RESP to call EVAL (and FLUSHALL)."""

	def __init__(self, port: int) -> None:
		self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
		self.file = self.sock.makefile("rb")

	def command(self, *args: object):
		parts = [f"*{len(args)}\r\n".encode()]
		for arg in args:
			data = str(arg).encode()
			parts.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
		self.sock.sendall(b"".join(parts))
		return self._read()

	def _read(self):
		line = self.file.readline().rstrip(b"\r\n")
		kind, rest = line[:1], line[1:]
		if kind == b"+":
			return rest.decode()
		if kind == b"-":
			raise RuntimeError(rest.decode())
		if kind == b":":
			return int(rest)
		if kind == b"$":
			size = int(rest)
			if size < 0:
				return None
			data = self.file.read(size + 2)[:-2]
			return data
		if kind == b"*":
			return [self._read() for _ in range(int(rest))]
		raise RuntimeError(f"unexpected RESP {line!r}")

	def eval(self, script: str, numkeys: int, *keys_and_args: object):
		return self.command("EVAL", script, numkeys, *keys_and_args)

	def close(self) -> None:
		self.file.close()
		self.sock.close()


@pytest.fixture
def redis_client() -> Iterator[_MiniRedis]:
	binary = shutil.which("redis-server")
	if binary is None:
		pytest.skip("redis-server is not installed; the Redis quota store's script is not exercised")
	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		port = probe.getsockname()[1]
	process = subprocess.Popen(
		[binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)
	try:
		client = None
		for _ in range(100):
			try:
				client = _MiniRedis(port)
				client.command("PING")
				break
			except OSError:
				time.sleep(0.05)
		if client is None:
			pytest.skip("redis-server did not start")
		yield client
		client.close()
	finally:
		process.terminate()
		process.wait(timeout=5)


def test_redis_store_matches_memory_store(redis_client: _MiniRedis) -> None:
	redis_store = RedisQuotaStore(redis_client, prefix="test")
	memory_store = MemoryQuotaStore()
	script = [(0.5, 3, 100.0)] * 5 + [(0.5, 3, 101.5), (0.5, 3, 110.0), (0.5, 3, 110.0), (0.5, 3, 110.0)]
	for rate, burst, now in script:
		assert redis_store.acquire("S:getOrder", rate, burst, now) == pytest.approx(
			memory_store.acquire("S:getOrder", rate, burst, now), abs=1e-4
		)
	ttl = redis_client.command("TTL", "test:S:getOrder")
	assert 0 < ttl <= 3 / 0.5 + 60


def test_redis_store_shared_by_two_workers(redis_client: _MiniRedis) -> None:
	worker_a = RedisQuotaStore(redis_client, prefix="shared:")
	worker_b = RedisQuotaStore(redis_client, prefix="shared:")
	waits = [store.acquire("S:searchOrders", 0.0056, 20, 1000.0) for store in [worker_a, worker_b] * 11]
	assert waits[:20] == [0.0] * 20
	assert waits[20] == pytest.approx(1 / 0.0056, abs=1e-3)
	assert waits[21] == pytest.approx(2 / 0.0056, abs=1e-3)


class _FlakyRedis:
	"""A client whose Redis is restarting: `eval` raises `error` while `down`, else a full bucket's answer."""

	def __init__(self, error: type[BaseException]) -> None:
		self.error = error
		self.down = True
		self.calls = 0

	def eval(self, script: str, numkeys: int, *keys_and_args: object):
		self.calls += 1
		if self.down:
			raise self.error("Error 111 connecting to 127.0.0.1:13000. Connection refused.")
		return b"0"


def test_unreachable_redis_paces_from_an_in_process_bucket_that_starts_at_burst() -> None:
	client = _FlakyRedis(ConnectionError)
	store = RedisQuotaStore(client, prefix="q", fallback=MemoryQuotaStore())
	waits = [store.acquire("S:getOrder", 0.5, 3, 100.0) for _ in range(5)]
	assert waits[:3] == [0.0, 0.0, 0.0]  # the operation's burst, not nothing ...
	assert waits[3:] == [pytest.approx(2.0), pytest.approx(4.0)]  # ... and not infinity
	assert store.unreachable_calls == 5
	client.down = False  # Redis answers again: its bucket is used, the fallback no more
	assert store.acquire("S:getOrder", 0.5, 3, 100.0) == 0.0
	assert store.unreachable_calls == 5 and client.calls == 6


def test_only_the_named_exceptions_mean_unreachable() -> None:
	class RedisConnectionError(Exception):  # redis-py's is no builtin ConnectionError
		pass

	store = RedisQuotaStore(_FlakyRedis(RedisConnectionError), prefix="q", fallback=MemoryQuotaStore())
	with pytest.raises(RedisConnectionError):
		store.acquire("S:getOrder", 0.5, 3, 100.0)
	store = RedisQuotaStore(
		_FlakyRedis(RedisConnectionError), prefix="q", unreachable=(RedisConnectionError,), fallback=MemoryQuotaStore()
	)
	assert store.acquire("S:getOrder", 0.5, 3, 100.0) == 0.0


def test_a_flushed_bucket_starts_from_burst(redis_client: _MiniRedis) -> None:
	store = RedisQuotaStore(redis_client, prefix="flush:")
	assert [store.acquire("S:getOrder", 0.5, 3, 100.0) for _ in range(4)][-1] == pytest.approx(2.0)
	redis_client.command("FLUSHALL")
	waits = [store.acquire("S:getOrder", 0.5, 3, 100.0) for _ in range(4)]
	assert waits == [0.0, 0.0, 0.0, pytest.approx(2.0)]


def test_redis_restart_mid_run_falls_back_then_returns(redis_client: _MiniRedis) -> None:
	"""The server goes away (connection refused) and comes back empty on the same port."""
	port = redis_client.sock.getpeername()[1]

	class Reconnecting:
		def __init__(self) -> None:
			self.port: int | None = port

		def eval(self, script: str, numkeys: int, *keys_and_args: object):
			if self.port is None:
				raise ConnectionRefusedError(111, "Connection refused")
			client = _MiniRedis(self.port)
			try:
				return client.eval(script, numkeys, *keys_and_args)
			finally:
				client.close()

	client = Reconnecting()
	store = RedisQuotaStore(client, prefix="restart:", unreachable=(OSError,), fallback=MemoryQuotaStore())
	assert [store.acquire("S:getOrder", 0.5, 3, 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
	client.port = None  # restarting
	assert store.acquire("S:getOrder", 0.5, 3, 100.0) == 0.0  # the in-process bucket's first token
	client.port = port
	redis_client.command("FLUSHALL")  # came back empty
	assert store.acquire("S:getOrder", 0.5, 3, 100.0) == 0.0
	assert store.unreachable_calls == 1
