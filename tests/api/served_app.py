"""The real app served by uvicorn on a free loopback port, for clients that need a socket.

The ``served_app`` fixture (also named ``served``; embedded store, real build) is offered by
tests/api/conftest.py. ``serving(app)`` runs uvicorn in a thread, waits until it answers,
and stops it afterwards.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from smqi.api.app import create_app
from smqi.api.http.limits import RequestLimits
from smqi.api.http.server import server_config
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings, Store

from .built_graph import make_settings

START_TIMEOUT_S = 20.0


class UnclosableStore:
    """Delegates to a store shared with other fixtures, ignoring the app's close() at shutdown."""

    def __init__(self, inner: Store) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def close(self) -> None:
        return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(app: FastAPI, limits: RequestLimits | None = None) -> Iterator[str]:
    """``app`` under uvicorn on 127.0.0.1 (as ``smqi serve`` serves it, with ``limits`` or
    the default ones); yields its base URL once it answers."""
    port = free_port()
    config = server_config(app, "127.0.0.1", port, log_level="warning", limits=limits)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            if not thread.is_alive():
                raise RuntimeError("uvicorn stopped before it answered")
            try:
                with urllib.request.urlopen(f"{url}/static/site.css", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"uvicorn did not answer within {START_TIMEOUT_S} s"
                    ) from None
                time.sleep(0.02)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def served_app(
    built_data: Path, embedded_store: EmbeddedStore, embedded_settings: EmbeddedStoreSettings
) -> Iterator[str]:
    """The real app over the real build on the embedded store, served on a loopback port."""
    app = create_app(make_settings(built_data, embedded_settings), UnclosableStore(embedded_store))  # type: ignore[arg-type]
    with serving(app) as url:
        yield url
