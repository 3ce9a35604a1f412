"""``/reconcile``: the Reconciliation Service API 0.2 (as OpenRefine speaks it) over the
graph's studies, so another review can link its study list to ours by title, DOI or PMID."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from smqi.api.context import AppContext
from smqi.api.evidence.errors import InvalidParameterError, TooLargeError
from smqi.api.evidence.queries import Snapshot
from smqi.api.http.dependencies import get_context
from smqi.api.http.problems import problem
from smqi.api.reconcile.service import DEFAULT_LIMIT, STUDY_TYPE, reconcile, study_titles

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["Reconciliation"])
MAX_QUERIES = 500  # per request; OpenRefine sends batches of batchSize
MAX_BODY_BYTES = 4 * 1024 * 1024
STUDY = {"id": STUDY_TYPE, "name": "Study"}


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


def _queries(text: str) -> dict[str, dict[str, Any]]:
    try:
        queries = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"queries is not JSON: {exc.msg} at character {exc.pos}"
        raise InvalidParameterError(message) from exc
    if not isinstance(queries, dict) or not all(isinstance(q, dict) for q in queries.values()):
        example = '{"q0": {"query": "…"}}'
        raise InvalidParameterError(f"queries must be a JSON object of queries, e.g. {example}")
    if len(queries) > MAX_QUERIES:
        many = len(queries)
        raise InvalidParameterError(f"at most {MAX_QUERIES} queries per request, not {many}")
    for key, query in queries.items():
        if not isinstance(query.get("query", ""), str):
            raise InvalidParameterError(f"queries[{key!r}].query must be a string")
        if not isinstance(query.get("properties", []), list):
            raise InvalidParameterError(f"queries[{key!r}].properties must be a list of {{pid, v}}")
    return queries


def _answer(snapshot: Snapshot, queries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    index = study_titles(snapshot)
    results: dict[str, Any] = {}
    for key, query in queries.items():
        wanted_type = query.get("type")
        if wanted_type not in (None, "", STUDY_TYPE, "Study"):
            results[key] = {"result": []}  # the graph reconciles studies only
            continue
        properties = {
            str(p.get("pid", "")): str(p.get("v", ""))
            for p in query.get("properties", [])
            if isinstance(p, dict)
        }
        limit = query.get("limit", DEFAULT_LIMIT)
        limit = limit if isinstance(limit, int) and limit > 0 else DEFAULT_LIMIT
        found = reconcile(index, query.get("query", ""), properties, limit)
        results[key] = {
            "result": [
                {"id": c.iri, "name": c.name, "score": c.score, "match": c.match, "type": [STUDY]}
                for c in found
            ]
        }
    return results


async def _serve(context: AppContext, parameters: list[tuple[str, str]]) -> Any:
    given = dict(parameters)
    if "queries" not in given:
        return JSONResponse(_manifest(context))
    try:
        queries = _queries(given["queries"])
    except InvalidParameterError as error:
        return problem(error)
    snapshot = Snapshot.of(context)
    return JSONResponse(await run_in_threadpool(_answer, snapshot, queries))


@router.get("/reconcile", summary="Reconciliation service: its manifest, or answers to ?queries=")
async def reconcile_get(request: Request, context: Context) -> Any:
    return await _serve(context, request.query_params.multi_items())


@router.post("/reconcile", summary="Reconciliation service: answers to a form's queries")
async def reconcile_post(request: Request, context: Context) -> Any:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return problem(TooLargeError(f"the form is larger than {MAX_BODY_BYTES} bytes"))
    try:
        form = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return problem(InvalidParameterError("the form is not UTF-8"))
    return await _serve(context, [*request.query_params.multi_items(), *form])
