"""Fixtures for API tests over the real build of data/; tests/api/conftest.py offers them to
every test module there (``make_settings`` is imported where a test builds its own app)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smqi.api.app import create_app
from smqi.api.evidence.queries import Snapshot
from smqi.api.settings import ApiSettings
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings, RemoteStoreSettings, Store
from smqi.loader.build import build
from smqi.loader.settings import BuildSettings
from tests.paths import REPO

TIMEOUT_S = 3.0


@pytest.fixture(scope="session")
def built_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of data/ with one real build published in it; returns the data directory."""
    data = tmp_path_factory.mktemp("api-built") / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("build", "builds", ".cache"))
    build(BuildSettings.for_project(data))
    return data


@pytest.fixture(scope="session")
def built_nquads(built_data: Path) -> Path:
    return built_data / "build" / "smqi.nq"


@pytest.fixture(scope="session")
def embedded_settings(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStoreSettings:
    return EmbeddedStoreSettings(
        data_dir=tmp_path_factory.mktemp("api-store"), query_timeout_s=TIMEOUT_S
    )


@pytest.fixture(scope="session")
def embedded_store(
    built_nquads: Path, embedded_settings: EmbeddedStoreSettings
) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(embedded_settings)
    store.replace(built_nquads)
    yield store
    store.close()


def make_settings(
    built_data: Path, store: EmbeddedStoreSettings, **overrides: object
) -> ApiSettings:
    return ApiSettings(
        store=store,
        build=BuildSettings.for_project(built_data),
        **overrides,  # type: ignore[arg-type]
    )


def snapshot_over(
    project: Path, settings: EmbeddedStoreSettings | RemoteStoreSettings, store: Store
) -> Snapshot:
    """What the API over ``store`` (opened with ``settings``) reads for ``project``'s current
    version, without serving it: no warm-up runs."""
    app = create_app(make_settings(project, settings), store)  # type: ignore[arg-type]
    return Snapshot.of(app.state.context)


@pytest.fixture(scope="session")
def client(
    built_data: Path, embedded_store: EmbeddedStore, embedded_settings: EmbeddedStoreSettings
) -> Iterator[TestClient]:
    """The real app over the real build on the embedded store (the store outlives the app)."""

    class _Unclosable:
        """Delegates to the session store but ignores close(): other fixtures still use it."""

        def __init__(self, inner: Store) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> object:
            return getattr(self._inner, name)

        def close(self) -> None:
            return None

    settings = make_settings(built_data, embedded_settings)
    app = create_app(settings, _Unclosable(embedded_store))  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        yield test_client
