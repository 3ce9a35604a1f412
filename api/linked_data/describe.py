"""Dereferencing the graph's IRIs: what the graph says about a resource, as RDF or HTML.

A description is CBD-like: the resource's outgoing triples, the labels of the resources it
links to, and the resources linking to it (the first 500) with their labels. The ontology
IRI is described by the whole ontology graph. The HTML rendering (``api.linked_data.page``)
is a page of the site whose links stay on this server for the graph's own IRIs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from smqi.api.evidence.queries import Snapshot, api_query
from smqi.api.http.media import BY_TYPE, JSON_LD, N_QUADS, N_TRIPLES, RDF_XML, TRIG, TURTLE, named
from smqi.api.http.negotiation import HTML, write_rdf
from smqi.api.linked_data.graphs import graph_triples
from smqi.api.store.sparql import BindingValue
from smqi.loader.terms import DCTERMS, FOAF, ONTOLOGY_IRI, OWL, RDFS, SKOS, VOCAB

# Offered in this order: a client that accepts anything gets Turtle. The ?format= names are
# the registry's (api.http.media) for these types.
MEDIA_TYPES = (TURTLE, HTML, JSON_LD, RDF_XML, N_TRIPLES, N_QUADS, TRIG)
FORMAT_NAMES = {
    name: media_type
    for media_type in MEDIA_TYPES
    for name in BY_TYPE[media_type].names
    if named(name, MEDIA_TYPES) == media_type
}
LABEL_PROPERTIES = (str(SKOS.prefLabel), str(RDFS.label), str(DCTERMS.title), str(FOAF.name))
INCOMING_LIMIT = 500  # as resource-incoming.rq's LIMIT
_Object = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class IriSpace:
    """Where the graph's IRIs dereference on this server, and back."""

    base: str  # the instance IRIs' base, e.g. https://w3id.org/smqi/id/

    def local_path(self, iri: str) -> str | None:
        """The path on this server that serves ``iri``, if the graph mints it."""
        if iri.startswith(self.base):
            return "/id/" + iri[len(self.base) :]
        if iri.startswith(str(VOCAB)):
            return "/vocab/" + iri[len(str(VOCAB)) :]
        if iri == ONTOLOGY_IRI or iri.startswith((f"{ONTOLOGY_IRI}#", f"{ONTOLOGY_IRI}/")):
            return "/ontology" + iri[len(ONTOLOGY_IRI) :]
        return None

    def instance(self, path: str) -> str:
        return self.base + path

    @staticmethod
    def vocabulary(path: str) -> str:
        return str(VOCAB) + path


@dataclass(frozen=True)
class Description:
    """The triples that describe ``resource``; ``whole_graph`` for the ontology document."""

    resource: str
    triples: tuple[ox.Triple, ...]
    whole_graph: bool = False
    incoming_cut: bool = False  # more resources link here than the description lists


def describe(snapshot: Snapshot, resource: str) -> Description | None:
    """The resource's outgoing and incoming triples with labels; None if the graph has none."""
    node = ox.NamedNode(resource)
    triples: dict[ox.Triple, None] = {}
    for row in snapshot.select(api_query("resource-properties"), {"resource": node}).rows:
        value = row["value"]
        if isinstance(value, _Object):
            triples[ox.Triple(node, ox.NamedNode(_value(row["property"])), value)] = None
    incoming = 0
    for row in snapshot.select(api_query("resource-incoming"), {"resource": node}).rows:
        subject = row["subject"]
        if isinstance(subject, ox.NamedNode | ox.BlankNode):
            triples[ox.Triple(subject, ox.NamedNode(_value(row["property"])), node)] = None
            incoming += 1
    if not triples:
        return None
    linked = {t.object for t in triples if isinstance(t.object, ox.NamedNode)}
    linked |= {t.subject for t in triples if isinstance(t.subject, ox.NamedNode)}
    linked.discard(node)
    if linked:
        named: list[BindingValue] = sorted(linked, key=lambda n: n.value)
        for row in snapshot.select(api_query("resource-labels"), {"resource": named}).rows:
            labelled, label, label_property = row["resource"], row["label"], row["labelProperty"]
            if isinstance(label, ox.Literal) and isinstance(label_property, ox.NamedNode):
                triples[ox.Triple(ox.NamedNode(_value(labelled)), label_property, label)] = None
    # the resource's own triples first, then each other subject's together (Turtle groups them)
    ordered = sorted(
        triples,
        key=lambda t: (
            t.subject != node,
            natural_key(str(t.subject)),
            str(t.predicate),
            natural_key(str(t.object)),
        ),
    )
    return Description(resource, tuple(ordered), incoming_cut=incoming >= INCOMING_LIMIT)


def describe_ontology(snapshot: Snapshot, iri: str = ONTOLOGY_IRI) -> Description | None:
    """The ontology document (every triple of the ontology graph), asked for by the ontology
    IRI, its owl:versionIRI or its owl:priorVersion (whose IRI must keep resolving: the
    current document says which version it is and which it replaces); None for another
    version or an empty graph."""
    triples = tuple(graph_triples(snapshot, "ontology"))
    if not triples:
        return None
    if iri != ONTOLOGY_IRI:
        versions = {
            ox.Triple(ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode(str(kind)), ox.NamedNode(iri))
            for kind in (OWL.versionIRI, OWL.priorVersion)
        }
        if not versions & set(triples):
            return None
    return Description(ONTOLOGY_IRI, triples, whole_graph=True)


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[str | int, ...], str]:
    """``text`` as runs of letters and numbers, so that .../author/2 comes before
    .../author/10 and row 9 before row 10; the text itself breaks ties."""
    parts = _DIGITS.split(text)  # text at even places, digits at odd ones
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts)), text


def _value(term: object) -> str:
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term.value
    raise ValueError(f"unexpected term {term!r}")


def media_type_for(format_name: str) -> str | None:
    return FORMAT_NAMES.get(format_name.strip().lower())


def render_rdf(description: Description, media_type: str) -> bytes:
    """The description in an RDF syntax (the HTML page is ``api.linked_data.page``'s)."""
    return write_rdf(description.triples, media_type)
