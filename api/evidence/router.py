"""The evidence API: studies with filters and facets, the descriptive summary and its gaps,
reviews, concept schemes and one study's provenance, as JSON (the summary also as CSV).

Each URL is also a page for people: a browser (whose Accept rates HTML above JSON) gets the
page ``api.pages.views`` renders from the same answer, a client gets JSON; ``format=`` (json,
html, csv, and for studies ris or bibtex) overrides the Accept header.

Handlers parse the request, call a function of ``api.evidence.search*`` and render its answer.
Every answer is cached per dataset version and carries an ETag and Last-Modified
(``api.http.caching``); a request with a matching If-None-Match or If-Modified-Since gets 304.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from smqi.api.context import AppContext
from smqi.api.evidence.citations import BIBTEX, RIS, studies_bibtex, studies_ris
from smqi.api.evidence.concepts import concept_scheme
from smqi.api.evidence.dimensions import (
    BY_NAME,
    SCHEMES,
    YEAR,
    YEAR_PATTERN,
    codebooks,
    collections,
    dimension_named,
    review_scope,
)
from smqi.api.evidence.errors import EvidenceError, InvalidParameterError
from smqi.api.evidence.models import (
    CollectionDetail,
    CollectionList,
    ConceptScheme,
    CrossTabulation,
    EvidenceGaps,
    SchemeList,
    SchemeSummary,
    StudyDetail,
    StudyPage,
)
from smqi.api.evidence.queries import Snapshot
from smqi.api.evidence.reviews import collection_detail, list_collections
from smqi.api.evidence.search import find_studies, parse_filter, studies_csv
from smqi.api.evidence.study import find_study, study_detail
from smqi.api.evidence.summary import (
    cross_tabulate,
    cross_tabulation_csv,
    evidence_gaps,
    gaps_csv,
    has_more,
)
from smqi.api.http.caching import Representation, respond
from smqi.api.http.dependencies import get_context
from smqi.api.http.negotiation import choose_or_refuse
from smqi.api.http.openapi import answers, one_of, refusals
from smqi.api.http.problems import problem
from smqi.api.linked_data.describe import IriSpace
from smqi.api.pages import views

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["Evidence"])

JSON = "application/json"
CSV = "text/csv"
HTML = "text/html"
HTML_PAGE = "text/html; charset=utf-8"
# format= names; a media type is taken as itself
FORMATS = {"json": JSON, "csv": CSV, "html": HTML, "ris": RIS, "bibtex": BIBTEX, "bib": BIBTEX}
PAGE_TYPES = (JSON, HTML)  # JSON first: a client that accepts anything gets JSON
TABLE_TYPES = (JSON, HTML, CSV)
MAX_LIMIT = 100
# /summary (JSON): the studies each cell lists at most, as many as a page of /studies. At 1M
# studies every list whole took 248 MB and 5-6 s to write; 1000 a cell, 2 MB and 6 ms warm.
PER_CELL = MAX_LIMIT
MAX_PER_CELL = 100_000
# What every evidence route may refuse (a page to a browser, a problem to a client).
ERRORS = refusals(304, 400, 404, 406, pages=True)
PAGE_ANSWERS = {**answers(HTML), **ERRORS}
TABLE_ANSWERS = {**answers(HTML, CSV), **ERRORS}
CSV_EXAMPLE = (
    "row,row_label,col,col_label,count,studies\r\n"
    "https://w3id.org/smqi/vocab/platform/twitter,Twitter,"
    "https://w3id.org/smqi/vocab/communication-model/many-to-many,many-to-many,8,"
    "https://w3id.org/smqi/id/study/doi/10.2196/humanfactors.7856 ...\r\n"
)

DIMENSION_VALUES = (
    "Several values are ORed (repeat the parameter); dimensions are ANDed. A value is a "
    "concept's IRI, prefLabel or altLabel (any case); a concept also finds studies coded "
    "with a narrower one."
)


def _json(model: BaseModel) -> Representation:
    return Representation(model.model_dump_json().encode("utf-8"), JSON)


def _key(request: Request, names: tuple[str, ...], media_type: str = JSON) -> str:
    """The request as it determines the answer: path, the known parameters sorted, type."""
    items = sorted((k, v) for k, v in request.query_params.multi_items() if k in names)
    return f"{request.url.path}?{urlencode(items)}|{media_type}"


def _media_type(request: Request, format_: str | None, offered: tuple[str, ...]) -> str:
    """What the client gets: ``format=`` if given (a name or media type), else the offered
    type its Accept header rates highest (NotAcceptableError when none)."""
    if format_ and format_.strip():
        wanted = format_.strip().lower()
        chosen = FORMATS.get(wanted, wanted)
        if chosen in offered:
            return chosen
        names = sorted(name for name, media_type in FORMATS.items() if media_type in offered)
        raise InvalidParameterError(
            f"format={format_!r} is not offered here; use one of {', '.join(names)}",
            {"parameter": "format", "value": format_, "known": names},
        )
    return choose_or_refuse(request.headers.get("accept"), offered, what="this resource")


def _page(html: str) -> Representation:
    return Representation(html.encode("utf-8"), HTML_PAGE)


def _answer(
    request: Request,
    context: AppContext,
    names: tuple[str, ...],
    render: Callable[[Snapshot, str], Representation],
    offered: tuple[str, ...] = PAGE_TYPES,
    format_: str | None = None,
    more_key: str = "",
) -> Response:
    """The answer in the negotiated type, cached per dataset version under the request's
    path, its parameters ``names`` and the type; an error as a JSON problem, or as a page
    to a browser."""
    try:
        media_type = _media_type(request, format_, offered)
    except EvidenceError as error:
        return problem(error)
    key = _key(request, names, media_type) + more_key
    try:
        return respond(request, context, key, lambda s: render(s, media_type), vary="Accept")
    except EvidenceError as error:
        if media_type != HTML:
            return problem(error)
        page = _page(views.render_problem(error))
        headers = {**dict(page.headers), "Vary": "Accept"}
        return Response(page.body, error.status, headers, page.media_type)


STUDY_PARAMETERS = ("review", *BY_NAME, YEAR, "q", "limit", "offset")


def _format_names(offered: tuple[str, ...]) -> dict[str, object]:
    """The ``format=`` names of ``offered`` as an enum (blank: by Accept)."""
    return one_of(
        (name for name, media_type in FORMATS.items() if media_type in offered), blank=True
    )


TableFormat = Annotated[
    str | None,
    Query(
        alias="format",
        description="json, csv or html: overrides the Accept header.",
        json_schema_extra=_format_names(TABLE_TYPES),
    ),
]
PageFormat = Annotated[
    str | None,
    Query(
        alias="format",
        description="json or html: overrides the Accept header.",
        json_schema_extra=_format_names(PAGE_TYPES),
    ),
]
StudiesFormat = Annotated[
    str | None,
    Query(
        alias="format",
        description="json, csv, html, ris or bibtex: overrides the Accept header. RIS and "
        "BibTeX carry the page's studies as references for a reference manager.",
        json_schema_extra=_format_names((*TABLE_TYPES, RIS, BIBTEX)),
    ),
]


@router.get(
    "/studies",
    response_model=StudyPage,
    responses={**answers(HTML, CSV, RIS, BIBTEX), **ERRORS},
    summary="Find studies by text, review and coded dimensions, with facet counts",
)
def get_studies(
    request: Request,
    context: Context,
    review: Annotated[
        str | None,
        Query(
            description="Only what this review or collection coded: its id or IRI.",
            examples=["illustrative-extraction"],
        ),
    ] = None,
    platform: Annotated[
        list[str] | None,
        Query(description=f"Social media platform. {DIMENSION_VALUES}", examples=["Twitter"]),
    ] = None,
    population: Annotated[
        list[str] | None,
        Query(description=f"User population. {DIMENSION_VALUES}", examples=["patients"]),
    ] = None,
    communication_model: Annotated[
        list[str] | None,
        Query(description=f"Communication model. {DIMENSION_VALUES}", examples=["two-way"]),
    ] = None,
    activity: Annotated[
        list[str] | None,
        Query(description=f"QI activity. {DIMENSION_VALUES}", examples=["co-design"]),
    ] = None,
    stage: Annotated[
        list[str] | None,
        Query(description=f"QI-cycle stage. {DIMENSION_VALUES}", examples=["plan"]),
    ] = None,
    country: Annotated[
        list[str] | None,
        Query(
            description=f"Country (a name or ISO 3166 code). {DIMENSION_VALUES}",
            examples=["Australia"],
        ),
    ] = None,
    model_of_use: Annotated[
        list[str] | None, Query(description=f"Model of use. {DIMENSION_VALUES}")
    ] = None,
    theme: Annotated[
        list[str] | None, Query(description=f"Reported theme. {DIMENSION_VALUES}")
    ] = None,
    year: Annotated[
        list[str] | None,
        Query(
            description="Publication year; several are ORed.",
            examples=["2016"],
            json_schema_extra={"items": {"type": "string", "pattern": YEAR_PATTERN}},
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Free text: every word must start a word of the study's title or "
            "of a summary coded for it (case and accents ignored).",
            examples=["patient feedback"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Studies per page.")] = 20,
    offset: Annotated[int, Query(ge=0, description="Studies to skip.")] = 0,
    format_: StudiesFormat = None,
) -> Response:
    """Studies matching every dimension filtered (AND) with any of its values (OR), in
    order of year, first author and IRI; ``facets`` counts, for every dimension, the
    matching studies coded with each value. Unknown labels give 400 with the closest ones.
    As CSV (``Accept: text/csv`` or ``format=csv``): the page's studies, a column per
    dimension, with the next and previous pages in a ``Link`` header; as RIS or BibTeX
    (``format=ris``, ``format=bibtex``) the page's studies as references. A browser gets the
    search page."""
    given = {
        "platform": platform,
        "population": population,
        "communication_model": communication_model,
        "activity": activity,
        "stage": stage,
        "country": country,
        "model_of_use": model_of_use,
        "theme": theme,
        YEAR: year,
    }
    values = {name: found for name, found in given.items() if found}

    def render(snapshot: Snapshot, media_type: str) -> Representation:
        query = parse_filter(snapshot, review, values, q)
        page = find_studies(snapshot, query, limit, offset)
        if offset + limit < page.total:
            page.next = _page_link(request, offset + limit)
        if offset > 0:
            page.previous = _page_link(request, max(0, offset - limit))
        if media_type == HTML:
            params = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
            choices = [
                (
                    ref.identifier,
                    ref.identifier + (" (illustrative, not a review)" if ref.illustrative else ""),
                )
                for ref in sorted(
                    collections(snapshot).values(), key=lambda r: (r.illustrative, r.identifier)
                )
            ]
            local = IriSpace(snapshot.base_iri).local_path
            notice = views.notice_of(snapshot)
            return _page(views.render_studies(page, params, choices, notice, local))
        if media_type in (RIS, BIBTEX):
            body = studies_ris(page.studies) if media_type == RIS else studies_bibtex(page.studies)
            name = "studies.ris" if media_type == RIS else "studies.bib"
            disposition = (("Content-Disposition", f'attachment; filename="{name}"'),)
            return Representation(body, media_type, disposition)
        if media_type == CSV:
            pages = [(page.next, "next"), (page.previous, "prev")]
            links = ", ".join(f'<{link}>; rel="{rel}"' for link, rel in pages if link)
            headers = (("Link", links),) if links else ()
            return Representation(studies_csv(page), CSV, headers)
        return _json(page)

    offered = (*TABLE_TYPES, RIS, BIBTEX)
    return _answer(request, context, STUDY_PARAMETERS, render, offered, format_)


def _page_link(request: Request, offset: int) -> str:
    items = sorted(
        (k, v)
        for k, v in request.query_params.multi_items()
        if k in (*STUDY_PARAMETERS[:-1], "format")
    )
    return f"{request.url.path}?{urlencode([*items, ('offset', str(offset))])}"


@router.get(
    "/studies/{identifier:path}",
    response_model=StudyDetail,
    responses=PAGE_ANSWERS,
    summary="One study: everything coded for it, with provenance",
)
def get_study(
    request: Request,
    context: Context,
    identifier: Annotated[
        str,
        Path(
            description="doi/<DOI>, pmid/<PMID> or ref/<key> as in the study's IRI; "
            "a bare DOI or PMID works too.",
            examples=["doi/10.1136/bmjqs-2015-004309"],
        ),
    ],
    format_: PageFormat = None,
) -> Response:
    """What each collection coded for the study (CQ10), who coded it, when, and from which
    sheet and row of which build. A browser gets the study's page."""

    def render(snapshot: Snapshot, media_type: str) -> Representation:
        detail = study_detail(snapshot, find_study(snapshot, identifier))
        if media_type == HTML:
            local = IriSpace(snapshot.base_iri).local_path
            path = local(detail.iri) or ""
            return _page(views.render_study(detail, views.notice_of(snapshot), local, path))
        return _json(detail)

    return _answer(request, context, (), render, PAGE_TYPES, format_)


DimensionName = Annotated[
    str,
    Query(
        description=f"A dimension: {', '.join(BY_NAME)}.",
        examples=["platform"],
        json_schema_extra=one_of(BY_NAME),
    ),
]
Review = Annotated[
    str | None,
    Query(description="Only this review's or collection's records: its id or IRI."),
]


@router.get(
    "/summary",
    response_model=CrossTabulation,
    responses={200: {"content": {HTML: {}, CSV: {"example": CSV_EXAMPLE}}}, **ERRORS},
    summary="Cross-tabulate two dimensions, with the studies behind each cell",
)
def get_summary(
    request: Request,
    context: Context,
    rows: DimensionName,
    cols: Annotated[
        str,
        Query(
            description="The second dimension.",
            examples=["communication_model"],
            json_schema_extra=one_of(BY_NAME),
        ),
    ],
    review: Review = None,
    format_: TableFormat = None,
    layout: Annotated[
        str,
        Query(
            pattern="^(long|matrix)$",
            json_schema_extra=one_of(("long", "matrix")),
            description="CSV only: long (a line per non-empty cell, with its studies) or "
            "matrix (counts, row values down and column values across).",
        ),
    ] = "long",
    studies: Annotated[
        bool,
        Query(description="List the studies behind each cell (false: counts only)."),
    ] = True,
    per_cell: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_PER_CELL,
            description="JSON: the most studies a cell lists (the CSV lists them all); "
            "next pages through the rest.",
        ),
    ] = PER_CELL,
    cell_offset: Annotated[
        int, Query(ge=0, description="JSON: skip this many of each cell's studies.")
    ] = 0,
) -> Response:
    """CQ2: how many studies one record codes with both values, for every pair of values
    that has any (JSON, or CSV by ``Accept: text/csv`` or ``format=csv``; a page to a
    browser)."""

    def render(snapshot: Snapshot, media_type: str) -> Representation:
        scope = review_scope(snapshot, review)
        paged = media_type == JSON
        table = cross_tabulate(
            snapshot,
            dimension_named(rows, "rows"),
            dimension_named(cols, "cols"),
            scope,
            studies and media_type != HTML,
            per_cell if paged else None,
            cell_offset if paged else 0,
        )
        if media_type == HTML:
            return _page(views.render_summary(table, views.notice_of(snapshot)))
        if media_type == CSV:
            return Representation(cross_tabulation_csv(table, layout == "matrix"), CSV)
        if has_more(table):
            table.next = _summary_link(request, cell_offset + per_cell)
        return _json(table)

    names = ("rows", "cols", "review", "layout", "per_cell", "cell_offset")
    return _answer(request, context, names, render, TABLE_TYPES, format_, f"|{studies}")


def _summary_link(request: Request, cell_offset: int) -> str:
    items = sorted(
        (k, v) for k, v in request.query_params.multi_items() if k not in ("cell_offset",)
    )
    return f"{request.url.path}?{urlencode([*items, ('cell_offset', str(cell_offset))])}"


@router.get(
    "/gaps",
    response_model=EvidenceGaps,
    responses=TABLE_ANSWERS,
    summary="Evidence gaps: pairs of values of two dimensions that no study has",
)
def get_gaps(
    request: Request,
    context: Context,
    rows: DimensionName,
    cols: Annotated[
        str,
        Query(
            description="The second dimension.",
            examples=["communication_model"],
            json_schema_extra=one_of(BY_NAME),
        ),
    ],
    review: Review = None,
    format_: TableFormat = None,
) -> Response:
    """CQ3: every pair of codeable (leaf) values of the two dimensions that no record codes
    together (JSON, or CSV; a page to a browser)."""

    def render(snapshot: Snapshot, media_type: str) -> Representation:
        scope = review_scope(snapshot, review)
        gaps = evidence_gaps(
            snapshot, dimension_named(rows, "rows"), dimension_named(cols, "cols"), scope
        )
        if media_type == HTML:
            return _page(views.render_gaps(gaps, views.notice_of(snapshot)))
        if media_type == CSV:
            return Representation(gaps_csv(gaps), CSV)
        return _json(gaps)

    return _answer(request, context, ("rows", "cols", "review"), render, TABLE_TYPES, format_)


@router.get(
    "/reviews",
    response_model=CollectionList,
    responses=PAGE_ANSWERS,
    summary="Reviews, and the illustrative extraction (flagged: it is not a review)",
)
def get_reviews(request: Request, context: Context, format_: PageFormat = None) -> Response:
    """Every evidence collection with its study counts: reported by the review, and loaded
    in this graph."""

    def render(snapshot: Snapshot, media_type: str) -> Representation:
        found = list_collections(snapshot)
        if media_type == HTML:
            return _page(views.render_reviews(found, views.notice_of(snapshot)))
        return _json(found)

    return _answer(request, context, (), render, PAGE_TYPES, format_)


@router.get(
    "/reviews/{identifier}",
    response_model=CollectionDetail,
    responses=PAGE_ANSWERS,
    summary="A review's record, findings (with sources), codebook and counts",
)
def get_review(
    request: Request,
    context: Context,
    identifier: Annotated[
        str, Path(description="The review's or collection's id.", examples=["walsh-2021"])
    ],
    format_: PageFormat = None,
) -> Response:
    """The published record of a review (or the illustrative extraction), its findings in
    order with their sources (CQ11), its coded dimensions, and its study counts."""

    def render(snapshot: Snapshot, media_type: str) -> Representation:
        detail = collection_detail(snapshot, identifier)
        if media_type != HTML:
            return _json(detail)
        # the review's own theme codebook (e.g. walsh-2022-themes), as it published it
        own = [
            name
            for name, (shared, collection, _) in codebooks(snapshot).items()
            if shared == "theme" and collection == detail.iri
        ]
        themes = concept_scheme(snapshot, own[0], None) if own else None
        local = IriSpace(snapshot.base_iri).local_path
        return _page(views.render_review(detail, themes, views.notice_of(snapshot), local))

    return _answer(request, context, (), render, PAGE_TYPES, format_)


@router.get(
    "/concepts/{scheme}",
    response_model=ConceptScheme,
    responses=PAGE_ANSWERS,
    summary="The concepts of a scheme, with alignments and study counts",
)
def get_concepts(
    request: Request,
    context: Context,
    scheme: Annotated[
        str, Path(description=f"One of {', '.join(SCHEMES)}.", examples=["platform"])
    ],
    review: Review = None,
    format_: PageFormat = None,
) -> Response:
    """Each concept's labels, definition, broader concepts, notations, MeSH / Wikidata
    matches, and how many studies are coded with it (in ``review`` if given)."""

    def render(snapshot: Snapshot, media_type: str) -> Representation:
        scope = review_scope(snapshot, review)
        found = concept_scheme(snapshot, scheme, scope)
        if media_type != HTML:
            return _json(found)
        counts = views.rolled_up_counts(snapshot, found)
        local = IriSpace(snapshot.base_iri).local_path
        return _page(views.render_scheme(found, counts, views.notice_of(snapshot), local))

    return _answer(request, context, ("review",), render, PAGE_TYPES, format_)


@router.get(
    "/concepts",
    response_model=SchemeList,
    responses=PAGE_ANSWERS,
    summary="The concept schemes: the coded dimensions' values and the topics",
)
def get_schemes(request: Request, context: Context, format_: PageFormat = None) -> Response:
    """Every concept scheme /concepts/{scheme} serves, with its label, definition, the
    /studies parameter it is the values of, and how many concepts it has."""

    def render(snapshot: Snapshot, media_type: str) -> Representation:
        found = SchemeList(
            schemes=[
                SchemeSummary(
                    iri=detail.scheme.iri,
                    id=name,
                    label=detail.scheme.label,
                    definition=detail.definition,
                    dimension=detail.dimension,
                    concepts=len(detail.concepts),
                )
                for name in SCHEMES
                for detail in (concept_scheme(snapshot, name, None),)
            ]
        )
        if media_type == HTML:
            return _page(views.render_concept_index(found))
        return _json(found)

    return _answer(request, context, (), render, PAGE_TYPES, format_)
