"""The read-only Graph Store Protocol at /store: each named graph and the default graph (the
union) are exactly what the build's N-Quads file holds, in every RDF type (a named graph
keeps its name in N-Quads and TriG); rdflib fetches them as a client."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import URIRef
from rdflib.compare import isomorphic

from smqi.api.app import create_app
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings

from .built_graph import make_settings
from .served_app import UnclosableStore

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*"),
]


NT = "application/n-triples"


@pytest.fixture(scope="module")
def graphs(built_nquads: Path) -> dict[str, rdflib.Graph]:
    """Each named graph of the build, read from its N-Quads file by rdflib."""
    dataset = rdflib.Dataset()
    dataset.parse(built_nquads, format="nquads")
    found: dict[str, rdflib.Graph] = defaultdict(rdflib.Graph)
    for s, p, o, g in dataset.quads((None, None, None, None)):
        found[str(g)].add((s, p, o))
    return dict(found)


def fetched(client: TestClient, query: str) -> rdflib.Graph:
    response = client.get(f"/store?{query}", headers={"Accept": NT})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == NT
    assert response.headers["etag"]
    return rdflib.Graph().parse(data=response.content, format="nt")


def test_each_named_graph_is_the_builds(
    client: TestClient, graphs: dict[str, rdflib.Graph]
) -> None:
    assert len(graphs) >= 6  # ontology, vocabularies, reviews, sheet, inferred, metadata ...
    for name, expected in graphs.items():
        assert isomorphic(fetched(client, f"graph={name}"), expected), name


def test_the_default_graph_is_the_union_and_nothing_else(
    client: TestClient, graphs: dict[str, rdflib.Graph]
) -> None:
    union = rdflib.Graph()
    for graph in graphs.values():
        union += graph
    assert isomorphic(fetched(client, "default"), union)


# rdflib's parser for each type /store offers, and whether it reads quads
PARSERS = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
    "nt": ("application/n-triples", "nt"),
    "nq": ("application/n-quads", "nquads"),
    "trig": ("application/trig", "trig"),
}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_format_names_the_type_and_quads_keep_the_graphs_name(
    client: TestClient, graphs: dict[str, rdflib.Graph], name: str
) -> None:
    media_type, parser = PARSERS[name]
    graph_name = next(name for name in graphs if name.endswith("graph/reviews"))
    response = client.get(
        "/store", params={"graph": graph_name, "format": name}, headers={"Accept": NT}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    if parser in ("nquads", "trig"):
        dataset = rdflib.Dataset()
        dataset.parse(data=response.content, format=parser)
        named = {str(g) for _, _, _, g in dataset.quads((None, None, None, None))}
        assert named == {graph_name}
        got = dataset.graph(URIRef(graph_name))
    else:
        got = rdflib.Graph().parse(data=response.content, format=parser)
    assert isomorphic(got, graphs[graph_name])


def test_accept_chooses_quads_too(client: TestClient, graphs: dict[str, rdflib.Graph]) -> None:
    response = client.get("/store?default", headers={"Accept": "application/n-quads"})
    assert response.headers["content-type"].split(";")[0] == "application/n-quads"
    union = rdflib.Graph()
    for graph in graphs.values():
        union += graph
    dataset = rdflib.Dataset()
    dataset.parse(data=response.content, format="nquads")
    assert isomorphic(dataset.default_graph, union)


def test_rdflib_reads_a_graph_as_a_client(served: str, graphs: dict[str, rdflib.Graph]) -> None:
    name = next(name for name in graphs if name.endswith("graph/reviews"))
    got = rdflib.Graph().parse(f"{served}/store?graph={name}")  # rdflib negotiates the type
    assert isomorphic(got, graphs[name])


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 400, "name one graph"),
        ("default&graph=https://w3id.org/smqi/id/graph/reviews", 400, "name one graph"),
        ("graph=https://example.org/none", 404, "no graph named"),
        ("graph=not%20an%20iri", 400, "not an IRI"),
    ],
)
def test_a_request_naming_no_graph_is_refused(
    client: TestClient, query: str, status: int, message: str
) -> None:
    response = client.get(f"/store?{query}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert message in response.json()["message"]


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_writes_are_refused_and_change_nothing(
    client: TestClient, graphs: dict[str, rdflib.Graph], method: str
) -> None:
    name = next(name for name in graphs if name.endswith("graph/reviews"))
    body = "<https://example.org/s> <https://example.org/p> <https://example.org/o> ."
    response = client.request(
        method, f"/store?graph={name}", content=body, headers={"Content-Type": NT}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json()["code"] == "method-not-allowed"
    assert isomorphic(fetched(client, f"graph={name}"), graphs[name])


@pytest.fixture
def capped(
    built_data: Path, embedded_store: EmbeddedStore, embedded_settings: EmbeddedStoreSettings
) -> Iterator[TestClient]:
    """The app over the same store with a cap of 100 rows."""
    settings = make_settings(built_data, dataclasses.replace(embedded_settings, max_rows=100))
    with TestClient(create_app(settings, UnclosableStore(embedded_store))) as capped_client:  # type: ignore[arg-type]
        yield capped_client


def test_a_graph_over_the_row_cap_is_refused_with_the_downloads(
    capped: TestClient, graphs: dict[str, rdflib.Graph]
) -> None:
    small = min(graphs, key=lambda name: len(graphs[name]))
    large = max(graphs, key=lambda name: len(graphs[name]))
    assert len(graphs[small]) <= 100 < len(graphs[large])
    assert capped.get(f"/store?graph={small}").status_code == 200
    response = capped.get(f"/store?graph={large}")
    assert response.status_code == 413
    assert "/downloads/smqi.trig" in response.json()["message"]


@pytest.mark.parametrize(
    ("name", "accept"), [("nq", None), ("trig", None), (None, "text/x-nquads")]
)
def test_an_iri_dereferences_as_quads_too(
    client: TestClient, graphs: dict[str, rdflib.Graph], name: str | None, accept: str | None
) -> None:
    reviews = next(graph for key, graph in graphs.items() if key.endswith("graph/reviews"))
    review = next(s for s in reviews.subjects() if str(s).endswith("review/walsh-2021"))
    path = "/id/" + str(review).removeprefix("https://w3id.org/smqi/id/")
    response = client.get(
        path,
        params={"format": name} if name else {},
        headers=({"Accept": accept} if accept else {}),
    )
    assert response.status_code == 200
    parser = "trig" if name == "trig" else "nquads"
    assert response.headers["content-type"].split(";")[0] == PARSERS[name or "nq"][0]
    dataset = rdflib.Dataset()
    dataset.parse(data=response.content, format=parser)
    described = set(dataset.default_graph)
    assert set(reviews.triples((review, None, None))) <= described


def test_a_path_that_is_not_utf8_is_refused_not_replaced(client: TestClient) -> None:
    response = client.get("/id/study/doi/10.1%FF/x")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid-encoding"
