"""Fair, bounded admission of SPARQL queries to the store's query capacity.

At most ``slots`` queries run at once (the store's SPARQL query processes), and one client
at most ``per_client`` of them, so one client's runaway queries leave room for others'.
When a slot frees, the waiting client served least recently goes next (one never served
first), each client's queries in arrival order: clients take turns, however many queries
each has sent. At most ``queue`` wait (a client at most ``per_client_queue``); past that, or
after waiting ``wait_s`` seconds, a query is refused with 503 and Retry-After
(QueryQueueFullError). A client is the request's peer address, which uvicorn takes from
X-Forwarded-For when a trusted proxy sends it.

Runs on the event loop: a waiting query holds no thread.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from smqi.api.errors import QueryQueueFullError


@dataclass
class QueryGate:
    """The SPARQL endpoint's admission: ``slots`` running, ``queue`` waiting."""

    slots: int
    queue: int
    wait_s: float
    per_client: int = 0  # 0: half the slots (at least one)
    per_client_queue: int = 0  # 0: half the queue (at least one)
    _running: dict[str, int] = field(default_factory=dict)
    # clients with waiting queries, in the order they began to wait, and their queries
    _waiting: dict[str, deque[asyncio.Future[None]]] = field(default_factory=dict)
    _served: dict[str, int] = field(default_factory=dict)  # client -> when last admitted
    _admissions: int = 0

    def __post_init__(self) -> None:
        self.per_client = self.per_client or max(1, self.slots // 2)
        self.per_client_queue = self.per_client_queue or max(1, self.queue // 2)

    @property
    def running(self) -> int:
        return sum(self._running.values())

    @property
    def waiting(self) -> int:
        return sum(len(futures) for futures in self._waiting.values())

    @asynccontextmanager
    async def admitted(self, client: str) -> AsyncIterator[None]:
        """Hold a slot for ``client`` while the block runs; wait fairly for one if needed."""
        await self._admit(client)
        try:
            yield
        finally:
            self._release(client)

    async def _admit(self, client: str) -> None:
        if self.waiting >= self.queue:
            raise self._full(f"all {self.queue} places in the SPARQL query queue are taken")
        if len(self._waiting.get(client, ())) >= self.per_client_queue:
            raise self._full(
                f"{self.per_client_queue} of your queries are already waiting, the most one "
                "client may have"
            )
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(client, deque()).append(ticket)
        self._dispatch()
        try:
            await asyncio.wait_for(asyncio.shield(ticket), self.wait_s)
        except TimeoutError:
            if ticket.done():  # admitted at the last moment
                return
            self._withdraw(client, ticket)
            raise self._full(
                f"the query waited {self.wait_s:g} s for one of the {self.slots} query slots"
            ) from None
        except asyncio.CancelledError:  # the client went away
            if ticket.done():
                self._release(client)
            else:
                self._withdraw(client, ticket)
            raise

    def _dispatch(self) -> None:
        """Start waiting queries while slots are free: the oldest query of the waiting client
        served least recently among those that may run one more."""
        while self.running < self.slots:
            eligible = [
                client for client in self._waiting if self._running.get(client, 0) < self.per_client
            ]
            if not eligible:
                return
            client = min(eligible, key=lambda c: self._served.get(c, -1))
            ticket = self._waiting[client].popleft()
            if not self._waiting[client]:
                del self._waiting[client]
            self._running[client] = self._running.get(client, 0) + 1
            self._served[client] = self._admissions
            self._admissions += 1
            ticket.set_result(None)

    def _withdraw(self, client: str, ticket: asyncio.Future[None]) -> None:
        mine = self._waiting.get(client)
        if mine is not None and ticket in mine:
            mine.remove(ticket)
            if not mine:
                del self._waiting[client]
            self._forget(client)

    def _forget(self, client: str) -> None:
        """Drop what is kept of a client with nothing running or waiting."""
        if client not in self._running and client not in self._waiting:
            self._served.pop(client, None)

    def _release(self, client: str) -> None:
        left = self._running.get(client, 0) - 1
        if left > 0:
            self._running[client] = left
        else:
            self._running.pop(client, None)
        self._dispatch()
        self._forget(client)

    def _full(self, why: str) -> QueryQueueFullError:
        retry = math.ceil(self.wait_s)
        return QueryQueueFullError(
            f"{why}; the endpoint is busy, try again in {retry} s", retry_after_s=retry
        )
