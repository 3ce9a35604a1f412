"""``/reconcile``: the Reconciliation Service API 0.2 (as OpenRefine speaks it) over the
graph's studies, so another review can link its study list to ours by title, DOI or PMID.

GET without ``queries`` gives the manifest. A query batch comes as the ``queries`` field of
a POST form (what OpenRefine sends), as ``?queries=`` on a GET, or as a JSON POST body
(the batch itself, or ``{"queries": batch}``). Every query shape the 0.2 schema allows is
read: ``type`` a string or a list, ``properties`` values a string, number, boolean,
``{id, name}`` object or a list of these, ``limit`` a number, ``query`` absent when
properties are given. Malformed batches are refused with a 400 problem saying why.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from smqi.api.context import AppContext
from smqi.api.errors import InvalidEncodingError, InvalidParameterError, UnsupportedMediaTypeError
from smqi.api.evidence.queries import Snapshot
from smqi.api.http.bodies import read_body
from smqi.api.http.dependencies import get_context
from smqi.api.http.openapi import answers, refusals
from smqi.api.reconcile.service import DEFAULT_LIMIT, STUDY_TYPE, reconcile, study_titles

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["Reconciliation"])
MAX_QUERIES = 500  # per request; OpenRefine sends batches of batchSize
MAX_BODY_BYTES = 4 * 1024 * 1024
STUDY = {"id": STUDY_TYPE, "name": "Study"}
FORM = "application/x-www-form-urlencoded"
JSON_BODY = "application/json"
_STUDY_TYPES = (STUDY_TYPE, "Study")
MAX_CANDIDATES = 1000
_EXAMPLE = '{"q0": {"query": "…"}}'
# A property's value: a string, number or boolean, an entity, or a list of these.
_SCALAR = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}
_ENTITY = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
_VALUE = {"anyOf": [_SCALAR, _ENTITY, {"type": "array", "items": {"anyOf": [_SCALAR, _ENTITY]}}]}
# A batch of queries, as the Reconciliation Service API 0.2 sends them (and parse_batch reads).
BATCH_SCHEMA = {
    "type": "object",
    "maxProperties": MAX_QUERIES,
    "additionalProperties": {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "A study's title, DOI or PMID."},
            "type": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "null"},
                ],
                "description": "Only candidates of this type (or these): Study is the one.",
            },
            "limit": {
                "type": ["number", "null"],
                "description": "Most candidates; a number below 1, or none, gives 3.",
            },
            "properties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["pid", "v"],
                    "properties": {"pid": {"type": "string"}, "v": _VALUE},
                },
                "description": "Property values to match: doi, pmid, year.",
            },
        },
        # a query, or some properties, or both
        "anyOf": [
            {"required": ["query"], "properties": {"query": {"minLength": 1}}},
            {"required": ["properties"], "properties": {"properties": {"minItems": 1}}},
        ],
    },
    "examples": [{"q0": {"query": "patient feedback on Twitter"}}],
}
_QUERIES = {
    "name": "queries",
    "in": "query",
    "required": False,
    "description": "A batch of queries (JSON); without it, the service's manifest.",
    "content": {JSON_BODY: {"schema": BATCH_SCHEMA}},
}
_ANSWERS = {**answers(JSON_BODY), **refusals(400, 413)}
_BODY = {
    "required": True,
    "content": {
        JSON_BODY: {
            "schema": {
                "anyOf": [
                    BATCH_SCHEMA,
                    {
                        "type": "object",
                        "required": ["queries"],
                        "properties": {"queries": BATCH_SCHEMA},
                    },
                ]
            }
        },
    },
}


def _manifest(context: AppContext) -> dict[str, Any]:
    base = context.settings.build.base_iri
    return {
        "versions": ["0.2"],
        "name": "SMQI Evidence Graph studies",
        "identifierSpace": f"{base}study/",
        "schemaSpace": STUDY_TYPE.rsplit("#", 1)[0] + "#",
        "defaultTypes": [STUDY],
        "view": {"url": "{{id}}"},
        "batchSize": 50,
        "documentation": "Reconcile studies by title; give a DOI or PMID as the properties "
        "'doi' or 'pmid' (or as the query) for a certain match, and 'year' to require it.",
    }


def parse_batch(batch: object) -> dict[str, dict[str, Any]]:
    """A reconciliation query batch (decoded JSON), checked: InvalidParameterError says what
    is wrong and what would be accepted."""
    if not isinstance(batch, dict) or not all(isinstance(q, dict) for q in batch.values()):
        raise InvalidParameterError(f"queries must be a JSON object of queries, e.g. {_EXAMPLE}")
    if len(batch) > MAX_QUERIES:
        raise InvalidParameterError(f"at most {MAX_QUERIES} queries per request, not {len(batch)}")
    for key, query in batch.items():
        if not isinstance(query.get("query", ""), str):
            raise InvalidParameterError(f"queries[{key!r}].query must be a string")
        kind = query.get("type")
        listed = isinstance(kind, list) and all(isinstance(t, str) for t in kind)
        if kind is not None and not isinstance(kind, str) and not listed:
            raise InvalidParameterError(
                f"queries[{key!r}].type must be a type's id or a list of them"
            )
        properties = query.get("properties", [])
        if not isinstance(properties, list) or not all(
            isinstance(p, dict) and isinstance(p.get("pid"), str) and "v" in p for p in properties
        ):
            raise InvalidParameterError(
                f"queries[{key!r}].properties must be a list of {{pid, v}} objects"
            )
        limit = query.get("limit")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float)):
            raise InvalidParameterError(f"queries[{key!r}].limit must be a number")
        if not all(_is_value(p["v"]) for p in properties):
            raise InvalidParameterError(
                f"queries[{key!r}].properties: each v must be a string, number, boolean, "
                '{"id": ..., "name": ...} entity, or a list of these'
            )
        if not query.get("query") and not properties:
            raise InvalidParameterError(f"queries[{key!r}] needs a query or some properties")
    return batch


def _is_value(value: object, listed: bool = True) -> bool:
    """Whether ``value`` is a property value the API reads (``_VALUE``)."""
    if isinstance(value, list):
        return listed and all(_is_value(item, listed=False) for item in value)
    if isinstance(value, dict):
        return isinstance(value.get("id"), str) and isinstance(value.get("name", ""), str)
    return isinstance(value, str | int | float)  # a bool is an int


def _values(value: object) -> list[str]:
    """A property value as the strings it may be matched by: a string, number or boolean as
    itself, an entity ``{id, name}`` by its id and its name, a list by each item's."""
    if isinstance(value, list):
        return [text for item in value for text in _values(item)]
    if isinstance(value, dict):
        return [str(value[k]) for k in ("id", "name") if isinstance(value.get(k), str | int)]
    if isinstance(value, bool):
        return [str(value).lower()]
    if isinstance(value, str | int | float):
        return [str(value)]
    return []


def _wants_studies(kind: object) -> bool:
    """Whether a query's ``type`` (none, one, or a list) admits studies."""
    if kind in (None, "", []):
        return True
    kinds = kind if isinstance(kind, list) else [kind]
    return any(k in _STUDY_TYPES for k in kinds)


def _answer(snapshot: Snapshot, queries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    index = study_titles(snapshot)
    results: dict[str, Any] = {}
    for key, query in queries.items():
        if not _wants_studies(query.get("type")):
            results[key] = {"result": []}  # the graph reconciles studies only
            continue
        properties: dict[str, list[str]] = {}
        for given in query.get("properties", []):
            properties.setdefault(given["pid"], []).extend(_values(given["v"]))
        limit = query.get("limit") or DEFAULT_LIMIT
        # (JSON as Python reads it may say Infinity; no batch has more studies than this)
        limit = int(min(limit, MAX_CANDIDATES)) if limit >= 1 else DEFAULT_LIMIT
        found = reconcile(index, query.get("query", ""), properties, limit)
        results[key] = {
            "result": [
                {"id": c.iri, "name": c.name, "score": c.score, "match": c.match, "type": [STUDY]}
                for c in found
            ]
        }
    return results


def _decoded(text: str, what: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(
            f"{what} is not JSON: {exc.msg} at character {exc.pos}"
        ) from exc


async def _answer_batch(context: AppContext, batch: object) -> JSONResponse:
    queries = parse_batch(batch)
    snapshot = Snapshot.of(context)
    return JSONResponse(await run_in_threadpool(_answer, snapshot, queries))


@router.get(
    "/reconcile",
    responses=_ANSWERS,
    openapi_extra={"parameters": [_QUERIES]},
    summary="Reconciliation service: its manifest, or answers to ?queries=",
)
async def reconcile_get(request: Request, context: Context) -> JSONResponse:
    given = request.query_params.get("queries")
    if given is None:
        return JSONResponse(_manifest(context))
    return await _answer_batch(context, _decoded(given, "queries"))


@router.post(
    "/reconcile",
    responses={**_ANSWERS, **refusals(415)},
    openapi_extra={"requestBody": _BODY},
    summary="Reconciliation service: answers to a batch of queries",
    description="The batch as a JSON body (or a JSON object with the batch as ``queries``), "
    "or as OpenRefine sends it: an application/x-www-form-urlencoded form whose field "
    "``queries`` holds the batch's JSON.",
)
async def reconcile_post(request: Request, context: Context) -> JSONResponse:
    body = await read_body(request, MAX_BODY_BYTES)
    media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEncodingError("the request body is not UTF-8") from exc
    if media_type == JSON_BODY:
        batch = _decoded(text, "the JSON body")
        if isinstance(batch, dict) and isinstance(batch.get("queries"), dict):
            batch = batch["queries"]
        return await _answer_batch(context, batch)
    if media_type not in (FORM, ""):
        raise UnsupportedMediaTypeError(
            f"send the queries as a {FORM} form field 'queries' or as a {JSON_BODY} body, "
            f"not as {media_type}"
        )
    try:
        form = dict(parse_qsl(text, keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError as exc:
        raise InvalidEncodingError("a form field is not UTF-8 once decoded") from exc
    given = form.get("queries") or request.query_params.get("queries")
    if given is None:
        raise InvalidParameterError(
            f"a POST must carry its queries, as a form field: queries={_EXAMPLE}"
        )
    return await _answer_batch(context, _decoded(given, "queries"))
