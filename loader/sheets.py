"""Reading extraction sheets (CSV, XLSX) into located rows of text cells.

Every problem is a SheetError naming the sheet, the row as a spreadsheet shows it
(the header is row ``header_row``) and the column, and saying what would be accepted.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from smqi.loader.errors import Location, SheetError
from smqi.loader.manifest import Mapping

XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet shows it
    cells: dict[str, str]


@dataclass(frozen=True, eq=False)
class Sheet:
    name: str  # file name, plus "[worksheet]" for a workbook
    path: Path
    sha256: str
    worksheet: str | None
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    # problems that leave the other rows and columns readable (an unknown or missing
    # column, a ragged row), reported with the rest of the sheet's problems in one pass
    problems: tuple[SheetError, ...] = ()

    def location(self, row: int | None = None, column: str | None = None) -> Location:
        return Location(self.name, row, column)


def read_sheet(path: Path, mapping: Mapping) -> Sheet:
    """Read a CSV or XLSX sheet and check its header against ``mapping``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(
            Location(path.name), f"cannot be read: {exc.strerror}", "unreadable"
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise SheetError(Location(path.name), "the file is empty; expected a header row", "empty")
    if path.suffix.lower() in XLSX_SUFFIXES or data[:4] == b"PK\x03\x04":
        name, worksheet, table = _read_xlsx(path, data, mapping)
    else:
        name, worksheet, table = path.name, None, _read_csv(path, data)
    header, rows, problems = _split_header(name, table, mapping)
    return Sheet(name, path, digest, worksheet, header, rows, problems)


def _read_csv(path: Path, data: bytes) -> list[tuple[int, list[str]]]:
    if b"\x00" in data:
        raise SheetError(
            Location(path.name),
            "is a binary file, not CSV text; save the sheet as CSV (UTF-8) or XLSX",
            "binary",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SheetError(
            Location(path.name, line),
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save the sheet as CSV UTF-8",
            "encoding",
        ) from exc
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        return [(index, cells) for index, cells in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise SheetError(
            Location(path.name, reader.line_num), f"is not well-formed CSV: {exc}", "csv-syntax"
        ) from exc


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_xlsx(
    path: Path, data: bytes, mapping: Mapping
) -> tuple[str, str, list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook  # imported here: only XLSX builds pay for it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SheetError(
            Location(path.name), f"is not a readable XLSX workbook: {exc}", "xlsx"
        ) from exc
    names = workbook.sheetnames
    worksheet = mapping.worksheet or names[0]
    if worksheet not in names:
        raise SheetError(
            Location(path.name),
            f"has no worksheet '{worksheet}'; it has: {', '.join(names)}",
            "worksheet",
        )
    table = [
        (index, [_cell_text(value) for value in values])
        for index, values in enumerate(workbook[worksheet].iter_rows(values_only=True), start=1)
    ]
    workbook.close()
    for _, cells in table:
        while cells and cells[-1] == "":
            cells.pop()
    return f"{path.name}[{worksheet}]", worksheet, table


def _split_header(
    name: str, table: list[tuple[int, list[str]]], mapping: Mapping
) -> tuple[tuple[str, ...], tuple[Row, ...], tuple[SheetError, ...]]:
    header_index = mapping.header_row - 1
    if len(table) <= header_index:
        raise SheetError(
            Location(name, mapping.header_row), "has no header row; expected the column names"
        )
    number, raw_header = table[header_index]
    header = tuple(cell.strip() for cell in raw_header)
    expected = list(mapping.columns)
    errors: list[SheetError] = []
    unknown = [column for column in header if column not in mapping.columns]
    missing = [column for column in expected if column not in header]
    if len(unknown) == len(header) or (unknown and len(missing) == len(expected)):
        raise SheetError(
            Location(name, number),
            f"row {number} is not the header of layout '{mapping.name}': expected columns "
            f"{', '.join(expected)}; found {', '.join(repr(c) for c in header[:5])}. "
            "If the header is on a later row (title rows above it), "
            "set header_row in a mapping file.",
            "header",
        )
    for column in unknown:
        close = difflib.get_close_matches(column, missing or expected, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        errors.append(
            SheetError(
                Location(name, number, column),
                f"unknown column '{column}' (not in layout '{mapping.name}'){hint}",
                "unknown-column",
                value=column,
                suggestion=close[0] if close else None,
            )
        )
    for column in missing:
        errors.append(
            SheetError(
                Location(name, number, column),
                f"missing column '{column}' required by layout '{mapping.name}'",
                "missing-column",
            )
        )
    duplicated = sorted({c for c in header if header.count(c) > 1})
    for column in duplicated:
        errors.append(
            SheetError(
                Location(name, number, column), "the column appears twice", "duplicate-column"
            )
        )
    rows: list[Row] = []
    for row_number, cells in table[header_index + 1 :]:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            errors.append(
                SheetError(
                    Location(name, row_number),
                    f"has {len(cells)} cells but the header has {len(header)} columns "
                    "(a missing or extra separator, or an unquoted comma)",
                    "ragged-row",
                )
            )
            continue
        rows.append(Row(row_number, dict(zip(header, cells, strict=True))))
    if not rows and not errors:
        raise SheetError(Location(name), "has a header but no rows of studies", "no-rows")
    return header, tuple(rows), tuple(errors)
