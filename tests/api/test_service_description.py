"""The service description, the example catalogue, the VoID description, home and downloads.

Everything is parsed with rdflib and checked against what is known independently: the .rq
files on disk, the extraction sheet, the build's N-Quads file.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from html import unescape
from pathlib import Path

import pytest
import rdflib
import yaml
from fastapi.testclient import TestClient
from rdflib import Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from smqi.loader import terms
from smqi.loader.terms import DEFAULT_BASE
from tests.paths import REPO

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*"),
]


BASE = "http://testserver"
ENDPOINT = URIRef(f"{BASE}/sparql")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
QUERIES = REPO / "ontology" / "queries"
METADATA_GRAPH = f"{DEFAULT_BASE}graph/metadata"
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


def parse(body: bytes, rdflib_format: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=body, format=rdflib_format)
    return graph


def get_graph(client: TestClient, path: str, media_type: str = "text/turtle") -> rdflib.Graph:
    response = client.get(path, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["vary"] == "Accept"
    return parse(response.content, RDF_TYPES[media_type])


@pytest.fixture(scope="module")
def sheet(built_data: Path) -> list[dict[str, str]]:
    with (built_data / "sheets" / "illustrative-extraction.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graphs_in_build(built_nquads: Path) -> dict[str, int]:
    """Triples per named graph of the build's N-Quads file, counted by rdflib, leaving out
    the metadata graph (the VoID description there counts the others)."""
    dataset = rdflib.Dataset()
    dataset.parse(built_nquads, format="nquads")
    counts = Counter(str(graph) for _, _, _, graph in dataset.quads())
    assert METADATA_GRAPH in counts
    return {graph: n for graph, n in counts.items() if graph != METADATA_GRAPH}


# -- service description -------------------------------------------------------------------


def test_service_description(client: TestClient, graphs_in_build: dict[str, int]) -> None:
    sd = get_graph(client, "/sparql")
    assert (ENDPOINT, terms.RDF.type, terms.SD.Service) in sd
    assert sd.value(ENDPOINT, terms.SD.endpoint) == ENDPOINT
    assert (ENDPOINT, terms.SD.supportedLanguage, terms.SD.SPARQL11Query) in sd
    assert (ENDPOINT, terms.SD.feature, terms.SD.UnionDefaultGraph) in sd
    formats = set(sd.objects(ENDPOINT, terms.SD.resultFormat))
    names = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV")
    names += ("SPARQL_Results_TSV", "Turtle", "JSON-LD", "RDF_XML", "N-Triples", "N-Quads", "TriG")
    assert formats == {FORMATS[name] for name in names}
    dataset = sd.value(ENDPOINT, terms.SD.defaultDataset)
    assert dataset == URIRef(f"{DEFAULT_BASE}dataset")
    assert (dataset, terms.RDF.type, terms.SD.Dataset) in sd
    assert (dataset, terms.RDFS.seeAlso, URIRef(f"{BASE}/.well-known/void")) in sd
    described = {}
    for named in sd.objects(dataset, terms.SD.namedGraph):
        triples = sd.value(sd.value(named, terms.SD.graph), terms.VOID.triples)
        described[str(sd.value(named, terms.SD.name))] = None if triples is None else int(triples)
    expected: dict[str, int | None] = dict(graphs_in_build)
    expected[METADATA_GRAPH] = None  # described by the VoID, not counted in it
    assert described == expected


@pytest.mark.parametrize("media_type", [t for t in RDF_TYPES if t != "text/turtle"])
def test_service_description_is_the_same_graph_in_every_type(
    client: TestClient, media_type: str
) -> None:
    assert isomorphic(get_graph(client, "/sparql"), get_graph(client, "/sparql", media_type))


def test_sparql_without_a_query_by_accept(client: TestClient) -> None:
    by_default = client.get("/sparql", headers={"Accept": "*/*"})
    assert by_default.headers["content-type"].startswith("text/turtle")
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get("/sparql", headers={"Accept": browser})
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="yasgui"' in page.text
    assert "/static/yasgui/yasgui.min.js" in page.text
    as_format = client.get("/sparql", params={"format": "nt"}, headers={"Accept": browser})
    assert as_format.headers["content-type"] == "application/n-triples"
    refused = client.get("/sparql", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert refused.json()["code"] == "not-acceptable"


# -- example catalogue ---------------------------------------------------------------------


def _question(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# CQ\d+[a-z]?: (.+)", first)
    assert match, first
    return match.group(1).strip()


def test_every_competency_query_is_an_example_once(client: TestClient) -> None:
    catalogue = get_graph(client, "/.well-known/sparql-examples")
    files = sorted(QUERIES.glob("*.rq"))
    assert files
    assert len(set(catalogue.subjects(terms.RDF.type, terms.SH.SPARQLExecutable))) == len(files)
    for path in files:
        (example,) = catalogue.subjects(terms.DCTERMS.identifier, Literal(path.stem))
        assert (example, terms.RDF.type, terms.SH.SPARQLSelectExecutable) in catalogue
        assert Literal(_question(path), lang="en") in set(
            catalogue.objects(example, terms.RDFS.comment)
        )
        assert catalogue.value(example, terms.RDFS.label) is not None
        assert catalogue.value(example, terms.SCHEMA.target) == ENDPOINT
        text = str(catalogue.value(example, terms.SH.select))

        # the file's text, with at most a VALUES block added for its required parameters
        def without_values(query: str) -> list[str]:
            return re.sub(r"VALUES \((\?\w+ ?)+\) \{[^}]*\}", "", query).split()

        assert without_values(text) == without_values(path.read_text())
    assert isomorphic(
        catalogue, get_graph(client, "/.well-known/sparql-examples", "application/ld+json")
    )


def test_every_example_runs_on_the_endpoint(client: TestClient) -> None:
    catalogue = get_graph(client, "/.well-known/sparql-examples")
    answered = {}
    for example in catalogue.subjects(terms.RDF.type, terms.SH.SPARQLExecutable):
        response = client.post(
            "/sparql",
            data={"query": str(catalogue.value(example, terms.SH.select))},
            headers={"Accept": "application/sparql-results+json"},
        )
        name = str(catalogue.value(example, terms.DCTERMS.identifier))
        assert response.status_code == 200, (name, response.text)
        answered[name] = len(response.json()["results"]["bindings"])
    assert set(answered) == {path.stem for path in QUERIES.glob("*.rq")}
    # the examples with required parameters answer for the values given to them
    for name in ("cq01-studies-per-concept", "cq02-cross-tabulation", "cq03-evidence-gaps"):
        assert answered[name] > 0, name


# -- VoID, home page, downloads --------------------------------------------------------------


def test_void_description_matches_the_build(
    client: TestClient,
    sheet: list[dict[str, str]],
    graphs_in_build: dict[str, int],
    built_data: Path,
) -> None:
    void = get_graph(client, "/.well-known/void")
    dataset = URIRef(f"{DEFAULT_BASE}dataset")
    assert (dataset, terms.RDF.type, terms.VOID.Dataset) in void
    assert int(void.value(dataset, terms.VOID.triples)) == sum(graphs_in_build.values())  # type: ignore[arg-type]
    entities = {
        void.value(partition, terms.VOID["class"]): int(void.value(partition, terms.VOID.entities))  # type: ignore[arg-type]
        for partition in void.objects(dataset, terms.VOID.classPartition)
    }
    assert entities[terms.SMQI.Study] == len(sheet)
    assert entities[terms.SMQI.CodedRecord] == len(sheet)
    assert void.value(dataset, terms.VOID.sparqlEndpoint) == ENDPOINT
    dumps = {str(dump) for dump in void.objects(dataset, terms.VOID.dataDump)}
    assert f"{BASE}/downloads/smqi.nq" in dumps
    for distribution in void.objects(dataset, terms.DCAT.distribution):
        url = str(void.value(distribution, terms.DCAT.downloadURL))
        media_type = str(void.value(distribution, terms.DCAT.mediaType)).rsplit("media-types/", 1)[
            1
        ]
        response = client.get(url.removeprefix(BASE))
        assert response.status_code == 200, url
        assert response.headers["content-type"].split(";")[0] == media_type
        name = url.rsplit("/", 1)[1]
        assert response.content == (built_data / "build" / name).read_bytes()


def reported_counts(data: Path) -> str:
    """'40 (walsh-2021) and 61 (walsh-2022)': what reviews.yaml says each review included."""
    reviews = yaml.safe_load((data / "reviews.yaml").read_text(encoding="utf-8"))["reviews"]
    counts = sorted((review["id"], review["included_studies"]) for review in reviews)
    return " and ".join(f"{included} ({identifier})" for identifier, included in counts)


def test_home_page(client: TestClient, sheet: list[dict[str, str]], built_data: Path) -> None:
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert (
        f"The {len(sheet)} studies in this graph are an <strong>illustrative extraction "
        "coded from public abstracts</strong>" in html
    )
    assert f'<td data-count="Studies">{len(sheet)}</td>' in html
    assert reported_counts(built_data) in html
    for path in QUERIES.glob("*.rq"):
        assert _question(path) in unescape(html), path.name
    # no resource from another origin: every src and stylesheet is local
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))]


def test_every_link_on_the_home_page_answers(client: TestClient) -> None:
    html = client.get("/", headers={"Accept": "text/html"}).text
    links = {unescape(href) for href in re.findall(r'href="(/[^"#]*)"', html)}
    assert {"/map", "/studies", "/sparql"} <= links
    for link in sorted(links):
        response = client.get(link, headers={"Accept": "text/html, */*;q=0.5"})
        assert response.status_code == 200, (link, response.text[:200])


@pytest.mark.parametrize("accept", ["application/ld+json", "application/json", "text/turtle"])
def test_home_page_to_rdf_clients_is_the_dataset_description(
    client: TestClient, accept: str
) -> None:
    response = client.get("/", headers={"Accept": accept})
    assert response.status_code == 200
    media_type = "application/ld+json" if accept == "application/json" else accept
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = parse(response.content, RDF_TYPES[media_type])
    assert (URIRef(f"{DEFAULT_BASE}dataset"), terms.RDF.type, terms.VOID.Dataset) in graph


def test_downloads_and_static_files_only_serve_what_they_offer(client: TestClient) -> None:
    for path in ("/downloads/nothing.nq", "/downloads/..%2Fsmqi.nq", "/static/../app.py"):
        response = client.get(path)
        assert response.status_code == 404, path
    script = client.get("/static/yasgui/yasgui.min.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/README.md").status_code == 404
