"""The guided setup of an Amazon Account: what each flow needs, in the order a seller sets it up.

`setup_steps(facts)` takes what the account has (its filled fields and a few counts) and returns one step per
stage (connect, marketplaces and price lists, warehouses, items and SKU mappings, taxes, settlements, first
sync), each done or naming what is missing. What is missing is named by the account's field (the adapter shows
its label and goes to it) or by one of the MISSING_* codes below; nothing here creates anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONNECT = "connect"
MARKETPLACES = "marketplaces"
WAREHOUSES = "warehouses"
ITEMS = "items"
TAXES = "taxes"
SETTLEMENTS = "settlements"
FIRST_SYNC = "first_sync"
STEP_KEYS = (CONNECT, MARKETPLACES, WAREHOUSES, ITEMS, TAXES, SETTLEMENTS, FIRST_SYNC)

# What is missing when it is not one of the account's fields.
MISSING_SAVED = "saved"  # the account is not saved yet
MISSING_CONNECTION = "connection"  # Amazon did not answer the last call (Test Connection)
MISSING_MARKETPLACE = "marketplace"  # no marketplace row
MISSING_WAREHOUSE = "warehouse"  # neither an FBA nor an FBM warehouse
MISSING_SKU_MAPPINGS = "sku_mappings"  # no SKU known to ERPNext (Import Listings)
MISSING_ORDER_SYNC = "order_sync"  # no order sync finished without failing

CONNECT_FIELDS = ("seller_id", "lwa_client_id", "lwa_client_secret", "refresh_token")
TAX_FIELDS = ("sales_tax_account", "marketplace_tax_account")
SETTLEMENT_FIELDS = ("clearing_account", "payout_account", "fees_account", "amazon_supplier", "mode_of_payment")


@dataclass(frozen=True)
class AccountFacts:
	"""What the checklist reads of an account; `filled` holds the fieldnames that have a value."""

	saved: bool
	filled: frozenset[str] = frozenset()
	answering: bool = True  # no "not answering since" on the account
	marketplaces: tuple[str, ...] = ()
	sku_mappings: int = 0  # SKUs ERPNext knows (mapping rows, from Import Listings or by hand)
	successful_syncs: int = 0  # order syncs that ended in Success or Partial Success


@dataclass(frozen=True)
class SetupStep:
	key: str
	done: bool
	missing: tuple[str, ...] = field(default_factory=tuple)  # fieldnames or MISSING_* codes, in form order


def _unfilled(facts: AccountFacts, fieldnames: tuple[str, ...]) -> tuple[str, ...]:
	return tuple(name for name in fieldnames if name not in facts.filled)


def setup_steps(facts: AccountFacts) -> list[SetupStep]:
	"""One step per key of STEP_KEYS, in that order. A step is done when nothing is missing."""
	if not facts.saved:
		# Nothing can be checked before the account exists: connecting comes first.
		missing_connect = (MISSING_SAVED, *_unfilled(facts, CONNECT_FIELDS))
		return [SetupStep(CONNECT, False, missing_connect)] + [
			SetupStep(key, False, ()) for key in STEP_KEYS[1:]
		]
	missing: dict[str, tuple[str, ...]] = {}
	missing[CONNECT] = _unfilled(facts, CONNECT_FIELDS) + (() if facts.answering else (MISSING_CONNECTION,))
	missing[MARKETPLACES] = (
		(() if facts.marketplaces else (MISSING_MARKETPLACE,))
		+ _unfilled(facts, ("selling_price_list",))
	)
	missing[WAREHOUSES] = (
		_unfilled(facts, ("company",))
		+ (() if {"fba_warehouse", "fbm_warehouse"} & facts.filled else (MISSING_WAREHOUSE,))
	)
	# Shipping charges need an item of their own on the Sales Order.
	missing[ITEMS] = (() if facts.sku_mappings else (MISSING_SKU_MAPPINGS,)) + _unfilled(facts, ("shipping_item",))
	missing[TAXES] = _unfilled(facts, TAX_FIELDS)
	missing[SETTLEMENTS] = (
		_unfilled(facts, ("import_settlements",)) + _unfilled(facts, SETTLEMENT_FIELDS)
	)
	# Sync Orders is offered on an enabled account only: a connected account stays off until the seller ticks it.
	missing[FIRST_SYNC] = () if facts.successful_syncs else _unfilled(facts, ("enabled",)) + (MISSING_ORDER_SYNC,)
	return [SetupStep(key, not missing[key], missing[key]) for key in STEP_KEYS]


def setup_complete(steps: list[SetupStep]) -> bool:
	return all(step.done for step in steps)
