"""One HTTP exchange over ``urllib``: no redirects followed (so credentials never travel to
another host), every status returned as a value rather than raised. Thread-safe."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any, Mapping, Optional

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


def send(method: str, url: str, headers: Mapping[str, str], body: Optional[bytes], timeout: float) -> RawResponse:
    """Sends one request and returns the response whatever its status.

    Raises:
        urllib.error.URLError / OSError: the server could not be reached or the connection broke.
    """
    request = urllib.request.Request(url, data=body, method=method.upper())
    for name, value in headers.items():
        request.add_header(name, value)
    if not any(name.lower() == "user-agent" for name in headers):
        request.add_header("User-Agent", USER_AGENT)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return RawResponse(response.status, response.headers, response.read(), response.geturl())
    except urllib.error.HTTPError as e:
        try:
            data = e.read()
        except OSError:
            data = b""
        finally:
            e.close()
        return RawResponse(e.code, e.headers if e.headers is not None else Message(), data or b"", url)
