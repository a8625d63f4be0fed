"""Request bodies: JSON, a form, raw bytes or text — replayable — or a binary file or an iterable
of chunks, streamed once as it is sent and never replayed."""

from __future__ import annotations

import asyncio
import io
import json as jsonlib
import os
import stat
import urllib.parse
from dataclasses import dataclass
from typing import Any, AsyncIterable, BinaryIO, Iterable, Iterator, Mapping, Optional, Union

from . import _http

Data = Union[Mapping[str, Any], str, bytes, None]
Content = Union[str, bytes, BinaryIO, Iterable[bytes], AsyncIterable[bytes], None]


@dataclass(frozen=True)
class Body:
    """What goes on the wire: ``replayable`` bodies may be sent again (a retry, a new token),
    streamed ones only once."""
    payload: _http.Payload
    replayable: bool


def encode(headers: dict[str, str], json: Any, data: Data, content: Content) -> Body:
    """The body for ``json=``, ``data=`` or ``content=`` (at most one), setting ``Content-Type``
    for JSON and forms and the framing of a streamed body (``Content-Length`` for a regular file,
    else ``Transfer-Encoding: chunked``) unless the caller set one.

    Raises:
        ValueError: more than one of them was given.
        TypeError: a file opened in text mode, or a body of a type that cannot be sent.
    """
    if sum(x is not None for x in (json, data, content)) > 1:
        raise ValueError("pass only one of json=, data= and content=")
    if json is not None:
        _default(headers, "Content-Type", "application/json")
        return Body(jsonlib.dumps(json).encode("utf-8"), True)
    if isinstance(data, Mapping):
        _default(headers, "Content-Type", "application/x-www-form-urlencoded")
        return Body(urllib.parse.urlencode(list(data.items()), doseq=True).encode("utf-8"), True)
    raw = data if data is not None else content
    if raw is None:
        return Body(None, True)
    if isinstance(raw, str):
        return Body(raw.encode("utf-8"), True)
    if isinstance(raw, (bytes, bytearray, memoryview)):
        return Body(bytes(raw), True)
    if hasattr(raw, "read"):
        if isinstance(raw, io.TextIOBase):
            raise TypeError("a file body must be opened in binary mode (`open(path, \"rb\")`)")
        _frame(headers, _remaining(raw))
        return Body(raw, False)  # type: ignore[arg-type]
    if hasattr(raw, "__aiter__"):
        raise TypeError("an async iterable body needs the asyncio client (`async with caracal.transport()`)")
    if isinstance(raw, Iterable):
        _frame(headers, None)
        return Body(_chunks(raw), False)
    raise TypeError(f"cannot send a body of type `{type(raw).__name__}`")


def from_async(chunks: AsyncIterable[bytes], loop: asyncio.AbstractEventLoop) -> Iterator[bytes]:
    """The chunks of an async iterable, pulled from ``loop`` by the worker thread that sends them."""
    iterator = chunks.__aiter__()

    async def next_chunk() -> Any:
        return await iterator.__anext__()

    while True:
        try:
            chunk = asyncio.run_coroutine_threadsafe(next_chunk(), loop).result()
        except StopAsyncIteration:
            return
        yield chunk


def _chunks(chunks: Iterable[Any]) -> Iterator[bytes]:
    for chunk in chunks:
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        if chunk:
            yield bytes(chunk)


def _remaining(file: Any) -> Optional[int]:
    """The bytes left in a regular file from its position, or ``None`` when that cannot be known."""
    try:
        status = os.fstat(file.fileno())
        if stat.S_ISREG(status.st_mode):
            return max(0, status.st_size - file.tell())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass
    return None


def _frame(headers: dict[str, str], length: Optional[int]) -> None:
    if any(k.lower() in ("content-length", "transfer-encoding") for k in headers):
        return
    if length is None:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(length)


def _default(headers: dict[str, str], name: str, value: str) -> None:
    if not any(k.lower() == name.lower() for k in headers):
        headers[name] = value
