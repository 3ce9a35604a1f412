"""Cross-origin reads over a real socket: every published resource carries the CORS headers a
browser needs to hand the answer to a page elsewhere, the answer is the same with or without
an Origin, and preflights allow reading (and POSTing a query) but nothing that writes or
sends credentials. The browser itself is exercised in test_pages_browser.py."""

from __future__ import annotations

import http.client
import urllib.parse

import pytest

from .test_replay import PATHS as CACHED_ANSWERS

pytestmark = pytest.mark.integration


ELSEWHERE = "https://another-review.example"
ASK = urllib.parse.quote("ASK { ?s ?p ?o }")
# the cached answers of every kind (test_replay's list), and everything else the server serves
PATHS = [
    "/",
    "/fdp",
    "/fdp/dataset/smqi",
    "/.well-known/void",
    "/.well-known/sparql-examples",
    "/downloads/smqi.ttl",
    *CACHED_ANSWERS,
    f"/sparql?query={ASK}",
    "/sparql",
]


def _request(
    base: str, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _listed(value: str) -> set[str]:
    return {item.strip().lower() for item in value.split(",") if item.strip()}


@pytest.mark.parametrize("path", PATHS)
def test_every_resource_may_be_read_from_another_origin(served: str, path: str) -> None:
    accept = {"Accept": "text/turtle"} if path == "/sparql" else {"Accept": "*/*"}
    status, cross, body = _request(served, "GET", path, {**accept, "Origin": ELSEWHERE})
    assert status == 200, body[:300]
    assert cross["access-control-allow-origin"] == "*"
    assert {"etag", "link", "content-disposition"} <= _listed(
        cross["access-control-expose-headers"]
    )
    # the same answer without an Origin, CORS headers included: one cached copy fits everyone
    same_status, plain, same_body = _request(served, "GET", path, accept)
    assert (same_status, same_body) == (status, body)
    assert plain["access-control-allow-origin"] == "*"
    assert "origin" not in _listed(plain.get("vary", ""))


@pytest.mark.parametrize("path", ["/sparql", "/reconcile"])
def test_a_page_elsewhere_may_post_queries(served: str, path: str) -> None:
    preflight = {
        "Origin": ELSEWHERE,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type, Accept",
    }
    status, headers, _ = _request(served, "OPTIONS", path, preflight)
    assert status == 204
    assert headers["access-control-allow-origin"] == "*"
    assert "POST" in headers["access-control-allow-methods"]
    assert {"content-type", "accept"} <= _listed(headers["access-control-allow-headers"])
    assert int(headers["access-control-max-age"]) > 0


def test_a_page_elsewhere_gets_the_answer_to_a_posted_query(served: str) -> None:
    query = b"SELECT (COUNT(*) AS ?n) WHERE { ?review a <https://w3id.org/smqi/ontology#Review> }"
    status, headers, body = _request(
        served,
        "POST",
        "/sparql",
        {"Origin": ELSEWHERE, "Content-Type": "application/sparql-query", "Accept": "text/csv"},
        query,
    )
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    assert body.decode().split() == ["n", "2"]


@pytest.mark.parametrize(
    ("path", "method", "asked", "refusal"),
    [
        ("/studies", "POST", "", "method POST"),
        ("/store", "PUT", "content-type", "method PUT"),
        ("/id/review/walsh-2021", "DELETE", "", "method DELETE"),
        ("/sparql", "GET", "authorization", "header(s) authorization"),
        ("/sparql", "POST", "content-type, x-api-key", "header(s) x-api-key"),
    ],
)
def test_preflights_refuse_what_writes_or_sends_credentials(
    served: str, path: str, method: str, asked: str, refusal: str
) -> None:
    headers = {"Origin": ELSEWHERE, "Access-Control-Request-Method": method}
    if asked:
        headers["Access-Control-Request-Headers"] = asked
    status, answer, body = _request(served, "OPTIONS", path, headers)
    assert status == 403
    assert "access-control-allow-origin" not in answer  # the browser blocks the request
    assert refusal in body.decode()


def test_reading_preflights_are_allowed_on_every_resource(served: str) -> None:
    for path in ("/studies", "/id/review/walsh-2021", "/downloads/smqi.nq", "/fdp"):
        headers = {
            "Origin": ELSEWHERE,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        }
        status, answer, _ = _request(served, "OPTIONS", path, headers)
        assert status == 204, path
        assert _listed(answer["access-control-allow-methods"]) == {"get", "head"}, path
