"""A URL whose percent-escapes do not decode as UTF-8 (``%FF``) is a 400 everywhere.

Starlette decodes such escapes to U+FFFD, so a query or an IRI would silently become
another one; RFC 3987 and the SPARQL Protocol both read URLs as UTF-8. Checked once, in
front of every route, and answered with the API's one problem renderer.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from smqi.api.errors import InvalidEncodingError
from smqi.api.http.problems import problem


def undecodable_part(scope: Scope) -> str | None:
    """``"path"`` or ``"query string"`` when that part of the URL is not UTF-8, else None."""
    parts = (("path", scope.get("raw_path") or b""), ("query string", scope.get("query_string")))
    for name, raw in parts:
        if not raw or (raw.isascii() and b"%" not in raw):
            continue
        try:
            unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return name
    return None


class RefuseUndecodableUrls:
    """ASGI middleware: 400 invalid-encoding for a URL that is not UTF-8 once decoded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (part := undecodable_part(scope)) is not None:
            error = InvalidEncodingError(
                f"the URL's {part} is not UTF-8 once its %-escapes are decoded; "
                "percent-encode the UTF-8 bytes of each character"
            )
            await problem(error)(scope, receive, send)
            return
        await self.app(scope, receive, send)
