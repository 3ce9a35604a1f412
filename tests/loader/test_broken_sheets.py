"""A corpus of broken sheets: each is rejected with the right location and nothing is written."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from smqi.loader.build import build
from smqi.loader.errors import InvalidSheetsError, LoaderError, ValidationError
from tests.conftest import settings_for

pytestmark = pytest.mark.integration

SHEET_NAME = "illustrative-extraction.csv"


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _set_cell(study_id: str, column: str, value: str) -> Callable[[Path], None]:
    def change(data: Path) -> None:
        sheet = data / "sheets" / SHEET_NAME
        rows = _rows(sheet)
        col = rows[0].index(column)
        for row in rows[1:]:
            if row[0] == study_id:
                row[col] = value
        _write(sheet, rows)

    return change


def _duplicate_first_study(data: Path) -> None:
    sheet = data / "sheets" / SHEET_NAME
    rows = _rows(sheet)
    copy = list(rows[1])
    copy[0] = "S31"
    _write(sheet, [*rows, copy])


def _misspell_column(data: Path) -> None:
    sheet = data / "sheets" / SHEET_NAME
    rows = _rows(sheet)
    rows[0][rows[0].index("platforms")] = "platfroms"
    _write(sheet, rows)


def _ragged_row(data: Path) -> None:
    sheet = data / "sheets" / SHEET_NAME
    rows = _rows(sheet)
    rows[4].append("an extra cell")
    _write(sheet, rows)


def _empty(data: Path) -> None:
    (data / "sheets" / SHEET_NAME).write_bytes(b"")


def _binary(data: Path) -> None:
    (data / "sheets" / SHEET_NAME).write_bytes(bytes(range(256)) * 4)


def _latin1(data: Path) -> None:
    sheet = data / "sheets" / SHEET_NAME
    text = sheet.read_text(encoding="utf-8").replace("Hawkins", "Hawkiné")
    sheet.write_bytes(text.encode("latin-1", errors="replace"))


def _xlsx_with_title_rows(data: Path) -> None:
    from openpyxl import Workbook

    rows = _rows(data / "sheets" / SHEET_NAME)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Extraction"
    sheet.append(["Data extraction sheet: social media for QI"])
    sheet.append(["Reviewer instructions: one row per study"])
    for row in rows:
        sheet.append(row)
    workbook.save(data / "sheets" / "illustrative-extraction.xlsx")
    manifest = data / "manifest.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "sheets/illustrative-extraction.csv", "sheets/illustrative-extraction.xlsx"
        ),
        encoding="utf-8",
    )


def _sheet_listed_twice(data: Path) -> None:
    manifest = data / "manifest.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8")
        + """  - id: the-same-again
    kind: illustrative
    title: The same sheet in a second collection
    sheets:
      - path: sheets/illustrative-extraction.csv
""",
        encoding="utf-8",
    )


# (change, sheet, row, column, words in the message)
CASES = {
    "unknown value": (
        _set_cell("S03", "platforms", "Yelpp"),
        SHEET_NAME,
        4,
        "platforms",
        ["unknown platform 'Yelpp'", "'Yelp'"],
    ),
    "missing title": (_set_cell("S05", "title", ""), SHEET_NAME, 6, "title", ["required"]),
    "bad DOI": (_set_cell("S01", "doi", "10.1136bmjqs-2015-004309"), SHEET_NAME, 2, "doi", ["DOI"]),
    "impossible year": (_set_cell("S02", "year", "2099"), SHEET_NAME, 3, "year", ["year"]),
    "year not a number": (_set_cell("S02", "year", "20l6"), SHEET_NAME, 3, "year", ["year"]),
    "duplicate study": (_duplicate_first_study, SHEET_NAME, 32, None, ["same study", "row 2"]),
    "misspelt column": (
        _misspell_column,
        SHEET_NAME,
        1,
        "platfroms",
        ["unknown column", "did you mean 'platforms'"],
    ),
    "ragged row": (_ragged_row, SHEET_NAME, 5, None, ["21 cells", "20 columns"]),
    "empty file": (_empty, SHEET_NAME, None, None, ["empty"]),
    "sheet listed twice": (
        _sheet_listed_twice,
        SHEET_NAME,
        None,
        None,
        ["listed twice", "'illustrative-extraction' and 'the-same-again'"],
    ),
    "binary file": (_binary, SHEET_NAME, None, None, ["binary"]),
    "not UTF-8": (_latin1, SHEET_NAME, 2, None, ["not UTF-8"]),
    "XLSX with title rows": (
        _xlsx_with_title_rows,
        "illustrative-extraction.xlsx[Extraction]",
        1,
        None,
        ["header_row"],
    ),
}


def _fingerprint(build_dir: Path) -> dict[str, str]:
    """Every file of the build (its sources in sources/ included) by its path in it."""
    root = build_dir.resolve()
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def good_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/ with one good build already published."""
    from tests.paths import REPO

    data = tmp_path_factory.mktemp("good") / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("build", "builds", ".cache"))
    build(settings_for(data))
    return data


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_sheet_is_rejected_with_its_location_and_nothing_is_written(
    case: str, good_build: Path, tmp_path: Path
) -> None:
    change, sheet, row, column, words = CASES[case]
    data = tmp_path / "data"
    shutil.copytree(good_build, data, symlinks=True)
    before = _fingerprint(data / "build")
    link_before = (data / "build").readlink()
    change(data)

    with pytest.raises(LoaderError) as caught:
        build(settings_for(data))

    error = caught.value
    problems = (
        error.errors
        if isinstance(error, InvalidSheetsError)
        else error.problems
        if isinstance(error, ValidationError)
        else [error]
    )
    located = [
        p
        for p in problems
        if getattr(p, "location", None) is not None
        and p.location.sheet == sheet
        and p.location.row == row
        and (column is None or p.location.column == column)
    ]
    assert located, f"no problem located at {sheet} row {row} column {column}: {error}"
    message = str(located[0])
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert (data / "build").readlink() == link_before
    assert _fingerprint(data / "build") == before
    # nor is anything left of the build that failed
    assert not [p.name for p in (data / "builds").iterdir() if p.name.startswith(".")]


def test_xlsx_with_title_rows_builds_with_a_mapping_that_names_the_header_row(
    good_build: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(good_build, data, symlinks=True)
    _xlsx_with_title_rows(data)
    template = (data / "mappings" / "extraction-template.yaml").read_text(encoding="utf-8")
    (data / "mappings" / "titled.yaml").write_text(
        template.replace("header_row: 1", "header_row: 3").replace(
            "name: extraction-template", "name: titled"
        ),
        encoding="utf-8",
    )
    manifest = data / "manifest.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "sheets/illustrative-extraction.xlsx",
            "sheets/illustrative-extraction.xlsx\n        mapping: mappings/titled.yaml",
        ),
        encoding="utf-8",
    )
    report = build(settings_for(data))
    assert report.studies == 30
    assert report.records == 30
