"""``/map``: the evidence map page, cached per dataset version like the evidence answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from smqi.api.context import AppContext
from smqi.api.evidence.dimensions import dimension_named, resolve_collection
from smqi.api.evidence.errors import EvidenceError
from smqi.api.evidence.grid import evidence_map
from smqi.api.evidence.queries import Snapshot
from smqi.api.fair.dataset_description import current_facts
from smqi.api.http.caching import Representation, respond
from smqi.api.http.dependencies import get_context
from smqi.api.http.problems import problem
from smqi.api.linked_data.describe import IriSpace
from smqi.api.pages import render as pages
from smqi.api.pages.map_page import render_map

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["Evidence"])
HTML = "text/html; charset=utf-8"


@router.get(
    "/map",
    response_class=Response,
    summary="Evidence map (HTML): two dimensions, studies per cell, gaps, and one cell's studies",
)
def get_map(
    request: Request,
    context: Context,
    rows: Annotated[str, Query(description="The row dimension.")] = "platform",
    cols: Annotated[str, Query(description="The column dimension.")] = "communication_model",
    review: Annotated[
        str | None, Query(description="Only this review's or collection's records.")
    ] = None,
    row: Annotated[str | None, Query(description="The chosen cell's row value (IRI).")] = None,
    col: Annotated[str | None, Query(description="The chosen cell's column value (IRI).")] = None,
) -> Response:
    space = IriSpace(context.settings.build.base_iri)

    def render(snapshot: Snapshot) -> Representation:
        scope = resolve_collection(snapshot, review) if review and review.strip() else None
        grid = evidence_map(
            snapshot,
            dimension_named(rows, "rows"),
            dimension_named(cols, "cols"),
            scope,
            (row, col) if row and col else None,
        )
        notice = pages.illustrative_statement(current_facts(context))
        html = render_map(grid, notice, lambda iri: space.local_path(iri) or iri)
        csp = (("Content-Security-Policy", pages.CONTENT_SECURITY_POLICY),)
        return Representation(html.encode("utf-8"), HTML, csp)

    key = f"/map?rows={rows}&cols={cols}&review={review or ''}&row={row or ''}&col={col or ''}"
    try:
        return respond(request, context, key, render)
    except EvidenceError as error:
        return problem(error)
