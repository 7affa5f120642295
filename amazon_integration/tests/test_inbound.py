"""Send to Amazon end to end against the simulator: a 3-SKU plan split into two shipments, one received short.
The FBA warehouse rises exactly as Amazon's fulfillable count does, in transit holds what Amazon has not received,
the shortage is listed; every step run twice does nothing twice; a cancelled plan gives its units back."""

import subprocess
import sys
import textwrap

import frappe
from frappe.utils import get_bench_path

from amazon_integration.devtools.fixtures import FixtureBuilder
from amazon_integration.erpnext import inbound
from amazon_integration.erpnext.account_client import get_client
from amazon_integration.simulator.inbound import inbound_state
from amazon_integration.tests.simulator_case import SimulatorTestCase
from amazon_integration.tests.utils import COMPANY

SENT = {"SIM-MUG-001": 10, "SIM-TEA-010": 6, "SIM-LMP-030": 4}
BOXES = [  # 2 boxes of 5 mugs, a box of tea, a box of lamps (cm, kg)
	{"item_code": "SIM-MUG-001", "boxes": 2, "units_per_box": 5, "length": 40, "width": 30, "height": 30, "weight": 6.5},
	{"item_code": "SIM-TEA-010", "boxes": 1, "units_per_box": 6, "length": 30, "width": 20, "height": 20, "weight": 3},
	{"item_code": "SIM-LMP-030", "boxes": 1, "units_per_box": 4, "length": 50, "width": 40, "height": 40, "weight": 12},
]
DAY = 86400


def bin_qty(item_code: str, warehouse: str) -> float:
	return frappe.db.get_value("Bin", {"item_code": item_code, "warehouse": warehouse}, "actual_qty") or 0


class TestSendToAmazon(SimulatorTestCase):
	orders = 0

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		inbound_state(cls.sim.state).operation_seconds = 0  # Amazon's operations finish at once here
		fixtures = FixtureBuilder(COMPANY)
		cls.transit = fixtures.warehouse("Amazon Inbound Transit")
		cls.dock = fixtures.warehouse("Inbound Dock")
		frappe.db.set_value(
			"Warehouse", cls.dock, {"address_line_1": "1 Main St", "city": "Seattle", "state": "WA", "pin": "98101", "phone_no": "2065550100"}
		)
		fixtures.stock_up(list(SENT), [cls.dock], 100, 5)
		frappe.db.set_value("Amazon Account", cls.account.name, "fba_in_transit_warehouse", cls.transit)
		frappe.db.commit()
		cls.account.reload()

	def new_shipment(self, quantities: dict[str, int], boxes: list[dict] | None = None):
		doc = frappe.get_doc(
			{
				"doctype": "Amazon Inbound Shipment",
				"amazon_account": self.account.name,
				"source_warehouse": self.dock,
				"items": [{"item_code": sku, "qty": qty} for sku, qty in quantities.items()],
				"boxes": boxes or [],
			}
		).insert()
		frappe.db.commit()
		return doc

	def fulfillable(self) -> dict[str, int]:
		return {s.sku: s.fulfillable for s in get_client(self.account.name).inventory_summaries(skus=list(SENT))}

	def test_split_plan_received_short(self):
		doc = self.new_shipment(SENT, BOXES)
		plans_before = len(inbound_state(self.sim.state).plans)
		inbound.start_plan(doc)
		inbound.start_plan(doc)  # again: the same plan, no second one at Amazon
		doc.reload()
		self.assertEqual(doc.status, "Choose Placement")
		self.assertEqual(len(inbound_state(self.sim.state).plans), plans_before + 1)
		plan = inbound_state(self.sim.state).plans[doc.inbound_plan_id]
		self.assertEqual(  # the box contents reached Amazon
			sorted((b["quantity"], b["items"][0]["msku"], b["items"][0]["quantity"]) for b in plan.boxes),
			[(1, "SIM-LMP-030", 4), (1, "SIM-TEA-010", 6), (2, "SIM-MUG-001", 5)],
		)
		options = frappe.parse_json(doc.placement_options)
		split = next(o for o in options if o["shipments"] == 2)
		single = next(o for o in options if o["shipments"] == 1)
		self.assertEqual(float(split["placementFee"]), 0)
		self.assertAlmostEqual(float(single["placementFee"]), 6.0)  # Amazon's Placement Services fee
		# Amazon quoted each option's transport before one is chosen: the seller compares the totals
		self.assertEqual((float(split["transportFee"]), float(split["total"])), (9.0, 9.0))
		self.assertEqual((float(single["transportFee"]), float(single["total"])), (9.0, 15.0))

		inbound.confirm_placement(doc, split["placementOptionId"])
		inbound.confirm_placement(doc, split["placementOptionId"])
		doc.reload()
		self.assertEqual(doc.status, "Choose Transport")
		transport = frappe.parse_json(doc.transport_options)
		self.assertEqual(len(transport), 2)  # a choice per shipment, each with Amazon's quote or none
		for shipment in transport:
			solutions = {o["shippingSolution"]: o for o in shipment["options"]}
			self.assertEqual(set(solutions), {"AMAZON_PARTNERED_CARRIER", "USE_YOUR_OWN_CARRIER"})
			self.assertGreater(float(solutions["AMAZON_PARTNERED_CARRIER"]["quote"]), 0)
			self.assertIsNone(solutions["USE_YOUR_OWN_CARRIER"]["quote"])
		# the seller takes Amazon's carrier for the first shipment and their own for the second
		first, second = transport
		chosen = {
			first["shipmentId"]: next(o for o in first["options"] if o["quote"])["transportationOptionId"],
			second["shipmentId"]: next(o for o in second["options"] if not o["quote"])["transportationOptionId"],
		}
		with self.assertRaises(frappe.ValidationError):  # an option Amazon does not offer is named, not swapped
			inbound.confirm_transport(doc, {first["shipmentId"]: "to-unknown"})
		inbound.confirm_transport(doc, frappe.as_json(chosen))
		doc.reload()
		inbound.confirm_transport(doc, chosen)  # again: nothing confirmed twice
		doc.reload()
		self.assertEqual(doc.status, "Ready to Ship")
		for shipment in inbound_state(self.sim.state).plans[doc.inbound_plan_id].shipments.values():
			self.assertEqual(shipment.transportation_option_id, chosen[shipment.shipment_id])
		first_units = sum(row.qty for row in doc.items if row.shipment_id == first["shipmentId"])
		self.assertAlmostEqual(doc.fees_total, first_units * 0.45)  # only the partnered quote the seller chose
		confirmations = {row.shipment_confirmation_id for row in doc.items}
		self.assertEqual(len(confirmations), 2)

		files = inbound.fetch_labels(doc)
		self.assertEqual(inbound.fetch_labels(doc), files)  # again: the same files, nothing fetched twice
		attached = frappe.get_all(
			"File", {"attached_to_doctype": doc.doctype, "attached_to_name": doc.name}, ["file_name", "file_url"]
		)
		self.assertEqual(len(attached), len(confirmations))  # one PDF per shipment, named by it
		for confirmation in confirmations:
			self.assertEqual(len([f for f in attached if f.file_name.startswith(f"{confirmation}-labels")]), 1)
		with open(frappe.get_doc("File", {"file_url": files[0]}).get_full_path(), "rb") as stored:
			self.assertTrue(stored.read().startswith(b"%PDF"))

		dock_before = {sku: bin_qty(sku, self.dock) for sku in SENT}
		fba_before = {sku: bin_qty(sku, self.account.fba_warehouse) for sku in SENT}
		transit_before = {sku: bin_qty(sku, self.transit) for sku in SENT}  # earlier runs' unsettled shortages
		amazon_before = self.fulfillable()
		inbound.mark_shipped(doc)
		doc.reload()
		inbound.mark_shipped(doc)  # a killed worker's rerun: nothing twice
		doc.reload()
		self.assertEqual(doc.status, "In Transit")
		self.assertEqual(len({row.transfer_out for row in doc.items}), 2)
		for sku, qty in SENT.items():
			self.assertEqual(bin_qty(sku, self.dock), dock_before[sku] - qty)
			self.assertEqual(bin_qty(sku, self.transit) - transit_before[sku], qty)

		self.sim.control.inbound_short({"SIM-TEA-010": 2})
		for row in doc.items:
			self.sim.control.inbound_ship(row.shipment_id)
		self.sim.control.advance(2 * DAY + 60)
		inbound.sync_receipts(doc)
		doc.reload()
		inbound.sync_receipts(doc)
		doc.reload()
		self.assertEqual(doc.status, "Receiving")
		amazon_after = self.fulfillable()
		for sku in SENT:
			self.assertEqual(
				bin_qty(sku, self.account.fba_warehouse) - fba_before[sku], amazon_after[sku] - amazon_before[sku], sku
			)
		in_transit = {sku: bin_qty(sku, self.transit) - transit_before[sku] for sku in SENT}
		self.assertEqual(in_transit, {"SIM-MUG-001": 0, "SIM-TEA-010": 2, "SIM-LMP-030": 0})
		self.assertFalse(doc.discrepancies)  # not closed yet: the units may still be counted in

		self.sim.control.advance(2 * DAY)
		self.assertIn(doc.name, inbound.open_shipments())
		inbound.sync_shipment_receipts(doc.name)  # the scheduler's job
		doc.reload()
		self.assertNotIn(doc.name, inbound.open_shipments())
		self.assertEqual(doc.status, "Closed")
		tea = next(row for row in doc.items if row.item_code == "SIM-TEA-010")
		self.assertEqual((tea.received_qty, tea.shortage_qty), (4, 2))
		self.assertIn("Shortage", doc.discrepancies)
		self.assertEqual(bin_qty("SIM-TEA-010", self.transit) - transit_before["SIM-TEA-010"], 2)  # until settled

		adjustment = inbound.draft_adjustment(doc)
		doc.reload()
		self.assertEqual(inbound.draft_adjustment(doc), adjustment)  # asked again: the same draft
		entry = frappe.get_doc("Stock Entry", adjustment)
		self.assertEqual(entry.docstatus, 0)  # the seller checks and submits it: never a silent write-off
		self.assertEqual(entry.stock_entry_type, "Material Issue")
		self.assertEqual([(r.item_code, r.qty, r.s_warehouse) for r in entry.items], [("SIM-TEA-010", 2, self.transit)])

	def test_cancelled_plan_gives_units_back(self):
		doc = self.new_shipment({"SIM-MUG-001": 3})
		inbound.start_plan(doc)
		doc.reload()
		option = frappe.parse_json(doc.placement_options)[0]["placementOptionId"]
		inbound.confirm_placement(doc, option)
		doc.reload()
		inbound.confirm_transport(doc)  # no choice made: Amazon's cheapest quote per shipment
		doc.reload()
		before = bin_qty("SIM-MUG-001", self.dock)
		inbound.mark_shipped(doc)
		doc.reload()
		self.assertEqual(bin_qty("SIM-MUG-001", self.dock), before - 3)
		inbound.cancel_plan(doc)
		doc.reload()
		self.assertEqual(doc.status, "Cancelled")
		self.assertEqual(bin_qty("SIM-MUG-001", self.dock), before)
		self.assertEqual(frappe.db.get_value("Stock Entry", doc.items[0].transfer_out, "docstatus"), 2)

	def killed_worker(self, function: str, name: str, kill_at: int) -> None:
		"""Run inbound.<function> on the shipment `name` in a worker process that dies (os._exit, as a SIGKILL would: no
		rollback, no cleanup) right after its `kill_at`-th stock transfer is made, before the step records it."""
		script = textwrap.dedent(
			f"""
			import os
			import frappe
			frappe.init(site={frappe.local.site!r}, sites_path=".")
			frappe.connect()
			from amazon_integration.erpnext import inbound
			made = inbound._transfer
			calls = []
			def transfer_then_die(*args, **kwargs):
				entry = made(*args, **kwargs)
				calls.append(entry)
				if len(calls) == {kill_at}:
					os._exit(9)
				return entry
			inbound._transfer = transfer_then_die
			if {function!r} == "sync_shipment_receipts":  # the job takes the name, the form's step the document
				inbound.sync_shipment_receipts({name!r})
			else:
				getattr(inbound, {function!r})(frappe.get_doc("Amazon Inbound Shipment", {name!r}))
			"""
		)
		frappe.db.commit()
		worker = subprocess.run(
			[sys.executable, "-c", script], cwd=f"{get_bench_path()}/sites", capture_output=True, timeout=300
		)
		self.assertEqual(worker.returncode, 9, worker.stderr.decode()[-2000:])
		frappe.db.rollback()  # see what the dead worker committed

	def transfers(self, doc, wording: str) -> list[str]:
		entries = frappe.get_all("Stock Entry", {"docstatus": 1, "remarks": ("like", f"%({doc.name})%")}, ["name", "remarks"])
		return [entry.name for entry in entries if wording in entry.remarks]

	def ready_to_ship(self, shipments: int):
		"""A plan of SENT through placement (the option with that many shipments) and transport (the cheapest)."""
		doc = self.new_shipment(SENT)
		inbound.start_plan(doc)
		doc.reload()
		option = next(o for o in frappe.parse_json(doc.placement_options) if o["shipments"] == shipments)
		inbound.confirm_placement(doc, option["placementOptionId"])
		doc.reload()
		inbound.confirm_transport(doc)  # no choice made: Amazon's partnered carrier, the cheapest quote
		doc.reload()
		return doc

	def test_killed_workers_move_nothing_twice_and_lose_nothing(self):
		doc = self.ready_to_ship(shipments=2)
		dock = {sku: bin_qty(sku, self.dock) for sku in SENT}
		transit = {sku: bin_qty(sku, self.transit) for sku in SENT}
		fba = {sku: bin_qty(sku, self.account.fba_warehouse) for sku in SENT}

		# "Shipments Left" dies after its second shipment's transfer, before marking it: the first stays done.
		self.killed_worker("mark_shipped", doc.name, kill_at=2)
		doc.reload()
		self.assertEqual(len(self.transfers(doc, "left")), 1)
		self.assertEqual(len({row.transfer_out for row in doc.items if row.transfer_out}), 1)
		inbound.mark_shipped(doc)  # the rerun does the rest, once
		doc.reload()
		self.assertEqual(len(self.transfers(doc, "left")), 2)
		for sku, qty in SENT.items():
			self.assertEqual(bin_qty(sku, self.dock), dock[sku] - qty)
			self.assertEqual(bin_qty(sku, self.transit), transit[sku] + qty)

		for shipment_id in {row.shipment_id for row in doc.items}:
			self.sim.control.inbound_ship(shipment_id)
		self.sim.control.advance(2 * DAY + 60)
		# The receipt job dies right after its first transfer (nothing of it is kept), then after its second
		# (the first shipment's move is kept, the second's is not).
		for kill_at, kept in ((1, 0), (2, 1)):
			self.killed_worker("sync_shipment_receipts", doc.name, kill_at=kill_at)
			self.assertEqual(len(self.transfers(doc, "Received by Amazon")), kept)
		inbound.sync_shipment_receipts(doc.name)
		inbound.sync_shipment_receipts(doc.name)  # and once more: nothing to move
		doc.reload()
		self.assertEqual(len(self.transfers(doc, "Received by Amazon")), 2)  # one per shipment
		for row in doc.items:
			self.assertEqual(row.moved_qty, min(row.received_qty, row.qty), row.item_code)
			self.assertGreater(row.received_qty, 0)
			self.assertEqual(bin_qty(row.item_code, self.account.fba_warehouse), fba[row.item_code] + row.moved_qty)
			self.assertEqual(
				bin_qty(row.item_code, self.transit), transit[row.item_code] + row.qty - row.moved_qty, row.item_code
			)

	def test_bad_input_is_named(self):
		with self.assertRaises(frappe.ValidationError):
			self.new_shipment({"SIM-MUG-001": 0})
		mugs = {"item_code": "SIM-MUG-001", "boxes": 2, "units_per_box": 5, "length": 40, "width": 30, "height": 30, "weight": 6}
		with self.assertRaisesRegex(frappe.ValidationError, "SIM-MUG-001"):  # 10 packed, 12 sent
			self.new_shipment({"SIM-MUG-001": 12}, [mugs])
		with self.assertRaisesRegex(frappe.ValidationError, "63.5"):  # longer than Amazon's standard box
			self.new_shipment({"SIM-MUG-001": 10}, [{**mugs, "length": 80}])
		with self.assertRaisesRegex(frappe.ValidationError, "22.7"):
			self.new_shipment({"SIM-MUG-001": 10}, [{**mugs, "weight": 30}])
		with self.assertRaises(frappe.ValidationError):
			self.new_shipment({"SIM-MUG-001": 10}, [{**mugs, "height": 0}])

	def test_fees_reach_the_settlement(self):
		"""Amazon charges the placement service fee and the partnered transport in the settlement, with its own
		amount-descriptions; they are imported as Inbound and Placement Fees and go to the account mapped to that
		category."""
		from amazon_integration.domain.fees import FeeCategory
		from amazon_integration.erpnext.fee_accounts import FeeAccounts
		from amazon_integration.erpnext.settlements import import_account_settlements

		doc = self.ready_to_ship(shipments=1)
		self.assertEqual(doc.fees_total, 15.0)  # placement 20 units x 0.30, transport 20 x 0.45
		self.sim.control.advance(600)
		(closed,) = self.sim.control.close_settlements("USD")
		self.sim.control.advance(600)
		import_account_settlements(self.account.name)
		fees = frappe.get_all(
			"Amazon Settlement Fee",
			{"settlement": closed["settlementId"], "category": FeeCategory.INBOUND_PLACEMENT_FEES.value},
			["amount_type", "amount_description", "amount"],
		)
		self.assertEqual(
			sorted((f.amount_description, f.amount) for f in fees),
			[("FBA Inbound Placement Service Fee", -6.0), ("FBAInboundTransportationFee", -9.0)],
		)
		inbound_account = frappe.db.get_value(
			"Account", {"company": self.account.company, "account_type": ("!=", "Bank"), "is_group": 0, "root_type": "Expense"}
		)
		account = frappe.get_doc("Amazon Account", self.account.name)
		account.fee_accounts = [row for row in account.fee_accounts if row.category != FeeCategory.INBOUND_PLACEMENT_FEES.value]
		account.append("fee_accounts", {"category": FeeCategory.INBOUND_PLACEMENT_FEES.value, "account": inbound_account})
		routed = FeeAccounts(account, payout_account="")
		for fee in fees:
			self.assertEqual(
				routed.resolve(FeeCategory.INBOUND_PLACEMENT_FEES, fee.amount_type, fee.amount_description),
				(inbound_account, False),
			)
