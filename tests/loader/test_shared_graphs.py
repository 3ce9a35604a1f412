"""The graphs every build shares (loader.shared): the ontology, our vocabularies and their
alignments are named after their content, so that two projects' builds name them alike and
a store holding both keeps one copy; a team's own concepts stay in the team's graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.synthetic import make_review_project
from smqi.api.cli import main
from smqi.loader.assembly import assemble
from smqi.loader.build import BuildReport, build
from smqi.loader.extension import NewConcept, add_concept
from smqi.loader.manifest import load_manifest
from smqi.loader.project import project_settings
from smqi.loader.shared import KINDS, SHARED_GRAPHS, SUBSET, kind_of, shared_graph
from smqi.loader.terms import DEFAULT_BASE, ONTOLOGY_IRI, OWL, RDF, SKOS
from tests.loader.test_project import ANSWERS

Built = tuple[BuildReport, ox.Store]


def graphs(store: ox.Store) -> dict[str, set[ox.Quad]]:
    found: dict[str, set[ox.Quad]] = {}
    for quad in store:
        assert isinstance(quad.graph_name, ox.NamedNode)
        found.setdefault(quad.graph_name.value, set()).add(quad)
    return found


def shared_of(store: ox.Store) -> dict[str, str]:
    """Each shared graph's kind, by name."""
    return {g: kind_of(g) or "?" for g in graphs(store) if g.startswith(SHARED_GRAPHS)}


def ground(quads: set[ox.Quad]) -> set[tuple[ox.Term, ...]]:
    """The triples without a blank node (each store names blank nodes its own way)."""
    return {
        (q.subject, q.predicate, q.object)
        for q in quads
        if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
    }


def test_a_build_holds_one_shared_graph_of_each_kind_and_names_them(built: Built) -> None:
    _, store = built
    shared = shared_of(store)
    assert sorted(shared.values()) == sorted(KINDS)
    subsets = {q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(SUBSET), None)}
    assert set(shared) <= subsets
    # the project's own graphs hold none of it: no copy of the ontology under its base
    own = [g for g in graphs(store) if g.startswith(DEFAULT_BASE)]
    assert f"{DEFAULT_BASE}graph/ontology" not in own
    ontology = next(g for g, kind in shared.items() if kind == "ontology")
    assert (
        ox.Quad(
            ox.NamedNode(ONTOLOGY_IRI),
            ox.NamedNode(str(RDF.type)),
            ox.NamedNode(str(OWL.Ontology)),
            ox.NamedNode(ontology),
        )
        in store
    )


def test_two_projects_name_the_shared_graphs_alike_with_the_same_content(
    built: Built, tmp_path: Path
) -> None:
    """data/ and a SYNTHETIC review under its own base IRI."""
    project = make_review_project(tmp_path / "synthetic-review-001", 1, 20)
    settings = project_settings(project)
    assert settings.base_iri != DEFAULT_BASE
    build(settings)
    theirs = ox.Store()
    theirs.load(path=settings.build_dir / "smqi.nq", format=ox.RdfFormat.N_QUADS)
    ours = built[1]

    ours_graphs, their_graphs = graphs(ours), graphs(theirs)
    assert shared_of(ours) == shared_of(theirs)
    for name in shared_of(ours):
        assert len(ours_graphs[name]) == len(their_graphs[name]) > 0
        assert ground(ours_graphs[name]) == ground(their_graphs[name])


def test_a_shared_graphs_name_changes_with_its_content() -> None:
    first = shared_graph("ontology", [b"@prefix : <urn:x#> ."])
    assert first == shared_graph("ontology", [b"@prefix : <urn:x#> ."])
    assert first != shared_graph("ontology", [b"@prefix : <urn:y#> ."])
    # parts are kept apart: moving a byte from one to the next is another content
    assert shared_graph("vocabularies", [b"ab", b"c"]) != shared_graph(
        "vocabularies", [b"a", b"bc"]
    )
    assert kind_of(first) == "ontology" and kind_of(f"{DEFAULT_BASE}graph/ontology") is None
    with pytest.raises(ValueError, match="no shared graph"):
        shared_graph("sheets", [])


def test_a_teams_own_concept_stays_in_the_teams_graph(tmp_path: Path, built: Built) -> None:
    project = tmp_path / "our-project"
    assert main(["init", str(project), *ANSWERS]) == 0
    settings = project_settings(project)
    iri = add_concept(
        settings,
        NewConcept(
            "platform", "RateMDs", "A website on which patients rate doctors.", broader="Twitter"
        ),
    )
    manifest = load_manifest(settings.manifest_file, settings.default_mapping)
    store = assemble(settings, manifest, {}).store

    concept = ox.NamedNode(iri)
    label = list(store.quads_for_pattern(concept, ox.NamedNode(str(SKOS.prefLabel)), None))
    assert [q.graph_name.value for q in label] == [f"{settings.base_iri}graph/vocabularies"]
    # our vocabularies' graph is the one every project names: the extension changed nothing
    assert shared_of(store) == shared_of(built[1])
