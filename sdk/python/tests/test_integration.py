"""The SDK against a real Caracal server (the built jar) and a real upstream; see harness.py."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path
from typing import Any, Optional

from caracalai import (
    Caracal,
    CaracalError,
    GatewayError,
    Grant,
    NoActiveSessionError,
    StsError,
)

from .harness import (REPO, SDK_PYTHON, Stack, app_call, clear_run_session, raw_get, restore_environment,
                      run_session_environment)

STACK: Optional[Stack] = None
SAVED_ENVIRONMENT: dict[str, Optional[str]] = {}
MAIN = ""  # profile path: zone sdk-py, resource://echo (read, write), upstream <upstream>/api
DENY = ""  # profile path: zone sdk-py-deny, resource://ledger (read, write, admin) under a deny policy
ECHO = "resource://echo"
LEDGER = "resource://ledger"

DENY_POLICY = """apiVersion: caracal.run/v1
kind: Policy
metadata: {name: sdk-deny, description: The SDK tests' zone never grants admin and never deletes}
spec:
  resources: ["resource://ledger"]
  rules:
    - name: agents-read-and-write
      effect: allow
      scopes: ["read", "write", "admin"]
      when: "true"
    - name: never-admin
      effect: deny
      scopes: ["admin"]
      when: "true"
      reason: admin is never granted to agents
    - name: no-deletes
      effect: deny
      scopes: ["*"]
      when: "request.method == 'DELETE'"
      reason: agents may not delete
---
apiVersion: caracal.run/v1
kind: PolicySet
metadata: {name: sdk-deny}
spec: {policies: [sdk-deny]}
"""


def setUpModule() -> None:
    global STACK, MAIN, DENY, SAVED_ENVIRONMENT
    SAVED_ENVIRONMENT = clear_run_session()  # only the `caracal run` tests set it, per test
    STACK = Stack.start()
    try:
        MAIN = str(STACK.setup("sdk-py", "agent", ECHO, "read,write", STACK.upstream.url + "/api"))
        DENY = str(STACK.setup("sdk-py-deny", "denied-agent", LEDGER, "read,write,admin", STACK.upstream.url + "/ledger"))
        zone = Caracal(DENY).profile.zone_id
        STACK.admin("POST", f"/admin/v1/zones/{zone}/policies",
                    {"files": [{"name": "sdk-deny.yaml", "content": DENY_POLICY}]})
        STACK.admin("POST", f"/admin/v1/zones/{zone}/activate", {"policy_set": "sdk-deny"})
    except BaseException:
        STACK.stop()
        raise


def tearDownModule() -> None:
    if STACK is not None:
        STACK.stop()
    restore_environment(SAVED_ENVIRONMENT)


def stack() -> Stack:
    assert STACK is not None
    return STACK


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


class ProfileFromSetupTest(unittest.TestCase):
    """The profile `caracal setup` wrote drives the client, and the documented order holds."""

    def test_constructor_loads_profile_written_by_setup(self) -> None:
        client = Caracal(env={"CARACAL_CONFIG": MAIN})
        self.assertEqual(client.profile.sts_url, stack().sts_url)
        self.assertEqual(client.profile.gateway_url, stack().gateway_url)
        self.assertTrue(client.profile.application_id.startswith("app_"))
        credential = client.profile.credential(ECHO)
        assert credential is not None
        self.assertEqual(credential.scopes, ("read", "write"))
        self.assertEqual(credential.upstream_prefix, stack().upstream.url + "/api")

    def test_environment_variables_reach_the_server(self) -> None:
        profile = Caracal(MAIN).profile
        env = {
            "CARACAL_STS_URL": profile.sts_url,
            "CARACAL_GATEWAY_URL": profile.gateway_url,
            "CARACAL_APPLICATION_ID": profile.application_id,
            "CARACAL_APP_CLIENT_SECRET_FILE": str(Path(MAIN).parent / "agent.secret"),
            "CARACAL_ZONE_ID": profile.zone_id,
            "CARACAL_TTL_SECONDS": "120",
            "CARACAL_RESOURCE": ECHO,
            "CARACAL_SCOPES": "read",
        }
        client = Caracal(env=env)
        self.assertEqual(client.profile.source, "environment")
        with client.spawn() as session:
            self.assertEqual(session.scopes, ("read",))
            self.assertLessEqual(session.seconds_left, 120)
            request = client.gateway_request(ECHO, "/env")
            with client.transport() as http:
                self.assertEqual(http.get(request.url, headers=request.headers).status_code, 200)

    def test_config_wins_over_environment(self) -> None:
        client = Caracal(env={"CARACAL_CONFIG": MAIN, "CARACAL_STS_URL": "http://127.0.0.1:9",
                              "CARACAL_APPLICATION_ID": "app_wrong", "CARACAL_APP_CLIENT_SECRET": "wrong"})
        with client.spawn() as session:
            self.assertTrue(session.id.startswith("ses_"))

    def test_xdg_profile_is_the_last_resort(self) -> None:
        xdg = Path(tempfile.mkdtemp(prefix="caracal-xdg-"))
        try:
            (xdg / "caracal").mkdir()
            shutil.copyfile(MAIN, xdg / "caracal" / "caracal.toml")
            client = Caracal(env={"XDG_CONFIG_HOME": str(xdg)})
            self.assertEqual(client.profile.source, str(xdg / "caracal" / "caracal.toml"))
            with client.spawn():
                self.assertEqual(client.gateway_request(ECHO, "/").resource_id, ECHO)
        finally:
            shutil.rmtree(xdg, ignore_errors=True)

    def test_wrong_secret_surfaces_sts_reason(self) -> None:
        profile = Caracal(MAIN).profile
        client = Caracal(env={"CARACAL_STS_URL": profile.sts_url, "CARACAL_APPLICATION_ID": profile.application_id,
                              "CARACAL_APP_CLIENT_SECRET": "not-the-secret"})
        with self.assertRaises(StsError) as caught:
            with client.spawn():
                self.fail("a session opened with a wrong secret")
        self.assertEqual((caught.exception.status, caught.exception.error, caught.exception.reason),
                         (401, "invalid_client", "client_auth_failed"))
        self.assertTrue(caught.exception.request_id)


class SpawnTest(unittest.TestCase):
    def setUp(self) -> None:
        self.caracal = Caracal(MAIN)

    def test_async_spawn_calls_resource_through_gateway(self) -> None:
        caracal = self.caracal

        async def main() -> tuple[Any, Any]:
            async with caracal.spawn() as session:
                self.assertIs(caracal.current_session(), session)
                request = caracal.gateway_request(ECHO, "/charge")
                self.assertEqual(request.url, stack().gateway_url + "/charge")
                self.assertEqual(request.headers["X-Caracal-Resource"], ECHO)
                async with caracal.transport() as client:
                    response = await client.post(request.url, headers=request.headers, json={"amount": 1200})
                return session, response

        session, response = asyncio.run(main())
        self.assertIsNone(caracal.current_session())
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.request_id and response.request_id.startswith("req_"))
        seen = response.json()
        self.assertEqual((seen["method"], seen["path"]), ("POST", "/api/charge"))
        self.assertEqual(json.loads(seen["body"]), {"amount": 1200})
        self.assertEqual(seen["headers"]["content-type"], "application/json")
        self.assertNotIn("authorization", seen["headers"])  # the Gateway never forwards the agent's token
        self.assertIn(f"-{session.trace_id}-", "-" + seen["headers"]["traceparent"].split("-", 1)[1])
        self.assertIn(f"caracal.session_id={session.id}", seen["headers"]["baggage"])
        self.assertIn("caracal.hop=0", seen["headers"]["baggage"])

    def test_top_level_session_is_bounded_by_the_profile(self) -> None:
        with self.caracal.spawn() as session:
            self.assertEqual((session.depth, session.hop, session.delegated), (0, 0, False))
            self.assertEqual(set(session.scopes), {"read", "write"})
            self.assertEqual(session.resources, (ECHO,))
            token = bearer(self.caracal.gateway_request(ECHO, "/").headers)
            self.assertEqual(claims(token)["scope"], "read write")
            self.assertEqual(claims(token)["sid"], session.id)
            self.assertEqual(claims(token)["aud"], ECHO)

    def test_tokens_are_cached_per_session(self) -> None:
        with self.caracal.spawn():
            first = bearer(self.caracal.gateway_request(ECHO, "/a").headers)
            second = bearer(self.caracal.gateway_request(ECHO, "/b").headers)
            self.assertEqual(first, second)
            other = bearer(self.caracal.gateway_request(ECHO, "/c", scopes=["read"]).headers)
            self.assertNotEqual(first, other)
            self.assertEqual(claims(other)["scope"], "read")
            self.assertEqual(self.caracal.token(ECHO, scopes=["read"]), other)

    def test_gateway_request_async_obtains_tokens_off_the_loop(self) -> None:
        caracal = self.caracal

        async def main() -> str:
            async with caracal.spawn():
                # a write-only token is not among those obtained up front (read + write)
                request = await caracal.gateway_request_async(ECHO, "/async", scopes=["write"])
                return bearer(request.headers)

        self.assertEqual(claims(asyncio.run(main()))["scope"], "write")

    def test_teardown_revokes_the_session(self) -> None:
        with self.caracal.spawn() as session:
            request = self.caracal.gateway_request(ECHO, "/before")
            status, _, _ = raw_get(request.url, request.headers)
            self.assertEqual(status, 200)
        status, headers, body = raw_get(request.url, request.headers)
        self.assertEqual(status, 401)
        self.assertEqual(body["reason"], "session_revoked")
        self.assertEqual(body["request_id"], headers["x-caracal-request-id"])
        # the transport outside a session passes the stale token through and explains the refusal
        with self.caracal.transport() as client:
            response = client.get(request.url, headers=request.headers)
        error = response.error
        self.assertIsInstance(error, GatewayError)
        assert error is not None
        self.assertEqual((error.status, error.reason, error.request_id), (401, "session_revoked", response.request_id))
        self.assertIn(f"caracal explain {response.request_id}", str(error))
        self.assertFalse(session.id in str(error))

    def test_teardown_revokes_when_the_block_raises(self) -> None:
        class Boom(Exception):
            pass

        caracal = self.caracal
        captured: dict[str, Any] = {}

        async def main() -> None:
            async with caracal.spawn():
                captured["request"] = caracal.gateway_request(ECHO, "/x")
                raise Boom()

        with self.assertRaises(Boom):
            asyncio.run(main())
        status, _, body = raw_get(captured["request"].url, captured["request"].headers)
        self.assertEqual((status, body["reason"]), (401, "session_revoked"))

    def test_gateway_request_outside_spawn_is_refused(self) -> None:
        with self.assertRaises(NoActiveSessionError) as caught:
            self.caracal.gateway_request(ECHO, "/")
        self.assertIn("caracal.spawn()", str(caught.exception))

    def test_nested_inherit_delegates_and_ends_only_the_child(self) -> None:
        with self.caracal.spawn() as parent:
            with self.caracal.spawn() as child:
                self.assertIs(self.caracal.current_session(), child)
                self.assertEqual((child.depth, child.hop, child.delegated), (1, 1, True))
                self.assertEqual(child.root_id, parent.id)
                self.assertEqual(child.trace_id, parent.trace_id)
                self.assertEqual(set(child.scopes), {"read", "write"})
                request = self.caracal.gateway_request(ECHO, "/child")
                token = claims(bearer(request.headers))
                self.assertEqual(token["sid"], child.id)
                self.assertIn("act", token)  # the delegation chain is in the token
                with self.caracal.transport() as client:
                    seen = client.get(request.url, headers=request.headers).json()
                self.assertIn("caracal.hop=1", seen["headers"]["baggage"])
            self.assertIs(self.caracal.current_session(), parent)
            status, _, body = raw_get(request.url, request.headers)
            self.assertEqual((status, body.get("reason")), (401, "session_revoked"))
            again = self.caracal.gateway_request(ECHO, "/parent")
            self.assertEqual(raw_get(again.url, again.headers)[0], 200)

    def test_nested_narrow_holds_only_the_subset(self) -> None:
        with self.caracal.spawn():
            with self.caracal.spawn(Grant.narrow(["read"], resource=ECHO, ttl_seconds=60)) as child:
                self.assertEqual((child.scopes, child.resources), (("read",), (ECHO,)))
                self.assertLessEqual(child.seconds_left, 60)
                token = bearer(self.caracal.gateway_request(ECHO, "/").headers)
                self.assertEqual(claims(token)["scope"], "read")
                with self.assertRaises(StsError) as caught:
                    self.caracal.gateway_request(ECHO, "/", scopes=["write"])
                self.assertEqual(caught.exception.error, "invalid_scope")

    def test_nested_narrow_cannot_widen(self) -> None:
        with self.caracal.spawn():
            with self.caracal.spawn(Grant.narrow(["read"])):
                with self.assertRaises(StsError) as caught:
                    with self.caracal.spawn(Grant.narrow(["read", "write"])):
                        self.fail("a narrowed session widened its scopes")
            with self.assertRaises(StsError) as outside:
                with self.caracal.spawn(Grant.narrow(["admin"])):
                    self.fail("a child got a scope its parent does not hold")
        for error in (caught.exception, outside.exception):
            self.assertEqual((error.status, error.error, error.reason), (400, "invalid_scope", "scope_escalation"))
            self.assertTrue(error.request_id and error.request_id.startswith("req_"))
            self.assertIn(f"[caracal explain {error.request_id}]", str(error))

    def test_nested_narrow_cannot_reach_another_resource(self) -> None:
        with self.caracal.spawn():
            with self.assertRaises(StsError) as caught:
                with self.caracal.spawn(Grant.narrow(resource="resource://elsewhere")):
                    pass
        self.assertEqual(caught.exception.error, "invalid_target")

    def test_nested_none_is_an_independent_session(self) -> None:
        with self.caracal.spawn() as parent:
            with self.caracal.spawn(Grant.none()) as child:
                self.assertEqual((child.depth, child.delegated, child.hop), (0, False, 1))
                self.assertEqual(child.root_id, child.id)
                self.assertEqual(child.trace_id, parent.trace_id)
                self.assertNotIn("act", claims(bearer(self.caracal.gateway_request(ECHO, "/", scopes=["read"]).headers)))
            request = self.caracal.gateway_request(ECHO, "/")
            self.assertEqual(raw_get(request.url, request.headers)[0], 200)

    def test_concurrent_tasks_see_their_own_sessions(self) -> None:
        caracal = self.caracal

        async def worker(name: str) -> tuple[str, str]:
            async with caracal.spawn() as session:
                await asyncio.sleep(0.2)
                current = caracal.current_session()
                assert current is not None
                token = claims(bearer(caracal.gateway_request(ECHO, f"/{name}").headers))
                return current.id, token["sid"] if current is session else "mixed up"

        async def main() -> list[tuple[str, str]]:
            return list(await asyncio.gather(worker("a"), worker("b")))

        (a_current, a_token), (b_current, b_token) = asyncio.run(main())
        self.assertNotEqual(a_current, b_current)
        self.assertEqual((a_current, b_current), (a_token, b_token))


class CaracalRunTest(unittest.TestCase):
    """Under `caracal run` (CARACAL_SESSION_TOKEN in the environment) a top-level spawn is delegated
    from the run's session, so ending that session ends the SDK's sessions too."""

    def setUp(self) -> None:
        self.caracal = Caracal(MAIN)
        self.profile = self.caracal.profile

    def sts(self, method: str, path: str, body: Optional[dict[str, Any]] = None) -> tuple[int, Any]:
        return app_call(self.profile.sts_url, self.profile.application_id, self.profile.secret, method, path, body)

    def open_run_session(self) -> dict[str, Any]:
        """The session `caracal run` opens: the app's credentials, a body with only ttl_seconds."""
        status, run = self.sts("POST", "/v1/sessions", {"ttl_seconds": self.profile.ttl_seconds})
        self.assertEqual(status, 201, run)
        self.assertEqual(run["depth"], 0)
        self.addCleanup(self.sts, "DELETE", f"/v1/sessions/{run['session_id']}")
        return run

    def test_top_level_spawn_is_delegated_and_ends_with_the_run_session(self) -> None:
        run = self.open_run_session()
        with run_session_environment(run["session_token"], run["session_id"]):
            with self.caracal.spawn() as session:
                self.assertEqual((session.depth, session.delegated), (1, True))
                self.assertEqual(session.root_id, run["session_id"])
                self.assertEqual(set(session.scopes), {"read", "write"})  # still bounded by the profile
                self.assertEqual(session.resources, (ECHO,))
                status, seen = self.sts("GET", f"/v1/sessions/{session.id}")
                self.assertEqual((status, seen["parent_session_id"]), (200, run["session_id"]))
                request = self.caracal.gateway_request(ECHO, "/under-run")
                token = claims(bearer(request.headers))
                self.assertEqual(token["sid"], session.id)
                self.assertIn("act", token)  # the delegation chain is in the token
                self.assertEqual(raw_get(request.url, request.headers)[0], 200)

                status, ended = self.sts("DELETE", f"/v1/sessions/{run['session_id']}")
                self.assertEqual(status, 200, ended)
                self.assertIn(session.id, ended["terminated"])  # the cascade reached the SDK's session

                status, headers, body = raw_get(request.url, request.headers)
                self.assertEqual((status, body.get("reason")), (401, "session_revoked"))
                self.assertEqual(body["request_id"], headers["x-caracal-request-id"])
                with self.caracal.transport() as client:
                    response = client.get(request.url, headers=request.headers)
                error = response.error
                self.assertIsInstance(error, GatewayError)
                assert error is not None
                self.assertEqual((error.status, error.reason), (401, "session_revoked"))

    def test_top_level_narrow_is_delegated_too(self) -> None:
        run = self.open_run_session()
        with run_session_environment(run["session_token"], run["session_id"]):
            with self.caracal.spawn(Grant.narrow(["read"])) as session:
                self.assertEqual((session.depth, session.delegated, session.scopes), (1, True, ("read",)))
                self.assertEqual(session.root_id, run["session_id"])
                token = claims(bearer(self.caracal.gateway_request(ECHO, "/").headers))
                self.assertEqual(token["scope"], "read")

    def test_grant_none_opts_out_with_an_independent_session(self) -> None:
        run = self.open_run_session()
        with run_session_environment(run["session_token"], run["session_id"]):
            with self.caracal.spawn(Grant.none()) as session:
                self.assertEqual((session.depth, session.delegated, session.hop), (0, False, 0))
                self.assertEqual(session.root_id, session.id)
                status, seen = self.sts("GET", f"/v1/sessions/{session.id}")
                self.assertEqual((status, seen["parent_session_id"]), (200, None))
                request = self.caracal.gateway_request(ECHO, "/independent", scopes=["read"])
                self.assertNotIn("act", claims(bearer(request.headers)))
                self.assertEqual(self.sts("DELETE", f"/v1/sessions/{run['session_id']}")[0], 200)
                self.assertEqual(raw_get(request.url, request.headers)[0], 200)  # not ended with the run

    def test_an_ended_run_session_is_not_silently_ignored(self) -> None:
        run = self.open_run_session()
        self.assertEqual(self.sts("DELETE", f"/v1/sessions/{run['session_id']}")[0], 200)
        with run_session_environment(run["session_token"], run["session_id"]):
            with self.assertRaises(StsError) as caught:
                with self.caracal.spawn():
                    self.fail("a session was opened from an ended `caracal run` session")
        self.assertEqual(caught.exception.reason, "session_revoked")
        self.assertIn("CARACAL_SESSION_TOKEN", str(caught.exception))

    def test_without_the_variable_a_top_level_spawn_is_independent(self) -> None:
        with run_session_environment("", "ses_unused"):
            with self.caracal.spawn() as session:
                self.assertEqual((session.depth, session.delegated), (0, False))


class TransportTest(unittest.TestCase):
    def setUp(self) -> None:
        self.caracal = Caracal(MAIN)
        self.prefix = stack().upstream.url + "/api"

    def test_upstream_prefix_is_routed_through_the_gateway(self) -> None:
        with self.caracal.spawn() as session, self.caracal.transport() as client:
            response = client.get(self.prefix + "/items", params={"page": "2"}, headers={"baggage": "user=alice"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.request_id)  # the Gateway answered
        seen = response.json()
        self.assertEqual(seen["path"], "/api/items?page=2")
        self.assertNotIn("authorization", seen["headers"])
        self.assertEqual(seen["headers"]["baggage"], f"user=alice,caracal.session_id={session.id},caracal.hop=0")

    def test_other_urls_get_only_a_traceparent(self) -> None:
        with self.caracal.spawn() as session, self.caracal.transport() as client:
            response = client.get(stack().upstream.url + "/elsewhere")
        seen = response.json()
        self.assertIsNone(response.request_id)  # straight to the host, not via the Gateway
        self.assertEqual(seen["path"], "/elsewhere")
        self.assertNotIn("authorization", seen["headers"])
        self.assertNotIn("baggage", seen["headers"])
        self.assertEqual(seen["headers"]["traceparent"].split("-")[1], session.trace_id)

    def test_upstream_prefix_outside_spawn_is_refused(self) -> None:
        with self.caracal.transport() as client:
            with self.assertRaises(NoActiveSessionError):
                client.get(self.prefix + "/items")

    def test_transport_supplies_authorization_when_only_the_resource_is_named(self) -> None:
        async def main() -> Any:
            async with self.caracal.spawn():
                async with self.caracal.transport() as client:
                    return await client.put(stack().gateway_url + "/doc", headers={"X-Caracal-Resource": ECHO},
                                            content="hello")

        response = asyncio.run(main())
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["body"], "hello")

    def test_non_idempotent_requests_are_never_retried(self) -> None:
        hits = stack().upstream.hits
        with self.caracal.spawn(), self.caracal.transport() as client:
            post = client.post(self.prefix + "/status/503", json={})
            get = client.get(self.prefix + "/status/503")
        self.assertEqual((post.status_code, get.status_code), (503, 503))
        self.assertEqual(hits.get("/api/status/503"), 1 + 3)  # one POST, a GET tried three times

    def test_raise_for_status_raises_with_request_id(self) -> None:
        with self.caracal.spawn(), self.caracal.transport(raise_for_status=True, retries=0) as client:
            with self.assertRaises(CaracalError) as caught:
                client.get(self.prefix + "/status/404")
        self.assertNotIsInstance(caught.exception, GatewayError)  # the upstream said 404, not the Gateway
        self.assertEqual(caught.exception.status, 404)
        self.assertTrue(caught.exception.request_id)

    def test_unreachable_gateway_is_reported(self) -> None:
        profile = Caracal(MAIN).profile
        import dataclasses

        broken = Caracal(dataclasses.replace(profile, gateway_url="http://127.0.0.1:9"))
        with broken.spawn(), broken.transport(retries=0) as client:
            with self.assertRaises(CaracalError) as caught:
                client.get(self.prefix + "/x")
        self.assertEqual(caught.exception.reason, "gateway_unreachable")


class DenialTest(unittest.TestCase):
    """A deny policy pushed through the admin API: refusals carry reason and request id."""

    def setUp(self) -> None:
        self.caracal = Caracal(DENY)

    def test_denied_token_surfaces_reason_and_request_id(self) -> None:
        with self.caracal.spawn():
            with self.assertRaises(StsError) as caught:
                self.caracal.gateway_request(LEDGER, "/", scopes=["admin"])
        error = caught.exception
        self.assertEqual((error.status, error.error, error.reason), (403, "access_denied", "denied_by_rule"))
        self.assertTrue(error.request_id and error.request_id.startswith("req_"))
        self.assertEqual(error.explain_command, f"caracal explain {error.request_id}")
        explained = stack().cli("explain", error.request_id)
        self.assertEqual(explained.returncode, 0, explained.stderr)
        self.assertIn("never-admin", explained.stdout)

    def test_denied_request_surfaces_reason_and_request_id(self) -> None:
        async def main() -> Any:
            async with self.caracal.spawn():
                request = self.caracal.gateway_request(LEDGER, "/entries/7", scopes=["read", "write"])
                async with self.caracal.transport() as client:
                    allowed = await client.get(request.url, headers=request.headers)
                    denied = await client.delete(request.url, headers=request.headers)
                    async with self.caracal.transport(raise_for_status=True) as strict:
                        try:
                            await strict.delete(request.url, headers=request.headers)
                        except GatewayError as e:
                            return allowed, denied, e
            return allowed, denied, None

        allowed, denied, raised = asyncio.run(main())
        self.assertEqual(allowed.status_code, 200)
        self.assertEqual(denied.status_code, 403)
        error = denied.error
        self.assertIsInstance(error, GatewayError)
        assert error is not None
        self.assertEqual((error.reason, error.request_id), ("denied_by_rule", denied.request_id))
        self.assertIsInstance(raised, GatewayError)
        self.assertEqual(raised.reason, "denied_by_rule")
        self.assertNotEqual(raised.request_id, denied.request_id)


class RefreshTest(unittest.TestCase):
    def test_short_lived_tokens_are_refreshed_before_expiry(self) -> None:
        caracal = Caracal(MAIN, token_ttl_seconds=3)
        with caracal.spawn(), caracal.transport() as client:
            first = bearer(caracal.gateway_request(ECHO, "/").headers)
            token = claims(first)
            self.assertLessEqual(token["exp"] - token["iat"], 3)
            self.assertEqual(bearer(caracal.gateway_request(ECHO, "/").headers), first)
            time.sleep(3.2)
            second = bearer(caracal.gateway_request(ECHO, "/").headers)
            self.assertNotEqual(first, second)
            self.assertGreater(claims(second)["exp"], token["exp"])
            time.sleep(3.2)
            response = client.get(stack().upstream.url + "/api/after-expiry")
            self.assertEqual(response.status_code, 200)
            self.assertNotEqual(bearer(caracal.gateway_request(ECHO, "/").headers), second)

    def test_async_gateway_request_near_expiry_does_not_wait(self) -> None:
        caracal = Caracal(MAIN, token_ttl_seconds=6)  # refresh margin: the last 1.2 s

        async def main() -> tuple[str, str, str]:
            async with caracal.spawn() as session:  # tokens obtained up front
                first = bearer(caracal.gateway_request(ECHO, "/").headers)
                entry = next(iter(session._tokens._entries.values()))  # type: ignore[union-attr]
                await asyncio.sleep(max(0.0, entry.refresh_at - time.monotonic() + 0.05))
                if time.monotonic() > entry.expires_at - 0.5:
                    self.skipTest("the machine is too slow to land inside the refresh margin")
                during = bearer(caracal.gateway_request(ECHO, "/").headers)  # valid: returned at once
                deadline = time.monotonic() + 10
                after = during
                while after == first and time.monotonic() < deadline:  # refreshed in the background
                    await asyncio.sleep(0.05)
                    after = next(iter(session._tokens._entries.values())).token  # type: ignore[union-attr]
                return first, during, after

        first, during, after = asyncio.run(main())
        self.assertEqual(first, during)
        self.assertNotEqual(first, after)


class ExampleTest(unittest.TestCase):
    """The reference page's Python example, unchanged, as an agent process."""

    def run_agent(self, script: Path) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CARACAL_")}
        env.update({"CARACAL_CONFIG": MAIN, "CARACAL_RESOURCE_ID": ECHO, "CARACAL_RESOURCE_PATH": "/charge",
                    "PYTHONPATH": str(SDK_PYTHON)})
        return subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)

    def check(self, result: subprocess.CompletedProcess[str]) -> None:
        self.assertEqual(result.returncode, 0, result.stderr)
        seen = json.loads(result.stdout)
        self.assertEqual((seen["method"], seen["path"]), ("POST", "/api/charge"))
        self.assertEqual(json.loads(seen["body"]), {"amount": 1200})

    def test_example_agent_runs(self) -> None:
        self.check(self.run_agent(REPO / "examples" / "agents" / "python" / "agent.py"))

    def test_reference_page_example_runs_unchanged(self) -> None:
        page = REPO.parent / "shared" / "reference" / "connect-an-agent.md"
        if not page.is_file():
            self.skipTest(f"{page} is not beside the repository")
        block = re.search(r"```python\n(.*?)```", page.read_text(), re.S)
        assert block is not None
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / "reference_agent.py"
            script.write_text(block.group(1))
            self.check(self.run_agent(script))


if __name__ == "__main__":
    unittest.main()
