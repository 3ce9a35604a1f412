"""The one place the loader calls owlready2 and its HermiT reasoner.

owlready2 cannot read Turtle, so every graph reaches it as N-Triples bytes. HermiT checks
every datatype: the graph gives data properties only values of the OWL 2 datatype map
(dates, which it lacks, are values of annotation properties; see the ontology's comment),
so a value of another datatype is refused rather than silently ignored. owlready2's errors
are translated into ``ReasoningError`` here and nowhere else.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import owlready2
import pyoxigraph as ox

from smqi.loader.errors import ReasoningError
from smqi.loader.terms import OWL, RDF, RDFS

Pair = tuple[str, str]
Triple = tuple[str, str, str]

_BUILTIN_PREFIXES = (str(OWL), str(RDF), str(RDFS))


@contextmanager
def open_world(nt_bytes: bytes) -> Iterator[Any]:
    """A fresh owlready2 world holding the given N-Triples, closed on exit."""
    world = owlready2.World()
    try:
        world.get_ontology("urn:smqi:reasoning").load(
            fileobj=io.BytesIO(nt_bytes), format="ntriples"
        )
    except Exception as exc:  # owlready2 raises bare parser errors
        world.close()
        raise ReasoningError(f"owlready2 could not read the graph: {exc}") from exc
    try:
        yield world
    finally:
        world.close()


def run_hermit(world: Any, *, infer_property_values: bool = False) -> bool:
    """Run HermiT on ``world`` and apply its results; False if the world is inconsistent."""
    try:
        owlready2.sync_reasoner_hermit(
            world,
            infer_property_values=infer_property_values,
            debug=0,
            ignore_unsupported_datatypes=False,
        )
    except owlready2.OwlReadyInconsistentOntologyError:
        return False
    except owlready2.OwlReadyJavaError as exc:
        if "UnsupportedDatatypeException" in str(exc):
            raise ReasoningError(
                "HermiT refuses a value whose datatype is not in the OWL 2 datatype map (such "
                "as xsd:date or xsd:gYear) given to a data property; give the property an OWL 2 "
                f"datatype, or make it an annotation property: {_java_message(exc)}"
            ) from exc
        raise ReasoningError(f"HermiT could not run (is Java 11+ installed?): {exc}") from exc
    except OSError as exc:
        raise ReasoningError(f"HermiT could not run (is Java 11+ installed?): {exc}") from exc
    return True


def _java_message(error: Exception) -> str:
    """The Java exception's own message, without the stack trace owlready2 appends."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    found = [line for line in lines if "Exception" in line or "datatype" in line]
    return " ".join(found[:3]) or lines[-1] if lines else str(error)


def is_user_entity(entity: Any) -> bool:
    """True for classes and properties other than the OWL, RDF and RDFS built-ins."""
    iri = getattr(entity, "iri", None)
    return isinstance(iri, str) and not iri.startswith(_BUILTIN_PREFIXES)


def named_ancestors(entity: Any) -> set[str]:
    """IRIs of the named classes (or properties) ``entity`` is subsumed by, itself included."""
    return {a.iri for a in entity.ancestors() if is_user_entity(a)}


def hermit_entailments(nt_bytes: bytes) -> tuple[set[Pair], set[Triple]]:
    """What HermiT entails for the individuals of an ontology plus data given as N-Triples.

    Returns ``(class memberships, object property values)``: every ``(individual, class)``
    over the named classes, closed over HermiT's class hierarchy, and every
    ``(subject, property, object)`` over the named object properties. HermiT (command line
    ``-Y``) prints the known instances of each node of its property hierarchy, so the
    values of a super-property are the union of those of the properties below it; they
    are read that way here. HermiT through owlready2 gives no data property values.
    """
    with open_world(nt_bytes) as world:
        mentioned = {
            term.value
            for triple in ox.parse(nt_bytes, format=ox.RdfFormat.N_TRIPLES)
            for term in (triple.subject, triple.object)
            if isinstance(term, ox.NamedNode)
        }
        # Read HermiT's results from the quadstore by storid, never through owlready2's
        # individual objects: fetching one whose IRI ends in "/" or "#" (no local name)
        # makes a new, renamed individual (".../licensedocument1").
        spelt = {world._abbreviate(term, False): term for term in mentioned}
        spelt = {storid: term for storid, term in spelt.items() if storid is not None}
        if not run_hermit(world, infer_property_values=True):
            raise ReasoningError("HermiT: the ontology plus data is inconsistent")
        memberships: set[Pair] = set()
        for storid, term in spelt.items():
            for class_id in world._get_obj_triples_sp_o(storid, owlready2.rdf_type):
                cls = world._get_by_storid(class_id)
                if isinstance(cls, owlready2.ThingClass):
                    memberships.update((term, iri) for iri in named_ancestors(cls))
        properties = {p for p in world.object_properties() if is_user_entity(p)}
        properties |= {
            a
            for p in properties
            for a in p.ancestors()
            if is_user_entity(a) and isinstance(a, owlready2.ObjectPropertyClass)
        }
        values: set[Triple] = set()
        for prop in properties:
            supers = named_ancestors(prop)
            for _, subject, _, obj in world._get_obj_triples_cspo_cspo(
                None, None, prop.storid, None
            ):
                if subject in spelt and obj in spelt:
                    values.update((spelt[subject], p, spelt[obj]) for p in supers)
            inverse = prop.inverse_property  # as get_relations() reads them, both ways
            if inverse is not None:
                rows = world._get_obj_triples_cspo_cspo(None, None, inverse.storid, None)
                for _, subject, _, obj in rows:
                    if subject in spelt and obj in spelt:
                        values.update((spelt[obj], p, spelt[subject]) for p in supers)
        return memberships, values
