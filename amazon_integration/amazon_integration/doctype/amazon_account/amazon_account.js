// Copyright (c) 2026, Amazon Integration contributors
// For license information, please see license.txt

frappe.ui.form.on("Amazon Account", {
	setup(frm) {
		const company_filter = () => ({ filters: { company: frm.doc.company, is_group: 0 } });
		frm.set_query("fba_warehouse", company_filter);
		frm.set_query("fbm_warehouse", company_filter);
		frm.set_query("sales_tax_account", company_filter);
		frm.set_query("marketplace_tax_account", company_filter);
		frm.set_query("suspense_account", company_filter);
		frm.set_query("account", "fee_accounts", company_filter);
		frm.set_query("cost_center", "marketplaces", company_filter);
		frm.set_query("selling_price_list", () => ({ filters: { selling: 1, enabled: 1 } }));
		frm.set_query("price_list", "marketplaces", () => ({ filters: { selling: 1, enabled: 1 } }));
		frm.set_query("marketplace", "marketplaces", () => ({ filters: { region: frm.doc.region } }));
	},

	onload(frm) {
		// With a realtime server, the run's progress arrives at once; without, the form polls the run's log.
		frappe.realtime.off("amazon_sync_progress");
		frappe.realtime.on("amazon_sync_progress", (data) => {
			if (data.account === frm.doc.name && data.log) follow_order_sync(frm, data.log);
		});
	},

	refresh(frm) {
		show_sandbox_banner(frm);
		show_connect(frm);
		if (frm.is_new()) return;
		show_no_answer(frm);
		show_last_order_sync(frm);
		frm.add_custom_button(__("Test Connection"), () => {
			frm.call({
				method: "test_connection",
				doc: frm.doc,
				freeze: true,
				freeze_message: __("Calling Amazon (at most about 20 seconds)..."),
			}).then(({ message }) => {
				frappe.msgprint({
					title: message.ok
						? __("Connected")
						: message.no_answer
						? __("No Answer from Amazon")
						: __("Connection Failed"),
					indicator: message.ok ? "green" : message.no_answer ? "orange" : "red",
					message: message.message,
				});
				frm.reload_doc(); // the account's "not answering" state follows the answer
			});
		});

		frm.add_custom_button(
			__("Create Fee Accounts"),
			() => {
				frm.call({ method: "create_fee_accounts", doc: frm.doc, freeze: true }).then(({ message }) => {
					frappe.show_alert({
						message: message.length
							? __("Set {0} accounts: {1}", [message.length, message.join(", ")])
							: __("Every category already has an account."),
						indicator: "green",
					});
					frm.reload_doc();
				});
			},
			__("Settlements")
		);

		// The guided setup asks for SKU mappings before the account is enabled: a connected account imports them.
		if (frm.doc.seller_id) {
			frm.add_custom_button(
				__("Import Listings"),
				() => {
					frm.call({ method: "import_listings", doc: frm.doc, freeze: true }).then(({ message }) => {
						frappe.msgprint(
							__("SKU mappings: {0} created, {1} channel corrected, {2} unchanged; {3} SKUs match no Item.", [
								message.created,
								message.updated,
								message.unchanged,
								message.unmatched,
							])
						);
					});
				},
				__("Amazon")
			);
		}

		if (!frm.doc.enabled) return;
		frm.add_custom_button(
			__("Sync Orders"),
			() => {
				frm.call({ method: "sync_orders", doc: frm.doc }).then(({ message }) => {
					frappe.show_alert({
						message: message.already_running
							? __("An order sync of this account is already under way: following it.")
							: __("Order sync started: its progress shows at the top of this form."),
						indicator: "blue",
					});
					if (message.log) follow_order_sync(frm, message.log);
				});
			},
			__("Amazon")
		);
		frm.add_custom_button(
			__("Recover Order"),
			() => {
				frappe.prompt(
					{ fieldname: "amazon_order_id", fieldtype: "Data", label: __("Amazon Order ID"), reqd: 1 },
					({ amazon_order_id }) => {
						frm.call({
							method: "recover_order",
							doc: frm.doc,
							args: { amazon_order_id },
							freeze: true,
							freeze_message: __("Reading the order from Amazon..."),
						}).then(({ message }) => {
							const ok = message.status === "Success";
							let text = ok
								? __("Order {0} is synced.", [amazon_order_id])
								: __("Order {0} could not be synced: {1}", [amazon_order_id, message.error || ""]);
							if (message.sales_order) {
								text += "<br>" + frappe.utils.get_form_link("Sales Order", message.sales_order, true);
							}
							frappe.msgprint({ title: __("Recover Order"), indicator: ok ? "green" : "red", message: text });
						});
					},
					__("Recover Amazon Order"),
					__("Sync")
				);
			},
			__("Amazon")
		);
		frm.add_custom_button(
			__("Sync Deliveries"),
			() => {
				frm.call({ method: "sync_deliveries", doc: frm.doc }).then(() => {
					frappe.show_alert({ message: __("Pending and failed shipments queued for Amazon"), indicator: "blue" });
				});
			},
			__("Amazon")
		);
		frm.add_custom_button(
			__("Import Settlements"),
			() => {
				frm.call({ method: "import_settlements_now", doc: frm.doc }).then(() => {
					frappe.show_alert({ message: __("Downloading Amazon settlement reports"), indicator: "blue" });
				});
			},
			__("Amazon")
		);
		frm.add_custom_button(
			__("Settlements"),
			() => frappe.set_route("List", "Amazon Settlement", { amazon_account: frm.doc.name }),
			__("Amazon")
		);
		frm.add_custom_button(
			__("Sync Logs"),
			() => frappe.set_route("List", "Amazon Sync Log", { amazon_account: frm.doc.name }),
			__("Amazon")
		);
		frm.add_custom_button(
			__("Import Returns and Reimbursements"),
			() => {
				frm.call({ method: "import_aftersale_reports", doc: frm.doc }).then(() => {
					frappe.show_alert({
						message: __("Reading Amazon's returns, reimbursements and removals reports"),
						indicator: "blue",
					});
				});
			},
			__("Amazon")
		);
		frm.add_custom_button(
			__("Returns, Reimbursements and Removals"),
			() => frappe.set_route("List", "Amazon Inventory Event", { amazon_account: frm.doc.name }),
			__("Amazon")
		);
		if (frm.doc.push_stock) {
			frm.add_custom_button(
				__("Push Stock"),
				() => {
					frm.call({ method: "push_stock_now", doc: frm.doc }).then(() => {
						frappe.show_alert({ message: __("Sending every FBM quantity to Amazon"), indicator: "blue" });
					});
				},
				__("Amazon")
			);
			frm.add_custom_button(
				__("Stock Push Logs"),
				() => frappe.set_route("List", "Amazon Stock Push Log", { amazon_account: frm.doc.name }),
				__("Amazon")
			);
		}
		frm.add_custom_button(
			__("FBA Stock Reconciliation"),
			() => frappe.set_route("query-report", "Amazon FBA Stock Reconciliation", { amazon_account: frm.doc.name }),
			__("Amazon")
		);
		frm.add_custom_button(
			__("Backfill Order History"),
			() => {
				frappe.prompt(
					[
						{ fieldname: "since", fieldtype: "Date", label: __("Orders Updated Since"), reqd: 1 },
						{ fieldname: "until", fieldtype: "Date", label: __("Until"), description: __("Empty: up to now.") },
						{
							fieldname: "move_stock",
							fieldtype: "Check",
							label: __("Move Stock"),
							description: __(
								"Shipped orders get submitted Delivery Notes that take their units out of the warehouses. Off: Sales Order and Sales Invoice only, no stock moved."
							),
						},
					],
					(values) => {
						frm.call({ method: "backfill_orders", doc: frm.doc, args: values }).then(({ message }) => {
							frappe.show_alert({
								message: __("Backfill started: {0}", [
									frappe.utils.get_form_link("Amazon Sync Log", message.log, true),
								]),
								indicator: "blue",
							});
						});
					},
					__("Backfill Order History"),
					__("Start")
				);
			},
			__("Amazon")
		);
	},

	endpoint_override(frm) {
		show_sandbox_banner(frm);
	},
});

// -- Connect with Amazon ---------------------------------------------------------------------------------------
// The button saves the account, then sends the browser to Seller Central's consent page; Amazon sends it back
// to the app, which stores the refresh token and returns here with the outcome (in __onload, shown once).
const CONNECT_CALLBACK = "/api/method/amazon_integration.erpnext.connect.callback";

function is_connected(frm) {
	return Boolean(frm.doc.seller_id && frm.doc.refresh_token);
}

function show_connect(frm) {
	const redirect_uri = (frm.doc.__onload && frm.doc.__onload.amazon_redirect_uri) || frappe.urllib.get_full_url(CONNECT_CALLBACK);
	frm.set_df_property(
		"application_id",
		"description",
		__(
			"Your app's ID in Solution Provider Portal (amzn1.sp.solution... or amzn1.sellerapps.app...), needed for Connect with Amazon only. Register {0} as the app's OAuth Redirect URI.",
			[`<code>${frappe.utils.escape_html(redirect_uri)}</code>`]
		)
	);
	const outcome = frm.doc.__onload && frm.doc.__onload.amazon_connect;
	if (outcome) {
		delete frm.doc.__onload.amazon_connect; // shown once
		frappe.msgprint({ title: outcome.title, message: outcome.message, indicator: outcome.indicator });
	}
	const connected = is_connected(frm);
	if (!connected && !frm.is_new()) {
		frm.dashboard.set_headline_alert(
			__(
				"Not connected to Amazon yet: press Connect with Amazon and confirm on Seller Central. For a self-authorized private app, enter its Seller ID and Refresh Token instead."
			),
			"blue"
		);
	}
	// A connected account keeps the button only for its app (to authorize again); a self-authorized one has none.
	if (connected && !frm.doc.application_id) return;
	const button = frm.add_custom_button(__("Connect with Amazon"), () => connect_with_amazon(frm));
	if (!connected) button.removeClass("btn-default").addClass("btn-primary");
}

function connect_with_amazon(frm) {
	const go = () =>
		frm
			.call({
				method: "connect_with_amazon",
				doc: frm.doc,
				freeze: true,
				freeze_message: __("Opening Seller Central..."),
			})
			.then(({ message }) => {
				if (message) window.location.href = message;
			});
	if (frm.is_new() || frm.is_dirty()) {
		frm.save().then(go);
	} else {
		go();
	}
}

// A sandbox account talks to the Amazon simulator on this machine (`bench amazon sandbox`), never to Amazon.
function is_sandbox_endpoint(url) {
	let host;
	try {
		host = new URL(url).hostname;
	} catch (e) {
		return false;
	}
	// *.localhost names resolve to loopback (RFC 6761).
	return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127\./.test(host);
}

function show_sandbox_banner(frm) {
	frm.set_intro("");
	if (!is_sandbox_endpoint(frm.doc.endpoint_override)) return;
	frm.set_intro(
		__(
			"Sandbox: this account talks to the Amazon simulator at {0}, not to Amazon. Its orders, customers and shipments are made up.",
			[frm.doc.endpoint_override]
		),
		"orange"
	);
	frm.page.set_indicator(__("Sandbox"), "orange");
}

// An account whose endpoint did not answer: scheduled jobs wait, and the user is told until when.
function show_no_answer(frm) {
	if (!frm.doc.not_answering_since) return;
	frm.dashboard.set_headline_alert(
		__(
			"Amazon has not answered this account since {0}: scheduled syncs wait until {1}. Test Connection checks now.",
			[
				frappe.datetime.str_to_user(frm.doc.not_answering_since),
				frappe.datetime.str_to_user(frm.doc.retry_after),
			]
		),
		"orange"
	);
}

// -- order sync progress ------------------------------------------------------------------------------------
// A run saves its counts on its Amazon Sync Log as it goes: the form shows the newest run of the account
// (status, counts, a link to the log) and polls it every few seconds while it is queued or running.
const SYNC_LOG_FIELDS = [
	"name",
	"status",
	"started_at",
	"finished_at",
	"orders_read",
	"created_count",
	"updated_count",
	"cancelled_count",
	"unchanged_count",
	"waiting_count",
	"skipped_count",
	"failed_count",
	"flagged_count",
	"error",
];
const SYNC_POLL_MS = 2000;
const SYNC_COLORS = {
	Queued: "blue",
	Running: "blue",
	Success: "green",
	"Partial Success": "orange",
	Failed: "red",
	Interrupted: "red",
};

function show_last_order_sync(frm) {
	frappe.db
		.get_list("Amazon Sync Log", {
			filters: { amazon_account: frm.doc.name, operation: "Order Sync" },
			fields: SYNC_LOG_FIELDS,
			order_by: "creation desc",
			limit: 1,
		})
		.then((logs) => {
			if (!logs.length) return;
			render_order_sync(frm, logs[0]);
			if (["Queued", "Running"].includes(logs[0].status)) schedule_poll(frm, logs[0].name);
		});
}

function follow_order_sync(frm, log_name) {
	// A run just asked for (or announced over realtime): the form follows it from now on.
	if (frm.__amazon_sync_log !== log_name) {
		frm.__amazon_sync_log = log_name;
		frm.__amazon_sync_status = "Queued";
	}
	poll_order_sync(frm, log_name);
}

function poll_order_sync(frm, log_name) {
	frappe.db.get_value("Amazon Sync Log", log_name, SYNC_LOG_FIELDS).then(({ message: log }) => {
		if (!log || !is_showing(frm, log_name)) return;
		const was_running = ["Queued", "Running"].includes(frm.__amazon_sync_status);
		render_order_sync(frm, log);
		if (["Queued", "Running"].includes(log.status)) {
			schedule_poll(frm, log_name);
		} else if (was_running) {
			frappe.show_alert({
				message: __("Order sync {0}: {1}", [__(log.status), sync_counts(log)]),
				indicator: SYNC_COLORS[log.status] || "red",
			});
			frm.reload_doc(); // Last Order Sync moved
		}
	});
}

function is_showing(frm, log_name) {
	// Stop polling once the user has left this account (or a newer run replaced this one).
	return (
		cur_frm === frm &&
		frappe.get_route_str() === `Form/Amazon Account/${frm.doc.name}` &&
		frm.__amazon_sync_log === log_name
	);
}

function schedule_poll(frm, log_name) {
	clearTimeout(frm.__amazon_sync_timer);
	frm.__amazon_sync_timer = setTimeout(() => poll_order_sync(frm, log_name), SYNC_POLL_MS);
}

function sync_counts(log) {
	const parts = [
		[log.created_count, __("created")],
		[log.updated_count, __("updated")],
		[log.cancelled_count, __("cancelled")],
		[log.unchanged_count, __("unchanged")],
		[log.waiting_count, __("waiting on Amazon")],
		[log.skipped_count, __("skipped")],
		[log.failed_count, __("failed")],
		[log.flagged_count, __("need attention")],
	]
		.filter(([count]) => count)
		.map(([count, label]) => `${count} ${label}`);
	return __("{0} orders read", [log.orders_read || 0]) + (parts.length ? `: ${parts.join(", ")}` : "");
}

function render_order_sync(frm, log) {
	frm.__amazon_sync_log = log.name;
	frm.__amazon_sync_status = log.status;
	const link = frappe.utils.get_form_link("Amazon Sync Log", log.name, true, __("Open the sync log"));
	let text;
	if (log.status === "Queued") {
		text = __("Order sync queued: waiting for a background worker to start it.");
	} else if (log.status === "Running") {
		text = __("Order sync running since {0}: {1} so far.", [
			frappe.datetime.comment_when(log.started_at),
			sync_counts(log),
		]);
	} else {
		text = __("Last order sync: {0}, {1}: {2}.", [
			__(log.status),
			frappe.datetime.comment_when(log.finished_at || log.started_at),
			sync_counts(log),
		]);
		if (log.error) text += " " + __("It stopped: {0}", [frappe.utils.escape_html(last_line(log.error))]);
	}
	const html = `<div class="amazon-order-sync">
		<span class="indicator-pill ${SYNC_COLORS[log.status] || "gray"}">${__(log.status)}</span>
		<span class="amazon-order-sync-text">${text}</span> ${link}</div>`;
	// A section of the form's dashboard, under the sandbox banner (the headline) rather than replacing it.
	const $section = frm.__amazon_sync_section;
	if ($section && $.contains(document, $section[0])) {
		$section.html(html);
	} else {
		frm.__amazon_sync_section = frm.dashboard.add_section(html, __("Order Sync"));
	}
	frm.dashboard.show();
}

function last_line(text) {
	const lines = (text || "").trim().split("\n");
	return lines[lines.length - 1];
}

// Frappe appends the time zone to a Datetime field's description and then looks the whole text up for a
// translation, which never matches: translate the field's own text, before the time zone.
frappe.ui.form.on("Amazon Account", {
	refresh(frm) {
		for (const field of Object.values(frm.fields_dict)) {
			if (field.df.fieldtype !== "Datetime" || !field.df.description) continue;
			const [text, ...time_zone] = field.df.description.split("<br>");
			field.df.description = [__(text), ...time_zone].join("<br>");
			field.set_description();
		}
	},
});

// The guided setup: what this account still needs, step by step, from the same checklist the Amazon workspace's
// onboarding follows (erpnext/setup_checklist.py). Shown until every step is done; each missing thing links to
// its field on this form or to its list. Nothing is created from here.
frappe.ui.form.on("Amazon Account", {
	refresh(frm) {
		// A new account shows where it stands too (connecting first); nothing is saved by asking.
		const args = frm.is_new() ? { doc: frm.doc } : { account: frm.doc.name };
		frappe
			.call({ method: "amazon_integration.erpnext.setup_checklist.get_setup_checklist", args })
			.then(({ message }) => render_setup_checklist(frm, message));
	},
});

function render_setup_checklist(frm, checklist) {
	const $section = frm.__amazon_setup_section;
	const shown = $section && $.contains(document, $section[0]);
	if (!checklist || checklist.complete) {
		if (shown) $section.remove();
		return;
	}
	const esc = frappe.utils.escape_html;
	const steps = checklist.steps
		.map((step, i) => {
			const missing = step.missing
				.map((m) => {
					const target = m.fieldname
						? `data-fieldname="${esc(m.fieldname)}"`
						: m.doctype
						? `data-doctype="${esc(m.doctype)}"`
						: "";
					return target ? `<a href="#" ${target}>${esc(m.label)}</a>` : esc(m.label);
				})
				.join(", ");
			const pill = step.done
				? `<span class="indicator-pill green">${__("Done")}</span>`
				: `<span class="indicator-pill orange">${__("To Do")}</span>`;
			const needs = step.done || !missing ? "" : `<div class="text-muted small">${__("Missing: {0}", [missing])}</div>`;
			return `<div class="amazon-setup-step" data-step="${esc(step.key)}" style="margin-bottom: var(--margin-sm)">
				${pill} <b>${i + 1}. ${esc(step.title)}</b>
				<span class="text-muted">${esc(step.description)}</span>${needs}</div>`;
		})
		.join("");
	const html = `<div class="amazon-setup-checklist">${steps}</div>`;
	if (shown) {
		$section.find(".amazon-setup-checklist").replaceWith(html);
	} else {
		frm.__amazon_setup_section = frm.dashboard.add_section(html, __("Guided Setup"));
		frm.__amazon_setup_section.on("click", "a[data-fieldname], a[data-doctype]", (e) => {
			e.preventDefault();
			const { fieldname, doctype } = e.currentTarget.dataset;
			if (fieldname) frm.scroll_to_field(fieldname);
			else frappe.set_route("List", doctype, { amazon_account: frm.doc.name });
		});
	}
	frm.dashboard.show();
}
