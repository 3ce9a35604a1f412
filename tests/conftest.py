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


def build_synthetic(
    tmp_path_factory: pytest.TempPathFactory, name: str, **options: object
) -> tuple[Path, BuildReport, ox.Store]:
    """A SYNTHETIC dual-coded project (bench/synthetic.py) built, and its N-Quads in a store."""
    from bench.synthetic import make_dual_coded_dir

    data_dir = make_dual_coded_dir(tmp_path_factory.mktemp(name) / "data", **options)  # type: ignore[arg-type]
    report = build(settings_for(data_dir))
    store = ox.Store()
    store.load(path=data_dir / "build" / "smqi.nq", format=ox.RdfFormat.N_QUADS)
    return data_dir, report, store


@pytest.fixture(scope="session")
def dual_coded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport, ox.Store]:
    """20 SYNTHETIC studies of a SYNTHETIC review, each coded by two made-up coders and
    their consensus (a coder_role column), with PRISMA counts and an overview of reviews
    that includes the review; built once (HermiT checks it whole)."""
    return build_synthetic(tmp_path_factory, "dual-coded", count=20, coders=2, review=True)


@pytest.fixture(scope="session")
def triple_coded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport, ox.Store]:
    """20 SYNTHETIC studies coded by three made-up coders (the third leaves every fifth
    study uncoded) and their consensus, one sheet per coder, roles in the manifest."""
    return build_synthetic(
        tmp_path_factory, "triple-coded", count=20, coders=3, sheet_per_coder=True
    )


def finding_statements(review: dict[str, object]) -> list[str]:
    """A review record's findings as statements: each is a statement, or a table with its
    statement and the concepts it is about (reviews.yaml)."""
    findings = review.get("findings") or []
    assert isinstance(findings, list)
    return [f["statement"] if isinstance(f, dict) else str(f) for f in findings]


def design_table() -> dict[str, list[str]]:
    """The published classification of the illustrative sheet's free-text study designs
    (data/mappings/study-designs.tsv): text -> study-design labels."""
    path = REPO / "data" / "mappings" / "study-designs.tsv"
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    return {
        row["study_design"]: split_cell(row["design"])
        for row in csv.DictReader(lines, delimiter="\t")
    }
