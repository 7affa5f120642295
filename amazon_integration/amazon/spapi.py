"""python-amazon-sp-api's API classes, adapted through the library's own extension points (no monkeypatching):

- a marketplace-like `Endpoint` (.endpoint, .marketplace_id, .region) selects the base URL: a production
  region endpoint or any override (the simulator);
- `auth_token_client_class` plugs in the gateway's LWA client (auth.py);
- a mixin overrides `_check_response` (it receives the raw httpx response) so that ANY non-2xx answer raises the
  gateway's errors, even without an `errors` body (the library would return an empty payload), and a 2xx whose
  JSON is truncated raises a retryable AmazonUnavailableError instead of looking like an empty page;
- the mixin's `headers` computes the Host header from the endpoint (the library slices "https://" off by
  position, which breaks on http:// overrides) and names the application in the user agent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from sp_api.api import FinancesV0, FulfillmentOutbound, Inventories, OrdersV0, OrdersV20260101, Reports
from sp_api.api.feeds.feeds_2021_06_30 import FeedsV20210630
from sp_api.api.finances.finances_2024_06_19 import FinancesV20240619
from sp_api.api.fulfillment_inbound.fulfillment_inbound_2024_03_20 import FulfillmentInboundV20240320
from sp_api.api.fulfillment_inbound.fulfillment_inbound_v0 import FulfillmentInboundV0
from sp_api.api.listings_items.listings_items_2021_08_01 import ListingsItemsV20210801
from sp_api.api.shipping.shipping_v2 import AmznShippingBusiness, ShippingV2
from sp_api.base import ApiResponse, fill_query_params, sp_endpoint
from sp_api.base.credential_provider import FromCodeCredentialProvider

from .auth import LwaTokenProvider
from .errors import AmazonError, AmazonUnavailableError, error_for_status
from .logs import scrub
from .text import msg

try:
	from amazon_integration import __version__ as _VERSION
except ImportError:  # pragma: no cover
	_VERSION = "0"

USER_AGENT = f"amazon_integration/{_VERSION} (Language=Python; python-amazon-sp-api)"


@dataclass(frozen=True)
class Endpoint:
	"""What the library reads from a Marketplaces member."""

	endpoint: str
	marketplace_id: str
	region: str


def request_id_of(response: Any) -> str | None:
	headers = getattr(response, "headers", None) or {}
	return headers.get("x-amzn-RequestId") or headers.get("x-amzn-requestid") or headers.get("x-amz-request-id")


def _retry_after(headers: Any) -> float | None:
	value = (headers or {}).get("Retry-After")
	if not value:
		return None
	try:
		return max(0.0, float(value))
	except ValueError:
		pass
	try:
		return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
	except (TypeError, ValueError):
		return None


_S3_CODE = re.compile(r"<Code>([^<]{1,200})</Code>")
_S3_MESSAGE = re.compile(r"<Message>([^<]{1,500})</Message>")


def error_from_response(response: Any, secrets: tuple[str | None, ...] = ()) -> AmazonError:
	"""The gateway error for a non-2xx httpx response, with Amazon's code/message when it sent an errors body."""
	status = response.status_code
	try:
		body = response.json()
	except ValueError:
		body = None
	first: dict = {}
	if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
		if isinstance(body["errors"][0], dict):
			first = body["errors"][0]
	elif body is None and b"<Error>" in response.content[:2048]:
		# S3 (presigned document URLs) answers <Error><Code>..</Code><Message>..</Message></Error>
		text = response.content[:2048].decode("utf-8", errors="replace")
		code, message = _S3_CODE.search(text), _S3_MESSAGE.search(text)
		first = {"code": code.group(1) if code else None, "message": message.group(1) if message else None}
	message = first.get("message")
	details = first.get("details")
	return error_for_status(status)(
		scrub(str(message), secrets) if message else msg("Amazon answered HTTP {0} without an error description.", status),
		code=first.get("code"),
		status=status,
		request_id=request_id_of(response),
		details=scrub(str(details), secrets) if details else None,
		retry_after=_retry_after(response.headers),
	)


class GatewayApiMixin:
	"""Mixed in front of each library API class the gateway uses."""

	def __init__(self, endpoint: Endpoint, *, provider: LwaTokenProvider, timeout: float) -> None:
		creds = provider.config.credentials
		super().__init__(
			endpoint,
			refresh_token=creds.refresh_token,
			credentials={
				"lwa_app_id": creds.client_id,
				"lwa_client_secret": creds.client_secret,
				"refresh_token": creds.refresh_token,
			},
			credential_providers=(FromCodeCredentialProvider,),  # never env vars or ~/.config files
			timeout=timeout,
			auth_token_client_class=provider.client_class,
		)
		# Client.__init__ swaps the marketplace for SP_API_DEFAULT_MARKETPLACE when that env var is set; a
		# registration's endpoint must not depend on the environment.
		self.endpoint = endpoint.endpoint
		self.marketplace_id = endpoint.marketplace_id
		self.region = endpoint.region
		self.provider = provider
		self.last_response = None

	@property
	def headers(self) -> dict[str, str]:
		headers = super().headers
		headers["host"] = urlsplit(self.endpoint).netloc
		headers["user-agent"] = USER_AGENT
		return headers

	def _check_response(self, res, res_no_data: bool = False, bulk: bool = False, wrap_list: bool = False) -> ApiResponse:
		self.last_response = res
		if not 200 <= res.status_code < 300:
			raise error_from_response(res, self.provider.secrets())
		content = res.content
		if content and content.strip():
			try:
				json.loads(content)
			except ValueError:
				raise AmazonUnavailableError(
					msg("Amazon sent a truncated or malformed JSON answer."),
					status=res.status_code,
					request_id=request_id_of(res),
				) from None
		return super()._check_response(res, res_no_data, bulk, wrap_list)

	def close(self) -> None:
		self._transport.close()

	def __repr__(self) -> str:
		return f"{type(self).__name__}(endpoint={self.endpoint!r})"


class OrdersApi(GatewayApiMixin, OrdersV20260101):
	"""searchOrders / getOrder (Orders API v2026-01-01)."""


class OrdersV0Api(GatewayApiMixin, OrdersV0):
	"""confirmShipment (Orders API v0; the only v0 operation the gateway uses)."""


class FeedsApi(GatewayApiMixin, FeedsV20210630):
	"""Feeds 2021-06-30."""

	@sp_endpoint("/feeds/2021-06-30/documents/{}", method="GET")
	def get_feed_document_info(self, feed_document_id: str, **kwargs) -> ApiResponse:
		"""getFeedDocument without downloading (the library's get_feed_document downloads and decodes Latin-1)."""
		return self._request(
			fill_query_params(kwargs.pop("path"), feed_document_id), params=kwargs, add_marketplace=False
		)


class ReportsApi(GatewayApiMixin, Reports):
	"""Reports 2021-06-30."""


class FinancesApi(GatewayApiMixin, FinancesV0):
	"""Finances v0."""


class TransactionsApi(GatewayApiMixin, FinancesV20240619):
	"""Finances 2024-06-19 (listTransactions; the pinned library has the class)."""


class InventoriesApi(GatewayApiMixin, Inventories):
	"""FBA Inventory v1."""


class ListingsApi(GatewayApiMixin, ListingsItemsV20210801):
	"""Listings Items 2021-08-01."""


class FulfillmentOutboundApi(GatewayApiMixin, FulfillmentOutbound):
	"""Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfilment)."""
# Amazon Shipping's business per marketplace (x-amzn-shipping-business-id, Shipping API v2): the library guesses it
# from a Marketplaces member's name, which the gateway's Endpoint does not have.
SHIPPING_BUSINESS: dict[str, str] = {
	"ATVPDKIKX0DER": "AmazonShipping_US",
	"A1F83G8C2ARO7P": "AmazonShipping_UK",
	"A13V1IB3VIYZZH": "AmazonShipping_FR",
	"APJ6JRA9NG5V4": "AmazonShipping_IT",
	"A1RKKUPIHCS9HS": "AmazonShipping_ES",
	"A1VC38T7YXB528": "AmazonShipping_JP",
	"A21TJRUUN4KGV": "AmazonShipping_IN",
	"A2VIGQ35RCS4UG": "AmazonShipping_UAE",
	"A17E79C6D8DWNP": "AmazonShipping_SA",
	"ARBP9OOSHTCHU": "AmazonShipping_EG",
}


def shipping_business(marketplace_id: str) -> AmznShippingBusiness | None:
	"""The library's enum member (its headers read `.value`) for the marketplace, None where Amazon has none."""
	value = SHIPPING_BUSINESS.get(marketplace_id)
	return AmznShippingBusiness(value) if value else None


class _ShippingV2(ShippingV2):
	def __init__(self, endpoint: Endpoint, *args, **kwargs) -> None:
		kwargs.setdefault("amzn_shipping_business", shipping_business(endpoint.marketplace_id) or AmznShippingBusiness.US)
		super().__init__(endpoint, *args, **kwargs)


class ShippingApi(GatewayApiMixin, _ShippingV2):
	"""Shipping API v2 (Buy Shipping); `amzn_shipping_business` is set per call for the order's marketplace."""

	@sp_endpoint("/shipping/v2/shipments", method="POST")
	def purchase_shipment_once(self, idempotency_key: str, **kwargs) -> ApiResponse:
		"""purchaseShipment with x-amzn-IdempotencyKey (the library cannot send it): a retry after a lost answer
		returns the same shipment instead of buying a second label."""
		headers = dict(self.headers)
		headers["x-amzn-IdempotencyKey"] = idempotency_key
		return self._request(kwargs.pop("path"), data=kwargs, add_marketplace=False, headers=headers)
class FulfillmentInboundApi(GatewayApiMixin, FulfillmentInboundV20240320):
	"""Fulfillment Inbound 2024-03-20 (Send to Amazon)."""


class FulfillmentInboundV0Api(GatewayApiMixin, FulfillmentInboundV0):
	"""Fulfillment Inbound v0: getShipmentItemsByShipmentId, where Amazon reports received quantities."""
