"""Checking a cell's text against the datatype its column maps to, before it becomes a
literal: a year typed ``20l6`` is one message about that cell, with ``2016`` suggested, not
an ill-typed literal that three shapes then report in words that miss the point.

Only the forms a store writes back unchanged are accepted (``2016``, ``2026-11-25``), so
what the reviewer wrote is what the graph says.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from smqi.loader.terms import XSD

INTEGER = str(XSD.integer)
DATE = str(XSD.date)
DECIMAL = str(XSD.decimal)
BOOLEAN = str(XSD.boolean)

_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# letters that stand in for digits when a number is typed or scanned in a hurry
_DIGIT_LOOKALIKES = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0", "o": "0"})
_DATE_PARTS = re.compile(r"^([0-9]{4})[/.]([0-9]{1,2})[/.]([0-9]{1,2})$")
_BOOLEANS = {"true", "false", "1", "0"}


@dataclass(frozen=True)
class LexicalProblem:
    message: str
    suggestion: str | None = None


def check(datatype: str | None, value: str, *, what: str = "value") -> LexicalProblem | None:
    """None when ``value`` is a lexical form of ``datatype`` (None: any text); otherwise what
    is wrong, in words naming ``what`` the cell holds, and a corrected value if one is clear."""
    if datatype is None or datatype == "iri":
        return None
    if datatype == INTEGER:
        return _integer(value, what)
    if datatype == DATE:
        return _date(value, what)
    if datatype == DECIMAL:
        if _DECIMAL.match(value):
            return None
        return LexicalProblem(f"the {what} '{value}' is not a number; write e.g. 12.5")
    if datatype == BOOLEAN:
        if value in _BOOLEANS:
            return None
        lowered = value.strip().lower()
        suggestion = {"yes": "true", "no": "false", "y": "true", "n": "false"}.get(lowered)
        if lowered in _BOOLEANS:
            suggestion = lowered
        return LexicalProblem(f"the {what} '{value}' is not true or false", suggestion)
    return None


def _integer(value: str, what: str) -> LexicalProblem | None:
    if _INTEGER.match(value):
        return None
    fixed = value.translate(_DIGIT_LOOKALIKES)
    suggestion = fixed if _INTEGER.match(fixed) else None
    if suggestion is None and re.match(r"^[0-9]+\.0+$", value):
        suggestion = value.split(".", 1)[0]  # 2016.0 from a spreadsheet's number format
    example = "2016" if what == "publication year" else "12"
    return LexicalProblem(
        f"the {what} '{value}' is not a whole number; write digits only, e.g. {example}",
        suggestion,
    )


def _date(value: str, what: str) -> LexicalProblem | None:
    if _DATE.match(value):
        try:
            dt.date.fromisoformat(value)
            return None
        except ValueError:
            return LexicalProblem(f"the {what} '{value}' is not a day of the calendar")
    suggestion = None
    parts = _DATE_PARTS.match(value)
    if parts:
        try:
            year, month, day = (int(part) for part in parts.groups())
            suggestion = dt.date(year, month, day).isoformat()
        except ValueError:
            suggestion = None
    elif re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]", value):
        suggestion = value[:10]  # a date and time: the day is what the column holds
    return LexicalProblem(
        f"the {what} '{value}' is not a date written YYYY-MM-DD, e.g. 2026-11-25", suggestion
    )
