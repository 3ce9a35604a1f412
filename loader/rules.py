"""Rules read off the HermiT-classified ontology, so that data is reasoned without HermiT.

HermiT classifies the ontology and the vocabularies' concepts once; what the rule engine
needs from that classification is kept here as plain IRIs: the closed class and property
hierarchies, inverses, property chains, domains, ranges and the defined classes
(``owl:equivalentClass`` of an intersection of named classes and ``someValuesFrom``
restrictions). Applying these to a fixpoint gives, for the named classes and object
properties, exactly what HermiT entails, provided the ontology stays inside the
profile ``check_profile`` accepts: anything else is refused rather than silently
under-reasoned. Functional properties add no rule: the data model gives every thing one
IRI, so two values of a functional property are an error (a QC query), not ``sameAs``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import owlready2
from rdflib import BNode, Graph, URIRef

from smqi.loader.errors import ReasoningError
from smqi.loader.hermit import is_user_entity, named_ancestors
from smqi.loader.terms import OWL, RDF, RDFS

# Bump when the derivation changes, so cached rules from older code are not reused.
RULES_FORMAT = 1

# OWL terms the rule engine implements (or checks with a QC query); any other OWL term
# in the ontology is refused by check_profile.
_SUPPORTED_OWL = {
    OWL[name]
    for name in [
        *("Ontology", "versionInfo", "versionIRI", "priorVersion", "imports", "deprecated"),
        *("Class", "Thing", "NamedIndividual", "Restriction", "AllDisjointClasses", "members"),
        *("ObjectProperty", "DatatypeProperty", "AnnotationProperty", "FunctionalProperty"),
        *("InverseFunctionalProperty", "TransitiveProperty", "SymmetricProperty", "inverseOf"),
        *("propertyChainAxiom", "equivalentClass", "intersectionOf", "onProperty"),
        *("someValuesFrom", "disjointWith"),
    ]
}


@dataclass(frozen=True)
class Definition:
    """``defined ≡ classes[0] ⊓ … ⊓ ∃p.filler ⊓ …``: membership follows from the data."""

    defined: str
    classes: tuple[str, ...]
    restrictions: tuple[tuple[str, str], ...]  # (object property, filler class)


@dataclass(frozen=True)
class RuleSet:
    """The entailment rules of one version of the ontology, as IRIs.

    ``super_classes`` and ``super_properties`` are transitive and strict; ``classes`` and
    ``object_properties``/``data_properties`` are the vocabulary the rules speak about.
    """

    ontology_sha256: str
    classes: frozenset[str]
    object_properties: frozenset[str]
    data_properties: frozenset[str]
    super_classes: Mapping[str, frozenset[str]]
    super_properties: Mapping[str, frozenset[str]]
    inverses: Mapping[str, frozenset[str]]
    chains: tuple[tuple[tuple[str, ...], str], ...]
    domains: Mapping[str, frozenset[str]]
    ranges: Mapping[str, frozenset[str]]
    definitions: tuple[Definition, ...]
    from_cache: bool = field(default=False, compare=False)

    def to_json(self) -> str:
        def sets(mapping: Mapping[str, frozenset[str]]) -> dict[str, list[str]]:
            return {key: sorted(value) for key, value in sorted(mapping.items())}

        return json.dumps(
            {
                "format": RULES_FORMAT,
                "ontology_sha256": self.ontology_sha256,
                "classes": sorted(self.classes),
                "object_properties": sorted(self.object_properties),
                "data_properties": sorted(self.data_properties),
                "super_classes": sets(self.super_classes),
                "super_properties": sets(self.super_properties),
                "inverses": sets(self.inverses),
                "chains": [[list(links), target] for links, target in self.chains],
                "domains": sets(self.domains),
                "ranges": sets(self.ranges),
                "definitions": [
                    [d.defined, list(d.classes), [list(r) for r in d.restrictions]]
                    for d in self.definitions
                ],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> RuleSet:
        data = json.loads(text)
        if data.get("format") != RULES_FORMAT:
            raise ValueError(f"rules format {data.get('format')}, expected {RULES_FORMAT}")

        def sets(key: str) -> dict[str, frozenset[str]]:
            return {k: frozenset(v) for k, v in data[key].items()}

        return cls(
            ontology_sha256=data["ontology_sha256"],
            classes=frozenset(data["classes"]),
            object_properties=frozenset(data["object_properties"]),
            data_properties=frozenset(data["data_properties"]),
            super_classes=sets("super_classes"),
            super_properties=sets("super_properties"),
            inverses=sets("inverses"),
            chains=tuple((tuple(links), target) for links, target in data["chains"]),
            domains=sets("domains"),
            ranges=sets("ranges"),
            definitions=tuple(
                Definition(d, tuple(c), tuple((p, f) for p, f in r))
                for d, c, r in data["definitions"]
            ),
            from_cache=True,
        )


def ontology_digest(files: Iterable[Path]) -> str:
    """SHA-256 over the files' contents (order-independent) and the rules format."""
    digests = sorted(hashlib.sha256(path.read_bytes()).hexdigest() for path in files)
    payload = f"rules-format-{RULES_FORMAT}\n" + "\n".join(digests)
    return hashlib.sha256(payload.encode()).hexdigest()


def read_cached(cache_dir: Path | None, digest: str) -> RuleSet | None:
    if cache_dir is None:
        return None
    path = cache_dir / f"rules-{digest}.json"
    try:
        return RuleSet.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or from other code: classify again


def write_cached(cache_dir: Path | None, rules: RuleSet) -> None:
    if cache_dir is None:
        return
    path = cache_dir / f"rules-{rules.ontology_sha256}.json"
    partial = path.with_suffix(".partial")
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial.write_text(rules.to_json(), encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass  # the cache only saves time: the next build classifies again


def declare_used_terms(graph: Graph) -> None:
    """Declare the imported classes and properties the ontology uses but does not declare.

    HermiT's parser guesses them (``fabio:Expression`` under ``rdfs:subClassOf`` is a
    class); owlready2 does not, and gives no entity for an undeclared range such as
    ``skos:ConceptScheme``. Declaring them makes both read the same ontology.
    """
    typed = set(graph.subjects(RDF.type, None))
    for prop in (RDFS.subClassOf, RDFS.domain, RDFS.range, OWL.disjointWith):
        for s, o in graph.subject_objects(prop):
            if not isinstance(o, URIRef) or o in typed:
                continue
            if prop != RDFS.range or (s, RDF.type, OWL.ObjectProperty) in graph:
                graph.add((o, RDF.type, OWL.Class))
    for s, o in graph.subject_objects(RDFS.subPropertyOf):
        if isinstance(o, URIRef) and o not in typed:
            for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
                if (s, RDF.type, kind) in graph:
                    graph.add((o, RDF.type, kind))


def check_profile(graph: Graph) -> None:
    """Refuse OWL constructs the rule engine does not apply (HermiT would entail more)."""
    problems: list[str] = []
    for s, p, o in graph:
        for term in [p, o] if p == RDF.type else [p]:
            owl_term = isinstance(term, URIRef) and term.startswith(str(OWL))
            if owl_term and term not in _SUPPORTED_OWL:
                problems.append(f"{term} (on {s})")
        if p in (RDFS.subClassOf, RDFS.domain, RDFS.range) and isinstance(o, BNode):
            problems.append(f"{p} with a class expression (on {s})")
        if p in (RDFS.subClassOf, OWL.equivalentClass) and isinstance(s, BNode):
            problems.append(f"general class axiom {p} with a class expression subject")
    if problems:
        raise ReasoningError(
            "the ontology uses OWL the rule engine does not materialise, so the built graph "
            "would miss what HermiT entails; extend loader/rules.py or drop: "
            + "; ".join(sorted(set(problems)))
        )


def _named(entity: Any) -> str:
    if not (isinstance(entity, owlready2.EntityClass) and is_user_entity(entity)):
        raise ReasoningError(f"the rule engine needs a named class or property here: {entity}")
    return str(entity.iri)


def _definition(cls: Any, expression: Any) -> Definition:
    parts = list(expression.Classes) if isinstance(expression, owlready2.And) else [expression]
    classes: list[str] = []
    restrictions: list[tuple[str, str]] = []
    for part in parts:
        if isinstance(part, owlready2.Restriction) and part.type == owlready2.SOME:
            filler = part.value
            filler_iri = str(OWL.Thing) if filler is owlready2.Thing else _named(filler)
            restrictions.append((_named(part.property), filler_iri))
        else:
            classes.append(_named(part))
    return Definition(cls.iri, tuple(classes), tuple(restrictions))


def rules_from_world(world: Any, digest: str) -> RuleSet:
    """Read the rules off a world HermiT has classified."""
    classes = {c for c in world.classes() if is_user_entity(c)}
    super_classes: dict[str, frozenset[str]] = {}
    definitions: list[Definition] = []
    for cls in classes:
        for expression in cls.equivalent_to:
            if not isinstance(expression, owlready2.ThingClass):
                definitions.append(_definition(cls, expression))
        named = {c for c in cls.equivalent_to if isinstance(c, owlready2.ThingClass)}
        ancestors = named_ancestors(cls).union(*(named_ancestors(c) for c in named))
        super_classes[cls.iri] = frozenset(ancestors - {cls.iri})
    object_properties = {p for p in world.object_properties() if is_user_entity(p)}
    data_properties = {p for p in world.data_properties() if is_user_entity(p)}
    super_properties: dict[str, frozenset[str]] = {}
    inverses: dict[str, set[str]] = {}
    chains: list[tuple[tuple[str, ...], str]] = []
    domains: dict[str, frozenset[str]] = {}
    ranges: dict[str, frozenset[str]] = {}
    for prop in object_properties | data_properties:
        super_properties[prop.iri] = frozenset(named_ancestors(prop) - {prop.iri})
        domains[prop.iri] = frozenset(_named(c) for c in prop.domain if c is not owlready2.Thing)
        if prop in object_properties:
            ranges[prop.iri] = frozenset(_named(c) for c in prop.range if c is not owlready2.Thing)
            inverse = prop.inverse_property
            if inverse is not None:
                inverses.setdefault(prop.iri, set()).add(inverse.iri)
                inverses.setdefault(inverse.iri, set()).add(prop.iri)
            if owlready2.SymmetricProperty in prop.is_a:
                inverses.setdefault(prop.iri, set()).add(prop.iri)
            if owlready2.TransitiveProperty in prop.is_a:
                chains.append(((prop.iri, prop.iri), prop.iri))
            for chain in prop.property_chain:
                chains.append((tuple(_named(p) for p in chain.properties), prop.iri))
    all_classes = set(super_classes).union(*super_classes.values())
    all_classes |= set().union(*domains.values(), *ranges.values())
    all_object = {p.iri for p in object_properties}.union(
        *(super_properties[p.iri] for p in object_properties)
    )
    all_data = {p.iri for p in data_properties}.union(
        *(super_properties[p.iri] for p in data_properties)
    )
    return RuleSet(
        ontology_sha256=digest,
        classes=frozenset(all_classes - {str(OWL.Thing)}),
        object_properties=frozenset(all_object),
        data_properties=frozenset(all_data),
        super_classes=super_classes,
        super_properties=super_properties,
        inverses={k: frozenset(v) for k, v in inverses.items()},
        chains=tuple(sorted(chains)),
        domains={k: v for k, v in domains.items() if v},
        ranges={k: v for k, v in ranges.items() if v},
        definitions=tuple(sorted(definitions, key=lambda d: d.defined)),
    )
