"""The query process of the embedded store: answers queries on a read-only pyoxigraph store.

pyoxigraph cannot stop a running query, so queries run here, in a child process the parent
can kill when a query outlives its timeout. The process opens each dataset version
read-only (versions never change once written) and reopens when asked for a newer one.

Run as ``python -m api.store.worker FD`` with FD one end of a socket pair. Requests are
``(location, operation, query, argument)`` tuples on it; replies are
``("ok", payload)``, ``("syntax", message)`` or ``("error", detail)``.
"""

from __future__ import annotations

import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from smqi.api.store import formats


def serve(connection: Connection) -> None:
    """Answer requests until the pipe closes or a ``None`` request arrives."""
    # Ctrl-C reaches the whole process group; the parent decides when this process ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store: ox.Store | None = None
    opened: str | None = None
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        if request is None:
            return
        location, operation, query, argument = request
        try:
            if operation == "ping":
                reply: tuple[str, Any] = ("ok", None)
            else:
                if location != opened:
                    store = None  # close the old version before opening the new one
                    store = ox.Store.read_only(location)
                    opened = location
                assert store is not None
                reply = ("ok", _run(store, operation, query, argument))
        except SyntaxError as exc:
            reply = ("syntax", str(exc))
        except Exception as exc:  # the parent logs it and raises StoreError
            reply = ("error", f"{type(exc).__name__}: {exc}")
        connection.send(reply)


def _run(store: ox.Store, operation: str, query: str, argument: Any) -> Any:
    result = store.query(query, use_default_graph_as_union=True)
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
        return result.serialize(format=formats.RDF_FORMATS[media_type]) or b"", False
    raise ValueError(f"unknown operation {operation!r}")


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
