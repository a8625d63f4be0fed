"""An HTTP client bound to the current agent session, on the standard library.

Every request made inside ``spawn`` gets a W3C ``traceparent`` in the session's trace. Requests
to the Gateway (a URL under the Gateway with ``X-Caracal-Resource``) and requests to a URL under a
credential's ``upstream_prefix`` (rewritten to go through the Gateway) also get ``Authorization``
with a fresh token for the current session and ``baggage`` carrying the session id and hop; no
other host ever sees a token or the session id. Redirects are not followed. Idempotent requests
(GET, HEAD, OPTIONS, PUT, DELETE, TRACE) are retried on connection failures and 502/503/504, and
once with a new token when the Gateway says the token expired; nothing else is retried.

``with caracal.transport() as client`` gives a blocking ``SyncClient``; ``async with`` gives an
``AsyncClient`` whose calls run the blocking I/O in a worker thread. Both are thread-safe.

Bodies stream both ways. ``client.stream(...)`` (``with``, or ``async with`` on the asyncio client)
returns as soon as the response headers are in, and the body is read as it arrives
(``iter_bytes``/``iter_lines``, ``aiter_bytes``/``aiter_lines``). A request body given as a binary
file or an iterable of chunks is sent as it is read (chunked, unless it is a regular file) and,
as it cannot be read twice, never retried or re-sent with a new token.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.error
import urllib.parse
from types import TracebackType
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator, Mapping, Optional, Sequence, Tuple, Type, Union

from . import _body, _http
from ._body import Content, Data
from ._response import Response
from .errors import CaracalError, ConfigError, NoActiveSessionError
from .session import AgentSession

if TYPE_CHECKING:
    from .client import Caracal

__all__ = ["AsyncClient", "Response", "SyncClient", "Transport"]

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
_RETRY_STATUSES = frozenset({502, 503, 504})

Params = Union[Mapping[str, Any], Sequence[Tuple[str, Any]], None]


class Transport:
    """``with`` → ``SyncClient``, ``async with`` → ``AsyncClient``; both read the current session at
    each request, so one client serves every spawn."""

    def __init__(self, client: "Caracal", *, raise_for_status: bool = False, retries: int = 2, timeout: float = 30.0) -> None:
        self._sync = SyncClient(client, raise_for_status=raise_for_status, retries=retries, timeout=timeout)

    def __enter__(self) -> "SyncClient":
        return self._sync

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self._sync.close()

    async def __aenter__(self) -> "AsyncClient":
        return AsyncClient(self._sync)

    async def __aexit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self._sync.close()


class SyncClient:
    """A blocking HTTP client with Caracal's headers and Gateway routing (see the module doc)."""

    def __init__(self, client: "Caracal", *, raise_for_status: bool = False, retries: int = 2, timeout: float = 30.0) -> None:
        self._client = client
        self._raise = raise_for_status
        self._retries = max(0, retries)
        self._timeout = timeout

    def close(self) -> None:
        """Nothing to release (each request uses its own connection); kept for symmetry."""

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Optional[Mapping[str, str]] = None,
        params: Params = None,
        json: Any = None,
        data: Data = None,
        content: Content = None,
        timeout: Optional[float] = None,
    ) -> Response:
        """Sends one request and reads the response whole. ``json`` is sent as JSON, ``data`` as a
        form (a mapping) or raw, ``content`` raw: bytes or text, or — streamed as it is sent, and
        then never retried — a binary file or an iterable of byte chunks.

        Raises:
            NoActiveSessionError: the URL is under a credential's upstream prefix outside ``spawn``.
            StsError: no token could be obtained for the resource.
            CaracalError: the host could not be reached (after retries, for idempotent methods);
                with ``raise_for_status=True`` also any status ≥ 400 (a ``GatewayError`` when the
                Gateway refused).
        """
        return self._send(method, url, buffered=True, headers=headers, params=params, json=json, data=data, content=content,
                          timeout=timeout)

    @contextlib.contextmanager
    def stream(
        self,
        method: str,
        url: str,
        *,
        headers: Optional[Mapping[str, str]] = None,
        params: Params = None,
        json: Any = None,
        data: Data = None,
        content: Content = None,
        timeout: Optional[float] = None,
    ) -> Iterator[Response]:
        """``with client.stream("GET", url) as r:`` — the request as ``request`` sends it, the
        response with its status and headers only: read the body as it arrives with
        ``r.iter_bytes()``, ``r.iter_text()`` or ``r.iter_lines()``, or whole with ``r.read()``.
        The connection is closed when the block ends. ``timeout`` bounds each wait for data.
        Retries and token renewal happen before the block is entered, as for ``request``.

        Raises: as ``request``; reading the body may raise ``OSError`` (a broken connection, a
        read timeout).
        """
        response = self._send(method, url, buffered=False, headers=headers, params=params, json=json, data=data,
                              content=content, timeout=timeout)
        try:
            yield response
        finally:
            response.close()

    def _send(self, method: str, url: str, *, buffered: bool, headers: Optional[Mapping[str, str]] = None, params: Params = None,
              json: Any = None, data: Data = None, content: Content = None, timeout: Optional[float] = None) -> Response:
        method = method.upper()
        hdrs = dict(headers or {})
        body = _body.encode(hdrs, json, data, content)
        url = _with_params(url, params)
        route = _Route.plan(self._client, url, hdrs)
        idempotent = method in IDEMPOTENT and body.replayable  # a streamed body is sent once
        timeout = self._timeout if timeout is None else timeout
        attempt = 0
        renewed = False
        while True:
            try:
                opened = _http.open_response(method, route.url, route.headers, body.payload, timeout)
                response = Response.streamed(opened, method)
                if buffered:
                    response.read()
            except (urllib.error.URLError, OSError) as e:
                if idempotent and attempt < self._retries:
                    attempt += 1
                    time.sleep(0.2 * 2 ** (attempt - 1))
                    continue
                cause = getattr(e, "reason", None) or e
                where = "the gateway" if route.gateway_bound else "the server"
                raise CaracalError(f"{method} {route.url}: cannot reach {where} ({cause})",
                                   reason="gateway_unreachable" if route.gateway_bound else "unreachable") from None
            if idempotent and attempt < self._retries and response.status_code in _RETRY_STATUSES:
                response.close()
                attempt += 1
                time.sleep(0.2 * 2 ** (attempt - 1))
                continue
            if idempotent and not renewed and route.can_renew and response.status_code == 401:
                error = response.error  # reads the (small) refusal
                if error is not None and error.reason == "token_expired":
                    renewed = True
                    route.renew()
                    continue
            break
        if self._raise and response.status_code >= 400:
            try:
                response.raise_for_status()
            finally:
                response.close()
        return response

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> Response:
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)


class AsyncClient:
    """The asyncio face of ``SyncClient``: the same requests, run in a worker thread (which sees
    the calling task's current session)."""

    def __init__(self, sync: SyncClient) -> None:
        self._sync = sync

    async def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """``SyncClient.request`` in a worker thread; ``content`` may also be an async iterable."""
        return await asyncio.to_thread(self._sync.request, method, url, **_bridged(kwargs))

    @contextlib.asynccontextmanager
    async def stream(self, method: str, url: str, **kwargs: Any) -> AsyncIterator[Response]:
        """``async with client.stream("GET", url) as r:`` — as ``SyncClient.stream``; read the body
        with ``r.aiter_bytes()``, ``r.aiter_text()``, ``r.aiter_lines()`` or ``await r.aread()``,
        each read in a worker thread. ``content`` may also be an async iterable."""
        response = await asyncio.to_thread(self._sync._send, method, url, buffered=False, **_bridged(kwargs))
        try:
            yield response
        finally:
            await response.aclose()

    async def get(self, url: str, **kwargs: Any) -> Response:
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Any) -> Response:
        return await self.request("HEAD", url, **kwargs)

    async def options(self, url: str, **kwargs: Any) -> Response:
        return await self.request("OPTIONS", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> Response:
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Response:
        return await self.request("DELETE", url, **kwargs)


class _Route:
    """Where one request goes and with which headers; ``renew`` swaps in a new token."""

    def __init__(self, url: str, headers: dict[str, str], gateway_bound: bool,
                 session: Optional[AgentSession] = None, resource: str = "", scopes: tuple[str, ...] = ()) -> None:
        self.url = url
        self.headers = headers
        self.gateway_bound = gateway_bound
        self._session = session
        self._resource = resource
        self._scopes = scopes

    @property
    def can_renew(self) -> bool:
        return self._session is not None

    def renew(self) -> None:
        assert self._session is not None and self._session._tokens is not None
        stale = _bearer(self.headers)
        token = self._session._tokens.get(self._resource, self._scopes, stale=stale)
        _set(self.headers, "Authorization", f"Bearer {token}")

    @classmethod
    def plan(cls, client: "Caracal", url: str, headers: dict[str, str]) -> "_Route":
        session = client.current_session()
        gateway = client.profile.gateway_url.rstrip("/")
        resource = _get(headers, "X-Caracal-Resource")
        via_prefix = False
        if not (gateway and resource and _under(url, gateway)):
            credential, rest = _match_prefix(client, url)
            if credential is None:
                if session is not None and _get(headers, "traceparent") is None:
                    headers["traceparent"] = session.traceparent()
                return cls(url, headers, gateway_bound=False)
            if not gateway:
                raise ConfigError(f"`{url}` is under the upstream prefix of `{credential.resource}`, but no gateway url "
                                  "is configured (set `gateway_url` in the profile or CARACAL_GATEWAY_URL)")
            url = gateway + rest
            resource = credential.resource
            _set(headers, "X-Caracal-Resource", resource)
            via_prefix = True
        assert resource is not None
        if session is None:
            if via_prefix:
                raise NoActiveSessionError(f"`{url}` goes through the gateway to `{resource}`, which needs an agent session: "
                                           "send it inside `with caracal.spawn():` or `async with caracal.spawn():`")
            return cls(url, headers, gateway_bound=True)  # a caller's own token, passed through untouched
        presented = _bearer(headers)
        scopes: Optional[tuple[str, ...]] = None
        if presented is None:
            scopes = client._default_scopes(session, resource)
        else:
            key = _issued_key(session, presented)
            if key is not None and key[0] == resource:
                scopes = key[1]
        if _get(headers, "traceparent") is None:
            headers["traceparent"] = session.traceparent()
        _set(headers, "baggage", _merge_baggage(_get(headers, "baggage"), session))
        if scopes is None:
            return cls(url, headers, gateway_bound=True)  # a token this SDK did not issue: left as given
        route = cls(url, headers, gateway_bound=True, session=session, resource=resource, scopes=scopes)
        assert session._tokens is not None
        _set(headers, "Authorization", f"Bearer {session._tokens.get(resource, scopes)}")
        return route


def _issued_key(session: AgentSession, token: str) -> Optional[tuple[str, tuple[str, ...]]]:
    node: Optional[AgentSession] = session
    while node is not None:
        if node._tokens is not None:
            key = node._tokens.key_of(token)
            if key is not None:
                return key
        node = node.parent
    return None


def _match_prefix(client: "Caracal", url: str) -> tuple[Any, str]:
    best = None
    best_rest = ""
    for credential in client.profile.credentials:
        prefix = (credential.upstream_prefix or "").rstrip("/")
        if not prefix or not _under(url, prefix):
            continue
        if best is None or len(prefix) > len((best.upstream_prefix or "").rstrip("/")):
            best = credential
            best_rest = url[len(prefix):]
    if best is None:
        return None, ""
    if not best_rest.startswith("/"):
        best_rest = "/" + best_rest
    return best, best_rest


def _under(url: str, base: str) -> bool:
    """Whether ``url`` is ``base`` or below it (``http://h/api`` covers ``http://h/api/x`` and
    ``http://h/api?q``, not ``http://h/apix``)."""
    if not url.startswith(base):
        return False
    rest = url[len(base):]
    return rest == "" or rest[0] in "/?#"


def _get(headers: Mapping[str, str], name: str) -> Optional[str]:
    lower = name.lower()
    for key, value in headers.items():
        if key.lower() == lower:
            return value
    return None


def _set(headers: dict[str, str], name: str, value: str) -> None:
    lower = name.lower()
    for key in [k for k in headers if k.lower() == lower]:
        del headers[key]
    headers[name] = value


def _bearer(headers: Mapping[str, str]) -> Optional[str]:
    value = _get(headers, "Authorization")
    if value and value[:7].lower() == "bearer ":
        return value[7:].strip()
    return None


def _merge_baggage(existing: Optional[str], session: AgentSession) -> str:
    members = [m.strip() for m in (existing or "").split(",") if m.strip()]
    kept = [m for m in members if not m.split("=", 1)[0].strip().startswith("caracal.")]
    return ",".join(kept + [session.baggage()])


def _with_params(url: str, params: Params) -> str:
    if not params:
        return url
    query = urllib.parse.urlencode(list(params.items()) if isinstance(params, Mapping) else list(params), doseq=True)
    return url + ("&" if "?" in url else "?") + query


def _bridged(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with an async iterable ``content`` turned into chunks the worker thread pulls from
    the running loop."""
    content = kwargs.get("content")
    if content is not None and hasattr(content, "__aiter__"):
        kwargs = dict(kwargs, content=_body.from_async(content, asyncio.get_running_loop()))
    return kwargs
