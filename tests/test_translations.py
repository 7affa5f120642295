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


def _render(value: object, translations: dict[str, str]) -> str:
	"""erpnext/texts.py's `translated()` without Frappe: a msg() text by its template, values translated too."""
	from amazon_integration.amazon.text import Text, text_of

	if isinstance(value, BaseException):
		value = text_of(value)
	if not isinstance(value, Text):
		return str(value)
	template = translations.get(value.template) or value.template
	return template.format(*(_render(v, translations) for v in value.values))


def test_gateway_errors_are_translatable_and_read_as_english() -> None:
	import pickle

	import httpx

	from amazon_integration.amazon.errors import AuthError, NoAnswerError, no_answer_message
	from amazon_integration.amazon.spapi import error_from_response
	from amazon_integration.amazon.text import msg, text_of

	request = httpx.Request("GET", "https://sellingpartnerapi-eu.amazon.com/orders/v0/orders")
	refused = error_from_response(httpx.Response(500, request=request, headers={"x-amzn-RequestId": "r-1"}))
	refused.operation = "getOrders"
	assert str(refused) == "getOrders: Amazon answered HTTP 500 without an error description. (HTTP 500, request id r-1)"
	unanswered = NoAnswerError(
		msg("The LWA token service did not answer. {0}", no_answer_message("ConnectTimeout", "api.amazon.com", 5.0)),
		operation="LWA token",
	)
	# Amazon's own words stay Amazon's; only the frame around them is the app's.
	amazons = AuthError("Access to requested resource is denied.", status=403, code="Unauthorized", operation="getOrder")
	assert str(amazons) == "getOrder: Access to requested resource is denied. (HTTP 403, Unauthorized)"
	german = i18n.read_translations("de")
	for error in (refused, unanswered, amazons, pickle.loads(pickle.dumps(refused))):
		text = text_of(error)
		assert text == str(error)

		def templates(value: object) -> list[str]:
			return [value.template, *(t for v in value.values for t in templates(v))] if hasattr(value, "template") else []

		for template in templates(text):
			assert template in MARKED and german.get(template), template
	assert _render(refused, german) == (
		"getOrders: Amazon hat mit HTTP 500 ohne Fehlerbeschreibung geantwortet. (HTTP 500, Anfrage-ID r-1)"
	)
	assert _render(unanswered, german) == (
		"LWA token: Der LWA-Tokendienst hat nicht geantwortet. Keine Antwort von api.amazon.com: Die Verbindung wurde "
		"nicht innerhalb von 5 s geöffnet (ConnectTimeout)."
	)
	assert _render(amazons, german) == str(amazons)


def test_the_gateway_raises_its_errors_with_msg() -> None:
	"""An AmazonError raised with a plain or f-string literal would reach a seller in English only."""
	import ast

	from amazon_integration import amazon
	from amazon_integration.amazon import errors

	names = {name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, errors.AmazonError)}
	names |= {"ListingsReportError", "ProcessingReportError"}
	offenders = []
	for path in sorted(i18n.Path(amazon.__file__).parent.glob("*.py")):
		for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
			if isinstance(node, ast.Call) and getattr(node.func, "id", None) in names and node.args:
				if isinstance(node.args[0], ast.Constant | ast.JoinedStr | ast.BinOp):
					offenders.append(f"{path.name}:{node.lineno}")
	assert not offenders, "gateway errors raised with English literals (use msg()): " + ", ".join(offenders)
