"""The OpenAPI document describes what is served: each operation's media types, every error
as the one problem shape, the enumerated parameters with the served dataset's values (read
here from reviews.yaml, the manifest and the vocabulary files), and 404s as problems.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.namespace import SKOS

from smqi.api.http.media import GRAPH_TYPES, RESULTS_TYPES
from smqi.api.http.openapi import BLANK
from tests.paths import REPO

pytestmark = pytest.mark.integration

PROBLEM_JSON = "application/problem+json"
VOCABULARIES = {
    "platform": "platform",
    "population": "population",
    "communication_model": "communication-model",
    "activity": "qi-activity",
    "stage": "qi-cycle-stage",
    "model_of_use": "model-of-use",
}


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in operation["parameters"] if p["name"] == name]
    assert len(found) == 1, name
    return found[0]["schema"]


def success_types(operation: dict[str, Any]) -> set[str]:
    return set(operation["responses"]["200"]["content"])


def test_every_error_is_the_one_problem_shape(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code", "message"} <= set(problem["required"])
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, operation in operations(document):
        responses = operation["responses"]
        assert "422" not in responses or path == "/admin/reload", (method, path)
        # the server's own refusals, and a URL that is not UTF-8, may meet any operation
        assert {"400", "413", "414", "431"} <= set(responses), (method, path)
        for status, response in responses.items():
            if status[0] not in "45":
                continue
            content = response["content"]
            assert content[PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
            assert set(content) <= {PROBLEM_JSON, "text/html"}, (method, path, status)


def test_each_operation_says_what_it_answers(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert success_types(paths["/"]["get"]) == {"text/html", *GRAPH_TYPES}
    assert {"application/json", "text/html", "text/csv", "application/x-research-info-systems",
            "application/x-bibtex"} == success_types(paths["/studies"]["get"])  # fmt: skip
    assert success_types(paths["/summary"]["get"]) == {"application/json", "text/html", "text/csv"}
    assert success_types(paths["/map"]["get"]) == {"text/html", "image/svg+xml", "text/csv"}
    for linked in ("/id/{path}", "/vocab/{path}", "/ontology", "/ontology/{version}"):
        assert success_types(paths[linked]["get"]) == {"text/html", *GRAPH_TYPES}, linked
        assert {"304", "404", "406"} <= set(paths[linked]["get"]["responses"])
    sparql = paths["/sparql"]
    assert success_types(sparql["get"]) == {*RESULTS_TYPES, *GRAPH_TYPES, "text/html"}
    assert {"406", "503", "504"} <= set(sparql["get"]["responses"])
    assert {"415", "503", "504"} <= set(sparql["post"]["responses"])
    assert set(sparql["post"]["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "application/sparql-query",
    }
    assert [p["name"] for p in sparql["get"]["parameters"]] == [
        "query", "default-graph-uri", "named-graph-uri", "format",
    ]  # fmt: skip
    for described in ("/.well-known/void", "/fdp", "/store"):
        assert success_types(paths[described]["get"]) == set(GRAPH_TYPES), described
    assert "404" in paths["/downloads/{name}"]["get"]["responses"]
    assert "415" in paths["/reconcile"]["post"]["responses"]


def test_enumerated_parameters_are_enums(document: dict[str, Any]) -> None:
    paths = document["paths"]
    dimensions = ["platform", "population", "communication_model", "activity", "stage",
                  "country", "model_of_use", "theme"]  # fmt: skip
    for path in ("/summary", "/gaps"):
        for name in ("rows", "cols"):
            assert parameter(paths[path]["get"], name)["enum"] == dimensions, (path, name)
    assert parameter(paths["/summary"]["get"], "layout")["enum"] == ["long", "matrix"]
    studies_format = parameter(paths["/studies"]["get"], "format")["anyOf"]
    assert studies_format == [
        {"type": "string", "enum": ["json", "csv", "html", "ris", "bibtex", "bib"]}, BLANK,
    ]  # fmt: skip
    assert parameter(paths["/map"]["get"], "format")["enum"] == ["", "html", "svg", "csv"]
    linked = parameter(paths["/id/{path}"]["get"], "format")["enum"]
    # the README's names of the linked-data formats, and no table format
    assert {"", "ttl", "jsonld", "rdf", "nt", "nq", "trig", "html"} <= set(linked)
    assert not {"csv", "tsv", "srj"} & set(linked)
    year = parameter(paths["/studies"]["get"], "year")["items"]["pattern"]
    assert re.fullmatch(year, "2016") and re.fullmatch(year, "") and not re.fullmatch(year, "16")


def test_reviews_and_labels_are_listed_from_the_served_dataset(
    document: dict[str, Any],
) -> None:
    reviews = yaml.safe_load((REPO / "data" / "reviews.yaml").read_text(encoding="utf-8"))
    manifest = yaml.safe_load((REPO / "data" / "manifest.yaml").read_text(encoding="utf-8"))
    ids = sorted([r["id"] for r in reviews["reviews"]] + [c["id"] for c in manifest["collections"]])
    studies = document["paths"]["/studies"]["get"]
    for path in ("/studies", "/summary", "/gaps", "/map", "/concepts/{scheme}"):
        review = parameter(document["paths"][path]["get"], "review")
        assert review["anyOf"] == [{"type": "string", "enum": ids}, BLANK], path
    for name, scheme in VOCABULARIES.items():
        graph = Graph().parse(REPO / "ontology" / "vocabularies" / f"{scheme}.ttl")
        concepts = set(graph.subjects(SKOS.inScheme, None))
        labels = sorted({str(graph.value(concept, SKOS.prefLabel)) for concept in concepts})
        items = parameter(studies, name)["items"]["anyOf"]
        listed = items[0].get("enum", [])
        assert listed == labels, name
        assert items[1] == BLANK
    # the map takes the same filters
    map_platform = parameter(document["paths"]["/map"]["get"], "platform")
    assert map_platform["items"] == parameter(studies, "platform")["items"]


def test_404s_are_problems(client: TestClient) -> None:
    for path in ("/fdp/distribution/nothing", "/downloads/nothing", "/static/nothing.css",
                 "/nothing", "/id/nothing", "/concepts/nothing"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == PROBLEM_JSON, path
        assert response.json()["code"] == "not-found", path
