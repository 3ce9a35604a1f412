"""Every competency question's .rq, run on the real build, against answers computed
independently from the sheet (csv module), reviews.yaml and the vocabulary files."""

from __future__ import annotations

import hashlib
from collections import Counter

import pyoxigraph as ox
import pytest
import yaml
from rdflib import Graph
from rdflib.namespace import SKOS

from smqi.api.store.sparql import bind, check_query
from smqi.loader.build import BuildReport
from smqi.loader.queries import load_catalogue
from smqi.loader.terms import SMQI, VOCAB
from tests.conftest import (
    SHEET,
    design_table,
    finding_statements,
    select,
    sheet_rows,
    split_cell,
)
from tests.paths import REPO

pytestmark = pytest.mark.integration

CATALOGUE = load_catalogue(REPO / "ontology" / "queries")
BASE = "https://w3id.org/smqi/id/"
ILLUSTRATIVE = ox.NamedNode(f"{BASE}collection/illustrative-extraction")
WALSH_2021 = ox.NamedNode(f"{BASE}review/walsh-2021")
ISO = {
    "United States": "US",
    "United Kingdom": "GB",
    "Norway": "NO",
    "Netherlands": "NL",
    "Australia": "AU",
    "Nigeria": "NG",
    "India": "IN",
}
DIMENSIONS = {
    "platforms": SMQI.platform,
    "user_populations": SMQI.userPopulation,
    "communication_model": SMQI.communicationModel,
    "qi_activities": SMQI.qiActivity,
    "qi_cycle_stage": SMQI.qiCycleStage,
}

Built = tuple[BuildReport, ox.Store]


def run(store: ox.Store, name: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict[str, str]]:
    return select(store, bind(check_query(CATALOGUE[name].text), bindings))


def value_counts(column: str) -> Counter[str]:
    return Counter(v for row in sheet_rows() for v in set(split_cell(row[column])))


def test_every_query_file_names_its_question_and_parameters() -> None:
    assert len(CATALOGUE) >= 15
    numbers = {query.number.rstrip("ab") for query in CATALOGUE.values()}
    assert numbers == {f"CQ{n}" for n in range(1, 17)}
    for query in CATALOGUE.values():
        assert len(query.question) > 20
        assert query.parameters and query.returns


@pytest.mark.parametrize("column", sorted(DIMENSIONS))
def test_cq01_studies_per_concept_match_the_sheet(built: Built, column: str) -> None:
    _, store = built
    rows = run(
        store,
        "cq01-studies-per-concept",
        property=ox.NamedNode(str(DIMENSIONS[column])),
        collection=ILLUSTRATIVE,
    )
    assert {r["label"]: int(r["studies"]) for r in rows} == dict(value_counts(column))


def test_cq02_platform_by_communication_model_cells_and_their_studies(built: Built) -> None:
    _, store = built
    expected: dict[tuple[str, str], set[str]] = {}
    for row in sheet_rows():
        for platform in split_cell(row["platforms"]):
            for model in split_cell(row["communication_model"]):
                expected.setdefault((platform, model), set()).add(row["title"])
    rows = run(
        store,
        "cq02-cross-tabulation",
        rowProperty=ox.NamedNode(str(SMQI.platform)),
        colProperty=ox.NamedNode(str(SMQI.communicationModel)),
    )
    titles = {
        r["s"]: r["t"]
        for r in select(
            store,
            f"SELECT ?s ?t {{ ?s a <{SMQI.Study}> ; <http://purl.org/dc/terms/title> ?t }}",
        )
    }
    got = {
        (r["rowLabel"], r["colLabel"]): {titles[s] for s in r["studyList"].split()} for r in rows
    }
    assert got == expected
    assert all(int(r["studies"]) == len(expected[(r["rowLabel"], r["colLabel"])]) for r in rows)


def _leaf_labels(scheme_file: str) -> set[str]:
    graph = Graph().parse(REPO / "ontology" / "vocabularies" / scheme_file)
    concepts = set(graph.subjects(SKOS.inScheme, None))
    broader = set(graph.objects(None, SKOS.broader))
    return {str(graph.value(c, SKOS.prefLabel)) for c in concepts - broader}


def test_cq03_gaps_are_the_leaf_pairs_no_row_codes_together(built: Built) -> None:
    _, store = built
    coded = {
        (p, m)
        for row in sheet_rows()
        for p in split_cell(row["platforms"])
        for m in split_cell(row["communication_model"])
    }
    platforms = _leaf_labels("platform.ttl")
    models = _leaf_labels("communication-model.ttl")
    expected = {(p, m) for p in platforms for m in models} - coded
    rows = run(
        store,
        "cq03-evidence-gaps",
        rowProperty=ox.NamedNode(str(SMQI.platform)),
        rowScheme=ox.NamedNode(str(VOCAB.platform)),
        colProperty=ox.NamedNode(str(SMQI.communicationModel)),
        colScheme=ox.NamedNode(str(VOCAB["communication-model"])),
    )
    assert {(r["rowLabel"], r["colLabel"]) for r in rows} == expected
    assert ("Twitter", "many-to-many") not in expected and expected
    # within one collection: the sheet's own gaps; a review with no records has only gaps
    dimensions = {
        "rowProperty": ox.NamedNode(str(SMQI.platform)),
        "rowScheme": ox.NamedNode(str(VOCAB.platform)),
        "colProperty": ox.NamedNode(str(SMQI.communicationModel)),
        "colScheme": ox.NamedNode(str(VOCAB["communication-model"])),
    }
    for collection, gaps in (
        ("collection/illustrative-extraction", expected),
        ("review/walsh-2021", {(p, m) for p in platforms for m in models}),
    ):
        rows = run(
            store, "cq03-evidence-gaps", collection=ox.NamedNode(BASE + collection), **dimensions
        )
        assert {(r["rowLabel"], r["colLabel"]) for r in rows} == gaps, collection


def test_cq04_studies_per_year_overall_and_per_platform(built: Built) -> None:
    _, store = built
    overall = Counter(row["year"] for row in sheet_rows())
    rows = run(store, "cq04a-studies-per-year")
    assert {r["year"]: int(r["studies"]) for r in rows} == dict(overall)
    per_platform = Counter(
        (row["year"], p) for row in sheet_rows() for p in set(split_cell(row["platforms"]))
    )
    rows = run(store, "cq04b-studies-per-year-and-platform")
    assert {(r["year"], r["platformLabel"]): int(r["studies"]) for r in rows} == dict(per_platform)


def test_cq05_countries_with_iso_codes(built: Built) -> None:
    _, store = built
    expected = Counter(ISO[row["country"]] for row in sheet_rows() if row["country"])
    rows = run(store, "cq05-countries")
    assert {r["iso"]: int(r["studies"]) for r in rows} == dict(expected)


def test_cq06_studies_by_platform_population_and_activity(built: Built) -> None:
    _, store = built
    platform, population = "Twitter", "patients/consumers"
    activity = "identifying problems / gathering feedback"
    expected = {
        (row["first_author"], row["year"], row["doi"].lower())
        for row in sheet_rows()
        if platform in split_cell(row["platforms"])
        and population in split_cell(row["user_populations"])
        and activity in split_cell(row["qi_activities"])
    }
    rows = run(
        store,
        "cq06-find-studies",
        platform=ox.NamedNode(str(VOCAB["platform/twitter"])),
        population=ox.NamedNode(str(VOCAB["population/patients-consumers"])),
        activity=ox.NamedNode(str(VOCAB["qi-activity/identifying-problems"])),
    )
    assert {(r["firstAuthor"], r["year"], r.get("doi", "")) for r in rows} == expected
    # every coded value of each study, whichever were asked for
    by_doi = {row["doi"].lower(): row for row in sheet_rows()}
    columns = {
        "platforms": "platforms",
        "populations": "user_populations",
        "activities": "qi_activities",
        "communicationModels": "communication_model",
        "stages": "qi_cycle_stage",
    }
    for r in rows:
        for variable, column in columns.items():
            coded = set(r[variable].split(" | ")) if r.get(variable) else set()
            assert coded == set(split_cell(by_doi[r["doi"]][column])), (r["doi"], column)


def test_cq07_first_nations_studies_with_platforms_and_models(built: Built) -> None:
    _, store = built
    expected = {
        (row["first_author"], row["platforms"], row["communication_model"])
        for row in sheet_rows()
        if "First Nations / Indigenous people" in split_cell(row["user_populations"])
    }
    rows = run(store, "cq07-indigenous-engagement")
    assert {(r["firstAuthor"], r["platforms"], r["communicationModels"]) for r in rows} == expected
    assert len(expected) == 2


def test_cq08_interactive_studies_come_from_reasoning(built: Built) -> None:
    _, store = built
    expected = {
        row["title"]
        for row in sheet_rows()
        if {"two-way", "many-to-many"} & set(split_cell(row["communication_model"]))
    }
    rows = run(store, "cq08-interactive-communication")
    assert {r["title"] for r in rows} == expected
    assert "two-way" not in CATALOGUE["cq08-interactive-communication"].text.split("WHERE")[1]


def test_cq09_studies_with_more_than_one_platform(built: Built) -> None:
    _, store = built
    expected = {
        row["first_author"]: len(split_cell(row["platforms"]))
        for row in sheet_rows()
        if len(split_cell(row["platforms"])) > 1
    }
    rows = run(store, "cq09-multi-platform-studies")
    assert {r["firstAuthor"]: int(r["platformCount"]) for r in rows} == expected


def test_cq10_provenance_of_a_study_by_doi(built: Built) -> None:
    _, store = built
    first = sheet_rows()[0]
    rows = run(store, "cq10-study-provenance", identifier=ox.Literal(first["doi"].lower()))
    expected_values = {v for column in DIMENSIONS for v in split_cell(first[column])} | {
        first["country"]
    }
    expected_values |= set(design_table()[first["study_design"]])  # classified by the table
    assert {r["valueLabel"] for r in rows} == expected_values
    assert {r["coder"] for r in rows} == {first["extracted_by"]}
    assert {r["role"] for r in rows} == {str(SMQI.soleCoder)}
    assert {r["extracted"] for r in rows} == {first["extraction_date"]}
    assert {r["row"] for r in rows} == {"2"}
    assert {r["sheetTitle"] for r in rows} == {SHEET.name}
    assert {r["sha256"] for r in rows} == {hashlib.sha256(SHEET.read_bytes()).hexdigest()}
    by_pmid = run(store, "cq10-study-provenance", identifier=ox.Literal(first["pmid"]))
    assert {r["valueLabel"] for r in by_pmid} == expected_values


@pytest.mark.parametrize("review_id", ["walsh-2021", "walsh-2022"])
def test_cq11_review_findings(built: Built, review_id: str) -> None:
    _, store = built
    records = yaml.safe_load((REPO / "data" / "reviews.yaml").read_text())["reviews"]
    review = next(r for r in records if r["id"] == review_id)
    rows = run(store, "cq11-review-findings", review=ox.NamedNode(f"{BASE}review/{review_id}"))
    statements = {int(r["order"]): r["statement"] for r in rows}
    assert [statements[i] for i in sorted(statements)] == finding_statements(review)
    assert {r["source"] for r in rows} == set(review["sources"])


def test_cq12_collections_covering_a_study_and_shared_studies(built: Built) -> None:
    _, store = built
    rows = run(store, "cq12a-collections-covering-study")
    assert len(rows) == len(sheet_rows())
    assert {r["illustrative"] for r in rows} == {"true"}
    one = run(
        store, "cq12a-collections-covering-study", identifier=ox.Literal(sheet_rows()[1]["pmid"])
    )
    assert [r["collection"] for r in one] == [ILLUSTRATIVE.value]
    shared = run(store, "cq12b-shared-studies", first=ILLUSTRATIVE, second=WALSH_2021)
    assert shared == []  # walsh-2021's 40 studies are reported, not loaded


@pytest.mark.parametrize(
    ("external", "label", "relation", "column"),
    [
        (
            "http://id.nlm.nih.gov/mesh/D000081034",
            "First Nations / Indigenous people",
            "exactMatch",
            "user_populations",
        ),
        ("http://www.wikidata.org/entity/Q918", "Twitter", "exactMatch", "platforms"),
        ("http://id.nlm.nih.gov/mesh/D000077253", "online forum", "closeMatch", "platforms"),
        # Young Adult leaves out adolescents; Health Personnel takes in non-clinical staff
        ("http://id.nlm.nih.gov/mesh/D055815", "young people", "narrowMatch", "user_populations"),
        (
            "http://id.nlm.nih.gov/mesh/D006282",
            "clinical providers",
            "broadMatch",
            "user_populations",
        ),
    ],
)
def test_cq13_concepts_by_mesh_or_wikidata(
    built: Built, external: str, label: str, relation: str, column: str
) -> None:
    _, store = built
    rows = run(store, "cq13-concepts-by-alignment", external=ox.NamedNode(external))
    assert [(r["label"], r["match"].rsplit("#", 1)[-1]) for r in rows] == [(label, relation)]
    assert int(rows[0]["studies"]) == value_counts(column)[label]


def test_cq14_codebooks_of_the_2021_review_and_the_illustrative_extraction(built: Built) -> None:
    _, store = built
    rows = run(store, "cq14-codebook-relations", first=WALSH_2021, second=ILLUSTRATIVE)
    got = {r["scheme"].rsplit("/", 1)[-1]: (r["inFirst"], r["inSecond"]) for r in rows}
    both = ("true", "true")
    assert got == {
        "platform": both,
        "population": both,
        "communication-model": both,
        "qi-activity": both,
        "qi-cycle-stage": both,
        "walsh-2021-models-of-use": ("true", "false"),  # the review's own (empty) codebook
        "country": ("false", "true"),
        "study-design": ("false", "true"),  # classified from the sheet's free text
    }


def test_cq15_dataset_statistics_match_the_graph(built: Built) -> None:
    _, store = built
    rows = run(store, "cq15-dataset-statistics")
    entities = {r["class"]: int(r["entities"]) for r in rows}
    assert entities[str(SMQI.Study)] == len({row["title"] for row in sheet_rows()})
    assert entities[str(SMQI.Review)] == 2
    metadata = f"{BASE}graph/metadata"
    # the VoID counts the data graphs: the metadata graph's description of the dataset
    # (its EU data theme, its licence type) is not counted
    concepts = select(
        store,
        "SELECT (COUNT(DISTINCT ?c) AS ?n) { GRAPH ?g { ?c a <http://www.w3.org/2004/02/skos/"
        f"core#Concept> }} FILTER(?g != <{metadata}>) }}",
    )
    assert entities["http://www.w3.org/2004/02/skos/core#Concept"] == int(concepts[0]["n"])
    outside = sum(1 for q in store if q.graph_name != ox.NamedNode(metadata))
    assert {int(r["triples"]) for r in rows} == {outside}
    vocabularies = set(rows[0]["vocabularies"].split())
    assert {
        str(SMQI),
        "http://www.w3.org/2004/02/skos/core#",
        "http://www.w3.org/ns/prov#",
    } <= vocabularies


def test_reviews_report_their_studies_and_the_graph_says_how_many_it_loaded(built: Built) -> None:
    _, store = built
    rows = select(
        store,
        f"""SELECT ?c ?reported ?loaded WHERE {{
              ?c <{SMQI.loadedStudyCount}> ?loaded .
              OPTIONAL {{ ?c <{SMQI.reportedStudyCount}> ?reported }} }}""",
    )
    counts = {r["c"].rsplit("/", 1)[-1]: (r.get("reported"), int(r["loaded"])) for r in rows}
    assert counts == {
        "walsh-2021": ("40", 0),
        "walsh-2022": ("61", 0),
        "illustrative-extraction": (None, len(sheet_rows())),
    }
