"""Seeded data: marketplaces, a fixed SKU catalogue and a realistic mix of orders.

Same seed (and same clock start) => identical data, ids included. The generator draws from its own
random.Random(seed), so runtime randomness (tokens, tracking numbers) never shifts the generated data.

The mix: six marketplaces (US/USD, CA/CAD, UK/GBP, DE/EUR, FR/EUR, JP/JPY); FBA and FBM; multi-line and
multi-quantity; shipping, shipping discounts, gift wrap, promotions; item/shipping/gift-wrap taxes;
marketplace-facilitator tax (all US orders, some UK orders: tax withheld by Amazon); B2B orders with company
name and VAT/tax id; replacement orders (zero priced, pointing at the original); a few cancellations and pending
orders. FBA orders older than about a day end SHIPPED; FBM orders are mostly UNSHIPPED.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from .listings import take_fbm
from .money import ZERO, q
from .state import SimAddress, SimBuyer, SimItem, SimMarketplace, SimOrder, SimPackage, SimulatorState


@dataclass(frozen=True)
class CatalogueItem:
	sku: str
	title: str
	asin: str
	prices: dict[str, Decimal] = field(hash=False)  # currency -> base unit price (tax-exclusive)

	def price(self, currency: str) -> Decimal:
		return self.prices[currency]

	def to_json(self) -> dict:
		return {
			"sku": self.sku,
			"title": self.title,
			"asin": self.asin,
			"prices": {currency: str(amount) for currency, amount in self.prices.items()},
		}


@dataclass(frozen=True)
class MarketplaceProfile:
	"""Static facts used to generate orders for one marketplace."""

	marketplace: SimMarketplace
	order_prefixes: tuple[str, ...]
	tax_rates: tuple[Decimal, ...]  # one is drawn per order (US: state sales tax; EU: VAT)
	withheld_share: float  # share of orders where Amazon collects the tax (marketplace facilitator)
	responsible_party: str
	shipping_price: Decimal  # FBM standard shipping per line
	gift_wrap_price: Decimal
	tax_id_format: str  # B2B tax id pattern; "#" = digit
	tax_registration_type: str  # "VAT" | "BUSINESS"
	prices_include_tax: bool = False  # EU, UK, JP: prices and discounts contain the tax
	tax_breakdown_share: float = 1.0  # share of tax-inclusive orders rendered with a TAX breakdown


MARKETPLACES: dict[str, SimMarketplace] = {
	market.marketplace_id: market
	for market in (
		SimMarketplace("ATVPDKIKX0DER", "Amazon.com", "US", "USD", "www.amazon.com", "NA"),
		SimMarketplace("A2EUQ1WTGCTBG2", "Amazon.ca", "CA", "CAD", "www.amazon.ca", "NA"),
		SimMarketplace("A1F83G8C2ARO7P", "Amazon.co.uk", "GB", "GBP", "www.amazon.co.uk", "EU"),
		SimMarketplace("A1PA6795UKMFR9", "Amazon.de", "DE", "EUR", "www.amazon.de", "EU"),
		SimMarketplace("A13V1IB3VIYZZH", "Amazon.fr", "FR", "EUR", "www.amazon.fr", "EU"),
		SimMarketplace("A1VC38T7YXB528", "Amazon.co.jp", "JP", "JPY", "www.amazon.co.jp", "FE"),
	)
}
US, CA, UK, DE, FR, JP = MARKETPLACES  # marketplace ids, in the order above

PROFILES: dict[str, MarketplaceProfile] = {
	US: MarketplaceProfile(
		MARKETPLACES[US], ("111", "112", "113", "114"),
		(Decimal("0.0600"), Decimal("0.0725"), Decimal("0.0825"), Decimal("0.0887"), Decimal("0.1025")),
		1.0, "Amazon Services, Inc.", Decimal("4.99"), Decimal("3.99"), "##-#######", "BUSINESS",
	),
	CA: MarketplaceProfile(
		MARKETPLACES[CA], ("701", "702"), (Decimal("0.05"), Decimal("0.13"), Decimal("0.15")),
		0.0, "Amazon.com.ca ULC", Decimal("6.99"), Decimal("4.99"), "#########RT0001", "BUSINESS",
	),
	UK: MarketplaceProfile(
		MARKETPLACES[UK], ("202", "203", "204", "205", "206"), (Decimal("0.20"),),
		0.15, "Amazon EU S.a.r.L.", Decimal("3.49"), Decimal("2.99"), "GB#########", "VAT", True, 0.5,
	),
	DE: MarketplaceProfile(
		MARKETPLACES[DE], ("302", "303", "304", "305", "306"), (Decimal("0.19"),),
		0.0, "Amazon EU S.a.r.L.", Decimal("3.99"), Decimal("2.99"), "DE#########", "VAT", True, 0.7,
	),
	FR: MarketplaceProfile(
		MARKETPLACES[FR], ("402", "403", "404", "405", "407"), (Decimal("0.20"),),
		0.0, "Amazon EU S.a.r.L.", Decimal("3.99"), Decimal("2.99"), "FR###########", "VAT", True, 0.7,
	),
	JP: MarketplaceProfile(
		MARKETPLACES[JP], ("249", "250", "503"), (Decimal("0.10"),),
		0.0, "Amazon Japan G.K.", Decimal("450"), Decimal("300"), "T#############", "BUSINESS", True, 0.5,
	),
}

# Per-currency price conversion from the USD base (rounded to "shop" prices by _shop_price).
_FX = {"USD": Decimal("1"), "CAD": Decimal("1.36"), "GBP": Decimal("0.80"), "EUR": Decimal("0.93"), "JPY": Decimal("150")}


def exchange_rate(from_currency: str, to_currency: str) -> Decimal | None:
	"""What one unit of `from_currency` is worth in `to_currency` at the rates the simulator prices with (to 6
	places), or None for a currency it does not price in: what a site bound to it may book its orders at."""
	if from_currency not in _FX or to_currency not in _FX:
		return None
	return (_FX[to_currency] / _FX[from_currency]).quantize(Decimal("0.000001"))


_CATALOGUE_SPEC = (
	("SIM-MUG-001", "Ceramic Coffee Mug 350 ml, Matte Black", "B0SIM00001", "12.99"),
	("SIM-MUG-002", "Ceramic Coffee Mug 350 ml, Ocean Blue", "B0SIM00002", "12.99"),
	("SIM-TEA-010", "Glass Teapot with Infuser 1 l", "B0SIM00010", "24.50"),
	("SIM-BTL-020", "Insulated Steel Water Bottle 750 ml", "B0SIM00020", "19.99"),
	("SIM-BTL-021", "Insulated Steel Water Bottle 500 ml", "B0SIM00021", "16.99"),
	("SIM-LMP-030", "LED Desk Lamp, Dimmable, USB-C", "B0SIM00030", "34.90"),
	("SIM-CBL-040", "USB-C Charging Cable 2 m, Braided", "B0SIM00040", "8.99"),
	("SIM-CBL-041", "USB-C to Lightning Cable 1 m", "B0SIM00041", "9.99"),
	("SIM-CHG-050", "65 W GaN Wall Charger, 3 Ports", "B0SIM00050", "39.99"),
	("SIM-NTB-060", "A5 Dotted Notebook, Hardcover, 192 Pages", "B0SIM00060", "11.50"),
	("SIM-PEN-061", "Gel Pens, Pack of 12, Assorted", "B0SIM00061", "7.49"),
	("SIM-BAG-070", "Canvas Tote Bag, Natural", "B0SIM00070", "14.99"),
	("SIM-YOG-080", "Yoga Mat 6 mm, Non-Slip", "B0SIM00080", "29.95"),
	("SIM-TWL-090", "Microfiber Towel Set of 3", "B0SIM00090", "18.75"),
	("SIM-KNF-100", "Chef's Knife 20 cm, Stainless", "B0SIM00100", "49.00"),
	("SIM-BRD-101", "Bamboo Cutting Board, Large", "B0SIM00101", "21.99"),
	("SIM-CND-110", "Scented Candle, Cedarwood, 200 g", "B0SIM00110", "15.99"),
	("SIM-PZL-120", "Jigsaw Puzzle 1000 Pieces, Alps", "B0SIM00120", "17.99"),
	("SIM-HDP-130", "Wireless Over-Ear Headphones", "B0SIM00130", "89.99"),
	("SIM-SPK-131", "Portable Bluetooth Speaker, Waterproof", "B0SIM00131", "45.99"),
)


def _shop_price(usd: Decimal, currency: str) -> Decimal:
	"""Convert and round to a plausible shelf price (x.99 / x.49 endings, JPY to 10 yen)."""
	raw = usd * _FX[currency]
	if currency == "JPY":
		return (raw / 100).quantize(Decimal("1")) * 100 - 20  # 1948.5 -> 1880: the usual "...80" endings
	whole = raw.quantize(Decimal("1"))
	ending = Decimal("0.99") if usd.as_tuple().digits[-1] == 9 else Decimal("0.49")
	return max(whole - 1 + ending, ending)


CATALOGUE: tuple[CatalogueItem, ...] = tuple(
	CatalogueItem(sku, title, asin, {currency: _shop_price(Decimal(usd), currency) for currency in _FX})
	for sku, title, asin, usd in _CATALOGUE_SPEC
)
CATALOGUE_BY_SKU: dict[str, CatalogueItem] = {item.sku: item for item in CATALOGUE}

_NAMES = {
	"US": ("Jordan Miller", "Avery Johnson", "Taylor Brooks", "Morgan Reyes", "Casey Nguyen", "Riley Parker"),
	"CA": ("Alexis Tremblay", "Noah Gagnon", "Emma Roy", "Liam Côté", "Olivia Bouchard"),
	"GB": ("Oliver Smith", "Amelia Jones", "Harry Taylor", "Isla Brown", "George Wilson"),
	"DE": ("Lukas Müller", "Anna Schmidt", "Jonas Schneider", "Lea Fischer", "Felix Weber"),
	"FR": ("Louise Martin", "Gabriel Bernard", "Jade Dubois", "Hugo Thomas", "Chloé Robert"),
	"JP": ("佐藤 花子", "鈴木 太郎", "高橋 陽菜", "田中 蓮", "伊藤 結衣"),
}
_ADDRESSES = {
	"US": (
		("123 Elm Street", "Springfield", "IL", "62704"), ("456 Oak Avenue", "Austin", "TX", "78701"),
		("789 Pine Road", "Seattle", "WA", "98101"), ("22 Harbor Way", "Miami", "FL", "33101"),
		("10 Market St Apt 5", "San Francisco", "CA", "94103"),
	),
	"CA": (
		("88 King Street W", "Toronto", "ON", "M5H 1A1"), ("12 Rue Sainte-Catherine", "Montréal", "QC", "H3B 1A7"),
		("400 Granville St", "Vancouver", "BC", "V6C 1T2"),
	),
	"GB": (
		("45 Oak Avenue", "London", "England", "SW1A 1AA"), ("7 Station Road", "Manchester", "England", "M1 1AE"),
		("3 Castle Street", "Edinburgh", "Scotland", "EH2 3AH"),
	),
	"DE": (
		("Hauptstraße 12", "Berlin", "BE", "10115"), ("Marienplatz 3", "München", "BY", "80331"),
		("Königsallee 27", "Düsseldorf", "NW", "40212"),
	),
	"FR": (
		("12 Rue de Rivoli", "Paris", "Île-de-France", "75001"), ("5 Quai Saint-Antoine", "Lyon", "Auvergne-Rhône-Alpes", "69002"),
		("18 La Canebière", "Marseille", "Provence-Alpes-Côte d'Azur", "13001"),
	),
	"JP": (
		("渋谷区神宮前1-2-3", "東京都", "東京都", "150-0001"), ("北区梅田2-4-9", "大阪市", "大阪府", "530-0001"),
		("中区栄3-5-12", "名古屋市", "愛知県", "460-0008"),
	),
}
_COMPANIES = {
	"US": ("Acme Supplies LLC", "Northwind Traders Inc."),
	"CA": ("Maple Office Ltd.",),
	"GB": ("Brightside Ltd", "Thames Trading plc"),
	"DE": ("Müller & Söhne GmbH", "Nordlicht AG"),
	"FR": ("Atelier Lumière SARL", "Bureau Moderne SAS"),
	"JP": ("株式会社サンプル商事",),
}
_PHONES = {"US": "+1 206-555-0100", "CA": "+1 416-555-0199", "GB": "+44 20 7946 0958", "DE": "+49 30 901820",
		   "FR": "+33 1 23 45 67 89", "JP": "+81 3-1234-5678"}
_SERVICE_LEVELS = ("Standard", "Standard", "Standard", "Expedited", "NextDay", "SecondDay")
_CARRIERS = {
	"US": (("USPS", "First Class"), ("UPS", "UPS Ground"), ("FedEx", "FedEx Home Delivery")),
	"CA": (("Canada Post", "Expedited Parcel"), ("Purolator", "Purolator Ground")),
	"GB": (("Royal Mail", "Tracked 48"), ("DPD", "DPD Next Day")),
	"DE": (("DHL", "DHL Paket"), ("Hermes", "Hermes Päckchen")),
	"FR": (("Colissimo", "Colissimo Domicile"), ("Chronopost", "Chrono 13")),
	"JP": (("Yamato Transport", "TA-Q-BIN"), ("Japan Post", "Yu-Pack")),
}


def tax_rate_for(marketplace_id: str, rng: random.Random | None = None) -> Decimal:
	rates = PROFILES[marketplace_id].tax_rates
	return rates[0] if rng is None else rng.choice(rates)


def new_order_id(marketplace_id: str, rng: random.Random, namespace: int = 0) -> str:
	"""Amazon's 3-7-7 order id. The namespace moves the last group only (which B2B purchase order numbers repeat),
	so simulators of one seed draw the same data under ids of their own (tests on one site); namespace 0 is the
	seed's own ids."""
	prefix = rng.choice(PROFILES[marketplace_id].order_prefixes)
	middle = rng.randrange(10**6, 10**7)
	last = 10**6 + (rng.randrange(10**6, 10**7) - 10**6 + namespace * 1_000_003) % (9 * 10**6)
	return f"{prefix}-{middle:07d}-{last:07d}"


def new_order_item_id(rng: random.Random) -> str:
	return f"{rng.randrange(10**13, 10**14):014d}"


def _digits(pattern: str, rng: random.Random) -> str:
	return "".join(str(rng.randrange(10)) if char == "#" else char for char in pattern)


def build_item(
	marketplace_id: str,
	sku: str,
	quantity: int,
	rng: random.Random,
	*,
	tax_rate: Decimal | None = None,
	unit_price: Decimal | None = None,
	shipping_price: Decimal = ZERO,
	shipping_discount: Decimal = ZERO,
	gift_wrap_price: Decimal = ZERO,
	promotion_discount: Decimal = ZERO,
	tax_withheld: bool | None = None,
	promotion_ids: list[str] | None = None,
	gift_message: str | None = None,
	order_item_id: str | None = None,
	prices_include_tax: bool | None = None,
	tax_breakdown: bool = True,
) -> SimItem:
	"""One order line with its taxes computed from `tax_rate`: added on top of the prices, or contained in them
	(prices_include_tax, by default where the marketplace's prices include tax)."""
	profile = PROFILES[marketplace_id]
	currency = profile.marketplace.currency
	catalogue_item = CATALOGUE_BY_SKU.get(sku)
	if unit_price is None:
		if catalogue_item is None:
			raise ValueError(f"unknown SKU {sku!r} and no unit price given")
		unit_price = catalogue_item.price(currency)
	rate = tax_rate if tax_rate is not None else profile.tax_rates[0]
	unit_price = q(unit_price, currency)
	shipping_price = q(shipping_price, currency)
	shipping_discount = q(shipping_discount, currency)
	gift_wrap_price = q(gift_wrap_price, currency)
	promotion_discount = q(promotion_discount, currency)
	item_net = unit_price * quantity - promotion_discount
	shipping_net = shipping_price - shipping_discount
	inclusive = profile.prices_include_tax if prices_include_tax is None else prices_include_tax

	def tax(amount: Decimal) -> Decimal:
		if inclusive:  # the tax a gross amount contains: gross minus its net
			return amount - q(amount / (1 + rate), currency)
		return q(amount * rate, currency)

	return SimItem(
		order_item_id=order_item_id or new_order_item_id(rng),
		sku=sku,
		asin=catalogue_item.asin if catalogue_item else "B0SIM" + sku[-5:].rjust(5, "0"),
		title=catalogue_item.title if catalogue_item else sku,
		quantity=quantity,
		unit_price=unit_price,
		shipping_price=shipping_price,
		shipping_discount=shipping_discount,
		gift_wrap_price=gift_wrap_price,
		promotion_discount=promotion_discount,
		item_tax=tax(item_net),
		shipping_tax=tax(shipping_net),
		gift_wrap_tax=tax(gift_wrap_price),
		prices_include_tax=inclusive,
		tax_breakdown=tax_breakdown,
		tax_withheld=bool(tax_withheld) if tax_withheld is not None else profile.withheld_share >= 1.0,
		promotion_ids=list(promotion_ids or []),
		is_gift=gift_wrap_price > 0 or bool(gift_message),
		gift_message=gift_message,
	)


def make_buyer(country: str, rng: random.Random, business: bool, tax_pattern: str) -> SimBuyer:
	name = rng.choice(_NAMES[country])
	alias = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14))
	domain = {"GB": "co.uk", "JP": "co.jp", "US": "com", "CA": "ca"}.get(country, country.lower())
	return SimBuyer(
		name=name,
		email=f"{alias}@marketplace.amazon.{domain}",
		company_name=rng.choice(_COMPANIES[country]) if business else None,
		tax_id=_digits(tax_pattern, rng) if business else None,
	)


def make_address(country: str, name: str, rng: random.Random, company: str | None) -> SimAddress:
	line1, city, region, postal = rng.choice(_ADDRESSES[country])
	return SimAddress(
		name=name,
		address_line1=line1,
		city=city,
		postal_code=postal,
		country_code=country,
		state_or_region=region,
		phone=_PHONES[country],
		company_name=company,
		address_type="COMMERCIAL" if company else "RESIDENTIAL",
	)


def _ship_fbm(order: SimOrder, rng: random.Random, at: datetime, partial: bool) -> None:
	"""Record a merchant shipment directly (generation time; no rule checks needed)."""
	carrier, method = rng.choice(_CARRIERS[order.address.country_code])
	lines: list[tuple[str, int]] = []
	for index, item in enumerate(order.items):
		quantity = item.quantity_unshipped
		if partial:
			if index > 0:
				break
			quantity = max(1, quantity - 1) if item.quantity > 1 else quantity
		if quantity:
			item.quantity_shipped += quantity
			lines.append((item.order_item_id, quantity))
	order.packages.append(
		SimPackage(
			package_reference_id=str(len(order.packages) + 1),
			carrier_code=carrier,
			carrier_name=carrier,
			tracking_number=_digits("1Z############", rng) if carrier == "UPS" else _digits("9400############", rng),
			ship_date=at,
			shipping_method=method,
			lines=lines,
		)
	)


def _ship_fba(order: SimOrder, rng: random.Random, at: datetime) -> None:
	lines = []
	for item in order.items:
		lines.append((item.order_item_id, item.quantity_unshipped))
		item.quantity_shipped += item.quantity_unshipped
	order.packages.append(
		SimPackage("1", "AMZN_" + order.address.country_code, "Amazon Logistics",
				   _digits("TBA############", rng), at, order.service_level, lines)
	)


def generate_order(
	rng: random.Random, marketplace_id: str, created: datetime, now: datetime, *, fba: bool,
	business: bool = False, replaced: SimOrder | None = None, namespace: int = 0,
) -> SimOrder:
	"""One order, fully priced, in its initial status (UNSHIPPED, or PENDING when very recent)."""
	profile = PROFILES[marketplace_id]
	market = profile.marketplace
	currency = market.currency
	country = market.country
	buyer = replaced.buyer if replaced else make_buyer(country, rng, business, profile.tax_id_format)
	address = replaced.address if replaced else make_address(country, buyer.name, rng, buyer.company_name)
	withheld = rng.random() < profile.withheld_share
	rate = tax_rate_for(marketplace_id, rng)
	line_count = 1 if replaced else rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
	skus = rng.sample([item.sku for item in CATALOGUE], line_count) if not replaced else [replaced.items[0].sku]
	prime = fba and rng.random() < 0.7
	items: list[SimItem] = []
	for index, sku in enumerate(skus):
		quantity = 1 if replaced else rng.choices((1, 2, 3, 5), weights=(70, 18, 8, 4))[0]
		if replaced:
			items.append(build_item(marketplace_id, sku, quantity, rng, tax_rate=rate, unit_price=ZERO,
									tax_withheld=withheld))
			continue
		unit_price = CATALOGUE_BY_SKU[sku].price(currency)
		if business:
			unit_price = q(unit_price * Decimal("0.95"), currency)  # business price
		shipping = ZERO
		shipping_discount = ZERO
		if index == 0 and not prime:
			shipping = profile.shipping_price
			if rng.random() < 0.25:
				shipping_discount = shipping  # "free shipping" promotion: charged, then discounted
		promotion = ZERO
		promotion_ids: list[str] = []
		if rng.random() < 0.15:
			promotion = q(unit_price * quantity * Decimal("0.10"), currency)
			promotion_ids.append(f"SIM-PROMO-{rng.randrange(100, 999)}")
		if shipping_discount:
			promotion_ids.append("SIM-FREESHIP")
		gift_wrap = profile.gift_wrap_price if rng.random() < 0.06 else ZERO
		items.append(
			build_item(
				marketplace_id, sku, quantity, rng, tax_rate=rate, unit_price=unit_price,
				shipping_price=shipping, shipping_discount=shipping_discount, gift_wrap_price=gift_wrap,
				promotion_discount=promotion, tax_withheld=withheld, promotion_ids=promotion_ids,
				gift_message="Happy birthday!" if gift_wrap else None,
			)
		)
	service_level = "Standard" if replaced else rng.choice(_SERVICE_LEVELS)
	order = SimOrder(
		order_id=new_order_id(marketplace_id, rng, namespace),
		marketplace_id=marketplace_id,
		currency=currency,
		created=created,
		last_updated=created,
		status="UNSHIPPED",
		fulfilled_by="AMAZON" if fba else "MERCHANT",
		items=items,
		buyer=buyer,
		address=address,
		is_business=business and not replaced,
		replaced_order_id=replaced.order_id if replaced else None,
		service_level=service_level,
		is_prime=prime,
		latest_ship_date=created + timedelta(days=2),
		latest_delivery_date=created + timedelta(days=5),
	)
	if profile.prices_include_tax:
		# Which shape the tax-inclusive order takes, drawn from its id (not from rng: the seeded data stay put), less
		# the last group, which the namespace moves.
		draw = int(hashlib.sha256(order.order_id.rsplit("-", 1)[0].encode()).hexdigest()[:8], 16) / 2**32
		for item in items:
			item.tax_breakdown = draw < profile.tax_breakdown_share
	# Payment authorisation takes a few minutes; orders younger than that are still PENDING.
	authorised = created + timedelta(minutes=rng.randint(2, 30))
	if authorised >= now:
		order.status = "PENDING"
	else:
		order.last_updated = authorised
	return order


def _advance_life(order: SimOrder, rng: random.Random, now: datetime) -> None:
	"""Move a generated order along its life according to its age."""
	if order.status == "PENDING":
		return
	age = now - order.created
	roll = rng.random()
	if roll < 0.04 and not order.replaced_order_id:
		cancelled = order.last_updated + timedelta(minutes=rng.randint(5, 120))
		if cancelled < now:
			for item in order.items:
				item.quantity_cancelled = item.quantity
			order.status = "CANCELLED"
			order.cancelled_at = cancelled
			order.cancelled_by = rng.choice(("BUYER", "MERCHANT", "AMAZON"))
			order.cancel_reason = {"BUYER": "Buyer cancelled", "MERCHANT": "Out of stock",
								   "AMAZON": "Payment failed"}[order.cancelled_by]
			order.last_updated = cancelled
		return
	if order.is_fba:
		if age > timedelta(hours=20) or (age > timedelta(hours=4) and roll < 0.5):
			shipped = order.created + timedelta(hours=rng.uniform(3, min(20, age.total_seconds() / 3600 - 0.2)))
			if order.last_updated < shipped < now:
				_ship_fba(order, rng, shipped)
				order.status = "SHIPPED"
				order.shipped_at = shipped
				order.last_updated = shipped
		return
	# FBM: mostly waiting for the seller; some older ones shipped already (fully or partially).
	if age > timedelta(hours=30) and roll < 0.30:
		shipped = order.created + timedelta(hours=rng.uniform(6, 28))
		if order.last_updated < shipped < now:
			partial = roll < 0.10 and (order.items[0].quantity > 1 or len(order.items) > 1)
			_ship_fbm(order, rng, shipped, partial)
			order.status = "PARTIALLY_SHIPPED" if any(item.quantity_unshipped for item in order.items) else "SHIPPED"
			if order.status == "SHIPPED":
				order.shipped_at = shipped
			order.last_updated = shipped


_MARKET_WEIGHTS = ((US, 34), (CA, 8), (UK, 18), (DE, 18), (FR, 12), (JP, 10))


def market_weights(marketplaces: Sequence[str] | None = None) -> tuple[tuple[str, int], ...]:
	"""The marketplaces orders are drawn from, with their weights (all by default)."""
	if not marketplaces:
		return _MARKET_WEIGHTS
	unknown = set(marketplaces) - {market for market, _ in _MARKET_WEIGHTS}
	if unknown:
		raise ValueError(f"the simulator sells on {', '.join(m for m, _ in _MARKET_WEIGHTS)}, not {', '.join(sorted(unknown))}")
	return tuple((market, weight) for market, weight in _MARKET_WEIGHTS if market in marketplaces)


def generate(
	state: SimulatorState, orders: int, seed: int, days: float = 4.0, marketplaces: Sequence[str] | None = None
) -> None:
	"""Fill `state` with marketplaces, the catalogue and `orders` orders spread over the last `days` days,
	drawn from `marketplaces` (default: every marketplace the simulator sells on)."""
	rng = random.Random(f"amazon-sim-{seed}")
	now = state.clock.now().replace(microsecond=0)
	with state.lock:
		state.marketplaces.update(MARKETPLACES)
		state.catalogue = list(CATALOGUE)
		namespace = state.namespace
		markets = [market for market, _ in market_weights(marketplaces)]
		weights = [weight for _, weight in market_weights(marketplaces)]
		span = days * 86400
		# Creation offsets sorted so insertion order equals creation order.
		offsets = sorted((rng.uniform(0, span) for _ in range(orders)), reverse=True)
		created_orders: list[SimOrder] = []
		for offset in offsets:
			created = now - timedelta(seconds=int(offset) + 60)
			marketplace_id = rng.choices(markets, weights)[0]
			fba = rng.random() < 0.45
			roll = rng.random()
			replaced = None
			if roll < 0.03:
				candidates = [o for o in created_orders if o.marketplace_id == marketplace_id
							  and o.status == "SHIPPED" and not o.replaced_order_id
							  and o.shipped_at is not None and o.shipped_at < created]
				replaced = rng.choice(candidates) if candidates else None
			business = replaced is None and marketplace_id != JP and rng.random() < 0.10
			order = generate_order(
				rng, marketplace_id, created, now, fba=fba, business=business, replaced=replaced, namespace=namespace
			)
			while order.order_id in state.orders:
				order.order_id = new_order_id(marketplace_id, rng, namespace)
			_advance_life(order, rng, now)
			state.orders[order.order_id] = order
			created_orders.append(order)
		_ensure_variety(created_orders, rng, now)


def _ensure_variety(orders: list[SimOrder], rng: random.Random, now: datetime) -> None:
	"""Small data sets still get a few PENDING and CANCELLED orders (deterministic: newest first)."""
	if len(orders) < 8:
		return
	wanted_pending = max(2, len(orders) // 60)
	wanted_cancelled = max(2, len(orders) // 50)
	plain = [o for o in reversed(orders) if o.status == "UNSHIPPED" and not o.replaced_order_id]
	pending = sum(1 for o in orders if o.status == "PENDING")
	for order in plain:
		if pending >= wanted_pending:
			break
		order.status = "PENDING"
		order.last_updated = order.created
		pending += 1
	cancelled = sum(1 for o in orders if o.status == "CANCELLED")
	for order in (o for o in orders if o.status == "UNSHIPPED" and not o.replaced_order_id):
		if cancelled >= wanted_cancelled:
			break
		at = order.last_updated + timedelta(minutes=rng.randint(5, 60))
		if at >= now:
			continue
		for item in order.items:
			item.quantity_cancelled = item.quantity
		order.status = "CANCELLED"
		order.cancelled_at = at
		order.cancelled_by = "BUYER"
		order.cancel_reason = "Buyer cancelled"
		order.last_updated = at
		cancelled += 1


class Life:
	"""Opt-in background life on the simulated clock (Simulator(life=True), --life on the command line).

	On every SP-API request (`tick`): new orders arrive (Poisson, `orders_per_hour` simulated), PENDING orders
	are released 10-30 minutes after creation, FBA orders are shipped by Amazon 4-20 hours after creation.
	Changes are stamped with the tick's time (never in the past), so lastUpdatedAfter watermarks miss nothing.
	"""

	def __init__(self, seed: int, orders_per_hour: float = 6.0, marketplaces: Sequence[str] | None = None) -> None:
		self.rng = random.Random(f"amazon-sim-life-{seed}")
		self.orders_per_hour = orders_per_hour
		self.marketplaces = marketplaces
		self.next_arrival: datetime | None = None
		self.release_after: dict[str, datetime] = {}
		self.ship_after: dict[str, datetime] = {}

	def _schedule(self, order: SimOrder) -> None:
		if order.status == "PENDING" and order.order_id not in self.release_after:
			self.release_after[order.order_id] = order.created + timedelta(minutes=self.rng.randint(10, 30))
		if order.is_fba and order.status in ("PENDING", "UNSHIPPED") and order.order_id not in self.ship_after:
			self.ship_after[order.order_id] = order.created + timedelta(hours=self.rng.uniform(4, 20))

	def tick(self, state: SimulatorState) -> None:
		with state.lock:
			now = state.clock.now()
			if self.next_arrival is None:
				self.next_arrival = now + self._gap()
			while self.orders_per_hour > 0 and self.next_arrival <= now:
				created = self.next_arrival
				weighted = market_weights(self.marketplaces)
				market = self.rng.choices([m for m, _ in weighted], [w for _, w in weighted])[0]
				order = generate_order(self.rng, market, created, now + timedelta(days=1), fba=self.rng.random() < 0.45,
									   business=market != JP and self.rng.random() < 0.1, namespace=state.namespace)
				order.status, order.last_updated = "PENDING", created
				while order.order_id in state.orders:
					order.order_id = new_order_id(market, self.rng, state.namespace)
				self.next_arrival = created + self._gap()
				if not order.is_fba and take_fbm(state, [(item.sku, item.quantity) for item in order.items]):
					continue  # out of stock for merchant fulfilment: the buyer cannot order it
				state.orders[order.order_id] = order
			for order in state.orders.values():
				self._schedule(order)
			for order_id, due in list(self.release_after.items()):
				order = state.orders.get(order_id)
				if order is None or order.status != "PENDING":
					del self.release_after[order_id]
				elif due <= now:
					state.release_pending(order_id)
					del self.release_after[order_id]
			for order_id, due in list(self.ship_after.items()):
				order = state.orders.get(order_id)
				if order is None or order.status not in ("PENDING", "UNSHIPPED"):
					del self.ship_after[order_id]
				elif due <= now and order.status == "UNSHIPPED":
					state.ship_fba(order_id)
					del self.ship_after[order_id]

	def _gap(self) -> timedelta:
		if self.orders_per_hour <= 0:
			return timedelta(days=3650)
		return timedelta(seconds=self.rng.expovariate(self.orders_per_hour / 3600))
