"""The evidence index's reads run a few at a time, ahead of their use, and stop on failure.

Why: at 1M studies on Virtuoso each of the index's 14 reads takes 15-40 s; two side by side
took 18 s against 35 s one after the other. These tests pin what the overlap must keep:
the order of the answers, the bound on reads at once, and no further reads after one fails.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from smqi.api.evidence.dimensions import DIMENSIONS
from smqi.api.evidence.index import _built, in_order, keyed_read
from smqi.api.store import EmbeddedStore
from smqi.api.store.config import EmbeddedStoreSettings, RemoteStoreSettings
from smqi.loader.terms import SMQI

from .built_graph import snapshot_over


class Calls:
    """Calls that record how many ran at once, and which ran."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.started: list[int] = []

    def call(self, n: int, seconds: float = 0.02, fail: bool = False) -> Callable[[], int]:
        def run() -> int:
            with self.lock:
                self.started.append(n)
                self.now += 1
                self.most = max(self.most, self.now)
            time.sleep(seconds)
            with self.lock:
                self.now -= 1
            if fail:
                raise RuntimeError(f"read {n} failed")
            return n

        return run


@pytest.mark.parametrize("at_once", [1, 2, 3])
def test_answers_come_in_the_calls_order_with_at_most_so_many_at_once(at_once: int) -> None:
    calls = Calls()
    # later calls finish sooner, so any reordering by completion would show
    work = [calls.call(n, seconds=0.05 - n * 0.005) for n in range(8)]
    assert list(in_order(work, at_once)) == list(range(8))
    assert calls.most == at_once
    assert sorted(calls.started) == list(range(8))


def test_a_failed_read_raises_and_the_reads_not_started_never_run() -> None:
    calls = Calls()
    work = [calls.call(0), calls.call(1, fail=True), *(calls.call(n) for n in range(2, 10))]
    answers = in_order(work, 2)
    assert next(answers) == 0
    with pytest.raises(RuntimeError, match="read 1 failed"):
        next(answers)
    answers.close()
    time.sleep(0.2)  # a read already under way may finish; no new one starts
    assert len(calls.started) <= 4, calls.started


def test_closing_early_cancels_the_rest() -> None:
    calls = Calls()
    answers = in_order([calls.call(n) for n in range(10)], 2)
    assert next(answers) == 0
    answers.close()
    time.sleep(0.2)
    assert len(calls.started) <= 3, calls.started


def test_the_embedded_store_leaves_one_api_process_free(tmp_path: Path) -> None:
    assert EmbeddedStoreSettings(tmp_path).bulk_reads == 1
    assert EmbeddedStoreSettings(tmp_path, api_workers=4).bulk_reads == 3
    assert RemoteStoreSettings("http://127.0.0.1:1/sparql").bulk_reads == 2


def test_studies_tied_on_year_and_author_are_listed_by_iri_whatever_their_keys() -> None:
    # Keys are a store's own names for nodes (on Virtuoso, its numbers for IRIs): here they
    # sort the other way round from the IRIs, which alone decide between tied studies.
    first, second = "https://example.org/study/a", "https://example.org/study/b"
    reads: list[list[list[str]]] = [
        [["2", "1", "3"], [first, second, "https://example.org/c"], ["2020", "2020", "2019"]],
        [["2", "1", "3"], ["Smith", "Smith", "Jones"]],
        [[], []],  # no consensus records
        [["r1", "r2", "r3"], ["1", "2", "3"]],
        [["r1", "r2", "r3"], ["urn:c", "urn:c", "urn:c"]],
        [["r1", "r2"], ["urn:twitter", "urn:twitter"]],  # the first dimension's codes
        *([[], []] for _ in DIMENSIONS[1:]),
    ]
    index = _built(iter(reads))
    assert index.studies == ("https://example.org/c", first, second)
    assert index.superseded == frozenset()
    twitter = index.coded_with("urn:c", (DIMENSIONS[0].predicate, "urn:twitter"))
    assert index.iris(twitter) == [first, second]


def test_keyed_reads_decode_literals_only(built_data: Path, tmp_path: Path) -> None:
    # an IRI may hold percent-encoding of its own (a DOI's slash), which must stay; a
    # literal comes percent-encoded from the packed read, and is decoded
    study = "https://example.org/study/doi/10.1000%2Fa%20b"
    record = "https://example.org/record/1"
    quads = tmp_path / "two.nq"
    quads.write_text(
        f"<{record}> <{SMQI.codesStudy}> <{study}> <https://example.org/graph/g> .\n"
        f'<{study}> <{SMQI.firstAuthor}> "M%C3%BCller 50%" <https://example.org/graph/g> .\n',
        encoding="utf-8",
    )
    settings = EmbeddedStoreSettings(data_dir=tmp_path / "store")
    store = EmbeddedStore(settings)
    store.replace(quads)
    snapshot = snapshot_over(built_data, settings, store)
    try:
        assert keyed_read(snapshot, "keyed-links", str(SMQI.codesStudy)) == [[record], [study]]
        authors = keyed_read(snapshot, "keyed-pairs", str(SMQI.firstAuthor), literals=True)
        assert authors == [[study], ["M%C3%BCller 50%"]]
    finally:
        store.close()
