"""The query-text checks and binding of ``api.store.sparql``, and Accept negotiation.

Bound queries are run on an in-memory pyoxigraph store, so each test checks what the query
means after binding, not only where the text went.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from smqi.api.errors import (
    NotAcceptableError,
    QueryRefusedError,
    QuerySyntaxError,
    QueryTooComplexError,
)
from smqi.api.store.formats import (
    CSV,
    JSON_LD,
    N_TRIPLES,
    SPARQL_JSON,
    SPARQL_XML,
    TSV,
    TURTLE,
    capped_results,
    negotiate,
)
from smqi.api.store.sparql import (
    MAX_NESTING,
    MAX_TOKENS,
    QueryDataset,
    QueryForm,
    bind,
    check_query,
    limit_rows,
)

EX = "http://example.org/"
DATA = f"""
<{EX}a> <{EX}kind> <{EX}red> <{EX}g> .
<{EX}b> <{EX}kind> <{EX}red> <{EX}g> .
<{EX}c> <{EX}kind> <{EX}blue> <{EX}g> .
<{EX}a> <{EX}year> "2016"^^<http://www.w3.org/2001/XMLSchema#integer> <{EX}g> .
<{EX}c> <{EX}year> "2021"^^<http://www.w3.org/2001/XMLSchema#integer> <{EX}g> .
"""
RED = ox.NamedNode(f"{EX}red")


@pytest.fixture(scope="module")
def dataset() -> ox.Store:
    store = ox.Store()
    store.load(DATA, format=ox.RdfFormat.N_QUADS)
    return store


def run(dataset: ox.Store, query: str, **bindings: ox.NamedNode | ox.Literal) -> list[str]:
    """The first column of the bound query's rows, as plain strings, sorted."""
    text = bind(check_query(query), bindings)
    results = dataset.query(text, use_default_graph_as_union=True)
    assert isinstance(results, ox.QuerySolutions)
    return sorted(row[0].value for row in results)


# -- forms and refusals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", QueryForm.SELECT),
        ("prefix ex: <http://example.org/> base <http://b/> select * {}", QueryForm.SELECT),
        ("# ASK in a comment\nASK {}", QueryForm.ASK),
        ("PREFIX select: <http://x/> CONSTRUCT WHERE { ?s select:p ?o }", QueryForm.CONSTRUCT),
        ("DESCRIBE <http://example.org/a>", QueryForm.DESCRIBE),
    ],
)
def test_the_query_form_is_found_after_the_prologue(query: str, form: QueryForm) -> None:
    assert check_query(query).form is form


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { service silent <http://x/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o .SERVICE <http://x/> {} }",
        "SELECT * WHERE { ?s ?p 1.SERVICE <http://x/> {} }",
        "SELECT * WHERE { ?s ?p true.SERVICE <http://x/> {} }",
        'SELECT * WHERE { ?s ?p "x"@en.SERVICE <http://x/> {} }',
        "SELECT * WHERE { FILTER(?a<?b)SERVICE<http://x/>{} }",
        "CLEAR ALL",
        "PREFIX ex: <http://x/> MOVE ex:a TO ex:b",
        "SELECT * WHERE { ?s ?p '\\u0022' }",
    ],
)
def test_federation_updates_and_codepoint_escapes_are_refused(query: str) -> None:
    with pytest.raises(QueryRefusedError):
        check_query(query)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://x/> {}" }',
        "SELECT * WHERE { ?s ?p '''a\n SERVICE <x> {}\n''' }",
        "SELECT * WHERE { ?s <http://x/SERVICE> ?o } # SERVICE <http://x/> {}",
        "PREFIX ex: <http://x/> SELECT ?service WHERE { ?service ex:SERVICE ex:a.SERVICE }",
        'SELECT * WHERE { ?s ?p "x"@service }',
        "SELECT * WHERE { ?s ?p _:SERVICE }",
    ],
)
def test_the_word_service_in_data_is_not_a_refusal(query: str) -> None:
    assert check_query(query).form is QueryForm.SELECT


@pytest.mark.parametrize("query", ["", "# only a comment", "PREFIX ex: <http://x/>", "FOO {}"])
def test_text_without_a_query_form_is_a_syntax_error(query: str) -> None:
    with pytest.raises(QuerySyntaxError, match="SELECT, ASK, CONSTRUCT or DESCRIBE"):
        check_query(query)


def test_an_unclosed_string_is_a_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError, match="character 27"):
        check_query('SELECT * WHERE { ?s ?p ?o "open }')


# -- what no store parses safely --------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
        "SELECT (" + "(" * 5000 + "1" + ")" * 5000 + " AS ?x) {}",
        "SELECT * { ?s ?p " + "[ <http://x/p> " * 5000 + "1" + " ]" * 5000 + " }",
        "SELECT * WHERE " + "{ SELECT * WHERE " * 300 + "{}" + " }" * 300,
    ],
)
def test_deep_nesting_is_refused_before_any_store_parses_it(query: str) -> None:
    with pytest.raises(QueryTooComplexError, match=f"more than {MAX_NESTING} deep"):
        check_query(query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (" + "+".join(["1"] * 10_000) + " AS ?x) {}",
        "SELECT * { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(3000)) + " }",
        "SELECT * { " + "FILTER(true) " * 10_000 + "}",
    ],
)
def test_overlong_chains_are_refused(query: str) -> None:
    with pytest.raises(QueryTooComplexError, match=f"more than {MAX_TOKENS}"):
        check_query(query)


def test_long_literals_and_comments_are_not_counted() -> None:
    literal = "x" * 500_000
    query = f'# {"comment " * 10_000}\nSELECT ?v WHERE {{ BIND("{literal}" AS ?v) }}'
    assert check_query(query).form is QueryForm.SELECT
    nested = "SELECT * WHERE " + "{" * MAX_NESTING + "}" * MAX_NESTING
    assert check_query(nested).form is QueryForm.SELECT


# -- datasets and base ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "dataset"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", None),
        ("SELECT ?from WHERE { ?s <http://x/FROM> ?from } # FROM <http://x/g>", None),
        ('SELECT * WHERE { ?s ?p "FROM <http://x/g>" }', None),
        ("SELECT * FROM <http://x/a> WHERE {}", QueryDataset(("http://x/a",), ())),
        ("ASK FROM NAMED <http://x/n> {}", QueryDataset((), ("http://x/n",))),
        (
            "PREFIX ex: <http://x/> SELECT * FROM ex:a FROM NAMED ex:b from named <http://x/c> {}",
            QueryDataset(("http://x/a",), ("http://x/b", "http://x/c")),
        ),
        ("BASE <http://b/d/> CONSTRUCT {} FROM <g> WHERE {}", QueryDataset(("http://b/d/g",), ())),
        ("DESCRIBE ?s FROM <rel> WHERE { ?s ?p ?o }", QueryDataset(("http://base/rel",), ())),
    ],
)
def test_the_dataset_a_query_names(query: str, dataset: QueryDataset | None) -> None:
    checked = check_query(query)
    assert checked.dataset("http://base/") == dataset
    assert checked.names_dataset == (dataset is not None)


def test_relative_iris_are_noticed() -> None:
    assert check_query("CONSTRUCT { <s> <p> 1 } WHERE {}").has_relative_iri
    assert not check_query("SELECT * WHERE { <urn:x:s> <http://x/p> ?o }").has_relative_iri
    assert not check_query('SELECT * WHERE { ?s ?p "<s>" }').has_relative_iri


def test_a_from_with_an_undeclared_prefix_is_a_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError, match="not an IRI or a declared prefixed name"):
        check_query("SELECT * FROM ex:g WHERE {}").dataset()


# -- binding ----------------------------------------------------------------------------------


def test_no_bindings_leave_the_text_unchanged() -> None:
    query = "SELECT * WHERE { ?s ?p ?o }"
    assert bind(check_query(query), {}) == query


def test_a_binding_filters_before_aggregation(dataset: ox.Store) -> None:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}kind> ?kind }}"
    assert run(dataset, query, kind=RED) == ["2"]


def test_a_binding_is_seen_by_filters_in_the_group(dataset: ox.Store) -> None:
    query = f"SELECT ?s WHERE {{ ?s <{EX}year> ?year FILTER(?year > ?after) }}"
    after = ox.Literal("2020", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert run(dataset, query, after=after) == [f"{EX}c"]


def test_select_without_where_and_with_exists_in_the_projection(dataset: ox.Store) -> None:
    query = f"SELECT ?s (EXISTS {{ ?s <{EX}year> ?y }} AS ?dated) {{ ?s <{EX}kind> ?kind }}"
    assert run(dataset, query, kind=RED) == [f"{EX}a", f"{EX}b"]


def test_a_group_holding_a_subquery_is_nested(dataset: ox.Store) -> None:
    query = f"SELECT ?s WHERE {{ SELECT ?s ?kind WHERE {{ ?s <{EX}kind> ?kind }} }}"
    assert run(dataset, query, kind=RED) == [f"{EX}a", f"{EX}b"]


def test_construct_binds_in_the_where_group_not_the_template(dataset: ox.Store) -> None:
    query = f"CONSTRUCT {{ ?s <{EX}is> ?kind }} WHERE {{ ?s <{EX}kind> ?kind }}"
    text = bind(check_query(query), {"kind": RED})
    triples = dataset.query(text, use_default_graph_as_union=True)
    assert isinstance(triples, ox.QueryTriples)
    assert sorted(t.subject.value for t in triples) == [f"{EX}a", f"{EX}b"]


def test_several_values_for_one_variable(dataset: ox.Store) -> None:
    query = f"SELECT ?s WHERE {{ ?s <{EX}kind> ?kind }}"
    text = bind(check_query(query), {"kind": [RED, ox.NamedNode(f"{EX}blue")]})
    results = dataset.query(text, use_default_graph_as_union=True)
    assert isinstance(results, ox.QuerySolutions)
    assert len(list(results)) == 3


@pytest.mark.parametrize(
    ("query", "bindings", "message"),
    [
        ("CONSTRUCT WHERE { ?s ?p ?o }", {"p": RED}, "template"),
        ("DESCRIBE <http://x/a>", {"p": RED}, "WHERE"),
        ("SELECT * WHERE { ?s ?p ?o }", {"p o": RED}, "variable name"),
        ("SELECT * WHERE { ?s ?p ?o }", {"o": ox.BlankNode()}, "blank nodes"),
    ],
)
def test_bindings_that_cannot_be_placed_are_refused(
    query: str, bindings: dict[str, ox.NamedNode | ox.BlankNode], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        bind(check_query(query), bindings)  # type: ignore[arg-type]


# -- content negotiation and result writing ---------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "graph", "expected"),
    [
        (None, False, SPARQL_JSON),
        (None, True, TURTLE),
        ("application/json", False, SPARQL_JSON),
        ("text/xml", False, SPARQL_XML),
        ("text/html,application/xhtml+xml,*/*;q=0.8", False, SPARQL_JSON),
        ("text/*;q=0.9, text/csv;q=0.1", False, TSV),
        ("application/n-triples;q=0.5, application/ld+json", True, JSON_LD),
        ("text/plain", True, N_TRIPLES),
        ("text/csv, */*;q=0", False, CSV),
    ],
)
def test_negotiate_follows_quality_and_specificity(
    accept: str | None, graph: bool, expected: str
) -> None:
    assert negotiate(accept, graph) == expected


def test_negotiate_refuses_when_nothing_fits() -> None:
    with pytest.raises(NotAcceptableError, match="text/turtle"):
        negotiate("text/turtle, */*;q=0", graph=False)


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
ROW = (
    ox.NamedNode(f"{EX}a"),
    ox.Literal('tab\there, "quoted"\nline', language="en"),
    ox.Literal("01", datatype=ox.NamedNode(XSD_INTEGER)),  # not canonical: kept as written
    ox.Literal("abc", datatype=ox.NamedNode(XSD_INTEGER)),  # not even valid: kept as written
    ox.BlankNode("b0"),
)
BINDING = {
    "iri": {"type": "uri", "value": f"{EX}a"},
    "text": {"type": "literal", "value": 'tab\there, "quoted"\nline', "xml:lang": "en"},
    "number": {"type": "literal", "value": "01", "datatype": XSD_INTEGER},
    "odd": {"type": "literal", "value": "abc", "datatype": XSD_INTEGER},
    "node": {"type": "bnode", "value": "b0"},
}


def solutions(count: int) -> ox.QuerySolutions:
    """``count`` copies of ROW and an unbound column, as a remote endpoint might send them."""
    document = {
        "head": {"vars": [*BINDING, "unbound"]},
        "results": {"bindings": [BINDING] * count},
    }
    parsed = ox.parse_query_results(json.dumps(document), format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    return parsed


@pytest.mark.parametrize("media_type", [SPARQL_JSON, SPARQL_XML, TSV])
def test_capped_results_keep_every_term_kind(media_type: str) -> None:
    body, truncated = capped_results(solutions(1), media_type, max_rows=10)

    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.from_media_type(media_type))
    assert isinstance(parsed, ox.QuerySolutions) and not truncated
    (row,) = list(parsed)
    assert tuple(row) == (*ROW, None)


@pytest.mark.parametrize("media_type", [SPARQL_JSON, SPARQL_XML, CSV, TSV])
@pytest.mark.parametrize(("count", "cap"), [(3, 3), (4, 3), (2000, 7), (0, 5)])
def test_capped_results_cut_at_the_cap_and_say_so(media_type: str, count: int, cap: int) -> None:
    body, truncated = capped_results(solutions(count), media_type, max_rows=cap)

    if media_type == CSV:
        kept = len(body.decode().split("\r\n")) - 2  # header line, trailing empty string
    else:
        parsed = ox.parse_query_results(
            body, format=ox.QueryResultsFormat.from_media_type(media_type)
        )
        assert isinstance(parsed, ox.QuerySolutions)
        kept = len(list(parsed))
    assert kept == min(count, cap)
    assert truncated is (count > cap)


@pytest.mark.parametrize(
    ("query", "limited"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", True),
        ("SELECT * WHERE { ?s ?p ?o } # last\n# comment", True),
        ("SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 5 } }", True),  # inner only
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s OFFSET 10", True),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 5", False),
        ("SELECT * WHERE { ?s ?p ?o } limit 5 offset 2", False),
        ("SELECT * WHERE { ?s ?p ?o } VALUES ?s { <urn:a> }", False),
        ("ASK { ?s ?p ?o }", False),
        ("CONSTRUCT WHERE { ?s ?p ?o }", False),
        ("SELECT * WHERE { ?s ?p ?o", False),  # left for the store to refuse
    ],
)
def test_a_limit_is_added_to_a_select_that_has_none(query: str, limited: bool) -> None:
    added = limit_rows(check_query(query), 11)
    assert added == ("\nLIMIT 11" if limited else "")
    if limited:  # and the text stays a query
        ox.Store().query(query + added)
