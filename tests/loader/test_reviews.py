"""Review records to RDF: the authors keep the order the review lists them in."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from smqi.loader.build import BuildReport
from smqi.loader.concepts import ConceptIndex
from smqi.loader.reviews import ReviewWriter
from smqi.loader.terms import DEFAULT_BASE
from tests.conftest import select
from tests.paths import REPO

GRAPH = f"{DEFAULT_BASE}graph/reviews"
AUTHORS_IN_ORDER = """
    PREFIX smqi: <https://w3id.org/smqi/ontology#>
    PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX foaf: <http://xmlns.com/foaf/0.1/>
    PREFIX dcterms: <http://purl.org/dc/terms/>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?review ?position ?name ?creator ?label WHERE {
        ?review prov:qualifiedAttribution ?authorship .
        ?authorship a smqi:Authorship ; smqi:authorPosition ?position ; prov:agent ?person ;
            rdfs:label ?label .
        ?person foaf:name ?name .
        BIND (EXISTS { ?review dcterms:creator ?person } AS ?creator)
    }
    """


def authors_by_review(store: ox.Store) -> dict[str, list[tuple[int, str, str]]]:
    found: dict[str, list[tuple[int, str, str]]] = {}
    for row in select(store, AUTHORS_IN_ORDER):
        position = int(row["position"])
        # the label a page shows for the place in the list
        assert row["label"] == f"{row['name']} (author {position})"
        found.setdefault(row["review"], []).append((position, row["name"], row["creator"]))
    return {review: sorted(rows) for review, rows in found.items()}


def test_authors_keep_their_published_order_even_when_the_family_name_is_shared() -> None:
    # SYNTHETIC review record: two authors share a family name and are listed against the
    # alphabet, which no ordering by name or by place in the citation can recover.
    authors = ["Zoe Smith", "Adam Smith", "Maria Garcia"]
    record = {"id": "synthetic-review", "title": "A synthetic review", "authors": authors}
    written = ReviewWriter(DEFAULT_BASE, GRAPH, Path("reviews.yaml"), ConceptIndex()).write(
        [record]
    )
    store = ox.Store()
    store.load("\n".join(written.quads).encode(), format=ox.RdfFormat.N_QUADS)
    review = f"{DEFAULT_BASE}review/synthetic-review"
    assert authors_by_review(store) == {
        review: [(n, name, "true") for n, name in enumerate(authors, start=1)]
    }
    authorships = [
        row["a"]
        for row in select(
            store, "SELECT ?a { ?r <http://www.w3.org/ns/prov#qualifiedAttribution> ?a }"
        )
    ]
    assert sorted(authorships) == [f"{review}/author/{n}" for n in (1, 2, 3)]


@pytest.mark.integration
def test_the_published_build_lists_each_reviews_authors_as_reviews_yaml_does(
    built: tuple[BuildReport, ox.Store],
) -> None:
    _, store = built
    records = yaml.safe_load((REPO / "data" / "reviews.yaml").read_text())["reviews"]
    expected = {
        f"{DEFAULT_BASE}review/{r['id']}": [
            (n, name, "true") for n, name in enumerate(r["authors"], start=1)
        ]
        for r in records
    }
    assert authors_by_review(store) == expected
