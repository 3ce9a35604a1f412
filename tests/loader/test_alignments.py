"""The concept alignments: an SSSOM table the SSSOM reference implementation validates, a
justification and a public source on every row, the five formerly over-strong matches
stated as the relations their notes give, and exactly the table's rows in the graph."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from sssom.constants import SchemaValidationType
from sssom.parsers import parse_sssom_table
from sssom.validators import validate

from smqi.loader.alignments import read_alignments
from smqi.loader.build import BuildReport
from smqi.loader.concepts import read_vocabularies
from smqi.loader.errors import InvalidSheetsError
from smqi.loader.shared import kind_of
from tests.conftest import select
from tests.paths import DATA, ONTOLOGY

TABLE = DATA / "concept-alignments.sssom.tsv"
VALIDATIONS = [
    SchemaValidationType.JsonSchema,
    SchemaValidationType.PrefixMapCompleteness,
    SchemaValidationType.StrictCurieFormat,
]
MESH = "http://id.nlm.nih.gov/mesh/"
VOCAB = "https://w3id.org/smqi/vocab/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def results(path: Path) -> list[object]:
    report = validate(parse_sssom_table(path), VALIDATIONS, fail_on_error=False)
    return [result for found in report.values() for result in found.results]


def test_the_table_is_valid_sssom_with_a_justification_and_a_source_per_row() -> None:
    assert results(TABLE) == []
    frame = parse_sssom_table(TABLE).df
    assert len(frame) == 14
    assert frame["mapping_justification"].str.startswith("semapv:").all()
    assert frame["see_also"].str.startswith("https://").all()


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("semapv:ManualMappingCuration", "semapv:Guessing", "mapping_justification"),
        ("\tMESH:D057218", "\tMESHX:D057218", "Missing prefix: MESHX"),
    ],
)
def test_sssom_refuses_a_bad_justification_or_an_undeclared_prefix(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    broken = tmp_path / "broken.sssom.tsv"
    broken.write_text(TABLE.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    found = results(broken)
    assert found and any(problem in str(result) for result in found)


@pytest.mark.parametrize(
    ("concept", "relation", "descriptor"),
    [
        ("population/young-people", "narrowMatch", "D055815"),  # Young Adult misses adolescents
        ("population/people-with-chronic-illness-or-disability", "relatedMatch", "D002908"),
        ("population/clinical-providers", "broadMatch", "D006282"),  # Health Personnel: wider
        ("topic/patient-participation", "closeMatch", "D010358"),
        ("platform/blogs", "closeMatch", "D057218"),  # Blogging: the activity
    ],
)
def test_the_five_over_strong_matches_state_their_true_relation(
    concept: str, relation: str, descriptor: str
) -> None:
    found = read_alignments(
        TABLE, read_vocabularies(sorted((ONTOLOGY / "vocabularies").glob("*.ttl")))
    )
    relations = {(a.concept, a.target): a.relation for a in found}
    assert relations[(f"{VOCAB}{concept}", f"{MESH}{descriptor}")] == f"{SKOS}{relation}"


@pytest.mark.integration
def test_the_graph_states_exactly_the_tables_mappings(built: tuple[BuildReport, ox.Store]) -> None:
    _, store = built
    frame = parse_sssom_table(TABLE)
    converter = frame.converter
    expected = {
        (converter.expand(s), converter.expand(p), converter.expand(o))
        for s, p, o in zip(
            frame.df["subject_id"], frame.df["predicate_id"], frame.df["object_id"], strict=True
        )
    }
    (graph,) = [g.value for g in store.named_graphs() if kind_of(g.value) == "alignments"]  # type: ignore[union-attr]
    rows = select(store, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert {(r["s"], r["p"], r["o"]) for r in rows} == expected


def test_a_row_without_its_source_is_refused_naming_row_and_column(tmp_path: Path) -> None:
    table = tmp_path / "own.sssom.tsv"
    shutil.copyfile(TABLE, table)
    lines = table.read_text(encoding="utf-8").splitlines()
    header_lines = sum(1 for line in lines if line.startswith("#"))
    cells = lines[header_lines + 1].split("\t")
    cells[6] = ""  # see_also of the first mapping
    lines[header_lines + 1] = "\t".join(cells)
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    concepts = read_vocabularies(sorted((ONTOLOGY / "vocabularies").glob("*.ttl")))
    with pytest.raises(InvalidSheetsError) as caught:
        read_alignments(table, concepts)
    [problem] = caught.value.errors
    assert (problem.location.row, problem.location.column) == (header_lines + 2, "see_also")
    assert "public record confirming the identifier" in problem.message
