"""What is known to break on Frappe 16 stays out of the app (v15 stays the tested platform; each pattern has a
v15-compatible form):
- SQL aggregates as strings in `fields` of get_all/get_list/get_values (v16 refuses SQL in field names): use
  frappe.qb with frappe.query_builder.functions.
- Number card filters with a fifth element (v16 reads [doctype, field, operator, value]).
- Hard-coded desk paths "/app/..." (v16 serves the desk under /desk): frappe.utils.get_url_to_form / _list /
  _report in Python, frappe.set_route / frappe.utils.get_form_link / frappe.router.make_url in JavaScript.
scripts/browser_check.py types URLs as a user would and is not scanned."""

import ast
import json
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_ROOT = REPO_ROOT / "amazon_integration"
QUERY_METHODS = {"get_all", "get_list", "get_values", "get_value", "getall"}
AGGREGATE = re.compile(r"\b(count|sum|avg|min|max|group_concat)\s*\(", re.IGNORECASE)
DESK_PATH = re.compile(r"""(?<![\w.])/app(/|\b(?=["'`?]))""")
SCANNED = ("*.py", "*.js", "*.json", "*.html", "*.md")


def _shipped_files(*patterns: str) -> list[Path]:
	return sorted(path for pattern in patterns for path in PACKAGE_ROOT.rglob(pattern) if "__pycache__" not in path.parts)


def _strings(node: ast.AST) -> list[str]:
	if isinstance(node, ast.Constant) and isinstance(node.value, str):
		return [node.value]
	if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
		return [s for element in node.elts for s in _strings(element)]
	if isinstance(node, ast.JoinedStr):
		return ["".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))]
	return []


def aggregate_fields(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
	"""(line, field) of every SQL aggregate given as a string in the fields of a get_all/get_list/get_value call."""
	found = []
	for node in ast.walk(ast.parse(source, filename=filename)):
		if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
			continue
		if node.func.attr not in QUERY_METHODS:
			continue
		candidates = [kw.value for kw in node.keywords if kw.arg in ("fields", "fieldname")]
		if len(node.args) >= 3:  # get_all(doctype, filters, fields)
			candidates.append(node.args[2])
		if node.func.attr in ("get_value", "get_values") and len(node.args) >= 3:
			candidates.append(node.args[2])
		for candidate in candidates:
			found += [(node.lineno, s) for s in _strings(candidate) if AGGREGATE.search(s)]
	return found


def test_the_pattern_finders_find_what_they_look_for() -> None:
	assert aggregate_fields('frappe.get_all("X", filters={}, fields=["name", "count(name) as n"])') == [
		(1, "count(name) as n")
	]
	assert aggregate_fields('frappe.get_all("X", {}, ["status", "SUM(qty) as q"], group_by="status")')
	assert not aggregate_fields('frappe.get_all("X", fields=["name", "count"])')
	assert DESK_PATH.search('get_url("/app/sales-order")')
	assert DESK_PATH.search('const link = `<a href="/app/amazon-sync-log/${name}">`;')
	assert not DESK_PATH.search("/api/method/frappe.client")
	assert not DESK_PATH.search("/work/apps/frappe")


def test_no_sql_aggregates_in_query_fields() -> None:
	offenders = [
		f"{path.relative_to(REPO_ROOT)}:{line}: {field!r}"
		for path in _shipped_files("*.py")
		for line, field in aggregate_fields(path.read_text(encoding="utf-8"), str(path))
	]
	assert not offenders, "SQL aggregates in fields (use frappe.qb):\n" + "\n".join(offenders)


def test_number_card_filters_have_four_elements() -> None:
	offenders = []
	for path in _shipped_files("*.json"):
		doc = json.loads(path.read_text(encoding="utf-8"))
		if not isinstance(doc, dict) or doc.get("doctype") != "Number Card":
			continue
		for key in ("filters_json", "dynamic_filters_json"):
			filters = json.loads(doc.get(key) or "[]")
			rows = filters if isinstance(filters, list) else []
			offenders += [f"{path.relative_to(REPO_ROOT)} {key}: {row}" for row in rows if len(row) > 4]
	assert not offenders, "number card filters with a fifth element:\n" + "\n".join(offenders)


def test_onboarding_step_paths_are_routes() -> None:
	"""A "Go to Page" step's path is a desk route ("amazon-account"), never "app/..." (ERPNext's own old steps)."""
	offenders = []
	for path in _shipped_files("*.json"):
		doc = json.loads(path.read_text(encoding="utf-8"))
		if isinstance(doc, dict) and doc.get("doctype") == "Onboarding Step":
			if (doc.get("path") or "").lstrip("/").startswith("app/"):
				offenders.append(f"{path.relative_to(REPO_ROOT)}: {doc['path']}")
	assert not offenders, "onboarding steps with a hard-coded desk path:\n" + "\n".join(offenders)


def test_no_hard_coded_desk_paths() -> None:
	offenders = [
		f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()[:120]}"
		for path in _shipped_files(*SCANNED)
		if "tests" not in path.relative_to(PACKAGE_ROOT).parts
		for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
		if DESK_PATH.search(line)
	]
	assert not offenders, "hard-coded /app/ desk paths (use the route helpers):\n" + "\n".join(offenders)
