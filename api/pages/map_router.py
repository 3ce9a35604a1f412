"""``/map``: the evidence map page, its SVG and CSV exports, cached per dataset version
like the evidence answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from smqi.api.context import AppContext
from smqi.api.evidence.dimensions import (
    BY_NAME,
    DIMENSIONS,
    YEAR_PATTERN,
    Dimension,
    dimension_named,
    vocabulary,
    year_term,
)
from smqi.api.evidence.errors import EvidenceError, InvalidParameterError
from smqi.api.evidence.grid import MapRequest, evidence_map
from smqi.api.evidence.index import study_index
from smqi.api.evidence.models import Concept
from smqi.api.evidence.queries import Snapshot
from smqi.api.evidence.search import parse_filter
from smqi.api.http.caching import Representation, respond
from smqi.api.http.dependencies import get_context
from smqi.api.http.media import HTML as PAGE
from smqi.api.http.openapi import answers, one_of, refusals
from smqi.api.http.problems import problem
from smqi.api.linked_data.describe import IriSpace
from smqi.api.pages.map_page import map_csv, render_map, render_map_svg
from smqi.api.pages.templating import HTML
from smqi.api.pages.views import notice_of, render_problem

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["Evidence"])
SVG = "image/svg+xml"
CSV = "text/csv"
FORMATS = {"html": HTML, "svg": SVG, "csv": CSV}
# the request's parameters that determine the map (the dimension filters too)
MAP_PARAMETERS = (
    "rows", "cols", "review", "row", "col", "split", "rollup", "empty", "year_from",
    "year_to", *BY_NAME,
)  # fmt: skip


# The dimension filters, read from the query string as /studies reads them.
FILTERS = [
    {
        "name": dimension.name,
        "in": "query",
        "required": False,
        "description": f"Only studies coded with this {dimension.words} (several are ORed).",
        "schema": {"type": "array", "items": {"type": "string"}},
    }
    for dimension in DIMENSIONS
]


def _year(value: str | None, parameter: str) -> int | None:
    """A year bound of the map (blank: none)."""
    return int(year_term(value, parameter).value) if value else None


def _hide(value: str | None) -> bool | None:
    wanted = (value or "").strip().lower()
    if wanted in ("", "auto", "automatic"):
        return None
    if wanted in ("hide", "show"):
        return wanted == "hide"
    raise InvalidParameterError(
        f"empty={value!r}: use hide, show or automatic",
        {"parameter": "empty", "value": value, "known": ["hide", "show", "automatic"]},
    )


@router.get(
    "/map",
    response_class=Response,
    responses={**answers(PAGE, SVG, CSV), **refusals(304, 400, pages=True)},
    openapi_extra={"parameters": FILTERS},
    summary="Evidence map: two dimensions, studies per cell, gaps, and one cell's studies",
)
def get_map(
    request: Request,
    context: Context,
    rows: Annotated[
        str, Query(description="The row dimension.", json_schema_extra=one_of(BY_NAME))
    ] = "platform",
    cols: Annotated[
        str, Query(description="The column dimension.", json_schema_extra=one_of(BY_NAME))
    ] = "communication_model",
    review: Annotated[
        str | None, Query(description="Only this review's or collection's records.")
    ] = None,
    row: Annotated[str | None, Query(description="The chosen cell's row value (IRI).")] = None,
    col: Annotated[str | None, Query(description="The chosen cell's column value (IRI).")] = None,
    split: Annotated[
        str | None,
        Query(
            description="A third dimension that splits each bubble.",
            json_schema_extra=one_of(BY_NAME, blank=True),
        ),
    ] = None,
    rollup: Annotated[
        bool, Query(description="Roll the concept hierarchy up to the top concepts.")
    ] = False,
    empty: Annotated[
        str | None,
        Query(
            description="Empty rows and columns: hide, show, or automatic (hidden when "
            "a dimension has over 40 values).",
            json_schema_extra=one_of(("automatic", "auto", "hide", "show"), blank=True),
        ),
    ] = None,
    year_from: Annotated[
        str | None,
        Query(
            description="Studies published from this year.",
            json_schema_extra={"pattern": YEAR_PATTERN},
        ),
    ] = None,
    year_to: Annotated[
        str | None,
        Query(description="... up to this year.", json_schema_extra={"pattern": YEAR_PATTERN}),
    ] = None,
    format_: Annotated[
        str | None,
        Query(
            alias="format",
            description="html (the page), svg or csv.",
            json_schema_extra=one_of(["", *FORMATS]),
        ),
    ] = None,
) -> Response:
    """The map of ``rows`` by ``cols`` (as EPPI-Mapper draws one), over the studies the
    filters leave: a review, a range of years, and any dimension's value given as
    ``platform=Twitter`` etc. (as ``/studies`` takes them). As SVG or CSV for export."""
    media_type = FORMATS.get((format_ or "html").strip().lower())
    if media_type is None:
        return problem(
            InvalidParameterError(
                f"format={format_!r}: use html, svg or csv",
                {"parameter": "format", "value": format_, "known": list(FORMATS)},
            )
        )
    space = IriSpace(context.settings.build.base_iri)
    params = [(k, v) for k, v in request.query_params.multi_items() if k in MAP_PARAMETERS]
    values = {d.name: request.query_params.getlist(d.name) for d in DIMENSIONS}

    def render(snapshot: Snapshot) -> Representation:
        asked = MapRequest(
            rows=dimension_named(rows, "rows"),
            cols=dimension_named(cols, "cols"),
            filter=parse_filter(snapshot, review, values),
            split=dimension_named(split, "split") if split and split.strip() else None,
            rollup=rollup,
            hide_empty=_hide(empty),
            year_from=_year(year_from, "year_from"),
            year_to=_year(year_to, "year_to"),
            chosen=(row, col) if row and col else None,
        )
        grid = evidence_map(snapshot, asked)
        notice = notice_of(snapshot)
        if media_type == SVG:
            svg = render_map_svg(grid, params, notice)
            return Representation(svg.encode("utf-8"), SVG)
        if media_type == CSV:
            return Representation(map_csv(grid), CSV)
        html = render_map(
            grid,
            params,
            notice,
            space.local_path,
            _filters(snapshot, asked),
            tuple(study_index(snapshot).years),
        )
        return Representation(html.encode("utf-8"), HTML)

    key = "/map?" + "&".join(f"{k}={v}" for k, v in sorted(params)) + f"|{media_type}"
    try:
        return respond(request, context, key, render)
    except EvidenceError as error:
        if media_type != HTML:
            return problem(error)
        return Response(render_problem(error), error.status, media_type=HTML)


def _filters(snapshot: Snapshot, asked: MapRequest) -> list[tuple[Dimension, list[Concept], str]]:
    """Per dimension with concepts: its values (broader ones too) and the one filtered by."""
    known = vocabulary(snapshot)
    chosen = {name: values[0].label for name, values in asked.filter.concepts if values}
    found: list[tuple[Dimension, list[Concept], str]] = []
    for dimension in DIMENSIONS:
        concepts = sorted(
            (Concept(iri=c, label=known.label(c)) for c in known.in_scheme(dimension.scheme)),
            key=lambda c: c.label.casefold(),
        )
        if concepts:
            found.append((dimension, concepts, chosen.get(dimension.name, "")))
    return found
