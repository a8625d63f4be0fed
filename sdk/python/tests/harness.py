"""A real Caracal stack for the integration tests: the built CLI jar runs ``serve`` on a temporary
``CARACAL_HOME`` (ports 0), a small upstream echoes what reaches it, and ``caracal setup`` writes
runtime profiles against both, non-interactively.

The jar is ``$CARACAL_JAR`` or ``cli/target/caracal.jar`` in the repository (``sdk/run-tests.sh``
builds it). It is copied first, so a concurrent Maven build cannot swap it mid-run. Without a jar
(or a ``java``) the integration tests are skipped with a message, unless
``CARACAL_SDK_REQUIRE_SERVER=1`` makes that a failure.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

REPO = Path(__file__).resolve().parents[3]
SDK_PYTHON = REPO / "sdk" / "python"
# what `caracal run` hands its child; a top-level spawn delegates from CARACAL_SESSION_TOKEN
RUN_SESSION_VARIABLES = ("CARACAL_SESSION_TOKEN", "CARACAL_SESSION_ID")
START_TIMEOUT = float(os.environ.get("CARACAL_SDK_START_TIMEOUT", "120"))
BUILD_HINT = f"cd {REPO} && ./mvnw -q -pl cli -am install -DskipTests"


class Upstream:
    """An HTTP server on 127.0.0.1 that answers every request with JSON describing it (method,
    path, headers, body). ``/status/<code>`` answers with that status; ``hits`` counts requests by
    path. Streaming routes (times are ``time.monotonic()``, comparable with the tests' own):

    - ``/api/events/<key>?n=N&every=MS``: N server-sent events ``data: {"i": i}``, one every MS
      milliseconds, each written and flushed as a chunk; ``sent[key]`` holds when each was written;
    - ``/api/bytes/<n>``: n bytes with a ``Content-Length``, written 64 KiB at a time;
    - ``/api/upload/<key>``: reads the body (chunked or not) in pieces, sets ``first_byte(key)``
      when its first byte arrives, answers ``{"bytes", "sha256", "transfer_encoding"}``;
    - ``/api/expired/<tag>``: 401 as the Gateway answers an expired token (``token_expired`` with
      the request id it was given).
    """

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.sent: dict[str, list[float]] = {}
        self._first_bytes: dict[str, threading.Event] = {}
        lock = threading.Lock()
        hits = self.hits
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self) -> None:
                for prefix, route in (("/api/events/", self.events), ("/api/bytes/", self.download),
                                      ("/api/upload/", self.upload), ("/api/expired/", self.expired)):
                    if self.path.startswith(prefix):
                        with lock:
                            hits[self.path] = hits.get(self.path, 0) + 1
                        route(self.path.split("?")[0][len(prefix):])
                        return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with lock:
                    hits[self.path] = hits.get(self.path, 0) + 1
                status = 200
                segments = self.path.split("?")[0].split("/")
                if "status" in segments[:-1]:
                    status = int(segments[segments.index("status") + 1])
                payload = json.dumps({
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode("utf-8", errors="replace"),
                }).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def events(self, key: str) -> None:
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                n, every = int(query.get("n", "20")), int(query.get("every", "100")) / 1000
                self.read_body(lambda chunk: None)
                times = upstream.sent.setdefault(key, [])
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(n):
                    if i:
                        time.sleep(every)
                    event = f"id: {i}\ndata: {{\"i\": {i}}}\n\n".encode("utf-8")
                    times.append(time.monotonic())
                    self.wfile.write(b"%X\r\n%s\r\n" % (len(event), event))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            def download(self, size: str) -> None:
                left = int(size)
                self.read_body(lambda chunk: None)
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(left))
                self.end_headers()
                block = b"x" * 65536
                while left > 0:
                    self.wfile.write(block[:min(left, len(block))])
                    left -= len(block)

            def upload(self, key: str) -> None:
                first = upstream.first_byte(key)
                digest = hashlib.sha256()
                total = 0

                def take(chunk: bytes) -> None:
                    nonlocal total
                    if chunk:
                        first.set()
                    digest.update(chunk)
                    total += len(chunk)

                self.read_body(take)
                self.answer(200, {"bytes": total, "sha256": digest.hexdigest(),
                                  "transfer_encoding": self.headers.get("Transfer-Encoding")})

            def expired(self, tag: str) -> None:
                self.read_body(lambda chunk: None)
                self.answer(401, {"error": "invalid_token", "reason": "token_expired",
                                  "request_id": self.headers.get("X-Request-Id")})

            def read_body(self, take: Any) -> None:
                """Hands the body to ``take`` piece by piece as it arrives, chunked or not."""
                if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass  # trailers
                            return
                        while size > 0:
                            piece = self.rfile.read1(min(size, 65536))
                            if not piece:
                                return
                            take(piece)
                            size -= len(piece)
                        self.rfile.readline()
                left = int(self.headers.get("Content-Length") or 0)
                while left > 0:
                    piece = self.rfile.read1(min(left, 65536))
                    if not piece:
                        return
                    take(piece)
                    left -= len(piece)

            def answer(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_one

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="upstream", daemon=True)
        self.thread.start()

    def first_byte(self, key: str) -> threading.Event:
        """Set when the first byte of upload ``key`` reaches the upstream."""
        return self._first_bytes.setdefault(key, threading.Event())

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Stack:
    """One running server + upstream in a temporary directory."""

    def __init__(self, work: Path, jar: Path, java: str) -> None:
        self.work = work
        self.jar = jar
        self.java = java
        self.home = work / "home"
        self.process: Optional[subprocess.Popen[bytes]] = None
        self.upstream = Upstream()
        self.sts_url = ""
        self.gateway_url = ""

    @classmethod
    def start(cls) -> "Stack":
        """Starts everything, or raises ``unittest.SkipTest`` when no jar can be had."""
        jar = Path(os.environ.get("CARACAL_JAR") or REPO / "cli" / "target" / "caracal.jar")
        java = os.environ.get("CARACAL_JAVA") or (
            str(Path(os.environ["JAVA_HOME"]) / "bin" / "java") if os.environ.get("JAVA_HOME") else shutil.which("java"))
        problem = None
        if not jar.is_file():
            problem = f"the caracal jar is not built ({jar} is missing; build it with `{BUILD_HINT}`)"
        elif not java:
            problem = "no `java` on PATH (set JAVA_HOME or CARACAL_JAVA)"
        if problem:
            if os.environ.get("CARACAL_SDK_REQUIRE_SERVER") == "1":
                raise RuntimeError(problem)
            raise unittest.SkipTest(f"integration tests skipped: {problem}")
        work = Path(tempfile.mkdtemp(prefix="caracal-sdk-py-"))
        copy = work / "caracal.jar"
        shutil.copyfile(jar, copy)
        stack = cls(work, copy, java or "java")
        try:
            stack._serve()
        except BaseException:
            stack.stop()
            raise
        return stack

    def _serve(self) -> None:
        self.home.mkdir(mode=0o700)
        log = open(self.work / "server.log", "wb")
        self.process = subprocess.Popen(
            [self.java, "-Xmx768m", "-jar", str(self.jar), "serve", "--sts-port", "0", "--gateway-port", "0"],
            env=self.env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        state_file = self.home / "server.json"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"caracal serve exited with {self.process.returncode}:\n{self.server_log()}")
            if state_file.is_file():
                try:
                    state = json.loads(state_file.read_text())
                    self.sts_url, self.gateway_url = state["sts_url"], state["gateway_url"]
                    if _reachable(self.sts_url + "/.well-known/oauth-authorization-server"):
                        return
                except (ValueError, KeyError):
                    pass  # being written
            time.sleep(0.25)
        raise RuntimeError(f"caracal serve did not start within {START_TIMEOUT:.0f} s:\n{self.server_log()}")

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CARACAL_") or k in ("CARACAL_JAVA",)}
        env["CARACAL_HOME"] = str(self.home)
        env.update(extra)
        return env

    def server_log(self) -> str:
        try:
            return (self.work / "server.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """Runs ``caracal ARGS`` from the jar against this server."""
        return subprocess.run([self.java, "-jar", str(self.jar), *args], env=self.env(), capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def setup(self, zone: str, app: str, resource: str, scopes: str, upstream: str) -> Path:
        """``caracal setup`` for a new app; returns the profile path (secret file beside it)."""
        folder = self.work / "profiles" / f"{zone}-{app}"
        profile = folder / "caracal.toml"
        result = self.cli("setup", "--zone", zone, "--app", app, "--resource-id", resource, "--scopes", scopes,
                          "--upstream", upstream, "--profile", str(profile), "--secret-file", str(folder / f"{app}.secret"),
                          "--yes")
        if result.returncode != 0:
            raise RuntimeError(f"caracal setup failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return profile

    def admin(self, method: str, path: str, body: Optional[dict[str, Any]] = None) -> Any:
        """One admin API call with the admin token from ``$CARACAL_HOME/admin.token``."""
        token = (self.home / "admin.token").read_text().strip()
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(self.sts_url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"admin {method} {path} failed: {e.code} {e.read().decode(errors='replace')}") from None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.upstream.stop()
        shutil.rmtree(self.work, ignore_errors=True)


def _reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def raw_get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
    """A plain urllib GET outside the SDK: status, headers (lower-case), JSON body."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, head, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        status, head, body = e.code, dict(e.headers), e.read()
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        parsed = {}
    return status, {k.lower(): v for k, v in head.items()}, parsed


def set_environment(values: Mapping[str, Optional[str]]) -> dict[str, Optional[str]]:
    """Sets (or, for ``None``, removes) variables of ``os.environ``; returns their previous values
    for ``restore_environment``."""
    saved = {name: os.environ.get(name) for name in values}
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    return saved


def restore_environment(saved: Mapping[str, Optional[str]]) -> None:
    set_environment(saved)


def clear_run_session() -> dict[str, Optional[str]]:
    """Removes what `caracal run` would have set (the suite may itself run under `caracal run`), so
    top-level spawns open independent sessions unless a test asks otherwise; returns the previous
    values for ``restore_environment``."""
    return set_environment({name: None for name in RUN_SESSION_VARIABLES})


@contextlib.contextmanager
def run_session_environment(session_token: str, session_id: str) -> Iterator[None]:
    """As if under `caracal run`: CARACAL_SESSION_TOKEN and CARACAL_SESSION_ID for the block."""
    saved = set_environment({"CARACAL_SESSION_TOKEN": session_token, "CARACAL_SESSION_ID": session_id})
    try:
        yield
    finally:
        restore_environment(saved)


def app_call(sts_url: str, application_id: str, secret: str, method: str, path: str,
             body: Optional[dict[str, Any]] = None) -> tuple[int, Any]:
    """One STS call with the app's HTTP Basic credentials, as `caracal run` makes them: status and
    JSON body."""
    pair = f"{urllib.parse.quote_plus(application_id)}:{urllib.parse.quote_plus(secret)}"
    request = urllib.request.Request(sts_url.rstrip("/") + path, method=method,
                                     data=json.dumps(body).encode("utf-8") if body is not None else None)
    request.add_header("Authorization", "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii"))
    request.add_header("Accept", "application/json")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, data = e.code, e.read()
    try:
        return status, json.loads(data or b"null")
    except ValueError:
        return status, None
