"""Soak: `bench --site SITE amazon soak --orders 1000 --fault-rate 0.2 [--seed N]` (test sites only).

The whole order-to-cash loop under faults, kills and concurrency, measured end to end:
- the simulator runs as a process of its own with N seeded orders on Amazon.com and Amazon.ca (half FBA shipped,
  half FBM unshipped), N/20 malformed orders among them, and a seeded fault rate on every SP-API call (429,
  500, 503, answers slower than the client waits, truncated bodies, repeated pages);
- a "Soak" Amazon Account is bound to it; two real RQ workers of the bench (`frappe worker`) run the app's jobs,
  and a CLI run (`bench amazon ...`) runs beside them;
- orders: two sync jobs plus a CLI sync at once; one worker is SIGKILLed mid-run and restarted; syncs repeat until
  nothing changes. Then shipments: every FBM Delivery Note is submitted and confirmed to Amazon the same way (a
  worker killed mid-run). Then settlements: Amazon closes the period, the reports are imported and submitted, a
  worker is killed mid-booking and the booking resumed.
It prints what it counted on both sides (ERPNext and the simulator), against the goals: no order lost or
duplicated, totals exact, every malformed order reported with its reason, nothing half-made; every shipment
confirmed once; every settlement reconciled to 0.00 with no Payment Entry twice.

It prepares the site as the tier-2 tests do and leaves its documents there: run it on a test site only.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import now_datetime

from amazon_integration.devtools.benchmarks import infra
from amazon_integration.simulator.control import ControlClient
from amazon_integration.devtools.testbed import (
	CA,
	US,
	before_tests,
	catalogue,
	next_namespace,
	require_test_site,
	simulator_account,
)

NOT_OWNED = "the soak runs this site's MariaDB only through --db-stop-command and --db-start-command"
CRON_TICK = 30  # seconds between the scheduler's dispatches the soak calls after a flush (cron: every 5 minutes)
HTTP_TIMEOUT = 2.0  # seconds the app waits for an answer during the soak; slow faults answer after SLOW_SECONDS
SLOW_SECONDS = 3.0
WAIT_LIMIT = 3600  # seconds a phase may take before the soak gives up on it
CATCH_UP_ROUNDS = 6
SEARCH_RATE = 0.5  # searchOrders calls per second the simulator allows during the soak (Amazon: 1 in 180 s)


class Soak:
	def __init__(
		self,
		orders: int,
		fault_rate: float,
		seed: int,
		malformed: int | None = None,
		log_dir: str | None = None,
		infra_faults: infra.Infra | None = None,
	):
		self.orders = orders
		self.infra = infra_faults
		self.fault_rate = fault_rate
		self.seed = seed
		self.malformed = orders // 20 if malformed is None else malformed
		self.sites = os.path.abspath(frappe.utils.get_site_path(".."))
		self.site = frappe.local.site
		self.log_dir = log_dir or frappe.utils.get_bench_path() + "/logs"
		self.workers: list[subprocess.Popen] = []
		self.kills: list[str] = []
		self.restarted_workers = 0  # workers that ended by themselves (a lost Redis) and were started again
		self.sim: subprocess.Popen | None = None
		self.control: ControlClient | None = None
		self.account = ""
		self.started = now_datetime()

	# -- processes ---------------------------------------------------------------------------------------------
	def _popen(self, args: list[str], name: str, **kwargs) -> subprocess.Popen:
		out = open(f"{self.log_dir}/soak-{self.seed}-{name}.log", "ab")
		return subprocess.Popen(args, cwd=self.sites, stdout=out, stderr=subprocess.STDOUT, **kwargs)

	def _frappe(self, *args: str) -> list[str]:
		return [sys.executable, "-m", "frappe.utils.bench_helper", "frappe", *args]

	def start_simulator(self) -> None:
		with socket.socket() as s:
			s.bind(("127.0.0.1", 0))
			port = s.getsockname()[1]
		self.sim = self._popen(
			[sys.executable, "-m", "amazon_integration.simulator", "--port", str(port), "--seed", str(self.seed),
			 "--orders", "0", "--marketplaces", f"{US},{CA}", "--namespace", str(next_namespace())],
			"simulator",
			start_new_session=True,
		)
		self.url = f"http://127.0.0.1:{port}"
		self.control = ControlClient(self.url, timeout=60)
		for _ in range(200):
			try:
				self.control.health()
				return
			except Exception:
				time.sleep(0.1)
		raise RuntimeError("the simulator did not start")

	def start_worker(self, index: int) -> None:
		proc = self._popen(self._frappe("worker", "--queue", "long,default,short"), f"worker{index}", start_new_session=True)
		if index < len(self.workers):
			self.workers[index] = proc
		else:
			self.workers.append(proc)

	def kill_worker(self, index: int, when: str) -> None:
		"""SIGKILL a worker and the job process it forked (its own process group), then start it again."""
		import psutil

		proc = self.workers[index]
		# RQ runs each job in a forked "work horse" of its own session: kill it too, first.
		for child in psutil.Process(proc.pid).children(recursive=True):
			child.kill()
		os.killpg(proc.pid, signal.SIGKILL)
		proc.wait()
		self.kills.append(when)
		self.start_worker(index)

	def cli(self, *args: str) -> subprocess.Popen:
		return self._popen(self._frappe("--site", self.site, "amazon", *args), "cli")

	def stop(self) -> None:
		import psutil

		horses = []
		for proc in self.workers:
			if proc.poll() is None:
				horses += psutil.Process(proc.pid).children(recursive=True)
				os.killpg(proc.pid, signal.SIGTERM)  # a warm shutdown: the worker ends its job and its horse
		for proc in self.workers:
			try:
				proc.wait(timeout=20)
			except subprocess.TimeoutExpired:
				os.killpg(proc.pid, signal.SIGKILL)
				proc.wait()
		for horse in horses:  # a job that outlived the warm shutdown (its own session)
			try:
				horse.kill()
			except psutil.NoSuchProcess:
				pass
		if self.control:
			self.control.close()
		if self.sim and self.sim.poll() is None:
			os.killpg(self.sim.pid, signal.SIGTERM)
			self.sim.wait(timeout=20)

	def busy_worker(self) -> int | None:
		"""The index of one of our workers running a job now."""
		from frappe.utils.background_jobs import get_redis_conn
		from rq import Worker

		import psutil

		pids = {proc.pid: index for index, proc in enumerate(self.workers)}
		registered = set()
		for worker in Worker.all(connection=get_redis_conn()):
			registered.add(worker.pid)
			if worker.pid in pids and worker.get_state() == "busy" and self._ours(worker.get_current_job()):
				return pids[worker.pid]
		# A flushed or restarted Redis forgets the workers it knew: a worker with a work horse is busy.
		for pid, index in pids.items():
			try:
				if pid not in registered and psutil.Process(pid).children():
					return index
			except psutil.NoSuchProcess:
				continue
		return None

	def supervise(self) -> None:
		"""As supervisor does: a worker that ended by itself (it lost Redis) is started again."""
		for index, proc in enumerate(self.workers):
			if proc.poll() is not None:
				self.restarted_workers += 1
				self.start_worker(index)

	def _ours(self, job) -> bool:
		"""A job of the soak's account (the site's queues may hold others', e.g. left by tests)."""
		kwargs = ((job.kwargs or {}).get("kwargs") or {}) if job else {}
		return self.account in (kwargs.get("account"), kwargs.get("account_name")) or (
			kwargs.get("settlement") is not None
			and frappe.db.get_value("Amazon Settlement", kwargs["settlement"], "amazon_account") == self.account
		)

	def others_queued(self) -> int:
		"""Jobs on the site's queues that are not the soak's: the soak's workers run them too, slowing its figures."""
		from frappe.utils.background_jobs import get_queues

		return sum(1 for q in get_queues() for job in q.get_jobs() if not self._ours(job))

	def wait_idle(self, *clis: subprocess.Popen, extra: float = 2.0) -> None:
		"""Until the CLI runs ended, none of the soak's jobs is queued and none of our live workers runs one."""
		from frappe.utils.background_jobs import get_queues

		deadline = time.monotonic() + WAIT_LIMIT
		quiet_since = None
		while time.monotonic() < deadline:
			self.supervise()
			running = any(p.poll() is None for p in clis)
			try:
				queued = sum(1 for q in get_queues() for job in q.get_jobs() if self._ours(job))
				busy = self.busy_worker() is not None
			except Exception:  # Redis restarting: ask again
				queued, busy = 1, True
			if running or queued or busy:
				quiet_since = None
			elif quiet_since is None:
				quiet_since = time.monotonic()
			elif time.monotonic() - quiet_since >= extra:
				return
			time.sleep(0.5)
		raise RuntimeError("the soak's jobs did not end within the time limit")

	def kill_when(self, reached, label: str, *clis: subprocess.Popen) -> None:
		"""Kill a busy worker once `reached()` (progress) says so, or when work ends first."""
		busy = self.when(reached, *clis)
		if busy is not None:
			self.kill_worker(busy, label)
		else:
			self.kills.append(f"{label} (no job was running any more: nothing killed)")

	def when(self, reached, *clis: subprocess.Popen) -> int | None:
		"""Wait until `reached()` (progress) while a worker is busy (its index), or until the work ended first
		(None)."""
		from frappe.utils.background_jobs import get_queues

		deadline = time.monotonic() + WAIT_LIMIT
		idle_since = None
		while time.monotonic() < deadline:
			self.supervise()
			try:
				frappe.db.rollback()  # a fresh snapshot of what the jobs committed
				busy = self.busy_worker()
				ended = busy is None and not any(p.poll() is None for p in clis)
				if reached() and (busy is not None or ended):
					return busy
				if ended and not any(self._ours(job) for q in get_queues() for job in q.get_jobs()):
					idle_since = idle_since or time.monotonic()
					if time.monotonic() - idle_since > 5:
						return None  # the work ended before it got that far
				else:
					idle_since = None
			except Exception:  # Redis or MariaDB coming back after a fault: ask again
				infra.reconnect_frappe()
			time.sleep(0.3)
		return None

	# -- setup -------------------------------------------------------------------------------------------------
	def setup(self) -> None:
		from frappe.installer import update_site_config

		in_test = frappe.flags.in_test
		frappe.flags.in_test = True  # the tests' outgoing mail account is checked against no real server then
		try:
			before_tests()
		finally:
			frappe.flags.in_test = in_test
		update_site_config("amazon_http_timeout", HTTP_TIMEOUT)
		self.start_simulator()
		rng = random.Random(self.seed)
		skus = [entry.sku for entry in catalogue()]
		self.expected: dict[str, dict] = {}
		for _ in range(self.orders):
			fba = rng.random() < 0.5
			order = self.control.create_order(
				marketplace_id=rng.choice((US, US, US, CA)),
				fulfilled_by="AMAZON" if fba else "MERCHANT",
				status="SHIPPED" if fba else "UNSHIPPED",
				items=[{"sku": sku, "quantity": rng.choice((1, 1, 1, 2, 3))} for sku in rng.sample(skus, rng.choice((1, 1, 2, 3)))],
			)
			self.expected[order["order_id"]] = order
		self.planted = self.control.create_malformed_orders(self.malformed) if self.malformed else []
		self.control.advance(180)  # Amazon lists an update once it is two minutes old
		account = simulator_account(
			SimpleNamespace(url=self.url),
			account_name=f"Soak {self.seed} {frappe.generate_hash(length=6)}",
			invoice_fba_orders=1,
			invoice_fbm_deliveries=1,
		)
		self.account = account.name
		# searchOrders allows one call in 3 minutes after a burst of 20: three runs reading the whole window at once
		# would wait most of the soak for it. Amazon's answers announce the faster rate; the client follows.
		self.control.set_quota("searchOrders", SEARCH_RATE, 20)
		self.control.set_fault_rate(self.fault_rate, self.seed, SLOW_SECONDS)
		for index in range(2):
			self.start_worker(index)

	def counters(self) -> dict[str, int]:
		ops = self.control.counters()
		spapi = {op: c for op, c in ops.items() if "/" not in op}
		return {
			"calls": sum(c["requests"] for c in spapi.values()),
			"throttled": sum(c["throttled"] for c in spapi.values()),
			"injected_throttle": self.control.injected_faults().get("throttle", 0),
			"errors": sum(c["errors"] for c in spapi.values()),
			**{f"op:{op}": c["requests"] for op, c in spapi.items()},
		}

	def advance(self, seconds: float) -> None:
		"""Amazon's clock moves on; so do the app's quota buckets (shared in Redis, on the real clock), as they would
		have had the soak waited that long."""
		self.control.advance(seconds)
		seller = frappe.db.get_value("Amazon Account", self.account, "seller_id")
		cache = frappe.cache()
		for key in cache.scan_iter(f"amazon_quota{seller}:*"):
			cache.eval("return redis.call('DEL', KEYS[1])", 1, key)

	@staticmethod
	def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
		return {key: value - before.get(key, 0) for key, value in after.items()}

	# -- orders ------------------------------------------------------------------------------------------------
	def _sales_orders(self) -> list:
		return frappe.get_all(
			"Sales Order",
			filters={"amazon_account": self.account},
			fields=["name", "amazon_order_id", "grand_total", "docstatus", "amazon_fulfillment_channel", "customer",
					"customer_address", "contact_person"],
		)

	def _enqueue_order_syncs(self) -> None:
		from amazon_integration.erpnext.jobs import ORDER_SYNC

		ORDER_SYNC.enqueue(self.account)
		self._second_job(ORDER_SYNC)

	def _second_job(self, kind) -> None:
		"""A second job of the same work at once (as a desk click beside the scheduler's job would be, had it
		another job id), run as the app runs every job (jobs.enqueue: a budget that ends before RQ's timeout)."""
		from amazon_integration.erpnext.jobs import enqueue

		enqueue(kind, f"amazon_soak_second::{kind.method}::{self.account}", account=self.account)
		frappe.db.commit()

	def sync_orders(self) -> dict:
		before, started = self.counters(), time.monotonic()
		self._enqueue_order_syncs()
		cli = self.cli("sync-orders", "--account", self.account)
		threshold = max(3, len(self.expected) // 5)
		self.kill_when(
			lambda: frappe.db.count("Sales Order", {"amazon_account": self.account}) >= threshold,
			f"order sync, after {threshold} Sales Orders",
			cli,
		)
		if self.infra:
			self.order_faults(cli)
		self.wait_idle(cli)
		rounds = self.catch_up_orders()
		if self.infra:
			rounds += self.database_outage()
		frappe.db.rollback()
		self.last_phase = self._delta(self.counters(), before)
		return self._order_figures(rounds, time.monotonic() - started, self.last_phase)

	def catch_up_orders(self) -> int:
		"""Order syncs until nothing changes and every order is in; returns the rounds (the first one counted)."""
		rounds = 1
		last = -1
		while rounds < CATCH_UP_ROUNDS:
			frappe.db.rollback()
			count = frappe.db.count("Sales Order", {"amazon_account": self.account})
			if count == last and count >= len(self.expected):
				break
			last = count
			self.advance(180)
			self._enqueue_order_syncs()
			self.wait_idle()
			rounds += 1
		return rounds

	def _order_count(self) -> int:
		return frappe.db.count("Sales Order", {"amazon_account": self.account})

	def late_orders(self, count: int) -> list[str]:
		"""More orders on Amazon (FBM, unshipped), listed for the next sync."""
		rng = random.Random(self.seed * 7919 + len(self.expected))
		skus = [entry.sku for entry in catalogue()]
		made = []
		for _ in range(count):
			order = self.control.create_order(
				marketplace_id=US,
				fulfilled_by="MERCHANT",
				status="UNSHIPPED",
				items=[{"sku": sku, "quantity": 1} for sku in rng.sample(skus, rng.choice((1, 2)))],
			)
			self.expected[order["order_id"]] = order
			made.append(order["order_id"])
		self.control.advance(180)
		return made

	def _order_figures(self, rounds: int, seconds: float, calls: dict) -> dict:
		rows = self._sales_orders()
		by_id = Counter(row.amazon_order_id for row in rows)
		submitted = {row.amazon_order_id: row for row in rows if row.docstatus == 1}
		expected = set(self.expected)
		malformed_ids = {row["order_id"] for row in self.planted}
		difference = sum(
			(Decimal(str(row.grand_total)) - Decimal(self.expected[oid]["total"]) for oid, row in submitted.items() if oid in expected),
			Decimal(0),
		)
		wrong_totals = [
			oid for oid, row in submitted.items()
			if oid in expected and Decimal(str(row.grand_total)) != Decimal(self.expected[oid]["total"])
		]
		logs = frappe.get_all("Amazon Sync Log", {"amazon_account": self.account}, pluck="name")
		reasons: dict[str, str] = {}
		for failure in frappe.get_all(
			"Amazon Sync Log Failure",
			filters={"parenttype": "Amazon Sync Log", "parent": ("in", logs or [""]), "amazon_order_id": ("in", list(malformed_ids) or [""])},
			fields=["amazon_order_id", "error"],
			order_by="creation asc",
		):
			reasons[failure.amazon_order_id] = failure.error
		return {
			"expected": len(expected),
			"imported": len(set(submitted) & expected),
			"duplicates": sum(count - 1 for count in by_id.values() if count > 1),
			"lost": sorted(expected - set(submitted)),
			"difference": difference,
			"wrong_totals": wrong_totals,
			"malformed": [(row["order_id"], row["kind"], reasons.get(row["order_id"])) for row in self.planted],
			"malformed_imported": sorted(malformed_ids & set(by_id)),
			"half_made": self._half_made(rows),
			"rounds": rounds,
			"seconds": seconds,
			"calls": calls,
			"stuck_logs": frappe.db.count("Amazon Sync Log", {"amazon_account": self.account, "status": "Running"}),
			"logs": self._log_statuses(),
		}

	def _log_statuses(self) -> dict[str, int]:
		log = frappe.qb.DocType("Amazon Sync Log")
		return dict(
			frappe.qb.from_(log)
			.select(log.status, Count(log.name))
			.where(log.amazon_account == self.account)
			.groupby(log.status)
			.run(as_list=True)
		)

	def _half_made(self, rows: list) -> dict[str, list[str]]:
		since = {"creation": (">=", self.started)}
		customers = {row.customer for row in rows}
		addresses = {row.customer_address for row in rows if row.customer_address}
		contacts = {row.contact_person for row in rows if row.contact_person}
		soak_customers = frappe.get_all("Customer", {"amazon_buyer_ref": ("is", "set"), **since}, pluck="name")
		linked = frappe.get_all(
			"Dynamic Link",
			filters={"link_doctype": "Customer", "link_name": ("in", soak_customers or [""]), "parenttype": ("in", ["Address", "Contact"])},
			fields=["parent", "parenttype"],
		)
		delivered = {
			row.against_sales_order: row.docstatus
			for row in frappe.get_all(
				"Delivery Note Item",
				filters={"against_sales_order": ("in", [row.name for row in rows] or [""]), "docstatus": ("<", 2)},
				fields=["against_sales_order", "docstatus"],
			)
		}
		return {
			"Customer without its order": sorted(set(soak_customers) - customers),
			"Address without its order": sorted({r.parent for r in linked if r.parenttype == "Address"} - addresses),
			"Contact without its order": sorted({r.parent for r in linked if r.parenttype == "Contact"} - contacts),
			"Sales Order not submitted": sorted(row.name for row in rows if row.docstatus == 0),
			"Sales Order without its Delivery Note": sorted(
				row.name for row in rows if row.docstatus == 1 and row.name not in delivered
			),
			"FBA Sales Order without its submitted Delivery Note": sorted(
				row.name for row in rows
				if row.docstatus == 1 and row.amazon_fulfillment_channel == "FBA" and delivered.get(row.name) == 0
			),
		}

	# -- infrastructure faults (--infra-faults) -----------------------------------------------------------------
	def fault(self, kind: str, label: str, action, reached=None, *clis: subprocess.Popen, more_work=None) -> None:
		"""Run `action(label)` once `reached()` (progress) while a job runs, or at once; record what it did. When
		the work ended first (an earlier fault stopped the runs), `more_work()` queues more, as the scheduler's next
		run would, so that the fault meets a job at work."""
		busy = self.when(reached, *clis) if reached else self.busy_worker()
		if busy is None and more_work:
			more_work()
			deadline = time.monotonic() + 120
			while busy is None and time.monotonic() < deadline:
				self.supervise()
				busy = self.busy_worker()
				time.sleep(0.3)
			time.sleep(5)  # past the run's start, into its orders
		started = time.monotonic()
		detail = action(label)
		infra.reconnect_frappe()
		when = "while a job ran" if busy is not None else "with no job running"
		self.infra.events.append((kind, f"{label} ({when}): {detail}, {time.monotonic() - started:.0f} s"))

	def skipped(self, kind: str, label: str, why: str) -> None:
		self.infra.events.append((kind, f"{label}: skipped ({why})"))

	def db_restart(self, label: str) -> str:
		return f"down {self.infra.db.restart(label):.0f} s"

	def order_faults(self, cli: subprocess.Popen) -> None:
		"""Round one of the order sync meets each fault in turn, at a share of the orders imported."""
		n = len(self.expected)

		def at(share):
			return lambda: self._order_count() >= n * share // 100

		db = self.infra.db

		def fault(kind, label, action, share):
			self.fault(kind, label, action, at(share), cli, more_work=self._enqueue_order_syncs)

		fault("Redis restart", "Redis (queue and cache) restarted during order sync", self.redis_restart, 35)
		fault("connections killed", "the app's MariaDB connections killed during order sync",
			  lambda label: f"{db.kill_connections(label)} connections", 45)
		if db.owned:
			fault("MariaDB restart", "MariaDB restarted during order sync", self.db_restart, 50)
		else:
			self.skipped("MariaDB restart", "MariaDB restarted during order sync", NOT_OWNED)
		fault("lock wait timeout", "Bin rows held past the lock wait timeout during order sync",
			  lambda label: f"held {self.locks().hold(label, self.supervise)} s", 60)
		fault("deadlock", "deadlocks forced on Bin rows during order sync",
			  lambda label: f"{self.locks().force_deadlocks(label, 2, 120, self.supervise)} deadlocks", 70)

	def locks(self) -> infra.Locks:
		items = [entry.sku for entry in catalogue()]
		return infra.Locks(frappe.get_all("Bin", filters={"item_code": ("in", items)}, pluck="name"), self.account)

	def redis_restart(self, label: str) -> str:
		if not self.infra.redis.owned():
			return "skipped: the site's Redis is not a process of this host the soak may restart"
		return f"down {self.infra.redis.restart(label):.1f} s"

	def database_outage(self) -> int:
		"""MariaDB stopped for longer than a run's retry budget while an order sync runs: the run ends Failed with
		the reason, the next runs import the rest. Returns the catch-up rounds."""
		label = "MariaDB stopped during order sync"
		if not self.infra.db.owned:
			self.skipped("MariaDB outage", label, NOT_OWNED)
			return 0
		from amazon_integration.erpnext.jobs import ORDER_SYNC

		late = self.late_orders(max(10, len(self.expected) // 20))
		base = self._order_count()
		mark = now_datetime()
		ORDER_SYNC.enqueue(self.account)
		frappe.db.commit()
		outage = self.infra.outage
		self.fault("MariaDB outage", f"{label} for {outage} s", lambda lb: f"down {self.infra.db.outage(outage, lb):.0f} s",
				   lambda: self._order_count() >= base + 3)
		self.wait_idle()
		frappe.db.rollback()
		runs = frappe.get_all(
			"Amazon Sync Log",
			filters={"amazon_account": self.account, "operation": "Order Sync", "creation": (">=", mark)},
			fields=["status", "error"],
			order_by="creation asc",
			limit=1,
		)
		if runs:
			reason = (runs[0].error or "").strip().splitlines()
			self.infra.events.append(
				("MariaDB outage", f"the run it stopped: {runs[0].status}" + (f": {reason[0][:160]}" if reason else ""))
			)
		started = time.monotonic()
		rounds = self.catch_up_orders()
		frappe.db.rollback()
		missing = [oid for oid in late if not frappe.db.exists("Sales Order", {"amazon_order_id": oid, "docstatus": 1})]
		self.infra.events.append(
			("MariaDB outage", f"{len(late) - len(missing)} of the {len(late)} orders listed meanwhile imported by the "
			 f"next runs in {time.monotonic() - started:.0f} s")
		)
		return rounds

	def pause_workers(self) -> None:
		"""Stop the workers (a warm shutdown, as a deployment does): what is enqueued now stays queued. (A paused
		worker would not do: Redis hands a queued job to a worker blocked on the queue even while it sleeps.)"""
		for proc in self.workers:
			os.killpg(proc.pid, signal.SIGTERM)
		for proc in self.workers:
			try:
				proc.wait(timeout=60)
			except subprocess.TimeoutExpired:  # its job outlasts a warm shutdown: as a deployment would, kill it
				os.killpg(proc.pid, signal.SIGKILL)
				proc.wait()

	def resume_workers(self) -> None:
		for index in range(len(self.workers)):
			self.start_worker(index)

	def flush_with_queued(self, label: str, enqueue) -> dict:
		"""Enqueue work with the workers paused, flush Redis (queue and cache: RQ's jobs and the app's quota buckets),
		resume. Returns what was lost and the counters at the flush."""
		from frappe.utils.background_jobs import get_queues

		self.pause_workers()
		try:
			enqueue()
			frappe.db.commit()
			lost = Counter(
				(job.kwargs or {}).get("kwargs", {}).get("job_method", job.func_name).rsplit(".", 1)[-1]
				for q in get_queues() for job in q.get_jobs() if self._ours(job)
			)
			at = self.counters()
			self.infra.redis.flush(label)
		finally:
			self.resume_workers()
		self.infra.events.append(
			("Redis flush", f"{label}: {sum(lost.values())} queued jobs lost ({', '.join(f'{k} {v}' for k, v in sorted(lost.items()))})")
		)
		return {"at": at, "time": time.monotonic(), "lost": lost}

	def after_flush(self, flush: dict, what: str) -> None:
		"""How long the work the flushed jobs were queued for took, and Amazon's 429s before it (the previous phase's,
		after its own flush) and after it."""
		now = self.counters()

		def rate(d):
			throttled = d["throttled"] - d["injected_throttle"]
			return f"{throttled} in {d['calls']} calls ({100 * throttled / max(1, d['calls']):.1f}%)"

		self.infra.events.append(
			("Redis flush", f"{what} done by the scheduler's next runs {time.monotonic() - flush['time']:.0f} s after the "
			 f"flush; Amazon's 429s (without the injected ones): in the phase before {rate(self.last_phase)}, "
			 f"after the flush {rate(self._delta(now, flush['at']))}")
		)

	# -- shipments ---------------------------------------------------------------------------------------------
	def _fbm_drafts(self) -> list[str]:
		return frappe.get_all(
			"Delivery Note",
			filters={"amazon_account": self.account, "amazon_fulfillment_channel": "FBM", "docstatus": 0},
			pluck="name",
			order_by="creation",
		)

	def ship(self) -> dict:
		from amazon_integration.erpnext.jobs import SHIPMENT_SYNC
		from amazon_integration.erpnext.scheduler import dispatch_shipment_sync

		before, started = self.counters(), time.monotonic()
		drafts = self._fbm_drafts()
		cli = None

		def submit_all():
			nonlocal cli
			for index, name in enumerate(drafts, 1):
				dn = frappe.get_doc("Delivery Note", name)
				dn.amazon_carrier_name = "UPS"
				dn.amazon_tracking_number = f"1ZSOAK{self.seed % 1000:03d}{index:07d}"
				dn.flags.ignore_permissions = True
				dn.submit()  # its job confirms it to Amazon in the background
				frappe.db.commit()
				if index == len(drafts) // 2 and not self.infra:
					cli = self.cli("sync-deliveries", "--account", self.account)

		if self.infra:
			# Every Delivery Note submitted and orders listed, their jobs queued, then Redis flushed: only the
			# scheduler's next dispatch brings the work back.
			late: list[str] = []

			def queue_work():
				from amazon_integration.erpnext.jobs import ORDER_SYNC

				submit_all()
				late.extend(self.late_orders(10))
				ORDER_SYNC.enqueue(self.account)

			flush = self.flush_with_queued("Redis flushed with shipments and orders queued", queue_work)
			frappe.db.set_value("Amazon Account", self.account, "last_order_sync", None)  # its interval is up
			frappe.db.commit()
			self.dispatch()
			cli = self.cli("sync-deliveries", "--account", self.account)
		else:
			submit_all()
			SHIPMENT_SYNC.enqueue(self.account, include_failed=False)
		self._second_job(SHIPMENT_SYNC)
		clis = [cli] if cli else []
		if self.infra:
			if self.infra.db.owned:
				self.fault("MariaDB restart", "MariaDB restarted during shipment confirmation", self.db_restart,
						   lambda: self._confirmed() >= len(drafts) * 2 // 5, *clis)
			else:
				self.skipped("MariaDB restart", "MariaDB restarted during shipment confirmation", NOT_OWNED)
		threshold = max(2, len(drafts) * 3 // 5)
		self.kill_when(
			lambda: frappe.db.count(
				"Delivery Note", {"amazon_account": self.account, "amazon_sync_status": "Synchronized"}
			) >= threshold,
			f"shipment sync, after {threshold} confirmations",
			*clis,
		)
		self.wait_idle(*clis)
		rounds = 1
		while rounds < CATCH_UP_ROUNDS:
			frappe.db.rollback()
			due = frappe.db.count(
				"Delivery Note",
				{"amazon_account": self.account, "docstatus": 1, "amazon_sync_status": "Pending"},
			) + frappe.db.count(
				"Delivery Note", {"amazon_account": self.account, "docstatus": 1, "amazon_sync_unconfirmed": 1}
			)
			if self.infra:
				due += sum(1 for oid in late if not frappe.db.exists("Sales Order", {"amazon_order_id": oid}))
			if not due:
				break
			if self.infra:
				self.dispatch()
			else:
				dispatch_shipment_sync()  # the scheduler's own way in
			frappe.db.commit()
			self.wait_idle()
			rounds += 1
		frappe.db.rollback()
		if self.infra:
			self.after_flush(flush, "the shipments and orders")
		calls = self._delta(self.counters(), before)
		self.last_phase = self._delta(calls, self._delta(flush["at"], before)) if self.infra else calls
		return self._shipment_figures(len(drafts), rounds, time.monotonic() - started, calls)

	def _confirmed(self) -> int:
		return frappe.db.count("Delivery Note", {"amazon_account": self.account, "amazon_sync_status": "Synchronized"})

	def dispatch(self) -> None:
		"""What the scheduler's cron entries do (the soak calls them instead of waiting up to 5 minutes)."""
		from amazon_integration.erpnext import scheduler

		frappe.db.set_value("Amazon Account", self.account, "last_order_sync", None)
		for name in ("dispatch_order_sync", "dispatch_shipment_sync", "dispatch_settlement_booking"):
			getattr(scheduler, name)()
		frappe.db.commit()

	def _shipment_figures(self, submitted: int, rounds: int, seconds: float, calls: dict) -> dict:
		notes = frappe.get_all(
			"Delivery Note",
			filters={"amazon_account": self.account, "amazon_fulfillment_channel": "FBM", "docstatus": 1},
			fields=["name", "amazon_order_id", "amazon_sync_status", "amazon_sync_error", "amazon_sync_unconfirmed"],
		)
		statuses = Counter(dn.amazon_sync_status for dn in notes)
		lost, twice, wrong = [], [], []
		for dn in notes:
			view = self.control.get_order(dn.amazon_order_id)
			references = Counter(p["package_reference_id"] for p in view["packages"])
			if not view["packages"]:
				lost.append(dn.name)
			elif len(view["packages"]) > 1 or max(references.values()) > 1:
				twice.append(dn.name)
			if view["packages"] and dn.amazon_sync_status != "Synchronized":
				wrong.append(f"{dn.name}: {dn.amazon_sync_status}: {dn.amazon_sync_error}")
		return {
			"submitted": submitted,
			"statuses": dict(statuses),
			"lost": lost,
			"twice": twice,
			"wrong_status": wrong,
			"rounds": rounds,
			"seconds": seconds,
			"calls": calls,
		}

	# -- settlements -------------------------------------------------------------------------------------------
	def settle(self) -> dict:
		from amazon_integration.erpnext.jobs import SETTLEMENT_BOOKING
		from amazon_integration.erpnext.settlements import import_account_settlements

		before, started = self.counters(), time.monotonic()
		self.advance(60)
		# the periods holding the soak's orders (Amazon closes one per currency, the others' too)
		closed = [row for row in self.control.close_settlements() if row["currency"] in ("USD", "CAD")]
		self.advance(60)
		self.closed_on_amazon = len(closed)
		self.import_errors = []
		for _attempt in range(5):
			try:
				import_account_settlements(self.account)
			except Exception as e:  # Amazon's faults outlasted the retries: ask again, as the next daily run would
				frappe.db.rollback()
				self.import_errors.append(str(e))
			if frappe.db.count("Amazon Settlement", {"settlement_id": ("in", [row["settlementId"] for row in closed])}) >= len(closed):
				break
		names = frappe.get_all(
			"Amazon Settlement",
			{"amazon_account": self.account, "docstatus": 0, "settlement_id": ("in", [row["settlementId"] for row in closed] or [""])},
			pluck="name",
		)
		def submit_all():
			for name in names:
				frappe.get_doc("Amazon Settlement", name).submit()  # books in the background
				frappe.db.commit()

		lines = frappe.db.count("Amazon Settlement Line", {"settlement": ("in", names or [""]), "line_type": "Order"})

		def booked():
			return frappe.db.count("Amazon Settlement Line", {"settlement": ("in", names or [""]), "status": "Booked"})

		if self.infra:
			flush = self.flush_with_queued("Redis flushed with settlement bookings queued", submit_all)
			self.dispatch()
			if self.infra.db.owned:
				self.fault("MariaDB restart", "MariaDB restarted during settlement booking", self.db_restart,
						   lambda: booked() >= max(1, lines // 5))
			else:
				self.skipped("MariaDB restart", "MariaDB restarted during settlement booking", NOT_OWNED)
		else:
			submit_all()
		threshold = max(1, lines * 2 // 5)
		self.kill_when(
			lambda: frappe.db.count(
				"Amazon Settlement Line", {"settlement": ("in", names or [""]), "status": "Booked"}
			) >= threshold,
			f"settlement booking, after {threshold} booked lines",
		)
		self.wait_idle()
		rounds = 1
		while rounds < CATCH_UP_ROUNDS:
			frappe.db.rollback()
			open_ = [n for n in names if frappe.db.get_value("Amazon Settlement", n, "status") != "Reconciled"]
			if not open_:
				break
			if self.infra:
				self.dispatch()  # the scheduler's way in, after the flush
			else:
				for name in open_:
					SETTLEMENT_BOOKING.enqueue(name)  # what "Book Open Lines" does
			frappe.db.commit()
			self.wait_idle()
			rounds += 1
		frappe.db.rollback()
		if self.infra:
			self.after_flush(flush, "the bookings")
		return self._settlement_figures(names, rounds, time.monotonic() - started, self._delta(self.counters(), before))

	def _settlement_figures(self, names: list[str], rounds: int, seconds: float, calls: dict) -> dict:
		from amazon_integration.erpnext.settlements import refresh_reconciliation

		settlements = []
		for name in names:
			refresh_reconciliation(name)
			frappe.db.commit()
			doc = frappe.get_doc("Amazon Settlement", name)
			payments = frappe.get_all("Payment Entry", {"amazon_settlement": name, "docstatus": 1}, pluck="name")
			referenced = frappe.get_all(
				"Amazon Settlement Line", {"settlement": name, "payment_entry": ("is", "set")}, pluck="payment_entry"
			)
			per_invoice = frappe.db.sql(
				"""select ref.reference_name, count(*) from `tabPayment Entry Reference` ref
				join `tabPayment Entry` pe on pe.name = ref.parent
				where pe.amazon_settlement = %s and pe.docstatus = 1 and pe.payment_type = 'Receive'
				group by ref.reference_name having count(*) > 1""",
				name,
			)
			settlements.append({
				"name": name,
				"currency": doc.currency,
				"total": Decimal(str(doc.total_amount)),
				"booked": Decimal(str(doc.booked_amount)),
				"difference": Decimal(str(doc.difference)),
				"status": doc.status,
				"lines": frappe.db.count("Amazon Settlement Line", {"settlement": name}),
				"open_lines": doc.unmatched_lines,
				"payments": len(payments),
				"payments_twice": len(payments) - len(set(referenced) & set(payments)) + len(per_invoice),
				"journals": frappe.db.count("Journal Entry", {"amazon_settlement": name, "docstatus": 1}),
				"error": doc.booking_error,
			})
		return {"settlements": settlements, "rounds": rounds, "seconds": seconds, "calls": calls,
				"import_errors": self.import_errors, "on_amazon": self.closed_on_amazon}

	def close(self) -> None:
		from frappe.installer import update_site_config

		self.stop()
		update_site_config("amazon_http_timeout", "None")
		if self.account:
			frappe.db.set_value("Amazon Account", self.account, "enabled", 0)  # its simulator is gone
			frappe.db.commit()


def run(
	orders: int = 1000,
	fault_rate: float = 0.2,
	seed: int | None = None,
	malformed: int | None = None,
	infra_faults: infra.Infra | None = None,
) -> dict:
	require_test_site()
	seed = seed or random.randrange(1, 2**31)
	soak = Soak(orders, fault_rate, seed, malformed, infra_faults=infra_faults)
	started = time.monotonic()
	# Stopped from outside: still stop the simulator and the workers it started.
	previous = signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
	try:
		soak.setup()
		result = {"seed": seed, "orders": orders, "fault_rate": fault_rate, "account": soak.account}
		result["others_queued"] = soak.others_queued()
		result["order_sync"] = soak.sync_orders()
		result["shipments"] = soak.ship()
		result["settlements"] = soak.settle()
		result["injected"] = soak.control.injected_faults()
		result["kills"] = soak.kills
		result["restarted_workers"] = soak.restarted_workers
		result["infra"] = infra_faults.events if infra_faults else None
		result["stuck_logs"] = frappe.db.count("Amazon Sync Log", {"amazon_account": soak.account, "status": ("in", ["Running", "Queued"])})
		result["seconds"] = time.monotonic() - started
		return result
	finally:
		soak.close()
		signal.signal(signal.SIGTERM, previous)


def goals_met(result: dict) -> bool:
	o, s, m = result["order_sync"], result["shipments"], result["settlements"]
	return (
		not o["duplicates"] and not o["lost"] and not o["difference"] and not o["malformed_imported"]
		and all(reason for _id, _kind, reason in o["malformed"])
		and not any(o["half_made"].values())
		and not s["lost"] and not s["twice"] and not s["wrong_status"]
		and s["statuses"].get("Synchronized", 0) == s["submitted"]
		and all(not row["difference"] and not row["payments_twice"] and row["status"] == "Reconciled" for row in m["settlements"])
		and len(m["settlements"]) == m["on_amazon"] > 0
		and not result.get("stuck_logs")
	)


def report(result: dict) -> str:
	o, s, m = result["order_sync"], result["shipments"], result["settlements"]
	injected = ", ".join(f"{kind} {count}" for kind, count in sorted(result["injected"].items()))
	lines = [
		f"Soak: {result['orders']} orders + {len(o['malformed'])} malformed, fault rate {result['fault_rate']}, "
		f"seed {result['seed']}, account {result['account']}",
		f"Faults injected by the simulator: {injected or 'none'}",
		*(
			[
				f"Other jobs queued on the site at the start: {result['others_queued']} (the soak's workers run them "
				"too; `bench --site SITE purge-jobs` first for the app's own figures)"
			]
			if result.get("others_queued")
			else []
		),
		f"Workers SIGKILLed mid-run and restarted: {len(result['kills'])} ({'; '.join(result['kills'])})",
		"Orders (2 worker jobs + 1 CLI sync at once, then catch-up runs):",
		f"  expected {o['expected']}, imported {o['imported']}, duplicates {o['duplicates']}, lost {len(o['lost'])}"
		+ (f" ({', '.join(o['lost'][:10])})" if o["lost"] else ""),
		f"  total difference {o['difference']:.2f}" + (f" ({len(o['wrong_totals'])} orders off)" if o["wrong_totals"] else ""),
		f"  malformed reported {sum(1 for *_x, r in o['malformed'] if r)} of {len(o['malformed'])}, imported "
		f"{len(o['malformed_imported'])}",
	]
	for order_id, kind, reason in o["malformed"]:
		lines.append(f"    {order_id} [{kind}]: {reason or 'NOT REPORTED'}")
	half = {label: names for label, names in o["half_made"].items() if names}
	lines.append(f"  half-made documents {sum(len(v) for v in half.values())}")
	for label, names in half.items():
		lines.append(f"    {label}: {len(names)} ({', '.join(names[:5])})")
	lines.append(
		f"  {o['seconds']:.0f} s, {o['rounds']} rounds; SP-API calls {o['calls']['calls']}, 429s {o['calls']['throttled']}, "
		f"other errors {o['calls']['errors']}; sync logs {o['logs']} (Interrupted = a killed run's log)"
	)
	lines += [
		"Shipments (FBM Delivery Notes submitted; 2 worker jobs + 1 CLI run, then the scheduler's dispatch):",
		f"  submitted {s['submitted']}, {', '.join(f'{k} {v}' for k, v in sorted(s['statuses'].items(), key=str))}; "
		f"lost {len(s['lost'])}, sent twice {len(s['twice'])}, status not what Amazon has {len(s['wrong_status'])}",
	]
	for row in (s["lost"] + s["twice"] + s["wrong_status"])[:10]:
		lines.append(f"    {row}")
	lines.append(
		f"  {s['seconds']:.0f} s, {s['rounds']} rounds; SP-API calls {s['calls']['calls']} "
		f"(confirmShipment {s['calls'].get('op:confirmShipment', 0)}), 429s {s['calls']['throttled']}, "
		f"other errors {s['calls']['errors']}"
	)
	lines.append(
		f"Settlements ({m['on_amazon']} closed on Amazon, {len(m['settlements'])} imported and submitted; booked by "
		"workers, one killed mid-booking, then resumed):"
	)
	for row in m["settlements"]:
		lines.append(
			f"  {row['name']} {row['currency']}: total {row['total']:.2f}, booked {row['booked']:.2f}, "
			f"difference {row['difference']:.2f}, {row['status']}; {row['lines']} lines, {row['open_lines']} open; "
			f"{row['payments']} Payment Entries, {row['payments_twice']} twice; {row['journals']} Journal Entries"
			+ (f"; error: {row['error']}" if row["error"] else "")
		)
	for error in m["import_errors"]:
		lines.append(f"  import retried after: {error}")
	lines.append(
		f"  {m['seconds']:.0f} s, {m['rounds']} rounds; SP-API calls {m['calls']['calls']}, 429s {m['calls']['throttled']}"
	)
	if result.get("infra") is not None:
		lines.append("Infrastructure faults (--infra-faults):")
		for kind, text in result["infra"]:
			lines.append(f"  [{kind}] {text}")
		lines.append(f"  workers that ended by themselves and were started again (as supervisor does): {result['restarted_workers']}")
	lines.append(f"Sync logs left Running or Queued: {result.get('stuck_logs', 0)}")
	lines.append(f"Total time {result['seconds']:.0f} s. Goals met: {'yes' if goals_met(result) else 'NO'}")
	return "\n".join(lines)
