"""The same study gets the same IRI from any sheet, so collections link on it.

A second collection is added with a SYNTHETIC test sheet that re-codes three studies of
the illustrative sheet: one by DOI, one by PMID only, one by first author, year and
title only. Its codes are made up for the test and labelled so.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest

from smqi.api.store.sparql import bind, check_query
from smqi.loader.build import build
from smqi.loader.errors import ValidationError
from smqi.loader.queries import load_catalogue
from tests.conftest import select, settings_for, sheet_rows
from tests.paths import REPO

pytestmark = pytest.mark.integration

BASE = "https://w3id.org/smqi/id/"
CODER = "SYNTHETIC second coder (test data, not a real coding)"


def _second_sheet(data: Path) -> list[dict[str, str]]:
    rows = sheet_rows()
    by_doi, by_pmid, by_title = rows[0], rows[1], rows[2]
    recoded = [dict(row) for row in (by_doi, by_pmid, by_title)]
    recoded[1]["doi"] = ""  # known here by its PMID only
    recoded[2]["doi"] = recoded[2]["pmid"] = ""  # known by author, year and title only
    for number, row in enumerate(recoded, start=1):
        row["study_id"] = f"T{number:02d}"
        row["platforms"] = "Facebook"
        row["extracted_by"] = CODER
    with (data / "sheets" / "second-coder.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(recoded)
    manifest = data / "manifest.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8")
        + """  - id: second-coder
    kind: illustrative
    title: SYNTHETIC second coding of three studies (test data)
    sheets:
      - path: sheets/second-coder.csv
""",
        encoding="utf-8",
    )
    return [by_doi, by_pmid, by_title]


def test_studies_coded_in_two_sheets_share_one_iri_and_keep_both_records(data_copy: Path) -> None:
    originals = _second_sheet(data_copy)
    report = build(settings_for(data_copy))
    assert report.studies == len(sheet_rows())  # no new studies: all three were matched
    assert report.records == len(sheet_rows()) + 3
    store = ox.Store()
    store.load(path=data_copy / "build" / "smqi.nq", format=ox.RdfFormat.N_QUADS)
    query = load_catalogue(REPO / "ontology" / "queries")["cq12b-shared-studies"].text
    shared = select(
        store,
        bind(
            check_query(query),
            {
                "first": ox.NamedNode(f"{BASE}collection/illustrative-extraction"),
                "second": ox.NamedNode(f"{BASE}collection/second-coder"),
            },
        ),
    )
    assert {r["title"] for r in shared} == {row["title"] for row in originals}
    # each collection's record keeps its own coding and provenance
    platforms = select(
        store,
        f"""PREFIX smqi: <https://w3id.org/smqi/ontology#>
            PREFIX prov: <http://www.w3.org/ns/prov#>
            PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
            PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT ?coder ?platform WHERE {{
              ?r smqi:codesStudy <{BASE}study/doi/{originals[0]["doi"].lower()}> ;
                 prov:wasAttributedTo/rdfs:label ?coder ;
                 smqi:platform/skos:prefLabel ?platform }}""",
    )
    assert {(r["coder"], r["platform"]) for r in platforms} == {
        (originals[0]["extracted_by"], originals[0]["platforms"]),
        (CODER, "Facebook"),
    }


def test_a_study_given_two_titles_is_rejected_at_the_row_that_differs(data_copy: Path) -> None:
    originals = _second_sheet(data_copy)
    sheet = data_copy / "sheets" / "second-coder.csv"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace(originals[0]["title"], originals[0]["title"].upper()), "utf-8")
    with pytest.raises(ValidationError) as caught:
        build(settings_for(data_copy))
    (problem,) = caught.value.problems
    assert (problem.location.sheet, problem.location.row, problem.location.column) == (
        "second-coder.csv",
        2,
        "title",
    )
    assert "more than one title" in problem.message
    assert not (data_copy / "build").exists()
