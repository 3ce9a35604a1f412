"""Shared fixtures: a copy of data/ to break, and one real build of the project's data."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from smqi.loader.build import BuildReport, build
from smqi.loader.settings import BuildSettings
from tests.paths import REPO

SHEET = REPO / "data" / "sheets" / "illustrative-extraction.csv"


def sheet_rows() -> list[dict[str, str]]:
    """The illustrative sheet as plain dicts, read independently of the loader."""
    with SHEET.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def split_cell(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of data/ (without build output) that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(
        REPO / "data",
        target,
        ignore=shutil.ignore_patterns("build", "builds", ".cache", ".build.next"),
    )
    return target


def settings_for(data_dir: Path, **overrides: object) -> BuildSettings:
    return BuildSettings.for_project(data_dir, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BuildReport, ox.Store]]:
    """One real build of data/ (into a temporary directory) and its N-Quads loaded in a store."""
    data_dir = tmp_path_factory.mktemp("built") / "data"
    shutil.copytree(
        REPO / "data",
        data_dir,
        ignore=shutil.ignore_patterns("build", "builds", ".cache", ".build.next"),
    )
    report = build(settings_for(data_dir))
    store = ox.Store()
    store.load(path=data_dir / "build" / "smqi.nq", format=ox.RdfFormat.N_QUADS)
    yield report, store


def select(
    store: ox.Store,
    query: str,
    substitutions: dict[ox.Variable, ox.NamedNode | ox.Literal] | None = None,
) -> list[dict[str, str]]:
    """Run a SELECT over the union graph, with parameters bound as RDF terms (pyoxigraph's
    substitutions); values come back as plain strings (lexical form or IRI)."""
    results = store.query(query, use_default_graph_as_union=True, substitutions=substitutions or {})
    assert isinstance(results, ox.QuerySolutions)
    names = [v.value for v in results.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in results]
