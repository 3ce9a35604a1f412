"""Runaway SPARQL queries cannot starve the rest of the server, and past a bounded queue a
query is refused with 503 and Retry-After.

The real app over the real build on the embedded store, served on a socket, with two SPARQL
query slots and two places in the queue. Clients are told apart by X-Forwarded-For, which
uvicorn trusts from 127.0.0.1 (a reverse proxy's address). The benchmark with numbers is
bench/starvation_bench.py; this checks the behaviour.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from smqi.api.app import create_app
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings
from tests.conftest import sheet_rows, split_cell

from .built_graph import make_settings
from .served_app import UnclosableStore, serving

pytestmark = pytest.mark.integration

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def narrow(
    built_data: Path, embedded_store: EmbeddedStore, embedded_settings: EmbeddedStoreSettings
) -> Iterator[tuple[str, float]]:
    """The app with 2 SPARQL query slots (one per client) and 2 places in the queue."""
    store_settings = dataclasses.replace(embedded_settings, workers=2)
    settings = make_settings(built_data, store_settings, sparql_queue=2)
    app = create_app(settings, UnclosableStore(embedded_store))  # type: ignore[arg-type]
    with serving(app) as url:
        yield url, store_settings.query_timeout_s


def get(
    url: str, client: str, accept: str = "application/json"
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"X-Forwarded-For": client, "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, _lower(error.headers.items()), error.read()


def _lower(headers: list[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


def sparql(base: str, query: str) -> str:
    return f"{base}/sparql?query={urllib.parse.quote(query)}"


def test_runaway_queries_leave_the_api_answering_and_a_full_queue_refuses(
    narrow: tuple[str, float],
) -> None:
    base, timeout_s = narrow
    answers: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def send(name: str, query: str) -> None:
        answers[name] = get(sparql(base, f"# {name} {time.time_ns()}\n{query}"), name)

    runaways = [threading.Thread(target=send, args=(f"10.0.0.{n}", RUNAWAY)) for n in (1, 2)]
    for thread in runaways:
        thread.start()
    time.sleep(0.5)  # both slots taken
    queued = [threading.Thread(target=send, args=(f"10.0.1.{n}", "ASK {}")) for n in (1, 2)]
    for thread in queued:
        thread.start()
    time.sleep(0.3)  # both places in the queue taken

    started = time.monotonic()
    refused = get(sparql(base, "ASK { ?s ?p ?o }"), "10.0.2.1")
    # the evidence API, linked data and the graph store, on answers not computed before
    studies = get(f"{base}/studies?platform=Twitter&year=2016&limit=100", "10.0.3.1")
    row = next(row for row in sheet_rows() if row["doi"])
    page = get(f"{base}/id/study/doi/{row['doi'].lower()}", "10.0.3.1", "text/turtle")
    graph = get(f"{base}/store?graph=https://w3id.org/smqi/id/graph/reviews", "10.0.3.1")
    took = time.monotonic() - started
    for thread in (*runaways, *queued):
        thread.join(timeout=timeout_s * 4 + 30)

    assert refused[0] == 503
    assert json.loads(refused[2])["code"] == "query-queue-full"
    assert int(refused[1]["retry-after"]) >= 1
    exposed = {h.strip().lower() for h in refused[1]["access-control-expose-headers"].split(",")}
    assert "retry-after" in exposed  # a query editor on another origin may read it
    expected = {
        r["title"]
        for r in sheet_rows()
        if "Twitter" in split_cell(r["platforms"]) and r["year"] == "2016"
    }
    assert studies[0] == 200
    assert {study["title"] for study in json.loads(studies[2])["studies"]} == expected
    assert page[0] == 200 and row["title"].split()[0].encode() in page[2]
    assert graph[0] == 200 and graph[2]
    assert took < timeout_s / 2, f"the API waited {took:.1f} s behind the SPARQL queries"
    assert [answers[f"10.0.0.{n}"][0] for n in (1, 2)] == [504, 504]
    assert [answers[f"10.0.1.{n}"][0] for n in (1, 2)] == [200, 200]  # their turn came
