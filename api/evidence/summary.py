"""The descriptive summary: cross-tabulations of two dimensions (CQ2) and evidence gaps (CQ3),
as answers and as CSV tables."""

from __future__ import annotations

from smqi.api.evidence.dimensions import CollectionRef, Dimension, Vocabulary, vocabulary
from smqi.api.evidence.index import Code, study_index
from smqi.api.evidence.models import Concept, CrossTabulation, EvidenceGaps, Gap, SummaryCell
from smqi.api.evidence.queries import Snapshot
from smqi.api.evidence.search import collection_link
from smqi.api.http.spreadsheet import csv_table


def _concepts(known: Vocabulary, iris: set[str]) -> list[Concept]:
    refs = (known.ref(concept) for concept in iris)
    return [
        Concept(iri=ref.iri, label=ref.label)
        for ref in sorted(refs, key=lambda r: (r.label.casefold(), r.iri))
    ]


def cross_tabulate(
    snapshot: Snapshot,
    rows: Dimension,
    cols: Dimension,
    review: CollectionRef | None,
    with_studies: bool = True,
    per_cell: int | None = None,
    cell_offset: int = 0,
) -> CrossTabulation:
    """Studies per pair of values of ``rows`` and ``cols`` that one record codes together,
    non-empty cells only: CQ2's answer (cq02-cross-tabulation.rq), read from the index.
    Without ``with_studies`` the cells give counts only (a few KB where the lists of study
    IRIs are megabytes at 100k studies); with it, each cell lists its studies from
    ``cell_offset`` on, at most ``per_cell`` (None: all). At 1M studies every cell's whole
    list took 248 MB and 5-6 s to write."""
    index, known = study_index(snapshot), vocabulary(snapshot)
    collection = review.iri if review else None
    codes = index.codes_in(collection)
    row_codes = [code for code in codes if code[0] == rows.predicate]
    col_codes = [code for code in codes if code[0] == cols.predicate]
    cells = []
    for row_code in row_codes:
        for col_code in col_codes:
            bits = index.coded_with_both(collection, row_code, col_code)
            if bits:
                cells.append(
                    SummaryCell(
                        row=_concept(known, row_code),
                        col=_concept(known, col_code),
                        count=bits.bit_count(),
                        studies=index.iris(bits, cell_offset, per_cell) if with_studies else None,
                    )
                )
    cells.sort(key=lambda c: (c.row.label.casefold(), c.row.iri, c.col.label.casefold(), c.col.iri))
    return CrossTabulation(
        rows=rows.name,
        cols=cols.name,
        review=collection_link(review) if review else None,
        row_concepts=_concepts(known, {cell.row.iri for cell in cells}),
        col_concepts=_concepts(known, {cell.col.iri for cell in cells}),
        cells=cells,
        per_cell=per_cell if with_studies else None,
        cell_offset=cell_offset if with_studies else 0,
    )


def has_more(table: CrossTabulation) -> bool:
    """Whether some cell has studies past those the table lists."""
    if table.per_cell is None:
        return False
    return any(cell.count > table.cell_offset + table.per_cell for cell in table.cells)


def evidence_gaps(
    snapshot: Snapshot, rows: Dimension, cols: Dimension, review: CollectionRef | None
) -> EvidenceGaps:
    """Pairs of codeable (leaf) values of ``rows`` and ``cols`` that no record codes together:
    CQ3's answer (cq03-evidence-gaps.rq), read from the index."""
    index, known = study_index(snapshot), vocabulary(snapshot)
    collection = review.iri if review else None
    row_concepts = _concepts(known, set(known.leaves(rows.scheme)))
    col_concepts = _concepts(known, set(known.leaves(cols.scheme)))
    gaps = [
        Gap(row=row, col=col)
        for row in row_concepts
        for col in col_concepts
        if not index.coded_with_both(
            collection, (rows.predicate, row.iri), (cols.predicate, col.iri)
        )
    ]
    return EvidenceGaps(
        rows=rows.name,
        cols=cols.name,
        review=collection_link(review) if review else None,
        count=len(gaps),
        gaps=gaps,
    )


def _concept(known: Vocabulary, code: Code) -> Concept:
    return Concept(iri=code[1], label=known.label(code[1]))


def cross_tabulation_csv(table: CrossTabulation, matrix: bool = False) -> bytes:
    """The cross-tabulation as CSV: one line per non-empty cell, or (``matrix``) a grid of
    counts with the row dimension's values down and the column dimension's across."""
    lines: list[list[object]] = []
    if matrix:
        counts = {(cell.row.iri, cell.col.iri): cell.count for cell in table.cells}
        lines.append([f"{table.rows} \\ {table.cols}", *(c.label for c in table.col_concepts)])
        for row in table.row_concepts:
            lines.append(
                [row.label, *(counts.get((row.iri, col.iri), 0) for col in table.col_concepts)]
            )
    else:
        with_studies = all(cell.studies is not None for cell in table.cells)
        lines.append(
            ["row", "row_label", "col", "col_label", "count", *(["studies"] * with_studies)]
        )
        for cell in table.cells:
            line = [cell.row.iri, cell.row.label, cell.col.iri, cell.col.label, cell.count]
            lines.append([*line, " ".join(cell.studies or ())] if with_studies else line)
    return csv_table(lines)


def gaps_csv(gaps: EvidenceGaps) -> bytes:
    """The evidence gaps as CSV, one line per empty pair of values."""
    header: list[object] = ["row", "row_label", "col", "col_label"]
    return csv_table(
        [header, *([gap.row.iri, gap.row.label, gap.col.iri, gap.col.label] for gap in gaps.gaps)]
    )
