"""The build pipeline: read -> map -> validate -> reason -> write.

Nothing is written until every stage has passed; a failed build leaves the previous
``data/build`` untouched.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from smqi.loader import __version__, crate, metadata, reasoning, validation
from smqi.loader import ntriples as nt
from smqi.loader.alignments import alignment_quads
from smqi.loader.concepts import ConceptIndex, country_quads, read_vocabularies
from smqi.loader.consistency import checked_terms
from smqi.loader.errors import (
    InvalidSheetsError,
    LoaderError,
    Location,
    SheetError,
    ValidationError,
)
from smqi.loader.graph_files import NQUADS_FILE, GraphFiles, GraphPart
from smqi.loader.inference import Facts
from smqi.loader.manifest import Collection, Manifest, load_manifest
from smqi.loader.mapper import MappedSheets, SheetMapper
from smqi.loader.publish import BuildFiles, Staging
from smqi.loader.reviews import ReviewRecords, ReviewWriter, read_review_records
from smqi.loader.settings import BuildSettings
from smqi.loader.sheets import Sheet, read_sheet
from smqi.loader.terms import PREFIXES

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


class _ChunkLoader:
    """Loads N-Quads text into a store in a second thread, one chunk behind the mapper:
    the store parses and inserts without the GIL while Python maps the next rows.

    With ``copy_to``, the text given with ``copy=True`` is also appended to that file,
    so that the published N-Quads need not be dumped from the store: the mapper's text
    states each statement once (see ``SheetMapper``), as the store holds it.

    The store gives each load's blank nodes fresh identities, which is harmless here: the
    mapped text has none.
    """

    def __init__(self, store: ox.Store, copy_to: Path | None = None) -> None:
        self.store = store
        self.copy_to = copy_to
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load")
        self._pending: Future[None] | None = None

    def add(self, lines: list[str], *, copy: bool = False) -> None:
        data = nt.encode_lines(lines)
        self.wait()  # at most one chunk in flight bounds the memory the text takes
        target = self.copy_to if copy else None
        self._pending = self._pool.submit(self._load, data, target)

    def _load(self, data: bytes, copy_to: Path | None) -> None:
        # lenient: twice as fast, and nt.iri has checked every IRI the text holds
        self.store.load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
        if copy_to is not None:
            GraphFiles.append_to(copy_to, data)

    def wait(self) -> None:
        if self._pending is not None:
            self._pending.result()
            self._pending = None

    def __enter__(self) -> _ChunkLoader:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        try:
            if exc_type is None:
                self.wait()
        finally:
            self._pool.shutdown()  # waits for a load in flight, whose result no one needs


@dataclass
class Assembled:
    """A mapped, not yet validated build held in an in-memory store."""

    store: ox.Store
    mapped: MappedSheets
    reviews: ReviewRecords
    collections: tuple[Collection, ...]
    build_iri: str
    started: dt.datetime

    @property
    def run(self) -> metadata.BuildRun:
        return metadata.BuildRun(self.build_iri, self.started)


def assemble(
    settings: BuildSettings,
    manifest: Manifest,
    timings: dict[str, float],
    progress: Progress = _quiet,
    *,
    started: dt.datetime | None = None,
    sheet_nquads: Path | None = None,
) -> Assembled:
    """Read every source and map it into one store of named graphs; raise on any sheet error.

    With ``sheet_nquads``, the sheet graphs' N-Quads are also written to that file as they
    are loaded (``Assembled.mapped.graphs`` names those graphs).
    """
    iris = GraphIris(settings.base_iri)
    started = started or dt.datetime.now(dt.UTC).replace(microsecond=0)
    build_iri = f"{settings.base_iri}build/{started.strftime('%Y%m%dT%H%M%SZ')}"
    with _without_gc(), _timed(timings, "read", progress):
        _, concepts = read_vocabularies(settings.vocabulary_files)
        vocab_lines = country_quads(concepts, iris.graph("vocabularies"))
        reviews = _review_records(settings, manifest, iris, concepts)
        sheets, errors = _read_sheets(manifest)
    with _without_gc(), _timed(timings, "map", progress):
        alignments: list[str] = []
        for source in _alignment_files(settings, manifest):
            try:
                alignments += alignment_quads(source, concepts, iris.graph("alignments"))
            except InvalidSheetsError as exc:
                errors.extend(exc.errors)
            except SheetError as exc:
                errors.append(exc)
        mapper = SheetMapper(settings.base_iri, concepts, build_iri)
        store = ox.Store()
        with _ChunkLoader(store, sheet_nquads) as loader:
            mapped = mapper.map_all(sheets, sink=lambda lines: loader.add(lines, copy=True))
            errors.extend(mapped.errors)
            _check_collections(manifest, reviews, errors)
            if errors:
                raise InvalidSheetsError(errors)
            collection_lines = metadata.collection_quads(
                manifest, mapper, iris.graph("collections"), concepts
            )
            loader.add([*vocab_lines, *reviews.quads, *alignments, *collection_lines])
        store.load(
            path=settings.ontology_file,
            format=ox.RdfFormat.TURTLE,
            to_graph=ox.NamedNode(iris.graph("ontology")),
        )
        for path in settings.vocabulary_files:
            store.load(
                path=path,
                format=ox.RdfFormat.TURTLE,
                to_graph=ox.NamedNode(iris.graph("vocabularies")),
            )
        for iri, location in reviews.locations.items():
            mapped.origins.other[iri] = location
    return Assembled(store, mapped, reviews, manifest.collections, build_iri, started)


def _review_records(
    settings: BuildSettings, manifest: Manifest, iris: GraphIris, concepts: ConceptIndex
) -> ReviewRecords:
    if manifest.reviews is None:
        return ReviewRecords()
    writer = ReviewWriter(settings.base_iri, iris.graph("reviews"), manifest.reviews, concepts)
    return writer.write(read_review_records(manifest.reviews))


def _alignment_files(settings: BuildSettings, manifest: Manifest) -> list[Path]:
    """Our concepts' alignments, then the project's own (of its extension concepts)."""
    shipped = settings.alignments_file
    own = manifest.alignments
    return [shipped, *([own] if own is not None and own.resolve() != shipped.resolve() else [])]


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
    reviews_file = manifest.reviews.name if manifest.reviews else "the review records (none given)"
    for collection in manifest.collections:
        if collection.kind == "review" and collection.id not in reviews.reviews:
            errors.append(
                SheetError(
                    Location(manifest.path.name, None, f"collections[{collection.id}]"),
                    f"names review '{collection.id}', which is not in {reviews_file}; "
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
    """Build the graph from ``data/`` and publish it to ``data/build``; all or nothing.

    Stages overlap where the machine has a core to spare: HermiT classifies the ontology
    in a JVM (unless its rules are cached) while the sheets are read and mapped, and
    Python reads the facts and closes them under the rules while the store validates
    the data in other threads (which need the GIL only between queries).
    """
    timings: dict[str, float] = {}
    manifest = load_manifest(settings.manifest_file, settings.default_mapping)
    with (
        _without_gc(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="hermit") as hermit,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="validate") as validating,
    ):
        rules = hermit.submit(
            reasoning.derive_rules, settings.ontology_files, cache_dir=settings.rules_cache_dir
        )
        started = dt.datetime.now(dt.UTC).replace(microsecond=0)
        staging = Staging(settings.build_dir, started.strftime("%Y%m%dT%H%M%SZ"))
        try:
            assembled = assemble(
                settings, manifest, timings, progress,
                started=started, sheet_nquads=staging.path / NQUADS_FILE,
            )  # fmt: skip
            checked = validating.submit(check, assembled, settings, timings, progress)
            try:
                with _timed(timings, "reason", progress):
                    derived = _derive(settings, manifest, assembled, rules.result())
            except BaseException:
                checked.result()  # a sheet's problems explain more than what followed
                raise
            violations = checked.result()
            report = _reason_and_write(
                settings, manifest, assembled, rules.result(), derived, violations, staging,
                timings, progress,
            )  # fmt: skip
        except BaseException:
            staging.discard()
            raise
    return report


@dataclass
class _Derived:
    """What the rules entail, with the build provenance they were applied to."""

    facts: Facts | None
    build_metadata: ox.Store  # the provenance, kept apart until the store is dumped whole

    def take_facts(self) -> Facts:
        """The entailments, which this then lets go of (they take a gigabyte at 100k)."""
        facts, self.facts = self.facts, None
        assert facts is not None
        return facts


def _derive(
    settings: BuildSettings, manifest: Manifest, assembled: Assembled, rules: reasoning.RuleSet
) -> _Derived:
    # Build provenance goes to the reasoner like any other data.
    iris = GraphIris(settings.base_iri)
    build_metadata = ox.Store()
    build_metadata.load(
        nt.encode_lines(
            metadata.provenance_quads(
                assembled.store, settings, manifest, assembled.run, iris.graph("metadata")
            )
        ),
        format=ox.RdfFormat.N_QUADS,
        lenient=True,
    )
    facts = reasoning.read_mapped(assembled.store, assembled.mapped, [build_metadata], rules)
    return _Derived(reasoning.derive(facts, rules), build_metadata)


def _append_after(whole: Future[None], files: GraphFiles, texts: list[bytes]) -> None:
    """N-Quads text into the N-Quads file once the whole-store dump that starts the file is
    over."""
    whole.result()
    files.append_nquads(*texts)


def _dump_asserted(
    files: GraphFiles, store: ox.Store, graphs: list[ox.NamedNode]
) -> list[GraphPart]:
    """The asserted graphs' Turtle parts: graph by graph, so that what the store gains
    meanwhile (provenance, the entailments the QC queries read) stays out."""
    return [files.dump_turtle(store, graph) for graph in graphs]


def _reason_and_write(
    settings: BuildSettings,
    manifest: Manifest,
    assembled: Assembled,
    rules: reasoning.RuleSet,
    derived_facts: _Derived,
    violations: list[validation.ShapeViolation],
    staging: Staging,
    timings: dict[str, float],
    progress: Progress,
) -> BuildReport:
    """Apply what reasoning derived (``_derive``, while the store validated) to the
    validated store and write every file into ``staging``.

    The graph files are written in parts (see loader.graph_files), each as soon as its
    graphs are final, in two threads that work without the GIL: one dumps the asserted
    graphs from the store, the other writes the inferred graph's text as Python renders
    it. The inferred graph never goes into the store whole: only the statements the QC
    queries read (a few thousand at 100k studies) and the build provenance are inserted,
    by a third thread once the whole-store dump is over, which then runs the QC queries;
    the per-graph dumps read single graphs, which the insert leaves as they are. Once
    Python has rendered, the writing thread appends the inferred N-Quads and the dumping
    thread joins the parts into the TriG, Turtle and JSON-LD files while the store counts
    the graphs for VoID; the metadata graph, which holds those counts, goes in last.
    """
    iris = GraphIris(settings.base_iri)
    store = assembled.store
    inferred_graph = ox.NamedNode(iris.graph("inferred"))
    metadata_graph = ox.NamedNode(iris.graph("metadata"))
    files = GraphFiles(staging.path, {name: str(ns) for name, ns in PREFIXES.items()})
    asserted_graphs = sorted(
        (g for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=str
    )
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="dump") as dumps,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="write") as writes,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="check") as checks,
    ):
        with _timed(timings, "reason", progress):
            whole = dumps.submit(files.dump_first, store, assembled.mapped.graphs)
            asserted_job = dumps.submit(_dump_asserted, files, store, asserted_graphs)
            build_metadata = derived_facts.build_metadata
            provenance = build_metadata.dump(format=ox.RdfFormat.N_QUADS) or b""
            derived = derived_facts.take_facts()
            # The inferred graph never goes into the store whole: the QC queries run in
            # another thread on the store plus what they read of it (a few thousand
            # statements at 100k studies), while Python renders it as text in every
            # format and a third thread writes its Turtle and JSON-LD parts.
            consistent = checks.submit(
                _check_after,
                whole,
                store,
                provenance,
                reasoning.quads_about(derived, checked_terms(store), inferred_graph),
                rules,
                len(assembled.mapped.studies) <= settings.hermit_max_studies,
                inferred_graph,
            )
            part = files.text_part(inferred_graph.value)
            written: list[Future[None]] = []
            entailments = reasoning.render(
                derived,
                inferred_graph,
                sink=lambda chunk: written.append(
                    writes.submit(files.add_text, part, chunk.turtle, chunk.jsonld)
                ),
                prefixes=files.prefixes,
            )
            del derived
            texts = [*entailments.nquads, entailments.blank_nquads()]
            appended = writes.submit(_append_after, whole, files, texts)
            del texts  # the job lets go of them once written
            for job in written:
                job.result()
            inferred_part = files.close_text(part)
            inferred = len(entailments)
            members, terms = entailments.members, entailments.terms
            del entailments
            # The graphs' parts go into the TriG, Turtle and JSON-LD files (kernel copies)
            # in the dump thread while the store counts the graphs here, without the GIL.
            parts = dumps.submit(lambda: files.add_parts([*asserted_job.result(), inferred_part]))
            counts = metadata.count_graphs(store, [inferred_graph.value, metadata_graph.value])
            consistent.result()
        with _timed(timings, "write", progress):
            asserted_quads = sum(counts.triples.values()) + _default_graph_size(store)
            counts.add_graph(inferred_graph.value, inferred, members, terms)
            ended = dt.datetime.now(dt.UTC).replace(microsecond=0)
            void_lines = metadata.void_quads(
                counts, settings, manifest, assembled.run, metadata_graph.value, ended
            )
            build_metadata.load(
                nt.encode_lines(void_lines), format=ox.RdfFormat.N_QUADS, lenient=True
            )
            metadata_part = files.dump_graph(build_metadata, metadata_graph)
            appended.result()
            files.append_store_nquads(build_metadata)
            parts.result()
            files.finish([metadata_part])
            report = BuildReport(
                build_id=staging.build_id,
                studies=len(assembled.mapped.studies),
                records=assembled.mapped.records,
                quads=asserted_quads + inferred + len(build_metadata),
                inferred=inferred,
                timings=timings,
            )
            staging.write_extras(
                settings.ontology_file,
                settings.shapes_file,
                validation.report_text(violations),
                validation.report_graph(violations).serialize(format="turtle").encode(),
                metadata.build_json(
                    report.__dict__,
                    manifest,
                    assembled.run,
                    assembled.mapped.origins.sheets.values(),
                    __version__,
                ),
                metadata.source_files(manifest, settings),
            )
            run = crate.Run(assembled.build_iri, assembled.started, ended, __version__)
            staging.write_crate(
                lambda files: crate.crate_metadata(
                    manifest.dataset, counts.scope, settings.base_iri, run, files
                )
            )
            report.files = staging.publish()
    return report


def _default_graph_size(store: ox.Store) -> int:
    solutions = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(solutions, ox.QuerySolutions)
    count = next(iter(solutions))[0]
    return int(count.value) if isinstance(count, ox.Literal) else 0


def _check_after(
    dump: Future[None],
    store: ox.Store,
    provenance: bytes,
    entailed: list[ox.Quad],
    rules: reasoning.RuleSet,
    hermit: bool,
    inferred_graph: ox.NamedNode,
) -> None:
    """Once ``dump`` (of the whole store) is over, add the build provenance and the
    entailments the QC queries read to ``store`` and check it for consistency."""
    dump.result()
    _load(store, provenance)
    store.extend(entailed)
    reasoning.check_consistency(store, rules, hermit=hermit, inferred_graph=inferred_graph)


def _load(store: ox.Store, nquads: bytes) -> None:
    # lenient: the IRIs come from the store or the rules, so they were checked on the way in
    store.load(nquads, format=ox.RdfFormat.N_QUADS, lenient=True)


def validate_sheet(settings: BuildSettings, path: Path, mapping_path: Path | None) -> int:
    """Check one sheet against the mapping, vocabularies and shapes; writes nothing.

    Outside a project (no manifest), the sheet is checked against the shipped layout and
    vocabularies. Returns the number of studies in the sheet; raises a LoaderError with
    located problems otherwise.
    """
    from smqi.loader.manifest import DatasetMetadata, SheetSource, load_mapping

    if settings.manifest_file.is_file():
        manifest = load_manifest(settings.manifest_file, settings.default_mapping)
    else:
        manifest = Manifest(
            path=settings.manifest_file,
            dataset=DatasetMetadata("", "", "", settings.base_iri),
            reviews=None,
            alignments=None,
        )
    mapping = load_mapping(mapping_path or settings.default_mapping)
    collection = Collection(
        id=f"validate-{nt.path_segment(path.stem)}",
        kind="illustrative",
        title=f"Sheet under validation: {path.name}",
        description=None,
        sheets=(SheetSource(path, mapping),),
    )
    lone = Manifest(
        path=manifest.path,
        dataset=manifest.dataset,
        reviews=manifest.reviews,
        alignments=manifest.alignments,
        collections=(collection,),
    )
    timings: dict[str, float] = {}
    assembled = assemble(settings, lone, timings)
    check(assembled, settings, timings)
    return len(assembled.mapped.studies)


__all__ = ["BuildReport", "ConceptIndex", "LoaderError", "build", "validate_sheet"]
