"""One HTTP exchange over ``urllib``, bodies streamed both ways: no redirects followed (so credentials never travel to
another host), every status returned as a value rather than raised. Thread-safe."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any, BinaryIO, Iterable, Mapping, Optional, Union

USER_AGENT = "caracalai-python/0.1.0"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None  # urllib then hands the 3xx back as an HTTPError, which send() returns


_OPENER = urllib.request.build_opener(_NoRedirect())


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: Message
    body: bytes
    url: str

    def json_object(self) -> Mapping[str, Any]:
        """The body as a JSON object, or an empty mapping when it is not one."""
        try:
            value = json.loads(self.body.decode("utf-8")) if self.body else {}
        except (ValueError, UnicodeDecodeError):
            return {}
        return value if isinstance(value, dict) else {}


Payload = Union[bytes, BinaryIO, Iterable[bytes], None]


@dataclass(frozen=True)
class OpenResponse:
    """A response whose headers are in and whose body is still on the wire: ``read1`` returns what
    has arrived (at most ``n`` bytes, ``b""`` at the end) and ``close`` drops the connection."""
    status: int
    headers: Message
    url: str
    body: Any

    def read1(self, n: int) -> bytes:
        return self.body.read1(n) if self.body is not None else b""

    def read_all(self) -> bytes:
        if self.body is None:
            return b""
        try:
            return self.body.read() or b""
        finally:
            self.close()

    def close(self) -> None:
        if self.body is not None:
            self.body.close()


def open_response(method: str, url: str, headers: Mapping[str, str], body: Payload, timeout: float) -> OpenResponse:
    """Sends one request, streaming ``body`` when it is a file or an iterable of bytes (chunked
    unless a ``Content-Length`` is given), and returns as soon as the response headers are in,
    whatever the status. ``timeout`` bounds the connect and each read.

    Raises:
        urllib.error.URLError / OSError: the server could not be reached or the connection broke.
    """
    request = urllib.request.Request(url, data=body, method=method.upper())  # type: ignore[arg-type]
    for name, value in headers.items():
        request.add_header(name, value)
    if not any(name.lower() == "user-agent" for name in headers):
        request.add_header("User-Agent", USER_AGENT)
    try:
        response = _OPENER.open(request, timeout=timeout)
        return OpenResponse(response.status, response.headers, response.geturl(), response)
    except urllib.error.HTTPError as e:
        # the error itself, not its fp: collecting the error would close the fp under the reader
        return OpenResponse(e.code, e.headers if e.headers is not None else Message(), url, e if e.fp is not None else None)


def send(method: str, url: str, headers: Mapping[str, str], body: Optional[bytes], timeout: float) -> RawResponse:
    """Sends one request and returns the response, read whole, whatever its status.

    Raises:
        urllib.error.URLError / OSError: the server could not be reached or the connection broke.
    """
    response = open_response(method, url, headers, body, timeout)
    try:
        data = response.read_all()
    except OSError:
        if response.status < 400:
            raise
        data = b""
    return RawResponse(response.status, response.headers, data, response.url)
