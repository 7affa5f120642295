"""Stock both ways, end to end against the simulator: FBM quantities pushed from ERPNext's stock, the FBA
SKU of the same item left alone, refusals and unknown SKUs, a large push by feed, and FBA counts reconciled."""

import frappe

from amazon_integration.devtools.fixtures import make_fbm_skus
from amazon_integration.erpnext.stock import (
	LOG,
	fba_reconciliation,
	make_stock_reconciliation,
	push_account_stock,
)
from amazon_integration.tests.simulator_case import SimulatorTestCase
from amazon_integration.tests.utils import (
	CA,
	COMPANY,
	FBA_WAREHOUSE,
	FBM_WAREHOUSE,
	PRICE_LISTS,
	US,
	make_item,
)


class StockTestCase(SimulatorTestCase):
	orders = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sim.control.set_feed_timing(0, 0)
		frappe.db.set_value("Amazon Account", cls.account.name, "push_stock", 1)
		cls.tag = cls.account.seller_id[-8:]
		frappe.db.commit()

	def map_sku(self, sku: str, item_code: str, channel: str = "FBM", **extra) -> None:
		frappe.get_doc(
			{
				"doctype": "Amazon SKU Mapping",
				"amazon_account": self.account.name,
				"seller_sku": sku,
				"item_code": item_code,
				"fulfilment_channel": channel,
				**extra,
			}
		).insert()
		frappe.db.commit()

	def receive(self, item_code: str, qty: float, warehouse: str = FBM_WAREHOUSE) -> None:
		entry = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": COMPANY,
				"items": [{"item_code": item_code, "t_warehouse": warehouse, "qty": qty, "basic_rate": 5}],
			}
		)
		entry.insert()
		entry.submit()
		frappe.db.commit()

	def push(self, **kwargs):
		kwargs.setdefault("trigger", "Manual")
		log = frappe.get_doc(LOG, push_account_stock(self.account.name, **kwargs))
		self.assertNotEqual(log.status, "Failed", log.error)
		return log

	def amazon_qty(self, sku: str) -> int | None:
		return self.sim.control.get_listing(sku)["fbm_quantity"]

	def mapping(self, sku: str):
		return frappe.get_doc("Amazon SKU Mapping", {"amazon_account": self.account.name, "seller_sku": sku})


class TestStockPush(StockTestCase):
	def test_fbm_quantity_follows_stock_reservations_and_buffer_fba_sku_untouched(self):
		item = make_item(f"STK-A-{self.tag}")
		fbm, fba = f"{item}-FBM", f"{item}-FBA"
		self.map_sku(fbm, item)
		self.map_sku(fba, item, channel="FBA")
		self.sim.control.put_listing(fbm, quantity=0)
		self.sim.control.put_listing(fba, channel="AMAZON_NA")

		self.receive(item, 5, warehouse=FBA_WAREHOUSE)  # Amazon's stock of the FBA SKU, shipped below
		self.receive(item, 10)  # the Stock Ledger Entry marks the item for the next push
		log = self.push(trigger="Stock Change", only_dirty=True)
		self.assertEqual(self.amazon_qty(fbm), 10)
		self.assertEqual((log.method, log.sent_count, log.accepted_count), ("Patch", 1, 1))
		self.assertEqual((self.mapping(fbm).push_status, self.mapping(fbm).accepted_qty), ("Accepted", 10))

		# An FBM order of either SKU lands on the same item; ERPNext reserves it and Amazon's count follows.
		fbm_order = self.new_order(
			fulfilled_by="MERCHANT", items=[{"sku": fbm, "quantity": 3, "unit_price": "12.00"}]
		)
		fba_order = self.new_order(
			fulfilled_by="AMAZON",
			status="SHIPPED",
			items=[{"sku": fba, "quantity": 1, "unit_price": "12.00"}],
		)
		self.sync()
		self.assertEqual(self.sales_order(fbm_order).items[0].item_code, item)
		self.assertEqual(self.sales_order(fba_order).items[0].item_code, item)
		self.assertEqual(
			frappe.db.get_value("Bin", {"item_code": item, "warehouse": FBM_WAREHOUSE}, "reserved_qty"), 3
		)
		self.push()
		self.assertEqual(self.amazon_qty(fbm), 7)

		frappe.db.set_value("Amazon Account", self.account.name, "stock_buffer", 2)
		log = self.push()
		self.assertEqual(self.amazon_qty(fbm), 5)
		unchanged = self.push()  # nothing changed: nothing sent
		self.assertEqual((unchanged.sent_count, unchanged.unchanged_count), (0, log.skus_considered))
		frappe.db.set_value("Amazon Account", self.account.name, "stock_buffer", 0)

		history = self.sim.control.listings_history()
		self.assertFalse(
			[row for row in history if row["sku"] == fba], "an FBA SKU must never get a quantity"
		)
		self.assertEqual(self.sim.control.get_listing(fba)["fba_region"], "NA")

	def test_refused_and_unknown_skus(self):
		refused_item = make_item(f"STK-R-{self.tag}")
		unknown_item = make_item(f"STK-U-{self.tag}")
		refused, unknown = f"{refused_item}-FBM", f"{unknown_item}-FBM"
		self.map_sku(refused, refused_item)
		self.map_sku(unknown, unknown_item)  # no listing on Amazon
		self.sim.control.put_listing(refused, quantity=0)
		message = "The listing is suppressed: the main image is missing."
		self.sim.control.refuse_listing(refused, message, code="18027")
		self.receive(refused_item, 4)
		self.receive(unknown_item, 4)
		try:
			log = self.push()
		finally:
			self.sim.control.clear_listing_refusals()
		self.assertEqual(log.status, "Partial Success")
		row = self.mapping(refused)
		self.assertEqual(row.push_status, "Refused")
		self.assertIn(message, row.push_error)
		self.assertIn(message, {f.error for f in log.failures if f.seller_sku == refused}.pop())
		self.assertEqual(self.mapping(unknown).push_status, "Not on Amazon")
		self.assertGreaterEqual(
			frappe.db.count(
				"Amazon SKU Mapping", {"amazon_account": self.account.name, "push_status": "Refused"}
			),
			1,
		)

		# Reported once: later automatic runs skip the unknown SKU; saving its mapping tries it again.
		self.receive(unknown_item, 1)
		again = self.push(trigger="Stock Change")
		self.assertGreaterEqual(again.skipped_unknown_count, 1)
		self.assertNotIn(unknown, {f.seller_sku for f in again.failures})
		mapping = self.mapping(unknown)
		mapping.save()
		self.assertFalse(self.mapping(unknown).push_status)

	def test_stock_changes_wait_for_the_sync_interval(self):
		from unittest.mock import patch

		from frappe.utils import add_to_date, now_datetime

		from amazon_integration.erpnext import scheduler
		from amazon_integration.erpnext.stock import take_dirty_items

		item = make_item(f"STK-D-{self.tag}")
		self.map_sku(f"{item}-FBM", item)
		name = self.account.name
		frappe.db.set_value("Amazon Account", name, {"last_stock_push": now_datetime(), "sync_interval": 10})
		take_dirty_items(name)

		def pushes(calls):  # this account's stock pushes (every pushing account of the warehouse is told)
			return [
				c
				for c in calls
				if str(c.kwargs.get("job_method")).endswith(".push_account_stock") and c.kwargs["account"] == name
			]

		with patch.object(scheduler.frappe, "enqueue") as enqueue:
			self.receive(item, 2)  # marked, but the last push is too recent
			scheduler.dispatch_stock_push()
			self.assertEqual(pushes(enqueue.call_args_list), [])
			frappe.db.set_value(
				"Amazon Account", name, "last_stock_push", add_to_date(now_datetime(), minutes=-11)
			)
			scheduler.dispatch_stock_push()
			(call,) = pushes(enqueue.call_args_list)
			self.assertEqual(call.kwargs["job_id"], f"amazon_stock_push::{name}")
			self.assertTrue(call.kwargs["only_dirty"] and call.kwargs["deduplicate"])
		self.assertEqual(take_dirty_items(name), {item})


class TestStockPushByFeed(StockTestCase):
	def test_full_push_of_5000_skus_goes_by_feed(self):
		codes = make_fbm_skus(self.account.name, 5000, f"STKF-{self.tag}", FBM_WAREHOUSE, qty=20)
		self.sim.control.put_listings(codes, quantity=0)
		self.sim.control.reset_counters()
		log = self.push(resend=True)
		self.assertEqual(
			(log.method, log.sent_count, log.accepted_count, log.status), ("Feed", 5000, 5000, "Success")
		)
		counters = self.sim.control.counters()
		self.assertEqual(counters["createFeed"]["requests"], 1)
		self.assertNotIn("patchListingsItem", counters)
		self.assertEqual(self.amazon_qty(codes[0]), 20)
		self.assertEqual(self.amazon_qty(codes[-1]), 20)
		self.assertEqual(
			frappe.db.count("Amazon SKU Mapping", {"amazon_account": self.account.name, "accepted_qty": 20}),
			5000,
		)


class TestFbaReconciliation(StockTestCase):
	def test_report_matches_amazon_and_draft_reconciliation_closes_the_gap(self):
		item = make_item(f"STK-FBA-{self.tag}")
		sku = "SIM-LMP-030"  # a catalogue SKU: the simulator's FBA pool holds it
		self.map_sku(sku, item, channel="FBA")
		self.receive(item, 3, warehouse=FBA_WAREHOUSE)
		summary = next(s for s in self.account_client().inventory_summaries() if s.sku == sku)
		row = next(r for r in fba_reconciliation(self.account.name) if r.sku == sku)
		on_hand = summary.fulfillable + summary.reserved + summary.unfulfillable
		self.assertEqual((row.item_code, row.amazon_item_qty, row.erpnext_qty), (item, on_hand, 3))
		self.assertEqual(row.difference, on_hand - 3)

		# Another registration of the same seller in North America shares the pool: same figures, counted once.
		us = frappe.get_doc("Amazon Account", self.account.name)
		us.marketplaces = [row for row in us.marketplaces if row.marketplace == US]
		us.save()
		canada = frappe.copy_doc(us)
		canada.account_name = f"{us.account_name} CA"
		canada.lwa_client_secret, canada.refresh_token = "lwa-secret-ca", "Atzr|refresh-token-ca"
		canada.marketplaces = []
		canada.append("marketplaces", {"marketplace": CA, "price_list": PRICE_LISTS["CAD"]})
		canada.insert()
		frappe.db.commit()
		other = next(r for r in fba_reconciliation(canada.name) if r.sku == sku)
		self.assertEqual((other.amazon_item_qty, other.erpnext_qty), (on_hand, 3))

		name = make_stock_reconciliation(self.account.name, [item])
		draft = frappe.get_doc("Stock Reconciliation", name)
		self.assertEqual(draft.docstatus, 0)
		draft.submit()
		frappe.db.commit()
		after = next(r for r in fba_reconciliation(self.account.name) if r.sku == sku)
		self.assertEqual(after.difference, 0)

	def test_draft_values_items_new_to_the_fba_warehouse_as_the_company_does_and_submits_as_made(self):
		"""Items valued in another warehouse only, by their Item rate only, by a buying price only: the draft
		carries each rate and submits as made; an item valued nowhere is named on its row before submitting."""
		currency = frappe.get_cached_value("Company", COMPANY, "default_currency")
		price_list = f"Amazon Test Buying {currency}"
		if not frappe.db.exists("Price List", price_list):
			frappe.get_doc(
				{"doctype": "Price List", "price_list_name": price_list, "currency": currency, "buying": 1, "selling": 0}
			).insert()
		skus = {"stores": "SIM-BAG-070", "item": "SIM-YOG-080", "buying": "SIM-TWL-090", "nowhere": "SIM-KNF-100"}
		items = {}
		for key, sku in skus.items():
			item = frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": f"STK-VAL-{key}-{self.tag}",
					"item_group": "All Item Groups",
					"stock_uom": "Nos",
					"is_stock_item": 1,
					"valuation_rate": 6.25 if key == "item" else 0,
				}
			).insert()
			items[key] = item.name
			self.map_sku(sku, item.name, channel="FBA")
		self.receive(items["stores"], 4)  # valued at 5 in the Stores warehouse, none in the FBA warehouse
		frappe.get_doc(
			{"doctype": "Item Price", "item_code": items["buying"], "price_list": price_list, "price_list_rate": 3.5}
		).insert()
		frappe.db.commit()

		valued = [items[key] for key in ("stores", "item", "buying")]
		name = make_stock_reconciliation(self.account.name, valued)
		draft = frappe.get_doc("Stock Reconciliation", name)
		self.assertEqual(
			{row.item_code: row.valuation_rate for row in draft.items},
			{items["stores"]: 5.0, items["item"]: 6.25, items["buying"]: 3.5},
		)
		draft.submit()
		frappe.db.commit()
		for key in ("stores", "item", "buying"):
			row = next(r for r in fba_reconciliation(self.account.name) if r.item_code == items[key])
			self.assertEqual(row.difference, 0, key)

		frappe.clear_messages()
		name = make_stock_reconciliation(self.account.name, [items["nowhere"]])
		draft = frappe.get_doc("Stock Reconciliation", name)
		self.assertEqual([row.valuation_rate for row in draft.items], [0])
		said = " ".join(str(m.get("message")) for m in frappe.get_message_log())
		self.assertIn(f"row 1 ({items['nowhere']})", said)
		notes = frappe.get_all(
			"Comment", {"reference_doctype": "Stock Reconciliation", "reference_name": name}, pluck="content"
		)
		self.assertTrue(any(items["nowhere"] in note for note in notes), notes)
		draft.delete()
		frappe.db.commit()

	def account_client(self):
		from amazon_integration.erpnext.account_client import get_client

		return get_client(self.account.name)


class TestImportListings(StockTestCase):
	def test_channels_come_from_amazons_listings(self):
		from amazon_integration.erpnext.stock import import_listings

		self.sim.control.put_listing("SIM-LMP-030", channel="AMAZON_NA")
		self.map_sku("SIM-MUG-001", "SIM-MUG-001", channel="FBA")  # wrong: Amazon has it merchant-fulfilled
		counts = import_listings(self.account.name)
		self.assertEqual(counts["updated"], 1)
		self.assertGreater(counts["created"], 1)
		self.assertEqual(self.mapping("SIM-MUG-001").fulfilment_channel, "FBM")
		self.assertEqual(self.mapping("SIM-LMP-030").fulfilment_channel, "FBA")
		self.assertEqual(import_listings(self.account.name)["created"], 0)

	def test_imports_before_the_account_is_enabled(self):
		# The guided setup asks for SKU mappings before the seller ticks Enabled: the form offers Import Listings
		# on a connected account, enabled or not.
		frappe.db.delete("Amazon SKU Mapping", {"amazon_account": self.account.name})
		frappe.db.set_value("Amazon Account", self.account.name, "enabled", 0)
		try:
			counts = frappe.get_doc("Amazon Account", self.account.name).import_listings()
		finally:
			frappe.db.set_value("Amazon Account", self.account.name, "enabled", 1)
			frappe.db.commit()
		self.assertGreater(counts["created"], 1)
