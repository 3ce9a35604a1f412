"""The SPARQL 1.1 Graph Store HTTP Protocol, read-only, at /store (as Oxigraph serves it;
Fuseki's /data): ``GET /store?graph=IRI`` gives one named graph, ``GET /store?default``
the default graph, which here is the union of the named graphs. Turtle, JSON-LD, RDF/XML
or N-Triples by Accept; answers are cached per build with an ETag, as every answer is.

A graph larger than the row cap (``max_rows`` triples) is refused with 413 and pointed to
the build's files, so one request cannot make the server hold millions of triples. PUT,
POST, DELETE and PATCH are refused with 405: the graph changes only when a build loads.
"""

from __future__ import annotations

from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from smqi.api.context import AppContext
from smqi.api.evidence.errors import (
    EvidenceError,
    InvalidParameterError,
    NotFoundError,
    TooLargeError,
)
from smqi.api.evidence.queries import Snapshot, api_query
from smqi.api.http.caching import Representation, respond
from smqi.api.http.dependencies import get_context
from smqi.api.http.negotiation import GRAPH_ALIASES, choose_or_refuse, write_rdf
from smqi.api.http.problems import problem
from smqi.api.store.formats import JSON_LD, N_TRIPLES, RDF_XML, TURTLE

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["SPARQL"])

TRIPLE_TYPES = (TURTLE, JSON_LD, RDF_XML, N_TRIPLES)
READ_ONLY = {"Allow": "GET, HEAD"}


@router.get("/store", summary="Graph Store Protocol (read-only): one graph of the dataset")
def get_graph(
    request: Request,
    context: Context,
    graph: Annotated[
        str | None,
        Query(
            description="A named graph's IRI.",
            examples=["https://w3id.org/smqi/id/graph/reviews"],
        ),
    ] = None,
    default: Annotated[
        str | None, Query(description="Present (no value): the default graph, the union.")
    ] = None,
) -> Response:
    """One named graph (``graph=IRI``) or the default graph (``default``), the union of the
    named graphs."""
    if (graph is None) == (default is None):
        return problem(
            InvalidParameterError(
                "name one graph: ?graph=IRI for a named graph, or ?default for the union"
            )
        )
    media_type = choose_or_refuse(request.headers.get("accept"), TRIPLE_TYPES, GRAPH_ALIASES)
    cap = context.settings.store.max_rows

    def render(snapshot: Snapshot) -> Representation:
        if graph is None:
            query, bindings, name = api_query("union-triples"), None, "the default graph"
        else:
            query, name = api_query("graph-triples"), f"the graph <{graph}>"
            bindings = {"graph": ox.NamedNode(graph)}
        triples = snapshot.construct(f"{query}\nLIMIT {cap + 1}", bindings)
        if graph is not None and not triples:
            raise NotFoundError(f"the dataset holds no graph named <{graph}>")
        if len(triples) > cap:
            raise TooLargeError(
                f"{name} holds more than {cap} triples, more than one answer carries; "
                "download the whole dataset instead: /downloads/smqi.trig (every named graph) "
                "or /downloads/smqi.ttl (their union)"
            )
        return Representation(write_rdf(sorted(triples, key=str), media_type), media_type)

    key = f"/store?graph={graph}|default={default is not None}|{media_type}"
    try:
        return respond(request, context, key, render, vary="Accept")
    except EvidenceError as error:
        return problem(error)
    except ValueError as error:  # an IRI pyoxigraph refuses
        return problem(InvalidParameterError(f"not an IRI: {graph!r} ({error})"))


@router.api_route(
    "/store",
    methods=["PUT", "POST", "DELETE", "PATCH"],
    include_in_schema=False,
)
def refuse_writes() -> Response:
    return JSONResponse(
        {
            "code": "read-only",
            "message": "the graph store is read-only: the graph changes only when a build is "
            "loaded (smqi load, or POST /admin/reload with its token)",
        },
        status_code=405,
        headers=READ_ONLY,
    )
