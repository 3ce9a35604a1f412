"""What only one backend does: the embedded store's versions and processes, the remote store's
graph scoping and endpoint failures. The shared behaviour is in test_store_contract."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import pytest

from smqi.api.errors import StoreError, StoreUnavailableError
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings, RemoteStore, RemoteStoreSettings

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
    settings = EmbeddedStoreSettings(tmp_path / "store", workers=1)
    with EmbeddedStore(settings) as store:
        store.replace(write_dataset(tmp_path / "studies.nq", STUDIES))
        (worker,) = store._workers  # the one process, killed from outside
        worker.process.kill()
        worker.process.wait()

        with pytest.raises(StoreError, match="stopped unexpectedly"):
            store.select("SELECT * WHERE { ?s ?p ?o }")
        assert titles(store) == expected_titles(STUDIES)


def test_a_relative_data_directory_works_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with EmbeddedStore(EmbeddedStoreSettings(Path("relative-store"), workers=1)) as store:
        store.replace(write_dataset(tmp_path / "studies.nq", STUDIES))
        assert titles(store) == expected_titles(STUDIES)


def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = EmbeddedStore(EmbeddedStoreSettings(tmp_path / "store", workers=1))
    store.close()
    with pytest.raises(StoreUnavailableError, match="closed"):
        store.ask("ASK {}")


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
