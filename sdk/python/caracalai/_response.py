"""The response of a ``SyncClient`` or ``AsyncClient`` call: read whole, or — from ``stream`` —
read lazily, chunk by chunk or line by line, as it arrives."""

from __future__ import annotations

import asyncio
import codecs
import json as jsonlib
import re
from email.message import Message
from types import TracebackType
from typing import Any, AsyncIterator, Iterator, Optional, Type

from . import _http
from .errors import CaracalError, GatewayError

CHUNK_SIZE = 64 * 1024
_REQUEST_ID = "X-Caracal-Request-Id"
_LINE_END = re.compile(r"\r\n|\r|\n")


class Response:
    """An HTTP response. ``error`` explains a failure; ``raise_for_status()`` raises it.

    A buffered response (``get``, ``post``, ``request`` ...) holds its body in ``content``. A
    streamed one (``with client.stream(...) as r``) holds only the status and headers until its
    body is read: with ``iter_bytes()``, ``iter_text()`` or ``iter_lines()`` (``aiter_*`` in
    asyncio code) as it arrives, or whole with ``read()`` / ``await aread()``; the body can be
    iterated once. Not for use from several threads at once.
    """

    def __init__(self, raw: _http.RawResponse, method: str) -> None:
        self.status_code = raw.status
        self.headers: Message = raw.headers
        self.url = raw.url
        self.method = method
        self._content: Optional[bytes] = raw.body
        self._stream: Optional[_http.OpenResponse] = None
        self._consumed = False

    @classmethod
    def streamed(cls, opened: _http.OpenResponse, method: str) -> "Response":
        """A response whose body is still to be read from ``opened``."""
        response = cls(_http.RawResponse(opened.status, opened.headers, b"", opened.url), method)
        response._content = None
        response._stream = opened
        return response

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}] {self.method} {self.url}>"

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()

    # ---- the body, whole ---------------------------------------------------------------------

    @property
    def content(self) -> bytes:
        """The body. On a streamed response, only after ``read()`` / ``aread()``."""
        if self._content is None:
            raise RuntimeError("the body of a streamed response has not been read: call `read()` or `await aread()` first")
        return self._content

    def read(self) -> bytes:
        """Reads the rest of the body (all of it, unless iterating began) and closes the connection."""
        if self._content is None:
            self._content = b"".join(self.iter_bytes())
        return self._content

    async def aread(self) -> bytes:
        if self._content is None:
            self._content = b"".join([chunk async for chunk in self.aiter_bytes()])
        return self._content

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content.decode("utf-8")) if self.content else None

    @property
    def encoding(self) -> str:
        charset = self.headers.get_content_charset() if hasattr(self.headers, "get_content_charset") else None
        return charset or "utf-8"

    # ---- the body, as it arrives -------------------------------------------------------------

    def iter_bytes(self, chunk_size: Optional[int] = None) -> Iterator[bytes]:
        """The body in chunks of at most ``chunk_size`` bytes (64 KiB by default), each yielded as
        soon as it has arrived; the connection is closed at the end.

        Raises:
            RuntimeError: the body was already iterated.
            OSError: the connection broke or a read timed out.
        """
        if self._content is not None:
            size = chunk_size or max(1, len(self._content))
            for start in range(0, len(self._content), size):
                yield self._content[start:start + size]
            return
        self._begin()
        try:
            while True:
                chunk = self._read_chunk(chunk_size)
                if not chunk:
                    return
                yield chunk
        finally:
            self.close()

    def iter_text(self, chunk_size: Optional[int] = None) -> Iterator[str]:
        """The body decoded (the response's charset, else UTF-8) as it arrives."""
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        for chunk in self.iter_bytes(chunk_size):
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    def iter_lines(self) -> Iterator[str]:
        """The body's lines without their ends (``\\n``, ``\\r\\n`` or ``\\r``), each yielded as
        soon as it is complete — a server-sent events stream event field by field."""
        lines = _LineSplitter()
        for text in self.iter_text():
            yield from lines.feed(text)
        yield from lines.flush()

    async def aiter_bytes(self, chunk_size: Optional[int] = None) -> AsyncIterator[bytes]:
        """``iter_bytes`` for asyncio: each read runs in a worker thread, so the loop never waits."""
        if self._content is not None:
            for chunk in self.iter_bytes(chunk_size):
                yield chunk
            return
        self._begin()
        try:
            while True:
                chunk = await asyncio.to_thread(self._read_chunk, chunk_size)
                if not chunk:
                    return
                yield chunk
        finally:
            self.close()

    async def aiter_text(self, chunk_size: Optional[int] = None) -> AsyncIterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        async for chunk in self.aiter_bytes(chunk_size):
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    async def aiter_lines(self) -> AsyncIterator[str]:
        lines = _LineSplitter()
        async for text in self.aiter_text():
            for line in lines.feed(text):
                yield line
        for line in lines.flush():
            yield line

    def close(self) -> None:
        """Closes the connection of a streamed response; reading the rest is then impossible."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            stream.close()

    async def aclose(self) -> None:
        self.close()

    @property
    def is_closed(self) -> bool:
        return self._stream is None

    def _begin(self) -> None:
        if self._consumed:
            raise RuntimeError("the body of this streamed response was already iterated")
        self._consumed = True

    def _read_chunk(self, chunk_size: Optional[int]) -> bytes:
        stream = self._stream
        return stream.read1(chunk_size or CHUNK_SIZE) if stream is not None else b""

    # ---- status ------------------------------------------------------------------------------

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def request_id(self) -> Optional[str]:
        """The Gateway's ``X-Caracal-Request-Id`` (for ``caracal explain``), if it answered."""
        return self.headers.get(_REQUEST_ID)

    @property
    def error(self) -> Optional[CaracalError]:
        """``None`` below 400. A refusal by the Gateway itself is a ``GatewayError`` with its
        ``reason`` and ``request_id``; any other failure status is a plain ``CaracalError``. On a
        streamed response with a failure status this reads the body (in asyncio code,
        ``await aread()`` first)."""
        if self.status_code < 400:
            return None
        request_id = self.request_id
        content = self._content if self._content is not None else (b"" if self._consumed else self.read())
        body = _http.RawResponse(self.status_code, self.headers, content, self.url).json_object()
        if "reason" in body and "error" in body and (request_id is None or body.get("request_id") == request_id):
            return GatewayError.from_body(self.status_code, body, request_id)
        suffix = f" [caracal explain {request_id}]" if request_id else ""
        return CaracalError(f"{self.method} {self.url} failed with http {self.status_code}{suffix}",
                            status=self.status_code, request_id=request_id, error=f"http_{self.status_code}")

    def raise_for_status(self) -> "Response":
        error = self.error
        if error is not None:
            raise error
        return self


class _LineSplitter:
    """Splits text arriving in pieces into lines at ``\\n``, ``\\r\\n`` and ``\\r``; a ``\\r`` at
    the end of a piece waits for the next, which may begin with its ``\\n``."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, text: str) -> list[str]:
        text = self._pending + text
        lines: list[str] = []
        start = 0
        for end in _LINE_END.finditer(text):
            if end.group() == "\r" and end.end() == len(text):
                break  # perhaps a \r\n split between pieces
            lines.append(text[start:end.start()])
            start = end.end()
        self._pending = text[start:]
        return lines

    def flush(self) -> list[str]:
        pending, self._pending = self._pending, ""
        if pending.endswith("\r"):
            pending = pending[:-1]
        return [pending] if pending else []
