"""Per-operation counters the sync log and the benchmarks read: calls, retries, 429s, errors, time waited."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace


@dataclass
class OperationMetrics:
	calls: int = 0  # HTTP requests sent (first attempts and retries)
	retries: int = 0  # requests that were retries of an earlier failed one
	throttled: int = 0  # 429 answers
	errors: int = 0  # operations that finally raised
	seconds_waited: float = 0.0  # quota waits plus retry backoff (client-side sleeping)
	quota_seconds: float = 0.0  # of which waiting for the token bucket
	backoff_seconds: float = 0.0  # of which backing off after 429/5xx/timeouts


class Metrics:
	"""Thread-safe counters keyed by SP-API operation name (searchOrders, getOrder, ...)."""

	def __init__(self) -> None:
		self._lock = threading.Lock()
		self._ops: dict[str, OperationMetrics] = {}

	def add(self, operation: str, **deltas: float) -> None:
		with self._lock:
			counters = self._ops.setdefault(operation, OperationMetrics())
			for name, delta in deltas.items():
				setattr(counters, name, getattr(counters, name) + delta)

	def snapshot(self) -> dict[str, OperationMetrics]:
		"""A copy, safe to keep while the client goes on counting."""
		with self._lock:
			return {op: replace(counters) for op, counters in self._ops.items()}

	def total(self) -> OperationMetrics:
		total = OperationMetrics()
		for counters in self.snapshot().values():
			for name in OperationMetrics.__dataclass_fields__:
				setattr(total, name, getattr(total, name) + getattr(counters, name))
		return total

	def reset(self) -> None:
		with self._lock:
			self._ops.clear()
