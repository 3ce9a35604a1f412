"""Reviews and other evidence collections: their published records, findings (CQ11), coded
dimensions and study counts, reported and loaded. The illustrative extraction is listed
with them, flagged ``illustrative``: it is not a review and is never presented as one."""

from __future__ import annotations

import pyoxigraph as ox

from smqi.api.evidence.dimensions import SCHEMES, CollectionRef, collections, resolve_collection
from smqi.api.evidence.errors import InvalidParameterError, NotFoundError
from smqi.api.evidence.index import study_index
from smqi.api.evidence.models import (
    CollectionDetail,
    CollectionList,
    CollectionSummary,
    Finding,
    SchemeLink,
)
from smqi.api.evidence.queries import (
    Properties,
    Snapshot,
    api_query,
    every,
    first,
    integer,
    iri,
    resource_properties,
    text,
)
from smqi.loader.terms import (
    BIBO,
    CITO,
    DCTERMS,
    FABIO,
    PRISM,
    RDF,
    RDFS,
    SMQI,
    VOCAB,
)

# What the collection endpoints read: never the (many) inferred smqi:hasRecord links.
COLLECTION_PROPERTIES = [
    str(prop)
    for prop in (
        RDF.type, RDFS.comment, DCTERMS.description,
        DCTERMS.bibliographicCitation, PRISM.publicationName, PRISM.volume,
        PRISM.issueIdentifier, PRISM.number, DCTERMS.issued, SMQI.searchDate, BIBO.doi,
        BIBO.pmid, FABIO.hasPubMedCentralId, DCTERMS.publisher, DCTERMS.license,
        SMQI.supplementDoi, SMQI.methodology, SMQI.synthesisMethod, RDFS.seeAlso,
        DCTERMS.source, CITO.cites, SMQI.codedDimension, SMQI.reportedStudyCount,
        SMQI.loadedStudyCount,
    )
]  # fmt: skip
KINDS = (  # most specific first
    (str(SMQI.IllustrativeExtraction), "illustrative extraction"),
    (str(SMQI.ScopingReview), "scoping review"),
    (str(SMQI.Review), "review"),
)


def list_collections(snapshot: Snapshot) -> CollectionList:
    """Every review and collection, reviews first, then by id."""
    refs = sorted(collections(snapshot).values(), key=lambda r: (r.illustrative, r.identifier))
    described = resource_properties(snapshot, [ref.iri for ref in refs], COLLECTION_PROPERTIES)
    return CollectionList(
        collections=[_summary(snapshot, ref, described.get(ref.iri, {})) for ref in refs]
    )


def collection_detail(snapshot: Snapshot, identifier: str) -> CollectionDetail:
    """Everything the graph records about the review or collection ``identifier``."""
    try:
        ref = resolve_collection(snapshot, identifier, parameter="id")
    except InvalidParameterError as error:
        raise NotFoundError(str(error), error.details) from None
    properties = resource_properties(snapshot, [ref.iri], COLLECTION_PROPERTIES).get(ref.iri, {})
    summary = _summary(snapshot, ref, properties)
    return CollectionDetail(
        **summary.model_dump(),
        description=first(properties, DCTERMS.description),
        authors=authors(snapshot, ref),
        citation=first(properties, DCTERMS.bibliographicCitation),
        journal=first(properties, PRISM.publicationName),
        volume=first(properties, PRISM.volume),
        issue=first(properties, PRISM.issueIdentifier),
        article_number=first(properties, PRISM.number),
        published=first(properties, DCTERMS.issued),
        search_date=first(properties, SMQI.searchDate),
        doi=first(properties, BIBO.doi),
        pmid=first(properties, BIBO.pmid),
        pmcid=first(properties, FABIO.hasPubMedCentralId),
        publisher=first(properties, DCTERMS.publisher),
        licence=first(properties, DCTERMS.license),
        supplement_doi=first(properties, SMQI.supplementDoi),
        methodology=first(properties, SMQI.methodology),
        synthesis_methods=every(properties, SMQI.synthesisMethod),
        see_also=every(properties, RDFS.seeAlso),
        sources=every(properties, DCTERMS.source),
        cites=every(properties, CITO.cites),
        coded_dimensions=_schemes(properties),
        findings=findings(snapshot, ref),
    )


def authors(snapshot: Snapshot, review: CollectionRef) -> list[str]:
    """The review's authors in the order it lists them (their smqi:authorPosition)."""
    rows = snapshot.select(api_query("review-authors"), {"review": ox.NamedNode(review.iri)}).rows
    return [text(row, "name") or "" for row in rows]


def findings(snapshot: Snapshot, review: CollectionRef) -> list[Finding]:
    """The review's findings in its order, each with its sources (cq11)."""
    rows = snapshot.select(
        snapshot.competency("cq11-review-findings"), {"review": ox.NamedNode(review.iri)}
    ).rows
    found: dict[str, Finding] = {}
    for row in rows:
        finding = found.setdefault(
            iri(row, "finding"),
            Finding(
                iri=iri(row, "finding"),
                order=integer(row, "order") or 0,
                statement=text(row, "statement") or "",
                sources=[],
            ),
        )
        source = iri(row, "source")
        if source not in finding.sources:
            finding.sources.append(source)
    return sorted(found.values(), key=lambda f: f.order)


def _summary(snapshot: Snapshot, ref: CollectionRef, properties: Properties) -> CollectionSummary:
    types = set(every(properties, RDF.type))
    kind = next((name for cls, name in KINDS if cls in types), "collection")
    reported = first(properties, SMQI.reportedStudyCount)
    loaded = first(properties, SMQI.loadedStudyCount)
    if loaded is None:  # the build states the count; without the statement, count the records
        loaded = str(study_index(snapshot).scope(ref.iri).bit_count())
    return CollectionSummary(
        iri=ref.iri,
        id=ref.identifier,
        kind=kind,
        illustrative=ref.illustrative,
        title=ref.title or ref.identifier,
        note=first(properties, RDFS.comment),
        reported_study_count=int(reported) if reported is not None else None,
        loaded_study_count=int(loaded),
    )


def _schemes(properties: Properties) -> list[SchemeLink]:
    names = {str(VOCAB[name]): name for name in SCHEMES}
    links = [
        SchemeLink(iri=value.value, id=names.get(value.value), label=value.label or value.value)
        for value in properties.get(str(SMQI.codedDimension), [])
    ]
    return sorted(links, key=lambda s: SCHEMES.index(s.id) if s.id else len(SCHEMES))
