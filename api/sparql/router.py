"""The SPARQL 1.1 Protocol endpoint at /sparql, its service description and query editor.

GET or POST a query: SELECT and ASK answer in SPARQL JSON, XML, CSV or TSV; CONSTRUCT and
DESCRIBE in Turtle, JSON-LD, RDF/XML, N-Triples, N-Quads or TriG, chosen by a ``format=``
parameter or by Accept. ``default-graph-uri`` and ``named-graph-uri`` name the dataset
(else the query's FROM and FROM NAMED, else the union of the named graphs). A SELECT cut at
the row limit says so in ``SMQI-Result-Truncated``. GET answers carry an ETag (dataset
version + request) and honour If-None-Match. Results are kept per dataset version (in the
app's answer cache, bounded in bytes), so a repeated query is answered without running it
again; ``SMQI-Cache`` says hit or miss. A query that must run waits its turn for one of the
store's query slots (``api.sparql.admission``): 503 with Retry-After when the queue is full.
GET without a query returns the service description, or the query editor to a browser.
Errors are raised and rendered by the app's one handler.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from smqi.api.context import AppContext
from smqi.api.fair.dataset_description import current_facts
from smqi.api.http.bodies import read_body
from smqi.api.http.caching import entity_tag, etag_matches
from smqi.api.http.dependencies import get_context
from smqi.api.http.media import HTML, choose, format_values
from smqi.api.http.negotiation import (
    GRAPH_ALIASES,
    GRAPH_TYPES,
    RESULTS_ALIASES,
    RESULTS_TYPES,
    STORE_TYPE,
    negotiate,
    write_rdf,
)
from smqi.api.http.openapi import answers, refusals
from smqi.api.http.replay import ANSWER_VERSION, SERVED_VERSION
from smqi.api.pages import render as pages
from smqi.api.sparql.protocol import (
    DEFAULT_GRAPH,
    FORM,
    MAX_BODY_BYTES,
    MAX_QUERY_CHARS,
    NAMED_GRAPH,
    SPARQL_QUERY,
    QueryRequest,
    read_get,
    read_post,
)
from smqi.api.sparql.service_description import (
    ServiceLinks,
    describe_examples,
    describe_service,
    with_all_prefixes,
)
from smqi.api.store.base import RawResult
from smqi.api.store.sparql import QueryDataset, check_query

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["SPARQL"])

TRUNCATED_HEADER = "SMQI-Result-Truncated"
CACHE_HEADER = "SMQI-Cache"  # hit: answered from the results kept for this dataset version
DEFAULT_EXAMPLE = "cq04a-studies-per-year"
_NOT_CACHED = {"Vary": "Accept", "Cache-Control": "no-cache"}

# The protocol's parameters, read by hand (repeatable, in the URL or a form), declared here.
_FORMATS = sorted({*format_values(RESULTS_TYPES), *format_values(GRAPH_TYPES)})
_GRAPHS = {"type": "array", "items": {"type": "string", "format": "uri"}}
_PROTOCOL_FIELDS = {
    "query": {
        "type": "string",
        "maxLength": MAX_QUERY_CHARS,
        "description": "A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE).",
        "examples": ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"],
    },
    DEFAULT_GRAPH: {**_GRAPHS, "description": "The default graph: these graphs merged."},
    NAMED_GRAPH: {**_GRAPHS, "description": "The named graphs the query may use."},
    "format": {
        "type": "array",
        "items": {"type": "string", "enum": ["", *_FORMATS]},
        "description": "A format name or media type: overrides Accept (the first that fits; "
        "an empty one is ignored).",
    },
}
_URL_PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": schema}
    for name, schema in _PROTOCOL_FIELDS.items()
]
_GRAPH_FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "schema": {
        "type": "array",
        "items": {"type": "string", "enum": format_values(GRAPH_TYPES)},
        "description": "A format name or media type: overrides Accept.",
    },
}
_ANSWERS = {
    **answers(*RESULTS_TYPES, *GRAPH_TYPES, HTML),
    **refusals(304, 400, 406, 413, 503, 504),
}
_BODY = {
    "required": True,
    "content": {
        FORM: {
            "schema": {"type": "object", "properties": _PROTOCOL_FIELDS, "required": ["query"]},
        },
        SPARQL_QUERY: {"schema": {"type": "string", "maxLength": MAX_BODY_BYTES}},
    },
}


def _base_url(request: Request, context: AppContext) -> str:
    """Where this server answers: the configured public URL, else the request's own."""
    return (context.settings.public_url or str(request.base_url)).rstrip("/")


def _service_links(request: Request, context: AppContext) -> ServiceLinks:
    store = context.settings.store
    return ServiceLinks.at(
        _base_url(request, context), store.query_timeout_s, store.max_rows, store.base_iri
    )


@router.get(
    "/sparql",
    response_class=Response,
    responses=_ANSWERS,
    openapi_extra={"parameters": _URL_PARAMETERS},
    summary="SPARQL query (GET), service description or query editor",
)
async def sparql_get(request: Request, context: Context) -> Response:
    query = read_get(request.query_params.multi_items())
    accept = request.headers.get("accept")
    if not query.formats and _prefers_html(accept, with_query=query.query is not None):
        return _editor(context)
    if query.query is None:
        return await _service_description(request, context, query.formats)
    return await _answer(request, context, query, conditional=True)


@router.post(
    "/sparql",
    response_class=Response,
    responses={**_ANSWERS, **refusals(415)},
    openapi_extra={
        "parameters": [p for p in _URL_PARAMETERS if p["name"] != "query"],
        "requestBody": _BODY,
    },
    summary="SPARQL query (POST form or application/sparql-query body)",
)
async def sparql_post(request: Request, context: Context) -> Response:
    body = await read_body(request, MAX_BODY_BYTES)
    query = read_post(request.headers.get("content-type"), request.query_params.multi_items(), body)
    return await _answer(request, context, query, conditional=False)


def _prefers_html(accept: str | None, with_query: bool) -> bool:
    """Whether the client rates HTML above every data type (a browser's Accept does).

    With a query the data types come first, so ``*/*`` gets data; without one the service
    description's RDF types do.
    """
    if with_query:
        offered = (*RESULTS_TYPES, *GRAPH_TYPES, HTML)
        return choose(accept, offered, RESULTS_ALIASES) == HTML
    return choose(accept, (*GRAPH_TYPES, HTML), GRAPH_ALIASES) == HTML


def _editor(context: AppContext) -> HTMLResponse:
    catalogue = context.catalogue
    default = catalogue.get(DEFAULT_EXAMPLE) or next(iter(catalogue.values()), None)
    query = with_all_prefixes(default.text) if default else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    base_iri = context.settings.build.base_iri
    html = pages.render_editor(
        query, pages.examples_of(catalogue, base_iri), "SMQI Evidence Graph", base_iri
    )
    return HTMLResponse(html, headers=_NOT_CACHED)


async def _service_description(
    request: Request, context: AppContext, formats: tuple[str, ...]
) -> Response:
    media_type = negotiate(
        request.headers.get("accept"), formats, GRAPH_TYPES, "the service description"
    )
    facts = await run_in_threadpool(current_facts, context)
    triples = describe_service(
        _service_links(request, context), facts, context.settings.build.base_iri
    )
    return Response(write_rdf(triples, media_type), media_type=media_type, headers=_NOT_CACHED)


def _request_key(text: str, media_type: str, dataset: QueryDataset | None) -> str:
    """What determines a result, given the dataset version: the query, its type, the dataset."""
    graphs = "" if dataset is None else f"{dataset.default_graphs}\x00{dataset.named_graphs}"
    return f"sparql\x00{media_type}\x00{graphs}\x00{text}"


async def _answer(
    request: Request, context: AppContext, query: QueryRequest, conditional: bool
) -> Response:
    """Run the query and send its result, or 304 when the client holds the same one."""
    text = query.query or ""
    form = check_query(text).form  # refuses updates, SERVICE and what no store parses safely
    offered = GRAPH_TYPES if form.returns_graph else RESULTS_TYPES
    media_type = negotiate(
        request.headers.get("accept"), query.formats, offered, f"the result of a {form.value}"
    )
    store = context.store
    headers = {"Vary": "Accept"}
    served = request.scope.get(SERVED_VERSION)  # read by api.http.replay for this request
    version: str = served if isinstance(served, str) else await run_in_threadpool(store.version)
    store_type = STORE_TYPE.get(media_type, media_type)
    key = _request_key(text, store_type, query.dataset)
    if conditional:
        etag = entity_tag(version, key)
        headers |= {"ETag": etag, "Cache-Control": "no-cache"}
        if etag_matches(request.headers.get("if-none-match") or "", etag):
            return Response(status_code=304, headers=headers)
    result = context.cache.get(version, key)
    computed = result is None
    if result is None:
        client = request.client.host if request.client else "unknown"
        async with context.gate.admitted(client):
            # The graph changes only when a build is loaded, so a result holds for its version.
            result = await run_in_threadpool(
                context.cache.get_or_compute,
                version,
                key,
                lambda: store.query_raw(text, store_type, query.dataset),
            )
    assert isinstance(result, RawResult)
    headers[TRUNCATED_HEADER] = "true" if result.truncated else "false"
    headers[CACHE_HEADER] = "miss" if computed else "hit"
    if conditional and not computed:
        # a GET answered from the kept results: api.http.replay may send this answer again, and
        # its "hit" stays true (a "miss" is never kept, so a replay never says "miss")
        request.scope[ANSWER_VERSION] = version
    return Response(result.body, media_type=media_type, headers=headers)


@router.get(
    "/.well-known/sparql-examples",
    response_class=Response,
    responses={**answers(*GRAPH_TYPES), **refusals(406)},
    openapi_extra={"parameters": [_GRAPH_FORMAT]},
    summary="The competency queries as SPARQL examples",
)
def sparql_examples(request: Request, context: Context) -> Response:
    formats = tuple(request.query_params.getlist("format"))
    media_type = negotiate(
        request.headers.get("accept"), formats, GRAPH_TYPES, "the example catalogue"
    )
    triples = describe_examples(
        context.catalogue, _service_links(request, context), context.settings.build.base_iri
    )
    return Response(write_rdf(triples, media_type), media_type=media_type, headers=_NOT_CACHED)
