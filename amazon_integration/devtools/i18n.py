"""The app's translatable strings and its translations, without Frappe.

Reads what Frappe itself would translate: `_()`/`_lt()` in Python (and `msg()`, the frappe-free layers' marker), `__()` in JavaScript, doctype, report, workspace
and number card JSON, and the custom fields this app adds to ERPNext doctypes. Translations live in
`amazon_integration/translations/<lang>.csv` (source, translation[, context]), the file Frappe 15 reads straight
from the app at runtime (see docs/translations.md).

	python -m amazon_integration.devtools.i18n missing [--lang de]   # marked strings with no translation
	python -m amazon_integration.devtools.i18n add [--lang de]       # append them, untranslated, to the CSVs
	python -m amazon_integration.devtools.i18n stale [--lang de]     # translations of strings no longer marked

`add` writes rows with an empty translation (Frappe then shows the English text); `missing` and the tier-1 test
count an empty translation as missing, so the rows are a to-do list to fill in.
"""

from __future__ import annotations

import argparse
import ast
import csv
import html
import importlib.util
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("de", "fr", "it", "es", "ja")
APP_DIR = Path(__file__).resolve().parent.parent
TRANSLATIONS_DIR = APP_DIR / "translations"
# Developer tooling, the simulator and the tests talk to developers, not to sellers.
SKIPPED_DIRS = ("devtools", "simulator", "tests", "node_modules", "__pycache__")

# {0}, {name}, %s, %d, %(name)s: the values a translation must keep, no more, no fewer.
PLACEHOLDER = re.compile(r"\{[0-9a-zA-Z_]*\}|%\([a-z_]+\)[sd]|%[sd]")
# __("text"), __('text'), __(`text`), first argument a plain literal.
JS_CALL = re.compile(r"""\b__\(\s*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\$]|\\.)*)`)\s*[,)]""")
# _("text") in a print format's Jinja.
JINJA_CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')\s*[,)]""")
EXCLUDED_SELECT_FIELDS = {"naming_series", "number_format", "float_precision", "currency_precision"}


@dataclass(frozen=True)
class Message:
	text: str
	source: str  # file:line where it is marked


def _skipped(path: Path) -> bool:
	return any(part in SKIPPED_DIRS for part in path.relative_to(APP_DIR).parts)


def _files(pattern: str) -> Iterator[Path]:
	for path in sorted(APP_DIR.rglob(pattern)):
		if not _skipped(path):
			yield path


def python_messages() -> Iterator[Message]:
	for path in _files("*.py"):
		tree = ast.parse(path.read_text(encoding="utf-8"))
		for node in ast.walk(tree):
			if not isinstance(node, ast.Call) or not node.args:
				continue
			name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
			first = node.args[0]
			# msg(): a message the frappe-free layers build, translated by the adapter (domain/text.py).
			if name in ("_", "_lt", "msg") and isinstance(first, ast.Constant) and isinstance(first.value, str):
				yield Message(first.value, f"{path.relative_to(APP_DIR)}:{node.lineno}")


def _js_unescape(text: str) -> str:
	return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def js_messages() -> Iterator[Message]:
	for path in _files("*.js"):
		content = path.read_text(encoding="utf-8")
		for match in JS_CALL.finditer(content):
			raw = next(group for group in match.groups() if group is not None)
			line = content.count("\n", 0, match.start()) + 1
			yield Message(_js_unescape(raw), f"{path.relative_to(APP_DIR)}:{line}")


def _field_messages(fields: list[dict], where: str) -> Iterator[Message]:
	for field in fields:
		for key in ("label", "description"):
			if field.get(key):
				yield Message(field[key], where)
		if field.get("fieldtype") == "Select" and field.get("options") and field.get("fieldname") not in EXCLUDED_SELECT_FIELDS:
			for option in field["options"].split("\n"):
				if option.strip() and not option.isdigit():
					yield Message(option, where)


def json_messages() -> Iterator[Message]:
	for path in _files("*.json"):
		try:
			data = json.loads(path.read_text(encoding="utf-8"))
		except ValueError:
			continue
		if not isinstance(data, dict):
			continue
		where = str(path.relative_to(APP_DIR))
		kind = data.get("doctype")
		if kind == "DocType":
			yield Message(data["name"], where)
			if data.get("description"):
				yield Message(data["description"], where)
			yield from _field_messages(data.get("fields", []), where)
			for link in data.get("links", []):
				if link.get("group"):
					yield Message(link["group"], where)
		elif kind == "Report":
			yield Message(data["report_name"], where)
		elif kind == "Number Card":
			yield Message(data.get("label") or data["name"], where)
		elif kind == "Workspace":
			yield Message(data.get("label") or data["name"], where)
			for key in ("charts", "number_cards", "links", "shortcuts", "custom_blocks", "quick_lists"):
				for entry in data.get(key, []):
					for attr in ("label", "description", "format"):  # a shortcut's count: "{} Failed"
						if entry.get(attr):
							yield Message(entry[attr], where)
			for block in json.loads(data.get("content") or "[]"):
				if block.get("type") == "header" and block.get("data", {}).get("text"):
					# The desk looks a header up by its visible text, HTML-escaped (workspace/blocks/header.js).
					text = html.unescape(re.sub(r"<[^>]+>", "", block["data"]["text"])).strip()
					yield Message(html.escape(text, quote=False), where)
		elif kind == "Print Format":
			for match in JINJA_CALL.finditer(data.get("html") or ""):
				yield Message(next(group for group in match.groups() if group is not None), where)
		elif kind in ("Module Onboarding", "Onboarding Step"):
			for attr in ("title", "subtitle", "success_message", "action_label", "description"):
				if data.get(attr):
					yield Message(data[attr], where)


def custom_field_messages() -> Iterator[Message]:
	# The labels of the fields this app adds to Sales Order, Delivery Note, ... (stored in English, shown by `__()`).
	# Loaded by path: the package amazon_integration.setup imports Frappe, the constants module does not.
	spec = importlib.util.spec_from_file_location("_custom_fields", APP_DIR / "setup" / "custom_fields.py")
	module = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(module)
	for doctype, fields in module.CUSTOM_FIELDS.items():
		yield from _field_messages(fields, f"setup/custom_fields.py ({doctype})")


def messages() -> dict[str, list[str]]:
	"""Each marked string and where it is marked."""
	found: dict[str, list[str]] = {}
	for producer in (python_messages, js_messages, json_messages, custom_field_messages):
		for message in producer():
			if message.text.strip():
				found.setdefault(message.text, []).append(message.source)
	return found


def read_translations(lang: str) -> dict[str, str]:
	"""Source text -> translation (rows with a context count for their source text too)."""
	path = TRANSLATIONS_DIR / f"{lang}.csv"
	if not path.exists():
		return {}
	result: dict[str, str] = {}
	with path.open(encoding="utf-8", newline="") as f:
		for row in csv.reader(f):
			if len(row) >= 2:
				# Frappe writes a newline in a CSV cell as \n (translate.py reads it back the same way).
				result.setdefault(row[0].replace("\\n", "\n"), row[1].replace("\\n", "\n"))
	return result


def placeholders(text: str) -> list[str]:
	return sorted(PLACEHOLDER.findall(text))


def missing(lang: str, marked: dict[str, list[str]] | None = None) -> list[str]:
	marked = marked if marked is not None else messages()
	translations = read_translations(lang)
	return sorted(text for text in marked if not translations.get(text, "").strip())


def placeholder_mismatches(lang: str) -> list[tuple[str, str]]:
	return sorted(
		(source, target)
		for source, target in read_translations(lang).items()
		if target.strip() and placeholders(source) != placeholders(target)
	)


def stale(lang: str, marked: dict[str, list[str]] | None = None) -> list[str]:
	marked = marked if marked is not None else messages()
	return sorted(text for text in read_translations(lang) if text not in marked)


def _csv_row(*cells: str) -> str:
	out = io.StringIO()
	csv.writer(out, lineterminator="\n").writerow([cell.replace("\n", "\\n") for cell in cells])
	return out.getvalue()


def add_missing(lang: str, marked: dict[str, list[str]]) -> int:
	"""Append the strings with no row at all, translation empty, to <lang>.csv."""
	have = read_translations(lang)
	new = [text for text in sorted(marked) if text not in have]
	if new:
		path = TRANSLATIONS_DIR / f"{lang}.csv"
		existing = path.read_text(encoding="utf-8") if path.exists() else ""
		if existing and not existing.endswith("\n"):
			existing += "\n"
		path.write_text(existing + "".join(_csv_row(text, "") for text in new), encoding="utf-8")
	return len(new)


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(prog="python -m amazon_integration.devtools.i18n", description=__doc__.split("\n\n")[0])
	parser.add_argument("action", choices=("missing", "add", "stale", "list"))
	parser.add_argument("--lang", choices=LANGUAGES, action="append", help="default: all five")
	args = parser.parse_args(argv)
	languages = args.lang or list(LANGUAGES)
	marked = messages()
	if args.action == "list":
		for text, sources in sorted(marked.items()):
			print(f"{text!r}\t{sources[0]}")
		return 0
	gaps = 0
	for lang in languages:
		if args.action == "missing":
			rows = missing(lang, marked)
			gaps += len(rows)
			print(f"# {lang}: {len(rows)} of {len(marked)} marked strings lack a translation")
			for text in rows:
				print(f"{lang}\t{text!r}\t{marked[text][0]}")
			for source, target in placeholder_mismatches(lang):
				gaps += 1
				print(f"{lang}\tPLACEHOLDERS DIFFER\t{source!r} -> {target!r}")
		elif args.action == "add":
			print(f"{lang}: {add_missing(lang, marked)} row(s) added to translations/{lang}.csv, to be translated")
		else:
			for text in stale(lang, marked):
				print(f"{lang}\t{text!r}")
	return 1 if gaps else 0


if __name__ == "__main__":
	sys.exit(main())
