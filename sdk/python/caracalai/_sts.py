"""The STS calls the SDK makes with the app's credentials: open a session, exchange it for a
resource token, end it. Blocking; thread-safe."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
from typing import Any, Mapping, Optional, Sequence

from . import _http
from .errors import CaracalError, StsError

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt"
_RATE_LIMIT_TRIES = 3
_RETRY_AFTER_CAP = 5.0


class StsClient:
    def __init__(self, base_url: str, application_id: str, secret: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        # RFC 6749 §2.3.1: id and secret are form-encoded before base64
        pair = f"{urllib.parse.quote_plus(application_id)}:{urllib.parse.quote_plus(secret)}"
        self._basic = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
        self.timeout = timeout

    def open_session(
        self,
        *,
        ttl_seconds: Optional[int],
        scopes: Sequence[str] = (),
        resources: Sequence[str] = (),
        labels: Sequence[str] = (),
        parent_session_token: Optional[str] = None,
        traceparent: Optional[str] = None,
        what: Optional[str] = None,
    ) -> Mapping[str, Any]:
        body: dict[str, Any] = {}
        if ttl_seconds is not None:
            body["ttl_seconds"] = ttl_seconds
        if scopes:
            body["scopes"] = list(scopes)
        if resources:
            body["resources"] = list(resources)
        if labels:
            body["labels"] = list(labels)
        if what is None:
            what = "cannot open a delegated session" if parent_session_token else "cannot open a session"
        if parent_session_token:
            body["parent_session_token"] = parent_session_token
        return self._call("POST", "/v1/sessions", json.dumps(body).encode("utf-8"), "application/json", what, traceparent)

    def exchange(
        self,
        session_token: str,
        resource: str,
        scopes: Sequence[str],
        *,
        ttl_seconds: Optional[int] = None,
        traceparent: Optional[str] = None,
    ) -> Mapping[str, Any]:
        form = [
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", session_token),
            ("subject_token_type", JWT_TOKEN_TYPE),
            ("resource", resource),
            ("scope", " ".join(scopes)),
        ]
        if ttl_seconds is not None:
            form.append(("ttl_seconds", str(ttl_seconds)))
        body = urllib.parse.urlencode(form).encode("ascii")
        return self._call("POST", "/oauth2/token", body, "application/x-www-form-urlencoded",
                          f"cannot get a token for `{resource}`", traceparent)

    def end_session(self, session_id: str, *, traceparent: Optional[str] = None) -> Mapping[str, Any]:
        return self._call("DELETE", "/v1/sessions/" + urllib.parse.quote(session_id, safe=""), None, None,
                          f"cannot end session `{session_id}`", traceparent)

    def _call(self, method: str, path: str, body: Optional[bytes], content_type: Optional[str], what: str,
              traceparent: Optional[str]) -> Mapping[str, Any]:
        headers = {"Authorization": self._basic, "Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        if traceparent:
            headers["traceparent"] = traceparent
        for attempt in range(_RATE_LIMIT_TRIES):
            try:
                response = _http.send(method, self.base_url + path, headers, body, self.timeout)
            except (urllib.error.URLError, OSError) as e:
                cause = getattr(e, "reason", None) or e
                raise CaracalError(f"{what}: the sts at {self.base_url} is unreachable ({cause})",
                                   reason="sts_unreachable") from None
            # a 429 means the STS did nothing, so even a POST may be sent again
            if response.status == 429 and attempt + 1 < _RATE_LIMIT_TRIES:
                time.sleep(_retry_after(response.headers.get("Retry-After")))
                continue
            break
        data = response.json_object()
        if response.status >= 400:
            raise StsError.from_body(what, response.status, data, response.headers.get("X-Caracal-Request-Id"))
        return data


def _retry_after(value: Optional[str]) -> float:
    try:
        return min(max(float(value or "1"), 0.05), _RETRY_AFTER_CAP)
    except ValueError:
        return 1.0
