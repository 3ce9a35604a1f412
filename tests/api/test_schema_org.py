"""The landing page's schema.org Dataset markup, read as a harvester reads it: the JSON-LD
script taken out of the HTML, parsed as RDF with rdflib, and checked against what is known
without it: the VoID description (parsed separately), reviews.yaml, the build's files and
the manifest's statement of what the studies are."""

from __future__ import annotations

import json
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import rdflib
import yaml
from fastapi.testclient import TestClient
from rdflib import Namespace, URIRef

from smqi.api.evidence.dimensions import DIMENSIONS
from smqi.loader import terms
from smqi.loader.terms import DEFAULT_BASE

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*"),
]


SCHEMA = Namespace("https://schema.org/")
DATASET = URIRef(f"{DEFAULT_BASE}dataset")


class JsonLdScripts(HTMLParser):
    """The text of every <script type="application/ld+json"> in a page (as extruct finds it)."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside = tag == "script" and ("type", "application/ld+json") in attrs
        if self._inside:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def markup(client: TestClient) -> dict[str, object]:
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    parser = JsonLdScripts()
    parser.feed(response.text)
    assert len(parser.scripts) == 1
    found: dict[str, object] = json.loads(parser.scripts[0])
    return found


@pytest.fixture(scope="module")
def graph(markup: dict[str, object]) -> rdflib.Graph:
    # offline, the schema.org context cannot be fetched: the same terms, from a local context
    assert markup["@context"] == "https://schema.org"
    local = {**markup, "@context": {"@vocab": str(SCHEMA)}}
    return rdflib.Graph().parse(data=json.dumps(local), format="json-ld")


@pytest.fixture(scope="module")
def void(client: TestClient) -> rdflib.Graph:
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.text, format="turtle")


def test_the_markup_is_the_void_description_s_dataset(
    graph: rdflib.Graph, void: rdflib.Graph
) -> None:
    assert (DATASET, rdflib.RDF.type, SCHEMA.Dataset) in graph
    for schema_term, dcterms_term in [
        (SCHEMA.name, terms.DCTERMS.title),
        (SCHEMA.description, terms.DCTERMS.description),
    ]:
        assert str(graph.value(DATASET, schema_term)) == str(void.value(DATASET, dcterms_term))
    assert str(graph.value(DATASET, SCHEMA.license)) == str(
        void.value(DATASET, terms.DCTERMS.license)
    )
    modified = void.value(DATASET, terms.DCTERMS.modified)
    assert isinstance(modified, rdflib.Literal)
    stated = str(graph.value(DATASET, SCHEMA.dateModified))
    assert datetime.fromisoformat(stated) == modified.toPython()
    # the dataset's version (the manifest's), not the build's
    assert graph.value(DATASET, SCHEMA.version) == void.value(DATASET, terms.DCAT_VERSION)
    assert str(graph.value(DATASET, SCHEMA.version)) == "1.0.0"


def test_the_description_says_what_the_studies_are_not(
    graph: rdflib.Graph, built_data: Path
) -> None:
    description = " ".join(str(graph.value(DATASET, SCHEMA.description)).split())
    assert "illustrative extraction" in description
    assert "not the studies included by either review" in description
    reviews = yaml.safe_load((built_data / "reviews.yaml").read_text(encoding="utf-8"))["reviews"]
    for review in reviews:
        assert f"{review['included_studies']} " in description


def test_every_distribution_downloads_its_file(
    client: TestClient, graph: rdflib.Graph, void: rdflib.Graph
) -> None:
    offered = {
        str(graph.value(download, SCHEMA.contentUrl)): str(
            graph.value(download, SCHEMA.encodingFormat)
        )
        for download in graph.objects(DATASET, SCHEMA.distribution)
    }
    in_void = {str(d) for d in void.objects(DATASET, terms.DCAT.distribution)}
    assert set(offered) == in_void and len(offered) >= 4
    for url, media_type in offered.items():
        response = client.head(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].split(";")[0] == media_type


def test_the_reviews_are_cited_by_doi(graph: rdflib.Graph, built_data: Path) -> None:
    reviews = yaml.safe_load((built_data / "reviews.yaml").read_text(encoding="utf-8"))["reviews"]
    expected = {URIRef(f"https://doi.org/{r['doi']}"): r["title"] for r in reviews}
    cited = set(graph.objects(DATASET, SCHEMA.citation))
    assert cited == set(expected)
    for article, title in expected.items():
        assert (article, rdflib.RDF.type, SCHEMA.ScholarlyArticle) in graph
        assert " ".join(str(graph.value(article, SCHEMA.name)).split()) == " ".join(title.split())


def test_the_variables_are_the_coded_dimensions_and_resolve(
    client: TestClient, graph: rdflib.Graph
) -> None:
    variables = list(graph.objects(DATASET, SCHEMA.variableMeasured))
    properties = {str(graph.value(v, SCHEMA.propertyID)) for v in variables}
    assert properties == {dimension.predicate for dimension in DIMENSIONS}
    for variable in variables:
        url = str(graph.value(variable, SCHEMA.url))
        answer = client.get(url)
        assert answer.status_code == 200, url
        # the scheme of that dimension (model of use may have no concepts: none are invented)
        name = str(graph.value(variable, SCHEMA.name))
        assert answer.json()["dimension"].replace("_", " ") == name, url


def test_the_catalog_and_publisher_are_the_fair_data_point_s(
    client: TestClient, graph: rdflib.Graph
) -> None:
    catalog = graph.value(DATASET, SCHEMA.includedInDataCatalog)
    fdp = rdflib.Graph().parse(
        data=client.get(str(catalog), headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    assert (catalog, rdflib.RDF.type, terms.DCAT.Catalog) in fdp
    publisher = graph.value(DATASET, SCHEMA.publisher)
    assert (catalog, terms.DCTERMS.publisher, publisher) in fdp
    assert str(graph.value(publisher, SCHEMA.name)) == str(fdp.value(publisher, terms.FOAF.name))
