"""Reviews and other evidence collections: their published records, findings (CQ11) and
what they are about, coded dimensions, study counts (reported and loaded), PRISMA flow
counts, included studies, and, where several coders coded its studies, their agreement per
dimension and where they disagree (CQ16). The illustrative extraction is listed with them,
flagged ``illustrative``: it is not a review and is never presented as one."""

from __future__ import annotations

import pyoxigraph as ox

from smqi.api.evidence.dimensions import (
    BY_NAME,
    BY_PROPERTY,
    BY_SCHEME,
    SCHEMES,
    CollectionRef,
    codebooks,
    collections,
    resolve_collection,
)
from smqi.api.evidence.errors import InvalidParameterError, NotFoundError
from smqi.api.evidence.index import study_index
from smqi.api.evidence.models import (
    CodingDisagreement,
    CollectionDetail,
    CollectionList,
    CollectionSummary,
    Concept,
    DimensionAgreement,
    DisagreeingRecord,
    ExclusionReason,
    Finding,
    PrismaFlow,
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
from smqi.loader.reviews import PRISMA_COUNTS
from smqi.loader.terms import (
    BIBO,
    CITO,
    DCTERMS,
    FABIO,
    FRBR,
    PRISM,
    RDF,
    RDFS,
    SMQI,
    VOCAB,
)

# The PRISMA flow counts, as the API names them (studies_included is reportedStudyCount).
PRISMA = PRISMA_COUNTS
METRICS = {
    str(SMQI.percentAgreement): "percent_agreement",
    str(SMQI.cohensKappa): "cohens_kappa",
    str(SMQI.krippendorffsAlpha): "krippendorffs_alpha",
}
DISAGREEMENTS_SHOWN = 1000  # the rest are a CQ16 query away

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
        SMQI.loadedStudyCount, SMQI.includesStudy, FRBR.realization, *PRISMA.values(),
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
    included = every(properties, SMQI.includesStudy)
    disagreements = coder_disagreements(snapshot, ref)
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
        # a review cites what it includes too (includesStudy is a kind of cito:cites)
        cites=[cited for cited in every(properties, CITO.cites) if cited not in included],
        coded_dimensions=_schemes(snapshot, properties),
        findings=findings(snapshot, ref),
        reports=every(properties, FRBR.realization),
        included_studies=included,
        prisma=None if ref.illustrative else prisma_flow(snapshot, ref, properties),
        agreement=agreement(snapshot, ref),
        disagreements=disagreements[:DISAGREEMENTS_SHOWN],
        disagreements_total=len(disagreements),
    )


def prisma_flow(snapshot: Snapshot, review: CollectionRef, properties: Properties) -> PrismaFlow:
    """The review's PRISMA counts as its record gives them; null where it gives none."""
    counts = {name: first(properties, prop) for name, prop in PRISMA.items()}
    rows = snapshot.select(api_query("exclusion-reasons"), {"review": ox.NamedNode(review.iri)})
    return PrismaFlow(
        **{name: int(value) for name, value in counts.items() if value is not None},
        exclusion_reasons=[
            ExclusionReason(reason=text(row, "label") or "", reports=integer(row, "count") or 0)
            for row in rows.rows
        ],
    )


def agreement(snapshot: Snapshot, collection: CollectionRef) -> list[DimensionAgreement]:
    """The build's agreement figures for the collection, one entry per coded dimension."""
    rows = snapshot.select(api_query("agreement"), {"collection": ox.NamedNode(collection.iri)})
    found: dict[str, DimensionAgreement] = {}
    for row in rows.rows:
        scheme = iri(row, "dimension")
        name = scheme.removeprefix(str(VOCAB))
        dimension = BY_SCHEME.get(name)
        entry = found.setdefault(
            scheme,
            DimensionAgreement(
                dimension=dimension.name if dimension else name,
                scheme=scheme,
                units=integer(row, "units"),
                coders=integer(row, "coders"),
                disagreements=integer(row, "disagreements"),
            ),
        )
        value = text(row, "value")
        metric = METRICS.get(iri(row, "metric"))
        if metric is not None and value is not None:
            setattr(entry, metric, float(value))
    order = list(BY_NAME)
    return sorted(
        found.values(),
        key=lambda a: order.index(a.dimension) if a.dimension in order else len(order),
    )


def coder_disagreements(snapshot: Snapshot, collection: CollectionRef) -> list[CodingDisagreement]:
    """Each study and dimension on which the collection's coders disagree (CQ16)."""
    rows = snapshot.select(
        snapshot.competency("cq16-coder-disagreements"),
        {"collection": ox.NamedNode(collection.iri)},
    ).rows
    found: dict[tuple[str, str], CodingDisagreement] = {}
    for row in rows:
        study, prop = iri(row, "study"), iri(row, "property")
        dimension = BY_PROPERTY.get(prop)
        entry = found.setdefault(
            (study, prop),
            CodingDisagreement(
                study=study,
                dimension=dimension.name if dimension else prop,
                property=prop,
                records=[],
            ),
        )
        values = text(row, "values") or ""
        entry.records.append(
            DisagreeingRecord(
                record=iri(row, "record"),
                coder=text(row, "coder"),
                sheet=iri(row, "sheet"),
                sheet_title=text(row, "sheetTitle") or "",
                row=integer(row, "row") or 0,
                values=sorted(v for v in values.split(" | ") if v),
            )
        )
    return list(found.values())


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
    about = snapshot.select(api_query("finding-subjects"), {"review": ox.NamedNode(review.iri)})
    for row in about.rows:
        subject_of = found.get(iri(row, "finding"))
        if subject_of is not None:
            subject_of.about.append(
                Concept(iri=iri(row, "concept"), label=text(row, "label") or "")
            )
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


def _schemes(snapshot: Snapshot, properties: Properties) -> list[SchemeLink]:
    names = {str(VOCAB[name]): name for name in (*SCHEMES, *codebooks(snapshot))}
    links = [
        SchemeLink(iri=value.value, id=names.get(value.value), label=value.label or value.value)
        for value in properties.get(str(SMQI.codedDimension), [])
    ]
    books = codebooks(snapshot)

    def place(link: SchemeLink) -> int:
        name = books[link.id][0] if link.id in books else link.id
        return SCHEMES.index(name) if name in SCHEMES else len(SCHEMES)

    return sorted(links, key=place)
