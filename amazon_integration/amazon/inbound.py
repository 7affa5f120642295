"""Fulfillment Inbound API 2024-03-20 ("Send to Amazon"): inbound plans, their options and shipments.

The workflow is Amazon's: createInboundPlan -> generate/list/confirm packing options -> generate/list/confirm
placement options (Amazon may split the plan into several shipments) -> generate/list/confirm transportation
options -> shipments (getShipment, listShipmentItems); cancelInboundPlan. Every generate/confirm/create/cancel
call is asynchronous: it answers an operationId that getInboundOperationStatus reports IN_PROGRESS, then SUCCESS
or FAILED with operationProblems. `wait_inbound_operation` polls it within the caller's time budget.

Received quantities are not in 2024-03-20: Amazon reports them through Fulfillment Inbound v0
getShipmentItemsByShipmentId, naming the shipment by its shipmentConfirmationId (FBA...): `inbound_receipts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .core import ClientCore
from .errors import AmazonUnavailableError
from .spapi import FulfillmentInboundApi, FulfillmentInboundV0Api
from .text import msg
from .values import as_dict

OPERATION_FINISHED = ("SUCCESS", "FAILED")


@dataclass(frozen=True)
class InboundItem:
	"""A line of an inbound plan: the seller SKU and units; who labels and preps them (AMAZON, SELLER, NONE)."""

	msku: str
	quantity: int
	label_owner: str = "SELLER"
	prep_owner: str = "NONE"

	def to_api(self) -> dict[str, Any]:
		return {"msku": self.msku, "quantity": int(self.quantity), "labelOwner": self.label_owner, "prepOwner": self.prep_owner}


@dataclass(frozen=True)
class SourceAddress:
	"""Where the shipment leaves from (Amazon's AddressInput)."""

	name: str
	address_line1: str
	city: str
	postal_code: str
	country_code: str
	phone_number: str
	address_line2: str | None = None
	state_or_province_code: str | None = None
	company_name: str | None = None
	email: str | None = None

	def to_api(self) -> dict[str, Any]:
		body = {
			"name": self.name,
			"addressLine1": self.address_line1,
			"addressLine2": self.address_line2,
			"city": self.city,
			"stateOrProvinceCode": self.state_or_province_code,
			"postalCode": self.postal_code,
			"countryCode": self.country_code,
			"phoneNumber": self.phone_number,
			"companyName": self.company_name,
			"email": self.email,
		}
		return {k: v for k, v in body.items() if v}


@dataclass(frozen=True)
class InboundOperation:
	"""getInboundOperationStatus: an asynchronous call's progress."""

	operation_id: str
	operation: str
	status: str  # SUCCESS, FAILED, IN_PROGRESS
	problems: tuple[str, ...] = ()

	@property
	def is_finished(self) -> bool:
		return self.status in OPERATION_FINISHED

	@property
	def succeeded(self) -> bool:
		return self.status == "SUCCESS"

	@classmethod
	def from_api(cls, data: Mapping) -> InboundOperation:
		return cls(
			operation_id=str(data.get("operationId") or ""),
			operation=str(data.get("operation") or ""),
			status=str(data.get("operationStatus") or ""),
			problems=tuple(
				f"{p.get('code')}: {p.get('message')}" for p in data.get("operationProblems") or [] if isinstance(p, Mapping)
			),
		)


@dataclass(frozen=True)
class InboundFee:
	"""A fee or discount Amazon attaches to an option (Incentive): type FEE or DISCOUNT, target e.g. Placement Services."""

	type: str
	target: str
	description: str
	amount: Decimal
	currency: str

	@classmethod
	def from_api(cls, data: Mapping) -> InboundFee:
		value = as_dict(data.get("value"))
		return cls(
			type=str(data.get("type") or ""),
			target=str(data.get("target") or ""),
			description=str(data.get("description") or ""),
			amount=Decimal(str(value.get("amount") or 0)),
			currency=str(value.get("code") or ""),
		)

	@property
	def signed_amount(self) -> Decimal:
		"""A discount lowers the cost."""
		return -self.amount if self.type == "DISCOUNT" else self.amount


def _fees(data: Mapping) -> tuple[InboundFee, ...]:
	return tuple(InboundFee.from_api(f) for f in [*(data.get("fees") or []), *(data.get("discounts") or [])])


@dataclass(frozen=True)
class PackingOption:
	packing_option_id: str
	status: str  # OFFERED, ACCEPTED, EXPIRED
	packing_groups: tuple[str, ...]
	fees: tuple[InboundFee, ...]

	@classmethod
	def from_api(cls, data: Mapping) -> PackingOption:
		return cls(
			packing_option_id=str(data.get("packingOptionId") or ""),
			status=str(data.get("status") or ""),
			packing_groups=tuple(str(g) for g in data.get("packingGroups") or []),
			fees=_fees(data),
		)


@dataclass(frozen=True)
class PlacementOption:
	"""A way Amazon places the plan: its shipments (one per fulfilment centre) and placement fees."""

	placement_option_id: str
	status: str
	shipment_ids: tuple[str, ...]
	fees: tuple[InboundFee, ...]

	@property
	def total_fee(self) -> Decimal:
		return sum((f.signed_amount for f in self.fees), Decimal(0))

	@classmethod
	def from_api(cls, data: Mapping) -> PlacementOption:
		return cls(
			placement_option_id=str(data.get("placementOptionId") or ""),
			status=str(data.get("status") or ""),
			shipment_ids=tuple(str(s) for s in data.get("shipmentIds") or []),
			fees=_fees(data),
		)


@dataclass(frozen=True)
class TransportationOption:
	"""A way to carry one shipment: Amazon's partnered carrier (with a quote) or the seller's own."""

	transportation_option_id: str
	shipment_id: str
	shipping_solution: str  # AMAZON_PARTNERED_CARRIER, USE_YOUR_OWN_CARRIER
	shipping_mode: str
	carrier_name: str | None
	carrier_code: str | None
	quote: Decimal | None
	currency: str | None

	@classmethod
	def from_api(cls, data: Mapping) -> TransportationOption:
		carrier = as_dict(data.get("carrier"))
		cost = as_dict(as_dict(data.get("quote")).get("cost"))
		return cls(
			transportation_option_id=str(data.get("transportationOptionId") or ""),
			shipment_id=str(data.get("shipmentId") or ""),
			shipping_solution=str(data.get("shippingSolution") or ""),
			shipping_mode=str(data.get("shippingMode") or ""),
			carrier_name=carrier.get("name"),
			carrier_code=carrier.get("alphaCode"),
			quote=Decimal(str(cost["amount"])) if cost.get("amount") is not None else None,
			currency=cost.get("code"),
		)


@dataclass(frozen=True)
class InboundBox:
	"""setPackingInformation's BoxInput: `quantity` identical boxes, each holding `items` (msku -> units)."""

	quantity: int
	length: float
	width: float
	height: float
	dimension_unit: str  # IN or CM
	weight: float
	weight_unit: str  # LB or KG
	items: tuple[tuple[str, int], ...]
	label_owner: str = "SELLER"
	prep_owner: str = "NONE"

	def to_api(self) -> dict[str, Any]:
		return {
			"contentInformationSource": "BOX_CONTENT_PROVIDED",
			"dimensions": {
				"length": self.length,
				"width": self.width,
				"height": self.height,
				"unitOfMeasurement": self.dimension_unit,
			},
			"weight": {"value": self.weight, "unit": self.weight_unit},
			"quantity": int(self.quantity),
			"items": [
				{"msku": msku, "quantity": int(units), "labelOwner": self.label_owner, "prepOwner": self.prep_owner}
				for msku, units in self.items
			],
		}


@dataclass(frozen=True)
class InboundShipment:
	"""getShipment: one shipment of a plan to one fulfilment centre."""

	shipment_id: str
	status: str | None  # WORKING, READY_TO_SHIP, IN_TRANSIT, RECEIVING, CLOSED, CANCELLED, ...
	shipment_confirmation_id: str | None
	warehouse_id: str | None
	placement_option_id: str
	transportation_option_id: str | None

	@classmethod
	def from_api(cls, data: Mapping) -> InboundShipment:
		return cls(
			shipment_id=str(data.get("shipmentId") or ""),
			status=data.get("status"),
			shipment_confirmation_id=data.get("shipmentConfirmationId"),
			warehouse_id=as_dict(data.get("destination")).get("warehouseId"),
			placement_option_id=str(data.get("placementOptionId") or ""),
			transportation_option_id=data.get("selectedTransportationOptionId"),
		)


@dataclass(frozen=True)
class InboundShipmentItem:
	msku: str
	fnsku: str
	asin: str
	quantity: int

	@classmethod
	def from_api(cls, data: Mapping) -> InboundShipmentItem:
		return cls(
			msku=str(data.get("msku") or ""),
			fnsku=str(data.get("fnsku") or ""),
			asin=str(data.get("asin") or ""),
			quantity=int(data.get("quantity") or 0),
		)


class InboundClient(ClientCore):
	"""Fulfillment Inbound 2024-03-20."""

	def _inbound(self) -> FulfillmentInboundApi:
		return self._api(FulfillmentInboundApi)

	def _operation_id(self, operation: str, fn) -> str:
		return str(self._call(operation, fn).payload.get("operationId") or "")

	# -- operations ---------------------------------------------------------------------------------------

	def inbound_operation(self, operation_id: str) -> InboundOperation:
		response = self._call("getInboundOperationStatus", lambda: self._inbound().get_inbound_operation_status(operation_id))
		return InboundOperation.from_api(response.payload or {})

	def wait_inbound_operation(self, operation_id: str, *, interval: float = 2.0, timeout: float = 60.0) -> InboundOperation:
		"""Poll until SUCCESS or FAILED, within `timeout` and the caller's budget (unfinished is returned)."""
		return self._poll(lambda: self.inbound_operation(operation_id), interval, timeout)

	# -- plan -----------------------------------------------------------------------------------------------

	def create_inbound_plan(
		self, items: Iterable[InboundItem], source: SourceAddress, *, name: str | None = None, marketplace_id: str | None = None
	) -> tuple[str, str]:
		"""createInboundPlan: (inboundPlanId, operationId)."""
		body: dict[str, Any] = {
			"destinationMarketplaces": [marketplace_id or self.config.default_marketplace_id],
			"items": [item.to_api() for item in items],
			"sourceAddress": source.to_api(),
		}
		if name:
			body["name"] = name[:40]
		payload = self._call("createInboundPlan", lambda: self._inbound().create_inbound_plan(**body)).payload
		return str(payload.get("inboundPlanId") or ""), str(payload.get("operationId") or "")

	def inbound_plan_status(self, plan_id: str) -> str:
		"""getInboundPlan's status: ACTIVE, VOIDED or SHIPPED."""
		return str(self._call("getInboundPlan", lambda: self._inbound().get_inbound_plan(plan_id)).payload.get("status") or "")

	def cancel_inbound_plan(self, plan_id: str) -> str:
		return self._operation_id("cancelInboundPlan", lambda: self._inbound().cancel_inbound_plan(plan_id))

	# -- packing ----------------------------------------------------------------------------------------------

	def generate_packing_options(self, plan_id: str) -> str:
		return self._operation_id("generatePackingOptions", lambda: self._inbound().generate_packing_options(plan_id))

	def packing_options(self, plan_id: str) -> list[PackingOption]:
		api = self._inbound()
		return [
			PackingOption.from_api(raw)
			for page in self._pages("listPackingOptions", api.list_packing_options, {}, path_args=(plan_id,))
			for raw in page.get("packingOptions") or []
		]

	def confirm_packing_option(self, plan_id: str, packing_option_id: str) -> str:
		return self._operation_id(
			"confirmPackingOption", lambda: self._inbound().confirm_packing_option(plan_id, packing_option_id)
		)

	def set_packing_information(self, plan_id: str, boxes_by_group: Mapping[str, Iterable[InboundBox]]) -> str:
		"""setPackingInformation: the boxes of each packing group (packingGroupId -> boxes), before placement."""
		body = {
			"packageGroupings": [
				{"packingGroupId": group, "boxes": [box.to_api() for box in boxes]} for group, boxes in boxes_by_group.items()
			]
		}
		return self._operation_id(
			"setPackingInformation", lambda: self._inbound().set_packing_information(plan_id, **body)
		)

	# -- placement ----------------------------------------------------------------------------------------------

	def generate_placement_options(self, plan_id: str) -> str:
		return self._operation_id("generatePlacementOptions", lambda: self._inbound().generate_placement_options(plan_id))

	def placement_options(self, plan_id: str) -> list[PlacementOption]:
		api = self._inbound()
		return [
			PlacementOption.from_api(raw)
			for page in self._pages("listPlacementOptions", api.list_placement_options, {}, path_args=(plan_id,))
			for raw in page.get("placementOptions") or []
		]

	def confirm_placement_option(self, plan_id: str, placement_option_id: str) -> str:
		return self._operation_id(
			"confirmPlacementOption", lambda: self._inbound().confirm_placement_option(plan_id, placement_option_id)
		)

	# -- transportation -------------------------------------------------------------------------------------------

	def generate_transportation_options(
		self, plan_id: str, placement_option_id: str, shipment_ids: Iterable[str], ready_to_ship: str
	) -> str:
		"""ready_to_ship: ISO 8601 start of the window the shipments are ready to leave."""
		body = {
			"placementOptionId": placement_option_id,
			"shipmentTransportationConfigurations": [
				{"shipmentId": sid, "readyToShipWindow": {"start": ready_to_ship}} for sid in shipment_ids
			],
		}
		return self._operation_id(
			"generateTransportationOptions", lambda: self._inbound().generate_transportation_options(plan_id, **body)
		)

	def transportation_options(self, plan_id: str, placement_option_id: str) -> list[TransportationOption]:
		api = self._inbound()
		return [
			TransportationOption.from_api(raw)
			for page in self._pages(
				"listTransportationOptions",
				api.list_transportation_options,
				{"placementOptionId": placement_option_id},
				path_args=(plan_id,),
			)
			for raw in page.get("transportationOptions") or []
		]

	def confirm_transportation_options(self, plan_id: str, selections: Mapping[str, str]) -> str:
		"""selections: shipmentId -> transportationOptionId, one for every shipment of the plan."""
		body = {
			"transportationSelections": [
				{"shipmentId": sid, "transportationOptionId": oid} for sid, oid in selections.items()
			]
		}
		return self._operation_id(
			"confirmTransportationOptions", lambda: self._inbound().confirm_transportation_options(plan_id, **body)
		)

	# -- shipments ------------------------------------------------------------------------------------------------

	def inbound_shipment(self, plan_id: str, shipment_id: str) -> InboundShipment:
		response = self._call("getShipment", lambda: self._inbound().get_shipment(plan_id, shipment_id))
		return InboundShipment.from_api(response.payload or {})

	def inbound_shipment_items(self, plan_id: str, shipment_id: str) -> Iterator[InboundShipmentItem]:
		api = self._inbound()
		for page in self._pages("listShipmentItems", api.list_shipment_items, {}, path_args=(plan_id, shipment_id)):
			for raw in page.get("items") or []:
				yield InboundShipmentItem.from_api(raw)


@dataclass(frozen=True)
class InboundReceipt:
	"""v0 InboundShipmentItem: what Amazon counted in of a SKU of one shipment so far."""

	shipment_confirmation_id: str
	msku: str
	fnsku: str
	shipped: int
	received: int

	@classmethod
	def from_api(cls, data: Mapping) -> InboundReceipt:
		return cls(
			shipment_confirmation_id=str(data.get("ShipmentId") or ""),
			msku=str(data.get("SellerSKU") or ""),
			fnsku=str(data.get("FulfillmentNetworkSKU") or ""),
			shipped=int(data.get("QuantityShipped") or 0),
			received=int(data.get("QuantityReceived") or 0),
		)


class InboundReceiptsClient(ClientCore):
	"""getShipmentItemsByShipmentId and getLabels (Fulfillment Inbound v0: 2024-03-20 sends you there for both)."""

	def inbound_labels(
		self, shipment_confirmation_id: str, *, page_type: str, packages: int, label_type: str = "UNIQUE"
	) -> bytes:
		"""getLabels: the shipment's box labels (or PALLET labels) as Amazon's PDF, fetched from its DownloadURL
		(valid for seconds, so it is read at once)."""
		api = self._api(FulfillmentInboundV0Api)
		params: dict[str, Any] = {"PageType": page_type, "LabelType": label_type}
		params["NumberOfPallets" if label_type == "PALLET" else "NumberOfPackages"] = int(packages)
		payload = self._call("getLabels", lambda: api.get_labels(shipment_confirmation_id, **params)).payload or {}
		url = payload.get("DownloadURL")
		if not url:
			raise AmazonUnavailableError(msg("{0} answered without a {1}.", "getLabels", "DownloadURL"), operation="getLabels")
		with self._open_download(url) as response:
			return response.read()

	def inbound_receipts(self, shipment_confirmation_id: str, marketplace_id: str | None = None) -> list[InboundReceipt]:
		api = self._api(FulfillmentInboundV0Api)
		params = {"MarketplaceId": marketplace_id or self.config.default_marketplace_id}
		return [
			InboundReceipt.from_api(raw)
			for page in self._pages(
				"getShipmentItemsByShipmentId",
				api.shipment_items_by_shipment,
				params,
				token_param="NextToken",
				path_args=(shipment_confirmation_id,),
			)
			for raw in page.get("ItemData") or []
		]
