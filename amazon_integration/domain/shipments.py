"""Merchant-fulfilled (FBM) shipments back to Amazon: what a submitted Delivery Note tells Amazon, and what came of it.

Pure decisions: the ERPNext adapter reads the Delivery Note, calls `AmazonClient.confirm_shipment` and stores the
outcome. Nothing here reads a database or calls Amazon.

Why one Orders v0 `confirmShipment` per Delivery Note rather than one POST_ORDER_FULFILLMENT_DATA feed per account
per run:
- the answer is synchronous and per package: Amazon's own error text lands on the exact Delivery Note, with no
  processing report to poll, download and match back to notes by MessageID;
- Amazon offers confirmShipment as the API successor of the fulfilment feed; each partial shipment is its own
  package with its own packageReferenceId, items and quantities;
- its usage plan (rate 2/s, burst 10) is ample for merchant volumes, and the gateway paces it;
- the one unclear outcome, a 5xx or timeout after the gateway's retries (Amazon may or may not have applied it),
  is resolved by reading the order back (`shipped_on_amazon`).

Carrier codes (fixtures/amazon_carrier.json): the CarrierCode enumeration of amzn-base.xsd, plus codes Amazon
accepts today as stated in:
- https://sellercentral.amazon.sg/gp/help/external/641 (Shipping Confirmation Template, SG)
- https://sellercentral.amazon.com.au/gp/help/external/641 (Shipping Confirmation Template, AU)
- https://support.getdropstream.com/hc/en-us/articles/12209043626003 (Amazon's accepted carrier names, from the
  amzn-base.xsd of Jan. 2026)
- https://intercom.help/mintsoft/en/articles/11705126-amazon-valid-tracking-rate-vtr (names Amazon accepts)
A carrier Amazon does not list is sent as code "Other" with its name, which Amazon then requires:
https://developer-docs.amazon.com/sp-api/changelog/carriercode-value-required-in-shipment-confirmations-for-br-mx-ca-sg-au-in-jp-marketplaces
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum

from amazon_integration.amazon.errors import (
	AmazonError,
	AmazonUnavailableError,
	AuthError,
	InvalidInputError,
	NotFoundError,
	OutOfTimeError,
	ThrottledError,
)
from amazon_integration.amazon.orders import Order
from amazon_integration.amazon.shipments import ShipmentConfirmation
from amazon_integration.domain.text import Text, msg

OTHER = "Other"
SELF_DELIVERY = "Self Delivery"
# Amazon's limit for a carrier name (CarrierName is a 50-character String in amzn-base.xsd; the Shipping
# Confirmation Template says "1 to 50 characters").
CARRIER_NAME_MAX = 50


class ShipmentError(ValueError):
	"""A Delivery Note that cannot be confirmed to Amazon; the message says what to fix (no buyer data in it)."""


# --- carriers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Carrier:
	"""A carrier Amazon knows: its CarrierCode and the name shown to users."""

	code: str
	name: str


@dataclass(frozen=True)
class CarrierChoice:
	"""What confirmShipment gets: carrierCode, and carrierName when the code is "Other"."""

	code: str
	name: str | None = None


def carrier_key(text: str) -> str:
	"""The form carriers are compared in: case, accents, spaces and punctuation ignored ("DHL-Paket" == "dhl paket")."""
	decomposed = unicodedata.normalize("NFKD", text or "")
	return "".join(c for c in decomposed.casefold() if c.isalnum() and not unicodedata.combining(c))


def match_carrier(text: str, carriers: Iterable[Carrier]) -> CarrierChoice:
	"""Amazon's carrier for what the user picked or typed.

	Tried in order: the exact code, the exact name, then code and name compared by `carrier_key`; the first
	carrier found wins. "Self Delivery" (any case) is code "Other" named "Self Delivery" (still with a tracking
	reference). Anything else is an unlisted carrier: code "Other" with the typed name. "Other" alone names no
	carrier, so it is refused.
	"""
	typed = " ".join((text or "").split())
	if not typed:
		raise ShipmentError(msg("The shipment needs a carrier: pick one or type the carrier's name"))
	key = carrier_key(typed)
	if not key:
		raise ShipmentError(msg("{0} is not a carrier name", repr(typed)))
	if key == carrier_key(SELF_DELIVERY):
		return CarrierChoice(OTHER, SELF_DELIVERY)
	if key == carrier_key(OTHER):
		raise ShipmentError(msg('The carrier "Other" needs a name: type the name of the carrier instead'))
	known = list(carriers)
	for matches in (
		(c for c in known if c.code == typed),
		(c for c in known if c.name == typed),
		(c for c in known if carrier_key(c.code) == key),
		(c for c in known if carrier_key(c.name) == key),
	):
		found = next(matches, None)
		if found is not None:
			return CarrierChoice(found.code)
	if len(typed) > CARRIER_NAME_MAX:
		raise ShipmentError(
			msg(
				"The carrier name {0}... is longer than the {1} characters Amazon accepts",
				repr(typed[:CARRIER_NAME_MAX]),
				CARRIER_NAME_MAX,
			)
		)
	return CarrierChoice(OTHER, typed)


# --- the shipment ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShipmentLine:
	amazon_order_item_id: str
	quantity: int


@dataclass(frozen=True)
class Shipment:
	"""One Delivery Note as one Amazon package."""

	delivery_note: str
	amazon_order_id: str
	marketplace_id: str
	package_reference_id: str
	carrier: CarrierChoice
	tracking_number: str
	ship_date: datetime
	lines: tuple[ShipmentLine, ...]
	shipping_method: str | None = None


def package_reference_id(sequence: int) -> str:
	"""Amazon's packageReferenceId: a positive number unique within the order. The adapter passes the shipment's
	sequence within its order (1 for the first Delivery Note confirmed, 2 for the next...); a number once sent
	stays taken, so cancelled notes keep counting."""
	if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
		raise ValueError(f"a package sequence is a positive integer, not {sequence!r}")
	return str(sequence)


def plan_shipment(
	delivery_note: str,
	amazon_order_id: str,
	marketplace_id: str,
	package_reference_id: str,
	carrier: CarrierChoice,
	tracking_number: str,
	ship_date: datetime,
	rows: Iterable[tuple[str | None, float]],
	shipping_method: str | None = None,
) -> Shipment:
	"""The package a Delivery Note becomes.

	rows: (amazon_order_item_id, qty) of the note's item rows. Rows without an order item id are charges
	(shipping, gift wrap, promotions) and are skipped; the two rows of a split line total share an order item id
	and are summed. ship_date must be timezone-aware.
	"""
	if not amazon_order_id:
		raise ShipmentError(msg("Delivery Note {0} is not linked to an Amazon order", delivery_note))
	if not str(package_reference_id).isdigit() or int(package_reference_id) <= 0:
		raise ValueError(f"packageReferenceId must be a positive number, not {package_reference_id!r}")
	if ship_date.tzinfo is None:
		raise ValueError("ship_date must be timezone-aware")
	tracking = (tracking_number or "").strip()
	if not tracking:
		raise ShipmentError(msg("Delivery Note {0} needs a tracking number: Amazon requires one", delivery_note))
	quantities: dict[str, int] = {}
	for item_id, qty in rows:
		if not item_id:
			continue
		units = _whole(qty)
		if units is None or units <= 0:
			raise ShipmentError(
				msg(
					"Delivery Note {0} ships {1} of Amazon order item {2}: Amazon takes whole positive quantities only",
					delivery_note,
					qty,
					item_id,
				)
			)
		quantities[item_id] = quantities.get(item_id, 0) + units
	if not quantities:
		raise ShipmentError(msg("Delivery Note {0} ships no item of Amazon order {1}", delivery_note, amazon_order_id))
	return Shipment(
		delivery_note=delivery_note,
		amazon_order_id=amazon_order_id,
		marketplace_id=marketplace_id,
		package_reference_id=str(package_reference_id),
		carrier=carrier,
		tracking_number=tracking,
		ship_date=ship_date,
		lines=tuple(ShipmentLine(item_id, units) for item_id, units in quantities.items()),
		shipping_method=(shipping_method or "").strip() or None,
	)


def _whole(qty: object) -> int | None:
	if isinstance(qty, bool):
		return None
	try:
		value = Decimal(str(qty))
	except (InvalidOperation, ValueError):
		return None
	if not value.is_finite() or value != value.to_integral_value():
		return None
	return int(value)


def to_confirmation(shipment: Shipment) -> ShipmentConfirmation:
	"""The gateway's confirmShipment package for a shipment."""
	return ShipmentConfirmation(
		package_reference_id=shipment.package_reference_id,
		carrier_code=shipment.carrier.code,
		carrier_name=shipment.carrier.name,
		tracking_number=shipment.tracking_number,
		ship_date=shipment.ship_date,
		items=tuple((line.amazon_order_item_id, line.quantity) for line in shipment.lines),
		shipping_method=shipment.shipping_method,
	)


# --- outcomes ----------------------------------------------------------------------------------------------


class Outcome(str, Enum):
	SYNCHRONIZED = "Synchronized"  # Amazon recorded the shipment
	FAILED = "Failed"  # Amazon rejected this shipment: a person must fix it
	UNKNOWN = "Unknown"  # Amazon may or may not have recorded it: read the order back (shipped_on_amazon)
	RETRY_LATER = "Retry Later"  # not the shipment's fault (throttled, credentials): send it again later


# An error text saying the units are shipped already: after a retried request, the first attempt may be why.
_ALREADY_SHIPPED = re.compile(
	r"already|exceed|(greater|more) than[^.]*(quantity|unshipped|ordered)|over[- ]?ship|duplicate|unshipped quantity",
	re.IGNORECASE,
)


def classify(error: AmazonError | None) -> tuple[Outcome, str]:
	"""What a confirmShipment answer means for the Delivery Note, and a message for the user.

	- no error: SYNCHRONIZED.
	- 400-class (InvalidInputError) and 404 (NotFoundError): Amazon rejected this shipment -> FAILED with Amazon's
	  words; except a 400 saying the units are already shipped / over-shipped after a retried request
	  (error.attempts > 1): the first attempt may have landed -> UNKNOWN.
	- ThrottledError (429, retries spent) -> RETRY_LATER; OutOfTimeError (not sent: the job's time ran out) too.
	- AuthError (401/403, LWA failure): the account's credentials, not the shipment -> RETRY_LATER.
	- AmazonUnavailableError (5xx, timeout, truncated answer) -> UNKNOWN.
	- any other AmazonError: another 4xx is a rejection (FAILED); without a 4xx status it is UNKNOWN.
	"""
	if error is None:
		return Outcome.SYNCHRONIZED, msg("Amazon recorded the shipment.")
	text = _amazon_text(error)
	if isinstance(error, ThrottledError):
		return Outcome.RETRY_LATER, msg("Amazon throttled the request; it is sent again on a later run. ({0})", text)
	if isinstance(error, OutOfTimeError):
		return Outcome.RETRY_LATER, msg("Not sent: the run's time ran out first; it is sent on a later run. ({0})", text)
	if isinstance(error, AuthError):
		return Outcome.RETRY_LATER, msg(
			"Amazon refused the Amazon Account's credentials, so the shipment was not sent; it is sent again once "
			"the account's connection works (check the Amazon Account). ({0})",
			text,
		)
	if isinstance(error, AmazonUnavailableError):
		return Outcome.UNKNOWN, msg(
			"Amazon did not answer clearly, so it may or may not have recorded the shipment; the order is read "
			"back to find out. ({0})",
			text,
		)
	if isinstance(error, InvalidInputError) and error.attempts > 1 and _ALREADY_SHIPPED.search(text):
		return Outcome.UNKNOWN, msg(
			"Amazon says the units are already shipped, after a retried request whose first attempt may have "
			"landed; the order is read back to find out. ({0})",
			text,
		)
	if isinstance(error, (InvalidInputError, NotFoundError)):
		return Outcome.FAILED, text
	if error.status is not None and 400 <= error.status < 500:
		return Outcome.FAILED, text
	return Outcome.UNKNOWN, msg("Amazon's answer was unclear; the order is read back to find out. ({0})", text)


def _amazon_text(error: AmazonError) -> str:
	"""Amazon's own words (message, details) and the request id to quote to Amazon support."""
	# The gateway's own message (a msg() text) is kept as it is, so it can still be translated.
	text = error.message if isinstance(error.message, Text) else (error.message or "").strip() or type(error).__name__
	if error.details and error.details not in text:
		text = msg("{0} {1}", text, error.details.strip())
	if error.request_id:
		text = msg("{0} [Amazon request id {1}]", text, error.request_id)
	return text


def shipped_on_amazon(order: Order, shipment: Shipment) -> bool:
	"""Whether Amazon's view of the order (getOrder with PACKAGES and FULFILLMENT) shows this shipment recorded:
	the check behind an UNKNOWN outcome. False means "not proven": the adapter may send the shipment again.

	1. Amazon lists packages: True only when one of them is this shipment: it carries this packageReferenceId or
	   this tracking number (spaces and case ignored), and its items, when Amazon lists them, are exactly this
	   shipment's lines. The items check keeps another Delivery Note packed in the same parcel (same tracking
	   number) or a package confirmed in Seller Central that happens to reuse the number from counting as this
	   one. Packages listed but none matching: False, whatever the quantities say (the units went in other
	   packages).
	2. Amazon lists no package: quantities only count when they cannot be another shipment's: True when every
	   item of this shipment is fully shipped on Amazon (nothing left that this shipment could still confirm).
	   An item only partly shipped proves nothing, since those units may be another Delivery Note's or a
	   Seller Central confirmation's; it is False, as is an order read without FULFILLMENT.
	"""
	wanted = {line.amazon_order_item_id: line.quantity for line in shipment.lines}
	if order.packages:
		tracking = _tracking_key(shipment.tracking_number)
		for package in order.packages:
			same_reference = package.package_reference_id == shipment.package_reference_id
			same_tracking = bool(tracking) and _tracking_key(package.tracking_number) == tracking
			if not (same_reference or same_tracking):
				continue
			if not package.items or _package_items(package.items) == wanted:
				return True
		return False
	items = {item.order_item_id: item for item in order.items}
	for item_id in wanted:
		item = items.get(item_id)
		if item is None or item.quantity_shipped is None:
			return False
		unshipped = item.quantity_unshipped
		if unshipped is None:
			unshipped = item.quantity - item.quantity_shipped
		if unshipped > 0:
			return False
	return True


def _tracking_key(value: str | None) -> str:
	return "".join((value or "").split()).casefold()


def _package_items(items: Iterable[tuple[str, int]]) -> dict[str, int]:
	summed: dict[str, int] = {}
	for item_id, quantity in items:
		summed[item_id] = summed.get(item_id, 0) + quantity
	return summed


# --- the run's failure e-mail ------------------------------------------------------------------------------


def failure_summary(
	account: str, failures: Iterable[tuple[str, str, str]], translate: Callable[[str], str] = str
) -> tuple[str, str]:
	"""(subject, HTML body) of the one e-mail per run listing every shipment Amazon rejected.

	failures: (Delivery Note, Amazon order id, Amazon's error). Everything is HTML-escaped; the subject is one
	plain line. Nothing about the buyer is included beyond the order id. translate: the adapter passes Frappe's
	`_` so the mail speaks the site's language; this layer stays frappe-free.
	"""
	_ = translate
	rows = list(failures)
	name = " ".join((account or "").split())
	count = len(rows)
	subject = (
		_("Amazon rejected {0} shipment of Amazon Account {1}")
		if count == 1
		else _("Amazon rejected {0} shipments of Amazon Account {1}")
	).format(count, name)
	cells = "".join(
		"<tr>"
		+ "".join(f"<td>{html.escape(str(value or ''))}</td>" for value in (note, order_id, message))
		+ "</tr>"
		for note, order_id, message in rows
	)
	headers = "".join(f"<th>{html.escape(label)}</th>" for label in (_("Delivery Note"), _("Amazon Order"), _("Amazon's error")))
	intro = _(
		"Amazon did not accept these Delivery Notes of Amazon Account {0} as shipments. Fix each one (carrier,"
		" tracking number, items) and send it again."
	).format(f"<b>{html.escape(name)}</b>")
	body = f"<p>{intro}</p>" '<table border="1" cellpadding="4" cellspacing="0">' f"<tr>{headers}</tr>{cells}</table>"
	return subject, body
