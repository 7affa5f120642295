"""The Amazon Carrier fixtures: Amazon's CarrierCode list, unique, and each carrier found by its own name.

Sources of the codes beyond amzn-base.xsd are listed in amazon_integration/domain/shipments.py's docstring:
https://sellercentral.amazon.sg/gp/help/external/641, https://sellercentral.amazon.com.au/gp/help/external/641,
https://support.getdropstream.com/hc/en-us/articles/12209043626003,
https://intercom.help/mintsoft/en/articles/11705126-amazon-valid-tracking-rate-vtr
"""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from amazon_integration.domain.shipments import (
	OTHER,
	SELF_DELIVERY,
	Carrier,
	CarrierChoice,
	carrier_key,
	match_carrier,
)

FIXTURE = Path(__file__).resolve().parents[2] / "amazon_integration" / "fixtures" / "amazon_carrier.json"
XS = "{http://www.w3.org/2001/XMLSchema}"


def _rows() -> list[dict]:
	return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _carriers() -> list[Carrier]:
	return [Carrier(row["carrier_code"], row["carrier_name"]) for row in _rows()]


def test_rows_are_amazon_carriers_named_by_code_and_sorted():
	rows = _rows()
	assert rows, "no carriers"
	for row in rows:
		assert set(row) == {"doctype", "name", "carrier_code", "carrier_name"}, row
		assert row["doctype"] == "Amazon Carrier"
		assert row["name"] == row["carrier_code"] == row["carrier_code"].strip() != ""
		assert row["carrier_name"] == row["carrier_name"].strip() != ""
		assert not set(row["name"]) & set("<>"), row  # Frappe refuses these in names
	codes = [row["carrier_code"] for row in rows]
	assert codes == sorted(codes, key=lambda code: (code.casefold(), code))


def test_codes_are_unique_even_ignoring_case_accents_and_punctuation():
	# MariaDB compares names case- and accent-insensitively; matching ignores punctuation too.
	keys = [carrier_key(row["carrier_code"]) for row in _rows()]
	duplicates = sorted({key for key in keys if keys.count(key) > 1})
	assert not duplicates


def test_no_display_name_is_another_carriers_code_or_name():
	owner: dict[str, str] = {}
	for carrier in _carriers():
		for text in (carrier.code, carrier.name):
			assert owner.setdefault(carrier_key(text), carrier.code) == carrier.code, (text, owner[carrier_key(text)])


def test_every_xsd_carrier_code_is_a_fixture(xsd_dir: Path):
	tree = ET.parse(xsd_dir / "amzn-base.xsd")
	element = next(e for e in tree.iter(f"{XS}element") if e.get("name") == "CarrierCode")
	enumeration = {e.get("value") for e in element.iter(f"{XS}enumeration")}
	assert len(enumeration) > 60
	codes = {row["carrier_code"] for row in _rows()}
	assert sorted(enumeration - codes) == []


def test_match_carrier_finds_each_fixture_by_its_own_code_and_name():
	carriers = _carriers()
	for carrier in carriers:
		if carrier.code == OTHER:
			continue  # "Other" names no carrier: refused by match_carrier
		assert match_carrier(carrier.code, carriers) == CarrierChoice(carrier.code), carrier
		assert match_carrier(carrier.name, carriers) == CarrierChoice(carrier.code), carrier
		assert match_carrier(carrier.name.upper(), carriers) == CarrierChoice(carrier.code), carrier


def test_common_carriers_and_self_delivery():
	carriers = _carriers()
	assert match_carrier("dhl express", carriers) == CarrierChoice("DHL Express")
	assert match_carrier("royal mail", carriers) == CarrierChoice("Royal Mail")
	assert match_carrier("Amazon Logistics", carriers) == CarrierChoice("AMZL")
	assert match_carrier("postnl", carriers) == CarrierChoice("Post NL")
	assert match_carrier("self delivery", carriers) == CarrierChoice(OTHER, SELF_DELIVERY)
	assert match_carrier("Joe's Vans", carriers) == CarrierChoice(OTHER, "Joe's Vans")


@pytest.mark.parametrize("code", ["Ninjavan", "Singapore Post", "Australia Post-Consignment", "Sendle", "InPost"])
def test_codes_added_since_the_xsd(code):
	assert code in {row["carrier_code"] for row in _rows()}
