"""Linked data: every IRI the graph mints dereferences here, in the format the client asks for.

``/id/...`` serves the instance IRIs (``{base}...``), ``/vocab/...`` the concepts and
schemes, ``/ontology`` the ontology document. Turtle, JSON-LD, RDF/XML, N-Triples, N-Quads,
TriG or HTML by the Accept header (``Vary: Accept``) or ``?format=`` (ttl, jsonld, rdf, nt,
nq, trig, html).
Unknown IRIs give 404. Answers are cached per dataset version with an ETag.
"""

from __future__ import annotations

from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from smqi.api.context import AppContext
from smqi.api.errors import NotAcceptableError
from smqi.api.evidence.errors import EvidenceError, NotFoundError
from smqi.api.evidence.queries import Snapshot
from smqi.api.evidence.study import study_detail
from smqi.api.http.caching import Representation, respond
from smqi.api.http.dependencies import get_context
from smqi.api.http.negotiation import GRAPH_ALIASES, HTML, choose_or_refuse
from smqi.api.http.openapi import answers, one_of, refusals
from smqi.api.http.problems import problem
from smqi.api.linked_data.describe import (
    FORMAT_NAMES,
    MEDIA_TYPES,
    Description,
    IriSpace,
    describe,
    describe_ontology,
    media_type_for,
    render_rdf,
)
from smqi.api.linked_data.ontology_docs import ontology_page
from smqi.api.linked_data.page import render_html
from smqi.api.pages.templating import HTML as HTML_PAGE
from smqi.api.pages.views import notice_of, render_problem, render_study
from smqi.loader.terms import ONTOLOGY_IRI, RDF, SMQI, VOCAB

Context = Annotated[AppContext, Depends(get_context)]
router = APIRouter(tags=["Linked data"])

Format = Annotated[
    str | None,
    Query(
        alias="format",
        description="ttl, jsonld, rdf, nt, nq, trig or html: overrides Accept.",
        json_schema_extra=one_of(["", *sorted(FORMAT_NAMES)]),
    ),
]
RESPONSES = {
    **answers(*MEDIA_TYPES, description="The resource's description"),
    **refusals(304, 404, 406, pages=True),
}


def _media_type(request: Request, format_name: str | None) -> str:
    if format_name:
        chosen = media_type_for(format_name)
        if chosen is None:
            raise NotAcceptableError(
                f"format={format_name!r} is not one of {', '.join(sorted(FORMAT_NAMES))}"
            )
        return chosen
    return choose_or_refuse(
        request.headers.get("accept"), MEDIA_TYPES, GRAPH_ALIASES, what="this resource"
    )


def _raw_remainder(request: Request, prefix: str) -> str:
    """The request path after ``prefix``, still percent-encoded as the IRI is."""
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("utf-8", errors="replace").split("?", 1)[0]
    return path[path.find(prefix) + len(prefix) :]


def _dereference(
    request: Request, context: AppContext, iri: str, format_name: str | None
) -> Response:
    media_type = _media_type(request, format_name)
    space = IriSpace(context.settings.build.base_iri)

    def render_description(snapshot: Snapshot) -> Representation:
        description: Description | None
        if iri == ONTOLOGY_IRI and media_type == HTML:
            page = ontology_page(snapshot)  # pyLODE's documentation of every term
            if page is None:
                raise NotFoundError(f"the graph says nothing about <{iri}>", {"iri": iri})
            return Representation(page, media_type)
        if iri == ONTOLOGY_IRI or iri.startswith(f"{ONTOLOGY_IRI}/"):
            description = describe_ontology(snapshot, iri)
        else:
            description = describe(snapshot, iri)
        if description is None:
            raise NotFoundError(f"the graph says nothing about <{iri}>", {"iri": iri})
        if media_type == HTML:
            return _page(snapshot, description, space)
        return Representation(render_rdf(description, media_type), media_type)

    try:
        if not is_iri(iri):  # a path with a space, "<", "{" ... names nothing the graph holds
            raise NotFoundError(f"{request.url.path} names no IRI this server mints", {"iri": iri})
        return respond(
            request, context, f"ld|{iri}|{media_type}", render_description, vary="Accept"
        )
    except EvidenceError as error:
        if media_type == HTML:
            headers = {"Vary": "Accept"}
            return HTMLResponse(render_problem(error), error.status, headers=headers)
        return problem(error)


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI (RFC 3987), as the store takes one."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def _types(description: Description) -> set[str]:
    subject = ox.NamedNode(description.resource)
    return {
        t.object.value
        for t in description.triples
        if t.subject == subject
        and t.predicate.value == str(RDF.type)
        and isinstance(t.object, ox.NamedNode)
    }


def _page(snapshot: Snapshot, description: Description, space: IriSpace) -> Representation:
    """The HTML page: a study's reader page, else the description with a link to the page
    for readers about the same resource (a review's, a concept's) where there is one."""
    types = _types(description)
    local = space.local_path
    if str(SMQI.Study) in types:
        path = local(description.resource) or ""
        page = render_study(
            study_detail(snapshot, description.resource), notice_of(snapshot), local, path
        )
        return Representation(page.encode("utf-8"), HTML_PAGE)
    reader = None
    resource = description.resource
    if types & {str(SMQI.Review), str(SMQI.IllustrativeExtraction), str(SMQI.EvidenceCollection)}:
        identifier = resource.rstrip("/").rsplit("/", 1)[-1]
        reader = (f"/reviews/{identifier}", "its record, findings and counts")
    elif resource.startswith(str(VOCAB)):
        scheme, _, concept = resource[len(str(VOCAB)) :].partition("/")
        anchor = f"#{concept.rsplit('/', 1)[-1]}" if concept else ""
        reader = (f"/concepts/{scheme}{anchor}", "the concept scheme's page")
    page = render_html(description, space, reader)
    return Representation(page.encode("utf-8"), HTML_PAGE)


@router.get(
    "/id/{path:path}",
    response_class=Response,
    responses=RESPONSES,
    summary="Dereference an instance IRI",
)
def get_instance(
    request: Request, context: Context, path: str, format_name: Format = None
) -> Response:
    """The description of ``{base}{path}``: a study, record, review, collection, finding,
    sheet, sheet row, build, agent, person, dataset or graph."""
    space = IriSpace(context.settings.build.base_iri)
    return _dereference(
        request, context, space.instance(_raw_remainder(request, "/id/")), format_name
    )


@router.get(
    "/vocab/{path:path}",
    response_class=Response,
    responses=RESPONSES,
    summary="Dereference a concept IRI",
)
def get_concept(
    request: Request, context: Context, path: str, format_name: Format = None
) -> Response:
    """The description of a concept or concept scheme under https://w3id.org/smqi/vocab/."""
    return _dereference(
        request, context, IriSpace.vocabulary(_raw_remainder(request, "/vocab/")), format_name
    )


@router.get(
    "/ontology", response_class=Response, responses=RESPONSES, summary="The ontology document"
)
def get_ontology(request: Request, context: Context, format_name: Format = None) -> Response:
    """Every triple of the ontology graph (https://w3id.org/smqi/ontology); in a browser,
    its documentation by pyLODE, whose sections the terms' hash IRIs
    (``...ontology#Study``) open."""
    return _dereference(request, context, ONTOLOGY_IRI, format_name)


@router.get(
    "/ontology/{version}",
    response_class=Response,
    responses=RESPONSES,
    summary="A version of the ontology",
)
def get_ontology_version(
    request: Request, context: Context, version: str, format_name: Format = None
) -> Response:
    """The ontology document, when ``version`` names its owl:versionIRI
    (https://w3id.org/smqi/ontology/{version}); 404 for other versions."""
    version_iri = f"{ONTOLOGY_IRI}/{_raw_remainder(request, '/ontology/')}"
    return _dereference(request, context, version_iri, format_name)
