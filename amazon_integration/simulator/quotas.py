"""Usage plans (rate, burst) per SP-API operation and token buckets that refill on the simulated clock.

The built-in table holds the official defaults from the models' "| Rate | Burst |" tables; at startup
`load_usage_plans(models_dir)` re-reads them from the model files when the folder is available, so a newer
model wins. Buckets are kept per (seller, operation); a bucket starts full (burst) and refills `rate` tokens
per simulated second.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .clock import Clock


@dataclass(frozen=True)
class UsagePlan:
	rate: float  # requests per second
	burst: int

	@property
	def header(self) -> str:
		"""Value of x-amzn-RateLimit-Limit (Amazon prints the rate as a plain decimal)."""
		return format(self.rate, "g") if self.rate >= 0.0001 else str(self.rate)


# Official defaults, read from the models (orders_2026-01-01, ordersV0, feeds_2021-06-30, reports_2021-06-30,
# financesV0, fbaInventory, tokens_2021-03-01, listings/listingsItems_2021-08-01, shipping/shippingV2).
BUILTIN_PLANS: dict[str, UsagePlan] = {
	# Orders v2026-01-01
	"searchOrders": UsagePlan(0.0056, 20),
	"getOrder": UsagePlan(0.5, 30),
	# Orders v0
	"confirmShipment": UsagePlan(2, 10),
	"getOrders": UsagePlan(0.0167, 20),
	"getOrderItems": UsagePlan(0.5, 30),
	"getOrderBuyerInfo": UsagePlan(0.5, 30),
	"getOrderAddress": UsagePlan(0.5, 30),
	"getOrderItemsBuyerInfo": UsagePlan(0.5, 30),
	"updateShipmentStatus": UsagePlan(5, 15),
	"getOrderRegulatedInfo": UsagePlan(0.5, 30),
	"updateVerificationStatus": UsagePlan(0.5, 30),
	# Feeds 2021-06-30
	"getFeeds": UsagePlan(0.0222, 10),
	"createFeed": UsagePlan(0.0083, 15),
	"cancelFeed": UsagePlan(2, 15),
	"getFeed": UsagePlan(2, 15),
	"createFeedDocument": UsagePlan(0.5, 15),
	"getFeedDocument": UsagePlan(0.0222, 10),
	# Reports 2021-06-30
	"getReports": UsagePlan(0.0222, 10),
	"createReport": UsagePlan(0.0167, 15),
	"cancelReport": UsagePlan(0.0222, 10),
	"getReport": UsagePlan(2, 15),
	"getReportSchedules": UsagePlan(0.0222, 10),
	"createReportSchedule": UsagePlan(0.0222, 10),
	"cancelReportSchedule": UsagePlan(0.0222, 10),
	"getReportSchedule": UsagePlan(0.0222, 10),
	"getReportDocument": UsagePlan(0.0167, 15),
	# Finances v0
	"listFinancialEventGroups": UsagePlan(0.5, 30),
	"listFinancialEventsByGroupId": UsagePlan(0.5, 30),
	"listFinancialEventsByOrderId": UsagePlan(0.5, 30),
	"listFinancialEvents": UsagePlan(0.5, 30),
	# Finances 2024-06-19 (finances/finances_2024-06-19.json)
	"listTransactions": UsagePlan(0.5, 10),
	# FBA inventory v1
	"getInventorySummaries": UsagePlan(2, 2),
	# Tokens 2021-03-01
	"createRestrictedDataToken": UsagePlan(1, 10),
	# Listings Items 2021-08-01 (listings/listingsItems_2021-08-01.json)
	"deleteListingsItem": UsagePlan(5, 5),
	"getListingsItem": UsagePlan(5, 10),
	"patchListingsItem": UsagePlan(5, 5),
	"putListingsItem": UsagePlan(5, 10),
	"searchListingsItems": UsagePlan(5, 5),
	# Fulfillment Outbound 2020-07-01
	"getFulfillmentPreview": UsagePlan(2, 30),
	"deliveryOffers": UsagePlan(5, 30),
	"listAllFulfillmentOrders": UsagePlan(2, 30),
	"createFulfillmentOrder": UsagePlan(2, 30),
	"getPackageTrackingDetails": UsagePlan(2, 30),
	"listReturnReasonCodes": UsagePlan(2, 30),
	"createFulfillmentReturn": UsagePlan(2, 30),
	"getFulfillmentOrder": UsagePlan(2, 30),
	"updateFulfillmentOrder": UsagePlan(2, 30),
	"cancelFulfillmentOrder": UsagePlan(2, 30),
	"getFeatures": UsagePlan(2, 30),
	"getFeatureInventory": UsagePlan(2, 30),
	"getFeatureSKU": UsagePlan(2, 30),
	# Shipping v2 (shipping/shippingV2.json): every operation of the model, the simulator serves five
	"getRates": UsagePlan(80, 100),
	"directPurchaseShipment": UsagePlan(80, 100),
	"purchaseShipment": UsagePlan(80, 100),
	"oneClickShipment": UsagePlan(80, 100),
	"getTracking": UsagePlan(80, 100),
	"getShipmentDocuments": UsagePlan(80, 100),
	"cancelShipment": UsagePlan(80, 100),
	"getAdditionalInputs": UsagePlan(80, 100),
	"getCarrierAccountFormInputs": UsagePlan(80, 100),
	"getCarrierAccounts": UsagePlan(80, 100),
	"linkCarrierAccount": UsagePlan(5, 10),
	"unlinkCarrierAccount": UsagePlan(80, 100),
	"generateCollectionForm": UsagePlan(80, 100),
	"getCollectionFormHistory": UsagePlan(80, 100),
	"getUnmanifestedShipments": UsagePlan(80, 100),
	"getCollectionForm": UsagePlan(80, 100),
	"getAccessPoints": UsagePlan(80, 100),
	"submitNdrFeedback": UsagePlan(80, 100),
	"createClaim": UsagePlan(80, 100),
	# Fulfillment Inbound 2024-03-20 (the operations the simulator serves)
	"createInboundPlan": UsagePlan(2, 2),
	"getInboundPlan": UsagePlan(2, 6),
	"cancelInboundPlan": UsagePlan(2, 2),
	"generatePackingOptions": UsagePlan(2, 2),
	"listPackingOptions": UsagePlan(2, 6),
	"confirmPackingOption": UsagePlan(2, 2),
	"setPackingInformation": UsagePlan(2, 2),
	"generatePlacementOptions": UsagePlan(2, 2),
	"listPlacementOptions": UsagePlan(2, 6),
	"confirmPlacementOption": UsagePlan(2, 2),
	"generateTransportationOptions": UsagePlan(2, 2),
	"listTransportationOptions": UsagePlan(2, 6),
	"confirmTransportationOptions": UsagePlan(2, 2),
	"getShipment": UsagePlan(2, 6),
	"listShipmentItems": UsagePlan(2, 30),
	"getInboundOperationStatus": UsagePlan(2, 6),
	"getShipmentItemsByShipmentId": UsagePlan(2, 30),  # Fulfillment Inbound v0
	"getLabels": UsagePlan(2, 30),  # Fulfillment Inbound v0
}
# Model files kept in sub-folders of the models folder (beside the feed schemas they belong with).
MODEL_SUBFOLDERS = ("listings", "fulfillment-outbound", "shipping")
DEFAULT_PLAN = UsagePlan(1, 10)  # for an operation missing from every table

_PLAN_RE = re.compile(
	r"\|\s*Rate[^|\n]*\|\s*Burst\s*\|\s*\n\s*\|[-\s|]+\|\s*\n\s*\|\s*([0-9.]+)\s*\|\s*([0-9]+)\s*\|"
)


def parse_usage_plans(model: dict) -> dict[str, UsagePlan]:
	"""operationId -> UsagePlan from one model's operation descriptions."""
	plans: dict[str, UsagePlan] = {}
	for path_item in model.get("paths", {}).values():
		for operation in path_item.values():
			if not isinstance(operation, dict) or "operationId" not in operation:
				continue
			found = _PLAN_RE.search(operation.get("description", ""))
			if found:
				plans[operation["operationId"]] = UsagePlan(float(found.group(1)), int(found.group(2)))
	return plans


def find_models_dir(explicit: str | os.PathLike | None = None) -> Path | None:
	"""The SP-API models folder: explicit, $SP_API_MODELS, or <repo>/../shared/sp-api-models."""
	candidates = [explicit, os.environ.get("SP_API_MODELS")]
	repo = Path(__file__).resolve().parents[2]
	candidates.append(repo.parent / "shared" / "sp-api-models")
	for candidate in candidates:
		if candidate and Path(candidate).is_dir():
			return Path(candidate)
	return None


def load_usage_plans(models_dir: str | os.PathLike | None = None) -> dict[str, UsagePlan]:
	"""Built-in table overlaid with what the model files say (when they can be found and read)."""
	plans = dict(BUILTIN_PLANS)
	folder = find_models_dir(models_dir)
	if folder is None:
		return plans
	plans.update(_plans_from_folder(str(folder.resolve())))
	return plans


@lru_cache(maxsize=8)
def _plans_from_folder(folder_name: str) -> dict[str, UsagePlan]:
	"""Parsed once per folder and process (every test starts a simulator)."""
	folder = Path(folder_name)
	plans: dict[str, UsagePlan] = {}
	# ordersV0 first so the v2026 getOrder (same name, same plan) wins if they ever differ.
	files = sorted(folder.glob("*.json"), key=lambda path: (path.name != "ordersV0.json", path.name))
	files += [path for sub in MODEL_SUBFOLDERS for path in sorted((folder / sub).glob("*.json"))]
	for path in files:
		try:
			model = json.loads(path.read_text(encoding="utf-8"))
		except (OSError, ValueError):
			continue
		if isinstance(model, dict):
			plans.update(parse_usage_plans(model))
	return plans


class TokenBucket:
	def __init__(self, plan: UsagePlan, now: float) -> None:
		self.plan = plan
		self.tokens = float(plan.burst)
		self.updated = now

	def refill(self, now: float) -> None:
		if now > self.updated:
			self.tokens = min(float(self.plan.burst), self.tokens + (now - self.updated) * self.plan.rate)
			self.updated = now

	def take(self, now: float) -> bool:
		self.refill(now)
		if self.tokens >= 1.0:
			self.tokens -= 1.0
			return True
		return False


class QuotaManager:
	"""Token buckets per (seller, operation) on the simulated clock."""

	def __init__(self, clock: Clock, plans: dict[str, UsagePlan] | None = None) -> None:
		self.clock = clock
		self.plans = dict(plans if plans is not None else BUILTIN_PLANS)
		self.enabled = True
		self._buckets: dict[tuple[str, str], TokenBucket] = {}
		self._lock = threading.Lock()

	def plan(self, operation: str) -> UsagePlan:
		return self.plans.get(operation, DEFAULT_PLAN)

	def take(self, seller_id: str, operation: str) -> bool:
		"""True when the call may proceed (a token was taken); False -> answer 429."""
		if not self.enabled:
			return True
		now = self.clock.elapsed()
		with self._lock:
			bucket = self._buckets.get((seller_id, operation))
			if bucket is None:
				bucket = self._buckets[(seller_id, operation)] = TokenBucket(self.plan(operation), now)
			return bucket.take(now)

	def tokens(self, seller_id: str, operation: str) -> float:
		now = self.clock.elapsed()
		with self._lock:
			bucket = self._buckets.get((seller_id, operation))
			if bucket is None:
				return float(self.plan(operation).burst)
			bucket.refill(now)
			return bucket.tokens

	def reset(self) -> None:
		"""All buckets full again."""
		with self._lock:
			self._buckets.clear()

	def set_plan(self, operation: str, plan: UsagePlan) -> None:
		with self._lock:
			self.plans[operation] = plan
			for seller, op in list(self._buckets):
				if op == operation:
					del self._buckets[(seller, op)]
