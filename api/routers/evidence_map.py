"""``/map``: the evidence map page, cached per dataset version like the evidence answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api import pages
from api.caching import Representation, respond
from api.context import AppContext
from api.dataset_description import current_facts
from api.dependencies import get_context
from api.evidence_dimensions import dimension_named, resolve_collection
from api.evidence_errors import EvidenceError
from api.evidence_map import evidence_map
from api.evidence_queries import Snapshot
from api.linked_data import IriSpace
from api.map_page import render_map
from api.routers.evidence import problem

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
