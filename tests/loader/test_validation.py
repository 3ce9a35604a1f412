"""SHACL validation: the shapes, both engines, and the report.

Each test builds a small graph in code the way ontology/README.md says the loader
writes it, breaks one thing, and checks that pyshacl and the compiled SPARQL engine
both report exactly the expected results with the reviewer-facing sh:message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from smqi.loader import terms
from smqi.loader.errors import ConfigurationError, ShapeCompilationError
from smqi.loader.shacl_sparql import compile_shapes
from smqi.loader.terms import (
    BIBO,
    DCTERMS,
    DEFAULT_BASE,
    DQV,
    FOAF,
    FRBR,
    MESH,
    OWL,
    PRISM,
    PROV,
    RDF,
    RDFS,
    SH,
    SKOS,
    SMQI,
    VOCAB,
    WIKIDATA,
)
from smqi.loader.validation import (
    ShapeViolation,
    ValidatorError,
    report_graph,
    report_text,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "shapes" / "smqi-shapes.ttl"
ENGINES = ("pyshacl", "sparql")

B = Namespace(DEFAULT_BASE)
ONTOLOGY_GRAPH = B["graph/ontology"]
VOCABULARY_GRAPH = B["graph/vocabularies"]
REVIEW_GRAPH = B["graph/reviews"]
SHEET_GRAPH = B["graph/sheet/illustrative-extraction"]

# The instances of the valid graph. Hawkins 2016 is the README's example; the second
# study, its identifiers and the second row are synthetic.
HAWKINS = B["study/doi/10.1136/bmjqs-2015-004309"]
SYNTHETIC = B["study/pmid/99999901"]
COLLECTION = B["collection/illustrative-extraction"]
RECORD_1 = B["record/illustrative-extraction/doi/10.1136/bmjqs-2015-004309"]
RECORD_2 = B["record/illustrative-extraction/pmid/99999901"]
SHEET = B["sheet/illustrative-extraction"]
ROW_2 = B["sheet/illustrative-extraction/row/2"]
ROW_3 = B["sheet/illustrative-extraction/row/3"]
REVIEW = B["review/walsh-2021"]
FINDING = B["finding/walsh-2021/1"]
# The review's first two authors, as reviews.yaml lists them.
AUTHORS = ((B["person/louisa-walsh"], "Louisa Walsh"), (B["person/nerida-hyett"], "Nerida Hyett"))
AUTHORSHIP_1 = B["review/walsh-2021/author/1"]
AUTHORSHIP_2 = B["review/walsh-2021/author/2"]

TWITTER = VOCAB["platform/twitter"]
FACEBOOK = VOCAB["platform/facebook"]
BLOGS = VOCAB["platform/blogs"]
PATIENTS = VOCAB["population/patients-consumers"]
US = VOCAB["country/US"]
CODER = B["agent/single-coder-from-the-public-abstract"]

# Messages exactly as a reviewer reads them (copied from shapes/smqi-shapes.ttl).
M_TITLE_REQUIRED = (
    "This study has no title. Every study needs the title of its publication, as published."
)
M_TITLE_SINGLE = (
    "This study has more than one title: the rows that code it give different titles. "
    "Use the same title, as published, in every row."
)
M_FIRST_AUTHOR_REQUIRED = (
    "This study has no first author. Give the family name of its first author, e.g. Hawkins."
)
M_DOI = (
    "A DOI must look like 10.1136/bmjqs-2015-004309: '10.', four to nine digits, a slash, "
    "then the suffix, in lower case and without https://doi.org/ or doi: in front."
)
M_PMID = "A PubMed ID (PMID) must be digits only, e.g. 26464518, without PMID: or a link in front."
M_YEAR_INTEGER = (
    "A publication year must be a whole year written with digits only, e.g. 2016; dates, "
    "ranges and text such as 2016a or 'in press' are not accepted."
)
M_YEAR_MINIMUM = (
    "A publication year must be a whole year from 1900 on, e.g. 2016; earlier years are "
    "not accepted."
)
M_YEAR_2099 = (
    "The publication year 2099 is later than next year: give the year the study was "
    "published, e.g. 2016, and check for swapped digits."
)
M_PLATFORM_REQUIRED = (
    "Every coded record needs at least one social media platform, e.g. Twitter; this row "
    "gives none."
)
M_PLATFORM = (
    "A platform must be a concept of the platform vocabulary "
    "(https://w3id.org/smqi/vocab/platform), e.g. Twitter or Facebook; the value given is not."
)
M_ONE_RECORD = (
    "This study is coded more than once in the same review or extraction, and this record is "
    "not one independent coder's among several (its coder is its sole coder, or the "
    "collection has two consensus records of the study). A collection codes each study once: "
    "merge the rows that code it into one row, or, for several coders, give each row its "
    "coder's role (independent or consensus)."
)
M_SOURCE_ROW = (
    "A coded record must come from exactly one sheet row, so that every code can be traced "
    "to where it was entered."
)
M_ROW_NUMBER = (
    "A row number must be a whole number from 1 up, as the spreadsheet shows it (the header "
    "is row 1)."
)
M_FINDING_SOURCE = (
    "A finding needs at least one public source it was read in, e.g. "
    "https://doi.org/10.1177/2055207621996870."
)
M_AUTHOR_AGENT = "Each place in a review's author list names exactly one author (prov:agent)."
M_AUTHOR_PERSON = "A review's author must be a person (foaf:Person) with a name, e.g. Louisa Walsh."
M_AUTHOR_POSITION = (
    "Each place in a review's author list needs exactly one position, e.g. 1 for the first author."
)
M_AUTHOR_POSITION_VALUE = (
    "An author's position in a review's author list must be a whole number from 1 up."
)
M_AUTHORSHIP_REVIEW = (
    "A place in an author list belongs to exactly one review; this one belongs to none or several."
)
M_AUTHORS_SHARE_POSITION = (
    "Position 1 of this review's author list is given to 2 authors. Number the authors 1, "
    "2, 3, ... in the order the review lists them, each position once."
)
M_AUTHORS_GAP = (
    "This review's author list runs to position 3 but has 2 positions: number the authors "
    "1, 2, 3, ... in the order the review lists them, without gaps."
)
M_FINDING_REVIEW = (
    "A finding must be reported by exactly one review; this one is reported by none or several."
)
M_REVIEW_DOI = "A review has one DOI, e.g. 10.1177/2055207621996870; this one is given several."
M_REVIEW_TITLE = "A review needs its published title."
M_REVIEW_COUNT_SINGLE = (
    "A review states one number of included studies, as the review reports it, e.g. 40; "
    "this one is given several."
)
M_REVIEW_COUNT = "The number of included studies must be a whole number, 0 or more, e.g. 40."
M_NOT_A_REVIEW = (
    "An illustrative extraction is not a review and must never be presented as one, but this "
    "one is also typed as a review. Load review records as reviews and extractions as "
    "extractions."
)
M_EXACT_MATCH = (
    "An exact match must be a MeSH descriptor such as http://id.nlm.nih.gov/mesh/D061108 or "
    "a Wikidata item such as http://www.wikidata.org/entity/Q918."
)
M_RECORD_SOURCE = (
    "A source must be the web address (https:// or http://) of the public record the codes "
    "were read in, e.g. https://pubmed.ncbi.nlm.nih.gov/26464518/."
)
M_FINDING_SOURCE_IRI = (
    "A finding's source must be a web address starting with https:// or http://, e.g. "
    "https://doi.org/10.1177/2055207621996870."
)
SCRIPT = URIRef("javascript:alert(document.domain)")
DATA_PAGE = URIRef("data:text/html,%3Cscript%3Ealert(1)%3C/script%3E")
M_CLOSE_MATCH = (
    "A close match must be a MeSH descriptor such as http://id.nlm.nih.gov/mesh/D000077253, "
    "a Wikidata item such as http://www.wikidata.org/entity/Q918, or (for a project's own "
    "concept) one of the shared concepts, such as https://w3id.org/smqi/vocab/platform/twitter."
)
TEAM_CONCEPT = URIRef("https://example.org/team/vocab/platform/bluesky")  # synthetic
M_TEAM_UNLINKED = (
    f"The concept {TEAM_CONCEPT} is a project's own concept in this vocabulary, but it is "
    "neither narrower than (skos:broader) nor a close match of (skos:closeMatch) one of the "
    "vocabulary's shared concepts. Link it to the shared concept it is a kind of, or nearly "
    "the same as (smqi add-concept --broader or --close-match)."
)
M_TEAM_UNDEFINED = (
    f"The concept {TEAM_CONCEPT} is a project's own concept in this vocabulary but has no "
    "definition. Say in a sentence what it is (skos:definition), as the shared concepts do."
)
M_PREF_LABEL_UNIQUE = (
    "A concept may have only one preferred label per language; give the other names as "
    "alternative labels."
)
M_PREF_LABEL_LANGUAGE = 'A preferred label must be text with a language tag, e.g. "Twitter"@en.'
M_SCHEME_SINGLE = (
    "A concept must belong to exactly one vocabulary (concept scheme); this one belongs to "
    "none or several."
)


def label_clash(label: str, count: int, first: URIRef, last: URIRef) -> str:
    return (
        f"The label '{label}' is used by {count} concepts of this vocabulary (ignoring case), "
        f"among them {first} and {last}. A label must pick out one concept: keep it on one "
        "and rename or remove it on the others."
    )


MIN_COUNT = str(SH.MinCountConstraintComponent)
MAX_COUNT = str(SH.MaxCountConstraintComponent)
PATTERN = str(SH.PatternConstraintComponent)
DATATYPE = str(SH.DatatypeConstraintComponent)
MIN_INCLUSIVE = str(SH.MinInclusiveConstraintComponent)
CLASS = str(SH.ClassConstraintComponent)
NODE = str(SH.NodeConstraintComponent)
NODE_KIND = str(SH.NodeKindConstraintComponent)
UNIQUE_LANG = str(SH.UniqueLangConstraintComponent)
SPARQL = str(SH.SPARQLConstraintComponent)

Expected = tuple[str, str | None, str | None, str, str]  # focus, path, value, component, message


# -- building graphs -------------------------------------------------------------------


def nt(term: Node) -> str:
    """A term in N-Triples syntax, as ShapeViolation.value gives it."""
    if isinstance(term, URIRef):
        return str(ox.NamedNode(str(term)))
    assert isinstance(term, Literal)
    if term.language:
        return str(ox.Literal(str(term), language=term.language))
    return str(ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or terms.XSD.string))))


def generated_vocabularies() -> Graph:
    """Stand-ins for the schemes the loader generates (countries, themes): synthetic, small."""
    g = Graph()
    for scheme in (VOCAB.country, VOCAB.theme):
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
    # the hand-edited theme scheme states its own licence and version
    g.add((VOCAB.country, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((VOCAB.country, OWL.versionInfo, Literal("0.2.0")))
    for code, name in (("US", "United States"), ("GB", "United Kingdom")):
        concept = VOCAB[f"country/{code}"]
        g.add((concept, RDF.type, SMQI.Country))
        g.add((concept, SKOS.inScheme, VOCAB.country))
        g.add((concept, SKOS.prefLabel, Literal(name, lang="en")))
    theme = VOCAB["theme/benefit/builds-relationships"]
    g.add((theme, RDF.type, SMQI.Theme))
    g.add((theme, SKOS.inScheme, VOCAB.theme))
    g.add((theme, SKOS.prefLabel, Literal("Builds relationships", lang="en")))
    g.add((US, SKOS.altLabel, Literal("USA", lang="en")))
    return g


@cache
def base_nquads() -> bytes:
    """The ontology and vocabularies in their named graphs, as N-Quads (read once)."""
    store = ox.Store()
    store.load(
        path=ROOT / "ontology" / "smqi.ttl",
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode(str(ONTOLOGY_GRAPH)),
    )
    for path in sorted((ROOT / "ontology" / "vocabularies").glob("*.ttl")):
        store.load(
            path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(VOCABULARY_GRAPH))
        )
    store.load(
        generated_vocabularies().serialize(format="nt", encoding="utf-8"),
        format=ox.RdfFormat.N_TRIPLES,
        to_graph=ox.NamedNode(str(VOCABULARY_GRAPH)),
    )
    return store.dump(format=ox.RdfFormat.N_QUADS)


def store_with(reviews: Graph, sheet: Graph) -> ox.Store:
    """A store holding the ontology, the vocabularies and the given review and sheet graphs."""
    store = ox.Store()
    store.load(base_nquads(), format=ox.RdfFormat.N_QUADS)
    for graph, name in ((reviews, REVIEW_GRAPH), (sheet, SHEET_GRAPH)):
        store.load(
            graph.serialize(format="nt", encoding="utf-8"),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox.NamedNode(str(name)),
        )
    return store


def valid_reviews() -> Graph:
    g = Graph()
    g.add((REVIEW, RDF.type, SMQI.ScopingReview))
    g.add(
        (
            REVIEW,
            DCTERMS.title,
            Literal(
                "The use of social media as a tool for stakeholder "
                "engagement in health service design and quality improvement: A scoping review"
            ),
        )
    )
    g.add((REVIEW, BIBO.doi, Literal("10.1177/2055207621996870")))
    g.add((REVIEW, BIBO.pmid, Literal("33717499")))
    g.add((REVIEW, SMQI.reportedStudyCount, Literal("40", datatype=terms.XSD.nonNegativeInteger)))
    g.add((REVIEW, SMQI.searchDate, Literal("2020-06-01", datatype=terms.XSD.date)))
    g.add((REVIEW, SMQI.codedDimension, VOCAB.platform))
    g.add((REVIEW, SMQI.reportsFinding, FINDING))
    g.add((FINDING, RDF.type, SMQI.Finding))
    g.add((FINDING, SMQI.statement, Literal("Twitter was the most common platform.", lang="en")))
    g.add((FINDING, SMQI.findingOrder, Literal("1", datatype=terms.XSD.positiveInteger)))
    g.add((FINDING, DCTERMS.source, URIRef("https://doi.org/10.1177/2055207621996870")))
    for position, ((person, name), authorship) in enumerate(
        zip(AUTHORS, (AUTHORSHIP_1, AUTHORSHIP_2), strict=True), start=1
    ):
        g.add((REVIEW, DCTERMS.creator, person))
        g.add((person, RDF.type, FOAF.Person))
        g.add((person, FOAF.name, Literal(name)))
        g.add((REVIEW, PROV.qualifiedAttribution, authorship))
        g.add((authorship, RDF.type, SMQI.Authorship))
        g.add((authorship, PROV.agent, person))
        g.add(
            (authorship, SMQI.authorPosition, Literal(position, datatype=terms.XSD.positiveInteger))
        )
    g.add((TWITTER, SKOS.exactMatch, WIKIDATA.Q918))
    g.add((BLOGS, SKOS.exactMatch, MESH.D057218))
    g.add((VOCAB["platform/online-forum"], SKOS.closeMatch, MESH.D000077253))
    return g


def valid_sheet() -> Graph:
    g = Graph()
    g.add((COLLECTION, RDF.type, SMQI.IllustrativeExtraction))
    g.add((SHEET, RDF.type, SMQI.ExtractionSheet))
    g.add((SHEET, DCTERMS.title, Literal("illustrative-extraction.csv")))
    g.add((SHEET, SMQI.sha256, Literal("0123456789abcdef" * 4)))
    studies = (
        (
            HAWKINS,
            RECORD_1,
            ROW_2,
            2,
            "Hawkins",
            2016,
            "Measuring patient-perceived quality of care in US hospitals using Twitter",
        ),
        (SYNTHETIC, RECORD_2, ROW_3, 3, "Synthetic", 2020, "A synthetic study for tests"),
    )
    for study, record, row, number, author, year, title in studies:
        g.add((study, RDF.type, SMQI.Study))
        g.add((study, DCTERMS.title, Literal(title)))
        g.add((study, SMQI.firstAuthor, Literal(author)))
        g.add((study, SMQI.publicationYear, Literal(year)))
        g.add((study, PRISM.publicationName, Literal("BMJ Quality & Safety")))
        g.add((record, RDF.type, SMQI.CodedRecord))
        g.add((record, RDFS.label, Literal(f"{author} {year} in illustrative-extraction")))
        g.add((record, SMQI.codesStudy, study))
        g.add((record, SMQI.inCollection, COLLECTION))
        g.add((record, SMQI.platform, TWITTER))
        g.add((record, SMQI.userPopulation, PATIENTS))
        g.add((record, SMQI.communicationModel, VOCAB["communication-model/two-way"]))
        g.add((record, SMQI.qiActivity, VOCAB["qi-activity/measuring-quality"]))
        g.add((record, SMQI.qiCycleStage, VOCAB["qi-cycle-stage/study"]))
        g.add((record, SMQI.country, US))
        g.add((record, SMQI.theme, VOCAB["theme/benefit/builds-relationships"]))
        g.add((record, DCTERMS.created, Literal("2026-11-25", datatype=terms.XSD.date)))
        g.add((record, SMQI.sourceRow, row))
        attribution = URIRef(f"{record}/attribution")
        g.add((record, PROV.qualifiedAttribution, attribution))
        g.add((attribution, RDF.type, SMQI.CoderAttribution))
        g.add((attribution, PROV.hadRole, SMQI.soleCoder))
        g.add((attribution, PROV.agent, CODER))
        g.add((row, RDF.type, SMQI.SheetRow))
        g.add((row, SMQI.rowNumber, Literal(str(number), datatype=terms.XSD.positiveInteger)))
        g.add((row, SMQI.rowKey, Literal(f"S0{number - 1}")))
        g.add((row, SMQI.inSheet, SHEET))
    g.add((HAWKINS, BIBO.doi, Literal("10.1136/bmjqs-2015-004309")))
    g.add((HAWKINS, BIBO.pmid, Literal("26464518")))
    g.add((HAWKINS, RDFS.seeAlso, URIRef("https://doi.org/10.1136/bmjqs-2015-004309")))
    g.add((SYNTHETIC, BIBO.pmid, Literal("99999901")))
    g.add((RECORD_2, SMQI.platform, FACEBOOK))
    g.add((CODER, RDF.type, PROV.Agent))
    g.add((CODER, RDFS.label, Literal("single coder, from the public abstract")))
    return g


def results(store: ox.Store, engine: str) -> set[Expected]:
    return {
        (v.focus, v.path, v.value, v.component, v.message) for v in validate(store, SHAPES, engine)
    }


# -- the valid graph -------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_the_valid_graph_conforms(engine: str) -> None:
    assert validate(store_with(valid_reviews(), valid_sheet()), SHAPES, engine) == []


# -- one violation at a time -----------------------------------------------------------

Change = Callable[[Graph, Graph], None]


def replace(subject: URIRef, predicate: URIRef, value: Node | None) -> Change:
    def change(reviews: Graph, sheet: Graph) -> None:
        for g in (reviews, sheet):
            if (subject, predicate, None) in g:
                g.remove((subject, predicate, None))
                if value is not None:
                    g.add((subject, predicate, value))
                return
        raise AssertionError(f"{subject} has no {predicate} to replace")

    return change


def add(subject: URIRef, predicate: URIRef, value: Node) -> Change:
    def change(reviews: Graph, sheet: Graph) -> None:
        sheet.add((subject, predicate, value))

    return change


def _both(*changes: Change) -> Change:
    def change(reviews: Graph, sheet: Graph) -> None:
        for each in changes:
            each(reviews, sheet)

    return change


def _orphan_finding(reviews: Graph, sheet: Graph) -> None:
    reviews.remove((REVIEW, SMQI.reportsFinding, FINDING))


def _authorship_of_no_review(reviews: Graph, sheet: Graph) -> None:
    reviews.remove((REVIEW, PROV.qualifiedAttribution, AUTHORSHIP_2))


UNTAGGED = VOCAB["theme/untagged"]


def _untagged_theme(reviews: Graph, sheet: Graph) -> None:
    reviews.add((UNTAGGED, RDF.type, SMQI.Theme))
    reviews.add((UNTAGGED, SKOS.inScheme, VOCAB.theme))
    reviews.add((UNTAGGED, SKOS.prefLabel, Literal("Untagged theme")))


def _team_concept(*, linked: bool, defined: bool) -> Change:
    """A project's own platform (``smqi add-concept``), with or without what it needs."""

    def change(reviews: Graph, sheet: Graph) -> None:
        sheet.add((TEAM_CONCEPT, RDF.type, SMQI.SocialMediaPlatform))
        sheet.add((TEAM_CONCEPT, SKOS.inScheme, VOCAB.platform))
        sheet.add((TEAM_CONCEPT, SKOS.prefLabel, Literal("Bluesky", lang="en")))
        if linked:
            sheet.add((TEAM_CONCEPT, SKOS.closeMatch, VOCAB["platform/twitter"]))
        if defined:
            sheet.add(
                (TEAM_CONCEPT, SKOS.definition, Literal("A microblogging service.", lang="en"))
            )

    return change


def _concept_in_wrong_scheme(reviews: Graph, sheet: Graph) -> None:
    mastodon = VOCAB["platform/mastodon"]  # synthetic: a platform filed under populations
    sheet.add((mastodon, RDF.type, SMQI.SocialMediaPlatform))
    sheet.add((mastodon, SKOS.inScheme, VOCAB.population))
    sheet.add((mastodon, SKOS.prefLabel, Literal("Mastodon", lang="en")))
    sheet.remove((RECORD_1, SMQI.platform, None))
    sheet.add((RECORD_1, SMQI.platform, mastodon))


YEAR = str(SMQI.publicationYear)
DOI = str(BIBO.doi)
PMID = str(BIBO.pmid)
PLATFORM = str(SMQI.platform)
H, R1, R2 = str(HAWKINS), str(RECORD_1), str(RECORD_2)
PATIENTS_NT, TWITTER_NT = nt(PATIENTS), nt(TWITTER)
BAD_DOI = Literal("10.1136/BMJQS-2015-004309")
GYEAR = Literal("2016", datatype=terms.XSD.gYear)
ILL_TYPED_YEAR = Literal("2016a", datatype=terms.XSD.integer)
BAD_MESH = URIRef("https://meshb.nlm.nih.gov/record/ui?ui=D057218")
BAD_FORUM_MATCH = URIRef("http://id.nlm.nih.gov/mesh/2024/D000077253")
NOT_A_REVIEW_FOCUS = str(COLLECTION)

ATTRIBUTION_1 = URIRef(f"{RECORD_1}/attribution")
REPORT = URIRef("https://doi.org/10.1136/bmjqs-2015-004309")
MEASUREMENT = B["agreement/illustrative-extraction/platform/percent-agreement"]
IN = str(SH.InConstraintComponent)
M_ATTRIBUTION = (
    "A coded record must be attributed to its coder in exactly one role "
    "(prov:qualifiedAttribution): independent coder, consensus or sole coder."
)
M_ROLE = "A coder's attribution needs exactly one role: independent coder, consensus or sole coder."
M_CODER = (
    "A coded record must name its coder: give the coder of this row (the coder column), e.g. a "
    "name or 'single coder, from the public abstract'."
)
M_CONSENSUS = (
    "This consensus record is derived from {}, which is not an independent coder's record of "
    "the same study in the same review or extraction. A consensus is agreed from the "
    "independent records of its own study."
)
M_APPRAISAL = (
    "This record gives an appraisal judgement (include) but not the appraisal tool it was made "
    "with. Name the tool (e.g. JBI Checklist for Qualitative Research) in the appraisal tool "
    "column."
)
M_PRISMA = (
    "This review's PRISMA counts do not add up: more records excluded than screened. Check "
    "them against the review's flow diagram."
)
M_REPORT_DOI = (
    "This report is named by a DOI IRI (https://doi.org/...) but states no DOI, or another "
    "one. A report named https://doi.org/X states bibo:doi X: check the DOI of the rows that "
    "give the study."
)
M_AGREEMENT = (
    "The agreement figure 120.5 is out of range: a percentage agreement lies from 0 to 100, a "
    "kappa or alpha is at most 1."
)


def _report_with_another_doi(reviews: Graph, sheet: Graph) -> None:
    sheet.add((REPORT, RDF.type, SMQI.StudyReport))
    sheet.add((REPORT, FRBR.realizationOf, HAWKINS))
    sheet.add((REPORT, BIBO.doi, Literal("10.1136/bmjqs-2015-000000")))


def _agreement_out_of_range(reviews: Graph, sheet: Graph) -> None:
    sheet.add((MEASUREMENT, RDF.type, SMQI.AgreementMeasurement))
    sheet.add((MEASUREMENT, DQV.computedOn, COLLECTION))
    sheet.add((MEASUREMENT, DQV.isMeasurementOf, SMQI.percentAgreement))
    sheet.add((MEASUREMENT, SMQI.measuredDimension, VOCAB.platform))
    sheet.add((MEASUREMENT, DQV.value, Literal("120.5", datatype=terms.XSD.decimal)))
    sheet.add((MEASUREMENT, SMQI.unitCount, Literal(12)))


CASES: dict[str, tuple[Change, set[Expected]]] = {
    "a record attributed to no coder": (
        replace(RECORD_1, PROV.qualifiedAttribution, None),
        {(R1, str(PROV.qualifiedAttribution), None, MIN_COUNT, M_ATTRIBUTION)},
    ),
    "a coder role that is none of the three": (
        replace(ATTRIBUTION_1, PROV.hadRole, TWITTER),
        {(str(ATTRIBUTION_1), str(PROV.hadRole), TWITTER_NT, IN, M_ROLE)},
    ),
    "an attribution without its coder": (
        replace(ATTRIBUTION_1, PROV.agent, None),
        {(str(ATTRIBUTION_1), str(PROV.agent), None, MIN_COUNT, M_CODER)},
    ),
    "a consensus derived from another study's record": (
        add(RECORD_1, SMQI.consensusOf, RECORD_2),
        {(R1, None, nt(RECORD_2), SPARQL, M_CONSENSUS.format(R2))},
    ),
    "an appraisal judgement without its tool": (
        add(RECORD_1, SMQI.appraisalJudgement, Literal("include")),
        {(R1, None, nt(Literal("include")), SPARQL, M_APPRAISAL)},
    ),
    "PRISMA counts that do not add up": (
        _both(
            add(REVIEW, SMQI.recordsScreened, Literal(10)),
            add(REVIEW, SMQI.recordsExcluded, Literal(12)),
        ),
        {
            (
                str(REVIEW),
                None,
                nt(Literal("more records excluded than screened")),
                SPARQL,
                M_PRISMA,
            )
        },
    ),
    "a report named by a DOI it does not state": (
        _report_with_another_doi,
        {(str(REPORT), None, nt(Literal("10.1136/bmjqs-2015-000000")), SPARQL, M_REPORT_DOI)},
    ),
    "an agreement figure out of range": (
        _agreement_out_of_range,
        {
            (
                str(MEASUREMENT),
                None,
                nt(Literal("120.5", datatype=terms.XSD.decimal)),
                SPARQL,
                M_AGREEMENT,
            )
        },
    ),
    "missing title": (
        replace(HAWKINS, DCTERMS.title, None),
        {(H, str(DCTERMS.title), None, MIN_COUNT, M_TITLE_REQUIRED)},
    ),
    "two titles": (
        add(HAWKINS, DCTERMS.title, Literal("Measuring quality using Twitter")),
        {(H, str(DCTERMS.title), None, MAX_COUNT, M_TITLE_SINGLE)},
    ),
    "missing first author": (
        replace(HAWKINS, SMQI.firstAuthor, None),
        {(H, str(SMQI.firstAuthor), None, MIN_COUNT, M_FIRST_AUTHOR_REQUIRED)},
    ),
    "upper-case DOI": (
        replace(HAWKINS, BIBO.doi, BAD_DOI),
        {(H, DOI, nt(BAD_DOI), PATTERN, M_DOI)},
    ),
    "DOI with a resolver in front": (
        replace(HAWKINS, BIBO.doi, Literal("https://doi.org/10.1136/bmjqs-2015-004309")),
        {(H, DOI, '"https://doi.org/10.1136/bmjqs-2015-004309"', PATTERN, M_DOI)},
    ),
    "PMID with a prefix": (
        replace(HAWKINS, BIBO.pmid, Literal("PMID:26464518")),
        {(H, PMID, '"PMID:26464518"', PATTERN, M_PMID)},
    ),
    "year 2099": (
        replace(HAWKINS, SMQI.publicationYear, Literal(2099)),
        {(H, YEAR, nt(Literal(2099)), SPARQL, M_YEAR_2099)},
    ),
    "year 1850": (
        replace(HAWKINS, SMQI.publicationYear, Literal(1850)),
        {(H, YEAR, nt(Literal(1850)), MIN_INCLUSIVE, M_YEAR_MINIMUM)},
    ),
    "year as xsd:gYear": (
        replace(HAWKINS, SMQI.publicationYear, GYEAR),
        {
            (H, YEAR, nt(GYEAR), DATATYPE, M_YEAR_INTEGER),
            (H, YEAR, nt(GYEAR), MIN_INCLUSIVE, M_YEAR_MINIMUM),
        },
    ),
    "year as text": (
        replace(HAWKINS, SMQI.publicationYear, Literal("2016")),
        {
            (H, YEAR, '"2016"', DATATYPE, M_YEAR_INTEGER),
            (H, YEAR, '"2016"', MIN_INCLUSIVE, M_YEAR_MINIMUM),
        },
    ),
    "year as an ill-typed integer": (
        replace(HAWKINS, SMQI.publicationYear, ILL_TYPED_YEAR),
        {
            (H, YEAR, nt(ILL_TYPED_YEAR), DATATYPE, M_YEAR_INTEGER),
            (H, YEAR, nt(ILL_TYPED_YEAR), MIN_INCLUSIVE, M_YEAR_MINIMUM),
        },
    ),
    "record without platform": (
        replace(RECORD_1, SMQI.platform, None),
        {(R1, PLATFORM, None, MIN_COUNT, M_PLATFORM_REQUIRED)},
    ),
    "a population used as platform": (
        add(RECORD_1, SMQI.platform, PATIENTS),
        {
            (R1, PLATFORM, PATIENTS_NT, CLASS, M_PLATFORM),
            (R1, PLATFORM, PATIENTS_NT, NODE, M_PLATFORM),
        },
    ),
    "a record's source that a page would turn into a script": (
        add(RECORD_1, DCTERMS.source, SCRIPT),
        {(R1, str(DCTERMS.source), nt(SCRIPT), PATTERN, M_RECORD_SOURCE)},
    ),
    "a finding's source that is a page of its own (data:)": (
        replace(FINDING, DCTERMS.source, DATA_PAGE),
        {(str(FINDING), str(DCTERMS.source), nt(DATA_PAGE), PATTERN, M_FINDING_SOURCE_IRI)},
    ),
    "a project's own concept linked to ours and defined": (
        _team_concept(linked=True, defined=True),
        set(),
    ),
    "a project's own concept linked to nothing of ours, without a definition": (
        _team_concept(linked=False, defined=False),
        {
            (str(VOCAB.platform), None, nt(TEAM_CONCEPT), SPARQL, M_TEAM_UNLINKED),
            (str(VOCAB.platform), None, nt(TEAM_CONCEPT), SPARQL, M_TEAM_UNDEFINED),
        },
    ),
    "a platform concept filed in another scheme": (
        _concept_in_wrong_scheme,
        {(R1, PLATFORM, nt(VOCAB["platform/mastodon"]), NODE, M_PLATFORM)},
    ),
    "text instead of a platform concept": (
        add(RECORD_1, SMQI.platform, Literal("Twitter")),
        {
            (R1, PLATFORM, '"Twitter"', CLASS, M_PLATFORM),
            (R1, PLATFORM, '"Twitter"', NODE, M_PLATFORM),
        },
    ),
    "two records for one study in one collection": (
        replace(RECORD_2, SMQI.codesStudy, HAWKINS),
        {
            (R1, None, nt(RECORD_2), SPARQL, M_ONE_RECORD),
            (R2, None, nt(RECORD_1), SPARQL, M_ONE_RECORD),
        },
    ),
    "record without source row": (
        replace(RECORD_1, SMQI.sourceRow, None),
        {(R1, str(SMQI.sourceRow), None, MIN_COUNT, M_SOURCE_ROW)},
    ),
    "row number 0": (
        replace(ROW_2, SMQI.rowNumber, Literal(0)),
        {(str(ROW_2), str(SMQI.rowNumber), nt(Literal(0)), MIN_INCLUSIVE, M_ROW_NUMBER)},
    ),
    "concept label clash": (
        add(TWITTER, SKOS.altLabel, Literal("facebook", lang="en")),
        {
            (
                str(VOCAB.platform),
                None,
                '"Facebook"',
                SPARQL,
                label_clash("Facebook", 2, FACEBOOK, TWITTER),
            )
        },
    ),
    "MeSH match that is not a MeSH IRI": (
        replace(BLOGS, SKOS.exactMatch, BAD_MESH),
        {(str(BLOGS), str(SKOS.exactMatch), nt(BAD_MESH), PATTERN, M_EXACT_MATCH)},
    ),
    "close match with a versioned MeSH IRI": (
        replace(VOCAB["platform/online-forum"], SKOS.closeMatch, BAD_FORUM_MATCH),
        {
            (
                str(VOCAB["platform/online-forum"]),
                str(SKOS.closeMatch),
                nt(BAD_FORUM_MATCH),
                PATTERN,
                M_CLOSE_MATCH,
            )
        },
    ),
    "two English preferred labels": (
        add(TWITTER, SKOS.prefLabel, Literal("Twitter (X)", lang="en")),
        {(str(TWITTER), str(SKOS.prefLabel), None, UNIQUE_LANG, M_PREF_LABEL_UNIQUE)},
    ),
    "preferred label without language": (
        _untagged_theme,
        {(str(UNTAGGED), str(SKOS.prefLabel), '"Untagged theme"', DATATYPE, M_PREF_LABEL_LANGUAGE)},
    ),
    "concept in two schemes": (
        add(US, SKOS.inScheme, VOCAB.platform),
        {(str(US), str(SKOS.inScheme), None, MAX_COUNT, M_SCHEME_SINGLE)},
    ),
    "finding without source": (
        replace(FINDING, DCTERMS.source, None),
        {(str(FINDING), str(DCTERMS.source), None, MIN_COUNT, M_FINDING_SOURCE)},
    ),
    "finding that no review reports": (
        _orphan_finding,
        {(str(FINDING), None, None, MIN_COUNT, M_FINDING_REVIEW)},
    ),
    "two authors at one position": (
        replace(AUTHORSHIP_2, SMQI.authorPosition, Literal(1, datatype=terms.XSD.positiveInteger)),
        {(str(REVIEW), None, nt(REVIEW), SPARQL, M_AUTHORS_SHARE_POSITION)},
    ),
    "a gap in the author list": (
        replace(AUTHORSHIP_2, SMQI.authorPosition, Literal(3, datatype=terms.XSD.positiveInteger)),
        {(str(REVIEW), None, nt(REVIEW), SPARQL, M_AUTHORS_GAP)},
    ),
    "an author without a position": (
        replace(AUTHORSHIP_2, SMQI.authorPosition, None),
        {(str(AUTHORSHIP_2), str(SMQI.authorPosition), None, MIN_COUNT, M_AUTHOR_POSITION)},
    ),
    "an author at position 0": (
        replace(AUTHORSHIP_1, SMQI.authorPosition, Literal(0)),
        {
            (
                str(AUTHORSHIP_1),
                str(SMQI.authorPosition),
                nt(Literal(0)),
                MIN_INCLUSIVE,
                M_AUTHOR_POSITION_VALUE,
            ),
            # positions {0, 2}: the list runs to 2 with 2 positions, so no gap is reported
        },
    ),
    "a place in the author list with nobody in it": (
        replace(AUTHORSHIP_1, PROV.agent, None),
        {(str(AUTHORSHIP_1), str(PROV.agent), None, MIN_COUNT, M_AUTHOR_AGENT)},
    ),
    "an author who is not a person": (
        replace(AUTHORSHIP_1, PROV.agent, REVIEW),
        {(str(AUTHORSHIP_1), str(PROV.agent), nt(REVIEW), CLASS, M_AUTHOR_PERSON)},
    ),
    "an author of no review": (
        _authorship_of_no_review,
        {(str(AUTHORSHIP_2), None, None, MIN_COUNT, M_AUTHORSHIP_REVIEW)},
    ),
    "review without DOI (in progress)": (replace(REVIEW, BIBO.doi, None), set()),
    "review with two DOIs": (
        add(REVIEW, BIBO.doi, Literal("10.1000/another")),
        {(str(REVIEW), DOI, None, MAX_COUNT, M_REVIEW_DOI)},
    ),
    "review with two study counts": (
        add(REVIEW, SMQI.reportedStudyCount, Literal(41)),
        {(str(REVIEW), str(SMQI.reportedStudyCount), None, MAX_COUNT, M_REVIEW_COUNT_SINGLE)},
    ),
    "negative study count": (
        replace(REVIEW, SMQI.reportedStudyCount, Literal(-1)),
        {
            (
                str(REVIEW),
                str(SMQI.reportedStudyCount),
                nt(Literal(-1)),
                MIN_INCLUSIVE,
                M_REVIEW_COUNT,
            )
        },
    ),
    "illustrative extraction typed as a review": (
        add(COLLECTION, RDF.type, SMQI.Review),
        {
            (NOT_A_REVIEW_FOCUS, None, nt(COLLECTION), SPARQL, M_NOT_A_REVIEW),
            (NOT_A_REVIEW_FOCUS, str(DCTERMS.title), None, MIN_COUNT, M_REVIEW_TITLE),
        },
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_violation_is_reported_alike_by_both_engines(case: str) -> None:
    change, expected = CASES[case]
    reviews, sheet = valid_reviews(), valid_sheet()
    change(reviews, sheet)
    store = store_with(reviews, sheet)
    assert results(store, "sparql") == expected
    assert results(store, "pyshacl") == expected


def test_severity_and_source_shape_are_the_same_in_both_engines() -> None:
    reviews, sheet = valid_reviews(), valid_sheet()
    _both(replace(HAWKINS, DCTERMS.title, None), add(RECORD_1, SMQI.platform, PATIENTS))(
        reviews, sheet
    )
    store = store_with(reviews, sheet)
    by_engine = {engine: validate(store, SHAPES, engine) for engine in ENGINES}
    assert by_engine["sparql"] == by_engine["pyshacl"]
    assert {v.severity for v in by_engine["sparql"]} == {"Violation"}
    assert {v.source_shape.rsplit("#", 1)[-1] for v in by_engine["sparql"]} == {
        "Study-title-required",
        "Record-platform-vocabulary",
    }


# -- the shapes file -------------------------------------------------------------------

CONSTRAINT_PARAMETERS = {
    SH.minCount, SH.maxCount, SH.datatype, SH.nodeKind, SH.pattern, SH.minInclusive,
    SH.maxInclusive, SH.minLength, SH["class"], SH["in"], SH.hasValue, SH.node,
    SH.uniqueLang, SH.languageIn, SH.maxLength, SH.minExclusive, SH.maxExclusive,
    SH.closed, SH["not"], SH["and"], SH["or"], SH.xone, SH.equals, SH.disjoint,
    SH.lessThan, SH.qualifiedValueShape,
}  # fmt: skip


def shapes_graph() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def test_every_constraint_has_an_english_message() -> None:
    g = shapes_graph()
    constrained = {s for p in CONSTRAINT_PARAMETERS for s in g.subjects(p, None)}
    assert len(constrained) > 50
    for shape in constrained:
        messages = [m for m in g.objects(shape, SH.message) if isinstance(m, Literal)]
        assert [m.language for m in messages] == ["en"], f"{shape} needs one English sh:message"
    sparql = list(g.objects(None, SH.sparql))
    assert len(sparql) == 14
    for constraint in sparql:
        messages = [m for m in g.objects(constraint, SH.message) if isinstance(m, Literal)]
        assert [m.language for m in messages] == ["en"], "each sh:sparql needs an sh:message"


def test_every_shape_has_an_iri_and_sparql_shapes_carry_no_second_message() -> None:
    g = shapes_graph()
    shapes = {s for p in (*CONSTRAINT_PARAMETERS, SH.sparql, SH.property) for s in g.subjects(p)}
    assert all(isinstance(shape, URIRef) for shape in shapes)
    for shape in g.subjects(SH.sparql, None):
        assert g.value(shape, SH.message) is None, f"{shape}: the message belongs on sh:sparql"


def test_every_targeted_shape_is_compiled() -> None:
    g = shapes_graph()
    compiled = compile_shapes(g)
    sources = {URIRef(result.source_shape) for query in compiled for result in query.results}
    targeted = {p for s in g.subjects(SH.targetClass) for p in g.objects(s, SH.property)}
    assert targeted <= sources
    assert set(g.subjects(SH.sparql)) <= sources


def test_an_unsupported_component_is_refused() -> None:
    g = shapes_graph()
    g.add((B["shape/closed"], SH.targetClass, SMQI.Study))
    g.add((B["shape/closed"], SH.closed, Literal(True)))
    g.add((B["shape/closed"], SH.message, Literal("Closed.", lang="en")))
    with pytest.raises(ShapeCompilationError, match="sh:closed"):
        compile_shapes(g)


def test_a_constraint_without_message_is_refused() -> None:
    g = shapes_graph()
    prop = BNode()
    g.add((B["shape/silent"], SH.targetClass, SMQI.Study))
    g.add((B["shape/silent"], SH.property, prop))
    g.add((prop, SH.path, DCTERMS.title))
    g.add((prop, SH.minCount, Literal(1)))
    with pytest.raises(ShapeCompilationError, match="sh:message"):
        compile_shapes(g)


def test_a_missing_shapes_file_is_a_validator_error() -> None:
    missing = ROOT / "shapes" / "no-such-shapes.ttl"
    for engine in ENGINES:
        with pytest.raises(ValidatorError, match="cannot read the shapes file"):
            validate(ox.Store(), missing, engine)


def test_an_unknown_engine_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="pyshacl"):
        validate(ox.Store(), SHAPES, "owlready")


# -- reports ---------------------------------------------------------------------------


def broken_store() -> ox.Store:
    reviews, sheet = valid_reviews(), valid_sheet()
    _both(
        replace(HAWKINS, DCTERMS.title, None),
        replace(HAWKINS, SMQI.publicationYear, Literal(2099)),
        add(RECORD_1, SMQI.platform, PATIENTS),
    )(reviews, sheet)
    return store_with(reviews, sheet)


def parsed_report(violations: list[ShapeViolation]) -> Graph:
    turtle = report_graph(violations).serialize(format="turtle")
    return Graph().parse(data=turtle, format="turtle")


def test_report_graph_is_a_validation_report_with_every_result() -> None:
    violations = validate(broken_store(), SHAPES, "sparql")
    assert len(violations) == 4
    report = parsed_report(violations)
    [node] = list(report.subjects(RDF.type, SH.ValidationReport))
    assert report.value(node, SH.conforms) == Literal(False)
    result_nodes = list(report.objects(node, SH.result))
    assert len(result_nodes) == 4
    assert set(report.subjects(RDF.type, SH.ValidationResult)) == set(result_nodes)
    rows = set()
    for result in result_nodes:
        assert report.value(result, SH.resultSeverity) == SH.Violation
        assert report.value(result, SH.sourceShape) is not None
        path = report.value(result, SH.resultPath)
        rows.add(
            (
                str(report.value(result, SH.focusNode)),
                str(path) if path is not None else None,
                report.value(result, SH.value),
                str(report.value(result, SH.sourceConstraintComponent)),
                str(report.value(result, SH.resultMessage)),
            )
        )
    assert rows == {
        (H, str(DCTERMS.title), None, MIN_COUNT, M_TITLE_REQUIRED),
        (H, YEAR, Literal(2099), SPARQL, M_YEAR_2099),
        (R1, PLATFORM, PATIENTS, CLASS, M_PLATFORM),
        (R1, PLATFORM, PATIENTS, NODE, M_PLATFORM),
    }


def test_report_graph_of_a_conforming_graph_has_no_results() -> None:
    report = parsed_report([])
    [node] = list(report.subjects(RDF.type, SH.ValidationReport))
    assert report.value(node, SH.conforms) == Literal(True)
    assert list(report.objects(node, SH.result)) == []


def test_report_text_names_each_problem() -> None:
    violations = validate(broken_store(), SHAPES, "sparql")
    text = report_text(violations)
    assert text.startswith("The graph does not conform to the shapes: 4 violations.")
    for message in (M_TITLE_REQUIRED, M_YEAR_2099, M_PLATFORM):
        assert message in text
    assert f"focus: {H}" in text
    assert f"value: {PATIENTS_NT}" in text
    assert report_text([]) == "The graph conforms to the shapes: no violations."


# -- the project's own build -------------------------------------------------------------


@pytest.mark.integration
def test_the_published_build_conforms_under_both_engines(built: tuple[object, ox.Store]) -> None:
    """The real build of data/, with its inferred and metadata graphs, breaks no shape."""
    _, store = built
    assert validate(store, SHAPES, "sparql") == []
    assert validate(store, SHAPES, "pyshacl") == []
