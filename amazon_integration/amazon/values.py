"""Small value helpers every API family's records share: Amazon's times, decimals, lists and objects.

Lenient on purpose: a value Amazon left out or sent malformed reads as None (or empty), never as an exception,
so one odd field never loses a whole order or page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

_FRACTION = re.compile(r"\.(\d+)")


def parse_datetime(value: Any) -> datetime | None:
	"""ISO 8601 (with Z, offsets, any fraction length, or a bare date) -> tz-aware UTC datetime."""
	if value in (None, ""):
		return None
	if isinstance(value, datetime):
		return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
	text = str(value).strip()
	if text.endswith(("Z", "z")):
		text = text[:-1] + "+00:00"
	# Python 3.10's fromisoformat wants exactly 3 or 6 fraction digits.
	text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
	try:
		parsed = datetime.fromisoformat(text)
	except ValueError:
		try:
			parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
		except ValueError:
			return None
	if parsed.tzinfo is None:
		parsed = parsed.replace(tzinfo=timezone.utc)
	return parsed.astimezone(timezone.utc)


def format_datetime(value: datetime) -> str:
	"""tz-aware (naive = UTC) datetime -> ISO 8601 'YYYY-MM-DDTHH:MM:SSZ', floored to the second."""
	if value.tzinfo is None:
		value = value.replace(tzinfo=timezone.utc)
	return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_decimal(value: Any) -> Decimal | None:
	if value is None or value == "":
		return None
	if isinstance(value, Decimal):
		return value
	try:
		# str() of a float is its shortest round-trip form, i.e. the JSON literal Amazon sent.
		return Decimal(str(value))
	except (InvalidOperation, ValueError):
		return None


def to_int(value: Any) -> int | None:
	if value is None or value == "":
		return None
	try:
		return int(value)
	except (TypeError, ValueError):
		try:
			return int(Decimal(str(value)))
		except (InvalidOperation, ValueError):
			return None


def as_list(value: Any) -> list:
	return value if isinstance(value, list) else []


def as_dict(value: Any) -> Mapping:
	return value if isinstance(value, Mapping) else {}


def aware(value: datetime) -> datetime:
	"""A naive datetime is UTC."""
	return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def chunked(values: Iterable[str], size: int) -> Iterable[list[str]]:
	chunk: list[str] = []
	for value in values:
		chunk.append(value)
		if len(chunk) == size:
			yield chunk
			chunk = []
	if chunk:
		yield chunk
