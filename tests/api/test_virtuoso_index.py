"""The study index over Virtuoso names nodes by Virtuoso's numbers for their IRIs, not by the
IRIs (api/queries/virtuoso/, ``keyed_read`` in api.evidence.index), since Virtuoso writes a
number several times faster than an IRI. The index those reads give must be the one read by
IRIs from the embedded store, for a SYNTHETIC dual-coded review whose consensus records
supersede its coders' records (the superseded records are named by IRI in the index)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from smqi.api.evidence.index import keyed_read, keys_are_iris, study_index
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings, RemoteStore
from smqi.loader.terms import DEFAULT_BASE, SMQI

from .built_graph import snapshot_over
from .conftest import started_virtuoso, virtuoso_settings

pytestmark = [pytest.mark.integration, pytest.mark.virtuoso]


@pytest.fixture(scope="module")
def virtuoso_store(
    tmp_path_factory: pytest.TempPathFactory, dual_coded: tuple[Path, object, ox.Store]
) -> Iterator[RemoteStore]:
    data_dir, _, _ = dual_coded
    # the index's reads need a row cap of 4096 (the buckets), and the server's above it
    with started_virtuoso(tmp_path_factory.mktemp("virtuoso-index"), max_rows=100_000) as server:
        prefix = f"{DEFAULT_BASE}graph/"
        settings = virtuoso_settings(server, graph_prefix=prefix, max_rows=10_000)
        store = RemoteStore(settings)
        store.replace(data_dir / "build" / "smqi.nq")
        yield store
        store.close()


def test_the_index_read_by_keys_is_the_index_read_by_iris(
    virtuoso_store: RemoteStore,
    dual_coded: tuple[Path, object, ox.Store],
    tmp_path: Path,
) -> None:
    data_dir, _, _ = dual_coded
    settings = EmbeddedStoreSettings(data_dir=tmp_path / "store")
    embedded = EmbeddedStore(settings)
    embedded.replace(data_dir / "build" / "smqi.nq")
    embedded_snapshot = snapshot_over(data_dir, settings, embedded)
    snapshot = snapshot_over(data_dir, virtuoso_store.settings, virtuoso_store)
    by_iris, by_keys = study_index(embedded_snapshot), study_index(snapshot)
    embedded.close()

    assert keys_are_iris(embedded_snapshot) and not keys_are_iris(snapshot)
    # the reads did name records by number: the join is on keys, not on IRIs
    records, studies = keyed_read(snapshot, "keyed-links", str(SMQI.codesStudy))
    assert records and all(key.isdigit() for key in records + studies)
    assert by_iris.superseded and by_iris.studies  # there is something to get wrong
    assert all(record.startswith(DEFAULT_BASE) for record in by_keys.superseded)
    assert by_keys == by_iris
