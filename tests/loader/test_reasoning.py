"""Reasoning: the rules give what HermiT gives, every promised inference is in the built
graph, and inconsistencies are reported by individual and axiom.

The data come from ``reasoning_data``, a handful of studies laid out as ontology/README.md
describes; swap it for a real build (``loader.build``) when comparing on real data.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from bench.synthetic import make_data_dir
from smqi.loader import reasoning
from smqi.loader.assembly import assemble
from smqi.loader.build import BuildReport
from smqi.loader.consistency import CONSISTENCY_QUERIES, QC_DIR, checked_terms, find_violations
from smqi.loader.errors import ReasoningError
from smqi.loader.hermit import Pair, Triple
from smqi.loader.manifest import load_manifest
from smqi.loader.rules import RuleSet, check_profile
from smqi.loader.terms import (
    CITO,
    DCTERMS,
    DEFAULT_BASE,
    FABIO,
    FRBR,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    SKOS,
    SMQI,
    VOCAB,
)
from tests.conftest import settings_for
from tests.paths import REPO

ONTOLOGY = REPO / "ontology" / "smqi.ttl"
VOCABULARIES = sorted((REPO / "ontology" / "vocabularies").glob("*.ttl"))
ONTOLOGY_FILES = [ONTOLOGY, *VOCABULARIES]


def graph(name: str) -> ox.NamedNode:
    return ox.NamedNode(f"{DEFAULT_BASE}graph/{name}")


INFERRED = graph("inferred")

_PREFIXES = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "".join(
    f"@prefix {p}: <{ns}> .\n"
    for p, ns in {
        "graph": f"{DEFAULT_BASE}graph/",
        "sheet": f"{DEFAULT_BASE}graph/sheet/",
        "study": f"{DEFAULT_BASE}study/",
        "report": f"{DEFAULT_BASE}report/",
        "record": f"{DEFAULT_BASE}record/",
        "row": f"{DEFAULT_BASE}sheet/row/",
        "collection": f"{DEFAULT_BASE}collection/",
        "review": f"{DEFAULT_BASE}review/",
        "platform": f"{VOCAB}platform/",
        "population": f"{VOCAB}population/",
        "cm": f"{VOCAB}communication-model/",
        "activity": f"{VOCAB}qi-activity/",
        "stage": f"{VOCAB}qi-cycle-stage/",
        "country": f"{VOCAB}country/",
    }.items()
)

# s1 one-way only; s2 two-way; s3 one-way in the extraction and many-to-many in the review;
# s4 in the review only, one-way, two platforms. Some things are typed only by a domain or
# range: s4, record w-s4, finding 2, country NZ.
_DATA = """
graph:vocabularies { country:US a smqi:Country ; skos:prefLabel "United States"@en . }

graph:reviews {
  review:walsh-2021 a smqi:ScopingReview ; smqi:reportedStudyCount 40 ;
      smqi:reportsFinding review:walsh-2021-finding-1 .
  review:walsh-2021-finding-1 a smqi:Finding ; smqi:statement "Twitter was common." ;
      smqi:findingOrder 1 .
  review:walsh-2021-finding-2 smqi:statement "Few studies were interactive." .
}

sheet:illustrative-extraction {
  collection:illustrative-extraction a smqi:IllustrativeExtraction .
  study:s1 a smqi:Study ; smqi:firstAuthor "Hawkins" ; smqi:publicationYear 2016 .
  report:s1 a smqi:StudyReport ; frbr:realizationOf study:s1 .
  study:s2 a smqi:Study ; smqi:firstAuthor "Ranard" ; smqi:publicationYear 2016 .
  study:s3 a smqi:Study ; smqi:firstAuthor "Bardach" ; smqi:publicationYear 2013 .
  record:x-s1 a smqi:CodedRecord ; smqi:codesStudy study:s1 ;
      smqi:inCollection collection:illustrative-extraction ;
      smqi:platform platform:twitter ; smqi:userPopulation population:patients-consumers ;
      smqi:communicationModel cm:one-way-from-stakeholders ;
      smqi:qiActivity activity:measuring-quality ; smqi:qiCycleStage stage:study ;
      smqi:country country:US ; smqi:setting "USA" ; smqi:sourceRow row:x-2 .
  record:x-s2 a smqi:CodedRecord ; smqi:codesStudy study:s2 ;
      smqi:inCollection collection:illustrative-extraction ;
      smqi:platform platform:facebook ; smqi:communicationModel cm:two-way ;
      smqi:qiActivity activity:co-design ; smqi:country country:NZ ; smqi:sourceRow row:x-3 .
  record:x-s3 a smqi:CodedRecord ; smqi:codesStudy study:s3 ;
      smqi:inCollection collection:illustrative-extraction ;
      smqi:platform platform:yelp ; smqi:communicationModel cm:one-way-from-organisation ;
      smqi:sourceRow row:x-4 .
  row:x-2 a smqi:SheetRow ; smqi:rowNumber 2 ; smqi:rowKey "S01" ; smqi:inSheet sheet:x .
  row:x-3 a smqi:SheetRow ; smqi:rowNumber 3 ; smqi:rowKey "S02" ; smqi:inSheet sheet:x .
  row:x-4 a smqi:SheetRow ; smqi:rowNumber 4 ; smqi:rowKey "S03" ; smqi:inSheet sheet:x .
  sheet:x a smqi:ExtractionSheet ; dcterms:title "illustrative-extraction.csv" .
}

sheet:walsh-2021 {
  study:s4 smqi:firstAuthor "Lee" ; smqi:publicationYear 2019 .
  review:walsh-2021 smqi:includesStudy study:s4 .
  record:w-s3 a smqi:CodedRecord ; smqi:codesStudy study:s3 ;
      smqi:inCollection review:walsh-2021 ;
      smqi:platform platform:online-forum ; smqi:communicationModel cm:many-to-many ;
      smqi:userPopulation population:carers-families .
  record:w-s4 smqi:codesStudy study:s4 ;
      smqi:inCollection review:walsh-2021 ;
      smqi:platform platform:twitter , platform:youtube ;
      smqi:communicationModel cm:one-way-from-organisation .
}
"""


def reasoning_data(extra: str = "") -> ox.Store:
    """Ontology, vocabularies and a few studies in named graphs, as the build writes them."""
    store = ox.Store()
    store.load(path=ONTOLOGY, format=ox.RdfFormat.TURTLE, to_graph=graph("ontology"))
    for path in VOCABULARIES:
        store.load(path=path, format=ox.RdfFormat.TURTLE, to_graph=graph("vocabularies"))
    store.load((_PREFIXES + _DATA + extra).encode(), format=ox.RdfFormat.TRIG)
    return store


def union_ntriples(store: ox.Store, *, without: ox.NamedNode | None = None) -> bytes:
    quads = (q.triple for q in store if q.graph_name != without)
    return ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES) or b""


def iri(prefixed: str) -> str:
    prefix, local = prefixed.split(":", 1)
    namespaces = {
        "study": f"{DEFAULT_BASE}study/",
        "report": f"{DEFAULT_BASE}report/",
        "record": f"{DEFAULT_BASE}record/",
        "collection": f"{DEFAULT_BASE}collection/",
        "review": f"{DEFAULT_BASE}review/",
        "row": f"{DEFAULT_BASE}sheet/row/",
        "cm": f"{VOCAB}communication-model/",
        "platform": f"{VOCAB}platform/",
    }
    return namespaces[prefix] + local


def _objects(quads: Iterable[ox.Quad]) -> set[str]:
    return {q.object.value for q in quads if not isinstance(q.object, ox.Triple)}


def inferred(store: ox.Store, subject: str, predicate: str) -> set[str]:
    """Objects of ``subject predicate`` in the inferred graph only."""
    s, p = ox.NamedNode(subject), ox.NamedNode(predicate)
    return _objects(store.quads_for_pattern(s, p, None, INFERRED))


def stated(store: ox.Store, subject: str, predicate: str) -> set[str]:
    """Objects of ``subject predicate`` in any graph."""
    s, p = ox.NamedNode(subject), ox.NamedNode(predicate)
    return _objects(store.quads_for_pattern(s, p, None, None))


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    return reasoning.derive_rules(ONTOLOGY_FILES, tmp_path_factory.mktemp("rules-cache"))


@pytest.fixture(scope="module")
def materialised(rules: RuleSet) -> tuple[ox.Store, int]:
    store = reasoning_data()
    return store, reasoning.materialise(store, rules, INFERRED)


# --- deriving the rules ---------------------------------------------------------------


@pytest.mark.reasoner
def test_hermit_finds_ontology_and_vocabularies_consistent_and_rules_follow_the_axioms(
    rules: RuleSet,
) -> None:
    assert ((str(SMQI.hasCodedRecord), str(SMQI.platform)), str(SMQI.usedPlatform)) in rules.chains
    assert rules.inverses[str(SMQI.hasCodedRecord)] == {str(SMQI.codesStudy)}
    assert rules.domains[str(SMQI.platform)] == {str(SMQI.CodedRecord)}
    # publicationYear is no longer a dcterms:date (whose values are dates, not integers)
    assert rules.super_properties[str(SMQI.publicationYear)] == frozenset()
    assert rules.super_properties[str(SMQI.includesStudy)] == {
        str(CITO.citesAsDataSource),
        str(CITO.cites),
    }
    assert rules.super_properties[str(SMQI.consensusOf)] == {str(PROV.wasDerivedFrom)}
    assert rules.inverses[str(FRBR.realization)] == {str(FRBR.realizationOf)}
    assert str(FABIO.Work) in rules.super_classes[str(SMQI.Study)]
    assert str(FABIO.Expression) in rules.super_classes[str(SMQI.StudyReport)]
    assert rules.super_classes[str(SMQI.TwoWayCommunication)] == {
        str(c) for c in (SMQI.InteractiveCommunication, SMQI.CommunicationModel, SMQI.CodedConcept)
    } | {str(SKOS.Concept)}
    defined = {d.defined: d for d in rules.definitions}
    assert defined[str(SMQI.InteractiveEngagementStudy)].restrictions == (
        (str(SMQI.usedCommunicationModel), str(SMQI.InteractiveCommunication)),
    )


@pytest.mark.reasoner
def test_rules_are_cached_by_the_files_digest_and_hermit_is_not_started_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = reasoning.derive_rules(ONTOLOGY_FILES, tmp_path)
    assert not first.from_cache
    assert [p.name for p in tmp_path.iterdir()] == [f"rules-{first.ontology_sha256}.json"]

    def no_java(*args: object, **kwargs: object) -> None:
        raise AssertionError("HermiT started although the rules were cached")

    monkeypatch.setattr(reasoning, "open_world", no_java)
    second = reasoning.derive_rules(list(reversed(ONTOLOGY_FILES)), tmp_path)
    assert second.from_cache
    assert second == first

    changed = tmp_path / "smqi.ttl"
    changed.write_bytes(ONTOLOGY.read_bytes() + b"\n# edited\n")
    with pytest.raises(AssertionError, match="HermiT started"):
        reasoning.derive_rules([changed, *VOCABULARIES], tmp_path)


@pytest.mark.reasoner
def test_an_unsatisfiable_class_is_named_with_the_disjoint_classes(tmp_path: Path) -> None:
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        _PREFIXES + "smqi:StudyRecordForTest rdfs:subClassOf smqi:Study , smqi:CodedRecord .\n"
    )
    with pytest.raises(ReasoningError) as caught:
        reasoning.derive_rules([*ONTOLOGY_FILES, extra], None)
    message = str(caught.value)
    assert "smqi:StudyRecordForTest" in message
    assert "smqi:Study" in message and "smqi:CodedRecord" in message


@pytest.mark.reasoner
def test_a_vocabulary_concept_in_two_disjoint_classes_is_located(tmp_path: Path) -> None:
    extra = tmp_path / "bad-vocabulary.ttl"
    extra.write_text(_PREFIXES + "platform:twitter a smqi:UserPopulation .\n")
    with pytest.raises(ReasoningError) as caught:
        reasoning.derive_rules([*ONTOLOGY_FILES, extra], None)
    message = str(caught.value)
    assert f"<{VOCAB}platform/twitter>" in message
    assert "smqi:SocialMediaPlatform" in message and "smqi:UserPopulation" in message


def test_owl_the_rules_do_not_apply_is_refused_rather_than_under_reasoned() -> None:
    unsupported = Graph().parse(
        data=_PREFIXES
        + "smqi:Either owl:equivalentClass [ owl:unionOf ( smqi:Study smqi:Finding ) ] .\n"
        + "smqi:codesStudy a owl:AsymmetricProperty .\n",
        format="turtle",
    )
    with pytest.raises(ReasoningError) as caught:
        check_profile(unsupported)
    assert str(OWL.unionOf) in str(caught.value)
    assert str(OWL.AsymmetricProperty) in str(caught.value)
    check_profile(Graph().parse(ONTOLOGY))


# --- materialising ----------------------------------------------------------------------


@pytest.mark.reasoner
def test_study_level_values_follow_from_the_records_by_property_chains(
    materialised: tuple[ox.Store, int],
) -> None:
    store, _ = materialised
    s3, s4 = iri("study:s3"), iri("study:s4")
    assert inferred(store, s4, str(SMQI.usedPlatform)) == {
        iri("platform:twitter"),
        iri("platform:youtube"),
    }
    assert inferred(store, s3, str(SMQI.usedCommunicationModel)) == {
        iri("cm:one-way-from-organisation"),
        iri("cm:many-to-many"),
    }
    assert inferred(store, s3, str(SMQI.coveredBy)) == {
        iri("collection:illustrative-extraction"),
        iri("review:walsh-2021"),
    }
    assert inferred(store, iri("study:s1"), str(SMQI.setInCountry)) == {f"{VOCAB}country/US"}
    assert iri("platform:yelp") in inferred(store, s3, str(SMQI.usedPlatform))


@pytest.mark.reasoner
def test_inverse_and_super_properties_are_materialised(
    materialised: tuple[ox.Store, int],
) -> None:
    store, _ = materialised
    assert inferred(store, iri("study:s3"), str(SMQI.hasCodedRecord)) == {
        iri("record:x-s3"),
        iri("record:w-s3"),
    }
    assert inferred(store, iri("review:walsh-2021"), str(SMQI.hasRecord)) == {
        iri("record:w-s3"),
        iri("record:w-s4"),
    }
    assert inferred(store, iri("record:x-s1"), str(PROV.wasDerivedFrom)) == {iri("row:x-2")}
    # a publication year is an integer, not a dcterms:date: none is entailed
    assert not list(store.quads_for_pattern(None, ox.NamedNode(str(DCTERMS.date)), None, None))
    assert inferred(store, iri("study:s1"), str(FRBR.realization)) == {iri("report:s1")}
    assert inferred(store, iri("review:walsh-2021"), str(CITO.cites)) == {iri("study:s4")}


@pytest.mark.reasoner
def test_classes_are_closed_over_the_hierarchy_and_defined_classes_are_filled(
    materialised: tuple[ox.Store, int],
) -> None:
    store, _ = materialised
    rdf_type = str(RDF.type)
    assert {
        str(SMQI.InteractiveCommunication),
        str(SMQI.CommunicationModel),
        str(SMQI.CodedConcept),
        str(SKOS.Concept),
    } <= stated(store, iri("cm:two-way"), rdf_type)
    interactive = str(SMQI.InteractiveEngagementStudy)
    assert interactive in inferred(store, iri("study:s2"), rdf_type)  # two-way
    assert interactive in inferred(store, iri("study:s3"), rdf_type)  # many-to-many in a review
    assert interactive not in stated(store, iri("study:s1"), rdf_type)  # one-way only
    assert interactive not in stated(store, iri("study:s4"), rdf_type)
    assert str(SMQI.InteractiveRecord) in inferred(store, iri("record:x-s2"), rdf_type)
    assert str(SMQI.InteractiveRecord) not in stated(store, iri("record:x-s3"), rdf_type)
    assert str(PROV.Entity) in inferred(store, iri("record:x-s1"), rdf_type)


@pytest.mark.reasoner
def test_domains_and_ranges_type_what_the_data_leaves_untyped(
    materialised: tuple[ox.Store, int],
) -> None:
    store, _ = materialised
    rdf_type = str(RDF.type)
    assert str(SMQI.CodedRecord) in inferred(store, iri("record:w-s4"), rdf_type)  # domain
    assert str(SMQI.Study) in inferred(store, iri("study:s4"), rdf_type)  # range
    assert str(SMQI.Country) in inferred(store, f"{VOCAB}country/NZ", rdf_type)  # range
    finding = f"{DEFAULT_BASE}review/walsh-2021-finding-2"
    assert str(SMQI.Finding) in inferred(store, finding, rdf_type)  # data property domain


@pytest.mark.reasoner
def test_blank_nodes_keep_their_identity(rules: RuleSet) -> None:
    store = reasoning_data(
        "sheet:walsh-2021 { [] smqi:codesStudy study:s1 ; smqi:platform platform:reddit . }"
    )
    reasoning.materialise(store, rules, INFERRED)
    [record] = {q.subject for q in store.quads_for_pattern(None, None, None, INFERRED)} & {
        q.subject for q in store if isinstance(q.subject, ox.BlankNode)
    }
    assert iri("platform:reddit") in inferred(store, iri("study:s1"), str(SMQI.usedPlatform))
    rdf_type = ox.NamedNode(str(RDF.type))
    assert str(SMQI.CodedRecord) in _objects(
        store.quads_for_pattern(record, rdf_type, None, INFERRED)
    )


@pytest.mark.reasoner
def test_only_new_quads_are_written_and_only_into_the_target_graph(rules: RuleSet) -> None:
    store = reasoning_data()
    before = {q.triple for q in store}
    added = reasoning.materialise(store, rules, INFERRED)
    written = list(store.quads_for_pattern(None, None, None, INFERRED))
    assert added == len(written) > 0
    assert not before & {q.triple for q in written}
    assert {q.triple for q in store if q.graph_name != INFERRED} == before
    assert reasoning.materialise(store, rules, INFERRED) == 0


def entailed_in(store: ox.Store, rules: RuleSet) -> tuple[set[Pair], set[Triple]]:
    """Class memberships and object property values in the store, over the rules' terms."""
    types = {
        (q.subject.value, q.object.value)
        for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), None, None)
        if isinstance(q.subject, ox.NamedNode)
        and isinstance(q.object, ox.NamedNode)
        and q.object.value in rules.classes
    }
    values = {
        (q.subject.value, p, q.object.value)
        for p in rules.object_properties
        for q in store.quads_for_pattern(None, ox.NamedNode(p), None, None)
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)
    }
    return types, values


@pytest.mark.reasoner
def test_the_rules_give_exactly_what_hermit_gives(rules: RuleSet) -> None:
    store = reasoning_data()
    hermit_types, hermit_values = reasoning.hermit_entailments(union_ntriples(store))
    reasoning.materialise(store, rules, INFERRED)
    rule_types, rule_values = entailed_in(store, rules)
    assert {c for _, c in hermit_types} <= rules.classes
    assert {p for _, p, _ in hermit_values} <= rules.object_properties
    assert rule_types == hermit_types
    assert rule_values == hermit_values
    assert (iri("study:s3"), str(SMQI.InteractiveEngagementStudy)) in hermit_types
    assert (iri("study:s4"), str(SMQI.usedPlatform), iri("platform:youtube")) in hermit_values


@pytest.mark.integration
@pytest.mark.reasoner
def test_the_published_build_holds_exactly_what_hermit_entails(
    built: tuple[BuildReport, ox.Store], rules: RuleSet
) -> None:
    _, store = built
    hermit_types, hermit_values = reasoning.hermit_entailments(
        union_ntriples(store, without=INFERRED)
    )
    published_types, published_values = entailed_in(store, rules)
    assert published_values == hermit_values
    assert published_types == {(i, c) for i, c in hermit_types if c in rules.classes}


# --- consistency ------------------------------------------------------------------------


@pytest.mark.reasoner
def test_the_illustrative_data_is_consistent_for_the_qc_queries_and_for_hermit(
    materialised: tuple[ox.Store, int], rules: RuleSet
) -> None:
    store, _ = materialised
    assert find_violations(store, rules, inferred_graph=INFERRED) == []
    reasoning.check_consistency(store, rules, hermit=True, inferred_graph=INFERRED)


def _inconsistency(rules: RuleSet, extra: str) -> str:
    """The QC message for the data plus ``extra``, the same whether the store holds every
    entailment or, as in a build, only those about the terms the QC queries read."""
    messages = []
    for whole in (True, False):
        store = reasoning_data(extra)
        if whole:
            reasoning.materialise(store, rules, INFERRED)
        else:
            derived = reasoning.derive(reasoning.read([store], rules), rules)
            read_by_qc = reasoning.quads_about(derived, checked_terms(store), INFERRED)
            assert 0 < len(read_by_qc) < len(reasoning.render(derived, INFERRED))
            store.extend(read_by_qc)
        with pytest.raises(ReasoningError) as caught:
            reasoning.check_consistency(store, rules, hermit=False, inferred_graph=INFERRED)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    return messages[0]


@pytest.mark.reasoner
def test_a_concept_both_platform_and_population_is_named_with_the_disjoint_classes(
    rules: RuleSet,
) -> None:
    message = _inconsistency(rules, "sheet:walsh-2021 { platform:twitter a smqi:UserPopulation . }")
    twitter = f"<{VOCAB}platform/twitter>"
    assert f"{twitter} is both smqi:SocialMediaPlatform and smqi:UserPopulation" in message
    assert "owl:AllDisjointClasses" in message
    assert f"smqi:UserPopulation: asserted in <{DEFAULT_BASE}graph/sheet/walsh-2021>" in message


@pytest.mark.reasoner
def test_a_communication_model_both_one_way_and_two_way_is_named(rules: RuleSet) -> None:
    message = _inconsistency(
        rules,
        """sheet:walsh-2021 {
          cm:confused a smqi:OneWayCommunication , smqi:TwoWayCommunication .
          record:w-s4 smqi:communicationModel cm:confused . }""",
    )
    assert f"<{VOCAB}communication-model/confused> is both smqi:OneWayCommunication and " in (
        message
    )
    assert "smqi:InteractiveCommunication, which owl:disjointWith declares disjoint" in message
    assert "smqi:InteractiveCommunication: asserted smqi:TwoWayCommunication" in message
    assert f"used as smqi:communicationModel of <{iri('record:w-s4')}>" in message


@pytest.mark.reasoner
def test_an_individual_both_study_and_coded_record_is_named(rules: RuleSet) -> None:
    message = _inconsistency(rules, "sheet:walsh-2021 { study:s4 smqi:codesStudy study:s1 . }")
    assert f"<{iri('study:s4')}> is both smqi:Study and smqi:CodedRecord" in message
    assert "smqi:CodedRecord: subject of smqi:codesStudy" in message


@pytest.mark.reasoner
def test_a_platform_coded_as_communication_model_is_caught_through_the_range(
    rules: RuleSet,
) -> None:
    message = _inconsistency(
        rules, "sheet:walsh-2021 { record:w-s4 smqi:communicationModel platform:twitter . }"
    )
    assert "smqi:CommunicationModel and smqi:SocialMediaPlatform" in message
    assert f"value of smqi:communicationModel for <{iri('record:w-s4')}>" in message


@pytest.mark.reasoner
def test_two_values_of_a_functional_property_are_named(rules: RuleSet) -> None:
    second = (
        "sheet:walsh-2021 { record:w-s4 smqi:inCollection collection:illustrative-extraction . }"
    )
    message = _inconsistency(rules, second)
    record = f"<{iri('record:w-s4')}>"
    assert f"{record} has two values of the functional property smqi:inCollection" in message


@pytest.mark.reasoner
def test_a_value_outside_a_datatype_range_is_named(rules: RuleSet) -> None:
    message = _inconsistency(rules, "sheet:walsh-2021 { row:x-2 smqi:rowNumber 0 . }")
    assert "has the value" in message and "smqi:rowNumber" in message
    # 0 clashes with both the range (positiveInteger) and the functional value 2
    assert "xsd:positiveInteger" in message


def test_every_consistency_query_exists_and_says_what_it_checks() -> None:
    for name in CONSISTENCY_QUERIES:
        text = (QC_DIR / f"{name}.rq").read_text(encoding="utf-8")
        assert text.startswith("# QC: ")
        assert "# Parameters:" in text and "# Returns:" in text


# --- reading the mapped sheets without the store ------------------------------------------


def _facts_as_sets(facts: reasoning.Facts) -> dict[str, dict[str, set[object]]]:
    parts = {"types": facts.types, "relations": facts.relations, "subjects": facts.subjects}
    parts["values"] = facts.values  # type: ignore[assignment]
    return {
        name: {key: set(value) for key, value in part.items() if value}
        for name, part in parts.items()
    }


@pytest.mark.integration
@pytest.mark.parametrize("sheets", ["illustrative", "synthetic"])
def test_the_mapper_record_gives_the_facts_the_store_holds(
    sheets: str, data_copy: Path, rules: RuleSet
) -> None:
    """The build reads the sheet graphs' facts from what the mapper says it wrote; they
    are exactly what reading those graphs back from the store gives."""
    if sheets == "synthetic":
        make_data_dir(data_copy, 300)
    settings = settings_for(data_copy)
    assembled = assemble(
        settings, load_manifest(settings.manifest_file, settings.default_mapping), {}
    )
    from_record = reasoning.read_mapped(assembled.store, assembled.mapped, [], rules)
    from_store = reasoning.read([assembled.store], rules)
    expected = _facts_as_sets(from_store)
    assert _facts_as_sets(from_record) == expected
    studies = expected["types"][str(SMQI.Study)]
    assert len(studies) >= (300 if sheets == "synthetic" else 30)
