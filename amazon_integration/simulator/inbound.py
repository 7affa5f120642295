"""Fulfillment Inbound API 2024-03-20: the "Send to Amazon" workflow, stateful on the simulated clock.

createInboundPlan -> generatePackingOptions / listPackingOptions / confirmPackingOption -> generatePlacementOptions /
listPlacementOptions / confirmPlacementOption (the plan splits into shipments to different fulfilment centres) ->
generateTransportationOptions / listTransportationOptions / confirmTransportationOptions -> getShipment,
listShipmentItems; cancelInboundPlan; and v0 getShipmentItemsByShipmentId for the received quantities. Every long call answers an operationId read with getInboundOperationStatus:
IN_PROGRESS for `operation_seconds` of simulated time, then SUCCESS (the effect is applied when the call is made,
as the answer is only readable after the operation; Amazon behaves the same for a client that waits).

Placement options, as Amazon offers them: an Amazon-optimised split (two shipments when the plan has two or more
SKUs, no placement fee) and a single shipment carrying Amazon's "Placement Services" fee per unit. Transportation:
per shipment, Amazon's partnered carrier with a quote, or the seller's own carrier without one.

After confirmation the seller ships (control `ship`); the shipment then moves on the clock: IN_TRANSIT, then
RECEIVING `receive_after_days` later, CLOSED `close_after_days` later. Received quantities are what was sent, less
any shortage set through control `short` (SKU -> units missing), so a short receipt can be played.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .documents import attach, download_url, iso, new_uuid, store_document
from .http import ApiError, Request, Response, Router
from .ids import digest, fn_sku
from .shipping import label_document
from .state import SimulatorState

BASE = "/inbound/fba/2024-03-20"
LABEL_PAGE_TYPES = (  # v0 getLabels PageType
	"PackageLabel_Letter_2", "PackageLabel_Letter_4", "PackageLabel_Letter_6", "PackageLabel_Letter_6_CarrierLeft",
	"PackageLabel_A4_2", "PackageLabel_A4_4", "PackageLabel_Plain_Paper", "PackageLabel_Plain_Paper_CarrierBottom",
	"PackageLabel_Thermal", "PackageLabel_Thermal_Unified", "PackageLabel_Thermal_NonPCP",
	"PackageLabel_Thermal_No_Carrier_Rotation",
)
FULFILMENT_CENTRES = (("PHX7", "4750 W Mohave St", "Phoenix", "AZ", "85043"), ("ONT8", "24300 Nandina Ave", "Moreno Valley", "CA", "92551"))
PLACEMENT_FEE_PER_UNIT = 0.30  # Amazon's "Placement Services" fee for a minimal-split placement (USD)
PARTNERED_PER_UNIT = 0.45  # partnered carrier quote per unit (small parcel)


@dataclass
class SimOperation:
	operation_id: str
	operation: str
	created: datetime
	problems: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SimInboundShipment:
	shipment_id: str
	placement_option_id: str
	centre: tuple[str, str, str, str, str]
	items: dict[str, int]  # msku -> quantity
	status: str = "WORKING"
	transportation_option_id: str | None = None
	confirmation_id: str | None = None
	shipped_at: datetime | None = None
	received: dict[str, int] = field(default_factory=dict)


@dataclass
class SimInboundPlan:
	plan_id: str
	name: str
	marketplace_id: str
	source: dict[str, Any]
	items: dict[str, int]
	created: datetime
	updated: datetime
	status: str = "ACTIVE"
	confirmed_at: datetime | None = None  # transportation confirmed: Amazon charges placement and transport
	packing_options: dict[str, str] = field(default_factory=dict)  # id -> status
	placement_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {status, shipments, fee}
	transport_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> option json
	shipments: dict[str, SimInboundShipment] = field(default_factory=dict)
	boxes: list[dict[str, Any]] = field(default_factory=list)  # setPackingInformation's BoxInputs, as sent


@dataclass
class InboundState:
	plans: dict[str, SimInboundPlan] = field(default_factory=dict)
	operations: dict[str, SimOperation] = field(default_factory=dict)
	operation_seconds: float = 5.0
	receive_after_days: float = 2.0
	close_after_days: float = 4.0
	shortages: dict[str, int] = field(default_factory=dict)  # msku -> units Amazon will find missing
	# Ids of this module's own stream, when set (the sandbox: a restarted simulator must not hand out the ids
	# of the plans ERPNext still holds from the last one); else the state's document ids, from its seed.
	id_rng: random.Random | None = None


def inbound_state(state: SimulatorState) -> InboundState:
	return attach(state, "inbound", InboundState)


def _uuid(state: SimulatorState) -> str:
	own = inbound_state(state).id_rng
	return new_uuid(state) if own is None else str(uuid.UUID(int=own.getrandbits(128), version=4))


def _id(state: SimulatorState, prefix: str) -> str:
	return prefix + _uuid(state)  # Amazon's look like wf1234abcd-1234-abcd-5678-1234abcd5678


def _shipment_id(state: SimulatorState) -> str:
	return "sh" + _uuid(state)


def _money(amount: float, currency: str) -> dict[str, Any]:
	return {"amount": round(amount, 2), "code": currency}


def _currency(state: SimulatorState, marketplace_id: str) -> str:
	market = state.marketplaces.get(marketplace_id)
	return market.currency if market is not None else "USD"


def _operation(state: SimulatorState, name: str, problems: list[dict[str, Any]] | None = None) -> str:
	inbound = inbound_state(state)
	op = SimOperation(_uuid(state), name, state.clock.now(), problems or [])
	inbound.operations[op.operation_id] = op
	return op.operation_id


def _plan(state: SimulatorState, req: Request) -> SimInboundPlan:
	plan = inbound_state(state).plans.get(req.path_args["inboundPlanId"])
	if plan is None:
		raise ApiError(404, "NotFound", f"Inbound plan {req.path_args['inboundPlanId']} not found.")
	return plan


def _active(plan: SimInboundPlan) -> None:
	if plan.status != "ACTIVE":
		raise ApiError(400, "InvalidInput", f"Inbound plan {plan.plan_id} is {plan.status}.")


def advance_shipments(state: SimulatorState, plan: SimInboundPlan) -> None:
	"""Shipped shipments move on the clock: IN_TRANSIT, RECEIVING (units received), CLOSED."""
	inbound = inbound_state(state)
	now = state.clock.now()
	for shipment in plan.shipments.values():
		if shipment.shipped_at is None or shipment.status in ("CLOSED", "CANCELLED"):
			continue
		if now >= shipment.shipped_at + timedelta(days=inbound.receive_after_days) and shipment.status == "IN_TRANSIT":
			# counted once: a shortage set later applies to later receipts, never to units already counted
			shipment.received = {
				sku: max(0, qty - inbound.shortages.get(sku, 0)) for sku, qty in shipment.items.items()
			}
			shipment.status = "RECEIVING"
		if now >= shipment.shipped_at + timedelta(days=inbound.close_after_days):
			shipment.status = "CLOSED"
	if plan.shipments and all(s.status in ("CLOSED", "CANCELLED") for s in plan.shipments.values()) and plan.status == "ACTIVE":
		if any(s.status == "CLOSED" for s in plan.shipments.values()):
			plan.status = "SHIPPED"


def plan_json(state: SimulatorState, plan: SimInboundPlan) -> dict[str, Any]:
	return {
		"inboundPlanId": plan.plan_id,
		"name": plan.name,
		"status": plan.status,
		"createdAt": iso(plan.created),
		"lastUpdatedAt": iso(plan.updated),
		"marketplaceIds": [plan.marketplace_id],
		"sourceAddress": plan.source,
		"packingOptions": [{"packingOptionId": k, "status": v} for k, v in plan.packing_options.items()],
		"placementOptions": [{"placementOptionId": k, "status": v["status"]} for k, v in plan.placement_options.items()],
		"shipments": [{"shipmentId": s.shipment_id, "status": s.status} for s in plan.shipments.values()],
	}


def shipment_json(plan: SimInboundPlan, shipment: SimInboundShipment) -> dict[str, Any]:
	code, line1, city, region, postcode = shipment.centre
	body: dict[str, Any] = {
		"shipmentId": shipment.shipment_id,
		"placementOptionId": shipment.placement_option_id,
		"name": f"{plan.name} ({code})",
		"status": shipment.status,
		"source": {"sourceType": "SELLER_FACILITY", "address": plan.source},
		"destination": {
			"destinationType": "AMAZON_OPTIMIZED",
			"warehouseId": code,
			"address": {"name": code, "addressLine1": line1, "city": city, "stateOrProvinceCode": region, "postalCode": postcode, "countryCode": "US"},
		},
	}
	if shipment.confirmation_id:
		body["shipmentConfirmationId"] = shipment.confirmation_id
	if shipment.transportation_option_id:
		body["selectedTransportationOptionId"] = shipment.transportation_option_id
	return body


def _read_items(state: SimulatorState, body: dict[str, Any]) -> dict[str, int]:
	raw = body.get("items")
	if not isinstance(raw, list) or not raw:
		raise ApiError(400, "InvalidInput", "items must be a non-empty list.")
	items: dict[str, int] = {}
	for entry in raw:
		if not isinstance(entry, dict):
			raise ApiError(400, "InvalidInput", "Each item must be an object.")
		msku, qty = entry.get("msku"), entry.get("quantity")
		if not isinstance(msku, str) or not msku:
			raise ApiError(400, "InvalidInput", "Each item needs an msku.")
		if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= 10000:
			raise ApiError(400, "InvalidInput", f"quantity of {msku} must be an integer from 1 to 10000.")
		for name in ("labelOwner", "prepOwner"):
			if entry.get(name) not in ("AMAZON", "SELLER", "NONE"):
				raise ApiError(400, "InvalidInput", f"{name} of {msku} must be AMAZON, SELLER or NONE.")
		if msku in items:
			raise ApiError(400, "InvalidInput", f"msku {msku} is listed twice.")
		items[msku] = qty
	return items


def _read_address(body: dict[str, Any]) -> dict[str, Any]:
	address = body.get("sourceAddress")
	if not isinstance(address, dict):
		raise ApiError(400, "InvalidInput", "sourceAddress is required.")
	for name in ("addressLine1", "city", "countryCode", "name", "phoneNumber", "postalCode"):
		if not address.get(name):
			raise ApiError(400, "InvalidInput", f"sourceAddress.{name} is required.")
	return {k: v for k, v in address.items() if isinstance(v, str) and v}


def _number(value: Any, name: str) -> float:
	if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 100000:
		raise ApiError(400, "InvalidInput", f"{name} must be a number above 0.")
	return float(value)


def _read_boxes(plan: SimInboundPlan, groupings: Any) -> list[dict[str, Any]]:
	"""setPackingInformation by packing group: every box valid, and the boxes hold exactly the plan's units."""
	if not isinstance(groupings, list) or not groupings:
		raise ApiError(400, "InvalidInput", "packageGroupings must be a non-empty list.")
	accepted = [k for k, v in plan.packing_options.items() if v == "ACCEPTED"]
	if not accepted:
		raise ApiError(400, "InvalidInput", "Confirm a packing option before setting packing information.")
	groups = {"pg" + option_id[2:] for option_id in accepted}
	boxes: list[dict[str, Any]] = []
	packed: dict[str, int] = {}
	for grouping in groupings:
		if not isinstance(grouping, dict) or grouping.get("packingGroupId") not in groups:
			raise ApiError(400, "InvalidInput", "packingGroupId must be a packing group of the confirmed packing option.")
		for box in grouping.get("boxes") or []:
			if not isinstance(box, dict) or box.get("contentInformationSource") not in ("BOX_CONTENT_PROVIDED", "MANUAL_PROCESS", "BARCODE_2D"):
				raise ApiError(400, "InvalidInput", "contentInformationSource must be BOX_CONTENT_PROVIDED, MANUAL_PROCESS or BARCODE_2D.")
			dims, weight = box.get("dimensions") or {}, box.get("weight") or {}
			if dims.get("unitOfMeasurement") not in ("IN", "CM") or weight.get("unit") not in ("LB", "KG"):
				raise ApiError(400, "InvalidInput", "Box dimensions need unitOfMeasurement IN or CM and weight unit LB or KG.")
			for name in ("length", "width", "height"):
				_number(dims.get(name), f"dimensions.{name}")
			_number(weight.get("value"), "weight.value")
			count = box.get("quantity")
			if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10000:
				raise ApiError(400, "InvalidInput", "Box quantity must be an integer from 1 to 10000.")
			for item in box.get("items") or []:
				units = item.get("quantity") if isinstance(item, dict) else None
				if not isinstance(units, int) or isinstance(units, bool) or units < 1 or item.get("msku") not in plan.items:
					raise ApiError(400, "InvalidInput", "Each box item needs an msku of the plan and a positive quantity.")
				packed[item["msku"]] = packed.get(item["msku"], 0) + units * count
			boxes.append(box)
	if not boxes:
		raise ApiError(400, "InvalidInput", "Each package grouping needs at least one box.")
	if any(b.get("contentInformationSource") == "BOX_CONTENT_PROVIDED" for b in boxes):
		wrong = sorted(sku for sku in set(plan.items) | set(packed) if packed.get(sku, 0) != plan.items.get(sku, 0))
		if wrong:
			raise ApiError(
				400, "InvalidInput", f"The boxes hold other quantities than the plan for msku {', '.join(wrong)}."
			)
	return boxes


def register(router: Router, state: SimulatorState) -> None:
	@router.route("POST", f"{BASE}/inboundPlans", operation="createInboundPlan")
	def create_inbound_plan(req: Request) -> Response:
		body = req.json()
		marketplaces = body.get("destinationMarketplaces")
		if not isinstance(marketplaces, list) or len(marketplaces) != 1 or marketplaces[0] not in state.marketplaces:
			raise ApiError(400, "InvalidInput", "destinationMarketplaces must hold one known marketplace id.")
		items = _read_items(state, body)
		source = _read_address(body)
		with state.lock:
			now = state.clock.now()
			plan = SimInboundPlan(
				plan_id=_id(state, "wf"),
				name=str(body.get("name") or f"FBA STA ({now:%m/%d/%Y %H:%M})")[:40],
				marketplace_id=marketplaces[0],
				source=source,
				items=items,
				created=now,
				updated=now,
			)
			inbound_state(state).plans[plan.plan_id] = plan
			op = _operation(state, "createInboundPlan")
		return Response(status=202, body={"inboundPlanId": plan.plan_id, "operationId": op})

	@router.route("GET", f"{BASE}/inboundPlans/{{inboundPlanId}}", operation="getInboundPlan")
	def get_inbound_plan(req: Request) -> Response:
		with state.lock:
			plan = _plan(state, req)
			advance_shipments(state, plan)
			return Response(body=plan_json(state, plan))

	@router.route("PUT", f"{BASE}/inboundPlans/{{inboundPlanId}}/cancellation", operation="cancelInboundPlan")
	def cancel_inbound_plan(req: Request) -> Response:
		with state.lock:
			plan = _plan(state, req)
			advance_shipments(state, plan)
			if plan.status == "VOIDED":
				return Response(status=202, body={"operationId": _operation(state, "cancelInboundPlan")})
			if any(s.shipped_at is not None for s in plan.shipments.values()):
				problem = {"code": "FBA_INB_0187", "message": "The plan has shipped shipments and cannot be cancelled.", "severity": "ERROR"}
				return Response(status=202, body={"operationId": _operation(state, "cancelInboundPlan", [problem])})
			plan.status = "VOIDED"
			plan.updated = state.clock.now()
			for shipment in plan.shipments.values():
				shipment.status = "CANCELLED"
			return Response(status=202, body={"operationId": _operation(state, "cancelInboundPlan")})

	@router.route("POST", f"{BASE}/inboundPlans/{{inboundPlanId}}/packingOptions", operation="generatePackingOptions")
	def generate_packing_options(req: Request) -> Response:
		with state.lock:
			plan = _plan(state, req)
			_active(plan)
			if not plan.packing_options:
				plan.packing_options[_id(state, "po")] = "OFFERED"
			return Response(status=202, body={"operationId": _operation(state, "generatePackingOptions")})

	@router.route("GET", f"{BASE}/inboundPlans/{{inboundPlanId}}/packingOptions", operation="listPackingOptions")
	def list_packing_options(req: Request) -> Response:
		with state.lock:
			plan = _plan(state, req)
			options = [
				{
					"packingOptionId": option_id,
					"status": status,
					"packingGroups": ["pg" + option_id[2:]],
					"fees": [],
					"discounts": [],
					"supportedConfigurations": [],
					"supportedShippingConfigurations": [
						{"shippingMode": "GROUND_SMALL_PARCEL", "shippingSolution": "AMAZON_PARTNERED_CARRIER"},
						{"shippingMode": "GROUND_SMALL_PARCEL", "shippingSolution": "USE_YOUR_OWN_CARRIER"},
					],
				}
				for option_id, status in plan.packing_options.items()
			]
			return Response(body={"packingOptions": options})

	@router.route(
		"POST",
		f"{BASE}/inboundPlans/{{inboundPlanId}}/packingOptions/{{packingOptionId}}/confirmation",
		operation="confirmPackingOption",
	)
	def confirm_packing_option(req: Request) -> Response:
		with state.lock:
			plan = _plan(state, req)
			_active(plan)
			option_id = req.path_args["packingOptionId"]
			if option_id not in plan.packing_options:
				raise ApiError(404, "NotFound", f"Packing option {option_id} not found.")
			for key in plan.packing_options:
				plan.packing_options[key] = "ACCEPTED" if key == option_id else "EXPIRED"
			return Response(status=202, body={"operationId": _operation(state, "confirmPackingOption")})

	@router.route("POST", f"{BASE}/inboundPlans/{{inboundPlanId}}/packingInformation", operation="setPackingInformation")
	def set_packing_information(req: Request) -> Response:
		body = req.json()
		with state.lock:
			plan = _plan(state, req)
			_active(plan)
			if any(o["status"] == "ACCEPTED" for o in plan.placement_options.values()):
				raise ApiError(400, "InvalidInput", "packingGroupId can only be given before placement confirmation.")
			plan.boxes = _read_boxes(plan, body.get("packageGroupings"))
			plan.updated = state.clock.now()
			return Response(status=202, body={"operationId": _operation(state, "setPackingInformation")})

	@router.route("POST", f"{BASE}/inboundPlans/{{inboundPlanId}}/placementOptions", operation="generatePlacementOptions")
	def generate_placement_options(req: Request) -> Response:
		req.json()
		with state.lock:
			plan = _plan(state, req)
			_active(plan)
			if "ACCEPTED" not in plan.packing_options.values():
				raise ApiError(400, "InvalidInput", "Confirm a packing option before generating placement options.")
			if not plan.placement_options:
				skus = sorted(plan.items)
				groups = [skus[0::2], skus[1::2]] if len(skus) >= 2 else [skus]
				split_id = _id(state, "pl")
				single_id = _id(state, "pl")
				plan.placement_options[split_id] = {"status": "OFFERED", "groups": groups, "fee": 0.0}
				units = sum(plan.items.values())
				plan.placement_options[single_id] = {"status": "OFFERED", "groups": [skus], "fee": units * PLACEMENT_FEE_PER_UNIT}
				for option_id, option in plan.placement_options.items():
					option["shipments"] = []
					for index, group in enumerate(option["groups"]):
						shipment = SimInboundShipment(
							shipment_id=_shipment_id(state),
							placement_option_id=option_id,
							centre=FULFILMENT_CENTRES[index % len(FULFILMENT_CENTRES)],
							items={sku: plan.items[sku] for sku in group},
						)
						option["shipments"].append(shipment)
			return Response(status=202, body={"operationId": _operation(state, "generatePlacementOptions")})

	@router.route("GET", f"{BASE}/inboundPlans/{{inboundPlanId}}/placementOptions", operation="listPlacementOptions")
	def list_placement_options(req: Request) -> Response:
		with state.lock:
			plan = _plan(state, req)
			currency = _currency(state, plan.marketplace_id)
			options = []
			for option_id, option in plan.placement_options.items():
				fees = []
				if option["fee"]:
					fees.append({"type": "FEE", "target": "Placement Services", "description": "Placement service fee for a minimal shipment split", "value": _money(option["fee"], currency)})
				options.append({
					"placementOptionId": option_id,
					"status": option["status"],
					"shipmentIds": [s.shipment_id for s in option["shipments"]],
					"fees": fees,
					"discounts": [],
				})
			return Response(body={"placementOptions": options})

	@router.route(
		"POST",
		f"{BASE}/inboundPlans/{{inboundPlanId}}/placementOptions/{{placementOptionId}}/confirmation",
		operation="confirmPlacementOption",
	)
	def confirm_placement_option(req: Request) -> Response:
		with state.lock:
			plan = _plan(state, req)
			_active(plan)
			option_id = req.path_args["placementOptionId"]
			if option_id not in plan.placement_options:
				raise ApiError(404, "NotFound", f"Placement option {option_id} not found.")
			if plan.shipments and plan.placement_options[option_id]["status"] != "ACCEPTED":
				raise ApiError(400, "InvalidInput", "Another placement option is already confirmed.")
			for key, option in plan.placement_options.items():
				option["status"] = "ACCEPTED" if key == option_id else "EXPIRED"
			plan.shipments = {s.shipment_id: s for s in plan.placement_options[option_id]["shipments"]}
			plan.updated = state.clock.now()
			return Response(status=202, body={"operationId": _operation(state, "confirmPlacementOption")})

	@router.route("GET", f"{BASE}/inboundPlans/{{inboundPlanId}}/shipments/{{shipmentId}}", operation="getShipment")
	def get_shipment(req: Request) -> Response:
		with state.lock:
			plan = _plan(state, req)
			advance_shipments(state, plan)
			shipment = _shipment_of(plan, req.path_args["shipmentId"])
			return Response(body=shipment_json(plan, shipment))

	@router.route("GET", f"{BASE}/inboundPlans/{{inboundPlanId}}/shipments/{{shipmentId}}/items", operation="listShipmentItems")
	def list_shipment_items(req: Request) -> Response:
		with state.lock:
			plan = _plan(state, req)
			shipment = _shipment_of(plan, req.path_args["shipmentId"])
			seed = getattr(state, "seed", 1)
			items = [
				{
					"msku": sku,
					"asin": "B0" + format(digest(seed, "asin", sku) % 10**8, "08d"),
					"fnsku": fn_sku(seed, sku),
					"labelOwner": "SELLER",
					"quantity": qty,
					"prepInstructions": [{"prepOwner": "NONE", "prepType": "ITEM_NO_PREP"}],
				}
				for sku, qty in sorted(shipment.items.items())
			]
			return Response(body={"items": items})

	@router.route("POST", f"{BASE}/inboundPlans/{{inboundPlanId}}/transportationOptions", operation="generateTransportationOptions")
	def generate_transportation_options(req: Request) -> Response:
		body = req.json()
		with state.lock:
			plan = _plan(state, req)
			_active(plan)
			placement_id = body.get("placementOptionId")
			option = plan.placement_options.get(placement_id or "")
			# Amazon quotes the transport of every offered placement option, so the seller compares totals
			# before confirming one.
			if option is None or option["status"] not in ("OFFERED", "ACCEPTED"):
				raise ApiError(400, "InvalidInput", "placementOptionId must be an offered or the confirmed placement option.")
			configs = body.get("shipmentTransportationConfigurations")
			if not isinstance(configs, list) or not configs:
				raise ApiError(400, "InvalidInput", "shipmentTransportationConfigurations must be a non-empty list.")
			currency = _currency(state, plan.marketplace_id)
			for config in configs:
				shipment = _shipment_of(plan, str((config or {}).get("shipmentId")))
				if not isinstance((config or {}).get("readyToShipWindow"), dict) or not config["readyToShipWindow"].get("start"):
					raise ApiError(400, "InvalidInput", "readyToShipWindow.start is required for each shipment.")
				if any(o["shipmentId"] == shipment.shipment_id for o in plan.transport_options.values()):
					continue
				units = sum(shipment.items.values())
				partnered = _id(state, "to")
				plan.transport_options[partnered] = {
					"transportationOptionId": partnered,
					"shipmentId": shipment.shipment_id,
					"carrier": {"alphaCode": "UPSN", "name": "United Parcel Service Inc."},
					"shippingMode": "GROUND_SMALL_PARCEL",
					"shippingSolution": "AMAZON_PARTNERED_CARRIER",
					"preconditions": [],
					"quote": {"cost": _money(units * PARTNERED_PER_UNIT, currency)},
				}
				own = _id(state, "to")
				plan.transport_options[own] = {
					"transportationOptionId": own,
					"shipmentId": shipment.shipment_id,
					"carrier": {"alphaCode": "OTHR", "name": "Other"},
					"shippingMode": "GROUND_SMALL_PARCEL",
					"shippingSolution": "USE_YOUR_OWN_CARRIER",
					"preconditions": [],
				}
			return Response(status=202, body={"operationId": _operation(state, "generateTransportationOptions")})

	@router.route("GET", f"{BASE}/inboundPlans/{{inboundPlanId}}/transportationOptions", operation="listTransportationOptions")
	def list_transportation_options(req: Request) -> Response:
		with state.lock:
			plan = _plan(state, req)
			shipment_id = req.param("shipmentId")
			placement_id = req.param("placementOptionId")
			if not shipment_id and not placement_id:
				raise ApiError(400, "InvalidInput", "Give placementOptionId or shipmentId.")
			options = [
				o for o in plan.transport_options.values()
				if (not shipment_id or o["shipmentId"] == shipment_id)
				and (not placement_id or o["shipmentId"] in {s.shipment_id for s in plan.placement_options.get(placement_id, {}).get("shipments", [])})
			]
			return Response(body={"transportationOptions": options})

	@router.route("POST", f"{BASE}/inboundPlans/{{inboundPlanId}}/transportationOptions/confirmation", operation="confirmTransportationOptions")
	def confirm_transportation_options(req: Request) -> Response:
		body = req.json()
		with state.lock:
			plan = _plan(state, req)
			_active(plan)
			selections = body.get("transportationSelections")
			if not isinstance(selections, list) or not selections:
				raise ApiError(400, "InvalidInput", "transportationSelections must be a non-empty list.")
			chosen: dict[str, str] = {}
			for selection in selections:
				shipment = _shipment_of(plan, str((selection or {}).get("shipmentId")))
				option = plan.transport_options.get(str(selection.get("transportationOptionId")))
				if option is None or option["shipmentId"] != shipment.shipment_id:
					raise ApiError(400, "InvalidInput", f"Unknown transportation option for shipment {shipment.shipment_id}.")
				chosen[shipment.shipment_id] = option["transportationOptionId"]
			if set(chosen) != set(plan.shipments):
				raise ApiError(400, "InvalidInput", "Select one transportation option for every shipment of the plan.")
			for shipment_id, option_id in chosen.items():
				shipment = plan.shipments[shipment_id]
				if shipment.transportation_option_id in (None, option_id):
					shipment.transportation_option_id = option_id
					shipment.confirmation_id = shipment.confirmation_id or "FBA" + format(digest(shipment_id) % 10**9, "09d")
					shipment.status = "READY_TO_SHIP"
			plan.updated = state.clock.now()
			plan.confirmed_at = plan.confirmed_at or plan.updated
			return Response(status=202, body={"operationId": _operation(state, "confirmTransportationOptions")})

	@router.route("GET", f"{BASE}/operations/{{operationId}}", operation="getInboundOperationStatus")
	def get_inbound_operation_status(req: Request) -> Response:
		with state.lock:
			inbound = inbound_state(state)
			op = inbound.operations.get(req.path_args["operationId"])
			if op is None:
				raise ApiError(404, "NotFound", f"Operation {req.path_args['operationId']} not found.")
			done = state.clock.now() >= op.created + timedelta(seconds=inbound.operation_seconds)
			status = "IN_PROGRESS" if not done else ("FAILED" if op.problems else "SUCCESS")
			return Response(body={
				"operationId": op.operation_id,
				"operation": op.operation,
				"operationStatus": status,
				"operationProblems": op.problems if done else [],
			})

	@router.route("GET", "/fba/inbound/v0/shipments/{shipmentId}/items", operation="getShipmentItemsByShipmentId")
	def get_shipment_items_v0(req: Request) -> Response:
		"""Fulfillment Inbound v0, still Amazon's only source of received quantities: the shipment is named by
		its shipmentConfirmationId (FBA...)."""
		if not req.param("MarketplaceId"):
			raise ApiError(400, "InvalidInput", "MarketplaceId is required.")
		confirmation_id = req.path_args["shipmentId"]
		with state.lock:
			seed = getattr(state, "seed", 1)
			for plan in inbound_state(state).plans.values():
				advance_shipments(state, plan)
				for shipment in plan.shipments.values():
					if shipment.confirmation_id != confirmation_id:
						continue
					data = [
						{
							"ShipmentId": confirmation_id,
							"SellerSKU": sku,
							"FulfillmentNetworkSKU": fn_sku(seed, sku),
							"QuantityShipped": qty,
							"QuantityReceived": shipment.received.get(sku, 0),
							"QuantityInCase": 0,
						}
						for sku, qty in sorted(shipment.items.items())
					]
					return Response(body={"payload": {"ItemData": data}})
		raise ApiError(400, "InvalidInput", f"Shipment {confirmation_id} not found.")

	@router.route("GET", "/fba/inbound/v0/shipments/{shipmentId}/labels", operation="getLabels")
	def get_labels_v0(req: Request) -> Response:
		"""Fulfillment Inbound v0 getLabels, where 2024-03-20 sends you for a confirmed shipment's box labels: a
		DownloadURL of a PDF with one label per box (or pallet)."""
		page_type, label_type = req.param("PageType"), req.param("LabelType")
		if page_type not in LABEL_PAGE_TYPES:
			raise ApiError(400, "InvalidInput", "PageType is missing or not one of Amazon's page types.")
		if label_type not in ("BARCODE_2D", "UNIQUE", "PALLET"):
			raise ApiError(400, "InvalidInput", "LabelType must be BARCODE_2D, UNIQUE or PALLET.")
		count_name = "NumberOfPallets" if label_type == "PALLET" else "NumberOfPackages"
		count = req.param(count_name)
		if not count or not str(count).isdigit() or not 1 <= int(count) <= 999:
			raise ApiError(400, "InvalidInput", f"{count_name} must be a number from 1 to 999.")
		confirmation_id = req.path_args["shipmentId"]
		with state.lock:
			shipment = next(
				(s for plan in inbound_state(state).plans.values() for s in plan.shipments.values() if s.confirmation_id == confirmation_id),
				None,
			)
			if shipment is None:
				raise ApiError(400, "InvalidInput", f"Shipment {confirmation_id} not found.")
			if shipment.status in ("CANCELLED", "DELETED"):
				raise ApiError(400, "InvalidInput", f"Shipment {confirmation_id} is {shipment.status}.")
			document_id = _uuid(state)
		pdf = label_document("PDF", confirmation_id, f"{label_type} x{int(count)}", shipment.centre[0])
		store_document(state, document_id, pdf, "application/pdf", gzipped=False)
		return Response(body={"payload": {"DownloadURL": download_url(state, document_id)}})

	# -- control: the seller ships, a receipt comes up short ---------------------------------------------

	@router.route("POST", "/_sim/inbound/ship")
	def control_ship(req: Request) -> Response:
		body = req.json()
		with state.lock:
			for plan in inbound_state(state).plans.values():
				shipment = plan.shipments.get(str(body.get("shipmentId")))
				if shipment is None:
					continue
				if shipment.status != "READY_TO_SHIP" and shipment.shipped_at is None:
					raise ApiError(400, "InvalidInput", f"Shipment {shipment.shipment_id} is {shipment.status}.")
				if shipment.shipped_at is None:
					shipment.shipped_at = state.clock.now()
					shipment.status = "IN_TRANSIT"
				return Response(body={"shipmentId": shipment.shipment_id, "status": shipment.status})
		raise ApiError(404, "NotFound", "Unknown shipmentId.")

	@router.route("POST", "/_sim/inbound/short")
	def control_short(req: Request) -> Response:
		body = req.json()
		if not isinstance(body, dict) or not all(isinstance(v, int) and v >= 0 for v in body.values()):
			raise ApiError(400, "InvalidInput", "Body must map SKUs to missing units.")
		with state.lock:
			inbound_state(state).shortages.update(body)
			return Response(body=dict(inbound_state(state).shortages))


def _shipment_of(plan: SimInboundPlan, shipment_id: str) -> SimInboundShipment:
	shipment = plan.shipments.get(shipment_id)
	if shipment is None:
		for option in plan.placement_options.values():
			for candidate in option.get("shipments", []):
				if candidate.shipment_id == shipment_id:
					return candidate
		raise ApiError(404, "NotFound", f"Shipment {shipment_id} not found in plan {plan.plan_id}.")
	return shipment


def received_units(state: SimulatorState, marketplace_ids: set[str], sku: str) -> int:
	"""Units of `sku` Amazon has received from inbound shipments into a pool (the region's marketplaces)."""
	with state.lock:
		total = 0
		for plan in inbound_state(state).plans.values():
			if plan.marketplace_id not in marketplace_ids:
				continue
			advance_shipments(state, plan)
			for shipment in plan.shipments.values():
				total += shipment.received.get(sku, 0)
		return total


# Send to Amazon in the V2 settlement (other-transaction lines): (amount-description, Finances ServiceFeeEvent
# FeeType). The placement service fee is written "FBA Inbound Placement Service Fee" (FeeType
# FBAInboundConvenienceFee); partnered-carrier transport "FBAInboundTransportationFee" (the payments report
# calls it "Inbound Transportation Charge").
PLACEMENT_FEE = ("FBA Inbound Placement Service Fee", "FBAInboundConvenienceFee")
TRANSPORT_FEE = ("FBAInboundTransportationFee", "FBAInboundTransportationFee")


def inbound_fees(state: SimulatorState, currency: str, start: datetime, end: datetime) -> list[tuple[str, str, float]]:
	"""(description, fee type, amount) Amazon charges for plans whose transport was confirmed in [start, end)."""
	fees: list[tuple[str, str, float]] = []
	with state.lock:
		for plan in inbound_state(state).plans.values():
			if plan.confirmed_at is None or not start <= plan.confirmed_at < end or plan.status == "VOIDED":
				continue
			if _currency(state, plan.marketplace_id) != currency:
				continue
			placement = next((o for o in plan.placement_options.values() if o["status"] == "ACCEPTED"), None)
			if placement and placement["fee"]:
				fees.append((*PLACEMENT_FEE, placement["fee"]))
			transport = sum(
				plan.transport_options[s.transportation_option_id].get("quote", {}).get("cost", {}).get("amount", 0)
				for s in plan.shipments.values()
				if s.transportation_option_id
			)
			if transport:
				fees.append((*TRANSPORT_FEE, transport))
	return fees
