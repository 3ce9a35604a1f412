"""The evidence pages for people (no FastAPI here): what a browser gets from ``/studies``,
``/studies/{id}`` and a study's IRI, ``/summary``, ``/gaps``, ``/reviews``, ``/reviews/{id}``
and ``/concepts/...``, rendered from the same answers the JSON clients get.

Every page that shows studies carries the illustrative-data statement (``Notice``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from smqi.api.evidence.dimensions import BY_NAME, BY_SCHEME, DIMENSIONS, YEAR, vocabulary
from smqi.api.evidence.errors import EvidenceError
from smqi.api.evidence.index import study_index
from smqi.api.evidence.models import (
    CollectionDetail,
    CollectionList,
    ConceptDetail,
    ConceptScheme,
    CrossTabulation,
    EvidenceGaps,
    SchemeList,
    StudyDetail,
    StudyPage,
)
from smqi.api.evidence.queries import Snapshot
from smqi.api.fair.dataset_description import current_facts
from smqi.api.pages.templating import Notice, query_string, render_page, words_in_sentence
from smqi.loader.reviews import PRISMA_COUNTS

Local = Callable[[str], str | None]

# A dimension as a reader names it.
DIMENSION_TITLES = {
    "platform": "Social media platform",
    "population": "User population",
    "communication_model": "Communication model",
    "activity": "QI activity",
    "stage": "QI-cycle stage",
    "country": "Country",
    "model_of_use": "Model of use",
    "theme": "Theme",
    "study_design": "Study design",
    YEAR: "Publication year",
}
PAGE_SIZES = (20, 50, 100)
# The PRISMA 2020 flow diagram's boxes in words, in the order the loader reads them.
PRISMA_WORDS = {
    "records_identified": "Records identified",
    "duplicates_removed": "Duplicate records removed",
    "records_screened": "Records screened",
    "records_excluded": "Records excluded",
    "reports_sought": "Reports sought for retrieval",
    "reports_not_retrieved": "Reports not retrieved",
    "reports_assessed": "Reports assessed for eligibility",
    "reports_excluded": "Reports excluded",
    "reports_included": "Reports included",
    "studies_included": "Studies included",
}
PRISMA_STEPS = tuple((key, PRISMA_WORDS[key]) for key in PRISMA_COUNTS)
RDF_FORMATS = (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("rdf", "RDF/XML"), ("nt", "N-Triples"))


def notice_of(snapshot: Snapshot) -> Notice | None:
    """The illustrative-data statement for the dataset the snapshot reads (None: no data)."""
    facts = current_facts(snapshot.context)
    return Notice.of(facts) if facts.dataset is not None else None


def doi_url(doi: str | None) -> str | None:
    return f"https://doi.org/{doi}" if doi else None


def pubmed_url(pmid: str | None) -> str | None:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None


def pmc_url(pmcid: str | None) -> str | None:
    return f"https://www.ncbi.nlm.nih.gov/pmc/articles/{pmcid}/" if pmcid else None


def alignment_name(iri: str) -> str:
    """``MeSH D012345`` or ``Wikidata Q918`` for an alignment target, else its IRI."""
    tail = iri.rstrip("/").rsplit("/", 1)[-1]
    if "id.nlm.nih.gov/mesh/" in iri:
        return f"MeSH {tail}"
    if "wikidata.org/" in iri:
        return f"Wikidata {tail}"
    return iri


# -- /studies -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One value of a facet: checked when it is a filter, with its count of matches."""

    value: str  # what the parameter takes (the label: readable, shareable URLs)
    label: str
    count: int
    checked: bool


@dataclass(frozen=True)
class Facet:
    name: str
    title: str
    choices: list[Choice]


@dataclass(frozen=True)
class Pages:
    words: str
    previous: str | None
    next: str | None


@dataclass(frozen=True)
class Chip:
    """An applied filter, with the link that removes it."""

    title: str
    label: str
    remove: str


@dataclass
class StudiesView:
    page: StudyPage
    params: list[tuple[str, str]]
    facets: list[Facet] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)


def _without(params: list[tuple[str, str]], drop: tuple[str, str] | None, **set_: str) -> str:
    kept = [(k, v) for k, v in params if (k, v) != drop and k not in set_ and k != "offset"]
    kept += [(k, v) for k, v in set_.items() if v]
    return "/studies" + query_string(kept)


def studies_view(page: StudyPage, params: list[tuple[str, str]]) -> StudiesView:
    """The studies page's facets (checked where filtered), chips, pager and exports."""
    view = StudiesView(page, params)
    for name in (*BY_NAME, YEAR):
        chosen = {v.iri or v.label: v for v in page.filters.get(name, [])}
        choices = [
            Choice(v.label, v.label, v.count, (v.iri or v.label) in chosen)
            for v in page.facets.get(name, [])
        ]
        shown = {c.label for c in choices}
        choices += [
            Choice(v.label, v.label, 0, True) for v in chosen.values() if v.label not in shown
        ]
        if name == YEAR:
            choices.sort(key=lambda c: c.label)
        if choices:
            view.facets.append(Facet(name, DIMENSION_TITLES[name], choices))
        for value in chosen.values():
            given = [v for k, v in params if k == name]
            spelt = next(
                (
                    g
                    for g in given
                    if g.casefold() in (value.label.casefold(), (value.iri or "").casefold())
                ),
                value.label,
            )
            view.chips.append(
                Chip(DIMENSION_TITLES[name], value.label, _without(params, (name, spelt)))
            )
    if page.q:
        view.chips.append(Chip("Text", page.q, _without(params, None, q="")))
    if page.review is not None:
        view.chips.append(Chip("Review", page.review.id, _without(params, None, review="")))
    return view


def pages_of(page: StudyPage) -> Pages:
    if not page.total:
        return Pages("No studies", None, None)
    last = min(page.offset + page.limit, page.total)
    return Pages(f"Studies {page.offset + 1}–{last} of {page.total}", page.previous, page.next)


def export_links(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(words, URL) of the shown page's studies in each export format."""
    kept = [(k, v) for k, v in params if k != "format"]
    return [
        (words, "/studies" + query_string([*kept, ("format", name)]))
        for name, words in (
            ("csv", "CSV"),
            ("ris", "RIS"),
            ("bibtex", "BibTeX"),
            ("json", "JSON"),
        )
    ]


def render_studies(
    page: StudyPage,
    params: list[tuple[str, str]],
    collections: Sequence[tuple[str, str]],
    notice: Notice | None,
    local: Local,
) -> str:
    """The search page: the form (text, review, facets with counts), the matches, exports."""
    view = studies_view(page, params)
    return render_page(
        "studies.html",
        title="Studies",
        section="/studies",
        notice=notice,
        view=view,
        page=page,
        pages=pages_of(page),
        exports=export_links(params),
        collections=collections,
        sizes=PAGE_SIZES,
        titles=DIMENSION_TITLES,
        review=page.review.id if page.review else "",
        local=local,
    )


# -- one study ------------------------------------------------------------------------------


def render_study(detail: StudyDetail, notice: Notice | None, local: Local, ld_path: str) -> str:
    """A reader's page: citation, links, what each collection coded, provenance in words."""
    illustrative = any(r.collection.illustrative for r in detail.records)
    return render_page(
        "study.html",
        title=detail.title or detail.iri,
        section="/studies",
        notice=notice if illustrative else None,
        study=detail,
        doi_url=doi_url(detail.doi),
        pubmed_url=pubmed_url(detail.pmid),
        titles=DIMENSION_TITLES,
        local=local,
        rdf_formats=RDF_FORMATS,
        ld_path=ld_path,
        unloaded=notice.unloaded if notice else (),
    )


# -- reviews --------------------------------------------------------------------------------


def render_reviews(collections: CollectionList, notice: Notice | None) -> str:
    return render_page(
        "reviews.html", title="Reviews", section="/reviews", notice=notice, reviews=collections
    )


def render_review(
    review: CollectionDetail, themes: ConceptScheme | None, notice: Notice | None, local: Local
) -> str:
    return render_page(
        "review.html",
        title=review.title,
        section="/reviews",
        notice=notice,
        review=review,
        themes=concept_tree(themes) if themes else [],
        doi_url=doi_url(review.doi),
        pubmed_url=pubmed_url(review.pmid),
        pmc_url=pmc_url(review.pmcid),
        supplement_url=doi_url(review.supplement_doi),
        local=local,
        rdf_formats=RDF_FORMATS,
        titles=DIMENSION_TITLES,
        prisma_steps=PRISMA_STEPS,
    )


# -- concepts -------------------------------------------------------------------------------


@dataclass
class Node:
    concept: ConceptDetail
    count: int | None  # studies coded with it or a narrower concept; None: not a dimension
    studies_href: str | None
    children: list[Node] = field(default_factory=list)


def rolled_up_counts(snapshot: Snapshot, scheme: ConceptScheme) -> dict[str, int]:
    """Per concept, the studies coded with it or any narrower concept (what the filtered
    study list answers), in the scheme's review scope."""
    dimension = BY_NAME.get(scheme.dimension or "")
    if dimension is None:
        return {}
    index, known = study_index(snapshot), vocabulary(snapshot)
    collection = scheme.review.iri if scheme.review else None
    counts: dict[str, int] = {}
    for concept in scheme.concepts:
        bits = 0
        for narrower in known.with_narrower(concept.iri):
            bits |= index.coded_with(collection, (dimension.predicate, narrower))
        counts[concept.iri] = bits.bit_count()
    return counts


def concept_tree(scheme: ConceptScheme, counts: dict[str, int] | None = None) -> list[Node]:
    """The scheme's concepts as a forest: top concepts (no broader concept in the scheme),
    each with its narrower ones, in label order."""
    counts = counts or {}
    review = scheme.review.id if scheme.review else ""
    nodes = {
        c.iri: Node(
            c,
            counts.get(c.iri),
            (
                "/studies" + query_string([(scheme.dimension, c.pref_label), ("review", review)])
                if scheme.dimension and c.iri in counts
                else None
            ),
        )
        for c in scheme.concepts
    }
    roots: list[Node] = []
    for node in nodes.values():
        parents = [nodes[b] for b in node.concept.broader if b in nodes]
        for parent in parents:
            parent.children.append(node)
        if not parents:
            roots.append(node)
    return roots


def render_concept_index(schemes: SchemeList) -> str:
    return render_page(
        "concepts.html", title="Concept schemes", section="/concepts", schemes=schemes.schemes
    )


def render_scheme(
    scheme: ConceptScheme, counts: dict[str, int], notice: Notice | None, local: Local
) -> str:
    return render_page(
        "scheme.html",
        title=scheme.scheme.label,
        section="/concepts",
        notice=notice if counts else None,
        scheme=scheme,
        tree=concept_tree(scheme, counts),
        dimension_title=DIMENSION_TITLES.get(scheme.dimension or ""),
        alignment_name=alignment_name,
        local=local,
    )


# -- /summary and /gaps ---------------------------------------------------------------------


def _cell_href(rows: str, row: str, cols: str, col: str, review: str | None) -> str:
    return "/studies" + query_string([(rows, row), (cols, col), ("review", review)])


def render_summary(table: CrossTabulation, notice: Notice | None) -> str:
    review = table.review.id if table.review else None
    cells = [
        (cell, _cell_href(table.rows, cell.row.label, table.cols, cell.col.label, review))
        for cell in table.cells
    ]
    same = query_string([("rows", table.rows), ("cols", table.cols), ("review", review)])
    return render_page(
        "summary.html",
        title=f"{DIMENSION_TITLES[table.rows]} by "
        f"{words_in_sentence(DIMENSION_TITLES[table.cols])}",
        section="/map",
        notice=notice,
        table=table,
        cells=cells,
        same=same,
        titles=DIMENSION_TITLES,
    )


def render_gaps(gaps: EvidenceGaps, notice: Notice | None) -> str:
    review = gaps.review.id if gaps.review else None
    same = query_string([("rows", gaps.rows), ("cols", gaps.cols), ("review", review)])
    return render_page(
        "gaps.html",
        title=f"Evidence gaps: {DIMENSION_TITLES[gaps.rows]} by "
        f"{words_in_sentence(DIMENSION_TITLES[gaps.cols])}",
        section="/map",
        notice=notice,
        gaps=gaps,
        same=same,
        titles=DIMENSION_TITLES,
    )


# -- errors ---------------------------------------------------------------------------------


def render_problem(error: EvidenceError) -> str:
    """An error for a person: what went wrong, and what would have been accepted."""
    heading = "Not found" if error.status == 404 else "That request could not be answered"
    known = error.details.get("known") or error.details.get("closest") or []
    return render_page(
        "problem.html",
        title=heading,
        heading=heading,
        message=str(error),
        known=[str(value) for value in known] if isinstance(known, list) else [],
    )


def dimension_choices() -> list[tuple[str, str]]:
    """(parameter name, title) of every coded dimension, in API order."""
    return [(d.name, DIMENSION_TITLES[d.name]) for d in DIMENSIONS]


def scheme_dimension(scheme: str) -> str | None:
    dimension = BY_SCHEME.get(scheme)
    return dimension.name if dimension else None
