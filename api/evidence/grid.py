"""The evidence map: a grid of two coded dimensions with the number of studies in every cell,
empty cells (evidence gaps) included, and the studies of one chosen cell. It is what
EPPI-Mapper draws from a review's coding, read here from the same index as ``/summary`` and
``/gaps`` (CQ2, CQ3), so the three agree.

Beyond the plain grid: the studies can be filtered first (by any dimension's values, a
range of years, a review); a third dimension splits each cell into segments; the concept
hierarchy can be rolled up, a broader concept's cell then counting the union of its
narrower concepts' studies; and empty rows and columns can be hidden.

Counts keep the record-level pairing of CQ2: a study counts in a cell when one record (one
collection's coding of it) holds both values (and the segment's value).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from smqi.api.evidence.dimensions import (
    CollectionRef,
    Dimension,
    Vocabulary,
    collections,
    vocabulary,
)
from smqi.api.evidence.index import Code, StudyIndex, study_index
from smqi.api.evidence.models import Concept, StudySummary
from smqi.api.evidence.queries import Snapshot
from smqi.api.evidence.search import StudyFilter, matching, study_summaries

LISTED_STUDIES = 200  # of a chosen cell; the JSON and CSV of /summary list every one
MANY_VALUES = 40  # a dimension with more codeable values hides its empty ones by default


@dataclass(frozen=True)
class MapRequest:
    """What to draw: two dimensions, optionally a third to split cells by, the studies to
    count (a filter and a range of years), and how (rolled up, empty lines hidden)."""

    rows: Dimension
    cols: Dimension
    filter: StudyFilter
    split: Dimension | None = None
    rollup: bool = False
    hide_empty: bool | None = None  # None: hide a dimension's empty values when it has many
    year_from: int | None = None
    year_to: int | None = None
    chosen: tuple[str, str] | None = None  # (row concept IRI, column concept IRI)

    @property
    def review(self) -> CollectionRef | None:
        return self.filter.review


@dataclass(frozen=True)
class ChosenCell:
    row: Concept
    col: Concept
    count: int
    studies: list[StudySummary]  # the first LISTED_STUDIES, in listing order


@dataclass(frozen=True)
class Segment:
    concept: Concept
    count: int


@dataclass(frozen=True)
class EvidenceMap:
    rows: Dimension
    cols: Dimension
    review: CollectionRef | None
    collections: list[CollectionRef]  # every review and collection, for the scope chooser
    row_concepts: list[Concept]
    col_concepts: list[Concept]
    counts: dict[tuple[str, str], int]  # (row IRI, col IRI) -> studies; absent: a gap
    chosen: ChosenCell | None = None
    in_scope: int = 0  # studies the filters leave (0: nothing to map)
    split: Dimension | None = None
    split_concepts: list[Concept] = field(default_factory=list)  # the legend, in order
    segments: dict[tuple[str, str], list[Segment]] = field(default_factory=dict)
    hidden_rows: int = 0
    hidden_cols: int = 0
    rollup: bool = False
    hide_empty: bool = False
    empty_dimension: Dimension | None = None  # a dimension with no concepts in the graph

    @property
    def largest(self) -> int:
        return max(self.counts.values(), default=0)


def _sorted(concepts: dict[str, str]) -> list[Concept]:
    ordered = sorted(concepts.items(), key=lambda item: (item[1].casefold(), item[0]))
    return [Concept(iri=iri, label=label) for iri, label in ordered]


def _values(
    known: Vocabulary, dimension: Dimension, rollup: bool, coded: Iterable[Code]
) -> dict[str, set[str]]:
    """Each value the dimension is drawn with, and the concepts whose codes it counts: the
    codeable (leaf) concepts and any other concept a record is ``coded`` with, or rolled
    up, the top concepts with everything below them."""
    if not rollup:
        values = {concept: {concept} for concept in known.leaves(dimension.scheme)}
        for prop, concept in coded:
            if prop == dimension.predicate:
                values.setdefault(concept, {concept})
        return values
    concepts = set(known.in_scheme(dimension.scheme))
    below = {child for concept in concepts for child in known.narrower.get(concept, ())}
    return {top: known.with_narrower(top) for top in concepts - below}


def _sets(
    index: StudyIndex,
    scopes: list[dict[Code, int]],
    dimension: Dimension,
    values: dict[str, set[str]],
) -> dict[str, list[int]]:
    """Per value, per collection in scope: the studies that collection codes with it."""
    return {
        value: [_union(codes.get((dimension.predicate, c), 0) for c in members) for codes in scopes]
        for value, members in values.items()
    }


def _union(sets: Iterable[int]) -> int:
    result = 0
    for bits in sets:
        result |= bits
    return result


def _years(index: StudyIndex, first: int | None, last: int | None) -> int | None:
    """The studies published in [first, last] (None: no range asked)."""
    if first is None and last is None:
        return None
    return _union(
        bits
        for year, bits in index.years.items()
        if (first is None or year >= first) and (last is None or year <= last)
    )


def evidence_map(snapshot: Snapshot, asked: MapRequest) -> EvidenceMap:
    """The grid of ``asked.rows`` by ``asked.cols`` over the studies ``asked`` selects."""
    known = vocabulary(snapshot)
    index = study_index(snapshot)
    review = asked.review
    selected = matching(index, known, asked.filter, snapshot)
    in_years = _years(index, asked.year_from, asked.year_to)
    if in_years is not None:
        selected &= in_years
    scopes = list(index.codes.values()) if review is None else [index.codes_in(review.iri)]
    coded = list(index.codes_in(review.iri if review else None))
    row_values = _values(known, asked.rows, asked.rollup, coded)
    col_values = _values(known, asked.cols, asked.rollup, coded)
    row_sets = _sets(index, scopes, asked.rows, row_values)
    col_sets = _sets(index, scopes, asked.cols, col_values)
    split_sets = (
        _sets(index, scopes, asked.split, _values(known, asked.split, asked.rollup, coded))
        if asked.split is not None
        else {}
    )

    def cell_bits(row: str, col: str) -> int:
        return _union(r & c for r, c in zip(row_sets[row], col_sets[col], strict=True)) & selected

    counts: dict[tuple[str, str], int] = {}
    segments: dict[tuple[str, str], list[Segment]] = {}
    split_used: set[str] = set()
    for row in row_values:
        for col in col_values:
            bits = cell_bits(row, col)
            if not bits:
                continue
            counts[(row, col)] = bits.bit_count()
            parts: list[tuple[str, int]] = []
            for value, sets in split_sets.items():
                both = _union(
                    r & c & s for r, c, s in zip(row_sets[row], col_sets[col], sets, strict=True)
                )
                found = (both & selected).bit_count()
                if found:
                    parts.append((value, found))
                    split_used.add(value)
            segments[(row, col)] = [
                Segment(Concept(iri=v, label=known.label(v)), n) for v, n in parts
            ]

    rows_drawn = _sorted({iri: known.label(iri) for iri in row_values})
    cols_drawn = _sorted({iri: known.label(iri) for iri in col_values})
    hide = asked.hide_empty
    if hide is None:
        hide = max(len(rows_drawn), len(cols_drawn)) > MANY_VALUES
    hidden_rows = hidden_cols = 0
    if hide:
        used_rows = {row for row, _ in counts}
        used_cols = {col for _, col in counts}
        hidden_rows = sum(1 for c in rows_drawn if c.iri not in used_rows)
        hidden_cols = sum(1 for c in cols_drawn if c.iri not in used_cols)
        rows_drawn = [c for c in rows_drawn if c.iri in used_rows]
        cols_drawn = [c for c in cols_drawn if c.iri in used_cols]
    legend = _sorted({iri: known.label(iri) for iri in split_used})
    order = {concept.iri: place for place, concept in enumerate(legend)}
    for drawn in segments.values():
        drawn.sort(key=lambda s: order[s.concept.iri])

    cell: ChosenCell | None = None
    if asked.chosen is not None and asked.chosen[0] in row_values and asked.chosen[1] in col_values:
        row, col = asked.chosen
        bits = cell_bits(row, col)
        cell = ChosenCell(
            row=Concept(iri=row, label=known.label(row)),
            col=Concept(iri=col, label=known.label(col)),
            count=bits.bit_count(),
            studies=study_summaries(snapshot, index.iris(bits, 0, LISTED_STUDIES), review),
        )
    empty = next((d for d in (asked.rows, asked.cols) if not known.in_scheme(d.scheme)), None)
    return EvidenceMap(
        rows=asked.rows,
        cols=asked.cols,
        review=review,
        collections=sorted(
            collections(snapshot).values(), key=lambda r: (r.illustrative, r.identifier)
        ),
        row_concepts=rows_drawn,
        col_concepts=cols_drawn,
        counts=counts,
        chosen=cell,
        in_scope=selected.bit_count(),
        split=asked.split,
        split_concepts=legend,
        segments=segments if asked.split is not None else {},
        hidden_rows=hidden_rows,
        hidden_cols=hidden_cols,
        rollup=asked.rollup,
        hide_empty=hide,
        empty_dimension=empty,
    )
