"""Sales Invoices of Amazon orders: made on FBA shipment and FBM delivery, exact to the cent when partial."""

from decimal import Decimal

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
from frappe.utils import flt

from amazon_integration.tests.simulator_case import SKU, SimulatorTestCase


def money(value) -> Decimal:
	return Decimal(str(flt(value, 2)))


class TestInvoices(SimulatorTestCase):
	orders = 0

	def invoices_of(self, amazon_order_id: str) -> list[frappe._dict]:
		return frappe.get_all(
			"Sales Invoice",
			filters={"amazon_order_id": amazon_order_id, "docstatus": 1},
			fields=["name", "grand_total", "total_taxes_and_charges", "tax_id"],
			order_by="creation",
		)

	def test_fba_order_is_invoiced_when_amazon_ships_it(self):
		order_id = self.new_order(fulfilled_by="AMAZON", status="SHIPPED", items=[{"sku": SKU, "quantity": 2}])
		self.sync()
		invoices = self.invoices_of(order_id)
		self.assertEqual(len(invoices), 1)
		self.assertEqual(money(invoices[0].grand_total), Decimal(self.sim_orders()[order_id]["total"]))

	def test_partial_fbm_deliveries_invoice_exact_shares_of_the_tax(self):
		order_id = self.new_order(
			tax_rate="0.0825", tax_withheld=False, items=[{"sku": SKU, "quantity": 3, "unit_price": "9.99"}]
		)
		self.sync()
		so = self.sales_order(order_id)
		self.assertTrue(so.total_taxes_and_charges)

		first = frappe.get_doc("Delivery Note", frappe.db.get_value("Delivery Note Item", {"against_sales_order": so.name}, "parent"))
		first.items = [row for row in first.items if row.amazon_order_item_id]
		first.items[0].qty = 1
		first.amazon_carrier_name, first.amazon_tracking_number = "UPS", "1ZINV1"
		first.save()
		first.submit()
		rest = make_delivery_note(so.name)
		rest.amazon_carrier_name, rest.amazon_tracking_number = "UPS", "1ZINV2"
		rest.insert()
		rest.submit()
		frappe.db.commit()

		invoices = self.invoices_of(order_id)
		self.assertEqual(len(invoices), 2)
		# Each part carries its share; together they are Amazon's order to the cent.
		self.assertEqual(sum(money(i.total_taxes_and_charges) for i in invoices), money(so.total_taxes_and_charges))
		self.assertEqual(sum(money(i.grand_total) for i in invoices), Decimal(self.sim_orders()[order_id]["total"]))
		self.assertLess(money(invoices[0].total_taxes_and_charges), money(so.total_taxes_and_charges))
		for dn in (first, rest):
			dn.reload()
			invoice_tax = frappe.db.get_value(
				"Sales Invoice", {"name": ("in", [i.name for i in invoices]), "grand_total": dn.grand_total}, "total_taxes_and_charges"
			)
			self.assertEqual(money(dn.total_taxes_and_charges), money(invoice_tax))

	def test_business_buyer_tax_id_is_on_the_invoice(self):
		order_id = self.new_order(
			fulfilled_by="AMAZON", status="SHIPPED", is_business=True, company_name="Invoice Buyer Inc", tax_id="US-INV-77"
		)
		self.sync()
		self.assertEqual(self.invoices_of(order_id)[0].tax_id, "US-INV-77")
