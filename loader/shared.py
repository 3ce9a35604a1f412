"""The graphs every build of one tool version holds alike: the ontology, our vocabularies
(with ISO 3166's countries) and their confirmed alignments.

They are named after what they hold (``https://w3id.org/smqi/graph/{kind}/{digest}``), not
after the project, so that many reviews' builds loaded into one store share one copy of
each. With a copy per build, a union default graph answers a join on a concept's label
once per build: at 10 builds of 10k studies the competency queries repeated every row ten
times, or a hundred times when two concepts were joined.

A graph's name changes with its content, so a store never holds two contents under one
name, and a store writer may skip a shared graph the store already has (see
``api.store.shared``): writing it again would add nothing, or copy the ontology's blank
nodes once more.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from smqi.loader import ntriples as nt

SHARED_GRAPHS = "https://w3id.org/smqi/graph/"
# how a build's metadata names each of its graphs, the shared ones included
SUBSET = "http://rdfs.org/ns/void#subset"
KINDS = ("ontology", "vocabularies", "alignments")
_DIGEST_CHARS = 16
# the graph named in lines made before their content's name is known
PLACEHOLDER = "urn:x-smqi:shared-graph"


def shared_graph(kind: str, parts: Iterable[bytes]) -> str:
    """The name of the ``kind`` graph whose content is read from ``parts``, in order."""
    if kind not in KINDS:
        raise ValueError(f"no shared graph of kind {kind!r}")
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return f"{SHARED_GRAPHS}{kind}/{digest.hexdigest()[:_DIGEST_CHARS]}"


def named_lines(kind: str, lines: list[str], parts: Iterable[bytes] = ()) -> tuple[str, list[str]]:
    """``lines`` (N-Quads in PLACEHOLDER's graph) moved to the graph named after them and
    ``parts``; with that name."""
    text = "".join(lines)
    graph = shared_graph(kind, [text.encode(), *parts])
    old, new = f" {nt.iri(PLACEHOLDER)} .\n", f" {nt.iri(graph)} .\n"
    return graph, [line.replace(old, new) for line in lines]


def is_shared(graph: str) -> bool:
    return graph.startswith(SHARED_GRAPHS)


def kind_of(graph: str) -> str | None:
    """The kind of a shared graph's name; None for any other graph."""
    if not is_shared(graph):
        return None
    kind = graph[len(SHARED_GRAPHS) :].split("/", 1)[0]
    return kind if kind in KINDS else None


__all__ = ["KINDS", "PLACEHOLDER", "SHARED_GRAPHS", "SUBSET", "is_shared", "kind_of", "named_lines"]
