"""HEAD for every GET route (RFC 9110 section 9.3.2): the GET answer's status and headers,
Content-Length and ETag included, without its body. Link checkers and FAIR evaluators ask
with HEAD before they fetch; FastAPI routes answer GET only.

The route runs as for GET and sees ``scope["head"]`` set, so that a route whose body is
costly to produce (a download of gigabytes) can skip producing it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEAD_KEY = "head"


class HeadAsGet:
    """ASGI middleware: a HEAD request is routed as GET and its body is dropped."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET", HEAD_KEY: True}, receive, headers_only)


def is_head(scope: Scope) -> bool:
    """Whether the request being answered as GET was a HEAD request."""
    return bool(scope.get(HEAD_KEY))
