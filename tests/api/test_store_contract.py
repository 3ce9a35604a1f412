"""One contract for every store: the embedded pyoxigraph store and a real Oxigraph server.

Each test runs once per backend (the ``store`` fixture); expected answers come from the
synthetic ``STUDIES`` records in conftest, never from a store.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest

from smqi.api.errors import (
    DatasetError,
    NotAcceptableError,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTimeoutError,
)
from smqi.api.store import QueryDataset, Store
from smqi.api.store.formats import (
    CSV,
    JSON_LD,
    N_TRIPLES,
    RDF_XML,
    SPARQL_JSON,
    SPARQL_XML,
    TSV,
    TURTLE,
)
from smqi.loader import terms
from smqi.loader.shared import SHARED_GRAPHS, SUBSET

from .conftest import (
    EX,
    HOSTILE_TITLE,
    MAX_ROWS,
    NEW_STUDIES,
    NOTE,
    OTHER,
    PREFIXES,
    QUERY_TIMEOUT_S,
    RECORDS_GRAPH,
    STUDIES,
    STUDIES_GRAPH,
    TITLES,
    Study,
    expected_titles,
    nquads,
    study_count,
    titles,
    write_dataset,
)

pytestmark = pytest.mark.integration

STUDIES_PER_PLATFORM = (
    PREFIXES
    + """SELECT ?platform (COUNT(DISTINCT ?study) AS ?studies) WHERE {
    ?record smqi:codesStudy ?study ; smqi:platform ?platform .
} GROUP BY ?platform"""
)
# Every study paired with every study: len(STUDIES) ** 2 rows, more than MAX_ROWS.
PAIRS = PREFIXES + "SELECT ?a ?b WHERE { ?a a smqi:Study . ?b a smqi:Study }"
TITLE_GRAPH = (
    PREFIXES + "CONSTRUCT { ?study dcterms:title ?title } WHERE { ?study dcterms:title ?title }"
)


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


# -- SELECT, ASK, CONSTRUCT ----------------------------------------------------------------


def test_select_returns_each_binding_as_a_term(store: Store) -> None:
    result = store.select(TITLES)

    assert result.variables == ["study", "title"]
    assert not result.truncated
    assert titles(store) == expected_titles(STUDIES)
    assert all(isinstance(row["study"], ox.NamedNode) for row in result.rows)


def test_select_counts_match_the_records(store: Store) -> None:
    rows = store.select(STUDIES_PER_PLATFORM).rows

    counts = {row["platform"].value: int(row["studies"].value) for row in rows}
    assert counts == Counter(study.platform_iri for study in STUDIES)
    assert all(
        row["studies"]
        == ox.Literal(str(counts[row["platform"].value]), datatype=iri(str(terms.XSD.integer)))
        for row in rows
    )


def test_literal_datatypes_and_languages_round_trip(store: Store) -> None:
    query = (
        PREFIXES
        + """SELECT ?year ?created ?label ?title WHERE {
        ?record smqi:codesStudy ?study ; dcterms:created ?created .
        ?study smqi:publicationYear ?year ; dcterms:title ?title .
        OPTIONAL { ?study rdfs:label ?label }
    }"""
    )
    rows = store.select(query, {"study": iri(STUDIES[0].iri)}).rows

    assert len(rows) == 1
    row = rows[0]
    assert row["year"] == ox.Literal(str(STUDIES[0].year), datatype=iri(str(terms.XSD.integer)))
    assert row["created"] == ox.Literal(STUDIES[0].created, datatype=iri(str(terms.XSD.date)))
    text, language = STUDIES[0].labels[0]
    assert row["label"] == ox.Literal(text, language=language)
    assert row["title"] == ox.Literal(STUDIES[0].title)
    assert row["title"].datatype == iri(str(terms.XSD.string))


def test_unbound_variables_are_left_out_of_a_row(store: Store) -> None:
    query = (
        PREFIXES
        + "SELECT ?study ?label WHERE { ?study a smqi:Study OPTIONAL { ?study rdfs:label ?label } }"
    )
    rows = store.select(query).rows

    with_label = {row["study"].value for row in rows if "label" in row}
    assert with_label == {study.iri for study in STUDIES if study.labels}
    assert len(rows) == len(STUDIES)


def test_blank_nodes_come_back_as_blank_nodes(store: Store) -> None:
    comment = terms.RDFS.comment
    query = f"SELECT ?note ?comment WHERE {{ ?r <{NOTE}> ?note . ?note <{comment}> ?comment }}"
    rows = store.select(query).rows

    assert len(rows) == len(STUDIES)
    assert all(isinstance(row["note"], ox.BlankNode) for row in rows)
    assert {row["comment"].value for row in rows} == {f"note on {s.key}" for s in STUDIES}


def test_ask(store: Store) -> None:
    assert store.ask(PREFIXES + "ASK { ?study a smqi:Study }") is True
    assert store.ask(PREFIXES + "ASK { ?study a smqi:Review }") is False


def test_construct_returns_the_triples(store: Store) -> None:
    triples = store.construct(TITLE_GRAPH)

    expected = {
        ox.Triple(iri(study.iri), iri(str(terms.DCTERMS.title)), ox.Literal(study.title))
        for study in STUDIES
    }
    assert set(triples) == expected


def test_describe_runs_through_construct(store: Store) -> None:
    triples = store.construct(f"DESCRIBE <{STUDIES[1].iri}>")

    assert (
        ox.Triple(iri(STUDIES[1].iri), iri(str(terms.RDF.type)), iri(str(terms.SMQI.Study)))
        in triples
    )
    assert {t.subject for t in triples} == {iri(STUDIES[1].iri)}


def test_default_graph_is_the_union_of_named_graphs(store: Store) -> None:
    query = (
        PREFIXES
        + "SELECT ?title WHERE { ?record smqi:codesStudy ?study . ?study dcterms:title ?title }"
    )
    assert {row["title"].value for row in store.select(query).rows} == {s.title for s in STUDIES}


# -- datasets: FROM, FROM NAMED, the protocol's, and the union --------------------------------

STUDIES_IRI, RECORDS_IRI = STUDIES_GRAPH[1:-1], RECORDS_GRAPH[1:-1]
# triples per graph, counted from the records the dataset file is written from
IN_STUDIES = sum(3 + len(s.labels) for s in STUDIES)
IN_RECORDS = 6 * len(STUDIES)
COUNT = "SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}"
GRAPHS = "SELECT ?g (COUNT(*) AS ?n) {dataset} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"


def raw_rows(store: Store, query: str, dataset: QueryDataset | None = None) -> list[list[str]]:
    """The rows of a SELECT sent as a client's query (CSV), without the header."""
    body = store.query_raw(query, CSV, dataset).body.decode("utf-8")
    return list(csv.reader(io.StringIO(body, newline="")))[1:]


def count(store: Store, dataset_clause: str = "", dataset: QueryDataset | None = None) -> int:
    return int(raw_rows(store, COUNT.format(dataset=dataset_clause), dataset)[0][0])


def graph_counts(
    store: Store, dataset_clause: str = "", dataset: QueryDataset | None = None
) -> dict[str, int]:
    rows = raw_rows(store, GRAPHS.format(dataset=dataset_clause), dataset)
    return {graph: int(n) for graph, n in rows}


def data_graphs(store: Store) -> dict[str, int]:
    """Each data graph's triples, and the graph a store keeps for itself (the remote store's
    version marker: one triple, which a client querying the endpoint directly sees too)."""
    found = {STUDIES_IRI: IN_STUDIES, RECORDS_IRI: IN_RECORDS}
    kept = store.settings.bookkeeping_graph  # type: ignore[attr-defined]
    if kept is not None:
        found[kept] = 1
    return found


def test_without_a_dataset_the_default_graph_is_the_union(store: Store) -> None:
    assert count(store) == sum(data_graphs(store).values())
    assert graph_counts(store) == data_graphs(store)


def test_from_makes_the_default_graph_those_graphs_only(store: Store) -> None:
    assert count(store, f"FROM {STUDIES_GRAPH}") == IN_STUDIES
    assert count(store, f"FROM {STUDIES_GRAPH} FROM {RECORDS_GRAPH}") == IN_STUDIES + IN_RECORDS
    assert count(store, "FROM <urn:x-smqi:no-such-graph>") == 0
    assert graph_counts(store, f"FROM {STUDIES_GRAPH}") == {}  # and no named graphs


def test_from_named_makes_those_the_only_named_graphs(store: Store) -> None:
    assert graph_counts(store, f"FROM NAMED {RECORDS_GRAPH}") == {RECORDS_IRI: IN_RECORDS}
    assert count(store, f"FROM NAMED {RECORDS_GRAPH}") == 0  # an empty default graph
    both = f"FROM {STUDIES_GRAPH} FROM NAMED {RECORDS_GRAPH}"
    assert (count(store, both), graph_counts(store, both)) == (
        IN_STUDIES,
        {RECORDS_IRI: IN_RECORDS},
    )


def test_the_protocol_dataset_wins_over_the_querys(store: Store) -> None:
    records = QueryDataset((RECORDS_IRI,), ())
    assert count(store, f"FROM {STUDIES_GRAPH}", records) == IN_RECORDS
    named = QueryDataset((), (STUDIES_IRI,))
    assert count(store, "", named) == 0
    assert graph_counts(store, f"FROM NAMED {RECORDS_GRAPH}", named) == {STUDIES_IRI: IN_STUDIES}
    assert graph_counts(store, "", records) == {}


def test_the_dataset_applies_to_every_form(store: Store) -> None:
    ask = PREFIXES + "ASK {dataset} {{ ?study a smqi:Study }}"
    assert store.ask(ask.format(dataset=f"FROM {STUDIES_GRAPH}"))
    assert not store.ask(ask.format(dataset=f"FROM {RECORDS_GRAPH}"))
    graph = store.query_raw(
        TITLE_GRAPH.replace("WHERE", f"FROM {RECORDS_GRAPH} WHERE"), N_TRIPLES
    ).body
    assert graph.strip() == b""
    titles_only = store.query_raw(TITLE_GRAPH, N_TRIPLES, QueryDataset((STUDIES_IRI,), ()))
    assert len(titles_only.body.strip().splitlines()) == len(STUDIES)


def test_relative_iris_resolve_against_the_stores_base(store: Store) -> None:
    base = store.settings.base_iri  # type: ignore[attr-defined]
    raw = store.query_raw("CONSTRUCT { <s> <p> 1 } WHERE {}", N_TRIPLES)
    (triple,) = [q.triple for q in ox.parse(raw.body, format=ox.RdfFormat.N_TRIPLES)]
    assert (triple.subject, triple.predicate) == (iri(f"{base}s"), iri(f"{base}p"))
    own = "BASE <https://example.org/own/> ASK { FILTER(<x> = <https://example.org/own/x>) }"
    assert store.ask(own)


# -- bindings ----------------------------------------------------------------------------------


def test_a_binding_restricts_the_pattern_before_grouping(store: Store) -> None:
    query = (
        PREFIXES
        + """SELECT (COUNT(DISTINCT ?study) AS ?studies) WHERE {
        ?record smqi:codesStudy ?study ; smqi:platform ?platform .
    }"""
    )
    twitter = f"{STUDIES[0].platform_iri}"

    rows = store.select(query, {"platform": iri(twitter)}).rows

    assert int(rows[0]["studies"].value) == sum(s.platform_iri == twitter for s in STUDIES)


def test_a_binding_may_allow_several_values(store: Store) -> None:
    years = [ox.Literal(str(year), datatype=iri(str(terms.XSD.integer))) for year in (2016, 2021)]
    query = PREFIXES + "SELECT ?study WHERE { ?study smqi:publicationYear ?year }"

    rows = store.select(query, {"year": years}).rows

    assert {row["study"].value for row in rows} == {
        s.iri for s in STUDIES if s.year in (2016, 2021)
    }


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE_TITLE,
        '"} ; DROP ALL',
        "'} ; DROP ALL ; #",
        "}} } SERVICE <http://127.0.0.1:1/> {",
        "back\\slash \\\\ \\u0041 \\U0001F600",
        "line\nbreak\r\ttab \"quoted\" 'single'",
        "<http://example.org/not-an-iri> .",
        "Étude ✓ 研究",
    ],
)
def test_hostile_strings_are_bound_as_literals(store: Store, text: str) -> None:
    echoed = store.select(
        "SELECT ?value WHERE { BIND(?input AS ?value) }", {"input": ox.Literal(text)}
    )

    assert [row["value"] for row in echoed.rows] == [ox.Literal(text)]
    assert study_count(store) == len(STUDIES)


def test_a_hostile_title_finds_exactly_its_study(store: Store) -> None:
    query = PREFIXES + "SELECT ?study WHERE { ?study dcterms:title ?title }"

    rows = store.select(query, {"title": ox.Literal(HOSTILE_TITLE)}).rows

    assert [row["study"].value for row in rows] == [
        s.iri for s in STUDIES if s.title == HOSTILE_TITLE
    ]


def test_bound_language_and_datatype_are_kept(store: Store) -> None:
    text, language = STUDIES[0].labels[0]
    query = PREFIXES + "SELECT ?study WHERE { ?study rdfs:label ?label }"

    assert [
        r["study"].value
        for r in store.select(query, {"label": ox.Literal(text, language=language)}).rows
    ] == [STUDIES[0].iri]
    assert store.select(query, {"label": ox.Literal(text)}).rows == []


# -- the SPARQL endpoint's raw results ---------------------------------------------------------


@pytest.mark.parametrize("media_type", [SPARQL_JSON, SPARQL_XML, TSV])
def test_raw_select_parses_back_to_the_same_rows(store: Store, media_type: str) -> None:
    raw = store.query_raw(TITLES, media_type)

    assert raw.media_type == media_type
    parsed = ox.parse_query_results(
        raw.body, format=ox.QueryResultsFormat.from_media_type(media_type)
    )
    assert isinstance(parsed, ox.QuerySolutions)
    assert [v.value for v in parsed.variables] == ["study", "title"]
    assert {(row["study"].value, row["title"]) for row in parsed} == {
        (s.iri, ox.Literal(s.title)) for s in STUDIES
    }


def test_raw_select_as_csv(store: Store) -> None:
    raw = store.query_raw(TITLES, "text/csv")

    assert raw.media_type == CSV
    rows = list(csv.reader(io.StringIO(raw.body.decode("utf-8"), newline="")))
    assert rows[0] == ["study", "title"]
    assert sorted(rows[1:]) == sorted([s.iri, s.title] for s in STUDIES)


def test_raw_select_keeps_datatypes_and_languages(store: Store) -> None:
    query = (
        PREFIXES
        + "SELECT ?year ?label WHERE { ?study smqi:publicationYear ?year ; rdfs:label ?label }"
    )
    for media_type in (SPARQL_JSON, SPARQL_XML, TSV):
        parsed = ox.parse_query_results(
            store.query_raw(query, media_type).body,
            format=ox.QueryResultsFormat.from_media_type(media_type),
        )
        assert isinstance(parsed, ox.QuerySolutions)
        assert {(row["year"], row["label"]) for row in parsed} == {
            (
                ox.Literal(str(s.year), datatype=iri(str(terms.XSD.integer))),
                ox.Literal(text, language=lang),
            )
            for s in STUDIES
            for text, lang in s.labels
        }


@pytest.mark.parametrize("media_type", [SPARQL_JSON, SPARQL_XML])
def test_raw_ask(store: Store, media_type: str) -> None:
    for query, expected in [
        (PREFIXES + "ASK { ?s a smqi:Study }", True),
        (PREFIXES + "ASK { ?s a smqi:Review }", False),
    ]:
        raw = store.query_raw(query, media_type)
        parsed = ox.parse_query_results(
            raw.body, format=ox.QueryResultsFormat.from_media_type(media_type)
        )
        assert isinstance(parsed, ox.QueryBoolean)
        assert bool(parsed) is expected


@pytest.mark.parametrize("media_type", [TURTLE, N_TRIPLES, RDF_XML, JSON_LD])
def test_raw_construct_parses_back_to_the_same_graph(store: Store, media_type: str) -> None:
    raw = store.query_raw(TITLE_GRAPH, media_type)

    assert raw.media_type == media_type
    parsed = {q.triple for q in ox.parse(raw.body, format=ox.RdfFormat.from_media_type(media_type))}
    assert parsed == set(store.construct(TITLE_GRAPH))
    assert len(parsed) == len(STUDIES)


def test_raw_results_follow_accept_quality_values(store: Store) -> None:
    accept = "text/csv;q=0.5, application/sparql-results+xml;q=0.9, text/turtle"
    assert store.query_raw(TITLES, accept).media_type == SPARQL_XML
    assert store.query_raw(TITLE_GRAPH, accept).media_type == TURTLE
    assert store.query_raw(TITLES, "*/*").media_type == SPARQL_JSON
    assert store.query_raw(TITLES, None).media_type == SPARQL_JSON


def test_raw_results_refuse_an_unacceptable_type(store: Store) -> None:
    with pytest.raises(NotAcceptableError, match="SPARQL results"):
        store.query_raw(TITLES, "text/turtle")
    with pytest.raises(NotAcceptableError, match="RDF graph"):
        store.query_raw(TITLE_GRAPH, "application/sparql-results+json")


# -- limits and refusals -----------------------------------------------------------------------


def test_row_cap_cuts_select_and_says_so(store: Store) -> None:
    assert len(STUDIES) ** 2 > MAX_ROWS  # the PAIRS query has more rows than the cap

    result = store.select(PAIRS)
    raw = store.query_raw(PAIRS, "text/csv")

    assert result.truncated and len(result.rows) == MAX_ROWS
    assert raw.truncated and len(raw.body.decode().strip().splitlines()) == MAX_ROWS + 1
    assert not store.select(PAIRS + " LIMIT 3").truncated


def test_a_client_select_far_over_the_cap_is_cut_by_the_store(store: Store) -> None:
    """Every triple four times over: some 10^8 rows, which no store writes within the query
    timeout. Asked for one row over the cap, a store answers at once."""
    everything = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    raw = store.query_raw(everything + "\n# a comment last: the LIMIT goes on a new line", CSV)
    assert raw.truncated and len(raw.body.decode().strip().splitlines()) == MAX_ROWS + 1
    assert time.monotonic() - started < QUERY_TIMEOUT_S
    # a client's own LIMIT under the cap is kept, and is not a cut
    small = store.query_raw(everything + " LIMIT 3", CSV)
    assert not small.truncated and len(small.body.decode().strip().splitlines()) == 4


def test_a_syntax_error_says_where(store: Store) -> None:
    with pytest.raises(QuerySyntaxError, match=r"1:\d+"):
        store.select("SELECT * WHERE { ?s ?p }")


@pytest.mark.parametrize(
    "query",
    [
        "DROP ALL",
        "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }",
        "LOAD <http://example.org/data.ttl>",
        "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p 1.service <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "\\u0053ELECT * WHERE { ?s ?p ?o }",
    ],
)
def test_updates_and_federation_are_refused(store: Store, query: str) -> None:
    with pytest.raises(QueryRefusedError):
        store.query_raw(query, None)
    assert study_count(store) == len(STUDIES)


def test_the_wrong_method_for_a_form_is_a_programming_error(store: Store) -> None:
    with pytest.raises(ValueError, match="SELECT"):
        store.ask(TITLES)


def test_runaway_client_queries_leave_the_apis_own_queries_answering(fresh_store: Store) -> None:
    patterns = " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(8))
    runaway = f"SELECT (COUNT(*) AS ?n) WHERE {{ {patterns} }}"
    ended: list[float] = []

    def run() -> None:
        with pytest.raises(QueryTimeoutError):
            fresh_store.query_raw(runaway, CSV)
        ended.append(time.monotonic())

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the runaways are running
    started = time.monotonic()
    answered = study_count(fresh_store)
    took = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=QUERY_TIMEOUT_S + 30)

    assert answered == len(STUDIES)
    assert took < QUERY_TIMEOUT_S / 2 and len(ended) == 3
    assert all(end > started + took for end in ended)


def test_a_runaway_query_times_out_and_the_store_keeps_answering(fresh_store: Store) -> None:
    patterns = " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(8))
    runaway = f"SELECT (COUNT(*) AS ?n) WHERE {{ {patterns} }}"  # (triples) ** 8 rows
    outcome: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            fresh_store.select(runaway)
        except QueryTimeoutError as exc:
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    during = study_count(fresh_store)
    answered_during = thread.is_alive()
    thread.join(timeout=QUERY_TIMEOUT_S + 10)

    assert during == len(STUDIES) and answered_during
    assert isinstance(outcome.get("error"), QueryTimeoutError)
    assert QUERY_TIMEOUT_S - 0.1 <= float(outcome["seconds"]) <= QUERY_TIMEOUT_S + 1.5  # type: ignore[arg-type]
    assert study_count(fresh_store) == len(STUDIES)
    assert titles(fresh_store) == expected_titles(STUDIES)


# -- load, replace, version --------------------------------------------------------------------


def test_replace_swaps_the_whole_dataset(fresh_store: Store, tmp_path: Path) -> None:
    before = fresh_store.version()

    fresh_store.replace(write_dataset(tmp_path / "new.nq", NEW_STUDIES))

    assert titles(fresh_store) == expected_titles(NEW_STUDIES)
    assert fresh_store.version() != before


def test_a_failed_replace_keeps_the_old_dataset(fresh_store: Store, tmp_path: Path) -> None:
    before = fresh_store.version()
    broken = tmp_path / "broken.nq"
    garbage = "<https://example.org/s> <https://example.org/p> not-a-term .\n"
    broken.write_text(nquads(NEW_STUDIES) + garbage, encoding="utf-8")

    with pytest.raises(DatasetError, match=r"broken\.nq") as raised:
        fresh_store.replace(broken)

    assert "unchanged" in str(raised.value)
    assert titles(fresh_store) == expected_titles(STUDIES)
    assert fresh_store.version() == before


def test_replacing_with_a_missing_file_keeps_the_old_dataset(
    fresh_store: Store, tmp_path: Path
) -> None:
    with pytest.raises(DatasetError):
        fresh_store.replace(tmp_path / "missing.nq")
    assert titles(fresh_store) == expected_titles(STUDIES)


def test_load_adds_to_the_dataset(fresh_store: Store, tmp_path: Path) -> None:
    before = fresh_store.version()

    fresh_store.load(write_dataset(tmp_path / "more.nq", NEW_STUDIES))

    assert titles(fresh_store) == expected_titles(STUDIES + NEW_STUDIES)
    assert fresh_store.version() != before


def test_readers_see_the_old_dataset_or_the_new_one_never_a_mix(
    fresh_store: Store, tmp_path: Path
) -> None:
    files = [write_dataset(tmp_path / "new.nq", NEW_STUDIES), tmp_path / "old.nq"]
    write_dataset(files[1], STUDIES)
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.append(study_count(fresh_store))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for round_ in range(6):
            fresh_store.replace(files[round_ % 2])
            reads = len(seen)
            deadline = time.monotonic() + 5
            while len(seen) < reads + 2 and time.monotonic() < deadline:
                time.sleep(0.001)  # let the reader query the dataset just published
    finally:
        stop.set()
        reader.join()

    assert set(seen) == {len(STUDIES), len(NEW_STUDIES)}


def test_another_process_sees_the_replaced_dataset_and_version(
    fresh_store: Store, tmp_path: Path
) -> None:
    twin = type(fresh_store)(fresh_store.settings)  # type: ignore[call-arg, attr-defined]
    try:
        assert twin.version() == fresh_store.version()

        fresh_store.replace(write_dataset(tmp_path / "new.nq", NEW_STUDIES))

        assert titles(twin) == expected_titles(NEW_STUDIES)
        assert twin.version() == fresh_store.version()
    finally:
        twin.close()


@contextmanager
def other_and_scoped(store: Store) -> Iterator[tuple[Store, Store]]:
    """Another project's store over the same data, and ours scoped to our dataset."""
    with (
        variant(store, graph_prefix=f"{OTHER}graph/") as other,
        variant(store, dataset_only=True) as scoped,
    ):
        yield other, scoped


# -- several projects' datasets in one store ---------------------------------------------------


@contextmanager
def variant(store: Store, **changes: object) -> Iterator[Store]:
    """A second store over the same data, its settings changed (another project's prefix, a
    dataset-only scope); closed afterwards."""
    twin = type(store)(dataclasses.replace(store.settings, **changes))  # type: ignore[attr-defined, call-arg]
    try:
        yield twin
    finally:
        twin.close()


def test_replacing_one_projects_dataset_leaves_anothers_served(
    fresh_store: Store, tmp_path: Path
) -> None:
    """Each project's store replaces its own graphs (its graph_prefix) and no others."""
    with variant(fresh_store, graph_prefix=f"{OTHER}graph/") as other:
        other.replace(write_dataset(tmp_path / "b.nq", NEW_STUDIES, OTHER))
        assert titles(fresh_store) == expected_titles(STUDIES) | expected_titles(NEW_STUDIES, OTHER)

        fresh_store.replace(write_dataset(tmp_path / "a2.nq", STUDIES[:2]))
        assert titles(other) == expected_titles(STUDIES[:2]) | expected_titles(NEW_STUDIES, OTHER)

        other.replace(write_dataset(tmp_path / "b2.nq", NEW_STUDIES[:1], OTHER))
        assert titles(fresh_store) == expected_titles(STUDIES[:2]) | expected_titles(
            NEW_STUDIES[:1], OTHER
        )
        assert study_count(fresh_store) == 3


def test_replacing_with_an_empty_dataset_leaves_the_project_no_graph(
    fresh_store: Store, tmp_path: Path
) -> None:
    version = fresh_store.version()
    fresh_store.replace(write_dataset(tmp_path / "none.nq", ()))
    assert titles(fresh_store) == {}
    assert study_count(fresh_store) == 0
    assert fresh_store.version() != version


def test_a_store_scoped_to_its_project_answers_from_its_graphs_only(
    fresh_store: Store, tmp_path: Path
) -> None:
    with other_and_scoped(fresh_store) as (other, scoped):
        other.replace(write_dataset(tmp_path / "b.nq", NEW_STUDIES, OTHER))

        assert titles(scoped) == expected_titles(STUDIES)
        assert count(scoped) == IN_STUDIES + IN_RECORDS  # no other project, no bookkeeping
        assert graph_counts(scoped) == {STUDIES_IRI: IN_STUDIES, RECORDS_IRI: IN_RECORDS}
        # a query naming its dataset still gets it, the other project's graphs included
        other_studies = f"<{OTHER}graph/studies>"
        assert count(scoped, f"FROM {other_studies}") == sum(3 + len(s.labels) for s in NEW_STUDIES)

        scoped.replace(write_dataset(tmp_path / "a2.nq", STUDIES[:2]))  # a new version
        assert titles(scoped) == expected_titles(STUDIES[:2])
        assert titles(fresh_store) == expected_titles(STUDIES[:2]) | expected_titles(
            NEW_STUDIES, OTHER
        )


# -- the graphs every build shares (loader.shared, api.store.shared) ----------------------------

SHARED_V1 = f"{SHARED_GRAPHS}ontology/test-version-1"
SHARED_V2 = f"{SHARED_GRAPHS}ontology/test-version-2"
IN_SHARED = 3  # triples of a shared graph, two of them with a blank node


def write_with_shared(
    path: Path, base: str, shared: str, studies: Sequence[Study] = STUDIES
) -> Path:
    """A project's dataset under ``base`` that holds the shared graph ``shared`` and names
    it, with its own graphs, in its metadata graph (as a build does)."""
    text = nquads(studies).replace(EX, base)
    g, metadata, dataset = f"<{shared}>", f"<{base}graph/metadata>", f"<{base}dataset>"
    lines = [
        f"<{terms.ONTOLOGY_IRI}> <{terms.RDF.type}> <{terms.OWL.Ontology}> {g} .",
        f"<{terms.SMQI.Study}> <{terms.RDFS.subClassOf}> _:restriction {g} .",
        f"_:restriction <{terms.RDF.type}> <{terms.OWL.Restriction}> {g} .",
        *(
            f"{dataset} <{SUBSET}> <{graph}> {metadata} ."
            for graph in (shared, f"{base}graph/studies", f"{base}graph/records")
        ),
    ]
    path.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def shared_graphs(store: Store) -> dict[str, int]:
    return {g: n for g, n in graph_counts(store).items() if g.startswith(SHARED_GRAPHS)}


def test_projects_sharing_a_graph_hold_one_copy_of_it(fresh_store: Store, tmp_path: Path) -> None:
    with variant(fresh_store, graph_prefix=f"{OTHER}graph/") as other:
        ours = write_with_shared(tmp_path / "a.nq", EX, SHARED_V1)
        fresh_store.replace(ours)
        other.replace(write_with_shared(tmp_path / "b.nq", OTHER, SHARED_V1, NEW_STUDIES))
        fresh_store.load(ours)  # a load adds, but a shared graph is written whole

        # one copy: its blank nodes were not copied again by the second and third writes
        assert shared_graphs(fresh_store) == {SHARED_V1: IN_SHARED}
        assert titles(fresh_store) == expected_titles(STUDIES) | expected_titles(NEW_STUDIES, OTHER)


def test_a_shared_graph_goes_when_no_dataset_names_it(fresh_store: Store, tmp_path: Path) -> None:
    with variant(fresh_store, graph_prefix=f"{OTHER}graph/") as other:
        fresh_store.replace(write_with_shared(tmp_path / "a1.nq", EX, SHARED_V1))
        other.replace(write_with_shared(tmp_path / "b1.nq", OTHER, SHARED_V1, NEW_STUDIES))

        # our project moves to a newer shared graph; the other still names the older one
        fresh_store.replace(write_with_shared(tmp_path / "a2.nq", EX, SHARED_V2))
        assert shared_graphs(fresh_store) == {SHARED_V1: IN_SHARED, SHARED_V2: IN_SHARED}

        other.replace(write_with_shared(tmp_path / "b2.nq", OTHER, SHARED_V2, NEW_STUDIES))
        assert shared_graphs(fresh_store) == {SHARED_V2: IN_SHARED}

        other.replace(write_dataset(tmp_path / "b3.nq", NEW_STUDIES, OTHER))  # names none
        assert shared_graphs(fresh_store) == {SHARED_V2: IN_SHARED}  # ours still does
        fresh_store.replace(write_dataset(tmp_path / "a3.nq", STUDIES))
        assert shared_graphs(fresh_store) == {}


def test_a_scoped_store_sees_the_shared_graphs_its_project_names(
    fresh_store: Store, tmp_path: Path
) -> None:
    with other_and_scoped(fresh_store) as (other, scoped):
        fresh_store.replace(write_with_shared(tmp_path / "a.nq", EX, SHARED_V1))
        other.replace(write_with_shared(tmp_path / "b.nq", OTHER, SHARED_V2, NEW_STUDIES))

        assert graph_counts(scoped) == {
            STUDIES_IRI: IN_STUDIES,
            RECORDS_IRI: IN_RECORDS,
            f"{EX}graph/metadata": 3,
            SHARED_V1: IN_SHARED,  # named by our metadata; SHARED_V2 only by the other's
        }
