"""spawn's session lifecycle against a fake STS (no server): ending on every path."""

import asyncio
import time
import unittest
from typing import Any

from caracalai import Caracal, Grant, Profile, SessionEndError
from caracalai.errors import StsError

from .harness import clear_run_session, restore_environment, run_session_environment

SAVED_ENVIRONMENT: dict[str, Any] = {}


def setUpModule() -> None:
    global SAVED_ENVIRONMENT
    SAVED_ENVIRONMENT = clear_run_session()


def tearDownModule() -> None:
    restore_environment(SAVED_ENVIRONMENT)


class FakeSts:
    def __init__(self, open_delay: float = 0.0, end_fails: bool = False) -> None:
        self.open_delay = open_delay
        self.end_fails = end_fails
        self.opened: list[dict[str, Any]] = []
        self.ended: list[str] = []

    def open_session(self, **request: Any) -> dict[str, Any]:
        time.sleep(self.open_delay)
        self.opened.append(request)
        return {"session_id": f"ses_{len(self.opened)}", "session_token": f"t{len(self.opened)}", "expires_in": 60,
                "depth": 1 if request.get("parent_session_token") else 0, "scopes": request.get("scopes") or []}

    def end_session(self, session_id: str, traceparent: Any = None) -> dict[str, Any]:
        if self.end_fails:
            raise StsError("cannot end session: temporarily_unavailable", status=503, reason="ledger_unavailable")
        self.ended.append(session_id)
        return {}


def client(sts: FakeSts) -> Caracal:
    caracal = Caracal(Profile(sts_url="http://sts.invalid", application_id="app_1", secret="s"))
    caracal._sts = sts  # type: ignore[assignment]
    return caracal


class SpawnLifecycleTest(unittest.TestCase):
    def test_spawn_cancelled_while_opening_still_ends_the_session(self) -> None:
        sts = FakeSts(open_delay=0.3)
        caracal = client(sts)

        async def main() -> None:
            entering = asyncio.ensure_future(caracal.spawn().__aenter__())
            await asyncio.sleep(0.05)
            entering.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await entering
            await asyncio.sleep(0.6)

        asyncio.run(main())
        deadline = time.monotonic() + 5
        while not sts.ended and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(sts.ended, ["ses_1"])

    def test_spawn_end_failure_after_success_raises(self) -> None:
        caracal = client(FakeSts(end_fails=True))
        with self.assertRaises(SessionEndError) as caught:
            with caracal.spawn():
                pass
        self.assertEqual(caught.exception.reason, "ledger_unavailable")
        self.assertIsNone(caracal.current_session())

    def test_spawn_end_failure_after_an_error_keeps_the_error(self) -> None:
        caracal = client(FakeSts(end_fails=True))
        with self.assertLogs("caracalai", "WARNING"):
            with self.assertRaises(KeyError):
                with caracal.spawn():
                    raise KeyError("boom")

    def test_spawn_block_is_single_use(self) -> None:
        caracal = client(FakeSts())
        block = caracal.spawn()
        with block:
            pass
        with self.assertRaises(RuntimeError):
            with block:
                pass

    def test_nested_spawn_passes_the_parent_token_unless_grant_none(self) -> None:
        sts = FakeSts()
        caracal = client(sts)
        with caracal.spawn() as parent:
            with caracal.spawn():
                pass
            with caracal.spawn(Grant.none()) as independent:
                self.assertFalse(independent.delegated)
                self.assertLessEqual(sts.opened[-1]["ttl_seconds"], 60)
        self.assertIsNone(sts.opened[0]["parent_session_token"])
        self.assertEqual(sts.opened[1]["parent_session_token"], parent.token)
        self.assertIsNone(sts.opened[2]["parent_session_token"])
        self.assertEqual(sts.ended, ["ses_2", "ses_3", "ses_1"])


class CaracalRunTest(unittest.TestCase):
    """Top-level spawns under `caracal run` (CARACAL_SESSION_TOKEN), against the fake STS."""

    def test_top_level_spawn_delegates_from_the_run_session(self) -> None:
        sts = FakeSts()
        caracal = client(sts)
        with run_session_environment("run-token", "ses_run"):
            with caracal.spawn() as session:
                self.assertTrue(session.delegated)
                self.assertEqual(session.depth, 1)
                self.assertIsNone(session.parent)
                with caracal.spawn() as child:
                    self.assertTrue(child.delegated)
            with caracal.spawn(Grant.narrow(["read"])) as narrowed:
                self.assertTrue(narrowed.delegated)
        self.assertEqual([o["parent_session_token"] for o in sts.opened], ["run-token", "t1", "run-token"])
        self.assertEqual(sts.opened[2]["scopes"], ("read",))

    def test_grant_none_and_an_empty_variable_stay_independent(self) -> None:
        sts = FakeSts()
        caracal = client(sts)
        with run_session_environment("run-token", "ses_run"):
            with caracal.spawn(Grant.none()) as session:
                self.assertFalse(session.delegated)
        with run_session_environment("", ""):
            with caracal.spawn() as session:
                self.assertFalse(session.delegated)
        with caracal.spawn() as session:  # not under `caracal run` at all
            self.assertFalse(session.delegated)
        self.assertEqual([o["parent_session_token"] for o in sts.opened], [None, None, None])

    def test_the_environment_is_read_when_the_block_is_entered(self) -> None:
        sts = FakeSts()
        caracal = client(sts)
        block = caracal.spawn()
        with run_session_environment("late-token", "ses_late"):
            with block:
                pass
        self.assertEqual(sts.opened[0]["parent_session_token"], "late-token")


if __name__ == "__main__":
    unittest.main()
