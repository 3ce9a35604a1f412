"""Choosing a representation (``?format=`` first, then Accept) from the registry in
``api.http.media``, and writing RDF.

A graph is offered as N-Quads and TriG too: a graph's N-Triples document is already an
N-Quads document (its triples in the default graph), and its Turtle document a TriG one, so
the store's bytes for those are served under the other label unchanged (``STORE_TYPE``).
A graph that has a name (``/store?graph=IRI``) is written in it (``write_rdf(graph=...)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from smqi.api.errors import NotAcceptableError
from smqi.api.http.media import (
    GRAPH_TYPES,
    HTML,
    N_QUADS,
    N_TRIPLES,
    RESULTS_TYPES,
    TRIG,
    TURTLE,
    aliases,
    choose,
    named,
    names,
    rdf_format,
)
from smqi.loader.terms import PREFIXES

# A graph document in the key's type is byte for byte a document in the value's type.
STORE_TYPE = {N_QUADS: N_TRIPLES, TRIG: TURTLE}
RESULTS_ALIASES = aliases(RESULTS_TYPES)
GRAPH_ALIASES = aliases(GRAPH_TYPES)

__all__ = [
    "GRAPH_ALIASES",
    "GRAPH_TYPES",
    "HTML",
    "N_QUADS",
    "RESULTS_ALIASES",
    "RESULTS_TYPES",
    "STORE_TYPE",
    "TRIG",
    "choose_or_refuse",
    "format_override",
    "negotiate",
    "write_rdf",
]


def choose_or_refuse(
    accept: str | None,
    offered: Sequence[str],
    aliases_: Mapping[str, str] | None = None,
    what: str = "this resource",
) -> str:
    """Like ``choose``, raising NotAcceptableError (406) when nothing offered is acceptable."""
    chosen = choose(accept, offered, aliases_)
    if chosen is None:
        raise NotAcceptableError(
            f"{what} is available as {', '.join(offered)}; "
            f"none of them is acceptable under 'Accept: {accept}'"
        )
    return chosen


def format_override(
    values: Sequence[str], graph: bool | None = None, offered: Sequence[str] | None = None
) -> str:
    """The offered type the first fitting ``format=`` value names (a short name, a media
    type or an alias); ``graph`` picks the offer of a query's result, a graph or a table.

    Raises NotAcceptableError when no value names an offered type.
    """
    if offered is None:
        offered = GRAPH_TYPES if graph else RESULTS_TYPES
    for value in values:
        chosen = named(value, offered)
        if chosen is not None:
            return chosen
    kind = "this answer" if graph is None else "an RDF graph" if graph else "SPARQL results"
    raise NotAcceptableError(
        f"{kind} is available as {', '.join(names(offered))} ({', '.join(offered)}); "
        f"format={', '.join(values)!r} names none of them"
    )


def negotiate(
    accept: str | None,
    format_values: Sequence[str],
    offered: Sequence[str],
    what: str = "this resource",
) -> str:
    """The type to answer in: the first ``format=`` value that names an offered type, else
    the offered type the Accept header rates highest (406 when there is none)."""
    if format_values:
        return format_override(format_values, offered=offered)
    return choose_or_refuse(accept, offered, None, what)


def write_rdf(
    triples: Iterable[ox.Triple],
    media_type: str,
    prefixes: Mapping[str, str] | None = None,
    graph: ox.NamedNode | None = None,
) -> bytes:
    """A graph in one of GRAPH_TYPES, declaring the project's prefixes (and ``prefixes``)
    that its IRIs use, where the syntax has prefixes. In N-Quads and TriG the triples are
    written in ``graph``, or in the default graph."""
    listed = list(triples)
    candidates = {name: str(namespace) for name, namespace in PREFIXES.items()}
    candidates.update(prefixes or {})
    iris = {
        term.value
        for triple in listed
        for term in (triple.subject, triple.predicate, triple.object)
        if isinstance(term, ox.NamedNode)
    } | {term.datatype.value for triple in listed if isinstance(term := triple.object, ox.Literal)}
    used = {
        name: namespace
        for name, namespace in candidates.items()
        if any(iri.startswith(namespace) for iri in iris)
    }
    data: list[ox.Triple] | list[ox.Quad] = listed
    if graph is not None and media_type in (N_QUADS, TRIG):
        data = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in listed]
    return ox.serialize(data, format=rdf_format(media_type), prefixes=used) or b""
