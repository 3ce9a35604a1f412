"""The reasoner's entailments rendered as text: the N-Quads, Turtle and JSON-LD say the same.

The inferred graph is published from this text alone (it never goes into a store whole),
so each format must hold exactly the quads the N-Quads hold, blank nodes included.
"""

from __future__ import annotations

import re
from collections import Counter

import pyoxigraph as ox

from smqi.loader.inference import Chunk, Facts, render
from smqi.loader.terms import PREFIXES

EX = "http://example.org/"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
GRAPH = ox.NamedNode(f"{EX}inferred")
PREFIX_MAP = {**{name: str(ns) for name, ns in PREFIXES.items()}, "ex": EX}


def _facts() -> Facts:
    facts = Facts(blank=True)
    for n in range(40):
        facts.types[f"{EX}Study"].add(f"{EX}study/{n}")
        facts.types[f"{EX}Thing.with.dots"].add(f"{EX}study/{n}")
        facts.relations[f"{EX}usedPlatform"].add((f"{EX}study/{n}", f"{EX}platform/{n % 3}"))
        facts.relations[f"{EX}usedPlatform"].add((f"{EX}study/{n}", f"{EX}platform/{n % 5}"))
    facts.types["https://w3id.org/smqi/ontology#Review"].add("_:b1")
    facts.relations[f"{EX}about"].add(("_:b1", f"{EX}study/1"))
    facts.relations[f"{EX}about"].add((f"{EX}study/2", "_:b1"))
    facts.relations[f"{EX}odd-path/é"].add((f"{EX}study/3", f"{EX}x"))
    values = facts.values[f"{EX}note"]
    values.add((f"{EX}study/1", ox.Literal('say "hi"\n\\ twice')))
    values.add((f"{EX}study/1", ox.Literal("bonjour", language="fr")))
    values.add((f"{EX}study/2", ox.Literal("2021-03-01", datatype=ox.NamedNode(XSD_DATE))))
    values.add(("_:b1", ox.Literal("ünïcode ✓")))
    return facts


def _counted(store: ox.Store) -> Counter[str]:
    return Counter(re.sub(r"_:\w+", "_:b", str(q)) for q in store)


def _parsed(data: bytes, fmt: ox.RdfFormat, graph: ox.NamedNode | None = None) -> ox.Store:
    store = ox.Store()
    store.load(data, format=fmt, to_graph=graph)
    return store


def test_turtle_and_json_ld_hold_the_quads_the_n_quads_hold() -> None:
    facts = _facts()
    count = sum(map(len, [*facts.types.values(), *facts.relations.values()]))
    count += sum(map(len, facts.values.values()))
    chunks: list[Chunk] = []
    entailments = render(facts, GRAPH, chunks.append, chunk_lines=25, prefixes=PREFIX_MAP)
    assert len(chunks) > 3  # several chunks, so their joins are tested too
    nquads = b"".join(entailments.nquads) + entailments.blank_nquads()
    expected = _parsed(nquads, ox.RdfFormat.N_QUADS)
    assert len(expected) == len(entailments) == count

    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIX_MAP.items()).encode()
    turtle = _parsed(header + b"".join(c.turtle for c in chunks), ox.RdfFormat.TURTLE, GRAPH)
    jsonld = b"[" + b",".join(c.jsonld for c in chunks if c.jsonld) + b"]"
    from_jsonld = _parsed(jsonld, ox.RdfFormat.JSON_LD, GRAPH)
    assert _counted(turtle) == _counted(expected)
    assert _counted(from_jsonld) == _counted(expected)
    for store in (expected, turtle, from_jsonld):  # the one blank node stays one node
        blanks = {t for q in store for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
        assert len(blanks) == 1


def test_turtle_uses_prefixed_names_only_where_they_are_valid() -> None:
    chunks: list[Chunk] = []
    render(_facts(), GRAPH, chunks.append, prefixes=PREFIX_MAP)
    turtle = b"".join(c.turtle for c in chunks).decode()
    assert "\ta ex:Study , " in turtle and "a smqi:Review" in turtle
    assert "ex:usedPlatform" in turtle
    assert f"<{EX}Thing.with.dots>" in turtle  # a local name ending in a dot would break
    assert f"<{EX}odd-path/é>" in turtle  # a slash is no part of a plain local name


def test_without_prefixes_only_n_quads_are_rendered() -> None:
    chunks: list[Chunk] = []
    entailments = render(_facts(), GRAPH, chunks.append)
    assert all(c.turtle == b"" and c.jsonld == b"" for c in chunks)
    assert len(_parsed(b"".join(entailments.nquads), ox.RdfFormat.N_QUADS)) > 0
