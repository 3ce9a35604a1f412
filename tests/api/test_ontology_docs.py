"""/ontology in a browser: pyLODE's documentation of every class and property, checked
against ontology/smqi.ttl and the vocabularies read with rdflib, and the sheet."""

from __future__ import annotations

import csv
import html
import re

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import OWL, RDF, RDFS, SKOS, URIRef

from tests.paths import DATA, ONTOLOGY

pytestmark = [pytest.mark.integration]

SMQI = "https://w3id.org/smqi/ontology#"


@pytest.fixture(scope="module")
def page(client: TestClient) -> str:
    response = client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def sections(page: str) -> dict[str, str]:
    """Each term's section of the page, by its anchor."""
    found: dict[str, str] = {}
    starts = [
        (m.start(), m.group(1))
        for m in re.finditer(r'<div class="property entity" id="([^"]+)"', page)
    ]
    starts += [
        (m.start(), m.group(1))
        for m in re.finditer(r'<div class="class entity" id="([^"]+)"', page)
    ]
    starts.sort()
    for (start, anchor), (end, _) in zip(starts, [*starts[1:], (len(page), "")], strict=True):
        found[anchor] = html.unescape(re.sub(r"<[^>]+>", " ", page[start:end]))
    return found


def words(text: str) -> str:
    return " ".join(text.split())


def test_every_term_is_documented_with_its_label_definition_domain_and_range(page: str) -> None:
    assert "pyLODE" in page
    ontology = rdflib.Graph().parse(ONTOLOGY / "smqi.ttl")
    documented = sections(page)
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    terms = {
        t for kind in kinds for t in ontology.subjects(RDF.type, kind) if str(t).startswith(SMQI)
    }
    assert len(terms) > 40
    for term in terms:
        fragment = str(term).removeprefix(SMQI)
        assert fragment in documented, fragment
        section = words(documented[fragment])
        label = ontology.value(term, RDFS.label)
        assert label is not None and words(str(label)) in section, fragment
        definition = ontology.value(term, SKOS.definition)
        if definition is not None:
            assert words(str(definition)) in section, fragment
        for related in (*ontology.objects(term, RDFS.domain), *ontology.objects(term, RDFS.range)):
            related_label = ontology.value(related, RDFS.label)
            if isinstance(related, URIRef) and related_label is not None:
                assert words(str(related_label)) in section, (fragment, str(related))


def test_vocabularies_are_listed_under_their_classes(page: str) -> None:
    platforms = rdflib.Graph().parse(ONTOLOGY / "vocabularies" / "platform.ttl")
    section = words(sections(page)["SocialMediaPlatform"])
    for concept in platforms.subjects(SKOS.inScheme, None):
        assert (
            str(concept) in section
            or words(str(platforms.value(concept, SKOS.prefLabel))) in section
        )


def test_classes_show_examples_from_the_graph(page: str) -> None:
    with (DATA / "sheets" / "illustrative-extraction.csv").open(encoding="utf-8") as handle:
        dois = sorted(row["doi"].lower() for row in csv.DictReader(handle) if row["doi"])
    section = sections(page)["Study"]
    assert "Example" in section
    assert f"https://w3id.org/smqi/id/study/doi/{dois[0]}" in section
