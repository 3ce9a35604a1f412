"""Running the evidence API's SPARQL: the competency queries and the API's own lookups.

The competency queries come from the catalogue (``ontology/queries``); lookups only the API
needs live in ``api/queries/*.rq``, each opening with an ``# API:`` line naming the question
it answers. Parameters reach both only as bound terms. A ``Snapshot`` pins the dataset
version a request is answered from, so every answer it caches is filed under that version.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from smqi.api.context import AppContext
from smqi.api.store import Bindings, SelectResult
from smqi.api.store.formats import Term
from smqi.api.store.sparql import BindingValue

LOG = logging.getLogger("smqi.api.evidence")
API_QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
_HEADER = "# API:"

T = TypeVar("T")
Row = dict[str, Term]


@cache
def api_query(name: str) -> str:
    """The text of ``api/queries/{name}.rq``; its first line must be ``# API: <question>``."""
    text = (API_QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")
    if not text.startswith(_HEADER):
        raise ValueError(f"api/queries/{name}.rq must open with '{_HEADER} <the question>'")
    return text


@dataclass(frozen=True)
class Snapshot:
    """One dataset version of the store, as seen by one request."""

    context: AppContext
    version: str

    @classmethod
    def of(cls, context: AppContext) -> Snapshot:
        return cls(context, context.store.version())

    @property
    def base_iri(self) -> str:
        return self.context.settings.build.base_iri

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, or the answer already computed for this version and key."""
        value: T = self.context.cache.get_or_compute(self.version, key, compute)
        return value

    def competency(self, name: str) -> str:
        return self.context.catalogue[name].text

    def select(self, query: str, bindings: Bindings | None = None) -> SelectResult:
        result = self.context.store.select(query, bindings)
        if result.truncated:
            LOG.warning("a query hit the store's row cap; its answer is incomplete")
        return result

    def construct(self, query: str, bindings: Bindings | None = None) -> list[ox.Triple]:
        return self.context.store.construct(query, bindings)


def value_of(term: Term) -> str:
    """An IRI, a blank node's id or a literal's lexical form."""
    if isinstance(term, ox.Triple):
        raise ValueError("a quoted triple has no single value")
    return term.value


def iri(row: Row, name: str) -> str:
    """The IRI bound to ``name`` (a blank node's id if the row binds one)."""
    return value_of(row[name])


def text(row: Row, name: str) -> str | None:
    """The lexical form or IRI bound to ``name``, or None when unbound."""
    term = row.get(name)
    return None if term is None else value_of(term)


def integer(row: Row, name: str) -> int | None:
    value = text(row, name)
    return None if value is None else int(value)


def boolean(row: Row, name: str) -> bool:
    return text(row, name) in ("true", "1")


@dataclass(frozen=True)
class PropertyValue:
    """One value of a property of a resource, with the value's label when it has one."""

    term: Term
    label: str | None

    @property
    def value(self) -> str:
        return value_of(self.term)


Properties = dict[str, list[PropertyValue]]  # property IRI -> values, in query order


def resource_properties(
    snapshot: Snapshot, resources: list[str], properties: list[str] | None = None
) -> dict[str, Properties]:
    """The outgoing triples of each resource (resource-properties.rq), only ``properties``
    if given, each IRI value with its label (resource-labels.rq)."""
    if not resources:
        return {}
    bindings: dict[str, BindingValue | list[BindingValue]] = {
        "resource": [ox.NamedNode(r) for r in resources]
    }
    if properties is not None:
        bindings["property"] = [ox.NamedNode(p) for p in properties]
    rows = snapshot.select(api_query("resource-properties"), bindings).rows
    labels = resource_labels(
        snapshot,
        sorted({term.value for row in rows if isinstance(term := row["value"], ox.NamedNode)}),
    )
    described: dict[str, dict[str, dict[Term, None]]] = {}
    for row in rows:
        values = described.setdefault(iri(row, "resource"), {}).setdefault(iri(row, "property"), {})
        values[row["value"]] = None
    return {
        resource: {
            prop: [
                PropertyValue(term, labels.get(value_of(term)))
                for term in sorted(values, key=value_of)
            ]
            for prop, values in by_property.items()
        }
        for resource, by_property in described.items()
    }


LABEL_ORDER = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
)


def resource_labels(snapshot: Snapshot, resources: list[str]) -> dict[str, str]:
    """One label per resource: its skos:prefLabel, else rdfs:label, dcterms:title, foaf:name."""
    if not resources:
        return {}
    rows = snapshot.select(
        api_query("resource-labels"), {"resource": [ox.NamedNode(r) for r in resources]}
    ).rows
    ranked: dict[str, tuple[int, str]] = {}
    for row in rows:
        rank = (LABEL_ORDER.index(iri(row, "labelProperty")), text(row, "label") or "")
        resource = iri(row, "resource")
        if resource not in ranked or rank < ranked[resource]:
            ranked[resource] = rank
    return {resource: label for resource, (_, label) in ranked.items()}


def first(properties: Properties, prop: object) -> str | None:
    """The first value of ``prop`` (an IRI or rdflib term), or None."""
    values = properties.get(str(prop))
    return values[0].value if values else None


def every(properties: Properties, prop: object) -> list[str]:
    """Every value of ``prop``, sorted."""
    return sorted(value.value for value in properties.get(str(prop), []))
