"""What a Virtuoso (7.2) endpoint needs beyond SPARQL 1.1, measured on Debian's
``virtuoso-opensource`` 7.2.5: the README's Virtuoso recipe sets the server up for it.

- Reading: results are asked for as SPARQL XML, which Virtuoso writes about three times
  faster than SPARQL JSON (300k rows of three terms: 10.4 s, against 29.7 s as JSON).
  A query gets a ``timeout`` (milliseconds) of its own; at that time Virtuoso
  sends the rows found so far with ``X-SQL-State: S1TAT`` (an "anytime" answer: a COUNT
  comes back smaller, with status 200), which the remote store refuses as a timeout. Blank
  nodes come back as ``nodeID://b123``, which is not a blank node label; the prefix goes.
  DESCRIBE answers with the resource's concise bounded description, as the embedded store
  does (Virtuoso's own default gave one incoming triple and none of the resource's own).
  A dataset naming only default graphs, or only named graphs, leaves Virtuoso's other
  part every graph; an empty graph named in it makes that part empty, as SPARQL says.
- Writing: a request may hold at most 10 MB (``HT057``); ``DROP ALL`` does nothing. So a
  dataset is written in requests of ``REQUEST_BYTES``, first into staging graphs that the
  recipe's loading account makes private (``sql:RDF_GRAPH_GROUP_INS``: readers of the
  public endpoint do not see them), then switched in one request (``MOVE``, or ``ADD`` to
  add), which Virtuoso runs as one transaction: readers see the old dataset or the new
  one, and a failure before the switch leaves the old one served. The triples go to the
  staging graphs as N-Triples documents POSTed to Virtuoso's Graph Store endpoint, which
  its Turtle loader reads. Sent as ``INSERT DATA`` (at most some 5000 triples a block),
  the same builds took 3.5 times as long and Virtuoso 7.2.5 kept ~480 MiB more memory
  after each 10k-study build, whatever its buffers (bench/scale_bench.py logs it); through
  the Graph Store, ~7 MiB. Triples with a blank node still go in one ``INSERT`` template,
  so that a node shared by several triples (or graphs) stays one node.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from smqi.api.errors import ApiError, DatasetError
from smqi.api.store.formats import SPARQL_XML
from smqi.api.store.sparql import NO_GRAPH, QueryDataset
from smqi.api.store.updates import (
    SEPARATOR,
    Quads,
    documents,
    drop,
    insert_operations,
    requests,
)
from smqi.loader.shared import is_shared

logger = logging.getLogger(__name__)

REQUEST_BYTES = 8_000_000  # under the 10 MB Virtuoso reads of one request
TIMEOUT_PARAMETER = "timeout"  # milliseconds
DESCRIBE_PRAGMA = 'define sql:describe-mode "CBD"'
ANYTIME_STATE = "S1TAT"  # X-SQL-State of an answer cut short at its timeout
SORTED_TOP_REFUSED = "SR353"  # an ORDER BY's LIMIT over MaxSortedTopRows
PRIVATE_GRAPHS = "http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs"
STAGING = "urn:x-smqi:staging:"
RESULTS_TYPE = SPARQL_XML
_BLANK_NODE_ID = re.compile(rb"(<bnode>)nodeID://")


def plain_blank_nodes(body: bytes) -> bytes:
    """SPARQL XML results with Virtuoso's ``nodeID://`` prefix taken off blank node labels."""
    return _BLANK_NODE_ID.sub(rb"\1", body) if b"nodeID://" in body else body


def explicit_dataset(dataset: QueryDataset) -> QueryDataset:
    """``dataset`` with an empty part named by a graph that holds nothing."""
    return QueryDataset(dataset.default_graphs or (NO_GRAPH,), dataset.named_graphs or (NO_GRAPH,))


def _group(procedure: str, graphs: list[str], call: Callable[[str], None]) -> None:
    """Put ``graphs`` into (or take them out of) the private group, in one call; nothing to
    send for no graph (``SELECT WHERE {}`` is no query)."""
    if not graphs:
        return
    calls = " ".join(
        f'(sql:{procedure}("{PRIVATE_GRAPHS}", "{graph}") AS ?done{n})'
        for n, graph in enumerate(graphs)
    )
    call(f"SELECT {calls} WHERE {{}}")


def publish_staged(
    quads: Quads,
    replaced: set[str],
    version_id: str,
    marker: list[str],
    update: Callable[[str], None],
    post: Callable[[str, bytes], None],
    call: Callable[[str], None],
    *,
    additive: bool,
) -> None:
    """Write ``quads`` into Virtuoso through private staging graphs, then switch them in
    with ``marker`` (the operations recording the new version) in one request; ``replaced``
    graphs are dropped by the switch unless the file fills them again.

    ``update`` sends SPARQL Update text, ``post`` an N-Triples document into a graph
    (the Graph Store protocol), ``call`` a SELECT to the authenticated endpoint.
    """
    if quads.has_default_graph:
        raise DatasetError(
            "the file holds triples outside a named graph, which are not staged in "
            "Virtuoso. The dataset being served is unchanged."
        )
    targets = sorted(quads.graphs)
    staging = {graph: f"{STAGING}{version_id}:{n}" for n, graph in enumerate(targets)}
    hidden = list(staging.values())
    _group("RDF_GRAPH_GROUP_INS", hidden, call)
    try:
        for graph in targets:
            for document in documents(quads.plain.get(graph, []), REQUEST_BYTES):
                post(staging[graph], document)
        blank = Quads(with_blank_nodes=quads.with_blank_nodes)
        for request in requests(
            insert_operations(blank, lambda g: staging[g or ""]), REQUEST_BYTES
        ):
            update(request)
        if additive:  # but a shared graph replaces the store's copy (api.store.shared)
            added = [g for g in targets if not is_shared(g)]
            switch = [f"ADD <{staging[g]}> TO <{g}>" for g in added]
            switch += [drop(staging[g]) for g in added]
            switch += [f"MOVE SILENT <{staging[g]}> TO <{g}>" for g in targets if is_shared(g)]
        else:
            switch = [drop(g) for g in sorted(replaced - set(targets))]
            switch += [f"MOVE SILENT <{staging[g]}> TO <{g}>" for g in targets]
        update(SEPARATOR.join([*switch, *marker]))
    except ApiError:
        _discard(hidden, update)
        raise
    finally:
        try:
            _group("RDF_GRAPH_GROUP_DEL", hidden, call)
        except ApiError:
            logger.warning("could not take the staging graphs %s out of the private group", hidden)


def _discard(graphs: list[str], update: Callable[[str], None]) -> None:
    if not graphs:
        return
    try:
        update(SEPARATOR.join(drop(graph) for graph in graphs))
    except ApiError:
        logger.warning("could not drop the staging graphs %s", graphs)
