"""A query process of the embedded store: answers queries on a read-only pyoxigraph store.

pyoxigraph cannot stop a running query, so queries run here, in a child process the parent
(``api.store.pool``) can kill when a query outlives its timeout. The process opens each
dataset version read-only (versions never change once written) and reopens when asked for a
newer one. Queries run on a thread with a large stack: pyoxigraph parses and evaluates
recursively, and a deeply nested query overflowed the 8 MiB main-thread stack (the pages
are reserved, and only touched as far as a query goes).

Run as ``python -m smqi.api.store.worker FD [NICENESS]`` with FD one end of a socket pair.
Requests are ``(location, operation, query, argument, options)`` tuples on it, ``options``
a dict of ``base_iri`` and either ``dataset`` (default and named graph IRIs) or ``union``;
replies are ``("ok", payload)``, ``("syntax", message)`` or ``("error", detail)``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from smqi.api.store import formats
from smqi.loader.shared import SUBSET, is_shared

QUERY_STACK_BYTES = 1 << 30


def serve(connection: Connection) -> None:
    """Answer requests until the pipe closes or a ``None`` request arrives."""
    store: ox.Store | None = None
    opened: str | None = None
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        if request is None:
            return
        location, operation, query, argument, options = request
        try:
            if operation == "ping":
                reply: tuple[str, Any] = ("ok", None)
            else:
                if location != opened:
                    store = None  # close the old version before opening the new one
                    store = ox.Store.read_only(location)
                    opened = location
                assert store is not None
                reply = ("ok", _run(store, operation, query, argument, options))
        except SyntaxError as exc:
            reply = ("syntax", str(exc))
        except Exception as exc:  # the parent logs it and raises StoreError
            reply = ("error", f"{type(exc).__name__}: {exc}")
        connection.send(reply)


def _query(store: ox.Store, query: str, options: dict[str, Any]) -> Any:
    """Run ``query`` on the dataset ``options`` names: the protocol's, else the query's own
    (FROM, FROM NAMED), else the union of the named graphs."""
    dataset = options.get("dataset")
    if dataset is not None:
        default, named = dataset
        return store.query(
            query,
            base_iri=options["base_iri"],
            default_graph=[ox.NamedNode(graph) for graph in default],
            named_graphs=[ox.NamedNode(graph) for graph in named],
        )
    return store.query(
        query, base_iri=options["base_iri"], use_default_graph_as_union=options["union"]
    )


def _project_graphs(store: ox.Store, prefix: str) -> list[str]:
    """The named graphs under ``prefix`` and the shared graphs its metadata graph names as
    subsets (``api.store.shared``), sorted."""
    named = {
        quad.object
        for quad in store.quads_for_pattern(
            None, ox.NamedNode(SUBSET), None, ox.NamedNode(f"{prefix}metadata")
        )
    }
    return sorted(
        graph.value
        for graph in store.named_graphs()
        if isinstance(graph, ox.NamedNode)
        and (graph.value.startswith(prefix) or (is_shared(graph.value) and graph in named))
    )


def _run(store: ox.Store, operation: str, query: str, argument: Any, options: Any) -> Any:
    if operation == "graphs":  # a project's graphs: see _project_graphs
        return _project_graphs(store, argument)
    result = _query(store, query, options)
    # Rows travel as TSV and graphs as N-Triples: lossless, and cheaper than pickled terms.
    if operation == "select":
        assert isinstance(result, ox.QuerySolutions)
        return formats.capped_results(result, formats.TSV, argument)
    if operation == "ask":
        assert isinstance(result, ox.QueryBoolean)
        return bool(result)
    if operation == "construct":
        assert isinstance(result, ox.QueryTriples)
        return result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
    if operation == "raw":
        media_type, max_rows = argument
        if isinstance(result, ox.QuerySolutions):
            return formats.capped_results(result, media_type, max_rows)
        if isinstance(result, ox.QueryBoolean):
            return result.serialize(format=formats.results_format(media_type)) or b"", False
        return result.serialize(format=formats.rdf_format(media_type)) or b"", False
    raise ValueError(f"unknown operation {operation!r}")


def main(argv: list[str]) -> None:
    # Ctrl-C reaches the whole process group; the parent decides when this process ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if len(argv) > 2 and int(argv[2]):
        os.nice(int(argv[2]))
    threading.stack_size(QUERY_STACK_BYTES)
    thread = threading.Thread(target=serve, args=(Connection(int(argv[1])),), name="queries")
    thread.start()
    thread.join()


if __name__ == "__main__":
    main(sys.argv)
