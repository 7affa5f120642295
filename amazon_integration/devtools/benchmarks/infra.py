"""The soak's infrastructure faults: MariaDB stopped, restarted or its connections killed; Redis restarted or
flushed; rows the app writes held by a second session (a lock wait timeout) or locked against it (a deadlock).

- MariaDB is stopped and started only through commands the soak is given (`--db-stop-command`,
  `--db-start-command`): the soak never guesses how a site's database runs. Without them those faults are skipped
  and the soak says so; killing the app's connections (`KILL CONNECTION`, which the site's own database user may do
  to its own threads) needs nothing and always runs.
- Redis is restarted only when its server runs on this host as a process the soak may signal: it is stopped and
  started again with its own command line (the benches' Redis keeps no data on disk, so a restart loses
  everything, as a crash of a cache does). A flush (`FLUSHALL`) needs only the connection.
- Locks are taken by a second connection as the site's database user, on the Bin rows of the soak's items, which
  every order's Sales Order or Delivery Note updates.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

import frappe

DB_START_WAIT = 120  # seconds the soak waits for MariaDB to answer after its start command
BALLAST_ROWS = 5000  # rows the deadlocking session writes first: InnoDB then picks the app's lighter transaction


def _end(conn) -> None:
	"""Roll back and close a second session, whatever state MariaDB left it in."""
	try:
		conn.rollback()
		conn.close()
	except Exception:
		pass


@dataclass
class Infra:
	"""What the soak may do to the site's MariaDB and Redis, and what it did (kind, text)."""

	db: Database
	redis: Redis
	outage: int = 90  # seconds MariaDB stays stopped: longer than a run's retry budget
	events: list[tuple[str, str]] = field(default_factory=list)


def site_connection(lock_wait_timeout: int | None = None):
	"""A second connection to the site's database as the site's own user (not frappe.db)."""
	import pymysql

	conf = frappe.conf
	conn = pymysql.connect(
		host=conf.db_host or "127.0.0.1",
		port=int(conf.db_port or 3306),
		user=conf.db_user or conf.db_name,
		password=conf.db_password,
		database=conf.db_name,
		autocommit=False,
		connect_timeout=5,
	)
	if lock_wait_timeout:
		with conn.cursor() as cur:
			cur.execute("SET SESSION innodb_lock_wait_timeout = %s", (lock_wait_timeout,))
	return conn


def db_answers() -> bool:
	try:
		conn = site_connection()
		conn.close()
		return True
	except Exception:
		return False


def reconnect_frappe(wait: float = DB_START_WAIT) -> None:
	"""Until frappe.db (the soak's own connection) answers again after a restart (the app's own reconnect)."""
	from amazon_integration.erpnext import database

	if not database.alive() and not database.reconnect(wait):
		raise RuntimeError("MariaDB did not answer again")


@dataclass
class Database:
	stop_command: str | None = None
	start_command: str | None = None

	@property
	def owned(self) -> bool:
		return bool(self.stop_command and self.start_command)

	def _run(self, command: str) -> None:
		subprocess.run(shlex.split(command), check=True, timeout=DB_START_WAIT, capture_output=True)

	def restart(self, label: str) -> float:
		"""Stop and start MariaDB; returns how long it was down."""
		return self.outage(0, label)

	def outage(self, seconds: float, label: str) -> float:
		started = time.monotonic()
		self._run(self.stop_command)
		time.sleep(seconds)
		self._run(self.start_command)
		deadline = time.monotonic() + DB_START_WAIT
		while not db_answers():
			if time.monotonic() > deadline:
				raise RuntimeError("MariaDB did not answer after its start command")
			time.sleep(0.5)
		down = time.monotonic() - started
		reconnect_frappe()
		return down

	def kill_connections(self, label: str) -> int:
		"""KILL CONNECTION every connection of the site's user to its database but the soak's own."""
		conn = site_connection()
		try:
			with conn.cursor() as cur:
				cur.execute(
					"select id from information_schema.processlist where db = database() and id not in (connection_id(), %s)",
					(frappe.db.sql("select connection_id()")[0][0],),
				)
				ids = [row[0] for row in cur.fetchall()]
				killed = 0
				for thread in ids:
					try:
						cur.execute(f"KILL CONNECTION {int(thread)}")
						killed += 1
					except Exception:
						pass  # it ended meanwhile
		finally:
			conn.close()
		return killed


@dataclass
class Redis:
	"""The site's two Redis servers (RQ's queue and the cache, which holds the app's quota buckets)."""


	@staticmethod
	def urls() -> dict[str, str]:
		return {"queue": frappe.conf.redis_queue, "cache": frappe.conf.redis_cache}

	@staticmethod
	def _server(url: str):
		"""The redis-server process serving `url` on this host, if the soak may signal it."""
		import psutil

		port = urlparse(url).port
		for proc in psutil.process_iter(["name", "cmdline"]):
			try:
				if proc.info["name"] == "redis-server" and any(
					conn.laddr.port == port and conn.status == psutil.CONN_LISTEN for conn in proc.connections("tcp")
				):
					return proc
			except (psutil.AccessDenied, psutil.NoSuchProcess):
				continue
		return None

	def owned(self) -> bool:
		return all(self._server(url) for url in self.urls().values())

	def restart(self, label: str) -> float:
		"""Kill both servers and start them again with their own command lines: everything in them is gone."""
		import psutil
		import redis

		started = time.monotonic()
		for url in set(self.urls().values()):
			proc = self._server(url)
			cmdline, cwd = proc.cmdline(), proc.cwd()
			proc.kill()
			psutil.wait_procs([proc], timeout=10)
			subprocess.run(self._command(cmdline, cwd), cwd=cwd, check=True, timeout=30, capture_output=True)
			client = redis.Redis.from_url(url)
			deadline = time.monotonic() + 30
			while True:
				try:
					client.ping()
					break
				except redis.exceptions.ConnectionError:
					if time.monotonic() > deadline:
						raise
					time.sleep(0.2)
		down = time.monotonic() - started
		return down

	@staticmethod
	def _command(cmdline: list[str], cwd: str) -> list[str]:
		# A redis-server shows "redis-server HOST:PORT" as its command line once started (its options are gone):
		# start it again as the benches start theirs, keeping nothing on disk.
		args = [arg for arg in cmdline if arg]
		if len(args) == 1 and " " in args[0]:
			binary, address = args[0].split(" ", 1)
			host, _sep, port = address.rpartition(":")
			return [binary, "--bind", host, "--port", port, "--daemonize", "yes", "--save", "", "--appendonly", "no",
					"--dir", cwd]
		return [*args, "--daemonize", "yes"] if "--daemonize" not in args else args

	def flush(self, label: str) -> None:
		import redis

		for url in set(self.urls().values()):
			redis.Redis.from_url(url).flushall()


@dataclass
class Locks:
	"""A second session holding the rows the app writes."""

	bins: list[str]
	account: str = ""  # whose Sales Orders the deadlocking session reads with a lock

	@staticmethod
	def deadlocks() -> int:
		return int(frappe.db.sql("show global status like 'Innodb_deadlocks'")[0][1])

	def hold(self, label: str, supervise) -> int:
		"""Hold every Bin row of the soak's items for longer than the lock wait timeout; returns the seconds held."""
		conn = site_connection()
		try:
			with conn.cursor() as cur:
				cur.execute("select @@innodb_lock_wait_timeout")
				seconds = int(cur.fetchone()[0]) + 10
				cur.execute("start transaction")
				cur.execute("select name from `tabBin` where name in %s for update", (self.bins,))
				deadline = time.monotonic() + seconds
				while time.monotonic() < deadline:
					supervise()
					time.sleep(1)
		finally:
			_end(conn)
		return seconds

	def force_deadlocks(self, label: str, want: int, limit: float, supervise) -> int:
		"""Hold the Bin rows of the soak's items, wait until one of the app's transactions waits on them (the site's
		own user sees its own threads' statements in the process list), then read the account's Sales Orders with a
		lock: that transaction inserted its Sales Order before it reached the Bin rows, so it waits on us as we wait
		on it, and InnoDB undoes the lighter one, the app's (ours wrote BALLAST_ROWS rows first). Tried until
		`want` deadlocks or `limit` seconds; returns the deadlocks InnoDB counted meanwhile."""
		before = self.deadlocks()
		deadline = time.monotonic() + limit
		attempts = 0
		setup = site_connection()
		try:
			with setup.cursor() as cur:
				cur.execute("create table if not exists `__soak_ballast` (id int auto_increment primary key, v int) engine=InnoDB")
			setup.commit()
		finally:
			setup.close()
		while time.monotonic() < deadline and self.deadlocks() - before < want:
			attempts += 1
			try:
				conn = site_connection(lock_wait_timeout=20)
			except Exception:  # MariaDB restarting
				time.sleep(1)
				continue
			try:
				with conn.cursor() as cur:
					cur.execute("start transaction")
					cur.execute(f"insert into `__soak_ballast` (v) select seq from seq_1_to_{BALLAST_ROWS}")
					cur.execute("select name from `tabBin` where name in %s for update", (self.bins,))
					waiting = None
					until = time.monotonic() + 20
					while waiting is None and time.monotonic() < until:
						cur.execute(
							"select id from information_schema.processlist where db = database() and id != connection_id() "
							"and info like %s and time >= 1 limit 1",
							("%tabBin%",),
						)
						row = cur.fetchone()
						waiting = row[0] if row else None
						if waiting is None:
							time.sleep(0.2)
					if waiting is not None:
						cur.execute("select name from `tabSales Order` where amazon_account = %s for update", (self.account,))
			except Exception:
				pass  # we were the victim after all, a lock wait timeout, or MariaDB went away
			finally:
				_end(conn)
			supervise()
			reconnect_frappe()
			time.sleep(0.5)
		forced = self.deadlocks() - before
		return forced
