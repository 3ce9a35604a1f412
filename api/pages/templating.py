"""The pages' templates: one Jinja2 environment (autoescaped) over ``api/pages/templates``,
whose ``base.html`` gives every page the same navigation, stylesheet and, where the page
shows studies, the illustrative-data statement.

Every link taken from the graph goes through one filter, ``link``: a graph IRI this server
dereferences becomes its local path, and only http(s) URLs and this site's own relative
URLs come out; anything else (``javascript:``, ``data:``, ``//host``) is dropped. Pages
carry no inline script, no event-handler attribute and no style attribute, so they work
under ``api.http.security.PAGE_POLICY``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from smqi.api.fair.dataset_description import DatasetFacts
from smqi.loader.terms import SMQI

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
HTML = "text/html; charset=utf-8"

# (path, words) of the site navigation, in order; a page names its own path as ``section``.
NAVIGATION = (
    ("/", "Home"),
    ("/studies", "Studies"),
    ("/map", "Evidence map"),
    ("/reviews", "Reviews"),
    ("/concepts", "Concepts"),
    ("/sparql", "Query editor"),
    ("/docs", "API"),
)


def safe_url(value: object) -> str:
    """``value`` if it is an http(s) URL or a relative URL on this site, else ``""``."""
    url = str(value or "").strip()
    if not url or any(ord(c) < 0x21 or c in "\\<>\"'`" for c in url):
        return ""
    if url.startswith("/"):
        return "" if url.startswith("//") else url
    if url.startswith(("?", "#")):
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url
    return ""


@pass_context
def link(context: Context, value: object) -> str:
    """The link filter: a graph IRI this server serves becomes its local path (``local`` in
    the page's context); the result is ``safe_url``'s."""
    local: Callable[[str], str | None] | None = context.get("local")
    url = str(value or "").strip()
    if local is not None and url:
        url = local(url) or url
    return safe_url(url)


def query_string(params: Mapping[str, object] | Sequence[tuple[str, object]]) -> str:
    """``?a=1&b=2`` from a mapping or pairs, dropping empty values; ``""`` when none."""
    items = params.items() if isinstance(params, Mapping) else params
    kept = [(k, str(v)) for k, v in items if v not in (None, "", False)]
    return "?" + urlencode(kept) if kept else ""


def _json_script(value: object) -> Markup:
    """JSON safe inside a ``<script type="application/...json">`` element."""
    text = json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def words_in_sentence(title: str) -> str:
    """A title inside a sentence: "QI activity" stays, "User population" -> "user population"."""
    return title if title[:2].isupper() else title[:1].lower() + title[1:]


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(("html", "svg", "xml"), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters.update(
    link=link, json_script=_json_script, size=_size, plural=_plural, query=query_string
)
ENVIRONMENT.globals.update(navigation=NAVIGATION, words=words_in_sentence)


@dataclass(frozen=True)
class Notice:
    """What the studies in the graph are, and the reviews whose studies are not loaded."""

    studies: int
    unloaded: tuple[tuple[int, str], ...]  # (reported count, review id)

    @classmethod
    def of(cls, facts: DatasetFacts) -> Notice:
        unloaded = tuple(
            (review.reported, review.identifier or review.iri)
            for review in facts.reviews
            if not review.loaded
        )
        return cls(facts.count(SMQI.Study), unloaded)


def render_page(template: str, **context: object) -> str:
    """The page ``template`` filled with ``context``; ``notice`` (a Notice or None) puts
    the illustrative-data statement on top, ``section`` marks the current navigation item."""
    context.setdefault("notice", None)
    context.setdefault("section", None)
    context.setdefault("local", None)
    return ENVIRONMENT.get_template(template).render(**context)
