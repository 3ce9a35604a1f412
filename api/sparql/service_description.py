"""The SPARQL service description and the example-query catalogue, as RDF.

The service description follows SPARQL 1.1 Service Description; the catalogue follows the
SIB sparql-examples convention (each competency query an ``sh:SPARQLExecutable`` with its
question as ``rdfs:comment``, its text under ``sh:select``/``sh:ask``/``sh:construct`` and
the endpoint as ``schema:target``), so tools that read either find the queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Namespace

from smqi.api.fair.dataset_description import DatasetFacts, metadata_graph
from smqi.api.http.media import BY_TYPE, GRAPH_TYPES, RESULTS_TYPES
from smqi.api.store.sparql import QueryForm, bind, check_query
from smqi.loader.queries import CompetencyQuery
from smqi.loader.terms import DCTERMS, PREFIXES, RDF, RDFS, SCHEMA, SD, SH, SMQI, VOCAB, VOID, XSD

# The SIB sparql-examples vocabulary, for the one form SHACL has no property for (DESCRIBE).
SPEX = Namespace("https://purl.expasy.org/sparql-examples/ontology#")

# W3C's unique identifiers for media formats, as SPARQL 1.1 Service Description uses them.
FORMAT_IRIS = {
    media_type: iri
    for media_type in (*RESULTS_TYPES, *GRAPH_TYPES)
    if (iri := BY_TYPE[media_type].format_iri) is not None
}
_FORM_TERMS = {
    QueryForm.SELECT: (SH.SPARQLSelectExecutable, SH.select),
    QueryForm.ASK: (SH.SPARQLAskExecutable, SH.ask),
    QueryForm.CONSTRUCT: (SH.SPARQLConstructExecutable, SH.construct),
    QueryForm.DESCRIBE: (SPEX.DescribeQuery, SPEX.describe),
}
_NAME = re.compile(r"cq0*(\d+[a-z]?)-(.+)")
_PREFIX_LINE = re.compile(r"\s*PREFIX\s", re.IGNORECASE)


@dataclass(frozen=True)
class ServiceLinks:
    """Where the service and its descriptions answer, and the limits it applies."""

    endpoint: str
    examples: str
    void: str
    timeout_s: float
    max_rows: int
    query_base: str  # relative IRIs in a query resolve against it

    @classmethod
    def at(cls, base_url: str, timeout_s: float, max_rows: int, query_base: str) -> ServiceLinks:
        """The links of a server answering at ``base_url`` (no trailing slash)."""
        return cls(
            endpoint=f"{base_url}/sparql",
            examples=f"{base_url}/.well-known/sparql-examples",
            void=f"{base_url}/.well-known/void",
            timeout_s=timeout_s,
            max_rows=max_rows,
            query_base=query_base,
        )


def _iri(value: object) -> ox.NamedNode:
    return ox.NamedNode(str(value))


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def describe_service(links: ServiceLinks, facts: DatasetFacts, base_iri: str) -> list[ox.Triple]:
    """The sd:Service at the endpoint: language, result formats, features, default dataset."""
    service = ox.NamedNode(links.endpoint)
    t = [
        ox.Triple(service, _iri(RDF.type), _iri(SD.Service)),
        ox.Triple(service, _iri(SD.endpoint), service),
        ox.Triple(service, _iri(SD.supportedLanguage), _iri(SD.SPARQL11Query)),
        ox.Triple(service, _iri(SD.feature), _iri(SD.UnionDefaultGraph)),
        ox.Triple(service, _iri(DCTERMS.title), _en("SMQI Evidence Graph SPARQL endpoint")),
        ox.Triple(
            service,
            _iri(RDFS.comment),
            _en(
                "Read-only SPARQL 1.1 Query endpoint. Unless a query names its dataset (FROM, "
                "FROM NAMED, or the default-graph-uri and named-graph-uri parameters, which "
                "win), the default graph is the union of the named graphs. Relative IRIs in a "
                f"query resolve against the base IRI <{links.query_base}>. A query stops "
                f"after {links.timeout_s:g} s (HTTP 504); a SELECT returns at most "
                f"{links.max_rows} rows, and a cut result carries the header "
                "'SMQI-Result-Truncated: true'. SPARQL Update, LOAD and SERVICE are refused "
                "(HTTP 400); when every query slot is busy and the queue is full, a query is "
                "refused with HTTP 503 and Retry-After."
            ),
        ),
        ox.Triple(service, _iri(RDFS.seeAlso), ox.NamedNode(links.examples)),
        ox.Triple(service, _iri(RDFS.seeAlso), ox.NamedNode(links.void)),
    ]
    t += [
        ox.Triple(service, _iri(SD.resultFormat), _iri(FORMAT_IRIS[media_type]))
        for media_type in (*RESULTS_TYPES, *GRAPH_TYPES)
    ]
    if facts.dataset is None:
        return t
    dataset = ox.NamedNode(facts.dataset)
    default_graph = ox.BlankNode("defaultGraph")
    t += [
        ox.Triple(service, _iri(SD.defaultDataset), dataset),
        ox.Triple(dataset, _iri(RDF.type), _iri(SD.Dataset)),
        ox.Triple(dataset, _iri(RDFS.seeAlso), ox.NamedNode(links.void)),
        ox.Triple(dataset, _iri(SD.defaultGraph), default_graph),
        ox.Triple(default_graph, _iri(RDF.type), _iri(SD.Graph)),
        ox.Triple(default_graph, _iri(RDFS.comment), _en("the union of the named graphs")),
    ]
    graphs: dict[str, int | None] = {**facts.graphs, metadata_graph(base_iri).value: None}
    for index, (name, triples) in enumerate(sorted(graphs.items())):
        named, graph = ox.BlankNode(f"namedGraph{index}"), ox.BlankNode(f"graph{index}")
        t += [
            ox.Triple(dataset, _iri(SD.namedGraph), named),
            ox.Triple(named, _iri(RDF.type), _iri(SD.NamedGraph)),
            ox.Triple(named, _iri(SD.name), ox.NamedNode(name)),
            ox.Triple(named, _iri(SD.graph), graph),
            ox.Triple(graph, _iri(RDF.type), _iri(SD.Graph)),
        ]
        if triples is not None:
            count = ox.Literal(str(triples), datatype=_iri(XSD.integer))
            t.append(ox.Triple(graph, _iri(VOID.triples), count))
    return t


def example_label(query: CompetencyQuery) -> str:
    """``CQ4a: studies per year`` from the file name ``cq04a-studies-per-year``."""
    match = _NAME.fullmatch(query.name)
    if match is None:
        return query.name
    return f"CQ{match.group(1)}: {match.group(2).replace('-', ' ')}"


def example_bindings(base_iri: str) -> dict[str, dict[str, ox.NamedNode]]:
    """Values for the required parameters of the competency queries that have them.

    Bound, each example runs as it stands and answers its question for one case; unbound,
    CQ3 would pair every concept of every scheme with every other (minutes of work).
    """
    review = {year: ox.NamedNode(f"{base_iri}review/walsh-{year}") for year in (2021, 2022)}
    platform, model = _iri(SMQI.platform), _iri(SMQI.communicationModel)
    return {
        "cq01-studies-per-concept": {"property": platform},
        "cq02-cross-tabulation": {"rowProperty": platform, "colProperty": model},
        "cq03-evidence-gaps": {
            "rowProperty": platform,
            "rowScheme": _iri(VOCAB["platform"]),
            "colProperty": model,
            "colScheme": _iri(VOCAB["communication-model"]),
        },
        "cq12b-shared-studies": {"first": review[2021], "second": review[2022]},
        "cq14-codebook-relations": {"first": review[2021], "second": review[2022]},
    }


def runnable_text(query: CompetencyQuery, base_iri: str) -> str:
    """The query's text with example values for its required parameters, ready to run."""
    bindings = example_bindings(base_iri).get(query.name)
    return bind(check_query(query.text), dict(bindings)) if bindings else query.text


def describe_examples(
    catalogue: Mapping[str, CompetencyQuery], links: ServiceLinks, base_iri: str
) -> list[ox.Triple]:
    """Each competency query as an executable example aimed at the endpoint."""
    target = ox.NamedNode(links.endpoint)
    t: list[ox.Triple] = []
    for name, query in sorted(catalogue.items()):
        example = ox.NamedNode(f"{links.examples}#{name}")
        text = runnable_text(query, base_iri)
        cls, text_property = _FORM_TERMS[check_query(text).form]
        t += [
            ox.Triple(example, _iri(RDF.type), _iri(SH.SPARQLExecutable)),
            ox.Triple(example, _iri(RDF.type), _iri(cls)),
            ox.Triple(example, _iri(DCTERMS.identifier), ox.Literal(name)),
            ox.Triple(example, _iri(RDFS.label), _en(example_label(query))),
            ox.Triple(example, _iri(RDFS.comment), _en(query.question)),
            ox.Triple(example, _iri(text_property), ox.Literal(text)),
            ox.Triple(example, _iri(SCHEMA.target), target),
        ]
        for heading, value in (("Parameters", query.parameters), ("Returns", query.returns)):
            if value:
                t.append(ox.Triple(example, _iri(RDFS.comment), _en(f"{heading}: {value}")))
    return t


def with_all_prefixes(text: str) -> str:
    """A query with the project's full PREFIX list in place of its own declarations.

    Used to prefill the query editor, so a person editing the example can use any prefix.
    """
    lines = text.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#") and not _PREFIX_LINE.match(line)]
    prefixes = [f"PREFIX {name}: <{namespace}>" for name, namespace in PREFIXES.items()]
    return "\n".join([*comments, *prefixes, *_strip_blank_start(body)]) + "\n"


def _strip_blank_start(lines: Iterable[str]) -> list[str]:
    out = list(lines)
    while out and not out[0].strip():
        out.pop(0)
    return ["", *out]
