"""Errors as answers: an ``EvidenceError`` (a request the API cannot answer as asked) as a
JSON problem with its stable ``code``, a message, and what would have been accepted."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from smqi.api.evidence.errors import EvidenceError


def problem(error: EvidenceError) -> JSONResponse:
    """An evidence error as a JSON problem: code, message, and what would be accepted."""
    return JSONResponse(
        {"code": error.code, "message": str(error), **error.details}, status_code=error.status
    )
