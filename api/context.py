"""What every request handler needs, made once in ``create_app`` and injected."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from api.settings import ApiSettings
from api.store import Store
from loader.queries import CompetencyQuery


@dataclass
class AnswerCache:
    """Answers cached per dataset version: the graph changes only when a build is loaded,
    so an answer computed for version V stays right until the version changes."""

    capacity: int
    _entries: OrderedDict[tuple[str, str], Any] = field(default_factory=OrderedDict)
    _lock: Lock = field(default_factory=Lock)

    def get_or_compute(self, version: str, key: str, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if (version, key) in self._entries:
                self._entries.move_to_end((version, key))
                return self._entries[(version, key)]
        value = compute()
        with self._lock:
            self._entries[(version, key)] = value
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return value


@dataclass
class AppContext:
    settings: ApiSettings
    store: Store
    catalogue: dict[str, CompetencyQuery]
    cache: AnswerCache
