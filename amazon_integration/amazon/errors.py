"""The gateway's error hierarchy: what went wrong, in Amazon's words, never with secrets or buyer data.

Every error carries Amazon's `code` and `message` (from the `errors` body when there is one), the HTTP `status`,
the `x-amzn-RequestId` (quote it to Amazon support) and the `operation` that failed. `retryable` says whether
the gateway's own retry loop treats it as transient; by the time a caller sees an error, retries are spent.
"""

from __future__ import annotations

from .text import Text, msg


class AmazonError(Exception):
	"""Base of every error the gateway raises."""

	retryable = False

	def __init__(
		self,
		message: str,
		*,
		code: str | None = None,
		status: int | None = None,
		request_id: str | None = None,
		operation: str | None = None,
		details: str | None = None,
		retry_after: float | None = None,
	) -> None:
		self.message = message
		self.code = code
		self.status = status
		self.request_id = request_id
		self.operation = operation
		self.details = details
		self.retry_after = retry_after
		self.attempts = 1  # set by the retry loop: how many requests were made for this operation
		super().__init__(message)

	def __str__(self) -> str:
		return str(self.as_text())

	def as_text(self) -> Text:
		"""The error for a person, translatable (`msg()`): the gateway's own message by its template, Amazon's as
		Amazon wrote it; the operation, HTTP status and code stay as they are."""
		where = self.operation or "Amazon SP-API"
		message: str = self.message
		if self.details and self.details not in self.message:
			message = msg("{0} {1}", self.message, self.details)
		bits = ", ".join(bit for bit in (f"HTTP {self.status}" if self.status is not None else "", self.code or "") if bit)
		if self.request_id and bits:
			return msg("{0}: {1} ({2}, request id {3})", where, message, bits, self.request_id)
		if self.request_id:
			return msg("{0}: {1} (request id {2})", where, message, self.request_id)
		if bits:
			return msg("{0}: {1} ({2})", where, message, bits)
		return msg("{0}: {1}", where, message)

	def __repr__(self) -> str:
		return (
			f"{type(self).__name__}(operation={self.operation!r}, status={self.status!r}, code={self.code!r}, "
			f"message={self.message!r}, request_id={self.request_id!r})"
		)

	def __reduce__(self):  # picklable for RQ job failure records
		return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[AmazonError], state: dict) -> AmazonError:
	error = cls.__new__(cls)
	Exception.__init__(error, state.get("message"))
	error.__dict__.update(state)
	return error


class AuthError(AmazonError):
	"""401/403 from SP-API, or a failed LWA token exchange (bad client id/secret, revoked refresh token)."""

	@property
	def token_expired(self) -> bool:
		"""Amazon's answer for an access token past its hour: 403 Unauthorized, message "Access to requested
		resource is denied.", details "The access token you provided has expired." (either field is checked)."""
		text = f"{self.message or ''} {self.details or ''}".lower()
		return self.status == 403 and "expired" in text

	@property
	def token_refused(self) -> bool:
		"""Amazon refused the access token sent: 403 Unauthorized, in whichever words ("has expired", "is revoked,
		malformed or invalid", ...). A new token may be taken where the held one is not. An LWA exchange refused
		answers 400/401 with its own codes: not this."""
		return self.status == 403 and (self.code or "unauthorized").lower() == "unauthorized"


class ThrottledError(AmazonError):
	"""429: the seller's usage plan for this operation is exhausted."""

	retryable = True


class NotFoundError(AmazonError):
	"""404: no such order / feed / report / document."""


class InvalidInputError(AmazonError):
	"""400/409/413/415/422: Amazon rejected the request itself; retrying the same request will not help."""


class AmazonUnavailableError(AmazonError):
	"""5xx, a timeout, a dropped connection or a truncated answer: transient on Amazon's side."""

	retryable = True


class NoAnswerError(AmazonUnavailableError):
	"""Nothing answered: the connection could not be opened, or no answer came in time. Not a refusal: Amazon
	(or whatever is at the endpoint) never said anything."""


class OutOfTimeError(AmazonError):
	"""The caller's time budget ran out (a job about to reach its queue timeout, a user waiting on a form) before
	the operation could be tried, or tried again. Nothing was refused; the next run takes it up."""


def no_answer_message(exception_name: str, host: str, seconds: float | None = None) -> Text:
	"""Why nothing answered, in words that do not blame Amazon for refusing: which host, how long we waited."""
	if "Timeout" in exception_name and seconds:
		if exception_name == "ConnectTimeout":
			return msg("No answer from {0}: the connection did not open within {1} s ({2}).", host, f"{seconds:g}", exception_name)
		return msg("No answer from {0} within {1} s ({2}).", host, f"{seconds:g}", exception_name)
	if exception_name == "ConnectError":
		return msg("No answer from {0}: the connection could not be opened ({1}).", host, exception_name)
	return msg("No answer from {0}: the connection broke off ({1}).", host, exception_name)


def error_for_status(status: int) -> type[AmazonError]:
	"""The error class for a non-2xx HTTP status."""
	if status in (401, 403):
		return AuthError
	if status == 404:
		return NotFoundError
	if status == 429:
		return ThrottledError
	if status in (400, 409, 413, 415, 422):
		return InvalidInputError
	if status >= 500:
		return AmazonUnavailableError
	return AmazonError
