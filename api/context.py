"""What every request handler needs, made once in ``create_app`` and injected."""

from __future__ import annotations

import hashlib
import sys
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from smqi.api.settings import ApiSettings
from smqi.api.sparql.admission import QueryGate
from smqi.api.store import Store
from smqi.loader.queries import CompetencyQuery

Key = tuple[str, str]
_LONGEST_KEY = 256  # longer keys (a query of up to a megabyte) are kept as their digest


def _entry(version: str, key: str) -> Key:
    if len(key) > _LONGEST_KEY:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return version, key


def _size(value: Any) -> int:
    """Rough bytes held by a cached answer: rendered bodies dominate, so count those."""
    body = getattr(value, "body", value)
    return len(body) if isinstance(body, bytes | str) else sys.getsizeof(value)


@dataclass
class AnswerCache:
    """Answers cached per dataset version: the graph changes only when a build is loaded,
    so an answer computed for version V stays right until the version changes.

    Bounded by entries and by bytes (a cross-tab at 100k studies is megabytes), and each
    missing key is computed once even when many requests ask for it at the same time. An
    answer larger than a quarter of the bytes is not kept: at 1M studies a cross-tab listing
    each cell's studies is over 100 MB, and keeping it pushed out everything else, the
    evidence index among it, which then took ten minutes to read again.
    """

    capacity: int
    max_bytes: int = 256 * 1024 * 1024
    _entries: OrderedDict[Key, tuple[Any, int]] = field(default_factory=OrderedDict)
    _bytes: int = 0
    _computing: dict[Key, Lock] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def get(self, version: str, key: str) -> Any | None:
        """The answer kept for this version and key, or None (nothing is computed)."""
        entry = _entry(version, key)
        with self._lock:
            if entry not in self._entries:
                return None
            self._entries.move_to_end(entry)
            return self._entries[entry][0]

    def get_or_compute(self, version: str, key: str, compute: Callable[[], Any]) -> Any:
        entry = _entry(version, key)
        with self._lock:
            if entry in self._entries:
                self._entries.move_to_end(entry)
                return self._entries[entry][0]
            key_lock = self._computing.setdefault(entry, Lock())
        with key_lock:
            with self._lock:
                if entry in self._entries:
                    return self._entries[entry][0]
            try:
                value = compute()
            finally:
                with self._lock:
                    self._computing.pop(entry, None)
            size = _size(value)
            if size > self.max_bytes // 4:
                return value
            with self._lock:
                self._entries[entry] = (value, size)
                self._bytes += size
                while len(self._entries) > 1 and (
                    len(self._entries) > self.capacity or self._bytes > self.max_bytes
                ):
                    _, (_, evicted) = self._entries.popitem(last=False)
                    self._bytes -= evicted
            return value


@dataclass
class AppContext:
    settings: ApiSettings
    store: Store
    catalogue: dict[str, CompetencyQuery]
    cache: AnswerCache
    gate: QueryGate  # admission of the SPARQL endpoint's queries
