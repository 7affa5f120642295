"""Simulated UTC time: real elapsed time multiplied by `time_scale`, plus explicit jumps (advance)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone


class Clock:
	"""Simulated clock. now() = start + (real seconds since creation) * time_scale + advanced seconds."""

	def __init__(self, time_scale: float = 1.0, start: datetime | None = None) -> None:
		if time_scale < 0:
			raise ValueError("time_scale must be >= 0")
		if start is None:
			start = datetime.now(timezone.utc).replace(microsecond=0)
		elif start.tzinfo is None:
			start = start.replace(tzinfo=timezone.utc)
		self._start = start.astimezone(timezone.utc)
		self._real_origin = time.monotonic()
		self._offset = 0.0  # seconds added by advance()
		self._time_scale = float(time_scale)
		self._lock = threading.Lock()

	@property
	def time_scale(self) -> float:
		return self._time_scale

	@time_scale.setter
	def time_scale(self, value: float) -> None:
		# Re-anchor so the simulated time does not jump when the scale changes.
		with self._lock:
			elapsed = self._elapsed_locked()
			self._start = self._start + timedelta(seconds=elapsed)
			self._offset = 0.0
			self._real_origin = time.monotonic()
			self._time_scale = float(value)

	def _elapsed_locked(self) -> float:
		return (time.monotonic() - self._real_origin) * self._time_scale + self._offset

	def elapsed(self) -> float:
		"""Simulated seconds since the clock's start (monotonic; handy for token buckets)."""
		with self._lock:
			return self._elapsed_locked()

	def now(self) -> datetime:
		"""Current simulated time, tz-aware UTC."""
		return self._start + timedelta(seconds=self.elapsed())

	def advance(self, seconds: float) -> None:
		"""Jump the simulated time forward by `seconds` (never backwards)."""
		if seconds < 0:
			raise ValueError("the clock only moves forward")
		with self._lock:
			self._offset += float(seconds)
