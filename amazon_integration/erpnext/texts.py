"""Translates the messages the frappe-free layers build (`amazon/text.py`'s `msg()`), when they are shown or stored."""

from __future__ import annotations

from frappe import _

from amazon_integration.amazon.text import Text, text_of


def translated(value: object) -> str:
	"""`value` in the current language: a `msg()` text (or an exception raised with one) by its template and values,
	anything else as `str()` gives it (Amazon's own texts stay as Amazon sent them)."""
	if isinstance(value, BaseException):
		value = text_of(value)
		if not isinstance(value, Text):
			return value
	if isinstance(value, Text):
		if not value.values:
			return _(value.template)
		return _(value.template).format(*(translated(v) if isinstance(v, Text | BaseException) else v for v in value.values))
	return str(value)
