"""Admission to the SPARQL endpoint's query slots: bounded, fair between clients, and refusing
with Retry-After past its bounds. Pure asyncio, no I/O."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest

from smqi.api.errors import QueryQueueFullError
from smqi.api.sparql.admission import QueryGate


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coroutine)


async def hold(gate: QueryGate, client: str, order: list[str], release: asyncio.Event) -> None:
    """A query of ``client``: admitted (noted in ``order``), then running until released."""
    async with gate.admitted(client):
        order.append(client)
        await release.wait()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_one_client_cannot_take_every_slot() -> None:
    async def scenario() -> list[str]:
        gate = QueryGate(slots=4, queue=8, wait_s=5)  # two per client
        order: list[str] = []
        release = asyncio.Event()
        tasks = [asyncio.create_task(hold(gate, "runaway", order, release)) for _ in range(4)]
        await settle()
        other = asyncio.create_task(hold(gate, "someone else", order, release))
        await settle()
        snapshot = list(order)
        assert (gate.running, gate.waiting) == (3, 2)
        release.set()
        await asyncio.gather(*tasks, other)
        return snapshot

    assert run(scenario()) == ["runaway", "runaway", "someone else"]


def test_waiting_queries_take_turns_between_clients() -> None:
    async def scenario() -> list[str]:
        gate = QueryGate(slots=1, queue=8, wait_s=5, per_client=1)
        order: list[str] = []
        releases = [asyncio.Event() for _ in range(6)]
        clients = ["a", "a", "a", "b", "b", "c"]
        tasks = []
        for client, release in zip(clients, releases, strict=True):
            tasks.append(asyncio.create_task(hold(gate, client, order, release)))
            await settle()
        for _ in releases:  # each running query ends in turn
            await settle()
            for event in releases:
                if not event.is_set():
                    event.set()
                    break
        await asyncio.gather(*tasks)
        return order

    # a was admitted first; then each client in turn, each client's queries in order
    assert run(scenario()) == ["a", "b", "c", "a", "b", "a"]


def test_past_the_queue_a_query_is_refused_with_retry_after() -> None:
    async def scenario() -> QueryQueueFullError:
        gate = QueryGate(slots=1, queue=2, wait_s=7.2, per_client=1, per_client_queue=2)
        release = asyncio.Event()
        order: list[str] = []
        tasks = [asyncio.create_task(hold(gate, f"c{n}", order, release)) for n in range(3)]
        await settle()
        with pytest.raises(QueryQueueFullError) as raised:
            await hold(gate, "late", order, release)
        release.set()
        await asyncio.gather(*tasks)
        assert gate.running == gate.waiting == 0
        return raised.value

    error = run(scenario())
    assert error.status == 503 and error.code == "query-queue-full"
    assert error.headers["Retry-After"] == "8"
    assert "all 2 places" in str(error)


def test_one_client_may_hold_only_part_of_the_queue() -> None:
    async def scenario() -> None:
        gate = QueryGate(slots=1, queue=8, wait_s=5)  # a client may have 4 waiting
        release = asyncio.Event()
        order: list[str] = []
        tasks = [asyncio.create_task(hold(gate, "greedy", order, release)) for _ in range(5)]
        await settle()
        with pytest.raises(QueryQueueFullError, match="4 of your queries"):
            await hold(gate, "greedy", order, release)
        other = asyncio.create_task(hold(gate, "patient", order, release))
        await settle()
        assert gate.waiting == 5
        release.set()
        await asyncio.gather(*tasks, other)

    run(scenario())


def test_a_query_waiting_too_long_is_refused_and_leaves_the_queue() -> None:
    async def scenario() -> None:
        gate = QueryGate(slots=1, queue=4, wait_s=0.05)
        release = asyncio.Event()
        order: list[str] = []
        running = asyncio.create_task(hold(gate, "slow", order, release))
        await settle()
        with pytest.raises(QueryQueueFullError, match=r"waited 0\.05 s"):
            await hold(gate, "next", order, release)
        assert gate.waiting == 0
        release.set()
        await running
        assert gate.running == 0

    run(scenario())


def test_a_client_that_goes_away_gives_its_place_back() -> None:
    async def scenario() -> None:
        gate = QueryGate(slots=1, queue=4, wait_s=5)
        release = asyncio.Event()
        order: list[str] = []
        running = asyncio.create_task(hold(gate, "a", order, release))
        await settle()
        gone = asyncio.create_task(hold(gate, "b", order, release))
        await settle()
        gone.cancel()
        await settle()
        assert gate.waiting == 0
        release.set()
        await running
        assert (gate.running, order) == (0, ["a"])

    run(scenario())
