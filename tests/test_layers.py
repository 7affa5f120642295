"""The one-way rule: the gateway, the domain and the simulator never import Frappe or ERPNext; the adapter never
imports the simulator or the dev tools; shipped code never imports the tests."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "amazon_integration"
FRAPPE_FREE = ("amazon", "domain", "simulator")
FORBIDDEN = ("frappe", "erpnext")


def _python_files(layer: str) -> list[Path]:
	return sorted((PACKAGE_ROOT / layer).rglob("*.py"))


def _imported_roots(path: Path) -> set[str]:
	tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
	roots: set[str] = set()
	for node in ast.walk(tree):
		if isinstance(node, ast.Import):
			roots.update(alias.name.split(".")[0] for alias in node.names)
		elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
			roots.add(node.module.split(".")[0])
	return roots


@pytest.mark.parametrize("layer", FRAPPE_FREE)
def test_layer_never_imports_frappe_or_erpnext(layer: str) -> None:
	offenders = [
		f"{path.relative_to(PACKAGE_ROOT.parent)} imports {root}"
		for path in _python_files(layer)
		for root in sorted(_imported_roots(path) & set(FORBIDDEN))
	]
	assert not offenders, "the frappe-free core imports Frappe/ERPNext:\n" + "\n".join(offenders)


@pytest.mark.parametrize("layer", FRAPPE_FREE)
def test_layer_imports_cleanly_without_frappe(layer: str) -> None:
	package = importlib.import_module(f"amazon_integration.{layer}")
	for module in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
		if ".tests" in module.name:
			continue
		importlib.import_module(module.name)


def test_core_does_not_reach_into_the_adapter() -> None:
	"""Arrows point one way: the adapter may use the core, never the reverse."""
	offenders = []
	for layer in FRAPPE_FREE:
		for path in _python_files(layer):
			source = path.read_text(encoding="utf-8")
			for needle in ("amazon_integration.erpnext", "amazon_integration.amazon_integration"):
				if needle in source:
					offenders.append(f"{path.relative_to(PACKAGE_ROOT.parent)} uses {needle}")
	assert not offenders, "\n".join(offenders)


def _module_graph() -> dict[str, set[str]]:
	"""Module -> the app's modules it imports, wherever the import sits (type-checking blocks and functions too)."""
	names: dict[str, Path] = {}
	for path in PACKAGE_ROOT.rglob("*.py"):
		parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
		names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
	graph: dict[str, set[str]] = {}
	for name, path in names.items():
		package = name if path.name == "__init__.py" else name.rpartition(".")[0]
		imported: set[str] = set()
		for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
			if isinstance(node, ast.Import):
				imported.update(alias.name for alias in node.names if alias.name in names)
			elif isinstance(node, ast.ImportFrom):
				base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
				module = ".".join([*base, *([node.module] if node.module else [])])
				submodules = {f"{module}.{alias.name}" for alias in node.names} & names.keys()
				imported |= submodules or ({module} & names.keys())
		graph[name] = imported - {name}
	return graph


def test_no_import_circles() -> None:
	"""No module reaches itself through its imports: each layer and each module family points one way."""
	graph = _module_graph()
	circles: list[str] = []
	done: set[str] = set()

	def walk(name: str, path: list[str]) -> None:
		for target in sorted(graph[name]):
			if target in path:
				circles.append(" -> ".join([*path[path.index(target) :], target]))
			elif target not in done:
				walk(target, [*path, target])
		done.add(name)

	for name in sorted(graph):
		if name not in done:
			walk(name, [name])
	assert not circles, "import circles:\n" + "\n".join(sorted(set(circles)))


# The adapter: the code that makes ERPNext documents, its doc events and setup, the doctype controllers and reports.
ADAPTER = ("erpnext", "overrides", "setup", "amazon_integration")
# Kept out of the product: the adapter imports neither (the sandbox binds accounts to the simulator, not the app).
DEV_ONLY = ("amazon_integration.simulator", "amazon_integration.devtools")
TESTS = ("amazon_integration.tests",)


def _is_test(name: str) -> bool:
	"""Tier-2 tests: the tests package and the doctypes' test_*.py files beside their controllers."""
	return name == TESTS[0] or name.startswith(f"{TESTS[0]}.") or name.rpartition(".")[2].startswith("test_")


def _offenders(modules: list[str], forbidden: tuple[str, ...], graph: dict[str, set[str]]) -> list[str]:
	return sorted(
		f"{name} imports {target}"
		for name in modules
		for target in graph[name]
		if any(target == root or target.startswith(f"{root}.") for root in forbidden)
	)


def test_adapter_never_imports_the_simulator_or_the_dev_tools() -> None:
	graph = _module_graph()
	adapter = [
		name
		for name in graph
		if any(name.startswith(f"amazon_integration.{layer}.") for layer in ADAPTER) and not _is_test(name)
	]
	assert any(name.startswith("amazon_integration.erpnext.") for name in adapter)  # the walk found the adapter
	offenders = _offenders(adapter, DEV_ONLY, graph)
	assert not offenders, "the adapter imports the simulator or the dev tools:\n" + "\n".join(offenders)


def test_shipped_code_never_imports_the_tests() -> None:
	"""Everything but the tests and the dev tools ships; hooks.py names `before_tests` as a string, not an import."""
	graph = _module_graph()
	devtools = "amazon_integration.devtools"
	shipped = [
		name
		for name in graph
		if not _is_test(name) and name != devtools and not name.startswith(f"{devtools}.")
	]
	assert "amazon_integration.erpnext.orders" in shipped and "amazon_integration.hooks" in shipped
	offenders = _offenders(shipped, TESTS, graph)
	assert not offenders, "shipped code imports the tests:\n" + "\n".join(offenders)
