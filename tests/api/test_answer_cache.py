"""Unit tests of the per-version answer cache (no I/O)."""

from __future__ import annotations

import threading
import time

from smqi.api.context import AnswerCache
from smqi.api.http.caching import Representation


def test_answers_are_kept_per_version() -> None:
    cache = AnswerCache(capacity=10)
    calls: list[str] = []
    for version in ("v1", "v1", "v2"):
        cache.get_or_compute(version, "k", lambda v=version: calls.append(v) or v)
    assert calls == ["v1", "v2"]


def test_the_byte_budget_evicts_the_oldest_answers() -> None:
    cache = AnswerCache(capacity=100, max_bytes=4000)
    for n in range(5):
        cache.get_or_compute("v", f"k{n}", lambda: Representation(b"x" * 1000, "text/plain"))
    computed: list[str] = []
    cache.get_or_compute("v", "k0", lambda: computed.append("k0") or b"")
    cache.get_or_compute("v", "k4", lambda: computed.append("k4") or b"")
    assert computed == ["k0"]


def test_an_answer_over_a_quarter_of_the_budget_is_not_kept_and_evicts_nothing() -> None:
    cache = AnswerCache(capacity=100, max_bytes=4000)
    cache.get_or_compute("v", "index", lambda: "the evidence index")
    big = cache.get_or_compute("v", "big", lambda: Representation(b"x" * 1001, "text/plain"))
    assert big.body == b"x" * 1001  # answered all the same
    assert cache.get("v", "big") is None
    assert cache.get("v", "index") == "the evidence index"
    for n in range(3):  # a quarter exactly is kept
        cache.get_or_compute("v", f"k{n}", lambda: Representation(b"x" * 1000, "text/plain"))
    assert cache.get("v", "k0") is not None


def test_a_missing_answer_is_computed_once_for_simultaneous_requests() -> None:
    cache = AnswerCache(capacity=10)
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("v", "k", slow)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42] * 8
    assert calls == [1]
