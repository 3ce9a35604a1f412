"""The FastAPI application: evidence API, SPARQL endpoint, linked data and pages.

``create_app`` takes settings and an open store (chosen once at start-up) and wires the
routers. Routers only raise: the handlers here turn every ``api.errors`` error, a bad
parameter and the router's own 404 and 405 into RFC 9457 problems with a stable ``code``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp

from smqi.api import errors
from smqi.api.context import AnswerCache, AppContext
from smqi.api.http.cors import CrossOriginReads
from smqi.api.http.encoding import RefuseUndecodableUrls
from smqi.api.http.head import HeadAsGet
from smqi.api.http.openapi import OpenApiDocument
from smqi.api.http.problems import problem
from smqi.api.http.replay import ReplayAnswers
from smqi.api.http.security import SecurityHeaders
from smqi.api.http.signposting import SignpostLinks
from smqi.api.settings import ApiSettings
from smqi.api.sparql.admission import QueryGate
from smqi.api.store import Store
from smqi.loader import __version__
from smqi.loader.queries import load_catalogue

LOG = logging.getLogger("smqi.api")

DESCRIPTION = """
Evidence on social media used to engage stakeholders in health service design and
quality improvement, as a linked-data graph. The 30 studies in the graph are **an
illustrative extraction coded from public abstracts**, not the included studies of the
Walsh et al. reviews (whose 40 and 61 studies are reported, not loaded).

SPARQL 1.1 endpoint at `/sparql`; example queries at `/.well-known/sparql-examples`;
every IRI under `/id/` dereferences here.
"""


def _prepare(context: AppContext) -> None:
    from smqi.api.evidence.search import prepare

    try:
        prepare(context)
    except errors.ApiError:
        LOG.warning("could not prepare the evidence answers; they will be computed on demand")


def _validation_problem(detail: Mapping[str, Any]) -> str:
    """One pydantic error as a sentence: which parameter, and what is wrong with it."""
    where = [str(part) for part in detail.get("loc", ())]
    kind = {"query": "query parameter", "path": "path segment", "header": "header"}
    if len(where) >= 2 and where[0] in kind:
        return f"{kind[where[0]]} {where[-1]!r}: {detail.get('msg', 'invalid')}"
    return f"{'.'.join(where) or 'request'}: {detail.get('msg', 'invalid')}"


def _dataset_values(context: AppContext) -> dict[str, list[str]]:
    """What the parameters naming a review or a concept take in the served dataset: each
    review's or collection's id, each concept's preferred label (by dimension). (An IRI,
    an alternative label or another case works too.)"""
    from smqi.api.evidence.dimensions import DIMENSIONS, collections, vocabulary
    from smqi.api.evidence.queries import Snapshot

    snapshot = Snapshot.of(context)
    known = vocabulary(snapshot)
    reviews = {ref.identifier for ref in collections(snapshot).values() if ref.identifier}
    values = {"review": sorted(reviews)}
    for dimension in DIMENSIONS:
        labels = {known.label(concept) for concept in known.in_scheme(dimension.scheme)}
        values[dimension.name] = sorted(labels)
    return values


def _document(app: FastAPI, context: AppContext) -> None:
    """The OpenAPI document says what the handlers do (``api.http.openapi``), with the
    served dataset's reviews and labels; without a store to ask, without them."""

    def version() -> str:
        try:
            return context.store.version()
        except errors.ApiError:
            return ""

    def values() -> dict[str, list[str]]:
        try:
            return _dataset_values(context)
        except errors.ApiError:
            LOG.warning("the OpenAPI document lists no reviews or labels: the store is down")
            return {}

    app.openapi = OpenApiDocument(app.openapi, version, values)  # type: ignore[method-assign]


_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def _allowed_methods(app: FastAPI, request: Request) -> tuple[str, ...]:
    """Every method some route answers at the request's path (HEAD with GET), found by the
    router's own matching: a path may be served by several routes, one per method, and the
    router's 405 names none of them."""
    allowed = {
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in app.router.routes
        )
    }
    if "GET" in allowed:
        allowed.add("HEAD")
    return tuple(sorted(allowed, key=("GET", "HEAD", *_METHODS).index))


class EvidenceApp(FastAPI):
    """The application, with the security headers as its outermost layer: outside
    Starlette's error middleware, so that the 500 of an unexpected failure carries them too
    (middleware added with ``add_middleware`` runs inside it)."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def create_app(settings: ApiSettings, store: Store) -> FastAPI:
    """The application over ``store``; the caller owns opening it, the app closes it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # warm the per-version answers in the background: the first requests then do not
        # wait for the study index (about 10 s at 100k studies); requests still work meanwhile
        threading.Thread(target=_prepare, args=(app.state.context,), daemon=True).start()
        yield
        store.close()

    app = EvidenceApp(
        title="SMQI Evidence Graph",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # /docs is the pages' own (the vendored Swagger UI, no CDN); no ReDoc
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = AppContext(
        settings=settings,
        store=store,
        catalogue=load_catalogue(settings.build.queries_dir),
        cache=AnswerCache(settings.cache_entries),
        gate=QueryGate(
            slots=settings.store.workers,
            queue=settings.sparql_queue,
            wait_s=settings.store.query_timeout_s,
        ),
    )

    # The one place errors become answers: routers and what they call only raise.
    @app.exception_handler(errors.ApiError)
    async def api_error(_: Request, error: errors.ApiError) -> Response:
        if error.status == 500:
            LOG.error("unexpected error: %s", error, exc_info=error)
        return problem(error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> Response:
        # a missing or malformed parameter is a bad request like an unknown value (400, the
        # same problem shape), not FastAPI's 422 with pydantic's internals
        problems = [_validation_problem(detail) for detail in error.errors()]
        return problem(errors.InvalidParameterError("; ".join(problems), {"problems": problems}))

    @app.exception_handler(HTTPException)
    async def routing_error(request: Request, error: HTTPException) -> Response:
        # the router's own refusals: no route for the path, or none for the method
        if error.status_code == 405:
            allowed = _allowed_methods(app, request)
            read_only = "is read-only: it " if set(allowed) <= {"GET", "HEAD"} else ""
            return problem(
                errors.MethodNotAllowedError(
                    f"{request.url.path} {read_only}answers {', '.join(allowed)}, "
                    f"not {request.method}",
                    allowed,
                )
            )
        if error.status_code == 404:
            return problem(errors.NotFoundError(f"nothing is served at {request.url.path}"))
        generic = errors.RequestError(str(error.detail))
        generic.status = error.status_code
        generic.headers = dict(error.headers or {})
        return problem(generic)

    from smqi.api.admin import router as admin
    from smqi.api.evidence import router as evidence
    from smqi.api.fair import router as fair
    from smqi.api.linked_data import router as linked_data
    from smqi.api.pages import map_router
    from smqi.api.pages import router as home
    from smqi.api.reconcile import router as reconcile
    from smqi.api.sparql import graph_store
    from smqi.api.sparql import router as sparql

    routers = (home, fair, sparql, graph_store, evidence, map_router, reconcile, linked_data)
    for module in routers:
        app.include_router(module.router)
    if settings.reload_token:
        app.include_router(admin.router)
    _document(app, app.state.context)
    app.add_middleware(ReplayAnswers, context=app.state.context)  # innermost: sees GET
    app.add_middleware(HeadAsGet)
    # outside the replay, so that replayed answers carry their signposts too
    app.add_middleware(SignpostLinks, source=fair.ServedSignposts(app.state.context))
    app.add_middleware(RefuseUndecodableUrls)
    # outermost: preflights never reach the routes
    flags = (sparql.TRUNCATED_HEADER, sparql.CACHE_HEADER, "Retry-After")
    app.add_middleware(CrossOriginReads, also_exposed=flags)
    return app
