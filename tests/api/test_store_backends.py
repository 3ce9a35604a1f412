"""What only one backend does: the embedded store's versions and processes, the remote store's
graph scoping and endpoint failures. The shared behaviour is in test_store_contract."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from smqi.api.errors import StoreError, StoreUnavailableError
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings, RemoteStore, RemoteStoreSettings
from smqi.api.store.pool import WorkerPool

from .conftest import (
    EX,
    NEW_STUDIES,
    STUDIES,
    expected_titles,
    running_oxigraph,
    study_count,
    titles,
    write_dataset,
)

pytestmark = pytest.mark.integration


# -- embedded ----------------------------------------------------------------------------------


def test_old_versions_are_removed_and_current_points_at_the_served_one(tmp_path: Path) -> None:
    settings = EmbeddedStoreSettings(tmp_path / "store", workers=1, keep_versions=2)
    with EmbeddedStore(settings) as store:
        for round_ in range(4):
            store.replace(write_dataset(tmp_path / f"{round_}.nq", STUDIES[: round_ + 1]))

        versions = sorted(p.name for p in (tmp_path / "store" / "versions").iterdir())
        assert len(versions) == 2 and versions[-1] == store.version()
        assert os.readlink(tmp_path / "store" / "current") == f"versions/{store.version()}"
        assert study_count(store) == 4
        assert list((tmp_path / "store" / "staging").iterdir()) == []


def test_a_dead_query_process_is_replaced(tmp_path: Path) -> None:
    settings = EmbeddedStoreSettings(tmp_path / "store", workers=1, api_workers=1)
    with EmbeddedStore(settings) as store:
        store.replace(write_dataset(tmp_path / "studies.nq", STUDIES))
        for process in store.query_processes:  # one per pool, killed from outside
            process.kill()
            process.wait()

        with pytest.raises(StoreError, match="stopped unexpectedly"):
            store.select("SELECT * WHERE { ?s ?p ?o }")
        with pytest.raises(StoreError, match="stopped unexpectedly"):
            store.query_raw("SELECT * WHERE { ?s ?p ?o }", None)
        assert titles(store) == expected_titles(STUDIES)
        assert store.query_raw("ASK { ?s ?p ?o }", "application/sparql-results+json").body


def test_the_embedded_store_keeps_no_bookkeeping_in_the_data(tmp_path: Path) -> None:
    with EmbeddedStore(EmbeddedStoreSettings(tmp_path / "store", workers=1)) as store:
        store.replace(write_dataset(tmp_path / "studies.nq", STUDIES))
        before = store.version()
        store.load(write_dataset(tmp_path / "more.nq", NEW_STUDIES))

        graphs = store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows
        assert {row["g"].value for row in graphs} == {f"{EX}graph/studies", f"{EX}graph/records"}
        assert store.version() not in (before, "")
        assert not store.ask(f'ASK {{ ?s ?p "{store.version()}" }}')


def test_a_query_process_survives_nesting_that_overflowed_a_default_stack(tmp_path: Path) -> None:
    # Past the lexer's limits on purpose: the process itself must not die of a deep query.
    # pyoxigraph on an 8 MiB main-thread stack crashed at 5000 nested groups (measured).
    location = tmp_path / "empty"
    ox.Store(str(location)).flush()
    deep = "ASK " + "{" * 20_000 + "}" * 20_000
    pool = WorkerPool("test", tmp_path, 1)
    try:
        options = {"base_iri": None, "dataset": None, "union": True}
        assert pool.call((str(location), "ask", deep, None, options), 60) is True
        assert all(process.poll() is None for process in pool.processes)
    finally:
        pool.close()


def test_the_sparql_query_processes_may_run_at_lower_priority(tmp_path: Path) -> None:
    settings = EmbeddedStoreSettings(
        tmp_path / "store", workers=1, api_workers=1, sparql_niceness=5
    )
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    with EmbeddedStore(settings) as store:
        store.query_raw("ASK {}", None)
        niceness = sorted(os.getpriority(os.PRIO_PROCESS, p.pid) for p in store.query_processes)
    assert niceness == [ours, min(19, ours + settings.sparql_niceness)]


# -- remote ------------------------------------------------------------------------------------


@pytest.mark.server
def test_graph_prefix_leaves_other_graphs_alone(tmp_path: Path) -> None:
    foreign = "https://example.org/another-application/graph"
    with running_oxigraph(tmp_path / "oxigraph") as url:
        update = f"INSERT DATA {{ GRAPH <{foreign}> {{ <{foreign}> <{foreign}> 1 }} }}"
        request = urllib.request.Request(
            f"{url}/update", update.encode(), {"Content-Type": "application/sparql-update"}
        )
        urllib.request.urlopen(request, timeout=5).close()
        store = RemoteStore(
            RemoteStoreSettings(
                query_url=f"{url}/query", update_url=f"{url}/update", graph_prefix=f"{EX}graph/"
            )
        )
        store.replace(write_dataset(tmp_path / "old.nq", STUDIES))

        store.replace(write_dataset(tmp_path / "new.nq", NEW_STUDIES))

        assert titles(store) == expected_titles(NEW_STUDIES)
        assert store.ask(f"ASK {{ GRAPH <{foreign}> {{ ?s ?p 1 }} }}")


def test_an_unreachable_endpoint_is_unavailable() -> None:
    store = RemoteStore(RemoteStoreSettings(query_url="http://127.0.0.1:9/query"))
    with pytest.raises(StoreUnavailableError, match="cannot be reached"):
        store.ask("ASK {}")


def test_without_an_update_url_the_store_is_read_only(tmp_path: Path) -> None:
    store = RemoteStore(RemoteStoreSettings(query_url="http://127.0.0.1:9/query"))
    with pytest.raises(StoreError, match="no update URL"):
        store.replace(write_dataset(tmp_path / "studies.nq", STUDIES))
