"""The evidence API on the extended model: a review's agreement figures, disagreements,
PRISMA counts, reports and inclusions; a study's reports and its coders' records. The
SYNTHETIC dual-coded review (bench/synthetic.py) is served on the embedded store; expected
values come from its sheet and reviews.yaml (csv, yaml) and from scikit-learn."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from fastapi.testclient import TestClient
from sklearn.metrics import cohen_kappa_score

from smqi.api.app import create_app
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings
from smqi.loader.build import BuildReport
from tests.api.built_graph import make_settings
from tests.conftest import design_table, split_cell
from tests.paths import DATA

pytestmark = pytest.mark.integration

Built = tuple[Path, BuildReport, ox.Store]
BASE = "https://w3id.org/smqi/id/"
API_DIMENSIONS = {  # sheet column -> the API's dimension name
    "platforms": "platform",
    "user_populations": "population",
    "communication_model": "communication_model",
    "qi_activities": "activity",
    "qi_cycle_stage": "stage",
}


@pytest.fixture(scope="module")
def dual_client(
    dual_coded: Built, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    data_dir, _, _ = dual_coded
    settings = EmbeddedStoreSettings(data_dir=tmp_path_factory.mktemp("dual-store"))
    store = EmbeddedStore(settings)
    store.replace(data_dir / "build" / "smqi.nq")
    with TestClient(create_app(make_settings(data_dir, settings), store)) as client:
        yield client


def sheet(data_dir: Path) -> list[dict[str, str]]:
    with (data_dir / "sheets" / "dual-coded.csv").open(encoding="utf-8", newline="") as handle:
        return [{**row, "_row": str(n)} for n, row in enumerate(csv.DictReader(handle), start=2)]


def test_a_review_shows_its_coders_agreement_per_dimension(
    dual_client: TestClient, dual_coded: Built
) -> None:
    data_dir, _, _ = dual_coded
    answer = dual_client.get("/reviews/synthetic-review").json()
    by_study: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for row in sheet(data_dir):
        if row["coder_role"] == "independent":
            by_study[row["doi"]][row["extracted_by"]] = row
    agreement = {entry["dimension"]: entry for entry in answer["agreement"]}
    for column, dimension in API_DIMENSIONS.items():
        first = [
            "\n".join(sorted(split_cell(c["SYNTHETIC coder A"][column]))) for c in by_study.values()
        ]
        second = [
            "\n".join(sorted(split_cell(c["SYNTHETIC coder B"][column]))) for c in by_study.values()
        ]
        agreed = sum(a == b for a, b in zip(first, second, strict=True))
        entry = agreement[dimension]
        assert (entry["units"], entry["coders"]) == (len(first), 2)
        assert entry["disagreements"] == len(first) - agreed
        assert entry["percent_agreement"] == pytest.approx(100 * agreed / len(first), abs=1e-4)
        assert entry["cohens_kappa"] == pytest.approx(cohen_kappa_score(first, second), abs=1e-4)
        assert entry["krippendorffs_alpha"] is None
        shown = [d for d in answer["disagreements"] if d["dimension"] == dimension]
        assert len(shown) == len(first) - agreed
    assert answer["disagreements_total"] == len(answer["disagreements"])


def test_each_disagreement_names_each_coders_values_sheet_and_row(
    dual_client: TestClient, dual_coded: Built
) -> None:
    data_dir, _, _ = dual_coded
    rows = {(row["doi"], row["extracted_by"]): row for row in sheet(data_dir)}
    disagreements = dual_client.get("/reviews/synthetic-review").json()["disagreements"]
    assert disagreements
    column_of = {dimension: column for column, dimension in API_DIMENSIONS.items()}
    for disagreement in disagreements:
        if disagreement["dimension"] not in column_of:
            continue
        doi = disagreement["study"].split("/doi/", 1)[1]
        column = column_of[disagreement["dimension"]]
        assert len(disagreement["records"]) == 2
        for record in disagreement["records"]:
            row = rows[(doi, record["coder"])]
            assert (record["sheet_title"], record["row"]) == ("dual-coded.csv", int(row["_row"]))
            assert record["values"] == sorted(split_cell(row[column]))


def test_a_review_shows_its_prisma_counts_reports_and_inclusions(
    dual_client: TestClient, dual_coded: Built
) -> None:
    data_dir, _, _ = dual_coded
    reviews = yaml.safe_load((data_dir / "reviews.yaml").read_text(encoding="utf-8"))["reviews"]
    record = next(r for r in reviews if r["id"] == "synthetic-review")
    answer = dual_client.get("/reviews/synthetic-review").json()
    prisma = answer["prisma"]
    for key, value in record["prisma"].items():
        if key == "exclusion_reasons":
            assert {r["reason"]: r["reports"] for r in prisma[key]} == value
        else:
            assert prisma[key] == value, key
    assert prisma["studies_included"] == record["included_studies"]
    assert prisma["reports_included"] is None  # not given: not invented
    assert answer["reports"] == [f"https://doi.org/{record['doi']}"]
    dois = {row["doi"] for row in sheet(data_dir)}
    assert set(answer["included_studies"]) == {f"{BASE}study/doi/{doi}" for doi in dois}
    assert not set(answer["cites"]) & set(answer["included_studies"])
    overview = dual_client.get("/reviews/synthetic-overview").json()
    assert set(overview["included_studies"]) == {
        f"{BASE}review/synthetic-review",
        f"{BASE}review/walsh-2021",
    }


def test_a_study_shows_its_reports_and_each_coders_record(
    dual_client: TestClient, dual_coded: Built
) -> None:
    data_dir, _, _ = dual_coded
    rows = [row for row in sheet(data_dir) if row["doi"] == "10.5555/synthetic.000002"]
    answer = dual_client.get("/studies/doi/10.5555/synthetic.000002").json()
    assert answer["reports"] == ["https://doi.org/10.5555/synthetic.000002"]
    records = answer["records"]
    assert [(r["provenance"]["role"], r["provenance"]["coder"]) for r in records] == [
        ("consensus", "SYNTHETIC consensus of the coders"),
        ("independent", "SYNTHETIC coder A"),
        ("independent", "SYNTHETIC coder B"),
    ]
    consensus, *independent = records
    assert sorted(consensus["consensus_of"]) == sorted(r["record"] for r in independent)
    assert consensus["counted"] and not any(r["counted"] for r in independent)
    for record in records:
        row = next(r for r in rows if r["extracted_by"] == record["provenance"]["coder"])
        assert record["provenance"]["row"] == int(row["_row"])
        assert [c["label"] for c in record["coded"]["platform"]] == sorted(
            split_cell(row["platforms"]), key=str.casefold
        )
        assert record["appraisal_tool"] == row["appraisal_tool"]


@pytest.mark.parametrize("column", sorted(API_DIMENSIONS))
def test_facets_count_each_study_by_its_consensus(
    dual_client: TestClient, dual_coded: Built, column: str
) -> None:
    data_dir, _, _ = dual_coded
    expected: dict[str, int] = defaultdict(int)
    for row in sheet(data_dir):
        if row["coder_role"] == "consensus":
            for value in set(split_cell(row[column])):
                expected[value] += 1
    facets = dual_client.get("/studies?review=synthetic-review&limit=1").json()["facets"]
    assert {f["label"]: f["count"] for f in facets[API_DIMENSIONS[column]]} == dict(expected)


# -- the real build -----------------------------------------------------------------------


def test_the_reviews_show_only_their_public_prisma_counts(client: TestClient) -> None:
    reviews = yaml.safe_load((DATA / "reviews.yaml").read_text(encoding="utf-8"))["reviews"]
    for review in reviews:
        answer = client.get(f"/reviews/{review['id']}").json()
        shown = {k: v for k, v in answer["prisma"].items() if v not in (None, [])}
        assert shown == {"studies_included": review["included_studies"]}
        assert answer["agreement"] == [] and answer["disagreements"] == []  # one coder only
    illustrative = client.get("/reviews/illustrative-extraction").json()
    assert illustrative["prisma"] is None


def test_findings_list_the_concepts_they_are_about(client: TestClient) -> None:
    reviews = yaml.safe_load((DATA / "reviews.yaml").read_text(encoding="utf-8"))["reviews"]
    for review in reviews:
        answer = client.get(f"/reviews/{review['id']}").json()
        for finding, published in zip(answer["findings"], review["findings"], strict=True):
            about = published.get("about", {}) if isinstance(published, dict) else {}
            assert {c["label"] for c in finding["about"]} == {
                label for labels in about.values() for label in labels
            }


def test_a_reviews_codebook_is_served_by_name_and_under_its_dimension(client: TestClient) -> None:
    reviews = yaml.safe_load((DATA / "reviews.yaml").read_text(encoding="utf-8"))["reviews"]
    themes = next(r for r in reviews if r.get("themes"))["themes"]
    expected = {*themes, *(h for hs in themes.values() for h in hs)}
    own = client.get("/concepts/walsh-2022-themes").json()
    assert own["dimension"] == "theme"
    assert {c["pref_label"] for c in own["concepts"]} == expected
    shared = client.get("/concepts/theme").json()
    assert {c["pref_label"] for c in shared["concepts"]} == expected
    typology = client.get("/concepts/walsh-2021-models-of-use").json()
    assert typology["concepts"] == []  # the nine models of use are not public


def test_study_designs_are_a_dimension_counted_from_the_design_table(client: TestClient) -> None:
    table = design_table()
    with (DATA / "sheets" / "illustrative-extraction.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        designs = [table[row["study_design"]] for row in csv.DictReader(handle)]
    expected: dict[str, int] = defaultdict(int)
    for found in designs:
        for design in set(found):
            expected[design] += 1
    facets = client.get("/studies?limit=1").json()["facets"]["study_design"]
    assert {f["label"]: f["count"] for f in facets} == dict(expected)


def test_the_review_page_shows_prisma_agreement_and_each_disagreement(
    dual_client: TestClient, dual_coded: Built
) -> None:
    """The page a reader sees carries the same figures as the JSON tested above."""
    from tests.api.html_tree import parse

    from .test_pages import BROWSER

    answer = dual_client.get("/reviews/synthetic-review").json()
    html = dual_client.get("/reviews/synthetic-review", headers={"Accept": BROWSER})
    assert html.headers["content-type"].startswith("text/html")
    doc = parse(html.text)
    prisma = doc.find("table", class_="prisma")
    for row in prisma.find_all("tr"):
        step = row.attrs.get("data-step")
        if not step or step == "excluded-for":
            continue
        value = answer["prisma"][step]
        shown = row.find("td").text.strip()
        assert shown == ("—not in the public record" if value is None else str(value)), step
    reasons = [r for r in prisma.find_all("tr") if r.attrs.get("data-step") == "excluded-for"]
    assert len(reasons) == len(answer["prisma"]["exclusion_reasons"])
    table = doc.find("table", class_="agreement")
    for entry in answer["agreement"]:
        row = table.find("tr", data_dimension=entry["dimension"])
        cells = [td.text.strip() for td in row.find_all("td")]
        assert cells[2] == str(entry["disagreements"])
        if entry["cohens_kappa"] is not None:
            assert cells[4] == f"{entry['cohens_kappa']:.2f}"
    listed = doc.find("ul", class_="disagreements").find_all("li")
    assert len(listed) == len(answer["disagreements"]) > 0
    for item, disagreement in zip(listed, answer["disagreements"], strict=True):
        assert item.attrs["data-study"] == disagreement["study"]
        for record in disagreement["records"]:
            assert f"row {record['row']} of {record['sheet_title']}" in item.text
    assert doc.find("strong", data_included="synthetic-review").text == str(
        len(answer["included_studies"])
    )
