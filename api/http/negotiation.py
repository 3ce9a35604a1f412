"""Choosing a representation: media types from Accept (``api.http.media``), RDF writing.

``api.store.formats`` negotiates among the types the store writes for a query result; the
pages and descriptions also offer HTML, and every graph is offered as N-Quads and TriG too.
A graph's N-Triples document is already N-Quads and its Turtle document already TriG, so
the store's bytes for those are served under the other label unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from smqi.api.errors import NotAcceptableError
from smqi.api.http.media import choose
from smqi.api.store.formats import (
    CSV,
    JSON_LD,
    N_TRIPLES,
    RDF_XML,
    SPARQL_JSON,
    SPARQL_XML,
    TSV,
    TURTLE,
)
from smqi.loader.terms import PREFIXES

HTML = "text/html"
N_QUADS = "application/n-quads"
TRIG = "application/trig"

RESULTS_TYPES = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
GRAPH_TYPES = (TURTLE, JSON_LD, RDF_XML, N_TRIPLES, N_QUADS, TRIG)
# A graph document in the key's type is byte for byte a document in the value's type.
STORE_TYPE = {N_QUADS: N_TRIPLES, TRIG: TURTLE}

RESULTS_ALIASES = {
    "application/json": SPARQL_JSON,
    "application/xml": SPARQL_XML,
    "text/xml": SPARQL_XML,
}
GRAPH_ALIASES = {
    "application/json": JSON_LD,
    "application/x-turtle": TURTLE,
    "text/plain": N_TRIPLES,
    "text/x-nquads": N_QUADS,
}

# The ``format=`` override: a short name, or a media type, for each kind of result.
_FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": (SPARQL_JSON, JSON_LD),
    "xml": (SPARQL_XML, RDF_XML),
    "csv": (CSV, None),
    "tsv": (TSV, None),
    "turtle": (None, TURTLE),
    "ttl": (None, TURTLE),
    "jsonld": (None, JSON_LD),
    "json-ld": (None, JSON_LD),
    "rdfxml": (None, RDF_XML),
    "rdf+xml": (None, RDF_XML),
    "rdf": (None, RDF_XML),
    "n3": (None, TURTLE),  # a Turtle document is an N3 document
    "nt": (None, N_TRIPLES),
    "ntriples": (None, N_TRIPLES),
    "n-triples": (None, N_TRIPLES),
    "nq": (None, N_QUADS),
    "nquads": (None, N_QUADS),
    "n-quads": (None, N_QUADS),
    "trig": (None, TRIG),
}

_RDF_FORMATS = {
    TURTLE: ox.RdfFormat.TURTLE,
    JSON_LD: ox.RdfFormat.JSON_LD,
    RDF_XML: ox.RdfFormat.RDF_XML,
    N_TRIPLES: ox.RdfFormat.N_TRIPLES,
    N_QUADS: ox.RdfFormat.N_QUADS,
    TRIG: ox.RdfFormat.TRIG,
}


def choose_or_refuse(
    accept: str | None,
    offered: Sequence[str],
    aliases: Mapping[str, str] | None = None,
    what: str = "this resource",
) -> str:
    """Like ``choose``, raising NotAcceptableError (406) when nothing offered is acceptable."""
    chosen = choose(accept, offered, aliases)
    if chosen is None:
        raise NotAcceptableError(
            f"{what} is available as {', '.join(offered)}; "
            f"none of them is acceptable under 'Accept: {accept}'"
        )
    return chosen


def format_override(names: Sequence[str], graph: bool) -> str:
    """The media type the first fitting ``format=`` value names, for a graph or a table.

    Values are short names (json, xml, csv, tsv, turtle, jsonld, rdfxml, nt, nq, trig) or
    media types; raises NotAcceptableError when none of them fits this kind of result.
    """
    offered = GRAPH_TYPES if graph else RESULTS_TYPES
    aliases = GRAPH_ALIASES if graph else RESULTS_ALIASES
    for name in names:
        key = name.strip().lower()
        if key in _FORMAT_NAMES:
            chosen = _FORMAT_NAMES[key][1 if graph else 0]
        else:
            chosen = aliases.get(key, key)
        if chosen is not None and chosen in offered:
            return chosen
    kind = "an RDF graph" if graph else "SPARQL results"
    short = sorted(k for k, v in _FORMAT_NAMES.items() if v[1 if graph else 0] is not None)
    raise NotAcceptableError(
        f"this query returns {kind}; format={', '.join(names)!r} names none of "
        f"{', '.join(short)}, {', '.join(offered)}"
    )


def write_rdf(
    triples: Iterable[ox.Triple], media_type: str, prefixes: Mapping[str, str] | None = None
) -> bytes:
    """A graph in one of GRAPH_TYPES, declaring the project's prefixes (and ``prefixes``)
    that its IRIs use, where the syntax has prefixes."""
    graph = list(triples)
    candidates = {name: str(namespace) for name, namespace in PREFIXES.items()}
    candidates.update(prefixes or {})
    iris = {
        term.value
        for triple in graph
        for term in (triple.subject, triple.predicate, triple.object)
        if isinstance(term, ox.NamedNode)
    } | {term.datatype.value for triple in graph if isinstance(term := triple.object, ox.Literal)}
    used = {
        name: namespace
        for name, namespace in candidates.items()
        if any(iri.startswith(namespace) for iri in iris)
    }
    return ox.serialize(graph, format=_RDF_FORMATS[media_type], prefixes=used) or b""
