"""Fixtures for the store contract: synthetic datasets, a real Oxigraph server, a real
Virtuoso, and the stores over each.

The datasets are synthetic (example.org IRIs, invented titles); every expected value in the
tests is computed from the ``Study`` records below, not read back from a store.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench import virtuoso
from smqi.api.store import (
    EmbeddedStore,
    EmbeddedStoreSettings,
    RemoteStore,
    RemoteStoreSettings,
    Store,
)
from smqi.loader import terms

# The real build of data/, its embedded store and the app over it, in process and on a socket:
# fixtures for every module that tests the API over the published graph.
from .built_graph import built_data, built_nquads, client, embedded_settings, embedded_store
from .served_app import served_app

served = served_app
__all__ = [
    "built_data",
    "built_nquads",
    "client",
    "embedded_settings",
    "embedded_store",
    "served",
    "served_app",
]

EX = "https://example.org/smqi-test/"
OTHER = "https://example.org/smqi-other-project/"  # another project's dataset in the store
STUDIES_GRAPH = f"<{EX}graph/studies>"
RECORDS_GRAPH = f"<{EX}graph/records>"
NOTE = f"{EX}note"
QUERY_TIMEOUT_S = 2.0
MAX_ROWS = 20
SERVER_START_TIMEOUT_S = 10.0
GRAPH_PREFIX = f"{EX}graph/"  # the synthetic dataset's graphs
# Virtuoso's own row limit in the tests: above MAX_ROWS, as the README asks, and low enough
# that a store configured with a higher cap sees the server cut (test_virtuoso).
VIRTUOSO_MAX_ROWS = 200


@dataclass(frozen=True)
class Study:
    """One synthetic study and its coded record, the source of every expected answer."""

    key: str
    title: str
    year: int
    platform: str
    created: str  # xsd:date of the record
    labels: tuple[tuple[str, str], ...] = ()  # (text, language)

    @property
    def iri(self) -> str:
        return f"{EX}study/{self.key}"

    @property
    def platform_iri(self) -> str:
        return f"{EX}platform/{self.platform}"


HOSTILE_TITLE = 'Robert"); DROP ALL ; } # \\u0022 {'

STUDIES = (
    Study("s1", 'Tweets about "care"', 2016, "twitter", "2026-11-01", (("Étude un", "fr"),)),
    Study("s2", "Forum posts\nover two lines", 2019, "facebook", "2026-11-02"),
    Study("s3", "Patient stories", 2021, "twitter", "2026-11-03", (("Study three", "en"),)),
    Study("s4", HOSTILE_TITLE, 2018, "youtube", "2026-11-04"),
    Study("s5", "Ward feedback", 2016, "twitter", "2026-11-05"),
)
NEW_STUDIES = (
    Study("n1", "A replacement study", 2024, "reddit", "2026-11-20"),
    Study("n2", "Another replacement", 2025, "reddit", "2026-11-21"),
    Study("n3", "A third replacement", 2025, "instagram", "2026-11-22"),
)


PREFIXES = f"""PREFIX smqi: <{terms.SMQI}>
PREFIX dcterms: <{terms.DCTERMS}>
PREFIX rdfs: <{terms.RDFS}>
"""
TITLES = PREFIXES + "SELECT ?study ?title WHERE { ?study a smqi:Study ; dcterms:title ?title }"
STUDY_COUNT = PREFIXES + "SELECT (COUNT(?study) AS ?n) WHERE { ?study a smqi:Study }"


def titles(store: Store) -> dict[str, str]:
    """Each study's title, as the store answers."""
    return {row["study"].value: row["title"].value for row in store.select(TITLES).rows}


def study_count(store: Store) -> int:
    return int(store.select(STUDY_COUNT).rows[0]["n"].value)


def expected_titles(studies: Sequence[Study], base: str = EX) -> dict[str, str]:
    """Each study's title, from the records (under ``base``, see ``write_dataset``)."""
    return {study.iri.replace(EX, base): study.title for study in studies}


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def nquads(studies: Sequence[Study]) -> str:
    """The studies as N-Quads: studies in one named graph, coded records in another."""
    lines = []
    for study in studies:
        s, record = f"<{study.iri}>", f"<{EX}record/{study.key}>"
        note = f"_:note{study.key}"
        year = f'"{study.year}"^^<{terms.XSD.integer}>'
        created = f'"{study.created}"^^<{terms.XSD.date}>'
        lines += [
            f"{s} <{terms.RDF.type}> <{terms.SMQI.Study}> {STUDIES_GRAPH} .",
            f"{s} <{terms.DCTERMS.title}> {_literal(study.title)} {STUDIES_GRAPH} .",
            f"{s} <{terms.SMQI.publicationYear}> {year} {STUDIES_GRAPH} .",
            *(
                f"{s} <{terms.RDFS.label}> {_literal(text)}@{language} {STUDIES_GRAPH} ."
                for text, language in study.labels
            ),
            f"{record} <{terms.RDF.type}> <{terms.SMQI.CodedRecord}> {RECORDS_GRAPH} .",
            f"{record} <{terms.SMQI.codesStudy}> {s} {RECORDS_GRAPH} .",
            f"{record} <{terms.SMQI.platform}> <{study.platform_iri}> {RECORDS_GRAPH} .",
            f"{record} <{terms.DCTERMS.created}> {created} {RECORDS_GRAPH} .",
            f"{record} <{NOTE}> {note} {RECORDS_GRAPH} .",
            f"{note} <{terms.RDFS.comment}> {_literal('note on ' + study.key)} {RECORDS_GRAPH} .",
        ]
    return "\n".join(lines) + "\n"


def write_dataset(path: Path, studies: Sequence[Study], base: str = EX) -> Path:
    """The studies as N-Quads in ``path``; with ``base``, every IRI under it instead of EX
    (another project's dataset: its own studies, records and graphs)."""
    path.write_text(nquads(studies).replace(EX, base), encoding="utf-8")
    return path


def _oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _await_server(process: subprocess.Popen[bytes], url: str) -> None:
    """Poll the query endpoint until it answers; fail if the process dies or time runs out."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.02)
    raise RuntimeError(f"oxigraph serve did not answer at {url} within {SERVER_START_TIMEOUT_S} s")


@contextmanager
def running_oxigraph(location: Path) -> Iterator[str]:
    """A real ``oxigraph serve`` on a free loopback port; yields its base URL."""
    port = _free_port()
    process = subprocess.Popen(
        [
            _oxigraph_binary(),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
            # the server's own limit, a little above the client's, stops abandoned queries
            "--timeout-s",
            str(int(QUERY_TIMEOUT_S) + 2),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _await_server(process, url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def virtuoso_settings(server: virtuoso.Virtuoso, **overrides: object) -> RemoteStoreSettings:
    """Settings of a store over ``server`` as the README's recipe gives them, scoped to the
    synthetic dataset's graphs."""
    values: dict[str, object] = {
        "query_url": server.query_url,
        "update_url": server.update_url,
        "user": server.user,
        "password": server.password,
        "auth": "digest",
        "kind": "virtuoso",
        "graph_prefix": GRAPH_PREFIX,
        "query_timeout_s": QUERY_TIMEOUT_S,
        "max_rows": MAX_ROWS,
        "version_ttl_s": 0.0,
    }
    return RemoteStoreSettings(**{**values, **overrides})  # type: ignore[arg-type]


@contextmanager
def started_virtuoso(
    directory: Path, max_rows: int = VIRTUOSO_MAX_ROWS, sorted_top_rows: int = 1_000_000
) -> Iterator[virtuoso.Virtuoso]:
    """A real Virtuoso configured by the README's recipe (bench/virtuoso.py), on free
    loopback ports, cutting answers at ``max_rows`` (ResultSetMaxRows) and sorting at most
    ``sorted_top_rows`` for a LIMIT (MaxSortedTopRows); skips the test when Debian's
    virtuoso-opensource is not installed."""
    if not virtuoso.installed():
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    settings = virtuoso.VirtuosoSettings(
        max_rows=max_rows, execution_limit_s=120, buffers=2000, sorted_top_rows=sorted_top_rows
    )
    with virtuoso.running_virtuoso(directory, settings) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[virtuoso.Virtuoso]:
    """A Virtuoso for the whole session, for the shared ``store`` fixture and read-only use."""
    with started_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[virtuoso.Virtuoso]:
    """Another Virtuoso for tests that write: each replaces the dataset it starts from."""
    with started_virtuoso(tmp_path_factory.mktemp("virtuoso-scratch")) as server:
        yield server


@contextmanager
def open_test_store(
    kind: str, directory: Path, server: virtuoso.Virtuoso | None = None
) -> Iterator[Store]:
    """A store of ``kind`` ("embedded", "remote": an Oxigraph server, or "virtuoso": on
    ``server``) holding STUDIES, closed afterwards."""
    dataset = write_dataset(directory / "studies.nq", STUDIES)
    with ExitStack() as stack:
        store: Store
        if kind == "embedded":
            store = EmbeddedStore(
                EmbeddedStoreSettings(
                    directory / "embedded",
                    query_timeout_s=QUERY_TIMEOUT_S,
                    max_rows=MAX_ROWS,
                    graph_prefix=GRAPH_PREFIX,
                )
            )
        elif kind == "virtuoso":
            assert server is not None
            store = RemoteStore(virtuoso_settings(server))
        else:
            url = stack.enter_context(running_oxigraph(directory / "oxigraph"))
            store = RemoteStore(
                RemoteStoreSettings(
                    query_url=f"{url}/query",
                    update_url=f"{url}/update",
                    query_timeout_s=QUERY_TIMEOUT_S,
                    max_rows=MAX_ROWS,
                    version_ttl_s=0.0,
                    graph_prefix=GRAPH_PREFIX,
                )
            )
        stack.callback(store.close)
        store.replace(dataset)
        yield store


BACKENDS = [
    pytest.param("embedded"),
    pytest.param("remote", marks=pytest.mark.server),
    pytest.param("virtuoso", marks=pytest.mark.virtuoso),
]


@pytest.fixture(scope="module", params=BACKENDS)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """Each backend in turn holding STUDIES, shared by a module's tests: do not write to it."""
    kind = request.param
    server = request.getfixturevalue("virtuoso_server") if kind == "virtuoso" else None
    with open_test_store(kind, tmp_path_factory.mktemp(kind), server) as opened:
        yield opened


@pytest.fixture(params=BACKENDS)
def fresh_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each backend in turn holding STUDIES, for one test that loads, replaces or kills (on
    Virtuoso, a server shared by such tests: each starts by replacing the dataset)."""
    kind = request.param
    server = request.getfixturevalue("virtuoso_scratch") if kind == "virtuoso" else None
    with open_test_store(kind, tmp_path, server) as opened:
        yield opened
    if server is not None:
        forget_other_project(server, tmp_path)


def forget_other_project(server: virtuoso.Virtuoso, directory: Path) -> None:
    """Remove OTHER's graphs from the shared writers' Virtuoso, so that a test that loaded a
    second project leaves the next test a store holding STUDIES only (a replace touches its
    own project's graphs, never another's)."""
    other = RemoteStore(virtuoso_settings(server, graph_prefix=f"{OTHER}graph/"))
    try:
        other.replace(write_dataset(directory / "no-other-project.nq", (), OTHER))
    finally:
        other.close()
