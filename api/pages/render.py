"""The home page and the SPARQL query editor (no FastAPI here), from the page templates.

The editor loads the vendored YASGUI bundle from /static. Nothing is fetched from another
origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from smqi.api.fair.dataset_description import DatasetFacts
from smqi.api.pages.templating import Notice, render_page
from smqi.api.sparql.service_description import example_label, runnable_text
from smqi.loader.queries import CompetencyQuery
from smqi.loader.terms import SKOS, SMQI, VOCAB


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


def render_home(page: HomePage) -> str:
    facts = page.facts
    counts = [
        ("Studies", facts.count(SMQI.Study)),
        ("Coded records", facts.count(SMQI.CodedRecord)),
        ("Reviews", facts.count(SMQI.Review)),
        ("Review findings", facts.count(SMQI.Finding)),
        ("Concepts", facts.count(SKOS.Concept)),
        ("Concept schemes", facts.count(SKOS.ConceptScheme)),
        ("Triples (excluding build metadata)", facts.triples),
    ]
    return render_page(
        "home.html",
        title=page.title,
        section="/",
        notice=Notice.of(facts) if facts.dataset is not None else None,
        facts=facts,
        counts=counts,
        endpoint=page.endpoint,
        examples=page.examples,
        downloads=page.downloads,
        schemes=page.schemes,
        markup=page.markup,
        version=page.version,
    )


def render_editor(
    default_query: str, examples: list[Example], title: str, base_iri: str | None = None
) -> str:
    """The YASGUI query editor, prefilled with ``default_query``, and the examples below it.

    ``base_iri``: the graph's instance IRIs, which the results table links to this server's
    pages (so do the vocabulary's IRIs)."""
    local = {str(VOCAB): "/vocab/"}
    if base_iri:
        local[base_iri] = "/id/"
    config = {"defaultQuery": default_query, "localIris": local}
    return render_page(
        "editor.html",
        title="SPARQL query editor",
        section="/sparql",
        config=config,
        examples=examples,
    )
