#!/usr/bin/env python3
"""Browser check: the desk pages of a sandbox site, opened in headless Chromium as a user would.

Logs in, opens the Amazon workspace, the Sandbox account's guided setup (its checklist, the workspace's onboarding
following it) and Amazon FBA Stock Reconciliation (a fresh sandbox must show no difference), the Sandbox account (and runs Amazon > Sync Orders: the form must show the
run and its log), the Amazon Sales Orders and one of them, the Delivery Notes and a draft FBM one (submitting it
without a tracking number must take the user to the Amazon fields; then it fills carrier and tracking number and
submits), an Amazon label bought on another (Get Rates, Buy Label, the printed label) and two more from the
list (Buy Amazon Labels, the run's log with their file), the webshop orders Amazon fulfils, the reports (Amazon
Profit, also by SKU, must show the booked settlements' fees by category, the cost of goods and a margin), the
settlements and one settlement, and the run's sync log; then a new account made on an empty form and connected
with Connect with Amazon (the simulator's consent page, Confirm, back to the connected account), and the account
form's tabs; then a seller's first hour: another new account (the seller's UK marketplace) connected, its Guided
Setup walked step by step on the form until each step is Done, Enabled and its first Sync Orders a success. It fails on any SEVERE console message other than the realtime socket's (a site served without
socket.io has none), on a page that
does not load, and on a check that does not hold. Screenshots go to docs/screenshots/ (the README and docs/ show them).

Then, as a user whose language is German (amazon.de@example.com, made by the Administrator on the way), it opens
the workspace, the account, the settlements, the sync log, the Sync Health report, an Amazon Sales Order, the
Delivery Note with the Amazon label, the Amazon Profit and FBA Stock Reconciliation reports again,
and fails on any visible text that is one of the app's English strings whose German differs (an English label
left); screenshots de-*.png. --no-german skips this pass.

    python scripts/browser_check.py http://desk.localhost:8001 [--user Administrator] [--password admin]

Needs selenium (pip) and Debian's chromium and chromium-driver (apt). The site needs `bench amazon sandbox`
run on it (and serving its simulator for the sync and the shipment). Exit status 0 when every page passed;
the last line says how many pages and errors.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from selenium import webdriver
from selenium.common.exceptions import (
	JavascriptException,
	StaleElementReferenceException,
	TimeoutException,
	WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
# The realtime server (socket.io) is optional: a desk served without it logs failed socket connections.
IGNORED_CONSOLE = re.compile(r"socket\.io|websocket|/socket\b|ERR_CONNECTION_REFUSED.*9000", re.IGNORECASE)
# Each report and its screenshot.
REPORTS = {
	"Amazon Sales by Marketplace": "sales-by-marketplace",
	"Amazon Sync Health": "sync-health",
	"Amazon Settlement Reconciliation": "settlement-reconciliation",
	"Amazon Profit": "profit",
}
PROFIT_SHOT = (3000, 1400)  # the profit report's columns (a fee category each), summary, chart and first rows
PAGE_TIMEOUT = 90  # seconds: a loaded machine may take long to serve a cold desk


class CheckFailed(AssertionError):
	pass


@dataclass
class Page:
	name: str
	errors: list[str] = field(default_factory=list)
	notes: list[str] = field(default_factory=list)


class Desk:
	def __init__(self, base_url: str, out: Path, width: int, height: int, failures: Path | None = None):
		self.base_url = base_url.rstrip("/")
		self.out = out
		# What a failed page looked like: for the person reading the log, not for the README.
		self.failures = failures or Path(tempfile.gettempdir()) / "browser-check-failures"
		self.pages: list[Page] = []
		self.profile = tempfile.mkdtemp(prefix="browser-check-")
		options = webdriver.ChromeOptions()
		options.binary_location = _which("chromium", "chromium-browser", "google-chrome")
		for arg in (
			"--headless=new",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-dev-shm-usage",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			"--no-first-run",
			f"--user-data-dir={self.profile}",
			f"--window-size={width},{height}",
			"--lang=en-US",
		):
			options.add_argument(arg)
		options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
		service = Service(executable_path=_which("chromedriver"))
		self.driver = webdriver.Chrome(options=options, service=service)
		self.driver.set_page_load_timeout(PAGE_TIMEOUT)
		self.wait = WebDriverWait(self.driver, PAGE_TIMEOUT)

	def close(self) -> None:
		try:
			self.driver.quit()
		finally:
			shutil.rmtree(self.profile, ignore_errors=True)

	# -- helpers ---------------------------------------------------------------------------------------------
	def js(self, script: str, *args):
		return self.driver.execute_script(script, *args)

	def until(self, script: str, what: str, timeout: float = PAGE_TIMEOUT, *args):
		"""Wait until a JS expression (a function body returning a value) is truthy; its value."""
		try:
			return WebDriverWait(self.driver, timeout, poll_frequency=0.3).until(
				lambda d: _safe(lambda: d.execute_script(script, *args))
			)
		except TimeoutException:
			raise CheckFailed(f"timed out after {timeout:.0f}s waiting for {what}") from None

	def api(self, method: str, **params):
		"""Call a whitelisted method with the browser's session (the same permissions as the user)."""
		script = """
			const [method, params, done] = arguments;
			frappe.call({method, args: params, callback: (r) => done(JSON.stringify(r.message ?? null)),
				error: (r) => done(JSON.stringify({__error: String(r && r.responseText || r)}))});
		"""
		result = json.loads(self.driver.execute_async_script(script, method, params))
		if isinstance(result, dict) and "__error" in result:
			raise CheckFailed(f"{method} failed: {result['__error'][:300]}")
		return result

	def get_list(self, doctype: str, filters: dict, fields=("name",), order_by="creation desc", limit=1):
		return self.api(
			"frappe.client.get_list",
			doctype=doctype,
			filters=filters,
			fields=list(fields),
			order_by=order_by,
			limit_page_length=limit,
		)

	def open(self, path: str, ready: str, what: str) -> None:
		self.driver.get(self.base_url + path)
		self.until(
			"return !!(window.frappe && frappe.boot && document.readyState === 'complete')",
			"the desk to boot",
		)
		self.until(ready, what)
		self.settle()

	def settle(self) -> None:
		"""Let requests in flight and rendering finish: no freeze, no pending AJAX, fonts loaded."""
		self.until(
			"return window.$ && !$('.freeze:visible, .modal-backdrop.freeze-message-container:visible').length"
			" && !(window.frappe && frappe.request && frappe.request.ajax_count)"
			" && (!document.fonts || document.fonts.status === 'loaded')",
			"the page to settle",
		)
		time.sleep(0.8)

	def shot(self, name: str, folder: Path | None = None) -> None:
		folder = folder or self.out
		folder.mkdir(parents=True, exist_ok=True)
		self.driver.save_screenshot(str(folder / f"{name}.png"))

	def report_shot(self, name: str, width: int, height: int) -> None:
		"""A query report in a larger window (a wide report's columns, its summary, chart and first rows together),
		drawn again at that size."""
		size = self.driver.get_window_size()
		self.driver.set_window_size(width, height)
		# The desk's own Toggle Full Width, for this screenshot only.
		self.js("$(document.body).addClass('full-width').trigger('toggleFullWidth'); window.scrollTo(0, 0);")
		try:
			self.js("frappe.query_report.refresh()")
			time.sleep(0.5)
			self.until("return !!frappe.query_report.datatable", "the report drawn again")
			self.settle()
			time.sleep(1)  # the table paints the rows and columns in view
			self.shot(name)
		finally:
			self.js("frappe.ui.toolbar.set_fullwidth_if_enabled(); $(document.body).trigger('toggleFullWidth');")
			self.driver.set_window_size(size["width"], size["height"])

	def console_errors(self) -> list[str]:
		errors = []
		for entry in self.driver.get_log("browser"):
			if entry.get("level") != "SEVERE":
				continue
			message = entry.get("message", "")
			if IGNORED_CONSOLE.search(message):
				continue
			errors.append(message[:500])
		return errors

	def page(self, name: str, step) -> Page:
		"""Run one page's step; collect its console errors and failed checks."""
		page = Page(name)
		self.pages.append(page)
		try:
			step(page)
		except (CheckFailed, WebDriverException, JavascriptException) as e:
			page.errors.append(
				f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else e!r}"
			)
			self.shot(f"failed-{_slug(name)}", self.failures)
		try:
			page.errors += [f"console: {message}" for message in self.console_errors()]
		except WebDriverException as e:
			page.errors.append(f"console log unavailable: {e}")
		status = "ok" if not page.errors else "FAILED"
		print(f"[{status}] {name}" + (f" ({'; '.join(page.notes)})" if page.notes else ""), flush=True)
		for error in page.errors:
			print(f"    {error}", flush=True)
		return page

	def text(self, selector: str) -> str:
		# One script, not element handles: the desk re-renders parts of a form as realtime updates arrive.
		return self.js("return $(arguments[0]).map((i, el) => el.innerText).get().join(' ')", selector)

	def click(self, selector: str, text: str | None = None, attempts: int = 5) -> None:
		"""Click the first element matching selector (and showing text): found afresh when the desk re-renders it."""
		for attempt in range(attempts):
			try:
				elements = [
					el
					for el in self.driver.find_elements(By.CSS_SELECTOR, selector)
					if text is None or el.text.strip() == text
				]
				if not elements:
					raise CheckFailed(f"nothing to click: {selector}" + (f" {text!r}" if text else ""))
				elements[0].click()
				return
			except StaleElementReferenceException:
				if attempt == attempts - 1:
					raise
				time.sleep(0.3)

	def close_dialogs(self, timeout: float = 15) -> None:
		"""Close every open dialog, clicking again until it is gone: Bootstrap ignores a close while it fades in."""
		deadline = time.monotonic() + timeout
		while self.js("return $('.modal:visible').length"):
			if time.monotonic() > deadline:
				raise CheckFailed(f"timed out after {timeout:.0f}s waiting for the dialogs to close")
			self.js(
				"$('.modal.show:visible').find('.btn-modal-close, .modal-header .close').filter(':visible').click()"
			)
			time.sleep(0.5)

	def form_ready(self, doctype: str, name: str | None = None) -> str:
		condition = (
			f"cur_frm && cur_frm.doctype === {json.dumps(doctype)} && cur_frm.doc && !cur_frm.doc.__islocal"
		)
		if name:
			condition += f" && cur_frm.doc.name === {json.dumps(name)}"
		return (
			f"return !!({condition} && $(cur_frm.wrapper).is(':visible') && cur_frm.layout && cur_frm.page)"
		)

	def list_ready(self, doctype: str) -> str:
		return (
			f"return !!(cur_list && cur_list.doctype === {json.dumps(doctype)} && cur_list.data !== undefined"
			" && $(cur_list.page.wrapper).is(':visible') && !cur_list.$result.find('.list-loading').length"
			" && (cur_list.data.length ? cur_list.$result.find('.list-row').length > 0 : true))"
		)


# -- the pages ------------------------------------------------------------------------------------------------
def login(desk: Desk, user: str, password: str) -> None:
	def step(page: Page) -> None:
		desk.driver.get(desk.base_url + "/login")
		desk.until("return !!document.querySelector('#login_email')", "the login form")
		desk.driver.find_element(By.CSS_SELECTOR, "#login_email").send_keys(user)
		desk.driver.find_element(By.CSS_SELECTOR, "#login_password").send_keys(password)
		desk.driver.find_element(By.CSS_SELECTOR, ".btn-login").click()
		# A boolean, not the boot itself: a German desk's boot carries every translation, too big to hand back.
		desk.until(
			"return !!(location.pathname.startsWith('/app') && window.frappe && frappe.boot)",
			"the desk after login",
		)
		if desk.js("return frappe.session.user") != user:
			raise CheckFailed(f"logged in as {desk.js('return frappe.session.user')}, not {user}")

	desk.page("login", step)


def workspace(desk: Desk) -> None:
	def step(page: Page) -> None:
		desk.open(
			"/app/amazon",
			"return $('.widget.number-widget-box').length >= 3 && $('.widget.links-widget-box').length > 0 && "
			"($('.widget.dashboard-widget-box svg.frappe-chart').length > 0 || "
			"/No Data|Nothing to show/.test($('.widget.dashboard-widget-box').text()))",
			"the workspace's cards and chart",
		)
		links = desk.text(".links-widget-box")
		for report in REPORTS:
			if report not in links:
				raise CheckFailed(f"the workspace does not link the report {report}")
		desk.shot("workspace")

	desk.page("Amazon workspace", step)


def sandbox_account(desk: Desk, account: str, sync: bool, sync_timeout: float) -> str | None:
	log_name: list[str] = []

	def step(page: Page) -> None:
		desk.open(
			f"/app/amazon-account/{quote(account)}",
			desk.form_ready("Amazon Account", account),
			"the account form",
		)
		if "Sandbox" not in desk.text(".form-message"):
			raise CheckFailed("the sandbox banner is missing")
		if not sync:
			desk.shot("sandbox-account")
			return
		# Amazon > Sync Orders: the form shows the run (its log, its counts) and its outcome, realtime or not.
		try:  # the form shows the account's last run, if it has one
			desk.until("return !!$('.amazon-order-sync').length", "the last run", 10)
		except CheckFailed:
			pass
		before = desk.js("return cur_frm.__amazon_sync_log || null")
		desk.click(".inner-group-button[data-label='Amazon'] > button")
		desk.until(
			"return $('.inner-group-button[data-label=\"Amazon\"] .dropdown-menu:visible').length > 0",
			"the Amazon menu",
			10,
		)
		desk.click(".inner-group-button[data-label='Amazon'] .dropdown-item", "Sync Orders")
		# The answer (a new run, or the one already under way), then the form following that run.
		desk.until(
			"return /Order sync started|already under way/.test($('#alert-container').text())",
			"the answer to Sync Orders",
			30,
		)
		desk.until(
			"const log = cur_frm.__amazon_sync_log; return !!log && "
			"(log !== arguments[0] || ['Queued', 'Running'].includes(cur_frm.__amazon_sync_status)) && "
			"($('.amazon-order-sync a').attr('href') || '').endsWith('/' + encodeURIComponent(log))",
			"the run and its log link on the form",
			30,
			before,
		)
		deadline = time.monotonic() + sync_timeout
		status = None
		while time.monotonic() < deadline:
			status = desk.js("return $('.amazon-order-sync .indicator-pill').first().text().trim()")
			# Empty: the form is re-rendering its dashboard (a run that ended reloads the form).
			if status and status not in ("Queued", "Running"):
				break
			time.sleep(1)
		href = desk.until("return $('.amazon-order-sync a').attr('href')", "the run's log link", 30)
		log_name.append(href.rsplit("/", 1)[-1])
		page.notes.append(f"sync {status}: {desk.text('.amazon-order-sync-text')[:160]}")
		if status in ("Queued", "Running"):
			page.notes.append("no worker finished the run in time")
		elif status not in ("Success", "Partial Success"):
			raise CheckFailed(f"the order sync ended {status}")
		desk.settle()
		desk.shot("sandbox-account")

	desk.page(f"Amazon Account {account}", step)
	return log_name[0] if log_name else None


def sync_log(desk: Desk, account: str, name: str | None) -> None:
	def step(page: Page) -> None:
		log = name or (desk.get_list("Amazon Sync Log", {"amazon_account": account}) or [{}])[0].get("name")
		if not log:
			raise CheckFailed("no Amazon Sync Log")
		desk.open(f"/app/amazon-sync-log/{log}", desk.form_ready("Amazon Sync Log", log), "the sync log")
		doc = desk.js("return JSON.parse(JSON.stringify(cur_frm.doc))")
		parts = ["created", "updated", "cancelled", "unchanged", "waiting", "skipped", "failed", "flagged"]
		total = sum(doc.get(f"{p}_count") or 0 for p in parts)
		if doc["status"] not in ("Queued", "Running") and total != doc.get("orders_read"):
			raise CheckFailed(
				f"the counts add up to {total}, not to the {doc.get('orders_read')} orders read"
			)
		listed = len(doc.get("skipped_orders") or [])
		if listed < min(doc.get("skipped_count", 0) + doc.get("waiting_count", 0), 500):
			raise CheckFailed("skipped or waiting orders without their reason")
		page.notes.append(
			f"{doc['status']}: read {doc.get('orders_read')}, {listed} skipped or waiting listed"
		)
		desk.js("document.querySelector('[data-fieldname=\"counts_section\"]')?.scrollIntoView()")
		time.sleep(0.5)
		desk.shot("sync-log")

	desk.page("Amazon Sync Log", step)


def sales_orders(desk: Desk, account: str) -> None:
	def list_step(page: Page) -> None:
		desk.open(
			f"/app/sales-order?amazon_account={quote(account)}",
			desk.list_ready("Sales Order"),
			"the Sales Order list",
		)
		check_pills_fit(desk, page)
		symbols = set(
			desk.js(
				"return cur_list.data.map((d) => frappe.boot.docs.find((c) => c.doctype === ':Currency' && c.name === d.currency)?.symbol || d.currency)"
			)
		)
		currencies = set(desk.js("return cur_list.data.map((d) => d.currency)"))
		if len(symbols) < len(currencies):
			raise CheckFailed(f"currencies {sorted(currencies)} show with the symbols {sorted(symbols)}")
		desk.shot("sales-order-list")

	def form_step(page: Page) -> None:
		rows = desk.get_list(
			"Sales Order", {"amazon_account": account, "docstatus": 1}, order_by="creation asc"
		)
		if not rows:
			raise CheckFailed("no submitted Amazon Sales Order")
		name = rows[0]["name"]
		desk.open(f"/app/sales-order/{quote(name)}", desk.form_ready("Sales Order", name), "the Sales Order")
		desk.until("return !!document.querySelector('.timeline-items .timeline-item')", "the timeline", 20)
		timeline = desk.text(".new-timeline")
		if re.search(r"from 0 to null|to null", timeline):
			raise CheckFailed("the timeline says a field changed to null")
		desk.shot("sales-order")

	def replacement_step(page: Page) -> None:
		rows = desk.get_list(
			"Sales Order", {"amazon_account": account, "amazon_replaced_order_id": ("is", "set")}, ("name",)
		)
		if not rows:
			page.notes.append("no replacement order in this sandbox")
			return
		desk.open(
			f"/app/sales-order?amazon_account={quote(account)}&amazon_replaced_order_id=%5B%22is%22%2C%22set%22%5D",
			desk.list_ready("Sales Order"),
			"the replacement orders",
		)
		if "Replacement" not in desk.text(".result"):
			raise CheckFailed("a replacement order at 0.00 does not say it is a replacement")

	desk.page("Amazon Sales Orders (list)", list_step)
	desk.page("Amazon Sales Order", form_step)
	desk.page("Replacement orders", replacement_step)


def check_pills_fit(desk: Desk, page: Page) -> None:
	"""Every status pill of the list shows its whole label at this width."""
	cut = desk.js(
		"return $('.list-row-container .indicator-pill:visible').toArray()"
		".filter((pill) => [pill, pill.querySelector('.ellipsis'), pill.closest('.list-row-col')]"
		".some((el) => el && el.scrollWidth > el.clientWidth + 1))"
		".map((pill) => pill.textContent.trim())"
	)
	if cut:
		raise CheckFailed(f"status pills cut off: {sorted(set(cut))}")


def delivery_notes(desk: Desk, account: str) -> None:
	def list_step(page: Page) -> None:
		desk.open(
			f"/app/delivery-note?amazon_account={quote(account)}",
			desk.list_ready("Delivery Note"),
			"the Delivery Note list",
		)
		check_pills_fit(desk, page)
		desk.shot("delivery-note-list")

	def fbm_step(page: Page) -> None:
		rows = desk.get_list(
			"Delivery Note",
			{"amazon_account": account, "amazon_fulfillment_channel": "FBM", "docstatus": 0},
			order_by="creation asc",
		)
		if not rows:
			raise CheckFailed("no draft FBM Delivery Note to ship")
		name = rows[0]["name"]
		desk.open(
			f"/app/delivery-note/{quote(name)}", desk.form_ready("Delivery Note", name), "the Delivery Note"
		)
		# The Amazon fields are on the Details tab, open, where the shipper works.
		visible = desk.js(
			"return ['amazon_carrier', 'amazon_carrier_name', 'amazon_tracking_number'].every((f) => "
			"$(cur_frm.fields_dict[f].wrapper).is(':visible'))"
		)
		if not visible:
			raise CheckFailed("the carrier and tracking fields are not visible on the open Delivery Note")
		desk.js(
			"cur_frm.set_value({amazon_carrier: null, amazon_carrier_name: null, amazon_tracking_number: null})"
		)
		desk.settle()
		# Submitting without them: a message names the fields and the form scrolls to them.
		desk.js("cur_frm.savesubmit()")
		confirm_submit(desk)
		message = desk.until(
			"return $('.msgprint:visible').text().includes('Tracking Number') && $('.msgprint:visible').text()",
			"the message naming the missing fields",
			20,
		)
		if "Carrier" not in message:
			raise CheckFailed(f"the message does not name the carrier: {message}")
		in_view = desk.js(
			"const r = cur_frm.fields_dict.amazon_carrier.wrapper.getBoundingClientRect();"
			"return r.top >= 0 && r.bottom <= window.innerHeight"
		)
		if not in_view:
			raise CheckFailed("the form did not take the user to the carrier field")
		desk.shot("delivery-note-missing-tracking")
		desk.close_dialogs()

		carrier = desk.driver.find_element(By.CSS_SELECTOR, "input[data-fieldname='amazon_carrier_name']")
		carrier.send_keys("UPS")
		tracking = desk.driver.find_element(By.CSS_SELECTOR, "input[data-fieldname='amazon_tracking_number']")
		tracking.send_keys(f"1ZBROWSER{int(time.time())}")
		desk.until(
			"return cur_frm.doc.amazon_tracking_number && cur_frm.doc.amazon_carrier_name",
			"the typed values",
			10,
		)
		desk.js("cur_frm.savesubmit()")
		confirm_submit(desk)
		desk.until("return cur_frm.doc.docstatus === 1", "the Delivery Note to be submitted", 60)
		desk.settle()
		desk.close_dialogs()  # e.g. an invoice notice
		status = desk.js("return cur_frm.doc.amazon_sync_status")
		page.notes.append(f"{name} submitted, Amazon sync status {status}")
		desk.js("window.scrollTo(0, 0)")
		desk.shot("delivery-note-submitted")

	desk.page("Amazon Delivery Notes (list)", list_step)
	desk.page("FBM Delivery Note: carrier, tracking, submit", fbm_step)


def multi_channel(desk: Desk, account: str) -> None:
	"""The sandbox's webshop orders: one Amazon fulfilled (its section, its Delivery Notes), one not yet sent
	(Amazon's preview in the Fulfil by Amazon dialog, closed without sending)."""
	orders: list[str] = []  # the Sales Order Amazon fulfilled, for its Delivery Note

	def workspace_step(page: Page) -> None:
		desk.open("/app/amazon", "return $('.widget.shortcut-widget-box').length > 0", "the workspace's shortcuts")
		text = desk.text(".layout-main-section")
		for entry in ("Multi-Channel Fulfilment", "Orders Fulfilled by Amazon", "Shipped by Amazon (Multi-Channel)"):
			if desk.js("return __(arguments[0])", entry) not in text:
				raise CheckFailed(f"the workspace does not show {entry!r}")

	def open_at(doctype: str, filters: dict, fields: tuple, fieldname: str, missing: str) -> dict:
		"""The newest document matching `filters`, opened and scrolled to `fieldname`'s section; its row."""
		rows = desk.get_list(doctype, filters, ("name", *fields))
		if not rows:
			raise CheckFailed(missing)
		name = rows[0]["name"]
		desk.open(f"/app/{_slug(doctype)}/{quote(name)}", desk.form_ready(doctype, name), f"the {doctype}")
		desk.js("cur_frm.scroll_to_field(arguments[0])", fieldname)
		desk.settle()
		return rows[0]

	def order_step(page: Page) -> None:
		row = open_at("Sales Order", {"amazon_mcf_account": account, "docstatus": 1}, ("amazon_mcf_status",),
					  "amazon_mcf_order", "no webshop Sales Order fulfilled by Amazon in the sandbox")  # fmt: skip
		if row["amazon_mcf_status"] not in desk.text("[data-fieldname='amazon_mcf_status']"):
			raise CheckFailed(f"the form does not show Amazon's status {row['amazon_mcf_status']}")
		page.notes.append(f"{row['name']}: {row['amazon_mcf_status']}")
		orders.append(row["name"])
		desk.shot("mcf-sales-order")

	def dialog_step(page: Page) -> None:
		company = desk.get_list("Amazon Account", {"name": account}, ("company",))[0]["company"]
		rows = desk.get_list(
			"Sales Order",
			{"customer": "Webshop Customer (Sandbox)", "company": company, "docstatus": 1,
			 "amazon_mcf_order": ("is", "not set"), "amazon_order_id": ("is", "not set")},
		)  # fmt: skip
		if not rows:
			raise CheckFailed("no webshop Sales Order waiting to be sent to Amazon in the sandbox")
		name = rows[0]["name"]
		desk.open(f"/app/sales-order/{quote(name)}", desk.form_ready("Sales Order", name), "the waiting Sales Order")
		# Create > Fulfil by Amazon, found by its label in the user's language.
		if not desk.js("const b = cur_frm.custom_buttons[__('Fulfil by Amazon')]; b && b.click(); return !!b"):
			raise CheckFailed("the Sales Order offers no Create > Fulfil by Amazon")
		desk.until("return cur_dialog && cur_dialog.fields_dict.account && $(cur_dialog.$wrapper).is(':visible')",
				   "the Fulfil by Amazon dialog", 20)  # fmt: skip
		desk.js("cur_dialog.set_value('account', arguments[0])", account)
		desk.until("return cur_dialog.fields_dict.preview.$wrapper.find('tbody tr').length >= 3", "Amazon's preview", 30)
		speed = desk.js("return cur_dialog.get_value('speed')")
		if not speed:
			raise CheckFailed("Amazon's preview offers no speed it can fulfil")
		page.notes.append(f"preview offers {speed}")
		# The account's search list would cover the preview: close it, as a user picking the account does.
		desk.js("const f = cur_dialog.fields_dict.account; f.$input.blur(); f.awesomplete && f.awesomplete.close()")
		desk.settle()
		desk.shot("mcf-preview-dialog")
		desk.close_dialogs()

	def delivery_step(page: Page) -> None:
		if not orders:
			raise CheckFailed("no webshop Sales Order fulfilled by Amazon in the sandbox")
		row = open_at("Delivery Note", {"amazon_mcf_package": ("like", f"{orders[0]}/%"), "docstatus": 1},
					  ("amazon_mcf_tracking_number",), "amazon_mcf_package", f"no Delivery Note of {orders[0]}")  # fmt: skip
		if row["amazon_mcf_tracking_number"] not in desk.text("[data-fieldname='amazon_mcf_tracking_number']"):
			raise CheckFailed("the Delivery Note does not show Amazon's tracking number")
		desk.shot("mcf-delivery-note")

	desk.page("Multi-Channel Fulfilment in the workspace", workspace_step)
	desk.page("Webshop Sales Order fulfilled by Amazon", order_step)
	desk.page("Fulfil by Amazon dialog: Amazon's preview", dialog_step)
	desk.page("Delivery Note of a package Amazon shipped", delivery_step)


# Buy Shipping exists on Amazon.com, not Amazon.ca: the sandbox's labels are for its US orders.
LABEL_MARKETPLACE = "ATVPDKIKX0DER"


def label_candidates(desk: Desk, account: str, count: int) -> list[str]:
	"""Draft FBM Delivery Notes of the account's Amazon.com orders without a label, the newest first (the page
	that types a tracking number takes the oldest draft)."""
	drafts = desk.get_list(
		"Delivery Note",
		{"amazon_account": account, "amazon_fulfillment_channel": "FBM", "docstatus": 0, "amazon_label_shipment_id": ["is", "not set"]},
		fields=("name", "amazon_order_id"),
		limit=40,
	)
	us = {
		row["amazon_order_id"]
		for row in desk.get_list(
			"Sales Order",
			{"amazon_order_id": ["in", [d["amazon_order_id"] for d in drafts]], "amazon_marketplace": LABEL_MARKETPLACE},
			fields=("amazon_order_id",),
			limit=40,
		)
	}
	names = [d["name"] for d in drafts if d["amazon_order_id"] in us][:count]
	if len(names) < count:
		raise CheckFailed(f"{len(names)} draft FBM Delivery Notes of Amazon.com orders to label, not {count}")
	return names


def translated(desk: Desk, text: str) -> str:
	"""The desk's words in the user's language (the buttons carry them)."""
	return desk.js("return __(arguments[0])", text)


def open_menu_item(desk: Desk, group: str, item: str) -> None:
	"""Click `item` in the form's button group `group`."""
	group, item = translated(desk, group), translated(desk, item)
	selector = f".inner-group-button[data-label='{quote(group)}']"
	desk.js("window.scrollTo(0, 0)")  # the group sits in the page head, under the sticky navbar once scrolled
	desk.settle()
	desk.click(f"{selector} > button")
	desk.until(f"return $(\"{selector} .dropdown-menu:visible\").length > 0", f"the {group} menu", 10)
	desk.click(f"{selector} .dropdown-item", item)


def label(desk: Desk, account: str) -> None:
	"""Amazon Label > Get Rates on a draft FBM Delivery Note, the proposed rate bought, the label printed."""
	files: list[str] = []

	def step(page: Page) -> None:
		name = label_candidates(desk, account, 1)[0]
		desk.open(f"/app/delivery-note/{quote(name)}", desk.form_ready("Delivery Note", name), "the Delivery Note")
		open_menu_item(desk, "Amazon Label", "Get Rates")
		rates = desk.until(
			"return $('.modal:visible input[name=amazon-rate]').length && "
			"$('.modal:visible .amazon-label-rates tr.amazon-rate').toArray().map((tr) => tr.innerText)",
			"Amazon's rates in the dialog",
			60,
		)
		chosen = desk.js("return $('.modal:visible input[name=amazon-rate]:checked').closest('tr').text()")
		if not chosen:
			raise CheckFailed("no rate is proposed")
		if translated(desk, "Yes") not in chosen:
			raise CheckFailed(f"the proposed rate does not meet the latest delivery date: {chosen.strip()}")
		parcels = desk.js("return $('.modal:visible .grid-body .grid-row').length")
		page.notes.append(f"{name}: {len(rates)} rates for {parcels} parcel(s), proposed: {' '.join(chosen.split())}")
		desk.settle()
		desk.shot("labels-rates")
		desk.js("window.open = (url) => { window.__amazon_opened = (window.__amazon_opened || []).concat([url]); }")
		desk.js("$('.modal:visible .modal-footer .btn-primary').click()")
		desk.until(
			"return cur_frm.doc.name === arguments[0] && cur_frm.doc.amazon_tracking_number && "
			"cur_frm.doc.amazon_label_shipment_id && (window.__amazon_opened || []).length",
			"the label bought and opened",
			60,
			name,
		)
		desk.settle()
		doc = desk.js("return {carrier: cur_frm.doc.amazon_carrier_name, tracking: cur_frm.doc.amazon_tracking_number, "
			"attachments: (cur_frm.get_docinfo().attachments || []).map((a) => a.file_name)}")
		if not any(f.startswith(f"label-{name}") for f in doc["attachments"]):
			raise CheckFailed(f"no label attached: {doc['attachments']}")
		page.notes.append(f"{doc['carrier']} {doc['tracking']}")
		# The Amazon section (carrier, tracking number, label cost) in view.
		desk.js("cur_frm.scroll_to_field('amazon_carrier_name')")
		time.sleep(0.5)
		desk.shot("labels-bought")
		files.extend(desk.js("return window.__amazon_opened"))

	def print_step(page: Page) -> None:
		if not files:
			raise CheckFailed("no label was opened")
		desk.driver.get(desk.base_url + files[0])
		time.sleep(3)  # Chromium's PDF viewer draws the page
		kind = desk.js("return document.contentType")
		if kind != "application/pdf":
			raise CheckFailed(f"the label is {kind}, not a PDF")
		page.notes.append(files[0])
		desk.shot("labels-label")
		desk.driver.get_log("browser")  # Chromium asks a file for a favicon the site has not got: not the desk's error

	desk.page("FBM Delivery Note: Amazon label rates, bought", step)
	desk.page("FBM Delivery Note: the printed label", print_step)


def bulk_labels(desk: Desk, account: str, timeout: float) -> None:
	"""Delivery Note list > Actions > Buy Amazon Labels for two drafts: the run's Sync Log lists them and holds
	one file of their labels."""

	def step(page: Page) -> None:
		if not desk.js("return !!window.frappe"):  # still on the label's file
			desk.open("/app/delivery-note", desk.list_ready("Delivery Note"), "the Delivery Note list")
		names = label_candidates(desk, account, 2)
		desk.open(
			f"/app/delivery-note?name={quote(json.dumps(['in', names]))}",
			desk.list_ready("Delivery Note"),
			"the two Delivery Notes in the list",
		)
		for name in names:
			desk.js(f"cur_list.$result.find('.list-row-checkbox[data-name={json.dumps(name)}]').click()")
		desk.until("return cur_list.get_checked_items().length === 2", "two Delivery Notes checked", 10)
		desk.click(".actions-btn-group > button")
		desk.until("return $('.actions-btn-group .dropdown-menu:visible').length > 0", "the Actions menu", 10)
		desk.click(".actions-btn-group .dropdown-item", translated(desk, "Buy Amazon Labels"))
		confirm_submit(desk)
		desk.until("return $('.msgprint:visible a[href*=\"amazon-sync-log\"]').length", "the link to the run's log", 30)
		desk.settle()
		desk.shot("labels-bulk-queued")
		log = desk.js("return $('.msgprint:visible a[href*=\"amazon-sync-log\"]').attr('href').split('/').pop()")
		desk.close_dialogs()
		desk.open(f"/app/amazon-sync-log/{log}", desk.form_ready("Amazon Sync Log", log), "the run's log")
		deadline = time.monotonic() + timeout
		while desk.js("return cur_frm.doc.status") in ("Queued", "Running"):
			if time.monotonic() > deadline:
				raise CheckFailed(f"the label run did not end in {timeout:.0f}s (is a worker running?)")
			time.sleep(1)
		desk.until("return cur_frm.doc.labels_file && $('.page-actions button:visible').filter((i, b) => "
			"b.textContent.trim() === __('Print Labels')).length", "Print Labels on the log", 30)
		rows = desk.js("return cur_frm.doc.labels.map((r) => [r.delivery_note, r.outcome, r.message || ''])")
		if sorted(r[0] for r in rows) != sorted(names) or any(r[1] != "Bought" for r in rows):
			raise CheckFailed(f"not both labels bought: {rows}")
		page.notes.append(f"{log}: {desk.js('return cur_frm.doc.status')}, {cur_labels(rows)}")
		desk.js("document.querySelector('[data-fieldname=\"labels_section\"]')?.scrollIntoView()")
		time.sleep(0.5)
		desk.shot("labels-bulk-log")

	desk.page("Delivery Note list: Buy Amazon Labels", step)


def cur_labels(rows: list[list[str]]) -> str:
	return ", ".join(f"{name} {outcome}" for name, outcome, _message in rows)


def confirm_submit(desk: Desk) -> None:
	"""Answer Yes to "Permanently Submit?" once the dialog is fully open (Bootstrap ignores a hide while it fades in)."""
	desk.until(
		"return !!$('.modal.show:visible .btn-primary').filter((i, b) => b.textContent.trim() === 'Yes').length",
		"the submit confirmation",
		20,
	)
	time.sleep(0.6)
	desk.js("$('.modal.show:visible .btn-primary').filter((i, b) => b.textContent.trim() === 'Yes').click()")


def reports(desk: Desk, account: str) -> None:
	for report, screenshot in REPORTS.items():

		def step(page: Page, report=report, screenshot=screenshot) -> None:
			desk.open(
				f"/app/query-report/{quote(report)}?amazon_account={quote(account)}",
				f"return !!(frappe.query_report && frappe.query_report.report_name === {json.dumps(report)} && "
				"frappe.query_report.$report && $(frappe.query_report.page.wrapper).is(':visible'))",
				f"the report {report}",
			)
			desk.until(
				"return !!(frappe.query_report.datatable || frappe.query_report.$message.is(':visible') || "
				"frappe.query_report.$report.find('.no-result:visible').length)",
				"the report's result",
			)
			desk.settle()
			rows = desk.js("return (frappe.query_report.data || []).length")
			page.notes.append(f"{rows} rows")
			if report == "Amazon Profit":
				check_profit(desk, page)
				desk.report_shot(screenshot, *PROFIT_SHOT)
			else:
				desk.shot(screenshot)

		desk.page(f"Report {report}", step)

	def by_sku(page: Page) -> None:
		report = "Amazon Profit"
		desk.open(
			f"/app/query-report/{quote(report)}?amazon_account={quote(account)}&group_by=SKU",
			f"return !!(frappe.query_report && frappe.query_report.report_name === {json.dumps(report)} && "
			"frappe.query_report.get_filter_value('group_by') === 'SKU' && frappe.query_report.datatable)",
			"the report Amazon Profit by SKU",
		)
		desk.settle()
		check_profit(desk, page, "item_code")
		desk.report_shot("profit-by-sku", *PROFIT_SHOT)

	desk.page("Report Amazon Profit by SKU", by_sku)


def check_profit(desk: Desk, page: Page, key: str | None = None) -> None:
	"""The sandbox's settlements are booked: the report shows Amazon's fees by category, the cost of goods and a
	margin (not the 0.00 fees of settlements left as drafts), and its rows add up to its summary."""
	totals = desk.js(
		"""const raw = frappe.query_report.raw_data || {};
		let data = frappe.query_report.data || [];
		const total = raw.add_total_row && data.length ? data[data.length - 1] : null;
		if (total) data = data.slice(0, -1);
		const sum = (field) => data.reduce((amount, row) => amount + (row[field] || 0), 0);
		const fees = {};
		for (const column of frappe.query_report.columns || []) {
			if (!(column.fieldname || '').startsWith('fee_')) continue;
			fees[column.label || column.fieldname] = sum(column.fieldname);
		}
		const summary = (raw.report_summary || []).map((item) => item.value);
		return {fees, total_fees: sum('total_fees'), cogs: sum('cogs'), margin: sum('margin'),
			net_sales: sum('net_sales'), keyed: data.filter((row) => row[arguments[0]]).length,
			total_row_fees: total ? total.total_fees : null, summary_fees: summary[1]};""",
		key or "amazon_order_id",
	)
	categories = {name: amount for name, amount in totals["fees"].items() if round(amount, 2)}
	if len(categories) < 4:
		raise CheckFailed(
			f"the profit report shows fees of {len(categories)} categories, expected at least 4: {totals['fees']}"
		)
	for column in ("net_sales", "cogs", "margin"):
		if not round(totals[column], 2):
			raise CheckFailed(f"the profit report's {column} is 0.00")
	if totals["total_fees"] >= 0:
		raise CheckFailed(f"the profit report's Amazon Fees are {totals['total_fees']:.2f}, not a cost")
	for name in ("summary_fees", "total_row_fees"):
		if totals[name] is not None and abs(totals[name] - totals["total_fees"]) >= 0.005:
			raise CheckFailed(
				f"the profit report's rows add up to fees of {totals['total_fees']:.2f}, its {name} says {totals[name]}"
			)
	if not totals["keyed"]:
		raise CheckFailed(f"no row of the profit report has its {key or 'amazon_order_id'}")
	page.notes.append(
		f"{len(categories)} fee categories, fees {totals['total_fees']:.2f}, cost of goods {totals['cogs']:.2f}, "
		f"margin {totals['margin']:.2f}"
	)


def guided_setup(desk: Desk, account: str) -> None:
	"""The account form's Guided Setup checklist, the workspace's onboarding that follows it, and Amazon FBA Stock
	Reconciliation of the fresh sandbox: no difference (the sandbox opens ERPNext's FBA stock with Amazon's count)."""

	def account_step(page: Page) -> None:
		desk.open(
			f"/app/amazon-account/{quote(account)}",
			desk.form_ready("Amazon Account", account),
			"the account form",
		)
		complete = desk.api(
			"amazon_integration.erpnext.setup_checklist.get_setup_checklist", account=account
		)["complete"]
		if complete:
			# The sandbox maps the SKUs of its webshop order Amazon fulfils: every step is done, and the form shows
			# no checklist (the first-hour page walks a new account's).
			desk.until("return !$('.amazon-setup-checklist').length", "no Guided Setup on a complete account", 30)
			page.notes.append("every step done")
			return
		desk.until("return $('.amazon-setup-checklist .amazon-setup-step').length === 7", "the Guided Setup checklist")
		todo = desk.js(
			"return $('.amazon-setup-step').filter((i, el) => $(el).find('.indicator-pill.orange').length)"
			".map((i, el) => el.dataset.step).get()"
		)
		# The sandbox maps no SKU (Import Listings not run yet); everything else it set up.
		if todo != ["items"]:
			raise CheckFailed(f"the checklist's steps to do are {todo}, not ['items']")
		if "Import Listings" not in desk.text(".amazon-setup-step[data-step='items']"):
			raise CheckFailed("the Items step does not say to use Import Listings")
		page.notes.append(f"to do: {', '.join(todo)}")
		desk.js("$('.amazon-setup-checklist')[0].scrollIntoView({block: 'center'})")
		time.sleep(0.5)
		desk.shot("setup-account-checklist")

	def new_account_step(page: Page) -> None:
		desk.open(
			"/app/amazon-account/new",
			"return !!(cur_frm && cur_frm.doctype === 'Amazon Account' && cur_frm.is_new() && "
			"$('.amazon-setup-checklist .amazon-setup-step').length === 7)",
			"the new account's Guided Setup",
		)
		connect = desk.text(".amazon-setup-step[data-step='connect']")
		if "Save the account" not in connect or "Refresh Token" not in connect:
			raise CheckFailed(f"the new account's first step does not say what connecting needs: {connect!r}")
		desk.shot("setup-new-account")
		# Leave the unsaved form inside the desk (a page load would meet its "leave the page?" guard).
		desk.js("frappe.set_route('Form', 'Amazon Account', arguments[0])", account)
		desk.until(desk.form_ready("Amazon Account", account), "the saved account")

	def workspace_step(page: Page) -> None:
		complete = desk.api(
			"amazon_integration.erpnext.setup_checklist.get_setup_checklist", account=account
		)["complete"]
		desk.open(
			"/app/amazon",
			"return $('.widget.links-widget-box').length > 0 && "
			"($('.onboarding-widget-box').length === 0 || $('.onboarding-step').length === 7)",
			"the workspace",
		)
		done = desk.js("return $('.onboarding-step.complete').length")
		if complete:
			# Frappe hides an onboarding whose every step is done, for good.
			if desk.js("return $('.onboarding-widget-box').length") and done != 7:
				raise CheckFailed(f"the onboarding shows {done} steps done, not the 7 the account has done")
			page.notes.append("every step done: the onboarding is " + ("shown" if done else "hidden"))
			return
		if done != 6:
			raise CheckFailed(f"the onboarding shows {done} steps done, not the 6 the account has done")
		page.notes.append(f"{done} of 7 steps done")
		desk.shot("setup-workspace")

	def reconciliation_step(page: Page) -> None:
		report = "Amazon FBA Stock Reconciliation"
		enabled = desk.get_list("Amazon Account", {"enabled": 1}, limit=2)
		desk.open(
			f"/app/query-report/{quote(report)}",
			f"return !!(frappe.query_report && frappe.query_report.report_name === {json.dumps(report)} && "
			"$(frappe.query_report.page.wrapper).is(':visible'))",
			f"the report {report}",
		)
		if len(enabled) == 1:
			desk.until(
				"return frappe.query_report.get_filter_value('amazon_account') === arguments[0]",
				"the report to pick the only Amazon Account itself",
				30,
				account,
			)
		else:
			page.notes.append(f"{len(enabled)} enabled accounts: picked {account} by hand")
			desk.js("frappe.query_report.set_filter_value('amazon_account', arguments[0])", account)
		desk.js("frappe.query_report.set_filter_value('only_differences', 0)")
		desk.until(
			"return !!(frappe.query_report.get_filter_value('only_differences') === 0 && "
			"frappe.query_report.datatable && (frappe.query_report.data || []).length && !frappe.query_report.loading)",
			"the report's rows",
		)
		desk.settle()
		rows = desk.js("return frappe.query_report.data")
		off = [f"{row['seller_sku']}: {row['difference']:+g}" for row in rows if row.get("difference")]
		if off:
			raise CheckFailed(f"{len(off)} of {len(rows)} SKUs differ from Amazon: {', '.join(off[:5])}")
		page.notes.append(f"{len(rows)} SKUs, no difference")
		desk.shot("setup-fba-reconciliation")

	desk.page("Guided setup: a new account's checklist", new_account_step)
	desk.page("Guided setup: the account's checklist", account_step)
	desk.page("Guided setup: the workspace's onboarding", workspace_step)
	desk.page("Amazon FBA Stock Reconciliation: no difference in a fresh sandbox", reconciliation_step)


def settlements(desk: Desk, account: str) -> None:
	def list_step(page: Page) -> None:
		desk.open(
			f"/app/amazon-settlement?amazon_account={quote(account)}",
			desk.list_ready("Amazon Settlement"),
			"the settlement list",
		)
		count = desk.js("return cur_list.data.length")
		if not count:
			raise CheckFailed("the sandbox's settlement list is empty")
		page.notes.append(f"{count} settlements")
		desk.shot("settlements")

	def form_step(page: Page) -> None:
		rows = desk.get_list(
			"Amazon Settlement", {"amazon_account": account}, order_by="docstatus desc, creation asc"
		)
		if not rows:
			raise CheckFailed("no Amazon Settlement")
		name = rows[0]["name"]
		desk.open(
			f"/app/amazon-settlement/{quote(name)}",
			desk.form_ready("Amazon Settlement", name),
			"the settlement",
		)
		desk.shot("settlement")

	desk.page("Amazon Settlements (list)", list_step)
	desk.page("Amazon Settlement", form_step)


def inbound_shipments(desk: Desk, account: str) -> None:
	"""Send to Amazon: the sandbox's plans; the one waiting for transport shows Amazon's options with their fees
	and the dialog to choose (left unconfirmed, so the check can run again)."""

	def list_step(page: Page) -> None:
		desk.open(
			f"/app/amazon-inbound-shipment?amazon_account={quote(account)}",
			desk.list_ready("Amazon Inbound Shipment"),
			"the inbound shipment list",
		)
		count = desk.js("return cur_list.data.length")
		if not count:
			raise CheckFailed("the sandbox has no Amazon Inbound Shipment")
		page.notes.append(f"{count} inbound shipments")
		desk.shot("inbound-list")

	def open_status(status: str) -> str:
		rows = desk.get_list("Amazon Inbound Shipment", {"amazon_account": account, "status": status})
		if not rows:
			raise CheckFailed(f"no Amazon Inbound Shipment in status {status}")
		name = rows[0]["name"]
		desk.open(
			f"/app/amazon-inbound-shipment/{quote(name)}",
			desk.form_ready("Amazon Inbound Shipment", name),
			"the inbound shipment",
		)
		return name

	def options_step(page: Page) -> None:
		open_status("Choose Transport")
		shown = desk.text("[data-fieldname='options_html']")
		for wanted in ("Placement Options", "Transport Options", "Amazon-partnered carrier", "Your own carrier"):
			if wanted not in shown:
				raise CheckFailed(f"the options do not show {wanted!r}")
		desk.js("cur_frm.scroll_to_field('options_html')")
		desk.settle()
		desk.shot("inbound-options")
		desk.js("window.scrollTo(0, 0)")  # the button sits in the page head, under the sticky navbar once scrolled
		desk.settle()
		desk.click(".page-actions button, .custom-actions button", "Choose Transport")
		desk.until("return $('.modal:visible select').length > 0", "the transport dialog")
		choices = desk.js("return $('.modal:visible select').length")
		page.notes.append(f"a transport choice for {choices} shipments")
		desk.settle()
		desk.shot("inbound-choose-transport")
		desk.close_dialogs()

	def received_step(page: Page) -> None:
		open_status("Closed")
		received = desk.js("return cur_frm.doc.items.map(r => r.received_qty).reduce((a, b) => a + b, 0)")
		if not received:
			raise CheckFailed("the closed shipment shows nothing received")
		page.notes.append(f"{received} units received by Amazon")
		desk.shot("inbound-received")

	desk.page("Amazon Inbound Shipments (list)", list_step)
	desk.page("Amazon Inbound Shipment: Amazon's options and fees", options_step)
	desk.page("Amazon Inbound Shipment: received by Amazon", received_step)
# -- the same pages in German ----------------------------------------------------------------------------------
GERMAN_USER = "amazon.de@example.com"
GERMAN_PASSWORD = "Amazon-DE-check-2026!"
GERMAN_ROLES = (
	"System Manager",
	"Amazon Manager",
	"Accounts Manager",
	"Accounts User",
	"Sales Manager",
	"Sales User",
	"Stock Manager",
	"Stock User",
)
# Every text node and label the user sees; a text equal to one of the app's English strings is an English label left.
VISIBLE_TEXTS = """
	const seen = new Set();
	// The timeline quotes stored values ("changed Status from Draft to ..."), and a read-only field shows its value
	// (a message a background job stored in the site's language): data, not labels.
	const visible = (el) => el && el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden'
		&& !el.closest('.new-timeline, .control-value, .static-area');
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	while (walker.nextNode()) {
		const text = walker.currentNode.nodeValue.trim();
		if (text && visible(walker.currentNode.parentElement)) seen.add(text);
	}
	document.querySelectorAll(
		'.control-label, .btn, .nav-link, .section-head, .widget-title, .link-text, .ce-header, h1, h2, h3, h4, h5,'
		+ ' .help-box, .form-message, .dt-cell__content, .indicator-pill, .dropdown-item, .title-text'
	).forEach((el) => { if (visible(el)) seen.add(el.innerText.trim()); });
	return [...seen];
"""


def english_strings() -> dict[str, str]:
	"""The app's English strings whose German differs (a text both languages write alike proves nothing)."""
	import csv

	with (ROOT / "amazon_integration" / "translations" / "de.csv").open(encoding="utf-8", newline="") as f:
		return {row[0]: row[1] for row in csv.reader(f) if len(row) >= 2 and row[1].strip() != row[0].strip()}


def german_user(desk: Desk) -> None:
	"""As the Administrator: a user whose language is German (made once, kept German)."""

	def step(page: Page) -> None:
		if desk.api("frappe.client.get_count", doctype="User", filters={"name": GERMAN_USER}):
			desk.api("frappe.client.set_value", doctype="User", name=GERMAN_USER, fieldname="language", value="de")
		else:
			desk.api(
				"frappe.client.insert",
				doc={
					"doctype": "User",
					"email": GERMAN_USER,
					"first_name": "Amazon",
					"last_name": "Deutsch",
					"language": "de",
					"send_welcome_email": 0,
					"new_password": GERMAN_PASSWORD,
					"roles": [{"role": role} for role in GERMAN_ROLES],
				},
			)
		page.notes.append(f"{GERMAN_USER}, language de")

	desk.page("German user", step)


def no_english_left(desk: Desk, page: Page, english: dict[str, str]) -> None:
	# A string with values ("{} Failed", "Row {0}: {1}") is left in English when a text reads like it in full.
	patterns = {
		source: re.compile(re.sub(r"\\\{[0-9]*\\\}", ".+?", re.escape(source)))
		for source in english
		if re.search(r"\{[0-9]*\}", source)
	}
	left = sorted(
		text
		for text in desk.js(VISIBLE_TEXTS)
		if text in english or any(pattern.fullmatch(text) for pattern in patterns.values())
	)
	if left:
		raise CheckFailed(
			f"{len(left)} English label(s) left: "
			+ "; ".join(f"{text!r} (de: {english.get(text, 'with values')!r})" for text in left[:12])
		)


def german_pages(desk: Desk, account: str) -> None:
	english = english_strings()

	def check(name: str, path: str, ready: str, screenshot: str | None = None, before_check=None) -> None:
		def step(page: Page) -> None:
			desk.open(path, ready, name)
			if desk.js("return frappe.boot.lang") != "de":
				raise CheckFailed(f"the desk speaks {desk.js('return frappe.boot.lang')!r}, not de")
			if before_check:
				before_check(page)
			no_english_left(desk, page, english)
			if screenshot:
				desk.shot(screenshot)
			# A new form left unsaved would ask "leave this page?" when the next page loads.
			desk.js(
				"if (window.cur_frm && cur_frm.doc.__islocal) { cur_frm.doc.__unsaved = 0;"
				" removeEventListener('beforeunload', cur_frm.beforeUnloadListener, { capture: true }); }"
			)

		desk.page(f"{name} (de)", step)

	check(
		"Amazon workspace",
		"/app/amazon",
		"return $('.widget.number-widget-box').length >= 3 && $('.widget.links-widget-box').length > 0",
		"de-workspace",
	)
	check(
		f"Amazon Account {account}",
		f"/app/amazon-account/{quote(account)}",
		desk.form_ready("Amazon Account", account),
		"de-amazon-account",
	)
	# A seller's first page: the empty account form, its Connect with Amazon and the guided setup's checklist.
	check(
		"New Amazon Account",
		"/app/amazon-account/new",
		"return !!(cur_frm && cur_frm.doctype === 'Amazon Account' && cur_frm.doc.__islocal && cur_frm.layout"
		" && $('.amazon-setup-checklist:visible').length)",
		"de-new-account",
	)
	check(
		"Amazon Settlements (list)",
		f"/app/amazon-settlement?amazon_account={quote(account)}",
		desk.list_ready("Amazon Settlement"),
	)
	logs = desk.get_list("Amazon Sync Log", {"amazon_account": account})
	if logs:
		check(
			"Amazon Sync Log",
			f"/app/amazon-sync-log/{logs[0]['name']}",
			desk.form_ready("Amazon Sync Log", logs[0]["name"]),
			"de-sync-log",
		)
	report = "Amazon Sync Health"
	check(
		f"Report {report}",
		f"/app/query-report/{quote(report)}?amazon_account={quote(account)}",
		f"return !!(frappe.query_report && frappe.query_report.report_name === {json.dumps(report)} && "
		"(frappe.query_report.datatable || frappe.query_report.$report.find('.no-result:visible').length))",
	)
	orders = desk.get_list("Sales Order", {"amazon_account": account, "docstatus": 1})
	if orders:
		check(
			"Amazon Sales Order",
			f"/app/sales-order/{quote(orders[0]['name'])}",
			desk.form_ready("Sales Order", orders[0]["name"]),
		)
	labelled = desk.get_list("Delivery Note", {"amazon_account": account, "amazon_label_shipment_id": ["is", "set"]})
	if labelled:
		check(
			"Delivery Note with an Amazon label",
			f"/app/delivery-note/{quote(labelled[0]['name'])}",
			desk.form_ready("Delivery Note", labelled[0]["name"]),
			"de-delivery-note-label",
		)
	for report, screenshot in (("Amazon Profit", "de-profit"), ("Amazon FBA Stock Reconciliation", None)):
		check(
			f"Report {report}",
			f"/app/query-report/{quote(report)}?amazon_account={quote(account)}",
			f"return !!(frappe.query_report && frappe.query_report.report_name === {json.dumps(report)} && "
			"(frappe.query_report.datatable || frappe.query_report.$message.is(':visible') || "
			"frappe.query_report.$report.find('.no-result:visible').length))",
			screenshot,
		)


def german(args, out: Path, failures: Path | None) -> list[Page]:
	"""The Amazon pages once more, as a user whose language is German: no English label of the app may be left."""
	desk = Desk(args.url, out, args.width, args.height, failures)
	try:
		login(desk, GERMAN_USER, GERMAN_PASSWORD)
		if not desk.pages[-1].errors:
			german_pages(desk, args.account)
	finally:
		desk.close()
	return desk.pages


# -- main -------------------------------------------------------------------------------------------------------
# Connect with Amazon from an empty account form: the simulator's consent page stands in for Seller Central.
CONNECT_ACCOUNT = "Connect Check"
ACCOUNT_TABS = [
	"Connection", "Orders", "Shipments", "Stock", "Invoices and VAT", "Settlements", "Returns", "Privacy",
]


def _new_account_form(desk: Desk, values: dict, marketplace: dict) -> None:
	"""An empty Amazon Account form, typed in: its fields and one marketplace row."""
	desk.open("/app/amazon-account/new", "return !!(cur_frm && cur_frm.doctype === 'Amazon Account' && "
			  "cur_frm.doc.__islocal && cur_frm.layout)", "a new account form")
	desk.js(
		"""const [v, row] = arguments;
		(async () => {
			for (const [field, value] of Object.entries(v)) await cur_frm.set_value(field, value);
			cur_frm.clear_table('marketplaces');
			cur_frm.add_child('marketplaces', row);
			cur_frm.refresh_field('marketplaces');
		})();""",
		values,
		marketplace,
	)
	desk.until("return cur_frm.doc.lwa_client_secret && cur_frm.doc.marketplaces.length === 1", "the values")
	desk.settle()


def connect_with_amazon(desk: Desk, sandbox: str) -> None:
	def step(page: Page) -> None:
		source = desk.api("frappe.client.get", doctype="Amazon Account", name=sandbox)
		if desk.api("frappe.client.get_value", doctype="Amazon Account", filters={"name": CONNECT_ACCOUNT},
					fieldname="name"):
			desk.api("frappe.client.delete", doctype="Amazon Account", name=CONNECT_ACCOUNT)  # an earlier run's
		first = source["marketplaces"][0]
		# What a seller types: the account, its company and marketplace, and the app's id and LWA client.
		_new_account_form(
			desk,
			{
				"account_name": CONNECT_ACCOUNT,
				"region": source["region"],
				"endpoint_override": source["endpoint_override"],
				"company": source["company"],
				"selling_price_list": source["selling_price_list"],
				"application_id": "amzn1.sp.solution.browser-check",
				"lwa_client_id": source["lwa_client_id"],
				"lwa_client_secret": "sandbox",
			},
			{"marketplace": first["marketplace"], "price_list": first["price_list"]},
		)
		tabs = desk.js("return $(cur_frm.wrapper).find('.form-tabs .nav-link').map((i, el) => el.innerText.trim()).get()")
		if tabs != ACCOUNT_TABS:
			raise CheckFailed(f"the account form's tabs are {tabs}, not {ACCOUNT_TABS}")
		desk.shot("connect-new-account")
		desk.click(".page-actions .custom-actions button", "Connect with Amazon")
		WebDriverWait(desk.driver, PAGE_TIMEOUT).until(
			lambda d: "/apps/authorize/consent" in d.current_url and d.find_elements(By.ID, "confirm")
		)
		time.sleep(0.5)
		desk.shot("connect-consent")
		desk.driver.find_element(By.ID, "confirm").click()
		desk.until(desk.form_ready("Amazon Account", CONNECT_ACCOUNT), "the account form again")
		desk.until("return $('.modal:visible .modal-title').text().includes('Connected')", "the outcome", 30)
		desk.settle()
		seller = desk.js("return cur_frm.doc.seller_id")
		if seller != source["seller_id"]:
			raise CheckFailed(f"the connected account's Seller ID is {seller!r}, not {source['seller_id']!r}")
		page.notes.append(f"connected as {seller}: {desk.text('.modal:visible .modal-body')[:120]}")
		desk.shot("connect-connected")
		desk.close_dialogs()
		desk.api("frappe.client.delete", doctype="Amazon Account", name=CONNECT_ACCOUNT)
		# The sandbox account's form, on a tab other than the first.
		desk.open(f"/app/amazon-account/{quote(sandbox)}", desk.form_ready("Amazon Account", sandbox),
				  "the sandbox account form")
		# The live order sync status stays where it is seen first: on the tab the form opens on.
		desk.until("return $('.amazon-order-sync:visible').length > 0", "the order sync status on the first tab", 20)
		desk.click(".form-tabs .nav-link", "Settlements")
		desk.settle()
		desk.shot("account-tabs")

	desk.page("Connect with Amazon", step)


# -- the first hour: a new account from Connect with Amazon through the guided setup to its first order sync -------
# The simulator has one seller, the sandbox's, whose US and CA marketplaces the enabled Sandbox account syncs (the
# app refuses a second enabled account syncing them): the new account is the seller's UK one (region EU).
FIRST_HOUR_MARKETPLACE = "A1F83G8C2ARO7P"  # Amazon.co.uk
FIRST_HOUR_CURRENCY = "GBP"
FIRST_HOUR_ORDERS = 3


def _simulator(endpoint: str, path: str, body: dict | None = None) -> dict:
	"""The simulator's control API (Amazon's side: a buyer's order), not the desk."""
	from urllib.request import Request, urlopen

	data = json.dumps(body).encode() if body is not None else None
	request = Request(endpoint.rstrip("/") + path, data=data, headers={"Content-Type": "application/json"})
	with urlopen(request, timeout=30) as response:
		return json.loads(response.read() or b"null")


def _first_hour_orders(endpoint: str) -> list[str]:
	"""Buyers order on amazon.co.uk an hour ago: orders the new account's first sync reads (the sandbox made
	orders in US and CA only)."""
	from datetime import datetime, timedelta

	now = datetime.fromisoformat(_simulator(endpoint, "/_sim/clock")["now"])
	skus = [item["sku"] for item in _simulator(endpoint, "/_sim/catalogue")["items"]]
	ids = []
	# Ids of this run's own: a fresh simulator draws the same ids again, and an earlier run imported those.
	run = int(time.time()) % 10**7
	for i in range(FIRST_HOUR_ORDERS):
		order = _simulator(endpoint, "/_sim/orders", {
			"order_id": f"206-{run:07d}-{i + 1:07d}",
			"marketplace_id": FIRST_HOUR_MARKETPLACE,
			"fulfilled_by": "MERCHANT",
			"status": "UNSHIPPED",
			"created": (now - timedelta(minutes=60 - i)).isoformat(),
			"items": [{"sku": skus[i % len(skus)], "quantity": 1}],
		})
		ids.append(order["order_id"])
	# Amazon's searchOrders shows an order two minutes after its last update: that much later on Amazon's clock.
	_simulator(endpoint, "/_sim/clock/advance", {"seconds": 150})
	return ids


def _first_hour_currency(desk: Desk, company: str) -> str:
	"""A selling price list in pounds and the pound's rate to the company's currency, made as a seller makes them
	in ERPNext when the site has none (the sandbox sells in US and CA only). The price list's name."""
	lists = desk.get_list("Price List", {"currency": FIRST_HOUR_CURRENCY, "selling": 1, "enabled": 1}, order_by="name")
	if lists:
		name = lists[0]["name"]
	else:
		name = f"Amazon {FIRST_HOUR_CURRENCY}"
		desk.api("frappe.client.insert", doc={"doctype": "Price List", "price_list_name": name,
											  "currency": FIRST_HOUR_CURRENCY, "selling": 1, "enabled": 1})
	currency = desk.api("frappe.client.get_value", doctype="Company", filters={"name": company},
						fieldname="default_currency")["default_currency"]
	rate = {"from_currency": FIRST_HOUR_CURRENCY, "to_currency": currency, "for_selling": 1}
	if currency != FIRST_HOUR_CURRENCY and not desk.get_list("Currency Exchange", rate):
		desk.api("frappe.client.insert", doc={"doctype": "Currency Exchange", **rate, "for_buying": 1,
											  "exchange_rate": 1.26, "date": "2020-01-01"})
	return name


def _setup_todo(desk: Desk) -> list[str]:
	return desk.js(
		"return $('.amazon-setup-step').filter((i, el) => $(el).find('.indicator-pill.orange').length)"
		".map((i, el) => el.dataset.step).get()"
	)


def _show_checklist(desk: Desk) -> None:
	"""The checklist sits above the first tab: back there after a link took the seller to another tab."""
	if not desk.js("return $('.amazon-setup-checklist').is(':visible')"):
		desk.click(".form-tabs .nav-link", translated(desk, "Connection"))
		desk.until("return $('.amazon-setup-checklist').is(':visible')", "the checklist on the first tab", 10)


def _save_form(desk: Desk, what: str) -> None:
	"""Ctrl+S as a seller would; an error the desk shows fails the check with its text."""
	desk.js("cur_frm.save()")
	deadline = time.monotonic() + 60
	while time.monotonic() < deadline:
		error = desk.js(
			"const m = $('.modal:visible .msgprint, .modal:visible .modal-body').filter(':visible').first();"
			"return m.length && cur_frm.is_dirty() ? m.text().trim() : ''"
		)
		if error:
			raise CheckFailed(f"saving {what}: {error[:300]}")
		if desk.js("return !cur_frm.is_dirty() && !cur_frm.doc.__unsaved && !frappe.request.ajax_count"):
			desk.settle()
			return
		time.sleep(0.5)
	raise CheckFailed(f"timed out saving {what}")


def first_hour(desk: Desk, sandbox: str, sync_timeout: float) -> None:
	"""A seller's first hour in the browser: a new account connected with Connect with Amazon (the simulator's
	consent page), then its Guided Setup walked step by step as the checklist names what is missing, each step
	filled on the form (with the sandbox's company, warehouse, items and accounts) and saved until it turns Done,
	then Enabled and Amazon > Sync Orders until the first run succeeds with orders read. The account is disabled at
	the end: a second enabled account would change the workspace's onboarding a second run checks."""
	source = desk.api("frappe.client.get", doctype="Amazon Account", name=sandbox)
	# A new name each run: an earlier run's account keeps its orders (it cannot be deleted), disabled.
	name = f"First Hour {time.strftime('%Y%m%d %H%M%S')}"
	state: dict = {}

	def connect_step(page: Page) -> None:
		endpoint = source["endpoint_override"]
		state["orders"] = _first_hour_orders(endpoint)
		state["price_list"] = _first_hour_currency(desk, source["company"])
		_new_account_form(
			desk,
			{
				"account_name": name,
				"region": "EU",
				"endpoint_override": endpoint,
				"company": source["company"],
				"selling_price_list": state["price_list"],
				"application_id": "amzn1.sp.solution.browser-check",
				"lwa_client_id": source["lwa_client_id"],
				"lwa_client_secret": "sandbox",
			},
			{"marketplace": FIRST_HOUR_MARKETPLACE, "price_list": state["price_list"]},
		)
		desk.click(".page-actions .custom-actions button", translated(desk, "Connect with Amazon"))
		WebDriverWait(desk.driver, PAGE_TIMEOUT).until(
			lambda d: "/apps/authorize/consent" in d.current_url and d.find_elements(By.ID, "confirm")
		)
		desk.driver.find_element(By.ID, "confirm").click()
		desk.until(desk.form_ready("Amazon Account", name), "the account form again")
		desk.until("return $('.modal:visible .modal-title').text().includes('Connected')", "the outcome", 30)
		desk.close_dialogs()
		if desk.js("return cur_frm.doc.seller_id") != source["seller_id"]:
			raise CheckFailed(f"the new account's Seller ID is {desk.js('return cur_frm.doc.seller_id')!r}")
		page.notes.append(f"{name}: seller {source['seller_id']}, {len(state['orders'])} UK orders on Amazon")

	def fill(page: Page, step: str) -> None:
		"""What the checklist names for `step`, reached from its links and filled as the sandbox has it."""
		missing = desk.js(
			"return $(`.amazon-setup-step[data-step='${arguments[0]}'] a`).map((i, el) => "
			"({fieldname: el.dataset.fieldname || null, doctype: el.dataset.doctype || null, label: el.innerText}))"
			".get()",
			step,
		)
		if not missing:
			raise CheckFailed(f"step {step} is to do but names nothing to set")
		for entry in missing:
			if entry["doctype"] == "Amazon SKU Mapping":
				open_menu_item(desk, "Amazon", "Import Listings")
				desk.until("return $('.modal:visible .msgprint').text().includes('SKU mappings')", "Import Listings' answer")
				page.notes.append(desk.text(".modal:visible .msgprint").strip()[:100])
				desk.close_dialogs()
				continue
			fieldname = entry["fieldname"]
			if not fieldname:
				raise CheckFailed(f"step {step}: {entry['label']!r} links nowhere on the form")
			_show_checklist(desk)
			desk.click(f".amazon-setup-step[data-step='{step}'] a[data-fieldname='{fieldname}']")
			time.sleep(0.5)
			if fieldname == "fba_warehouse":  # "an FBA or an FBM warehouse": these orders are the seller's to ship
				fieldname = "fbm_warehouse"
			value = 1 if fieldname == "import_settlements" else source.get(fieldname)
			if not value:
				raise CheckFailed(f"step {step}: the sandbox account has no {fieldname} to copy")
			# The link took the seller to the field: on its tab, in view.
			if not desk.js("return $(cur_frm.fields_dict[arguments[0]].wrapper).is(':visible')", fieldname):
				raise CheckFailed(f"step {step}: the link to {entry['label']!r} does not show the field {fieldname}")
			desk.js("cur_frm.set_value(arguments[0], arguments[1])", fieldname, value)
			desk.until("return cur_frm.doc[arguments[0]] == arguments[1]", f"{fieldname} set", 30, fieldname, value)

	def setup_step(page: Page) -> None:
		desk.until("return $('.amazon-setup-checklist .amazon-setup-step').length === 7", "the Guided Setup checklist")
		todo = _setup_todo(desk)
		page.notes.append(f"to do: {', '.join(todo)}")
		shot_half = False
		for step in [s for s in todo if s != "first_sync"]:
			fill(page, step)
			if desk.js("return cur_frm.is_dirty()"):
				_save_form(desk, f"the step {step}")
			desk.until(
				"return $(`.amazon-setup-step[data-step='${arguments[0]}'] .indicator-pill.green`).length > 0",
				f"the step {step} to turn Done",
				30,
				step,
			)
			if not shot_half and len(_setup_todo(desk)) <= 4:
				_show_checklist(desk)
				desk.js("$('.amazon-setup-checklist')[0].scrollIntoView({block: 'center'})")
				time.sleep(0.5)
				desk.shot("first-hour-half-done")
				shot_half = True
		left = _setup_todo(desk)
		if left != ["first_sync"]:
			raise CheckFailed(f"the steps left are {left}, not the first sync alone")
		_show_checklist(desk)
		desk.js("$('.amazon-setup-checklist')[0].scrollIntoView({block: 'center'})")
		time.sleep(0.5)
		desk.shot("first-hour-all-done")

	def sync_step(page: Page) -> None:
		# The checklist's last step names Enabled first: Sync Orders is offered on an enabled account.
		_show_checklist(desk)
		desk.click(".amazon-setup-step[data-step='first_sync'] a[data-fieldname='enabled']")
		desk.until("return $(cur_frm.fields_dict.enabled.wrapper).is(':visible')", "the Enabled checkbox", 30)
		desk.js("cur_frm.set_value('enabled', 1)")
		_save_form(desk, "Enabled")
		desk.until("return $('.inner-group-button[data-label=\"Amazon\"]').length > 0", "the Amazon menu", 30)
		open_menu_item(desk, "Amazon", "Sync Orders")
		desk.until("return !!cur_frm.__amazon_sync_log", "the run on the form", 30)
		log = desk.js("return cur_frm.__amazon_sync_log")
		deadline = time.monotonic() + sync_timeout
		doc = {}
		while time.monotonic() < deadline:
			doc = desk.api("frappe.client.get", doctype="Amazon Sync Log", name=log)
			if doc["status"] not in ("Queued", "Running"):
				break
			time.sleep(1)
		if doc.get("status") not in ("Success", "Partial Success") or not doc.get("orders_read"):
			raise CheckFailed(f"the first sync ended {doc.get('status')} with {doc.get('orders_read')} orders read")
		page.notes.append(f"{doc['status']}: read {doc['orders_read']}, created {doc.get('created_count')}")
		desk.until("return !$('.amazon-setup-checklist').length", "the checklist to go (every step done)", 30)
		# Within the desk, no page load: the desk's sound on saving below needs the seller's earlier clicks.
		desk.js("frappe.set_route('Form', 'Amazon Sync Log', arguments[0])", log)
		desk.until(desk.form_ready("Amazon Sync Log", log), "the first sync's log")
		desk.settle()
		desk.js("document.querySelector('[data-fieldname=\"counts_section\"]')?.scrollIntoView()")
		time.sleep(0.5)
		desk.shot("first-hour-sync-log")
		# Retired (see above) on its form: saving it brings the workspace's onboarding back to the enabled accounts'.
		desk.js("frappe.set_route('Form', 'Amazon Account', arguments[0])", name)
		desk.until(desk.form_ready("Amazon Account", name), "the account again")
		desk.settle()
		desk.js("cur_frm.set_value('enabled', 0)")
		_save_form(desk, "the account disabled")

	try:
		for title, step in (
			("First hour: a new account connected", connect_step),
			("First hour: the guided setup, step by step", setup_step),
			("First hour: enabled, the first order sync", sync_step),
		):
			if desk.page(title, step).errors:
				break
	finally:
		# Retire the account (see above), also one a failed step left enabled.
		if desk.get_list("Amazon Account", {"name": name, "enabled": 1}):
			desk.api("frappe.client.set_value", doctype="Amazon Account", name=name, fieldname="enabled", value=0)


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument(
		"url",
		nargs="?",
		default=os.environ.get("BROWSER_CHECK_URL"),
		help="the site's base URL, e.g. http://localhost:8000",
	)
	parser.add_argument("--user", default=os.environ.get("BROWSER_CHECK_USER", "Administrator"))
	parser.add_argument("--password", default=os.environ.get("BROWSER_CHECK_PASSWORD", "admin"))
	parser.add_argument("--account", default="Sandbox", help="the sandbox Amazon Account")
	parser.add_argument(
		"--screenshots", default=str(ROOT / "docs" / "screenshots"), help="where the screenshots go"
	)
	parser.add_argument(
		"--failures", help="where screenshots of failed pages go (default: a temporary folder)"
	)
	parser.add_argument("--no-sync", action="store_true", help="do not run Amazon > Sync Orders")
	parser.add_argument("--no-german", action="store_true", help="skip the pages in German")
	parser.add_argument(
		"--sync-timeout", type=float, default=120, help="seconds to wait for the sync to finish"
	)
	parser.add_argument("--width", type=int, default=1440)
	parser.add_argument("--height", type=int, default=900)
	args = parser.parse_args(argv)
	if not args.url:
		parser.error("give the site's base URL (or set BROWSER_CHECK_URL)")

	try:
		desk = Desk(
			args.url,
			Path(args.screenshots),
			args.width,
			args.height,
			Path(args.failures) if args.failures else None,
		)
	except WebDriverException as e:
		print(f"browser check: cannot start Chromium: {e.msg or e}", file=sys.stderr)
		print("browser check: 0 pages, 1 error")
		return 2
	started = time.monotonic()
	try:
		login(desk, args.user, args.password)
		if not desk.pages[-1].errors:
			workspace(desk)
			guided_setup(desk, args.account)
			log = sandbox_account(desk, args.account, not args.no_sync, args.sync_timeout)
			sync_log(desk, args.account, log)
			sales_orders(desk, args.account)
			delivery_notes(desk, args.account)
			label(desk, args.account)
			bulk_labels(desk, args.account, args.sync_timeout)
			multi_channel(desk, args.account)
			reports(desk, args.account)
			settlements(desk, args.account)
			inbound_shipments(desk, args.account)
			connect_with_amazon(desk, args.account)
			first_hour(desk, args.account, args.sync_timeout)
			if not args.no_german:
				german_user(desk)
	finally:
		desk.close()
	if not args.no_german and not desk.pages[-1].errors and desk.pages[-1].name == "German user":
		desk.pages += german(args, Path(args.screenshots), Path(args.failures) if args.failures else None)
	errors = sum(len(page.errors) for page in desk.pages)
	failed = sum(1 for page in desk.pages if page.errors)
	print(
		f"browser check: {len(desk.pages)} pages, {errors} errors"
		+ (f" on {failed} pages" if failed else "")
		+ f" ({time.monotonic() - started:.0f}s; screenshots in {args.screenshots}"
		+ (f", failed pages in {desk.failures}" if failed else "")
		+ ")"
	)
	return 1 if errors else 0


def _which(*names: str) -> str:
	for name in names:
		path = shutil.which(name)
		if path:
			return path
	raise SystemExit(f"browser check: {names[0]} not found (apt-get install chromium chromium-driver)")


def _safe(fn):
	try:
		return fn()
	except JavascriptException:
		return False


def _slug(text: str) -> str:
	return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


if __name__ == "__main__":
	sys.exit(main())
