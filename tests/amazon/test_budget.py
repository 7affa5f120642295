"""Call budgets: a job's calls end before its queue timeout, a user gets an answer in seconds, quota waits are not
failures, an endpoint that does not answer is said so (not "refused") and is left alone for a growing while."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

import pytest

from amazon_integration.amazon.budget import (
	INTERACTIVE_TOTAL_SECONDS,
	NO_ANSWER_FIRST_BACKOFF,
	NO_ANSWER_MAX_BACKOFF,
	finish_margin,
	interactive_budget,
	job_budget,
	no_answer_retry_after,
)
from amazon_integration.amazon.errors import (
	AmazonUnavailableError,
	NoAnswerError,
	OutOfTimeError,
	no_answer_message,
)


def _closed_port() -> str:
	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		return f"http://127.0.0.1:{probe.getsockname()[1]}"


# --- budget arithmetic ------------------------------------------------------------------------------------


@pytest.mark.parametrize("queue_timeout", [20, 300, 1500, 3600, 4 * 3600])
def test_a_job_budget_ends_before_its_queue_timeout(queue_timeout: int) -> None:
	budget = job_budget(queue_timeout, started_at=1000.0)
	# the last request may start at stop_at: it ends (connect + read) before the margin the job keeps to finish
	end_of_last_request = budget.stop_at + budget.connect_timeout + budget.timeout
	assert end_of_last_request + finish_margin(queue_timeout) <= 1000.0 + queue_timeout
	assert budget.stop_at > 1000.0 and 0 < budget.retry_deadline <= budget.stop_at - 1000.0


def test_the_short_queue_no_longer_retries_into_its_kill() -> None:
	# The issue: retry deadline 300 s on a 300 s queue. Now the short queue's calls stop 70 s before RQ's kill.
	budget = job_budget(300, started_at=0.0, retry_deadline=300)
	assert (budget.stop_at, budget.retry_deadline, budget.timeout, budget.connect_timeout) == (230.0, 230.0, 30.0, 10.0)


def test_a_configured_deadline_below_the_job_budget_is_kept() -> None:
	assert job_budget(3600, started_at=0.0, retry_deadline=60).retry_deadline == 60


def test_an_interactive_budget_answers_in_seconds() -> None:
	budget = interactive_budget(now=500.0, retry_deadline=300)
	assert budget.stop_at == 500.0 + INTERACTIVE_TOTAL_SECONDS
	assert budget.retry_deadline < 10 and budget.connect_timeout <= 3 and budget.timeout <= 10


# --- back-off schedule ------------------------------------------------------------------------------------


def test_no_answer_back_off_grows_and_is_capped() -> None:
	since = datetime(2026, 1, 1, 8, 0)
	now, waits = since, []
	for _ in range(8):
		retry = no_answer_retry_after(since, now)
		waits.append(retry - now)
		now = retry  # the next scheduled try fails again
	minutes = [w / timedelta(minutes=1) for w in waits]
	assert minutes == [10, 10, 20, 40, 80, 160, 240, 240]
	assert waits[0] == NO_ANSWER_FIRST_BACKOFF and waits[-1] == NO_ANSWER_MAX_BACKOFF


# --- error wording ----------------------------------------------------------------------------------------


def test_no_answer_wording_says_what_happened_not_refused() -> None:
	refused_port = no_answer_message("ConnectError", "127.0.0.1")
	assert refused_port == "No answer from 127.0.0.1: the connection could not be opened (ConnectError)."
	assert no_answer_message("ReadTimeout", "sellingpartnerapi-na.amazon.com", 8.0) == (
		"No answer from sellingpartnerapi-na.amazon.com within 8 s (ReadTimeout)."
	)
	assert "did not open within 3 s" in no_answer_message("ConnectTimeout", "h", 3.0)
	for text in (refused_port, no_answer_message("RemoteProtocolError", "h")):
		assert "refus" not in text.lower()


# --- the client within its budget -------------------------------------------------------------------------


def test_quota_waits_do_not_count_against_the_retry_deadline(sim_factory, gateway) -> None:
	"""searchOrders-like bucket: one token per 180 s. A 500 costs one retry, which waits 180 s for quota: a 20 s
	retry deadline no longer gives up because of the planned wait."""
	sim = sim_factory(time_scale=1.0)
	sim.control.set_quota("getOrder", 1 / 180, 30)
	client = gateway(sim, config_overrides={"retry_deadline": 20.0})
	with sim.state.lock:
		order_id = next(iter(sim.state.orders))
	for _ in range(30):
		client.get_order(order_id)  # the bucket is drained
	sim.control.add_fault("error", "getOrder", count=1, status=500)
	assert client.get_order(order_id).order_id == order_id
	metrics = client.metrics.snapshot()["getOrder"]
	assert metrics.retries == 1 and metrics.quota_seconds > 300 > 20


def test_no_wait_goes_past_the_stop_time(sim_factory, gateway) -> None:
	sim = sim_factory(time_scale=1.0)
	sim.control.set_quota("getOrder", 1 / 180, 30)
	clock_now = sim.clock.now().timestamp()
	client = gateway(sim, stop_at=clock_now + 60)
	with sim.state.lock:
		order_id = next(iter(sim.state.orders))
	for _ in range(30):
		client.get_order(order_id)
	with pytest.raises(OutOfTimeError) as caught:
		client.get_order(order_id)  # its token is 180 s away: past the job's time
	assert "next run" in str(caught.value) and client.sim_clock.now() <= clock_now + 60


def test_an_unreachable_endpoint_is_no_answer_and_stops_at_the_budget(sim_factory, gateway) -> None:
	sim = sim_factory(time_scale=1.0)
	start = sim.clock.now().timestamp()
	client = gateway(sim, config_overrides={"endpoint": _closed_port(), "retry_deadline": 300.0}, stop_at=start + 30)
	with pytest.raises(NoAnswerError) as caught:
		client.get_order("111-0000000-0000000")
	error = caught.value
	assert isinstance(error, AmazonUnavailableError) and error.attempts > 1
	assert "No answer from 127.0.0.1" in str(error) and "ConnectError" in str(error)
	assert client.sim_clock.now() <= start + 30  # the 300 s deadline did not outlast the job's 30 s
	assert client.unanswered is error and not client.answered

	# The endpoint did not answer a whole call: the next calls of this client are tried once each.
	with pytest.raises(NoAnswerError) as again:
		client.get_order("111-0000000-0000001")
	assert again.value.attempts == 1


def test_check_connection_tells_no_answer_from_refusal(sim_factory, gateway) -> None:
	sim = sim_factory(time_scale=1.0)
	check = gateway(sim, config_overrides={"endpoint": _closed_port(), "retry_deadline": 2.0}).check_connection()
	assert not check.ok and check.no_answer and "No answer from" in check.message
	assert gateway(sim).check_connection().ok


def test_a_shipment_not_sent_for_lack_of_time_waits_for_the_next_run() -> None:
	from amazon_integration.domain.shipments import Outcome, classify

	outcome, message = classify(OutOfTimeError("Not tried: this run's time is up.", operation="confirmShipment"))
	assert outcome is Outcome.RETRY_LATER and "later run" in message
