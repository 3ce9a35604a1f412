"""``POST /admin/reload``: only mounted when a reload token is configured."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.concurrency import run_in_threadpool

from smqi.api.admin.reload import reload_graph
from smqi.api.context import AppContext
from smqi.api.errors import BusyError, DatasetError, UnauthorizedError
from smqi.api.http.dependencies import get_context
from smqi.api.http.openapi import refusals
from smqi.loader.errors import (
    BuildInProgressError,
    InvalidSheetsError,
    LoaderError,
    ValidationError,
)

router = APIRouter(tags=["administration"])


def _authorised(context: AppContext, authorization: str | None) -> None:
    token = context.settings.reload_token
    scheme, _, given = (authorization or "").partition(" ")
    if token is None or scheme.lower() != "bearer" or not secrets.compare_digest(given, token):
        raise UnauthorizedError("a valid bearer token is required")


@router.post(
    "/admin/reload",
    responses=refusals(401, 409, 422),
    summary="Serve the current build (optionally rebuilt from data/)",
)
async def reload(
    context: Annotated[AppContext, Depends(get_context)],
    authorization: Annotated[str | None, Header()] = None,
    rebuild: bool = False,
) -> dict[str, Any]:
    _authorised(context, authorization)
    try:
        result = await run_in_threadpool(reload_graph, context, rebuild=rebuild)
    except LoaderError as error:
        problems = (
            error.errors
            if isinstance(error, InvalidSheetsError)
            else error.problems
            if isinstance(error, ValidationError)
            else []
        )
        details = {
            "build_error": error.code,
            "problems": [str(p) for p in problems] or [str(error)],
        }
        if isinstance(error, BuildInProgressError):  # the sources are fine: try again later
            raise BusyError(str(error), details) from error
        raise DatasetError(
            "the build failed; the previous graph is still served",
            details,
        ) from error
    return {"build": result.build_iri, "version": result.version, "rebuilt": result.rebuilt}
