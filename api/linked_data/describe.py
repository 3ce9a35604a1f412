"""Dereferencing the graph's IRIs: what the graph says about a resource, as RDF or HTML.

A description is CBD-like: the resource's outgoing triples, the labels of the resources it
links to, and the resources linking to it (the first 500) with their labels. The ontology
IRI is described by the whole ontology graph. The HTML rendering is one self-contained
page (no external resources) whose links stay on this server for the graph's own IRIs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from smqi.api.evidence.queries import Snapshot, api_query
from smqi.api.http.negotiation import HTML, write_rdf
from smqi.api.store.formats import JSON_LD, N_TRIPLES, RDF_XML, TURTLE
from smqi.api.store.sparql import BindingValue
from smqi.loader.terms import DCTERMS, FOAF, ONTOLOGY_IRI, OWL, PREFIXES, RDFS, SKOS, VOCAB

# Offered in this order: a client that accepts anything gets Turtle.
MEDIA_TYPES = (TURTLE, HTML, JSON_LD, RDF_XML, N_TRIPLES)
FORMAT_NAMES = {
    "ttl": TURTLE,
    "turtle": TURTLE,
    "jsonld": JSON_LD,
    "json-ld": JSON_LD,
    "json": JSON_LD,
    "rdf": RDF_XML,
    "rdfxml": RDF_XML,
    "xml": RDF_XML,
    "nt": N_TRIPLES,
    "ntriples": N_TRIPLES,
    "html": HTML,
}
LABEL_PROPERTIES = (str(SKOS.prefLabel), str(RDFS.label), str(DCTERMS.title), str(FOAF.name))
INCOMING_LIMIT = 500  # as resource-incoming.rq's LIMIT
_Object = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class IriSpace:
    """Where the graph's IRIs dereference on this server, and back."""

    base: str  # the instance IRIs' base, e.g. https://w3id.org/smqi/id/

    def local_path(self, iri: str) -> str | None:
        """The path on this server that serves ``iri``, if the graph mints it."""
        if iri.startswith(self.base):
            return "/id/" + iri[len(self.base) :]
        if iri.startswith(str(VOCAB)):
            return "/vocab/" + iri[len(str(VOCAB)) :]
        if iri == ONTOLOGY_IRI or iri.startswith((f"{ONTOLOGY_IRI}#", f"{ONTOLOGY_IRI}/")):
            return "/ontology" + iri[len(ONTOLOGY_IRI) :]
        return None

    def instance(self, path: str) -> str:
        return self.base + path

    @staticmethod
    def vocabulary(path: str) -> str:
        return str(VOCAB) + path


@dataclass(frozen=True)
class Description:
    """The triples that describe ``resource``; ``whole_graph`` for the ontology document."""

    resource: str
    triples: tuple[ox.Triple, ...]
    whole_graph: bool = False
    incoming_cut: bool = False  # more resources link here than the description lists


def describe(snapshot: Snapshot, resource: str) -> Description | None:
    """The resource's outgoing and incoming triples with labels; None if the graph has none."""
    node = ox.NamedNode(resource)
    triples: dict[ox.Triple, None] = {}
    for row in snapshot.select(api_query("resource-properties"), {"resource": node}).rows:
        value = row["value"]
        if isinstance(value, _Object):
            triples[ox.Triple(node, ox.NamedNode(_value(row["property"])), value)] = None
    incoming = 0
    for row in snapshot.select(api_query("resource-incoming"), {"resource": node}).rows:
        subject = row["subject"]
        if isinstance(subject, ox.NamedNode | ox.BlankNode):
            triples[ox.Triple(subject, ox.NamedNode(_value(row["property"])), node)] = None
            incoming += 1
    if not triples:
        return None
    linked = {t.object for t in triples if isinstance(t.object, ox.NamedNode)}
    linked |= {t.subject for t in triples if isinstance(t.subject, ox.NamedNode)}
    linked.discard(node)
    if linked:
        named: list[BindingValue] = sorted(linked, key=lambda n: n.value)
        for row in snapshot.select(api_query("resource-labels"), {"resource": named}).rows:
            labelled, label, label_property = row["resource"], row["label"], row["labelProperty"]
            if isinstance(label, ox.Literal) and isinstance(label_property, ox.NamedNode):
                triples[ox.Triple(ox.NamedNode(_value(labelled)), label_property, label)] = None
    # the resource's own triples first, then each other subject's together (Turtle groups them)
    ordered = sorted(
        triples,
        key=lambda t: (
            t.subject != node,
            natural_key(str(t.subject)),
            str(t.predicate),
            natural_key(str(t.object)),
        ),
    )
    return Description(resource, tuple(ordered), incoming_cut=incoming >= INCOMING_LIMIT)


def describe_ontology(snapshot: Snapshot, iri: str = ONTOLOGY_IRI) -> Description | None:
    """The ontology document (every triple of the ontology graph), asked for by the ontology
    IRI, its owl:versionIRI or its owl:priorVersion (whose IRI must keep resolving: the
    current document says which version it is and which it replaces); None for another
    version or an empty graph."""
    graph = ox.NamedNode(f"{snapshot.base_iri}graph/ontology")
    triples = tuple(snapshot.construct(api_query("graph-triples"), {"graph": graph}))
    if not triples:
        return None
    if iri != ONTOLOGY_IRI:
        versions = {
            ox.Triple(ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode(str(kind)), ox.NamedNode(iri))
            for kind in (OWL.versionIRI, OWL.priorVersion)
        }
        if not versions & set(triples):
            return None
    return Description(ONTOLOGY_IRI, triples, whole_graph=True)


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[str | int, ...], str]:
    """``text`` as runs of letters and numbers, so that .../author/2 comes before
    .../author/10 and row 9 before row 10; the text itself breaks ties."""
    parts = _DIGITS.split(text)  # text at even places, digits at odd ones
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts)), text


def _value(term: object) -> str:
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term.value
    raise ValueError(f"unexpected term {term!r}")


def media_type_for(format_name: str) -> str | None:
    return FORMAT_NAMES.get(format_name.strip().lower())


def render(description: Description, media_type: str, space: IriSpace) -> bytes:
    """The description in ``media_type``: an RDF syntax, or an HTML page."""
    if media_type == HTML:
        return render_html(description, space).encode("utf-8")
    return write_rdf(description.triples, media_type)


# -- HTML ----------------------------------------------------------------------------------

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem}
code,.iri{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{width:16rem;font-weight:600}.meta{color:#555}
.lang,.type{color:#777;font-size:.85em}nav a{margin-right:.8rem}
"""


def _curie(iri: str) -> str:
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
        subject = _value(triple.subject)
        if rank < best.get(subject, len(ranked)):
            best[subject], labels[subject] = rank, triple.object.value
    return labels


def _anchor(node: ox.BlankNode) -> str:
    return f"b-{node.value}"


def _link(term: object, space: IriSpace, labels: dict[str, str]) -> str:
    if isinstance(term, ox.Literal):
        text = html.escape(term.value)
        if term.language:
            return f'{text} <span class="lang">@{html.escape(term.language)}</span>'
        datatype = term.datatype.value
        if datatype.endswith("#string"):
            return text
        return f'{text} <span class="type">{html.escape(_curie(datatype))}</span>'
    if isinstance(term, ox.BlankNode):
        return f'<a href="#{_anchor(term)}">[{html.escape(term.value)}]</a>'
    iri = _value(term)
    href = space.local_path(iri) or iri
    label = labels.get(iri)
    shown = html.escape(label) if label else f'<span class="iri">{html.escape(_curie(iri))}</span>'
    return f'<a href="{html.escape(href)}">{shown}</a>'


def _table(rows: list[tuple[str, list[str]]]) -> str:
    body = "".join(f"<tr><th>{head}</th><td>{'<br>'.join(cells)}</td></tr>" for head, cells in rows)
    return f"<table>{body}</table>"


def _outgoing(
    subject: ox.NamedNode | ox.BlankNode, triples: Iterable[ox.Triple]
) -> dict[str, list[object]]:
    by_property: dict[str, list[object]] = {}
    for triple in triples:
        if triple.subject == subject:
            by_property.setdefault(triple.predicate.value, []).append(triple.object)
    return by_property


def _section(
    subject: ox.NamedNode | ox.BlankNode,
    triples: tuple[ox.Triple, ...],
    space: IriSpace,
    labels: dict[str, str],
) -> str:
    rows = [
        (_link(ox.NamedNode(prop), space, labels), [_link(v, space, labels) for v in values])
        for prop, values in sorted(_outgoing(subject, triples).items(), key=lambda i: _curie(i[0]))
    ]
    return _table(rows)


def render_html(description: Description, space: IriSpace) -> str:
    """A readable page: the resource's properties, then what links to it."""
    triples = description.triples
    labels = _labels(triples)
    resource = ox.NamedNode(description.resource)
    title = labels.get(description.resource, _curie(description.resource))
    local = space.local_path(description.resource) or ""
    formats = " ".join(
        f'<a href="{html.escape(local)}?format={name}">{label}</a>'
        for name, label in (
            ("ttl", "Turtle"),
            ("jsonld", "JSON-LD"),
            ("rdf", "RDF/XML"),
            ("nt", "N-Triples"),
        )
    )
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)} · SMQI Evidence Graph</title>",
        f"<style>{STYLE}</style></head><body>",
        '<nav><a href="/">SMQI Evidence Graph</a><a href="/sparql">SPARQL</a></nav>',
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta iri">{html.escape(description.resource)}</p>',
        f'<p class="meta">Also as {formats}</p>',
    ]
    if description.whole_graph:
        subjects = _ordered_subjects(triples, resource)
        for subject in subjects:
            anchor = _anchor(subject) if isinstance(subject, ox.BlankNode) else _fragment(subject)
            heading = (
                labels.get(subject.value, _curie(subject.value))
                if isinstance(subject, ox.NamedNode)
                else f"[{subject.value}]"
            )
            parts.append(f'<h2 id="{html.escape(anchor)}">{html.escape(heading)}</h2>')
            parts.append(_section(subject, triples, space, labels))
    else:
        parts.append(_section(resource, triples, space, labels))
        incoming = [t for t in triples if t.object == resource]
        if incoming:
            note = " (the first 500)" if description.incoming_cut else ""
            parts.append(f"<h2>Linked from{note}</h2>")
            rows = [
                (_link(t.predicate, space, labels), [_link(t.subject, space, labels)])
                for t in sorted(
                    incoming,
                    key=lambda t: (_curie(t.predicate.value), natural_key(_value(t.subject))),
                )
            ]
            parts.append(_table(rows))
    parts.append("</body></html>")
    return "\n".join(parts)


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
