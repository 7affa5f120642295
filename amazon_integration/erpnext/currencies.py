"""Currency symbols that tell an account's currencies apart in lists, forms and reports.

ERPNext gives USD, CAD, MXN, AUD and SGD the same symbol "$": a list of USD and CAD orders would show both as
"$". When an Amazon Account sells in currencies that share a symbol, each currency but the company's takes
its distinct symbol (CLDR's English one: CA$, MX$, ...), once, and the user is told.
"""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe import _

DISTINCT_SYMBOLS = {
	"USD": "US$",
	"CAD": "CA$",
	"MXN": "MX$",
	"AUD": "A$",
	"SGD": "S$",
	"NZD": "NZ$",
	"HKD": "HK$",
	"BRL": "R$",
}


def tell_currencies_apart(company_currency: str, currencies: Iterable[str]) -> list[tuple[str, str, str]]:
	"""Give each of `currencies` whose symbol another one (or the company currency) also shows its distinct
	symbol. The company currency keeps its own. Returns the changes as (currency, old symbol, new symbol)."""
	wanted = [company_currency, *sorted(set(currencies) - {company_currency})]
	symbols = dict(frappe.get_all("Currency", filters={"name": ("in", wanted)}, fields=["name", "symbol"], as_list=True))
	changes = []
	seen = {symbols.get(company_currency) or company_currency}
	for currency in wanted[1:]:
		symbol = symbols.get(currency) or currency
		distinct = DISTINCT_SYMBOLS.get(currency)
		if symbol in seen and distinct and distinct not in seen:
			frappe.db.set_value("Currency", currency, "symbol", distinct)
			changes.append((currency, symbol, distinct))
			symbol = distinct
		seen.add(symbol)
	if changes:
		frappe.cache.delete_key("bootinfo")  # the desk reads symbols from each user's cached boot
	return changes


def announce(changes: list[tuple[str, str, str]]) -> None:
	for currency, old, new in changes:
		frappe.msgprint(
			_("Currency {0} now shows as {1} instead of {2}, so that its amounts are told apart from other currencies'.").format(
				frappe.bold(currency), frappe.bold(new), old
			),
			title=_("Currency Symbols"),
			indicator="blue",
		)
