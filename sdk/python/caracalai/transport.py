"""An HTTP client bound to the current agent session, on the standard library.

Every request made inside ``spawn`` gets a W3C ``traceparent`` in the session's trace. Requests
to the Gateway (a URL under the Gateway with ``X-Caracal-Resource``) and requests to a URL under a
credential's ``upstream_prefix`` (rewritten to go through the Gateway) also get ``Authorization``
with a fresh token for the current session and ``baggage`` carrying the session id and hop; no
other host ever sees a token or the session id. Redirects are not followed. Idempotent requests
(GET, HEAD, OPTIONS, PUT, DELETE, TRACE) are retried on connection failures and 502/503/504, and
once with a new token when the Gateway says the token expired; nothing else is retried, except
with ``wait_for_approval=SECONDS``: a request the Gateway holds for a person's approval (403
``approval_required``, nothing forwarded) is sent again, identical, once the approval is approved
(``GET {gateway}/.caracal/approvals/{id}`` polled as its ``Retry-After`` says, at most once a
second); ``ApprovalDeniedError``, ``ApprovalExpiredError`` or, after the timeout,
``ApprovalTimeoutError`` otherwise. Under ``caracal run`` (``CARACAL_RUN`` set) a held request
prints one line to stderr with the command that approves it.

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
import json as _json
import os
import sys
import time
import urllib.error
import urllib.parse
from types import TracebackType
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator, Mapping, Optional, Sequence, Tuple, Type, Union

from . import _body, _http
from ._body import Content, Data
from ._response import Response
from .errors import (
    ApprovalDeniedError,
    ApprovalError,
    ApprovalExpiredError,
    ApprovalTimeoutError,
    CaracalError,
    ConfigError,
    GatewayError,
    NoActiveSessionError,
)
from .session import AgentSession

if TYPE_CHECKING:
    from .client import Caracal

__all__ = ["AsyncClient", "Response", "SyncClient", "Transport"]

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
_RETRY_STATUSES = frozenset({502, 503, 504})
_MIN_POLL_SECONDS = 1.0
_DEFAULT_POLL_SECONDS = 2.0

Params = Union[Mapping[str, Any], Sequence[Tuple[str, Any]], None]


class Transport:
    """``with`` → ``SyncClient``, ``async with`` → ``AsyncClient``; both read the current session at
    each request, so one client serves every spawn."""

    def __init__(self, client: "Caracal", *, raise_for_status: bool = False, retries: int = 2, timeout: float = 30.0,
                 wait_for_approval: Optional[float] = None) -> None:
        self._sync = SyncClient(client, raise_for_status=raise_for_status, retries=retries, timeout=timeout,
                                wait_for_approval=wait_for_approval)

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

    def __init__(self, client: "Caracal", *, raise_for_status: bool = False, retries: int = 2, timeout: float = 30.0,
                 wait_for_approval: Optional[float] = None) -> None:
        if wait_for_approval is not None and wait_for_approval < 0:
            raise ValueError("wait_for_approval must not be negative")
        self._client = client
        self._raise = raise_for_status
        self._retries = max(0, retries)
        self._timeout = timeout
        self._wait = wait_for_approval
        self._announced: set[str] = set()

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
        waited = False
        deadline: Optional[float] = None
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
            if (idempotent or (waited and body.replayable)) and not renewed and route.can_renew and response.status_code == 401:
                error = response.error  # reads the (small) refusal
                if error is not None and error.reason == "token_expired":
                    renewed = True
                    route.renew()
                    continue
            held = _held(response) if response.status_code == 403 and route.gateway_bound else None
            if held is not None:
                if held.reason == "approval_required" and os.environ.get("CARACAL_RUN") and held.approval_id not in self._announced:
                    self._announced.add(held.approval_id)
                    sys.stderr.write(f"caracal: request held for approval {held.approval_id} — approve with: "
                                     f"caracal approvals approve {held.approval_id}\n")
                    sys.stderr.flush()
                if self._wait is not None and body.replayable:
                    response.close()
                    if held.reason == "approval_denied":
                        raise _denied(held.approval_id, held.request_id)
                    if deadline is None:
                        deadline = time.monotonic() + self._wait
                    _await_approval(self._client, route, held, deadline, timeout)
                    waited = True
                    renewed = False
                    attempt = 0
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


class _Held:
    """A request the Gateway holds for approval, or refuses because its approval was denied."""

    def __init__(self, reason: str, approval_id: str, request_id: Optional[str], retry_after: Optional[float]) -> None:
        self.reason = reason
        self.approval_id = approval_id
        self.request_id = request_id
        self.retry_after = retry_after


def _held(response: Response) -> Optional[_Held]:
    """Reads the (small) 403 refusal; ``None`` unless it holds the request for approval."""
    try:
        body = _json.loads(response.read().decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError, OSError):
        return None
    if not isinstance(body, dict) or body.get("reason") not in ("approval_required", "approval_denied"):
        return None
    approval_id = body.get("approval_id")
    if not isinstance(approval_id, str) or not approval_id:
        return None
    request_id = body.get("request_id")
    return _Held(body["reason"], approval_id, request_id if isinstance(request_id, str) else None,
                 _retry_after(response.headers.get("Retry-After")))


def _retry_after(value: Optional[str]) -> Optional[float]:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def _poll_delay(retry_after: Optional[float]) -> float:
    return max(_MIN_POLL_SECONDS, _DEFAULT_POLL_SECONDS if retry_after is None else retry_after)


def _denied(approval_id: str, request_id: Optional[str]) -> ApprovalDeniedError:
    return ApprovalDeniedError(f"an approver denied the request (approval {approval_id})", approval_id, reason="approval_denied",
                               request_id=request_id, status=403, error="forbidden")


def _await_approval(client: "Caracal", route: "_Route", held: _Held, deadline: float, timeout: float) -> None:
    """Polls the approval until it is approved (returns), denied, expired, unknown or the deadline
    passes (raises); renews the token once when the Gateway says it expired. A connection failure,
    a 429 or a 5xx is asked again later."""
    approval_id = held.approval_id
    url = f"{client.profile.gateway_url.rstrip('/')}/.caracal/approvals/{urllib.parse.quote(approval_id, safe='')}"
    delay = _poll_delay(held.retry_after)
    renewed = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ApprovalTimeoutError(f"approval {approval_id} was not answered in time; approve with: "
                                       f"caracal approvals approve {approval_id}", approval_id, reason="approval_timeout",
                                       request_id=held.request_id)
        time.sleep(min(delay, left))
        headers = {name: value for name in ("Authorization", "traceparent") if (value := _get(route.headers, name)) is not None}
        try:
            answer = _http.send("GET", url, headers, None, timeout)
        except (urllib.error.URLError, OSError):
            delay = _DEFAULT_POLL_SECONDS
            continue
        body = answer.json_object()
        if answer.status == 200:
            renewed = False
            state = body.get("state")
            if state in ("approved", "used"):  # used: an identical request took it; this one is held anew
                return
            if state == "denied":
                raise _denied(approval_id, held.request_id)
            if state == "expired":
                raise ApprovalExpiredError(f"approval {approval_id} expired before it was used", approval_id,
                                           reason="approval_expired", request_id=held.request_id)
            delay = _poll_delay(_retry_after(answer.headers.get("Retry-After")))
            continue
        if answer.status == 401 and route.can_renew and not renewed and body.get("reason") == "token_expired":
            renewed = True
            route.renew()
            delay = 0
            continue
        if answer.status == 429 or answer.status >= 500:
            delay = _poll_delay(_retry_after(answer.headers.get("Retry-After")))
            continue
        request_id = answer.headers.get("X-Caracal-Request-Id")
        if body.get("reason") == "approval_unknown":
            raise ApprovalError(f"the gateway does not know approval {approval_id} for this token", approval_id,
                                reason="approval_unknown", request_id=request_id, status=404, error="not_found")
        if "reason" in body and "error" in body:
            raise GatewayError.from_body(answer.status, body, request_id)
        raise CaracalError(f"asking about approval {approval_id} failed with http {answer.status}", status=answer.status)


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
