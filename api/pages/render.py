"""The HTML pages: the home page and the SPARQL query editor (no FastAPI here).

Plain HTML with one local stylesheet; the editor loads the vendored YASGUI bundle from
/static. Nothing is fetched from another origin. Every value from the graph or the request
is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from smqi.api.fair.dataset_description import DatasetFacts
from smqi.api.sparql.service_description import example_label, runnable_text
from smqi.loader.queries import CompetencyQuery
from smqi.loader.terms import SKOS, SMQI

YASGUI_CSS = "/static/yasgui/yasgui.min.css"
YASGUI_JS = "/static/yasgui/yasgui.min.js"
SITE_CSS = "/static/site.css"
EDITOR_JS = "/static/sparql-editor.js"
# What the HTML pages may load: only this origin; YASGUI sets inline styles from script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Example:
    """A competency query as listed on the pages."""

    name: str
    label: str
    question: str
    parameters: str
    text: str

    @property
    def editor_href(self) -> str:
        """The query editor with this query in a new tab (YASGUI reads ``query`` from the URL)."""
        return "/sparql?" + urlencode({"query": self.text, "tabTitle": self.label})


def examples_of(catalogue: Mapping[str, CompetencyQuery], base_iri: str) -> list[Example]:
    """The catalogue's queries in file-name order, labelled ``CQ4a: studies per year``, with
    example values for their required parameters."""
    return [
        Example(
            name,
            example_label(query),
            query.question,
            query.parameters,
            runnable_text(query, base_iri),
        )
        for name, query in sorted(catalogue.items())
    ]


@dataclass(frozen=True)
class Download:
    name: str
    title: str
    media_type: str
    size: int


@dataclass(frozen=True)
class HomePage:
    title: str
    version: str
    endpoint: str
    facts: DatasetFacts
    examples: list[Example]
    downloads: list[Download]
    schemes: list[str]
    markup: dict[str, object] | None = None  # schema.org Dataset, embedded as JSON-LD


def escape_html(value: object) -> str:
    """``value`` as text safe in HTML content and in quoted attributes."""
    return escape(str(value), quote=True)


_e = escape_html


def layout(title: str, body: str, head: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{SITE_CSS}">
{head}</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><nav aria-label="Site">
<a href="/">SMQI Evidence Graph</a>
<a href="/sparql">Query editor</a>
<a href="/map">Evidence map</a>
<a href="/.well-known/sparql-examples">Example queries (RDF)</a>
<a href="/docs">API documentation</a>
</nav></header>
<main id="main">
{body}
</main>
</body>
</html>
"""


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def illustrative_statement(facts: DatasetFacts) -> str:
    """What the studies in the graph are, and what they are not, in one paragraph of HTML."""
    studies = facts.count(SMQI.Study)
    unloaded = [review for review in facts.reviews if not review.loaded]
    reported = " and ".join(
        f"{review.reported} ({_e(review.identifier or review.iri)})" for review in unloaded
    )
    reviews_part = (
        f" The reviews' own included studies — {reported} — are <strong>reported</strong> "
        "as counts, not loaded."
        if unloaded
        else ""
    )
    return (
        f'<p class="notice" id="illustrative"><strong>Illustrative data.</strong> The {studies} '
        "studies in this graph are an <strong>illustrative extraction coded from public "
        "abstracts</strong>, made to show the extraction template at work. They are "
        f"<strong>not</strong> the studies included by the Walsh et al. reviews.{reviews_part}</p>"
    )


def _counts(facts: DatasetFacts) -> str:
    rows = [
        ("Studies", facts.count(SMQI.Study)),
        ("Coded records", facts.count(SMQI.CodedRecord)),
        ("Reviews", facts.count(SMQI.Review)),
        ("Review findings", facts.count(SMQI.Finding)),
        ("Concepts", facts.count(SKOS.Concept)),
        ("Concept schemes", facts.count(SKOS.ConceptScheme)),
        ("Triples (excluding build metadata)", facts.triples),
    ]
    body = "".join(
        f'<tr><th scope="row">{label}</th><td data-count="{_e(label)}">{value}</td></tr>'
        for label, value in rows
    )
    reviews = "".join(
        f"<li><strong>{_e(r.identifier or r.iri)}</strong>: {_e(r.title)} — reports "
        f'<span data-reported="{_e(r.identifier)}">{r.reported}</span> included studies; '
        f"{r.loaded if r.loaded is not None else 'none'} of them loaded.</li>"
        for r in facts.reviews
    )
    reviews_list = f"<ul>{reviews}</ul>" if reviews else ""
    return (
        '<table class="counts"><caption>What the graph holds (from its VoID description)'
        f"</caption><tbody>{body}</tbody></table>{reviews_list}"
    )


def _parameters(parameters: str) -> str:
    return f'<br><span class="params">Parameters: {_e(parameters)}</span>' if parameters else ""


def _examples(examples: list[Example]) -> str:
    items = "".join(
        f'<li><a href="{_e(example.editor_href)}">{_e(example.label)}</a> — '
        f"{_e(example.question)}{_parameters(example.parameters)}</li>"
        for example in examples
    )
    return f'<ol class="examples">{items}</ol>'


def _downloads(downloads: list[Download]) -> str:
    if not downloads:
        return "<p>No build has been published yet.</p>"
    rows = "".join(
        f'<tr><td><a href="/downloads/{_e(d.name)}">{_e(d.name)}</a></td><td>{_e(d.title)}</td>'
        f"<td><code>{_e(d.media_type)}</code></td><td>{_size(d.size)}</td></tr>"
        for d in downloads
    )
    return (
        '<table class="downloads"><thead><tr><th scope="col">File</th><th scope="col">Content'
        '</th><th scope="col">Media type</th><th scope="col">Size</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def render_home(page: HomePage) -> str:
    facts = page.facts
    if facts.dataset is None:
        summary = "<p>No dataset is loaded yet. Build one with <code>smqi build</code>.</p>"
    else:
        summary = illustrative_statement(facts) + _counts(facts)
    schemes = ", ".join(
        f'<a href="/concepts/{_e(scheme)}"><code>/concepts/{_e(scheme)}</code></a>'
        for scheme in page.schemes
    )
    schemes = f": {schemes}" if schemes else ""
    body = f"""<h1>{_e(page.title)}</h1>
<p>Evidence on social media used to engage stakeholders in health service design and quality
improvement, as a linked-data graph.</p>
{summary}
<section aria-labelledby="query"><h2 id="query">Query the graph with SPARQL</h2>
<ul>
<li>SPARQL 1.1 endpoint: <code>{_e(page.endpoint)}</code> (GET or POST, read-only). Ask it for
<code>text/turtle</code> without a query to get its
<a href="/sparql?format=turtle">service description</a>.</li>
<li><a href="/sparql">Query editor</a> (YASGUI), in the browser.</li>
<li>Example queries as an RDF catalogue:
<a href="/.well-known/sparql-examples"><code>/.well-known/sparql-examples</code></a>.</li>
</ul>
<h3>Competency questions</h3>
<p>Each link opens the query in the editor; run it there.</p>
{_examples(page.examples)}
</section>
<section aria-labelledby="api"><h2 id="api">Evidence API</h2>
<ul>
<li><a href="/docs"><code>/docs</code></a>: interactive documentation of every route.</li>
<li><a href="/studies"><code>/studies</code></a>: studies, filtered by coded values.</li>
<li><a href="/summary?rows=platform&amp;cols=communication_model"><code>/summary</code></a>:
studies per pair of values of two dimensions (here platform by communication model).</li>
<li><a href="/gaps?rows=platform&amp;cols=communication_model"><code>/gaps</code></a>: the
pairs of values no record codes together (evidence gaps).</li>
<li><a href="/reconcile"><code>/reconcile</code></a>: a reconciliation service (as OpenRefine
uses) to link another review's study list to these studies by title, DOI or PMID.</li>
<li><a href="/map"><code>/map</code></a>: the evidence map, two dimensions as a grid of
studies per cell with the gaps shown, in the browser.</li>
<li><a href="/reviews"><code>/reviews</code></a>: the reviews and their reported findings.</li>
<li><code>/concepts/{{scheme}}</code>: the concepts of a scheme{schemes}.</li>
</ul>
</section>
<section aria-labelledby="downloads"><h2 id="downloads">Download the dataset</h2>
{_downloads(page.downloads)}
<p>The dataset description (VoID and DCAT), by content negotiation:
<a href="/.well-known/void"><code>/.well-known/void</code></a>; for harvesters, the FAIR Data
Point's records (catalog, dataset, distributions) start at <a href="/fdp"><code>/fdp</code></a>.</p>
</section>
<footer><p>SMQI Evidence Graph {_e(page.version)}.</p></footer>"""
    head = ""
    if page.markup is not None:
        head = f'<script type="application/ld+json">{_script_json(page.markup)}</script>\n'
    return layout(page.title, body, head)


def _script_json(value: object) -> str:
    """JSON safe inside a <script> element: no '<' can close it or open a comment."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_editor(default_query: str, examples: list[Example], title: str) -> str:
    """The YASGUI query editor, prefilled with ``default_query``, and the examples below it."""
    config = {"defaultQuery": default_query}
    head = f'<link rel="stylesheet" href="{YASGUI_CSS}">\n'
    body = f"""<h1>SPARQL query editor</h1>
<p>Queries run on this server's read-only SPARQL endpoint. The default graph is the union of
all named graphs; a query stops after the server's time limit and a long SELECT is cut at
its row limit. Press <kbd>Ctrl</kbd>+<kbd>Enter</kbd> or the run button to run a query.</p>
<p class="notice">The studies in this graph are an illustrative extraction coded from public
abstracts, not the reviews' included studies.</p>
<div id="yasgui" class="editor"></div>
<noscript><p>The editor needs JavaScript. Without it, send queries to <code>/sparql</code>
with any SPARQL client.</p></noscript>
<section aria-labelledby="examples"><h2 id="examples">Example queries</h2>
<p>Each opens in a new editor tab.</p>
{_examples(examples)}
</section>
<script type="application/json" id="editor-config">{_script_json(config)}</script>
<script src="{YASGUI_JS}"></script>
<script src="{EDITOR_JS}"></script>"""
    return layout(f"SPARQL query editor — {title}", body, head)
