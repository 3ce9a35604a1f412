"""Many reviews in one store: two projects loaded with ``smqi load`` into one real Virtuoso.

Loading or replacing one project's dataset leaves the other's graphs as they were; the API
over the store serves both, and scoped to one project (``--dataset-only``) answers exactly as
the API over a store holding that project alone. Expected counts come from the sheets, read
with the csv module."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from bench.synthetic import make_review_project
from bench.virtuoso import Virtuoso
from smqi.api.app import create_app
from smqi.api.cli import main
from smqi.api.sparql.service_description import runnable_text
from smqi.api.store import RemoteStore, RemoteStoreSettings
from smqi.loader.build import build
from smqi.loader.project import project_settings
from smqi.loader.queries import load_catalogue
from smqi.loader.shared import KINDS, SHARED_GRAPHS, kind_of
from smqi.loader.terms import DEFAULT_BASE
from tests.conftest import sheet_rows
from tests.paths import ONTOLOGY

from .built_graph import make_settings
from .conftest import started_virtuoso

pytestmark = [pytest.mark.integration, pytest.mark.virtuoso]

REVIEW = "synthetic-review-001"
REVIEW_BASE = f"https://example.org/{REVIEW}/id/"
SYNTHETIC_STUDIES = 40
SERVER_MAX_ROWS = 100_000
GROUP_CONCAT = re.compile(r'GROUP_CONCAT\(.*?separator\s*=\s*"([^"]*)"\s*\)\s+AS\s+\?(\w+)', re.S)
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
# The same answers from the API over the shared store scoped to data/ and from the API over
# the embedded store holding data/ alone.
COMPARED = [
    "/studies",
    "/studies?platform=Twitter&limit=5",
    "/studies?q=patient",
    "/summary?rows=platform&cols=communication_model",
    "/gaps?rows=platform&cols=stage",
    "/reviews",
    "/reviews/walsh-2021",
    "/concepts/platform",
    "/map?rows=platform&cols=population&format=csv",
]


def sheet_studies(project: Path) -> int:
    with (project / "sheets" / "extraction.csv").open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def smqi_load(project: Path, server: Virtuoso) -> None:
    options = ["--endpoint", server.query_url, "--update-endpoint", server.update_url]
    options += ["--store-kind", "virtuoso", "--endpoint-user", server.user]
    options += ["--endpoint-password", server.password]
    assert main(["load", "--project", str(project), *options]) == 0


def store_over(server: Virtuoso, *, dataset_only: bool = False) -> RemoteStore:
    return RemoteStore(
        RemoteStoreSettings(
            query_url=server.query_url,
            kind="virtuoso",
            graph_prefix=f"{DEFAULT_BASE}graph/",
            dataset_only=dataset_only,
            query_timeout_s=10,
            version_ttl_s=0.0,
        )
    )


@pytest.fixture(scope="module")
def review_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SYNTHETIC review's project, with its own base IRI, built."""
    project = make_review_project(tmp_path_factory.mktemp("review") / REVIEW, 1, SYNTHETIC_STUDIES)
    build(project_settings(project))
    return project


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory, built_data: Path, review_project: Path
) -> Iterator[Virtuoso]:
    """A Virtuoso holding data/ and the synthetic review, each loaded with ``smqi load``."""
    # Virtuoso's row limit above the API's cap (10000), as the README's recipe says: the
    # API's own queries read every study of both projects.
    directory = tmp_path_factory.mktemp("shared-virtuoso")
    with started_virtuoso(directory, max_rows=SERVER_MAX_ROWS) as server:
        smqi_load(built_data, server)
        smqi_load(review_project, server)
        yield server


def client_over(built_data: Path, store: RemoteStore) -> TestClient:
    return TestClient(create_app(make_settings(built_data, store.settings), store))  # type: ignore[arg-type]


def graph_counts(store: RemoteStore, prefix: str) -> dict[str, int]:
    rows = store.select(GRAPH_COUNTS).rows
    found = {row["g"].value: int(row["n"].value) for row in rows}
    return {graph: n for graph, n in found.items() if graph.startswith(prefix)}


def test_the_api_over_the_store_serves_every_project(shared: Virtuoso, built_data: Path) -> None:
    ours = len(sheet_rows())
    with client_over(built_data, store_over(shared)) as client:
        answer = client.get("/studies", params={"limit": 1})
        assert answer.status_code == 200, answer.text
        everything = answer.json()
        answer = client.get("/studies", params={"review": REVIEW, "limit": 100})
        assert answer.status_code == 200, answer.text
        review = answer.json()
        reviews = {c["id"] for c in client.get("/reviews").json()["collections"]}

    assert everything["total"] == ours + SYNTHETIC_STUDIES
    assert review["total"] == SYNTHETIC_STUDIES
    assert all(study["iri"].startswith(REVIEW_BASE) for study in review["studies"])
    assert {REVIEW, "illustrative-extraction", "walsh-2021", "walsh-2022"} <= reviews


def test_replacing_one_project_leaves_the_others_graphs(
    shared: Virtuoso, built_data: Path, review_project: Path, tmp_path: Path
) -> None:
    store = store_over(shared)
    ours_before = graph_counts(store, f"{DEFAULT_BASE}graph/")
    sheet = review_project / "sheets" / "extraction.csv"
    kept = sheet.read_text(encoding="utf-8").splitlines(keepends=True)[:26]  # header + 25
    shutil.copy(sheet, tmp_path / "extraction.csv")
    try:
        sheet.write_text("".join(kept), encoding="utf-8")
        build(project_settings(review_project))
        smqi_load(review_project, shared)

        assert graph_counts(store, f"{DEFAULT_BASE}graph/") == ours_before
        with client_over(built_data, store) as client:
            review = client.get("/studies", params={"review": REVIEW, "limit": 1}).json()
            everything = client.get("/studies", params={"limit": 1}).json()
        assert review["total"] == 25 == sheet_studies(review_project)
        assert everything["total"] == len(sheet_rows()) + 25
    finally:
        shutil.copy(tmp_path / "extraction.csv", sheet)
        build(project_settings(review_project))
        smqi_load(review_project, shared)


@pytest.mark.parametrize("path", COMPARED)
def test_scoped_to_one_project_the_api_answers_as_over_that_project_alone(
    shared: Virtuoso, built_data: Path, client: TestClient, path: str
) -> None:
    with client_over(built_data, store_over(shared, dataset_only=True)) as scoped:
        answer = scoped.get(path)
    alone = client.get(path)

    assert answer.status_code == alone.status_code == 200
    if path.endswith("format=csv"):
        assert answer.text == alone.text
    else:
        assert answer.json() == alone.json()


def test_scoped_sparql_answers_as_over_that_project_alone(
    shared: Virtuoso, built_data: Path, client: TestClient
) -> None:
    query = quote(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    url = f"/sparql?query={query}&format=json"
    with client_over(built_data, store_over(shared, dataset_only=True)) as scoped:
        answer = json.loads(scoped.get(url).content)
    alone = json.loads(client.get(url).content)

    assert answer["results"]["bindings"] == alone["results"]["bindings"]
    graphs = [row["g"]["value"] for row in answer["results"]["bindings"]]
    assert all(g.startswith(DEFAULT_BASE) or kind_of(g) for g in graphs)
    assert sorted(kind_of(g) for g in graphs if kind_of(g)) == sorted(KINDS)


def test_the_projects_share_one_copy_of_the_ontology_and_vocabularies(
    shared: Virtuoso, built_data: Path, review_project: Path
) -> None:
    """Both builds hold the shared graphs; the store keeps one copy, as one build holds it."""
    store = store_over(shared)
    in_store = graph_counts(store, SHARED_GRAPHS)
    in_file = Counter(
        quad.graph_name.value
        for quad in ox.parse(path=built_data / "build" / "smqi.nq", format=ox.RdfFormat.N_QUADS)
        if isinstance(quad.graph_name, ox.NamedNode) and kind_of(quad.graph_name.value)
    )
    theirs = (review_project / "build" / "smqi.nq").read_text(encoding="utf-8")

    assert in_store == dict(in_file)
    assert sorted(kind_of(g) for g in in_store) == sorted(KINDS)
    assert all(f"<{graph}> ." in theirs for graph in in_store)


def _concatenated(query: str) -> dict[str, str]:
    """The variables ``query`` makes with GROUP_CONCAT, and each one's separator."""
    return dict((name, separator) for separator, name in GROUP_CONCAT.findall(query))


def _rows(answer: dict[str, object], concatenated: dict[str, str]) -> list[str]:
    """A SELECT's rows, each as canonical JSON, sorted: the same answer in any order. A
    GROUP_CONCAT's parts are sorted too, and its language tag dropped: SPARQL leaves their
    order to the store, and Oxigraph keeps the parts' common language tag where Virtuoso
    gives a simple literal. A boolean is written as the integer Virtuoso 7 gives for one
    (it has no boolean type: ``BIND (EXISTS {...} AS ?x)`` comes back as 1 or 0)."""
    if "boolean" in answer:
        return [json.dumps(answer["boolean"])]
    rows = []
    for row in answer["results"]["bindings"]:  # type: ignore[index]
        for name, separator in concatenated.items():
            if name in row:
                parts = row[name]["value"].split(separator)
                row[name] = {"type": "literal", "value": separator.join(sorted(parts))}
        for name, term in row.items():
            if term.get("datatype") == XSD_BOOLEAN:
                value = "1" if term["value"] in ("true", "1") else "0"
                row[name] = {"type": "literal", "datatype": XSD_INTEGER, "value": value}
        rows.append(json.dumps(row, sort_keys=True))
    return sorted(rows)


def test_every_competency_query_answers_as_over_that_project_alone(
    shared: Virtuoso, built_data: Path, client: TestClient
) -> None:
    queries = load_catalogue(ONTOLOGY / "queries")
    with client_over(built_data, store_over(shared, dataset_only=True)) as scoped:
        for name, query in sorted(queries.items()):
            text = quote(runnable_text(query, DEFAULT_BASE))
            url = f"/sparql?query={text}&format=json"
            answer, alone = scoped.get(url), client.get(url)
            assert answer.status_code == alone.status_code == 200, name
            concatenated = _concatenated(query.text)
            assert concatenated or "GROUP_CONCAT" not in query.text, name
            rows = _rows(answer.json(), concatenated)
            assert rows == _rows(alone.json(), concatenated), name
