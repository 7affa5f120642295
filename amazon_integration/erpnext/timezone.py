"""Amazon speaks UTC; ERPNext stores naive datetimes in the site's system time zone."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from frappe.utils import get_datetime, get_system_timezone


def to_system(value: datetime) -> datetime:
	"""An aware (or naive UTC) datetime as the naive system-time datetime ERPNext stores."""
	if value.tzinfo is None:
		value = value.replace(tzinfo=timezone.utc)
	return value.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)


def from_system(value: datetime | str) -> datetime:
	"""A naive system-time datetime (as ERPNext stores it) as an aware UTC datetime."""
	value = get_datetime(value)
	if value.tzinfo is None:
		value = value.replace(tzinfo=ZoneInfo(get_system_timezone()))
	return value.astimezone(timezone.utc)
