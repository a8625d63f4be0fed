"""Errors raised by the SDK. Each carries Caracal's reason code and, when a server answered, the
request id that ``caracal explain <request-id>`` takes."""

from __future__ import annotations

from typing import Any, Mapping, Optional

__all__ = [
    "ApprovalDeniedError",
    "ApprovalError",
    "ApprovalExpiredError",
    "ApprovalTimeoutError",
    "CaracalError",
    "ConfigError",
    "GatewayError",
    "NoActiveSessionError",
    "SessionEndError",
    "StsError",
]


class CaracalError(Exception):
    """Base of every SDK error.

    Attributes:
        reason: Caracal's stable snake_case reason code (``session_revoked``, ``scope_escalation``,
            ``denied_by_rule`` ...), or ``None`` when there is none.
        request_id: the id of the STS or Gateway request that failed; run
            ``caracal explain <request_id>`` to see who asked for what and why it was refused.
        status: the HTTP status, when a server answered.
        error: the protocol error (``invalid_scope``, ``access_denied``, ``forbidden`` ...).
    """

    def __init__(
        self,
        message: str,
        *,
        reason: Optional[str] = None,
        request_id: Optional[str] = None,
        status: Optional[int] = None,
        error: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.request_id = request_id
        self.status = status
        self.error = error

    @property
    def explain_command(self) -> Optional[str]:
        """``caracal explain <request_id>``, or ``None`` without a request id."""
        return f"caracal explain {self.request_id}" if self.request_id else None


class ConfigError(CaracalError):
    """The runtime profile or the ``CARACAL_*`` environment cannot be used; the message names the
    file, key or variable to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="config_invalid")


class NoActiveSessionError(CaracalError):
    """A call that needs an agent session ran outside ``caracal.spawn()``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="no_active_session")


class StsError(CaracalError):
    """The STS refused or failed a request (opening a session, a token exchange, ending a session)."""

    @classmethod
    def from_body(cls, what: str, status: int, body: Mapping[str, Any], request_id: Optional[str]) -> "StsError":
        error = _text(body.get("error")) or f"http_{status}"
        reason = _text(body.get("reason"))
        description = _text(body.get("error_description")) or ""
        rid = _text(body.get("request_id")) or request_id
        return cls(_message(what, error, reason, description, rid), reason=reason, request_id=rid, status=status, error=error)


class GatewayError(CaracalError):
    """The Gateway refused a request (bad token, revoked session, policy denial, unknown resource,
    upstream failure). ``reason`` and ``request_id`` come from its JSON error body."""

    @classmethod
    def from_body(cls, status: int, body: Mapping[str, Any], request_id: Optional[str]) -> "GatewayError":
        error = _text(body.get("error")) or f"http_{status}"
        reason = _text(body.get("reason"))
        description = _text(body.get("message")) or ""
        rid = _text(body.get("request_id")) or request_id
        return cls(_message(f"gateway refused the request (http {status})", error, reason, description, rid),
                   reason=reason, request_id=rid, status=status, error=error)


class ApprovalError(CaracalError):
    """A request held for a person's approval did not go through while the transport waited
    (``wait_for_approval``). ``approval_id`` names the approval (``caracal approvals show <id>``).
    Raised as one of its subclasses, or as itself when the Gateway no longer knows the approval
    (reason ``approval_unknown``)."""

    def __init__(self, message: str, approval_id: str, *, reason: Optional[str] = None, request_id: Optional[str] = None,
                 status: Optional[int] = None, error: Optional[str] = None) -> None:
        super().__init__(message, reason=reason, request_id=request_id, status=status, error=error)
        self.approval_id = approval_id


class ApprovalDeniedError(ApprovalError):
    """An approver denied the request (reason ``approval_denied``)."""


class ApprovalExpiredError(ApprovalError):
    """The approval expired before it was used (reason ``approval_expired``); the identical request
    would open a new one."""


class ApprovalTimeoutError(ApprovalError):
    """Nobody answered within ``wait_for_approval`` seconds (reason ``approval_timeout``); the
    approval may still be approved later."""


class SessionEndError(CaracalError):
    """The agent session could not be ended when its ``spawn`` block finished, so its authority may
    outlive the block until the session expires."""


def _text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def _message(what: str, error: str, reason: Optional[str], description: str, request_id: Optional[str]) -> str:
    parts = [f"{what}: {error}"]
    if reason:
        parts.append(f"({reason})")
    if description:
        parts.append(description)
    message = " ".join(parts)
    if request_id:
        message += f" [caracal explain {request_id}]"
    return message
