"""The store layer: one interface over an embedded pyoxigraph store or a remote SPARQL endpoint.

``open_store`` is called once at start-up with the settings of the chosen backend; callers
then use only the ``Store`` interface.
"""

from __future__ import annotations

from smqi.api.store.base import RawResult, SelectResult, Store
from smqi.api.store.config import EmbeddedStoreSettings, RemoteStoreSettings
from smqi.api.store.embedded import EmbeddedStore
from smqi.api.store.remote import RemoteStore
from smqi.api.store.sparql import Bindings


def open_store(settings: EmbeddedStoreSettings | RemoteStoreSettings) -> Store:
    """The store the settings describe, ready to query."""
    if isinstance(settings, EmbeddedStoreSettings):
        return EmbeddedStore(settings)
    return RemoteStore(settings)


__all__ = [
    "Bindings",
    "EmbeddedStore",
    "EmbeddedStoreSettings",
    "RawResult",
    "RemoteStore",
    "RemoteStoreSettings",
    "SelectResult",
    "Store",
    "open_store",
]
