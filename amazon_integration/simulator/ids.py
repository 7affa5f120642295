"""Numbers and codes derived from the seed: the same seed and parts give the same value on every run."""

from __future__ import annotations

import hashlib


def digest(*parts: object) -> int:
	return int(hashlib.sha256(":".join(str(part) for part in parts).encode("utf-8")).hexdigest(), 16)


def fn_sku(seed: object, sku: str) -> str:
	"""Amazon's fulfillment network SKU of a seller SKU (X00 and seven letters or digits)."""
	alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	number = digest(seed, "fnsku", sku)
	chars = []
	for _ in range(7):
		number, index = divmod(number, len(alphabet))
		chars.append(alphabet[index])
	return "X00" + "".join(chars)
