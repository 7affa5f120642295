"""`bench --site SITE amazon ...`: the app's shell commands."""

import click
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
				f"{row.name}\t{'enabled' if row.enabled else 'disabled'}\t{row.region}\t{row.company}\t"
				f"last order sync: {row.last_order_sync or 'never'}"
			)


@amazon.command("test-connection")
@click.option("--account", required=True, help="Amazon Account name")
@pass_context
def test_connection(context, account: str) -> None:
	"""Call Amazon with an account's credentials and report plainly."""
	import frappe

	from amazon_integration.erpnext.gateway import check_connection

	with _connected(context):
		result = check_connection(frappe.get_doc("Amazon Account", account))
		click.echo(frappe.utils.strip_html(result["message"]))
		if not result["ok"]:
			raise SystemExit(1)


class _connected:
	"""Connect to the command's site for the block, and always destroy the connection."""

	def __init__(self, context):
		self.site = get_site(context)

	def __enter__(self):
		import frappe

		frappe.init(site=self.site)
		frappe.connect()
		return self

	def __exit__(self, *exc):
		import frappe

		frappe.destroy()


commands = [amazon]
