"""Agent sessions, delegation grants and the per-session cache of resource tokens."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Optional, Sequence, Union

__all__ = ["AgentSession", "Grant"]

logger = logging.getLogger("caracalai")

_MAX_REFRESH_MARGIN = 30.0
_KEPT_TOKENS = 256
# closer than this to expiry, even an event loop waits for a new token rather than send a dying one
_BACKGROUND_FLOOR = 0.25


@dataclass(frozen=True)
class Grant:
    """What a nested ``spawn`` hands its child session.

    * ``Grant.inherit()`` (the default for a nested spawn): a delegated child session that holds
      the parent's scopes and resources.
    * ``Grant.narrow(scopes, resource, ttl_seconds)``: a delegated child holding only a subset. The
      STS refuses (``invalid_scope`` / ``invalid_target``) a child that asks for anything its parent
      does not hold, so a narrowed grant can never widen.
    * ``Grant.none()``: no delegation at all: the child is a session of its own, under the app's
      policy-bounded authority, with no parent link and none of the parent's scopes. Its lifetime is
      capped at the parent's; it still shares the parent's trace.

    At the top level (no current session) ``inherit`` bounds the session to the profile's
    credentials, ``narrow`` to the given subset, and ``none`` leaves it unbounded. Under
    ``caracal run`` (``CARACAL_SESSION_TOKEN`` set) ``inherit`` and ``narrow`` also delegate the
    top-level session from the run's session; ``none`` keeps it independent.
    """

    mode: str = "inherit"
    scopes: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    ttl_seconds: Optional[int] = None

    @staticmethod
    def inherit() -> "Grant":
        return Grant("inherit")

    @staticmethod
    def none() -> "Grant":
        return Grant("none")

    @staticmethod
    def narrow(
        scopes: Union[str, Sequence[str], None] = None,
        resource: Union[str, Sequence[str], None] = None,
        ttl_seconds: Optional[int] = None,
    ) -> "Grant":
        if ttl_seconds is not None and (isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or ttl_seconds <= 0):
            raise ValueError("Grant.narrow: ttl_seconds must be a positive integer")
        return Grant("narrow", _strings(scopes), _strings(resource), ttl_seconds)


def _strings(value: Union[str, Sequence[str], None]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(s for s in re.split(r"[ ,]+", value) if s)
    return tuple(value)


@dataclass(eq=False)
class AgentSession:
    """An open agent session, bound as the current context inside ``spawn``.

    ``scopes`` and ``resources`` are what the STS granted (empty means "not bounded by the
    session"); ``depth`` is the delegation depth, ``hop`` the number of spawns from the root (sent
    as baggage). The session token never appears in ``repr``. Thread-safe.
    """

    id: str
    root_id: str
    depth: int
    hop: int
    scopes: tuple[str, ...]
    resources: tuple[str, ...]
    expires_at: Optional[datetime]
    trace_id: str
    delegated: bool
    token: str = field(repr=False)
    parent: Optional["AgentSession"] = field(default=None, repr=False)
    _deadline: float = field(default=0.0, repr=False)
    _tokens: Optional["TokenCache"] = field(default=None, repr=False)

    @property
    def seconds_left(self) -> float:
        """Seconds until the session expires (by this process's clock)."""
        return max(0.0, self._deadline - time.monotonic())

    def traceparent(self) -> str:
        """A W3C ``traceparent`` in this session's trace, with a new span id."""
        return f"00-{self.trace_id}-{secrets.token_hex(8)}-01"

    def baggage(self) -> str:
        """The W3C ``baggage`` members that carry this session: id and hop."""
        return f"caracal.session_id={self.id},caracal.hop={self.hop}"


def parse_instant(text: object) -> Optional[datetime]:
    """Parses an ISO-8601 instant as Java prints it (up to nanoseconds, ``Z``)."""
    if not isinstance(text, str):
        return None
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?", text)
    if not match:
        return None
    fraction = (match.group(2) or "0")[:6].ljust(6, "0")
    zone = match.group(3) or "Z"
    value = datetime.fromisoformat(f"{match.group(1)}.{fraction}{'+00:00' if zone == 'Z' else zone}")
    return value.astimezone(timezone.utc)


Fetch = Callable[[str, tuple[str, ...]], tuple[str, float]]


@dataclass
class _Entry:
    token: str
    refresh_at: float
    expires_at: float


class TokenCache:
    """Resource tokens of one session, keyed by (resource, scopes). A token is reused until a
    refresh margin before it expires (a fifth of its lifetime, at most 30 s); inside the margin a
    caller on an event loop gets the still-valid token while a background thread refreshes it,
    anyone else refreshes in place. One fetch per key at a time. Thread-safe."""

    def __init__(self, fetch: Fetch, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, tuple[str, ...]], _Entry] = {}
        self._key_locks: dict[tuple[str, tuple[str, ...]], threading.Lock] = {}
        self._refreshing: set[tuple[str, tuple[str, ...]]] = set()
        self._issued: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._closed = False

    def get(self, resource: str, scopes: tuple[str, ...], *, stale: Optional[str] = None) -> str:
        """A valid token for ``resource`` and ``scopes``. ``stale`` names a token the Gateway just
        refused as expired: a fresh one is fetched unless another caller already replaced it.

        Raises:
            StsError / CaracalError: the exchange failed.
        """
        key = (resource, scopes)
        with self._lock:
            entry = self._entries.get(key)
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        now = self._clock()
        if entry is not None and entry.token != stale:
            if now < entry.refresh_at:
                return entry.token
            if now < entry.expires_at - _BACKGROUND_FLOOR and self._refresh_in_background(key):
                return entry.token
        with key_lock:
            entry = self._entries.get(key)
            if entry is not None and entry.token != stale and self._clock() < entry.refresh_at:
                return entry.token
            return self._refresh(key)

    def prefetch(self, resource: str, scopes: tuple[str, ...]) -> None:
        """Obtains the token now so later ``get`` calls need not wait; failures are left for them."""
        try:
            self.get(resource, scopes)
        except Exception as e:  # noqa: BLE001 - the caller that needs the token will see it
            logger.debug("prefetching a token for %s failed: %s", resource, e)

    def key_of(self, token: str) -> Optional[tuple[str, tuple[str, ...]]]:
        """The (resource, scopes) a token of this cache was issued for."""
        with self._lock:
            return self._issued.get(token)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._entries.clear()

    def _refresh(self, key: tuple[str, tuple[str, ...]]) -> str:
        started = self._clock()
        token, lifetime = self._fetch(*key)
        lifetime = max(lifetime, 1.0)
        margin = min(_MAX_REFRESH_MARGIN, lifetime / 5)
        with self._lock:
            if not self._closed:
                self._entries[key] = _Entry(token, started + lifetime - margin, started + lifetime)
                self._issued[token] = key
                while len(self._issued) > _KEPT_TOKENS:
                    self._issued.pop(next(iter(self._issued)))
        return token

    def _refresh_in_background(self, key: tuple[str, tuple[str, ...]]) -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False  # plain threads may block; only an event loop must not
        with self._lock:
            if key in self._refreshing:
                return True
            self._refreshing.add(key)

        def run() -> None:
            try:
                with self._key_locks[key]:
                    self._refresh(key)
            except Exception as e:  # noqa: BLE001 - the next get() refreshes in place and raises
                logger.debug("background token refresh for %s failed: %s", key[0], e)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        threading.Thread(target=run, name="caracal-token-refresh", daemon=True).start()
        return True
