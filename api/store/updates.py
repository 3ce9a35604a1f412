"""SPARQL Update text that writes an N-Quads file into a store, in pieces a server accepts.

The whole file is parsed before anything is sent, so a file that does not parse changes
nothing. Triples go into ``INSERT DATA`` operations of at most ``TRIPLES_PER_OPERATION``
triples each; those with a blank node go into ``INSERT { ... } WHERE {}`` templates, one per
graph, or one for graphs that share a blank node (SPARQL 1.1 allows blank nodes in ``INSERT
DATA``, Virtuoso 7.2 refuses them there, and one template keeps a blank node shared by
several triples one node). Operations are joined into
requests of at most ``max_bytes`` where a server limits the size of a request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from smqi.api.errors import DatasetError

# Virtuoso's SPARQL parser ran out of memory ("SP030 ... memory exhausted") at about 5000
# triples in one INSERT DATA block (measured); 2000 leave a margin at no measurable cost.
TRIPLES_PER_OPERATION = 2000
SEPARATOR = " ;\n"
Target = Callable[[str | None], str | None]  # the graph a source graph is written to


@dataclass
class Quads:
    """A parsed N-Quads file: each graph's triples in N-Triples syntax (None: the default
    graph), those with a blank node kept apart."""

    plain: dict[str | None, list[str]] = field(default_factory=dict)
    with_blank_nodes: dict[str | None, list[str]] = field(default_factory=dict)

    @property
    def graphs(self) -> set[str]:
        """The named graphs the file fills."""
        return {g for g in (*self.plain, *self.with_blank_nodes) if g is not None}

    @property
    def has_default_graph(self) -> bool:
        return None in self.plain or None in self.with_blank_nodes

    def __len__(self) -> int:
        return sum(map(len, self.plain.values())) + sum(map(len, self.with_blank_nodes.values()))


def read_quads(source: Path) -> Quads:
    """Every quad of ``source``; DatasetError (naming the file) when it cannot be read or
    parsed, or names a graph with a blank node, which SPARQL Update cannot write."""
    if not source.is_file():
        raise DatasetError(f"{source} is not a file. The dataset being served is unchanged.")
    quads = Quads()
    try:
        for quad in ox.parse(path=source, format=ox.RdfFormat.N_QUADS):
            graph = quad.graph_name
            if isinstance(graph, ox.BlankNode):
                raise DatasetError(
                    f"{source.name} names a graph with a blank node, which SPARQL Update "
                    "cannot write. The dataset being served is unchanged."
                )
            name = graph.value if isinstance(graph, ox.NamedNode) else None
            blank = isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)
            into = quads.with_blank_nodes if blank else quads.plain
            into.setdefault(name, []).append(f"{quad.subject} {quad.predicate} {quad.object} .")
    except SyntaxError as exc:
        raise DatasetError(
            f"{source.name} is not valid N-Quads: {exc}. The dataset being served is unchanged."
        ) from exc
    except OSError as exc:
        raise DatasetError(
            f"{source.name} could not be read. The dataset being served is unchanged."
        ) from exc
    return quads


def _same(graph: str | None) -> str | None:
    return graph


def _block(graph: str | None, lines: list[str]) -> str:
    body = "\n".join(lines)
    return body if graph is None else f"GRAPH <{graph}> {{\n{body}\n}}"


def insert_operations(
    quads: Quads, target: Target = _same, per_operation: int | None = None
) -> list[str]:
    """Operations inserting ``quads``, each graph written to ``target(graph)``, at most
    ``per_operation`` triples each (default TRIPLES_PER_OPERATION)."""
    per_operation = per_operation or TRIPLES_PER_OPERATION
    operations = []
    for graph, lines in quads.plain.items():
        for start in range(0, len(lines), per_operation):
            block = _block(target(graph), lines[start : start + per_operation])
            operations.append(f"INSERT DATA {{\n{block}\n}}")
    for graphs in _sharing_blank_nodes(quads.with_blank_nodes):
        blocks = [_block(target(g), quads.with_blank_nodes[g]) for g in graphs]
        operations.append("INSERT {\n" + "\n".join(blocks) + "\n} WHERE {}")
    return operations


_BLANK_NODE = re.compile(r"(?:^|\s)(_:\S+)")


def _sharing_blank_nodes(by_graph: dict[str | None, list[str]]) -> list[list[str | None]]:
    """The graphs, grouped so that graphs sharing a blank node are in one group: each group
    goes in one template, which keeps a shared node one node. Apart, each graph in its own:
    Virtuoso 7.2.5 fails ("SR002: Function string_output_string needs a string output")
    on a template with blank nodes in two graphs."""
    group_of = {graph: n for n, graph in enumerate(by_graph)}
    members = {n: [graph] for n, graph in enumerate(by_graph)}
    seen_in: dict[str, str | None] = {}  # blank node label -> the graph it was first seen in
    for graph, lines in by_graph.items():
        for line in lines:
            for label in _BLANK_NODE.findall(line):
                other, mine = group_of[seen_in.setdefault(label, graph)], group_of[graph]
                if other != mine:  # the other group joins this one
                    for moved in members.pop(other):
                        group_of[moved] = mine
                        members[mine].append(moved)
    return list(members.values())


def requests(operations: list[str], max_bytes: int | None) -> Iterator[str]:
    """``operations`` joined into as few requests as fit in ``max_bytes`` (UTF-8) each; all in
    one when ``max_bytes`` is None. DatasetError if one operation alone is larger."""
    if max_bytes is None:
        yield SEPARATOR.join(operations)
        return
    pending: list[str] = []
    size = 0
    for operation in operations:
        length = len(operation.encode("utf-8")) + len(SEPARATOR)
        if length > max_bytes:
            raise DatasetError(
                f"one SPARQL Update operation would take {length} bytes, more than the "
                f"{max_bytes} a request to this store may; the dataset being served is "
                "unchanged (too many triples share blank nodes?)"
            )
        if pending and size + length > max_bytes:
            yield SEPARATOR.join(pending)
            pending, size = [], 0
        pending.append(operation)
        size += length
    if pending:
        yield SEPARATOR.join(pending)


def documents(lines: list[str], max_bytes: int) -> Iterator[bytes]:
    """N-Triples ``lines`` (no blank node: each document is its own scope for labels) as
    documents of at most ``max_bytes`` each. DatasetError if one line alone is larger."""
    pending: list[bytes] = []
    size = 0
    for line in lines:
        encoded = line.encode("utf-8") + b"\n"
        if len(encoded) > max_bytes:
            raise DatasetError(
                f"one triple takes {len(encoded)} bytes, more than the {max_bytes} a request "
                "to this store may; the dataset being served is unchanged"
            )
        if pending and size + len(encoded) > max_bytes:
            yield b"".join(pending)
            pending, size = [], 0
        pending.append(encoded)
        size += len(encoded)
    if pending:
        yield b"".join(pending)


def drop(graph: str) -> str:
    return f"DROP SILENT GRAPH <{graph}>"
