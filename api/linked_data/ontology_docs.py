"""The ontology's documentation page, made by pyLODE (OntPub) from the served graph.

Every class and property of the ontology with its label, definition, domain, range and
super-classes; as a class's examples, its vocabulary's concepts (every platform under Social
media platform ...; the first 60 of ISO 3166's countries) or a few resources of the class
from the graph. Section anchors are the terms' own fragments, so that a term's IRI
(``.../ontology#Study``) opens its section.

pyLODE writes whatever the graph holds into its HTML: an IRI of any scheme as a link, and a
literal through Markdown, which passes raw HTML on. A store may hold anything, so its body
is sanitised (nh3, the Ammonia sanitiser) down to the elements and attributes pyLODE uses,
with links only to http(s) and relative URLs; its head is this site's (``ontology.html``):
pyLODE's stylesheet from /static (not inline: the pages' CSP allows no inline style) and its
schema.org JSON-LD re-encoded as data.
"""

from __future__ import annotations

import json

import nh3
import pyoxigraph as ox
import rdflib
from dominate.dom_tag import dom_tag
from markupsafe import Markup
from pylode import OntPub

from smqi.api.evidence.queries import Snapshot, api_query
from smqi.api.linked_data.graphs import graph_triples
from smqi.api.pages.templating import render_page
from smqi.loader.terms import ONTOLOGY_IRI, OWL, RDF, SKOS

CONCEPTS_PER_CLASS = 60
# What pyLODE's body is made of (pyLODE 3.x), and nothing more.
ALLOWED_TAGS = {
    "a", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "li", "ol",
    "p", "pre", "span", "strong", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"*": {"id", "class", "title"}, "a": {"href"}}
LINKED_SCHEMES = {"http", "https"}


def documented_graph(snapshot: Snapshot) -> rdflib.Graph | None:
    """The ontology and the vocabularies, with examples of each class; None without an
    ontology."""
    ontology = graph_triples(snapshot, "ontology")
    if not ontology:
        return None
    vocabularies = graph_triples(snapshot, "vocabularies")
    scheme = ox.NamedNode(str(SKOS.ConceptScheme))
    schemes = {
        t.subject for t in vocabularies if t.predicate.value == str(RDF.type) and t.object == scheme
    }
    # pyLODE would read a concept scheme as a second ontology and merge its title and
    # definition into the ontology's: the schemes are left to their own pages (/vocab/...)
    triples = [*ontology, *(t for t in vocabularies if t.subject not in schemes)]
    classes = set(
        {
            t.subject
            for t in ontology
            if t.predicate.value == str(RDF.type)
            and t.object == ox.NamedNode(str(OWL.Class))
            and isinstance(t.subject, ox.NamedNode)
            and t.subject.value.startswith(f"{ONTOLOGY_IRI}#")
        }
    )
    example = ox.NamedNode(str(SKOS.example))
    concepts: dict[ox.NamedNode, list[ox.NamedNode]] = {}
    for t in vocabularies:  # each vocabulary's concepts, under the class of its values
        if (
            t.predicate.value == str(RDF.type)
            and t.object in classes
            and isinstance(t.subject, ox.NamedNode)
        ):
            concepts.setdefault(t.object, []).append(t.subject)  # type: ignore[arg-type]
    for cls in sorted(classes, key=str):
        if cls in concepts:  # the whole vocabulary (the first of ISO 3166's countries)
            listed = sorted(concepts[cls], key=str)[:CONCEPTS_PER_CLASS]
        else:  # a few resources of the class from the graph
            rows = snapshot.select(api_query("class-examples"), {"class": cls}).rows
            listed = [r["example"] for r in rows if isinstance(r.get("example"), ox.NamedNode)]  # type: ignore[misc]
        triples += [ox.Triple(cls, example, found) for found in listed]
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def sanitised(html: str) -> str:
    """``html`` (a fragment) with only ``ALLOWED_TAGS`` and ``ALLOWED_ATTRIBUTES``, and
    links only to http(s) and relative URLs: no script, style or event handler."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=LINKED_SCHEMES,
        link_rel=None,
    )


def _schema_org(head: dom_tag) -> object | None:
    """The schema.org JSON-LD pyLODE put in its head, decoded (None if it does not parse)."""
    for child in head.children:
        if isinstance(child, dom_tag) and child.attributes.get("id") == "schema.org":
            try:
                decoded: object = json.loads("".join(str(part) for part in child.children))
                return decoded
            except ValueError:
                return None
    return None


def ontology_page(snapshot: Snapshot) -> bytes | None:
    """The pyLODE documentation of the served ontology; None when none is loaded."""
    graph = documented_graph(snapshot)
    if graph is None:
        return None
    publication = OntPub(ontology=graph, sort_subjects=True)
    # pyLODE names a section after the term's label unless told its fragment first
    for term in set(graph.subjects()):
        if isinstance(term, rdflib.URIRef) and str(term).startswith(f"{ONTOLOGY_IRI}#"):
            publication.fids[str(term)] = str(term).split("#", 1)[1]
    publication.make_html()
    document = publication.doc
    html = render_page(
        "ontology.html",
        title=str(document.title),
        markup=_schema_org(document.head),
        body=Markup(sanitised("".join(child.render() for child in document.body.children))),
    )
    return html.encode("utf-8")
