"""What the OpenAPI document says beyond what FastAPI reads off the routes.

Routes declare what they answer with ``answers`` (each success's media types) and
``refusals`` (the error statuses they give), and a parameter with a closed set of values
declares it with ``one_of``. ``document`` then makes the whole document say what the
handlers do:

- FastAPI's 422 for a bad parameter is this API's 400, and every 4xx and 5xx body is an
  ``application/problem+json`` document of the one ``Problem`` shape (``api.http.problems``);
  a route that serves pages also answers errors to a browser as a page;
- every operation may answer 400 (a URL that is not UTF-8, ``api.http.encoding``) and 413,
  414 or 431 (a request over the server's limits, ``api.http.connection``);
- values that depend on the served dataset (the reviews' ids, the concepts' labels) are
  listed from it: ``value_lists`` gives them for the dataset version being served, and the
  document is made again when that version changes.

No FastAPI here beyond the document's dictionaries.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from smqi.api.http.media import HTML
from smqi.api.http.problems import PROBLEM_JSON

Responses = dict[int | str, dict[str, Any]]
Schema = dict[str, Any]
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: Schema = {
    "title": "Problem",
    "description": "An error as an RFC 9457 problem: the RFC's members, a stable "
    "machine-readable code, a message a person can act on, and what would have been accepted.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "message"],
    "properties": {
        "type": {"type": "string", "description": "RFC 9457: about:blank (the status says)"},
        "title": {"type": "string", "description": "RFC 9457: the status phrase"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "RFC 9457: the message"},
        "code": {"type": "string", "description": "stable and machine-readable"},
        "message": {"type": "string", "description": "what went wrong and what would do"},
        "parameter": {"type": "string", "description": "the parameter at fault"},
        "known": {"type": "array", "description": "the values that would be accepted"},
        "closest": {"type": "array", "items": {"type": "string"}},
        "iri": {"type": "string", "description": "for an unknown resource: its IRI"},
    },
    "additionalProperties": True,
}
# Why each status is answered, where a route does not say.
WHY = {
    304: "Not modified: the ETag or date the client holds is current",
    400: "A parameter is missing or malformed, or the URL is not UTF-8",
    401: "No valid bearer token",
    404: "Nothing is served at this path",
    405: "Not a method this path answers (Allow lists those it does)",
    406: "None of the offered media types is acceptable",
    409: "Another build is running",
    413: "The request, or the answer it asks for, is too large",
    414: "The URL is too long",
    415: "A body in a media type this path does not read",
    422: "The build failed; the previous graph is still served",
    431: "Too many or too long header fields",
    503: "The store cannot take the query now (Retry-After says when to try again)",
    504: "The query ran past the time limit and was stopped",
}


def _spaces() -> str:
    """A regular expression class of what ``str.strip`` removes, spelt out: ``\\s`` means
    less in the ECMA-262 dialect of JSON Schema than in Python."""
    spaces = [code for code in range(0x3001) if chr(code).isspace()]
    ranges: list[tuple[int, int]] = []
    for code in spaces:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(
        f"\\u{low:04x}" + (f"-\\u{high:04x}" if high > low else "") for low, high in ranges
    )


# A value that is nothing but white space (as the handlers strip it): no filter.
BLANK = {"type": "string", "pattern": f"^[{_spaces()}]*$"}
# What every operation may answer: the server's own refusals, and a URL that is not UTF-8.
EVERYWHERE = (400, 413, 414, 431)


def answers(
    *media_types: str,
    schema: Schema | None = None,
    status: int = 200,
    description: str = "OK",
) -> Responses:
    """A success in each of ``media_types`` (``schema`` for the JSON ones)."""
    content = {
        media_type: {"schema": schema} if schema and "json" in media_type else {}
        for media_type in media_types
    }
    return {status: {"description": description, "content": content}}


def refusals(*statuses: int, pages: bool = False) -> Responses:
    """Problems answered with ``statuses`` (as a page too, to a browser, when ``pages``)."""
    found: Responses = {}
    for status in statuses:
        content: dict[str, Any] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
        if pages and status != 406:
            content[HTML] = {}
        found[status] = {"description": WHY.get(status, HTTPStatus(status).phrase)}
        if status != 304:
            found[status]["content"] = content
    return found


def one_of(values: Iterable[str], repeatable: bool = False, blank: bool = False) -> Schema:
    """``json_schema_extra`` of a parameter that takes one of ``values`` (each of its values,
    when ``repeatable``); ``blank``: or nothing but white space, which means none."""
    schema = _one_of(list(values), blank)
    return {"items": schema} if repeatable else schema


def _one_of(values: list[str], blank: bool) -> Schema:
    listed: Schema = {"type": "string", "enum": values} if values else {"not": {}}
    return {"anyOf": [listed, BLANK]} if blank else listed


def _problem_content(response: dict[str, Any]) -> None:
    """A problem document is the JSON an error answers (FastAPI says application/json)."""
    content = response.setdefault("content", {})
    for media_type in [m for m in content if "json" in m]:
        content.pop(media_type)
    content[PROBLEM_JSON] = {"schema": PROBLEM_REF}


def problem_shaped(schema: Schema) -> Schema:
    """``schema`` (FastAPI's document) saying what the handlers do, as the docstring says."""
    schema = copy.deepcopy(schema)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components["Problem"] = PROBLEM_SCHEMA
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "HTTPValidationError" in str(responses.get("422")):  # FastAPI's, not a route's
                del responses["422"]
                responses.setdefault("400", {"description": WHY[400]})
            for status in EVERYWHERE:
                responses.setdefault(str(status), {"description": WHY[status]})
            for status, response in responses.items():
                if status[:1] in "45":
                    response.setdefault("description", WHY.get(int(status), ""))
                    _problem_content(response)
                    if HTML in response.get("content", {}) or _serves_pages(operation):
                        response["content"].setdefault(HTML, {})
    return schema


def _serves_pages(operation: Mapping[str, Any]) -> bool:
    success = operation.get("responses", {}).get("200", {})
    return HTML in success.get("content", {})


def with_values(schema: Schema, values: Mapping[str, list[str]]) -> Schema:
    """``schema`` with each query parameter named in ``values`` limited to those values or
    a blank (its items, for a repeatable one)."""
    schema = copy.deepcopy(schema)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                listed = values.get(parameter["name"])
                if parameter.get("in") != "query" or listed is None:
                    continue
                given = parameter.get("schema", {})
                repeatable = "array" in str(given.get("type")) or any(
                    option.get("type") == "array" for option in given.get("anyOf", [])
                )
                kept = {k: v for k, v in given.items() if k in ("title", "description")}
                if repeatable:
                    items = _one_of(listed, blank=True)
                    parameter["schema"] = {**kept, "type": "array", "items": items}
                else:
                    parameter["schema"] = {**kept, **_one_of(listed, blank=True)}
    return schema


class OpenApiDocument:
    """The document for the dataset version being served: FastAPI's, problem-shaped once,
    with ``value_lists()`` (by parameter name) put in for each version ``version()``."""

    def __init__(
        self,
        generate: Callable[[], Schema],
        version: Callable[[], str],
        value_lists: Callable[[], Mapping[str, list[str]]],
    ) -> None:
        self._generate = generate
        self._version = version
        self._value_lists = value_lists
        self._shaped: Schema | None = None
        self._made: tuple[str, Schema] | None = None

    def __call__(self) -> Schema:
        if self._shaped is None:
            self._shaped = problem_shaped(self._generate())
        version = self._version()
        if self._made is None or self._made[0] != version:
            self._made = (version, with_values(self._shaped, self._value_lists()))
        return self._made[1]
