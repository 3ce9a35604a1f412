"""A list of problems as a file a reviewer works through: one line per problem with the
sheet, row, column, the cell's value, what is wrong and, where one is clear, a suggestion.

CSV opens in any spreadsheet beside the sheet it describes; JSON is for scripts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from smqi.loader.errors import ConfigurationError, SheetError

FIELDS = ("sheet", "row", "column", "value", "message", "suggestion", "code")
FORMATS = (".csv", ".json")


def problem_record(problem: SheetError) -> dict[str, Any]:
    where = problem.location
    return {
        "sheet": where.sheet,
        "row": where.row,
        "column": where.column,
        "value": problem.value,
        "message": problem.message,
        "suggestion": problem.suggestion,
        "code": problem.code,
    }


def report_text(problems: Iterable[SheetError], suffix: str) -> str:
    """The problems as CSV or JSON text (``suffix`` is ``.csv`` or ``.json``)."""
    dropped = getattr(problems, "dropped", 0)
    records = [problem_record(problem) for problem in problems]
    if suffix == ".json":
        listed = {"problems": records, "count": len(records), "not_listed": dropped}
        return json.dumps(listed, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else _safe_cell(str(v)) for k, v in record.items()})
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a value from a sheet may start like a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def check_report_path(path: Path) -> None:
    if path.suffix.lower() not in FORMATS:
        raise ConfigurationError(
            f"{path}: a report is written as .csv or .json, not '{path.suffix or path.name}'"
        )


def write_report(problems: Iterable[SheetError], path: Path) -> None:
    check_report_path(path)
    try:
        path.write_text(report_text(problems, path.suffix.lower()), encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot write the report: {exc.strerror}") from exc
