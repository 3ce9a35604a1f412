"""The evidence API's answers as pydantic models: their JSON is what the endpoints send, and
their schemas (with examples from the real graph) document the endpoints in OpenAPI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

HAWKINS = "https://w3id.org/smqi/id/study/doi/10.1136/bmjqs-2015-004309"
ILLUSTRATIVE = "https://w3id.org/smqi/id/collection/illustrative-extraction"
TWITTER: dict[str, Any] = {
    "iri": "https://w3id.org/smqi/vocab/platform/twitter",
    "label": "Twitter",
}
ONE_WAY: dict[str, Any] = {
    "iri": "https://w3id.org/smqi/vocab/communication-model/one-way-from-stakeholders",
    "label": "one-way from stakeholders to organisation",
}
COLLECTION_EXAMPLE: dict[str, Any] = {
    "iri": ILLUSTRATIVE,
    "id": "illustrative-extraction",
    "title": "An illustrative extraction of 30 real studies",
    "illustrative": True,
}


class Concept(BaseModel):
    """A concept of a coded dimension: its IRI and preferred label."""

    iri: str
    label: str


class Value(BaseModel):
    """A filter value as resolved: a concept (IRI and label), or a year (label only)."""

    iri: str | None = None
    label: str


class FacetValue(Value):
    """How many of the matching studies are coded with one value (or published in one year)."""

    count: int


class CollectionLink(BaseModel):
    """A review, or an illustrative extraction that is not a review (``illustrative``)."""

    iri: str
    id: str
    title: str | None = None
    illustrative: bool


class StudySummary(BaseModel):
    """A study with its bibliographic details and what the collections in scope coded."""

    iri: str
    first_author: str
    year: int
    title: str
    journal: str | None = None
    doi: str | None = None
    pmid: str | None = None
    collections: list[CollectionLink] = Field(
        description="every collection that codes the study, whatever the review filter"
    )
    coded: dict[str, list[Concept]] = Field(
        description="per dimension, the values the records in scope code the study with"
    )


class StudyPage(BaseModel):
    """One page of the studies matching the filters, and facet counts over all of them."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "total": 13,
                    "limit": 1,
                    "offset": 0,
                    "review": None,
                    "filters": {"platform": [TWITTER]},
                    "studies": [
                        {
                            "iri": HAWKINS,
                            "first_author": "Hawkins",
                            "year": 2016,
                            "title": "Measuring patient-perceived quality of care in US "
                            "hospitals using Twitter",
                            "journal": "BMJ Quality & Safety",
                            "doi": "10.1136/bmjqs-2015-004309",
                            "pmid": "26464518",
                            "collections": [COLLECTION_EXAMPLE],
                            "coded": {"platform": [TWITTER], "communication_model": [ONE_WAY]},
                        }
                    ],
                    "facets": {"platform": [{**TWITTER, "count": 13}]},
                    "next": "/studies?platform=Twitter&limit=1&offset=1",
                    "previous": None,
                }
            ]
        }
    )

    total: int = Field(description="how many studies match")
    limit: int
    offset: int
    review: CollectionLink | None = Field(description="the collection the answer is scoped to")
    filters: dict[str, list[Value]] = Field(description="the filters as resolved, by dimension")
    q: str | None = Field(
        None, description="the free-text search as applied (its words, folded), if any"
    )
    studies: list[StudySummary]
    facets: dict[str, list[FacetValue]] = Field(
        description="for every dimension, the values coded in the matching studies with "
        "their study counts, most studies first"
    )
    next: str | None = None
    previous: str | None = None


class SummaryCell(BaseModel):
    row: Concept
    col: Concept
    count: int
    studies: list[str] | None = Field(
        default=None,
        description="IRIs of the studies behind the cell, in /studies' order (year, first "
        "author, IRI): at most per_cell of them from cell_offset on (count gives them all); "
        "null when asked for counts only (studies=false)",
    )


class CrossTabulation(BaseModel):
    """Studies per pair of values of two dimensions (non-empty cells only)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rows": "platform",
                    "cols": "communication_model",
                    "review": None,
                    "row_concepts": [TWITTER],
                    "col_concepts": [ONE_WAY],
                    "cells": [{"row": TWITTER, "col": ONE_WAY, "count": 6, "studies": [HAWKINS]}],
                }
            ]
        }
    )

    rows: str
    cols: str
    review: CollectionLink | None
    row_concepts: list[Concept]
    col_concepts: list[Concept]
    cells: list[SummaryCell]
    per_cell: int | None = Field(
        default=None, description="the most studies a cell lists; null when none are listed"
    )
    cell_offset: int = Field(default=0, description="how many of each cell's studies were skipped")
    next: str | None = Field(
        default=None,
        description="the next studies of every cell that has more; null when each cell's "
        "studies are listed to the end",
    )


class Gap(BaseModel):
    row: Concept
    col: Concept


class EvidenceGaps(BaseModel):
    """Pairs of codeable (leaf) values of two dimensions that no record codes together."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rows": "platform",
                    "cols": "communication_model",
                    "review": None,
                    "count": 1,
                    "gaps": [
                        {
                            "row": TWITTER,
                            "col": {
                                "iri": "https://w3id.org/smqi/vocab/communication-model/"
                                "one-way-from-organisation",
                                "label": "one-way from organisation to stakeholders",
                            },
                        }
                    ],
                }
            ]
        }
    )

    rows: str
    cols: str
    review: CollectionLink | None
    count: int
    gaps: list[Gap]


class SchemeLink(BaseModel):
    iri: str
    id: str | None = Field(None, description="the name /concepts/{scheme} takes")
    label: str


class Finding(BaseModel):
    iri: str
    order: int
    statement: str
    sources: list[str]
    about: list[Concept] = Field(
        default_factory=list,
        description="the concepts the finding is about, where its published wording names them",
    )


class ExclusionReason(BaseModel):
    reason: str
    reports: int = Field(description="how many assessed reports the review excluded for it")


class PrismaFlow(BaseModel):
    """The review's PRISMA 2020 flow counts; null where the public record does not show one."""

    records_identified: int | None = None
    duplicates_removed: int | None = None
    records_screened: int | None = None
    records_excluded: int | None = None
    reports_sought: int | None = None
    reports_not_retrieved: int | None = None
    reports_assessed: int | None = None
    reports_excluded: int | None = None
    exclusion_reasons: list[ExclusionReason] = Field(default_factory=list)
    reports_included: int | None = None
    studies_included: int | None = None


class DimensionAgreement(BaseModel):
    """How far the collection's independent coders agreed on one coded dimension."""

    dimension: str = Field(description="the coded dimension, as /studies names it")
    scheme: str = Field(description="the dimension's concept scheme")
    units: int | None = Field(default=None, description="studies coded by two or more coders")
    coders: int | None = None
    disagreements: int | None = Field(default=None, description="studies the coders disagreed on")
    percent_agreement: float | None = Field(
        default=None, description="percentage of studies on which every coder gave the same values"
    )
    cohens_kappa: float | None = Field(
        default=None, description="with two coders; null if undefined"
    )
    krippendorffs_alpha: float | None = Field(
        default=None, description="with more than two coders (nominal); null if undefined"
    )


class DisagreeingRecord(BaseModel):
    """One independent coder's record in a disagreement, and where it was entered."""

    record: str
    coder: str | None = None
    sheet: str
    sheet_title: str
    row: int
    values: list[str] = Field(description="the coder's values' labels (none: empty)")


class CodingDisagreement(BaseModel):
    """A study on which the independent coders gave different values for a dimension (CQ16)."""

    study: str
    dimension: str
    property: str
    records: list[DisagreeingRecord]


class CollectionSummary(BaseModel):
    """A review, or the illustrative extraction (``illustrative``: it is not a review)."""

    iri: str
    id: str
    kind: str = Field(description="scoping review, review, or illustrative extraction")
    illustrative: bool
    title: str
    note: str | None = Field(None, description="what the collection is not, when it matters")
    reported_study_count: int | None = Field(
        None, description="how many studies the review reports it included"
    )
    loaded_study_count: int | None = Field(
        None, description="how many of the collection's studies this graph holds"
    )


class CollectionList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "collections": [
                        {
                            "iri": "https://w3id.org/smqi/id/review/walsh-2021",
                            "id": "walsh-2021",
                            "kind": "scoping review",
                            "illustrative": False,
                            "title": "The use of social media as a tool for stakeholder "
                            "engagement in health service design and quality improvement: "
                            "A scoping review",
                            "note": None,
                            "reported_study_count": 40,
                            "loaded_study_count": 0,
                        }
                    ]
                }
            ]
        }
    )

    collections: list[CollectionSummary]


class CollectionDetail(CollectionSummary):
    """Everything the graph records about a review or collection."""

    description: str | None = None
    authors: list[str] = Field(default_factory=list)
    citation: str | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    article_number: str | None = None
    published: str | None = None
    search_date: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    publisher: str | None = None
    licence: str | None = None
    supplement_doi: str | None = None
    methodology: str | None = None
    synthesis_methods: list[str] = Field(default_factory=list)
    see_also: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    cites: list[str] = Field(default_factory=list)
    coded_dimensions: list[SchemeLink] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    reports: list[str] = Field(
        default_factory=list, description="the published reports (DOI IRIs) of the review"
    )
    included_studies: list[str] = Field(
        default_factory=list,
        description="the studies (or, in an overview of reviews, the reviews) it includes",
    )
    prisma: PrismaFlow | None = Field(None, description="PRISMA flow counts, for a review")
    agreement: list[DimensionAgreement] = Field(
        default_factory=list,
        description="per coded dimension, its independent coders' agreement (none with one coder)",
    )
    disagreements: list[CodingDisagreement] = Field(
        default_factory=list,
        description="each study and dimension on which the coders disagreed (the first 1000)",
    )
    disagreements_total: int = 0


class ConceptDetail(BaseModel):
    iri: str
    pref_label: str
    alt_labels: list[str]
    definition: str | None = None
    broader: list[str]
    notations: list[str]
    exact_match: list[str] = Field(description="MeSH descriptors and Wikidata items")
    close_match: list[str]
    broad_match: list[str] = Field(default_factory=list, description="wider external terms")
    narrow_match: list[str] = Field(default_factory=list, description="narrower external terms")
    related_match: list[str] = Field(default_factory=list)
    studies: int = Field(description="studies coded with the concept itself (not narrower)")


class ConceptScheme(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "scheme": {
                        "iri": "https://w3id.org/smqi/vocab/platform",
                        "id": "platform",
                        "label": "Social media platforms",
                    },
                    "definition": "Online services through which stakeholders posted, "
                    "shared or exchanged content in the studies.",
                    "dimension": "platform",
                    "review": None,
                    "concepts": [
                        {
                            "iri": TWITTER["iri"],
                            "pref_label": "Twitter",
                            "alt_labels": ["Twitter/X", "X", "X (formerly Twitter)", "tweets"],
                            "definition": "The microblogging service launched as Twitter in "
                            "2006 and renamed X in 2023.",
                            "broader": [],
                            "notations": [],
                            "exact_match": ["http://www.wikidata.org/entity/Q918"],
                            "close_match": [],
                            "studies": 13,
                        }
                    ],
                }
            ]
        }
    )

    scheme: SchemeLink
    definition: str | None = None
    scope_note: str | None = Field(None, description="what the scheme holds, or why it is empty")
    dimension: str | None = Field(None, description="the /studies parameter for this scheme")
    review: CollectionLink | None = None
    concepts: list[ConceptDetail]


class SchemeSummary(BaseModel):
    iri: str
    id: str = Field(description="the name /concepts/{scheme} takes")
    label: str
    definition: str | None = None
    dimension: str | None = Field(None, description="the /studies parameter for this scheme")
    concepts: int = Field(description="how many concepts the scheme has in the graph")


class SchemeList(BaseModel):
    schemes: list[SchemeSummary]


class Provenance(BaseModel):
    sheet: str
    sheet_title: str
    sha256: str
    row: int = Field(description="the row number as a spreadsheet shows it (header = 1)")
    row_key: str | None = None
    coder: str | None = None
    role: str | None = Field(None, description="independent, consensus or sole (coder)")
    extracted: str | None = Field(None, description="the extraction date")
    build: str | None = None


class RecordDetail(BaseModel):
    """What one collection coded for the study, and where the coding came from."""

    record: str
    collection: CollectionLink
    coded: dict[str, list[Concept]]
    setting: str | None = None
    study_design: str | None = None
    summary: str | None = None
    notes: str | None = None
    sources: list[str] = Field(default_factory=list)
    appraisal_tool: str | None = None
    appraisal_judgement: str | None = None
    consensus_of: list[str] = Field(
        default_factory=list,
        description="for a consensus record, the independent records it was agreed from",
    )
    counted: bool = Field(
        True,
        description="whether the evidence counts use this record (false for an independent "
        "record its consensus supersedes)",
    )
    provenance: Provenance


class StudyDetail(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "iri": HAWKINS,
                    "first_author": "Hawkins",
                    "year": 2016,
                    "title": "Measuring patient-perceived quality of care in US hospitals "
                    "using Twitter",
                    "journal": "BMJ Quality & Safety",
                    "doi": "10.1136/bmjqs-2015-004309",
                    "pmid": "26464518",
                    "see_also": ["https://doi.org/10.1136/bmjqs-2015-004309"],
                    "records": [
                        {
                            "record": "https://w3id.org/smqi/id/record/illustrative-extraction/"
                            "doi/10.1136/bmjqs-2015-004309",
                            "collection": COLLECTION_EXAMPLE,
                            "coded": {"platform": [TWITTER]},
                            "setting": "USA",
                            "provenance": {
                                "sheet": "https://w3id.org/smqi/id/sheet/illustrative-extraction",
                                "sheet_title": "illustrative-extraction.csv",
                                "sha256": "dc55b7952e1bfd1411f8508f1f7e8a3772aff74f5a34c44cd"
                                "afbbeed39506280",
                                "row": 2,
                                "row_key": "S01",
                                "coder": "single coder, from the public abstract",
                                "extracted": "2026-11-25",
                                "build": "https://w3id.org/smqi/id/build/20261125T183842Z",
                            },
                        }
                    ],
                }
            ]
        }
    )

    iri: str
    first_author: str | None = None
    year: int | None = None
    title: str | None = None
    journal: str | None = None
    doi: str | None = None
    pmid: str | None = None
    see_also: list[str] = Field(default_factory=list)
    reports: list[str] = Field(
        default_factory=list,
        description="the study's published reports: DOI IRI, else PubMed IRI (FaBiO expressions)",
    )
    records: list[RecordDetail]


class Problem(BaseModel):
    """An error as an RFC 9457 problem (``application/problem+json``): the RFC's members, a
    stable machine-readable code, a message a person can act on, and details."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Bad Request",
                    "status": 400,
                    "detail": "platform: no concept labelled 'Twiter'; the closest known "
                    "labels are 'Twitter'",
                    "code": "invalid-parameter",
                    "message": "platform: no concept labelled 'Twiter'; the closest known "
                    "labels are 'Twitter'",
                    "parameter": "platform",
                    "value": "Twiter",
                    "closest": ["Twitter"],
                }
            ]
        }
    )

    type: str = Field("about:blank", description="RFC 9457: the status says what kind")
    title: str = Field(description="RFC 9457: the status phrase")
    status: int = Field(description="RFC 9457: the HTTP status")
    detail: str = Field(description="RFC 9457: the message")
    code: str = Field(description="stable and machine-readable: what went wrong")
    message: str = Field(description="what went wrong and what would be accepted")
    parameter: str | None = Field(None, description="the parameter at fault")
    value: str | None = Field(None, description="the value given")
    closest: list[str] | None = Field(None, description="for an unknown label: the nearest")
    known: list[str] | None = Field(None, description="the values that would be accepted")
    iri: str | None = Field(None, description="for an unknown resource: its IRI")
