"""Messages for a person, built where Frappe is not available (the gateway amazon/ and domain/; domain/text.py
re-exports these: the gateway cannot import domain/).

`msg("Row {0} has no SKU", row)` is the English text (a `str`, so it prints, compares and is stored exactly as
before) that also remembers its template and values. The adapter translates it at the moment it shows or stores
it (`erpnext/texts.py`: `translated(value)`), in the language Frappe has at that moment. The translation scan
(`devtools/i18n.py`) extracts the template of every `msg()` like a `_()`.
"""

from __future__ import annotations


class Text(str):
	"""English text of `template.format(*values)` that knows its template and values."""

	template: str
	values: tuple

	def __new__(cls, template: str, *values: object) -> Text:
		text = super().__new__(cls, template.format(*values) if values else template)
		text.template = template
		text.values = values
		return text


def msg(template: str, *values: object) -> Text:
	"""A message to translate later; values stay outside the template, as with Frappe's `_()`."""
	return Text(template, *values)


def text_of(error: BaseException) -> str:
	"""An exception's message, kept as a `msg()` text when it was raised with one (so it is still translatable).
	An exception that composes its own text (the gateway's AmazonError: operation, message, HTTP status) gives it
	by `as_text()`."""
	as_text = getattr(error, "as_text", None)
	if callable(as_text):
		return as_text()
	args = error.args
	if len(args) == 1 and isinstance(args[0], Text) and str(error) == args[0]:
		return args[0]
	return str(error)
