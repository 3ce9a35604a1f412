"""The dataset's descriptions for harvesters and its files: the VoID/DCAT description, the
FAIR Data Point records and their containers, the FAIR Signposting link set, the dataset's
identifier, and the published build's downloads.

``/.well-known/void`` and ``/fdp/...`` are content-negotiated RDF; ``/linkset`` is an RFC
9264 link set; ``/id/dataset`` (the dataset's persistent identifier) redirects to the
landing page (303); ``/downloads/{file}`` serves the published build's files and sources.
Every answer's signposts (``Link``) come from ``ServedSignposts`` (api.http.signposting).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from smqi.api.context import AppContext
from smqi.api.errors import NotFoundError
from smqi.api.fair import data_point as fdp
from smqi.api.fair import signposts
from smqi.api.fair.dataset_description import DOWNLOADS, current_void, download_path
from smqi.api.fair.dcat import PREFIXES, dataset_document
from smqi.api.fair.served import CATALOG, DATASET, Served, read_distributions
from smqi.api.http.dependencies import get_context
from smqi.api.http.head import is_head
from smqi.api.http.media import choose
from smqi.api.http.negotiation import GRAPH_ALIASES, GRAPH_TYPES, choose_or_refuse, write_rdf
from smqi.api.http.openapi import answers, refusals
from smqi.api.http.signposting import LINKSET, LINKSET_JSON, Link, linkset_json, linkset_text
from smqi.loader.published import SOURCE_TYPES

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["Home and descriptions"])

NEGOTIATED = {"Vary": "Accept", "Cache-Control": "no-cache"}
# What an RDF description answers (Turtle to a client that accepts anything).
RDF_ANSWERS = {**answers(*GRAPH_TYPES), **refusals(406)}
DOWNLOAD_TYPES = sorted({*DOWNLOADS.values(), *SOURCE_TYPES.values()})


def base_url(request: Request, context: AppContext) -> str:
    """Where this server answers: the configured public URL, else the request's own."""
    return (context.settings.public_url or str(request.base_url)).rstrip("/")


def rdf_response(triples: list[ox.Triple], media_type: str) -> Response:
    body = write_rdf(triples, media_type, PREFIXES)
    return Response(body, media_type=media_type, headers=NEGOTIATED)


def served_at(context: AppContext, url: str) -> Served:
    """The served build as described from ``url``: its metadata graph and files, each read
    once per dataset version."""
    build_dir = context.settings.build.build_dir
    distributions = context.cache.get_or_compute(
        context.store.version(), "fair:distributions", lambda: read_distributions(build_dir)
    )
    void = tuple(current_void(context))
    return Served(url, context.settings.build.base_iri, void, distributions)


def served(request: Request, context: AppContext) -> Served:
    """Where this server answers and the build it serves, as the FDP records, the landing
    page's markup and the signposts describe them."""
    return served_at(context, base_url(request, context))


def dataset_description(request: Request, context: AppContext, media_type: str) -> Response:
    """The VoID/DCAT description of the served build, with this server's download links."""
    return rdf_response(dataset_document(served(request, context)), media_type)


class ServedSignposts:
    """The FAIR signposts of each answer (api.fair.signposts) for the served build."""

    def __init__(self, context: AppContext) -> None:
        self.context = context

    def wants(self, path: str) -> bool:
        return signposts.wants(path)

    def links(self, scope: Scope) -> list[Link]:
        request = Request(scope)
        raw: bytes = scope.get("raw_path") or scope["path"].encode()
        path = raw.decode("utf-8", errors="replace").split("?", 1)[0]
        return signposts.links_for(served(request, self.context), path)


@router.get(
    "/.well-known/void",
    response_class=Response,
    responses=RDF_ANSWERS,
    summary="The VoID and DCAT description of the dataset",
)
def void(request: Request, context: Context) -> Response:
    media_type = choose_or_refuse(
        request.headers.get("accept"), GRAPH_TYPES, GRAPH_ALIASES, "the VoID description"
    )
    return dataset_description(request, context, media_type)


@router.get(
    "/id/dataset",
    summary="The dataset's persistent identifier: 303 to the landing page",
    status_code=303,
    response_class=RedirectResponse,
    responses={303: {"description": "See Other: the landing page (/) describes the dataset"}},
)
def dataset_identifier() -> RedirectResponse:
    """The dataset is not a document: its IRI redirects (303 See Other) to the landing
    page, which describes it in HTML (with schema.org markup) or RDF by ``Accept``, with
    its signposts."""
    return RedirectResponse("/", status_code=303, headers={"Vary": "Accept"})


@router.get(
    "/linkset",
    response_class=Response,
    responses=answers(LINKSET_JSON, LINKSET),
    summary="FAIR Signposting level 2: every signpost, as a link set",
)
def linkset(request: Request, context: Context) -> Response:
    offered = (LINKSET_JSON, LINKSET)
    media_type = choose(request.headers.get("accept"), offered, {"application/json": LINKSET_JSON})
    if media_type is None:
        media_type = LINKSET_JSON
    links = signposts.linkset(served(request, context))
    body = linkset_json(links) if media_type == LINKSET_JSON else linkset_text(links)
    return Response(body, media_type=media_type, headers=NEGOTIATED)


def _fdp_document(
    request: Request, context: AppContext, record: Callable[[Served], list[ox.Triple]]
) -> Response:
    media_type = choose_or_refuse(
        request.headers.get("accept"), GRAPH_TYPES, GRAPH_ALIASES, "the FAIR Data Point record"
    )
    return rdf_response(record(served(request, context)), media_type)


@router.get(
    "/fdp",
    response_class=Response,
    responses=RDF_ANSWERS,
    summary="The FAIR Data Point: the root of the metadata a harvester walks",
)
def fdp_root(request: Request, context: Context) -> Response:
    return _fdp_document(request, context, fdp.root_record)


@router.get(
    "/fdp/catalog/",
    response_class=Response,
    responses=RDF_ANSWERS,
    summary="The FAIR Data Point's container of catalogs",
)
def fdp_catalogs(request: Request, context: Context) -> Response:
    return _fdp_document(request, context, fdp.catalogs_container)


@router.get(
    f"/fdp/catalog/{CATALOG}",
    response_class=Response,
    responses=RDF_ANSWERS,
    summary="The FAIR Data Point's catalog",
)
def fdp_catalog(request: Request, context: Context) -> Response:
    return _fdp_document(request, context, fdp.catalog_record)


@router.get(
    f"/fdp/catalog/{CATALOG}/dataset/",
    response_class=Response,
    responses=RDF_ANSWERS,
    summary="The catalog's container of datasets",
)
def fdp_datasets(request: Request, context: Context) -> Response:
    return _fdp_document(request, context, fdp.datasets_container)


@router.get(
    f"/fdp/dataset/{DATASET}",
    response_class=Response,
    responses=RDF_ANSWERS,
    summary="The FAIR Data Point's dataset",
)
def fdp_dataset(request: Request, context: Context) -> Response:
    return _fdp_document(request, context, fdp.dataset_record)


@router.get(
    f"/fdp/dataset/{DATASET}/distribution/",
    response_class=Response,
    responses=RDF_ANSWERS,
    summary="The dataset's container of distributions",
)
def fdp_distributions(request: Request, context: Context) -> Response:
    return _fdp_document(request, context, fdp.distributions_container)


@router.get(
    "/fdp/distribution/{name}",
    response_class=Response,
    responses={**RDF_ANSWERS, **refusals(404)},
    summary="One distribution of the dataset (a build file)",
)
def fdp_distribution(name: str, request: Request, context: Context) -> Response:
    if name not in served(request, context).downloads:
        raise NotFoundError(f"no distribution named {name!r}; see /fdp/dataset/{DATASET}")
    return _fdp_document(request, context, lambda where: fdp.distribution_record(where, name))


@router.get(
    "/downloads/{name:path}",
    response_class=Response,
    responses={**answers(*DOWNLOAD_TYPES), **refusals(404)},
    summary="A file of the published build, or a source",
)
async def download(name: str, request: Request, context: Context) -> Response:
    found = await run_in_threadpool(download_path, context.settings.build.build_dir, name)
    if found is None:
        offered = ", ".join(DOWNLOADS)
        raise NotFoundError(
            f"no download named {name!r}; the build offers {offered} and its sources "
            "(listed in ro-crate-metadata.json)"
        )
    path, media_type = found
    response = FileResponse(
        path,
        media_type=media_type,
        filename=path.name,
        content_disposition_type="inline",
    )
    if is_head(request.scope):  # the file's headers without reading the file (gigabytes)
        response.set_stat_headers(await run_in_threadpool(os.stat, path))
        return Response(headers=dict(response.headers))
    return response
