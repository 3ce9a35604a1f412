"""Finding studies: filter by review and coded dimensions, count facets, page the answer.

A study matches when, for every dimension filtered, some record in scope (the review's
record, or any collection's without a review) is coded with one of the values given or a
narrower concept: AND across dimensions, OR within one. Facets count, over all matching
studies, each value the records in scope code them with (as CQ1 counts), so adding a
facet value as a filter leaves exactly its count of studies. Sets come from the study
index (``api.evidence.index``); the page's details from the competency queries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from smqi.api.context import AppContext
from smqi.api.evidence.dimensions import (
    BY_NAME,
    BY_PROPERTY,
    DIMENSIONS,
    YEAR,
    CollectionRef,
    ConceptRef,
    Vocabulary,
    collections,
    review_scope,
    vocabulary,
    year_term,
)
from smqi.api.evidence.index import StudyIndex, study_index
from smqi.api.evidence.models import (
    CollectionLink,
    Concept,
    FacetValue,
    StudyPage,
    StudySummary,
    Value,
)
from smqi.api.evidence.queries import Row, Snapshot, api_query, boolean, integer, iri, text
from smqi.api.evidence.text import query_words, study_texts, text_matches
from smqi.api.http.spreadsheet import csv_table
from smqi.api.reconcile.service import study_titles
from smqi.api.store.sparql import BindingValue

FACET_NAMES = (*BY_NAME, YEAR)


@dataclass(frozen=True)
class StudyFilter:
    """A review scope and the values asked for per dimension, resolved to IRIs."""

    review: CollectionRef | None
    concepts: tuple[tuple[str, tuple[ConceptRef, ...]], ...]  # (dimension, values), API order
    years: tuple[int, ...]
    text: str = ""  # words every match's title or summaries hold (api.evidence.text)

    @property
    def collection(self) -> str | None:
        return self.review.iri if self.review else None

    @property
    def key(self) -> str:
        """A canonical text of the filter, the same however the request spelled it."""
        parts = [f"review={self.collection or ''}"]
        parts += [f"{name}={','.join(c.iri for c in values)}" for name, values in self.concepts]
        parts.append(f"year={','.join(str(year) for year in self.years)}")
        parts.append(f"q={' '.join(query_words(self.text))}")
        return "&".join(parts)


def parse_filter(
    snapshot: Snapshot,
    review: str | None,
    values: Mapping[str, Sequence[str]],
    free_text: str | None = None,
) -> StudyFilter:
    """Resolve the review and each label or IRI given; InvalidParameterError names a bad one.
    ``free_text``: free text every match's title or summaries must hold (each of its words)."""
    scope = review_scope(snapshot, review)
    known = vocabulary(snapshot)
    concepts = []
    for dimension in DIMENSIONS:
        given = [value for value in values.get(dimension.name, ()) if value.strip()]
        if given:
            resolved = {known.resolve(dimension, value) for value in given}
            concepts.append((dimension.name, tuple(sorted(resolved, key=lambda c: c.iri))))
    years = {int(year_term(value).value) for value in values.get(YEAR, ()) if value}
    words = " ".join(query_words(free_text or ""))
    return StudyFilter(scope, tuple(concepts), tuple(sorted(years)), words)


def matching(
    index: StudyIndex, known: Vocabulary, query: StudyFilter, snapshot: Snapshot | None = None
) -> int:
    """The bit set of the studies ``query`` selects (its free text needs the ``snapshot``)."""
    collection = query.collection
    bits = index.scope(collection)
    for name, concepts in query.concepts:
        prop = BY_NAME[name].predicate
        wanted = set().union(*(known.with_narrower(c.iri) for c in concepts))
        any_of = 0
        for concept in wanted:
            any_of |= index.coded_with(collection, (prop, concept))
        bits &= any_of
    if query.years:
        any_year = 0
        for year in query.years:
            any_year |= index.years.get(year, 0)
        bits &= any_year
    if query.text and snapshot is not None:
        bits &= text_matches(snapshot, query.text)
    return bits


def find_studies(snapshot: Snapshot, query: StudyFilter, limit: int, offset: int) -> StudyPage:
    """One page of the matching studies, the total, and facet counts over every match."""
    index = study_index(snapshot)
    known = vocabulary(snapshot)
    selected = matching(index, known, query, snapshot)
    filters = {
        name: [Value(iri=c.iri, label=c.label) for c in found] for name, found in query.concepts
    }
    if query.years:
        filters[YEAR] = [Value(label=str(year)) for year in query.years]
    return StudyPage(
        total=selected.bit_count(),
        limit=limit,
        offset=offset,
        review=collection_link(query.review) if query.review else None,
        filters=filters,
        q=query.text or None,
        studies=study_summaries(snapshot, index.iris(selected, offset, limit), query.review),
        facets=facets(index, known, query.collection, selected),
    )


def studies_csv(page: StudyPage) -> bytes:
    """The page's studies as CSV, a line per study and a column per coded dimension (its
    values' labels joined by "; "): the table a comparison or a map is made from."""
    fixed = ["iri", "first_author", "year", "title", "journal", "doi", "pmid", "collections"]
    names = [dimension.name for dimension in DIMENSIONS]
    lines: list[list[object]] = [[*fixed, *names]]
    for study in page.studies:
        line: list[object] = [study.iri, study.first_author, study.year, study.title]
        line += [study.journal or "", study.doi or "", study.pmid or ""]
        line.append("; ".join(link.id for link in study.collections))
        line += ["; ".join(c.label for c in study.coded.get(name, [])) for name in names]
        lines.append(line)
    return csv_table(lines)


def facets(
    index: StudyIndex, known: Vocabulary, collection: str | None, selected: int
) -> dict[str, list[FacetValue]]:
    """For every dimension, the values coded in the selected studies, most studies first."""
    found: dict[str, list[FacetValue]] = {name: [] for name in FACET_NAMES}
    for (prop, concept), bits in index.codes_in(collection).items():
        count = (bits & selected).bit_count()
        if count and prop in BY_PROPERTY:
            found[BY_PROPERTY[prop].name].append(
                FacetValue(iri=concept, label=known.label(concept), count=count)
            )
    for values in found.values():
        values.sort(key=lambda v: (-v.count, v.label.casefold(), v.iri or ""))
    for year, bits in index.years.items():
        count = (bits & selected).bit_count()
        if count:
            found[YEAR].append(FacetValue(label=str(year), count=count))
    return found


def study_summaries(
    snapshot: Snapshot, studies: list[str], review: CollectionRef | None
) -> list[StudySummary]:
    """Bibliographic details, covering collections and coded values of ``studies``, in order."""
    if not studies:
        return []
    targets: list[BindingValue] = [ox.NamedNode(study) for study in studies]
    details = {
        iri(row, "study"): row
        for row in snapshot.select(api_query("study-descriptions"), {"study": targets}).rows
    }
    covering = covering_collections(snapshot, targets)
    provenance = snapshot.select(
        snapshot.competency("cq10-study-provenance"), {"study": targets}
    ).rows
    if review is not None:  # filtered here: bound, the collection would lead the query plan
        provenance = [row for row in provenance if iri(row, "collection") == review.iri]
    superseded = study_index(snapshot).superseded  # counted by their consensus, as in CQ1
    provenance = [row for row in provenance if iri(row, "record") not in superseded]
    coded = coded_values(provenance, by="study")
    summaries = []
    for study in studies:
        row = details.get(study)
        if row is None:
            continue
        summaries.append(
            StudySummary(
                iri=study,
                first_author=text(row, "firstAuthor") or "",
                year=integer(row, "year") or 0,
                title=text(row, "title") or "",
                journal=text(row, "journal"),
                doi=text(row, "doi"),
                pmid=text(row, "pmid"),
                collections=covering.get(study, []),
                coded=coded.get(study, {}),
            )
        )
    return summaries


def covering_collections(
    snapshot: Snapshot, studies: list[BindingValue]
) -> dict[str, list[CollectionLink]]:
    """The collections coding each study (cq12a), by id."""
    rows = snapshot.select(
        snapshot.competency("cq12a-collections-covering-study"), {"study": studies}
    ).rows
    known = collections(snapshot)
    covering: dict[str, dict[str, CollectionLink]] = {}
    for row in rows:
        collection = iri(row, "collection")
        ref = known.get(collection)
        covering.setdefault(iri(row, "study"), {})[collection] = CollectionLink(
            iri=collection,
            id=ref.identifier if ref else collection.rstrip("/").rsplit("/", 1)[-1],
            title=text(row, "collectionTitle"),
            illustrative=boolean(row, "illustrative"),
        )
    return {
        study: sorted(links.values(), key=lambda link: link.id) for study, links in covering.items()
    }


def coded_values(rows: list[Row], by: str) -> dict[str, dict[str, list[Concept]]]:
    """cq10 rows as ``{rows[by]: {dimension: [concepts, by label]}}``, dimensions in API order."""
    grouped: dict[str, dict[str, dict[str, str]]] = {}
    for row in rows:
        dimension = BY_PROPERTY.get(iri(row, "property"))
        if dimension is not None:
            values = grouped.setdefault(iri(row, by), {}).setdefault(dimension.name, {})
            values[iri(row, "value")] = text(row, "valueLabel") or ""
    order = list(BY_NAME)
    return {
        key: {
            name: [
                Concept(iri=concept, label=label)
                for concept, label in sorted(values.items(), key=lambda i: (i[1].casefold(), i[0]))
            ]
            for name, values in sorted(dimensions.items(), key=lambda i: order.index(i[0]))
        }
        for key, dimensions in grouped.items()
    }


def collection_link(ref: CollectionRef) -> CollectionLink:
    return CollectionLink(
        iri=ref.iri, id=ref.identifier, title=ref.title, illustrative=ref.illustrative
    )


def prepare(context: AppContext) -> None:
    """Compute what the evidence answers share (concept labels, collections, the study
    index) for the dataset version being served, so that the first requests after a start
    or a reload do not wait for it (about 10 s at 100k studies)."""
    snapshot = Snapshot.of(context)
    vocabulary(snapshot)
    collections(snapshot)
    study_index(snapshot)
    study_texts(snapshot)  # the free-text search's
    study_titles(snapshot)  # the reconciliation service's index
