"""The concepts of a scheme: labels, definition, hierarchy, MeSH / Wikidata alignments, and
how many studies are coded with each (CQ1's count, read from the study index)."""

from __future__ import annotations

import pyoxigraph as ox

from smqi.api.evidence.dimensions import BY_SCHEME, SCHEMES, CollectionRef
from smqi.api.evidence.errors import NotFoundError
from smqi.api.evidence.index import study_index
from smqi.api.evidence.models import ConceptDetail, ConceptScheme, SchemeLink
from smqi.api.evidence.queries import Snapshot, api_query, iri, text
from smqi.api.evidence.search import collection_link
from smqi.loader.terms import SKOS, VOCAB


def concept_scheme(snapshot: Snapshot, scheme: str, review: CollectionRef | None) -> ConceptScheme:
    """Every concept of ``scheme`` (a name such as ``platform``) with its study count."""
    if scheme not in SCHEMES:
        raise NotFoundError(
            f"there is no concept scheme {scheme!r}; the schemes are {', '.join(SCHEMES)}",
            {"known": list(SCHEMES)},
        )
    scheme_iri = str(VOCAB[scheme])
    rows = snapshot.select(
        api_query("concept-descriptions"), {"scheme": ox.NamedNode(scheme_iri)}
    ).rows
    described: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        values = described.setdefault(iri(row, "concept"), {}).setdefault(iri(row, "property"), [])
        values.append(text(row, "value") or "")
    about = described.pop(scheme_iri, {})
    dimension = BY_SCHEME.get(scheme)
    index = study_index(snapshot)
    collection = review.iri if review else None

    def count(concept: str) -> int:
        if dimension is None:
            return 0
        return index.coded_with(collection, (dimension.predicate, concept)).bit_count()

    concepts = [
        ConceptDetail(
            iri=concept,
            pref_label=_first(properties, SKOS.prefLabel) or concept,
            alt_labels=_all(properties, SKOS.altLabel),
            definition=_first(properties, SKOS.definition),
            broader=_all(properties, SKOS.broader),
            notations=_all(properties, SKOS.notation),
            exact_match=_all(properties, SKOS.exactMatch),
            close_match=_all(properties, SKOS.closeMatch),
            studies=count(concept),
        )
        for concept, properties in described.items()
    ]
    concepts.sort(key=lambda c: (c.pref_label.casefold(), c.iri))
    return ConceptScheme(
        scheme=SchemeLink(iri=scheme_iri, id=scheme, label=_first(about, SKOS.prefLabel) or scheme),
        definition=_first(about, SKOS.definition),
        scope_note=_first(about, SKOS.scopeNote),
        dimension=dimension.name if dimension else None,
        review=collection_link(review) if review else None,
        concepts=concepts,
    )


def _all(properties: dict[str, list[str]], prop: object) -> list[str]:
    return sorted(set(properties.get(str(prop), [])))


def _first(properties: dict[str, list[str]], prop: object) -> str | None:
    values = _all(properties, prop)
    return values[0] if values else None
