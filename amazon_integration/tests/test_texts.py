"""Messages the frappe-free layers build (`msg()`) read in the user's language once the adapter renders them."""

import socket

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.translate import clear_cache

from amazon_integration.amazon.errors import AuthError, NoAnswerError, no_answer_message
from amazon_integration.domain.inbound import ReceiptLine, discrepancies
from amazon_integration.domain.labels import LabelInputError
from amazon_integration.domain.orders import MappingError
from amazon_integration.domain.shipments import ShipmentError
from amazon_integration.domain.text import msg
from amazon_integration.erpnext.jobs import run_job
from amazon_integration.erpnext.texts import translated
from amazon_integration.tests.simulator_case import SimulatorTestCase


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

	def test_gateway_errors_in_german(self) -> None:
		frappe.local.lang = "de"
		error = NoAnswerError(no_answer_message("ReadTimeout", "sellingpartnerapi-eu.amazon.com", 20.0), operation="getOrders")
		self.assertEqual(
			translated(error), "getOrders: Keine Antwort von sellingpartnerapi-eu.amazon.com innerhalb von 20 s (ReadTimeout)."
		)
		# Amazon's own words are kept; the app's frame around them is translated.
		amazons = AuthError("Access to requested resource is denied.", status=403, code="Unauthorized", request_id="r-1")
		self.assertEqual(
			translated(amazons), "Amazon SP-API: Access to requested resource is denied. (HTTP 403, Unauthorized, Anfrage-ID r-1)"
		)
		frappe.local.lang = "en"
		self.assertEqual(translated(error), str(error))


class TestGatewayErrorsStoredByJobs(SimulatorTestCase):
	"""A background job stores the gateway's errors in the site's language (System Settings > Language)."""

	orders = 0

	def setUp(self) -> None:
		self.lang = frappe.local.lang
		self.site_lang = frappe.db.get_default("lang")
		clear_cache()
		with socket.socket() as probe:  # a closed loopback port: nothing answers
			probe.bind(("127.0.0.1", 0))
			closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
		frappe.db.set_value("Amazon Account", self.account.name, "endpoint_override", closed)
		frappe.db.set_default("lang", "de")
		frappe.db.commit()

	def tearDown(self) -> None:
		frappe.db.rollback()
		frappe.db.set_default("lang", self.site_lang)
		frappe.db.set_value(
			"Amazon Account",
			self.account.name,
			{"endpoint_override": self.sim.url, "not_answering_since": None, "retry_after": None, "last_no_answer": None},
		)
		frappe.db.commit()
		frappe.local.lang = self.lang

	def test_an_order_sync_that_amazon_does_not_answer_logs_it_in_german(self) -> None:
		frappe.local.lang = "en"  # the worker's own language: the job switches to the site's
		name = run_job("orders.sync_account_orders", 20, account=self.account.name)
		error = frappe.db.get_value("Amazon Sync Log", name, "error")
		self.assertIn("Keine Antwort von 127.0.0.1: Die Verbindung konnte nicht geöffnet werden (ConnectError)", error)
		self.assertNotIn("No answer from", error)
