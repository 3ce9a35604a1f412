"""The HTML page of a dereferenced IRI (no FastAPI here): the resource's properties, then
what links to it, in the site's layout. A term from the graph is shown by its label when the
description has one, else as a CURIE; links go through the templates' ``link`` filter, so
the graph's own IRIs open here and nothing but http(s) URLs is ever linked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from smqi.api.linked_data.describe import (
    LABEL_PROPERTIES,
    Description,
    IriSpace,
    natural_key,
)
from smqi.api.pages.templating import render_page
from smqi.loader.terms import PREFIXES

RDF_FORMATS = (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("rdf", "RDF/XML"), ("nt", "N-Triples"))


@dataclass(frozen=True)
class Term:
    """A term as the page shows it: ``kind`` is iri, blank or literal."""

    kind: str
    text: str
    href: str = ""
    anchor: str = ""
    labelled: bool = False
    note: str = ""  # a literal's language or datatype
    note_class: str = ""


Rows = list[tuple[Term, list[Term]]]


@dataclass(frozen=True)
class Section:
    heading: str
    anchor: str
    rows: Rows


@dataclass
class ResourceView:
    title: str
    resource: str
    path: str
    formats: tuple[tuple[str, str], ...] = RDF_FORMATS
    sections: list[Section] = field(default_factory=list)
    incoming: Rows = field(default_factory=list)
    incoming_cut: bool = False
    reader: str | None = None  # a page for readers about the same resource
    reader_words: str = ""


def curie(iri: str) -> str:
    """``prefix:name`` for an IRI in one of the project's namespaces, else the IRI."""
    best, name = "", ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(str(namespace)) and len(str(namespace)) > len(best):
            best, name = str(namespace), prefix
    return f"{name}:{iri[len(best) :]}" if best else iri


def _labels(triples: Iterable[ox.Triple]) -> dict[str, str]:
    labels: dict[str, str] = {}
    ranked = {prop: rank for rank, prop in enumerate(LABEL_PROPERTIES)}
    best: dict[str, int] = {}
    for triple in triples:
        rank = ranked.get(triple.predicate.value)
        if rank is None or not isinstance(triple.object, ox.Literal):
            continue
        subject = triple.subject.value if not isinstance(triple.subject, ox.Triple) else ""
        if rank < best.get(subject, len(ranked)):
            best[subject], labels[subject] = rank, triple.object.value
    return labels


def _anchor(node: ox.BlankNode) -> str:
    return f"b-{node.value}"


def _term(term: object, labels: dict[str, str]) -> Term:
    if isinstance(term, ox.Literal):
        if term.language:
            return Term("literal", term.value, note=f"@{term.language}", note_class="lang")
        datatype = term.datatype.value
        if datatype.endswith("#string"):
            return Term("literal", term.value)
        return Term("literal", term.value, note=curie(datatype), note_class="type")
    if isinstance(term, ox.BlankNode):
        return Term("blank", term.value, anchor=_anchor(term))
    if isinstance(term, ox.NamedNode):
        label = labels.get(term.value)
        return Term("iri", label or curie(term.value), href=term.value, labelled=bool(label))
    return Term("literal", str(term))


def _rows(
    subject: ox.NamedNode | ox.BlankNode, triples: Iterable[ox.Triple], labels: dict[str, str]
) -> Rows:
    by_property: dict[str, list[object]] = {}
    for triple in triples:
        if triple.subject == subject:
            by_property.setdefault(triple.predicate.value, []).append(triple.object)
    return [
        (_term(ox.NamedNode(prop), labels), [_term(value, labels) for value in values])
        for prop, values in sorted(by_property.items(), key=lambda item: curie(item[0]))
    ]


def _fragment(subject: ox.NamedNode) -> str:
    return subject.value.rpartition("#")[2] if "#" in subject.value else "top"


def _ordered_subjects(
    triples: tuple[ox.Triple, ...], first: ox.NamedNode
) -> list[ox.NamedNode | ox.BlankNode]:
    named: dict[str, ox.NamedNode] = {}
    blank: dict[str, ox.BlankNode] = {}
    for triple in triples:
        subject = triple.subject
        if isinstance(subject, ox.NamedNode):
            named[subject.value] = subject
        elif isinstance(subject, ox.BlankNode):
            blank[subject.value] = subject
    ordered: list[ox.NamedNode | ox.BlankNode] = [first] if first.value in named else []
    ordered += [named[k] for k in sorted(named) if k != first.value]
    ordered += [blank[k] for k in sorted(blank)]
    return ordered


def resource_view(description: Description, space: IriSpace) -> ResourceView:
    """What the page shows of ``description``."""
    triples = description.triples
    labels = _labels(triples)
    resource = ox.NamedNode(description.resource)
    view = ResourceView(
        title=labels.get(description.resource, curie(description.resource)),
        resource=description.resource,
        path=space.local_path(description.resource) or "",
        incoming_cut=description.incoming_cut,
    )
    if description.whole_graph:
        for subject in _ordered_subjects(triples, resource):
            if isinstance(subject, ox.NamedNode):
                heading, anchor = (
                    labels.get(subject.value, curie(subject.value)),
                    _fragment(subject),
                )
            else:
                heading, anchor = f"[{subject.value}]", _anchor(subject)
            view.sections.append(Section(heading, anchor, _rows(subject, triples, labels)))
        return view
    view.sections.append(Section("", "", _rows(resource, triples, labels)))
    incoming = sorted(
        (t for t in triples if t.object == resource),
        key=lambda t: (curie(t.predicate.value), natural_key(str(t.subject))),
    )
    view.incoming = [(_term(t.predicate, labels), [_term(t.subject, labels)]) for t in incoming]
    return view


def render_html(
    description: Description, space: IriSpace, reader: tuple[str, str] | None = None
) -> str:
    """The page; ``reader``: (URL, words) of a page about the same resource for readers."""
    view = resource_view(description, space)
    if reader is not None:
        view.reader, view.reader_words = reader
    return render_page("resource.html", title=view.title, view=view, local=space.local_path)
