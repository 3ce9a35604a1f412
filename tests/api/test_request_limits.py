"""Bounded requests, over a real socket to the real app as ``smqi serve`` serves it: a huge
header, URL or body is refused within seconds with 431, 414 or 413 (the API's problem
document), while another client keeps being answered and the server's memory stays flat;
a head that never ends (slowloris) and a silent connection are closed.

The server runs in this process (tests/api/served_app.py), so its resident memory is read
from /proc/self/status. The numbers each test measures are printed (pytest -s shows them).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from smqi.api.app import create_app
from smqi.api.http.limits import RequestLimits
from smqi.api.settings import settings_from
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings
from smqi.loader.settings import BuildSettings

from .built_graph import make_settings
from .served_app import UnclosableStore, serving

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
DEFAULTS = RequestLimits()
REFUSED_WITHIN_S = 5.0
PROBE_WITHIN_S = 1.0  # the slowest answer another client may get meanwhile
RSS_GROWTH_MIB = 100.0


def rss_mib() -> float:
    """This process's resident memory (the server's, which runs in it), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=30)


def answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The status, headers and body of the answer the server sends on ``sock``."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


class Sender(threading.Thread):
    """Sends ``head``, then ``size`` bytes of ``filler`` (1 MiB at a time), then ``tail``,
    until the server stops reading."""

    def __init__(self, sock: socket.socket, head: bytes, size: int, tail: bytes = b"") -> None:
        super().__init__(daemon=True)
        self.sock, self.head, self.size, self.tail = sock, head, size, tail
        self.sent = 0

    def run(self) -> None:
        chunk = b"a" * MIB
        try:
            self.sock.sendall(self.head)
            while self.sent < self.size:
                self.sock.sendall(chunk[: self.size - self.sent])
                self.sent += min(MIB, self.size - self.sent)
            self.sock.sendall(self.tail)
        except OSError:
            pass  # the server closed the connection after its answer


class Prober(threading.Thread):
    """Another client: asks for a study list again and again, timing each answer."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = f"{url}/studies?limit=1"
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=30) as response:
                    assert json.loads(response.read())["total"] > 0
            except Exception as error:  # reported by the test
                self.failures.append(repr(error))
            self.latencies.append(time.monotonic() - started)
            time.sleep(0.02)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=60)


def refused(
    served: str, head: bytes, size: int, tail: bytes = b""
) -> tuple[int, dict[str, object], float, Prober, float]:
    """Send a request of ``head`` + ``size`` filler bytes + ``tail`` while another client
    probes; the status and problem of the answer, the seconds it took, the prober, and the
    growth of the server's memory in MiB."""
    urllib.request.urlopen(f"{served}/studies?limit=1", timeout=30).read()  # warm
    before = rss_mib()
    prober = Prober(served)
    prober.start()
    time.sleep(0.2)
    with connect(served) as sock:
        sender = Sender(sock, head, size, tail)
        started = time.monotonic()
        sender.start()
        status, headers, body = answer(sock)
        took = time.monotonic() - started
        sender.join(timeout=60)
    time.sleep(0.3)
    prober.stop()
    grown = rss_mib() - before
    assert headers["content-type"] == "application/problem+json"
    assert headers["x-content-type-options"] == "nosniff" and "referrer-policy" in headers
    assert headers["connection"] == "close"
    problem: dict[str, object] = json.loads(body)
    assert problem["status"] == status
    print(
        f"\n{head[:40]!r} + {size / MIB:.0f} MiB: {status} {problem['code']} in {took:.3f} s"
        f" ({sender.sent / MIB:.0f} MiB sent before the server closed); other client: "
        f"{len(prober.latencies)} answers, slowest {max(prober.latencies) * 1000:.0f} ms;"
        f" server RSS {before:.0f} -> {before + grown:.0f} MiB"
    )
    return status, problem, took, prober, grown


def assert_harmless(took: float, prober: Prober, grown: float) -> None:
    assert took < REFUSED_WITHIN_S
    assert prober.failures == [] and len(prober.latencies) >= 3
    assert max(prober.latencies) < PROBE_WITHIN_S
    assert grown < RSS_GROWTH_MIB


def test_the_limits_come_from_the_environment() -> None:
    project = BuildSettings.for_project(Path("/a/project/folder"))  # nothing is read from it
    environ = {
        "SMQI_MAX_HEAD_BYTES": "20000",
        "SMQI_MAX_HEADERS": "12",
        "SMQI_MAX_URL_BYTES": "9000",
        "SMQI_MAX_BODY_BYTES": "1048576",
        "SMQI_HEAD_TIMEOUT": "2.5",
    }
    limits = settings_from(environ=environ, build=project).limits
    assert (limits.max_head_bytes, limits.max_headers, limits.max_url_bytes) == (20000, 12, 9000)
    assert (limits.max_body_bytes, limits.head_timeout_s) == (1048576, 2.5)
    assert settings_from(environ={}, build=project).limits == DEFAULTS
    with pytest.raises(ValueError, match="SMQI_MAX_HEADERS must be a whole number"):
        settings_from(environ={"SMQI_MAX_HEADERS": "many"}, build=project)


@pytest.mark.parametrize("megabytes", [64, 200])
def test_a_huge_header_is_refused_at_once_and_others_are_answered(
    served: str, megabytes: int
) -> None:
    head = b"GET /studies HTTP/1.1\r\nHost: localhost\r\nX-Huge: "
    status, problem, took, prober, grown = refused(served, head, megabytes * MIB, b"\r\n\r\n")
    assert (status, problem["code"]) == (431, "request-head-too-large")
    assert str(DEFAULTS.max_head_bytes) in str(problem["detail"])
    assert_harmless(took, prober, grown)


def test_too_many_headers_are_refused(served: str) -> None:
    fields = b"".join(b"X-Field-%d: %d\r\n" % (n, n) for n in range(DEFAULTS.max_headers + 1))
    with connect(served) as sock:
        sock.sendall(b"GET /studies HTTP/1.1\r\nHost: localhost\r\n" + fields + b"\r\n")
        status, _, body = answer(sock)
    assert (status, json.loads(body)["code"]) == (431, "request-head-too-large")
    # as many as allowed are read
    allowed = fields.split(b"\r\n")[: DEFAULTS.max_headers - 2]  # with Host and Connection
    with connect(served) as sock:
        sock.sendall(b"GET /studies HTTP/1.1\r\nHost: localhost\r\n" + b"\r\n".join(allowed))
        sock.sendall(b"\r\nConnection: close\r\n\r\n")
        assert answer(sock)[0] == 200


@pytest.mark.parametrize("kilobytes", [40, 100, 10_000])
def test_a_huge_url_is_refused_with_414(served: str, kilobytes: int) -> None:
    head = b"GET /studies?q="
    status, problem, took, prober, grown = refused(
        served, head, kilobytes * 1024, b" HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    assert (status, problem["code"]) == (414, "url-too-long")
    assert_harmless(took, prober, grown)


def test_a_long_url_within_the_limit_is_answered(served: str) -> None:
    # a SPARQL query with a long comment, just under the limit once in the URL
    comment = "a" * (DEFAULTS.max_url_bytes - 100)
    url = f"{served}/sparql?query=%23{comment}%0AASK%7B%7D"
    assert len(urlsplit(url).path) + len(urlsplit(url).query) < DEFAULTS.max_url_bytes
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert json.loads(response.read()) == {"head": {}, "boolean": True}


def test_a_huge_body_is_refused_with_413(served: str) -> None:
    size = 200 * MIB
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/sparql-query\r\n"
        b"Content-Length: %d\r\n\r\n" % size
    )
    status, problem, took, prober, grown = refused(served, head, size)
    assert (status, problem["code"]) == (413, "request-too-large")
    assert str(DEFAULTS.max_body_bytes) in str(problem["detail"])
    assert_harmless(took, prober, grown)


def test_a_huge_chunked_body_is_refused_with_413(served: str) -> None:
    size = DEFAULTS.max_body_bytes + 4 * MIB
    chunk = b"a" * MIB
    head = (
        b"POST /reconcile HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    with connect(served) as sock:

        def send() -> None:
            try:
                sock.sendall(head)
                for _ in range(size // MIB):
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass

        sender = threading.Thread(target=send, daemon=True)
        started = time.monotonic()
        sender.start()
        status, _, body = answer(sock)
        took = time.monotonic() - started
        sender.join(timeout=60)
    assert status == 413 and took < REFUSED_WITHIN_S
    assert json.loads(body)["code"] == "request-too-large"


# -- heads that never end -----------------------------------------------------------------------

SHORT = RequestLimits(head_timeout_s=1.0, linger_s=0.5)


@pytest.fixture(scope="module")
def impatient(
    built_data: Path, embedded_store: EmbeddedStore, embedded_settings: EmbeddedStoreSettings
) -> Iterator[str]:
    """The real app under a one-second head timeout."""
    app = create_app(make_settings(built_data, embedded_settings), UnclosableStore(embedded_store))  # type: ignore[arg-type]
    with serving(app, SHORT) as url:
        yield url


def closed_within(sock: socket.socket, seconds: float) -> tuple[bytes, float]:
    """What the server sends before closing ``sock``, and when it closed (from now)."""
    sock.settimeout(seconds)
    started = time.monotonic()
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received, time.monotonic() - started


def test_a_slowloris_head_is_answered_408_and_closed(impatient: str) -> None:
    with connect(impatient) as sock:
        sock.sendall(b"GET /studies HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        started = time.monotonic()
        stop = threading.Event()

        def trickle() -> None:  # a byte every 100 ms: never idle, never done
            try:
                while not stop.wait(0.1):
                    sock.sendall(b"a")
            except OSError:
                pass

        threading.Thread(target=trickle, daemon=True).start()
        received, _ = closed_within(sock, 10.0)
        took = time.monotonic() - started
        stop.set()
    print(f"\nslowloris head: closed after {took:.2f} s (head timeout {SHORT.head_timeout_s} s)")
    assert received.startswith(b"HTTP/1.1 408 ")
    assert b'"code": "request-timeout"' in received
    # timed from the connection's opening, just before ``started``; not renewed by the bytes
    assert SHORT.head_timeout_s - 0.1 <= took < SHORT.head_timeout_s + 3


def test_a_silent_connection_is_closed(impatient: str) -> None:
    with connect(impatient) as sock:
        received, took = closed_within(sock, 10.0)
    print(f"\nsilent connection: closed after {took:.2f} s")
    assert received == b""
    assert took < SHORT.head_timeout_s + 3


def test_a_request_in_time_is_answered_and_the_connection_kept(impatient: str) -> None:
    with connect(impatient) as sock:
        for _ in range(2):  # two requests on one connection, the second after the timeout
            sock.sendall(b"GET /studies?limit=1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
            status, _, body = answer(sock)
            assert status == 200 and json.loads(body)["total"] > 0
            time.sleep(SHORT.head_timeout_s * 1.2)


def test_a_client_that_leaves_mid_body_ends_as_a_request_error() -> None:
    """A disconnect while the body is read is the API's 400, not an unhandled exception that
    the server logs as a traceback (Starlette's ClientDisconnect)."""
    import asyncio

    from starlette.requests import Request

    from smqi.api.errors import IncompleteBodyError
    from smqi.api.http.bodies import read_body

    messages = iter(
        [
            {"type": "http.request", "body": b"query=ASK", "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict[str, object]:
        return next(messages)

    scope = {"type": "http", "method": "POST", "headers": [(b"content-length", b"1000")]}
    request = Request(scope, receive)  # type: ignore[arg-type]
    with pytest.raises(IncompleteBodyError, match="after 9 bytes") as raised:
        asyncio.run(read_body(request, 100))
    assert raised.value.status == 400 and raised.value.code == "incomplete-body"
