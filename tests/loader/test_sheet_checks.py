"""`smqi validate` as a reviewer meets it: every problem of a sheet in one pass, one message
per bad cell with its value and a suggestion, no traceback, and a report file to work
through. Sheets are copies of the illustrative sheet with cells broken on purpose; what is
expected is written here from the sheet, not read back from the loader."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path

import pytest

from smqi.loader import lexical
from smqi.loader.cli import main
from tests.paths import DATA

SHEET = DATA / "sheets" / "illustrative-extraction.csv"


def _rows() -> list[dict[str, str]]:
    with SHEET.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _validate(sheet: Path, *extra: str) -> int:
    # outside any project: the shipped layout and vocabularies
    return main(["validate", str(sheet), "--project", str(sheet.parent), *extra])


def _report(tmp_path: Path, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    sheet = _write(tmp_path / "sheet.csv", rows)
    report = tmp_path / "problems.csv"
    assert _validate(sheet, "--report", str(report)) == 1
    with report.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_mistyped_year_is_one_message_with_a_suggestion_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    rows = _rows()
    rows[0]["year"] = "20l6"
    with caplog.at_level(logging.WARNING):
        problems = _report(tmp_path, rows)
    assert [(p["row"], p["column"], p["value"], p["suggestion"]) for p in problems] == [
        ("2", "year", "20l6", "2016")
    ]
    assert "whole number" in problems[0]["message"]
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "1 problem(s)" in err
    assert not [r for r in caplog.records if "20l6" in r.getMessage()]  # no rdflib warning


def test_three_kinds_of_error_in_one_sheet_are_reported_in_one_pass(tmp_path: Path) -> None:
    rows = _rows()
    rows[2]["platforms"] = "Twittter"  # mapping: an unknown concept
    rows[5]["year"] = "1850"  # SHACL: a year before 1900
    rows[9]["title"] = ""  # a required cell left empty
    rows[11]["source_urls"] = "javascript:alert(document.domain)"  # a link no page may show
    problems = _report(tmp_path, rows)
    found = {(p["row"], p["column"]): p for p in problems}
    assert set(found) == {("4", "platforms"), ("7", "year"), ("11", "title"), ("13", "source_urls")}
    assert found[("4", "platforms")]["suggestion"] == "Twitter"
    assert "1900" in found[("7", "year")]["message"]
    assert found[("13", "source_urls")]["value"] == "javascript:alert(document.domain)"


def test_a_cell_with_several_bad_values_is_one_message(tmp_path: Path) -> None:
    rows = _rows()
    rows[0]["platforms"] = "Twittter; Facebok"
    [problem] = _report(tmp_path, rows)
    assert problem["column"] == "platforms"
    assert "Twittter" in problem["message"] and "Facebok" in problem["message"]
    assert problem["suggestion"] == "Twitter; Facebook"


def test_shapes_do_not_repeat_a_cell_the_reader_reported(tmp_path: Path) -> None:
    rows = _rows()
    rows[0]["title"] = ""  # the reader says "required"; the shapes would say "no title"
    problems = _report(tmp_path, rows)
    assert [(p["row"], p["column"], p["code"]) for p in problems] == [("2", "title", "required")]


def test_a_missing_column_is_reported_once_not_per_row(tmp_path: Path) -> None:
    rows = [{k: v for k, v in row.items() if k != "title"} for row in _rows()]
    problems = _report(tmp_path, rows)
    assert [(p["row"], p["column"], p["code"]) for p in problems] == [
        ("1", "title", "missing-column")
    ]


def test_a_misspelt_column_is_reported_with_its_correction(tmp_path: Path) -> None:
    rows = [{("platfroms" if k == "platforms" else k): v for k, v in r.items()} for r in _rows()]
    problems = _report(tmp_path, rows)
    codes = {(p["column"], p["code"]): p for p in problems}
    assert codes[("platfroms", "unknown-column")]["suggestion"] == "platforms"
    assert ("platforms", "missing-column") in codes
    assert len(problems) == 2


def test_the_json_report_lists_the_same_problems(tmp_path: Path) -> None:
    rows = _rows()
    rows[0]["year"] = "20l6"
    rows[1]["extraction_date"] = "2026/11/25"
    sheet = _write(tmp_path / "sheet.csv", rows)
    report = tmp_path / "problems.json"
    assert _validate(sheet, "--report", str(report)) == 1
    listed = json.loads(report.read_text(encoding="utf-8"))
    assert listed["count"] == 2
    assert [(p["row"], p["column"], p["suggestion"]) for p in listed["problems"]] == [
        (2, "year", "2016"),
        (3, "extraction_date", "2026-11-25"),
    ]


def test_a_valid_sheet_gives_an_empty_report(tmp_path: Path) -> None:
    sheet = _write(tmp_path / "sheet.csv", _rows())
    report = tmp_path / "problems.csv"
    assert _validate(sheet, "--report", str(report)) == 0
    assert report.read_text(encoding="utf-8").splitlines() == [
        "sheet,row,column,value,message,suggestion,code"
    ]


def test_a_report_cell_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    rows = _rows()
    rows[0]["platforms"] = '=HYPERLINK("http://x")'
    sheet = _write(tmp_path / "sheet.csv", rows)
    report = tmp_path / "problems.csv"
    assert _validate(sheet, "--report", str(report)) == 1
    [line] = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8"))))
    assert line["value"].startswith("'=")


def test_a_report_of_another_kind_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _write(tmp_path / "sheet.csv", _rows())
    assert _validate(sheet, "--report", str(tmp_path / "problems.txt")) == 2
    assert ".csv or .json" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("datatype", "value", "suggestion"),
    [
        (lexical.INTEGER, "20l6", "2016"),
        (lexical.INTEGER, "2O16", "2016"),
        (lexical.INTEGER, "2016.0", "2016"),
        (lexical.INTEGER, "in press", None),
        (lexical.DATE, "2026/11/25", "2026-11-25"),
        (lexical.DATE, "2026-11-25T10:00", "2026-11-25"),
        (lexical.DATE, "2026-02-30", None),
        (lexical.DATE, "25/11/2026", None),  # day and month order unknown: no guess
        (lexical.BOOLEAN, "yes", "true"),
        (lexical.DECIMAL, "12,5", None),
    ],
)
def test_bad_lexical_forms_are_named_with_a_correction_only_when_it_is_clear(
    datatype: str, value: str, suggestion: str | None
) -> None:
    problem = lexical.check(datatype, value)
    assert problem is not None
    assert problem.suggestion == suggestion


@pytest.mark.parametrize(
    ("datatype", "value"),
    [(lexical.INTEGER, "2016"), (lexical.DATE, "2026-11-25"), (lexical.BOOLEAN, "true")],
)
def test_good_lexical_forms_pass(datatype: str, value: str) -> None:
    assert lexical.check(datatype, value) is None
