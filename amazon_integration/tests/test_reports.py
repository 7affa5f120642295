"""The reports' numbers against the simulator's orders, after a real sync."""

from decimal import Decimal

import frappe
from frappe.utils import add_days, getdate, nowdate

from amazon_integration.amazon_integration.report.amazon_sales_by_marketplace import (
	amazon_sales_by_marketplace as sales_report,
)
from amazon_integration.amazon_integration.report.amazon_sync_health import (
	amazon_sync_health as health_report,
)
from amazon_integration.tests.simulator_case import SimulatorTestCase
from amazon_integration.tests.utils import CA, COMPANY, US

SALES_PERSON = "Amazon Report Tester"


class TestAmazonReports(SimulatorTestCase):
	orders = 40

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not frappe.db.exists("Sales Person", SALES_PERSON):
			root = frappe.db.get_value(
				"Sales Person", {"is_group": 1, "parent_sales_person": ("is", "not set")}
			)
			frappe.get_doc(
				{"doctype": "Sales Person", "sales_person_name": SALES_PERSON, "parent_sales_person": root}
			).insert()
		frappe.db.set_value("Amazon Account", cls.account.name, "sales_person", SALES_PERSON)
		frappe.db.commit()
		cls.account.reload()

	def sales(self, **filters) -> list[dict]:
		values = {
			"company": COMPANY,
			"from_date": add_days(nowdate(), -30),
			"to_date": add_days(nowdate(), 1),
			"amazon_account": self.account.name,
		}
		values.update(filters)
		return sales_report.execute(values)[1]

	def expected_sales(self, order_ids: set[str]) -> dict[str, dict]:
		"""Per marketplace, from the simulator: orders, units and the order totals net of every tax."""
		expected: dict[str, dict] = {}
		for order_id in order_ids:
			view = self.sim.control.get_order(order_id)
			row = expected.setdefault(
				view["marketplace_id"],
				{"currency": view["currency"], "orders": 0, "units": 0, "net_sales": Decimal(0)},
			)
			taxes = sum(
				Decimal(item[name])
				for item in view["items"]
				for name in ("item_tax", "shipping_tax", "gift_wrap_tax")
			)
			row["orders"] += 1
			row["units"] += sum(item["quantity"] - item["quantity_cancelled"] for item in view["items"])
			row["net_sales"] += Decimal(view["total"]) - taxes
		return expected

	def test_sales_by_marketplace_matches_the_simulator(self):
		# A random seed may generate no Amazon.ca order: one of each marketplace makes both currencies certain.
		self.new_order(marketplace_id=US)
		self.new_order(marketplace_id=CA)
		log = self.sync()
		self.assertEqual(log.failed_count, 0, [row.error for row in log.failures])
		imported = self.importable()
		expected = self.expected_sales(imported)
		self.assertEqual(set(expected), {US, CA})  # both currencies, never added together

		rows = self.sales()
		got = {
			row["marketplace"]: {
				"currency": row["currency"],
				"orders": row["orders"],
				"units": int(row["units"]),
				"net_sales": Decimal(str(row["net_sales"])).quantize(Decimal("0.01")),
			}
			for row in rows
		}
		self.assertEqual(got, expected)
		rates = {
			US: 1,
			CA: frappe.db.get_value(
				"Sales Order", {"amazon_account": self.account.name, "currency": "CAD"}, "conversion_rate"
			),
		}
		for row in rows:
			self.assertEqual(row["company_currency"], "USD")
			self.assertAlmostEqual(
				row["base_net_sales"], row["net_sales"] * rates[row["marketplace"]], delta=1
			)

		# Filters: one marketplace; the account's sales person; another sales person; a period with no order.
		self.assertEqual([row["marketplace"] for row in self.sales(marketplace=CA)], [CA])
		self.assertEqual(self.sales(sales_person=SALES_PERSON), rows)
		other = frappe.db.get_value("Sales Person", {"name": ("!=", SALES_PERSON), "is_group": 0})
		if other:
			self.assertEqual(self.sales(sales_person=other), [])
		self.assertEqual(self.sales(from_date=add_days(nowdate(), 2), to_date=add_days(nowdate(), 3)), [])

		# A cancelled order leaves the report.
		cancelled = next(
			order_id
			for order_id in imported
			if self.sim_orders()[order_id]["status"] == "UNSHIPPED"
			and self.sim_orders()[order_id]["marketplace_id"] == US
		)
		self.sim.control.cancel_order(cancelled)
		self.later()
		self.sync()
		expected = self.expected_sales(imported - {cancelled})
		self.assertEqual(
			{row["marketplace"]: row["orders"] for row in self.sales()},
			{m: e["orders"] for m, e in expected.items()},
		)

		summary = sales_report.execute({"company": COMPANY, "amazon_account": self.account.name})[4]
		labels = {item["label"] for item in summary}
		self.assertIn("Net Sales in CAD", labels)
		self.assertIn("Net Sales in USD", labels)

	def test_sync_health_shows_runs_failures_and_retries(self):
		first = self.sync()
		unknown = self.new_order(items=[{"sku": "NO-SUCH-SKU", "quantity": 1, "unit_price": "9.99"}])
		second = self.sync()
		self.assertEqual(second.failed_count, 1)

		columns, rows, *_rest, summary = health_report.execute(
			{"amazon_account": self.account.name, "runs": 10}
		)
		self.assertIn("awaiting_retry", [c["fieldname"] for c in columns])
		by_log = {row.sync_log: row for row in rows}
		self.assertEqual(rows[0].sync_log, second.name)  # newest first
		self.assertEqual(by_log[first.name].orders_read, first.orders_read)
		self.assertEqual(by_log[first.name].created_count, first.created_count)
		self.assertEqual(by_log[second.name].failed_count, 1)
		self.assertIn(unknown, by_log[second.name].error)
		self.assertIn("NO-SUCH-SKU", by_log[second.name].error)
		self.assertEqual(by_log[second.name].awaiting_retry, 1)
		self.assertIsNone(by_log[first.name].awaiting_retry)
		self.assertEqual({item["label"]: item["value"] for item in summary}["Orders Awaiting Retry"], 1)

		# Every order the runs created is a Sales Order of the account.
		self.assertEqual(
			sum(row.created_count for row in rows),
			frappe.db.count("Sales Order", {"amazon_account": self.account.name}),
		)

		# Runs per account: only the newest.
		rows = health_report.execute({"amazon_account": self.account.name, "runs": 1})[1]
		self.assertEqual([row.sync_log for row in rows], [second.name])
		self.assertTrue(getdate(rows[0].started_at))
