"""Messages the frappe-free layers build (`msg()`) read in the user's language once the adapter renders them."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.translate import clear_cache

from amazon_integration.domain.inbound import ReceiptLine, discrepancies
from amazon_integration.domain.labels import LabelInputError
from amazon_integration.domain.orders import MappingError
from amazon_integration.domain.shipments import ShipmentError
from amazon_integration.domain.text import msg
from amazon_integration.erpnext.texts import translated


class TestTranslatedTexts(FrappeTestCase):
	def setUp(self) -> None:
		self.lang = frappe.local.lang
		clear_cache()  # the CSVs may have changed since the site cached its translations

	def tearDown(self) -> None:
		frappe.local.lang = self.lang

	def test_english_stays_byte_identical(self) -> None:
		frappe.local.lang = "en"
		error = ShipmentError(msg("Delivery Note {0} needs a tracking number: Amazon requires one", "DN-1"))
		self.assertEqual(translated(error), str(error))
		self.assertEqual(translated(error), "Delivery Note DN-1 needs a tracking number: Amazon requires one")

	def test_german_with_values_and_nested_texts(self) -> None:
		frappe.local.lang = "de"
		self.assertEqual(
			translated(MappingError(msg("Amazon sent the order without items"))), "Amazon hat die Bestellung ohne Artikel gesendet"
		)
		self.assertEqual(
			translated(ShipmentError(msg("Delivery Note {0} ships no item of Amazon order {1}", "DN-1", "028-1"))),
			"Lieferschein DN-1 liefert keinen Artikel der Amazon-Bestellung 028-1",
		)
		nested = LabelInputError(msg("Parcel {0}: the {1} must be greater than 0.", "1", msg("weight (kg)")))
		self.assertEqual(translated(nested), "Paket 1: Gewicht (kg) muss größer als 0 sein.")
		# An FBA inbound shipment's gap: compared as the English word, shown in German.
		(gap,) = discrepancies([ReceiptLine("SKU-1", 4, 3)], "CLOSED")
		self.assertEqual((gap.kind == "Shortage", translated(gap.kind)), (True, "Fehlmenge"))

	def test_other_exceptions_and_values_as_they_are(self) -> None:
		frappe.local.lang = "de"
		self.assertEqual(translated(ValueError("Amazon's own words")), "Amazon's own words")
		self.assertEqual(translated("plain"), "plain")
