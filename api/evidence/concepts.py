"""The concepts of a scheme: labels, definition, hierarchy, MeSH / Wikidata alignments, and
how many studies are coded with each (CQ1's count, read from the study index).

A shared dimension whose values come from reviews' own codebooks (themes, models of use)
lists the concepts of every such codebook; a codebook is also served on its own, by name
(e.g. ``/concepts/walsh-2022-themes``)."""

from __future__ import annotations

import pyoxigraph as ox

from smqi.api.evidence.dimensions import BY_SCHEME, SCHEMES, CollectionRef, codebooks
from smqi.api.evidence.errors import NotFoundError
from smqi.api.evidence.index import study_index
from smqi.api.evidence.models import ConceptDetail, ConceptScheme, SchemeLink
from smqi.api.evidence.queries import Snapshot, api_query, iri, text
from smqi.api.evidence.search import collection_link
from smqi.loader.terms import SKOS, VOCAB


def concept_scheme(snapshot: Snapshot, scheme: str, review: CollectionRef | None) -> ConceptScheme:
    """Every concept of ``scheme`` (a name such as ``platform``) with its study count."""
    books = codebooks(snapshot)
    if scheme not in SCHEMES and scheme not in books:
        known = [*SCHEMES, *sorted(books)]
        raise NotFoundError(
            f"there is no concept scheme {scheme!r}; the schemes are {', '.join(known)}",
            {"known": known},
        )
    scheme_iri = str(VOCAB[scheme])
    own_books = [name for name, (shared, _, _) in books.items() if shared == scheme]
    described: dict[str, dict[str, list[str]]] = {}
    for source in [scheme_iri, *(str(VOCAB[name]) for name in own_books)]:
        rows = snapshot.select(
            api_query("concept-descriptions"), {"scheme": ox.NamedNode(source)}
        ).rows
        for row in rows:
            concept = described.setdefault(iri(row, "concept"), {})
            concept.setdefault(iri(row, "property"), []).append(text(row, "value") or "")
    about = described.pop(scheme_iri, {})
    for name in own_books:
        described.pop(str(VOCAB[name]), None)
    dimension = BY_SCHEME.get(books[scheme][0] if scheme in books else scheme)
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
            broad_match=_all(properties, SKOS.broadMatch),
            narrow_match=_all(properties, SKOS.narrowMatch),
            related_match=_all(properties, SKOS.relatedMatch),
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
