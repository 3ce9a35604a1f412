"""A pool of query processes (``api.store.worker``) that a query can be taken from and that
kills a query outliving its timeout.

pyoxigraph cannot interrupt a query, so each runs in a child process the pool kills when it
runs too long; the others keep answering. The pool starts one process and grows on demand up
to ``size``, keeping one started process spare while it may grow, so that a query arriving
while every process is busy finds one ready (starting one takes most of a second here).
``niceness`` lowers the processes' CPU priority, where the SPARQL endpoint's processes must
yield the CPU to the rest of the server.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from smqi.api.errors import QuerySyntaxError, QueryTimeoutError, StoreError, StoreUnavailableError

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0
# Named, not imported: ``python -m`` must be the first to import it in the worker.
_WORKER_MODULE = "smqi.api.store.worker"


class WorkerDiedError(StoreError):
    """A query process ended while it ran a query (killed, out of memory, crashed)."""


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    connection: Connection


class WorkerPool:
    """Up to ``size`` query processes started in ``directory`` at ``niceness``, named ``name``
    in messages."""

    def __init__(self, name: str, directory: Path, size: int, niceness: int = 0) -> None:
        self._name = name
        self._directory = directory
        self._size = size
        self._niceness = niceness
        self._ready = threading.Condition()
        self._idle: list[_Worker] = []
        self._started: list[_Worker] = []
        self._starting = 0
        self._closed = False
        worker = self._spawn()
        self._started.append(worker)
        self._idle.append(worker)

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        """The pool's live processes (for tests and benchmarks)."""
        with self._ready:
            return [worker.process for worker in self._started]

    def call(self, request: tuple[Any, ...], timeout_s: float) -> Any:
        """Send ``request`` to an idle process and return its reply's payload.

        Waits up to ``timeout_s`` for a process (StoreUnavailableError), then up to
        ``timeout_s`` for the answer, after which the process is killed (QueryTimeoutError).
        """
        worker = self._take(timeout_s)
        try:
            worker.connection.send(request)
            if not worker.connection.poll(timeout_s):
                self._discard(worker)
                raise QueryTimeoutError(
                    f"the query ran for more than {timeout_s:g} s and was stopped; "
                    "narrow it or add a LIMIT"
                )
            status, payload = worker.connection.recv()
        except (EOFError, OSError) as exc:
            self._discard(worker)
            raise WorkerDiedError("the query process stopped unexpectedly") from exc
        self._give_back(worker)
        if status == "syntax":
            raise QuerySyntaxError(payload)
        if status != "ok":
            logger.error("a query failed in the %s process: %s", self._name, payload)
            raise StoreError("the store could not answer the query")
        return payload

    # -- taking and giving back -----------------------------------------------------------------

    def _take(self, timeout_s: float) -> _Worker:
        deadline = time.monotonic() + timeout_s
        with self._ready:
            while not self._idle:
                if self._closed:
                    raise StoreUnavailableError("the store has been closed")
                if self._spare_wanted():
                    self._grow()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreUnavailableError(
                        f"all {self._size} {self._name} processes stayed busy for "
                        f"{timeout_s:g} s; try again shortly",
                        retry_after_s=round(timeout_s),
                    )
                self._ready.wait(remaining)
            worker = self._idle.pop()  # the one used last: its caches are warmest
            if self._spare_wanted():
                self._grow()  # a spare for the next query
            return worker

    def _spare_wanted(self) -> bool:
        """Whether to start a process: none is idle or starting, and the pool may grow."""
        return (
            not self._closed
            and not self._idle
            and self._starting == 0
            and len(self._started) < self._size
        )

    def _grow(self) -> None:
        """Start a process in the background; it joins the idle ones when it answers."""
        self._starting += 1
        threading.Thread(target=self._start_spare, daemon=True).start()

    def _start_spare(self) -> None:
        worker: _Worker | None = None
        try:
            worker = self._spawn()
        except StoreUnavailableError:
            logger.exception("a %s process did not start", self._name)
        with self._ready:
            self._starting -= 1
            closed = self._closed
            if worker is not None and not closed:
                self._started.append(worker)
                self._idle.insert(0, worker)  # taken last: the others' caches are warm
            self._ready.notify()
        if worker is not None and closed:
            self._stop(worker, graceful=True)

    def _give_back(self, worker: _Worker) -> None:
        with self._ready:
            if self._closed:
                return
            self._idle.append(worker)
            self._ready.notify()

    def _discard(self, worker: _Worker) -> None:
        """Kill a stuck or dead process, and start a spare at once if none is left: a query
        arriving after a runaway is stopped then finds one ready."""
        self._stop(worker, graceful=False)
        with self._ready:
            if worker in self._started:
                self._started.remove(worker)
            if self._spare_wanted():
                self._grow()
            self._ready.notify()

    # -- processes ------------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        """A new process, answering (StoreUnavailableError when it cannot start)."""
        # A plain subprocess rather than multiprocessing: spawning would re-import the
        # caller's __main__ module, which breaks scripts without an `if __name__` guard.
        ours, theirs = socket.socketpair()
        process = subprocess.Popen(
            # -P: the working directory is not put on the path, so the worker imports the
            # installed package whatever folder it runs in
            [sys.executable, "-P", "-m", _WORKER_MODULE, str(theirs.fileno()), str(self._niceness)],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            cwd=self._directory,
        )
        theirs.close()
        worker = _Worker(process, Connection(ours.detach()))
        try:
            self._check(worker)
        except StoreUnavailableError:
            self._stop(worker, graceful=False)
            raise
        return worker

    def _check(self, worker: _Worker) -> None:
        """Wait until a new process answers (fail fast when it cannot start)."""
        try:
            worker.connection.send(("", "ping", "", None, None))
            if not worker.connection.poll(START_TIMEOUT_S):
                raise StoreUnavailableError(f"a {self._name} process did not start")
            worker.connection.recv()
        except (EOFError, OSError) as exc:
            raise StoreUnavailableError(f"a {self._name} process did not start") from exc

    @staticmethod
    def _stop(worker: _Worker, graceful: bool) -> None:
        if graceful:
            with suppress(OSError):
                worker.connection.send(None)
            with suppress(subprocess.TimeoutExpired):
                worker.process.wait(timeout=2)
        if worker.process.poll() is None:
            worker.process.kill()
        worker.process.wait()
        worker.connection.close()

    def close(self) -> None:
        with self._ready:
            self._closed = True
            workers, self._started, self._idle = self._started, [], []
            self._ready.notify_all()
        for worker in workers:
            self._stop(worker, graceful=True)
