"""Exact money: Decimals quantized to the currency's minor unit, rendered as strings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Currencies without minor units; every other currency the simulator uses has 2 decimals.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "VND", "ISK"})

ZERO = Decimal("0")


def decimals(currency: str) -> int:
	return 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2


def quantum(currency: str) -> Decimal:
	return Decimal(1).scaleb(-decimals(currency))


def q(amount: Decimal | int | str, currency: str) -> Decimal:
	"""`amount` rounded half-up to the currency's minor unit."""
	return Decimal(str(amount)).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def fmt(amount: Decimal | int | str, currency: str) -> str:
	"""The amount as a string with exactly the currency's decimals ("12.30", "1500")."""
	return str(q(amount, currency))


def money(amount: Decimal | int | str, currency: str) -> dict[str, str]:
	"""SP-API Money object: {"amount": "12.30", "currencyCode": "USD"}."""
	return {"amount": fmt(amount, currency), "currencyCode": currency}
