"""What only Virtuoso needs (api.store.virtuoso), against a real server: its own row limit
detected, a load in many requests that readers never see half done, a failed load that
leaves the served dataset and no staging graph behind. The shared behaviour is in
test_store_contract, which runs on Virtuoso as on the other stores."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.virtuoso import LOADER, Virtuoso, VirtuosoSettings, setup_sql, virtuoso_ini
from smqi.api.errors import DatasetError
from smqi.api.store import RemoteStore, Store, virtuoso
from smqi.api.store.formats import CSV
from tests.paths import REPO

from .conftest import (
    EX,
    NEW_STUDIES,
    STUDIES,
    VIRTUOSO_MAX_ROWS,
    Study,
    expected_titles,
    started_virtuoso,
    study_count,
    titles,
    virtuoso_settings,
    write_dataset,
)

pytestmark = [pytest.mark.integration, pytest.mark.virtuoso]

# Far more rows than Virtuoso's ResultSetMaxRows in the tests, made without any data.
DIGITS = "{ 0 1 2 3 4 5 6 7 8 9 }"
MANY_ROWS = f"SELECT * WHERE {{ VALUES ?a {DIGITS} VALUES ?b {DIGITS} VALUES ?c {DIGITS} }}"
STAGED = "urn:x-smqi:staging:"
# Many studies, so that a load in small requests takes many of them.
MANY_STUDIES = tuple(
    Study(f"m{n}", f"Study number {n}", 2000 + n % 20, "twitter", "2026-11-01") for n in range(60)
)


@pytest.fixture
def scratch(virtuoso_scratch: Virtuoso, tmp_path: Path) -> Iterator[RemoteStore]:
    """A store on the writers' Virtuoso holding STUDIES."""
    store = RemoteStore(virtuoso_settings(virtuoso_scratch))
    store.replace(write_dataset(tmp_path / "studies.nq", STUDIES))
    yield store
    store.close()


def staged_triples(server: Virtuoso) -> int:
    """Triples in staging graphs, counted as dba (who sees private graphs too)."""
    out = server.sql(
        "SPARQL SELECT COUNT(*) WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER (STRSTARTS(STR(?g), "{STAGED}")) }};'
    )
    counts = [line.strip() for line in out.splitlines() if line.strip().isdigit()]
    return int(counts[-1])


def test_a_row_cap_above_the_servers_is_detected(virtuoso_server: Virtuoso) -> None:
    # ResultSetMaxRows (200 here) below the API's cap: Virtuoso cuts, and says so in a header
    store = RemoteStore(virtuoso_settings(virtuoso_server, max_rows=5000))

    result = store.select(MANY_ROWS)
    raw = store.query_raw(MANY_ROWS, CSV)

    assert result.truncated and len(result.rows) == VIRTUOSO_MAX_ROWS
    assert raw.truncated and len(raw.body.decode().strip().splitlines()) == VIRTUOSO_MAX_ROWS + 1


def test_a_row_cap_below_the_servers_applies(virtuoso_server: Virtuoso) -> None:
    store = RemoteStore(virtuoso_settings(virtuoso_server, max_rows=150))

    result = store.select(MANY_ROWS)

    assert result.truncated and len(result.rows) == 150
    assert not store.select(MANY_ROWS + " LIMIT 150").truncated


def test_a_client_select_is_asked_for_one_row_over_the_cap(virtuoso_server: Virtuoso) -> None:
    # 1000 rows sorted; the cap's LIMIT (151) is within the recipe's MaxSortedTopRows
    store = RemoteStore(virtuoso_settings(virtuoso_server, max_rows=150))
    raw = store.query_raw(MANY_ROWS + " ORDER BY DESC(?a) DESC(?b) DESC(?c)", CSV)
    lines = raw.body.decode().strip().splitlines()
    assert raw.truncated and len(lines) == 151
    assert lines[1].replace('"', "") == "9,9,9"


def test_over_virtuosos_sort_limit_the_query_is_asked_again_without_the_limit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A server left at a MaxSortedTopRows below the API's cap refuses LIMIT cap+1 under an
    ORDER BY (SR353): the client still gets the first rows, and the log says what to raise."""
    with started_virtuoso(tmp_path, sorted_top_rows=100) as server:
        store = RemoteStore(virtuoso_settings(server, max_rows=150))
        raw = store.query_raw(MANY_ROWS + " ORDER BY DESC(?a) DESC(?b) DESC(?c)", CSV)
    lines = raw.body.decode().strip().splitlines()
    assert raw.truncated and len(lines) == 151
    assert lines[1].replace('"', "") == "9,9,9"
    assert any("MaxSortedTopRows" in record.message for record in caplog.records)


def test_a_load_in_many_requests_is_seen_whole_or_not_at_all(
    scratch: RemoteStore,
    virtuoso_scratch: Virtuoso,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requests: list[str] = []
    send, post = scratch._update, scratch._post
    monkeypatch.setattr(
        scratch, "_update", lambda text, source: (requests.append(text), send(text, source))
    )
    monkeypatch.setattr(
        scratch,
        "_post",
        lambda graph, document, source: (requests.append(graph), post(graph, document, source)),
    )
    monkeypatch.setattr(virtuoso, "REQUEST_BYTES", 12_000)  # a few studies per request
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.append(study_count(scratch))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        scratch.replace(write_dataset(tmp_path / "many.nq", MANY_STUDIES))
    finally:
        stop.set()
        reader.join()

    assert len(requests) > 5  # the data went in many requests, then one switched it in
    assert len(STUDIES) in seen  # readers saw the old dataset while the new one was staged
    assert set(seen) <= {len(STUDIES), len(MANY_STUDIES)}  # and never a part of the new one
    every_row = RemoteStore(virtuoso_settings(virtuoso_scratch, max_rows=1000))
    assert titles(every_row) == expected_titles(MANY_STUDIES)
    assert staged_triples(virtuoso_scratch) == 0


def test_a_failed_load_leaves_the_served_dataset_and_no_staging(
    scratch: RemoteStore,
    virtuoso_scratch: Virtuoso,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(virtuoso, "REQUEST_BYTES", 12_000)
    before = scratch.version()
    # Virtuoso refuses the third document (its last line is not Turtle): the first two have
    # been written to a staging graph by then
    post, sent = scratch._post, []

    def post_third_broken(graph: str, document: bytes, source: Path) -> None:
        sent.append(graph)
        post(graph, document + b"not turtle\n" if len(sent) == 3 else document, source)

    monkeypatch.setattr(scratch, "_post", post_third_broken)

    with pytest.raises(
        DatasetError,
        match=r"many\.nq \(500: .*TURTLE RDF loader, line \d+: syntax error\)\. .*unchanged",
    ):
        scratch.replace(write_dataset(tmp_path / "many.nq", MANY_STUDIES))

    assert len(sent) == 3
    assert titles(scratch) == expected_titles(STUDIES)
    assert scratch.version() == before
    assert staged_triples(virtuoso_scratch) == 0


def test_the_union_holds_the_data_only(scratch: Store) -> None:
    """Virtuoso's own graphs (virtrdf, owl, ...) are private: the union is our dataset."""
    graphs = scratch.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    ).rows
    assert {row["g"].value for row in graphs} == {
        f"{EX}graph/studies",
        f"{EX}graph/records",
        scratch.settings.bookkeeping_graph,  # type: ignore[attr-defined]
    }
    assert all(isinstance(row["g"], ox.NamedNode) for row in graphs)


def test_load_adds_through_staging_graphs(scratch: RemoteStore, tmp_path: Path) -> None:
    scratch.load(write_dataset(tmp_path / "more.nq", NEW_STUDIES))
    assert titles(scratch) == expected_titles(STUDIES + NEW_STUDIES)


def _readme_recipe() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("### Virtuoso (tested recipe)")
    return text[start : text.index("\n## ", start)]


def test_the_readme_recipe_is_what_the_tests_run() -> None:
    """The settings the README tells a Virtuoso user to make are those bench/virtuoso.py
    makes for every server these tests start: a change to one shows in the other."""
    recipe = _readme_recipe()
    (block,) = re.findall(r"```sql\n(.*?)```", recipe, re.S)
    statements = {
        line.strip()
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("--")
    }
    one_graph = f"DB.DBA.RDF_GRAPH_GROUP_INS ('{virtuoso.PRIVATE_GRAPHS}', 'G');"
    made = setup_sql(["G"]).replace(LOADER[1], "SECRET")
    assert statements == {f"{part.strip()};" for part in made.split(";") if part.strip()}
    assert one_graph in statements
    settings = VirtuosoSettings()
    ini = virtuoso_ini(Path("/srv/virtuoso"), 8890, 1111, settings)
    bullets = {line.split("`")[1]: line for line in recipe.split("\n   - ")[1:]}
    for name, value in {
        "ResultSetMaxRows": settings.max_rows,
        "MaxQueryExecutionTime": settings.execution_limit_s,
        "TransactionAfterImageLimit": settings.after_image_bytes,
        "MaxSortedTopRows": settings.sorted_top_rows,
    }.items():
        assert f"{name} = {value}\n" in ini
        assert f"`{value}`" in bullets[name], name
    assert "MaxQueryCostEstimationTime = 0\n" in ini
    assert "`MaxQueryCostEstimationTime = 0`" in recipe
