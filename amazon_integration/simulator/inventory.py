"""FBA Inventory v1: getInventorySummaries (GET /fba/inventory/v1/summaries), granularity Marketplace.

Every SKU of the catalogue (state.catalogue, from the generator; else the SKUs seen in orders) is listed in
every marketplace whose currency it is priced in. FBA stock is a pool per region, as at Amazon (the US, Canada
and Mexico draw on one North American pool; EU and FE likewise here): every marketplace of the region reports the
same figures for a SKU. `fba_quantities(state, region, sku)` is the one place those figures are computed:
  initial stock (40..399, from the seed) - units Amazon shipped for FBA and MCF orders of that SKU in the region
  reserved.pendingCustomerOrderQuantity = FBA units ordered in the region, not yet shipped nor cancelled
  fulfillableQuantity = max(0, initial - shipped - pending)
  inbound*/researching/unfulfillable: small fixed numbers per SKU;
  fulfillableQuantity also rises by the units Amazon received from the seller's inbound shipments (inbound.py).
So stock goes down as FBA orders ship. lastUpdatedTime is the latest FBA change of the SKU (ship date or order
update), else the simulator's start. Pages hold 50 summaries; startDateTime returns the SKUs changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from collections.abc import Callable
from typing import Any

from . import aftersale, inbound
from .documents import attach, iso, new_uuid, parse_iso
from .http import ApiError, Request, Response, Router
from .ids import digest, fn_sku
from .settlements import sim_start
from .state import SimulatorState

PAGE_SIZE = 50
# Other order kinds drawing on the FBA pool (Multi-Channel Fulfilment): f(state, region) -> sku -> (shipped,
# pending, last change). They register themselves here so this module does not import them (no circles).
POOL_DRAWS: list[Callable[[SimulatorState, str], dict[str, tuple[int, int, datetime]]]] = []
MAX_LOOKBACK = timedelta(days=548)  # 18 months


@dataclass
class StockLine:
	sku: str
	asin: str
	title: str


def catalogue_for(state: SimulatorState, marketplace_id: str) -> list[StockLine]:
	"""SKUs sold in the marketplace: the generator's catalogue (priced in its currency), else the orders' SKUs."""
	market = state.marketplaces.get(marketplace_id)
	currency = market.currency if market is not None else None
	lines: dict[str, StockLine] = {}
	for entry in getattr(state, "catalogue", None) or []:
		prices = getattr(entry, "prices", None)
		if prices is not None and currency is not None and currency not in prices:
			continue
		lines[entry.sku] = StockLine(
			entry.sku, getattr(entry, "asin", ""), getattr(entry, "title", entry.sku)
		)
	if not lines:
		for order in state.orders.values():
			if order.marketplace_id == marketplace_id:
				for item in order.items:
					lines.setdefault(item.sku, StockLine(item.sku, item.asin, item.title))
	return sorted(lines.values(), key=lambda line: line.sku)


@dataclass(frozen=True)
class FbaQuantities:
	"""One SKU's FBA figures in a region's pool."""

	fulfillable: int
	reserved: int
	inbound_working: int
	inbound_shipped: int
	inbound_receiving: int
	unfulfillable: int
	researching: int
	last_changed: datetime | None  # the latest FBA order change of the SKU in the region

	@property
	def total(self) -> int:
		return (
			self.fulfillable
			+ self.reserved
			+ self.inbound_working
			+ self.inbound_shipped
			+ self.inbound_receiving
			+ self.unfulfillable
			+ self.researching
		)


def region_of(state: SimulatorState, marketplace_id: str) -> str:
	market = state.marketplaces.get(marketplace_id)
	return market.region if market is not None else "NA"


def _fba_movements(state: SimulatorState, region: str) -> dict[str, tuple[int, int, datetime]]:
	"""sku -> (units shipped, units pending, last change) over the region's FBA orders (caller holds the lock)."""
	moves: dict[str, tuple[int, int, datetime]] = {}
	for order in state.orders.values():
		if not order.is_fba or region_of(state, order.marketplace_id) != region:
			continue
		for item in order.items:
			shipped, pending, changed = moves.get(item.sku, (0, 0, order.last_updated))
			moves[item.sku] = (
				shipped + item.quantity_shipped,
				pending + item.quantity_unshipped,
				max(changed, order.last_updated),
			)
	for draws in POOL_DRAWS:
		for sku, (shipped, pending, changed) in draws(state, region).items():
			old_shipped, old_pending, old_changed = moves.get(sku, (0, 0, changed))
			moves[sku] = (old_shipped + shipped, old_pending + pending, max(old_changed, changed))
	return moves


def _fba_adjustments(state: SimulatorState, region: str) -> dict[str, tuple[int, int]]:
	"""sku -> (fulfillable, unfulfillable) changes that returns, losses and removals made in the region's pool."""
	markets = {mid for mid in state.marketplaces if region_of(state, mid) == region}
	return aftersale.adjustments(state, markets)


def opening_stock(state: SimulatorState, region: str, sku: str) -> tuple[int, int]:
	"""(fulfillable, unfulfillable) units of the SKU in the region's pool before any order, return, loss or inbound
	shipment moved them: the count a seller's books open with to agree with Amazon's (the sandbox's opening stock)."""
	mix = digest(getattr(state, "seed", 1), "stock", region, sku)
	return 40 + mix % 360, (mix >> 22) % 3


def fba_quantities(
	state: SimulatorState,
	region: str,
	sku: str,
	moves: dict[str, tuple[int, int, datetime]] | None = None,
	adjusted: dict[str, tuple[int, int]] | None = None,
) -> FbaQuantities:
	"""A SKU's FBA figures in the region's pool; every adjustment of simulated FBA stock belongs here.
	`moves` (from _fba_movements) and `adjusted` (from _fba_adjustments) save re-reading the orders and the
	after-sale book when many SKUs are computed at once."""
	if moves is None:
		moves = _fba_movements(state, region)
	if adjusted is None:
		adjusted = _fba_adjustments(state, region)
	shipped, pending, changed = moves.get(sku, (0, 0, None))
	fulfillable_change, unfulfillable_change = adjusted.get(sku, (0, 0))
	mix = digest(getattr(state, "seed", 1), "stock", region, sku)
	initial, opening_unfulfillable = opening_stock(state, region, sku)
	markets = {mid for mid in state.marketplaces if region_of(state, mid) == region}
	received = inbound.received_units(state, markets, sku)  # units Amazon received from the seller's shipments
	return FbaQuantities(
		fulfillable=max(0, initial - shipped - pending + fulfillable_change + received),
		reserved=pending,
		inbound_working=(mix >> 10) % 3 * 6,
		inbound_shipped=(mix >> 14) % 2 * 12,
		inbound_receiving=(mix >> 18) % 2 * 4,
		unfulfillable=max(0, opening_unfulfillable + unfulfillable_change),
		researching=(mix >> 26) % 2,
		last_changed=changed,
	)


def summaries(state: SimulatorState, marketplace_id: str, details: bool) -> list[dict[str, Any]]:
	"""Every SKU's summary for the marketplace, from its region's pool (caller holds state.lock)."""
	seed = getattr(state, "seed", 1)
	region = region_of(state, marketplace_id)
	moves = _fba_movements(state, region)
	adjusted = _fba_adjustments(state, region)
	baseline = sim_start(state)
	result = []
	for line in catalogue_for(state, marketplace_id):
		fba = fba_quantities(state, region, line.sku, moves, adjusted)
		summary: dict[str, Any] = {
			"asin": line.asin,
			"fnSku": fn_sku(seed, line.sku),
			"sellerSku": line.sku,
			"condition": "NewItem",
			"lastUpdatedTime": iso(fba.last_changed or baseline),
			"productName": line.title,
			"totalQuantity": fba.total,
		}
		if details:
			summary["inventoryDetails"] = {
				"fulfillableQuantity": fba.fulfillable,
				"inboundWorkingQuantity": fba.inbound_working,
				"inboundShippedQuantity": fba.inbound_shipped,
				"inboundReceivingQuantity": fba.inbound_receiving,
				"reservedQuantity": {
					"totalReservedQuantity": fba.reserved,
					"pendingCustomerOrderQuantity": fba.reserved,
					"pendingTransshipmentQuantity": 0,
					"fcProcessingQuantity": 0,
				},
				"researchingQuantity": {
					"totalResearchingQuantity": fba.researching,
					"researchingQuantityBreakdown": [
						{"name": "researchingQuantityInShortTerm", "quantity": fba.researching},
						{"name": "researchingQuantityInMidTerm", "quantity": 0},
						{"name": "researchingQuantityInLongTerm", "quantity": 0},
					],
				},
				"unfulfillableQuantity": {
					"totalUnfulfillableQuantity": fba.unfulfillable,
					"customerDamagedQuantity": fba.unfulfillable,
					"warehouseDamagedQuantity": 0,
					"distributorDamagedQuantity": 0,
					"carrierDamagedQuantity": 0,
					"defectiveQuantity": 0,
					"expiredQuantity": 0,
				},
			}
		result.append(summary)
	return result


def register(router: Router, state: SimulatorState) -> None:
	tokens: dict[str, tuple[tuple[Any, ...], list[str]]] = attach(state, "docs.inventory_tokens", dict)

	@router.route("GET", "/fba/inventory/v1/summaries", operation="getInventorySummaries")
	def get_inventory_summaries(req: Request) -> Response:
		granularity_type = req.param("granularityType")
		granularity_id = req.param("granularityId")
		marketplace_ids = req.param_list("marketplaceIds")
		if granularity_type != "Marketplace":
			raise ApiError(400, "InvalidInput", "granularityType must be Marketplace.")
		if not granularity_id:
			raise ApiError(400, "InvalidInput", "granularityId is required.")
		if len(marketplace_ids) != 1:
			raise ApiError(400, "InvalidInput", "marketplaceIds must hold exactly one marketplace id.")
		marketplace_id = marketplace_ids[0]
		if marketplace_id not in state.marketplaces or granularity_id not in state.marketplaces:
			raise ApiError(400, "InvalidInput", f"Invalid marketplace: {marketplace_id}.")
		if granularity_id != marketplace_id:
			raise ApiError(
				400, "InvalidInput", "granularityId must be the marketplace id given in marketplaceIds."
			)
		details = (req.param("details") or "false").lower() == "true"
		seller_skus = req.param_list("sellerSkus")
		if len(seller_skus) > 50:
			raise ApiError(400, "InvalidInput", "sellerSkus accepts at most 50 SKUs.")
		raw_start = req.param("startDateTime")
		key = (marketplace_id, details, tuple(seller_skus), req.param("sellerSku"), raw_start)
		with state.lock:
			now = state.clock.now()
			start = parse_iso(raw_start, "startDateTime") if raw_start else None
			if start is not None and start < now - MAX_LOOKBACK:
				raise ApiError(400, "InvalidInput", "startDateTime must be within the last 18 months.")
			every = summaries(state, marketplace_id, details)
			by_sku = {summary["sellerSku"]: summary for summary in every}
			token = req.param("nextToken")
			if token:
				stored = tokens.pop(token, None)
				if stored is None or stored[0] != key:
					raise ApiError(400, "InvalidInput", "The nextToken is invalid or expired.")
				skus = stored[1]
			elif start is not None:
				skus = [
					s["sellerSku"]
					for s in every
					if parse_iso(s["lastUpdatedTime"], "lastUpdatedTime") >= start
				]
			elif seller_skus:
				skus = [sku for sku in seller_skus if sku in by_sku]
			elif req.param("sellerSku"):
				skus = [sku for sku in [req.param("sellerSku")] if sku in by_sku]
			else:
				skus = [s["sellerSku"] for s in every]
			page, rest = skus[:PAGE_SIZE], skus[PAGE_SIZE:]
			body: dict[str, Any] = {
				"payload": {
					"granularity": {"granularityType": "Marketplace", "granularityId": marketplace_id},
					"inventorySummaries": [by_sku[sku] for sku in page if sku in by_sku],
				}
			}
			if rest:
				next_token = new_uuid(state)
				tokens[next_token] = (key, rest)
				body["pagination"] = {"nextToken": next_token}
		return Response(status=200, body=body)
