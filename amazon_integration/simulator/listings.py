"""Listings Items API 2021-08-01 (getListingsItem, patchListingsItem, searchListingsItems) and the
JSON_LISTINGS_FEED (Feeds 2021-06-30, listings feed schema v2): the seller's offers and their quantities.

Every catalogue SKU is a listing (created on first use). Its fulfilment availability is a quantity per channel:
  DEFAULT      merchant-fulfilled (FBM): a number the seller sets (patch or feed); catalogue listings start at
               INITIAL_FBM_QUANTITY. New FBM orders take from it (`take_fbm`); a SKU at 0 gets no new FBM
               order, so overselling shows up in tests; an order cancelled through the control API gives its
               units back (`return_fbm`).
  AMAZON_<R>   fulfilled by Amazon (FBA, set up through the control API): Amazon's own count, the region pool of
               inventory.fba_quantities; a seller never sets it. Sending a DEFAULT quantity for an FBA SKU turns it
               into a merchant-fulfilled listing, as it does at Amazon (that is why the app must never do it).
What sellers sent is kept in `history` (sku, channel, quantity, "patch"/"feed") for tests.

Amazon accepts a quantity for a SKU it has no listing for (an offer-only submission, not buyable); the simulator
does the same, records it, and getListingsItem keeps answering 404 NOT_FOUND for such a SKU. A feed whose header
asks for includedData gets an `items` section where such a SKU has no summaries.

Refusals (control API: POST /_sim/listings/refuse {"sku", "message", "code"}) make every later patch or feed
message of that SKU INVALID with that issue, until DELETE /_sim/listings/refuse.

Feeds: PARTIAL_UPDATE (attributes.fulfillment_availability) and PATCH (replace/merge of
/attributes/fulfillment_availability) messages are applied; UPDATE and DELETE are refused per message (the
simulator does not hold product data). The result document is JSON matching
listings-feed-processing-report-schema-v2; a document that is not a listings feed makes the feed FATAL with a
report holding one issue without messageId.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .documents import attach, documents, iso, new_uuid, region_code, store_document
from .feeds import FEED_PROCESSORS, SimFeed
from .http import ApiError, Request, Response, Router
from .inventory import fba_quantities
from .settlements import sim_start
from .state import SimulatorState

LISTINGS_FEED = "JSON_LISTINGS_FEED"
INITIAL_FBM_QUANTITY = 1000
FBA_CHANNELS = {"NA": "AMAZON_NA", "EU": "AMAZON_EU", "FE": "AMAZON_FE"}
PATH = "/attributes/fulfillment_availability"
SEARCH_PAGE_MAX = 20
SEARCH_LIMIT = 1000  # Amazon pages through at most 1000 SKUs
CODE_INVALID = "90000900"  # Amazon's "The attributes are invalid."
CODE_NOT_SUPPORTED = "4000003"


@dataclass
class SimListing:
	sku: str
	asin: str | None  # None: an offer-only submission Amazon has no catalogue item for
	title: str
	product_type: str
	created: datetime
	updated: datetime
	fbm_quantity: int | None = None  # DEFAULT channel; None when not merchant-fulfilled
	fba_region: str | None = None  # FBA listing: the region whose pool it draws on

	@property
	def known(self) -> bool:
		return self.asin is not None


@dataclass
class ListingsState:
	listings: dict[str, SimListing] = field(default_factory=dict)
	refused: dict[str, tuple[str, str]] = field(default_factory=dict)  # sku -> (code, message)
	history: list[tuple[str, str, int, str]] = field(default_factory=list)
	page_tokens: dict[str, list[str]] = field(default_factory=dict)


def listings_state(state: SimulatorState) -> ListingsState:
	return attach(state, "listings", ListingsState)


def listing(state: SimulatorState, sku: str) -> SimListing | None:
	"""The listing of a SKU (a catalogue SKU's is made on first use); None when the seller has none."""
	ls = listings_state(state)
	found = ls.listings.get(sku)
	if found is None:
		for entry in state.catalogue:
			if entry.sku == sku:
				start = sim_start(state)
				found = ls.listings[sku] = SimListing(
					sku, entry.asin, entry.title, "PRODUCT", start, start, fbm_quantity=INITIAL_FBM_QUANTITY
				)
				break
	return found


def take_fbm(state: SimulatorState, lines: list[tuple[str, int]]) -> str | None:
	"""Take the units of a new FBM order from the SKUs' DEFAULT quantities (caller holds state.lock).
	Returns why the order cannot be placed (nothing is taken then), or None."""
	wanted: dict[str, int] = {}
	for sku, quantity in lines:
		wanted[sku] = wanted.get(sku, 0) + quantity
	for sku, quantity in wanted.items():
		found = listing(state, sku)
		if found is not None and found.fbm_quantity is not None and found.fbm_quantity < quantity:
			return f"SKU {sku} has {found.fbm_quantity} units available for merchant fulfilment; {quantity} ordered."
	for sku, quantity in wanted.items():
		found = listing(state, sku)
		if found is not None and found.fbm_quantity is not None:
			found.fbm_quantity -= quantity
			found.updated = state.clock.now()
	return None


def return_fbm(state: SimulatorState, lines: list[tuple[str, int]]) -> None:
	"""A cancelled FBM order's units are available again (caller holds state.lock)."""
	for sku, quantity in lines:
		found = listing(state, sku)
		if found is not None and found.fbm_quantity is not None:
			found.fbm_quantity += quantity
			found.updated = state.clock.now()


def availability(state: SimulatorState, found: SimListing) -> list[dict[str, Any]]:
	"""fulfillmentAvailability as the API shows it."""
	if found.fba_region is not None:
		quantity = fba_quantities(state, found.fba_region, found.sku).fulfillable
		return [{"fulfillmentChannelCode": FBA_CHANNELS[found.fba_region], "quantity": quantity}]
	if found.fbm_quantity is not None:
		return [{"fulfillmentChannelCode": "DEFAULT", "quantity": found.fbm_quantity}]
	return []


def _issue(code: str, message: str, severity: str = "ERROR", attribute: str | None = None) -> dict[str, Any]:
	issue: dict[str, Any] = {"code": code, "message": message, "severity": severity}
	if attribute:
		issue["attributeNames"] = [attribute]
	return issue


def apply_availability(state: SimulatorState, sku: str, entries: Any, via: str) -> list[dict[str, Any]]:
	"""Apply a fulfillment_availability value; the ERROR issues when it is refused (nothing changes then)."""
	ls = listings_state(state)
	if sku in ls.refused:
		code, message = ls.refused[sku]
		return [_issue(code, message)]
	if not isinstance(entries, list) or not entries:
		return [_issue(CODE_INVALID, "The attributes are invalid.", attribute="fulfillment_availability")]
	updates: list[tuple[str, int]] = []
	for entry in entries:
		code = entry.get("fulfillment_channel_code") if isinstance(entry, dict) else None
		quantity = entry.get("quantity") if isinstance(entry, dict) else None
		if not isinstance(code, str) or not code:
			return [
				_issue(
					"99022",
					"The field 'fulfillment_channel_code' for the attribute 'fulfillment_availability' does not "
					"have enough values. The required minimum is '1' value(s).",
					attribute="fulfillment_availability",
				)
			]
		if code != "DEFAULT":
			return [
				_issue(
					CODE_INVALID,
					f"Quantity for fulfillment channel {code} is managed by Amazon and cannot be set.",
					attribute="fulfillment_availability",
				)
			]
		if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
			return [
				_issue(
					CODE_INVALID,
					"'quantity' of 'fulfillment_availability' must be a whole number of 0 or more.",
					attribute="fulfillment_availability",
				)
			]
		updates.append((code, quantity))
	now = state.clock.now()
	found = listing(state, sku)
	if found is None:  # Amazon takes the offer, but there is no catalogue item: never buyable
		found = ls.listings[sku] = SimListing(sku, None, sku, "PRODUCT", now, now)
	for code, quantity in updates:
		found.fbm_quantity = quantity
		found.fba_region = None  # a DEFAULT quantity makes the listing merchant-fulfilled
		found.updated = now
		ls.history.append((sku, code, quantity, via))
	return []


def item_view(
	state: SimulatorState, found: SimListing, marketplace_ids: list[str], included: set[str]
) -> dict:
	body: dict[str, Any] = {"sku": found.sku}
	if "summaries" in included and found.known:
		status = ["DISCOVERABLE"]
		if availability(state, found) and availability(state, found)[0]["quantity"] > 0:
			status.insert(0, "BUYABLE")
		body["summaries"] = [
			{
				"marketplaceId": marketplace_id,
				"asin": found.asin,
				"productType": found.product_type,
				"conditionType": "new_new",
				"status": status,
				"itemName": found.title,
				"createdDate": iso(found.created),
				"lastUpdatedDate": iso(found.updated),
			}
			for marketplace_id in marketplace_ids
		]
	if "fulfillmentAvailability" in included:
		body["fulfillmentAvailability"] = availability(state, found)
	if "attributes" in included:
		body["attributes"] = {
			"fulfillment_availability": [
				{"fulfillment_channel_code": entry["fulfillmentChannelCode"], "quantity": entry["quantity"]}
				for entry in availability(state, found)
			]
		}
	if "issues" in included:
		body["issues"] = []
	return body


# -- feeds ----------------------------------------------------------------------------------------------


def _availability_of_message(message: dict[str, Any]) -> tuple[Any, str | None]:
	"""The fulfillment_availability a message sets, or why the message is invalid."""
	operation = message.get("operationType")
	if operation == "PARTIAL_UPDATE":
		attributes = message.get("attributes")
		if not isinstance(message.get("productType"), str) or not message.get("productType"):
			return None, "'productType' is required for PARTIAL_UPDATE."
		if not isinstance(attributes, dict) or not attributes:
			return None, "'attributes' is required for PARTIAL_UPDATE."
		if "patches" in message or "requirements" in message:
			return None, "'patches' and 'requirements' are not applicable to PARTIAL_UPDATE."
		return attributes.get("fulfillment_availability"), None
	if operation == "PATCH":
		patches = message.get("patches")
		if not isinstance(message.get("productType"), str) or not message.get("productType"):
			return None, "'productType' is required for PATCH."
		if not isinstance(patches, list) or not patches:
			return None, "'patches' is required for PATCH."
		value = None
		for patch in patches:
			if not isinstance(patch, dict) or patch.get("op") not in ("add", "replace", "merge", "delete"):
				return None, "Every patch needs an op of add, replace, merge or delete."
			if patch.get("path") == PATH:
				value = patch.get("value")
		return value, None
	if operation in ("UPDATE", "DELETE"):
		return None, f"operationType {operation} is not supported by the simulator."
	return None, "'operationType' must be UPDATE, PARTIAL_UPDATE, PATCH or DELETE."


def _report(state: SimulatorState, feed: SimFeed, header: dict[str, Any]) -> dict[str, Any]:
	report: dict[str, Any] = {"sellerId": header["sellerId"], "version": "2.0", "feedId": feed.feed_id}
	wanted = header.get("report") if isinstance(header.get("report"), dict) else None
	if wanted:
		report["report"] = {
			"includedData": list(wanted.get("includedData") or []),
			"apiVersion": "2021-08-01",
		}
	return report


def _store(state: SimulatorState, feed: SimFeed, status: str, body: dict[str, Any]) -> None:
	feed.status = status
	document_id = f"amzn1.tortuga.4.{region_code(state)}.{new_uuid(state)}"
	data = json.dumps(body, ensure_ascii=False).encode("utf-8")
	store_document(state, document_id, data, "application/json; charset=UTF-8", gzipped=True)
	feed.result_document_id = document_id


def _fatal(state: SimulatorState, feed: SimFeed, message: str) -> None:
	_store(
		state,
		feed,
		"FATAL",
		{
			"header": {"sellerId": state.seller_id, "version": "2.0", "feedId": feed.feed_id},
			"issues": [{"code": "4000001", "severity": "ERROR", "message": message}],
			"summary": {
				"errors": 1,
				"warnings": 0,
				"messagesProcessed": 0,
				"messagesAccepted": 0,
				"messagesInvalid": 0,
			},
		},
	)


def process_listings_feed(state: SimulatorState, feed: SimFeed) -> None:
	"""Apply a JSON_LISTINGS_FEED (once, under state.lock) and store its processing report."""
	if feed.faults.fatal:
		_fatal(state, feed, feed.faults.fatal_message)
		return
	document = documents(state).documents.get(feed.input_document_id)
	if document is None or document.data is None:
		_fatal(state, feed, "The feed document was not uploaded before the feed was created.")
		return
	data = document.data
	if data[:2] == b"\x1f\x8b":
		data = gzip.decompress(data)
	try:
		body = json.loads(data.decode("utf-8"))
	except (UnicodeDecodeError, ValueError) as exc:
		_fatal(state, feed, f"The feed is not valid JSON: {exc}.")
		return
	header = body.get("header") if isinstance(body, dict) else None
	messages = body.get("messages") if isinstance(body, dict) else None
	if not isinstance(header, dict) or header.get("version") != "2.0":
		_fatal(state, feed, 'The feed header is missing or its version is not "2.0".')
		return
	if not isinstance(header.get("sellerId"), str) or not header["sellerId"]:
		_fatal(state, feed, "The feed header needs the sellerId.")
		return
	if not isinstance(messages, list) or not 1 <= len(messages) <= 25000:
		_fatal(state, feed, "'messages' must hold between 1 and 25000 messages.")
		return
	included = set()
	if isinstance(header.get("report"), dict):
		included = set(header["report"].get("includedData") or [])
	issues: list[dict[str, Any]] = []
	accepted = invalid = 0
	seen_ids: set[int] = set()
	items: list[dict[str, Any]] = []
	for message in messages:
		message_id = message.get("messageId") if isinstance(message, dict) else None
		sku = message.get("sku") if isinstance(message, dict) else None
		if not isinstance(message_id, int) or message_id < 1 or message_id in seen_ids:
			issues.append(
				{
					"severity": "ERROR",
					"code": "4000001",
					"message": "Every message needs a unique messageId of 1 or more.",
				}
			)
			invalid += 1
			continue
		seen_ids.add(message_id)
		if not isinstance(sku, str) or not sku:
			issues.append(
				{
					"messageId": message_id,
					"severity": "ERROR",
					"code": "4000001",
					"message": "'sku' is required.",
				}
			)
			invalid += 1
			continue
		value, problem = _availability_of_message(message)
		found_issues = (
			[_issue(CODE_NOT_SUPPORTED, problem)]
			if problem
			else (apply_availability(state, sku, value, "feed") if value is not None else [])
		)
		for issue in found_issues:
			entry = {
				"messageId": message_id,
				"sku": sku,
				"code": issue["code"],
				"severity": issue["severity"],
				"message": issue["message"],
			}
			if issue.get("attributeNames"):
				entry["attributeName"] = issue["attributeNames"][0]
			issues.append(entry)
		if any(issue["severity"] == "ERROR" for issue in found_issues):
			invalid += 1
			continue
		accepted += 1
		if included:
			found = listing(state, sku)
			if found is not None:
				items.append(item_view(state, found, list(feed.marketplace_ids), included))
	report: dict[str, Any] = {
		"header": _report(state, feed, header),
		"issues": issues,
		"summary": {
			"errors": sum(1 for issue in issues if issue["severity"] == "ERROR"),
			"warnings": sum(1 for issue in issues if issue["severity"] == "WARNING"),
			"messagesProcessed": len(messages),
			"messagesAccepted": accepted,
			"messagesInvalid": invalid,
		},
	}
	if included:
		report["summary"]["itemSummary"] = {"items": len(items), "errors": 0, "warnings": 0}
		report["items"] = items
	_store(state, feed, "DONE", report)


FEED_PROCESSORS[LISTINGS_FEED] = process_listings_feed


# -- handlers -------------------------------------------------------------------------------------------


def _check_seller(state: SimulatorState, req: Request) -> None:
	# Any seller id is served: the simulator is one seller's world, whatever id an account gives it.
	if not req.path_args.get("sellerId"):
		raise ApiError(400, "InvalidInput", "sellerId is required.")


def _marketplaces(state: SimulatorState, req: Request) -> list[str]:
	marketplace_ids = req.param_list("marketplaceIds")
	if not marketplace_ids:
		raise ApiError(400, "InvalidInput", "marketplaceIds is required.")
	for marketplace_id in marketplace_ids:
		if marketplace_id not in state.marketplaces:
			raise ApiError(400, "InvalidInput", f"Invalid marketplaceIds: {marketplace_id}.")
	return marketplace_ids


def _included(req: Request, default: tuple[str, ...]) -> set[str]:
	return set(req.param_list("includedData") or default)


def register(router: Router, state: SimulatorState) -> None:
	@router.route("GET", "/listings/2021-08-01/items/{sellerId}/{sku}", operation="getListingsItem")
	def get_listings_item(req: Request) -> Response:
		_check_seller(state, req)
		marketplace_ids = _marketplaces(state, req)
		sku = req.path_args["sku"]
		with state.lock:
			found = listing(state, sku)
			if found is None or not found.known:
				raise ApiError(404, "NOT_FOUND", f"SKU '{sku}' not found in marketplace {marketplace_ids[0]}")
			return Response(200, item_view(state, found, marketplace_ids, _included(req, ("summaries",))))

	@router.route("PATCH", "/listings/2021-08-01/items/{sellerId}/{sku}", operation="patchListingsItem")
	def patch_listings_item(req: Request) -> Response:
		_check_seller(state, req)
		_marketplaces(state, req)
		sku = req.path_args["sku"]
		body = req.json()
		patches = body.get("patches") if isinstance(body, dict) else None
		if (
			not isinstance(body, dict)
			or not isinstance(body.get("productType"), str)
			or not body["productType"]
		):
			raise ApiError(
				400,
				"InvalidInput",
				"Request has missing or invalid parameters and cannot be parsed.",
				"productType is required.",
			)
		if not isinstance(patches, list) or not patches:
			raise ApiError(
				400,
				"InvalidInput",
				"Request has missing or invalid parameters and cannot be parsed.",
				"patches must hold at least one patch operation.",
			)
		issues: list[dict[str, Any]] = []
		with state.lock:
			for patch in patches:
				if (
					not isinstance(patch, dict)
					or patch.get("op") not in ("add", "replace", "merge", "delete")
					or not isinstance(patch.get("path"), str)
				):
					raise ApiError(
						400,
						"InvalidInput",
						"Request has missing or invalid parameters and cannot be parsed.",
						"Every patch needs an op (add, replace, merge, delete) and a path.",
					)
				if patch["path"] == PATH and patch["op"] != "delete":
					issues.extend(apply_availability(state, sku, patch.get("value"), "patch"))
			submission = new_uuid(state).replace("-", "")
		status = "INVALID" if any(issue["severity"] == "ERROR" for issue in issues) else "ACCEPTED"
		return Response(200, {"sku": sku, "status": status, "submissionId": submission, "issues": issues})

	@router.route("GET", "/listings/2021-08-01/items/{sellerId}", operation="searchListingsItems")
	def search_listings_items(req: Request) -> Response:
		_check_seller(state, req)
		marketplace_ids = _marketplaces(state, req)
		raw_size = req.param("pageSize") or "10"
		if not raw_size.isdigit() or not 1 <= int(raw_size) <= SEARCH_PAGE_MAX:
			raise ApiError(400, "InvalidInput", f"pageSize must be between 1 and {SEARCH_PAGE_MAX}.")
		page_size = int(raw_size)
		identifiers = req.param_list("identifiers")
		if identifiers and req.param("identifiersType") != "SKU":
			raise ApiError(
				400, "InvalidInput", "The simulator searches identifiers of identifiersType SKU only."
			)
		if len(identifiers) > 20:
			raise ApiError(400, "InvalidInput", "identifiers accepts at most 20 values.")
		included = _included(req, ("summaries",))
		ls = listings_state(state)
		with state.lock:
			for entry in state.catalogue:
				listing(state, entry.sku)
			token = req.param("pageToken")
			if token:
				skus = ls.page_tokens.pop(token, None)
				if skus is None:
					raise ApiError(400, "InvalidInput", "The pageToken is invalid or expired.")
			else:
				known = sorted(sku for sku, found in ls.listings.items() if found.known)
				skus = (
					[sku for sku in identifiers if sku in set(known)] if identifiers else known[:SEARCH_LIMIT]
				)
			page, rest = skus[:page_size], skus[page_size:]
			body: dict[str, Any] = {
				"numberOfResults": len(skus) if not token else len(page) + len(rest),
				"items": [item_view(state, ls.listings[sku], marketplace_ids, included) for sku in page],
			}
			if rest:
				next_token = new_uuid(state).replace("-", "")
				ls.page_tokens[next_token] = rest
				body["pagination"] = {"nextToken": next_token}
		return Response(200, body)

	# -- control API (no auth, no quota) --
	@router.route("POST", "/_sim/listings")
	def put_listing(req: Request) -> Response:
		"""{"sku" (or "skus": [...]), "channel": "DEFAULT" | "AMAZON_NA" | ..., "quantity" (DEFAULT), "asin",
		"title"}: the seller's listing(s) of the SKU(s); answers the (first) listing."""
		spec = req.json()
		skus = spec.get("skus") or [spec.get("sku")] if isinstance(spec, dict) else []
		if not skus or not all(isinstance(sku, str) and sku for sku in skus):
			raise ApiError(400, "InvalidInput", "sku (or skus) is required.")
		channel = str(spec.get("channel") or "DEFAULT")
		regions = {code: region for region, code in FBA_CHANNELS.items()}
		if channel != "DEFAULT" and channel not in regions:
			raise ApiError(400, "InvalidInput", f"Unknown channel {channel}.")
		with state.lock:
			now = state.clock.now()
			for sku in skus:
				found = listing(state, sku)
				if found is None or not found.known:
					found = listings_state(state).listings[sku] = SimListing(
						sku,
						str(spec.get("asin") or _asin(sku)),
						str(spec.get("title") or sku),
						"PRODUCT",
						now,
						now,
					)
				if channel == "DEFAULT":
					found.fba_region, found.fbm_quantity = None, int(spec.get("quantity") or 0)
				else:
					found.fba_region, found.fbm_quantity = regions[channel], None
				found.updated = now
			return Response(200, listing_view(state, listings_state(state).listings[skus[0]]))

	@router.route("GET", "/_sim/listings/{sku}")
	def get_listing(req: Request) -> Response:
		with state.lock:
			found = listing(state, req.path_args["sku"])
			if found is None:
				raise ApiError(404, "NotFound", f"No listing for SKU {req.path_args['sku']}.")
			return Response(200, listing_view(state, found))

	@router.route("POST", "/_sim/listings/refuse")
	def refuse(req: Request) -> Response:
		spec = req.json()
		sku = spec.get("sku") if isinstance(spec, dict) else None
		if not isinstance(sku, str) or not sku:
			raise ApiError(400, "InvalidInput", "sku is required.")
		with state.lock:
			listings_state(state).refused[sku] = (
				str(spec.get("code") or "90000900"),
				str(spec.get("message") or "The attributes are invalid."),
			)
		return Response(200, {"ok": True})

	@router.route("DELETE", "/_sim/listings/refuse")
	def clear_refusals(req: Request) -> Response:
		with state.lock:
			listings_state(state).refused.clear()
		return Response(200, {"ok": True})

	@router.route("GET", "/_sim/listings-history")
	def history(req: Request) -> Response:
		with state.lock:
			rows = listings_state(state).history
			return Response(
				200,
				{
					"history": [
						{"sku": sku, "channel": channel, "quantity": quantity, "via": via}
						for sku, channel, quantity, via in rows
					]
				},
			)


def _asin(sku: str) -> str:
	return "B0S" + hashlib.sha256(sku.encode("utf-8")).hexdigest()[:7].upper()


def listing_view(state: SimulatorState, found: SimListing) -> dict[str, Any]:
	return {
		"sku": found.sku,
		"asin": found.asin,
		"known": found.known,
		"fbm_quantity": found.fbm_quantity,
		"fba_region": found.fba_region,
		"availability": availability(state, found),
	}
