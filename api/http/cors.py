"""Cross-origin reads (CORS): any web page may read what this server publishes, as Fuseki
and Oxigraph allow. Another review's evidence map, a query editor hosted elsewhere or a
linked-data browser fetches the evidence API, the SPARQL endpoint, the IRIs under ``/id/``
and the FAIR records from its own origin; without these headers the browser hides every
answer from it.

Every answer says ``Access-Control-Allow-Origin: *`` whether or not the request named an
origin, so one cached copy serves every client. Reading is GET and HEAD everywhere, and
POST on ``/sparql`` and ``/reconcile`` (queries too long for a URL). Nothing is allowed to
send credentials or an ``Authorization`` header, so no page elsewhere can use the reload
token; the reload endpoint answers no preflight at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

READ_METHODS = ("GET", "HEAD")
QUERY_PATHS = ("/sparql", "/reconcile")  # where a page may also POST (a query form or body)
CLOSED_PREFIXES = ("/admin",)  # written to with a token: no cross-origin use at all
# the CORS-safelisted request headers, and the validators of a conditional request
ALLOWED_REQUEST_HEADERS = frozenset(
    ("accept", "accept-language", "content-language", "content-type")
) | {"if-none-match", "if-modified-since"}
# what a script may read beyond the safelisted headers: validators for conditional requests,
# the paging and signposting links, a download's name (routers add their own flags)
EXPOSED_HEADERS = ("ETag", "Link", "Content-Disposition", "Content-Encoding")
MAX_AGE_S = 86400


def _closed(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in CLOSED_PREFIXES)


def allowed_methods(path: str) -> tuple[str, ...]:
    """The methods a page on another origin may use on ``path``."""
    if _closed(path):
        return ()
    return (*READ_METHODS, "POST") if path in QUERY_PATHS else READ_METHODS


class CrossOriginReads:
    """ASGI middleware: CORS headers on every answer, and preflights answered here."""

    def __init__(self, app: ASGIApp, also_exposed: Sequence[str] = ()) -> None:
        self.app = app
        self.exposed = ", ".join((*EXPOSED_HEADERS, *also_exposed))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _closed(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(scope, headers)(scope, receive, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response = MutableHeaders(scope=message)
                response["Access-Control-Allow-Origin"] = "*"
                response["Access-Control-Expose-Headers"] = self.exposed
            await send(message)

        await self.app(scope, receive, with_cors)

    @staticmethod
    def _preflight(scope: Scope, headers: Headers) -> PlainTextResponse:
        """Whether a page elsewhere may send the request it describes (Fetch standard 4.8)."""
        methods = allowed_methods(scope["path"])
        method = headers["access-control-request-method"].strip().upper()
        asked = headers.get("access-control-request-headers", "")
        extra = {h.strip().lower() for h in asked.split(",") if h.strip()}
        refused = []
        if method not in methods:
            refused.append(f"method {method} (allowed here: {', '.join(methods)})")
        if extra - ALLOWED_REQUEST_HEADERS:
            refused.append(f"header(s) {', '.join(sorted(extra - ALLOWED_REQUEST_HEADERS))}")
        if refused:
            # no Access-Control-Allow-Origin: the browser blocks the request it asked about
            return PlainTextResponse(
                "Cross-origin request not allowed: " + "; ".join(refused), status_code=403
            )
        return PlainTextResponse(
            "",
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Methods": ", ".join(methods),
                "Access-Control-Allow-Headers": ", ".join(sorted(ALLOWED_REQUEST_HEADERS)),
                "Access-Control-Max-Age": str(MAX_AGE_S),
            },
        )
