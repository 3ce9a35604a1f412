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
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from smqi.loader.errors import Location, SheetError
from smqi.loader.manifest import Mapping
from smqi.loader.settings import SheetLimits

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


def read_sheet(path: Path, mapping: Mapping, limits: SheetLimits | None = None) -> Sheet:
    """Read a CSV or XLSX sheet within ``limits`` and check its header against ``mapping``.

    A file over a limit, a corrupt or hostile workbook (a decompression bomb, entity
    expansion, malformed XML, a damaged member) is a located SheetError, never a traceback.
    """
    limits = limits or SheetLimits()
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise SheetError(
                Location(path.name),
                f"is {_mib(size)}, over the limit of {_mib(limits.max_file_bytes)} for a sheet "
                "(raise limits: max_file_bytes in manifest.yaml if it is meant to be so big)",
                "too-large",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(
            Location(path.name), f"cannot be read: {exc.strerror}", "unreadable"
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise SheetError(Location(path.name), "the file is empty; expected a header row", "empty")
    if path.suffix.lower() in XLSX_SUFFIXES or data[:4] == b"PK\x03\x04":
        name, worksheet, table = _read_xlsx(path, data, mapping, limits)
    else:
        name, worksheet, table = path.name, None, _read_csv(path, data, limits)
    header, rows, problems = _split_header(name, table, mapping)
    return Sheet(name, path, digest, worksheet, header, rows, problems)


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def _too_many_rows(name: str, limits: SheetLimits) -> SheetError:
    return SheetError(
        Location(name),
        f"has more than {limits.max_rows:,} rows, the limit for a sheet (raise limits: "
        "max_rows in manifest.yaml, or split the sheet)",
        "too-many-rows",
    )


def _too_many_columns(name: str, row: int, count: int, limits: SheetLimits) -> SheetError:
    return SheetError(
        Location(name, row),
        f"has {count:,} columns, more than the limit of {limits.max_columns:,} "
        "(raise limits: max_columns in manifest.yaml)",
        "too-many-columns",
    )


def _too_long(name: str, row: int, limits: SheetLimits, column: str | None = None) -> SheetError:
    return SheetError(
        Location(name, row, column),
        f"a cell holds more than {limits.max_cell_chars:,} characters, the limit for a cell",
        "cell-too-long",
    )


def _read_csv(path: Path, data: bytes, limits: SheetLimits) -> list[tuple[int, list[str]]]:
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
    table: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous = csv.field_size_limit(limits.max_cell_chars)
    try:
        for index, cells in enumerate(reader, start=1):
            if index > limits.max_rows + 1:  # the header and max_rows rows
                raise _too_many_rows(path.name, limits)
            if len(cells) > limits.max_columns:
                raise _too_many_columns(path.name, index, len(cells), limits)
            table.append((index, cells))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _too_long(path.name, reader.line_num, limits) from exc
        raise SheetError(
            Location(path.name, reader.line_num), f"is not well-formed CSV: {exc}", "csv-syntax"
        ) from exc
    finally:
        csv.field_size_limit(previous)
    return table


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


def _check_archive(path: Path, data: bytes, limits: SheetLimits) -> None:
    """Refuse a workbook whose members would unpack past the limit, or any of whose
    worksheets holds more rows than a sheet may, before openpyxl reads any of it.

    The sizes come from the archive's directory; a member that unpacks to more than it
    declares is stopped by the zip reader at the declared size (a CRC error, reported as a
    damaged workbook).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise SheetError(
            Location(path.name), f"is not a readable XLSX workbook: {exc}", "xlsx"
        ) from exc
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked_bytes:
        biggest = max(members, key=lambda member: member.file_size)
        raise SheetError(
            Location(path.name),
            f"unpacks to {_mib(unpacked)} ({biggest.filename}: {_mib(biggest.file_size)}), over "
            f"the limit of {_mib(limits.max_unpacked_bytes)} for a workbook: it is damaged or "
            "made to exhaust memory (raise limits: max_unpacked_bytes if it is genuine)",
            "xlsx-too-large",
        )
    for member in members:
        if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
            try:
                rows_in(data, member.filename, path.name, limits)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
                raise SheetError(
                    Location(path.name),
                    f"is a damaged XLSX workbook ({member.filename}: {exc}); save it again "
                    "from the spreadsheet program",
                    "xlsx",
                ) from exc


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


def rows_in(data: bytes, member: str, name: str, limits: SheetLimits) -> int:
    """How many rows a worksheet's XML holds, counted on the unpacked stream without parsing
    it (a fraction of a second for a million rows, where openpyxl parses a few thousand a
    second and reads a sheet without a declared size whole just to open it), so that a
    sheet of millions of rows is refused whatever its dimension declares."""
    rows, tail = 0, b""
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(member.lstrip("/")) as xml:
        while chunk := xml.read(1 << 20):
            text = tail + chunk
            cut = max(0, len(text) - 64)  # a tag starting after it is counted with the next
            rows += sum(1 for tag in _ROW_TAG.finditer(text) if tag.start() < cut)
            tail = text[cut:]
            if rows > limits.max_rows + 1_000:  # header and title rows, generously
                raise _too_many_rows(name, limits)
    return rows + len(_ROW_TAG.findall(tail))


def _read_xlsx(
    path: Path, data: bytes, mapping: Mapping, limits: SheetLimits
) -> tuple[str, str, list[tuple[int, list[str]]]]:
    _check_archive(path, data, limits)
    # imported here: only XLSX builds pay for it. openpyxl parses with defusedxml (a
    # dependency of ours), which refuses entity expansion ("billion laughs").
    from openpyxl import load_workbook

    workbook = None
    worksheet = mapping.worksheet or ""
    table: list[tuple[int, list[str]]] = []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        names = workbook.sheetnames
        worksheet = mapping.worksheet or names[0]
        if worksheet not in names:
            raise SheetError(
                Location(path.name),
                f"has no worksheet '{worksheet}'; it has: {', '.join(names)}",
                "worksheet",
            )
        sheet = workbook[worksheet]
        name = f"{path.name}[{worksheet}]"
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        if declared_rows > limits.max_rows + mapping.header_row:
            raise _too_many_rows(name, limits)
        if declared_columns > limits.max_columns:
            raise _too_many_columns(name, mapping.header_row, declared_columns, limits)
        # The row bound holds even when the declared dimension lies. Columns are not padded
        # to a bound (rows would all be that long): each row is as long as its own cells.
        rows = sheet.iter_rows(max_row=limits.max_rows + mapping.header_row + 1, values_only=True)
        for index, values in enumerate(rows, start=1):
            if index > limits.max_rows + mapping.header_row:
                raise _too_many_rows(name, limits)
            if len(values) > limits.max_columns:
                raise _too_many_columns(name, index, len(values), limits)
            cells = [_cell_text(value) for value in values]
            if any(len(cell) > limits.max_cell_chars for cell in cells):
                raise _too_long(name, index, limits)
            table.append((index, cells))
    except SheetError:
        raise
    except Exception as exc:  # openpyxl raises many unrelated types for a damaged workbook
        what = type(exc).__name__
        raise SheetError(
            Location(f"{path.name}[{worksheet}]" if worksheet else path.name),
            f"is a damaged or hostile XLSX workbook and cannot be read ({what}: "
            f"{str(exc)[:200]}); save it again from the spreadsheet program",
            "xlsx",
        ) from exc
    finally:
        if workbook is not None:
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
