"""The compiled SPARQL engine and pyshacl give the same results on random broken graphs.

``synthetic_build`` writes a SYNTHETIC build (invented studies, records and rows, not
data from any review) as N-Quads text, with violations injected at random from a seed.
It is also what the benchmark in the project report used to time both engines.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox
import pytest

from smqi.loader import terms
from smqi.loader.terms import (
    BIBO,
    DCTERMS,
    DEFAULT_BASE,
    MESH,
    PROV,
    RDF,
    RDFS,
    SH,
    SKOS,
    SMQI,
    VOCAB,
)
from smqi.loader.validation import validate
from tests.loader.test_validation import SHAPES, base_nquads

GRAPH = f"<{DEFAULT_BASE}graph/sheet/synthetic>"
EXTRACTION = f"<{DEFAULT_BASE}collection/synthetic-extraction>"
REVIEW = f"<{DEFAULT_BASE}review/synthetic-review>"

PLATFORMS = ("twitter", "facebook", "youtube", "instagram", "reddit", "blogs", "online-forum")
POPULATIONS = ("patients-consumers", "clinical-providers", "health-organisations", "young-people")
MODELS = ("one-way-from-stakeholders", "one-way-from-organisation", "two-way", "many-to-many")
ACTIVITIES = ("identifying-problems", "measuring-quality", "consultation-on-design")
STAGES = ("plan", "do", "study", "act", "unclear")
COUNTRIES = ("US", "GB")

STUDY_ERRORS = {
    "no-title": SH.MinCountConstraintComponent,
    "two-titles": SH.MaxCountConstraintComponent,
    "no-first-author": SH.MinCountConstraintComponent,
    "upper-case-doi": SH.PatternConstraintComponent,
    "doi-with-prefix": SH.PatternConstraintComponent,
    "bad-pmid": SH.PatternConstraintComponent,
    "year-in-future": SH.SPARQLConstraintComponent,
    "year-before-1900": SH.MinInclusiveConstraintComponent,
    "year-as-gyear": SH.DatatypeConstraintComponent,
    "year-ill-typed": SH.DatatypeConstraintComponent,
    "two-years": SH.MaxCountConstraintComponent,
}
RECORD_ERRORS = {
    "no-platform": SH.MinCountConstraintComponent,
    "population-as-platform": SH.NodeConstraintComponent,
    "text-as-platform": SH.ClassConstraintComponent,
    "unknown-platform": SH.ClassConstraintComponent,
    "duplicate-record": SH.SPARQLConstraintComponent,
    "no-source-row": SH.MinCountConstraintComponent,
    "row-number-zero": SH.MinInclusiveConstraintComponent,
    "study-is-not-a-study": SH.ClassConstraintComponent,
}
GRAPH_ERRORS = {
    "label-clash": SH.SPARQLConstraintComponent,
    "bad-mesh-match": SH.PatternConstraintComponent,
    "finding-without-source": SH.MinCountConstraintComponent,
    "finding-without-review": SH.MinCountConstraintComponent,
    "untagged-pref-label": SH.DatatypeConstraintComponent,
}


def iri(value: str) -> str:
    return f"<{value}>"


def text(value: str, datatype: str | None = None, language: str | None = None) -> str:
    """A literal; synthetic values hold no quotes, backslashes or line breaks."""
    if language:
        return f'"{value}"@{language}'
    return f'"{value}"^^<{datatype}>' if datatype else f'"{value}"'


def integer(value: int) -> str:
    return text(str(value), str(terms.XSD.integer))


A = iri(str(RDF.type))


@dataclass
class SyntheticBuild:
    """N-Quads text of a synthetic build and the violations injected into it, by kind."""

    lines: list[str] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)

    def add(self, s: str, p: object, o: str) -> None:
        self.lines.append(f"{s} {iri(str(p))} {o} {GRAPH} .\n")

    def nquads(self) -> bytes:
        return "".join(self.lines).encode()


def synthetic_build(studies: int, seed: int, error_rate: float) -> SyntheticBuild:
    """A synthetic build of ``studies`` studies, one record each in an extraction and a third
    also in a review, with a violation injected into a study or record at ``error_rate``."""
    rng = random.Random(seed)
    out = SyntheticBuild()
    _collections(out, inject=error_rate > 0)
    rows = {EXTRACTION: 1, REVIEW: 1}
    for n in range(studies):
        study = iri(f"{DEFAULT_BASE}study/doi/10.5555/synthetic.{seed}.{n}")
        _study(
            out,
            rng,
            study,
            n,
            rng.choice(list(STUDY_ERRORS)) if rng.random() < error_rate else None,
        )
        collections = [EXTRACTION] + ([REVIEW] if rng.random() < 0.3 else [])
        for collection in collections:
            error = rng.choice(list(RECORD_ERRORS)) if rng.random() < error_rate else None
            copies = 2 if error == "duplicate-record" else 1
            for copy in range(copies):
                rows[collection] += 1
                _record(out, rng, study, collection, rows[collection], copy, error)
            if error:
                out.injected[error] += 1
    return out


def _collections(out: SyntheticBuild, inject: bool) -> None:
    out.add(EXTRACTION, RDF.type, iri(str(SMQI.IllustrativeExtraction)))
    out.add(REVIEW, RDF.type, iri(str(SMQI.Review)))
    out.add(REVIEW, DCTERMS.title, text("A synthetic review"))
    out.add(REVIEW, BIBO.doi, text("10.5555/synthetic-review"))
    out.add(REVIEW, SMQI.reportedStudyCount, integer(100))
    for collection in (EXTRACTION, REVIEW):
        sheet = _sheet(collection)
        out.add(sheet, RDF.type, iri(str(SMQI.ExtractionSheet)))
        out.add(sheet, DCTERMS.title, text(f"{collection.rsplit('/', 1)[-1][:-1]}.csv"))
        out.add(sheet, SMQI.sha256, text("ab" * 32))
    for order in (1, 2):
        finding = iri(f"{DEFAULT_BASE}finding/synthetic-review/{order}")
        out.add(finding, RDF.type, iri(str(SMQI.Finding)))
        out.add(finding, SMQI.statement, text(f"Synthetic finding {order}.", language="en"))
        out.add(finding, SMQI.findingOrder, integer(order))
        if not (inject and order == 1):
            out.add(finding, DCTERMS.source, iri("https://doi.org/10.5555/synthetic-review"))
        if not (inject and order == 2):
            out.add(REVIEW, SMQI.reportsFinding, finding)
    if not inject:
        return
    out.injected.update(["finding-without-source", "finding-without-review"])
    out.add(iri(str(VOCAB["platform/youtube"])), SKOS.altLabel, text("REDDIT", language="en"))
    out.add(iri(str(VOCAB["platform/blogs"])), SKOS.exactMatch, iri(f"{MESH}2024/D057218"))
    untagged = iri(str(VOCAB["theme/synthetic-untagged"]))
    out.add(untagged, RDF.type, iri(str(SMQI.Theme)))
    out.add(untagged, SKOS.inScheme, iri(str(VOCAB.theme)))
    out.add(untagged, SKOS.prefLabel, text("Synthetic untagged theme"))
    out.injected.update(["label-clash", "bad-mesh-match", "untagged-pref-label"])


def _sheet(collection: str) -> str:
    return iri(f"{DEFAULT_BASE}sheet/{collection.rsplit('/', 1)[-1][:-1]}")


def _study(out: SyntheticBuild, rng: random.Random, study: str, n: int, error: str | None) -> None:
    doi = study.split("/doi/", 1)[1][:-1]
    year = rng.randint(2005, 2024)
    out.add(study, RDF.type, iri(str(SMQI.Study)))
    if error != "no-title":
        out.add(study, DCTERMS.title, text(f"Synthetic study {n} of social media in QI"))
    if error == "two-titles":
        out.add(study, DCTERMS.title, text(f"Synthetic study {n}, another title"))
    if error != "no-first-author":
        out.add(study, SMQI.firstAuthor, text(f"Author{n % 97}"))
    years = {
        "year-in-future": [integer(2099)],
        "year-before-1900": [integer(1850)],
        "year-as-gyear": [text(str(year), str(terms.XSD.gYear))],
        "year-ill-typed": [text(f"{year}a", str(terms.XSD.integer))],
        "two-years": [integer(year), integer(year + 1)],
    }.get(error or "", [integer(year)])
    for value in years:
        out.add(study, SMQI.publicationYear, value)
    dois = {"upper-case-doi": doi.upper(), "doi-with-prefix": f"doi:{doi}"}
    out.add(study, BIBO.doi, text(dois.get(error or "", doi)))
    if rng.random() < 0.5 or error == "bad-pmid":
        out.add(study, BIBO.pmid, text("PMID 1234" if error == "bad-pmid" else str(90000000 + n)))
    out.add(study, RDFS.seeAlso, iri(f"https://doi.org/{doi}"))
    if error:
        out.injected[error] += 1


def _record(
    out: SyntheticBuild,
    rng: random.Random,
    study: str,
    collection: str,
    row_number: int,
    copy: int,
    error: str | None,
) -> None:
    name = collection.rsplit("/", 1)[-1][:-1]
    suffix = study.split("/study/", 1)[1][:-1]
    record = iri(f"{DEFAULT_BASE}record/{name}/{suffix}{'/copy' if copy else ''}")
    sheet = _sheet(collection)
    row = iri(f"{sheet[1:-1]}/row/{row_number}")
    out.add(record, RDF.type, iri(str(SMQI.CodedRecord)))
    coded = iri(f"{DEFAULT_BASE}not-a-study/{suffix}") if error == "study-is-not-a-study" else study
    out.add(record, SMQI.codesStudy, coded)
    out.add(record, SMQI.inCollection, collection)
    if error != "no-platform":
        for platform in rng.sample(PLATFORMS, rng.randint(1, 2)):
            out.add(record, SMQI.platform, iri(str(VOCAB[f"platform/{platform}"])))
    wrong_platforms = {
        "population-as-platform": iri(str(VOCAB["population/patients-consumers"])),
        "text-as-platform": text("Twitter"),
        "unknown-platform": iri(str(VOCAB["platform/myspace"])),
    }
    if error in wrong_platforms:
        out.add(record, SMQI.platform, wrong_platforms[error])
    out.add(record, SMQI.userPopulation, iri(str(VOCAB[f"population/{rng.choice(POPULATIONS)}"])))
    model = rng.choice(MODELS)
    out.add(record, SMQI.communicationModel, iri(str(VOCAB[f"communication-model/{model}"])))
    out.add(record, SMQI.qiActivity, iri(str(VOCAB[f"qi-activity/{rng.choice(ACTIVITIES)}"])))
    out.add(record, SMQI.qiCycleStage, iri(str(VOCAB[f"qi-cycle-stage/{rng.choice(STAGES)}"])))
    out.add(record, SMQI.country, iri(str(VOCAB[f"country/{rng.choice(COUNTRIES)}"])))
    out.add(record, DCTERMS.created, text("2026-11-25", str(terms.XSD.date)))
    out.add(record, DCTERMS.source, iri(f"https://doi.org/{suffix[4:]}"))
    attribution = iri(f"{record[1:-1]}/attribution")
    coder = iri(f"{DEFAULT_BASE}agent/synthetic-coder")
    out.add(record, PROV.qualifiedAttribution, attribution)
    out.add(attribution, RDF.type, iri(str(SMQI.CoderAttribution)))
    out.add(attribution, PROV.hadRole, iri(str(SMQI.soleCoder)))
    out.add(attribution, PROV.agent, coder)
    out.add(coder, RDF.type, iri(str(PROV.Agent)))
    if error != "no-source-row":
        out.add(record, SMQI.sourceRow, row)
    out.add(row, RDF.type, iri(str(SMQI.SheetRow)))
    out.add(row, SMQI.rowNumber, integer(0 if error == "row-number-zero" else row_number))
    out.add(row, SMQI.rowKey, text(f"S{row_number:05d}"))
    out.add(row, SMQI.inSheet, sheet)


def synthetic_store(build: SyntheticBuild) -> ox.Store:
    store = ox.Store()
    store.load(base_nquads(), format=ox.RdfFormat.N_QUADS)
    store.load(build.nquads(), format=ox.RdfFormat.N_QUADS)
    return store


Row = tuple[str, str | None, str | None, str, str]


def compare_engines(studies: int, seed: int) -> None:
    build = synthetic_build(studies, seed, error_rate=0.15)
    store = synthetic_store(build)
    by_engine: dict[str, set[Row]] = {
        engine: {
            (v.focus, v.path, v.value, v.component, v.message)
            for v in validate(store, SHAPES, engine)
        }
        for engine in ("sparql", "pyshacl")
    }
    assert by_engine["sparql"] == by_engine["pyshacl"]
    components = Counter(component for _, _, _, component, _ in by_engine["sparql"])
    for kind in build.injected:
        expected = {**STUDY_ERRORS, **RECORD_ERRORS, **GRAPH_ERRORS}[kind]
        assert components[str(expected)] > 0, f"injected {kind} but no {expected} result"


def test_a_valid_synthetic_build_conforms_under_both_engines() -> None:
    store = synthetic_store(synthetic_build(40, seed=3, error_rate=0.0))
    assert validate(store, SHAPES, "sparql") == []
    assert validate(store, SHAPES, "pyshacl") == []


def test_both_engines_agree_on_a_random_broken_build() -> None:
    compare_engines(studies=150, seed=11)


@pytest.mark.integration
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_both_engines_agree_on_larger_random_broken_builds(seed: int) -> None:
    compare_engines(studies=400, seed=seed)
