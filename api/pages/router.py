"""The home page and the front-end assets.

``/`` is an HTML page saying where everything is (or, to a client asking for RDF or JSON,
the dataset description, with the FAIR Signposting links either way).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pylode
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from smqi.api.context import AppContext
from smqi.api.errors import NotFoundError
from smqi.api.fair.dataset_description import (
    DOWNLOAD_TITLES,
    DOWNLOADS,
    available_downloads,
    current_facts,
)
from smqi.api.fair.router import NEGOTIATED, base_url, dataset_description, served
from smqi.api.fair.schema_org import dataset_markup
from smqi.api.http.dependencies import get_context
from smqi.api.http.negotiation import GRAPH_ALIASES, GRAPH_TYPES, HTML, choose_or_refuse
from smqi.api.http.openapi import answers, refusals
from smqi.api.pages import render as pages
from smqi.api.pages.templating import render_page
from smqi.loader import __version__

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["Home and descriptions"])

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
}
# pyLODE's stylesheet, for the ontology's documentation page (api.linked_data.ontology_docs)
PACKAGED = {"pylode.css": Path(pylode.__file__).resolve().parent / "pylode.css"}
TITLE = "SMQI Evidence Graph"


@router.get(
    "/",
    response_class=Response,
    responses={**answers(HTML, *GRAPH_TYPES), **refusals(406)},
    summary="Home page; the dataset description to RDF and JSON clients",
)
def home(request: Request, context: Context) -> Response:
    media_type = choose_or_refuse(
        request.headers.get("accept"), (HTML, *GRAPH_TYPES), GRAPH_ALIASES, "the home page"
    )
    if media_type != HTML:  # its signposts (Link) come from api.fair.signposts
        return dataset_description(request, context, media_type)
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
        endpoint=f"{base_url(request, context)}/sparql",
        facts=facts,
        examples=pages.examples_of(context.catalogue, context.settings.build.base_iri),
        downloads=downloads,
        schemes=sorted(p.stem for p in context.settings.build.vocabulary_dir.glob("*.ttl")),
        markup=dataset_markup(served(request, context), facts),
    )
    # the Link header (FAIR Signposting) is added by the signposting middleware
    return HTMLResponse(pages.render_home(page), headers=NEGOTIATED)


@router.get("/docs", include_in_schema=False)
def docs() -> Response:
    """Swagger UI on /openapi.json, from the vendored bundle (works offline, under the CSP)."""
    html = render_page("docs.html", title="API documentation", section="/docs")
    return HTMLResponse(html)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return FileResponse(
        STATIC_DIR / "favicon.ico",
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> Response:
    """The front-end assets in api/pages/static (the vendored YASGUI, the stylesheet), and
    pyLODE's stylesheet from its package."""
    file = PACKAGED.get(path) or (STATIC_DIR / path).resolve()
    media_type = STATIC_TYPES.get(file.suffix)
    inside = path in PACKAGED or file.is_relative_to(STATIC_DIR)
    if media_type is None or not inside or not file.is_file():
        raise NotFoundError(f"no static file {path!r}")
    return FileResponse(
        file, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
    )
