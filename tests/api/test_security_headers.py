"""Security headers: every answer says nosniff and a Referrer-Policy; every HTML answer has a
strict Content-Security-Policy (no inline script, no framing), every other answer one that
runs and loads nothing. Checked over every kind of page and answer, the error pages, the
router's own refusals and an unexpected failure's 500. What Chromium makes of the policies
is test_pages_browser.py's; the server's own refusals are test_request_limits.py's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smqi.api.app import create_app
from smqi.api.store import EmbeddedStoreSettings

from .built_graph import make_settings

pytestmark = pytest.mark.integration

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Every kind of page, with the status it answers.
PAGES = {
    "/": 200,
    "/studies": 200,
    "/studies?platform=Twitter&q=hospital": 200,
    "/id/study/doi/10.1136/bmjqs-2015-004309": 200,
    "/studies/doi/10.1136/bmjqs-2015-004309": 200,
    "/reviews": 200,
    "/reviews/walsh-2021": 200,
    "/concepts": 200,
    "/concepts/platform": 200,
    "/summary?rows=platform&cols=stage": 200,
    "/gaps?rows=platform&cols=stage": 200,
    "/map": 200,
    "/sparql": 200,
    "/docs": 200,
    "/ontology": 200,
    "/id/record/illustrative-extraction/doi/10.1136/bmjqs-2015-004309": 200,
    "/id/review/walsh-2021": 200,
    "/vocab/platform/twitter": 200,
    "/vocab/platform": 200,
    "/map?rows=platfrom": 400,
    "/studies?platform=Twiter": 400,
    "/reviews/walsh-2099": 404,
    "/id/study/doi/10.9999/none": 404,
}
# Every other kind of answer: (method, URL, request headers, status).
OTHERS = (
    ("GET", "/", {"Accept": "text/turtle"}, 200),
    ("GET", "/studies", {}, 200),
    ("GET", "/studies?format=csv", {}, 200),
    ("GET", "/studies?format=ris", {}, 200),
    ("GET", "/map?format=svg", {}, 200),
    ("GET", "/id/study/doi/10.1136/bmjqs-2015-004309", {"Accept": "text/turtle"}, 200),
    ("GET", "/ontology?format=jsonld", {}, 200),
    ("GET", "/sparql?query=ASK%7B%7D", {}, 200),
    ("GET", "/sparql?query=ASK%7B", {}, 400),
    ("GET", "/store?default", {"Accept": "application/n-quads"}, 200),
    ("GET", "/.well-known/void", {}, 200),
    ("GET", "/fdp", {}, 200),
    ("GET", "/openapi.json", {}, 200),
    ("GET", "/static/site.css", {}, 200),
    ("GET", "/static/sparql-editor.js", {}, 200),
    ("GET", "/static/nothing.js", {}, 404),
    ("GET", "/favicon.ico", {}, 200),
    ("GET", "/nothing/here", {}, 404),
    ("GET", "/id/study/doi/10.9999/none", {"Accept": "text/turtle"}, 404),
    ("DELETE", "/studies", {}, 405),
    ("HEAD", "/studies", {}, 200),
    ("GET", "/%FF", {}, 400),
    (
        "OPTIONS",
        "/sparql",
        {"Origin": "https://e.org", "Access-Control-Request-Method": "POST"},
        204,
    ),
    ("POST", "/admin/reload", {}, 404),
)


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as its directives' sources (CSP 3, section 2.2)."""
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed.setdefault(name.lower(), sources)
    return parsed


def assert_common(headers: dict[str, str] | object) -> None:
    assert headers["x-content-type-options"] == "nosniff"  # type: ignore[index]
    assert headers["referrer-policy"] == "no-referrer"  # type: ignore[index]


def assert_page_policy(policy: str, url: str) -> None:
    found = directives(policy)
    assert found["default-src"] == ["'self'"], url
    assert found["script-src"] == ["'self'"], url  # no inline script, no eval
    assert found["object-src"] == ["'none'"] and found["base-uri"] == ["'none'"], url
    assert found["frame-ancestors"] == ["'none'"], url
    assert found["form-action"] == ["'self'"], url
    styles = found["style-src"]
    assert "'unsafe-inline'" not in styles, url
    # a hash allows one known <style> element, and only the query editor needs one
    hashed = [s for s in styles if s.startswith("'sha256-")]
    assert styles == ["'self'", *hashed] and len(hashed) == (url == "/sparql"), url
    images = found["img-src"]
    assert images == (["'self'", "data:"] if url == "/docs" else ["'self'"]), url
    assert all("*" not in sources for sources in found.values()), url


@pytest.mark.parametrize("url", sorted(PAGES))
def test_every_page_has_a_strict_policy(client: TestClient, url: str) -> None:
    response = client.get(url, headers={"Accept": BROWSER})
    assert response.status_code == PAGES[url], url
    assert response.headers["content-type"].startswith("text/html"), url
    assert_common(response.headers)
    assert response.headers["x-frame-options"] == "DENY"
    path = url.split("?", 1)[0]
    assert_page_policy(response.headers["content-security-policy"], path)
    # nothing inline the policy would have to allow
    text = response.text
    assert "<style" not in text and " style=" not in text, url
    assert text.count("<script") == text.count("<script src=") + text.count(
        '<script type="application/'
    ), url


@pytest.mark.parametrize(("method", "url", "headers", "status"), OTHERS)
def test_every_other_answer_runs_and_loads_nothing(
    client: TestClient, method: str, url: str, headers: dict[str, str], status: int
) -> None:
    response = client.request(method, url, headers=headers)
    assert response.status_code == status, (method, url)
    assert not response.headers.get("content-type", "").startswith("text/html")
    assert_common(response.headers)
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_a_304_keeps_the_page_s_policy(client: TestClient) -> None:
    """A browser copies a 304's headers onto the page it kept: a 304 sends no policy."""
    first = client.get("/studies", headers={"Accept": BROWSER})
    again = client.get(
        "/studies", headers={"Accept": BROWSER, "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert_common(again.headers)
    assert "content-security-policy" not in again.headers
    assert "x-frame-options" not in again.headers


class BrokenStore:
    """A store that fails in a way nobody planned for."""

    def __getattr__(self, name: str) -> object:
        def fail(*args: object, **kwargs: object) -> object:
            raise RuntimeError("the disk is on fire")

        return fail


def test_an_unexpected_failure_s_500_has_the_headers(built_data: Path, tmp_path: Path) -> None:
    settings = make_settings(built_data, EmbeddedStoreSettings(data_dir=tmp_path))
    app = create_app(settings, BrokenStore())  # type: ignore[arg-type]
    client = TestClient(app, raise_server_exceptions=False)  # no lifespan: nothing warmed
    response = client.get("/studies", headers={"Accept": BROWSER})
    assert response.status_code == 500
    assert "disk" not in response.text
    assert_common(response.headers)
    assert directives(response.headers["content-security-policy"])["default-src"] == ["'none'"]
