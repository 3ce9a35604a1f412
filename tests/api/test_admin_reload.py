"""Reloading over HTTP: absent without a token, guarded by it, atomic on failure."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smqi.api.admin.reload import ensure_loaded
from smqi.api.app import create_app
from smqi.api.settings import ApiSettings
from smqi.api.store import EmbeddedStore, EmbeddedStoreSettings
from smqi.loader.build import build
from smqi.loader.settings import BuildSettings
from tests.paths import REPO

pytestmark = pytest.mark.integration

TOKEN = "test-token-not-a-secret"
COUNT_STUDIES = "SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://w3id.org/smqi/ontology#Study> }"


def _studies(client: TestClient) -> int:
    response = client.get(
        "/sparql", params={"query": COUNT_STUDIES}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    return int(list(csv.reader(response.text.splitlines()))[1][0])


def _sheet_rows(data: Path) -> int:
    with (data / "sheets" / "illustrative-extraction.csv").open(encoding="utf-8") as handle:
        return len(list(csv.DictReader(handle)))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(
        REPO / "data", target, ignore=shutil.ignore_patterns("build", "builds", ".cache")
    )
    build(BuildSettings.for_project(target))
    return target


def _client(data: Path, tmp_path: Path, token: str | None) -> Iterator[TestClient]:
    settings = ApiSettings(
        store=EmbeddedStoreSettings(data_dir=tmp_path / "store"),
        build=BuildSettings.for_project(data),
        reload_token=token,
    )
    store = EmbeddedStore(settings.store)  # type: ignore[arg-type]
    ensure_loaded(settings, store)
    with TestClient(create_app(settings, store)) as client:
        yield client


@pytest.fixture
def guarded(data: Path, tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(data, tmp_path, TOKEN)


def test_without_a_token_there_is_no_write_endpoint(data: Path, tmp_path: Path) -> None:
    for client in _client(data, tmp_path, None):
        response = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 404
        assert "/admin/reload" not in client.get("/openapi.json").json()["paths"]
        assert _studies(client) == _sheet_rows(data)


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
def test_reload_needs_the_bearer_token(guarded: TestClient, header: str | None) -> None:
    elsewhere = {"Origin": "https://another-review.example"}
    headers = {"Authorization": header, **elsewhere} if header else elsewhere
    response = guarded.post("/admin/reload", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    # no page on another origin may use the token: no CORS answer, no preflight allowed
    assert "access-control-allow-origin" not in response.headers
    preflight = guarded.options(
        "/admin/reload",
        headers={
            **elsewhere,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code >= 400
    assert "access-control-allow-origin" not in preflight.headers


def test_reload_rebuilds_and_serves_the_new_graph(guarded: TestClient, data: Path) -> None:
    sheet = data / "sheets" / "illustrative-extraction.csv"
    rows = list(csv.reader(sheet.open(encoding="utf-8")))
    assert _studies(guarded) == len(rows) - 1  # and the endpoint now keeps this answer
    for _ in range(2):  # the second answer is replayed (api.http.replay) until the version changes
        assert guarded.get("/studies?limit=1").json()["total"] == len(rows) - 1
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows[:-5])
    before = guarded.get("/sparql", params={"query": COUNT_STUDIES}).headers.get("ETag")
    response = guarded.post(
        "/admin/reload", params={"rebuild": "true"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["rebuilt"] is True
    assert _studies(guarded) == _sheet_rows(data) == len(rows) - 1 - 5
    assert guarded.get("/studies?limit=1").json()["total"] == len(rows) - 1 - 5
    after = guarded.get("/sparql", params={"query": COUNT_STUDIES}).headers.get("ETag")
    assert before != after


def test_a_failed_rebuild_keeps_the_old_graph_served(guarded: TestClient, data: Path) -> None:
    served = _studies(guarded)
    sheet = data / "sheets" / "illustrative-extraction.csv"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace(",Twitter,", ",Tweeter,"), "utf-8")
    response = guarded.post(
        "/admin/reload", params={"rebuild": "true"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()
    assert detail["code"] == "dataset-invalid"
    assert any("unknown platform 'Tweeter'" in p for p in detail["problems"])
    assert any("column 'platforms'" in p for p in detail["problems"])
    assert _studies(guarded) == served


def test_a_damaged_workbook_is_a_4xx_and_the_old_graph_stays(
    guarded: TestClient, data: Path
) -> None:
    served = _studies(guarded)
    workbook = data / "sheets" / "coding.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + b"\x00" * 64)  # a zip's magic, then nothing of one
    manifest = data / "manifest.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text.replace("sheets/illustrative-extraction.csv", "sheets/coding.xlsx"), "utf-8"
    )
    response = guarded.post(
        "/admin/reload", params={"rebuild": "true"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 422
    assert any("coding.xlsx" in p and "XLSX" in p for p in response.json()["problems"])
    assert _studies(guarded) == served


def test_a_reload_while_another_build_runs_is_told_to_wait(guarded: TestClient, data: Path) -> None:
    from smqi.loader.publish import BuildLock

    with BuildLock(data / "build"):
        response = guarded.post(
            "/admin/reload",
            params={"rebuild": "true"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert response.status_code == 409
    assert response.json()["code"] == "busy"
    assert response.json()["build_error"] == "build-in-progress"
