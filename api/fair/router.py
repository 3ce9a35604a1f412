"""The dataset's descriptions for harvesters and its files: the VoID/DCAT description, the
FAIR Data Point records, FAIR Signposting links, and the published build's downloads.

``/.well-known/void`` and ``/fdp/...`` are content-negotiated RDF; ``/downloads/{file}``
serves the published build's files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from smqi.api.context import AppContext
from smqi.api.fair import data_point as fdp
from smqi.api.fair.data_point import Served
from smqi.api.fair.dataset_description import (
    DOWNLOADS,
    available_downloads,
    current_void,
    dataset_iri,
    distribution_triples,
    download_path,
)
from smqi.api.http.dependencies import get_context
from smqi.api.http.head import is_head
from smqi.api.http.negotiation import GRAPH_ALIASES, GRAPH_TYPES, choose_or_refuse, write_rdf
from smqi.loader import terms

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["Home and descriptions"])

NEGOTIATED = {"Vary": "Accept", "Cache-Control": "no-cache"}


def base_url(request: Request, context: AppContext) -> str:
    """Where this server answers: the configured public URL, else the request's own."""
    return (context.settings.public_url or str(request.base_url)).rstrip("/")


def _not_found(message: str) -> JSONResponse:
    return JSONResponse({"code": "not-found", "message": message}, status_code=404)


def rdf_response(triples: list[ox.Triple], media_type: str) -> Response:
    return Response(write_rdf(triples, media_type), media_type=media_type, headers=NEGOTIATED)


def dataset_description(request: Request, context: AppContext, media_type: str) -> Response:
    """The VoID/DCAT description of the served build, with this server's download links."""
    build_dir = context.settings.build.build_dir
    links = distribution_triples(
        context.settings.build.base_iri, base_url(request, context), available_downloads(build_dir)
    )
    # sorted: the store returns the triples in no fixed order
    return rdf_response(sorted(current_void(context), key=str) + links, media_type)


def served(request: Request, context: AppContext) -> Served:
    """Where this server answers and the build it serves, as the FDP records and the
    landing page's signposts describe them."""
    return Served(
        base_url(request, context),
        context.settings.build.base_iri,
        current_void(context),
        available_downloads(context.settings.build.build_dir),
    )


def signposts(request: Request, context: AppContext) -> str:
    """FAIR Signposting (signposting.org/FAIR) for the landing page, as a Link header: the
    dataset's persistent identifier, its metadata, type, licence and every downloadable file,
    so that a harvester finds them without parsing the page."""
    where = served(request, context)
    links = [
        (dataset_iri(where.base_iri).value, "cite-as", None),
        (where.dataset, "describedby", "text/turtle"),
        (f"{where.base_url}/.well-known/void", "describedby", "text/turtle"),
        ("https://schema.org/Dataset", "type", None),
        ("https://schema.org/AboutPage", "type", None),
    ]
    stated = where.about_dataset(terms.DCTERMS.license)
    if isinstance(stated, ox.NamedNode):
        links.append((stated.value, "license", None))
    links += [(where.download(name), "item", DOWNLOADS[name]) for name in where.downloads]
    return ", ".join(
        f'<{target}>; rel="{rel}"' + (f'; type="{kind}"' if kind else "")
        for target, rel, kind in links
    )


@router.get("/.well-known/void", summary="The VoID and DCAT description of the dataset")
def void(request: Request, context: Context) -> Response:
    media_type = choose_or_refuse(
        request.headers.get("accept"), GRAPH_TYPES, GRAPH_ALIASES, "the VoID description"
    )
    return dataset_description(request, context, media_type)


def _fdp_document(
    request: Request, context: AppContext, record: Callable[[Served], list[ox.Triple]]
) -> Response:
    media_type = choose_or_refuse(
        request.headers.get("accept"), GRAPH_TYPES, GRAPH_ALIASES, "the FAIR Data Point record"
    )
    return rdf_response(record(served(request, context)), media_type)


@router.get("/fdp", summary="The FAIR Data Point: the root of the metadata a harvester walks")
def fdp_root(request: Request, context: Context) -> Response:
    return _fdp_document(request, context, fdp.root_record)


@router.get(f"/fdp/catalog/{fdp.CATALOG}", summary="The FAIR Data Point's catalog")
def fdp_catalog(request: Request, context: Context) -> Response:
    return _fdp_document(request, context, fdp.catalog_record)


@router.get(f"/fdp/dataset/{fdp.DATASET}", summary="The FAIR Data Point's dataset")
def fdp_dataset(request: Request, context: Context) -> Response:
    return _fdp_document(request, context, fdp.dataset_record)


@router.get("/fdp/distribution/{name}", summary="One distribution of the dataset (a build file)")
def fdp_distribution(name: str, request: Request, context: Context) -> Response:
    if name not in available_downloads(context.settings.build.build_dir):
        return _not_found(f"no distribution named {name!r}; see /fdp/dataset/{fdp.DATASET}")
    return _fdp_document(request, context, lambda where: fdp.distribution_record(where, name))


@router.get("/downloads/{name}", summary="A file of the published build")
async def download(name: str, request: Request, context: Context) -> Response:
    path = await run_in_threadpool(download_path, context.settings.build.build_dir, name)
    if path is None:
        offered = ", ".join(DOWNLOADS)
        return _not_found(f"no download named {name!r}; the build offers {offered}")
    response = FileResponse(
        path, media_type=DOWNLOADS[name], filename=name, content_disposition_type="inline"
    )
    if is_head(request.scope):  # the file's headers without reading the file (gigabytes)
        response.set_stat_headers(await run_in_threadpool(os.stat, path))
        return Response(headers=dict(response.headers))
    return response
