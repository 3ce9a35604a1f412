"""Errors the loader raises, each with a stable machine-readable ``code``.

    LoaderError
    ├── ConfigurationError      bad manifest, mapping file or settings
    ├── SheetError              one problem of a sheet (names sheet, row, column)
    ├── InvalidSheetsError      every problem found in one pass (a ProblemList, capped)
    ├── ValidationError         the graph fails SHACL validation (each result located)
    ├── ShapeCompilationError   the shapes use SHACL the SPARQL validator does not compile
    ├── ValidatorError          a validator could not run (unreadable shapes, library failure)
    ├── ReasoningError          the ontology plus data is inconsistent, or the reasoner failed
    └── PublishError            the build output could not be written (nothing replaced)
        └── BuildInProgressError    another build of the project is running

Library errors (csv, openpyxl, rdflib, pyshacl, owlready2, pyoxigraph) are translated
into these once, where the loader calls the library, with ``raise ... from exc``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class LoaderError(Exception):
    """Base of every error the loader raises on purpose."""

    code = "loader-error"


class ConfigurationError(LoaderError):
    """A manifest, mapping file or setting is missing or malformed."""

    code = "configuration-error"


@dataclass(frozen=True)
class Location:
    """Where a problem was found: sheet, row (1-based, as a spreadsheet shows it), column."""

    sheet: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [self.sheet]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)


class SheetError(LoaderError):
    """One problem in a sheet, located by sheet, row and column, with the cell's value and,
    where one can be worked out, a suggestion of what to write instead."""

    code = "sheet-error"

    def __init__(
        self,
        location: Location,
        message: str,
        code: str | None = None,
        *,
        value: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.location = location
        self.message = message
        self.value = value
        self.suggestion = suggestion
        if code is not None:
            self.code = code
        super().__init__(f"{location}: {message}")


class ProblemList(list[SheetError]):
    """Problems found in one pass, the first ``cap`` of them kept: a sheet of a million bad
    rows is told as a thousand problems and a count of the rest, not a million messages."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.dropped = 0

    @property
    def total(self) -> int:
        return len(self) + self.dropped

    def append(self, problem: SheetError) -> None:
        if len(self) < self.cap:
            super().append(problem)
        else:
            self.dropped += 1

    def extend(self, problems: Iterable[SheetError]) -> None:
        for problem in problems:
            self.append(problem)
        self.dropped += getattr(problems, "dropped", 0)


def problems_found(problems: list[SheetError]) -> int:
    """How many problems were found, the ones not kept included."""
    return problems.total if isinstance(problems, ProblemList) else len(problems)


class InvalidSheetsError(LoaderError):
    """Every problem found in one pass over the sources, so a reviewer can fix them all at once
    (``dropped`` more were found past the cap and are only counted)."""

    code = "sheet-errors"

    def __init__(self, errors: list[SheetError], dropped: int = 0) -> None:
        self.errors = errors
        self.dropped = dropped or getattr(errors, "dropped", 0)
        lines = [str(error) for error in errors]
        more = f"\n... and {self.dropped} more" if self.dropped else ""
        total = len(errors) + self.dropped
        super().__init__(f"{total} problem(s):\n" + "\n".join(lines) + more)


class ValidationError(LoaderError):
    """The graph does not conform to the SHACL shapes; ``problems`` are located messages."""

    code = "validation-error"

    def __init__(self, problems: list[SheetError]) -> None:
        self.problems = problems
        lines = [str(problem) for problem in problems]
        super().__init__(f"{len(problems)} SHACL violation(s):\n" + "\n".join(lines))


class ShapeCompilationError(LoaderError):
    """The shapes file uses SHACL the SPARQL validator does not compile, or is malformed."""

    code = "shape-compilation-error"


class ValidatorError(LoaderError):
    """A validator could not run: unreadable shapes, or a library failure."""

    code = "validator-error"


class ReasoningError(LoaderError):
    """The ontology and data are inconsistent, or the reasoner could not run."""

    code = "reasoning-error"


class PublishError(LoaderError):
    """The build output could not be written; the previous build is untouched."""

    code = "publish-error"


class BuildInProgressError(PublishError):
    """Another build of the same project is running; this one did not start."""

    code = "build-in-progress"
