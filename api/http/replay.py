"""Cached answers replayed in front of the framework.

An evidence answer, a dereferenced IRI or a graph from ``/store`` is rendered once per
dataset version (``api.http.caching.respond``), but every request for it still went through
FastAPI's routing, parameter validation, dependency injection and a worker thread: about a
millisecond of CPU per request, three quarters of the time a cached answer took. This
middleware keeps the whole 200 answer (status, headers, body) that ``respond`` produced, under
the dataset version it was rendered for and the request as the client spelt it (path, query
string, ``Accept``, ``Accept-Encoding``; at least as fine as the key ``respond`` used), and
sends it again while that version is served.

The SPARQL endpoint marks a GET answered from its kept results the same way (only a
"hit", so a replay never claims "SMQI-Cache: miss"): a repeated query then skips parsing too.

Conditional requests (``If-None-Match``, ``If-Modified-Since``) still go through the
framework, so 304s are decided in one place. Answers are replayed only where the request was
marked (``ANSWER_VERSION``): errors, first SPARQL results and pages are never replayed.
"""

from __future__ import annotations

from dataclasses import dataclass

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smqi.api.context import AppContext
from smqi.api.errors import ApiError

# set in the request's scope by api.http.caching.respond: the version a 200 answer was made from
ANSWER_VERSION = "smqi.answer_version"
# set here: the version served when the request came, read from the store once per request
SERVED_VERSION = "smqi.served_version"
CONDITIONAL = (b"if-none-match", b"if-modified-since")


@dataclass(frozen=True)
class Replay:
    """One whole answer as the application sent it."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


def replay_key(scope: Scope) -> str | None:
    """The request as its client spelt it, or None when it must reach the application."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    wanted = {b"accept": b"", b"accept-encoding": b""}
    for name, value in scope["headers"]:
        if name in CONDITIONAL:
            return None
        if name in wanted:
            wanted[name] = value
    query = scope.get("query_string", b"")
    parts = (scope["path"].encode(), query, wanted[b"accept"], wanted[b"accept-encoding"])
    return "replay\x00" + b"\x00".join(parts).decode("latin-1")


class ReplayAnswers:
    """ASGI middleware: sends a kept answer again, or keeps the one the application sends."""

    def __init__(self, app: ASGIApp, context: AppContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = replay_key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            # a remote store may ask the store for its version: never on the event loop
            version = await to_thread.run_sync(self.context.store.version)
        except ApiError:
            await self.app(scope, receive, send)  # the application reports it
            return
        scope[SERVED_VERSION] = version
        kept = self.context.cache.get(version, key)
        if isinstance(kept, Replay):
            await send({"type": "http.response.start", "status": kept.status,
                        "headers": list(kept.headers)})  # fmt: skip
            await send({"type": "http.response.body", "body": kept.body})
            return

        start: Message | None = None
        chunks: list[bytes] = []
        whole = True

        async def keeping(message: Message) -> None:
            nonlocal start, whole
            if message["type"] == "http.response.start":
                # copied before outer middleware adds its headers to the message
                start = {**message, "headers": list(message.get("headers", []))}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                whole = whole and not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, keeping)
        made_from = scope.get(ANSWER_VERSION)
        if start is None or start["status"] != 200 or not whole or made_from is None:
            return
        answer = Replay(start["status"], tuple(start["headers"]), b"".join(chunks))
        self.context.cache.get_or_compute(made_from, key, lambda: answer)
