"""The hard-coded usage plans equal the "| Rate | Burst |" tables of Amazon's official models."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from amazon_integration.amazon.usage_plans import MODEL_OF_OPERATION, USAGE_PLANS, plan_for

PLAN_ROW = re.compile(r"\|\s*([0-9.]+)\s*\|\s*([0-9]+)\s*\|")


def _plans_in(model: dict[str, Any]) -> dict[str, tuple[float, int]]:
	plans: dict[str, tuple[float, int]] = {}
	for operations in model["paths"].values():
		for operation in operations.values():
			if not isinstance(operation, dict) or "operationId" not in operation:
				continue
			found = PLAN_ROW.search(operation.get("description", ""))
			if found:
				plans[operation["operationId"]] = (float(found.group(1)), int(found.group(2)))
	return plans


def test_every_operation_has_a_model() -> None:
	assert set(USAGE_PLANS) == set(MODEL_OF_OPERATION)


def test_table_matches_the_models(sp_model: Callable[[str], dict[str, Any]]) -> None:
	mismatches = []
	for operation, plan in USAGE_PLANS.items():
		model_plans = _plans_in(sp_model(MODEL_OF_OPERATION[operation]))
		assert operation in model_plans, f"{operation} has no usage plan in {MODEL_OF_OPERATION[operation]}"
		if model_plans[operation] != (plan.rate, plan.burst):
			mismatches.append(f"{operation}: table {plan}, model {model_plans[operation]}")
	assert not mismatches, "\n".join(mismatches)


def test_unknown_operation_gets_a_conservative_plan() -> None:
	plan = plan_for("somethingNew")
	assert plan.burst == 1 and plan.rate < 0.1
