"""The extraction workbook a review team fills in, generated from a mapping and the
vocabularies (``smqi template``), so that what a reviewer can pick is what the loader
accepts.

    extraction   one column per mapped column, in the mapping's order; required columns
                 marked; the header frozen; dropdowns of preferred labels on coded columns
                 (several values go in one cell, separated as the mapping says); a whole
                 year from 1900 to next year; dates as YYYY-MM-DD
    codebook     every concept a coded column takes: label, other accepted labels,
                 definition, broader concept, MeSH and Wikidata alignments, IRI
    lists        the dropdowns' values (hidden)

The project's own concepts (``smqi add-concept``) are included like ours. The first sheet
is the one the loader reads, so a filled-in workbook validates and builds as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smqi.loader.alignments import Alignment, read_alignments
from smqi.loader.concepts import (
    ConceptIndex,
    ConceptRecord,
    country_records,
    read_schemes,
)
from smqi.loader.errors import ConfigurationError, InvalidSheetsError, SheetError
from smqi.loader.manifest import ColumnMapping, Mapping
from smqi.loader.settings import BuildSettings
from smqi.loader.terms import MESH, SKOS, WIKIDATA

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

DATA_SHEET = "extraction"
CODEBOOK_SHEET = "codebook"
LISTS_SHEET = "lists"
ROWS = 5000  # rows the dropdowns and checks cover; more rows may be added by copying
REQUIRED_FILL = "FCE4D6"
OPTIONAL_FILL = "EDEDED"
EARLIEST_YEAR = 1900
CODEBOOK_COLUMNS = (
    "column",
    "scheme",
    "concept",
    "also accepted",
    "definition",
    "broader concept",
    "MeSH",
    "Wikidata",
    "match",
    "IRI",
)


@dataclass(frozen=True)
class Vocabularies:
    """The concepts a workbook offers, by scheme, with their alignments."""

    concepts: dict[str, ConceptRecord]
    alignments: dict[str, list[Alignment]]

    def of_scheme(self, scheme: str) -> list[ConceptRecord]:
        """A scheme's concepts, broader before narrower, then by label."""
        members = [c for c in self.concepts.values() if c.scheme == scheme]
        depth = {c.iri: self._depth(c.iri) for c in members}
        return sorted(members, key=lambda c: (self._root(c.iri), depth[c.iri], c.pref_label))

    def _depth(self, iri: str) -> int:
        seen: set[str] = set()
        while (record := self.concepts.get(iri)) and record.broader and iri not in seen:
            seen.add(iri)
            iri = record.broader[0]
        return len(seen)

    def _root(self, iri: str) -> str:
        seen: set[str] = set()
        while (record := self.concepts.get(iri)) and record.broader and iri not in seen:
            seen.add(iri)
            iri = record.broader[0]
        root = self.concepts.get(iri)
        return root.pref_label.casefold() if root else iri


def read_offered(settings: BuildSettings, project_alignments: Path | None) -> Vocabularies:
    """Our vocabularies, the project's extensions and the generated countries."""
    concepts, _ = read_schemes(settings.vocabulary_files)
    for record in country_records():
        concepts[record.iri] = record
    index = ConceptIndex()
    for record in concepts.values():
        index.add(record.scheme, record.iri, record.pref_label, record.alt_labels)
    alignments: dict[str, list[Alignment]] = {}
    for path in (settings.alignments_file, project_alignments):
        if path is None or not path.is_file():
            continue
        try:
            found = read_alignments(path, index)
        except (InvalidSheetsError, SheetError) as exc:
            raise ConfigurationError(f"{path}: the alignments cannot be read: {exc}") from exc
        for alignment in found:
            alignments.setdefault(alignment.concept, []).append(alignment)
    return Vocabularies(concepts, alignments)


def write_template(
    mapping: Mapping, vocabularies: Vocabularies, target: Path, *, today: dt.date | None = None
) -> None:
    """Write the workbook for ``mapping`` to ``target`` (an .xlsx file)."""
    from openpyxl import Workbook  # imported here: only this command pays for it

    if target.suffix.lower() != ".xlsx":
        raise ConfigurationError(f"{target}: the template is an Excel workbook; name it .xlsx")
    if mapping.header_row != 1:
        raise ConfigurationError(
            f"{mapping.path}: the template puts the header on row 1; this layout says row "
            f"{mapping.header_row}"
        )
    today = today or dt.date.today()
    workbook = Workbook()
    data = workbook.active
    assert data is not None
    data.title = mapping.worksheet or DATA_SHEET
    codebook = workbook.create_sheet(CODEBOOK_SHEET)
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    ranges = _write_lists(lists, mapping, vocabularies)
    _write_data_sheet(data, mapping, ranges, today)
    _write_codebook(codebook, mapping, vocabularies)
    workbook.active = 0
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(target)
    except OSError as exc:
        raise ConfigurationError(f"{target}: cannot write the workbook: {exc.strerror}") from exc


def _coded(mapping: Mapping) -> list[ColumnMapping]:
    return [c for c in mapping.columns.values() if c.scheme is not None]


def _write_lists(lists: Worksheet, mapping: Mapping, vocabularies: Vocabularies) -> dict[str, str]:
    """One column of preferred labels per scheme; the range each dropdown reads."""
    from openpyxl.utils import get_column_letter

    ranges: dict[str, str] = {}
    for number, scheme in enumerate(sorted({c.scheme for c in _coded(mapping) if c.scheme}), 1):
        labels = sorted({c.pref_label for c in vocabularies.of_scheme(scheme)}, key=str.casefold)
        letter = get_column_letter(number)
        lists.cell(row=1, column=number, value=scheme)
        for row, label in enumerate(labels, start=2):
            lists.cell(row=row, column=number, value=label)
        if labels:
            ranges[scheme] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(labels) + 1}"
    return ranges


def _header_note(column: ColumnMapping, ranges: dict[str, str]) -> str:
    parts = [f"{column.column}: {'required' if column.required else 'optional'}."]
    if column.scheme is not None:
        how = f"Pick a value of the {column.scheme} list"
        if column.separator:
            how += f", or type several separated by '{column.separator}'"
        parts.append(how + ". The codebook sheet defines each value.")
        if column.scheme not in ranges:
            parts.append("This vocabulary has no concepts yet: leave the cells empty.")
    elif column.role == "year":
        parts.append(f"The year of publication, {EARLIEST_YEAR} or later, e.g. 2016.")
    elif column.datatype and column.datatype.endswith("#date"):
        parts.append("A date written YYYY-MM-DD, e.g. 2026-11-25.")
    elif column.datatype == "iri":
        parts.append("Web addresses starting with https:// or http://")
        if column.separator:
            parts.append(f"(several separated by '{column.separator}').")
    elif column.role == "doi":
        parts.append("The DOI, e.g. 10.1136/bmjqs-2015-004309.")
    elif column.role == "pmid":
        parts.append("The PubMed ID, digits only, e.g. 26464518.")
    elif column.role == "coder":
        parts.append("Who coded this row (a name or role).")
    elif column.role == "coder_role":
        parts.append(
            "The coder's role: independent (one of several coders who each coded the study "
            "alone), consensus (what they agreed) or sole (the only coder)."
        )
    return " ".join(parts)


def _write_data_sheet(
    ws: Worksheet, mapping: Mapping, ranges: dict[str, str], today: dt.date
) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment as CellAlignment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for number, column in enumerate(mapping.columns.values(), start=1):
        letter = get_column_letter(number)
        cell = ws.cell(row=1, column=number, value=column.column)
        cell.font = Font(bold=True)
        fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
        cell.alignment = CellAlignment(wrap_text=True, vertical="top")
        cell.comment = Comment(_header_note(column, ranges), "smqi template", 160, 320)
        width = 40 if column.scheme or column.column in ("title", "summary", "notes") else 18
        dimension = ws.column_dimensions[letter]
        dimension.width = width
        cells = f"{letter}2:{letter}{ROWS + 1}"
        validation = _validation_for(column, ranges, today, DataValidation)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(cells)
        if column.datatype and column.datatype.endswith("#date"):
            dimension.number_format = "yyyy-mm-dd"  # typed dates read back as YYYY-MM-DD
        elif column.scheme is None and column.role not in ("year",):
            dimension.number_format = "@"  # text: a DOI or ID is not a number to a reviewer
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(mapping.columns))}1"


def _validation_for(
    column: ColumnMapping, ranges: dict[str, str], today: dt.date, kind: type
) -> Any:
    if column.scheme is not None and column.scheme in ranges:
        several = column.separator is not None
        prompt = f"Pick from the list{'; several values: separate them with ' if several else ''}"
        if several:
            prompt += f"'{column.separator}'"
        return kind(
            type="list",
            formula1=f"={ranges[column.scheme]}",
            allow_blank=True,
            showInputMessage=True,
            promptTitle=column.column[:32],
            prompt=prompt[:255],
            showErrorMessage=True,
            # several values in one cell are not one item of the list: warn, do not stop
            errorStyle="warning" if several else "stop",
            errorTitle="Not a value of the list",
            error=(
                f"Each value must be one of the {column.scheme} list"
                + (f", separated by '{column.separator}'." if several else ".")
                + " smqi validate checks every cell."
            )[:255],
        )
    if column.role == "coder_role":
        return kind(
            type="list",
            formula1='"independent,consensus,sole"',
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle="Not a coder role",
            error="Write independent, consensus or sole.",
        )
    if column.role == "year":
        return kind(
            type="whole",
            operator="between",
            formula1=str(EARLIEST_YEAR),
            formula2=str(today.year + 1),
            allow_blank=not column.required,
            showErrorMessage=True,
            errorTitle="Not a year",
            error=f"Write the year of publication, {EARLIEST_YEAR} to {today.year + 1}.",
        )
    return None


def _write_codebook(ws: Worksheet, mapping: Mapping, vocabularies: Vocabularies) -> None:
    from openpyxl.styles import Font

    ws.append(list(CODEBOOK_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    labels = {iri: record.pref_label for iri, record in vocabularies.concepts.items()}
    # the coded dimensions first; the long list of countries last
    for column in sorted(_coded(mapping), key=lambda c: c.scheme == "country"):
        assert column.scheme is not None
        for concept in vocabularies.of_scheme(column.scheme):
            matches = vocabularies.alignments.get(concept.iri, [])
            mesh = [
                a.target.removeprefix(str(MESH)) for a in matches if a.target.startswith(str(MESH))
            ]
            wikidata = [
                a.target.removeprefix(str(WIKIDATA))
                for a in matches
                if a.target.startswith(str(WIKIDATA))
            ]
            relations = sorted({a.relation.removeprefix(str(SKOS)) for a in matches})
            ws.append(
                [
                    column.column,
                    column.scheme,
                    concept.pref_label,
                    "; ".join([*concept.alt_labels, *concept.notations]),
                    concept.definition,
                    "; ".join(labels.get(b, b) for b in concept.broader),
                    "; ".join(mesh),
                    "; ".join(wikidata),
                    "; ".join(relations),
                    concept.iri,
                ]
            )
    for letter, width in zip("ABCDEFGHIJ", (18, 18, 32, 32, 60, 24, 12, 12, 12, 48), strict=True):
        ws.column_dimensions[letter].width = width


__all__ = ["Vocabularies", "read_offered", "write_template"]
