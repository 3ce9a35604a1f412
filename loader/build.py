"""The build pipeline: read -> map -> validate -> reason -> write.

Nothing is written until every stage has passed; a failed build leaves the previous
``data/build`` untouched.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from loader import __version__, metadata, reasoning, validation
from loader import ntriples as nt
from loader.alignments import alignment_quads
from loader.concepts import ConceptIndex, country_quads, read_vocabularies
from loader.errors import InvalidSheetsError, LoaderError, Location, SheetError, ValidationError
from loader.manifest import Collection, Manifest, load_manifest
from loader.mapper import MappedSheets, SheetMapper
from loader.publish import BuildFiles, write_build
from loader.reviews import ReviewRecords, ReviewWriter, read_review_records
from loader.settings import BuildSettings
from loader.sheets import Sheet, read_sheet

Progress = Callable[[str], None]


@dataclass
class BuildReport:
    """What a build did: counts, per-stage seconds, and where it wrote."""

    build_id: str
    studies: int
    records: int
    quads: int
    inferred: int
    timings: dict[str, float] = field(default_factory=dict)
    files: BuildFiles | None = None


@dataclass
class GraphIris:
    base: str

    def graph(self, name: str) -> str:
        return f"{self.base}graph/{name}"


@contextmanager
def _without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: mapping allocates millions of acyclic objects,
    and repeated full collections over them make the stage superlinear in rows."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _timed(timings: dict[str, float], stage: str, progress: Progress) -> Iterator[None]:
    progress(stage)
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def _quiet(_: str) -> None:
    return None


@dataclass
class Assembled:
    """A mapped, not yet validated build held in an in-memory store."""

    store: ox.Store
    mapped: MappedSheets
    reviews: ReviewRecords
    collections: tuple[Collection, ...]
    build_iri: str
    started: dt.datetime


def assemble(
    settings: BuildSettings,
    manifest: Manifest,
    timings: dict[str, float],
    progress: Progress = _quiet,
) -> Assembled:
    """Read every source and map it into one store of named graphs; raise on any sheet error."""
    iris = GraphIris(settings.base_iri)
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    build_iri = f"{settings.base_iri}build/{started.strftime('%Y%m%dT%H%M%SZ')}"
    with _without_gc(), _timed(timings, "read", progress):
        _, concepts = read_vocabularies(settings.vocabulary_dir)
        vocab_lines = country_quads(concepts, iris.graph("vocabularies"))
        reviews = ReviewWriter(
            settings.base_iri, iris.graph("reviews"), manifest.reviews, concepts
        ).write(read_review_records(manifest.reviews))
        sheets, errors = _read_sheets(manifest)
    with _without_gc(), _timed(timings, "map", progress):
        alignments: list[str] = []
        if manifest.alignments is not None:
            try:
                alignments = alignment_quads(
                    manifest.alignments, concepts, iris.graph("alignments")
                )
            except InvalidSheetsError as exc:
                errors.extend(exc.errors)
            except SheetError as exc:
                errors.append(exc)
        mapper = SheetMapper(settings.base_iri, concepts, build_iri)
        mapped = mapper.map_all(sheets)
        errors.extend(mapped.errors)
        _check_collections(manifest, reviews, errors)
        if errors:
            raise InvalidSheetsError(errors)
        store = ox.Store()
        store.load(
            path=settings.ontology_file,
            format=ox.RdfFormat.TURTLE,
            to_graph=ox.NamedNode(iris.graph("ontology")),
        )
        for path in sorted(settings.vocabulary_dir.glob("*.ttl")):
            store.load(
                path=path,
                format=ox.RdfFormat.TURTLE,
                to_graph=ox.NamedNode(iris.graph("vocabularies")),
            )
        collection_lines = metadata.collection_quads(
            manifest, mapper, iris.graph("collections"), concepts
        )
        chunks = [vocab_lines, reviews.quads, alignments, collection_lines, *mapped.quads.values()]
        store.bulk_load(
            input="".join(line for chunk in chunks for line in chunk).encode("utf-8"),
            format=ox.RdfFormat.N_QUADS,
        )
        for iri, location in reviews.locations.items():
            mapped.origins.other[iri] = location
    return Assembled(store, mapped, reviews, manifest.collections, build_iri, started)


def _read_sheets(manifest: Manifest) -> tuple[list[tuple[Collection, Sheet]], list[SheetError]]:
    sheets: list[tuple[Collection, Sheet]] = []
    errors: list[SheetError] = []
    for collection in manifest.collections:
        for source in collection.sheets:
            try:
                sheets.append((collection, read_sheet(source.path, source.mapping)))
            except InvalidSheetsError as exc:
                errors.extend(exc.errors)
            except SheetError as exc:
                errors.append(exc)
    return sheets, errors


def _check_collections(
    manifest: Manifest, reviews: ReviewRecords, errors: list[SheetError]
) -> None:
    for collection in manifest.collections:
        if collection.kind == "review" and collection.id not in reviews.reviews:
            errors.append(
                SheetError(
                    Location(manifest.path.name, None, f"collections[{collection.id}]"),
                    f"names review '{collection.id}', which is not in {manifest.reviews.name}; "
                    f"known reviews: {', '.join(sorted(reviews.reviews))}",
                    "unknown-review",
                )
            )


def check(
    assembled: Assembled,
    settings: BuildSettings,
    timings: dict[str, float],
    progress: Progress = _quiet,
) -> list[validation.ShapeViolation]:
    """Validate with SHACL; raise ValidationError with located problems on any violation."""
    with _timed(timings, "validate", progress):
        engine = settings.validator
        if engine == "auto":
            small = len(assembled.mapped.studies) <= settings.pyshacl_max_studies
            engine = "pyshacl" if small else "sparql"
        violations = validation.validate(assembled.store, settings.shapes_file, engine)
    blocking = [v for v in violations if v.severity == "Violation"]
    if blocking:
        origins = assembled.mapped.origins
        problems = [
            SheetError(origins.locate(v.focus, v.path, v.value), v.message, "shacl")
            for v in blocking
        ]
        problems.sort(
            key=lambda p: (p.location.sheet, p.location.row or 0, p.location.column or "")
        )
        raise ValidationError(problems)
    return violations


def build(settings: BuildSettings, progress: Progress = _quiet) -> BuildReport:
    """Build the graph from ``data/`` and publish it to ``data/build``; all or nothing."""
    timings: dict[str, float] = {}
    manifest = load_manifest(settings.manifest_file)
    assembled = assemble(settings, manifest, timings, progress)
    violations = check(assembled, settings, timings, progress)
    iris = GraphIris(settings.base_iri)
    store = assembled.store
    with _timed(timings, "reason", progress):
        # build provenance first, so the reasoner sees it like any other data
        store.bulk_load(
            input="".join(
                metadata.provenance_quads(
                    store, settings, manifest, assembled, iris.graph("metadata")
                )
            ).encode(),
            format=ox.RdfFormat.N_QUADS,
        )
        rules = reasoning.derive_rules(
            [settings.ontology_file, *sorted(settings.vocabulary_dir.glob("*.ttl"))],
            cache_dir=settings.build_dir.parent / ".cache",
        )
        inferred_graph = ox.NamedNode(iris.graph("inferred"))
        inferred = reasoning.materialise(store, rules, inferred_graph)
        small = len(assembled.mapped.studies) <= settings.hermit_max_studies
        reasoning.check_consistency(store, rules, hermit=small, inferred_graph=inferred_graph)
    with _timed(timings, "write", progress):
        ended = dt.datetime.now(dt.UTC).replace(microsecond=0)
        void_lines = metadata.void_quads(
            store, settings, manifest, assembled, iris.graph("metadata"), ended
        )
        store.bulk_load(input="".join(void_lines).encode(), format=ox.RdfFormat.N_QUADS)
        build_id = assembled.started.strftime("%Y%m%dT%H%M%SZ")
        report = BuildReport(
            build_id=build_id,
            studies=len(assembled.mapped.studies),
            records=assembled.mapped.records,
            quads=len(store),
            inferred=inferred,
            timings=timings,
        )
        report.files = write_build(
            store,
            settings.build_dir,
            build_id,
            settings.ontology_file,
            validation.report_text(violations),
            validation.report_graph(violations).serialize(format="turtle").encode(),
            metadata.build_json(report.__dict__, manifest, assembled, __version__),
        )
    return report


def validate_sheet(settings: BuildSettings, path: Path, mapping_path: Path | None) -> int:
    """Check one sheet against the mapping, vocabularies and shapes; writes nothing.

    Returns the number of studies in the sheet; raises a LoaderError with located
    problems otherwise.
    """
    from loader.manifest import SheetSource, load_mapping

    manifest = load_manifest(settings.manifest_file)
    mapping = load_mapping(mapping_path) if mapping_path else None
    if mapping is None:
        from loader.manifest import DEFAULT_MAPPING

        mapping = load_mapping(settings.data_dir / DEFAULT_MAPPING)
    collection = Collection(
        id=f"validate-{nt.path_segment(path.stem)}",
        kind="illustrative",
        title=f"Sheet under validation: {path.name}",
        description=None,
        sheets=(SheetSource(path, mapping),),
    )
    lone = Manifest(
        path=manifest.path,
        title=manifest.title,
        description=manifest.description,
        license=manifest.license,
        reviews=manifest.reviews,
        alignments=manifest.alignments,
        collections=(collection,),
    )
    timings: dict[str, float] = {}
    assembled = assemble(settings, lone, timings)
    check(assembled, settings, timings)
    return len(assembled.mapped.studies)


__all__ = ["BuildReport", "ConceptIndex", "LoaderError", "build", "validate_sheet"]
