"""Reading a SPARQL 1.1 Protocol query request: where the query is, and what is refused.

GET carries ``query`` in the URL. POST carries it as a form field
(``application/x-www-form-urlencoded``) or as the whole body (``application/sparql-query``).
The endpoint is read-only and its default graph is the union of the named graphs, so
updates (``update=``, ``application/sparql-update``) are refused, and so are
``default-graph-uri`` and ``named-graph-uri`` (name graphs with ``GRAPH <iri>`` in the
query instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from smqi.api.errors import QueryRefusedError

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
MAX_BODY_BYTES = 1_000_000

_UPDATE_PARAMETERS = ("update", "using-graph-uri", "using-named-graph-uri")
_DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")
_READ_ONLY = (
    "this endpoint is read-only: it answers SELECT, ASK, CONSTRUCT and DESCRIBE queries "
    "and never runs SPARQL Update"
)


class ProtocolError(Exception):
    """A request that does not follow the protocol; ``status`` and ``code`` go in the answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class QueryRequest:
    """What a request asks: the query text (None: no query given) and ``format=`` overrides.

    ``formats`` keeps every ``format`` value: some clients send several (SPARQLWrapper sends
    a short name and a media type), and the first one that fits the result is used.
    """

    query: str | None
    formats: tuple[str, ...] = ()


Parameters = Sequence[tuple[str, str]]


def read_get(parameters: Parameters) -> QueryRequest:
    """The query request in a GET's URL parameters."""
    return _from_parameters(parameters)


def read_post(content_type: str | None, url_parameters: Parameters, body: bytes) -> QueryRequest:
    """The query request in a POST: its body, plus the parameters in its URL."""
    if len(body) > MAX_BODY_BYTES:
        raise ProtocolError(
            413, "request-too-large", f"the request body is over {MAX_BODY_BYTES} bytes"
        )
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type == SPARQL_UPDATE:
        raise QueryRefusedError(_READ_ONLY)
    if media_type == FORM:
        try:
            form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError as exc:
            raise _not_utf8() from exc
        return _from_parameters([*url_parameters, *form])
    if media_type == SPARQL_QUERY:
        request = _from_parameters(url_parameters)
        if request.query is not None:
            raise ProtocolError(
                400,
                "bad-request",
                "send the query either as the application/sparql-query body or as a query "
                "URL parameter, not both",
            )
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8() from exc
        return QueryRequest(text, request.formats)
    raised = f"'{media_type}'" if media_type else "no content type"
    raise ProtocolError(
        415,
        "unsupported-media-type",
        f"a POST to this endpoint must be {FORM} (with a query field) or {SPARQL_QUERY}, "
        f"not {raised}",
    )


def _from_parameters(parameters: Parameters) -> QueryRequest:
    names = [name for name, _ in parameters]
    for name in _UPDATE_PARAMETERS:
        if name in names:
            raise QueryRefusedError(f"'{name}' was sent, but {_READ_ONLY}")
    for name in _DATASET_PARAMETERS:
        if name in names:
            raise QueryRefusedError(
                f"'{name}' is not supported: the default graph of every query is the union of "
                "all named graphs; to query one graph, write GRAPH <iri> { ... } in the query"
            )
    formats = tuple(value for key, value in parameters if key == "format" and value)
    return QueryRequest(_single(parameters, "query"), formats)


def _single(parameters: Parameters, name: str) -> str | None:
    values = [value for key, value in parameters if key == name]
    if len(values) > 1:
        raise ProtocolError(
            400, "bad-request", f"give the '{name}' parameter once, not {len(values)} times"
        )
    return values[0] if values else None


def _not_utf8() -> ProtocolError:
    return ProtocolError(400, "bad-request", "the request body is not valid UTF-8")
