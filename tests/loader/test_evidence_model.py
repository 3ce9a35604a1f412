"""The evidence model on the real build of data/: studies and their reports, reviews'
codebooks, what findings are about, study designs mapped from the sheet's text, PRISMA
counts (only what is public), and the ontology's hygiene. Expected values come from the
sheet (csv module), reviews.yaml, the design table and the ontology file, not from the
loader."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from smqi.loader.build import BuildReport
from smqi.loader.terms import BIBO, DCTERMS, FABIO, FRBR, PROV, SKOS, SMQI, VOCAB
from tests.conftest import design_table, select, sheet_rows
from tests.paths import DATA, ONTOLOGY

pytestmark = pytest.mark.integration

Built = tuple[BuildReport, ox.Store]
BASE = "https://w3id.org/smqi/id/"
REVIEWS = yaml.safe_load((DATA / "reviews.yaml").read_text(encoding="utf-8"))["reviews"]
ONTOLOGY_GRAPH = f"{BASE}graph/ontology"
# The datatypes of the OWL 2 datatype map (OWL 2 Structural Specification, section 4)
OWL2_DATATYPES = {
    str(RDF.PlainLiteral), str(RDF.XMLLiteral), str(RDFS.Literal), str(OWL.real),
    str(OWL.rational), *(str(XSD[name]) for name in (
        "decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger",
        "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt",
        "unsignedShort", "unsignedByte", "double", "float", "string", "normalizedString",
        "token", "language", "Name", "NCName", "NMTOKEN", "boolean", "hexBinary",
        "base64Binary", "anyURI", "dateTime", "dateTimeStamp",
    )),
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",  # a tagged string: PlainLiteral
}  # fmt: skip


def objects(store: ox.Store, subject: str, predicate: object) -> set[str]:
    return {
        q.object.value
        for q in store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(str(predicate)), None)
    }


# -- studies and their reports (FaBiO work / expression) -------------------------------------


def test_each_study_is_a_work_realised_by_its_report_named_by_doi_else_pubmed(
    built: Built,
) -> None:
    _, store = built
    studies = {
        r["s"]: r["title"]
        for r in select(
            store, f"SELECT ?s ?title WHERE {{ ?s a <{SMQI.Study}> ; <{DCTERMS.title}> ?title }}"
        )
    }
    assert len(studies) == len(sheet_rows())
    for row in sheet_rows():
        doi, pmid = row["doi"].strip().lower(), row["pmid"].strip()
        if doi or pmid:
            study = f"{BASE}study/doi/{doi}" if doi else f"{BASE}study/pmid/{pmid}"
            report = f"https://doi.org/{doi}" if doi else f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
        else:  # named by first author, year and title: the report is minted beside it
            [study] = [s for s, title in studies.items() if title == row["title"]]
            report = study.replace(f"{BASE}study/", f"{BASE}report/")
        assert objects(store, study, FRBR.realization) == {report}, row["study_id"]
        assert objects(store, report, FRBR.realizationOf) == {study}
        assert str(SMQI.StudyReport) in objects(store, report, RDF.type)
        assert str(FABIO.Expression) in objects(store, report, RDF.type)  # entailed
        assert str(FABIO.Work) in objects(store, study, RDF.type)
        assert str(SMQI.StudyReport) not in objects(store, study, RDF.type)
        if doi:
            assert objects(store, report, BIBO.doi) == {doi}
        if doi and pmid:
            assert objects(store, report, "https://schema.org/sameAs") == {
                f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
            }


def test_records_keep_their_iris_and_a_sole_coders_attribution(built: Built) -> None:
    _, store = built
    rows = select(
        store,
        f"""SELECT ?record ?role ?coder WHERE {{
            ?record a <{SMQI.CodedRecord}> ;
                <{PROV.qualifiedAttribution}> [ <{PROV.hadRole}> ?role ;
                                                <{PROV.agent}>/<{RDFS.label}> ?coder ] }}""",
    )
    studies = {
        r["title"]: r["s"]
        for r in select(
            store, f"SELECT ?s ?title WHERE {{ ?s a <{SMQI.Study}> ; <{DCTERMS.title}> ?title }}"
        )
    }
    # a record is named after its collection and its study, as in 0.1.0
    expected = {
        studies[r["title"]].replace(f"{BASE}study/", f"{BASE}record/illustrative-extraction/")
        for r in sheet_rows()
    }
    assert {r["record"] for r in rows} == expected
    assert sum("/doi/" in record for record in expected) == sum(
        bool(r["doi"]) for r in sheet_rows()
    )
    assert {r["role"] for r in rows} == {str(SMQI.soleCoder)}
    assert {r["coder"] for r in rows} == {r["extracted_by"] for r in sheet_rows()}


def test_each_review_is_realised_by_its_article_and_cites_what_it_cites(built: Built) -> None:
    _, store = built
    for review in REVIEWS:
        iri = f"{BASE}review/{review['id']}"
        article = f"https://doi.org/{review['doi']}"
        assert objects(store, iri, FRBR.realization) == {article}
        assert {str(FABIO.ReviewArticle), str(SMQI.StudyReport)} <= objects(
            store, article, RDF.type
        )
        assert str(FABIO.Work) in objects(store, iri, RDF.type)
        # the reviews' included studies are not public: nothing is included
        assert objects(store, iri, SMQI.includesStudy) == set()


# -- codebooks: a review's own themes and typology -------------------------------------------


def test_a_reviews_themes_live_in_a_scheme_named_for_it(built: Built) -> None:
    _, store = built
    review = next(r for r in REVIEWS if r.get("themes"))
    scheme = f"{VOCAB}{review['id']}-themes"
    assert objects(store, scheme, SMQI.codebookOf) == {f"{BASE}review/{review['id']}"}
    assert objects(store, scheme, SMQI.codebookFor) == {f"{VOCAB}theme"}
    rows = select(
        store,
        f"""SELECT ?concept ?label WHERE {{
            ?concept <{SKOS.inScheme}> <{scheme}> ; <{SKOS.prefLabel}> ?label }}""",
    )
    expected = {*review["themes"], *(h for hs in review["themes"].values() for h in hs)}
    assert {r["label"] for r in rows} == expected
    # the shared theme scheme holds no concept of its own
    assert not select(store, f"SELECT ?c WHERE {{ ?c <{SKOS.inScheme}> <{VOCAB}theme> }}")
    # the IRIs the themes had before point to where they are now
    old = f"{review['themes_formerly']}benefit/builds-relationships"
    assert objects(store, old, DCTERMS.isReplacedBy) == {f"{scheme}/benefit/builds-relationships"}
    assert objects(store, old, OWL.deprecated) == {"true"}


def test_the_nine_models_of_use_stay_absent(built: Built) -> None:
    _, store = built
    scheme = f"{VOCAB}walsh-2021-models-of-use"
    assert objects(store, scheme, SMQI.codebookOf) == {f"{BASE}review/walsh-2021"}
    assert f"{scheme}" in objects(store, f"{BASE}review/walsh-2021", SMQI.codedDimension)
    assert not select(store, f"SELECT ?c WHERE {{ ?c <{SKOS.inScheme}> <{scheme}> }}")
    assert not select(store, f"SELECT ?c WHERE {{ ?c a <{SMQI.ModelOfUse}> }}")


def test_findings_are_about_the_concepts_their_published_wording_names(built: Built) -> None:
    _, store = built
    for review in REVIEWS:
        for order, finding in enumerate(review["findings"], start=1):
            about = finding.get("about", {}) if isinstance(finding, dict) else {}
            labels = {label for values in about.values() for label in values}
            rows = select(
                store,
                f"""SELECT ?label WHERE {{
                    <{BASE}finding/{review["id"]}/{order}> <{DCTERMS.subject}>/<{SKOS.prefLabel}>
                        ?label }}""",
            )
            assert {r["label"] for r in rows} == labels, (review["id"], order)


# -- study design: a controlled vocabulary the sheet's text is mapped onto ------------------


def test_every_free_text_design_of_the_sheet_is_mapped_and_the_text_kept(built: Built) -> None:
    _, store = built
    table = design_table()
    labels = {
        r["concept"]: r["label"]
        for r in select(
            store,
            f"""SELECT ?concept ?label WHERE {{
                ?concept <{SKOS.inScheme}> <{VOCAB}study-design> ; <{SKOS.prefLabel}> ?label }}""",
        )
    }
    studies = {
        r["title"]: r["s"]
        for r in select(
            store, f"SELECT ?s ?title WHERE {{ ?s a <{SMQI.Study}> ; <{DCTERMS.title}> ?title }}"
        )
    }
    for row in sheet_rows():
        assert row["study_design"] in table, row["study_id"]
        record = studies[row["title"]].replace(
            f"{BASE}study/", f"{BASE}record/illustrative-extraction/"
        )
        designs = {labels[c] for c in objects(store, record, SMQI.design)}
        assert designs == set(table[row["study_design"]]), row["study_id"]
        assert objects(store, record, SMQI.studyDesign) == {row["study_design"]}


# -- PRISMA: what the public record shows, and nothing else ----------------------------------

PRISMA_PROPERTIES = [
    SMQI[name]
    for name in (
        "recordsIdentified", "duplicatesRemoved", "recordsScreened", "recordsExcluded",
        "reportsSought", "reportsNotRetrieved", "reportsAssessed", "reportsExcluded",
        "reportsIncluded", "exclusionReason",
    )
]  # fmt: skip


def test_prisma_counts_are_the_public_ones_and_the_rest_absent(built: Built) -> None:
    _, store = built
    for review in REVIEWS:
        iri = f"{BASE}review/{review['id']}"
        assert objects(store, iri, SMQI.reportedStudyCount) == {str(review["included_studies"])}
        for prop in PRISMA_PROPERTIES:
            assert objects(store, iri, prop) == set(), (review["id"], prop)


# -- hygiene ---------------------------------------------------------------------------------

BUILT_IN = (str(RDF), str(RDFS), str(OWL), str(XSD))


def test_every_term_the_graph_uses_is_declared_in_the_ontology(built: Built) -> None:
    _, store = built
    used = select(
        store,
        f"""SELECT DISTINCT ?term WHERE {{
            GRAPH ?g {{ {{ ?s ?term ?o }} UNION {{ ?s a ?term }} }}
            FILTER (?g != <{ONTOLOGY_GRAPH}>) }}""",
    )
    ontology = Graph().parse(ONTOLOGY / "smqi.ttl")
    declared = {str(s) for s in ontology.subjects(RDF.type, None)}
    undeclared = sorted(
        r["term"] for r in used if not r["term"].startswith(BUILT_IN) and r["term"] not in declared
    )
    assert undeclared == []


def test_data_properties_take_only_owl2_datatypes_and_every_property_has_a_range(
    built: Built,
) -> None:
    _, store = built
    ontology = Graph().parse(ONTOLOGY / "smqi.ttl")
    data_properties = {str(p) for p in ontology.subjects(RDF.type, OWL.DatatypeProperty)}
    rows = select(
        store, "SELECT DISTINCT ?p (DATATYPE(?o) AS ?d) WHERE { ?s ?p ?o FILTER isLiteral(?o) }"
    )
    outside = {
        (r["p"], r["d"]) for r in rows if r["p"] in data_properties and r["d"] not in OWL2_DATATYPES
    }
    assert outside == set()
    ours = {
        s
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, kind)
        if str(s).startswith(str(SMQI))
    }
    assert ours and {str(p) for p in ours if ontology.value(p, RDFS.range) is None} == set()
    assert (SMQI.publicationYear, RDFS.subPropertyOf, DCTERMS.date) not in ontology


def test_the_ontology_names_its_creator_dates_and_prior_version() -> None:
    ontology = Graph().parse(ONTOLOGY / "smqi.ttl")
    header = URIRef("https://w3id.org/smqi/ontology")
    for prop in (
        DCTERMS.creator,
        DCTERMS.created,
        DCTERMS.modified,
        OWL.priorVersion,
        OWL.versionIRI,
    ):
        assert ontology.value(header, prop) is not None, prop
    assert ontology.value(header, OWL.priorVersion) == URIRef(
        "https://w3id.org/smqi/ontology/0.1.0"
    )


def test_every_scheme_states_its_licence_and_version(built: Built) -> None:
    _, store = built
    schemes = select(store, f"SELECT DISTINCT ?s WHERE {{ ?s a <{SKOS.ConceptScheme}> }}")
    assert len(schemes) >= 10
    for row in schemes:
        assert len(objects(store, row["s"], DCTERMS.license)) == 1, row["s"]
        assert len(objects(store, row["s"], OWL.versionInfo)) == 1, row["s"]


def test_the_layout_file_table_is_shipped_beside_the_default_mapping() -> None:
    assert (Path(DATA) / "mappings" / "study-designs.tsv").is_file()
