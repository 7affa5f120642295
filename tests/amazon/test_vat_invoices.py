"""Invoices uploaded to Amazon through the gateway: the simulator checks their totals to the cent."""

from __future__ import annotations

from decimal import Decimal as D

from amazon_integration.domain.vat_invoices import InvoiceUpload, text_pdf

DE = "A1PA6795UKMFR9"


def test_simulator_checks_uploaded_invoices_to_the_cent(sim, gateway) -> None:
	client = gateway(sim, config_overrides={"marketplace_ids": (DE,)})
	order = sim.control.create_order(
		marketplace_id=DE, fulfilled_by="AMAZON", status="SHIPPED", tax_rate="0.19",
		items=[{"sku": "SIM-MUG-001", "quantity": 2, "unit_price": "19.99", "shipping_price": "3.99"}],
	)
	total, vat = D(order["total"]), sum(D(order["items"][0][n]) for n in ("item_tax", "shipping_tax", "gift_wrap_tax"))
	pdf = text_pdf(["Invoice"])
	feeds = {
		"good": client.upload_vat_invoice(pdf, DE, InvoiceUpload(order["order_id"], "INV-1", total, vat, False).feed_options()),
		"short": client.upload_vat_invoice(
			pdf, DE, InvoiceUpload(order["order_id"], "INV-2", total - D("0.01"), vat, False).feed_options()
		),
		"credit": client.upload_vat_invoice(
			pdf, DE, InvoiceUpload(order["order_id"], "CN-1", D("-19.99"), D("-3.19"), True).feed_options()
		),
	}
	sim.control.advance(120)
	reports = {key: client.get_feed_result(feed_id) for key, feed_id in feeds.items()}
	assert (reports["good"].messages_successful, reports["credit"].messages_successful) == (1, 1)
	(error,) = reports["short"].results
	assert error.is_error and f"does not match Amazon's total for order {order['order_id']}" in error.description
	uploaded = sim.control.uploaded_invoices(order["order_id"])
	assert [(u["invoice_number"], u["status"]) for u in uploaded] == [
		("INV-1", "ACCEPTED"), ("INV-2", "REJECTED"), ("CN-1", "ACCEPTED")
	]
