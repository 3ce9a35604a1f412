"""Find and explain what makes the ontology plus data inconsistent.

HermiT only says *that* the data is inconsistent. The QC queries in ``ontology/qc`` are
derived from the axioms that can make it so (disjoint classes, functional properties,
datatype ranges); run on the materialised data they name the individual, the axiom, and
here also why the individual has each clashing class (asserted where, or entailed from
which statement), so that a person can fix the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from smqi.loader.errors import ReasoningError
from smqi.loader.rules import RuleSet
from smqi.loader.settings import PACKAGE_ROOT
from smqi.loader.terms import PREFIXES, RDF

QC_DIR = PACKAGE_ROOT / "ontology" / "qc"

# query file stem -> what the violated axiom says, with the row's variables as fields
CONSISTENCY_QUERIES = {
    "disjoint-classes-violation": "is both {class1} and {class2}, which owl:disjointWith "
    "declares disjoint",
    "all-disjoint-classes-violation": "is both {class1} and {class2}, which "
    "owl:AllDisjointClasses declares disjoint",
    "functional-property-violation": "has two values of the functional property {property}: "
    "{value1} and {value2}",
    "datatype-range-violation": "has the value {value} for {property}, outside its range {range}",
}

# The classes and properties whose statements the QC queries above read: the classes of
# their disjointness axioms and the properties they check values of. A QC query gives the
# same rows on a store that holds only the entailments about these terms as on one that
# holds them all (the build inserts only those; see loader.build). A new QC query that
# reads other statements must add its terms here.
_CHECKED_TERMS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?term WHERE {
  { ?term owl:disjointWith [] } UNION { [] owl:disjointWith ?term }
  UNION { [] a owl:AllDisjointClasses ; owl:members/rdf:rest*/rdf:first ?term }
  UNION { ?term a owl:FunctionalProperty } UNION { ?term a owl:InverseFunctionalProperty }
  UNION { ?term a owl:DatatypeProperty ; rdfs:range [] }
  FILTER(isIRI(?term))
}
"""

_RDF_TYPE = ox.NamedNode(str(RDF.type))
_SCAN_LIMIT = 10_000  # statements looked at when explaining one membership
_REFERRERS_SHOWN = 3


@dataclass(frozen=True)
class Violation:
    """One row of a QC query: which individual breaks which axiom, in words."""

    query: str
    individual: str
    message: str

    def __str__(self) -> str:
        return f"{self.individual} {self.message} [{self.query}.rq]"


def compact(term: ox.NamedNode | ox.BlankNode | ox.Literal | str) -> str:
    """A term as a prefixed name where a project prefix fits, else in N-Triples syntax."""
    if isinstance(term, str):
        term = ox.NamedNode(term)
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in PREFIXES.items():
            local = term.value.removeprefix(str(namespace))
            if local != term.value and local and "/" not in local and "#" not in local:
                return f"{prefix}:{local}"
    return str(term)


def checked_terms(store: ox.Store) -> frozenset[str]:
    """The IRIs of the classes and properties whose statements the QC queries read."""
    solutions = store.query(_CHECKED_TERMS, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return frozenset(row[0].value for row in solutions if isinstance(row[0], ox.NamedNode))


def find_violations(
    store: ox.Store,
    rules: RuleSet,
    *,
    qc_dir: Path = QC_DIR,
    inferred_graph: ox.NamedNode | None = None,
) -> list[Violation]:
    """Run the consistency QC queries over the union of all graphs; explain every row."""
    violations: list[Violation] = []
    for name, template in CONSISTENCY_QUERIES.items():
        query = (qc_dir / f"{name}.rq").read_text(encoding="utf-8")
        solutions = store.query(query, use_default_graph_as_union=True)
        if not isinstance(solutions, ox.QuerySolutions):
            raise ReasoningError(f"{name}.rq must be a SELECT query")
        variables = [v.value for v in solutions.variables]
        for row in solutions:
            terms = {v: row[v] for v in variables if row[v] is not None}
            individual = terms["individual"]
            message = template.format(**{v: compact(t) for v, t in terms.items()})
            if "class1" in terms:
                reasons = [
                    f"{compact(terms[c])}: "
                    + explain_membership(store, rules, individual, terms[c].value, inferred_graph)
                    for c in ("class1", "class2")
                ]
                message += " (" + "; ".join(reasons) + ")"
                message += _referrers(store, individual, inferred_graph)
            violations.append(Violation(name, str(individual), message))
    return violations


def _referrers(
    store: ox.Store, individual: ox.NamedNode | ox.BlankNode, inferred_graph: ox.NamedNode | None
) -> str:
    """Up to three stated statements that use ``individual`` as a value, to find the source."""
    uses = []
    for quad in store.quads_for_pattern(None, None, individual, None):
        if quad.graph_name != inferred_graph and quad.predicate != _RDF_TYPE:
            uses.append(f"{compact(quad.predicate)} of {quad.subject}")
            if len(uses) == _REFERRERS_SHOWN:
                break
    return "; used as " + ", ".join(uses) if uses else ""


def _graph_name(quad: ox.Quad) -> str:
    graph = quad.graph_name
    return "the default graph" if isinstance(graph, ox.DefaultGraph) else str(graph)


def _classes_entailed(rules: RuleSet, prop: str, *, as_subject: bool) -> set[str]:
    """Classes a subject (or object) of ``prop`` is entailed to be a member of."""
    direct: set[str] = set()
    for target in (prop, *rules.super_properties.get(prop, ())):
        direct |= (rules.domains if as_subject else rules.ranges).get(target, frozenset())
        for inverse in rules.inverses.get(target, ()):
            direct |= (rules.ranges if as_subject else rules.domains).get(inverse, frozenset())
    return direct.union(*(rules.super_classes.get(c, frozenset()) for c in direct))


def explain_membership(
    store: ox.Store,
    rules: RuleSet,
    individual: ox.NamedNode | ox.BlankNode,
    cls: str,
    inferred_graph: ox.NamedNode | None,
) -> str:
    """Why ``individual`` is a ``cls``: an asserted type, or one statement that entails it."""

    def stated(quad: ox.Quad) -> bool:
        return inferred_graph is None or quad.graph_name != inferred_graph

    subclass_reason = None
    for quad in store.quads_for_pattern(individual, _RDF_TYPE, None, None):
        if not stated(quad) or not isinstance(quad.object, ox.NamedNode):
            continue
        if quad.object.value == cls:
            return f"asserted in {_graph_name(quad)}"
        if cls in rules.super_classes.get(quad.object.value, ()):
            subclass_reason = f"asserted {compact(quad.object)} in {_graph_name(quad)}"
    if subclass_reason is not None:
        return subclass_reason
    for as_subject in (True, False):
        pattern = (individual, None, None, None) if as_subject else (None, None, individual, None)
        for seen, quad in enumerate(store.quads_for_pattern(*pattern)):
            if seen >= _SCAN_LIMIT:
                break
            prop = quad.predicate.value
            if stated(quad) and cls in _classes_entailed(rules, prop, as_subject=as_subject):
                if as_subject:
                    return f"subject of {compact(prop)} in {_graph_name(quad)}"
                return f"value of {compact(prop)} for {quad.subject} in {_graph_name(quad)}"
    return "entailed by the ontology's definitions"


def describe(violations: list[Violation]) -> str:
    lines = [f"- {violation}" for violation in violations]
    return (
        f"the ontology plus data is inconsistent ({len(violations)} violation(s)):\n"
        + "\n".join(lines)
    )
