"""The OpenAPI document describes what is served, and Schemathesis finds nothing it does not.

The document is read for what it must say (each operation's media types, every error as
the one problem shape, the enumerated parameters with the served dataset's values, read
here from reviews.yaml, the manifest and the vocabulary files); then Schemathesis 4 calls
every operation of the real app over the real build, in process (ASGI), with every check it
has (``not_a_server_error`` and ``response_schema_conformance`` among them) and the bounded
examples and the few documented exceptions of tests/api/schemathesis.toml. The server's own
refusals (413, 414, 431), made before a request reaches the app, are test_request_limits.py's.
"""

from __future__ import annotations

import re
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel
from rdflib import Graph
from rdflib.namespace import SKOS
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from smqi.api.app import create_app
from smqi.api.http.media import GRAPH_TYPES, RESULTS_TYPES
from smqi.api.http.openapi import BLANK
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings
from tests.paths import REPO

from .built_graph import make_settings
from .served_app import UnclosableStore

pytestmark = pytest.mark.integration

CONFIG = Path(__file__).with_name("schemathesis.toml")
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


def test_the_reload_endpoint_documents_its_refusals(
    built_data: Path, embedded_store: EmbeddedStore, embedded_settings: EmbeddedStoreSettings
) -> None:
    """POST /admin/reload exists only with a token; its 401, 409 and 422 are documented."""
    settings = make_settings(built_data, embedded_settings, reload_token="a-token")
    app = create_app(settings, UnclosableStore(embedded_store))  # type: ignore[arg-type]
    with TestClient(app) as client:
        operation = client.get("/openapi.json").json()["paths"]["/admin/reload"]["post"]
        problem = {"$ref": "#/components/schemas/Problem"}
        for status in ("401", "409", "422"):
            assert operation["responses"][status]["content"][PROBLEM_JSON]["schema"] == problem
        refused = client.post("/admin/reload", headers={"Authorization": "Bearer not-it"})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert refused.json()["status"] == 401 and refused.json()["code"]


def test_404s_are_problems(client: TestClient) -> None:
    for path in ("/fdp/distribution/nothing", "/downloads/nothing", "/static/nothing.css",
                 "/nothing", "/id/nothing", "/concepts/nothing"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == PROBLEM_JSON, path
        assert response.json()["code"] == "not-found", path


# -- Schemathesis ------------------------------------------------------------------------------


@dataclass
class ContractRun:
    """What a Schemathesis run did and found."""

    seconds: float = 0.0
    scenarios: Counter[str] = field(default_factory=Counter)  # by phase
    operations: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)  # (operation, check): why
    errors: list[str] = field(default_factory=list)
    stop_reason: str = ""

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def summary(self) -> str:
        return (
            f"Schemathesis: {self.requests} requests to {len(self.operations)} operations in "
            f"{self.seconds:.1f} s ({dict(self.scenarios)}); statuses "
            f"{dict(sorted(self.statuses.items()))}; {len(self.failures)} failures, "
            f"{len(self.errors)} errors; stopped: {self.stop_reason}"
        )


def run_schemathesis(app: Any, config: SchemathesisConfig) -> ContractRun:
    """Every phase Schemathesis has (examples, coverage, fuzzing, stateful) over ``app``'s own
    document, in process (ASGI), with every check ``config`` enables."""
    contract = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    run = ContractRun()
    started = time.monotonic()
    for event in engine.from_schema(contract).execute():
        if isinstance(event, events.ScenarioFinished):
            run.scenarios[f"{event.phase.value} {event.status.value}"] += 1
            if event.status is not Status.SKIP and event.label:
                run.operations.add(event.label)
            recorder = event.recorder
            for interaction in recorder.interactions.values():
                if interaction.response is not None:
                    run.statuses[interaction.response.status_code] += 1
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status is Status.FAILURE and check.failure_info is not None:
                        request = recorder.interactions.get(case_id)
                        sent = f"{request.request.method} {request.request.uri}" if request else ""
                        why = f"{check.failure_info.failure.title}: {sent}"
                        run.failures.setdefault((event.label or "", check.name), why)
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            run.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            run.stop_reason = event.stop_reason.value
    run.seconds = time.monotonic() - started
    return run


def test_every_check_is_on() -> None:
    """Every check Schemathesis has runs, the two the issue names among them."""
    checks = SchemathesisConfig.from_path(CONFIG).projects.default.checks
    for name in ("not_a_server_error", "response_schema_conformance", "status_code_conformance",
                 "content_type_conformance", "response_headers_conformance",
                 "negative_data_rejection", "positive_data_acceptance", "unsupported_method",
                 "allow_header_conformance", "use_after_free",
                 "ensure_resource_availability"):  # fmt: skip
        assert getattr(checks, name).enabled, name


def test_schemathesis_finds_what_a_lying_document_hides() -> None:
    """The control: the same run over an app whose document says what it does not do."""
    lying = FastAPI()

    class Count(BaseModel):
        count: int

    @lying.get("/count", response_model=Count)
    def count() -> Response:
        return Response('{"count": "many"}', media_type="application/json")

    @lying.get("/fails")
    def fails() -> Response:
        return Response("the disk is on fire", status_code=500)

    run = run_schemathesis(lying, SchemathesisConfig.from_path(CONFIG))
    print(run.summary())
    found = {check for _, check in run.failures}
    assert {"response_schema_conformance", "not_a_server_error"} <= found, run.failures


def test_schemathesis_finds_nothing(
    built_data: Path, embedded_store: EmbeddedStore, embedded_settings: EmbeddedStoreSettings
) -> None:
    settings = make_settings(built_data, embedded_settings)
    app = create_app(settings, UnclosableStore(embedded_store))  # type: ignore[arg-type]
    with TestClient(app) as warm:  # the ontology's page (pyLODE) is made once, in seconds
        assert warm.get("/ontology", headers={"Accept": "text/html"}).status_code == 200
    settings = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    run = run_schemathesis(app, SchemathesisConfig.from_dict(settings))
    print(f"\n{run.summary()}")
    assert run.failures == {} and run.errors == [], run.failures or run.errors
    assert run.stop_reason == "completed"
    documented = {f"{method} {path}" for method, path, _ in operations(app.openapi())}
    assert run.operations == documented
    assert run.statuses[200] > 500 and run.statuses[400] > 100  # valid and invalid requests
    # the configuration names real resources for the operations with a path parameter; the
    # same operations again, on whatever Schemathesis makes up (mostly nothing: 404s)
    pinned = [operation for operation in settings["operations"] if "parameters" in operation]
    paths = [operation["include-path"] for operation in pinned]
    settings["operations"] = [
        *(o for o in settings["operations"] if o not in pinned),
        {"exclude-path": paths, "enabled": False},  # (turns every other operation off)
    ]
    anywhere = run_schemathesis(app, SchemathesisConfig.from_dict(settings))
    print(anywhere.summary())
    assert anywhere.failures == {} and anywhere.errors == [], anywhere.failures or anywhere.errors
    assert {label.split(" ", 1)[1] for label in anywhere.operations} == set(paths)
    assert anywhere.statuses[404] > 50
