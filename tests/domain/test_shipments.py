"""FBM shipments back to Amazon: carrier matching, the package a Delivery Note becomes, outcomes, read-back, e-mail."""

from datetime import datetime, timedelta, timezone

import pytest

from amazon_integration.amazon.errors import (
	AmazonError,
	AmazonUnavailableError,
	AuthError,
	InvalidInputError,
	NotFoundError,
	ThrottledError,
)
from amazon_integration.amazon.orders import Order, OrderItem, Package
from amazon_integration.amazon.shipments import ShipmentConfirmation
from amazon_integration.domain.shipments import (
	OTHER,
	SELF_DELIVERY,
	Carrier,
	CarrierChoice,
	Outcome,
	Shipment,
	ShipmentError,
	ShipmentLine,
	carrier_key,
	classify,
	failure_summary,
	match_carrier,
	package_reference_id,
	plan_shipment,
	shipped_on_amazon,
	to_confirmation,
)

US = "ATVPDKIKX0DER"
ORDER_ID = "111-1111111-1111111"
SHIPPED = datetime(2026, 11, 21, 15, 30, tzinfo=timezone.utc)
CARRIERS = (
	Carrier("USPS", "USPS"),
	Carrier("UPS", "UPS"),
	Carrier("UPS Mail Innovations", "UPS Mail Innovations"),
	Carrier("DHL", "DHL"),
	Carrier("DHL Express", "DHL Express"),
	Carrier("DHL-Paket", "DHL-Paket"),
	Carrier("Royal Mail", "Royal Mail"),
	Carrier("AMZL", "Amazon Logistics"),
	Carrier("Colis Prive", "Colis Prive"),
	Carrier("GO!", "GO!"),
	Carrier("Other", "Other"),
)


# --- carriers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
	("typed", "code"),
	[
		("USPS", "USPS"),
		("usps", "USPS"),
		("  UPS ", "UPS"),
		("dhl express", "DHL Express"),
		("DHL  EXPRESS", "DHL Express"),
		("DHL-Express", "DHL Express"),
		("dhl paket", "DHL-Paket"),
		("DHL", "DHL"),
		("royal mail", "Royal Mail"),
		("RoyalMail", "Royal Mail"),
		("Amazon Logistics", "AMZL"),  # by display name
		("amzl", "AMZL"),
		("Colis Privé", "Colis Prive"),  # accents ignored
		("go", "GO!"),
		("UPS Mail Innovations", "UPS Mail Innovations"),
	],
)
def test_match_carrier_by_code_or_name_ignoring_case_spaces_punctuation(typed, code):
	assert match_carrier(typed, CARRIERS) == CarrierChoice(code, None)


def test_exact_match_wins_over_a_looser_one():
	carriers = (Carrier("Fercam", "Fercam"), Carrier("FERCAM", "FERCAM"))
	assert match_carrier("FERCAM", carriers).code == "FERCAM"
	assert match_carrier("Fercam", carriers).code == "Fercam"
	assert match_carrier("fercam", carriers).code == "Fercam"  # first in order when only the loose form matches


def test_code_match_wins_over_name_match():
	carriers = (Carrier("X1", "Speedy"), Carrier("Speedy", "Speedy Couriers"))
	assert match_carrier("speedy", carriers).code == "Speedy"


def test_unknown_carrier_is_other_with_the_typed_name():
	assert match_carrier("  Joe's   Courier ", CARRIERS) == CarrierChoice(OTHER, "Joe's Courier")
	assert match_carrier("DHL Freight", CARRIERS) == CarrierChoice(OTHER, "DHL Freight")
	assert match_carrier("Local Courier", []) == CarrierChoice(OTHER, "Local Courier")


@pytest.mark.parametrize("typed", ["Self Delivery", "self delivery", "SELF-DELIVERY", "selfdelivery"])
def test_self_delivery_is_other_named_self_delivery(typed):
	assert match_carrier(typed, CARRIERS) == CarrierChoice(OTHER, SELF_DELIVERY)


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_no_carrier_is_an_error(typed):
	with pytest.raises(ShipmentError, match="needs a carrier"):
		match_carrier(typed, CARRIERS)


def test_punctuation_alone_is_not_a_carrier():
	with pytest.raises(ShipmentError, match="not a carrier name"):
		match_carrier("--", CARRIERS)


@pytest.mark.parametrize("typed", ["Other", "other", " OTHER "])
def test_other_alone_names_no_carrier(typed):
	with pytest.raises(ShipmentError, match='"Other" needs a name'):
		match_carrier(typed, CARRIERS)


def test_unlisted_carrier_name_longer_than_amazon_accepts():
	assert match_carrier("x" * 50, CARRIERS) == CarrierChoice(OTHER, "x" * 50)
	with pytest.raises(ShipmentError, match="50 characters"):
		match_carrier("x" * 51, CARRIERS)


def test_carrier_key():
	assert carrier_key("DHL-Paket") == carrier_key("dhl paket") == "dhlpaket"
	assert carrier_key("Colis Privé") == "colisprive"
	assert carrier_key("AFL/Fedex") == "aflfedex"


# --- planning ----------------------------------------------------------------------------------------------


def plan(rows, **kw):
	values = dict(
		delivery_note="MAT-DN-2026-00001",
		amazon_order_id=ORDER_ID,
		marketplace_id=US,
		package_reference_id="1",
		carrier=CarrierChoice("UPS"),
		tracking_number="1Z999AA10123456784",
		ship_date=SHIPPED,
		rows=rows,
	)
	values.update(kw)
	return plan_shipment(**values)


def test_plan_sums_split_rows_and_skips_charges():
	shipment = plan([
		("11111111111111", 2.0),  # split line: 2 x 3.33 ...
		("11111111111111", 1),  # ... and 1 x 3.34, same order item
		(None, 1),  # shipping row
		("", 1),  # gift wrap row
		("22222222222222", 1.0),
	], shipping_method=" Ground ")
	assert shipment == Shipment(
		delivery_note="MAT-DN-2026-00001",
		amazon_order_id=ORDER_ID,
		marketplace_id=US,
		package_reference_id="1",
		carrier=CarrierChoice("UPS"),
		tracking_number="1Z999AA10123456784",
		ship_date=SHIPPED,
		lines=(ShipmentLine("11111111111111", 3), ShipmentLine("22222222222222", 1)),
		shipping_method="Ground",
	)


def test_plan_strips_the_tracking_number_and_blank_shipping_method():
	shipment = plan([("11111111111111", 1)], tracking_number="  TRACK-1 \n", shipping_method="  ")
	assert shipment.tracking_number == "TRACK-1" and shipment.shipping_method is None


@pytest.mark.parametrize("tracking", ["", "   ", None])
def test_plan_requires_a_tracking_number(tracking):
	with pytest.raises(ShipmentError, match="MAT-DN-2026-00001 needs a tracking number"):
		plan([("11111111111111", 1)], tracking_number=tracking)


@pytest.mark.parametrize("qty", [1.5, 0, -1, 0.0, "abc", float("nan"), True])
def test_plan_refuses_quantities_that_are_not_whole_and_positive(qty):
	with pytest.raises(ShipmentError, match="order item 11111111111111") as caught:
		plan([("22222222222222", 1), ("11111111111111", qty)])
	assert "whole positive" in str(caught.value)


def test_plan_refuses_a_note_without_amazon_items():
	with pytest.raises(ShipmentError, match="ships no item of Amazon order"):
		plan([(None, 1), ("", 2)])
	with pytest.raises(ShipmentError, match="ships no item"):
		plan([])


def test_plan_requires_an_order_a_positive_reference_and_an_aware_date():
	with pytest.raises(ShipmentError, match="not linked to an Amazon order"):
		plan([("11111111111111", 1)], amazon_order_id="")
	with pytest.raises(ValueError, match="positive number"):
		plan([("11111111111111", 1)], package_reference_id="0")
	with pytest.raises(ValueError, match="positive number"):
		plan([("11111111111111", 1)], package_reference_id="PKG-1")
	with pytest.raises(ValueError, match="timezone-aware"):
		plan([("11111111111111", 1)], ship_date=datetime(2026, 11, 21, 15, 30))


def test_package_reference_id_is_the_sequence():
	assert [package_reference_id(n) for n in (1, 2, 10)] == ["1", "2", "10"]
	for bad in (0, -1, True, "1", 1.0):
		with pytest.raises(ValueError):
			package_reference_id(bad)


def test_to_confirmation_builds_the_gateway_package():
	shipment = plan([("11111111111111", 2), ("22222222222222", 1)], shipping_method="Ground")
	confirmation = to_confirmation(shipment)
	assert confirmation == ShipmentConfirmation(
		package_reference_id="1",
		carrier_code="UPS",
		tracking_number="1Z999AA10123456784",
		ship_date=SHIPPED,
		items=(("11111111111111", 2), ("22222222222222", 1)),
		carrier_name=None,
		shipping_method="Ground",
	)
	assert confirmation.to_api(US) == {
		"marketplaceId": US,
		"packageDetail": {
			"packageReferenceId": "1",
			"carrierCode": "UPS",
			"trackingNumber": "1Z999AA10123456784",
			"shipDate": "2026-11-21T15:30:00Z",
			"orderItems": [
				{"orderItemId": "11111111111111", "quantity": 2},
				{"orderItemId": "22222222222222", "quantity": 1},
			],
			"shippingMethod": "Ground",
		},
	}


def test_to_confirmation_carries_the_name_of_other_carriers():
	shipment = plan([("11111111111111", 1)], carrier=CarrierChoice(OTHER, SELF_DELIVERY), tracking_number="VAN-7")
	detail = to_confirmation(shipment).to_api(US)["packageDetail"]
	assert detail["carrierCode"] == "Other" and detail["carrierName"] == "Self Delivery"


# --- outcomes ----------------------------------------------------------------------------------------------


def error(cls, message="Amazon says no.", attempts=1, **kw):
	failure = cls(message, operation="confirmShipment", request_id="req-123", **kw)
	failure.attempts = attempts
	return failure


def test_classify_success():
	assert classify(None)[0] is Outcome.SYNCHRONIZED


@pytest.mark.parametrize("status", [400, 422])
def test_classify_invalid_input_fails_with_amazons_words(status):
	outcome, message = classify(error(InvalidInputError, "Invalid tracking number for carrier UPS.", status=status,
									  code="InvalidInput", details="trackingNumber"))
	assert outcome is Outcome.FAILED
	assert message == "Invalid tracking number for carrier UPS. trackingNumber [Amazon request id req-123]"


def test_classify_not_found_fails():
	outcome, message = classify(error(NotFoundError, f"Order {ORDER_ID} was not found.", status=404))
	assert outcome is Outcome.FAILED and ORDER_ID in message


def test_classify_throttled_and_auth_retry_later():
	outcome, message = classify(error(ThrottledError, "You exceeded your quota.", status=429))
	assert outcome is Outcome.RETRY_LATER and "throttled" in message and "You exceeded your quota." in message
	outcome, message = classify(error(AuthError, "Access to requested resource is denied.", status=403))
	assert outcome is Outcome.RETRY_LATER
	assert "credentials" in message and "Access to requested resource is denied." in message


def test_classify_unavailable_is_unknown():
	outcome, message = classify(error(AmazonUnavailableError, "InternalFailure", status=500, attempts=4))
	assert outcome is Outcome.UNKNOWN and "may or may not" in message
	assert classify(error(AmazonUnavailableError, "Read timed out."))[0] is Outcome.UNKNOWN


@pytest.mark.parametrize(
	"text",
	[
		"quantity 2 for orderItemId 11111111111111 exceeds the unshipped quantity 0.",
		"The order item has already been shipped.",
		"Quantity is greater than the unshipped quantity.",
		"Duplicate packageReferenceId 1 for the order.",
	],
)
def test_classify_already_shipped_after_a_retry_is_unknown(text):
	assert classify(error(InvalidInputError, text, status=400, attempts=2))[0] is Outcome.UNKNOWN
	# The same answer to the first and only attempt is Amazon rejecting this shipment.
	assert classify(error(InvalidInputError, text, status=400, attempts=1))[0] is Outcome.FAILED


def test_classify_other_rejection_after_a_retry_still_fails():
	outcome, _ = classify(error(InvalidInputError, "Invalid tracking number.", status=400, attempts=3))
	assert outcome is Outcome.FAILED
	assert classify(error(NotFoundError, "Order was not found.", status=404, attempts=2))[0] is Outcome.FAILED


def test_classify_other_errors_by_status():
	assert classify(error(AmazonError, "Gone.", status=410))[0] is Outcome.FAILED
	assert classify(error(AmazonError, "Odd answer."))[0] is Outcome.UNKNOWN


# --- read-back ---------------------------------------------------------------------------------------------


def line_item(item_id, quantity, shipped=None, unshipped=None):
	return OrderItem(order_item_id=item_id, sku="SKU", asin=None, title="Mug", quantity=quantity,
					 quantity_shipped=shipped, quantity_unshipped=unshipped)


def amazon_order(items, packages=()):
	return Order(order_id=ORDER_ID, marketplace_id=US, created=SHIPPED - timedelta(days=1), last_updated=SHIPPED,
				 status="PARTIALLY_SHIPPED", fulfilled_by="MERCHANT", items=tuple(items), packages=tuple(packages))


def package(reference, tracking, items):
	return Package(package_reference_id=reference, carrier="UPS", tracking_number=tracking, items=tuple(items))


SHIPMENT = Shipment(
	delivery_note="MAT-DN-2026-00002",
	amazon_order_id=ORDER_ID,
	marketplace_id=US,
	package_reference_id="2",
	carrier=CarrierChoice("UPS"),
	tracking_number="1Z 999 AA1 0123456784",
	ship_date=SHIPPED,
	lines=(ShipmentLine("A", 1), ShipmentLine("B", 2)),
)
ITEMS_HALF = (line_item("A", 2, shipped=1, unshipped=1), line_item("B", 2, shipped=2, unshipped=0))


def test_package_with_this_reference_is_this_shipment():
	order = amazon_order(ITEMS_HALF, [package("1", "OTHER-1", [("A", 1)]), package("2", "X", [("B", 2), ("A", 1)])])
	assert shipped_on_amazon(order, SHIPMENT)


def test_package_with_this_tracking_number_is_this_shipment():
	order = amazon_order(ITEMS_HALF, [package("7", "1z999aa10123456784", [("A", 1), ("B", 2)])])
	assert shipped_on_amazon(order, SHIPMENT)


def test_package_without_item_list_matches_by_reference_or_tracking():
	assert shipped_on_amazon(amazon_order(ITEMS_HALF, [package("2", None, [])]), SHIPMENT)


def test_package_with_the_same_tracking_but_other_items_is_another_shipment():
	# Another Delivery Note packed in the same parcel: same tracking number, its own items.
	order = amazon_order(ITEMS_HALF, [package("1", "1Z999AA10123456784", [("B", 2)])])
	assert not shipped_on_amazon(order, SHIPMENT)
	# A Seller Central package that happens to reuse the reference number, with other items.
	order = amazon_order(ITEMS_HALF, [package("2", "SC-1", [("A", 1)])])
	assert not shipped_on_amazon(order, SHIPMENT)


def test_packages_listed_but_none_matching_is_not_shipped_even_if_quantities_cover_it():
	items = (line_item("A", 1, shipped=1, unshipped=0), line_item("B", 2, shipped=2, unshipped=0))
	order = amazon_order(items, [package("1", "SC-TRACK", [("A", 1), ("B", 2)])])
	assert not shipped_on_amazon(order, SHIPMENT)


def test_without_packages_fully_shipped_items_count():
	items = (line_item("A", 1, shipped=1, unshipped=0), line_item("B", 2, shipped=2, unshipped=0))
	assert shipped_on_amazon(amazon_order(items), SHIPMENT)
	# quantity_unshipped absent: derived from quantity - shipped
	items = (line_item("A", 1, shipped=1), line_item("B", 2, shipped=2))
	assert shipped_on_amazon(amazon_order(items), SHIPMENT)


def test_without_packages_partly_shipped_items_prove_nothing():
	# A has 1 of 2 shipped: that unit may be another Delivery Note's, so this one is not proven.
	assert not shipped_on_amazon(amazon_order(ITEMS_HALF), SHIPMENT)


def test_without_packages_or_fulfillment_data_nothing_is_proven():
	items = (line_item("A", 1), line_item("B", 2))
	assert not shipped_on_amazon(amazon_order(items), SHIPMENT)
	assert not shipped_on_amazon(amazon_order([line_item("B", 2, shipped=2, unshipped=0)]), SHIPMENT)


# --- e-mail ------------------------------------------------------------------------------------------------


def test_failure_summary_lists_every_failure_escaped():
	subject, body = failure_summary("Shop <EU>\r\nBcc: x@example.com", [
		("MAT-DN-0001", ORDER_ID, "Invalid tracking number <script>alert(1)</script> & more"),
		("MAT-DN-0002", "222-2222222-2222222", 'Carrier "Other" needs a name'),
	])
	assert "\n" not in subject and "\r" not in subject
	assert subject == "Amazon rejected 2 shipments of Amazon Account Shop <EU> Bcc: x@example.com"
	assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in body
	assert "Shop &lt;EU&gt;" in body
	assert "Carrier &quot;Other&quot; needs a name" in body
	for text in ("MAT-DN-0001", "MAT-DN-0002", ORDER_ID, "222-2222222-2222222"):
		assert text in body
	assert body.count("<tr>") == 3  # header + one row per failure


def test_failure_summary_single_and_no_buyer_data():
	subject, body = failure_summary("Shop", [("MAT-DN-0001", ORDER_ID, "Amazon says no.")])
	assert subject == "Amazon rejected 1 shipment of Amazon Account Shop"
	# Only what was passed in: no buyer name, address or e-mail can appear.
	assert "@" not in body


def test_failure_summary_speaks_the_language_it_is_given():
	german = {
		"Amazon rejected {0} shipment of Amazon Account {1}": "Amazon hat {0} Sendung des Amazon-Kontos {1} abgelehnt",
		"Delivery Note": "Lieferschein",
	}
	subject, body = failure_summary("Shop", [("MAT-DN-0001", ORDER_ID, "no")], translate=lambda s: german.get(s, s))
	assert subject == "Amazon hat 1 Sendung des Amazon-Kontos Shop abgelehnt"
	assert "<th>Lieferschein</th>" in body
