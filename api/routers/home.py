"""The home page, the dataset and example descriptions, downloads and static assets.

``/`` is an HTML page saying where everything is (or, to a client asking for RDF or JSON,
the dataset description); ``/.well-known/void`` and ``/.well-known/sparql-examples`` are
content-negotiated RDF; ``/downloads/{file}`` serves the published build's files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api import fair_data_point as fdp
from api import pages
from api.context import AppContext
from api.dataset_description import (
    DOWNLOAD_TITLES,
    DOWNLOADS,
    available_downloads,
    current_facts,
    current_void,
    dataset_iri,
    distribution_triples,
    download_path,
)
from api.dependencies import get_context
from api.fair_data_point import Served
from api.head import is_head
from api.negotiation import GRAPH_ALIASES, GRAPH_TYPES, HTML, choose_or_refuse, write_rdf
from api.schema_org import dataset_markup
from api.service_description import ServiceLinks, describe_examples
from loader import __version__, terms

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["Home and descriptions"])

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
TITLE = "SMQI Evidence Graph"
STATIC_CACHING = {"Cache-Control": "public, max-age=3600"}
_NEGOTIATED = {"Vary": "Accept", "Cache-Control": "no-cache"}


def _base_url(request: Request, context: AppContext) -> str:
    """Where this server answers: the configured public URL, else the request's own."""
    return (context.settings.public_url or str(request.base_url)).rstrip("/")


def _not_found(message: str) -> JSONResponse:
    return JSONResponse({"code": "not-found", "message": message}, status_code=404)


def _rdf(triples: list[ox.Triple], media_type: str) -> Response:
    return Response(write_rdf(triples, media_type), media_type=media_type, headers=_NEGOTIATED)


def _dataset_description(request: Request, context: AppContext, media_type: str) -> Response:
    build_dir = context.settings.build.build_dir
    links = distribution_triples(
        context.settings.build.base_iri, _base_url(request, context), available_downloads(build_dir)
    )
    # sorted: the store returns the triples in no fixed order
    return _rdf(sorted(current_void(context), key=str) + links, media_type)


def signposts(request: Request, context: AppContext) -> str:
    """FAIR Signposting (signposting.org/FAIR) for the landing page, as a Link header: the
    dataset's persistent identifier, its metadata, type, licence and every downloadable file,
    so that a harvester finds them without parsing the page."""
    served = _served(request, context)
    links = [
        (dataset_iri(served.base_iri).value, "cite-as", None),
        (served.dataset, "describedby", "text/turtle"),
        (f"{served.base_url}/.well-known/void", "describedby", "text/turtle"),
        ("https://schema.org/Dataset", "type", None),
        ("https://schema.org/AboutPage", "type", None),
    ]
    stated = served.about_dataset(terms.DCTERMS.license)
    if isinstance(stated, ox.NamedNode):
        links.append((stated.value, "license", None))
    links += [(served.download(name), "item", DOWNLOADS[name]) for name in served.downloads]
    return ", ".join(
        f'<{target}>; rel="{rel}"' + (f'; type="{kind}"' if kind else "")
        for target, rel, kind in links
    )


@router.get("/", summary="Home page; the dataset description to RDF and JSON clients")
def home(request: Request, context: Context) -> Response:
    media_type = choose_or_refuse(
        request.headers.get("accept"), (HTML, *GRAPH_TYPES), GRAPH_ALIASES, "the home page"
    )
    if media_type != HTML:
        response = _dataset_description(request, context, media_type)
        response.headers["Link"] = signposts(request, context)
        return response
    build_dir = context.settings.build.build_dir
    downloads = [
        pages.Download(
            name, DOWNLOAD_TITLES[name], DOWNLOADS[name], (build_dir / name).stat().st_size
        )
        for name in available_downloads(build_dir)
    ]
    facts = current_facts(context)
    page = pages.HomePage(
        title=TITLE,
        version=__version__,
        endpoint=f"{_base_url(request, context)}/sparql",
        facts=facts,
        examples=pages.examples_of(context.catalogue, context.settings.build.base_iri),
        downloads=downloads,
        schemes=sorted(p.stem for p in context.settings.build.vocabulary_dir.glob("*.ttl")),
        markup=dataset_markup(_served(request, context), facts),
    )
    headers = {
        **_NEGOTIATED,
        "Content-Security-Policy": pages.CONTENT_SECURITY_POLICY,
        "Link": signposts(request, context),
    }
    return HTMLResponse(pages.render_home(page), headers=headers)


@router.get("/.well-known/void", summary="The VoID and DCAT description of the dataset")
def void(request: Request, context: Context) -> Response:
    media_type = choose_or_refuse(
        request.headers.get("accept"), GRAPH_TYPES, GRAPH_ALIASES, "the VoID description"
    )
    return _dataset_description(request, context, media_type)


@router.get("/.well-known/sparql-examples", summary="The competency queries as SPARQL examples")
def sparql_examples(request: Request, context: Context) -> Response:
    media_type = choose_or_refuse(
        request.headers.get("accept"), GRAPH_TYPES, GRAPH_ALIASES, "the example catalogue"
    )
    store = context.settings.store
    links = ServiceLinks.at(_base_url(request, context), store.query_timeout_s, store.max_rows)
    triples = describe_examples(context.catalogue, links, context.settings.build.base_iri)
    return _rdf(triples, media_type)


def _fdp_document(
    request: Request, context: AppContext, record: Callable[[Served], list[ox.Triple]]
) -> Response:
    media_type = choose_or_refuse(
        request.headers.get("accept"), GRAPH_TYPES, GRAPH_ALIASES, "the FAIR Data Point record"
    )
    return _rdf(record(_served(request, context)), media_type)


def _served(request: Request, context: AppContext) -> Served:
    """Where this server answers and the build it serves, as the FDP records and the
    landing page's signposts describe them."""
    return Served(
        _base_url(request, context),
        context.settings.build.base_iri,
        current_void(context),
        available_downloads(context.settings.build.build_dir),
    )


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
    return _fdp_document(request, context, lambda served: fdp.distribution_record(served, name))


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


@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> Response:
    """The front-end assets in api/static (the vendored YASGUI, the stylesheet)."""
    file = (STATIC_DIR / path).resolve()
    media_type = STATIC_TYPES.get(file.suffix)
    if media_type is None or not file.is_relative_to(STATIC_DIR) or not file.is_file():
        return _not_found(f"no static file {path!r}")
    return FileResponse(
        file, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
    )
