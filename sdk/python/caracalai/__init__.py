"""Caracal SDK for Python: agent sessions, scoped resource tokens and Gateway-routed HTTP.

    from caracalai import Caracal

    caracal = Caracal()                      # the runtime profile from `caracal setup`
    async with caracal.spawn():              # an agent session, ended when the block ends
        request = caracal.gateway_request("resource://billing-api", "/charge")
        async with caracal.transport() as client:
            response = await client.post(request.url, headers=request.headers, json={"amount": 1200})

Standard library only; Python 3.10+ (3.10 reads the profile with a bundled TOML reader).
"""

from .client import Caracal, GatewayRequest, Spawn
from .errors import (
    ApprovalDeniedError,
    ApprovalError,
    ApprovalExpiredError,
    ApprovalTimeoutError,
    CaracalError,
    ConfigError,
    GatewayError,
    NoActiveSessionError,
    SessionEndError,
    StsError,
)
from .profile import Credential, Profile, default_env_name, load_profile, resolve_profile
from .session import AgentSession, Grant
from .transport import AsyncClient, Response, SyncClient, Transport

__version__ = "0.1.0"

__all__ = [
    "AgentSession",
    "ApprovalDeniedError",
    "ApprovalError",
    "ApprovalExpiredError",
    "ApprovalTimeoutError",
    "AsyncClient",
    "Caracal",
    "CaracalError",
    "ConfigError",
    "Credential",
    "GatewayError",
    "GatewayRequest",
    "Grant",
    "NoActiveSessionError",
    "Profile",
    "Response",
    "SessionEndError",
    "Spawn",
    "StsError",
    "SyncClient",
    "Transport",
    "default_env_name",
    "load_profile",
    "resolve_profile",
]
