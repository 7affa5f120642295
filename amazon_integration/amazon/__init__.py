"""The gateway: the one place that talks to Amazon (SP-API through python-amazon-sp-api). Frappe-free.

Callers (order import, shipments, accounting, the ERPNext adapter) use AmazonClient and the dataclasses below and never
see HTTP. See client.py for the behaviour (quotas, retries, token cache) and models.py for the records.
"""

from .auth import TOKEN_CACHE, TokenCache
from .client import DEFAULT_QUOTA_STORE, AmazonClient, OrderSearch
from .config import REGION_ENDPOINTS, AccountConfig, LwaCredentials
from .documents import read_flat_file
from .errors import (
	AmazonError,
	AmazonUnavailableError,
	AuthError,
	InvalidInputError,
	NotFoundError,
	ThrottledError,
)
from .metrics import Metrics, OperationMetrics
from .models import (
	FBA,
	FBM,
	REPORT_ORDERS_BY_LAST_UPDATE,
	REPORT_SETTLEMENT_V2,
	Address,
	Buyer,
	Charge,
	ConnectionCheck,
	Feed,
	FinancialEvent,
	FinancialEventGroup,
	FinancialEventItem,
	InventorySummary,
	Order,
	OrderItem,
	Package,
	ProcessingReport,
	ProcessingResult,
	Report,
	ShipmentConfirmation,
	TaxRegistration,
)
from .processing_report import ProcessingReportError, parse_processing_report
from .quota import MemoryQuotaStore, QuotaStore, RedisQuotaStore
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
	"UsagePlan",
	"read_flat_file",
	"parse_processing_report",
]
