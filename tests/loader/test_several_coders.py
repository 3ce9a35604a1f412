"""Several coders of one study: records, roles, consensus, agreement and disagreements, on
SYNTHETIC dual- and triple-coded sheets (bench/synthetic.py; made-up studies and coders).

Every expected figure is computed here from the sheets with the csv module and an
independent library: Cohen's kappa by scikit-learn, Krippendorff's alpha by the
krippendorff package; never read back from the loader."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import krippendorff
import numpy as np
import pyoxigraph as ox
import pytest
from sklearn.metrics import cohen_kappa_score

from smqi.api.store.sparql import bind, check_query
from smqi.loader.build import BuildReport
from smqi.loader.cli import main
from smqi.loader.queries import load_catalogue
from smqi.loader.terms import DQV, PROV, RDFS, SMQI
from tests.conftest import select, split_cell
from tests.paths import REPO

pytestmark = pytest.mark.integration

Built = tuple[Path, BuildReport, ox.Store]
BASE = "https://w3id.org/smqi/id/"
CATALOGUE = load_catalogue(REPO / "ontology" / "queries")
# sheet column -> scheme name (the build's dimension) and record-level property
COLUMNS = {
    "platforms": ("platform", SMQI.platform),
    "user_populations": ("population", SMQI.userPopulation),
    "communication_model": ("communication-model", SMQI.communicationModel),
    "qi_activities": ("qi-activity", SMQI.qiActivity),
    "qi_cycle_stage": ("qi-cycle-stage", SMQI.qiCycleStage),
    "country": ("country", SMQI.country),
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def sheet_rows(data_dir: Path) -> list[dict[str, str]]:
    """Every row of every sheet, with its file, row number and role (from the coder_role
    column, or the sheet's name: one sheet per coder)."""
    rows = []
    for path in sorted((data_dir / "sheets").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                role = row.get("coder_role") or (
                    "consensus" if path.stem == "consensus" else "independent"
                )
                rows.append({**row, "_sheet": path.name, "_row": str(number), "_role": role})
    return rows


def category(row: dict[str, str], column: str) -> str:
    return "\n".join(sorted(split_cell(row[column])))


def units(data_dir: Path) -> dict[str, list[dict[str, str]]]:
    """Each study's independent rows, by DOI, where two or more coders coded it."""
    found: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in sheet_rows(data_dir):
        if row["_role"] == "independent":
            found[row["doi"]].append(row)
    return {doi: rows for doi, rows in found.items() if len(rows) >= 2}


def collection_of(data_dir: Path) -> str:
    manifest = (data_dir / "manifest.yaml").read_text(encoding="utf-8")
    identifier = re.search(r"- id: (\S+)", manifest)
    kind = re.search(r"kind: (\S+)", manifest)
    assert identifier and kind
    return f"{BASE}{'review' if kind.group(1) == 'review' else 'collection'}/{identifier.group(1)}"


def figures_in_graph(store: ox.Store, collection: str) -> dict[tuple[str, str], float]:
    rows = select(
        store,
        f"""SELECT ?dimension ?metric ?value WHERE {{
            ?m a <{SMQI.AgreementMeasurement}> ; <{DQV.computedOn}> <{collection}> ;
               <{DQV.isMeasurementOf}> ?metric ; <{SMQI.measuredDimension}> ?dimension ;
               <{DQV.value}> ?value }}""",
    )
    return {
        (r["dimension"].rsplit("/", 1)[-1], r["metric"].rsplit("#", 1)[-1]): float(r["value"])
        for r in rows
    }


def test_two_coders_kappa_and_percentage_agreement_are_scikit_learns(dual_coded: Built) -> None:
    data_dir, report, store = dual_coded
    found = units(data_dir)
    assert len(found) == 20
    in_graph = figures_in_graph(store, collection_of(data_dir))
    by_dimension = {r.dimension: r for r in report.agreement}
    for column, (scheme, _) in COLUMNS.items():
        first = [category(rows[0], column) for rows in found.values()]
        second = [category(rows[1], column) for rows in found.values()]
        assert {rows[0]["extracted_by"] for rows in found.values()} == {"SYNTHETIC coder A"}
        agreed = sum(a == b for a, b in zip(first, second, strict=True))
        percent = 100 * agreed / len(first)
        result = by_dimension[scheme]
        assert (result.units, result.coders) == (20, 2)
        assert result.percent_agreement == pytest.approx(percent, abs=1e-6)
        assert len(result.disagreements) == len(first) - agreed
        assert in_graph[(scheme, "percentAgreement")] == pytest.approx(percent, abs=1e-6)
        if len(set(first) | set(second)) > 1:
            kappa = cohen_kappa_score(first, second)
            assert result.cohens_kappa == pytest.approx(kappa, abs=1e-6)
            assert in_graph[(scheme, "cohensKappa")] == pytest.approx(kappa, abs=1e-6)
        assert (scheme, "krippendorffsAlpha") not in in_graph
    # the synthetic coders disagree somewhere, so the figures are not trivially 1
    assert any(r.percent_agreement < 100 for r in report.agreement)


def test_more_coders_krippendorffs_alpha_is_the_krippendorff_packages(
    triple_coded: Built,
) -> None:
    data_dir, report, store = triple_coded
    found = units(data_dir)
    coders = sorted({row["extracted_by"] for rows in found.values() for row in rows})
    assert len(coders) == 3
    assert any(len(rows) == 2 for rows in found.values())  # the third coder's missing studies
    in_graph = figures_in_graph(store, collection_of(data_dir))
    by_dimension = {r.dimension: r for r in report.agreement}
    for column, (scheme, _) in COLUMNS.items():
        values = sorted({category(row, column) for rows in found.values() for row in rows})
        matrix = np.full((len(coders), len(found)), np.nan)
        agreed = 0
        for unit, rows in enumerate(found.values()):
            for row in rows:
                matrix[coders.index(row["extracted_by"]), unit] = values.index(
                    category(row, column)
                )
            agreed += len({category(row, column) for row in rows}) == 1
        result = by_dimension[scheme]
        assert result.coders == 3 and result.cohens_kappa is None
        assert result.percent_agreement == pytest.approx(100 * agreed / len(found), abs=1e-6)
        if len(values) > 1:
            alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
            assert result.krippendorffs_alpha == pytest.approx(alpha, abs=1e-6)
            assert in_graph[(scheme, "krippendorffsAlpha")] == pytest.approx(alpha, abs=1e-6)


def expected_disagreements(data_dir: Path) -> set[tuple[str, str, frozenset[tuple[str, int]]]]:
    """(DOI, sheet column, {(sheet, row)}) for each study and dimension coded differently."""
    found = set()
    for doi, rows in units(data_dir).items():
        for column in COLUMNS:
            if len({category(row, column) for row in rows}) > 1:
                places = frozenset((row["_sheet"], int(row["_row"])) for row in rows)
                found.add((doi, column, places))
    return found


@pytest.mark.parametrize("fixture", ["dual_coded", "triple_coded"])
def test_each_disagreement_is_listed_with_its_sheets_and_rows(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    data_dir, _, _ = request.getfixturevalue(fixture)
    scheme_to_column = {scheme: column for column, (scheme, _) in COLUMNS.items()}
    listed = {
        (
            d["study"].split("/doi/", 1)[1],
            scheme_to_column[d["dimension"]],
            frozenset((c["sheet"], c["row"]) for c in d["codings"]),
        )
        for result in json.loads((data_dir / "build" / "build.json").read_text())["agreement"]
        for d in result["disagreements"]
        if d["dimension"] in scheme_to_column
    }
    expected = expected_disagreements(data_dir)
    assert expected and listed == expected


@pytest.mark.parametrize("fixture", ["dual_coded", "triple_coded"])
def test_cq16_where_the_coders_disagree(fixture: str, request: pytest.FixtureRequest) -> None:
    data_dir, _, store = request.getfixturevalue(fixture)
    rows = select(store, CATALOGUE["cq16-coder-disagreements"].text)
    prop_to_column = {str(prop): column for column, (_, prop) in COLUMNS.items()}
    got: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
    for row in rows:
        if row["property"] in prop_to_column:
            key = (row["study"].split("/doi/", 1)[1], prop_to_column[row["property"]])
            got[key].add((row["sheetTitle"], int(row["row"])))
    expected = expected_disagreements(data_dir)
    # every coder of a disputed study and dimension is listed (CQ16 gives each record
    # that differs from another, which with two or more coders is all of them)
    assert {(doi, column): set(places) for doi, column, places in expected} == dict(got)
    sheet = {(r["_sheet"], int(r["_row"])): r for r in sheet_rows(data_dir)}
    for row in rows:
        if row["property"] in prop_to_column:
            source = sheet[(row["sheetTitle"], int(row["row"]))]
            column = prop_to_column[row["property"]]
            assert row["coder"] == source["extracted_by"]
            values = row.get("values", "")
            assert sorted(v for v in values.split(" | ") if v) == sorted(split_cell(source[column]))


def test_records_are_attributed_to_their_coders_and_the_consensus_derives_from_them(
    dual_coded: Built,
) -> None:
    data_dir, _, store = dual_coded
    collection = collection_of(data_dir)
    cid = collection.rsplit("/", 1)[-1]
    for doi, rows in units(data_dir).items():
        consensus = f"{BASE}record/{cid}/doi/{doi}"  # the single-coder IRI, unchanged
        independent = {f"{consensus}/coder/{slug(row['extracted_by'])}" for row in rows}
        for row in rows:
            record = f"{consensus}/coder/{slug(row['extracted_by'])}"
            [attribution] = [
                q.object
                for q in store.quads_for_pattern(
                    ox.NamedNode(record), ox.NamedNode(str(PROV.qualifiedAttribution)), None
                )
            ]
            assert {
                q.object.value
                for q in store.quads_for_pattern(attribution, ox.NamedNode(str(PROV.hadRole)), None)
            } == {str(SMQI.independentCoder)}
            [agent] = store.quads_for_pattern(attribution, ox.NamedNode(str(PROV.agent)), None)
            [label] = store.quads_for_pattern(agent.object, ox.NamedNode(str(RDFS.label)), None)
            assert label.object.value == row["extracted_by"]
        derived = {
            q.object.value
            for q in store.quads_for_pattern(
                ox.NamedNode(consensus), ox.NamedNode(str(PROV.wasDerivedFrom)), None
            )
        }
        consensus_of = {
            q.object.value
            for q in store.quads_for_pattern(
                ox.NamedNode(consensus), ox.NamedNode(str(SMQI.consensusOf)), None
            )
        }
        assert consensus_of == independent and independent <= derived


@pytest.mark.parametrize("column", sorted(COLUMNS))
def test_cq01_counts_each_study_by_its_consensus_record(dual_coded: Built, column: str) -> None:
    data_dir, _, store = dual_coded
    counts: dict[str, int] = defaultdict(int)
    for row in sheet_rows(data_dir):
        if row["_role"] == "consensus":
            for value in set(split_cell(row[column])):
                counts[value] += 1
    query = bind(
        check_query(CATALOGUE["cq01-studies-per-concept"].text),
        {
            "property": ox.NamedNode(str(COLUMNS[column][1])),
            "collection": ox.NamedNode(collection_of(data_dir)),
        },
    )
    rows = select(store, query)
    assert {r["label"]: int(r["studies"]) for r in rows} == dict(counts)


def test_one_sheet_per_coder_attributes_each_sheets_rows_to_its_role(triple_coded: Built) -> None:
    data_dir, report, store = triple_coded
    roles = select(
        store,
        f"""SELECT ?role (COUNT(DISTINCT ?record) AS ?n) WHERE {{
            ?record <{PROV.qualifiedAttribution}>/<{PROV.hadRole}> ?role }} GROUP BY ?role""",
    )
    rows = sheet_rows(data_dir)
    expected = {
        str(SMQI.independentCoder): sum(r["_role"] == "independent" for r in rows),
        str(SMQI.consensusCoder): sum(r["_role"] == "consensus" for r in rows),
    }
    assert {r["role"]: int(r["n"]) for r in roles} == expected
    assert report.records == len(rows) and report.studies == 20


# -- declared, not guessed: the sheet checks ------------------------------------------------


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[k for k in rows[0] if not k.startswith("_")])
        writer.writeheader()
        writer.writerows({k: v for k, v in row.items() if not k.startswith("_")} for row in rows)
    return path


def test_a_bad_coder_role_is_one_message_naming_the_column(
    dual_coded: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, _, _ = dual_coded
    rows = sheet_rows(data_dir)
    rows[3]["coder_role"] = "second opinion"
    sheet = _write(tmp_path / "roles.csv", rows)
    mapping = data_dir / "mappings" / "dual-coded.yaml"
    assert (
        main(["validate", str(sheet), "--project", str(tmp_path), "--mapping", str(mapping)]) == 1
    )
    err = capsys.readouterr().err
    assert "roles.csv, row 5, column 'coder_role'" in err
    assert "'second opinion' is not a coder role" in err and "'independent'" in err


def test_two_rows_of_a_study_without_declared_roles_are_refused_with_the_way_out(
    dual_coded: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, _, _ = dual_coded
    rows = [
        {k: v for k, v in r.items() if k != "coder_role"}
        for r in sheet_rows(data_dir)[:3]  # coder A, coder B and the consensus of one study
    ]
    sheet = _write(tmp_path / "undeclared.csv", rows)
    mapping = tmp_path / "layout.yaml"
    layout = (data_dir / "mappings" / "dual-coded.yaml").read_text(encoding="utf-8")
    layout = "\n".join(line for line in layout.splitlines() if "coder_role:" not in line)
    mapping.write_text(layout.replace("name: dual-coded", "name: undeclared"), encoding="utf-8")
    assert (
        main(["validate", str(sheet), "--project", str(tmp_path), "--mapping", str(mapping)]) == 1
    )
    err = capsys.readouterr().err
    assert "undeclared.csv, row 3: codes the same study as undeclared.csv row 2" in err
    assert "coder_role" in err


def test_a_sole_coder_beside_independent_coders_is_refused(
    dual_coded: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, _, _ = dual_coded
    rows = sheet_rows(data_dir)[:3]
    rows[2]["coder_role"] = "sole"  # the consensus row, called a sole coder's
    sheet = _write(tmp_path / "sole.csv", rows)
    mapping = data_dir / "mappings" / "dual-coded.yaml"
    assert (
        main(["validate", str(sheet), "--project", str(tmp_path), "--mapping", str(mapping)]) == 1
    )
    err = capsys.readouterr().err
    assert "sole.csv, row 4, column 'coder_role'" in err
    assert "a sole coder's record cannot sit beside independent records" in err
