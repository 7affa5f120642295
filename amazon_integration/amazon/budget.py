"""How long Amazon calls may take, and how long an account Amazon does not answer is left alone.

Pure arithmetic, no I/O. Two kinds of caller:
- a background job: RQ kills it at its queue timeout, so every call of the job must have given up (and the job
  recorded why) before that: `job_budget` stops starting requests and waits early enough for one request in
  flight plus the bookkeeping to fit;
- a user waiting on a form (Test Connection, Recover Order, Retry): `interactive_budget` answers in seconds,
  with a short connect timeout, rather than retrying for minutes behind a frozen form.
Quota waits are planned, not failures: they do not count against a call's retry deadline, but no wait, quota or
backoff, goes past `stop_at`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class CallBudget:
	retry_deadline: float  # seconds one operation may spend retrying 429/5xx/timeouts (quota waits not counted)
	timeout: float  # seconds one request may wait for Amazon's answer
	connect_timeout: float  # seconds to open the connection: an endpoint that does not answer is known fast
	stop_at: float | None = None  # epoch seconds after which no request starts and no wait ends

	def seconds_left(self, now: float) -> float | None:
		return None if self.stop_at is None else self.stop_at - now


# A user waits: one LWA exchange and one call, each may be retried briefly; the whole answer within ~20 s.
INTERACTIVE_RETRY_SECONDS = 6.0
INTERACTIVE_TIMEOUT = 8.0
INTERACTIVE_CONNECT_TIMEOUT = 3.0
INTERACTIVE_TOTAL_SECONDS = 15.0

DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_RETRY_DEADLINE = 300.0


def interactive_budget(now: float, retry_deadline: float = INTERACTIVE_RETRY_SECONDS) -> CallBudget:
	return CallBudget(
		retry_deadline=min(retry_deadline, INTERACTIVE_RETRY_SECONDS),
		timeout=INTERACTIVE_TIMEOUT,
		connect_timeout=INTERACTIVE_CONNECT_TIMEOUT,
		stop_at=now + INTERACTIVE_TOTAL_SECONDS,
	)


def finish_margin(job_timeout: float) -> float:
	"""Time kept after the last call for the job to write its outcome (logs, statuses, the account's state)."""
	return min(max(10.0, job_timeout * 0.1), 300.0)


def job_budget(
	job_timeout: float,
	started_at: float,
	retry_deadline: float = DEFAULT_RETRY_DEADLINE,
	timeout: float = DEFAULT_TIMEOUT,
	connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> CallBudget:
	"""The budget of a job RQ kills `job_timeout` seconds after `started_at`: a request started at `stop_at`
	still ends (connect + read timeout) before the finish margin, which ends before the kill."""
	timeout = min(timeout, job_timeout / 5)
	connect_timeout = min(connect_timeout, timeout)
	stop_at = started_at + job_timeout - finish_margin(job_timeout) - timeout - connect_timeout
	return CallBudget(
		retry_deadline=max(0.0, min(retry_deadline, stop_at - started_at)),
		timeout=timeout,
		connect_timeout=connect_timeout,
		stop_at=stop_at,
	)


# An account whose endpoint does not answer: scheduled jobs leave it alone for a while, longer each time.
NO_ANSWER_FIRST_BACKOFF = timedelta(minutes=10)
NO_ANSWER_MAX_BACKOFF = timedelta(hours=4)


def no_answer_retry_after(not_answering_since: datetime, now: datetime) -> datetime:
	"""When scheduled jobs may try again: after as long again as Amazon has not answered (so the pause doubles
	with each failed try), at least NO_ANSWER_FIRST_BACKOFF and at most NO_ANSWER_MAX_BACKOFF."""
	silent = max(now - not_answering_since, timedelta(0))
	return now + min(max(silent, NO_ANSWER_FIRST_BACKOFF), NO_ANSWER_MAX_BACKOFF)
