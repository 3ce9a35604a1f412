"""``smqi query``: the format names are the registry's, meant for the query's kind of result,
and the answer is what the build holds (read back with rdflib and the csv module)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import rdflib

from smqi.api.cli import main

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*"),
]

REVIEWS = "https://w3id.org/smqi/id/graph/reviews"  # a small graph of the project's own
GRAPH = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{REVIEWS}> {{ ?s ?p ?o }} }}"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-store")


def run(built_data: Path, store_dir: Path, *args: str) -> int:
    return main(["query", *args, "--project", str(built_data), "--store", str(store_dir)])


def test_format_names_follow_the_querys_kind(
    built_data: Path, store_dir: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    expected = rdflib.Dataset()
    expected.parse(built_data / "build" / "smqi.nq", format="nquads")
    reviews = set(expected.graph(rdflib.URIRef(REVIEWS)))
    assert reviews

    assert run(built_data, store_dir, GRAPH, "--format", "nq") == 0
    quads = rdflib.Dataset()
    quads.parse(data=capsysbinary.readouterr().out, format="nquads")
    assert set(quads.default_graph) == reviews

    assert run(built_data, store_dir, GRAPH, "--format", "json") == 0  # JSON-LD for a graph
    assert set(rdflib.Graph().parse(data=capsysbinary.readouterr().out, format="json-ld")) == (
        reviews
    )

    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{REVIEWS}> {{ ?s ?p ?o }} }}"
    assert run(built_data, store_dir, count, "--format", "csv") == 0
    rows = list(csv.reader(io.StringIO(capsysbinary.readouterr().out.decode())))
    assert rows == [["n"], [str(len(reviews))]]


def test_a_name_that_does_not_fit_the_result_is_an_error(
    built_data: Path, store_dir: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert run(built_data, store_dir, GRAPH, "--format", "csv") == 1
    error = capsysbinary.readouterr().err.decode()
    assert "not-acceptable" in error and "nq" in error and "trig" in error
