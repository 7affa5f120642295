"""A seller in Germany (books in EUR) on Amazon.de, .fr, .co.uk (GBP) and .co.jp (JPY): tax-inclusive prices in
both of Amazon's shapes become Sales Orders whose grand total, net total and tax are Amazon's, and their
settlements reconcile on the first booking."""

from decimal import Decimal

import frappe
from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from amazon_integration.amazon_integration.report.amazon_settlement_reconciliation.amazon_settlement_reconciliation import (
	execute as reconciliation,
)
from amazon_integration.erpnext.api import retry_invoice_upload
from amazon_integration.erpnext.orders import currency_decimals, sync_account_orders
from amazon_integration.erpnext.settlements import import_account_settlements
from amazon_integration.erpnext.shipments import sync_account_shipments
from amazon_integration.erpnext.vat_invoices import upload_account_invoices
from amazon_integration.simulator import Simulator
from amazon_integration.domain.orders import vat_of
from amazon_integration.tests.utils import (
	AMAZON_SUPPLIER,
	EU_AMAZON_VAT_ACCOUNT,
	EU_CLEARING_ACCOUNT,
	EU_COMPANY,
	EU_FBA_WAREHOUSE,
	EU_FBM_WAREHOUSE,
	EU_FEES_ACCOUNT,
	EU_PAYOUT_ACCOUNT,
	EU_VAT_ACCOUNT,
	GIFT_WRAP_ITEM,
	MODE_OF_PAYMENT,
	PRICE_LISTS,
	PROMOTION_ITEM,
	SHIPPING_ITEM,
	amazon_account,
	eu_settlement_accounts,
	next_namespace,
	retire_simulator_accounts,
)

DE, FR, UK, JP = "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A1F83G8C2ARO7P", "A1VC38T7YXB528"
VAT = {DE: Decimal("19"), FR: Decimal("20"), UK: Decimal("20"), JP: Decimal("10")}
MUG, BOOK = "SIM-MUG-001", "SIM-NTB-060"


class EuSellerCase(FrappeTestCase):
	"""Its own simulator, and the German company's accounts for Amazon.de/.fr/.co.uk (EU) and Amazon.co.jp (FE)."""

	upload_invoices = 0  # on Amazon.de

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sim = Simulator(seed=1, orders=0, time_scale=1.0, namespace=next_namespace()).start()
		seller = f"A1EU{frappe.generate_hash(length=8).upper()}"
		common = {
			"seller_id": seller,
			"endpoint_override": cls.sim.url,
			"company": EU_COMPANY,
			"fba_warehouse": EU_FBA_WAREHOUSE,
			"fbm_warehouse": EU_FBM_WAREHOUSE,
			"shipping_item": SHIPPING_ITEM,
			"gift_wrap_item": GIFT_WRAP_ITEM,
			"promotion_item": PROMOTION_ITEM,
			"sales_tax_account": EU_VAT_ACCOUNT,
			"marketplace_tax_account": EU_AMAZON_VAT_ACCOUNT,
			"clearing_account": EU_CLEARING_ACCOUNT,
			"payout_account": EU_PAYOUT_ACCOUNT,
			"fees_account": EU_FEES_ACCOUNT,
			"amazon_supplier": AMAZON_SUPPLIER,
			"mode_of_payment": MODE_OF_PAYMENT,
			"invoice_fba_orders": 1,
			"invoice_fbm_deliveries": 1,
		}
		cls.eu = amazon_account(
			**common,
			account_name=f"Simulator EU {seller}",
			region="EU",
			selling_price_list=PRICE_LISTS["EUR"],
			marketplaces=[
				{"marketplace": DE, "vat_rate": 19, "upload_invoices": cls.upload_invoices},
				{"marketplace": FR, "vat_rate": 20},
				{"marketplace": UK, "price_list": PRICE_LISTS["GBP"], "vat_rate": 20},
			],
			settlement_accounts=[dict(zip(("clearing_account", "payout_account"), eu_settlement_accounts("GBP"), strict=True), currency="GBP")],
		).insert()
		cls.jp = amazon_account(
			**common,
			account_name=f"Simulator JP {seller}",
			region="FE",
			selling_price_list=PRICE_LISTS["JPY"],
			marketplaces=[{"marketplace": JP, "vat_rate": 10}],
			settlement_accounts=[dict(zip(("clearing_account", "payout_account"), eu_settlement_accounts("JPY"), strict=True), currency="JPY")],
		).insert()
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		retire_simulator_accounts(cls.sim)
		cls.sim.stop()
		super().tearDownClass()

	def order(self, marketplace: str, items: list[dict], **spec) -> str:
		spec.setdefault("fulfilled_by", "AMAZON")
		spec.setdefault("status", "SHIPPED")
		rate = VAT[marketplace] / 100
		return self.sim.control.create_order(marketplace_id=marketplace, tax_rate=str(rate), items=items, **spec)[
			"order_id"
		]

	def sync(self, account) -> None:
		log = frappe.get_doc("Amazon Sync Log", sync_account_orders(account.name))
		self.assertNotEqual(log.status, "Failed", log.error)

	def settle(self, *currencies: str) -> list[str]:
		"""Amazon closes the periods; their settlements are imported, submitted and reconcile to 0.00."""
		self.sim.control.advance(600)
		for currency in currencies:
			self.sim.control.close_settlements(currency)
		self.sim.control.advance(600)
		names = import_account_settlements(self.eu.name)
		for name in names:
			frappe.get_doc("Amazon Settlement", name).submit()
		frappe.db.commit()
		for name in names:
			self.assertEqual(frappe.db.get_value("Amazon Settlement", name, "status"), "Reconciled", name)
			self.assertEqual(reconciliation({"settlement": name})[1][0]["difference"], 0.0, name)
		return names

	@staticmethod
	def money(value, doc) -> Decimal:
		decimals = currency_decimals(doc.currency)
		return Decimal(str(flt(value, decimals))).quantize(Decimal(1).scaleb(-decimals))


class TestEuTaxes(EuSellerCase):

	def test_tax_inclusive_orders_keep_amazons_totals_net_and_tax_and_settle(self):
		orders = {
			# Amazon.de with a TAX breakdown: two lines, shipping and gift wrap, tax contained.
			"de": self.order(DE, [
				{"sku": MUG, "quantity": 3, "unit_price": "19.99", "shipping_price": "3.99"},
				{"sku": BOOK, "quantity": 1, "unit_price": "12.99", "gift_wrap_price": "2.99"},
			]),
			# Amazon.de without a TAX breakdown: the seller's 19 %.
			"de_plain": self.order(DE, [{"sku": MUG, "quantity": 2, "unit_price": "24.95", "shipping_price": "4.49"}],
								   tax_breakdown=False),
			"fr": self.order(FR, [{"sku": BOOK, "quantity": 1, "unit_price": "34.90", "promotion_discount": "3.49",
								   "promotion_ids": ["PROMO-FR"]}]),
			# Amazon's own UK example: one ITEM of 34.99, no TAX.
			"uk_plain": self.order(UK, [{"sku": MUG, "quantity": 1, "unit_price": "34.99"}], tax_breakdown=False),
			# Amazon collects the UK VAT (marketplace facilitator): it is Amazon's, contained all the same.
			"uk_withheld": self.order(UK, [{"sku": BOOK, "quantity": 2, "unit_price": "9.99", "shipping_price": "2.99"}],
									  tax_withheld=True),
			# Amazon's own JP example: 5980 + 2 x 6980, no TAX.
			"jp_plain": self.order(JP, [{"sku": MUG, "quantity": 1, "unit_price": "5980"},
										{"sku": BOOK, "quantity": 2, "unit_price": "6980"}], tax_breakdown=False),
			"jp": self.order(JP, [{"sku": MUG, "quantity": 1, "unit_price": "3480", "shipping_price": "450"}]),
		}
		self.sim.control.advance(180)
		for account in (self.eu, self.jp):
			self.sync(account)

		for key, order_id in orders.items():
			view = self.sim.control.get_order(order_id)
			so = frappe.get_doc("Sales Order", {"amazon_order_id": order_id})
			tax = self.expected_tax(view)
			total = Decimal(view["total"])
			self.assertEqual(self.money(so.grand_total, so), total, key)
			self.assertEqual(self.money(so.total_taxes_and_charges, so), tax, key)
			self.assertEqual(self.money(so.net_total, so), total - tax, key)
			withheld = view["items"][0]["tax_withheld"]
			self.assertEqual({row.account_head for row in so.taxes}, {EU_AMAZON_VAT_ACCOUNT if withheld else EU_VAT_ACCOUNT}, key)
			(invoice,) = frappe.get_all(
				"Sales Invoice", {"amazon_order_id": order_id, "docstatus": 1},
				["grand_total", "net_total", "total_taxes_and_charges"],
			)
			self.assertEqual(
				(self.money(invoice.grand_total, so), self.money(invoice.total_taxes_and_charges, so)), (total, tax), key
			)
		# Both of ERPNext's ways hold: gross prices with the tax included where its arithmetic gives Amazon's
		# split (Amazon's UK example: 34.99 = 29.16 + 5.83 at 20 %), net prices with the tax on top elsewhere.
		uk = frappe.get_doc("Sales Order", {"amazon_order_id": orders["uk_plain"]})
		self.assertEqual([(row.rate, row.net_rate) for row in uk.items], [(34.99, 29.16)])
		self.assertEqual([(row.charge_type, row.rate, row.included_in_print_rate) for row in uk.taxes],
						 [("On Net Total", 20.0, 1)])

		self.sim.control.advance(600)
		for currency in ("EUR", "GBP", "JPY"):
			self.sim.control.close_settlements(currency)
		self.sim.control.advance(600)
		settlements = []
		for account in (self.eu, self.jp):
			for name in import_account_settlements(account.name):
				doc = frappe.get_doc("Amazon Settlement", name)
				doc.submit()
				settlements.append(doc)
		frappe.db.commit()
		self.assertEqual({doc.currency for doc in settlements}, {"EUR", "GBP", "JPY"})
		for doc in settlements:
			self.assertEqual(frappe.db.get_value("Amazon Settlement", doc.name, "status"), "Reconciled", doc.name)
			self.assertEqual(reconciliation({"settlement": doc.name})[1][0]["difference"], 0.0, doc.name)
		for order_id in orders.values():
			for outstanding in frappe.get_all(
				"Sales Invoice", {"amazon_order_id": order_id, "docstatus": 1}, pluck="outstanding_amount"
			):
				self.assertEqual(outstanding, 0, order_id)

	def test_each_partial_shipments_invoice_is_amazons_charge_for_it(self):
		"""Ship 1 of 3 units with only that product on the Delivery Note: its invoice carries that unit's share of
		the shipping and promotion (and none of the other line's gift wrap), to the cent, and books at once."""
		items = [
			{"sku": MUG, "quantity": 3, "unit_price": "19.99", "shipping_price": "4.99", "promotion_discount": "5.00",
			 "promotion_ids": ["PROMO-DE"]},
			{"sku": BOOK, "quantity": 1, "unit_price": "12.99", "gift_wrap_price": "2.99"},
		]
		orders = {
			"inclusive": self.order(DE, items, fulfilled_by="MERCHANT", status="UNSHIPPED"),
			"exclusive": self.order(DE, items, fulfilled_by="MERCHANT", status="UNSHIPPED", prices_include_tax=False),
		}
		self.sim.control.advance(180)
		self.sync(self.eu)
		for order_id in orders.values():
			so = frappe.get_doc("Sales Order", {"amazon_order_id": order_id})
			dn = frappe.get_doc("Delivery Note", frappe.db.get_value(
				"Delivery Note Item", {"against_sales_order": so.name, "docstatus": 0}, "parent"))
			mug = next(i["order_item_id"] for i in self.sim.control.get_order(order_id)["items"] if i["sku"] == MUG)
			dn.items = [row for row in dn.items if row.amazon_order_item_id == mug][:1]
			dn.items[0].qty = 1
			self.ship(dn, "PARTIAL-" + order_id)
			self.assertEqual(
				sorted((row.amazon_charge or "", row.qty) for row in dn.items),
				[("", 1), ("Promotion", 1), ("Shipping", 1)],
			)
		self.settle_and_check(orders.values(), shipments=1)

		for order_id in orders.values():
			so = frappe.get_doc("Sales Order", {"amazon_order_id": order_id})
			rest = make_delivery_note(so.name)
			rest.insert()
			self.ship(rest, "REST-" + order_id)
		self.settle_and_check(orders.values(), shipments=2)
		for order_id in orders.values():
			so = frappe.get_doc("Sales Order", {"amazon_order_id": order_id})
			totals = frappe.get_all("Sales Invoice", {"amazon_order_id": order_id, "docstatus": 1}, pluck="grand_total")
			self.assertEqual(self.money(sum(totals), so), self.money(so.grand_total, so))
			self.assertEqual(self.money(so.grand_total, so), Decimal(self.sim.control.get_order(order_id)["total"]))

	# -- helpers ------------------------------------------------------------------------------------------

	def test_refund_of_a_tax_inclusive_sale_gives_back_its_vat(self):
		order_id = self.order(DE, [{"sku": MUG, "quantity": 2, "unit_price": "19.99"}])
		self.sim.control.advance(180)
		self.sync(self.eu)
		item_id = self.sim.control.get_order(order_id)["items"][0]["order_item_id"]
		self.sim.control.refund(order_id, [(item_id, 1)])
		self.settle("EUR")
		credit_note = frappe.get_doc("Sales Invoice", {"amazon_order_id": order_id, "is_return": 1, "docstatus": 1})
		# One mug back: 19.99 of which 3.19 VAT (19 % contained), the VAT given back as it was charged.
		self.assertEqual(self.money(credit_note.grand_total, credit_note), Decimal("-19.99"))
		self.assertEqual(self.money(credit_note.total_taxes_and_charges, credit_note), Decimal("-3.19"))
		self.assertEqual([row.account_head for row in credit_note.taxes], [EU_VAT_ACCOUNT])

	def ship(self, dn, tracking: str) -> None:
		dn.amazon_carrier_name = "DHL"
		dn.amazon_tracking_number = tracking
		dn.save()
		dn.submit()
		frappe.db.commit()

	def settle_and_check(self, order_ids, shipments: int) -> None:
		"""Amazon confirms the shipments, closes the EUR period; each order's line books on its first try, and
		what Amazon paid for the order in it is what the latest invoice asks."""
		self.assertFalse(sync_account_shipments(self.eu.name).get("Failed"))
		self.sim.control.advance(600)
		self.sim.control.close_settlements("EUR")
		self.sim.control.advance(600)
		names = import_account_settlements(self.eu.name)
		self.assertTrue(names)
		for name in names:
			frappe.get_doc("Amazon Settlement", name).submit()
		frappe.db.commit()
		for name in names:
			self.assertEqual(frappe.db.get_value("Amazon Settlement", name, "status"), "Reconciled", name)
		for order_id in order_ids:
			invoices = frappe.get_all(
				"Sales Invoice", {"amazon_order_id": order_id, "docstatus": 1, "is_return": 0},
				["grand_total", "outstanding_amount"], order_by="creation",
			)
			self.assertEqual(len(invoices), shipments, order_id)
			paid = frappe.get_all(
				"Amazon Settlement Line",
				{"settlement": ("in", names), "amazon_order_id": order_id, "line_type": "Order"},
				pluck="sale_amount",
			)
			self.assertEqual(round(sum(paid), 2), round(invoices[-1].grand_total, 2), order_id)
			self.assertEqual([inv.outstanding_amount for inv in invoices], [0] * shipments, order_id)


	def expected_tax(self, view: dict) -> Decimal:
		"""Amazon's contained tax; without a TAX breakdown, the seller's rate on each gross amount."""
		unit = Decimal(1).scaleb(-currency_decimals(view["currency"]))
		tax = Decimal(0)
		for item in view["items"]:
			if item["tax_breakdown"]:
				tax += sum(Decimal(item[name]) for name in ("item_tax", "shipping_tax", "gift_wrap_tax"))
				continue
			rate = VAT[view["marketplace_id"]]
			for gross in (
				Decimal(item["unit_price"]) * item["quantity"] - Decimal(item["promotion_discount"]),
				Decimal(item["shipping_price"]) - Decimal(item["shipping_discount"]),
				Decimal(item["gift_wrap_price"]),
			):
				tax += vat_of(gross, rate, unit)
		return tax


class TestInvoiceUpload(EuSellerCase):
	upload_invoices = 1

	def test_invoices_and_credit_notes_go_to_amazon_and_a_wrong_total_is_refused_until_corrected(self):
		b2b = self.order(DE, [{"sku": MUG, "quantity": 2, "unit_price": "19.99", "shipping_price": "3.99"}],
						 is_business=True, company_name="Beispiel GmbH", tax_id="DE123456789")
		other = self.order(DE, [{"sku": BOOK, "quantity": 1, "unit_price": "12.99"}])
		self.sim.control.advance(180)
		self.sync(self.eu)
		invoices = {key: frappe.get_doc("Sales Invoice", {"amazon_order_id": order_id, "docstatus": 1})
					for key, order_id in (("b2b", b2b), ("other", other))}
		self.assertEqual(invoices["b2b"].tax_id, "DE123456789")  # the buyer's VAT number, from the order
		self.assertEqual({inv.amazon_invoice_upload for inv in invoices.values()}, {"Pending"})

		# Amazon's order changed after the import: the invoice no longer matches it.
		item = self.sim.control.get_order(other)["items"][0]
		self.sim.control.alter_order(other, items=[{"order_item_id": item["order_item_id"], "unit_price": "13.99"}])
		self.upload_and_answer()
		self.assertEqual(self.status(invoices["b2b"]), ("Uploaded", None))
		status, message = self.status(invoices["other"])
		self.assertEqual(status, "Failed")
		self.assertIn(f"does not match Amazon's total for order {other}", message)

		# Corrected (here on Amazon's side), Retry sends it again and Amazon takes it.
		self.sim.control.alter_order(other, items=[{"order_item_id": item["order_item_id"], "unit_price": "12.99"}])
		retry_invoice_upload(invoices["other"].name)
		self.assertEqual(self.status(invoices["other"])[0], "Pending")
		self.upload_and_answer()
		self.assertEqual(self.status(invoices["other"]), ("Uploaded", None))

		# A credit note goes as one.
		credit_note = make_sales_return(invoices["b2b"].name)
		credit_note.items = credit_note.items[:1]
		credit_note.items[0].qty = -1
		credit_note.insert()
		credit_note.submit()
		frappe.db.commit()
		self.upload_and_answer()
		self.assertEqual(self.status(credit_note), ("Uploaded", None))
		uploaded = self.sim.control.uploaded_invoices(b2b)
		self.assertEqual(
			[(u["invoice_number"], u["document_type"], u["status"]) for u in uploaded],
			[(invoices["b2b"].name, "Invoice", "ACCEPTED"), (credit_note.name, "CreditNote", "ACCEPTED")],
		)
		self.assertEqual(Decimal(uploaded[0]["total"]), Decimal(self.sim.control.get_order(b2b)["total"]))

	def upload_and_answer(self) -> None:
		upload_account_invoices(self.eu.name)  # sent
		self.sim.control.advance(120)  # Amazon processes the feeds
		upload_account_invoices(self.eu.name)  # answers read

	@staticmethod
	def status(invoice) -> tuple[str, str | None]:
		return tuple(
			frappe.db.get_value("Sales Invoice", invoice.name, ["amazon_invoice_upload", "amazon_invoice_upload_message"])
		)


class TestRefundsOfTaxInclusiveSales(EuSellerCase):
	"""A refund Amazon reports without a tax amount (the VAT is inside its prices) credits the units it refunded
	and the VAT it contains, whichever form the invoice took: gross prices with an included tax row, or net
	prices with an Actual tax row (a line that does not divide by its units, Amazon's TAX breakdown)."""

	upload_invoices = 1  # on Amazon.de; Amazon.co.uk too below

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for row in cls.eu.marketplaces:
			row.upload_invoices = 1
		cls.eu.save()
		frappe.db.commit()

	def test_one_unit_back_credits_one_unit_and_its_vat_in_both_tax_forms(self):
		mug_de = {"sku": MUG, "quantity": 3, "unit_price": "19.99", "shipping_price": "3.99"}
		book = {"sku": BOOK, "quantity": 1, "unit_price": "12.99", "gift_wrap_price": "2.99"}
		plain = {"tax_breakdown": False}
		cases = {
			# Amazon.co.uk without a TAX breakdown, 3 units with shipping: one back is 14.99 + 1.66 = 16.65.
			"uk_net": (UK, [{"sku": MUG, "quantity": 3, "unit_price": "14.99", "shipping_price": "4.99"}], plain),
			"uk_gross": (UK, [{"sku": MUG, "quantity": 3, "unit_price": "12.00", "shipping_price": "7.00"}], plain),
			# Amazon.de with its TAX breakdown, two lines with shipping and gift wrap.
			"de_net": (DE, [mug_de, book], {}),
			"de_gross": (DE, [{**mug_de, "unit_price": "14.99"}, book], {}),
			# Amazon collects the UK VAT (marketplace facilitator): its own figure of the VAT goes back.
			"uk_withheld": (UK, [{"sku": MUG, "quantity": 3, "unit_price": "14.99", "shipping_price": "4.99"}],
							{"tax_withheld": True}),
		}
		orders = {key: self.order(market, items, **spec) for key, (market, items, spec) in cases.items()}
		self.sim.control.advance(180)
		self.sync(self.eu)
		forms = {
			key: {row.included_in_print_rate for row in frappe.get_doc("Sales Order", {"amazon_order_id": order_id}).taxes}
			for key, order_id in orders.items()
		}
		self.assertEqual(forms, {"uk_net": {0}, "uk_gross": {1}, "de_net": {0}, "de_gross": {1}, "uk_withheld": {0}})
		net_rows = frappe.get_all(
			"Sales Invoice Item", {"parent": self.invoice(orders["uk_net"]).name, "item_code": MUG}, pluck="rate"
		)
		self.assertEqual(sorted(net_rows), [12.49, 12.5], "the line is split into two rows a cent apart")

		for order_id in orders.values():
			mug = next(i["order_item_id"] for i in self.sim.control.get_order(order_id)["items"] if i["sku"] == MUG)
			self.sim.control.refund(order_id, [(mug, 1)])
		self.settle("EUR", "GBP")

		vat_back = {}
		for key, order_id in orders.items():
			line = frappe.db.get_value(
				"Amazon Settlement Line", {"amazon_order_id": order_id, "line_type": "Refund"},
				["sale_amount", "withheld_tax"], as_dict=True,
			)
			refund = Decimal(str(line.sale_amount))
			vat = vat_of(-refund, VAT[cases[key][0]], Decimal("0.01"))
			account = EU_VAT_ACCOUNT
			if key == "uk_withheld":
				vat = Decimal(str(line.withheld_tax))  # Amazon's own figure of the VAT it withheld, given back
				account = EU_AMAZON_VAT_ACCOUNT
			vat_back[key] = vat
			invoice = self.invoice(order_id)
			credit_note = frappe.get_doc("Sales Invoice", {"amazon_order_id": order_id, "is_return": 1, "docstatus": 1})
			self.assertEqual(credit_note.return_against, invoice.name, key)
			self.assertEqual(sum(-row.qty for row in credit_note.items if row.amazon_order_item_id), 1, key)
			self.assertEqual(self.money(credit_note.grand_total, credit_note), refund, key)
			self.assertEqual(self.money(credit_note.total_taxes_and_charges, credit_note), -vat, key)
			self.assertEqual([row.account_head for row in credit_note.taxes], [account], key)
			# Revenue and VAT go back as they were charged: the VAT account keeps the VAT of what was kept.
			kept = frappe.db.sql(
				"""select sum(credit_in_transaction_currency - debit_in_transaction_currency) from `tabGL Entry`
				where account = %s and is_cancelled = 0 and voucher_no in %s""",
				(account, (invoice.name, credit_note.name)),
			)[0][0]
			self.assertEqual(self.money(kept, invoice), self.money(invoice.total_taxes_and_charges, invoice) - vat, key)

		upload_account_invoices(self.eu.name)
		self.sim.control.advance(120)
		upload_account_invoices(self.eu.name)
		for key, order_id in orders.items():
			uploaded = [u for u in self.sim.control.uploaded_invoices(order_id) if u["document_type"] == "CreditNote"]
			self.assertEqual([(abs(Decimal(u["vat"])), u["status"]) for u in uploaded], [(vat_back[key], "ACCEPTED")], key)

	@staticmethod
	def invoice(order_id: str):
		return frappe.get_doc("Sales Invoice", {"amazon_order_id": order_id, "is_return": 0, "docstatus": 1})
