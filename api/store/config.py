"""Settings of the two store backends, made once at start-up and passed to ``open_store``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin

from smqi.loader.terms import DEFAULT_BASE

# The remote store's graph holding one triple, ``<graph> dcterms:identifier "<version>"``,
# written by every load and replace: ETags then follow the data, whichever process changed it.
VERSION_GRAPH = f"{DEFAULT_BASE}graph/store-version"


@dataclass(frozen=True)
class EmbeddedStoreSettings:
    """A pyoxigraph store on disk under ``data_dir``, queried by child processes.

    Two sets of processes answer queries, so that one cannot starve the other: up to
    ``workers`` run the SPARQL endpoint's queries (any text a client sends), and up to
    ``api_workers`` run the API's own (the evidence answers, linked data, the graph store).
    ``sparql_niceness`` lowers the SPARQL processes' CPU priority, for a machine whose CPU
    the API must come first on; 0 by default: on a machine shared with other work, niced
    processes ran every query up to 1.5 times slower, and the separate processes alone kept
    the API's p99 under 30 ms beside four runaway queries (bench/starvation_bench.py).
    Each query may run ``query_timeout_s`` seconds before its process is killed and
    replaced; a SELECT returns at most ``max_rows`` rows; relative IRIs resolve against
    ``base_iri``. ``keep_versions`` dataset versions stay on disk (the served one and the
    ones before it); the served version's name is the dataset's version, so the data holds
    no bookkeeping of its own. With ``graph_prefix``, ``replace`` replaces only the named
    graphs under it and those the new file fills, so that several projects' datasets can
    share one store; without, it replaces everything. With ``dataset_only`` as well, a query
    that names no dataset sees those graphs only (default and named), as if the store held
    nothing else.
    """

    data_dir: Path
    query_timeout_s: float = 10.0
    max_rows: int = 10_000
    workers: int = 6
    api_workers: int = 2
    sparql_niceness: int = 0
    keep_versions: int = 2
    base_iri: str = DEFAULT_BASE
    graph_prefix: str | None = None
    dataset_only: bool = False

    @property
    def bookkeeping_graph(self) -> str | None:
        """The graph the store keeps for itself, never published: none here."""
        return None

    @property
    def bulk_reads(self) -> int:
        """How many of the API's bulk reads (the evidence index's) run at once: all but
        one of the API's query processes, so that one stays free for requests."""
        return max(1, self.api_workers - 1)

    def __post_init__(self) -> None:
        _check_limits(self.query_timeout_s, self.max_rows)
        if self.workers < 1 or self.api_workers < 1:
            raise ValueError("workers and api_workers must be at least 1")
        if self.keep_versions < 1:
            raise ValueError("keep_versions must be at least 1")
        _check_scope(self.dataset_only, self.graph_prefix)


@dataclass(frozen=True)
class RemoteStoreSettings:
    """A SPARQL 1.1 endpoint whose default graph is the union of its named graphs.

    ``update_url`` is needed only to load or replace data. ``replace`` drops every graph
    (``DROP ALL``) unless ``graph_prefix`` is set: then it drops only the named graphs whose
    IRI starts with it or that the new file fills, leaving alone the graphs of other
    applications and projects in a shared store (and a server's own system graphs).

    With ``dataset_only``, a query that names no dataset runs on the graphs under
    ``graph_prefix`` only (sent as its default and named graphs; the list is read once per
    dataset version): the project's own dataset in a store shared with others.

    ``kind`` is ``virtuoso`` for a Virtuoso 7 endpoint (``api.store.virtuoso``): queries then
    carry their timeout to the server, and data is written in pieces through private
    staging graphs; a ``graph_prefix`` is required, since Virtuoso ignores ``DROP ALL``.

    The endpoint should stop queries itself a little after ``query_timeout_s`` (Oxigraph:
    ``--timeout-s``). This client gives up when the endpoint stays silent for
    ``query_timeout_s`` (rounded up to whole seconds, SPARQLWrapper's unit) or its answer
    takes longer than that to arrive, so a query holds a request for at most about twice
    the timeout.

    ``version_graph`` names the graph recording the dataset version, so every API process
    reading the endpoint sees the same version; it is read at most once per
    ``version_ttl_s`` seconds. It is the one graph of the endpoint that is not data: the API
    leaves it out of what it publishes itself (the graph store, the descriptions), but a
    query sent through the API's SPARQL endpoint sees it in the union, as it would if sent
    to the endpoint directly (leaving it out would mean naming every other graph in each
    query, which made the Oxigraph server 2 to 8 times slower).

    At most ``workers`` of the SPARQL endpoint's queries are sent at once (the API's own
    queries are not counted); relative IRIs resolve against ``base_iri``.

    Answers are cached until that version changes, which only our loader does. In a store
    that others write to as well, set ``answer_ttl_s``: the version then also names the
    current ``answer_ttl_s``-long period, so cached answers, ETags and Last-Modified are
    renewed at least that often, and a change made by another writer shows within that time.
    """

    query_url: str
    update_url: str | None = None
    user: str | None = None
    password: str | None = None
    auth: Literal["basic", "digest"] = "basic"
    query_timeout_s: float = 10.0
    update_timeout_s: float = 600.0
    max_rows: int = 10_000
    version_graph: str = VERSION_GRAPH
    version_ttl_s: float = 1.0
    graph_prefix: str | None = None
    answer_ttl_s: float | None = None
    workers: int = 6
    base_iri: str = DEFAULT_BASE
    kind: Literal["sparql", "virtuoso"] = "sparql"
    dataset_only: bool = False

    @property
    def bookkeeping_graph(self) -> str | None:
        """The graph the store keeps for itself, never published: the version marker."""
        return self.version_graph

    @property
    def bulk_reads(self) -> int:
        """How many of the API's bulk reads (the evidence index's) are sent at once. Two:
        on Virtuoso with two cores, two of the index's reads at 1M studies took 18 s side by
        side against 35 s one after the other; a server with more cores is not held back
        much, since the API parses one answer while the next is read."""
        return 2

    @property
    def graph_store_url(self) -> str | None:
        """Where a Virtuoso takes N-Triples into a graph (the SPARQL 1.1 Graph Store
        protocol) from the loading account: beside its authenticated update endpoint
        (``/sparql-auth`` -> ``/sparql-graph-crud-auth``)."""
        if self.update_url is None:
            return None
        return urljoin(self.update_url, "sparql-graph-crud-auth")

    def __post_init__(self) -> None:
        _check_limits(self.query_timeout_s, self.max_rows)
        if self.answer_ttl_s is not None and self.answer_ttl_s <= 0:
            raise ValueError("answer_ttl_s must be a positive number of seconds")
        if (self.user is None) != (self.password is None):
            raise ValueError("give both user and password, or neither")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.kind == "virtuoso" and self.graph_prefix is None:
            raise ValueError("a Virtuoso store needs the dataset's graph_prefix to replace it")
        _check_scope(self.dataset_only, self.graph_prefix)


def _check_scope(dataset_only: bool, graph_prefix: str | None) -> None:
    if dataset_only and graph_prefix is None:
        raise ValueError("dataset_only needs the graph_prefix of the dataset to serve")


def _check_limits(query_timeout_s: float, max_rows: int) -> None:
    if query_timeout_s <= 0:
        raise ValueError("query_timeout_s must be positive")
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
