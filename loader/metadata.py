"""Descriptions of the build itself: collections, build provenance, and the VoID/DCAT
description harvesters read (counts computed from the built graph; the dataset's own
description from the manifest, see ``loader.description``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from smqi.loader import __version__
from smqi.loader import ntriples as nt
from smqi.loader.concepts import ConceptIndex, scheme_iri
from smqi.loader.description import Scope, description_quads, read_scope
from smqi.loader.manifest import Manifest
from smqi.loader.mapper import SheetMapper
from smqi.loader.settings import BuildSettings
from smqi.loader.sheets import Sheet
from smqi.loader.terms import DCTERMS, PROV, RDF, RDFS, SKOS, SMQI, VOID, XSD


@dataclass(frozen=True)
class BuildRun:
    """One run of the build: its IRI and when it started."""

    iri: str
    started: dt.datetime


ILLUSTRATIVE_NOTE = (
    "Illustrative: these studies were coded from public abstracts to illustrate the "
    "extraction template. They are not the studies included by any review."
)
COUNTED_CLASSES = (
    SMQI.Study,
    SMQI.CodedRecord,
    SMQI.Review,
    SMQI.EvidenceCollection,
    SMQI.Finding,
    SKOS.Concept,
    SKOS.ConceptScheme,
)


def _q(s: str, p: object, o: str, g: str) -> str:
    return nt.quad(s, nt.iri(str(p)), o, g)


def collection_quads(
    manifest: Manifest, mapper: SheetMapper, graph: str, concepts: ConceptIndex
) -> list[str]:
    """Each collection of the manifest: an illustrative extraction is typed and labelled so."""
    g = nt.iri(graph)
    lines: list[str] = []
    for collection in manifest.collections:
        c = nt.iri(mapper.collection_iri(collection))
        schemes = sorted(
            {
                scheme
                for src in collection.sheets
                for col in src.mapping.columns.values()
                for scheme in (col.scheme, col.classify.scheme if col.classify else None)
                if scheme
            }
        )
        for scheme in schemes:
            lines.append(_q(c, SMQI.codedDimension, nt.iri(scheme_iri(scheme)), g))
        if collection.kind != "illustrative":
            continue
        lines.append(_q(c, RDF.type, nt.iri(str(SMQI.IllustrativeExtraction)), g))
        lines.append(_q(c, DCTERMS.identifier, nt.literal(collection.id), g))
        if collection.title:
            lines.append(_q(c, DCTERMS.title, nt.literal(collection.title, language="en"), g))
        if collection.description:
            text = " ".join(collection.description.split())
            lines.append(_q(c, DCTERMS.description, nt.literal(text, language="en"), g))
        lines.append(_q(c, RDFS.comment, nt.literal(ILLUSTRATIVE_NOTE, language="en"), g))
    return lines


def _count(store: ox.Store, query: str) -> int:
    rows = list(store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]
    if not rows:
        return 0
    value = rows[0][0]
    return int(value.value) if value is not None else 0


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def provenance_quads(
    store: ox.Store,
    settings: BuildSettings,
    manifest: Manifest,
    run: BuildRun,
    graph: str,
) -> list[str]:
    """The build activity, the source files it used and the loaded-study counts."""
    g = nt.iri(graph)
    base = settings.base_iri
    b = nt.iri(run.iri)
    software = nt.iri(f"{base}agent/smqi-loader")
    lines = [
        _q(b, RDF.type, nt.iri(str(SMQI.Build)), g),
        _q(b, RDF.type, nt.iri(str(PROV.Activity)), g),
        _q(b, RDFS.label, nt.literal(f"build {run.iri.rsplit('/', 1)[-1]}"), g),
        _q(b, PROV.startedAtTime, nt.literal(run.started.isoformat(), str(XSD.dateTime)), g),
        _q(b, SMQI.loaderVersion, nt.literal(__version__), g),
        _q(b, PROV.wasAssociatedWith, software, g),
        _q(software, RDF.type, nt.iri(str(PROV.SoftwareAgent)), g),
        _q(software, RDFS.label, nt.literal(f"smqi loader {__version__}"), g),
    ]
    for source in (manifest.path, manifest.reviews, settings.alignments_file, manifest.alignments):
        if source is None or not source.is_file():
            continue
        entity = nt.iri(f"{base}source/{source.name}")
        lines += [
            _q(entity, RDF.type, nt.iri(str(PROV.Entity)), g),
            _q(entity, DCTERMS.title, nt.literal(source.name), g),
            _q(entity, SMQI.sha256, nt.literal(_sha256(source)), g),
            _q(b, PROV.used, entity, g),
        ]
    return lines + _loaded_counts(store, g)


@dataclass
class GraphCounts:
    """What the VoID description counts in the data graphs (all but the metadata graph)."""

    triples: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples
    entities: dict[str, int] = field(default_factory=dict)  # counted class -> members
    terms: set[str] = field(default_factory=set)  # predicates and classes used
    scope: Scope = field(default_factory=Scope)

    def add_graph(
        self, graph: str, triples: int, members: Mapping[str, int], terms: Iterable[str]
    ) -> None:
        """Count one more graph, none of whose statements is in the graphs counted so far
        (the inferred graph): its members of a class are then not counted yet."""
        if triples:
            self.triples[graph] = self.triples.get(graph, 0) + triples
        for cls, n in members.items():
            if cls in self.entities:
                self.entities[cls] += n
        self.terms.update(terms)


def count_graphs(store: ox.Store, excluded: Iterable[str]) -> GraphCounts:
    """Count the named graphs of ``store`` but the ``excluded`` ones with SPARQL."""
    not_meta = f"FILTER(?g NOT IN ({', '.join(f'<{g}>' for g in excluded)}))"
    counts = GraphCounts()
    # one scan for the triples of each graph and the predicates they use
    for row in store.query(  # type: ignore[union-attr]
        f"SELECT ?g ?p (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {not_meta} }} "
        "GROUP BY ?g ?p"
    ):
        graph = row["g"].value
        counts.triples[graph] = counts.triples.get(graph, 0) + int(row["n"].value)
        counts.terms.add(row["p"].value)
    for cls in COUNTED_CLASSES:
        counts.entities[str(cls)] = _count(
            store,
            f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a <{cls}> }} {not_meta} }}",
        )
    for row in store.query(  # type: ignore[union-attr]
        f"SELECT DISTINCT ?t WHERE {{ GRAPH ?g {{ ?s a ?t }} {not_meta} }}"
    ):
        counts.terms.add(row["t"].value)
    counts.scope = read_scope(store)
    return counts


def void_quads(
    counts: GraphCounts,
    settings: BuildSettings,
    manifest: Manifest,
    run: BuildRun,
    graph: str,
    ended: dt.datetime,
) -> list[str]:
    """The build's end time and the VoID description of the graph as built."""
    b = nt.iri(run.iri)
    end = _q(b, PROV.endedAtTime, nt.literal(ended.isoformat(), str(XSD.dateTime)), nt.iri(graph))
    return [end, *_void(counts, settings, manifest, graph, ended, run.iri)]


def _loaded_counts(store: ox.Store, g: str) -> list[str]:
    # runs before reasoning, so collection types are followed up the class hierarchy
    query = f"""
        SELECT ?c (COUNT(DISTINCT ?study) AS ?n) WHERE {{
          ?c a/<{RDFS.subClassOf}>* <{SMQI.EvidenceCollection}> .
          OPTIONAL {{ ?r <{SMQI.inCollection}> ?c ; <{SMQI.codesStudy}> ?study }}
        }} GROUP BY ?c"""
    lines = []
    for row in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
        count = nt.literal(str(row["n"].value), str(XSD.integer))
        lines.append(_q(nt.iri(row["c"].value), SMQI.loadedStudyCount, count, g))
    return lines


def _void(
    counts: GraphCounts,
    settings: BuildSettings,
    manifest: Manifest,
    graph: str,
    ended: dt.datetime,
    build_iri: str,
) -> list[str]:
    g = nt.iri(graph)
    base = settings.base_iri
    d = nt.iri(f"{base}dataset")
    integer = str(XSD.integer)
    lines = [
        _q(d, RDF.type, nt.iri(str(VOID.Dataset)), g),
        *description_quads(manifest.dataset, counts.scope, base, graph, ended),
        _q(d, VOID.uriSpace, nt.literal(base), g),
        _q(d, VOID.triples, nt.literal(str(sum(counts.triples.values())), integer), g),
        _q(d, PROV.wasGeneratedBy, nt.iri(build_iri), g),
    ]
    for cls in COUNTED_CLASSES:
        part = nt.iri(f"{base}dataset/class/{str(cls).rsplit('/', 1)[-1].replace('#', '-')}")
        lines += [
            _q(d, VOID.classPartition, part, g),
            _q(part, VOID["class"], nt.iri(str(cls)), g),
            _q(part, VOID.entities, nt.literal(str(counts.entities[str(cls)]), integer), g),
        ]
    vocabularies = set()
    for term in counts.terms:
        cut = max(term.rfind("#"), term.rfind("/"))
        vocabularies.add(term[: cut + 1])
    for namespace in sorted(vocabularies):
        lines.append(_q(d, VOID.vocabulary, nt.iri(namespace), g))
    for subset_iri, triples in counts.triples.items():
        subset = nt.iri(subset_iri)
        lines += [
            _q(d, VOID.subset, subset, g),
            _q(subset, RDF.type, nt.iri(str(VOID.Dataset)), g),
            _q(subset, VOID.triples, nt.literal(str(triples), integer), g),
        ]
    return lines


def build_json(
    report: dict[str, Any],
    manifest: Manifest,
    run: BuildRun,
    sheets: Iterable[Sheet],
    version: str,
) -> dict[str, Any]:
    """The machine-readable summary written beside the graph files (``build.json``).

    Sheets are named by their path in the project, never by where the project was built.
    """
    project = manifest.path.parent.resolve()
    listed = [
        {"sheet": sheet.name, "path": _relative(sheet.path, project), "sha256": sheet.sha256}
        for sheet in sheets
    ]
    return {
        "build_id": report["build_id"],
        "build_iri": run.iri,
        "loader_version": version,
        "started": run.started.isoformat(),
        "studies": report["studies"],
        "records": report["records"],
        "quads": report["quads"],
        "inferred": report["inferred"],
        "timings_seconds": {k: round(v, 3) for k, v in report["timings"].items()},
        "sheets": listed,
        "reviews_file": manifest.reviews.name if manifest.reviews else None,
        "agreement": [result.as_dict() for result in report.get("agreement", [])],
    }


def source_files(manifest: Manifest, settings: BuildSettings) -> dict[str, Path]:
    """The files a build read (manifest, review records, alignments, sheets and their
    mappings), by the path each is published at under ``sources/``: its path in the project,
    or its name for a file outside it (the shipped alignments and default mapping)."""
    project = manifest.path.parent.resolve()
    read = [manifest.path, manifest.reviews, settings.alignments_file, manifest.alignments]
    for collection in manifest.collections:
        for source in collection.sheets:
            read += [source.path, source.mapping.path]
    named: dict[str, Path] = {}
    for path in read:
        if path is not None and path.is_file():
            named.setdefault(_relative(path, project), path)
    return named


def _relative(path: Path, project: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(project)) if resolved.is_relative_to(project) else path.name
