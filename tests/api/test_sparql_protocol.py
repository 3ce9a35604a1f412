"""Reading SPARQL Protocol requests, the media registry and choosing media types: pure
functions, no I/O."""

from __future__ import annotations

import pytest

from smqi.api.errors import (
    ApiError,
    InvalidEncodingError,
    InvalidParameterError,
    NotAcceptableError,
    QueryRefusedError,
)
from smqi.api.http.caching import entity_tag, etag_matches
from smqi.api.http.media import FORMATS, TABLE_TYPES, choose, named, names
from smqi.api.http.negotiation import (
    GRAPH_ALIASES,
    GRAPH_TYPES,
    HTML,
    RESULTS_ALIASES,
    RESULTS_TYPES,
    format_override,
    negotiate,
)
from smqi.api.sparql.protocol import MAX_BODY_BYTES, read_get, read_post
from smqi.api.store.sparql import QueryDataset

FORM = "application/x-www-form-urlencoded"


def test_get_and_the_two_posts_read_the_same_query() -> None:
    query = "SELECT * WHERE { ?s ?p ?o }"
    assert read_get([("query", query)]).query == query
    assert (
        read_post(
            f"{FORM}; charset=UTF-8", [], b"query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D"
        ).query
        == query
    )
    direct = read_post("application/sparql-query", [("format", "csv")], query.encode())
    assert (direct.query, direct.formats) == (query, ("csv",))
    assert read_get([]).query is None


@pytest.mark.parametrize(
    ("content_type", "params", "body"),
    [
        (FORM, [], b"update=DROP+ALL"),
        ("application/sparql-update", [], b"DROP ALL"),
        (FORM, [("using-graph-uri", "urn:x:g")], b"query=ASK+%7B%7D"),
        (FORM, [], b"query=ASK+%7B%7D&using-named-graph-uri=urn%3Ax%3Ag"),
    ],
)
def test_updates_are_refused(content_type: str, params: list[tuple[str, str]], body: bytes) -> None:
    with pytest.raises(QueryRefusedError):
        read_post(content_type, params, body)


def test_the_dataset_comes_from_the_url_and_the_form_in_order_without_repeats() -> None:
    url = [("default-graph-uri", "urn:x:d1"), ("named-graph-uri", "urn:x:n1")]
    body = b"query=ASK+%7B%7D&default-graph-uri=urn%3Ax%3Ad2&named-graph-uri=urn%3Ax%3An1"
    request = read_post(FORM, url, body)
    assert request.dataset == QueryDataset(("urn:x:d1", "urn:x:d2"), ("urn:x:n1",))
    assert read_get([("query", "ASK {}")]).dataset is None
    only_named = read_get([("query", "ASK {}"), ("named-graph-uri", "urn:x:n")]).dataset
    assert only_named == QueryDataset((), ("urn:x:n",))  # and so an empty default graph
    direct = read_post("application/sparql-query", url, b"ASK {}")
    assert direct.dataset == QueryDataset(("urn:x:d1",), ("urn:x:n1",))


def test_a_dataset_graph_must_be_an_absolute_iri() -> None:
    with pytest.raises(InvalidParameterError, match="absolute IRI") as raised:
        read_get([("query", "ASK {}"), ("named-graph-uri", "not an iri")])
    assert raised.value.details["parameter"] == "named-graph-uri"


@pytest.mark.parametrize(
    ("content_type", "params", "body", "status", "code"),
    [
        ("text/plain", [], b"ASK {}", 415, "unsupported-media-type"),
        (None, [], b"ASK {}", 415, "unsupported-media-type"),
        (FORM, [], b"query=a&query=b", 400, "bad-request"),
        ("application/sparql-query", [("query", "ASK {}")], b"ASK {}", 400, "bad-request"),
        ("application/sparql-query", [], b"\xff\xfe", 400, "invalid-encoding"),
        ("application/sparql-query; charset=UTF-16", [], "ASK {}".encode("utf-16"), 415, None),
        (FORM, [], b"query=ASK+%7B%FF%7D", 400, "invalid-encoding"),
        ("application/sparql-query", [], b" " * (MAX_BODY_BYTES + 1), 413, "request-too-large"),
        (FORM, [], b"query=" + b"a" * (MAX_BODY_BYTES - 6), 200, None),
    ],
)
def test_protocol_mistakes(
    content_type: str | None,
    params: list[tuple[str, str]],
    body: bytes,
    status: int,
    code: str | None,
) -> None:
    if status == 200:
        assert read_post(content_type, params, body).query
        return
    with pytest.raises(ApiError) as raised:
        read_post(content_type, params, body)
    assert raised.value.status == status
    if code:
        assert raised.value.code == code


def test_a_query_longer_than_a_body_may_be_is_refused_in_a_url_too() -> None:
    with pytest.raises(ApiError) as raised:
        read_get([("query", "ASK {}" + " " * MAX_BODY_BYTES)])
    assert raised.value.status == 413
    assert "characters long" in str(raised.value)


def test_an_invalid_utf8_form_is_refused_not_replaced() -> None:
    with pytest.raises(InvalidEncodingError):
        read_post(FORM, [], "query=ASK {} # é".encode("latin-1"))


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/xml", "application/sparql-results+xml"),
        ("text/*", "text/csv"),
        ("text/*;q=0.9, text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0, */*;q=0.1", "application/sparql-results+json"),
        ("image/png", None),
    ],
)
def test_choose_results_type(accept: str | None, expected: str | None) -> None:
    assert choose(accept, RESULTS_TYPES, RESULTS_ALIASES) == expected


def test_browsers_get_html_and_everyone_else_rdf() -> None:
    offered = (*GRAPH_TYPES, HTML)
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert choose(browser, offered, GRAPH_ALIASES) == HTML
    assert choose("*/*", offered, GRAPH_ALIASES) == "text/turtle"
    assert choose("application/json", offered, GRAPH_ALIASES) == "application/ld+json"


def test_format_override() -> None:
    assert format_override(["tsv", "text/tab-separated-values"], graph=False) == (
        "text/tab-separated-values"
    )
    assert format_override(["json"], graph=True) == "application/ld+json"
    assert format_override(["rdf+xml"], graph=True) == "application/rdf+xml"
    assert format_override(["nq"], graph=True) == "application/n-quads"
    with pytest.raises(NotAcceptableError, match="csv"):
        format_override(["csv"], graph=True)


# -- the one registry --------------------------------------------------------------------------

# Every short name the endpoint, the linked data, the graph store and the CLI accept, with the
# type it means for a table of results and for a graph (None: not that kind).
EXPECTED_NAMES = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "ttl": (None, "text/turtle"),
    "turtle": (None, "text/turtle"),
    "jsonld": (None, "application/ld+json"),
    "rdf": (None, "application/rdf+xml"),
    "nt": (None, "application/n-triples"),
    "nq": (None, "application/n-quads"),
    "trig": (None, "application/trig"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_each_name_means_one_type_for_each_kind_of_answer(name: str) -> None:
    results, graph = EXPECTED_NAMES[name]
    assert named(name, RESULTS_TYPES) == results
    assert named(name.upper(), GRAPH_TYPES) == graph
    assert named(name, TABLE_TYPES) == {"json": "application/json", "csv": "text/csv"}.get(name)


def test_every_registered_type_is_named_and_unique() -> None:
    assert len({f.media_type for f in FORMATS}) == len(FORMATS)
    for offered in (RESULTS_TYPES, GRAPH_TYPES):
        assert set(EXPECTED_NAMES) & set(names(offered)) == {
            name for name, types in EXPECTED_NAMES.items() if types[offered is GRAPH_TYPES]
        }


def test_negotiate_lets_format_win_over_accept() -> None:
    assert negotiate("text/turtle", ["nq"], GRAPH_TYPES) == "application/n-quads"
    assert negotiate("text/x-nquads", [], GRAPH_TYPES) == "application/n-quads"
    assert negotiate(None, [], GRAPH_TYPES) == "text/turtle"
    with pytest.raises(NotAcceptableError):
        negotiate("image/png", [], GRAPH_TYPES)


def test_etags() -> None:
    tag = entity_tag("v1", "ASK {}\x00text/csv")
    assert tag.startswith('W/"') and tag != entity_tag("v2", "ASK {}\x00text/csv")
    assert etag_matches(tag, tag)
    assert etag_matches(f'"x", {tag.removeprefix("W/")}', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('"other"', tag)
    assert not etag_matches("", tag)
