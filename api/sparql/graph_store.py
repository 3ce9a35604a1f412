"""The SPARQL 1.1 Graph Store HTTP Protocol, read-only, at /store (as Oxigraph serves it;
Fuseki's /data): ``GET /store?graph=IRI`` gives one named graph, ``GET /store?default``
the default graph, which here is the union of the named graphs (without a graph the store
keeps for itself). Turtle, JSON-LD, RDF/XML, N-Triples, N-Quads or TriG by ``format=`` or
Accept; in N-Quads and TriG a named graph keeps its name. Answers are cached per build with
an ETag, as every answer is.

A graph larger than the row cap (``max_rows`` triples) is refused with 413 and pointed to
the build's files, so one request cannot make the server hold millions of triples. PUT,
POST, DELETE and PATCH get the router's 405 (Allow: GET, HEAD): the graph changes only when
a build loads.
"""

from __future__ import annotations

from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from smqi.api.context import AppContext
from smqi.api.errors import InvalidParameterError, NotFoundError, TooLargeError
from smqi.api.evidence.queries import Snapshot, api_query
from smqi.api.http.caching import Representation, respond
from smqi.api.http.dependencies import get_context
from smqi.api.http.media import GRAPH_TYPES, format_values
from smqi.api.http.negotiation import negotiate, write_rdf
from smqi.api.http.openapi import answers, one_of, refusals
from smqi.api.store.sparql import BindingValue

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["SPARQL"])


@router.get(
    "/store",
    response_class=Response,
    responses={**answers(*GRAPH_TYPES), **refusals(304, 400, 404, 406, 413)},
    summary="Graph Store Protocol (read-only): one graph of the dataset",
)
def get_graph(
    request: Request,
    context: Context,
    graph: Annotated[
        str | None,
        Query(
            description="A named graph's IRI (give it or default, not both).",
            examples=["https://w3id.org/smqi/id/graph/reviews"],
            json_schema_extra={"format": "uri"},
        ),
    ] = None,
    default: Annotated[
        str | None, Query(description="Present (no value): the default graph, the union.")
    ] = None,
    format_: Annotated[
        list[str] | None,
        Query(
            alias="format",
            description="ttl, jsonld, rdf, nt, nq or trig (or a media type): overrides Accept.",
            json_schema_extra=one_of(format_values(GRAPH_TYPES), repeatable=True),
        ),
    ] = None,
) -> Response:
    """One named graph (``graph=IRI``) or the default graph (``default``), the union of the
    named graphs."""
    if (graph is None) == (default is None):
        raise InvalidParameterError(
            "name one graph: ?graph=IRI for a named graph, or ?default for the union"
        )
    named: ox.NamedNode | None = None
    if graph is not None:
        try:
            named = ox.NamedNode(graph)
        except ValueError as error:
            raise InvalidParameterError(f"not an IRI: {graph!r} ({error})") from error
    media_type = negotiate(request.headers.get("accept"), format_ or (), GRAPH_TYPES, "a graph")
    cap = context.settings.store.max_rows
    hidden = context.settings.store.bookkeeping_graph

    def render(snapshot: Snapshot) -> Representation:
        bindings: dict[str, BindingValue] = {}
        if named is None:
            query, name = api_query("union-triples"), "the default graph"
            if hidden is not None:
                bindings["hidden"] = ox.NamedNode(hidden)
        else:
            query, name = api_query("graph-triples"), f"the graph <{graph}>"
            bindings["graph"] = named
        triples = snapshot.construct(f"{query}\nLIMIT {cap + 1}", bindings)
        if named is not None and (not triples or named.value == hidden):
            raise NotFoundError(f"the dataset holds no graph named <{graph}>")
        if len(triples) > cap:
            raise TooLargeError(
                f"{name} holds more than {cap} triples, more than one answer carries; "
                "download the whole dataset instead: /downloads/smqi.trig (every named graph) "
                "or /downloads/smqi.ttl (their union)"
            )
        body = write_rdf(sorted(triples, key=str), media_type, graph=named)
        return Representation(body, media_type)

    key = f"/store?graph={graph}|default={default is not None}|{media_type}"
    return respond(request, context, key, render, vary="Accept")
