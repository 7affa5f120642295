"""Logging for the gateway, and guards that keep secrets and buyer PII out of third-party log records.

python-amazon-sp-api logs at DEBUG, on logger "sp_api.base.client", the request headers (including the
x-amz-access-token), request bodies and whole responses (buyer names and addresses). It sets that logger to INFO
at import, but any application (or a test) raising it to DEBUG would leak. Levels belong to the application, so
instead of fighting over them the gateway installs a logging.Filter on the library's loggers that drops those
records outright: a logger-level filter runs before any handler, whatever the levels are. httpx logs each request
URL at INFO; presigned document URLs carry signatures, so the filter on "httpx" masks signature-like query values.
httpcore logs only connection events and response headers (no request headers, no bodies): left alone.
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger("amazon_integration.amazon")

# The library's loggers whose DEBUG records carry headers, tokens, bodies.
_SP_API_LOGGERS = (
	"sp_api",
	"sp_api.base.client",
	"sp_api.auth.access_token_client",
	"sp_api.asyncio.base.client",
	"sp_api.asyncio.auth.access_token_client",
)

_SECRET_QUERY = re.compile(
	r"(?i)([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig|token|access_token|"
	r"refresh_token|client_secret|key)=)[^&\s\"']*"
)


def mask_url(url: str) -> str:
	return _SECRET_QUERY.sub(r"\1***", url)


class _DropLibraryDebug(logging.Filter):
	"""Drop the library's DEBUG records (headers, bodies, responses); keep INFO and above."""

	def filter(self, record: logging.LogRecord) -> bool:
		return record.levelno >= logging.INFO


class _MaskUrls(logging.Filter):
	"""Mask signature-like query parameters in httpx's request lines."""

	def filter(self, record: logging.LogRecord) -> bool:
		if record.args:
			args = record.args if isinstance(record.args, tuple) else (record.args,)
			record.args = tuple(mask_url(str(a)) if _looks_like_url(a) else a for a in args)
		elif isinstance(record.msg, str):
			record.msg = mask_url(record.msg)
		return True


def _looks_like_url(value: object) -> bool:
	text = str(value)
	return "://" in text and "?" in text


_installed = False


def install_log_guards() -> None:
	"""Idempotent; called when the gateway's client module is imported."""
	global _installed
	if _installed:
		return
	for name in _SP_API_LOGGERS:
		target = logging.getLogger(name)
		if not any(isinstance(f, _DropLibraryDebug) for f in target.filters):
			target.addFilter(_DropLibraryDebug())
	httpx_logger = logging.getLogger("httpx")
	if not any(isinstance(f, _MaskUrls) for f in httpx_logger.filters):
		httpx_logger.addFilter(_MaskUrls())
	_installed = True


def scrub(text: str, secrets: tuple[str | None, ...]) -> str:
	"""Replace any occurrence of the given secrets in text (belt and braces for Amazon-provided messages)."""
	for secret in secrets:
		if secret and len(secret) >= 6 and secret in text:
			text = text.replace(secret, "***")
	return text
