"""The transport streams both ways, against a real Caracal server and an upstream that sends
server-sent events slowly (see harness.Upstream); arrival times are measured against the times
the upstream wrote each event."""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import tempfile
import time
import tracemalloc
import unittest
from typing import AsyncIterator, Iterator, Optional

from caracalai import Caracal

from .harness import Stack, clear_run_session, restore_environment

STACK: Optional[Stack] = None
SAVED_ENVIRONMENT: dict[str, Optional[str]] = {}
PROFILE = ""  # zone sdk-py-stream, resource://echo (read, write), upstream <upstream>/api
EVENTS = 20
EVERY_MS = 100
MB = 1024 * 1024
MEMORY_BOUND = 8 * MB  # tracemalloc peak while 100 MB (50 MB up) pass through


def setUpModule() -> None:
    global STACK, PROFILE, SAVED_ENVIRONMENT
    SAVED_ENVIRONMENT = clear_run_session()
    STACK = Stack.start()
    try:
        PROFILE = str(STACK.setup("sdk-py-stream", "streamer", "resource://echo", "read,write", STACK.upstream.url + "/api"))
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


class StreamingTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.caracal = Caracal(PROFILE)
        self.api = stack().upstream.url + "/api"

    def events_url(self, key: str) -> str:
        return f"{self.api}/events/{key}?n={EVENTS}&every={EVERY_MS}"

    def assert_streamed(self, key: str, arrived: list[float]) -> None:
        """The events arrived in order, the first well before the last was written, each soon after it was."""
        sent = stack().upstream.sent[key]
        self.assertEqual((len(arrived), len(sent)), (EVENTS, EVENTS))
        early = sent[-1] - arrived[0]
        self.assertGreaterEqual(early, (EVENTS - 1) * EVERY_MS / 1000 / 2,
                                f"the first event arrived only {early * 1000:.0f} ms before the last was sent")
        lags = [round((a - s) * 1000) for a, s in zip(arrived, sent)]
        self.assertLess(statistics.median(lags), 5 * EVERY_MS, f"lag behind the upstream (ms): {lags}")

    def hits(self, path: str) -> int:
        return stack().upstream.hits.get(path, 0)


class SyncStreamTest(StreamingTestCase):
    def test_stream_iter_lines_on_slow_server_sent_events_each_event_arrives_as_it_is_sent(self) -> None:
        arrived: list[float] = []
        with self.caracal.spawn(), self.caracal.transport() as client:
            with client.stream("GET", self.events_url("sync"), headers={"Accept": "text/event-stream"}) as response:
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.request_id)  # through the Gateway
                self.assertEqual(response.headers.get_content_type(), "text/event-stream")
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        arrived.append(time.monotonic())
                        self.assertEqual(line, f'data: {{"i": {len(arrived) - 1}}}')
        self.assert_streamed("sync", arrived)

    def test_stream_100_mb_download_stays_within_a_small_memory_bound(self) -> None:
        size = 100 * MB
        total = largest = 0
        with self.caracal.spawn(), self.caracal.transport() as client:
            tracemalloc.start()
            try:
                with client.stream("GET", f"{self.api}/bytes/{size}") as response:
                    for chunk in response.iter_bytes():
                        total += len(chunk)
                        largest = max(largest, len(chunk))
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        self.assertEqual((response.status_code, total), (200, size))
        self.assertLessEqual(largest, 64 * 1024)
        self.assertLess(peak, MEMORY_BOUND, f"peak {peak / MB:.1f} MB")
        self.assertTrue(response.is_closed)

    def test_upload_from_a_file_is_streamed(self) -> None:
        with tempfile.NamedTemporaryFile(prefix="caracal-upload-") as file:
            digest = hashlib.sha256()
            for i in range(50):
                block = bytes([i]) * MB
                digest.update(block)
                file.write(block)
            file.flush()
            with open(file.name, "rb") as body, self.caracal.spawn(), self.caracal.transport() as client:
                tracemalloc.start()
                try:
                    response = client.put(f"{self.api}/upload/file", content=body)
                    peak = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
        self.assertEqual(response.status_code, 200, response.text)
        seen = response.json()
        self.assertEqual((seen["bytes"], seen["sha256"]), (50 * MB, digest.hexdigest()))
        self.assertLess(peak, MEMORY_BOUND, f"peak {peak / MB:.1f} MB")

    def test_iterator_body_reaches_the_upstream_before_it_is_read_whole(self) -> None:
        first_byte = stack().upstream.first_byte("iterator")

        def body() -> Iterator[bytes]:
            yield b"a" * 65536
            # a transport that read the body whole before sending would wait here in vain
            if not first_byte.wait(30):
                raise AssertionError("the upstream saw no byte of the body yet")
            for _ in range(64):
                yield b"b" * 65536

        with self.caracal.spawn(), self.caracal.transport() as client:
            response = client.post(f"{self.api}/upload/iterator", content=body())
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["bytes"], 65 * 65536)
        self.assertEqual(response.json()["transfer_encoding"], "chunked")

    def test_streamed_body_is_never_replayed_on_a_retry_status_or_an_expired_token(self) -> None:
        with self.caracal.spawn(), self.caracal.transport() as client, tempfile.TemporaryFile() as file:
            file.write(b"file body")
            file.seek(0)
            self.assertEqual(client.put(f"{self.api}/status/503/iterator", content=iter([b"once"])).status_code, 503)
            self.assertEqual(client.put(f"{self.api}/status/503/file", content=file).status_code, 503)
            self.assertEqual(client.put(f"{self.api}/status/503/bytes", content=b"again").status_code, 503)
            self.assertEqual(client.put(f"{self.api}/expired/iterator", content=iter([b"once"])).status_code, 401)
            with client.stream("PUT", f"{self.api}/expired/bytes", content=b"again") as response:
                self.assertEqual(response.error.reason if response.error else None, "token_expired")
        self.assertEqual(self.hits("/api/status/503/iterator"), 1, "a streamed body was sent again")
        self.assertEqual(self.hits("/api/status/503/file"), 1, "a file body was sent again")
        self.assertEqual(self.hits("/api/status/503/bytes"), 1 + 2, "a replayable PUT is retried as before")
        self.assertEqual(self.hits("/api/expired/iterator"), 1, "a streamed body was sent again with a new token")
        self.assertEqual(self.hits("/api/expired/bytes"), 1 + 1, "a replayable PUT is sent once more with a new token")


class AsyncStreamTest(StreamingTestCase):
    def test_stream_aiter_lines_on_slow_server_sent_events_each_event_arrives_as_it_is_sent(self) -> None:
        caracal = self.caracal
        ticks: list[float] = []

        async def ticker(stop: asyncio.Event) -> None:  # the loop stays free while the stream waits
            while not stop.is_set():
                ticks.append(time.monotonic())
                await asyncio.sleep(0.02)

        async def main() -> list[float]:
            arrived: list[float] = []
            stop = asyncio.Event()
            async with caracal.spawn():
                ticking = asyncio.create_task(ticker(stop))
                async with caracal.transport() as client:
                    async with client.stream("POST", self.events_url("async"), json={"stream": True}) as response:
                        self.assertEqual(response.status_code, 200)
                        async for line in response.aiter_lines():
                            if line.startswith("data:"):
                                arrived.append(time.monotonic())
                stop.set()
                await ticking
            return arrived

        self.assert_streamed("async", asyncio.run(main()))
        self.assertGreater(len(ticks), EVENTS * EVERY_MS / 20 / 2)

    def test_stream_100_mb_download_stays_within_a_small_memory_bound(self) -> None:
        caracal = self.caracal
        size = 100 * MB

        async def main() -> tuple[int, int, int]:
            total = 0
            async with caracal.spawn(), caracal.transport() as client:
                tracemalloc.start()
                try:
                    async with client.stream("GET", f"{self.api}/bytes/{size}") as response:
                        async for chunk in response.aiter_bytes(1024 * 1024):
                            total += len(chunk)
                    return response.status_code, total, tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()

        status, total, peak = asyncio.run(main())
        self.assertEqual((status, total), (200, size))
        self.assertLess(peak, MEMORY_BOUND, f"peak {peak / MB:.1f} MB")

    def test_async_iterator_body_reaches_the_upstream_before_it_is_read_whole(self) -> None:
        caracal = self.caracal
        first_byte = stack().upstream.first_byte("async-iterator")

        async def body() -> AsyncIterator[bytes]:
            yield b"a" * 65536
            if not await asyncio.to_thread(first_byte.wait, 30):
                raise AssertionError("the upstream saw no byte of the body yet")
            for _ in range(16):
                yield b"b" * 65536

        async def main() -> dict[str, object]:
            async with caracal.spawn(), caracal.transport() as client:
                response = await client.post(f"{self.api}/upload/async-iterator", content=body())
                self.assertEqual(response.status_code, 200, response.text)
                return response.json()

        seen = asyncio.run(main())
        self.assertEqual((seen["bytes"], seen["transfer_encoding"]), (17 * 65536, "chunked"))


if __name__ == "__main__":
    unittest.main()
