"""The guided setup's checklist: each step done or naming what is missing, from the account's facts alone."""

from amazon_integration.domain import setup as s
from amazon_integration.domain.setup import AccountFacts, setup_complete, setup_steps

EVERYTHING = frozenset(
	{
		"company",
		"fba_warehouse",
		"fbm_warehouse",
		"selling_price_list",
		"shipping_item",
		"import_settlements",
		"enabled",
		*s.CONNECT_FIELDS,
		*s.TAX_FIELDS,
		*s.SETTLEMENT_FIELDS,
	}
)
READY = AccountFacts(
	saved=True, filled=EVERYTHING, marketplaces=("ATVPDKIKX0DER",), sku_mappings=12, successful_syncs=1
)


def by_key(facts: AccountFacts) -> dict[str, s.SetupStep]:
	return {step.key: step for step in setup_steps(facts)}


def replace(facts: AccountFacts, **changes) -> AccountFacts:
	return AccountFacts(**{**facts.__dict__, **changes})


def test_a_new_account_starts_with_connecting_and_nothing_is_done() -> None:
	steps = setup_steps(AccountFacts(saved=False, filled=frozenset({"seller_id"})))
	assert [step.key for step in steps] == list(s.STEP_KEYS)
	assert not any(step.done for step in steps)
	assert steps[0].missing == (s.MISSING_SAVED, "lwa_client_id", "lwa_client_secret", "refresh_token")


def test_an_account_with_everything_set_is_complete() -> None:
	steps = setup_steps(READY)
	assert all(step.done and not step.missing for step in steps)
	assert setup_complete(steps)


def test_each_step_names_what_is_missing() -> None:
	steps = by_key(
		replace(
			READY,
			filled=EVERYTHING - {"refresh_token", "selling_price_list", "fba_warehouse", "fbm_warehouse"}
			- {"marketplace_tax_account", "payout_account", "import_settlements", "shipping_item"},
			answering=False,
			marketplaces=(),
			sku_mappings=0,
			successful_syncs=0,
		)
	)
	assert steps[s.CONNECT].missing == ("refresh_token", s.MISSING_CONNECTION)
	assert steps[s.MARKETPLACES].missing == (s.MISSING_MARKETPLACE, "selling_price_list")
	assert steps[s.WAREHOUSES].missing == (s.MISSING_WAREHOUSE,)
	assert steps[s.ITEMS].missing == (s.MISSING_SKU_MAPPINGS, "shipping_item")
	assert steps[s.TAXES].missing == ("marketplace_tax_account",)
	assert steps[s.SETTLEMENTS].missing == ("import_settlements", "payout_account")
	assert steps[s.FIRST_SYNC].missing == (s.MISSING_ORDER_SYNC,)
	assert not setup_complete(list(steps.values()))


def test_one_warehouse_is_enough_for_a_seller_of_one_channel() -> None:
	fbm_only = replace(READY, filled=EVERYTHING - {"fba_warehouse"})
	assert by_key(fbm_only)[s.WAREHOUSES].done
	fba_only = replace(READY, filled=EVERYTHING - {"fbm_warehouse"})
	assert by_key(fba_only)[s.WAREHOUSES].done
	no_company = replace(READY, filled=EVERYTHING - {"company"})
	assert by_key(no_company)[s.WAREHOUSES].missing == ("company",)


def test_a_step_is_done_exactly_when_nothing_is_missing() -> None:
	for facts in (READY, replace(READY, sku_mappings=0), replace(READY, filled=frozenset())):
		for step in setup_steps(facts):
			assert step.done == (not step.missing)


def test_the_first_sync_asks_to_enable_the_account_first() -> None:
	# Sync Orders shows on an enabled account only; a retired account keeps its first sync done.
	off = replace(READY, filled=EVERYTHING - {"enabled"}, successful_syncs=0)
	assert by_key(off)[s.FIRST_SYNC].missing == ("enabled", s.MISSING_ORDER_SYNC)
	assert by_key(replace(READY, successful_syncs=0))[s.FIRST_SYNC].missing == (s.MISSING_ORDER_SYNC,)
	assert by_key(replace(READY, filled=EVERYTHING - {"enabled"}))[s.FIRST_SYNC].done
