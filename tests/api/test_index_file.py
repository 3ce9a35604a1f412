"""The evidence index kept on disk per dataset version: the same index back, used only for
its version, and a damaged file refused (the store is read again), never trusted.

Why: over a remote store at 1M studies reading the index takes about 150 s; a restart reads
this file instead. A stale or damaged file must not give wrong answers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from smqi.api.app import create_app
from smqi.api.evidence.index import StudyIndex, index_key
from smqi.api.evidence.index_file import (
    KEEP,
    STALE_PARTIAL_S,
    index_path,
    read_index,
    write_index,
)
from smqi.api.evidence.queries import api_query
from smqi.api.settings import settings_from
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings, Store
from smqi.api.store.config import RemoteStoreSettings
from smqi.loader.settings import BuildSettings
from tests.api.built_graph import make_settings

PLATFORM = "https://w3id.org/smqi/ontology#platform"
RECORD_CODES = api_query("record-codes")  # read by the index only, once per dimension


def small_index() -> StudyIndex:
    # SYNTHETIC studies; one bit set empty, one IRI not ASCII, one year with no study
    return StudyIndex(
        studies=("https://ex.org/s/a", "https://ex.org/s/é", "https://ex.org/s/c"),
        years={2019: 0b011, 2020: 0b100, 2021: 0},
        coverage={"https://ex.org/c/1": 0b111, "https://ex.org/c/2": 0b010},
        codes={
            "https://ex.org/c/1": {(PLATFORM, "https://ex.org/v/twitter"): 0b101},
            "https://ex.org/c/2": {(PLATFORM, "https://ex.org/v/blogs"): 0b010},
        },
        pooled={
            (PLATFORM, "https://ex.org/v/twitter"): 0b101,
            (PLATFORM, "https://ex.org/v/blogs"): 0b010,
        },
        superseded=frozenset({"https://ex.org/r/old"}),
    )


def test_an_index_comes_back_the_same_for_its_version_only(tmp_path: Path) -> None:
    index = small_index()
    write_index(tmp_path, "v1", index)
    assert read_index(tmp_path, "v1") == index
    assert read_index(tmp_path, "v2") is None


def test_a_file_claiming_another_version_is_refused(tmp_path: Path) -> None:
    written = write_index(tmp_path, "v1", small_index())
    written.rename(index_path(tmp_path, "v2"))  # as if two versions' names collided
    assert read_index(tmp_path, "v2") is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-3],  # cut short: a bit set lies outside the file
        lambda data: b"#" + data,  # not our magic line
        lambda data: data.replace(b'"studies": [', b'"studies": {', 1),  # broken JSON
        lambda data: data.replace(b'"version"', b'"versions"', 1),  # a key missing
        lambda data: b"",
    ],
)
def test_a_damaged_file_is_ignored_not_trusted(
    tmp_path: Path, damage: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_index(tmp_path, "v1", small_index())
    path.write_bytes(damage(path.read_bytes()))
    assert read_index(tmp_path, "v1") is None
    assert "ignoring the study index file" in caplog.text


def test_only_the_newest_files_are_kept(tmp_path: Path) -> None:
    for n in range(KEEP + 2):
        write_index(tmp_path, f"v{n}", small_index())
    assert sorted(tmp_path.iterdir()) == sorted(
        index_path(tmp_path, f"v{n}") for n in range(2, KEEP + 2)
    )


def test_a_killed_writers_partial_file_is_removed_but_not_a_live_ones(tmp_path: Path) -> None:
    killed, live = tmp_path / "a.1.partial", tmp_path / "b.2.partial"
    killed.write_bytes(b"half an index")
    live.write_bytes(b"being written")
    old = time.time() - STALE_PARTIAL_S - 60
    os.utime(killed, (old, old))
    written = write_index(tmp_path, "v1", small_index())
    assert sorted(tmp_path.iterdir()) == sorted([written, live])


def test_a_remote_store_keeps_its_index_unless_others_write_to_it(tmp_path: Path) -> None:
    build = BuildSettings.for_project(tmp_path)
    remote = settings_from(endpoint="http://127.0.0.1:1/sparql", build=build)
    assert remote.index_dir == build.build_dir.parent / ".cache" / "study-index"
    shared = settings_from(endpoint="http://127.0.0.1:1/sparql", answer_ttl=60, build=build)
    assert shared.index_dir is None  # its version changes every period
    assert settings_from(build=build).index_dir is None  # the embedded store reads fast


class Recording:
    """The session's store, recording the queries sent (and never closed by an app)."""

    def __init__(self, inner: Store) -> None:
        self._inner = inner
        self.queries: list[str] = []

    def select(self, query: str, bindings: Any = None) -> Any:
        self.queries.append(query)
        return self._inner.select(query, bindings)

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def close(self) -> None:
        return None


def test_a_restart_answers_from_the_kept_index_without_reading_it_again(
    built_data: Path,
    embedded_store: EmbeddedStore,
    embedded_settings: EmbeddedStoreSettings,
    tmp_path: Path,
) -> None:
    answers = []
    sent = []
    for _ in range(2):  # two starts of the API over the same dataset version
        store = Recording(embedded_store)
        settings = make_settings(built_data, embedded_settings, index_dir=tmp_path)
        client = TestClient(create_app(settings, store))  # type: ignore[arg-type]
        response = client.get("/studies?limit=100&platform=Twitter")
        assert response.status_code == 200, response.text
        answers.append(response.json())
        sent.append(sum(RECORD_CODES in query for query in store.queries))
    assert len(list(tmp_path.glob("*.index"))) == 1
    assert sent[0] > 0 and sent[1] == 0  # the second start read no coded values
    assert answers[0] == answers[1]
    assert answers[0]["total"] > 0 and answers[0]["facets"]["platform"]


def test_the_same_version_from_another_store_or_scope_is_filed_apart(tmp_path: Path) -> None:
    def key(store: Any) -> str:
        settings = SimpleNamespace(store=store)
        return index_key(SimpleNamespace(version="v1", context=SimpleNamespace(settings=settings)))  # type: ignore[arg-type]

    production = "http://production/sparql"
    prefix = "https://ex.org/graph/"
    keys = {
        key(RemoteStoreSettings("http://staging/sparql")),
        key(RemoteStoreSettings(production)),
        key(RemoteStoreSettings(production, graph_prefix=prefix, dataset_only=True)),
        key(EmbeddedStoreSettings(tmp_path)),
    }
    assert len(keys) == 4
    assert all(k.startswith("v1\n") for k in keys)
    assert key(RemoteStoreSettings("http://staging/sparql")) in keys  # the same, the same key
