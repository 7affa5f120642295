"""FBA Inventory API v1: what Amazon holds of each SKU (getInventorySummaries)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .core import ClientCore
from .spapi import InventoriesApi
from .values import as_dict, chunked, parse_datetime, to_int

@dataclass(frozen=True)
class InventorySummary:
	"""FBA inventory of one SKU in one marketplace (getInventorySummaries with details=true)."""

	sku: str
	asin: str | None
	fnsku: str | None
	condition: str | None = None
	product_name: str | None = None
	fulfillable: int = 0
	inbound_working: int = 0
	inbound_shipped: int = 0
	inbound_receiving: int = 0
	reserved: int = 0
	researching: int = 0
	unfulfillable: int = 0
	total: int = 0
	last_updated: datetime | None = None

	@property
	def inbound(self) -> int:
		return self.inbound_working + self.inbound_shipped + self.inbound_receiving

	@classmethod
	def from_api(cls, data: Mapping) -> InventorySummary:
		details = as_dict(data.get("inventoryDetails"))
		return cls(
			sku=str(data.get("sellerSku") or ""),
			asin=data.get("asin"),
			fnsku=data.get("fnSku"),
			condition=data.get("condition"),
			product_name=data.get("productName"),
			fulfillable=to_int(details.get("fulfillableQuantity")) or 0,
			inbound_working=to_int(details.get("inboundWorkingQuantity")) or 0,
			inbound_shipped=to_int(details.get("inboundShippedQuantity")) or 0,
			inbound_receiving=to_int(details.get("inboundReceivingQuantity")) or 0,
			reserved=to_int(as_dict(details.get("reservedQuantity")).get("totalReservedQuantity")) or 0,
			researching=to_int(as_dict(details.get("researchingQuantity")).get("totalResearchingQuantity")) or 0,
			unfulfillable=to_int(as_dict(details.get("unfulfillableQuantity")).get("totalUnfulfillableQuantity")) or 0,
			total=to_int(data.get("totalQuantity")) or 0,
			last_updated=parse_datetime(data.get("lastUpdatedTime")),
		)


class InventoryClient(ClientCore):
	"""getInventorySummaries."""

	def inventory_summaries(
		self, marketplace_id: str | None = None, skus: Iterable[str] = ()
	) -> Iterator[InventorySummary]:
		"""getInventorySummaries with details, every page; SKUs asked 50 at a time (Amazon's limit)."""
		marketplace = marketplace_id or self.config.default_marketplace_id
		base: dict[str, Any] = {
			"details": "true",
			"granularityType": "Marketplace",
			"granularityId": marketplace,
			"marketplaceIds": [marketplace],
		}
		sku_list = [s for s in skus if s]
		batches: Iterable[list[str] | None] = chunked(sku_list, 50) if sku_list else [None]
		api = self._api(InventoriesApi)
		for batch in batches:
			params = dict(base)
			if batch:
				params["sellerSkus"] = batch
			for payload in self._pages("getInventorySummaries", api.get_inventory_summary_marketplace, params, token_param="nextToken"):
				for raw in payload.get("inventorySummaries") or []:
					yield InventorySummary.from_api(raw)
