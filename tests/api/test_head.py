"""HEAD on every kind of GET resource, over a real socket: the GET answer's status and
headers (length, type, ETag), and no body on the wire."""

from __future__ import annotations

import http.client
import urllib.parse

import pytest

pytestmark = pytest.mark.integration


PATHS = [
    "/",
    "/fdp",
    "/downloads/smqi.nq",
    "/studies?platform=Twitter&format=csv",
    "/summary?rows=platform&cols=stage",
    "/id/review/walsh-2021",
    "/vocab/platform/twitter",
    "/sparql?query=" + urllib.parse.quote("SELECT ?s WHERE { ?s a ?t } LIMIT 3"),
    "/.well-known/void",
]
SAME = ("content-type", "content-length", "etag", "last-modified")


def _request(base: str, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        connection.request(method, path, headers={"Accept": "*/*"})
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        if method == "GET":
            return response.status, headers, response.read()
        # http.client reads no body for HEAD: read whatever the socket brings after the headers
        assert connection.sock is not None and response.fp is not None
        connection.sock.settimeout(0.3)
        try:
            body = response.fp.read1()
        except TimeoutError:
            body = b""  # nothing came
        return response.status, headers, body
    finally:
        connection.close()


@pytest.mark.parametrize("path", PATHS)
def test_head_answers_as_get_without_the_body(served: str, path: str) -> None:
    status, got, body = _request(served, "GET", path)
    assert status == 200 and body
    head_status, head, head_body = _request(served, "HEAD", path)
    assert head_status == 200
    assert head_body == b""
    assert {k: head.get(k) for k in SAME} == {k: got.get(k) for k in SAME}
    assert int(head["content-length"]) == len(body)


def test_head_of_a_missing_resource_is_404(served: str) -> None:
    status, _, body = _request(served, "HEAD", "/downloads/secrets.txt")
    assert status == 404 and body == b""
