"""The evidence API over the real build of data/, against answers computed independently:
from the sheet (csv module), reviews.yaml, the vocabulary files, concept-alignments.sssom.tsv,
and the competency queries run directly on the store."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS

from smqi.api.app import create_app
from smqi.api.http.caching import GZIP_MIN_BYTES, accepts_gzip
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings
from smqi.api.store.sparql import bind, check_query
from smqi.loader.queries import load_catalogue
from smqi.loader.terms import SMQI, VOCAB
from tests.api.built_graph import make_settings
from tests.conftest import SHEET, finding_statements, sheet_rows, split_cell
from tests.paths import REPO

pytestmark = pytest.mark.integration

BASE = "https://w3id.org/smqi/id/"
CATALOGUE = load_catalogue(REPO / "ontology" / "queries")
REVIEWS = yaml.safe_load((REPO / "data" / "reviews.yaml").read_text(encoding="utf-8"))
ALIGNMENTS = REPO / "data" / "concept-alignments.sssom.tsv"
VOCABULARIES = REPO / "ontology" / "vocabularies"
ISO = {
    "United States": "US",
    "United Kingdom": "GB",
    "Norway": "NO",
    "Netherlands": "NL",
    "Australia": "AU",
    "Nigeria": "NG",
    "India": "IN",
}
# API dimension -> (sheet column, scheme)
COLUMNS = {
    "platform": ("platforms", "platform"),
    "population": ("user_populations", "population"),
    "communication_model": ("communication_model", "communication-model"),
    "activity": ("qi_activities", "qi-activity"),
    "stage": ("qi_cycle_stage", "qi-cycle-stage"),
    "country": ("country", "country"),
}
RATING_SITES = {
    "Yelp",
    "Care Opinion",
    "NHS website",
    "ZorgkaartNederland",
    "online review websites (unnamed)",
    "online patient feedback website (unnamed)",
    "patient rating website (unnamed)",
}


def normal(text: str) -> str:
    return " ".join(text.split())


def values(row: dict[str, str], dimension: str) -> set[str]:
    if dimension == "year":
        return {row["year"]}
    return set(split_cell(row[COLUMNS[dimension][0]]))


def titles_where(**wanted: Iterable[str]) -> set[str]:
    """Titles of the sheet's studies having, for every dimension, one of the values."""
    return {
        normal(row["title"])
        for row in sheet_rows()
        if all(values(row, dimension) & set(options) for dimension, options in wanted.items())
    }


@pytest.fixture(scope="module")
def titles(embedded_store: EmbeddedStore) -> dict[str, str]:
    """Study IRI -> title, read from the store (the mapping is data, not the code tested)."""
    rows = embedded_store.select(
        "PREFIX smqi: <https://w3id.org/smqi/ontology#> "
        "PREFIX dcterms: <http://purl.org/dc/terms/> "
        "SELECT ?study ?title WHERE { ?study a smqi:Study ; dcterms:title ?title }"
    ).rows
    return {row["study"].value: normal(row["title"].value) for row in rows}  # type: ignore[union-attr]


def studies(client: TestClient, query: str) -> dict[str, Any]:
    response = client.get(f"/studies?limit=100&{query}")
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def study_titles(answer: dict[str, Any]) -> set[str]:
    return {normal(study["title"]) for study in answer["studies"]}


def run_cq(store: EmbeddedStore, name: str, **bindings: ox.NamedNode) -> list[dict[str, str]]:
    text = bind(check_query(CATALOGUE[name].text), bindings)
    rows = store.select(text).rows
    return [{k: v.value for k, v in row.items()} for row in rows]  # type: ignore[union-attr]


# -- /studies: facets, filters, pagination --------------------------------------------------


def test_unfiltered_facets_count_every_dimension_as_the_sheet_does(client: TestClient) -> None:
    answer = studies(client, "")
    rows = sheet_rows()
    assert answer["total"] == len(rows) == 30
    facets = answer["facets"]
    for dimension in (*COLUMNS, "year"):
        expected = Counter(v for row in rows for v in values(row, dimension))
        got = {facet["label"]: facet["count"] for facet in facets[dimension]}
        assert got == dict(expected), dimension
    for facet in facets["country"]:
        assert facet["iri"] == f"{VOCAB}country/{ISO[facet['label']]}"
    assert facets["model_of_use"] == [] and facets["theme"] == []


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("platform=Twitter&platform=Facebook", {"platform": {"Twitter", "Facebook"}}),
        (
            "platform=twitter&population=patients",  # altLabel, any case
            {"platform": {"Twitter"}, "population": {"patients/consumers"}},
        ),
        (
            "communication_model=two-way&communication_model=many-to-many&stage=study",
            {"communication_model": {"two-way", "many-to-many"}, "stage": {"study"}},
        ),
        (
            "country=UK&year=2015&year=2016",
            {"country": {"United Kingdom"}, "year": {"2015", "2016"}},
        ),
        (  # a broader concept finds the studies coded with its narrower ones
            "platform=rating%20and%20feedback%20websites",
            {"platform": RATING_SITES},
        ),
        (  # the interactive grouping concept: two-way or many-to-many
            "communication_model=interactive&activity=co-design",
            {
                "communication_model": {"two-way", "many-to-many"},
                "activity": {"co-design / co-production"},
            },
        ),
        (
            f"activity={VOCAB}qi-activity/advocacy&country=Australia&country=US",
            {"activity": {"advocacy for change"}, "country": {"Australia", "United States"}},
        ),
    ],
)
def test_filters_and_across_dimensions_or_within_one(
    client: TestClient,
    query: str,
    wanted: dict[str, set[str]],
) -> None:
    expected = titles_where(**wanted)
    answer = studies(client, query)
    assert answer["total"] == len(expected)
    assert study_titles(answer) == expected
    assert expected  # every combination above selects something


def test_facets_count_over_the_filtered_studies(client: TestClient) -> None:
    answer = studies(client, "platform=Twitter&stage=study")
    selected = [
        row
        for row in sheet_rows()
        if "Twitter" in values(row, "platform") and "study" in values(row, "stage")
    ]
    for dimension in (*COLUMNS, "year"):
        expected = Counter(v for row in selected for v in values(row, dimension))
        got = {f["label"]: f["count"] for f in answer["facets"][dimension]}
        assert got == dict(expected), dimension


def test_each_study_lists_its_coded_values_and_collections(client: TestClient) -> None:
    answer = studies(client, "")
    by_title = {normal(row["title"]): row for row in sheet_rows()}
    for study in answer["studies"]:
        row = by_title[normal(study["title"])]
        assert study["first_author"] == row["first_author"]
        assert study["year"] == int(row["year"])
        assert study["doi"] == (row["doi"].lower() or None)
        assert study["pmid"] == (row["pmid"] or None)
        for dimension in COLUMNS:
            labels = {c["label"] for c in study["coded"].get(dimension, [])}
            assert labels == values(row, dimension), (row["study_id"], dimension)
        assert [c["id"] for c in study["collections"]] == ["illustrative-extraction"]
        assert study["collections"][0]["illustrative"] is True


def test_studies_as_csv_are_the_sheet_a_line_per_study(client: TestClient) -> None:
    response = client.get("/studies?limit=100&platform=Twitter", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(response.text)))
    expected = [row for row in sheet_rows() if "Twitter" in values(row, "platform")]
    assert len(lines) == len(expected)
    by_title = {normal(row["title"]): row for row in expected}
    for line in lines:
        row = by_title[normal(line["title"])]
        assert (line["first_author"], line["year"]) == (row["first_author"], row["year"])
        assert line["doi"] == row["doi"].lower() and line["pmid"] == row["pmid"]
        assert line["collections"] == "illustrative-extraction"
        for dimension in COLUMNS:
            coded = set(line[dimension].split("; ")) if line[dimension] else set()
            assert coded == values(row, dimension), (row["study_id"], dimension)
    # in the JSON answer's order, and format=csv says the same
    json_order = [s["iri"] for s in studies(client, "platform=Twitter")["studies"]]
    assert [line["iri"] for line in lines] == json_order
    assert client.get("/studies?limit=100&platform=Twitter&format=csv").text == response.text


def test_csv_pages_link_to_the_next_and_previous_pages(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/studies?limit=7&format=csv"
    while url:
        response = client.get(url)
        seen += [line["iri"] for line in csv.DictReader(io.StringIO(response.text))]
        links = dict(
            (rel, link)
            for link, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))
        )
        assert ("prev" in links) == (len(seen) > 7)
        url = links.get("next")
    assert len(seen) == len(set(seen)) == len(sheet_rows())


def test_review_scopes_the_answer(client: TestClient) -> None:
    illustrative = studies(client, "review=illustrative-extraction")
    assert illustrative["total"] == 30
    assert illustrative["review"]["illustrative"] is True
    by_iri = studies(client, f"review={BASE}collection/illustrative-extraction&platform=Yelp")
    assert study_titles(by_iri) == titles_where(platform={"Yelp"})
    walsh = studies(client, "review=walsh-2021")
    assert walsh["total"] == 0 and walsh["studies"] == []
    assert all(values == [] for values in walsh["facets"].values())


def test_pages_cover_every_study_once_in_reading_order(client: TestClient) -> None:
    seen: list[dict[str, Any]] = []
    url: str | None = "/studies?limit=7"
    pages = 0
    while url:
        answer = client.get(url).json()
        assert answer["total"] == 30 and answer["limit"] == 7
        assert len(answer["studies"]) == min(7, 30 - answer["offset"])
        seen += answer["studies"]
        url = answer["next"]
        pages += 1
    assert pages == 5
    assert len({s["iri"] for s in seen}) == 30
    keys = [(s["year"], str(s["first_author"]).casefold()) for s in seen]
    assert keys == sorted(keys)
    last = client.get("/studies?limit=7&offset=28").json()
    assert last["next"] is None and last["previous"] == "/studies?limit=7&offset=21"
    assert client.get("/studies?limit=7&offset=30").json()["studies"] == []


def test_an_unknown_label_is_a_400_naming_the_closest_labels(client: TestClient) -> None:
    response = client.get("/studies?platform=Twiter")
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "invalid-parameter"
    assert problem["parameter"] == "platform" and problem["value"] == "Twiter"
    assert problem["closest"][0] == "Twitter"
    assert "platform" in problem["message"] and "Twiter" in problem["message"]
    assert "'Twitter'" in problem["message"]

    response = client.get("/studies?population=patent")
    assert response.status_code == 400
    assert "patients/consumers" in response.json()["closest"]

    response = client.get(f"/studies?platform={VOCAB}population/young-people")
    assert response.status_code == 400  # an IRI of another scheme

    response = client.get("/studies?review=walsh-2099")
    assert response.status_code == 400
    assert set(response.json()["known"]) == {
        "illustrative-extraction",
        *(r["id"] for r in REVIEWS["reviews"]),
    }
    assert client.get("/studies?year=recent").status_code == 400
    too_few = client.get("/studies?limit=0")
    assert too_few.status_code == 400
    assert too_few.json()["code"] == "invalid-parameter"
    assert "query parameter 'limit'" in too_few.json()["message"]


def test_missing_parameters_are_named_in_a_400(client: TestClient) -> None:
    response = client.get("/summary")
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "invalid-parameter"
    assert [p.split(":")[0] for p in problem["problems"]] == [
        "query parameter 'rows'",
        "query parameter 'cols'",
    ]
    # and the OpenAPI document says so: no operation answers 422
    schema = client.get("/openapi.json").json()
    codes = {code for path in schema["paths"].values() for op in path.values()
             for code in op["responses"]}  # fmt: skip
    assert "422" not in codes and "400" in codes
    assert "HTTPValidationError" not in schema.get("components", {}).get("schemas", {})


# -- /summary and /gaps ---------------------------------------------------------------------


def co_coded(rows_dimension: str, cols_dimension: str) -> dict[tuple[str, str], set[str]]:
    cells: dict[tuple[str, str], set[str]] = {}
    for row in sheet_rows():
        for r in values(row, rows_dimension):
            for c in values(row, cols_dimension):
                cells.setdefault((r, c), set()).add(normal(row["title"]))
    return cells


@pytest.mark.parametrize(
    ("rows", "cols"),
    [("platform", "communication_model"), ("activity", "population"), ("stage", "stage")],
)
def test_summary_cells_and_their_studies_match_the_sheet(
    client: TestClient,
    titles: dict[str, str],
    rows: str,
    cols: str,
) -> None:
    answer = client.get(f"/summary?rows={rows}&cols={cols}").json()
    got = {
        (cell["row"]["label"], cell["col"]["label"]): {titles[s] for s in cell["studies"]}
        for cell in answer["cells"]
    }
    assert got == co_coded(rows, cols)
    assert all(cell["count"] == len(cell["studies"]) for cell in answer["cells"])
    assert {c["label"] for c in answer["row_concepts"]} == {r for r, _ in got}


def test_summary_counts_only_leaves_out_the_studies(client: TestClient) -> None:
    answer = client.get("/summary?rows=activity&cols=population&studies=false").json()
    expected = {cell: len(titles) for cell, titles in co_coded("activity", "population").items()}
    assert {(c["row"]["label"], c["col"]["label"]): c["count"] for c in answer["cells"]} == (
        expected
    )
    assert all(cell["studies"] is None for cell in answer["cells"])
    as_csv = client.get("/summary?rows=activity&cols=population&studies=false&format=csv")
    parsed = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert list(parsed[0]) == ["row", "row_label", "col", "col_label", "count"]
    assert {(r["row_label"], r["col_label"]): int(r["count"]) for r in parsed} == expected
    # the full answer is cached apart from the counts-only one
    full = client.get("/summary?rows=activity&cols=population").json()
    assert all(len(cell["studies"]) == cell["count"] for cell in full["cells"])


def test_summary_pages_through_each_cells_studies(client: TestClient) -> None:
    """Two studies a cell: following next lists every cell's studies once, in order."""
    whole = client.get("/summary?rows=platform&cols=stage").json()
    assert whole["per_cell"] == 100 and whole["next"] is None
    expected = {(c["row"]["iri"], c["col"]["iri"]): c["studies"] for c in whole["cells"]}
    biggest = max(len(studies) for studies in expected.values())
    assert biggest > 2  # so that paging by two takes several pages

    listed: dict[tuple[str, str], list[str]] = {cell: [] for cell in expected}
    url: str | None = "/summary?rows=platform&cols=stage&per_cell=2"
    pages = 0
    while url is not None:
        page = client.get(url).json()
        pages += 1
        assert page["per_cell"] == 2 and page["cell_offset"] == 2 * (pages - 1)
        for cell in page["cells"]:
            assert len(cell["studies"]) <= 2
            assert cell["count"] == len(expected[(cell["row"]["iri"], cell["col"]["iri"])])
            listed[(cell["row"]["iri"], cell["col"]["iri"])] += cell["studies"]
        url = page["next"]
    assert pages == -(-biggest // 2)  # ceiling: the last page lists the biggest cell's end
    assert listed == expected  # in the order of the whole lists, which is /studies' order
    # the CSV is an export: every study of every cell, whatever per_cell says
    as_csv = client.get("/summary?rows=platform&cols=stage&per_cell=1&format=csv")
    rows = {
        (r["row"], r["col"]): r["studies"].split() for r in csv.DictReader(io.StringIO(as_csv.text))
    }
    assert rows == expected


@pytest.mark.parametrize("query", ["per_cell=0", "per_cell=100001", "cell_offset=-1"])
def test_summary_refuses_a_page_out_of_bounds(client: TestClient, query: str) -> None:
    response = client.get(f"/summary?rows=platform&cols=stage&{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.text


def test_summary_is_cq2s_answer(client: TestClient, embedded_store: EmbeddedStore) -> None:
    answer = client.get("/summary?rows=platform&cols=population&review=illustrative-extraction")
    expected = {
        (r["row"], r["col"]): set(r["studyList"].split())
        for r in run_cq(
            embedded_store,
            "cq02-cross-tabulation",
            rowProperty=ox.NamedNode(str(SMQI.platform)),
            colProperty=ox.NamedNode(str(SMQI.userPopulation)),
            collection=ox.NamedNode(f"{BASE}collection/illustrative-extraction"),
        )
    }
    got = {(c["row"]["iri"], c["col"]["iri"]): set(c["studies"]) for c in answer.json()["cells"]}
    assert got == expected


def test_summary_as_csv_parses_and_matches_the_json(client: TestClient) -> None:
    as_json = client.get("/summary?rows=platform&cols=communication_model").json()
    by_accept = client.get(
        "/summary?rows=platform&cols=communication_model", headers={"Accept": "text/csv"}
    )
    by_format = client.get("/summary?rows=platform&cols=communication_model&format=csv")
    assert by_accept.headers["content-type"].startswith("text/csv")
    assert by_accept.text == by_format.text
    assert by_accept.headers["vary"] == "Accept, Accept-Encoding"
    parsed = list(csv.DictReader(io.StringIO(by_accept.text)))
    assert [(r["row"], r["col"], int(r["count"]), r["studies"].split()) for r in parsed] == [
        (c["row"]["iri"], c["col"]["iri"], c["count"], c["studies"]) for c in as_json["cells"]
    ]
    matrix = list(
        csv.reader(
            io.StringIO(
                client.get(
                    "/summary?rows=platform&cols=communication_model&format=csv&layout=matrix"
                ).text
            )
        )
    )
    columns = matrix[0][1:]
    assert columns == [c["label"] for c in as_json["col_concepts"]]
    counts = {(r["row"]["label"], r["col"]["label"]): r["count"] for r in as_json["cells"]}
    for line in matrix[1:]:
        for column, count in zip(columns, line[1:], strict=True):
            assert int(count) == counts.get((line[0], column), 0)


def leaf_labels(scheme_file: str) -> set[str]:
    graph = Graph().parse(VOCABULARIES / scheme_file)
    concepts = set(graph.subjects(SKOS.inScheme, None))
    broader = set(graph.objects(None, SKOS.broader))
    return {str(graph.value(c, SKOS.prefLabel)) for c in concepts - broader}


def test_gaps_are_the_leaf_pairs_no_study_codes_together(client: TestClient) -> None:
    answer = client.get("/gaps?rows=platform&cols=communication_model").json()
    pairs = {
        (r, c) for r in leaf_labels("platform.ttl") for c in leaf_labels("communication-model.ttl")
    }
    expected = pairs - set(co_coded("platform", "communication_model"))
    got = {(g["row"]["label"], g["col"]["label"]) for g in answer["gaps"]}
    assert got == expected and answer["count"] == len(expected)
    as_csv = client.get("/gaps?rows=platform&cols=communication_model&format=csv")
    assert {
        (r["row_label"], r["col_label"]) for r in csv.DictReader(io.StringIO(as_csv.text))
    } == got


def test_gaps_are_cq3s_answer(client: TestClient, embedded_store: EmbeddedStore) -> None:
    expected = {
        (r["row"], r["col"])
        for r in run_cq(
            embedded_store,
            "cq03-evidence-gaps",
            rowProperty=ox.NamedNode(str(SMQI.qiCycleStage)),
            rowScheme=ox.NamedNode(f"{VOCAB}qi-cycle-stage"),
            colProperty=ox.NamedNode(str(SMQI.userPopulation)),
            colScheme=ox.NamedNode(f"{VOCAB}population"),
        )
    }
    answer = client.get("/gaps?rows=stage&cols=population").json()
    assert {(g["row"]["iri"], g["col"]["iri"]) for g in answer["gaps"]} == expected


def test_summary_refuses_an_unknown_dimension(client: TestClient) -> None:
    response = client.get("/summary?rows=platfrom&cols=stage")
    assert response.status_code == 400
    assert "platform" in response.json()["known"]
    assert (
        client.get("/gaps?rows=platform&cols=stage", headers={"Accept": "image/png"}).status_code
        == 406
    )


# -- /reviews ---------------------------------------------------------------------------------


def test_reviews_list_the_reviews_and_flag_the_illustrative_extraction(
    client: TestClient,
) -> None:
    collections = {c["id"]: c for c in client.get("/reviews").json()["collections"]}
    for review in REVIEWS["reviews"]:
        listed = collections[review["id"]]
        assert listed["illustrative"] is False and listed["kind"] == review["type"]
        assert listed["reported_study_count"] == review["included_studies"]
        assert listed["loaded_study_count"] == 0
        assert listed["title"] == normal(review["title"])
    assert (
        collections["walsh-2021"]["reported_study_count"],
        collections["walsh-2022"]["reported_study_count"],
    ) == (40, 61)
    illustrative = collections["illustrative-extraction"]
    assert illustrative["illustrative"] is True
    assert illustrative["kind"] == "illustrative extraction"
    assert illustrative["loaded_study_count"] == len(sheet_rows())
    assert illustrative["reported_study_count"] is None
    assert "not" in illustrative["note"].lower()


@pytest.mark.parametrize("review", REVIEWS["reviews"], ids=lambda r: r["id"])
def test_a_review_shows_its_record_and_findings_in_order(
    client: TestClient,
    review: dict[str, Any],
) -> None:
    answer = client.get(f"/reviews/{review['id']}").json()
    assert answer["title"] == normal(str(review["title"]))
    assert answer["authors"] == review["authors"]
    assert answer["journal"] == review["journal"]
    assert answer["doi"] == review["doi"]
    assert answer["published"] == str(review["published"])
    assert answer["reported_study_count"] == review["included_studies"]
    assert answer["loaded_study_count"] == 0
    assert [f["statement"] for f in answer["findings"]] == finding_statements(review)
    assert [f["order"] for f in answer["findings"]] == list(range(1, len(review["findings"]) + 1))
    for finding in answer["findings"]:
        assert set(finding["sources"]) == set(review["sources"])
    for key in ("pmid", "publisher", "license", "search_date"):
        if key in review:
            field = "licence" if key == "license" else key
            assert answer[field] == str(review[key])


def test_walsh_2021_codebook_and_links(client: TestClient) -> None:
    answer = client.get("/reviews/walsh-2021").json()
    assert [d["id"] for d in answer["coded_dimensions"]] == [
        "platform",
        "population",
        "communication-model",
        "qi-activity",
        "qi-cycle-stage",
        "walsh-2021-models-of-use",  # the review's own typology: its codebook, empty
    ]
    assert answer["pmcid"] == "PMC7917429"
    assert answer["supplement_doi"] == "10.25384/sage.c.5319221.v1"
    assert answer["synthesis_methods"] == sorted(REVIEWS["reviews"][0]["synthesis"])
    assert client.get("/reviews/walsh-2022").json()["cites"] == [f"{BASE}review/walsh-2021"]
    missing = client.get("/reviews/walsh-2099")
    assert missing.status_code == 404 and "walsh-2021" in missing.json()["known"]


# -- /concepts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scheme", ["platform", "population", "communication-model", "qi-activity", "qi-cycle-stage"]
)
def test_concepts_match_the_vocabulary_file(client: TestClient, scheme: str) -> None:
    graph = Graph().parse(VOCABULARIES / f"{scheme}.ttl")
    answer = client.get(f"/concepts/{scheme}").json()
    assert answer["scheme"]["label"] == str(graph.value(URIRef(f"{VOCAB}{scheme}"), SKOS.prefLabel))
    served = {c["iri"]: c for c in answer["concepts"]}
    assert set(served) == {str(c) for c in graph.subjects(SKOS.inScheme, None)}
    for iri, concept in served.items():
        node = URIRef(iri)
        assert concept["pref_label"] == str(graph.value(node, SKOS.prefLabel))
        assert set(concept["alt_labels"]) == {str(a) for a in graph.objects(node, SKOS.altLabel)}
        assert concept["definition"] == str(graph.value(node, SKOS.definition))
        assert set(concept["broader"]) == {str(b) for b in graph.objects(node, SKOS.broader)}


@pytest.mark.parametrize(
    "dimension", ["platform", "population", "communication_model", "activity", "stage"]
)
def test_concept_study_counts_match_the_sheet(client: TestClient, dimension: str) -> None:
    column, scheme = COLUMNS[dimension]
    expected = Counter(v for row in sheet_rows() for v in set(split_cell(row[column])))
    answer = client.get(f"/concepts/{scheme}").json()
    assert answer["dimension"] == dimension
    counts = {c["pref_label"]: c["studies"] for c in answer["concepts"]}
    assert {label: n for label, n in counts.items() if n} == dict(expected)


def test_concept_alignments_match_the_alignment_file(client: TestClient) -> None:
    served: dict[str, dict[str, Any]] = {}
    for scheme in ("platform", "population", "qi-activity", "communication-model", "topic"):
        for concept in client.get(f"/concepts/{scheme}").json()["concepts"]:
            served[concept["iri"]] = concept
    text = ALIGNMENTS.read_text(encoding="utf-8")
    header = yaml.safe_load("\n".join(line[1:] for line in text.splitlines() if line[:1] == "#"))
    prefixes = header["curie_map"]

    def expand(curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return str(prefixes[prefix]) + local

    rows = list(
        csv.DictReader([line for line in text.splitlines() if line[:1] != "#"], delimiter="\t")
    )
    assert len(rows) == 14
    fields = {
        "exactMatch": "exact_match",
        "closeMatch": "close_match",
        "broadMatch": "broad_match",
        "narrowMatch": "narrow_match",
        "relatedMatch": "related_match",
    }
    for row in rows:
        concept = served[expand(row["subject_id"])]
        relation = row["predicate_id"].removeprefix("skos:")
        assert expand(row["object_id"]) in concept[fields[relation]], row["subject_id"]
        for other in set(fields.values()) - {fields[relation]}:
            assert expand(row["object_id"]) not in concept[other]


def test_an_unknown_scheme_is_a_404_listing_the_schemes(client: TestClient) -> None:
    response = client.get("/concepts/platforms")
    assert response.status_code == 404
    assert "platform" in response.json()["known"] and "platform" in response.json()["message"]
    countries = client.get("/concepts/country").json()["concepts"]
    australia = next(c for c in countries if c["pref_label"] == "Australia")
    assert set(australia["notations"]) >= {"AU", "AUS"} and australia["studies"] == 2


# -- /studies/{id} ----------------------------------------------------------------------------


def test_a_study_by_doi_shows_its_coding_and_provenance(client: TestClient) -> None:
    row_number, row = next(
        (n, r)
        for n, r in enumerate(sheet_rows(), start=2)
        if r["doi"] == "10.1136/bmjqs-2015-004309"
    )
    answer = client.get("/studies/doi/10.1136/bmjqs-2015-004309").json()
    assert answer["iri"] == f"{BASE}study/doi/10.1136/bmjqs-2015-004309"
    assert (answer["first_author"], answer["year"]) == (row["first_author"], int(row["year"]))
    (record,) = answer["records"]
    provenance = record["provenance"]
    assert provenance["row"] == row_number == 2
    assert provenance["row_key"] == row["study_id"]
    assert provenance["coder"] == row["extracted_by"]
    assert provenance["extracted"] == row["extraction_date"]
    assert provenance["sha256"] == hashlib.sha256(SHEET.read_bytes()).hexdigest()
    assert provenance["sheet_title"] == SHEET.name
    assert provenance["build"].startswith(f"{BASE}build/")
    assert record["collection"]["id"] == "illustrative-extraction"
    assert record["setting"] == row["setting"] and record["summary"] == row["summary"]
    assert set(record["sources"]) == set(split_cell(row["source_urls"]))
    for dimension in COLUMNS:
        assert {c["label"] for c in record["coded"][dimension]} == values(row, dimension)


@pytest.mark.parametrize(
    "path",
    [
        "doi/10.1136/BMJQS-2015-004309",
        "10.1136/bmjqs-2015-004309",
        "pmid/26464518",
        "26464518",
        f"{BASE}study/doi/10.1136/bmjqs-2015-004309",
    ],
)
def test_a_study_is_found_by_any_of_its_identifiers(client: TestClient, path: str) -> None:
    response = client.get(f"/studies/{path}")
    assert response.status_code == 200, response.text
    assert response.json()["iri"] == f"{BASE}study/doi/10.1136/bmjqs-2015-004309"


def test_a_study_without_doi_is_found_by_its_ref(client: TestClient) -> None:
    row = next(r for r in sheet_rows() if not r["doi"] and not r["pmid"])
    listed = studies(client, "")
    (iri,) = [s["iri"] for s in listed["studies"] if normal(s["title"]) == normal(row["title"])]
    assert iri.startswith(f"{BASE}study/ref/")
    answer = client.get(f"/studies/{iri.removeprefix(BASE + 'study/')}").json()
    assert answer["title"] == normal(row["title"])
    assert answer["records"][0]["provenance"]["row_key"] == row["study_id"]


def test_an_unknown_study_is_a_404(client: TestClient) -> None:
    for path in ("doi/10.9999/none", "pmid/1", "ref/0000", "nonsense"):
        response = client.get(f"/studies/{path}")
        assert response.status_code == 404, path
        assert response.json()["code"] == "not-found"


# -- caching and conditional requests ---------------------------------------------------------


def test_an_etag_gets_a_304_and_a_new_request_a_new_tag(client: TestClient) -> None:
    first = client.get("/studies?platform=Twitter")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('W/"')
    again = client.get("/studies?platform=Twitter", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert (
        client.get("/studies?platform=Twitter", headers={"If-None-Match": 'W/"x"'}).status_code
        == 200
    )
    assert client.get("/studies?platform=Facebook").headers["etag"] != etag
    reordered = client.get("/studies?platform=Twitter&limit=20")
    assert reordered.content == client.get("/studies?limit=20&platform=Twitter").content

    since = client.get("/studies?platform=Twitter", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(days=1), usegmt=True)
    assert (
        client.get("/studies?platform=Twitter", headers={"If-Modified-Since": earlier}).status_code
        == 200
    )
    for path in (
        "/reviews",
        "/concepts/platform",
        "/summary?rows=platform&cols=stage",
        "/studies/26464518",
    ):
        tagged = client.get(path)
        assert (
            client.get(path, headers={"If-None-Match": tagged.headers["etag"]}).status_code == 304
        )


def test_openapi_documents_parameters_models_and_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    studies_get = schema["paths"]["/studies"]["get"]
    parameters = {p["name"]: p for p in studies_get["parameters"]}
    assert {
        "review",
        "platform",
        "population",
        "communication_model",
        "activity",
        "stage",
        "country",
        "year",
        "limit",
        "offset",
    } <= set(parameters)
    assert "ORed" in parameters["platform"]["description"]
    assert studies_get["responses"]["200"]["content"]["application/json"]["schema"][
        "$ref"
    ].endswith("/StudyPage")
    assert schema["components"]["schemas"]["StudyPage"]["examples"]
    summary = schema["paths"]["/summary"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in summary and "application/json" in summary
    for path in (
        "/gaps",
        "/reviews",
        "/reviews/{identifier}",
        "/concepts/{scheme}",
        "/studies/{identifier}",
    ):
        assert path in schema["paths"]


def test_last_modified_is_when_the_served_build_was_made(
    client: TestClient,
    built_nquads: Path,
) -> None:
    dataset = Dataset()
    dataset.parse(built_nquads, format="nquads")
    (modified,) = {
        o.toPython()
        for s, p, o, _ in dataset.quads((URIRef(f"{BASE}dataset"), DCTERMS.modified, None, None))
    }
    header = client.get("/reviews").headers["last-modified"]
    assert parsedate_to_datetime(header) == modified.replace(microsecond=0)


def test_answers_follow_the_dataset_version(
    built_data: Path,
    built_nquads: Path,
    tmp_path: Path,
) -> None:
    """A new build loaded into the store is answered at once: new ETag, new answer."""
    dropped = f"<{BASE}record/illustrative-extraction/doi/10.1136/bmjqs-2015-004309>"
    smaller = tmp_path / "smaller.nq"
    smaller.write_text(
        "".join(
            line
            for line in built_nquads.read_text(encoding="utf-8").splitlines(keepends=True)
            if dropped not in line
        ),
        encoding="utf-8",
    )
    settings = EmbeddedStoreSettings(data_dir=tmp_path / "store", workers=1)
    with EmbeddedStore(settings) as store:
        store.replace(built_nquads)
        app = create_app(make_settings(built_data, settings), store)
        with TestClient(app) as fresh:
            before = fresh.get("/studies?platform=Twitter")
            assert before.json()["total"] == 13
            store.replace(smaller)
            after = fresh.get(
                "/studies?platform=Twitter", headers={"If-None-Match": before.headers["etag"]}
            )
            assert after.status_code == 200
            assert after.json()["total"] == 12
            assert after.headers["etag"] != before.headers["etag"]


API_QUERIES = [
    path
    for path in sorted((REPO / "api" / "queries").glob("*.rq"))
    if path.read_text(encoding="utf-8").startswith("# API:")
]


@pytest.mark.parametrize("path", API_QUERIES, ids=lambda p: p.stem)
def test_api_queries_name_their_question_parameters_and_answer(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines[0]) > 30
    assert lines[1].startswith("# Parameters:") and lines[2].startswith("# Returns:")
    check_query(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("dimension", ["platform", "population", "activity"])
def test_concept_counts_are_cq1s_answer(
    client: TestClient,
    embedded_store: EmbeddedStore,
    dimension: str,
) -> None:
    prop = {
        "platform": SMQI.platform,
        "population": SMQI.userPopulation,
        "activity": SMQI.qiActivity,
    }
    expected = {
        r["concept"]: int(r["studies"])
        for r in run_cq(
            embedded_store, "cq01-studies-per-concept", property=ox.NamedNode(str(prop[dimension]))
        )
    }
    scheme = COLUMNS[dimension][1]
    served = {c["iri"]: c["studies"] for c in client.get(f"/concepts/{scheme}").json()["concepts"]}
    assert {iri: n for iri, n in served.items() if n} == expected


# -- compression -----------------------------------------------------------------------------


def test_large_answers_go_gzipped_to_clients_that_accept_it(client: TestClient) -> None:
    plain = client.get("/concepts/country", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/concepts/country", headers={"Accept-Encoding": "br, gzip;q=0.5"})
    refused = client.get("/concepts/country", headers={"Accept-Encoding": "*, gzip;q=0"})
    assert len(plain.content) >= GZIP_MIN_BYTES
    assert "content-encoding" not in plain.headers and "content-encoding" not in refused.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.num_bytes_downloaded * 4 < len(plain.content)
    assert zipped.json() == plain.json()  # httpx decompressed it
    assert plain.headers["vary"] == zipped.headers["vary"] == "Accept, Accept-Encoding"
    assert zipped.headers["etag"] == plain.headers["etag"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("deflate, gzip;q=1.0, *;q=0.5", True),
        ("*", True),
        ("x-gzip", True),
        ("gzip;q=0", False),
        ("*;q=0", False),
        ("identity", False),
        ("br;q=1, gzip;q=bad", False),
    ],
)
def test_accept_encoding_is_read_with_qualities(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected
