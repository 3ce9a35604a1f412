"""DCAT-AP 3.0.1 and FAIR Data Point shapes (vendored in tests/conformance) run with pyshacl
on a metadata document; results come back as plain tuples to compare."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rdflib
from pyshacl import validate
from rdflib import Namespace, URIRef

from tests.paths import REPO

CONFORMANCE = REPO / "tests" / "conformance"
SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
FDP_O = Namespace("https://w3id.org/fdp/fdp-o#")

# The FAIR Data Point's metadata schema hierarchy (FAIRDataTeam/FAIRDataPoint, the schemas
# its shapes belong to): every schema extends Resource; the FDP extends Metadata Service,
# which extends Data Service.
FDP_HIERARCHY = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{DCAT.Catalog}> rdfs:subClassOf <{DCAT.Resource}> .
<{DCAT.Dataset}> rdfs:subClassOf <{DCAT.Resource}> .
<{DCAT.Distribution}> rdfs:subClassOf <{DCAT.Resource}> .
<{DCAT.DataService}> rdfs:subClassOf <{DCAT.Resource}> .
<{FDP_O.MetadataService}> rdfs:subClassOf <{DCAT.DataService}> .
<{FDP_O.FAIRDataPoint}> rdfs:subClassOf <{FDP_O.MetadataService}> .
"""


@dataclass(frozen=True, order=True)
class Result:
    """One validation result: severity (Violation, Warning), focus node, path, component."""

    severity: str
    focus: str
    path: str
    component: str
    value: str


def _graph(*paths: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@cache
def dcat_ap_mandatory() -> rdflib.Graph:
    folder = CONFORMANCE / "dcat-ap-3.0.1"
    return _graph(folder / "shapes.ttl", folder / "range.ttl")


@cache
def dcat_ap_recommended() -> rdflib.Graph:
    return _graph(CONFORMANCE / "dcat-ap-3.0.1" / "shapes_recommended.ttl")


@cache
def fdp_shapes() -> rdflib.Graph:
    return _graph(*sorted((CONFORMANCE / "fdp-shapes").glob("shape-*.ttl")))


def _local(iri: object) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def run(data: rdflib.Graph, shapes: rdflib.Graph, hierarchy: bool = False) -> set[Result]:
    """Every result of validating ``data`` against ``shapes`` (the FDP's class hierarchy
    read with the data when ``hierarchy``)."""
    ontology = rdflib.Graph().parse(data=FDP_HIERARCHY, format="turtle") if hierarchy else None
    _, report, _ = validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none")
    assert isinstance(report, rdflib.Graph)
    results = set()
    for result in report.subjects(SH.resultSeverity, None):
        path = report.value(result, SH.resultPath)
        results.add(
            Result(
                _local(report.value(result, SH.resultSeverity)),
                str(report.value(result, SH.focusNode)),
                str(path) if isinstance(path, URIRef) else "",
                _local(report.value(result, SH.sourceConstraintComponent)),
                str(report.value(result, SH.value) or ""),
            )
        )
    return results
