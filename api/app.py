"""The FastAPI application: evidence API, SPARQL endpoint, linked data and pages.

``create_app`` takes settings and an open store (chosen once at start-up) and wires the
routers; errors from ``api.errors`` become JSON problems with a stable ``code``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from smqi.api import errors
from smqi.api.context import AnswerCache, AppContext
from smqi.api.evidence.errors import InvalidParameterError
from smqi.api.http.cors import CrossOriginReads
from smqi.api.http.head import HeadAsGet
from smqi.api.http.problems import problem
from smqi.api.http.replay import ReplayAnswers
from smqi.api.http.signposting import SignpostLinks
from smqi.api.settings import ApiSettings
from smqi.api.store import Store
from smqi.loader import __version__
from smqi.loader.queries import load_catalogue

LOG = logging.getLogger("smqi.api")

STATUS = {
    errors.QuerySyntaxError: 400,
    errors.QueryRefusedError: 400,
    errors.NotAcceptableError: 406,
    errors.DatasetError: 422,
    errors.QueryTimeoutError: 504,
    errors.StoreUnavailableError: 503,
}

DESCRIPTION = """
Evidence on social media used to engage stakeholders in health service design and
quality improvement, as a linked-data graph. The 30 studies in the graph are **an
illustrative extraction coded from public abstracts**, not the included studies of the
Walsh et al. reviews (whose 40 and 61 studies are reported, not loaded).

SPARQL 1.1 endpoint at `/sparql`; example queries at `/.well-known/sparql-examples`;
every IRI under `/id/` dereferences here.
"""


def _status_for(error: errors.ApiError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


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


def _document_bad_requests_as_400(app: FastAPI) -> None:
    """The OpenAPI document says what the handler above does: 400, not 422."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None and "400" not in responses:
                    responses["400"] = {"description": "A parameter is missing or malformed"}
        for unused in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(unused, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: ApiSettings, store: Store) -> FastAPI:
    """The application over ``store``; the caller owns opening it, the app closes it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # warm the per-version answers in the background: the first requests then do not
        # wait for the study index (about 10 s at 100k studies); requests still work meanwhile
        threading.Thread(target=_prepare, args=(app.state.context,), daemon=True).start()
        yield
        store.close()

    app = FastAPI(
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
    )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        # a missing or malformed parameter is a bad request like an unknown value (400, the
        # same problem shape), not FastAPI's 422 with pydantic's internals
        problems = [_validation_problem(detail) for detail in error.errors()]
        return problem(InvalidParameterError("; ".join(problems), {"problems": problems}))

    @app.exception_handler(errors.ApiError)
    async def api_error(_: Request, error: errors.ApiError) -> JSONResponse:
        status = _status_for(error)
        message = str(error) if status < 500 or status in (503, 504) else "internal error"
        if status == 500:
            LOG.exception("unexpected store error", exc_info=error)
        return JSONResponse({"code": error.code, "message": message}, status_code=status)

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
    _document_bad_requests_as_400(app)
    app.add_middleware(ReplayAnswers, context=app.state.context)  # innermost: sees GET
    app.add_middleware(HeadAsGet)
    # outside the replay, so that replayed answers carry their signposts too
    app.add_middleware(SignpostLinks, source=fair.ServedSignposts(app.state.context))
    # outermost: preflights never reach the routes
    flags = (sparql.TRUNCATED_HEADER, sparql.CACHE_HEADER)
    app.add_middleware(CrossOriginReads, also_exposed=flags)
    return app
