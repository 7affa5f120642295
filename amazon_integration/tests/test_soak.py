"""The soak's machinery at a small size: its own simulator process, two real RQ workers (one SIGKILLed mid-run),
a concurrent CLI run, faults on a fifth of the SP-API calls, malformed orders; every goal is met."""

import frappe
from frappe.tests.utils import FrappeTestCase

from amazon_integration.devtools.benchmarks import soak


class TestSoak(FrappeTestCase):
	def test_small_soak_meets_every_goal(self):
		result = soak.run(orders=10, fault_rate=0.2, seed=11, malformed=5)
		text = soak.report(result)
		orders, shipments = result["order_sync"], result["shipments"]
		self.assertEqual((orders["expected"], orders["imported"], orders["duplicates"], orders["lost"]), (10, 10, 0, []), text)
		self.assertEqual(orders["difference"], 0, text)
		self.assertEqual([kind for _id, kind, reason in orders["malformed"] if not reason], [], text)
		self.assertFalse(any(orders["half_made"].values()), text)
		self.assertEqual((shipments["lost"], shipments["twice"], shipments["wrong_status"]), ([], [], []), text)
		self.assertTrue(result["settlements"]["settlements"], text)
		self.assertTrue(soak.goals_met(result), text)
		self.assertIn("Goals met: yes", text)
		self.assertFalse(frappe.db.get_value("Amazon Account", result["account"], "enabled"))
