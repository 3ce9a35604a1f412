"""The one interface the API uses to read and replace the evidence graph, whatever holds it.

Both implementations (``EmbeddedStore`` on pyoxigraph, ``RemoteStore`` on any SPARQL 1.1
endpoint) return these types and raise only ``api.errors`` exceptions, so callers never ask
which backend they have.

Datasets follow SPARQL 1.1: a query that names none (no FROM or FROM NAMED, no protocol
dataset) sees the union of the named graphs as its default graph and every named graph in
GRAPH; one that does sees those graphs only, a dataset given with the query (``dataset``,
the protocol's default-graph-uri and named-graph-uri) winning over the query's own. Relative
IRIs resolve against the store's ``base_iri``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex
from typing import Protocol

import pyoxigraph as ox

from smqi.api.store.formats import Row, Term
from smqi.api.store.sparql import (
    Bindings,
    CheckedQuery,
    QueryDataset,
    QueryForm,
    bind,
    check_query,
)
from smqi.loader.terms import DCTERMS


@dataclass(frozen=True)
class SelectResult:
    """The rows of a SELECT, each mapping the variables bound in it to their terms.

    ``truncated`` is true when the query had more rows than the store's row cap and only
    the first ``max_rows`` are here.
    """

    variables: list[str]
    rows: list[dict[str, Term]]
    truncated: bool = False


@dataclass(frozen=True)
class RawResult:
    """A query result serialised for the SPARQL endpoint, and the media type it is in."""

    body: bytes
    media_type: str
    truncated: bool = False


class Store(Protocol):
    """Read a dataset with SPARQL, and load or replace it from an N-Quads file.

    ``bindings`` maps variable names (without ``?``) to the IRIs or literals they must take;
    a sequence allows any of several. They reach the query as a VALUES block, never as text.
    Query methods raise QuerySyntaxError, QueryRefusedError, QueryTimeoutError,
    StoreUnavailableError or StoreError.
    """

    def select(self, query: str, bindings: Bindings | None = None) -> SelectResult:
        """Run a SELECT; at most the store's row cap of rows come back."""
        ...

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        """Run an ASK."""
        ...

    def construct(self, query: str, bindings: Bindings | None = None) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE."""
        ...

    def query_raw(
        self, query: str, accept: str | None, dataset: QueryDataset | None = None
    ) -> RawResult:
        """Run a client's read-only query, on ``dataset`` if given, and serialise its result
        in the best type ``accept`` allows.

        These are the SPARQL endpoint's queries, any text a client sends: the store runs them
        apart from the other methods' (the API's own), which they must not starve.
        Raises NotAcceptableError when no supported type for the query's form is acceptable.
        """
        ...

    def load(self, nquads_file: Path) -> None:
        """Add the quads in ``nquads_file`` to the dataset, all or nothing (DatasetError)."""
        ...

    def replace(self, nquads_file: Path) -> None:
        """Make ``nquads_file`` the whole dataset; on any failure the old one stays served."""
        ...

    def version(self) -> str:
        """An opaque token that changes whenever the dataset is loaded into or replaced."""
        ...

    def close(self) -> None:
        """Release processes and handles; the store is unusable afterwards."""
        ...


_RENEWED = "@renewed:"


def with_renewal(marker: str, renewed_at: float) -> str:
    """The version of a store that others write to as well: the loader's ``marker`` and the
    time (Unix seconds) the current answer period began."""
    return f"{marker}{_RENEWED}{renewed_at:.3f}"


def renewed_at(version: str) -> datetime | None:
    """When the answer period named in ``version`` began; None for a version that changes
    only when our loader writes (see ``RemoteStoreSettings.answer_ttl_s``)."""
    _, found, seconds = version.rpartition(_RENEWED)
    if not found:
        return None
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except ValueError:
        return None


def prepare(query: str, bindings: Bindings | None, *forms: QueryForm) -> tuple[CheckedQuery, str]:
    """Check ``query`` is one of ``forms`` and return it with ``bindings`` in place.

    Raises QueryRefusedError or QuerySyntaxError for text no store should run, and
    ValueError when the caller used the wrong method for the query's form.
    """
    checked = check_query(query)
    if checked.form not in forms:
        expected = " or ".join(form.value for form in forms)
        raise ValueError(f"this method runs {expected} queries, not {checked.form.value}")
    return checked, bind(checked, bindings)


def row_dicts(variables: list[str], rows: list[Row]) -> list[dict[str, Term]]:
    """Rows aligned with ``variables`` as dicts of the variables each row binds."""
    return [
        {name: term for name, term in zip(variables, row, strict=True) if term is not None}
        for row in rows
    ]


VERSION_PREDICATE = ox.NamedNode(str(DCTERMS.identifier))


def version_quad(version_graph: str, version_id: str) -> ox.Quad:
    """The triple recording which dataset version a store holds, in its own graph."""
    graph = ox.NamedNode(version_graph)
    return ox.Quad(graph, VERSION_PREDICATE, ox.Literal(version_id), graph)


def new_version_id() -> str:
    """A fresh version identifier that sorts by creation time."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ-") + token_hex(3)
