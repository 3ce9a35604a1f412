"""The pages in a real headless Chromium: every page kind, the query editor, the map.

The app is served by uvicorn on a free loopback port over the real build. Chromium is driven
through the DevTools protocol (a websocket), so the tests can click, type and press keys,
wait for the editor to start, run a query in it and read the result table, and collect
console errors (a blocked asset, script or style, a CSP violation, shows up there). Every
page kind is checked with axe-core, used by keyboard, laid out at 400% zoom, and
screenshotted at desktop and phone widths into tests/artefacts/screenshots for a person to
look at. Skipped only when /usr/bin/chromium is not installed (axe-core's checks when
node_modules/axe-core is not: ``make test`` installs both).
"""

from __future__ import annotations

import base64
import csv
import http.server
import json
import re
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

from tests.paths import REPO

from .test_service_description import reported_counts

# fixtures shared with the other API tests: the real build, its embedded store, the served app

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "tests" / "artefacts" / "screenshots"
STEP_TIMEOUT_S = 30.0
PREFIX = "PREFIX smqi: <https://w3id.org/smqi/ontology#>\n"
RECORD_VIOLATIONS = """
window.smqiViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.smqiViolations.push([e.effectiveDirective, e.blockedURI, e.sample].join(" "));
});
"""

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

    def csp_violations(self) -> list[str]:
        """What the open page's Content-Security-Policy blocked, as its directive, the
        blocked URL or "inline", and a sample."""
        found: list[str] = self.evaluate("window.smqiViolations || []")
        return found

    def run_async(self, script: str) -> Any:
        """An async function body's returned value (awaited in the page)."""
        result = self.call(
            "Runtime.evaluate",
            expression=f"(async () => {{ {script} }})()",
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{script[:200]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )

    def screenshot(self, path: Path, max_height: int = 4000) -> None:
        """The page from its top, as tall as its content (up to ``max_height`` px)."""
        width = self.evaluate("document.documentElement.clientWidth")
        height = min(max_height, self.evaluate("document.documentElement.scrollHeight"))
        shot = self.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def press(self, key: str, text: str = "") -> None:
        """A key pressed and released, as a keyboard sends it."""
        codes = {"Tab": 9, "Enter": 13, "Space": 32, "ArrowDown": 40}
        common = {
            "key": " " if key == "Space" else key,
            "code": key,
            "windowsVirtualKeyCode": codes.get(key, 0),
        }
        if text or key == "Enter":
            common["text"] = text or "\r"
        self.call("Input.dispatchKeyEvent", type="keyDown", **common)
        self.call("Input.dispatchKeyEvent", type="keyUp", **common)

    def tab_to(self, expression: str, limit: int = 200) -> None:
        """Press Tab until the focused element satisfies ``expression`` (of ``el``)."""
        for _ in range(limit):
            self.press("Tab")
            if self.evaluate(f"(el => !!el && !!({expression}))(document.activeElement)"):
                return
        raise AssertionError(f"Tab never reached: {expression}")

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
        # every Content-Security-Policy violation of every document the tab opens, recorded
        # before the page's own script runs (DevTools' script is not subject to the CSP)
        tab.call("Page.addScriptToEvaluateOnNewDocument", source=RECORD_VIOLATIONS)
        yield tab
    with urllib.request.urlopen(f"{base}/json/close/{target['id']}", timeout=STEP_TIMEOUT_S):
        pass


def sheet_rows(built_data: Path) -> list[dict[str, str]]:
    with (built_data / "sheets" / "illustrative-extraction.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


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
    # literals show their plain values (not "2016"^^xsd:integer); the first cell is the row
    assert not [cell for line in cells for cell in line if "^^" in cell or '"' in cell]
    shown = {year: int(n) for _, year, n in cells}
    assert shown == per_year, cells

    # a study's IRI in the results links to its page on this server
    page.evaluate(
        "window.smqiEditor.getTab().setQuery("
        + json.dumps(PREFIX + "SELECT ?study WHERE { ?study a smqi:Study } LIMIT 3")
        + "), true"
    )
    page.evaluate("document.querySelector('.yasqe_queryButton').click()")
    page.wait_for("document.querySelectorAll('.yasr a.iri').length === 3")
    hrefs = page.evaluate("[...document.querySelectorAll('.yasr a.iri')].map(a => a.href)")
    assert all(h.startswith(f"{served}/id/study/") for h in hrefs), hrefs
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
        ".map(a => [Number(a.textContent),"
        " a.querySelector('circle').getBoundingClientRect().width])"
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


# -- every page kind: accessibility, keyboard, zoom, screenshots ---------------------------------

PAGE_KINDS = {
    "home": "/",
    "studies": "/studies?platform=Twitter",
    "study": "/id/study/doi/10.1136/bmjqs-2015-004309",
    "reviews": "/reviews",
    "review": "/reviews/walsh-2022",
    "concepts": "/concepts",
    "scheme": "/concepts/platform",
    "summary": "/summary?rows=platform&cols=stage",
    "gaps": "/gaps?rows=platform&cols=stage",
    "map": "/map?rows=activity&cols=population&split=communication_model"
    "&row=https%3A%2F%2Fw3id.org%2Fsmqi%2Fvocab%2Fqi-activity%2Fadvocacy"
    "&col=https%3A%2F%2Fw3id.org%2Fsmqi%2Fvocab%2Fpopulation%2Fpatients",
    "map-empty": "/map?review=walsh-2021",
    "resource": "/id/record/illustrative-extraction/doi/10.1136/bmjqs-2015-004309",
    "problem": "/map?rows=platfrom",
    "docs": "/docs",
    "editor": "/sparql",
    "ontology": "/ontology",
}
# what each page waits for before it is looked at (the script-built ones)
READY = {
    "docs": "document.querySelector('#swagger-ui .opblock')",
    "editor": "document.querySelector('.yasqe .CodeMirror') && window.smqiEditor",
}


def _open_kind(page: Page, served: str, kind: str) -> None:
    page.open(served + PAGE_KINDS[kind])
    if kind in READY:
        page.wait_for(READY[kind])


def _axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the open page (WCAG 2.1 A and AA)."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make test runs: npm install axe-core)")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.run_async(
        "const r = await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});"
        "return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_every_page_kind_passes_axe_and_screenshots_at_two_widths(
    page: Page, served: str, kind: str
) -> None:
    for name, (width, height, mobile) in {
        "desktop": (1280, 900, False),
        "phone": (390, 844, True),
    }.items():
        page.viewport(width, height, mobile)
        _open_kind(page, served, kind)
        page.screenshot(SCREENSHOTS / f"{kind}-{name}.png")
        violations = _axe(page)
        assert violations == [], json.dumps([kind, name, violations], indent=1)
    # nothing blocked by the CSP, nothing failed to load (but the problem page's own 400)
    errors = [e for e in page.console_errors if not (kind == "problem" and "status of 400" in e)]
    assert errors == [], (kind, errors)


@pytest.mark.parametrize("kind", sorted(set(PAGE_KINDS) - {"docs", "editor"}))
def test_every_page_reflows_at_400_percent_zoom(page: Page, served: str, kind: str) -> None:
    # 400% of a 1280 px window: a 320 CSS px viewport (WCAG 1.4.10); only data tables and
    # the map scroll sideways, inside their own region
    page.viewport(320, 256)
    _open_kind(page, served, kind)
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1 && !e.closest('.scroll, .map-scroll')).map(e => e.tagName"
        " + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 5)"
    )
    assert wide == [], (kind, wide)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), kind


def _focused(page: Page) -> Any:
    return page.evaluate(
        "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
        " return {tag: e.tagName, text: e.textContent.trim().slice(0, 80), name: e.name || '',"
        " outline: s.outlineStyle, href: e.getAttribute('href') || ''}; })()"
    )


def test_the_studies_page_works_by_keyboard(page: Page, served: str, built_data: Path) -> None:
    page.viewport(1280, 900)
    page.open(f"{served}/studies")
    page.press("Tab")
    first = _focused(page)
    assert first["text"] == "Skip to content" and first["outline"] != "none"
    page.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.tab_to("el.name === 'q'")
    for letter in "hospital":
        page.call("Input.insertText", text=letter)
    page.tab_to("el.type === 'checkbox' && el.name === 'platform' && el.value === 'Twitter'")
    assert _focused(page)["outline"] != "none"
    page.press("Space", " ")  # Space checks the box
    assert page.evaluate("document.activeElement.checked")
    page.tab_to("el.type === 'submit' && el.textContent === 'Apply filters'")
    page.press("Enter")  # submits the form
    page.wait_for("location.search.includes('platform=Twitter')")
    page.wait_for("document.readyState === 'complete' && document.getElementById('matches')")
    rows = sheet_rows(built_data)
    expected = [
        r
        for r in rows
        if "Twitter" in [p.strip() for p in r["platforms"].split(";")]
        and re.search(r"(?<!\w)hospital", (r["title"] + " " + r["summary"]).lower())
    ]
    total = int(page.evaluate("document.getElementById('matches').dataset.total"))
    assert total == len(expected)
    # and on to a study, by keyboard
    page.tab_to("el.classList.contains('study-title')")
    page.press("Enter")
    page.wait_for("document.querySelector('h1') && location.pathname.startsWith('/id/study/')")
    titles = {" ".join(r["title"].split()) for r in expected}
    assert " ".join(page.evaluate("document.querySelector('h1').textContent").split()) in titles


def test_search_filter_open_a_study_and_a_review_by_clicking(
    page: Page, served: str, built_data: Path
) -> None:
    page.viewport(1280, 900)
    page.open(f"{served}/")
    page.evaluate("document.querySelector('header.site a[href=\"/studies\"]').click()")
    page.wait_for("location.pathname === '/studies' && document.readyState === 'complete'")
    page.wait_for("document.querySelector('input[name=q]')")
    page.evaluate(
        "document.querySelector('input[name=q]').value = 'patient';"
        "document.querySelector('input[name=population][value=\"patients/consumers\"]').click();"
        "document.querySelector('.facets button[type=submit]').click()"
    )
    page.wait_for("location.search.includes('population=')")
    page.wait_for("document.readyState === 'complete' && document.getElementById('matches')")
    rows = sheet_rows(built_data)
    expected = {
        " ".join(r["title"].split())
        for r in rows
        if "patients/consumers" in [p.strip() for p in r["user_populations"].split(";")]
        and re.search(r"(?<!\w)patient", (r["title"] + " " + r["summary"]).lower())
    }
    listed = page.evaluate(
        "[...document.querySelectorAll('a.study-title')].map(a => a.textContent.trim())"
    )
    assert {" ".join(t.split()) for t in listed} == expected
    page.evaluate("document.querySelector('a.study-title').click()")
    page.wait_for(
        "location.pathname.startsWith('/id/study/') && document.readyState === 'complete'"
    )
    assert " ".join(page.evaluate("document.querySelector('h1').textContent").split()) in expected
    assert page.evaluate("!!document.getElementById('illustrative')")

    page.evaluate("document.querySelector('header.site a[href=\"/reviews\"]').click()")
    page.wait_for("location.pathname === '/reviews' && document.readyState === 'complete'")
    page.evaluate("document.querySelector('a[href=\"/reviews/walsh-2021\"]').click()")
    page.wait_for(
        "location.pathname === '/reviews/walsh-2021' && document.readyState === 'complete'"
    )
    findings = page.evaluate("document.querySelectorAll('ol.findings li').length")
    assert findings == 6  # reviews.yaml lists six findings of walsh-2021
    assert (
        page.evaluate("document.querySelector('[data-loaded=\"walsh-2021\"]').textContent") == "0"
    )
    assert page.console_errors == []


def test_a_map_with_a_third_dimension_exports_svg_and_png(page: Page, served: str) -> None:
    page.viewport(1280, 900)
    page.open(f"{served}/map")
    page.evaluate(
        "document.querySelector('select[name=rows]').value = 'activity';"
        "document.querySelector('select[name=cols]').value = 'population';"
        "document.querySelector('select[name=split]').value = 'communication_model';"
        "document.querySelector('.map-form button[type=submit]').click()"
    )
    page.wait_for("new URLSearchParams(location.search).get('split') === 'communication_model'")
    page.wait_for("document.readyState === 'complete' && document.querySelector('figure.legend')")
    legend = page.evaluate("document.querySelectorAll('figure.legend li').length")
    wedges = page.evaluate("document.querySelectorAll('table.map path[data-segment]').length")
    assert legend >= 2 and wedges > 0
    # the header row stays in view while the map scrolls
    page.evaluate("document.querySelector('.map-scroll').scrollTop = 300")
    offset = page.evaluate(
        "document.querySelector('table.map thead th').getBoundingClientRect().top"
        " - document.querySelector('.map-scroll').getBoundingClientRect().top"
    )
    assert abs(offset) <= 2, offset
    # SVG: the link's file is an SVG picture of the same map
    svg = page.run_async(
        "const a = document.getElementById('export-svg');"
        "const r = await fetch(a.href); return {type: r.headers.get('content-type'),"
        " text: await r.text(), download: a.getAttribute('download')};"
    )
    assert svg["type"].startswith("image/svg+xml") and svg["download"] == "evidence-map.svg"
    assert svg["text"].startswith("<svg") and svg["text"].count("<path") == wedges
    # PNG: drawn by the page's script from the SVG
    assert page.evaluate("!document.querySelector('.exports .png').hidden")
    page.evaluate("document.getElementById('export-png').click()")
    page.wait_for("window.smqiMapPng")
    png = page.run_async(
        "const b = new Uint8Array(await window.smqiMapPng.arrayBuffer());"
        "return {type: window.smqiMapPng.type, size: b.length, head: [...b.slice(0, 8)]};"
    )
    assert png["type"] == "image/png" and png["size"] > 5000
    assert bytes(png["head"]) == b"\x89PNG\r\n\x1a\n"
    assert page.console_errors == []


def test_the_map_works_without_script(page: Page, served: str) -> None:
    page.call("Emulation.setScriptExecutionDisabled", value=True)
    try:
        page.open(f"{served}/map")
        # DevTools still runs expressions in the page; the page's own script does not run
        page.call(
            "Runtime.evaluate",
            expression="document.querySelector('select[name=rows]').value = 'stage';"
            "document.querySelector('.map-form').submit()",
        )
        page.wait_for("new URLSearchParams(location.search).get('rows') === 'stage'")
        page.wait_for("document.readyState === 'complete' && document.querySelector('table.map')")
        assert page.evaluate("document.querySelector('.exports .png').hidden")  # no PNG button
        page.call(
            "Runtime.evaluate",
            expression="document.querySelector('table.map a.bubble').click()",
        )
        page.wait_for("document.querySelector('ol.cell-studies')")
    finally:
        page.call("Emulation.setScriptExecutionDisabled", value=False)


# -- the content security policy, as Chromium enforces it ----------------------------------------

# Every page kind, with the linked-data and error pages that the axe tests above leave out.
POLICY_KINDS = {
    **PAGE_KINDS,
    "ontology": "/ontology",
    "concept": "/vocab/platform/twitter",
    "id-review": "/id/review/walsh-2021",
    "not-found": "/id/study/doi/10.9999/none",
}


@pytest.mark.parametrize("kind", sorted(POLICY_KINDS))
def test_every_page_kind_works_under_its_strict_policy(page: Page, served: str, kind: str) -> None:
    with urllib.request.urlopen(served + "/static/site.css") as response:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    page.viewport(1280, 900)
    page.open(served + POLICY_KINDS[kind])
    if kind in READY:
        page.wait_for(READY[kind])
    if kind == "editor":  # run a query: the results table is drawn too
        page.evaluate("document.querySelector('.yasqe_queryButton').click()")
        page.wait_for("document.querySelectorAll('.yasr table.dataTable tbody tr').length > 0")
    # the page is styled by its stylesheets (not unstyled by a blocked one)
    assert page.evaluate("document.styleSheets.length") >= 1
    assert page.csp_violations() == [], kind
    expected = {"problem": "status of 400", "not-found": "status of 404"}.get(kind)
    errors = [e for e in page.console_errors if not (expected and expected in e)]
    assert errors == [], (kind, errors)


def test_a_policy_violation_is_caught(page: Page, served: str) -> None:
    """The check above can fail: inline script and style, as a page might write them."""
    page.open(f"{served}/studies")
    page.evaluate(
        "const s = document.createElement('style'); s.textContent = 'body { color: red }';"
        "document.head.appendChild(s);"
        "const j = document.createElement('script'); j.textContent = 'window.ran = 1';"
        "document.body.appendChild(j);"
    )
    page.wait_for("window.smqiViolations.length >= 2")
    found = page.csp_violations()
    assert any(v.startswith("style-src-elem inline") for v in found), found
    assert any(v.startswith("script-src-elem inline") for v in found), found
    assert page.evaluate("window.ran === undefined")


def test_the_editor_links_only_http_result_iris(page: Page, served: str) -> None:
    hostile = (
        "javascript:alert(document.domain)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
    )
    values = " ".join(f"<{iri}>" for iri in (*hostile, "https://doi.org/10.1136/x"))
    page.open(f"{served}/sparql")
    page.wait_for(READY["editor"])
    query = f"SELECT ?iri WHERE {{ VALUES ?iri {{ {values} }} }}"
    page.evaluate(f"window.smqiEditor.getTab().setQuery({json.dumps(query)}), true")
    page.evaluate("document.querySelector('.yasqe_queryButton').click()")
    page.wait_for("document.querySelectorAll('.yasr table.dataTable tbody tr').length === 4")
    shown = page.evaluate("document.querySelector('.yasr table.dataTable tbody').innerText")
    for iri in hostile:
        assert iri in shown  # shown as text
    hrefs = page.evaluate(
        "[...document.querySelectorAll('.yasr [href], .yasr [src]')]"
        ".map(e => e.getAttribute('href') || e.getAttribute('src'))"
    )
    assert [h for h in hrefs if not h.startswith(("http://", "https://", "#"))] == [], hrefs
    assert "https://doi.org/10.1136/x" in hrefs  # an http(s) IRI is still linked
    assert page.csp_violations() == []
