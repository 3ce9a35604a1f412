"""Unit tests of parameter binding: user input reaches queries only as RDF terms."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from loader.queries import QueryBindingError, bind_values

QUERY = """# a comment that says WHERE { should be ignored
PREFIX ex: <http://example.org/>
SELECT ?s (COUNT(?o) AS ?n) WHERE {
  ?s ex:p ?o .
} GROUP BY ?s"""


def _store() -> ox.Store:
    store = ox.Store()
    ex = "http://example.org/"
    for s, o in (("a", "1"), ("a", "2"), ("b", "3")):
        store.add(ox.Quad(ox.NamedNode(ex + s), ox.NamedNode(ex + "p"), ox.Literal(o)))
    return store


def test_values_block_goes_inside_the_outer_where_so_it_restricts_before_grouping() -> None:
    bound = bind_values(QUERY, {"s": ox.NamedNode("http://example.org/a")})
    assert bound.index("VALUES ?s") > bound.index("SELECT")
    rows = list(_store().query(bound))  # type: ignore[union-attr]
    assert [(r["s"].value, r["n"].value) for r in rows] == [("http://example.org/a", "2")]


def test_a_list_binds_several_values_as_alternatives() -> None:
    bound = bind_values(
        QUERY, {"s": [ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b")]}
    )
    rows = list(_store().query(bound))  # type: ignore[union-attr]
    assert sorted(r["n"].value for r in rows) == ["1", "2"]


@pytest.mark.parametrize("hostile", ['x" } ; DROP ALL ; #', "a\nb", '\\"', "} UNION { ?s ?p ?o }"])
def test_hostile_strings_stay_one_literal(hostile: str) -> None:
    query = "SELECT ?v WHERE { }"
    bound = bind_values(query, {"v": ox.Literal(hostile)})
    rows = list(ox.Store().query(bound))  # type: ignore[union-attr]
    assert [r["v"].value for r in rows] == [hostile]


@pytest.mark.parametrize("name", ["s }", "a b", "", "1x"])
def test_parameter_names_must_be_variable_names(name: str) -> None:
    with pytest.raises(QueryBindingError):
        bind_values(QUERY, {name: ox.Literal("x")})


def test_query_without_where_group_is_refused() -> None:
    with pytest.raises(QueryBindingError):
        bind_values("ASK { ?s ?p ?o }", {"s": ox.Literal("x")})
