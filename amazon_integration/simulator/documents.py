"""The simulator's document storage (Amazon's presigned S3 URLs) and the per-state helpers the sim-docs modules
(feeds, reports, settlements, listings, inventory, after-sale) share.

createFeedDocument answers a presigned URL on the simulator itself, {base_url}/_sim/upload/{id}; a PUT there
stores the bytes (its Content-Type must equal the createFeedDocument contentType, as with S3's signed headers:
otherwise 403 SignatureDoesNotMatch). Result and report documents are served from {base_url}/_sim/download/{id}:
raw bytes, gzip'd ones WITHOUT a Content-Encoding header (what Amazon does by default), unless
getFeedDocument/getReportDocument was called with enableContentEncodingUrlHeader=true, whose URL carries
?contentEncoding=gzip and is served with "Content-Encoding: gzip". URLs do not expire.
"""

from __future__ import annotations

import gzip
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

from .http import ApiError, Request, Response, Router
from .state import SimulatorState

T = TypeVar("T")


# -- per-state storage shared by the sim-docs modules ---------------------------------------------------


def attach(state: SimulatorState, key: str, factory: Callable[[], T]) -> T:
	"""This module family's own data on the state (state.extras[key]), created on first use."""
	extras: dict[str, Any] = state.extras
	with state.lock:
		value = extras.get(key)
		if value is None:
			value = factory()
			extras[key] = value
		return value


def docs_rng(state: SimulatorState) -> random.Random:
	"""A random stream for ids, seeded from the state's seed but separate from state.rng (so using it never
	shifts the orders generator's sequence)."""
	return attach(state, "docs.rng", lambda: random.Random(f"{getattr(state, 'seed', 1)}:sim-docs"))


def new_uuid(state: SimulatorState) -> str:
	return str(uuid.UUID(int=docs_rng(state).getrandbits(128), version=4))


def region_code(state: SimulatorState) -> str:
	for marketplace in state.marketplaces.values():
		return {"EU": "eu", "FE": "fe"}.get(getattr(marketplace, "region", "NA"), "na")
	return "na"


def iso(moment: datetime) -> str:
	"""SP-API date-time as Amazon writes it in feeds/reports: 2024-01-02T03:04:05+00:00."""
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def parse_iso(value: str, name: str) -> datetime:
	text = value.strip()
	if text.endswith(("Z", "z")):
		text = text[:-1] + "+00:00"
	try:
		parsed = datetime.fromisoformat(text)
	except ValueError:
		raise ApiError(400, "InvalidInput", f"{name} is not a valid ISO 8601 date-time.", value) from None
	if parsed.tzinfo is None:
		parsed = parsed.replace(tzinfo=timezone.utc)
	return parsed.astimezone(timezone.utc)


# -- documents ------------------------------------------------------------------------------------------


@dataclass
class StoredDocument:
	document_id: str
	content_type: str
	created: datetime
	data: bytes | None = None  # None until uploaded
	compression: str | None = None  # "GZIP" when `data` is gzip'd
	uploadable: bool = False  # feed input documents only


@dataclass
class DocumentStore:
	documents: dict[str, StoredDocument] = field(default_factory=dict)


def documents(state: SimulatorState) -> DocumentStore:
	return attach(state, "docs.documents", DocumentStore)


def store_document(
	state: SimulatorState, document_id: str, data: bytes, content_type: str, gzipped: bool
) -> StoredDocument:
	"""Keep a generated document (gzip'd here when `gzipped`)."""
	body = gzip.compress(data, mtime=0) if gzipped else data
	document = StoredDocument(
		document_id=document_id,
		content_type=content_type,
		created=state.clock.now(),
		data=body,
		compression="GZIP" if gzipped else None,
	)
	with state.lock:
		documents(state).documents[document_id] = document
	return document


def download_url(state: SimulatorState, document_id: str, content_encoding_header: bool = False) -> str:
	url = f"{state.base_url}/_sim/download/{document_id}"
	return url + "?contentEncoding=gzip" if content_encoding_header else url


def _normalize_content_type(value: str | None) -> str:
	return ";".join(part.strip().lower() for part in (value or "").split(";") if part.strip())


def _s3_error(status: int, code: str, message: str) -> Response:
	body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
	return Response(status=status, body=body.encode("utf-8"), content_type="application/xml")


def _upload(state: SimulatorState, req: Request) -> Response:
	document_id = req.path_args["documentId"]
	with state.lock:
		document = documents(state).documents.get(document_id)
		if document is None or not document.uploadable:
			return _s3_error(403, "AccessDenied", "Access Denied")
		if _normalize_content_type(req.headers.get("content-type")) != _normalize_content_type(
			document.content_type
		):
			return _s3_error(
				403,
				"SignatureDoesNotMatch",
				"The request signature we calculated does not match the signature you provided.",
			)
		document.data = bytes(req.body)
	return Response(
		status=200, body=None, headers={"ETag": f'"{uuid.uuid5(uuid.NAMESPACE_OID, document_id).hex}"'}
	)


def _download(state: SimulatorState, req: Request) -> Response:
	document_id = req.path_args["documentId"]
	with state.lock:
		document = documents(state).documents.get(document_id)
		data = document.data if document is not None else None
	if document is None or data is None:
		return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
	headers: dict[str, str] = {}
	if document.compression == "GZIP" and req.param("contentEncoding") == "gzip":
		headers["Content-Encoding"] = "gzip"
	return Response(status=200, body=data, headers=headers, content_type=document.content_type)


def register(router: Router, state: SimulatorState) -> None:
	@router.route("PUT", "/_sim/upload/{documentId}")
	def upload(req: Request) -> Response:
		return _upload(state, req)

	@router.route("GET", "/_sim/download/{documentId}")
	def download(req: Request) -> Response:
		return _download(state, req)
