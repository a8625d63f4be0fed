"""``wait_for_approval`` against a real local HTTP server playing the Gateway: a POST held for
approval (403 ``approval_required``, ``Retry-After``), ``GET /.caracal/approvals/{id}`` answering the
approval's state, and the identical request let through once approved."""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

from caracalai import (
    ApprovalDeniedError,
    ApprovalError,
    ApprovalExpiredError,
    ApprovalTimeoutError,
    Caracal,
    Profile,
)


class _Stub:
    def __init__(self) -> None:
        self.states: list[str] = ["pending"]  # what the approval endpoint answers, by poll (the last repeats)
        self.polls: list[tuple[Optional[str], float]] = []
        self.bodies: list[bytes] = []
        self.held = 0


STUB = _Stub()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _json(self, status: int, body: dict[str, Any], headers: Optional[dict[str, str]] = None) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path != "/.caracal/approvals/apr_1":
            self._json(404, {"error": "not_found", "reason": "unknown_resource", "message": "no"})
            return
        state = STUB.states[min(len(STUB.polls), len(STUB.states) - 1)]
        STUB.polls.append((self.headers.get("Authorization"), time.monotonic()))
        if state == "unknown":
            self._json(404, {"error": "not_found", "reason": "approval_unknown", "message": "no such approval", "request_id": "req_p"})
            return
        self._json(200, {"approval_id": "apr_1", "state": state, "expires_at": "2030-01-01T00:00:00Z"},
                   {"Retry-After": "1"} if state == "pending" else {})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        STUB.bodies.append(body)
        decided = STUB.states[min(max(len(STUB.polls) - 1, 0), len(STUB.states) - 1)]
        if STUB.polls and decided == "approved":
            self._json(200, {"paid": body.decode("utf-8")})
            return
        STUB.held += 1
        rid = f"req_{STUB.held}"
        self._json(403, {"error": "forbidden", "reason": "approval_required", "approval_id": "apr_1",
                         "message": "this request waits for a person's approval", "request_id": rid},
                   {"Retry-After": "1", "X-Caracal-Request-Id": rid})


SERVER: Optional[ThreadingHTTPServer] = None


def setUpModule() -> None:
    global SERVER
    SERVER = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=SERVER.serve_forever, daemon=True).start()


def tearDownModule() -> None:
    if SERVER is not None:
        SERVER.shutdown()
        SERVER.server_close()


def gateway() -> str:
    assert SERVER is not None
    return f"http://127.0.0.1:{SERVER.server_address[1]}"


class WaitForApprovalTest(unittest.TestCase):
    def setUp(self) -> None:
        STUB.states = ["pending"]
        STUB.polls = []
        STUB.bodies = []
        STUB.held = 0
        self.caracal = Caracal(Profile(sts_url="http://127.0.0.1:9", application_id="app_test", secret="s", gateway_url=gateway()))

    def pay(self, wait: Optional[float]) -> Any:
        with self.caracal.transport(wait_for_approval=wait) as client:
            return client.post(gateway() + "/payouts", json={"amount": 25000},
                               headers={"X-Caracal-Resource": "resource://payouts", "Authorization": "Bearer agent-token"})

    def test_approved_pollsWithTheRequestsToken_thenRepeatsTheIdenticalRequest(self) -> None:
        STUB.states = ["pending", "approved"]
        started = time.monotonic()
        response = self.pay(10)
        self.assertEqual(200, response.status_code)
        self.assertEqual(2, len(STUB.bodies))
        self.assertEqual(STUB.bodies[0], STUB.bodies[1], "the same body bytes, twice")
        self.assertEqual({"paid": STUB.bodies[0].decode("utf-8")}, response.json())
        self.assertEqual(2, len(STUB.polls))
        self.assertTrue(all(auth == "Bearer agent-token" for auth, _ in STUB.polls))
        self.assertGreaterEqual(STUB.polls[0][1] - started, 0.9, "the first poll waits for Retry-After")
        self.assertGreaterEqual(STUB.polls[1][1] - STUB.polls[0][1], 0.9, "polls at most once a second")

    def test_denied_raisesApprovalDeniedErrorWithTheApprovalId(self) -> None:
        STUB.states = ["denied"]
        with self.assertRaises(ApprovalDeniedError) as raised:
            self.pay(10)
        self.assertIsInstance(raised.exception, ApprovalError)
        self.assertEqual("apr_1", raised.exception.approval_id)
        self.assertEqual("approval_denied", raised.exception.reason)
        self.assertEqual(1, len(STUB.bodies), "a denied request is not sent again")

    def test_expired_raisesApprovalExpiredError(self) -> None:
        STUB.states = ["expired"]
        with self.assertRaises(ApprovalExpiredError) as raised:
            self.pay(10)
        self.assertEqual("approval_expired", raised.exception.reason)
        self.assertEqual("apr_1", raised.exception.approval_id)

    def test_unknownToTheGateway_raisesApprovalErrorApprovalUnknown(self) -> None:
        STUB.states = ["unknown"]
        with self.assertRaises(ApprovalError) as raised:
            self.pay(10)
        self.assertEqual("approval_unknown", raised.exception.reason)

    def test_noAnswerInTime_raisesApprovalTimeoutError(self) -> None:
        started = time.monotonic()
        with self.assertRaises(ApprovalTimeoutError) as raised:
            self.pay(1.5)
        self.assertEqual("apr_1", raised.exception.approval_id)
        self.assertEqual("approval_timeout", raised.exception.reason)
        self.assertIn("caracal approvals approve apr_1", raised.exception.message)
        self.assertLess(time.monotonic() - started, 4, "gave up at the deadline")

    def test_withoutTheOption_the403IsReturnedAsBefore(self) -> None:
        response = self.pay(None)
        self.assertEqual(403, response.status_code)
        self.assertEqual("approval_required", response.json()["reason"])
        self.assertEqual([], STUB.polls)

    def test_underCaracalRun_aHeldRequestPrintsTheApproveCommandOnce(self) -> None:
        err = io.StringIO()
        os.environ["CARACAL_RUN"] = "1"
        try:
            with contextlib.redirect_stderr(err), self.caracal.transport() as client:
                for _ in range(2):
                    client.post(gateway() + "/payouts", content=b"{}",
                                headers={"X-Caracal-Resource": "resource://payouts", "Authorization": "Bearer agent-token"})
        finally:
            del os.environ["CARACAL_RUN"]
        self.assertEqual("caracal: request held for approval apr_1 — approve with: caracal approvals approve apr_1\n", err.getvalue())


if __name__ == "__main__":
    unittest.main()
