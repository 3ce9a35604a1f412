"""Errors the API raises on purpose, each with a stable machine-readable ``code``.

    ApiError
    ├── NotAcceptableError          no format in the Accept header fits the query's result
    └── StoreError                  the store failed unexpectedly (message leaks no internals)
        ├── QuerySyntaxError        the query does not parse; the message says where and why
        ├── QueryRefusedError       a well-formed request the endpoint will not run
        │                           (an update, LOAD, SERVICE or a \\u escape)
        ├── QueryTimeoutError       the query ran past the configured timeout and was stopped
        ├── StoreUnavailableError   the store cannot take the query now (endpoint down, all
        │                           query workers busy); retrying later may work
        └── DatasetError            a dataset file could not be loaded; the old data is still served

Library errors (pyoxigraph, SPARQLWrapper, urllib, multiprocessing) are translated into these
once, in ``api.store``, with ``raise ... from exc``.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base of every error the API raises on purpose."""

    code = "api-error"


class NotAcceptableError(ApiError):
    """None of the media types the client accepts can carry this kind of result."""

    code = "not-acceptable"


class StoreError(ApiError):
    """The store could not answer; the message is safe to show and names no internals."""

    code = "store-error"


class QuerySyntaxError(StoreError):
    """The SPARQL text does not parse; the message gives the position and what was expected."""

    code = "query-syntax"


class QueryRefusedError(StoreError):
    """The SPARQL text is well formed but asks for something the read-only endpoint never does."""

    code = "query-refused"


class QueryTimeoutError(StoreError):
    """The query was stopped after running longer than the configured timeout."""

    code = "query-timeout"


class StoreUnavailableError(StoreError):
    """The store cannot take the request now; the same request may succeed later."""

    code = "store-unavailable"


class DatasetError(StoreError):
    """A dataset file could not be loaded (unreadable, bad syntax); nothing was replaced."""

    code = "dataset-invalid"
