"""A remote store that other applications write to as well: with an answer TTL, what they
change shows within that time; without one, answers are kept until our loader writes."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from smqi.api.app import create_app
from smqi.api.settings import settings_from
from smqi.api.store import RemoteStore, RemoteStoreSettings
from smqi.api.store.base import renewed_at, with_renewal
from smqi.loader.settings import BuildSettings
from smqi.loader.terms import DEFAULT_BASE

from .built_graph import make_settings
from .conftest import QUERY_TIMEOUT_S, running_oxigraph
from .served_app import serving

TTL_S = 1.0
PROJECT = BuildSettings.for_project(Path("/a/project/folder"))  # nothing is read from it
FOREIGN = "https://example.org/another-review/graph"  # an application that is not ours
COUNT_FOREIGN = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{FOREIGN}> {{ ?s ?p ?o }} }}"


# -- settings (no I/O) -------------------------------------------------------------------------


def test_the_answer_ttl_comes_from_the_option_or_the_environment() -> None:
    by_option = settings_from(endpoint="http://127.0.0.1:9/query", answer_ttl=30, build=PROJECT)
    by_env = settings_from(
        environ={"SMQI_ENDPOINT": "http://x/q", "SMQI_ANSWER_TTL": "2.5"}, build=PROJECT
    )
    unset = settings_from(environ={"SMQI_ENDPOINT": "http://x/q"}, build=PROJECT)
    stores = [s.store for s in (by_option, by_env, unset)]
    assert all(isinstance(store, RemoteStoreSettings) for store in stores)
    assert [getattr(store, "answer_ttl_s", "-") for store in stores] == [30, 2.5, None]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SMQI_ANSWER_TTL": "60"}, "remote store"),  # the embedded store has one writer
        ({"SMQI_ENDPOINT": "http://x/q", "SMQI_ANSWER_TTL": "soon"}, "SMQI_ANSWER_TTL must be"),
        ({"SMQI_ENDPOINT": "http://x/q", "SMQI_ANSWER_TTL": "0"}, "positive"),
        ({"SMQI_MAX_ROWS": "1.5"}, "SMQI_MAX_ROWS must be a whole number"),
    ],
)
def test_a_wrong_answer_ttl_is_refused_with_its_name(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settings_from(environ=environ, build=PROJECT)


def test_a_version_names_when_its_answer_period_began() -> None:
    began = datetime(2026, 12, 2, 10, 0, 30, tzinfo=UTC)
    assert renewed_at(with_renewal("20261202T095001Z-3f2028", began.timestamp())) == began
    assert renewed_at("20261202T095001Z-3f2028") is None


# -- a real Oxigraph server shared with another writer -----------------------------------------


def _update(server: str, text: str) -> None:
    request = urllib.request.Request(
        f"{server}/update", text.encode(), {"Content-Type": "application/sparql-update"}
    )
    urllib.request.urlopen(request, timeout=5).close()


def _foreign_triples(sparql_url: str) -> int:
    client = SPARQLWrapper(sparql_url)
    client.setQuery(COUNT_FOREIGN)
    client.setReturnFormat(JSON)
    bindings = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    return int(bindings[0]["n"]["value"])


@pytest.fixture(scope="module")
def shared_server(built_nquads: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Oxigraph server holding our build (under our graph prefix) and nothing else yet."""
    with running_oxigraph(tmp_path_factory.mktemp("shared-oxigraph")) as server:
        loader = RemoteStore(
            RemoteStoreSettings(
                query_url=f"{server}/query",
                update_url=f"{server}/update",
                graph_prefix=f"{DEFAULT_BASE}graph/",
            )
        )
        loader.replace(built_nquads)
        yield server


@pytest.mark.integration
@pytest.mark.server
def test_what_another_writer_changes_shows_within_the_answer_ttl(
    shared_server: str, built_data: Path
) -> None:
    def app_over(ttl: float | None) -> RemoteStoreSettings:
        return RemoteStoreSettings(
            query_url=f"{shared_server}/query",
            query_timeout_s=QUERY_TIMEOUT_S,
            version_ttl_s=0.0,
            answer_ttl_s=ttl,
        )

    with_ttl, without_ttl = app_over(TTL_S), app_over(None)
    apps = [
        create_app(make_settings(built_data, s), RemoteStore(s))  # type: ignore[arg-type]
        for s in (with_ttl, without_ttl)
    ]
    with serving(apps[0]) as renewing, serving(apps[1]) as keeping:
        urls = [f"{renewing}/sparql", f"{keeping}/sparql"]
        assert [_foreign_triples(url) for url in urls] == [0, 0]  # now cached in both
        built_at = _last_modified(f"{keeping}/reviews")  # the build's time, kept without a TTL
        time.sleep(max(0.0, built_at + TTL_S + 1.5 - time.time()))  # a period after the build

        _update(
            shared_server,
            f"INSERT DATA {{ GRAPH <{FOREIGN}> {{ <{FOREIGN}> <{FOREIGN}> 1 , 2 }} }}",
        )
        changed, changed_at = time.monotonic(), time.time()
        while _foreign_triples(urls[0]) != 2:
            assert time.monotonic() - changed < TTL_S + 2.0, "the change never showed"
            time.sleep(0.1)

        # Without a TTL, the answer is kept until our loader writes: the other writer's change
        # does not show, as the README says.
        assert _foreign_triples(urls[1]) == 0
        # The evidence answers are renewed too, and say so in Last-Modified (whole seconds).
        assert _last_modified(f"{keeping}/reviews") == built_at
        assert _last_modified(f"{renewing}/reviews") >= max(built_at + 1, changed_at - TTL_S - 1)


def _last_modified(url: str) -> float:
    with urllib.request.urlopen(url, timeout=5) as response:
        return parsedate_to_datetime(response.headers["Last-Modified"]).timestamp()
