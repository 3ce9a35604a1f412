"""Reading a SPARQL 1.1 Protocol query request: the query, its dataset, and what is refused.

GET carries ``query`` in the URL. POST carries it as a form field
(``application/x-www-form-urlencoded``) or as the whole body (``application/sparql-query``,
UTF-8). ``default-graph-uri`` and ``named-graph-uri`` (repeatable, in the URL or the form)
name the dataset, and win over the query's FROM and FROM NAMED (Protocol section 2.1.4).
The endpoint is read-only, so updates (``update=``, ``using-graph-uri``,
``application/sparql-update``) are refused. Pure functions, no I/O: the router reads the
request and passes its parts here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

import pyoxigraph as ox

from smqi.api.errors import (
    InvalidEncodingError,
    InvalidParameterError,
    QueryRefusedError,
    RequestError,
    RequestTooLargeError,
    UnsupportedMediaTypeError,
)
from smqi.api.store.sparql import QueryDataset

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
MAX_BODY_BYTES = 1_000_000
MAX_QUERY_CHARS = MAX_BODY_BYTES  # in a GET's URL too

_UPDATE_PARAMETERS = ("update", "using-graph-uri", "using-named-graph-uri")
DEFAULT_GRAPH = "default-graph-uri"
NAMED_GRAPH = "named-graph-uri"
READ_ONLY = (
    "this endpoint is read-only: it answers SELECT, ASK, CONSTRUCT and DESCRIBE queries "
    "and never runs SPARQL Update"
)


@dataclass(frozen=True)
class QueryRequest:
    """What a request asks: the query text (None: no query given), the dataset the protocol
    names (None: the query's own, or the union), and ``format=`` overrides.

    ``formats`` keeps every ``format`` value: some clients send several (SPARQLWrapper sends
    a short name and a media type), and the first one that fits the result is used.
    """

    query: str | None
    formats: tuple[str, ...] = ()
    dataset: QueryDataset | None = None


Parameters = Sequence[tuple[str, str]]


def read_get(parameters: Parameters) -> QueryRequest:
    """The query request in a GET's URL parameters."""
    return _from_parameters(parameters)


def read_post(content_type: str | None, url_parameters: Parameters, body: bytes) -> QueryRequest:
    """The query request in a POST: its body, plus the parameters in its URL."""
    if len(body) > MAX_BODY_BYTES:
        raise RequestTooLargeError(f"the request body is over {MAX_BODY_BYTES} bytes")
    media_type, _, parameters = (content_type or "").partition(";")
    media_type = media_type.strip().lower()
    if media_type == SPARQL_UPDATE:
        raise QueryRefusedError(READ_ONLY)
    if media_type not in (FORM, SPARQL_QUERY):
        given = f"'{media_type}'" if media_type else "no content type"
        raise UnsupportedMediaTypeError(
            f"a POST to this endpoint must be {FORM} (with a query field) or {SPARQL_QUERY}, "
            f"not {given}"
        )
    charset = _charset(parameters)
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaTypeError(f"the body must be UTF-8, not {charset}")
    text = _utf8(body, "the request body")
    if media_type == FORM:
        form = _form_fields(text)
        return _from_parameters([*url_parameters, *form])
    request = _from_parameters(url_parameters)
    if request.query is not None:
        raise RequestError(
            "send the query either as the application/sparql-query body or as a query "
            "URL parameter, not both"
        )
    return QueryRequest(_checked_length(text), request.formats, request.dataset)


def _charset(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEncodingError(f"{what} is not valid UTF-8") from exc


def _form_fields(text: str) -> list[tuple[str, str]]:
    """A form's fields, refusing %-escapes that do not decode as UTF-8 (``%FF``)."""
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidEncodingError(
            "a form field is not UTF-8 once its %-escapes are decoded"
        ) from exc


def _from_parameters(parameters: Parameters) -> QueryRequest:
    names = [name for name, _ in parameters]
    for name in _UPDATE_PARAMETERS:
        if name in names:
            raise QueryRefusedError(f"'{name}' was sent, but {READ_ONLY}")
    formats = tuple(value for key, value in parameters if key == "format" and value)
    query = _single(parameters, "query")
    return QueryRequest(
        None if query is None else _checked_length(query), formats, _dataset(parameters)
    )


def _dataset(parameters: Parameters) -> QueryDataset | None:
    """The dataset default-graph-uri and named-graph-uri name, or None when neither is given."""
    default = [value for key, value in parameters if key == DEFAULT_GRAPH]
    named = [value for key, value in parameters if key == NAMED_GRAPH]
    if not default and not named:
        return None
    for value in (*default, *named):
        try:
            ox.NamedNode(value)
        except ValueError as exc:
            raise InvalidParameterError(
                f"{DEFAULT_GRAPH} and {NAMED_GRAPH} name graphs by absolute IRI, and "
                f"{value!r} is not one ({exc})",
                {"parameter": DEFAULT_GRAPH if value in default else NAMED_GRAPH, "value": value},
            ) from exc
    return QueryDataset(tuple(dict.fromkeys(default)), tuple(dict.fromkeys(named)))


def _checked_length(query: str) -> str:
    if len(query) > MAX_QUERY_CHARS:
        raise RequestTooLargeError(
            f"the query is {len(query)} characters long, over the {MAX_QUERY_CHARS} this "
            "endpoint reads; split it, or put a long list of values in several queries"
        )
    return query


def _single(parameters: Parameters, name: str) -> str | None:
    values = [value for key, value in parameters if key == name]
    if len(values) > 1:
        raise RequestError(f"give the '{name}' parameter once, not {len(values)} times")
    return values[0] if values else None
