"""Writing query results in the types the stores answer in (from the one registry,
``api.http.media``), and reading back what the query processes send.

Both stores write results through these functions (pyoxigraph's serialisers underneath),
so they cut a SELECT at the row cap the same way and answer in the same types.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING

import pyoxigraph as ox

from smqi.api.errors import NotAcceptableError
from smqi.api.http.media import (
    CSV,
    GRAPH_TYPES,
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    RDF_XML,
    RESULTS_TYPES,
    SPARQL_JSON,
    SPARQL_XML,
    TRIG,
    TSV,
    TURTLE,
    choose,
    rdf_format,
    results_format,
)

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = Sequence[Term | None]

# The types the stores write themselves; N-Quads and TriG of a graph are the same bytes as
# N-Triples and Turtle (api.http.negotiation.STORE_TYPE).
RESULTS_MEDIA_TYPES = RESULTS_TYPES
GRAPH_MEDIA_TYPES = tuple(t for t in GRAPH_TYPES if t not in (N_QUADS, TRIG))

__all__ = [
    "CSV",
    "JSON_LD",
    "N_TRIPLES",
    "RDF_XML",
    "SPARQL_JSON",
    "SPARQL_XML",
    "TSV",
    "TURTLE",
    "Row",
    "Term",
    "capped_results",
    "negotiate",
    "rdf_format",
    "results_format",
    "rows_from_tsv",
    "triples_from_ntriples",
    "write_graph",
]


def negotiate(accept: str | None, graph: bool) -> str:
    """The best media type for a graph or a results table under ``accept`` (RFC 9110 rules).

    An empty or missing Accept header means anything; raises NotAcceptableError when no
    offered type has a quality above zero.
    """
    offered = GRAPH_MEDIA_TYPES if graph else RESULTS_MEDIA_TYPES
    best = choose(accept, offered)
    if best is None:
        kind = "an RDF graph" if graph else "SPARQL results"
        raise NotAcceptableError(
            f"this query returns {kind}, available as {', '.join(offered)}; "
            f"none of them is acceptable under 'Accept: {accept}'"
        )
    return best


def capped_results(
    solutions: ox.QuerySolutions, media_type: str, max_rows: int
) -> tuple[bytes, bool]:
    """A SELECT result in ``media_type``, cut after ``max_rows`` rows, and whether it was cut.

    The rows are written as TSV (one line per row, every term in N-Triples syntax, so no
    loss) through a writer that stops the serialiser once the cap is passed; the cut TSV is
    then rewritten in the asked type. pyoxigraph does all the writing, so a large result
    costs little more than pyoxigraph serialising it directly.
    """
    writer = _LineCap(max_rows + 1)  # the header line, then one line per row
    with suppress(_StopWritingError):
        solutions.serialize(writer, format=ox.QueryResultsFormat.TSV)
    tsv = writer.text()
    if media_type == TSV:
        return tsv, writer.reached
    converted = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    return converted.serialize(format=results_format(media_type)) or b"", writer.reached


def rows_from_tsv(tsv: bytes) -> tuple[list[str], list[Row]]:
    """The variables and rows (terms, None where unbound) of a TSV result."""
    solutions = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    assert isinstance(solutions, ox.QuerySolutions)
    return [variable.value for variable in solutions.variables], [tuple(row) for row in solutions]


def triples_from_ntriples(body: bytes) -> list[ox.Triple]:
    """The triples of an N-Triples document, blank node labels kept."""
    return [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]


def write_graph(triples: Sequence[ox.Triple], media_type: str) -> bytes:
    """A CONSTRUCT or DESCRIBE result in one of GRAPH_MEDIA_TYPES."""
    return ox.serialize(triples, format=rdf_format(media_type)) or b""


class _StopWritingError(Exception):
    """Raised from inside pyoxigraph's serialiser to stop it; it propagates unchanged."""


class _LineCap(io.BytesIO):
    """A buffer that keeps what is written and stops the writer once it has ``lines`` lines."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self._limit = lines
        self._lines = 0
        self.reached = False

    def write(self, data: ReadableBuffer, /) -> int:
        written = super().write(data)
        self._lines += bytes(data).count(b"\n")
        if self._lines > self._limit:
            self.reached = True
            raise _StopWritingError
        return written

    def text(self) -> bytes:
        """What was written, cut just after line ``lines`` if more came."""
        data = self.getvalue()
        if not self.reached:
            return data
        end = -1
        for _ in range(self._limit):
            end = data.find(b"\n", end + 1)
        return data[: end + 1]
