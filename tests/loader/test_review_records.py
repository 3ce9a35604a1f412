"""A review's inclusion of studies, an overview of reviews, PRISMA flow counts and a critical
appraisal, on the SYNTHETIC dual-coded review (bench/synthetic.py); expected values come
from its reviews.yaml and sheets, read here with yaml and csv. HermiT checks the build
whole, and its entailments are those the build published."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from smqi.loader import reasoning
from smqi.loader.assembly import assemble, check
from smqi.loader.build import BuildReport
from smqi.loader.cli import main
from smqi.loader.errors import ValidationError
from smqi.loader.manifest import load_manifest
from smqi.loader.terms import CITO, DEFAULT_BASE, RDF, SMQI
from tests.conftest import select, settings_for
from tests.paths import DATA, ONTOLOGY

pytestmark = pytest.mark.integration

Built = tuple[Path, BuildReport, ox.Store]
BASE = DEFAULT_BASE
INFERRED = ox.NamedNode(f"{BASE}graph/inferred")
PRISMA = {
    "records_identified": SMQI.recordsIdentified,
    "duplicates_removed": SMQI.duplicatesRemoved,
    "records_screened": SMQI.recordsScreened,
    "records_excluded": SMQI.recordsExcluded,
    "reports_sought": SMQI.reportsSought,
    "reports_not_retrieved": SMQI.reportsNotRetrieved,
    "reports_assessed": SMQI.reportsAssessed,
    "reports_excluded": SMQI.reportsExcluded,
}


def review_record(data_dir: Path, review: str) -> dict[str, object]:
    reviews = yaml.safe_load((data_dir / "reviews.yaml").read_text(encoding="utf-8"))["reviews"]
    found: dict[str, object] = next(r for r in reviews if r["id"] == review)
    return found


def objects(store: ox.Store, subject: str, predicate: object) -> set[str]:
    return {
        q.object.value
        for q in store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(str(predicate)), None)
    }


def test_a_review_includes_the_studies_it_codes_and_cites_them(dual_coded: Built) -> None:
    data_dir, _, store = dual_coded
    with (data_dir / "sheets" / "dual-coded.csv").open(encoding="utf-8", newline="") as handle:
        dois = {row["doi"] for row in csv.DictReader(handle)}
    review = f"{BASE}review/synthetic-review"
    studies = {f"{BASE}study/doi/{doi}" for doi in dois}
    assert objects(store, review, SMQI.includesStudy) == studies
    assert studies <= objects(store, review, CITO.cites)  # entailed: includesStudy ⊑ cites


def test_an_overview_includes_reviews_and_hermit_finds_it_consistent(dual_coded: Built) -> None:
    data_dir, _, store = dual_coded
    overview = f"{BASE}review/synthetic-overview"
    included = {
        f"{BASE}review/{r}" for r in review_record(data_dir, "synthetic-overview")["includes"]
    }  # type: ignore[union-attr]
    assert objects(store, overview, SMQI.includesStudy) == included
    assert str(SMQI.OverviewOfReviews) in objects(store, overview, RDF.type)
    # each included review is, by the range of includesStudy, also a study: HermiT agrees,
    # finds the whole build consistent, and entails exactly what the build published
    union = ox.serialize(
        (q.triple for q in store if q.graph_name != INFERRED), format=ox.RdfFormat.N_TRIPLES
    )
    types, values = reasoning.hermit_entailments(union or b"")
    for review in included:
        assert (review, str(SMQI.Study)) in types and (review, str(SMQI.Review)) in types
        assert str(SMQI.Study) in objects(store, review, RDF.type)
    rules = reasoning.derive_rules(
        [ONTOLOGY / "smqi.ttl", *sorted((ONTOLOGY / "vocabularies").glob("*.ttl"))], None
    )
    published = {
        (q.subject.value, q.predicate.value, q.object.value)
        for q in store.quads_for_pattern(None, None, None, None)
        if q.predicate.value in rules.object_properties
        and isinstance(q.subject, ox.NamedNode)
        and isinstance(q.object, ox.NamedNode)
    }
    assert values == published


def test_prisma_counts_and_exclusion_reasons_are_the_records(dual_coded: Built) -> None:
    data_dir, _, store = dual_coded
    record = review_record(data_dir, "synthetic-review")
    prisma: dict[str, object] = record["prisma"]  # type: ignore[assignment]
    review = f"{BASE}review/synthetic-review"
    for key, prop in PRISMA.items():
        assert objects(store, review, prop) == {str(prisma[key])}, key
    assert objects(store, review, SMQI.reportedStudyCount) == {str(record["included_studies"])}
    rows = select(
        store,
        f"""SELECT ?label ?count WHERE {{
            <{review}> <{SMQI.exclusionReason}> ?reason .
            ?reason <http://www.w3.org/2000/01/rdf-schema#label> ?label ;
                <{SMQI.reportCount}> ?count }}""",
    )
    assert {r["label"]: int(r["count"]) for r in rows} == prisma["exclusion_reasons"]
    # the overview's record gives no PRISMA counts: none is invented
    for prop in PRISMA.values():
        assert objects(store, f"{BASE}review/synthetic-overview", prop) == set()


def test_each_record_carries_its_appraisal(dual_coded: Built) -> None:
    _, report, store = dual_coded
    rows = select(
        store,
        f"""SELECT ?record ?tool ?judgement WHERE {{
            ?record a <{SMQI.CodedRecord}> ;
                <{SMQI.appraisalTool}> ?tool ; <{SMQI.appraisalJudgement}> ?judgement }}""",
    )
    assert len(rows) == report.records
    assert {(r["tool"], r["judgement"]) for r in rows} == {
        ("SYNTHETIC checklist", "SYNTHETIC include")
    }


def test_a_judgement_without_its_tool_is_refused(
    dual_coded: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, _, _ = dual_coded
    with (data_dir / "sheets" / "dual-coded.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[:3]
    rows[1]["appraisal_tool"] = ""
    sheet = tmp_path / "appraised.csv"
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    mapping = data_dir / "mappings" / "dual-coded.yaml"
    assert (
        main(["validate", str(sheet), "--project", str(tmp_path), "--mapping", str(mapping)]) == 1
    )
    err = capsys.readouterr().err
    assert "appraised.csv, row 3" in err
    assert "gives an appraisal judgement (SYNTHETIC include) but not the appraisal tool" in err


def test_prisma_counts_that_do_not_add_up_are_refused_by_the_shapes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("build", "builds", ".cache"))
    reviews = yaml.safe_load((data / "reviews.yaml").read_text(encoding="utf-8"))
    reviews["reviews"][0]["prisma"] = {  # SYNTHETIC counts, wrong on purpose
        "records_screened": 10,
        "records_excluded": 12,
        "reports_assessed": 5,
        "reports_excluded": 5,
        "exclusion_reasons": {"SYNTHETIC reason": 4},
    }
    (data / "reviews.yaml").write_text(yaml.safe_dump(reviews), encoding="utf-8")
    settings = settings_for(data)
    assembled = assemble(
        settings, load_manifest(settings.manifest_file, settings.default_mapping), {}
    )
    with pytest.raises(ValidationError) as caught:
        check(assembled, settings, {}, engine="sparql")
    messages = {str(problem) for problem in caught.value.problems}
    assert any(
        "more records excluded than screened" in m and "reviews[walsh-2021]" in m for m in messages
    )
    assert any("add up to 4, but it excluded 5 reports" in m for m in messages)
