"""The extraction workbook `smqi template` writes: its columns, dropdowns and codebook come
from the mapping and the vocabularies (read here with rdflib, independently of the loader);
filled in from the illustrative sheet it validates and builds to the sheet's own counts; and
LibreOffice reads it (its CSV export validates too)."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest
import yaml
from rdflib import Graph
from rdflib.namespace import SKOS

from smqi.loader.cli import main
from tests.libreoffice import convert
from tests.paths import DATA, ONTOLOGY

SHEET = DATA / "sheets" / "illustrative-extraction.csv"
MAPPING = yaml.safe_load((DATA / "mappings" / "extraction-template.yaml").read_text())
COLUMNS = list(MAPPING["columns"])
CODED = {name: spec for name, spec in MAPPING["columns"].items() if "scheme" in spec}


def _pref_labels(scheme: str) -> set[str]:
    graph = Graph().parse(ONTOLOGY / "vocabularies" / f"{scheme}.ttl")
    return {str(graph.value(c, SKOS.prefLabel)) for c in graph.subjects(SKOS.inScheme, None)}


def _sheet_rows() -> list[dict[str, str]]:
    with SHEET.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("template") / "extraction.xlsx"
    assert main(["template", "-o", str(target), "--project", str(target.parent)]) == 0
    return target


def test_the_data_sheet_has_the_mapped_columns_in_order_with_the_header_frozen(
    template: Path,
) -> None:
    workbook = openpyxl.load_workbook(template)
    assert workbook.sheetnames[0] == "extraction"  # the sheet the loader reads
    sheet = workbook["extraction"]
    assert [cell.value for cell in sheet[1]] == COLUMNS
    assert sheet.freeze_panes == "A2"
    required = {name for name, spec in MAPPING["columns"].items() if spec.get("required")}
    for cell in sheet[1]:
        note = cell.comment.text
        assert ("required" in note) == (cell.value in required), cell.value
        assert cell.font.bold
    assert workbook["lists"].sheet_state == "hidden"


def test_every_coded_column_offers_its_schemes_labels_and_says_how_to_give_several(
    template: Path,
) -> None:
    workbook = openpyxl.load_workbook(template)
    sheet, lists = workbook["extraction"], workbook["lists"]
    by_column: dict[str, object] = {}
    for validation in sheet.data_validations.dataValidation:
        for cells in validation.sqref.ranges:
            by_column[sheet.cell(row=1, column=cells.min_col).value] = validation
    for column, spec in CODED.items():
        if spec["scheme"] == "country":
            continue  # generated from ISO 3166, not a file
        validation = by_column[column]
        assert validation.type == "list"
        target = validation.formula1.removeprefix("=").split("!")[1].replace("$", "")
        offered = {cell.value for row in lists[target] for cell in row}
        assert offered == _pref_labels(spec["scheme"]), column
        if "separator" in spec:
            assert f"'{spec['separator']}'" in validation.prompt
            assert validation.errorStyle == "warning"  # several values are not one item
    assert by_column["year"].type == "whole"


def test_the_codebook_defines_each_concept_with_its_alignments(template: Path) -> None:
    rows = list(openpyxl.load_workbook(template)["codebook"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    entries = {(r[header.index("scheme")], r[header.index("concept")]): r for r in body}
    for spec in CODED.values():
        if spec["scheme"] != "country":
            labels = {label for scheme, label in entries if scheme == spec["scheme"]}
            assert labels == _pref_labels(spec["scheme"])
    twitter = entries[("platform", "Twitter")]
    assert twitter[header.index("Wikidata")] == "Q918"  # data/concept-alignments.csv
    assert "X (formerly Twitter)" in twitter[header.index("also accepted")]
    assert twitter[header.index("definition")].startswith("The microblogging service")
    yelp = entries[("platform", "Yelp")]
    assert yelp[header.index("broader concept")] == "rating and feedback websites"
    assert len([key for key in entries if key[0] == "country"]) == 249


def _fill(template: Path, target: Path) -> Path:
    """The workbook filled in from the illustrative sheet, as a reviewer would."""
    workbook = openpyxl.load_workbook(template)
    sheet = workbook["extraction"]
    for number, row in enumerate(_sheet_rows(), start=2):
        for column, name in enumerate(COLUMNS, start=1):
            value: object = row[name]
            if name == "year":
                value = int(row[name])  # a spreadsheet keeps a year as a number
            sheet.cell(row=number, column=column, value=value or None)
    workbook.save(target)
    return target


@pytest.mark.integration
@pytest.mark.reasoner
def test_a_filled_in_workbook_validates_and_builds_to_the_sheets_counts(
    template: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(DATA, project, ignore=shutil.ignore_patterns("build*", ".cache", "var"))
    _fill(template, project / "sheets" / "extraction.xlsx")
    manifest = (project / "manifest.yaml").read_text(encoding="utf-8")
    (project / "manifest.yaml").write_text(
        manifest.replace("sheets/illustrative-extraction.csv", "sheets/extraction.xlsx"),
        encoding="utf-8",
    )
    (project / "sheets" / "illustrative-extraction.csv").unlink()
    workbook = project / "sheets" / "extraction.xlsx"
    assert main(["validate", str(workbook), "--project", str(project)]) == 0
    assert main(["build", "--project", str(project)]) == 0
    store = ox.Store()
    store.load(path=project / "build" / "smqi.nq", format=ox.RdfFormat.N_QUADS)
    rows = _sheet_rows()
    studies = store.query(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a "
        "<https://w3id.org/smqi/ontology#Study> } }"
    )
    assert int(next(iter(studies))["n"].value) == len(rows)
    platform_counts = Counter(
        p.strip() for row in rows for p in dict.fromkeys(row["platforms"].split(";")) if p.strip()
    )
    built = {
        solution["label"].value: int(solution["n"].value)
        for solution in store.query(
            """PREFIX smqi: <https://w3id.org/smqi/ontology#>
            PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT ?label (COUNT(DISTINCT ?study) AS ?n) WHERE { GRAPH ?g {
              ?record smqi:codesStudy ?study ; smqi:platform ?p } GRAPH ?v {
              ?p skos:prefLabel ?label } } GROUP BY ?label""",
        )
    }
    assert built == dict(platform_counts)


@pytest.mark.libreoffice
def test_libreoffice_reads_the_workbook_and_its_csv_export_validates(
    template: Path, tmp_path: Path
) -> None:
    filled = _fill(template, tmp_path / "filled.xlsx")
    out = tmp_path / "export"
    # comma, quote, UTF-8, first sheet
    convert([filled], "csv:Text - txt - csv (StarCalc):44,34,76,1", out, tmp_path / "lo-profile")
    exported = out / "filled.csv"
    with exported.open(encoding="utf-8", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert [row["study_id"] for row in read] == [row["study_id"] for row in _sheet_rows()]
    assert [row["year"] for row in read] == [row["year"] for row in _sheet_rows()]
    assert main(["validate", str(exported), "--project", str(tmp_path)]) == 0
