"""The runtime profile: where the STS and Gateway are, which app this is, its secret, the session
lifetime and the credentials (resource, scopes, upstream prefix) the agent works with.

Resolution, first match wins:

1. ``CARACAL_CONFIG``: the TOML profile written by ``caracal setup``;
2. ``CARACAL_*`` environment variables, when ``CARACAL_STS_URL`` or ``CARACAL_APPLICATION_ID`` is
   set: ``CARACAL_STS_URL``, ``CARACAL_APPLICATION_ID``, ``CARACAL_APP_CLIENT_SECRET_FILE`` or
   ``CARACAL_APP_CLIENT_SECRET``, ``CARACAL_GATEWAY_URL``, ``CARACAL_ZONE_ID``,
   ``CARACAL_TTL_SECONDS`` and optionally one credential from ``CARACAL_RESOURCE`` +
   ``CARACAL_SCOPES``;
3. ``$XDG_CONFIG_HOME/caracal/caracal.toml`` (``~/.config/caracal/caracal.toml``).

Unknown keys, a secret file readable by group or others, and both an inline and a file secret are
errors. Profiles are immutable values, safe to share between threads.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from .errors import ConfigError

__all__ = ["Credential", "Profile", "default_env_name", "load_profile", "resolve_profile"]

DEFAULT_TTL_SECONDS = 1800
_TOP_KEYS = frozenset({"sts_url", "gateway_url", "zone_id", "application_id", "app_client_secret_file",
                       "app_client_secret", "ttl_seconds", "credentials"})
_CREDENTIAL_KEYS = frozenset({"env", "resource", "scopes", "upstream_prefix"})
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


@dataclass(frozen=True)
class Credential:
    """One resource the agent calls: the scopes to ask for, the variable ``caracal run`` puts its
    token in, and the upstream URL prefix the transport routes through the Gateway."""

    resource: str
    scopes: tuple[str, ...]
    env: str
    upstream_prefix: Optional[str] = None


@dataclass(frozen=True)
class Profile:
    """A resolved runtime profile. ``source`` says where it came from (a file path or
    ``"environment"``); the secret never appears in ``repr``."""

    sts_url: str
    application_id: str
    secret: str = field(repr=False)
    gateway_url: str = ""
    zone_id: str = ""
    ttl_seconds: int = DEFAULT_TTL_SECONDS
    credentials: tuple[Credential, ...] = ()
    source: str = "environment"

    def credential(self, resource: str) -> Optional[Credential]:
        """The credential for ``resource``, if the profile has one."""
        for c in self.credentials:
            if c.resource == resource:
                return c
        return None


def default_env_name(resource: str) -> str:
    """``resource://billing-api`` → ``CARACAL_TOKEN_BILLING_API`` (as ``caracal run`` names it)."""
    last = resource.rstrip("/")
    last = last[last.rfind("/") + 1:]
    return "CARACAL_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", last.upper())


def resolve_profile(env: Optional[Mapping[str, str]] = None) -> Profile:
    """Resolves the profile from ``env`` (default ``os.environ``) in the documented order.

    Raises:
        ConfigError: nothing is configured, or what is configured cannot be used.
    """
    env = os.environ if env is None else env
    config = env.get("CARACAL_CONFIG", "")
    if config.strip():
        return load_profile(config)
    if env.get("CARACAL_STS_URL") or env.get("CARACAL_APPLICATION_ID"):
        return _from_environment(env)
    fallback = _xdg_profile(env)
    if fallback.is_file():
        return load_profile(fallback)
    raise ConfigError(
        "no caracal configuration: set CARACAL_CONFIG to the runtime profile written by `caracal setup`, "
        "or set CARACAL_STS_URL, CARACAL_APPLICATION_ID and CARACAL_APP_CLIENT_SECRET_FILE "
        f"(or CARACAL_APP_CLIENT_SECRET), or create `{fallback}`")


def load_profile(path: "str | os.PathLike[str]") -> Profile:
    """Loads and checks one TOML profile file.

    Raises:
        ConfigError: the file is missing, not TOML, has unknown keys, lacks a required key, or its
            secret cannot be used.
    """
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"profile `{file}` does not exist (CARACAL_CONFIG should name the file `caracal setup` wrote)")
    try:
        root = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"profile `{file}` is not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"cannot read profile `{file}`: {e.strerror or e}") from None
    where = str(file)
    _check_keys(root, _TOP_KEYS, where)
    secret = _file_secret(root, file)
    raw_credentials = root.get("credentials", [])
    if not isinstance(raw_credentials, list) or not all(isinstance(c, dict) for c in raw_credentials):
        raise ConfigError(f"{where}: `credentials` must be an array of tables ([[credentials]])")
    credentials = []
    for i, c in enumerate(raw_credentials):
        at = f"{where}: credentials[{i}]"
        _check_keys(c, _CREDENTIAL_KEYS, at)
        resource = _string(c, "resource", at, required=True)
        scopes = c.get("scopes")
        if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) and s for s in scopes):
            raise ConfigError(f"{at}: `scopes` must list at least one scope")
        env_name = _string(c, "env", at) or default_env_name(resource)
        if not _ENV_NAME.fullmatch(env_name):
            raise ConfigError(f"{at}: `env` `{env_name}` must be an upper-case environment variable name")
        credentials.append(Credential(resource, tuple(scopes), env_name, _string(c, "upstream_prefix", at) or None))
    ttl = root.get("ttl_seconds", DEFAULT_TTL_SECONDS)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
        raise ConfigError(f"{where}: `ttl_seconds` must be a positive integer")
    return Profile(
        sts_url=_string(root, "sts_url", where, required=True),
        application_id=_string(root, "application_id", where, required=True),
        secret=secret,
        gateway_url=_string(root, "gateway_url", where, required=True),
        zone_id=_string(root, "zone_id", where, required=True),
        ttl_seconds=ttl,
        credentials=tuple(credentials),
        source=where,
    )


def _from_environment(env: Mapping[str, str]) -> Profile:
    missing = [name for name in ("CARACAL_STS_URL", "CARACAL_APPLICATION_ID") if not env.get(name, "").strip()]
    inline = env.get("CARACAL_APP_CLIENT_SECRET")
    secret_file = env.get("CARACAL_APP_CLIENT_SECRET_FILE")
    if inline and secret_file:
        raise ConfigError("set only one of CARACAL_APP_CLIENT_SECRET and CARACAL_APP_CLIENT_SECRET_FILE")
    if not inline and not secret_file:
        missing.append("CARACAL_APP_CLIENT_SECRET_FILE (or CARACAL_APP_CLIENT_SECRET)")
    if missing:
        raise ConfigError("incomplete caracal environment (and CARACAL_CONFIG names no profile): missing "
                          + ", ".join(missing))
    secret = inline.strip() if inline else _read_secret_file(Path(secret_file or ""), "CARACAL_APP_CLIENT_SECRET_FILE")
    if not secret:
        raise ConfigError("CARACAL_APP_CLIENT_SECRET is empty")
    ttl_text = env.get("CARACAL_TTL_SECONDS", "").strip()
    try:
        ttl = int(ttl_text) if ttl_text else DEFAULT_TTL_SECONDS
    except ValueError:
        ttl = 0
    if ttl <= 0:
        raise ConfigError(f"CARACAL_TTL_SECONDS `{ttl_text}` must be a positive integer")
    credentials: tuple[Credential, ...] = ()
    resource = env.get("CARACAL_RESOURCE", "").strip()
    if resource:
        scopes = tuple(s for s in re.split(r"[ ,]+", env.get("CARACAL_SCOPES", "")) if s)
        if not scopes:
            raise ConfigError("CARACAL_RESOURCE is set but CARACAL_SCOPES lists no scope")
        credentials = (Credential(resource, scopes, default_env_name(resource)),)
    return Profile(
        sts_url=env["CARACAL_STS_URL"].strip(),
        application_id=env["CARACAL_APPLICATION_ID"].strip(),
        secret=secret,
        gateway_url=env.get("CARACAL_GATEWAY_URL", "").strip(),
        zone_id=env.get("CARACAL_ZONE_ID", "").strip(),
        ttl_seconds=ttl,
        credentials=credentials,
        source="environment",
    )


def _xdg_profile(env: Mapping[str, str]) -> Path:
    xdg = env.get("XDG_CONFIG_HOME", "").strip()
    if not xdg:
        home = env.get("HOME", "").strip()
        xdg = str(Path(home) / ".config") if home else str(Path.home() / ".config")
    return Path(xdg) / "caracal" / "caracal.toml"


def _file_secret(root: Mapping[str, Any], file: Path) -> str:
    inline = root.get("app_client_secret")
    path = root.get("app_client_secret_file")
    if inline is not None and path is not None:
        raise ConfigError(f"{file}: set only one of `app_client_secret` and `app_client_secret_file`")
    if inline is not None:
        if not isinstance(inline, str) or not inline.strip():
            raise ConfigError(f"{file}: `app_client_secret` must be a non-empty string")
        return inline.strip()
    if path is None:
        raise ConfigError(f"{file}: missing `app_client_secret_file`")
    if not isinstance(path, str) or not path:
        raise ConfigError(f"{file}: `app_client_secret_file` must be a path")
    secret_file = Path(path)
    if not secret_file.is_absolute():
        secret_file = file.resolve().parent / secret_file
    return _read_secret_file(secret_file, str(file))


def _read_secret_file(path: Path, where: str) -> str:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{where}: secret file `{path}` does not exist") from None
    except OSError as e:
        raise ConfigError(f"{where}: cannot read secret file `{path}`: {e.strerror or e}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{where}: secret file `{path}` is not a regular file")
    if os.name == "posix" and info.st_mode & 0o077:
        raise ConfigError(f"secret file `{path}` is readable by group or others; run `chmod 600 {path}`")
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as e:
        raise ConfigError(f"{where}: cannot read secret file `{path}`: {e.strerror or e}") from None
    if not secret:
        raise ConfigError(f"secret file `{path}` is empty")
    return secret


def _check_keys(table: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key `{key}` (expected one of {', '.join(sorted(allowed))})")


def _string(table: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = table.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(f"{where}: missing `{key}`")
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"{where}: `{key}` must be a string")
    return value.strip()
