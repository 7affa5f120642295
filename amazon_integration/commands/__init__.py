"""`bench --site SITE amazon ...`: the app's shell commands."""

import click
from frappe import _
from frappe.commands import get_site, pass_context


@click.group("amazon")
def amazon() -> None:
	"""Amazon Integration: accounts, sync and the Amazon simulator."""


@amazon.command("accounts")
@pass_context
def accounts(context) -> None:
	"""List the Amazon Accounts of the site."""
	import frappe

	with _connected(context):
		for row in frappe.get_all(
			"Amazon Account",
			fields=["name", "enabled", "seller_id", "region", "company", "last_order_sync"],
			order_by="name",
		):
			click.echo(
				"\t".join(
					(
						row.name,
						_("enabled") if row.enabled else _("disabled"),
						row.region,
						row.company,
						_("last order sync: {0}").format(row.last_order_sync or _("never")),
					)
				)
			)


@amazon.command("test-connection")
@click.option("--account", required=True, help="Amazon Account name")
@pass_context
def test_connection(context, account: str) -> None:
	"""Call Amazon with an account's credentials and report plainly."""
	import frappe

	from amazon_integration.erpnext.account_client import check_connection

	with _connected(context):
		result = check_connection(frappe.get_doc("Amazon Account", account))
		click.echo(frappe.utils.strip_html(result["message"]))
		if not result["ok"]:
			raise SystemExit(1)


@amazon.command("sync-orders")
@click.option("--account", help="Amazon Account name (default: every enabled account)")
@pass_context
def sync_orders(context, account: str | None) -> None:
	"""Sync Amazon orders now, in this process, and print each run's counts."""
	import frappe

	from amazon_integration.erpnext.orders import sync_account_orders

	with _connected(context):
		accounts = [account] if account else frappe.get_all("Amazon Account", {"enabled": 1}, pluck="name")
		failed = False
		for name in accounts:
			log_name = sync_account_orders(name)
			if log_name is None:
				click.echo(_("{0}: disabled, not synced").format(name))
				continue
			failed |= _echo_log(log_name)
		if failed:
			raise SystemExit(1)


@amazon.command("sync-deliveries")
@click.option("--account", help="Amazon Account name (default: every enabled account)")
@pass_context
def sync_deliveries(context, account: str | None) -> None:
	"""Confirm every pending or refused FBM shipment to Amazon now, and print the outcome."""
	import frappe

	from amazon_integration.erpnext.shipments import sync_account_shipments

	with _connected(context):
		accounts = [account] if account else frappe.get_all("Amazon Account", {"enabled": 1}, pluck="name")
		failed = 0
		for name in accounts:
			counts = sync_account_shipments(name, include_failed=True)
			failed += counts["Failed"]
			click.echo(
				_("{0}: {1} synchronized, {2} failed, {3} still pending").format(
					name, counts["Synchronized"], counts["Failed"], counts["Pending"]
				)
			)
		if failed:
			raise SystemExit(1)


@amazon.command("recover-order")
@click.option("--account", required=True, help="Amazon Account name")
@click.option("--order-id", required=True, help="Amazon order id, e.g. 111-1234567-1234567")
@pass_context
def recover_order(context, account: str, order_id: str) -> None:
	"""Sync one Amazon order by its id, whatever Last Order Sync says."""
	from amazon_integration.erpnext.orders import recover_order as recover

	with _connected(context):
		if _echo_log(recover(account, order_id)):
			raise SystemExit(1)


@amazon.command("import-settlements")
@click.option("--account", help="Amazon Account name (default: every enabled account)")
@pass_context
def import_settlements(context, account: str | None) -> None:
	"""Download Amazon's finished settlement reports now and import the new ones as draft Amazon Settlements."""
	import frappe

	from amazon_integration.amazon.errors import AmazonError
	from amazon_integration.erpnext.settlements import import_account_settlements

	with _connected(context):
		accounts = [account] if account else frappe.get_all("Amazon Account", {"enabled": 1}, pluck="name")
		failed = False
		for name in accounts:
			try:
				imported = import_account_settlements(name)
			except AmazonError as e:
				click.echo(_("{0}: Amazon answered: {1}").format(name, e), err=True)
				failed = True
				continue
			click.echo(
				_("{0}: {1} settlement(s) imported").format(name, len(imported))
				+ (": " + ", ".join(imported) if imported else "")
			)
		if failed:
			raise SystemExit(1)


@amazon.command("benchmark-sync")
@click.option("--orders", default=500, show_default=True, help="Orders the simulator generates")
@click.option("--seed", type=int, help="Simulator seed (default: random)")
@pass_context
def benchmark_sync(context, orders: int, seed: int | None) -> None:
	"""Benchmark the order sync against the simulator and a bare frappe baseline (test sites only)."""
	from amazon_integration.devtools.benchmarks import order_sync

	with _connected(context):
		click.echo(order_sync.report(order_sync.run(orders, seed)))


@amazon.command("sandbox")
@click.option("--orders", default=60, show_default=True, help="Orders the simulator starts with")
@click.option("--port", default=8787, show_default=True, help="Loopback port of the simulator")
@click.option("--seed", default=1, show_default=True, help="Simulator seed: the same seed makes the same orders")
@click.option("--life/--no-life", default=True, show_default=True, help="Keep new orders coming while serving")
@click.option(
	"--book-settlements/--draft-settlements",
	default=True,
	show_default=True,
	help="Have Amazon close its settlement periods now and book them all (else: the closed ones, as drafts)",
)
@pass_context
def sandbox(context, orders: int, port: int, seed: int, life: bool, book_settlements: bool) -> None:
	"""Try the app without Amazon: a "Sandbox" account bound to the simulator, synced, served until Ctrl-C."""
	import time

	from amazon_integration.devtools.sandbox import open_sandbox

	with _connected(context):
		try:
			box = open_sandbox(orders=orders, port=port, seed=seed, life=life, book_settlements=book_settlements)
		except OSError as e:
			raise click.ClickException(f"The simulator cannot listen on 127.0.0.1:{port} ({e}): pass --port.") from e
		_echo_sandbox(box)
	click.echo(f"\nThe simulator serves {box.simulator.url} until Ctrl-C (scheduler, buttons and shipments use it).")
	try:
		while True:
			time.sleep(3600)
	except KeyboardInterrupt:
		click.echo("Stopping the simulator.")
	finally:
		box.simulator.stop()


def _echo_sandbox(box) -> None:
	setup, summary = box.setup, box.summary
	click.echo(f"Amazon Account {setup.account!r} (company {setup.company}) -> {box.simulator.url}")
	if setup.made:
		click.echo("Created:")
		for made in setup.made:
			click.echo(f"  {made.doctype}: {made.name}" + (f" ({made.note})" if made.note else ""))
	else:
		click.echo("Everything was in place already; nothing created.")
	for note in setup.notes:
		click.echo(f"Note: {note}")
	held = box.simulator_orders
	if held:
		# What the sync read, against what the simulator holds: pending orders are not asked for.
		click.echo(
			f"The simulator holds {held.total} orders; {held.pending} of them pending on Amazon (no prices yet): "
			"the sync reads those once Amazon releases them."
		)
	if box.sync_log:
		_echo_log(box.sync_log)
	click.echo(
		f"Sales Orders: {summary.sales_orders} ({summary.fba_orders} FBA, {summary.fbm_orders} FBM), "
		f"customers: {summary.customers}"
		+ (
			f"; {summary.replacements} of them Amazon's free replacements (total 0.00)"
			if summary.replacements
			else ""
		)
	)
	click.echo(
		f"Delivery Notes: {summary.shipped_deliveries} shipped ({summary.shipped_fba} FBA shipped by Amazon, "
		f"{summary.shipped_deliveries - summary.shipped_fba} FBM), "
		f"{summary.fbm_drafts} FBM drafts to ship; their stock moves: {summary.stock_moves} stock ledger entries "
		f"(one per item row), {summary.units_shipped} units"
	)
	click.echo(f"Sales Invoices: {summary.invoices} (one per shipped Delivery Note)")
	if box.settlement_error:
		click.echo(f"Settlements: not imported: {box.settlement_error}")
	else:
		drafts = summary.settlements - summary.booked_settlements
		click.echo(
			f"Settlements: {len(box.imported_settlements)} imported now, {summary.settlements} in all"
			+ (f" ({', '.join(summary.settlement_currencies)})" if summary.settlement_currencies else "")
			+ f": {summary.booked_settlements} booked, {summary.reconciled_settlements} of them reconciled"
			+ (f", {drafts} drafts (submit one to book it)" if drafts else "")
		)
		if summary.booked_settlements > summary.reconciled_settlements:
			click.echo("  (the others have lines waiting for their invoice: FBM orders not shipped in ERPNext yet)")
		for error in box.booking_errors:
			click.echo(f"  not booked: {error}")
	if box.inbound_error:
		click.echo(f"Send to Amazon: no sample plan: {box.inbound_error}")
	elif box.inbound_shipments:
		click.echo(f"Send to Amazon: {', '.join(box.inbound_shipments)} made (the last one waits for the transport choice)")
	click.echo("Where to look:")
	for label, url in summary.links.items():
		click.echo(f"  {label}: {url}")


def _echo_log(log_name: str) -> bool:
	"""Print a sync log's summary; True when the run failed or left failed orders."""
	import frappe

	log = frappe.get_doc("Amazon Sync Log", log_name)
	click.echo(
		_(
			"{0}: {1} in {2}s: read {3} = created {4} + updated {5} + cancelled {6} + unchanged {7} + waiting {8}"
			" + skipped {9} + failed {10} + needs attention {11} (log {12})"
		).format(
			log.amazon_account,
			_(log.status),
			f"{log.duration:.1f}",
			log.orders_read,
			log.created_count,
			log.updated_count,
			log.cancelled_count,
			log.unchanged_count,
			log.waiting_count,
			log.skipped_count,
			log.failed_count,
			log.flagged_count,
			log.name,
		)
	)
	reasons: dict[tuple[str, str], int] = {}
	for row in log.skipped_orders:
		reasons[(row.outcome, row.reason)] = reasons.get((row.outcome, row.reason), 0) + 1
	for (outcome, reason), count in reasons.items():
		click.echo(f"  {_(outcome)}: {count}, {reason}")
	for row in log.failures:
		click.echo(f"  {row.amazon_order_id}: {row.error}")
	if log.error:
		click.echo("  " + _("run error: {0}").format(log.error.strip().splitlines()[-1]))
	return log.status in ("Failed", "Partial Success")


class _connected:
	"""Connect to the command's site for the block, and always destroy the connection."""

	def __init__(self, context):
		self.site = get_site(context)

	def __enter__(self):
		import frappe

		frappe.init(site=self.site)
		frappe.connect()
		# Output meant for people speaks the site's language, as the desk does for a user without one.
		frappe.local.lang = frappe.db.get_default("lang") or "en"
		return self

	def __exit__(self, *exc):
		import frappe

		frappe.destroy()


@amazon.command("push-stock")
@click.option("--account", help="Amazon Account name (default: every account that sends FBM quantities)")
@click.option("--full", is_flag=True, help="Send every FBM SKU again, also those Amazon already has right or does not know")
@pass_context
def push_stock(context, account: str | None, full: bool) -> None:
	"""Send FBM quantities to Amazon now, in this process, and print each run's outcome."""
	import frappe

	from amazon_integration.erpnext.stock import LOG, push_account_stock

	with _connected(context):
		if account and not frappe.db.exists("Amazon Account", account):
			raise click.ClickException(_("No Amazon Account named {0}.").format(repr(account)))
		accounts = [account] if account else frappe.get_all(
			"Amazon Account", {"enabled": 1, "push_stock": 1}, pluck="name"
		)
		failed = False
		for name in accounts:
			log_name = push_account_stock(name, trigger="Manual", resend=full)
			if log_name is None:
				click.echo(_("{0}: disabled or not sending FBM quantities; nothing sent").format(name))
				continue
			log = frappe.get_doc(LOG, log_name)
			click.echo(
				_(
					"{0}: {1} in {2}s: {3} SKUs considered, {4} unchanged, {5} sent by {6}, {7} accepted,"
					" {8} refused, {9} not on Amazon (log {10})"
				).format(
					name,
					_(log.status),
					f"{log.duration:.1f}",
					log.skus_considered,
					log.unchanged_count,
					log.sent_count,
					log.method or _("nothing"),
					log.accepted_count,
					log.failed_count,
					log.not_on_amazon_count,
					log.name,
				)
			)
			for row in log.failures:
				click.echo(f"  {row.seller_sku} ({row.quantity}): {row.error}")
			if log.error:
				click.echo("  " + _("run error: {0}").format(log.error.strip().splitlines()[-1]))
			failed |= log.status in ("Failed", "Partial Success")
		if failed:
			raise SystemExit(1)


@amazon.command("benchmark-stock")
@click.option("--skus", default=10000, show_default=True, help="FBM SKUs to push")
@pass_context
def benchmark_stock(context, skus: int) -> None:
	"""Benchmark a full stock push and a 1% delta against the simulator (test sites only)."""
	from amazon_integration.devtools.benchmarks import stock_push

	with _connected(context):
		click.echo(stock_push.report(stock_push.run(skus)))


@amazon.command("benchmark-settlement")
@click.option("--orders", default=10000, show_default=True, help="Orders in the settlement")
@pass_context
def benchmark_settlement(context, orders: int) -> None:
	"""Benchmark booking a settlement against inserting the same entries bare (test sites only)."""
	from amazon_integration.devtools.benchmarks import settlement_booking

	with _connected(context):
		click.echo(settlement_booking.report(settlement_booking.run(orders)))


commands = [amazon]


@amazon.command("import-aftersale")
@click.option("--account", help="Amazon Account name (default: every enabled account)")
@click.option(
	"--report",
	type=click.Choice(["fba-returns", "fbm-returns", "reimbursements", "removals"]),
	help="One report only (default: all four)",
)
@pass_context
def import_aftersale(context, account: str | None, report: str | None) -> None:
	"""Read Amazon's returns, reimbursements and removals reports now and apply their new rows to stock."""
	import frappe

	from amazon_integration.erpnext.aftersale import import_report
	from amazon_integration.domain.aftersale import (
		FBA_RETURNS_REPORT,
		FBM_RETURNS_REPORT,
		REIMBURSEMENTS_REPORT,
		REMOVALS_REPORT,
	)

	reports = {
		"fba-returns": FBA_RETURNS_REPORT,
		"fbm-returns": FBM_RETURNS_REPORT,
		"reimbursements": REIMBURSEMENTS_REPORT,
		"removals": REMOVALS_REPORT,
	}
	with _connected(context):
		accounts = [account] if account else frappe.get_all("Amazon Account", {"enabled": 1}, pluck="name")
		failed = False
		for name in accounts:
			for key in [report] if report else list(reports):
				log = frappe.get_doc("Amazon Sync Log", import_report(name, reports[key]))
				click.echo(
					_("{0} {1}: {2}, {3} row(s): {4} applied, {5} unchanged, {6} without stock change, {7} failed ({8})").format(
						name,
						key,
						_(log.status),
						log.orders_read,
						log.created_count,
						log.unchanged_count,
						log.skipped_count,
						log.failed_count,
						log.name,
					)
				)
				if log.error:
					click.echo(f"  {log.error.strip().splitlines()[-1]}", err=True)
				failed = failed or log.status == "Failed"
		if failed:
			raise SystemExit(1)


@amazon.command("remove-buyer-data")
@click.option("--account", help="Amazon Account name (default: every account)")
@pass_context
def remove_buyer_data(context, account: str | None) -> None:
	"""Blank the personal data of buyers whose last order shipped longer ago than the retention days, now."""
	import frappe

	from amazon_integration.erpnext.retention import remove_account_buyer_data

	with _connected(context):
		failed = False
		for name in [account] if account else frappe.get_all("Amazon Account", pluck="name"):
			log = frappe.get_doc("Amazon Sync Log", remove_account_buyer_data(name))
			click.echo(
				_(
					"{0}: {1}, {2} buyer(s) with data: {3} blanked, {4} not due, {5} left for the next run, {6} failed;"
					" {7} documents, {8} addresses, {9} contacts (log {10})"
				).format(
					name,
					_(log.status),
					log.orders_read,
					log.updated_count,
					log.unchanged_count,
					log.skipped_count,
					log.failed_count,
					log.documents_scrubbed,
					log.addresses_scrubbed,
					log.contacts_scrubbed,
					log.name,
				)
			)
			if log.error:
				click.echo(f"  {log.error.strip()}", err=True)
			failed = failed or log.status != "Success"
		if failed:
			raise SystemExit(1)


@amazon.command("backfill")
@click.option("--account", required=True, help="Amazon Account name")
@click.option("--since", required=True, help="First day of the range, e.g. 2026-01-01 (orders Amazon updated since)")
@click.option("--until", help="Last day of the range (default: up to now)")
@click.option("--move-stock", is_flag=True, help="Submit Delivery Notes for shipped orders (stock leaves the warehouses)")
@pass_context
def backfill(context, account: str, since: str, until: str | None, move_stock: bool) -> None:
	"""Import the account's order history from Amazon's all-orders report, in this process, and print the counts."""
	from amazon_integration.erpnext.backfill import backfill_orders

	with _connected(context):
		if _echo_log(backfill_orders(account, since, until, move_stock)):
			raise SystemExit(1)


@amazon.command("benchmark-backfill")
@click.option("--orders", default=10000, show_default=True, help="Orders of the year the report and searchOrders read")
@click.option("--import-orders", default=0, show_default=True, help="Also backfill this many into ERPNext (test sites only) and settle them")
@click.option("--seed", default=1, show_default=True, help="Simulator seed")
@pass_context
def benchmark_backfill(context, orders: int, import_orders: int, seed: int) -> None:
	"""Benchmark the backfill: Amazon's time for a year of orders through the report and through searchOrders."""
	from amazon_integration.devtools.benchmarks import backfill as bench

	with _connected(context):
		amazon_figures = bench.amazon_side(orders, seed)
		erpnext_figures = bench.erpnext_side(import_orders, seed) if import_orders else None
		click.echo(bench.report(amazon_figures, erpnext_figures))


@amazon.command("soak")
@click.option("--orders", default=1000, show_default=True, help="Orders the simulator holds (plus 1 in 20 malformed)")
@click.option("--fault-rate", default=0.2, show_default=True, help="Fraction of SP-API calls that meet a fault")
@click.option("--seed", type=int, help="Seed of the orders and the faults (default: random)")
@click.option("--malformed", type=int, help="Malformed orders among them (default: orders / 20)")
@click.option(
	"--infra-faults",
	is_flag=True,
	help="Also restart and flush Redis, kill the app's database connections, force lock wait timeouts and deadlocks, "
	"and (with the two commands below) restart and stop MariaDB",
)
@click.option("--db-stop-command", help="The command that stops this site's MariaDB (e.g. 'service mariadb stop')")
@click.option("--db-start-command", help="The command that starts it again")
@click.option("--db-outage", default=90, show_default=True, help="Seconds MariaDB stays stopped in the outage fault")
@pass_context
def soak(
	context,
	orders: int,
	fault_rate: float,
	seed: int | None,
	malformed: int | None,
	infra_faults: bool,
	db_stop_command: str | None,
	db_start_command: str | None,
	db_outage: int,
) -> None:
	"""Orders, shipments and settlements under faults, worker kills and concurrent runs, with figures (test sites only)."""
	from amazon_integration.devtools.benchmarks import infra
	from amazon_integration.devtools.benchmarks import soak as soak_run

	faults = None
	if infra_faults:
		faults = infra.Infra(infra.Database(db_stop_command, db_start_command), infra.Redis(), outage=db_outage)
	with _connected(context):
		result = soak_run.run(orders, fault_rate, seed, malformed, infra_faults=faults)
		click.echo(soak_run.report(result))
		if not soak_run.goals_met(result):
			raise SystemExit(1)
