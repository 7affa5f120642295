#!/usr/bin/env python3
"""Browser check: the desk pages of a sandbox site, opened in headless Chromium as a user would.

Logs in, opens the Amazon workspace, the Sandbox account's guided setup (its checklist, the workspace's onboarding
following it) and Amazon FBA Stock Reconciliation (a fresh sandbox must show no difference), the Sandbox account (and runs Amazon > Sync Orders: the form must show the
run and its log), the Amazon Sales Orders and one of them, the Delivery Notes and a draft FBM one (submitting it
without a tracking number must take the user to the Amazon fields; then it fills carrier and tracking number and
submits), the three reports, the settlements and one settlement, and the run's sync log. It fails on any SEVERE
console message other than the realtime socket's (a site served without socket.io has none), on a page that
does not load, and on a check that does not hold. Screenshots go to docs/screenshots/ (the README and docs/ show them).

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
		desk.until(
			"return location.pathname.startsWith('/app') && window.frappe && frappe.boot",
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
			if status not in ("Queued", "Running"):
				break
			time.sleep(1)
		href = desk.js("return $('.amazon-order-sync a').attr('href')")
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
			desk.shot(screenshot)

		desk.page(f"Report {report}", step)


def guided_setup(desk: Desk, account: str) -> None:
	"""The account form's Guided Setup checklist, the workspace's onboarding that follows it, and Amazon FBA Stock
	Reconciliation of the fresh sandbox: no difference (the sandbox opens ERPNext's FBA stock with Amazon's count)."""

	def account_step(page: Page) -> None:
		desk.open(
			f"/app/amazon-account/{quote(account)}",
			desk.form_ready("Amazon Account", account),
			"the account form",
		)
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
		desk.open(
			"/app/amazon",
			"return $('.onboarding-widget-box').length > 0 && $('.onboarding-step').length === 7",
			"the workspace's guided setup (onboarding)",
		)
		done = desk.js("return $('.onboarding-step.complete').length")
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


# -- main -------------------------------------------------------------------------------------------------------
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
			reports(desk, args.account)
			settlements(desk, args.account)
	finally:
		desk.close()
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
