"""Every error the API raises on purpose, each with a stable machine-readable ``code`` and the
HTTP status it is answered with. Routers and the functions they call raise these; one
handler (``api.app``) renders them all as RFC 9457 problems (``api.http.problems``). The
server refuses a request it will not read (``api.http.connection``: 408, 413, 414, 431)
before the application sees it, with the same errors and the same renderer.

    ApiError                            500 api-error
    ├── RequestError                    400 bad-request: the request cannot be answered as asked
    │   ├── InvalidParameterError       400 invalid-parameter: an unknown dimension, review or
    │   │                                   label, or a value of the wrong kind
    │   ├── InvalidEncodingError        400 invalid-encoding: the URL or body is not UTF-8
    │   ├── QuerySyntaxError            400 query-syntax: the message says where and why
    │   ├── QueryRefusedError           400 query-refused: well formed, but never run here (an
    │   │   │                               update, LOAD, SERVICE, a \\u escape)
    │   │   └── QueryTooComplexError    400 query-too-complex: nested too deep, too long
    │   ├── UnauthorizedError           401 unauthorized (with WWW-Authenticate)
    │   ├── NotFoundError               404 not-found
    │   ├── BusyError                   409 busy: another build of the project is running
    │   ├── MethodNotAllowedError       405 method-not-allowed (with Allow)
    │   ├── NotAcceptableError          406 not-acceptable: no offered type is acceptable
    │   ├── TooLargeError               413 too-large: the answer would be too large to send
    │   ├── RequestTooLargeError        413 request-too-large: the body is over the limit
    │   ├── UnsupportedMediaTypeError   415 unsupported-media-type
    │   ├── RequestTimeoutError         408 request-timeout: the request's head took too long
    │   ├── UrlTooLongError             414 url-too-long
    │   └── RequestHeadTooLargeError    431 request-head-too-large: too many or too long headers
    └── StoreError                      500 store-error: unexpected (the message leaks nothing)
        ├── QueryTimeoutError           504 query-timeout: stopped after the configured timeout
        ├── StoreUnavailableError       503 store-unavailable (with Retry-After): the store
        │   │                               cannot take the query now; retrying later may work
        │   └── QueryQueueFullError     503 query-queue-full (with Retry-After): the SPARQL
        │                                   endpoint's queue is full
        └── DatasetError                422 dataset-invalid: a dataset file could not be loaded;
                                            the old data is still served

Library errors (pyoxigraph, SPARQLWrapper, urllib, subprocesses) are translated into these
once, in ``api.store``, with ``raise ... from exc``. ``details`` carries what a person needs
to fix the request (the closest labels, the known values); ``headers`` what HTTP says must
go with the status (Allow, Retry-After).
"""

from __future__ import annotations

from collections.abc import Mapping


class ApiError(Exception):
    """Base of every error the API raises on purpose."""

    code = "api-error"
    status = 500

    def __init__(
        self,
        message: str,
        details: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.details: dict[str, object] = dict(details or {})
        self.headers: dict[str, str] = dict(headers or {})


class RequestError(ApiError):
    """A request the API cannot answer as asked; the message says what would be accepted."""

    code = "bad-request"
    status = 400


class InvalidParameterError(RequestError):
    """A query parameter's value cannot be used; the message says what would be accepted."""

    code = "invalid-parameter"


class InvalidEncodingError(RequestError):
    """The request's URL (once percent-decoded) or body is not UTF-8."""

    code = "invalid-encoding"


class QuerySyntaxError(RequestError):
    """The SPARQL text does not parse; the message gives the position and what was expected."""

    code = "query-syntax"


class QueryRefusedError(RequestError):
    """The SPARQL text is well formed but asks for something the read-only endpoint never does."""

    code = "query-refused"


class QueryTooComplexError(QueryRefusedError):
    """The query is nested deeper or is longer than any store is trusted to parse safely."""

    code = "query-too-complex"


class UnauthorizedError(RequestError):
    """The request needs credentials it did not give (the reload token)."""

    code = "unauthorized"
    status = 401

    def __init__(self, message: str, scheme: str = "Bearer") -> None:
        super().__init__(message, headers={"WWW-Authenticate": scheme})


class NotFoundError(RequestError):
    """The path names nothing the graph holds."""

    code = "not-found"
    status = 404


class BusyError(RequestError):
    """The request conflicts with work in progress (a build running): try again later."""

    code = "busy"
    status = 409


class MethodNotAllowedError(RequestError):
    """The resource exists but does not answer this method; ``Allow`` lists those it does."""

    code = "method-not-allowed"
    status = 405

    def __init__(self, message: str, allowed: tuple[str, ...]) -> None:
        super().__init__(message, headers={"Allow": ", ".join(allowed)})


class NotAcceptableError(RequestError):
    """None of the media types the client accepts can carry this kind of result."""

    code = "not-acceptable"
    status = 406


class TooLargeError(RequestError):
    """The answer would be larger than this server hands out in one response."""

    code = "too-large"
    status = 413


class RequestTooLargeError(RequestError):
    """The request itself is larger than this server reads."""

    code = "request-too-large"
    status = 413


class UnsupportedMediaTypeError(RequestError):
    """A request body in a media type this resource does not read."""

    code = "unsupported-media-type"
    status = 415


class IncompleteBodyError(RequestError):
    """The client closed the connection before sending the whole body it announced. Nobody
    reads the answer; raised so that the disconnect ends as a request error, not as a
    traceback in the server's log."""

    code = "incomplete-body"


class RequestTimeoutError(RequestError):
    """The request's head did not arrive in time (``api.http.connection``)."""

    code = "request-timeout"
    status = 408


class UrlTooLongError(RequestError):
    """The request's URL is longer than this server reads (``api.http.connection``)."""

    code = "url-too-long"
    status = 414


class RequestHeadTooLargeError(RequestError):
    """The request's headers are too many or too long (``api.http.connection``)."""

    code = "request-head-too-large"
    status = 431


class StoreError(ApiError):
    """The store could not answer; the message is safe to show and names no internals."""

    code = "store-error"


class QueryTimeoutError(StoreError):
    """The query was stopped after running longer than the configured timeout."""

    code = "query-timeout"
    status = 504


class StoreUnavailableError(StoreError):
    """The store cannot take the request now; the same request may succeed later."""

    code = "store-unavailable"
    status = 503

    def __init__(self, message: str, retry_after_s: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after_s))})


class QueryQueueFullError(StoreUnavailableError):
    """Every place in the SPARQL endpoint's queue is taken, or a query waited too long."""

    code = "query-queue-full"


class DatasetError(StoreError):
    """A dataset file could not be loaded (unreadable, bad syntax); nothing was replaced."""

    code = "dataset-invalid"
    status = 422
