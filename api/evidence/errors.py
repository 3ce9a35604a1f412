"""Errors of the evidence API and linked data, each with a stable ``code`` and an HTTP status.

    ApiError (api.errors)
    └── EvidenceError               a request the evidence API cannot answer as asked
        ├── InvalidParameterError   400: a parameter names an unknown dimension, review or
        │                           label, or a value of the wrong kind
        └── NotFoundError           404: no such study, review, concept scheme or resource

``details`` carries what a person needs to fix the request (the closest labels, the known
values); routers render it next to ``code`` and ``message``.
"""

from __future__ import annotations

from collections.abc import Mapping

from smqi.api.errors import ApiError


class EvidenceError(ApiError):
    """Base of the evidence API's own errors."""

    code = "evidence-error"
    status = 400

    def __init__(self, message: str, details: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.details: dict[str, object] = dict(details or {})


class InvalidParameterError(EvidenceError):
    """A query parameter's value cannot be used; the message says what would be accepted."""

    code = "invalid-parameter"
    status = 400


class NotFoundError(EvidenceError):
    """The path names nothing the graph holds."""

    code = "not-found"
    status = 404


class TooLargeError(EvidenceError):
    """The answer would be larger than this server hands out in one response."""

    code = "too-large"
    status = 413
