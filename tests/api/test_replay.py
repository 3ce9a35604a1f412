"""Answers replayed in front of the framework (api.http.replay): what is kept, what is sent again,
and what always reaches the application. The unit tests drive the middleware with a stub
application that counts its calls; the last test runs the real app over the real build."""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Scope

from smqi.api.context import AnswerCache, AppContext
from smqi.api.errors import StoreUnavailableError
from smqi.api.http.replay import ANSWER_VERSION, Replay, ReplayAnswers, replay_key


@dataclass
class Versions:
    """A store that only says which dataset version it serves."""

    current: str = "v1"
    down: bool = False

    def version(self) -> str:
        if self.down:
            raise StoreUnavailableError("no dataset is being served")
        return self.current


@dataclass
class Application:
    """Answers every request with a numbered body; marks it replayable unless told not to."""

    store: Versions
    status: int = 200
    mark: bool = True
    chunks: int = 1
    calls: list[str] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        self.calls.append(scope["path"])
        if self.mark:
            scope[ANSWER_VERSION] = self.store.version()
        headers = [(b"content-type", b"text/plain"), (b"etag", b'W/"x"')]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        body = f"answer {len(self.calls)}".encode()
        for n in range(self.chunks):
            more = n < self.chunks - 1
            await send({"type": "http.response.body", "body": body, "more_body": more})


def _middleware(app: Application) -> ReplayAnswers:
    context = cast(AppContext, type("Context", (), {"store": app.store, "cache": AnswerCache(64)}))
    return ReplayAnswers(app, context)


def _get(
    middleware: ReplayAnswers,
    path: str = "/studies",
    query: bytes = b"platform=Twitter",
    headers: list[tuple[bytes, bytes]] | None = None,
    method: str = "GET",
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": headers or [(b"accept", b"application/json")],
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            # as an outer middleware does: add a header to the message's own list
            message["headers"].append((b"access-control-allow-origin", b"*"))
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    start, *bodies = sent
    return start["status"], start["headers"], b"".join(m.get("body", b"") for m in bodies)


def test_a_kept_answer_is_sent_again_without_the_application() -> None:
    app = Application(Versions())
    middleware = _middleware(app)
    first = _get(middleware)
    again = _get(middleware)
    assert app.calls == ["/studies"]
    assert again == first == (200, again[1], b"answer 1")
    # the outer middleware's header is added once per answer, not once per replay
    assert again[1].count((b"access-control-allow-origin", b"*")) == 1


@pytest.mark.parametrize(
    "other",
    [
        {"query": b"platform=Facebook"},
        {"path": "/summary"},
        {"headers": [(b"accept", b"text/csv")]},
        {"headers": [(b"accept", b"application/json"), (b"accept-encoding", b"gzip")]},
    ],
)
def test_a_request_spelt_otherwise_is_answered_by_the_application(other: dict[str, Any]) -> None:
    app = Application(Versions())
    middleware = _middleware(app)
    _get(middleware)
    _, _, body = _get(middleware, **other)
    assert body == b"answer 2" and len(app.calls) == 2


def test_conditional_requests_always_reach_the_application() -> None:
    app = Application(Versions())
    middleware = _middleware(app)
    _get(middleware)
    for header in (b"if-none-match", b"if-modified-since"):
        _get(middleware, headers=[(b"accept", b"application/json"), (header, b'W/"x"')])
    assert len(app.calls) == 3


def test_a_new_dataset_version_is_answered_afresh() -> None:
    store = Versions()
    app = Application(store)
    middleware = _middleware(app)
    _get(middleware)
    store.current = "v2"
    assert _get(middleware)[2] == b"answer 2"
    assert _get(middleware)[2] == b"answer 2"  # and that one is kept for v2
    assert len(app.calls) == 2


@pytest.mark.parametrize(
    "app_settings",
    [{"mark": False}, {"status": 404}, {"status": 304}, {"chunks": 2}],
)
def test_only_whole_marked_200_answers_are_kept(app_settings: dict[str, Any]) -> None:
    app = Application(Versions(), **app_settings)
    middleware = _middleware(app)
    _get(middleware)
    _get(middleware)
    assert len(app.calls) == 2


def test_other_methods_and_an_unavailable_store_reach_the_application() -> None:
    store = Versions()
    app = Application(store)
    middleware = _middleware(app)
    _get(middleware, method="POST")
    _get(middleware, method="POST")
    assert len(app.calls) == 2
    store.down = True
    app.mark = False
    _get(middleware)
    assert len(app.calls) == 3


PATHS = [
    "/studies?platform=Twitter",
    "/studies?platform=Twitter&format=csv",
    "/summary?rows=platform&cols=stage",
    "/gaps?rows=platform&cols=stage",
    "/reviews/walsh-2021",
    "/concepts/platform",
    "/id/review/walsh-2021",
    "/vocab/platform/twitter",
    "/store?default",
]


@pytest.mark.integration
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_the_real_app_replays_answers_byte_for_byte(
    client: TestClient, path: str, encoding: str
) -> None:
    headers = {"Accept": "*/*", "Accept-Encoding": encoding}
    first = client.get(path, headers=headers)
    context = client.app.state.context  # type: ignore[attr-defined]
    sent = first.request
    key = replay_key(
        {
            "type": "http",
            "method": "GET",
            "path": sent.url.path,
            "query_string": sent.url.query,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        }
    )
    assert key is not None
    kept = context.cache.get(context.store.version(), key)
    assert isinstance(kept, Replay)
    zipped = first.headers.get("content-encoding") == "gzip"
    assert (gzip.decompress(kept.body) if zipped else kept.body) == first.content
    again = client.get(path, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert dict(again.headers) == dict(first.headers)
    head = client.head(path, headers=headers)
    assert head.status_code == 200 and head.content == b""
    assert dict(head.headers) == dict(first.headers)
    # and a conditional request still gets its 304 from the application
    etag = first.headers["etag"]
    assert client.get(path, headers={**headers, "If-None-Match": etag}).status_code == 304


@pytest.mark.integration
def test_a_repeated_sparql_query_is_replayed_and_says_hit(client: TestClient) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type } # replay test"
    headers = {"Accept": "text/csv"}
    answers = [client.get("/sparql", params={"query": query}, headers=headers) for _ in range(3)]
    assert [a.headers["SMQI-Cache"] for a in answers] == ["miss", "hit", "hit"]
    assert answers[0].content == answers[1].content == answers[2].content
    assert int(answers[0].text.split()[1]) > 0
    context = client.app.state.context  # type: ignore[attr-defined]
    sent = answers[2].request
    scope = {
        "type": "http",
        "method": "GET",
        "path": sent.url.path,
        "query_string": sent.url.query,
        "headers": [
            (b"accept", b"text/csv"),
            (b"accept-encoding", sent.headers["accept-encoding"].encode()),
        ],
    }
    key = replay_key(scope)
    assert key is not None
    kept = context.cache.get(context.store.version(), key)
    assert isinstance(kept, Replay) and kept.body == answers[0].content
    assert (b"smqi-cache", b"hit") in kept.headers
