"""The evidence map: a grid of two coded dimensions with the number of studies in every cell,
empty cells (evidence gaps) included, and the studies of one chosen cell. It is what
EPPI-Mapper draws from a review's coding, read here from the same index as ``/summary`` and
``/gaps`` (CQ2, CQ3), so the three agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from smqi.api.evidence.dimensions import (
    CollectionRef,
    Dimension,
    collections,
    vocabulary,
)
from smqi.api.evidence.index import study_index
from smqi.api.evidence.models import Concept, StudySummary
from smqi.api.evidence.queries import Snapshot
from smqi.api.evidence.search import study_summaries
from smqi.api.evidence.summary import cross_tabulate

LISTED_STUDIES = 200  # of a chosen cell; the JSON and CSV of /summary list every one


@dataclass(frozen=True)
class ChosenCell:
    row: Concept
    col: Concept
    count: int
    studies: list[StudySummary]  # the first LISTED_STUDIES, in listing order


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

    @property
    def largest(self) -> int:
        return max(self.counts.values(), default=0)


def _sorted(concepts: dict[str, str]) -> list[Concept]:
    ordered = sorted(concepts.items(), key=lambda item: (item[1].casefold(), item[0]))
    return [Concept(iri=iri, label=label) for iri, label in ordered]


def evidence_map(
    snapshot: Snapshot,
    rows: Dimension,
    cols: Dimension,
    review: CollectionRef | None,
    chosen: tuple[str, str] | None = None,
) -> EvidenceMap:
    """The grid of ``rows`` by ``cols`` in ``review``'s records (every collection's without
    one): every codeable value of each, and the studies of the ``chosen`` (row, col) cell."""
    known = vocabulary(snapshot)
    table = cross_tabulate(snapshot, rows, cols, review, with_studies=False)
    row_labels = {iri: known.label(iri) for iri in known.leaves(rows.scheme)}
    col_labels = {iri: known.label(iri) for iri in known.leaves(cols.scheme)}
    row_labels |= {c.iri: c.label for c in table.row_concepts}
    col_labels |= {c.iri: c.label for c in table.col_concepts}
    cell: ChosenCell | None = None
    if chosen is not None and chosen[0] in row_labels and chosen[1] in col_labels:
        index = study_index(snapshot)
        collection = review.iri if review else None
        bits = index.coded_with_both(
            collection, (rows.predicate, chosen[0]), (cols.predicate, chosen[1])
        )
        listed = index.iris(bits, 0, LISTED_STUDIES)
        cell = ChosenCell(
            row=Concept(iri=chosen[0], label=row_labels[chosen[0]]),
            col=Concept(iri=chosen[1], label=col_labels[chosen[1]]),
            count=bits.bit_count(),
            studies=study_summaries(snapshot, listed, review),
        )
    return EvidenceMap(
        rows=rows,
        cols=cols,
        review=review,
        collections=sorted(
            collections(snapshot).values(), key=lambda r: (r.illustrative, r.identifier)
        ),
        row_concepts=_sorted(row_labels),
        col_concepts=_sorted(col_labels),
        counts={(c.row.iri, c.col.iri): c.count for c in table.cells},
        chosen=cell,
    )
