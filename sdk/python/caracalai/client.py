"""The SDK entry point: ``Caracal()``, ``spawn``, ``gateway_request`` and ``transport``."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Iterable, Mapping, Optional, Sequence, Type, Union

from ._sts import StsClient
from .errors import CaracalError, ConfigError, NoActiveSessionError, SessionEndError
from .profile import Profile, load_profile, resolve_profile
from .session import AgentSession, Grant, TokenCache, parse_instant

if TYPE_CHECKING:
    from .transport import Transport

__all__ = ["Caracal", "GatewayRequest", "Spawn"]

logger = logging.getLogger("caracalai")

# set by `caracal run` for its child: the token of the agent session the run opened
RUN_SESSION_TOKEN_ENV = "CARACAL_SESSION_TOKEN"


@dataclass(frozen=True)
class GatewayRequest:
    """Where and how to call a resource through the Gateway: ``url`` and ``headers``
    (``X-Caracal-Resource``, ``Authorization`` with a token for that resource, ``traceparent`` and
    ``baggage``). ``headers`` is a fresh dict the caller may extend; the token is not in ``repr``."""

    url: str
    headers: dict[str, str] = field(repr=False)
    resource_id: str
    path: str


class Caracal:
    """A Caracal client for one application.

    ``Caracal()`` resolves the runtime profile (``CARACAL_CONFIG``, then ``CARACAL_*`` variables,
    then ``$XDG_CONFIG_HOME/caracal/caracal.toml``); pass ``config`` (a path or a ``Profile``) to
    choose one, or ``env`` to resolve from another mapping than ``os.environ``. One client serves
    any number of threads and tasks; the current session is tracked per thread / task through
    ``contextvars``.

    Args:
        config: a profile file path or a ``Profile``; overrides resolution.
        env: the environment to resolve from (default ``os.environ``).
        token_ttl_seconds: lifetime to ask for resource tokens (the STS caps it at 15 minutes and
            at the session's end); default: the STS's maximum.
        timeout: seconds to wait for the STS on each call.

    Raises:
        ConfigError: no usable configuration; the message names the file, key or variable.
    """

    def __init__(
        self,
        config: Union[str, "os.PathLike[str]", Profile, None] = None,
        *,
        env: Optional[Mapping[str, str]] = None,
        token_ttl_seconds: Optional[int] = None,
        timeout: float = 30.0,
    ) -> None:
        if isinstance(config, Profile):
            self.profile = config
        elif config is not None:
            self.profile = load_profile(config)
        else:
            self.profile = resolve_profile(env)
        if token_ttl_seconds is not None and token_ttl_seconds <= 0:
            raise ValueError("token_ttl_seconds must be positive")
        self.token_ttl_seconds = token_ttl_seconds
        self.timeout = timeout
        self._sts = StsClient(self.profile.sts_url, self.profile.application_id, self.profile.secret, timeout)
        self._current: contextvars.ContextVar[Optional[AgentSession]] = contextvars.ContextVar(
            f"caracal_session_{id(self)}", default=None)

    def __repr__(self) -> str:
        return f"Caracal(application_id={self.profile.application_id!r}, source={self.profile.source!r})"

    # -- sessions ------------------------------------------------------------------------------

    def spawn(
        self,
        grant: Optional[Grant] = None,
        *,
        ttl_seconds: Optional[int] = None,
        scopes: Optional[Sequence[str]] = None,
        resources: Optional[Sequence[str]] = None,
        labels: Optional[Sequence[str]] = None,
    ) -> "Spawn":
        """Opens an agent session for a ``with`` / ``async with`` block, binds it as the current
        session, and ends it (revoking its tokens) when the block returns or raises.

        Inside another spawn it opens a child: delegated from the current session with ``grant``
        (``Grant.inherit()`` by default, or ``Grant.narrow(...)``), or independent with
        ``Grant.none()``. ``scopes``/``resources`` bound the session explicitly; ``ttl_seconds``
        sets its lifetime (default: the profile's ``ttl_seconds`` at the top level).

        Under ``caracal run`` (``CARACAL_SESSION_TOKEN`` set and non-empty when the block is
        entered) a top-level spawn is delegated from the run's session in the same way, so ending
        that session ends this one too; ``Grant.none()`` opts out with an independent session.
        """
        return Spawn(self, grant, ttl_seconds, scopes, resources, labels)

    def current_session(self) -> Optional[AgentSession]:
        """The session bound to the calling thread or task, if any."""
        return self._current.get()

    def gateway_request(self, resource_id: str, path: str = "/", *, scopes: Optional[Sequence[str]] = None) -> GatewayRequest:
        """The Gateway URL and headers to call ``path`` on ``resource_id`` in the current session.

        The token is exchanged for the current session, cached, and refreshed before it expires.
        ``scopes`` defaults to the profile credential's scopes for that resource (kept within the
        session's scopes), or to the session's scopes.

        Raises:
            NoActiveSessionError: called outside ``spawn``.
            ConfigError: no Gateway URL is configured or no scopes are known for the resource.
            StsError: the STS refused the token (its ``reason`` and ``request_id`` say why).
        """
        session = self._require_session("gateway_request")
        token = self.token(resource_id, scopes=scopes)
        if not path.startswith("/"):
            path = "/" + path
        headers = {
            "X-Caracal-Resource": resource_id,
            "Authorization": f"Bearer {token}",
            "traceparent": session.traceparent(),
            "baggage": session.baggage(),
        }
        return GatewayRequest(self.gateway_url() + path, headers, resource_id, path)

    async def gateway_request_async(self, resource_id: str, path: str = "/", *,
                                    scopes: Optional[Sequence[str]] = None) -> GatewayRequest:
        """``gateway_request`` for asyncio code that must never block its event loop: a token not
        yet at hand is obtained in a worker thread. (``async with spawn()`` already obtains the
        profile's tokens up front, so plain ``gateway_request`` rarely waits.)"""
        return await asyncio.to_thread(self.gateway_request, resource_id, path, scopes=scopes)

    def token(self, resource_id: str, *, scopes: Optional[Sequence[str]] = None) -> str:
        """An access token for ``resource_id`` in the current session (cached, refreshed before it
        expires), for callers that build their own requests. Raises like ``gateway_request``."""
        session = self._require_session("token")
        wanted = tuple(scopes) if scopes else self._default_scopes(session, resource_id)
        return self._cache(session).get(resource_id, wanted)

    def transport(self, *, raise_for_status: bool = False, retries: int = 2, timeout: Optional[float] = None,
                  wait_for_approval: Optional[float] = None) -> "Transport":
        """An HTTP client for the current session: ``with caracal.transport() as client`` gives a
        blocking client, ``async with`` an asyncio one. ``wait_for_approval`` (seconds) waits for a
        person's approval of a request the Gateway holds, then sends it again. See
        ``caracalai.transport``."""
        from .transport import Transport

        return Transport(self, raise_for_status=raise_for_status, retries=retries,
                         timeout=self.timeout if timeout is None else timeout, wait_for_approval=wait_for_approval)

    def gateway_url(self) -> str:
        """The Gateway's base URL (no trailing slash).

        Raises:
            ConfigError: the profile or environment names no Gateway.
        """
        if not self.profile.gateway_url:
            raise ConfigError("no gateway url: set `gateway_url` in the runtime profile or CARACAL_GATEWAY_URL")
        return self.profile.gateway_url.rstrip("/")

    # -- internals shared with Spawn and the transport ---------------------------------------

    def _require_session(self, what: str) -> AgentSession:
        session = self._current.get()
        if session is None:
            raise NoActiveSessionError(
                f"{what} needs an agent session: call it inside `with caracal.spawn():` or `async with caracal.spawn():`")
        return session

    def _default_scopes(self, session: AgentSession, resource_id: str) -> tuple[str, ...]:
        credential = self.profile.credential(resource_id)
        if credential is not None:
            if session.scopes:
                kept = tuple(s for s in credential.scopes if s in session.scopes)
                return kept or session.scopes
            return credential.scopes
        if session.scopes:
            return session.scopes
        raise ConfigError(f"no scopes known for `{resource_id}`: add a [[credentials]] entry for it to the profile "
                          "(`caracal setup` writes one), spawn with scopes, or pass scopes=")

    def _cache(self, session: AgentSession) -> TokenCache:
        assert session._tokens is not None
        return session._tokens

    def _new_cache(self, session_token: str, trace_id: str) -> TokenCache:
        def fetch(resource: str, scopes: tuple[str, ...]) -> tuple[str, float]:
            traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
            body = self._sts.exchange(session_token, resource, scopes, ttl_seconds=self.token_ttl_seconds,
                                      traceparent=traceparent)
            token = body.get("access_token")
            if not isinstance(token, str) or not token:
                raise CaracalError(f"cannot get a token for `{resource}`: the sts answered without an access_token",
                                   reason="sts_bad_response")
            expires_in = body.get("expires_in")
            return token, float(expires_in) if isinstance(expires_in, (int, float)) else 60.0

        return TokenCache(fetch)


class Spawn:
    """One ``spawn`` block: usable once, with ``with`` or ``async with``. Entering opens the session
    (and, with ``async with``, obtains the profile's tokens up front so ``gateway_request`` need not
    wait); leaving ends it. If the block raised, a failure to end the session is logged and the
    block's exception propagates; otherwise it raises ``SessionEndError``."""

    def __init__(self, client: Caracal, grant: Optional[Grant], ttl_seconds: Optional[int],
                 scopes: Optional[Sequence[str]], resources: Optional[Sequence[str]],
                 labels: Optional[Sequence[str]]) -> None:
        self._client = client
        self._grant = grant
        self._ttl = ttl_seconds
        self._scopes = tuple(scopes) if scopes else ()
        self._resources = tuple(resources) if resources else ()
        self._labels = tuple(labels) if labels else ()
        self._session: Optional[AgentSession] = None
        self._binding: Optional[contextvars.Token[Optional[AgentSession]]] = None
        self._used = False

    # -- sync --------------------------------------------------------------------------------

    def __enter__(self) -> AgentSession:
        parent = self._claim()
        session = self._open(parent)
        self._bind(session)
        return session

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self._unbind()
        self._end(failed=exc is not None)

    # -- async -------------------------------------------------------------------------------

    async def __aenter__(self) -> AgentSession:
        parent = self._claim()
        opening = asyncio.ensure_future(asyncio.to_thread(self._open, parent))
        try:
            session = await asyncio.shield(opening)
        except asyncio.CancelledError:
            # the STS may still answer: end that session as soon as it is open
            opening.add_done_callback(self._end_orphan)
            raise
        self._bind(session)
        try:
            keys = self._prefetch_keys(session)
            if keys:
                cache = self._client._cache(session)
                await asyncio.gather(*(asyncio.to_thread(cache.prefetch, r, s) for r, s in keys))
        except BaseException:  # cancelled while obtaining tokens: the block never runs, end the session now
            await self.__aexit__(None, None, None)
            raise
        return session

    async def __aexit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                        tb: Optional[TracebackType]) -> None:
        self._unbind()
        ending = asyncio.ensure_future(asyncio.to_thread(self._end, exc is not None))
        try:
            # shielded: a cancelled task still ends its session
            await asyncio.shield(ending)
        except asyncio.CancelledError:
            ending.add_done_callback(lambda f: f.cancelled() or f.exception())
            raise

    # -- steps -------------------------------------------------------------------------------

    def _end_orphan(self, opening: "asyncio.Future[AgentSession]") -> None:
        if not opening.cancelled() and opening.exception() is None:
            threading.Thread(target=self._end, args=(True,), name="caracal-session-end", daemon=True).start()

    def _claim(self) -> Optional[AgentSession]:
        if self._used:
            raise RuntimeError("a spawn() block can be entered only once; call caracal.spawn() again")
        self._used = True
        return self._client.current_session()

    def _open(self, parent: Optional[AgentSession]) -> AgentSession:
        client = self._client
        profile = client.profile
        grant = self._grant
        scopes, resources, ttl = self._scopes, self._resources, self._ttl
        if grant is not None and grant.mode == "narrow":
            scopes = grant.scopes or scopes
            resources = grant.resources or resources
            ttl = grant.ttl_seconds or ttl
        wants_delegation = grant is None or grant.mode != "none"
        # under `caracal run` a top-level session is delegated from the run's session, so ending
        # that session (which ends its descendants) ends this one too; Grant.none() opts out
        run_token = None
        if parent is None and wants_delegation:
            run_token = os.environ.get(RUN_SESSION_TOKEN_ENV, "").strip() or None
        delegate = wants_delegation and (parent is not None or run_token is not None)
        if parent is None:
            if grant is None or grant.mode != "none":
                # a top-level session holds no more than the profile's credentials
                scopes = scopes or _union(c.scopes for c in profile.credentials)
                resources = resources or tuple(dict.fromkeys(c.resource for c in profile.credentials))
            ttl = ttl or profile.ttl_seconds
        elif not delegate:
            remaining = int(parent.seconds_left)
            if remaining <= 0:
                raise CaracalError(f"cannot spawn: the parent session `{parent.id}` has expired", reason="session_expired")
            ttl = min(ttl or profile.ttl_seconds, remaining)
        trace_id = parent.trace_id if parent is not None else secrets.token_hex(16)
        body = client._sts.open_session(
            ttl_seconds=ttl, scopes=scopes, resources=resources, labels=self._labels,
            parent_session_token=(parent.token if parent is not None else run_token) if delegate else None,
            traceparent=f"00-{trace_id}-{secrets.token_hex(8)}-01",
            what=(f"cannot open a session delegated from the `caracal run` session (${RUN_SESSION_TOKEN_ENV})"
                  if run_token is not None else None))
        session_id = body.get("session_id")
        token = body.get("session_token")
        if not isinstance(session_id, str) or not isinstance(token, str):
            raise CaracalError("cannot open a session: the sts answered without a session id and token",
                               reason="sts_bad_response")
        expires_in = body.get("expires_in")
        deadline = time.monotonic() + (float(expires_in) if isinstance(expires_in, (int, float)) else float(ttl or 0))
        session = AgentSession(
            id=session_id,
            root_id=str(body.get("root_session_id") or session_id),
            depth=int(body.get("depth") or 0),
            hop=parent.hop + 1 if parent is not None else 0,
            scopes=tuple(body.get("scopes") or ()),
            resources=tuple(body.get("resources") or ()),
            expires_at=parse_instant(body.get("expires_at")),
            trace_id=trace_id,
            delegated=delegate,
            token=token,
            parent=parent,
            _deadline=deadline,
        )
        session._tokens = client._new_cache(token, trace_id)
        self._session = session
        logger.debug("opened session %s (depth %d, hop %d)", session.id, session.depth, session.hop)
        return session

    def _prefetch_keys(self, session: AgentSession) -> list[tuple[str, tuple[str, ...]]]:
        keys = []
        for credential in self._client.profile.credentials:
            if session.resources and credential.resource not in session.resources:
                continue
            scopes = credential.scopes
            if session.scopes:
                scopes = tuple(s for s in scopes if s in session.scopes)
            if scopes:
                keys.append((credential.resource, scopes))
        return keys

    def _bind(self, session: AgentSession) -> None:
        self._binding = self._client._current.set(session)

    def _unbind(self) -> None:
        if self._binding is not None:
            try:
                self._client._current.reset(self._binding)
            except ValueError:  # left in another context than entered: restore the parent by hand
                parent = self._session.parent if self._session is not None else None
                self._client._current.set(parent)
            self._binding = None

    def _end(self, failed: bool) -> None:
        session = self._session
        if session is None:
            return
        self._session = None
        if session._tokens is not None:
            session._tokens.close()
        try:
            self._client._sts.end_session(session.id, traceparent=session.traceparent())
            logger.debug("ended session %s", session.id)
        except CaracalError as e:
            if e.status == 404:
                return  # already gone (ended with an ancestor, or expired and swept)
            if failed:
                logger.warning("could not end session %s after the block failed: %s", session.id, e)
                return
            raise SessionEndError(f"could not end session `{session.id}`; its authority lasts until it expires: {e}",
                                  reason=e.reason, request_id=e.request_id, status=e.status, error=e.error) from e


def _union(groups: Iterable[Sequence[str]]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for group in groups:
        for item in group:
            out[item] = None
    return tuple(out)
