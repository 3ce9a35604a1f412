"""The evidence map page over the real build: every cell's count and every gap are checked
against the extraction sheet (counted with the csv module), the chosen cell's studies
against the sheet's titles, and the page against /summary and /gaps. The page in a browser
is in test_pages_browser.py."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.paths import DATA

from .test_evidence_api import co_coded, titles

REVIEWS = yaml.safe_load((DATA / "reviews.yaml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.integration

study_titles = titles


class MapPage(HTMLParser):
    """The grid as (row label, column label) -> (count, row IRI, column IRI, link), and the
    chosen cell's listed study links and heading."""

    def __init__(self) -> None:
        super().__init__()
        self.columns: list[str] = []
        self.cells: dict[tuple[str, str], tuple[int, str, str, str | None]] = {}
        self.listed: list[str] = []
        self.heading = ""
        self._row_label: str | None = None
        self._col_index = 0
        self._cell: dict[str, str | None] | None = None
        self._text: list[str] | None = None
        self._where = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "thead":
            self._where = "head"
        elif tag == "tbody":
            self._where = "body"
        elif tag == "ol" and found.get("class") == "cell-studies":
            self._where = "studies"
        elif tag == "th" or (tag == "h2" and found.get("id") == "studies"):
            self._text = []
        elif tag == "td" and "data-count" in found:
            self._cell = found
        elif tag == "a" and self._cell is not None:
            self._cell["href"] = found.get("href")
        elif tag == "a" and self._where == "studies":
            self.listed.append(found.get("href") or "")

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "h2") and self._text is not None:
            text = " ".join("".join(self._text).split())
            self._text = None
            if tag == "h2":
                self.heading = text
            elif self._where == "head":
                self.columns.append(text)
            elif self._where == "body":
                self._row_label, self._col_index = text, 0
        elif tag == "td" and self._cell is not None:
            cell, self._cell = self._cell, None
            self._col_index += 1
            key = (self._row_label or "", self.columns[self._col_index])
            count = int(cell["data-count"] or 0)
            row, col = cell["data-row"] or "", cell["data-col"] or ""
            self.cells[key] = (count, row, col, cell.get("href"))
        elif tag in ("tbody", "ol"):
            self._where = ""


def read_map(client: TestClient, **params: str) -> MapPage:
    response = client.get(f"/map?{urlencode(params)}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "illustrative extraction" in response.text
    page = MapPage()
    page.feed(response.text)
    return page


@pytest.mark.parametrize(
    ("rows", "cols"), [("platform", "communication_model"), ("activity", "population")]
)
def test_every_cell_counts_the_sheet_and_every_gap_is_shown(
    client: TestClient, rows: str, cols: str
) -> None:
    page = read_map(client, rows=rows, cols=cols)
    expected = co_coded(rows, cols)
    counts = {key: cell[0] for key, cell in page.cells.items()}
    assert {key: n for key, n in counts.items() if n} == {k: len(v) for k, v in expected.items()}
    gaps = [key for key, n in counts.items() if n == 0]
    assert gaps, "every codeable value of both dimensions is a row or column, empty or not"
    assert len(page.cells) == (len(page.columns) - 1) * len({r for r, _ in page.cells})
    # the same gaps /gaps lists
    listed = client.get(f"/gaps?rows={rows}&cols={cols}").json()["gaps"]
    assert {(g["row"]["label"], g["col"]["label"]) for g in listed} == set(gaps)


def test_a_chosen_cell_lists_its_studies(client: TestClient, study_titles: dict[str, str]) -> None:
    page = read_map(client, rows="platform", cols="communication_model")
    (row_label, col_label), (count, row, col, href) = max(
        page.cells.items(), key=lambda item: item[1][0]
    )
    assert href is not None and f"row={row}" not in href  # IRIs are URL-encoded in links
    chosen = read_map(client, rows="platform", cols="communication_model", row=row, col=col)
    assert chosen.heading == f"{count} studies coded {row_label} and {col_label}"
    shown = {study_titles["https://w3id.org/smqi/id/" + link.removeprefix("/id/")]
             for link in chosen.listed}  # fmt: skip
    assert shown == co_coded("platform", "communication_model")[(row_label, col_label)]
    for link in chosen.listed[:3]:  # every listed study's page exists
        assert client.get(link, headers={"Accept": "text/html"}).status_code == 200


def test_a_review_with_no_loaded_studies_says_so_instead_of_drawing_zeros(
    client: TestClient,
) -> None:
    response = client.get("/map?rows=platform&cols=stage&review=walsh-2021")
    page = read_map(client, rows="platform", cols="stage", review="walsh-2021")
    assert page.cells == {} and "<table" not in response.text
    reported = next(r for r in REVIEWS["reviews"] if r["id"] == "walsh-2021")["included_studies"]
    assert "No loaded studies in this scope." in response.text
    assert f"walsh-2021 reports {reported} included studies" in response.text


def test_a_dimension_with_no_concepts_draws_no_map(client: TestClient) -> None:
    response = client.get("/map?rows=model_of_use&cols=platform")
    assert response.status_code == 200
    assert "No values of <strong>model of use</strong> are in the graph" in response.text
    assert "<table" not in response.text


def test_an_unknown_dimension_is_refused_in_words_and_as_json(client: TestClient) -> None:
    page = client.get("/map?rows=platfrom&cols=stage")
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "platfrom" in page.text and "<code>communication_model</code>" in page.text
    as_svg = client.get("/map?rows=platfrom&cols=stage&format=svg")
    assert as_svg.status_code == 400
    assert "platfrom" in as_svg.json()["message"]
