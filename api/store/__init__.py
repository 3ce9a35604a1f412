"""The store layer: one interface over an embedded pyoxigraph store or a remote SPARQL endpoint.

``open_store`` is called once at start-up with the settings of the chosen backend; callers
then use only the ``Store`` interface.

The names are imported on first use: the embedded store's query processes import
``api.store.worker`` and must not pay for rdflib and SPARQLWrapper, which only the parent
needs (they made starting a query process take twice as long).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smqi.api.store.base import RawResult, SelectResult, Store
    from smqi.api.store.config import EmbeddedStoreSettings, RemoteStoreSettings
    from smqi.api.store.embedded import EmbeddedStore
    from smqi.api.store.remote import RemoteStore
    from smqi.api.store.sparql import Bindings, QueryDataset

_WHERE = {
    "Bindings": "sparql",
    "QueryDataset": "sparql",
    "EmbeddedStore": "embedded",
    "EmbeddedStoreSettings": "config",
    "RawResult": "base",
    "RemoteStore": "remote",
    "RemoteStoreSettings": "config",
    "SelectResult": "base",
    "Store": "base",
}


def open_store(settings: EmbeddedStoreSettings | RemoteStoreSettings) -> Store:
    """The store the settings describe, ready to query."""
    from smqi.api.store.config import EmbeddedStoreSettings
    from smqi.api.store.embedded import EmbeddedStore
    from smqi.api.store.remote import RemoteStore

    if isinstance(settings, EmbeddedStoreSettings):
        return EmbeddedStore(settings)
    return RemoteStore(settings)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)


__all__ = [
    "Bindings",
    "EmbeddedStore",
    "EmbeddedStoreSettings",
    "QueryDataset",
    "RawResult",
    "RemoteStore",
    "RemoteStoreSettings",
    "SelectResult",
    "Store",
    "open_store",
]
