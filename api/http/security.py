"""Security headers on every answer, from one place.

Every answer says ``X-Content-Type-Options: nosniff`` (a browser takes the Content-Type as
given, so a CSV, JSON or Turtle answer is never run as a script or read as a page) and
``Referrer-Policy: no-referrer`` (this server reads no Referer, and a page's URL, which may
hold a search, is not sent to the DOI resolvers and publishers the pages link to).

Every HTML answer gets the pages' Content-Security-Policy (``PAGE_POLICY``): everything from
this origin, no inline script or style, no plugin, no ``<base>``, forms only to this origin,
and no framing by any site (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for
browsers that predate it). The query editor's page also allows the one ``<style>`` element
YASGUI writes, by its hash, and the API documentation Swagger UI's data: icons; the browser
tests fail on any violation of these policies. Every other answer gets ``default-src
'none'``: a JSON, SVG or CSV answer opened as a document runs nothing and loads nothing.

``SecurityHeaders`` wraps the whole application, outside Starlette's error middleware
(``api.app.EvidenceApp``), so that an unexpected failure's 500 carries the headers too; the
server's own refusals, made before a request reaches the application
(``api.http.connection``), carry the same ``headers_for`` gives.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What every page may load: only this origin, no inline script or style.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# YASGUI (the vendored yasgui.min.js) writes one <style> element with this content's hash
# when it starts; its other styles are set through the DOM, which CSP allows. The browser
# test of the editor fails on any CSP violation, so a YASGUI that writes another one shows.
YASGUI_STYLE_HASH = "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='"
EDITOR_POLICY = PAGE_POLICY.replace("style-src 'self'", f"style-src 'self' {YASGUI_STYLE_HASH}")
# Swagger UI's stylesheet draws its icons from data: URLs.
DOCS_POLICY = PAGE_POLICY.replace("img-src 'self'", "img-src 'self' data:")
# Pages whose policy differs from PAGE_POLICY, by path.
PAGE_POLICIES = {"/sparql": EDITOR_POLICY, "/docs": DOCS_POLICY}
# Any other answer: opened as a document, it may run and load nothing.
OTHER_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

ALWAYS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"))
HTML_TYPES = ("text/html", "application/xhtml+xml")


def content_security_policy(path: str, content_type: str) -> str:
    """The policy an answer at ``path`` of ``content_type`` is sent with."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type in HTML_TYPES:
        return PAGE_POLICIES.get(path, PAGE_POLICY)
    return OTHER_POLICY


def headers_for(path: str, content_type: str, status: int = 200) -> list[tuple[str, str]]:
    """Every security header of an answer at ``path`` of ``content_type``. A 304 has none
    of the document's: a browser copies a 304's headers onto the page it keeps, and a 304
    has no Content-Type to choose the page's policy by."""
    if status == 304:
        return list(ALWAYS)
    return [
        *ALWAYS,
        ("Content-Security-Policy", content_security_policy(path, content_type)),
        ("X-Frame-Options", "DENY"),
    ]


class SecurityHeaders:
    """ASGI middleware: ``headers_for`` on every answer, replacing any a route set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                content_type = headers.get("content-type", "")
                for name, value in headers_for(scope["path"], content_type, message["status"]):
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, secured)
