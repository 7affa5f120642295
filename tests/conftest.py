"""Shared fixtures for the tier-1 tests (frappe-free).

- models_dir / xsd_dir: Amazon's reference data (env SP_API_MODELS / AMAZON_XSD, else <repo>/../shared/...);
  tests needing them are skipped with a clear reason when absent.
- sp_model(name) -> the parsed model JSON; assert_valid(model_name, definition, instance) -> Draft 4 check.
- sim: a running Simulator (small seeded data set, time scale 60: one real second is a simulated minute);
  sim_factory(**kwargs) starts more simulators with other settings; all are stopped after the test.
- sp_client(client_class, marketplace_id="ATVPDKIKX0DER", **kwargs): a python-amazon-sp-api client
  (OrdersV20260101, OrdersV0, Feeds, Reports, ...) pointed at `sim` (amazon_integration.simulator.testing).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SIM_SEED = 7
SIM_ORDERS = 40
SIM_TIME_SCALE = 60.0


def _shared_dir(env_var: str, default_name: str) -> Path | None:
	value = os.environ.get(env_var)
	if value:
		path = Path(value)
		if not path.is_absolute():
			path = (REPO / path).resolve()
		return path if path.is_dir() else None
	path = REPO.parent / "shared" / default_name
	return path if path.is_dir() else None


@pytest.fixture(scope="session")
def models_dir() -> Path:
	path = _shared_dir("SP_API_MODELS", "sp-api-models")
	if path is None:
		pytest.skip("Amazon SP-API models not found: set SP_API_MODELS or provide ../shared/sp-api-models")
	return path


@pytest.fixture(scope="session")
def xsd_dir() -> Path:
	path = _shared_dir("AMAZON_XSD", "amazon-xsd")
	if path is None:
		pytest.skip("Amazon XSD schemas not found: set AMAZON_XSD or provide ../shared/amazon-xsd")
	return path


@cache
def _load_model(path: str) -> dict[str, Any]:
	return json.loads(Path(path).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sp_model(models_dir: Path) -> Callable[[str], dict[str, Any]]:
	"""sp_model("orders_2026-01-01") -> the model's JSON (".json" optional)."""

	def load(name: str) -> dict[str, Any]:
		file_name = name if name.endswith(".json") else f"{name}.json"
		return _load_model(str(models_dir / file_name))

	return load


@pytest.fixture(scope="session")
def assert_valid(sp_model: Callable[[str], dict[str, Any]]) -> Callable[[str, str, Any], None]:
	"""assert_valid("orders_2026-01-01", "SearchOrdersResponse", body): Draft 4 validation against the model."""
	from jsonschema import Draft4Validator

	validators: dict[tuple[str, str], Any] = {}

	def check(model_name: str, definition: str, instance: Any) -> None:
		key = (model_name, definition)
		if key not in validators:
			model = sp_model(model_name)
			assert definition in model["definitions"], f"{definition} is not defined in {model_name}"
			validators[key] = Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": model["definitions"]})
		errors = sorted(validators[key].iter_errors(instance), key=lambda error: list(error.path))
		assert not errors, f"{definition} invalid: " + "; ".join(
			f"{'/'.join(map(str, error.path))}: {error.message}" for error in errors[:5]
		)

	return check


@pytest.fixture
def sim_factory() -> Iterator[Callable[..., Any]]:
	"""Start simulators with custom settings; they are stopped (and sp_api's token cache cleared) afterwards."""
	from amazon_integration.simulator import Simulator
	from amazon_integration.simulator.testing import forget_tokens

	started: list[Simulator] = []

	def make(**kwargs: Any) -> Simulator:
		options = {"seed": SIM_SEED, "orders": SIM_ORDERS, "time_scale": SIM_TIME_SCALE, "port": 0}
		options.update(kwargs)
		simulator = Simulator(**options).start()
		started.append(simulator)
		return simulator

	yield make
	for simulator in started:
		simulator.stop()
	forget_tokens()  # a later simulator may reuse the port; cached tokens would be unknown there


@pytest.fixture
def sim(sim_factory: Callable[..., Any]) -> Any:
	"""A running simulator: seed 7, 40 orders over the last 4 simulated days, time scale 60."""
	return sim_factory()


@pytest.fixture
def sp_client(sim: Any) -> Callable[..., Any]:
	"""sp_client(OrdersV20260101) -> a python-amazon-sp-api client talking to `sim`."""
	from amazon_integration.simulator.testing import sp_client as build

	def make(client_class: Any, marketplace_id: str = "ATVPDKIKX0DER", **kwargs: Any) -> Any:
		return build(client_class, sim.url, marketplace_id, **kwargs)

	return make
