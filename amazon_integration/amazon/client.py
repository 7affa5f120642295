"""AmazonClient: every SP-API operation the integration needs, returning dataclasses, never raw HTTP.

One client per Amazon Account registration, composed of one part per API family, each standing on the call core
(core.py: LWA tokens, quotas, retries, time budget, pagination, metrics):

  orders.py     OrdersClient      searchOrders, getOrder (Orders v2026-01-01)
  shipments.py  ShipmentsClient   confirmShipment (Orders v0)
  feeds.py      FeedsClient       feeds and their processing reports (Feeds 2021-06-30)
  listings.py   ListingsClient    listings items and the JSON listings feed (Listings Items 2021-08-01)
  reports.py    ReportsClient     reports and report documents (Reports 2021-06-30)
  finances.py   FinancesClient    financial event groups and events (Finances v0), transactions (2024-06-19)
  inventory.py  InventoryClient   FBA inventory summaries (FBA Inventory v1)
  outbound.py   OutboundClient    Multi-Channel Fulfilment orders (Fulfillment Outbound 2020-07-01)
  shipping.py   ShippingClient    Buy Shipping: rates, labels, cancellation, tracking (Shipping v2)
  inbound.py    InboundClient     Send to Amazon: inbound plans, options, shipments (Fulfillment Inbound 2024-03-20)
                InboundReceiptsClient  received quantities (Fulfillment Inbound v0 getShipmentItemsByShipmentId)

A new API family (fulfilment inbound and outbound) gets its own module the same way: its records, a
`<Family>Client(ClientCore)` with its operations, its library API class in spapi.py, its usage plans in
usage_plans.py, and a place among AmazonClient's bases below. Callers keep one object: `client.get_order(...)`.

An AmazonClient is not thread-safe (the library's API objects keep per-request state); use one per thread or
job. Quota stores and the LWA token cache are thread-safe and meant to be shared.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .errors import AmazonError, NoAnswerError, NotFoundError
from .feeds import FeedsClient
from .finances import FinancesClient
from .inbound import InboundClient, InboundReceiptsClient
from .inventory import InventoryClient
from .listings import ListingsClient
from .orders import OrdersClient
from .outbound import OutboundClient
from .reports import ReportsClient
from .shipping import ShippingClient
from .shipments import ShipmentsClient
from .text import msg

DUMMY_ORDER_ID = "000-0000000-0000000"


@dataclass(frozen=True)
class ConnectionCheck:
	"""Result of AmazonClient.check_connection(): credentials accepted and the SP-API endpoint answering."""

	ok: bool
	seller_id: str
	marketplace_ids: tuple[str, ...]
	endpoint: str
	request_id: str | None = None
	message: str = ""
	no_answer: bool = False  # nothing answered (connection not opened, or no answer in time): not a refusal


class AmazonClient(
	OrdersClient,
	ShipmentsClient,
	ListingsClient,
	FeedsClient,
	ReportsClient,
	FinancesClient,
	InventoryClient,
	OutboundClient,
	ShippingClient,
	InboundClient,
	InboundReceiptsClient,
):
	"""Every operation of every family the integration uses, on one object (see the module docstring)."""

	# --- connection check -------------------------------------------------------------------------------

	def check_connection(self) -> ConnectionCheck:
		"""Exchange the LWA token and call getOrder for a well-formed order id that cannot exist.

		Why this call: a 404 proves the endpoint answers, the credentials are accepted and the application holds
		the Orders role for this seller (403 otherwise), at the cost of one getOrder token (0.5/s, burst 30) and
		without ever waiting behind a running sync. searchOrders would also validate the marketplace ids but its
		bucket refills one token per ~3 minutes and is exactly what a running sync drains."""
		base = ConnectionCheck(
			ok=False,
			seller_id=self.config.seller_id,
			marketplace_ids=self.config.marketplace_ids,
			endpoint=self.config.base_url,
		)
		try:
			self.get_order(DUMMY_ORDER_ID)
		except NotFoundError as exc:
			return _replace(base, ok=True, request_id=exc.request_id, message=msg("Connected."))
		except NoAnswerError as exc:
			return _replace(base, no_answer=True, message=exc.as_text())
		except AmazonError as exc:
			return _replace(base, request_id=exc.request_id, message=exc.as_text())
		return _replace(base, ok=True, message=msg("Connected."))

	def __enter__(self) -> AmazonClient:
		return self

	def __exit__(self, *exc: object) -> None:
		self.close()

	def __repr__(self) -> str:
		return f"AmazonClient(seller_id={self.config.seller_id!r}, endpoint={self.config.base_url!r})"


def _replace(check: ConnectionCheck, **changes: Any) -> ConnectionCheck:
	return replace(check, **changes)
