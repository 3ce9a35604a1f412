"""The named graphs of the served project that hold its ontology and vocabularies: the
shared graphs its build names (``loader.shared``), and its own vocabulary extensions."""

from __future__ import annotations

import pyoxigraph as ox

from smqi.api.evidence.queries import Snapshot, api_query
from smqi.loader.shared import kind_of


def project_graphs(snapshot: Snapshot, kind: str) -> list[ox.NamedNode]:
    """The shared graphs of ``kind`` the project's metadata names, then (for vocabularies
    and alignments) the project's own graph of that name."""
    metadata = ox.NamedNode(f"{snapshot.base_iri}graph/metadata")
    rows = snapshot.select(api_query("project-subsets"), {"metadata": metadata}).rows
    named = sorted(
        row["graph"].value
        for row in rows
        if isinstance(row["graph"], ox.NamedNode) and kind_of(row["graph"].value) == kind
    )
    own = [f"{snapshot.base_iri}graph/{kind}"] if kind != "ontology" else []
    return [ox.NamedNode(graph) for graph in [*named, *own]]


def graph_triples(snapshot: Snapshot, kind: str) -> list[ox.Triple]:
    """Every triple of the project's graphs of ``kind``."""
    query = api_query("graph-triples")
    return [
        triple
        for graph in project_graphs(snapshot, kind)
        for triple in snapshot.construct(query, {"graph": graph})
    ]
