"""Request/Response/ApiError/Router: the tiny HTTP vocabulary every simulator module codes against.

Handlers are plain functions `handler(req: Request) -> Response`; they raise ApiError for any non-2xx
answer. The server (server.py) does the socket work, request ids, auth, quotas and fault injection.
"""

from __future__ import annotations

import json as _json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


class ApiError(Exception):
	"""An SP-API style error; rendered as {"errors": [{"code", "message", "details"}]} with `status`."""

	def __init__(self, status: int, code: str, message: str, details: str | None = None) -> None:
		super().__init__(message)
		self.status = status
		self.code = code
		self.message = message
		self.details = details

	def to_body(self) -> dict[str, Any]:
		error: dict[str, Any] = {"code": self.code, "message": self.message}
		if self.details is not None:
			error["details"] = self.details
		return {"errors": [error]}


@dataclass
class Request:
	method: str
	path: str  # without query
	query: dict[str, list[str]]  # parse_qs(keep_blank_values=True)
	headers: dict[str, str]  # lower-case keys
	body: bytes
	path_args: dict[str, str] = field(default_factory=dict)  # from the route pattern

	def json(self) -> Any:
		"""The JSON body; {} for an empty body; 400 InvalidInput when it is not JSON."""
		if not self.body or not self.body.strip():
			return {}
		try:
			return _json.loads(self.body.decode("utf-8"))
		except (UnicodeDecodeError, ValueError) as exc:
			raise ApiError(400, "InvalidInput", "The request body is not valid JSON.", str(exc)) from None

	def param(self, name: str) -> str | None:
		"""First value of a query parameter, or None."""
		values = self.query.get(name)
		return values[0] if values else None

	def param_list(self, name: str) -> list[str]:
		"""All values of a query parameter: repeated (a=1&a=2) and comma-separated (a=1,2) merged."""
		result: list[str] = []
		for value in self.query.get(name, []):
			result.extend(part.strip() for part in value.split(",") if part.strip())
		return result


@dataclass
class Response:
	status: int = 200
	body: Any = None  # dict/list -> JSON; bytes -> raw; None -> empty
	headers: dict[str, str] = field(default_factory=dict)
	content_type: str | None = None


Handler = Callable[[Request], Response]


@dataclass
class Route:
	method: str
	pattern: str
	regex: re.Pattern[str]
	handler: Handler
	operation: str | None  # SP-API operationId for quotas; None = no quota


def _compile(pattern: str) -> re.Pattern[str]:
	parts = re.split(r"(\{[A-Za-z_][A-Za-z0-9_]*\})", pattern)
	regex = ""
	for part in parts:
		if part.startswith("{") and part.endswith("}"):
			regex += f"(?P<{part[1:-1]}>[^/]+)"
		else:
			regex += re.escape(part)
	return re.compile(f"^{regex}/?$")


class Router:
	"""Routes (method, path pattern) to handlers; `operation` names the SP-API operation for quotas."""

	def __init__(self) -> None:
		self.routes: list[Route] = []

	def route(self, method: str, pattern: str, operation: str | None = None) -> Callable[[Handler], Handler]:
		def decorator(handler: Handler) -> Handler:
			self.add(method, pattern, handler, operation)
			return handler

		return decorator

	def add(self, method: str, pattern: str, handler: Handler, operation: str | None = None) -> None:
		self.routes.append(Route(method.upper(), pattern, _compile(pattern), handler, operation))

	def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
		"""The route for (method, path) with its path arguments; None when nothing matches.

		Raises ApiError 405 when the path exists only for other methods."""
		path_known = False
		for route in self.routes:
			found = route.regex.match(path)
			if not found:
				continue
			if route.method == method.upper():
				return route, {key: unquote(value) for key, value in found.groupdict().items()}
			path_known = True
		if path_known:
			raise ApiError(405, "MethodNotAllowed", f"Method {method} is not allowed for this resource.")
		return None
