"""The pages in a real headless Chromium: the home page and the YASGUI query editor.

The app is served by uvicorn on a free loopback port over the real build. Chromium is driven
through the DevTools protocol (a websocket), so the tests can wait for the editor to start,
run a query in it and read the result table, and collect console errors (a blocked asset or
script shows up there). Skipped only when /usr/bin/chromium is not installed.
"""

from __future__ import annotations

import csv
import http.server
import json
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from .test_service_description import reported_counts

# fixtures shared with the other API tests: the real build, its embedded store, the served app

CHROMIUM = Path("/usr/bin/chromium")
STEP_TIMEOUT_S = 30.0
PREFIX = "PREFIX smqi: <https://w3id.org/smqi/ontology#>\n"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"
    ),
]


class Page:
    """One browser tab, driven by DevTools protocol commands over its websocket."""

    def __init__(self, websocket: ClientConnection) -> None:
        self._ws = websocket
        self._ids = count(1)
        self.console_errors: list[str] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        self._ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while time.monotonic() < deadline:
            message = json.loads(self._ws.recv(timeout=STEP_TIMEOUT_S))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self._note(message)
        raise TimeoutError(method)

    def _note(self, event: dict[str, Any]) -> None:
        params = event.get("params", {})
        if event.get("method") == "Runtime.exceptionThrown":
            self.console_errors.append(json.dumps(params.get("exceptionDetails", {}))[:500])
        elif event.get("method") == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.console_errors.append(json.dumps(params.get("args", []))[:500])
        elif event.get("method") == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                self.console_errors.append(f"{entry.get('source')}: {entry.get('text')}")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")

    def wait_for(self, expression: str, timeout_s: float = STEP_TIMEOUT_S) -> None:
        """Poll ``expression`` in the page until it is truthy."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.evaluate(f"!!({expression})"):
                return
            time.sleep(0.05)
        raise AssertionError(f"still false after {timeout_s} s: {expression}")


def _devtools_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + STEP_TIMEOUT_S
    active = profile / "DevToolsActivePort"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}")
        if active.exists() and (lines := active.read_text().splitlines()):
            return int(lines[0])
        time.sleep(0.05)
    raise RuntimeError("chromium did not open its DevTools port")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A headless Chromium with a DevTools port; yields the port."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--window-size=1280,1000",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield _devtools_port(profile, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser: int) -> Iterator[Page]:
    """A fresh tab with console and log events enabled."""
    base = f"http://127.0.0.1:{browser}"
    request = urllib.request.Request(f"{base}/json/new?about:blank", method="PUT")
    with urllib.request.urlopen(request, timeout=STEP_TIMEOUT_S) as response:
        target = json.loads(response.read())
    with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=STEP_TIMEOUT_S) as ws:
        tab = Page(ws)
        for domain in ("Page", "Runtime", "Log"):
            tab.call(f"{domain}.enable")
        yield tab
    with urllib.request.urlopen(f"{base}/json/close/{target['id']}", timeout=STEP_TIMEOUT_S):
        pass


def sheet_rows(built_data: Path) -> list[dict[str, str]]:
    with (built_data / "sheets" / "illustrative-extraction.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _lexical(cell: str) -> str:
    return cell.split('"')[1] if cell.startswith('"') else cell


def test_home_page_shows_counts_and_the_illustrative_statement(
    page: Page, served: str, built_data: Path
) -> None:
    page.open(f"{served}/")
    studies = len({row["study_id"] for row in sheet_rows(built_data)})
    count_of = "document.querySelector('td[data-count=\"{}\"]').textContent"
    assert int(page.evaluate(count_of.format("Studies"))) == studies
    assert int(page.evaluate(count_of.format("Coded records"))) == studies
    assert int(page.evaluate(count_of.format("Reviews"))) == 2
    notice = page.evaluate("document.getElementById('illustrative').innerText")
    assert (
        f"The {studies} studies in this graph are an illustrative extraction coded from "
        "public abstracts" in notice
    )
    assert "not the studies included by the Walsh et al. reviews" in notice
    assert reported_counts(built_data) in notice
    links = page.evaluate("[...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    for expected in ("/sparql", "/docs", "/.well-known/void", "/fdp", "/downloads/smqi.nq"):
        assert expected in links
    # nothing came from another origin, and nothing failed to load
    origins = page.evaluate(
        "[...performance.getEntriesByType('resource')].map(e => new URL(e.name).origin)"
    )
    assert set(origins) <= {served}
    assert page.console_errors == []


def test_query_editor_starts_and_runs_a_query(page: Page, served: str, built_data: Path) -> None:
    page.open(f"{served}/sparql")
    page.wait_for("document.querySelector('.yasqe .CodeMirror') && window.smqiEditor")
    query = page.evaluate("window.smqiEditor.getTab().getQuery()")
    assert "# CQ4: How many studies per publication year, overall?" in query
    assert "PREFIX smqi: <https://w3id.org/smqi/ontology#>" in query
    endpoint = page.evaluate("window.smqiEditor.getTab().getEndpoint()")
    assert endpoint == f"{served}/sparql"

    page.evaluate("document.querySelector('.yasqe_queryButton').click()")
    page.wait_for("document.querySelectorAll('.yasr table.dataTable tbody tr').length > 0")
    cells = page.evaluate(
        "[...document.querySelectorAll('.yasr table.dataTable tbody tr')]"
        ".map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()))"
    )
    per_year: dict[str, int] = {}
    for row in sheet_rows(built_data):
        per_year[row["year"]] = per_year.get(row["year"], 0) + 1
    # YASR shows typed literals as "2016"^^xsd:integer; the first cell is the row number
    shown = {_lexical(year): int(_lexical(n)) for _, year, n in cells}
    assert shown == per_year, cells
    assert page.console_errors == []


def test_example_link_opens_the_query_in_the_editor(page: Page, served: str) -> None:
    page.open(f"{served}/")
    href = page.evaluate(
        "[...document.querySelectorAll('ol.examples a')]"
        ".find(a => a.textContent.startsWith('CQ15')).href"
    )
    page.open(href)
    page.wait_for("window.smqiEditor && window.smqiEditor.getTab()")
    query = page.evaluate("window.smqiEditor.getTab().getQuery()")
    assert query.startswith("# CQ15: How many studies, reviews, concepts and triples")


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[str]:
    """A page on another origin (another port): what another review's evidence map is."""

    class OnePage(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><title>another review</title><p>elsewhere</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OnePage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _fetch(page: Page, script: str) -> Any:
    """Run an async ``script`` (a function body) in the page; its returned value, as JSON."""
    page.evaluate(
        "window.fetched = undefined; (async () => {" + script + "})()"
        ".then(v => { window.fetched = JSON.stringify({ok: v}); },"
        " e => { window.fetched = JSON.stringify({error: String(e)}); })"
    )
    page.wait_for("window.fetched !== undefined")
    return json.loads(page.evaluate("window.fetched"))


def test_a_page_on_another_origin_reads_the_api_and_queries_the_endpoint(
    page: Page, served: str, elsewhere: str, built_data: Path
) -> None:
    page.open(f"{elsewhere}/")
    assert page.evaluate("location.origin") != served
    rows = sheet_rows(built_data)
    twitter = sum("Twitter" in [p.strip() for p in row["platforms"].split(";")] for row in rows)

    studies = _fetch(
        page,
        f"const r = await fetch('{served}/studies?platform=Twitter&limit=100');"
        "return {total: (await r.json()).total, etag: r.headers.get('ETag')};",
    )
    assert studies["ok"]["total"] == twitter
    assert studies["ok"]["etag"]  # exposed: the page can revalidate

    # a POSTed query body is not a "simple" request: the browser sends a preflight first
    query = json.dumps(PREFIX + "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a smqi:Study }")
    counted = _fetch(
        page,
        f"const r = await fetch('{served}/sparql', {{method: 'POST', body: {query},"
        " headers: {'Content-Type': 'application/sparql-query',"
        " 'Accept': 'application/sparql-results+json'}});"
        "const j = await r.json();"
        "return {n: j.results.bindings[0].n.value, cache: r.headers.get('SMQI-Cache')};",
    )
    assert counted["ok"]["n"] == str(len({row["study_id"] for row in rows}))
    assert counted["ok"]["cache"] in ("hit", "miss")

    turtle = _fetch(
        page,
        f"const r = await fetch('{served}/id/review/walsh-2021', "
        "{headers: {'Accept': 'text/turtle'}}); return await r.text();",
    )
    assert "10.1177/2055207621996870" in turtle["ok"]

    # what would carry a credential is blocked by the browser, not only refused by the server
    blocked = _fetch(
        page,
        f"const r = await fetch('{served}/sparql?query=ASK%7B%7D', "
        "{headers: {'Authorization': 'Bearer anything'}}); return r.status;",
    )
    assert "TypeError" in blocked.get("error", ""), blocked


def test_evidence_map_draws_the_grid_and_lists_a_cell_s_studies(
    page: Page, served: str, built_data: Path
) -> None:
    page.open(f"{served}/")
    page.evaluate("document.querySelector('header.site a[href=\"/map\"]').click()")
    page.wait_for("location.pathname === '/map' && document.readyState === 'complete'")
    page.wait_for("document.querySelector('table.map')")
    # the bubbles are drawn: sized by their count, larger counts larger
    sizes = page.evaluate(
        "[...document.querySelectorAll('table.map a.bubble')]"
        ".map(a => [Number(a.textContent), a.getBoundingClientRect().width])"
    )
    assert sizes and all(width > 0 for _, width in sizes)
    smallest, largest = min(sizes), max(sizes)
    assert largest[0] > smallest[0] and largest[1] > smallest[1]
    # choose other dimensions with the form, then the largest cell
    page.evaluate(
        "document.querySelector('select[name=rows]').value = 'activity';"
        "document.querySelector('select[name=cols]').value = 'population';"
        "document.querySelector('.map-form button').click()"
    )
    page.wait_for("new URLSearchParams(location.search).get('rows') === 'activity'")
    page.wait_for("document.readyState === 'complete' && document.querySelector('table.map')")
    page.evaluate(
        "[...document.querySelectorAll('table.map a.bubble')]"
        ".sort((a, b) => Number(b.textContent) - Number(a.textContent))[0].click()"
    )
    page.wait_for("document.querySelector('ol.cell-studies')")
    count = page.evaluate("Number(document.querySelector('a.bubble[aria-current]').textContent)")
    listed = page.evaluate("document.querySelectorAll('ol.cell-studies li').length")
    assert count == listed
    rows = sheet_rows(built_data)
    activities = {a.strip() for row in rows for a in row["qi_activities"].split(";") if a.strip()}
    heading = page.evaluate("document.getElementById('studies').textContent")
    assert heading.startswith(f"{count} studies coded ")
    assert any(activity in heading for activity in activities)
    assert page.console_errors == []
