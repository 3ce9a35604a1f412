"""The ontology's documentation page, made by pyLODE (OntPub) from the served graph.

Every class and property of the ontology with its label, definition, domain, range and
super-classes; as a class's examples, its vocabulary's concepts (every platform under Social
media platform ...; the first 60 of ISO 3166's countries) or a few resources of the class
from the graph. Section anchors are the terms' own fragments, so that a term's IRI
(``.../ontology#Study``) opens its section.
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from pylode import OntPub

from smqi.api.evidence.queries import Snapshot, api_query
from smqi.loader.terms import ONTOLOGY_IRI, OWL, RDF, SKOS

CONCEPTS_PER_CLASS = 60


def _graph(snapshot: Snapshot, name: str) -> list[ox.Triple]:
    graph = ox.NamedNode(f"{snapshot.base_iri}graph/{name}")
    return snapshot.construct(api_query("graph-triples"), {"graph": graph})


def documented_graph(snapshot: Snapshot) -> rdflib.Graph | None:
    """The ontology and the vocabularies, with examples of each class; None without an
    ontology."""
    ontology = _graph(snapshot, "ontology")
    if not ontology:
        return None
    vocabularies = _graph(snapshot, "vocabularies")
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
    html: str = publication.make_html()
    return html.encode("utf-8")
