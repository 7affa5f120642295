"""Client-side token buckets, one per seller and operation, behind a small storage interface.

Amazon's quota belongs to the selling partner (per application), not to one registration or one process, so the
bucket state must be shared by every worker calling Amazon for that seller: `MemoryQuotaStore` shares it inside
one process; `RedisQuotaStore` shares it across RQ workers (the ERPNext side passes the site's Redis).

`acquire` reserves one token and returns how long the caller must wait before sending its request. Reserving
(letting the balance go negative) instead of "check, sleep, check again" keeps concurrent callers in a fair queue
and means a caller never needs a second round trip to the store.

Time is whatever the client passes as `now` (seconds). With several processes sharing Redis this must be a clock
they share: wall-clock epoch seconds (the client's default), not time.monotonic().
"""

from __future__ import annotations

import math
import threading
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class QuotaStore(Protocol):
	def acquire(self, key: str, rate: float, burst: int, now: float) -> float:
		"""Take one token from bucket `key` (refilling at `rate`/s up to `burst`); return seconds to wait (>= 0)."""
		...


def _refill(tokens: float, last: float, rate: float, burst: int, now: float) -> tuple[float, float]:
	if now > last:
		tokens = min(float(burst), tokens + (now - last) * rate)
		last = now
	return tokens, last


class MemoryQuotaStore:
	"""Thread-safe in-process buckets. Share one instance between all clients of a seller in the process."""

	def __init__(self) -> None:
		self._lock = threading.Lock()
		self._buckets: dict[str, tuple[float, float]] = {}

	def acquire(self, key: str, rate: float, burst: int, now: float) -> float:
		if rate <= 0:
			raise ValueError("rate must be > 0")
		with self._lock:
			tokens, last = self._buckets.get(key, (float(burst), now))
			tokens, last = _refill(tokens, last, rate, burst, now)
			tokens -= 1.0
			self._buckets[key] = (tokens, last)
		return 0.0 if tokens >= 0 else -tokens / rate

	def tokens(self, key: str, rate: float, burst: int, now: float) -> float:
		"""Current balance (for tests and diagnostics); negative while reservations are queued."""
		with self._lock:
			tokens, last = self._buckets.get(key, (float(burst), now))
			return _refill(tokens, last, rate, burst, now)[0]

	def clear(self) -> None:
		with self._lock:
			self._buckets.clear()


# KEYS[1] bucket hash; ARGV: rate, burst, now, ttl. Returns the wait as a string (Lua numbers would be
# truncated to integers on the way back to Redis).
_ACQUIRE_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
	tokens = burst
	ts = now
end
if now > ts then
	tokens = math.min(burst, tokens + (now - ts) * rate)
	ts = now
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.6f', ts))
redis.call('EXPIRE', KEYS[1], ttl)
if tokens >= 0 then
	return '0'
end
return string.format('%.6f', -tokens / rate)
"""


# While Redis does not answer (a restart), buckets live here, shared by every RedisQuotaStore of the process.
FALLBACK_QUOTA_STORE = MemoryQuotaStore()


class RedisQuotaStore:
	"""Buckets in Redis, updated atomically by a small Lua script.

	`redis_client` is duck-typed: anything with `register_script` (redis-py, frappe.cache()) or `eval`. No redis
	import here, so the gateway stays importable without the redis package.

	Redis unreachable (`unreachable`: the exceptions meaning so; redis-py's are not the builtin ones, so its
	caller passes them): the call takes its token from `fallback`, an in-process bucket that starts full (the
	operation's burst), neither failing the call nor calling Amazon unpaced; the next call tries Redis again. A
	bucket Redis lost (flush, restart without persistence) also starts from burst, in the Lua script.
	"""

	def __init__(
		self,
		redis_client: Any,
		prefix: str = "amazon_integration:quota:",
		*,
		unreachable: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError),
		fallback: MemoryQuotaStore | None = None,
	) -> None:
		self._redis = redis_client
		self._unreachable = unreachable
		self._fallback = fallback if fallback is not None else FALLBACK_QUOTA_STORE
		self.unreachable_calls = 0  # calls paced by the fallback (diagnostics, tests)
		self._prefix = prefix if not prefix or prefix.endswith(":") else prefix + ":"
		self._script = None
		register = getattr(redis_client, "register_script", None)
		if callable(register):
			self._script = register(_ACQUIRE_LUA)

	def acquire(self, key: str, rate: float, burst: int, now: float) -> float:
		if rate <= 0:
			raise ValueError("rate must be > 0")
		# Keep the hash a little longer than a full refill takes; after that it equals a fresh, full bucket.
		ttl = int(math.ceil(burst / rate)) + 60
		args = [repr(float(rate)), str(int(burst)), f"{now:.6f}", str(ttl)]
		full_key = self._prefix + key
		try:
			if self._script is not None:
				result = self._script(keys=[full_key], args=args)
			else:
				result = self._redis.eval(_ACQUIRE_LUA, 1, full_key, *args)
		except self._unreachable:
			self.unreachable_calls += 1
			return self._fallback.acquire(full_key, rate, burst, now)
		if isinstance(result, bytes):
			result = result.decode()
		return max(0.0, float(result))


def quota_key(seller_id: str, operation: str) -> str:
	return f"{seller_id}:{operation}"
