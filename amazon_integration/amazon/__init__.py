"""The gateway: the one place that talks to Amazon (SP-API through python-amazon-sp-api). Frappe-free.

Callers (order import, shipments, accounting, the ERPNext adapter) use AmazonClient and the dataclasses below and never
see HTTP. See core.py for the behaviour of every call (quotas, retries, token cache, time budget), client.py for
the API families AmazonClient is made of, and each family's module (orders.py, feeds.py, ...) for its records.
"""

from .auth import TOKEN_CACHE, TokenCache
from .client import AmazonClient, ConnectionCheck
from .config import REGION_ENDPOINTS, AccountConfig, LwaCredentials
from .core import DEFAULT_QUOTA_STORE
from .documents import read_flat_file
from .errors import (
	AmazonError,
	AmazonUnavailableError,
	AuthError,
	InvalidInputError,
	NotFoundError,
	ThrottledError,
)
from .feeds import Feed
from .finances import (
	Breakdown,
	Charge,
	FinancialEvent,
	FinancialEventGroup,
	FinancialEventItem,
	Transaction,
	TransactionItem,
)
from .inventory import InventorySummary
from .metrics import Metrics, OperationMetrics
from .orders import FBA, FBM, Address, Buyer, Order, OrderItem, OrderSearch, Package, TaxRegistration
from .processing_report import (
	ProcessingReport,
	ProcessingReportError,
	ProcessingResult,
	parse_processing_report,
)
from .quota import MemoryQuotaStore, QuotaStore, RedisQuotaStore
from .reports import REPORT_ORDERS_BY_LAST_UPDATE, REPORT_SETTLEMENT_V2, Report
from .shipments import ShipmentConfirmation
from .usage_plans import USAGE_PLANS, UsagePlan

__all__ = [
	"DEFAULT_QUOTA_STORE",
	"FBA",
	"FBM",
	"REGION_ENDPOINTS",
	"REPORT_ORDERS_BY_LAST_UPDATE",
	"REPORT_SETTLEMENT_V2",
	"TOKEN_CACHE",
	"USAGE_PLANS",
	"AccountConfig",
	"Address",
	"AmazonClient",
	"AmazonError",
	"AmazonUnavailableError",
	"AuthError",
	"Breakdown",
	"Buyer",
	"Charge",
	"ConnectionCheck",
	"Feed",
	"FinancialEvent",
	"FinancialEventGroup",
	"FinancialEventItem",
	"InvalidInputError",
	"InventorySummary",
	"LwaCredentials",
	"MemoryQuotaStore",
	"Metrics",
	"NotFoundError",
	"OperationMetrics",
	"Order",
	"OrderItem",
	"OrderSearch",
	"Package",
	"ProcessingReport",
	"ProcessingReportError",
	"ProcessingResult",
	"QuotaStore",
	"RedisQuotaStore",
	"Report",
	"ShipmentConfirmation",
	"TaxRegistration",
	"ThrottledError",
	"TokenCache",
	"Transaction",
	"TransactionItem",
	"UsagePlan",
	"read_flat_file",
	"parse_processing_report",
]
