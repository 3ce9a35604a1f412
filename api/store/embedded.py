"""The evidence graph in a pyoxigraph store on disk, queried by killable child processes.

Layout of the data directory::

    current -> versions/<id>     the dataset being served (a symlink, switched in one rename)
    versions/<id>/               one RocksDB store per dataset version, never changed once written
    staging/<id>/                a version being written by load or replace
    write.lock                   serialises writers across threads and processes

pyoxigraph cannot interrupt a query, so queries run in a small pool of worker processes
(``api.store.worker``) that open versions read-only; a query that outlives the timeout has
its process killed and replaced, and the other workers keep answering. Every query reads
``current`` and names the version it wants, so a worker reopens when the dataset changes.

``replace`` writes the new dataset into a fresh version and only then switches ``current``:
readers see the old dataset or the new one, never a mix, and a file that fails to load
leaves the old one served. ``load`` does the same starting from a copy (hard links) of the
current version.
"""

from __future__ import annotations

import fcntl
import logging
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from smqi.api.errors import (
    DatasetError,
    QuerySyntaxError,
    QueryTimeoutError,
    StoreError,
    StoreUnavailableError,
)
from smqi.api.store.base import (
    RawResult,
    SelectResult,
    new_version_id,
    prepare,
    row_dicts,
    version_quad,
)
from smqi.api.store.config import EmbeddedStoreSettings
from smqi.api.store.formats import negotiate, rows_from_tsv, triples_from_ntriples
from smqi.api.store.sparql import Bindings, QueryForm, check_query

logger = logging.getLogger(__name__)

WORKER_START_TIMEOUT_S = 60.0
# Named, not imported: ``python -m`` must be the first to import it in the worker.
_WORKER_MODULE = "smqi.api.store.worker"


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    connection: Connection


class EmbeddedStore:
    """A ``Store`` on pyoxigraph files under ``settings.data_dir`` (created if missing)."""

    def __init__(self, settings: EmbeddedStoreSettings) -> None:
        self._settings = settings
        self._dir = settings.data_dir.resolve()  # workers run in another directory
        self._write_lock = threading.Lock()
        self._workers_lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        try:
            for name in ("versions", "staging"):
                (self._dir / name).mkdir(parents=True, exist_ok=True)
            with self._writing():
                if not (self._dir / "current").is_symlink():
                    self._publish(None, additive=False)
        except OSError as exc:
            raise StoreUnavailableError(f"the data directory {self._dir} is not usable") from exc
        try:
            for _ in range(settings.workers):
                self._idle.put(self._start_worker())
            for _ in range(settings.workers):
                self._await_ready()
        except StoreUnavailableError:
            self.close()
            raise

    # -- reading ----------------------------------------------------------------------------

    def select(self, query: str, bindings: Bindings | None = None) -> SelectResult:
        _, text = prepare(query, bindings, QueryForm.SELECT)
        tsv, truncated = self._call("select", text, self._settings.max_rows)
        variables, rows = rows_from_tsv(tsv)
        return SelectResult(variables, row_dicts(variables, rows), truncated)

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        _, text = prepare(query, bindings, QueryForm.ASK)
        return bool(self._call("ask", text, None))

    def construct(self, query: str, bindings: Bindings | None = None) -> list[ox.Triple]:
        _, text = prepare(query, bindings, QueryForm.CONSTRUCT, QueryForm.DESCRIBE)
        return triples_from_ntriples(self._call("construct", text, None))

    def query_raw(self, query: str, accept: str | None) -> RawResult:
        checked = check_query(query)
        media_type = negotiate(accept, graph=checked.form.returns_graph)
        body, truncated = self._call("raw", checked.text, (media_type, self._settings.max_rows))
        return RawResult(body, media_type, truncated)

    def version(self) -> str:
        try:
            return Path(os.readlink(self._dir / "current")).name
        except OSError as exc:
            raise StoreUnavailableError("no dataset is being served") from exc

    @property
    def settings(self) -> EmbeddedStoreSettings:
        return self._settings

    # -- writing ----------------------------------------------------------------------------

    def load(self, nquads_file: Path) -> None:
        with self._writing():
            self._publish(nquads_file, additive=True)

    def replace(self, nquads_file: Path) -> None:
        with self._writing():
            self._publish(nquads_file, additive=False)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the write lock of this process and, through flock, of the data directory."""
        with self._write_lock, (self._dir / "write.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _publish(self, source: Path | None, additive: bool) -> None:
        """Write a new version from the current one (if additive) plus ``source``, then serve it."""
        if source is not None and not source.is_file():
            raise DatasetError(f"{source} is not a file. The dataset being served is unchanged.")
        for orphan in (self._dir / "staging").iterdir():  # left by a writer that died
            shutil.rmtree(orphan, ignore_errors=True)
        version_id = new_version_id()
        staging = self._dir / "staging" / version_id
        try:
            if additive:
                _copy_version(self._current_location(), staging)
            _write_version(staging, source, version_quad(self._settings.version_graph, version_id))
        except SyntaxError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            name = source.name if source else "the dataset"
            raise DatasetError(
                f"{name} is not valid N-Quads: {exc}. The dataset being served is unchanged."
            ) from exc
        except (OSError, ValueError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            logger.exception("loading %s into %s failed", source, staging)
            name = source.name if source else "an empty dataset"
            raise DatasetError(
                f"{name} could not be loaded. The dataset being served is unchanged."
            ) from exc
        try:
            os.replace(staging, self._dir / "versions" / version_id)
            link = self._dir / f".current-{version_id}"
            link.symlink_to(Path("versions") / version_id)
            os.replace(link, self._dir / "current")  # the switch: one atomic rename
        except OSError as exc:
            logger.exception("switching %s to version %s failed", self._dir, version_id)
            raise StoreError(
                "the new dataset could not be switched in; the old one is served"
            ) from exc
        self._remove_old_versions(version_id)

    def _remove_old_versions(self, current: str) -> None:
        # Version names sort by creation time. Workers reopen the current version on their next
        # query; one still running a query on a removed version reads files already open.
        older = sorted(p.name for p in (self._dir / "versions").iterdir() if p.name != current)
        for name in older[: max(0, len(older) - (self._settings.keep_versions - 1))]:
            shutil.rmtree(self._dir / "versions" / name, ignore_errors=True)

    def _current_location(self) -> Path:
        return self._dir / os.readlink(self._dir / "current")

    # -- worker processes -------------------------------------------------------------------

    def _call(self, operation: str, query: str, argument: Any) -> Any:
        """Run one request on an idle worker within the query timeout; translate its reply."""
        if self._closed:
            raise StoreUnavailableError("the store has been closed")
        timeout = self._settings.query_timeout_s
        try:
            location = str(self._current_location())
        except OSError as exc:
            raise StoreUnavailableError("no dataset is being served") from exc
        try:
            handle = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise StoreUnavailableError(
                f"all {self._settings.workers} query processes stayed busy for {timeout:g} s; "
                "try again shortly"
            ) from None
        # The timeout starts when a worker takes the query: under load, waiting for a worker
        # must not get a healthy query killed (the wait has its own limit, above).
        try:
            handle.connection.send((location, operation, query, argument))
            if not handle.connection.poll(timeout):
                handle = self._restart(handle)
                raise QueryTimeoutError(
                    f"the query ran for more than {timeout:g} s and was stopped; "
                    "narrow it or add a LIMIT"
                )
            status, payload = handle.connection.recv()
        except (EOFError, OSError) as exc:
            handle = self._restart(handle)
            raise StoreError("the query process stopped unexpectedly") from exc
        finally:
            self._idle.put(handle)
        if status == "syntax":
            raise QuerySyntaxError(payload)
        if status != "ok":
            logger.error("query failed in the worker process: %s", payload)
            raise StoreError("the store could not answer the query")
        return payload

    def _start_worker(self) -> _Worker:
        # A plain subprocess rather than multiprocessing: spawning would re-import the
        # caller's __main__ module, which breaks scripts without an `if __name__` guard.
        ours, theirs = socket.socketpair()
        process = subprocess.Popen(
            # -P: the working directory is not put on the path, so the worker imports the
            # installed package whatever folder it runs in
            [sys.executable, "-P", "-m", _WORKER_MODULE, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            cwd=self._dir,
        )
        theirs.close()
        handle = _Worker(process, Connection(ours.detach()))
        with self._workers_lock:
            self._workers.append(handle)
        return handle

    def _await_ready(self) -> None:
        """Take one idle worker, check it answers, and give it back (fail fast at start-up)."""
        handle = self._idle.get()
        try:
            handle.connection.send(("", "ping", "", None))
            if not handle.connection.poll(WORKER_START_TIMEOUT_S):
                raise StoreUnavailableError("a query process did not start")
            handle.connection.recv()
        except (EOFError, OSError) as exc:
            raise StoreUnavailableError("a query process did not start") from exc
        finally:
            self._idle.put(handle)

    def _restart(self, handle: _Worker) -> _Worker:
        """Kill a stuck or dead worker and start its replacement (it readies in the background)."""
        self._stop(handle, graceful=False)
        with self._workers_lock:
            if handle in self._workers:
                self._workers.remove(handle)
        if self._closed:
            return handle
        return self._start_worker()

    @staticmethod
    def _stop(handle: _Worker, graceful: bool) -> None:
        if graceful:
            with suppress(OSError):
                handle.connection.send(None)
            with suppress(subprocess.TimeoutExpired):
                handle.process.wait(timeout=2)
        if handle.process.poll() is None:
            handle.process.kill()
        handle.process.wait()
        handle.connection.close()

    def close(self) -> None:
        self._closed = True
        with self._workers_lock:
            workers, self._workers = self._workers, []
        for handle in workers:
            self._stop(handle, graceful=True)

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _copy_version(current: Path, target: Path) -> None:
    """Copy the served version to ``target``; RocksDB hard-links its immutable files."""
    reader = ox.Store.read_only(str(current))
    try:
        reader.backup(str(target))
    finally:
        del reader


def _write_version(location: Path, source: Path | None, marker: ox.Quad) -> None:
    """Bulk-load ``source`` into the store at ``location``, mark its version, compact it and
    close it.

    The version is only ever read afterwards, by worker processes that open it read-only
    and so never compact it themselves: uncompacted, the bulk loader's many overlapping
    files made an aggregate over 100k studies three times slower (4.6 s against 1.5 s).
    """
    store = ox.Store(str(location))
    try:
        if source is not None:
            store.bulk_load(path=str(source), format=ox.RdfFormat.N_QUADS)
        store.remove_graph(marker.graph_name)
        store.add(marker)
        store.flush()
        store.optimize()
    finally:
        del store  # closes the store, so worker processes may open it read-only
