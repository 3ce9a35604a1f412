"""A store that holds hostile values: no page links a javascript:, data: or vbscript: IRI.

The loader and the shapes accept only http(s) IRIs where a page links them, but a remote
store can hold anything. So the real build is loaded into a store of its own together with
hostile triples (such IRIs as a study's, record's, review's, finding's, concept's and the
ontology's links, and a definition in Markdown with a script link, an event handler and raw
HTML), and every kind of page the app makes is read: each hostile IRI the page shows is
shown as text, and none comes out as a link or in any attribute. The query editor's result
links are test_pages_browser.py's (they are made in the browser).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from smqi.api.app import create_app
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings
from smqi.loader.shared import kind_of
from smqi.loader.terms import DCTERMS, ONTOLOGY_IRI, RDFS, SKOS, SMQI

from .built_graph import TIMEOUT_S, make_settings
from .html_tree import Element, parse

pytestmark = pytest.mark.integration

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HOSTILE = (
    "javascript:alert(document.domain)",
    "JavaScript:alert(2)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
)
# a definition whose Markdown would make a script link, and raw HTML with an event handler
MARKDOWN = (
    "See [the guide](javascript:alert(3)) and <img src=x onerror=alert(4)> "
    '<a href="vbscript:msgbox(5)">this</a> <script>alert(6)</script>'
)
BASE = "https://w3id.org/smqi/id/"
STUDY = f"{BASE}study/doi/10.1136/bmjqs-2015-004309"
RECORD = f"{BASE}record/illustrative-extraction/doi/10.1136/bmjqs-2015-004309"
REVIEW = f"{BASE}review/walsh-2021"
CONCEPT = "https://w3id.org/smqi/vocab/platform/twitter"
ONTOLOGY_CLASS = f"{ONTOLOGY_IRI}#Study"
# Attributes a browser reads as a URL.
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "srcset", "poster", "cite", "data", "xlink:href",
    "background", "longdesc", "data-svg", "ping",
}  # fmt: skip
SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


def _findings(nquads: Path) -> list[str]:
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    rows = store.query(
        f"SELECT ?f WHERE {{ GRAPH ?g {{ <{REVIEW}> <{SMQI.reportsFinding}> ?f }} }}",
        use_default_graph_as_union=True,
    )
    return sorted(row["f"].value for row in rows)  # type: ignore[index, union-attr]


def _ontology_graph(nquads: Path) -> str:
    """The name of the build's (shared) ontology graph."""
    graphs = {
        quad.graph_name.value
        for quad in ox.parse(path=nquads, format=ox.RdfFormat.N_QUADS)
        if isinstance(quad.graph_name, ox.NamedNode)
    }
    (name,) = [graph for graph in graphs if kind_of(graph) == "ontology"]
    return name


def hostile_quads(finding: str, graph: str) -> str:
    """The hostile triples, in N-Quads, all in the ontology graph ``graph``."""
    lines = []
    for iri in HOSTILE:
        for subject, prop in (
            (STUDY, RDFS.seeAlso),
            (RECORD, DCTERMS.source),
            (REVIEW, RDFS.seeAlso),
            (REVIEW, DCTERMS.source),
            (finding, DCTERMS.source),
            (CONCEPT, SKOS.exactMatch),
            (ONTOLOGY_IRI, DCTERMS.source),
            (ONTOLOGY_CLASS, DCTERMS.source),
        ):
            lines.append(f"<{subject}> <{prop}> <{iri}> <{graph}> .")
    lines.append(f"<{REVIEW}> <{DCTERMS.license}> <{HOSTILE[0]}> <{graph}> .")
    definition = MARKDOWN.replace("\\", "\\\\").replace('"', '\\"')
    lines.append(f'<{ONTOLOGY_CLASS}> <{SKOS.definition}> "{definition}"@en <{graph}> .')
    lines.append(f'<{ONTOLOGY_IRI}> <{DCTERMS.description}> "{definition}"@en <{graph}> .')
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def hostile(
    built_data: Path, built_nquads: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app over a store holding the real build and the hostile triples."""
    directory = tmp_path_factory.mktemp("hostile-store")
    dataset = directory / "hostile.nq"
    dataset.write_text(
        built_nquads.read_text(encoding="utf-8")
        + hostile_quads(_findings(built_nquads)[0], _ontology_graph(built_nquads)),
        encoding="utf-8",
    )
    settings = EmbeddedStoreSettings(data_dir=directory / "store", query_timeout_s=TIMEOUT_S)
    store = EmbeddedStore(settings)
    store.replace(dataset)
    app = create_app(make_settings(built_data, settings), store)
    with TestClient(app) as client:
        yield client


def unsafe_attributes(page: Element) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) of each attribute that holds a hostile IRI, or a URL
    attribute whose URL has a scheme other than http(s); and each event handler."""
    found = []
    for element in page.iter():
        for name, value in element.attrs.items():
            scheme = SCHEME.match(value)
            if (
                any(iri.lower() in value.lower() for iri in HOSTILE)
                or name.startswith("on")
                or (
                    name in URL_ATTRIBUTES
                    and scheme is not None
                    and scheme.group(1).lower() not in ("http", "https")
                )
            ):
                found.append((element.tag, name, value))
    return found


# Every kind of page, with the hostile IRIs each one shows (as text, never as a link).
SHOWN_ON = {
    "/id/study/doi/10.1136/bmjqs-2015-004309": HOSTILE,
    "/studies/doi/10.1136/bmjqs-2015-004309": HOSTILE,
    "/id/record/illustrative-extraction/doi/10.1136/bmjqs-2015-004309": HOSTILE,
    "/reviews/walsh-2021": HOSTILE,
    "/id/review/walsh-2021": HOSTILE,
    "/concepts/platform": HOSTILE,
    "/vocab/platform/twitter": HOSTILE,
    "/ontology": HOSTILE,
    "/": (),
    "/studies": (),
    "/studies?platform=Twitter&q=hospital": (),
    "/reviews": (),
    "/concepts": (),
    "/summary?rows=platform&cols=stage": (),
    "/gaps?rows=platform&cols=stage": (),
    "/map?rows=platform&cols=stage": (),
    "/map?rows=platform&cols=stage&row=https%3A%2F%2Fw3id.org%2Fsmqi%2Fvocab%2Fplatform"
    "%2Ftwitter&col=https%3A%2F%2Fw3id.org%2Fsmqi%2Fvocab%2Fqi-stage%2Fplan": (),
    "/map?rows=platfrom": (),  # an error page
    "/id/study/doi/10.9999/none": (),  # a 404 page
    "/sparql": (),
    "/docs": (),
}


@pytest.mark.parametrize("url", sorted(SHOWN_ON))
def test_no_page_links_a_hostile_iri_whatever_the_store_holds(
    hostile: TestClient, url: str
) -> None:
    response = hostile.get(url, headers={"Accept": BROWSER})
    assert response.headers["content-type"].startswith("text/html"), url
    assert response.status_code in (200, 400, 404), (url, response.status_code)
    page = parse(response.text)
    assert unsafe_attributes(page) == [], url
    text = page.text
    for iri in SHOWN_ON[url]:
        assert iri in text, (url, iri)  # the triple is on the page, as text


def test_the_ontology_page_keeps_no_script_handler_or_inline_style_from_the_graph(
    hostile: TestClient,
) -> None:
    page = parse(hostile.get("/ontology", headers={"Accept": BROWSER}).text)
    scripts = page.find_all("script")
    assert [s.attrs.get("type") for s in scripts] == ["application/ld+json"]
    assert "<script>" not in scripts[0].text
    assert page.find_all("img") == [] and page.find_all("style") == []
    assert page.where(lambda e: "style" in e.attrs) == []
    # the definition is still shown, as text, with its link's words
    assert "See the guide and" in page.find("body").text
    # pyLODE's stylesheet, then ours for narrow screens, come from this server
    sheets = [link.attrs["href"] for link in page.find_all("link", rel="stylesheet")]
    assert sheets == ["/static/pylode.css", "/static/ontology.css"]
    css = [hostile.get(sheet) for sheet in sheets]
    assert all(answer.status_code == 200 for answer in css)
    assert "#pylode" in css[0].text and "@media" in css[1].text
