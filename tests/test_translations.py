"""Every string the app marks for translation has a German, French, Italian, Spanish and Japanese translation,
and no translation drops or adds a placeholder ({0}, %s, ...). `python -m amazon_integration.devtools.i18n missing`
lists the gaps; `... add` appends them to the CSVs to be translated."""

import csv

import pytest

from amazon_integration.devtools import i18n

MARKED = i18n.messages()


def test_the_scan_finds_strings_of_every_kind() -> None:
	sources = {source for where in MARKED.values() for source in where}
	assert any(s.endswith(".py") or ".py:" in s for s in sources), "no _() in Python found"
	assert any(".js:" in s for s in sources), "no __() in JavaScript found"
	assert any(s.endswith(".json") for s in sources), "no doctype/report/workspace label found"
	assert any(s.startswith("setup/custom_fields.py") for s in sources), "no custom field label found"
	for text in ("Amazon Account", "Test Connection", "Sales Order {0} has no shipping address.", "Seller SKU"):
		assert text in MARKED


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_marked_string_is_translated(lang: str) -> None:
	missing = i18n.missing(lang, MARKED)
	assert not missing, f"{len(missing)} marked string(s) lack a {lang} translation (python -m amazon_integration.devtools.i18n missing --lang {lang}):\n" + "\n".join(
		f"  {text!r} ({MARKED[text][0]})" for text in missing[:40]
	)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_translations_keep_the_placeholders(lang: str) -> None:
	wrong = i18n.placeholder_mismatches(lang)
	assert not wrong, f"{lang} translations that drop or add a placeholder:\n" + "\n".join(
		f"  {source!r} -> {target!r}" for source, target in wrong
	)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_translation_file_is_frappe_readable(lang: str) -> None:
	# Frappe reads rows of 2 or 3 cells (source, translation, context); anything else is logged as bad and dropped.
	with (i18n.TRANSLATIONS_DIR / f"{lang}.csv").open(encoding="utf-8", newline="") as f:
		bad = [row for row in csv.reader(f) if len(row) not in (2, 3)]
	assert not bad


def test_placeholder_check_catches_a_dropped_value() -> None:
	assert i18n.placeholders("Row {0}: {1} is listed twice.") != i18n.placeholders("Zeile {0} ist doppelt.")
	assert i18n.placeholders("%s of %s") == i18n.placeholders("%s von %s")


def test_frappe_free_messages_are_english_text_with_their_template() -> None:
	import pickle

	from amazon_integration.domain.orders import MappingError
	from amazon_integration.domain.text import msg

	text = msg("the Amazon Account has no {0} Warehouse", "FBA")
	assert text == "the Amazon Account has no FBA Warehouse" and isinstance(text, str)
	assert (text.template, text.values) == ("the Amazon Account has no {0} Warehouse", ("FBA",))
	assert str(MappingError(text)) == "the Amazon Account has no FBA Warehouse"
	again = pickle.loads(pickle.dumps(text))  # background jobs pickle exceptions
	assert again == text and again.template == text.template
	# The scan extracts msg() templates like _(): they need translations too.
	assert "the Amazon Account has no {0} Warehouse" in MARKED
	assert "Amazon has not shipped this FBA order yet" in MARKED
