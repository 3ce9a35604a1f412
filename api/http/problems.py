"""Errors as answers: every ``ApiError`` as an RFC 9457 problem (``application/problem+json``).

The body has the RFC's members (``type``, ``title``, ``status``, ``detail``) and this API's
stable ones, which clients and tests read: ``code`` (machine-readable) and ``message`` (the
same text as ``detail``), plus the error's ``details`` (what would have been accepted).
An unexpected failure (a 500) says only "internal error"; the log has the rest.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from starlette.responses import Response

from smqi.api.errors import ApiError

PROBLEM_JSON = "application/problem+json"
INTERNAL = "internal error"


def problem_body(error: ApiError) -> dict[str, object]:
    """The members of the problem document for ``error``."""
    status = error.status
    message = str(error) if status < 500 or status in (503, 504) else INTERNAL
    return {
        "type": "about:blank",  # the status says what kind of problem; ``code`` says which
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": message,
        "code": error.code,
        "message": message,
        **error.details,
    }


def problem(error: ApiError) -> Response:
    """``error`` as an RFC 9457 problem answer, with the headers its status needs."""
    body = json.dumps(problem_body(error), ensure_ascii=False).encode("utf-8")
    headers = {"Cache-Control": "no-store", **error.headers}
    return Response(body, status_code=error.status, media_type=PROBLEM_JSON, headers=headers)
