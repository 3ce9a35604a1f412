"""The SPARQL endpoint over HTTP, with SPARQLWrapper as the client, on both store backends.

The real app runs under uvicorn on a loopback port over the real build of data/, once on the
embedded store and once on a real Oxigraph server. Expected answers are computed from the
extraction sheet with the csv module; every result format is parsed with a library that
knows nothing of the server (json, ElementTree, csv, rdflib) and the formats must agree.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    POST,
    POSTDIRECTLY,
    TSV,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from smqi.api.app import create_app
from smqi.api.store import RemoteStore, RemoteStoreSettings, Store
from smqi.loader.queries import load_catalogue
from smqi.loader.shared import kind_of
from tests.paths import REPO

from . import built_graph
from .built_graph import make_settings
from .conftest import QUERY_TIMEOUT_S, running_oxigraph
from .served_app import UnclosableStore, serving

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*"),
]


PREFIXES = """PREFIX smqi: <https://w3id.org/smqi/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX bibo: <http://purl.org/ontology/bibo/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
STUDIES = (
    PREFIXES + "SELECT ?study ?title ?year WHERE { ?study a smqi:Study ; dcterms:title ?title ; "
    "smqi:publicationYear ?year }"
)
TITLES_GRAPH = (
    PREFIXES + "CONSTRUCT { ?study dcterms:title ?title } "
    "WHERE { ?study a smqi:Study ; dcterms:title ?title }"
)
QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
# Every triple of the graph four times over: far more work than any timeout allows, and an
# aggregate, so nothing is sent before it finishes.
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SLACK_S = 4.0
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
RDFS_COMMENT = rdflib.URIRef("http://www.w3.org/2000/01/rdf-schema#comment")


@dataclass(frozen=True)
class Endpoint:
    url: str
    store: Store
    timeout_s: float
    max_rows: int


BACKENDS = [pytest.param("embedded"), pytest.param("remote", marks=pytest.mark.server)]


@pytest.fixture(scope="module", params=BACKENDS)
def endpoint(
    request: pytest.FixtureRequest,
    built_data: Path,
    built_nquads: Path,
    embedded_store: Store,
    embedded_settings: built_graph.EmbeddedStoreSettings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Endpoint]:
    """The app served on a loopback port over the real build, on each backend in turn."""
    if request.param == "embedded":
        app = create_app(
            make_settings(built_data, embedded_settings),
            UnclosableStore(embedded_store),  # type: ignore[arg-type]
        )
        with serving(app) as base:
            yield Endpoint(
                f"{base}/sparql",
                embedded_store,
                embedded_settings.query_timeout_s,
                embedded_settings.max_rows,
            )
        return
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-endpoint")) as server:
        settings = RemoteStoreSettings(
            query_url=f"{server}/query",
            update_url=f"{server}/update",
            query_timeout_s=QUERY_TIMEOUT_S,
            version_ttl_s=0.0,
        )
        store = RemoteStore(settings)
        store.replace(built_nquads)
        app = create_app(make_settings(built_data, settings), store)  # type: ignore[arg-type]
        with serving(app) as base:
            yield Endpoint(f"{base}/sparql", store, settings.query_timeout_s, settings.max_rows)


@pytest.fixture(scope="module")
def sheet(built_data: Path) -> list[dict[str, str]]:
    with (built_data / "sheets" / "illustrative-extraction.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


# -- clients -------------------------------------------------------------------------------


def wrapper(
    endpoint: Endpoint, query: str, method: str = GET, request: str = URLENCODED
) -> SPARQLWrapper:
    sparql = SPARQLWrapper(endpoint.url)
    sparql.setQuery(query)
    sparql.setMethod(method)
    sparql.setRequestMethod(request)
    sparql.setTimeout(60)
    return sparql


def fetch(sparql: SPARQLWrapper) -> tuple[bytes, Message]:
    response = sparql.query().response
    try:
        return response.read(), response.info()
    finally:
        response.close()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self) -> dict[str, object]:
        document: dict[str, object] = json.loads(self.body)
        return document


def http(
    url: str,
    *,
    params: list[tuple[str, str]] | None = None,
    data: bytes | None = None,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
) -> Answer:
    """One raw HTTP request (GET, or POST when ``data`` is given), any status returned."""
    target = url + ("?" + urllib.parse.urlencode(params) if params else "")
    request = urllib.request.Request(target, data=data, headers=headers or {}, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read())


def form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def quad_count(endpoint: Endpoint) -> int:
    answer = http(endpoint.url, params=[("query", QUADS)], headers={"Accept": "text/csv"})
    return int(answer.body.decode().split()[1])


# -- parsers, independent of the server ----------------------------------------------------


Row = tuple[str, str, int]


def rows_from_json(body: bytes) -> set[Row]:
    bindings = json.loads(body)["results"]["bindings"]
    return {(b["study"]["value"], b["title"]["value"], int(b["year"]["value"])) for b in bindings}


def rows_from_xml(body: bytes) -> set[Row]:
    rows = set()
    for result in ET.fromstring(body).iter(f"{RESULTS_NS}result"):
        values = {
            binding.get("name"): "".join(binding.itertext())
            for binding in result.iter(f"{RESULTS_NS}binding")
        }
        rows.add((values["study"], values["title"], int(values["year"])))
    return rows


def rows_from_csv(body: bytes) -> set[Row]:
    reader = csv.DictReader(io.StringIO(body.decode("utf-8"), newline=""))
    return {(row["study"], row["title"], int(row["year"])) for row in reader}


_ESCAPE = re.compile(r'\\(["\\nrt])|\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})')
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def tsv_term(text: str) -> str:
    """The value of a term as SPARQL TSV writes it (IRI, quoted literal, or bare number)."""
    if text.startswith("<"):
        return text[1:-1]
    if text.startswith('"'):
        lexical = text[1 : text.rindex('"')]
        return _ESCAPE.sub(
            lambda m: _SIMPLE_ESCAPES[m[1]] if m[1] else chr(int(m[2] or m[3], 16)), lexical
        )
    return text


def rows_from_tsv(body: bytes) -> set[Row]:
    reader = csv.reader(io.StringIO(body.decode("utf-8")), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    assert header == ["?study", "?title", "?year"]
    return {(tsv_term(s), tsv_term(t), int(tsv_term(y))) for s, t, y in reader}


def triples_of(body: bytes, rdflib_format: str) -> set[tuple[str, str, str]]:
    if rdflib_format in ("nquads", "trig"):
        dataset = rdflib.Dataset()
        dataset.parse(data=body, format=rdflib_format)
        return {(str(s), str(p), str(o)) for s, p, o, _ in dataset.quads()}
    graph = rdflib.Graph()
    graph.parse(data=body, format=rdflib_format)
    return {(str(s), str(p), str(o)) for s, p, o in graph}


# -- SELECT, ASK, CONSTRUCT, DESCRIBE --------------------------------------------------------


def test_select_answers_agree_in_every_format_and_match_the_sheet(
    endpoint: Endpoint, sheet: list[dict[str, str]]
) -> None:
    parsers = {
        JSON: (rows_from_json, "application/sparql-results+json"),
        XML: (rows_from_xml, "application/sparql-results+xml"),
        CSV: (rows_from_csv, "text/csv"),
        TSV: (rows_from_tsv, "text/tab-separated-values"),
    }
    answers = {}
    for return_format, (parse, media_type) in parsers.items():
        sparql = wrapper(endpoint, STUDIES)
        sparql.setReturnFormat(return_format)
        body, headers = fetch(sparql)
        assert headers.get_content_type() == media_type
        assert headers["SMQI-Result-Truncated"] == "false"
        assert headers["Vary"] == "Accept"
        answers[return_format] = parse(body)
    assert answers[JSON] == answers[XML] == answers[CSV] == answers[TSV]
    expected = Counter((row["title"], int(row["year"])) for row in sheet)
    assert Counter((title, year) for _, title, year in answers[JSON]) == expected
    assert len(answers[JSON]) == len(sheet)


def test_the_three_protocol_operations_give_the_same_answer(endpoint: Endpoint) -> None:
    answers = []
    for method, request in ((GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)):
        sparql = wrapper(endpoint, STUDIES, method, request)
        sparql.setReturnFormat(JSON)
        answers.append(rows_from_json(fetch(sparql)[0]))
    assert answers[0] == answers[1] == answers[2]
    assert len(answers[0]) > 0


def test_a_competency_query_counts_what_the_sheet_holds(
    endpoint: Endpoint, sheet: list[dict[str, str]]
) -> None:
    catalogue = load_catalogue(REPO / "ontology" / "queries")
    sparql = wrapper(endpoint, catalogue["cq04a-studies-per-year"].text, POST)
    sparql.setReturnFormat(JSON)
    result = sparql.queryAndConvert()
    assert isinstance(result, dict)
    per_year = {
        int(b["year"]["value"]): int(b["studies"]["value"]) for b in result["results"]["bindings"]
    }
    assert per_year == dict(Counter(int(row["year"]) for row in sheet))


def test_ask(endpoint: Endpoint, sheet: list[dict[str, str]]) -> None:
    doi = next(row["doi"] for row in sheet if row["doi"]).lower()
    for value, expected in ((doi, True), ("10.0000/not-in-the-graph", False)):
        query = PREFIXES + f'ASK {{ ?study a smqi:Study ; bibo:doi "{value}" }}'
        sparql = wrapper(endpoint, query)
        sparql.setReturnFormat(JSON)
        assert json.loads(fetch(sparql)[0])["boolean"] is expected
        sparql.setReturnFormat(XML)
        boolean = ET.fromstring(fetch(sparql)[0]).find(f"{RESULTS_NS}boolean")
        assert boolean is not None
        assert boolean.text == ("true" if expected else "false")


GRAPH_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


def test_construct_answers_agree_in_every_format_and_match_the_sheet(
    endpoint: Endpoint, sheet: list[dict[str, str]]
) -> None:
    graphs = {}
    for media_type, rdflib_format in GRAPH_FORMATS.items():
        sparql = wrapper(endpoint, TITLES_GRAPH)
        sparql.setOnlyConneg(True)
        sparql.addCustomHttpHeader("Accept", media_type)
        body, headers = fetch(sparql)
        assert headers.get_content_type() == media_type
        graphs[media_type] = triples_of(body, rdflib_format)
    first = graphs["text/turtle"]
    assert all(graph == first for graph in graphs.values())
    assert sorted(title for _, _, title in first) == sorted(row["title"] for row in sheet)


def test_describe_a_study(endpoint: Endpoint, sheet: list[dict[str, str]]) -> None:
    sparql = wrapper(endpoint, STUDIES)
    sparql.setReturnFormat(JSON)
    study, title, _ = sorted(rows_from_json(fetch(sparql)[0]))[0]
    answer = http(endpoint.url, params=[("query", f"DESCRIBE <{study}>"), ("format", "ttl")])
    assert answer.status == 200
    triples = triples_of(answer.body, "turtle")
    assert (study, "http://purl.org/dc/terms/title", title) in triples
    assert {s for s, _, _ in triples} >= {study}


def test_format_parameter_overrides_accept(endpoint: Endpoint) -> None:
    answer = http(
        endpoint.url,
        params=[("query", STUDIES), ("format", "csv")],
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status == 200
    assert answer.headers.get_content_type() == "text/csv"
    assert rows_from_csv(answer.body)


def test_a_repeated_query_is_answered_from_the_results_kept_for_the_version(
    endpoint: Endpoint, sheet: list[dict[str, str]]
) -> None:
    query = f"# asked once, then again: {time.time_ns()}\n{STUDIES}"
    first = http(endpoint.url, params=[("query", query)], headers={"Accept": "text/csv"})
    again = http(endpoint.url, params=[("query", query)], headers={"Accept": "text/csv"})
    other_type = http(
        endpoint.url, params=[("query", query)], headers={"Accept": "text/tab-separated-values"}
    )
    assert (first.headers["SMQI-Cache"], again.headers["SMQI-Cache"]) == ("miss", "hit")
    assert other_type.headers["SMQI-Cache"] == "miss"  # kept per query and media type
    assert again.body == first.body
    assert len(rows_from_csv(again.body)) == len(sheet)
    assert first.headers["ETag"] == again.headers["ETag"]


def test_a_select_over_the_row_limit_is_cut_and_says_so(endpoint: Endpoint) -> None:
    concepts = PREFIXES + "SELECT ?a WHERE { ?a a skos:Concept }"
    count = len(
        json.loads(http(endpoint.url, params=[("query", concepts)]).body)["results"]["bindings"]
    )
    assert count * count > endpoint.max_rows
    pairs = PREFIXES + "SELECT ?a ?b WHERE { ?a a skos:Concept . ?b a skos:Concept }"
    answer = http(endpoint.url, params=[("query", pairs)], headers={"Accept": "application/json"})
    assert answer.status == 200
    assert answer.headers["SMQI-Result-Truncated"] == "true"
    assert len(json.loads(answer.body)["results"]["bindings"]) == endpoint.max_rows


# -- refusals: read-only, nothing changes ----------------------------------------------------

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
UNREACHABLE = "http://127.0.0.1:9"  # never contacted: the request is refused before running
# case: (request, a phrase the refusal must contain)
REFUSED: dict[str, tuple[dict[str, object], str]] = {
    "INSERT DATA in query (GET)": (
        {"params": [("query", "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }")]},
        "INSERT is a SPARQL Update operation",
    ),
    "DELETE WHERE in query (POST form)": (
        {"data": form(query="DELETE WHERE { ?s ?p ?o }"), "content_type": FORM},
        "DELETE is a SPARQL Update operation",
    ),
    "LOAD in a sparql-query body": (
        {"data": f"LOAD <{UNREACHABLE}/data.ttl>".encode(), "content_type": SPARQL_QUERY},
        "LOAD is a SPARQL Update operation",
    ),
    "SERVICE clause": (
        {"params": [("query", f"SELECT * {{ SERVICE <{UNREACHABLE}/sparql> {{ ?s ?p ?o }} }}")]},
        "federated queries (SERVICE)",
    ),
    "update= form field": (
        {"data": form(update="DROP ALL"), "content_type": FORM},
        "this endpoint is read-only",
    ),
    "sparql-update body": (
        {"data": b"CLEAR ALL", "content_type": "application/sparql-update"},
        "this endpoint is read-only",
    ),
    "using-graph-uri": (
        {"params": [("query", "ASK {}"), ("using-graph-uri", "urn:x:graph")]},
        "'using-graph-uri' was sent, but this endpoint is read-only",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_updates_and_federation_are_refused_and_change_nothing(
    endpoint: Endpoint, built_nquads: Path, case: str
) -> None:
    quads_in_build = sum(1 for line in built_nquads.read_text().splitlines() if line.strip())
    before = quad_count(endpoint)
    # and, in a remote store, its version marker
    kept = endpoint.store.settings.bookkeeping_graph  # type: ignore[attr-defined]
    assert before == quads_in_build + (kept is not None)
    request, phrase = REFUSED[case]
    answer = http(endpoint.url, **request)  # type: ignore[arg-type]
    assert answer.status == 400
    assert answer.headers.get_content_type() == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "query-refused"
    assert phrase in str(problem["message"])
    assert quad_count(endpoint) == before


def test_an_update_sent_by_sparqlwrapper_is_refused(endpoint: Endpoint) -> None:
    before = quad_count(endpoint)
    sparql = SPARQLWrapper(endpoint.url, updateEndpoint=endpoint.url)
    sparql.setMethod(POST)
    sparql.setQuery("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(QueryBadFormed, match="read-only"):
        sparql.query()
    assert quad_count(endpoint) == before


# -- errors ------------------------------------------------------------------------------------


def test_a_syntax_error_is_a_400_saying_where(endpoint: Endpoint) -> None:
    answer = http(endpoint.url, params=[("query", "SELECT * WHERE {\n  ?s ?p\n}")])
    assert answer.status == 400
    problem = answer.json()
    assert problem["code"] == "query-syntax"
    assert re.search(r"\b[23]:\d+", str(problem["message"])), problem


def test_unsupported_types_are_406(endpoint: Endpoint) -> None:
    cases = [
        ([("query", STUDIES)], {"Accept": "image/png"}),
        ([("query", TITLES_GRAPH)], {"Accept": "application/sparql-results+json"}),
        ([("query", TITLES_GRAPH), ("format", "csv")], {}),
    ]
    for params, headers in cases:
        answer = http(endpoint.url, params=params, headers=headers)
        assert answer.status == 406, params
        assert answer.json()["code"] == "not-acceptable"


def test_protocol_mistakes(endpoint: Endpoint) -> None:
    wrong_type = http(endpoint.url, data=STUDIES.encode(), content_type="text/plain")
    assert wrong_type.status == 415
    assert wrong_type.json()["code"] == "unsupported-media-type"
    twice = http(endpoint.url, params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert twice.status == 400
    assert "once" in str(twice.json()["message"])
    empty = http(endpoint.url, data=form(), content_type="application/x-www-form-urlencoded")
    assert empty.status == 400
    assert empty.json()["code"] == "query-syntax"


def test_a_browser_gets_the_editor_and_other_origins_may_query(endpoint: Endpoint) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = http(endpoint.url, params=[("query", STUDIES)], headers={"Accept": browser})
    assert page.status == 200
    assert page.headers.get_content_type() == "text/html"
    assert b'id="yasgui"' in page.body  # YASGUI reads the query from the page's URL
    elsewhere = {"Origin": "https://another-review.example"}
    preflight = http(
        endpoint.url,
        method="OPTIONS",
        headers={
            **elsewhere,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    answer = http(endpoint.url, params=[("query", "ASK {}")], headers=elsewhere)
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in answer.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"SMQI-Result-Truncated", "SMQI-Cache", "ETag"} <= exposed


def test_a_query_past_the_timeout_is_stopped_while_others_are_answered(
    endpoint: Endpoint, sheet: list[dict[str, str]]
) -> None:
    slow: dict[str, object] = {}

    def run_slow() -> None:
        started = time.monotonic()
        slow["answer"] = http(endpoint.url, params=[("query", PATHOLOGICAL)])
        slow["seconds"] = time.monotonic() - started
        slow["ended"] = time.monotonic()

    thread = threading.Thread(target=run_slow)
    thread.start()
    studies = PREFIXES + "SELECT (COUNT(?s) AS ?n) WHERE { ?s a smqi:Study }"
    quick = http(endpoint.url, params=[("query", studies)], headers={"Accept": "text/csv"})
    quick_ended = time.monotonic()
    thread.join(timeout=endpoint.timeout_s + 30)
    assert not thread.is_alive()
    assert quick.status == 200
    assert int(quick.body.decode().split()[1]) == len(sheet)
    assert quick_ended < slow["ended"]  # type: ignore[operator]
    answer = slow["answer"]
    assert isinstance(answer, Answer)
    assert answer.status == 504, answer.body
    assert answer.json()["code"] == "query-timeout"
    assert endpoint.timeout_s - 0.5 <= slow["seconds"] <= endpoint.timeout_s + SLACK_S  # type: ignore[operator]


# -- datasets: FROM, FROM NAMED, default-graph-uri, named-graph-uri --------------------------

REVIEWS = "https://w3id.org/smqi/id/graph/reviews"
COUNT = "SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}"
LIST_GRAPHS = "SELECT DISTINCT ?g {dataset} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"


@pytest.fixture(scope="module")
def build_graphs(built_nquads: Path) -> dict[str, set[tuple[str, str, str]]]:
    """Each named graph's triples, read from the build's N-Quads file by rdflib."""
    dataset = rdflib.Dataset()
    dataset.parse(built_nquads, format="nquads")
    found: dict[str, set[tuple[str, str, str]]] = {}
    for s, p, o, g in dataset.quads((None, None, None, None)):
        found.setdefault(str(g), set()).add((s.n3(), p.n3(), o.n3()))  # datatypes kept
    return found


@pytest.fixture(scope="module")
def alignments(build_graphs: dict[str, set[tuple[str, str, str]]]) -> str:
    """The name of the build's (shared) graph of our confirmed alignments."""
    (name,) = [graph for graph in build_graphs if kind_of(graph) == "alignments"]
    return name


def csv_column(answer: Answer) -> list[str]:
    assert answer.status == 200, answer.body
    return [row[0] for row in csv.reader(io.StringIO(answer.body.decode(), newline=""))][1:]


def ask_csv(
    endpoint: Endpoint, query: str, params: list[tuple[str, str]] | None = None, post: bool = False
) -> list[str]:
    fields = [("query", query), *(params or [])]
    if post:
        body = urllib.parse.urlencode(fields).encode()
        answer = http(endpoint.url, data=body, content_type=FORM, headers={"Accept": "text/csv"})
    else:
        answer = http(endpoint.url, params=fields, headers={"Accept": "text/csv"})
    return csv_column(answer)


def test_from_counts_only_the_graphs_it_names(
    endpoint: Endpoint,
    build_graphs: dict[str, set[tuple[str, str, str]]],
    alignments: str,
) -> None:
    assert len(build_graphs[alignments]) == 14  # the confirmed alignments: small, and not all
    count = COUNT.format(dataset=f"FROM <{alignments}>")
    assert ask_csv(endpoint, count) == [str(len(build_graphs[alignments]))]
    nowhere = COUNT.format(dataset="FROM <urn:nonexistent>")
    assert ask_csv(endpoint, nowhere) == ["0"]
    both = COUNT.format(dataset=f"FROM <{alignments}> FROM <{REVIEWS}>")
    assert ask_csv(endpoint, both) == [str(len(build_graphs[alignments] | build_graphs[REVIEWS]))]


def test_without_a_dataset_the_union_and_every_data_graph(
    endpoint: Endpoint, build_graphs: dict[str, set[tuple[str, str, str]]]
) -> None:
    kept = endpoint.store.settings.bookkeeping_graph  # type: ignore[attr-defined]
    # The union default graph of both Oxigraphs has a solution per quad: a statement made in
    # two graphs (a topic's label, in the vocabularies and in the dataset's description) is
    # matched twice, as every named graph's own statements are.
    quads = sum(len(triples) for triples in build_graphs.values())
    assert ask_csv(endpoint, COUNT.format(dataset="")) == [str(quads + (kept is not None))]
    listed = set(ask_csv(endpoint, LIST_GRAPHS.format(dataset="")))
    assert listed == set(build_graphs) | ({kept} if kept else set())


@pytest.mark.parametrize("post", [False, True], ids=["GET", "POST form"])
def test_the_protocols_dataset_wins_over_from(
    endpoint: Endpoint,
    build_graphs: dict[str, set[tuple[str, str, str]]],
    alignments: str,
    post: bool,
) -> None:
    count = COUNT.format(dataset=f"FROM <{REVIEWS}>")
    default = [("default-graph-uri", alignments)]
    assert ask_csv(endpoint, count, default, post) == [str(len(build_graphs[alignments]))]
    graphs = LIST_GRAPHS.format(dataset=f"FROM NAMED <{REVIEWS}>")
    named = [("named-graph-uri", alignments)]
    assert ask_csv(endpoint, graphs, named, post) == [alignments]
    assert ask_csv(endpoint, COUNT.format(dataset=""), named, post) == ["0"]  # no default graph


def test_a_sparql_query_body_takes_its_dataset_from_the_url(
    endpoint: Endpoint,
    build_graphs: dict[str, set[tuple[str, str, str]]],
    alignments: str,
) -> None:
    url = endpoint.url + "?" + urllib.parse.urlencode({"default-graph-uri": alignments})
    answer = http(
        url,
        data=COUNT.format(dataset="").encode(),
        content_type=SPARQL_QUERY,
        headers={"Accept": "text/csv"},
    )
    assert csv_column(answer) == [str(len(build_graphs[alignments]))]


def test_relative_iris_resolve_against_the_base_the_service_description_names(
    endpoint: Endpoint,
) -> None:
    answer = http(
        endpoint.url,
        params=[("query", "CONSTRUCT { <s> <p> 1 } WHERE {}")],
        headers={"Accept": "application/n-triples"},
    )
    assert answer.status == 200, answer.body
    ((subject, predicate, _),) = triples_of(answer.body, "nt")
    base = endpoint.store.settings.base_iri  # type: ignore[attr-defined]
    assert (subject, predicate) == (f"{base}s", f"{base}p")
    description = rdflib.Graph().parse(
        data=http(endpoint.url, headers={"Accept": "text/turtle"}).body, format="turtle"
    )
    comments = " ".join(
        str(o) for o in description.objects(rdflib.URIRef(endpoint.url), RDFS_COMMENT)
    )
    assert f"base IRI <{base}>" in comments


def test_rdflib_sparqlstore_reads_a_named_graph_and_the_dataset(
    endpoint: Endpoint,
    build_graphs: dict[str, set[tuple[str, str, str]]],
    alignments: str,
) -> None:
    # a Graph on a named graph: rdflib sends default-graph-uri=<that graph> with each query
    graph = rdflib.Graph(store=SPARQLStore(endpoint.url), identifier=rdflib.URIRef(alignments))
    assert len(graph) == len(build_graphs[alignments])
    assert {(s.n3(), p.n3(), o.n3()) for s, p, o in graph} == build_graphs[alignments]
    counted = graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert [int(row.n) for row in counted] == [len(build_graphs[alignments])]  # type: ignore[union-attr]
    # a Dataset: its graphs, one of them, and a query over the union (with default_union, rdflib
    # sends no dataset; without it, it names its own default graph, urn:x-rdflib:default)
    dataset = rdflib.Dataset(store=SPARQLStore(endpoint.url), default_union=True)
    kept = endpoint.store.settings.bookkeeping_graph  # type: ignore[attr-defined]
    expected = {name: len(triples) for name, triples in build_graphs.items()}
    expected |= {kept: 1} if kept else {}
    assert {str(name) for name in dataset.store.contexts()} == set(expected)
    reviews = dataset.get_context(rdflib.URIRef(REVIEWS))
    assert {(s.n3(), p.n3(), o.n3()) for s, p, o in reviews} == build_graphs[REVIEWS]
    per_graph = dataset.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    assert {str(row.g): int(row.n) for row in per_graph} == expected  # type: ignore[union-attr]


# -- what is refused, and how -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("SELECT * WHERE " + "{" * 5000 + "}" * 5000, 400, "query-too-complex"),
        ("SELECT (" + "+".join(["1"] * 20_000) + " AS ?x) {}", 400, "query-too-complex"),
        ('SELECT ?x WHERE { BIND("' + "x" * 1_100_000 + '" AS ?x) }', 413, "request-too-large"),
    ],
    ids=["nested 5000 deep", "20000-term chain", "1.1 MB literal"],
)
def test_bad_queries_get_a_4xx_and_the_endpoint_keeps_answering(
    endpoint: Endpoint, query: str, status: int, code: str
) -> None:
    answer = http(endpoint.url, data=form(query=query), content_type=FORM)
    assert answer.status == status
    assert answer.json()["code"] == code
    assert ask_csv(endpoint, "SELECT (1 AS ?one) {}") == ["1"]


def test_a_long_literal_under_the_limit_is_answered(endpoint: Endpoint) -> None:
    literal = "x" * 500_000
    query = f'SELECT (STRLEN("{literal}") AS ?n) {{}}'
    assert ask_csv(endpoint, query, post=True) == [str(len(literal))]


@pytest.mark.parametrize(
    "raw_query",
    ["query=ASK%20%7B%7D%FF", "query=ASK%20%7B%7D&default-graph-uri=urn%3A%FF"],
)
def test_percent_escapes_that_are_not_utf8_are_a_400(endpoint: Endpoint, raw_query: str) -> None:
    answer = http(f"{endpoint.url}?{raw_query}")
    assert answer.status == 400
    assert answer.json()["code"] == "invalid-encoding"
    posted = http(endpoint.url, data=raw_query.encode(), content_type=FORM)
    assert posted.status == 400
    assert posted.json()["code"] == "invalid-encoding"


def test_other_methods_get_405_naming_get_and_post(endpoint: Endpoint) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        answer = http(endpoint.url, params=[("query", "ASK {}")], method=method, data=b"")
        assert answer.status == 405
        assert answer.headers["Allow"] == "GET, HEAD, POST"
        assert answer.json()["code"] == "method-not-allowed"


# -- caching ---------------------------------------------------------------------------------


def test_etag_follows_dataset_query_and_type(endpoint: Endpoint, built_nquads: Path) -> None:
    json_accept = {"Accept": "application/sparql-results+json"}
    first = http(endpoint.url, params=[("query", STUDIES)], headers=json_accept)
    etag = first.headers["ETag"]
    assert etag and first.status == 200
    again = http(
        endpoint.url, params=[("query", STUDIES)], headers={**json_accept, "If-None-Match": etag}
    )
    assert again.status == 304
    assert again.body == b""
    assert again.headers["ETag"] == etag
    as_csv = http(endpoint.url, params=[("query", STUDIES)], headers={"Accept": "text/csv"})
    assert as_csv.headers["ETag"] != etag
    other_query = http(endpoint.url, params=[("query", STUDIES + " LIMIT 1")], headers=json_accept)
    assert other_query.headers["ETag"] != etag

    endpoint.store.replace(built_nquads)  # same data, new version: cached answers are stale
    reloaded = http(
        endpoint.url, params=[("query", STUDIES)], headers={**json_accept, "If-None-Match": etag}
    )
    assert reloaded.status == 200
    assert reloaded.headers["ETag"] != etag
    assert rows_from_json(reloaded.body) == rows_from_json(first.body)
