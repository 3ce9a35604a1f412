"""Dereferencing the graph's IRIs on the real build: every format parses with rdflib and holds
the triples the sheet, reviews.yaml, the alignments and the ontology file say it should."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS, XSD

from smqi.api.linked_data.describe import natural_key
from smqi.loader.terms import BIBO, SMQI, VOCAB
from tests.conftest import SHEET, finding_statements, sheet_rows
from tests.paths import REPO

pytestmark = pytest.mark.integration

BASE = "https://w3id.org/smqi/id/"
HAWKINS = URIRef(f"{BASE}study/doi/10.1136/bmjqs-2015-004309")
HAWKINS_RECORD = URIRef(f"{BASE}record/illustrative-extraction/doi/10.1136/bmjqs-2015-004309")
TWITTER = URIRef(f"{VOCAB}platform/twitter")
FORMATS = {  # ?format= name -> (media type, rdflib parser)
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
    "nt": ("application/n-triples", "nt"),
}
REVIEWS = yaml.safe_load((REPO / "data" / "reviews.yaml").read_text(encoding="utf-8"))


def fetch(client: TestClient, path: str, fmt: str = "ttl") -> Graph:
    media_type, parser = FORMATS[fmt]
    response = client.get(path, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["vary"] == "Accept, Accept-Encoding"
    return Graph().parse(data=response.content, format=parser)


def hawkins_row() -> dict[str, str]:
    return next(r for r in sheet_rows() if r["doi"] == "10.1136/bmjqs-2015-004309")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_study_in_every_format_holds_its_triples(client: TestClient, fmt: str) -> None:
    graph = fetch(client, "/id/study/doi/10.1136/bmjqs-2015-004309", fmt)
    row = hawkins_row()
    assert (HAWKINS, RDF.type, SMQI.Study) in graph
    assert (HAWKINS, DCTERMS.title, Literal(row["title"])) in graph
    assert (HAWKINS, SMQI.firstAuthor, Literal(row["first_author"])) in graph
    assert (HAWKINS, SMQI.publicationYear, Literal(row["year"], datatype=XSD.integer)) in graph
    assert (HAWKINS, BIBO.doi, Literal(row["doi"])) in graph
    assert (HAWKINS, BIBO.pmid, Literal(row["pmid"])) in graph
    # incoming: the record that codes the study, with its label
    assert (HAWKINS_RECORD, SMQI.codesStudy, HAWKINS) in graph
    assert (HAWKINS_RECORD, None, Literal("Hawkins 2016 in illustrative-extraction")) in graph
    # entailed study-level values, each linked concept labelled
    assert (HAWKINS, SMQI.usedPlatform, TWITTER) in graph
    assert (TWITTER, SKOS.prefLabel, Literal("Twitter", lang="en")) in graph


def test_the_format_parameter_overrides_accept(client: TestClient) -> None:
    for fmt, (media_type, parser) in FORMATS.items():
        response = client.get(
            f"/id/study/doi/10.1136/bmjqs-2015-004309?format={fmt}", headers={"Accept": "text/html"}
        )
        assert response.headers["content-type"].split(";")[0] == media_type
        assert (HAWKINS, RDF.type, SMQI.Study) in Graph().parse(
            data=response.content, format=parser
        )
    default = client.get("/id/study/doi/10.1136/bmjqs-2015-004309", headers={"Accept": "*/*"})
    assert default.headers["content-type"].startswith("text/turtle")


def test_a_record_its_row_and_its_sheet_carry_the_provenance(client: TestClient) -> None:
    row = hawkins_row()
    record = fetch(client, str(HAWKINS_RECORD).replace(BASE, "/id/"), "nt")
    source_row = record.value(HAWKINS_RECORD, SMQI.sourceRow)
    assert source_row == URIRef(f"{BASE}sheet/illustrative-extraction/row/2")
    assert (
        HAWKINS_RECORD,
        DCTERMS.created,
        Literal(row["extraction_date"], datatype=XSD.date),
    ) in record
    assert (HAWKINS_RECORD, SMQI.platform, TWITTER) in record

    sheet_row = fetch(client, "/id/sheet/illustrative-extraction/row/2", "jsonld")
    assert (source_row, SMQI.rowNumber, Literal(2)) in sheet_row
    assert (source_row, SMQI.rowKey, Literal(row["study_id"])) in sheet_row

    sheet = fetch(client, "/id/sheet/illustrative-extraction", "rdf")
    digest = hashlib.sha256(SHEET.read_bytes()).hexdigest()
    assert (URIRef(f"{BASE}sheet/illustrative-extraction"), SMQI.sha256, Literal(digest)) in sheet


def test_reviews_collections_findings_and_graphs_dereference(client: TestClient) -> None:
    walsh = URIRef(f"{BASE}review/walsh-2021")
    review = fetch(client, "/id/review/walsh-2021")
    assert review.value(walsh, SMQI.reportedStudyCount) == Literal(40)  # whatever integer type
    assert len(list(review.objects(walsh, SMQI.reportsFinding))) == len(
        REVIEWS["reviews"][0]["findings"]
    )

    finding = fetch(client, "/id/finding/walsh-2021/2", "jsonld")
    statement = finding_statements(REVIEWS["reviews"][0])[1]
    assert (
        URIRef(f"{BASE}finding/walsh-2021/2"),
        SMQI.statement,
        Literal(statement, lang="en"),
    ) in finding
    assert (walsh, SMQI.reportsFinding, URIRef(f"{BASE}finding/walsh-2021/2")) in finding

    collection = URIRef(f"{BASE}collection/illustrative-extraction")
    described = fetch(client, "/id/collection/illustrative-extraction")
    assert (collection, RDF.type, SMQI.IllustrativeExtraction) in described
    assert len(set(described.subjects(SMQI.inCollection, collection))) == len(sheet_rows())

    graph = fetch(client, "/id/graph/reviews")
    assert (
        URIRef(f"{BASE}graph/reviews"),
        RDF.type,
        URIRef("http://rdfs.org/ns/void#Dataset"),
    ) in graph


def test_a_concept_and_its_scheme_dereference_under_vocab(client: TestClient) -> None:
    concept = fetch(client, "/vocab/platform/twitter", "jsonld")
    assert (TWITTER, SKOS.prefLabel, Literal("Twitter", lang="en")) in concept
    assert (TWITTER, SKOS.altLabel, Literal("Twitter/X", lang="en")) in concept
    assert (TWITTER, SKOS.exactMatch, URIRef("http://www.wikidata.org/entity/Q918")) in concept
    assert (TWITTER, SKOS.inScheme, URIRef(f"{VOCAB}platform")) in concept
    scheme = fetch(client, "/vocab/platform")
    assert (URIRef(f"{VOCAB}platform"), SKOS.hasTopConcept, TWITTER) in scheme
    forum = fetch(client, "/vocab/platform/online-forum", "rdf")
    mesh = URIRef("http://id.nlm.nih.gov/mesh/D000077253")
    assert (URIRef(f"{VOCAB}platform/online-forum"), SKOS.closeMatch, mesh) in forum


def test_a_theme_iri_of_0_1_0_still_dereferences_and_says_where_the_theme_went(
    client: TestClient,
) -> None:
    old = URIRef(f"{VOCAB}theme/benefit/builds-relationships")
    new = URIRef(f"{VOCAB}walsh-2022-themes/benefit/builds-relationships")
    moved = fetch(client, "/vocab/theme/benefit/builds-relationships")
    assert (old, DCTERMS.isReplacedBy, new) in moved
    assert (old, OWL.deprecated, Literal(True)) in moved
    theme = fetch(client, "/vocab/walsh-2022-themes/benefit/builds-relationships")
    assert (new, SKOS.prefLabel, Literal("Builds relationships", lang="en")) in theme
    assert (new, SKOS.inScheme, URIRef(f"{VOCAB}walsh-2022-themes")) in theme


def test_the_ontology_is_served_whole(client: TestClient) -> None:
    source = Graph().parse(REPO / "ontology" / "smqi.ttl")
    for fmt in FORMATS:
        served = fetch(client, "/ontology", fmt)
        ontology = URIRef("https://w3id.org/smqi/ontology")
        assert (ontology, RDF.type, OWL.Ontology) in served
        named = [t for t in source if not any(isinstance(term, BNode) for term in t)]
        missing = [t for t in named if t not in served]
        assert not missing, missing[:3]
        assert any(isinstance(s, BNode) for s in served.subjects())  # restrictions, lists
    for number in ("0.2.0", "0.1.0"):  # this version's IRI, and the prior one's still resolves
        version = client.get(f"/ontology/{number}", headers={"Accept": "text/turtle"})
        assert version.status_code == 200
        served = Graph().parse(data=version.text, format="turtle")
        assert (ontology, OWL.versionIRI, URIRef(f"{ontology}/0.2.0")) in served
        assert (ontology, OWL.priorVersion, URIRef(f"{ontology}/0.1.0")) in served
    assert client.get("/ontology/9.9.9").status_code == 404


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.links: list[str] = []
        self.sources: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self._in_title = tag == "title"
        if tag == "a" and attributes.get("href"):
            self.links.append(str(attributes["href"]))
        if tag in ("script", "img", "iframe") or (tag == "link" and attributes.get("href")):
            self.sources.append(str(attributes.get("src") or attributes.get("href")))

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def test_html_is_a_self_contained_page_linking_within_this_server(client: TestClient) -> None:
    response = client.get(
        "/id/study/doi/10.1136/bmjqs-2015-004309",
        headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
    )
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept, Accept-Encoding"
    page = _Page()
    page.feed(response.text)
    assert hawkins_row()["title"] in page.title
    # the site's own stylesheet and icons only: no script, nothing from another origin
    assert page.sources and all(s.startswith("/") and not s.startswith("//") for s in page.sources)
    assert not [s for s in page.sources if s.endswith(".js")]
    # a study's IRI opens the reader's page: its record, collection, DOI and raw RDF
    assert "/id/record/illustrative-extraction/doi/10.1136/bmjqs-2015-004309" in page.links
    assert "/reviews/illustrative-extraction" in page.links
    assert "/id/study/doi/10.1136/bmjqs-2015-004309?format=ttl" in page.links
    assert not [link for link in page.links if link.startswith("https://w3id.org/smqi/")]
    assert "https://doi.org/10.1136/bmjqs-2015-004309" in page.links  # external links stay

    record = _Page()
    record.feed(client.get(HAWKINS_RECORD.removeprefix(BASE).join(("/id/", "")),
                           headers={"Accept": "text/html"}).text)  # fmt: skip
    assert "/vocab/platform/twitter" in record.links
    assert "/id/study/doi/10.1136/bmjqs-2015-004309" in record.links
    assert "/id/collection/illustrative-extraction" in record.links
    assert not [link for link in record.links if link.startswith("https://w3id.org/smqi/")]

    ontology = client.get("/ontology?format=html").text
    assert re.search(r'id="Study"', ontology) and "<title>SMQI Evidence Graph ontology" in ontology


def test_unknown_iris_and_formats_are_refused(client: TestClient) -> None:
    for path in ("/id/study/doi/10.9999/none", "/vocab/platform/myspace", "/id/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not-found"
    assert client.get("/id/review/walsh-2021?format=docx").status_code == 406
    assert client.get("/id/review/walsh-2021", headers={"Accept": "image/png"}).status_code == 406


def test_linked_data_answers_are_conditional(client: TestClient) -> None:
    first = client.get("/vocab/platform/twitter", headers={"Accept": "text/turtle"})
    etag = first.headers["etag"]
    again = client.get(
        "/vocab/platform/twitter", headers={"Accept": "text/turtle", "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.headers["vary"] == "Accept, Accept-Encoding"
    as_html = client.get("/vocab/platform/twitter", headers={"Accept": "text/html"})
    assert as_html.headers["etag"] != etag


def test_numbered_iris_are_listed_in_number_order() -> None:
    iris = [f"https://w3id.org/smqi/id/review/r/author/{n}" for n in (10, 2, 1, 12)]
    assert [i.rsplit("/", 1)[1] for i in sorted(iris, key=natural_key)] == ["1", "2", "10", "12"]
    # texts that share a prefix of letters and numbers still compare
    assert sorted(["a7x5", "a7x", "a07"], key=natural_key) == ["a07", "a7x", "a7x5"]


def test_a_sheet_page_lists_its_rows_in_row_order(client: TestClient) -> None:
    page = client.get("/id/sheet/illustrative-extraction", headers={"Accept": "text/html"})
    assert page.status_code == 200
    rows = [int(n) for n in re.findall(r"sheet/illustrative-extraction/row/(\d+)\"", page.text)]
    assert rows == list(range(2, len(sheet_rows()) + 2))


# -- malformed paths: 404 everywhere, never a 500 -------------------------------------------------

# What an IRI may not hold (RFC 3987): space, controls, and these, which a raw request line
# may carry unescaped.
IRI_BREAKERS = ' <>"{}|\\^`\x00\x01\x7f'
RAW_IN_A_REQUEST_LINE = '<>"{}|\\^`'
LINKED_DATA = ("/id/", "/vocab/", "/ontology/")
ACCEPTS = ("text/turtle", "application/ld+json", "text/html", "*/*")


def _answer_of(served: str, path: str, accept: str) -> tuple[int, str, bytes]:
    parts = urlsplit(served)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def _assert_not_found(status: int, content_type: str, body: bytes, accept: str, path: str) -> None:
    assert status == 404, (path, accept, status, body[:200])
    if content_type.startswith("text/html"):
        assert accept in ("text/html", "*/*") and b"Not found" in body, path
    else:
        assert content_type == "application/problem+json", (path, content_type)
        assert json.loads(body)["code"] == "not-found", path


@pytest.mark.parametrize("prefix", LINKED_DATA)
@pytest.mark.parametrize("breaker", [*RAW_IN_A_REQUEST_LINE, "%20", "%3C", "%7B", "%00"])
def test_a_malformed_linked_data_path_is_404(served: str, prefix: str, breaker: str) -> None:
    path = f"{prefix}a{breaker}b"
    for accept in ("text/turtle", "text/html"):
        _assert_not_found(*_answer_of(served, path, accept), accept, path)


@given(
    prefix=st.sampled_from(LINKED_DATA),
    before=st.text(st.characters(codec="utf-8"), max_size=12),
    breaker=st.sampled_from(IRI_BREAKERS),
    after=st.text(st.characters(codec="utf-8"), max_size=12),
    raw=st.booleans(),
    accept=st.sampled_from(ACCEPTS),
)
@settings(max_examples=150, deadline=None)
def test_any_path_holding_what_no_iri_may_is_404(
    served: str, prefix: str, before: str, breaker: str, after: str, raw: bool, accept: str
) -> None:
    # percent-encoded, or with the characters a request line may carry left raw
    segment = quote(before + breaker + after, safe=RAW_IN_A_REQUEST_LINE if raw else "")
    path = prefix + segment
    _assert_not_found(*_answer_of(served, path, accept), accept, path)
