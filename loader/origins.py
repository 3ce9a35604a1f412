"""Where each minted subject of the mapped sheets came from: its sheet, row and column, so
that a SHACL result on (focus, path, value) is reported where the reviewer can fix it."""

from __future__ import annotations

from dataclasses import dataclass, field

from smqi.loader.codebooks import CODEBOOKS
from smqi.loader.errors import Location
from smqi.loader.manifest import Mapping
from smqi.loader.sheets import Row, Sheet
from smqi.loader.terms import SKOS, VOCAB


@dataclass(frozen=True)
class Origin:
    sheet: Sheet
    row: Row
    mapping: Mapping
    target: str  # study, record or row


@dataclass
class OriginIndex:
    """Where each minted subject came from."""

    sheets: dict[str, Sheet] = field(default_factory=dict)  # sheet IRI -> sheet
    other: dict[str, Location] = field(default_factory=dict)  # review records, vocabularies
    # each mapped row with the study, record, row and report IRIs it mints; indexed by
    # subject only when a result must be located (most builds never need it)
    rows: list[tuple[Sheet, Row, Mapping, str, str, str, str]] = field(default_factory=list)
    _by_subject: dict[str, list[Origin]] = field(default_factory=dict)
    _indexed: int = 0

    def add_row(
        self,
        sheet: Sheet,
        row: Row,
        mapping: Mapping,
        subjects: tuple[str, str, str, str],  # study, record, row, report
    ) -> None:
        self.rows.append((sheet, row, mapping, *subjects))

    @property
    def by_subject(self) -> dict[str, list[Origin]]:
        """Where each minted subject came from (a study may come from several rows)."""
        for sheet, row, mapping, *subjects in self.rows[self._indexed :]:
            for target, subject in zip(("study", "record", "row", "report"), subjects, strict=True):
                self._by_subject.setdefault(subject, []).append(Origin(sheet, row, mapping, target))
        self._indexed = len(self.rows)
        return self._by_subject

    def locate(self, focus: str, path: str | None, value: str | None) -> Location:
        """The sheet, row and column a SHACL result on (focus, path, value) came from."""
        if focus in self.other:
            return self.other[focus]
        if focus in self.sheets:
            return Location(self.sheets[focus].name)
        origins = self.by_subject.get(focus)
        if not origins:
            return _vocabulary_location(focus, path, value) or Location("(graph)", None, None)
        chosen = origins[0]
        column: str | None = None
        first_cell: str | None = None
        for origin in origins:
            columns = origin.mapping.columns_for_property(origin.target, path) if path else []
            if not columns:
                continue
            if value is not None:
                lexical = _lexical(value)
                for candidate in columns:
                    if lexical and lexical in origin.row.cells.get(candidate, ""):
                        return origin.sheet.location(origin.row.number, candidate)
            cell = origin.row.cells.get(columns[0], "").strip()
            if column is None:
                chosen, column, first_cell = origin, columns[0], cell
            elif value is None and cell != first_cell:
                # rows disagree (e.g. two titles for one study): point at the row that differs
                return origin.sheet.location(origin.row.number, columns[0])
        return chosen.sheet.location(chosen.row.number, column)


# Where each scheme's concepts come from, for results whose focus is a concept or scheme.
GENERATED_SCHEMES = {"country": "country scheme (generated from ISO 3166)"}
MATCH_PROPERTIES = {
    str(SKOS[name])
    for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
}


def _vocabulary_location(focus: str, path: str | None, value: str | None) -> Location | None:
    vocab = str(VOCAB)
    if not focus.startswith(vocab):
        return None
    scheme = focus.removeprefix(vocab).split("/", 1)[0]
    concept = focus.removeprefix(vocab)
    if value is not None and value.startswith("<") and not value[1:].startswith(vocab):
        return Location(f"the project's vocabularies/{scheme}.ttl (concept {value})")
    if path in MATCH_PROPERTIES:
        return Location(f"concept-alignments.sssom.tsv (concept {concept})")
    source = GENERATED_SCHEMES.get(scheme, f"ontology/vocabularies/{scheme}.ttl")
    if scheme.endswith(tuple(f"-{suffix}" for suffix in CODEBOOKS.values())):
        source = "reviews.yaml (a review's own codebook)"
    return Location(f"{source} ({concept})")


def _lexical(value: str) -> str:
    """The lexical form of an N-Triples literal, or the local part of an IRI."""
    if value.startswith('"'):
        return value[1 : value.rfind('"')]
    return value.strip("<>").rsplit("/", 1)[-1]
