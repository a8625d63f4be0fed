"""The per-session token cache with a fake clock and a fake exchange (no server)."""

import asyncio
import threading
import time
import unittest

from caracalai.session import Grant, TokenCache, parse_instant
from caracalai.transport import _merge_baggage, _under


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TokenCacheTest(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = FakeClock()
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.lifetime = 100.0

        def fetch(resource: str, scopes: tuple[str, ...]) -> tuple[str, float]:
            self.calls.append((resource, scopes))
            return f"token-{len(self.calls)}", self.lifetime

        self.cache = TokenCache(fetch, clock=self.clock)

    def test_get_reuses_token_until_refresh_margin(self) -> None:
        self.assertEqual(self.cache.get("r", ("a",)), "token-1")
        self.clock.now += 79  # margin is a fifth of 100 s
        self.assertEqual(self.cache.get("r", ("a",)), "token-1")
        self.clock.now += 2
        self.assertEqual(self.cache.get("r", ("a",)), "token-2")
        self.assertEqual(len(self.calls), 2)

    def test_get_caps_margin_at_thirty_seconds(self) -> None:
        self.lifetime = 900.0
        self.cache.get("r", ("a",))
        self.clock.now += 869
        self.assertEqual(self.cache.get("r", ("a",)), "token-1")
        self.clock.now += 2
        self.assertEqual(self.cache.get("r", ("a",)), "token-2")

    def test_get_keys_by_resource_and_scopes(self) -> None:
        self.cache.get("r", ("a",))
        self.cache.get("r", ("a", "b"))
        self.cache.get("s", ("a",))
        self.assertEqual(len(self.calls), 3)
        self.assertEqual(self.cache.key_of("token-2"), ("r", ("a", "b")))

    def test_get_stale_token_forces_one_new_fetch(self) -> None:
        first = self.cache.get("r", ("a",))
        second = self.cache.get("r", ("a",), stale=first)
        self.assertNotEqual(first, second)
        # a second caller holding the same stale token gets the replacement, no third fetch
        self.assertEqual(self.cache.get("r", ("a",), stale=first), second)
        self.assertEqual(len(self.calls), 2)

    def test_get_concurrent_callers_share_one_fetch(self) -> None:
        gate = threading.Event()

        def slow_fetch(resource: str, scopes: tuple[str, ...]) -> tuple[str, float]:
            gate.wait(5)
            self.calls.append((resource, scopes))
            return "shared", 100.0

        cache = TokenCache(slow_fetch)
        results: list[str] = []
        threads = [threading.Thread(target=lambda: results.append(cache.get("r", ("a",)))) for _ in range(5)]
        for t in threads:
            t.start()
        time.sleep(0.1)
        gate.set()
        for t in threads:
            t.join(5)
        self.assertEqual(results, ["shared"] * 5)
        self.assertEqual(len(self.calls), 1)

    def test_get_on_event_loop_inside_margin_refreshes_in_background(self) -> None:
        self.cache.get("r", ("a",))
        self.clock.now += 85  # inside the margin, still valid

        async def on_loop() -> str:
            return self.cache.get("r", ("a",))

        self.assertEqual(asyncio.run(on_loop()), "token-1")
        deadline = time.monotonic() + 5
        while len(self.calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(self.cache.get("r", ("a",)), "token-2")

    def test_close_forgets_tokens(self) -> None:
        self.cache.get("r", ("a",))
        self.cache.close()
        self.cache.get("r", ("a",))
        self.assertEqual(len(self.calls), 2)


class HelpersTest(unittest.TestCase):
    def test_under_respects_path_boundaries(self) -> None:
        self.assertTrue(_under("http://h/api", "http://h/api"))
        self.assertTrue(_under("http://h/api/x", "http://h/api"))
        self.assertTrue(_under("http://h/api?q=1", "http://h/api"))
        self.assertFalse(_under("http://h/apix", "http://h/api"))
        self.assertFalse(_under("http://h.evil/api", "http://h"))

    def test_merge_baggage_keeps_others_and_replaces_ours(self) -> None:
        class S:
            def baggage(self) -> str:
                return "caracal.session_id=ses_2,caracal.hop=1"

        merged = _merge_baggage("user=alice, caracal.session_id=ses_1,caracal.hop=0", S())  # type: ignore[arg-type]
        self.assertEqual(merged, "user=alice,caracal.session_id=ses_2,caracal.hop=1")

    def test_parse_instant_reads_java_nanoseconds(self) -> None:
        parsed = parse_instant("2026-11-22T12:21:47.902221500Z")
        assert parsed is not None
        self.assertEqual((parsed.year, parsed.microsecond, parsed.utcoffset().total_seconds()), (2026, 902221, 0))
        self.assertIsNone(parse_instant("soon"))

    def test_grant_narrow_accepts_a_string_of_scopes(self) -> None:
        grant = Grant.narrow("read, write", resource="resource://x", ttl_seconds=60)
        self.assertEqual((grant.mode, grant.scopes, grant.resources, grant.ttl_seconds),
                         ("narrow", ("read", "write"), ("resource://x",), 60))
        with self.assertRaises(ValueError):
            Grant.narrow(["read"], ttl_seconds=0)


if __name__ == "__main__":
    unittest.main()
