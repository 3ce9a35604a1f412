"""Reasoning: what the ontology entails from the data, checked by HermiT, fast at 100k studies.

HermiT (through owlready2) classifies the ontology and vocabularies once per version of
those files (``derive_rules``, cached by their SHA-256); the rules read off that
classification are applied to the data in the store (``materialise``) without Java,
where HermiT would take minutes; most of their cost is inserting the entailments into
the store. ``check_consistency`` runs the QC queries derived from the axioms that can make
the data inconsistent on the materialised data, naming every offender, and for small
builds also lets HermiT check the whole ABox. ``hermit_entailments`` gives HermiT's own
answer for a small graph, against which the rules are tested.

Domain and range typing is materialised: HermiT entails it too (a subject of
``smqi:codesStudy`` is a ``smqi:CodedRecord``), and without it the rules would not give
HermiT's class memberships. Data property ranges are datatypes and type nothing. Two
values of a functional property are an error (every thing has one IRI here), where
HermiT would infer ``owl:sameAs``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.exceptions import ParserError

from smqi.loader.consistency import (
    CONSISTENCY_QUERIES,
    QC_DIR,
    compact,
    describe,
    find_violations,
)
from smqi.loader.errors import ReasoningError
from smqi.loader.hermit import hermit_entailments, is_user_entity, open_world, run_hermit
from smqi.loader.inference import (
    Chunk,
    Entailments,
    Facts,
    close,
    insert,
    quads_about,
    read_facts,
    read_statements,
    render,
)
from smqi.loader.mapper import MappedSheets
from smqi.loader.rules import (
    RuleSet,
    check_profile,
    declare_used_terms,
    ontology_digest,
    read_cached,
    rules_from_world,
    write_cached,
)
from smqi.loader.terms import OWL, RDF, RDFS

__all__ = [
    "Chunk",
    "Entailments",
    "ReasoningError",
    "RuleSet",
    "check_consistency",
    "derive",
    "derive_rules",
    "hermit_entailments",
    "insert",
    "materialise",
    "quads_about",
    "read",
    "read_mapped",
    "render",
]

_FILES_GRAPH = ox.NamedNode("urn:smqi:reasoning:files")
_SCRATCH_GRAPH = ox.NamedNode("urn:smqi:reasoning:inferred")


def derive_rules(ontology_files: list[Path], cache_dir: Path | None) -> RuleSet:
    """The rules of the ontology and vocabulary files; HermiT runs only if they changed."""
    digest = ontology_digest(ontology_files)
    cached = read_cached(cache_dir, digest)
    if cached is not None:
        return cached
    graph = _parse(ontology_files)
    check_profile(graph)
    declare_used_terms(graph)
    rules = _classify(graph, digest)
    write_cached(cache_dir, rules)
    return rules


def materialise(store: ox.Store, rules: RuleSet, target_graph: ox.NamedNode) -> int:
    """Write into ``target_graph`` what the rules entail from the union of all graphs and is
    not stated in any of them; return how many quads were added."""
    entailments = render(derive(read([store], rules), rules), target_graph)
    insert(store, entailments)
    return len(entailments)


def read(stores: Sequence[ox.Store], rules: RuleSet) -> Facts:
    """The facts the rules read or derive, in the union of the stores' graphs."""
    facts = Facts()
    for store in stores:
        read_facts(store, rules, facts)
    return facts


def read_mapped(
    store: ox.Store, mapped: MappedSheets, others: Sequence[ox.Store], rules: RuleSet
) -> Facts:
    """``read`` of ``store`` and ``others``, with the facts of the mapped sheets' graphs
    taken from the mapper's record of what it wrote there rather than from the store."""
    facts = Facts()
    sheet_graphs = [ox.NamedNode(graph) for graph in sorted(mapped.graphs)]
    read_statements(mapped.statements, rules, facts, store, sheet_graphs)
    rest = [g for g in store.named_graphs() if g.value not in mapped.graphs]
    read_facts(store, rules, facts, graphs=[*rest, ox.DefaultGraph()])
    for other in others:
        read_facts(other, rules, facts)
    return facts


def derive(facts: Facts, rules: RuleSet) -> Facts:
    """What the rules entail from ``facts`` that they do not state.

    ``facts`` is emptied on the way: its millions of Python objects are freed before the
    entailments are rendered as text, which lowers the build's peak memory by a gigabyte
    at 100k studies.
    """
    derived = close(facts, rules)
    for part in (facts.types, facts.relations, facts.values, facts.subjects):
        part.clear()
    return derived


def check_consistency(
    store: ox.Store,
    rules: RuleSet,
    *,
    hermit: bool,
    inferred_graph: ox.NamedNode | None = None,
    qc_dir: Path = QC_DIR,
) -> None:
    """Raise ``ReasoningError`` naming every individual that breaks an axiom.

    Call after ``materialise``: the QC queries look at the union of all graphs, entailed
    memberships included. With ``hermit=True`` HermiT also checks the whole ABox (the
    union minus ``inferred_graph``); keep that for small builds.
    """
    violations = find_violations(store, rules, qc_dir=qc_dir, inferred_graph=inferred_graph)
    if violations:
        raise ReasoningError(describe(violations))
    if not hermit:
        return
    triples = (q.triple for q in store if inferred_graph is None or q.graph_name != inferred_graph)
    with open_world(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"") as world:
        if not run_hermit(world):
            raise ReasoningError(
                "HermiT finds the ontology plus data inconsistent, but none of the QC queries "
                f"({', '.join(f'{name}.rq' for name in CONSISTENCY_QUERIES)}) locates the "
                "cause; add a QC query for the axiom involved"
            )
        _raise_if_unsatisfiable(world, None)


def _parse(files: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except (ParserError, SyntaxError, ValueError, OSError) as exc:
            raise ReasoningError(f"{path.name}: cannot be read as Turtle: {exc}") from exc
    return graph


def _classify(graph: Graph, digest: str) -> RuleSet:
    """Classify with HermiT; on inconsistency, locate the cause in the files' individuals."""
    with open_world(graph.serialize(format="nt", encoding="utf-8")) as world:
        if run_hermit(world):
            _raise_if_unsatisfiable(world, graph)
            return rules_from_world(world, digest)
    tbox = _tbox(graph)
    with open_world(tbox.serialize(format="nt", encoding="utf-8")) as world:
        if not run_hermit(world):
            raise ReasoningError("HermiT finds the ontology inconsistent even without individuals")
        _raise_if_unsatisfiable(world, tbox)
        rules = rules_from_world(world, digest)
    store = ox.Store()
    store.load(
        graph.serialize(format="nt", encoding="utf-8"),
        format=ox.RdfFormat.N_TRIPLES,
        to_graph=_FILES_GRAPH,
    )
    materialise(store, rules, _SCRATCH_GRAPH)
    violations = find_violations(store, rules, inferred_graph=_SCRATCH_GRAPH)
    if violations:
        raise ReasoningError("ontology and vocabulary files: " + describe(violations))
    raise ReasoningError(
        "HermiT finds the ontology and vocabulary files inconsistent, but no QC query "
        "locates the cause; add a QC query for the axiom involved"
    )


def _tbox(graph: Graph) -> Graph:
    """The axioms alone: statements about blank nodes and about typed OWL/RDFS entities."""
    meta = {str(OWL), str(RDFS)}
    entities = {
        s
        for s, o in graph.subject_objects(RDF.type)
        if isinstance(o, URIRef) and any(o.startswith(ns) for ns in meta)
    }
    tbox = Graph()
    for triple in graph:
        if isinstance(triple[0], BNode) or triple[0] in entities:
            tbox.add(triple)
    return tbox


def _raise_if_unsatisfiable(world: object, graph: Graph | None) -> None:
    unsatisfiable = [c for c in world.inconsistent_classes() if is_user_entity(c)]  # type: ignore[attr-defined]
    if not unsatisfiable:
        return
    lines = [f"- {compact(c.iri)}{_clash(graph, c.iri)}" for c in unsatisfiable]
    raise ReasoningError(
        "the ontology has unsatisfiable classes (no individual can be one):\n" + "\n".join(lines)
    )


def _clash(graph: Graph | None, cls: str) -> str:
    """Which declared disjointness among a class's asserted superclasses makes it empty."""
    if graph is None:
        return ""
    ancestors = set(graph.transitive_objects(URIRef(cls), RDFS.subClassOf))
    pairs = set(graph.subject_objects(OWL.disjointWith))
    for axiom in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in graph.objects(axiom, OWL.members):
            listed = list(graph.items(members))
            pairs |= {(a, b) for a in listed for b in listed if a != b}
    for a, b in sorted(pairs):
        if a in ancestors and b in ancestors:
            return (
                f": a subclass of both {compact(str(a))} and {compact(str(b))}, which are disjoint"
            )
    return ""
