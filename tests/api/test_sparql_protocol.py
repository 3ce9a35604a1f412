"""Reading SPARQL Protocol requests and choosing media types: pure functions, no I/O."""

from __future__ import annotations

import pytest

from smqi.api.errors import NotAcceptableError, QueryRefusedError
from smqi.api.http.caching import entity_tag, etag_matches
from smqi.api.http.media import choose
from smqi.api.http.negotiation import (
    GRAPH_ALIASES,
    GRAPH_TYPES,
    HTML,
    RESULTS_ALIASES,
    RESULTS_TYPES,
    format_override,
)
from smqi.api.sparql.protocol import MAX_BODY_BYTES, ProtocolError, read_get, read_post

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
        (FORM, [], b"query=ASK+%7B%7D&named-graph-uri=urn%3Ax%3Ag"),
    ],
)
def test_updates_and_dataset_parameters_are_refused(
    content_type: str, params: list[tuple[str, str]], body: bytes
) -> None:
    with pytest.raises(QueryRefusedError):
        read_post(content_type, params, body)


@pytest.mark.parametrize(
    ("content_type", "params", "body", "status"),
    [
        ("text/plain", [], b"ASK {}", 415),
        (None, [], b"ASK {}", 415),
        (FORM, [], b"query=a&query=b", 400),
        ("application/sparql-query", [("query", "ASK {}")], b"ASK {}", 400),
        ("application/sparql-query", [], b"\xff\xfe", 400),
        ("application/sparql-query", [], b" " * (MAX_BODY_BYTES + 1), 413),
    ],
)
def test_protocol_mistakes(
    content_type: str | None, params: list[tuple[str, str]], body: bytes, status: int
) -> None:
    with pytest.raises(ProtocolError) as raised:
        read_post(content_type, params, body)
    assert raised.value.status == status


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


def test_etags() -> None:
    tag = entity_tag("v1", "ASK {}\x00text/csv")
    assert tag.startswith('W/"') and tag != entity_tag("v2", "ASK {}\x00text/csv")
    assert etag_matches(tag, tag)
    assert etag_matches(f'"x", {tag.removeprefix("W/")}', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('"other"', tag)
    assert not etag_matches("", tag)
