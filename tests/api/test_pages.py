"""The pages for people over the real build: each URL answers HTML to a browser and JSON to a
client; the counts, values and texts the pages show are checked against the sheet (read
with the csv module), reviews.yaml and the vocabulary files; every page obeys the rules the
content security policy relies on. The same pages in Chromium are test_pages_browser.py's."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.namespace import SKOS

from smqi.api.http.security import PAGE_POLICY
from smqi.api.pages.templating import ENVIRONMENT, safe_url
from tests.conftest import sheet_rows, split_cell
from tests.paths import REPO

from .html_tree import Element, parse
from .test_evidence_api import COLUMNS, RATING_SITES, co_coded, normal, values

pytestmark = pytest.mark.integration

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
REVIEWS = yaml.safe_load((REPO / "data" / "reviews.yaml").read_text(encoding="utf-8"))
HAWKINS = "/id/study/doi/10.1136/bmjqs-2015-004309"
TITLES = {
    "platform": "Social media platform",
    "population": "User population",
    "communication_model": "Communication model",
    "activity": "QI activity",
    "stage": "QI-cycle stage",
    "country": "Country",
}
# One URL of every page kind, for the checks every page must pass.
PAGES = (
    "/",
    "/studies",
    "/studies?platform=Twitter&q=hospital",
    "/studies/doi/10.1136/bmjqs-2015-004309",
    HAWKINS,
    "/id/record/illustrative-extraction/doi/10.1136/bmjqs-2015-004309",
    "/vocab/platform/twitter",
    "/reviews",
    "/reviews/walsh-2021",
    "/reviews/walsh-2022",
    "/reviews/illustrative-extraction",
    "/concepts",
    "/concepts/platform",
    "/concepts/model-of-use",
    "/summary?rows=platform&cols=stage",
    "/gaps?rows=platform&cols=stage",
    "/map",
    "/map?rows=activity&cols=population&split=communication_model&rollup=1",
    "/map?review=walsh-2021",
    "/docs",
    "/sparql",
)
# The evidence URLs a browser and a client both ask for.
NEGOTIATED = (
    "/studies",
    "/studies/doi/10.1136/bmjqs-2015-004309",
    "/summary?rows=platform&cols=stage",
    "/gaps?rows=platform&cols=stage",
    "/reviews",
    "/reviews/walsh-2021",
    "/concepts",
    "/concepts/platform",
)


def page(client: TestClient, url: str, status: int = 200) -> Element:
    response = client.get(url, headers={"Accept": BROWSER})
    assert response.status_code == status, (url, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    return parse(response.text)


def fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in plain if not unicodedata.combining(c))


def sheet_count(dimension: str) -> Counter[str]:
    return Counter(value for row in sheet_rows() for value in values(row, dimension))


# -- content negotiation ----------------------------------------------------------------------


@pytest.mark.parametrize("url", NEGOTIATED)
def test_a_browser_gets_a_page_and_a_client_json_from_the_same_url(
    client: TestClient, url: str
) -> None:
    as_page = client.get(url, headers={"Accept": BROWSER})
    assert as_page.status_code == 200
    assert as_page.headers["content-type"] == "text/html; charset=utf-8"
    assert as_page.headers["content-security-policy"] == PAGE_POLICY
    assert "Accept" in as_page.headers["vary"]
    for accept in ("application/json", "*/*", None):
        headers = {"Accept": accept} if accept else {}
        as_json = client.get(url, headers=headers)
        assert as_json.headers["content-type"] == "application/json", (url, accept)
        assert isinstance(as_json.json(), dict)
    joiner = "&" if "?" in url else "?"
    forced = client.get(f"{url}{joiner}format=json", headers={"Accept": BROWSER})
    assert forced.headers["content-type"] == "application/json"
    assert as_page.headers["etag"] != forced.headers["etag"]
    html = client.get(f"{url}{joiner}format=html", headers={"Accept": "application/json"})
    assert html.headers["content-type"].startswith("text/html")


def test_errors_reach_a_browser_as_a_page_and_a_client_as_a_problem(client: TestClient) -> None:
    shown = page(client, "/studies?platform=Twiter", status=400)
    assert "Twitter" in shown.find("main").text  # the closest label is offered
    missing = page(client, "/reviews/walsh-2099", status=404)
    assert missing.find("h1").text == "Not found"
    assert client.get("/reviews/walsh-2099").json()["code"] == "not-found"
    assert client.get("/studies?format=docx").json()["parameter"] == "format"
    assert page(client, "/id/study/doi/10.9999/none", status=404).find("h1").text == "Not found"


# -- what every page obeys --------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_the_layout_and_nothing_the_csp_would_block(
    client: TestClient, url: str
) -> None:
    response = client.get(url, headers={"Accept": BROWSER})
    assert response.status_code == 200, url
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    doc = parse(response.text)
    nav = doc.find("nav", aria_label="Site")
    assert [a.attrs["href"] for a in nav.find_all("a")] == [
        "/", "/studies", "/map", "/reviews", "/concepts", "/sparql", "/docs",
    ]  # fmt: skip
    assert [link.attrs["href"] for link in doc.find_all("link", rel="stylesheet")][-1] == (
        "/static/site.css"
    )
    assert doc.find("html").attrs["lang"] == "en"
    assert len(doc.find_all("h1")) == 1
    for node in doc.iter():
        assert not [name for name in node.attrs if name.startswith("on")], (url, node.tag)
        assert "style" not in node.attrs, (url, node.tag, node.attrs)
        if node.tag == "script":
            assert node.attrs.get("src", "").startswith("/static/") or node.attrs.get("type") in (
                "application/json",
                "application/ld+json",
            ), (url, node.attrs)
        for name in ("href", "src", "action"):
            if name in node.attrs:
                target = node.attrs[name]
                assert safe_url(target) == target, (url, node.tag, target)
                assert not target.startswith("https://w3id.org/smqi/"), (url, target)


def test_the_link_filter_emits_only_http_and_local_urls() -> None:
    for bad in (
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/x",
        "vbscript:x",
        "file:///etc/passwd",
        'https://ok.example/"onmouseover=x',
        "",
    ):
        assert safe_url(bad) == "", bad
    for good in ("https://doi.org/10.1/x", "http://example.org/a?b=c", "/studies?q=a", "#top"):
        assert safe_url(good) == good
    template = ENVIRONMENT.from_string('<a href="{{ url|link }}">x</a>')
    assert template.render(url="javascript:alert(1)") == '<a href="">x</a>'
    local = template.render(url="https://w3id.org/smqi/id/study/x", local=lambda i: "/id/study/x")
    assert local == '<a href="/id/study/x">x</a>'


def test_favicon_and_the_offline_api_documentation(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert client.get("/static/favicon.svg").headers["content-type"] == "image/svg+xml"
    docs = page(client, "/docs")
    scripts = [s.attrs["src"] for s in docs.find_all("script")]
    assert scripts == ["/static/swagger-ui/swagger-ui-bundle.js", "/static/api-docs.js"]
    for asset in (scripts[0], "/static/swagger-ui/swagger-ui.css"):
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 100_000, asset
    bundle = client.get(scripts[0]).text
    assert "SwaggerUIBundle" in bundle
    assert client.get("/redoc").status_code == 404


# -- /studies ---------------------------------------------------------------------------------


def facet_counts(doc: Element) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for fieldset in doc.find_all("fieldset", class_="facet"):
        counts = found.setdefault(fieldset.attrs["data-facet"], {})
        for label in fieldset.find_all("label"):
            box = label.find("input")
            counts[box.attrs["value"]] = int(label.find("span", class_="count").attrs["data-count"])
    return found


def listed_titles(doc: Element) -> list[str]:
    return [normal(a.text) for a in doc.find_all("a", class_="study-title")]


def test_the_studies_page_counts_every_facet_as_the_sheet_does(client: TestClient) -> None:
    doc = page(client, "/studies?limit=100")
    rows = sheet_rows()
    assert int(doc.find("h2", id="matches").attrs["data-total"]) == len(rows)
    facets = facet_counts(doc)
    for dimension in COLUMNS:
        assert facets[dimension] == dict(sheet_count(dimension)), dimension
    assert facets["year"] == dict(Counter(row["year"] for row in rows))
    assert sorted(listed_titles(doc)) == sorted(normal(row["title"]) for row in rows)
    assert doc.find("p", id="illustrative")  # the studies are said to be illustrative


def test_filters_narrow_the_list_and_its_facets(client: TestClient) -> None:
    doc = page(client, "/studies?platform=Twitter&year=2016&year=2017&limit=100")
    rows = [
        r
        for r in sheet_rows()
        if "Twitter" in values(r, "platform") and r["year"] in {"2016", "2017"}
    ]
    assert sorted(listed_titles(doc)) == sorted(normal(r["title"]) for r in rows)
    facets = facet_counts(doc)
    assert facets["population"] == dict(Counter(v for r in rows for v in values(r, "population")))
    checked = [box.attrs["value"] for box in doc.find_all("input", checked="")]
    assert sorted(checked) == ["2016", "2017", "Twitter"]
    chips = doc.find("ul", class_="chips").find_all("a")
    removed = dict(parse_qsl(urlsplit(chips[0].attrs["href"]).query))
    assert "platform" not in removed and removed.get("year") in {"2016", "2017"}


def text_matches(query: str) -> set[str]:
    """Titles of the sheet's studies whose title or summary has a word starting with each
    word of ``query`` (case and accents ignored), computed here with regular expressions."""
    words = [fold(w) for w in re.findall(r"\w+", query)]
    found = set()
    for row in sheet_rows():
        text = fold(row["title"] + " " + row["summary"])
        if all(re.search(rf"(?<!\w){re.escape(w)}", text) for w in words):
            found.add(normal(row["title"]))
    return found


@pytest.mark.parametrize("query", ["patient", "Twitter hospital", "tweet", "QUALITY Ratings"])
def test_free_text_search_finds_titles_and_summaries(client: TestClient, query: str) -> None:
    expected = text_matches(query)
    assert expected, query
    doc = page(client, f"/studies?limit=100&q={query}")
    assert set(listed_titles(doc)) == expected
    answer = client.get("/studies", params={"q": query, "limit": 100}).json()
    assert {normal(s["title"]) for s in answer["studies"]} == expected
    assert answer["total"] == len(expected)


def test_pages_of_studies_cover_every_match_once(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/studies?limit=7&population=patients%2Fconsumers"
    pages = 0
    while url:
        doc = page(client, url)
        seen += listed_titles(doc)
        pager = doc.find_all("nav", class_="pager")
        nexts = pager[0].find_all("a", rel="next") if pager else []
        url = nexts[0].attrs["href"] if nexts else None
        pages += 1
    expected = [r for r in sheet_rows() if "patients/consumers" in values(r, "population")]
    assert sorted(seen) == sorted(normal(r["title"]) for r in expected)
    assert pages == -(-len(expected) // 7)


def test_exports_as_csv_ris_and_bibtex_hold_the_shown_studies(client: TestClient) -> None:
    doc = page(client, "/studies?platform=Facebook&limit=100")
    links = {a.text: a.attrs["href"] for a in doc.find("section", class_="results").find_all("a")}
    rows = {normal(r["title"]): r for r in sheet_rows() if "Facebook" in values(r, "platform")}

    table = list(csv.DictReader(io.StringIO(client.get(links["CSV"]).text)))
    assert {normal(line["title"]) for line in table} == set(rows)

    ris = client.get(links["RIS"])
    assert ris.headers["content-type"].startswith("application/x-research-info-systems")
    records = [r for r in ris.text.split("ER  - ") if r.strip()]
    assert len(records) == len(rows)
    for record in records:
        fields = dict(re.findall(r"^([A-Z][A-Z0-9])  - (.*?)\r?$", record, re.M))
        row = rows[fields["TI"]]
        assert fields["TY"] == "JOUR" and fields.get("DO", "") == row["doi"]
        assert fields["AU"] == row["first_author"] and fields["PY"] == row["year"]
        assert "illustrative extraction" in fields["N1"]

    bib = client.get(links["BibTeX"])
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    entries = re.findall(r"@article\{([^,]+),\n(.*?)\n\}", bib.text, re.S)
    assert len(entries) == len(rows) and len({key for key, _ in entries}) == len(rows)
    shown = Counter()
    for _, body in entries:
        fields = dict(re.findall(r"^  (\w+) = \{(.*)\},?$", body, re.M))
        shown[(fields["author"], fields["year"], fields.get("doi", ""))] += 1
        assert "&" not in fields["journal"].replace("\\&", "")  # TeX's specials escaped
    assert shown == Counter(
        (f"{r['first_author']} and others", r["year"], r["doi"]) for r in rows.values()
    )


# -- a study --------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 7, 29])
def test_a_study_page_reads_as_the_sheet_row(client: TestClient, index: int) -> None:
    row = sheet_rows()[index]
    doc = page(client, f"/studies/doi/{row['doi']}")
    assert normal(doc.find("h1").text) == normal(row["title"])
    links = [a.attrs["href"] for a in doc.find_all("a")]
    assert f"https://doi.org/{row['doi']}" in links
    if row["pmid"]:
        assert f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/" in links
    record = doc.find("section", class_="record")
    shown = {
        dt.text: dd.text
        for dl in record.find_all("dl", class_="values")
        for dt, dd in zip(dl.find_all("dt"), dl.find_all("dd"), strict=True)
    }
    for dimension, (column, _) in COLUMNS.items():
        if row[column]:
            assert set(shown[TITLES[dimension]].split("; ")) == set(split_cell(row[column]))
    assert shown["Summary"] == normal(row["summary"])
    assert shown["Setting"] == normal(row["setting"])
    assert shown["Study design, as the coder wrote it"] == normal(row["study_design"])
    provenance = normal(record.find("p", class_="provenance").text)
    assert f"in row {index + 2} ({row['study_id']}) of the sheet illustrative-extraction.csv" in (
        provenance
    )
    assert f"by {row['extracted_by']} on {row['extraction_date']}" in provenance
    path = f"/id/study/doi/{row['doi']}"
    assert {f"{path}?format={f}" for f in ("ttl", "jsonld", "rdf", "nt")} <= set(links)
    assert doc.find("p", id="illustrative")
    # the study's IRI opens the same page
    same = page(client, path)
    assert normal(same.find("h1").text) == normal(row["title"])


# -- reviews ----------------------------------------------------------------------------------


def test_review_pages_show_findings_with_sources_themes_and_counts(client: TestClient) -> None:
    listing = page(client, "/reviews")
    for review in REVIEWS["reviews"]:
        line = listing.find("tr", data_id=review["id"])
        assert line.find("td", data_reported=str(review["included_studies"]))
        assert line.find("td", data_loaded="0")
        doc = page(client, f"/reviews/{review['id']}")
        assert normal(doc.find("h1").text) == normal(review["title"])
        statements = [normal(p.text) for p in doc.find_all("p", class_="statement")]
        assert statements == [
            normal(f["statement"] if isinstance(f, dict) else f) for f in review["findings"]
        ]
        sources = {
            a.attrs["href"] for p in doc.find_all("p", class_="sources") for a in p.find_all("a")
        }
        assert sources == set(review["sources"])
        reported = doc.find("strong", data_reported=review["id"])
        assert reported.text == str(review["included_studies"])
        assert doc.find("strong", data_loaded=review["id"]).text == "0"
        assert f"https://doi.org/{review['doi']}" in [a.attrs["href"] for a in doc.find_all("a")]
        themes = doc.find_all("section", aria_labelledby="themes")
        if review.get("themes"):
            tree = themes[0].find("ul", class_="tree")
            shown = {
                li.find("strong").text: [normal(x.text) for x in li.find("ul").find_all("li")]
                for li in tree.children
                if isinstance(li, Element)
            }
            expected = {k: [normal(v) for v in vs] for k, vs in review["themes"].items()}
            assert {k.casefold(): sorted(v) for k, v in shown.items()} == {
                k.casefold(): sorted(v) for k, v in expected.items()
            }
        else:
            assert not themes
    illustrative = page(client, "/reviews/illustrative-extraction")
    assert "Not a review." in illustrative.find("main").text
    assert illustrative.find("strong", data_loaded="illustrative-extraction").text == str(
        len(sheet_rows())
    )


# -- concepts ---------------------------------------------------------------------------------


def vocabulary(scheme: str) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(concept -> prefLabel, broader concept -> narrower concepts) from the .ttl file."""
    graph = Graph().parse(REPO / "ontology" / "vocabularies" / f"{scheme}.ttl")
    concepts = set(graph.subjects(SKOS.inScheme, None))
    labels = {
        str(c): str(label) for c, label in graph.subject_objects(SKOS.prefLabel) if c in concepts
    }
    narrower: dict[str, set[str]] = {}
    for child, parent in graph.subject_objects(SKOS.broader):
        narrower.setdefault(str(parent), set()).add(str(child))
    return labels, narrower


def test_a_scheme_page_counts_each_concept_with_its_narrower_ones(client: TestClient) -> None:
    doc = page(client, "/concepts/platform")
    labels, narrower = vocabulary("platform")
    counts = sheet_count("platform")
    rating = next(c for c, kids in narrower.items() if {labels[k] for k in kids} & RATING_SITES)
    shown = {
        normal(li.find("strong").text): li.find("a", class_="studies-count")
        for li in doc.find_all("li", class_="concept")
    }
    expected_rating = sum(
        1 for r in sheet_rows() if values(r, "platform") & {labels[k] for k in narrower[rating]}
    )
    assert int(shown[labels[rating]].attrs["data-count"]) == expected_rating
    for concept, label in labels.items():
        if concept in narrower or label not in shown:
            continue
        assert int(shown[label].attrs["data-count"]) == counts.get(label, 0), label
    # the narrower concepts sit inside the broader one's list
    broader_item = next(
        li
        for li in doc.find_all("li", class_="concept")
        if li.find("strong").text == labels[rating]
    )
    inner = {normal(s.text) for s in broader_item.find("ul").find_all("strong")}
    assert inner == {labels[k] for k in narrower[rating]}
    # a count links to the list it counts
    href = shown[labels[rating]].attrs["href"]
    assert client.get(href, headers={"Accept": "application/json"}).json()["total"] == (
        expected_rating
    )
    # alignments named as what they are
    assert "Same as Wikidata Q918" in doc.find("li", id="twitter").text


def test_an_empty_scheme_says_so_and_invents_nothing(client: TestClient) -> None:
    doc = page(client, "/concepts/model-of-use")
    assert not doc.find_all("li", class_="concept")
    text = doc.find("main").text
    assert "No concepts of this scheme are in the graph, and none are invented." in text
    assert "not public" in text  # the scheme's own scope note
    index = page(client, "/concepts")
    line = next(li for li in index.find_all("li") if "model-of-use" in li.find("a").attrs["href"])
    assert "0 concepts" in line.text


# -- the map ----------------------------------------------------------------------------------


def map_cells(doc: Element) -> dict[tuple[str, str], int]:
    table = doc.find("table", class_="map")
    columns = [th.text for th in table.find("thead").find_all("th")][1:]
    cells = {}
    for tr in table.find("tbody").find_all("tr"):
        label = tr.find("th").text
        for column, td in zip(columns, tr.find_all("td"), strict=True):
            cells[(label, column)] = int(td.attrs["data-count"])
    return cells


def test_empty_rows_are_hidden_for_a_long_dimension_and_on_request(client: TestClient) -> None:
    countries = sheet_count("country")
    doc = page(client, "/map?rows=country&cols=stage")
    cells = map_cells(doc)
    assert {row for row, _ in cells} == set(countries)
    stages = sheet_count("stage")
    assert {col for _, col in cells} <= set(stages) | {c for c in stages}
    assert "empty row" in doc.find("span", id="hidden").text
    shown_all = map_cells(page(client, "/map?rows=country&cols=stage&empty=show"))
    assert len({row for row, _ in shown_all}) > 200  # every country of ISO 3166
    hidden = map_cells(page(client, "/map?rows=platform&cols=activity&empty=hide"))
    assert all(any(n for (r, _), n in hidden.items() if r == row) for row, _ in hidden)
    assert all(any(n for (_, c), n in hidden.items() if c == col) for _, col in hidden)


def test_roll_up_counts_a_broader_concept_as_its_narrower_concepts_union(
    client: TestClient,
) -> None:
    labels, narrower = vocabulary("platform")
    top = {labels[c] for c in labels if not any(c in kids for kids in narrower.values())}
    members = {
        labels[c]: {labels[k] for k in narrower.get(c, set())} | {labels[c]}
        for c in labels
        if labels[c] in top
    }
    cm_labels, cm_narrower = vocabulary("communication-model")
    cm_top = {cm_labels[c] for c in cm_labels if not any(c in k for k in cm_narrower.values())}
    cm_members = {
        cm_labels[c]: {cm_labels[k] for k in cm_narrower.get(c, set())} | {cm_labels[c]}
        for c in cm_labels
        if cm_labels[c] in cm_top
    }
    cells = map_cells(
        page(client, "/map?rows=platform&cols=communication_model&rollup=1&empty=show")
    )
    assert {r for r, _ in cells} == top and {c for _, c in cells} == cm_top
    for (row, col), count in cells.items():
        expected = sum(
            1
            for r in sheet_rows()
            if values(r, "platform") & members[row]
            and values(r, "communication_model") & cm_members[col]
        )
        assert count == expected, (row, col)


def test_a_third_dimension_splits_each_bubble_with_a_legend(client: TestClient) -> None:
    doc = page(client, "/map?rows=activity&cols=population&split=communication_model")
    legend = [normal(li.text) for li in doc.find("figure", class_="legend").find_all("li")]
    assert set(legend) == set(sheet_count("communication_model"))
    table = doc.find("table", class_="map")
    columns = [th.text for th in table.find("thead").find_all("th")][1:]
    for tr in table.find("tbody").find_all("tr"):
        row_label = tr.find("th").text
        for column, td in zip(columns, tr.find_all("td"), strict=True):
            segments = {
                s.attrs["data-segment"]: int(s.attrs["data-count"])
                for s in td.where(lambda n: "data-segment" in n.attrs)
            }
            expected = Counter(
                model
                for r in sheet_rows()
                if row_label in values(r, "activity") and column in values(r, "population")
                for model in values(r, "communication_model")
            )
            assert segments == dict(expected), (row_label, column)


def test_filters_by_value_and_years_count_only_those_studies(client: TestClient) -> None:
    doc = page(
        client, "/map?rows=activity&cols=population&platform=Twitter&year_from=2014&year_to=2018"
    )
    kept = [
        r
        for r in sheet_rows()
        if "Twitter" in values(r, "platform") and 2014 <= int(r["year"]) <= 2018
    ]
    assert int(doc.find("span", id="in-scope").attrs["data-count"]) == len(kept)
    expected = Counter(
        (a, p) for r in kept for a in values(r, "activity") for p in values(r, "population")
    )
    assert {k: n for k, n in map_cells(doc).items() if n} == dict(expected)
    nothing = page(client, "/map?rows=activity&cols=population&year_from=1990&year_to=1991")
    assert "No loaded studies in this scope." in nothing.find("p", id="no-studies").text
    assert not nothing.find_all("table", class_="map")


def test_the_map_exports_as_svg_and_csv(client: TestClient) -> None:
    url = "/map?rows=platform&cols=communication_model&split=population"
    doc = page(client, url)
    svg_link = doc.find("a", id="export-svg").attrs["href"]
    svg = client.get(svg_link)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and float(root.attrib["width"]) > 0
    drawn = [int(g.attrib["data-count"]) for g in root.iter(f"{ns}g") if "data-count" in g.attrib]
    expected = co_coded("platform", "communication_model")
    assert sorted(drawn) == sorted(len(t) for t in expected.values())
    texts = " ".join(t.text or "" for t in root.iter(f"{ns}text"))
    assert "illustrative extraction coded from public abstracts" in texts
    assert all(label in texts for label in sheet_count("population"))  # the legend

    table = list(
        csv.DictReader(io.StringIO(client.get(doc.find("a", id="export-csv").attrs["href"]).text))
    )
    counts = {(line["platform_label"], line["communication_model_label"]): int(line["studies"])
              for line in table}  # fmt: skip
    assert {k: n for k, n in counts.items() if n} == {k: len(v) for k, v in expected.items()}
    for line in table:
        split = {
            k.split(": ", 1)[1]: int(v) for k, v in line.items() if k.startswith("population: ")
        }
        want = Counter(
            p
            for r in sheet_rows()
            if line["platform_label"] in values(r, "platform")
            and line["communication_model_label"] in values(r, "communication_model")
            for p in values(r, "population")
        )
        assert {k: n for k, n in split.items() if n} == dict(want)


def test_every_coded_dimension_has_a_title_for_pages() -> None:
    """A dimension added to the model without a page title broke every page that lists it."""
    from smqi.api.evidence.dimensions import DIMENSIONS, YEAR
    from smqi.api.pages.views import DIMENSION_TITLES

    missing = [d.name for d in DIMENSIONS if d.name not in DIMENSION_TITLES]
    assert missing == []
    assert YEAR in DIMENSION_TITLES
