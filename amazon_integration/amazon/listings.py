"""Listings Items API 2021-08-01 and the JSON_LISTINGS_FEED: the records the gateway sends and reads back, and the
calls (ListingsClient).

Quantities are merchant-fulfilled ("DEFAULT" fulfilment channel) only: a seller never sets an FBA count, and
a DEFAULT quantity sent for an FBA SKU would turn it into a merchant-fulfilled listing.
The product type "PRODUCT" is Amazon's generic type for offer-only updates such as a quantity: the seller's
real product type is not needed to change a quantity.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import AmazonError, NotFoundError
from .feeds import Feed, FeedsClient
from .spapi import ListingsApi
from .text import msg
from .values import chunked

LISTINGS_FEED_TYPE = "JSON_LISTINGS_FEED"
LISTINGS_FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
FBM_CHANNEL = "DEFAULT"
OFFER_PRODUCT_TYPE = "PRODUCT"
FEED_MAX_MESSAGES = 25000  # listings-feed-schema-v2: messages maxItems
AVAILABILITY_PATH = "/attributes/fulfillment_availability"


class ListingsReportError(AmazonError):
	"""The feed result document is not a listings feed processing report we can read."""


@dataclass(frozen=True)
class QuantityUpdate:
	sku: str
	quantity: int

	def availability(self) -> list[dict[str, Any]]:
		return [{"fulfillment_channel_code": FBM_CHANNEL, "quantity": int(self.quantity)}]


@dataclass(frozen=True)
class ListingIssue:
	message: str
	severity: str  # ERROR / WARNING / INFO
	code: str | None = None
	sku: str | None = None
	message_id: int | None = None
	attribute: str | None = None

	@property
	def is_error(self) -> bool:
		return self.severity == "ERROR"

	def describe(self) -> str:
		return f"{self.code}: {self.message}" if self.code else self.message

	@classmethod
	def from_api(cls, raw: dict[str, Any], sku: str | None = None) -> ListingIssue:
		names = raw.get("attributeNames") or []
		return cls(
			message=str(raw.get("message") or ""),
			severity=str(raw.get("severity") or "ERROR"),
			code=str(raw["code"]) if raw.get("code") is not None else None,
			sku=raw.get("sku") or sku,
			message_id=raw.get("messageId"),
			attribute=raw.get("attributeName") or (names[0] if names else None),
		)


@dataclass(frozen=True)
class ListingSubmission:
	"""patchListingsItem's answer."""

	sku: str
	status: str  # ACCEPTED / INVALID / VALID
	submission_id: str
	issues: tuple[ListingIssue, ...] = ()

	@property
	def accepted(self) -> bool:
		return self.status == "ACCEPTED" and not any(issue.is_error for issue in self.issues)

	@classmethod
	def from_api(cls, raw: dict[str, Any]) -> ListingSubmission:
		sku = str(raw.get("sku") or "")
		return cls(
			sku=sku,
			status=str(raw.get("status") or ""),
			submission_id=str(raw.get("submissionId") or ""),
			issues=tuple(ListingIssue.from_api(issue, sku) for issue in raw.get("issues") or []),
		)


@dataclass(frozen=True)
class ListingsItem:
	"""A listings item as getListingsItem/searchListingsItems (or a feed report's items) show it."""

	sku: str
	asin: str | None = None
	product_type: str | None = None
	status: tuple[str, ...] = ()
	availability: dict[str, int | None] = field(default_factory=dict)  # channel code -> quantity

	@property
	def in_catalogue(self) -> bool:
		"""Amazon has a catalogue item for the SKU (an offer-only submission has no summaries)."""
		return self.asin is not None or self.product_type is not None

	@property
	def fbm_quantity(self) -> int | None:
		return self.availability.get(FBM_CHANNEL)

	@property
	def is_fba(self) -> bool:
		return any(code.startswith("AMAZON_") for code in self.availability)

	@classmethod
	def from_api(cls, raw: dict[str, Any]) -> ListingsItem:
		summaries = raw.get("summaries") or []
		first = summaries[0] if summaries else {}
		availability: dict[str, int | None] = {}
		for entry in raw.get("fulfillmentAvailability") or []:
			code = entry.get("fulfillmentChannelCode")
			if code:
				availability[str(code)] = entry.get("quantity")
		return cls(
			sku=str(raw.get("sku") or ""),
			asin=first.get("asin"),
			product_type=first.get("productType"),
			status=tuple(first.get("status") or ()),
			availability=availability,
		)


@dataclass(frozen=True)
class ListingsFeedReport:
	"""A JSON listings feed's processing report (listings-feed-processing-report-schema-v2)."""

	feed_id: str | None
	messages_processed: int
	messages_accepted: int
	messages_invalid: int
	issues: tuple[ListingIssue, ...]
	items: dict[str, ListingsItem] | None  # None when the feed did not ask for includedData

	def issues_of(self, sku: str) -> list[ListingIssue]:
		return [issue for issue in self.issues if issue.sku == sku]

	@property
	def general_issues(self) -> list[ListingIssue]:
		"""Issues not tied to one SKU (the feed itself was refused)."""
		return [issue for issue in self.issues if not issue.sku]


def build_quantity_feed(
	seller_id: str, updates: Iterable[QuantityUpdate], *, included_data: tuple[str, ...] = ("summaries",)
) -> bytes:
	"""A JSON_LISTINGS_FEED of PARTIAL_UPDATE messages setting each SKU's merchant-fulfilled quantity; message ids
	count from 1 in the order given. `included_data` asks the report for the items (to tell unknown SKUs)."""
	header: dict[str, Any] = {"sellerId": seller_id, "version": "2.0", "issueLocale": "en_US"}
	if included_data:
		header["report"] = {"includedData": list(included_data), "apiVersion": "2021-08-01"}
	messages = [
		{
			"messageId": number,
			"sku": update.sku,
			"operationType": "PARTIAL_UPDATE",
			"productType": OFFER_PRODUCT_TYPE,
			"attributes": {"fulfillment_availability": update.availability()},
		}
		for number, update in enumerate(updates, start=1)
	]
	if not messages:
		raise ValueError("a listings feed needs at least one message")
	if len(messages) > FEED_MAX_MESSAGES:
		raise ValueError(f"a listings feed holds at most {FEED_MAX_MESSAGES} messages")
	return json.dumps({"header": header, "messages": messages}, ensure_ascii=False).encode("utf-8")


def quantity_patch(update: QuantityUpdate) -> dict[str, Any]:
	"""patchListingsItem's body (ListingsItemPatchRequest) setting a merchant-fulfilled quantity."""
	return {
		"productType": OFFER_PRODUCT_TYPE,
		"patches": [{"op": "replace", "path": AVAILABILITY_PATH, "value": update.availability()}],
	}


def parse_listings_feed_report(document: bytes | str) -> ListingsFeedReport:
	try:
		body = json.loads(document)
	except ValueError as exc:
		raise ListingsReportError(
			msg("The listings feed report is not valid JSON ({0}).", exc), code="InvalidDocument"
		) from None
	if not isinstance(body, dict) or not isinstance(body.get("summary"), dict):
		raise ListingsReportError(msg("The listings feed report has no summary."), code="InvalidDocument")
	summary = body["summary"]
	header = body.get("header") or {}
	items = None
	if isinstance(body.get("items"), list):
		items = {}
		for raw in body["items"]:
			if isinstance(raw, dict) and raw.get("sku"):
				item = ListingsItem.from_api(raw)
				items[item.sku] = item
	return ListingsFeedReport(
		feed_id=header.get("feedId"),
		messages_processed=int(summary.get("messagesProcessed") or 0),
		messages_accepted=int(summary.get("messagesAccepted") or 0),
		messages_invalid=int(summary.get("messagesInvalid") or 0),
		issues=tuple(ListingIssue.from_api(raw) for raw in body.get("issues") or [] if isinstance(raw, dict)),
		items=items,
	)


class ListingsClient(FeedsClient):
	"""getListingsItem, searchListingsItems, patchListingsItem, and quantities through the JSON listings feed (a
	feed: hence on FeedsClient)."""

	def get_listings_item(
		self,
		sku: str,
		*,
		marketplace_id: str | None = None,
		included_data: Sequence[str] = ("summaries", "fulfillmentAvailability"),
	) -> ListingsItem | None:
		"""getListingsItem; None when Amazon has no listing for the SKU (404)."""
		marketplace = marketplace_id or self.config.default_marketplace_id
		api = self._api(ListingsApi)
		try:
			response = self._call(
				"getListingsItem",
				lambda: api.get_listings_item(
					self.config.seller_id, sku, marketplaceIds=[marketplace], includedData=list(included_data)
				),
			)
		except NotFoundError:
			return None
		return ListingsItem.from_api(response.payload or {})

	def search_listings_items(
		self,
		skus: Iterable[str] = (),
		*,
		marketplace_id: str | None = None,
		included_data: Sequence[str] = ("summaries", "fulfillmentAvailability"),
	) -> Iterator[ListingsItem]:
		"""searchListingsItems, every page; given SKUs are asked 20 at a time (Amazon's limit), else the seller's
		listings (Amazon pages through at most 1000)."""
		marketplace = marketplace_id or self.config.default_marketplace_id
		base: dict[str, Any] = {
			"marketplaceIds": [marketplace],
			"includedData": list(included_data),
			"pageSize": 20,
		}
		sku_list = [sku for sku in skus if sku]
		batches: Iterable[list[str] | None] = chunked(sku_list, 20) if sku_list else [None]
		api = self._api(ListingsApi)
		for batch in batches:
			params = dict(base)
			if batch:
				params.update(identifiers=batch, identifiersType="SKU")
			for payload in self._pages(
				"searchListingsItems",
				api.search_listings_items,
				params,
				token_param="pageToken",
				path_args=(self.config.seller_id,),
			):
				for raw in payload.get("items") or []:
					yield ListingsItem.from_api(raw)

	def patch_listing_quantity(self, update: QuantityUpdate, *, marketplace_id: str | None = None) -> ListingSubmission:
		"""patchListingsItem setting one SKU's merchant-fulfilled quantity (fulfillment_availability, DEFAULT)."""
		marketplace = marketplace_id or self.config.default_marketplace_id
		api = self._api(ListingsApi)
		response = self._call(
			"patchListingsItem",
			lambda: api.patch_listings_item(
				self.config.seller_id, update.sku, marketplaceIds=[marketplace], body=quantity_patch(update)
			),
		)
		return ListingSubmission.from_api(response.payload or {"sku": update.sku})

	def submit_quantity_feed(self, updates: Sequence[QuantityUpdate], *, marketplace_id: str | None = None) -> str:
		"""A JSON_LISTINGS_FEED of PARTIAL_UPDATE messages (message i is updates[i-1]); returns the feed id."""
		content = build_quantity_feed(self.config.seller_id, updates)
		return self.submit_feed(
			LISTINGS_FEED_TYPE,
			content,
			content_type=LISTINGS_FEED_CONTENT_TYPE,
			marketplace_ids=[marketplace_id or self.config.default_marketplace_id],
		)

	def get_listings_feed_result(self, feed: Feed | str) -> ListingsFeedReport:
		"""Download and parse the processing report of a finished JSON_LISTINGS_FEED."""
		return parse_listings_feed_report(self._feed_result_bytes(feed))
