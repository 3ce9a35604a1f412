"""The W3C SPARQL 1.1 Protocol test manifest, run against the app on both store backends.

The manifest (vendored in tests/conformance/w3c-sparql11-protocol with its provenance) is
read with rdflib; each test's requests are sent over a socket as written (method, path,
headers, body in its character encoding) and its expected answer checked: the status class,
and for a result its format and boolean, parsed by libraries that know nothing of the
server. The data files are loaded into named graphs named by their labels, beside nothing
else.

Test ids say what each test is:
- ``query``: a query-side test, which must pass as written;
- ``refused-update``: an update that the manifest expects to succeed; this endpoint is
  read-only, so it must be refused (400 query-refused, as the README documents) and the
  data left unchanged (the follow-up request checking the update's effect is not sent);
- ``bad-update``: an update the manifest expects to be refused (4xx), which it is, the
  data unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, Namespace, URIRef
from rdflib.collection import Collection

from smqi.api.app import create_app
from smqi.api.store import (
    EmbeddedStore,
    EmbeddedStoreSettings,
    RemoteStore,
    RemoteStoreSettings,
    Store,
)
from tests.paths import REPO

from .built_graph import make_settings
from .conftest import QUERY_TIMEOUT_S, running_oxigraph
from .served_app import serving

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*"),
]

SUITE = REPO / "tests" / "conformance" / "w3c-sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt"}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: frozenset[int]  # expected status classes: 2, 3, 4
    boolean: bool | None
    result: str | None  # "boolean", "tabular" or "RDF"


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    requests: tuple[Request, ...]
    data: tuple[tuple[Path, str], ...]  # (file, graph it is loaded into)

    @property
    def kind(self) -> str:
        if "update" not in self.name:
            return "query"
        return "refused-update" if 2 in self.requests[0].statuses else "bad-update"


def _request(manifest: rdflib.Graph, node: rdflib.term.Node) -> Request:
    value = manifest.value
    headers = []
    header_list = value(node, HT.headers)
    if header_list is not None:
        for header in Collection(manifest, header_list):
            headers.append((str(value(header, HT.fieldName)), str(value(header, HT.fieldValue))))
    body = None
    content = value(node, HT.body)
    if content is not None:
        encoding = str(value(content, CNT.characterEncoding) or "UTF-8")
        body = str(value(content, CNT.chars)).encode(encoding)
    response = value(node, HT.resp)
    statuses = frozenset(
        int(match.group(1))
        for status in manifest.objects(response, MF.expectedStatus)
        if (match := re.search(r"StatusCode(\d)xx$", str(status)))
    )
    expected = value(response, MF.expectedBoolean)
    result = value(response, MF.expectedFormat)
    return Request(
        method=str(value(node, HT.methodName)),
        path=re.sub(r"^/sparql/", "/sparql", str(value(node, HT.absolutePath))),
        headers=tuple(headers),
        body=body,
        statuses=statuses,
        boolean=None if expected is None else bool(expected.toPython()),
        result=None if result is None else str(result),
    )


def load_manifest() -> list[ProtocolTest]:
    manifest = rdflib.Graph().parse(SUITE / "manifest.ttl", format="turtle")
    entries = manifest.value(predicate=RDF.type, object=MF.Manifest)
    tests = []
    for entry in Collection(manifest, manifest.value(entries, MF.entries)):
        action = manifest.value(entry, MF.action)
        requests = Collection(manifest, manifest.value(action, HT.requests))
        data = tuple(
            (SUITE / Path(str(manifest.value(graph_data, UT.graph))).name,
             str(manifest.value(graph_data, RDFS.label)))
            for graph_data in manifest.objects(entry, UT.graphData)
        )  # fmt: skip
        name = str(entry).rsplit("#", 1)[1]
        tests.append(
            ProtocolTest(name, tuple(_request(manifest, r) for r in requests), tuple(sorted(data)))
        )
    return tests


TESTS = load_manifest()


def test_the_vendored_files_are_the_ones_the_readme_names() -> None:
    readme = (SUITE / "README.md").read_text(encoding="utf-8")
    named = dict(re.findall(r"\| `([\w.]+)` \| ([0-9a-f]{64}) \|", readme))
    assert set(named) == {path.name for path in SUITE.iterdir()} - {"README.md"}
    for name, digest in named.items():
        assert hashlib.sha256((SUITE / name).read_bytes()).hexdigest() == digest, name


def test_the_manifest_is_read_whole() -> None:
    assert len(TESTS) == 34
    kinds = [test.kind for test in TESTS]
    assert (kinds.count("query"), kinds.count("refused-update"), kinds.count("bad-update")) == (
        20,
        7,
        7,
    )


# -- the endpoint under test -----------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    host: str
    port: int
    store: Store


def _dataset(directory: Path) -> Path:
    """Every data file the manifest names, each in the graph its label names, as N-Quads."""
    lines = []
    for path, graph in sorted({pair for test in TESTS for pair in test.data}):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(f"{line.rstrip().removesuffix('.').rstrip()} <{graph}> .")
    target = directory / "w3c-protocol.nq"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


BACKENDS = [pytest.param("embedded"), pytest.param("remote", marks=pytest.mark.server)]


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, built_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The app over a store holding the manifest's data only, on a loopback port."""
    directory = tmp_path_factory.mktemp(f"w3c-{request.param}")
    with ExitStack() as stack:
        store: Store
        settings: EmbeddedStoreSettings | RemoteStoreSettings
        if request.param == "embedded":
            settings = EmbeddedStoreSettings(directory / "store", query_timeout_s=QUERY_TIMEOUT_S)
            store = EmbeddedStore(settings)
        else:
            url = stack.enter_context(running_oxigraph(directory / "oxigraph"))
            settings = RemoteStoreSettings(
                query_url=f"{url}/query", update_url=f"{url}/update", version_ttl_s=0.0
            )
            store = RemoteStore(settings)
        stack.callback(store.close)
        store.replace(_dataset(directory))
        app = create_app(make_settings(built_data, settings), store)
        base = stack.enter_context(serving(app))
        host, port = base.removeprefix("http://").split(":")
        yield Served(host, int(port), store)


def send(served: Served, request: Request) -> tuple[int, str, bytes]:
    """One request exactly as the manifest writes it: status, media type, body."""
    connection = http.client.HTTPConnection(served.host, served.port, timeout=60)
    try:
        connection.putrequest(request.method, request.path, skip_accept_encoding=True)
        for name, value in request.headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(request.body or b"")))
        connection.endheaders(request.body)
        response = connection.getresponse()
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return response.status, media_type, response.read()
    finally:
        connection.close()


def quads(served: Served) -> list[str]:
    rows = served.store.select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    return sorted(" ".join(str(row[v]) for v in ("g", "s", "p", "o")) for row in rows)


def boolean_of(media_type: str, body: bytes) -> bool:
    if media_type == "application/sparql-results+json":
        value = json.loads(body)["boolean"]
        assert isinstance(value, bool)
        return value
    found = ET.fromstring(body).find(f"{RESULTS_NS}boolean")
    assert found is not None and found.text in ("true", "false")
    return found.text == "true"


def check_result(request: Request, media_type: str, body: bytes) -> None:
    """The answer is in a type the manifest allows for its kind, and parses as it."""
    if request.result == "boolean":
        assert media_type in BOOLEAN_TYPES, media_type
        answer = boolean_of(media_type, body)
        if request.boolean is not None:
            assert answer is request.boolean
    elif request.result == "tabular":
        assert media_type in TABULAR_TYPES, media_type
        if media_type.endswith("json"):
            assert "bindings" in json.loads(body)["results"]
        elif media_type.endswith("xml"):
            assert ET.fromstring(body).find(f"{RESULTS_NS}results") is not None
        else:
            delimiter = "," if media_type == "text/csv" else "\t"
            rows = list(csv.reader(io.StringIO(body.decode("utf-8")), delimiter=delimiter))
            assert rows[0] in (["value"], ["?value"]) and len(rows) == 2
    elif request.result == "RDF":
        assert media_type in RDF_TYPES, media_type
        rdflib.Graph().parse(data=body, format=RDF_TYPES[media_type])


@pytest.mark.parametrize("test", TESTS, ids=lambda t: f"{t.kind}:{t.name}")
def test_w3c_protocol(served: Served, test: ProtocolTest) -> None:
    before = quads(served)
    if test.kind == "refused-update":
        status, media_type, body = send(served, test.requests[0])
        assert status == 400, body
        assert media_type == "application/problem+json"
        assert json.loads(body)["code"] == "query-refused"
    else:
        for request in test.requests:
            status, media_type, body = send(served, request)
            assert status // 100 in request.statuses, (status, body[:300])
            if status // 100 == 2:
                check_result(request, media_type, body)
    assert quads(served) == before
    assert URIRef("http://kasei.us/2009/09/sparql/data/data1.rdf") in {
        URIRef(line.split()[0][1:-1]) for line in before
    }
