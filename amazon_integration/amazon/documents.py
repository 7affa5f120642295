"""Streaming of Amazon documents (report documents, feed result documents) as text lines.

Bytes are gunzipped on the fly when Amazon says compressionAlgorithm GZIP (and the bytes really are gzip: a
transport that already undid a Content-Encoding is tolerated), split on LF, and each line decoded as UTF-8,
falling back to the charset the download declared (Amazon serves some marketplaces' flat files in Cp1252 or
Windows-31J), or Cp1252 when it declared none. Splitting on the LF byte before decoding is safe for UTF-8 and for
the single- and double-byte charsets Amazon uses (no LF byte inside a multi-byte character).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

import httpx

from .errors import AmazonUnavailableError
from .text import msg

GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"


def _normal_charset(charset: str | None) -> str | None:
	if not charset:
		return None
	charset = charset.strip().strip('"').lower()
	if charset in ("windows-31j", "ms932", "sjis-win"):
		return "cp932"
	if charset in ("utf8", "utf-8"):
		return None
	return charset


def _gunzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
	"""Decompress gzip (also several concatenated members); pass through data that is not gzip."""
	decompressor = None
	sniffed = False
	for chunk in chunks:
		if not chunk:
			continue
		if not sniffed:
			sniffed = True
			if chunk[:2] == GZIP_MAGIC:
				decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
		if decompressor is None:
			yield chunk
			continue
		data = chunk
		while data:
			out = decompressor.decompress(data)
			if out:
				yield out
			if decompressor.eof:
				data = decompressor.unused_data
				decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
			else:
				data = b""
	if decompressor is not None:
		tail = decompressor.flush()
		if tail:
			yield tail


def iter_text_lines(chunks: Iterable[bytes], *, gzip: bool = False, charset: str | None = None) -> Iterator[str]:
	"""Bytes chunks -> decoded lines without their line terminators."""
	fallback = _normal_charset(charset) or "cp1252"
	source = _gunzip(chunks) if gzip else chunks
	buffer = b""
	first = True

	def decode(raw: bytes) -> str:
		nonlocal first
		if first:
			first = False
			if raw.startswith(_BOM):
				raw = raw[len(_BOM) :]
		if raw.endswith(b"\r"):
			raw = raw[:-1]
		try:
			return raw.decode("utf-8")
		except UnicodeDecodeError:
			return raw.decode(fallback, errors="replace")

	try:
		for chunk in source:
			buffer += chunk
			if b"\n" not in chunk:
				continue
			*lines, buffer = buffer.split(b"\n")
			for raw in lines:
				yield decode(raw)
	except zlib.error as exc:
		raise AmazonUnavailableError(msg("The document is not valid gzip ({0}).", exc), code="CorruptDocument") from None
	except httpx.TransportError as exc:
		raise AmazonUnavailableError(
			msg("The document download broke off ({0}).", type(exc).__name__), code="DownloadInterrupted"
		) from None
	if buffer:
		yield decode(buffer)


def gunzip_bytes(data: bytes) -> bytes:
	return b"".join(_gunzip([data]))


def read_flat_file(lines: Iterable[str]) -> Iterator[dict[str, str]]:
	"""Tab-separated flat file (first line = header) -> one dict per row, keyed by the header's column names."""
	header: list[str] | None = None
	for line in lines:
		if header is None:
			header = line.split("\t")
			continue
		if not line.strip():
			continue
		values = line.split("\t")
		if len(values) < len(header):
			values += [""] * (len(header) - len(values))
		# Extra trailing fields beyond the header are dropped.
		yield dict(zip(header, values[: len(header)], strict=True))
