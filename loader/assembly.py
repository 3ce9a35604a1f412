"""Reading, mapping and validating a project's sources: the stages of a build before
reasoning, and all that ``smqi validate`` runs.

Every problem found is reported in one pass: a sheet's unreadable columns and rows, each
bad cell (one message per cell), and the SHACL results on everything that could be mapped,
located by sheet, row and column. A SHACL result in a cell already reported is not repeated.
This module does not import the reasoner, so checking a sheet starts fast.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from smqi.loader import metadata, shared, validation
from smqi.loader import ntriples as nt
from smqi.loader.agreement import DimensionAgreement, agreement_quads, measure
from smqi.loader.alignments import alignment_quads
from smqi.loader.concepts import ConceptIndex, country_quads, read_vocabularies
from smqi.loader.errors import (
    InvalidSheetsError,
    Location,
    ProblemList,
    SheetError,
    ValidationError,
    problems_found,
)
from smqi.loader.extension import check_extensions
from smqi.loader.graph_files import GraphFiles
from smqi.loader.manifest import Collection, Manifest
from smqi.loader.mapper import MappedSheets, SheetMapper
from smqi.loader.reviews import ReviewRecords, ReviewWriter, read_review_records
from smqi.loader.settings import BuildSettings, SheetLimits
from smqi.loader.sheets import Sheet, read_sheet

Progress = Callable[[str], None]


@dataclass
class GraphIris:
    base: str

    def graph(self, name: str) -> str:
        """The project's own graph ``name``."""
        return f"{self.base}graph/{name}"


@contextmanager
def without_gc() -> Iterator[None]:
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
def timed(timings: dict[str, float], stage: str, progress: Progress) -> Iterator[None]:
    progress(stage)
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def quiet(_: str) -> None:
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
    # every problem found while reading and mapping; the sources were mapped all the same,
    # as far as they could be, so that validation can add its own in the same pass
    errors: list[SheetError] = field(default_factory=list)
    sheets: list[Sheet] = field(default_factory=list)
    # the independent coders' agreement, per collection and coded dimension
    agreement: list[DimensionAgreement] = field(default_factory=list)

    @property
    def run(self) -> metadata.BuildRun:
        return metadata.BuildRun(self.build_iri, self.started)


def assemble(
    settings: BuildSettings,
    manifest: Manifest,
    timings: dict[str, float],
    progress: Progress = quiet,
    *,
    started: dt.datetime | None = None,
    sheet_nquads: Path | None = None,
) -> Assembled:
    """Read every source and map it into one store of named graphs. Problems found on the
    way are kept in ``Assembled.errors`` (``check`` reports them with the shapes' results).

    With ``sheet_nquads``, the sheet graphs' N-Quads are also written to that file as they
    are loaded (``Assembled.mapped.graphs`` names those graphs).
    """
    iris = GraphIris(settings.base_iri)
    started = started or dt.datetime.now(dt.UTC).replace(microsecond=0)
    build_iri = f"{settings.base_iri}build/{started.strftime('%Y%m%dT%H%M%SZ')}"
    with without_gc(), timed(timings, "read", progress):
        check_extensions(settings)
        concepts = read_vocabularies(settings.vocabulary_files)
        vocabularies, vocab_lines = shared.named_lines(
            "vocabularies",
            country_quads(concepts, shared.PLACEHOLDER),
            [path.read_bytes() for path in settings.shipped_vocabulary_files],
        )
        reviews = _review_records(settings, manifest, iris, concepts)
        sheets, errors = _read_sheets(manifest, settings.limits)
    with without_gc(), timed(timings, "map", progress):
        alignments: list[str] = []
        for source in _alignment_files(settings, manifest):
            ours = source == settings.alignments_file
            try:
                lines = alignment_quads(
                    source, concepts, shared.PLACEHOLDER if ours else iris.graph("alignments")
                )
                alignments += shared.named_lines("alignments", lines)[1] if ours else lines
            except InvalidSheetsError as exc:
                errors.extend(exc.errors)
            except SheetError as exc:
                errors.append(exc)
        mapper = SheetMapper(settings.base_iri, concepts, build_iri, settings.limits.max_problems)
        store = ox.Store()
        with _ChunkLoader(store, sheet_nquads) as loader:
            mapped = mapper.map_all(sheets, sink=lambda lines: loader.add(lines, copy=True))
            errors.extend(mapped.errors)
            _check_collections(manifest, reviews, errors)
            collection_lines = metadata.collection_quads(
                manifest, mapper, iris.graph("collections"), concepts
            )
            agreement = measure(mapped.codings, mapped.dimensions)
            collection_lines += agreement_quads(
                agreement, settings.base_iri, build_iri, iris.graph("collections")
            )
            loader.add([*vocab_lines, *reviews.quads, *alignments, *collection_lines])
        ontology = settings.ontology_file.read_bytes()
        store.load(
            ontology,
            format=ox.RdfFormat.TURTLE,
            to_graph=ox.NamedNode(shared.shared_graph("ontology", [ontology])),
        )
        for path in settings.vocabulary_files:
            own = path not in settings.shipped_vocabulary_files
            store.load(
                path=path,
                format=ox.RdfFormat.TURTLE,
                to_graph=ox.NamedNode(iris.graph("vocabularies") if own else vocabularies),
            )
        for iri, location in reviews.locations.items():
            mapped.origins.other[iri] = location
    return Assembled(
        store,
        mapped,
        reviews,
        manifest.collections,
        build_iri,
        started,
        errors,
        [sheet for _, sheet in sheets],
        agreement,
    )


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


def _read_sheets(
    manifest: Manifest, limits: SheetLimits
) -> tuple[list[tuple[Collection, Sheet]], list[SheetError]]:
    sheets: list[tuple[Collection, Sheet]] = []
    errors: list[SheetError] = ProblemList(limits.max_problems)
    for collection in manifest.collections:
        for source in collection.sheets:
            try:
                sheet = read_sheet(source.path, source.mapping, limits)
                sheets.append((collection, sheet))
                errors.extend(sheet.problems)
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
    progress: Progress = quiet,
    engine: str | None = None,
) -> list[validation.ShapeViolation]:
    """Validate with SHACL and report every problem of the sources in one pass: raise
    InvalidSheetsError with the reading and mapping problems and the located SHACL results
    (one per cell), or ValidationError when only the shapes found problems."""
    with timed(timings, "validate", progress):
        engine = engine or settings.validator
        if engine == "auto":
            small = len(assembled.mapped.studies) <= settings.pyshacl_max_studies
            engine = "pyshacl" if small else "sparql"
        cache = settings.rules_cache_dir if settings.manifest_file.is_file() else None
        violations = validation.validate(assembled.store, settings.shapes_file, engine, cache)
    origins = assembled.mapped.origins
    located = [
        SheetError(
            origins.locate(v.focus, v.path, v.value),
            v.message,
            "shacl",
            value=_plain(v.value),
        )
        for v in violations
        if v.severity == "Violation"
    ]
    problems = merge_problems(
        assembled.errors, located, assembled.sheets, settings.limits.max_problems
    )
    if assembled.errors:
        raise InvalidSheetsError(problems)
    if problems:
        raise ValidationError(problems)
    return violations


def merge_problems(
    found: list[SheetError],
    located: list[SheetError],
    sheets: Iterable[Sheet],
    cap: int = 1_000,
) -> ProblemList:
    """The problems found while reading and mapping, then the shapes' results that say
    something new: one message per cell, and nothing about a column the sheet lacks (its
    header was reported once). The first ``cap`` are kept, the rest counted."""
    missing = {
        (problem.location.sheet, problem.location.column)
        for sheet in sheets
        for problem in sheet.problems
        if problem.code == "missing-column"
    }
    cells: set[tuple[str, int | None, str | None]] = {
        (p.location.sheet, p.location.row, p.location.column)
        for p in found
        if p.location.row is not None and p.location.column is not None
    }
    merged = list(found)
    seen = {(p.location, p.message) for p in found}
    for problem in sorted(located, key=_place):
        where = problem.location
        cell = (where.sheet, where.row, where.column)
        if (where.sheet, where.column) in missing or (where, problem.message) in seen:
            continue
        if where.row is not None and where.column is not None:
            if cell in cells:
                continue
            cells.add(cell)
        seen.add((where, problem.message))
        merged.append(problem)
    kept = ProblemList(cap)
    kept.extend(sorted(merged, key=_place))
    kept.dropped += problems_found(found) - len(found)
    return kept


def _place(problem: SheetError) -> tuple[str, int, str]:
    where = problem.location
    return (where.sheet, where.row or 0, where.column or "")


def _plain(term: str | None) -> str | None:
    """The text of an N-Triples term as the reviewer wrote it: a literal's lexical form."""
    if term is None:
        return None
    if term.startswith('"'):
        return term[1 : term.rfind('"')]
    return term.strip("<>")


def validate_sheet(
    settings: BuildSettings, path: Path, mapping_path: Path | None, engine: str = "sparql"
) -> int:
    """Check one sheet against the mapping, vocabularies and shapes; writes nothing.

    Outside a project (no manifest), the sheet is checked against the shipped layout and
    vocabularies. The shapes run compiled to SPARQL (the same verdicts as pyshacl, proven by
    tests, in a fraction of the time) unless ``engine`` says otherwise. Returns the number
    of studies in the sheet; raises a LoaderError with every located problem otherwise.
    """
    from smqi.loader.manifest import DatasetMetadata, SheetSource, load_mapping

    # The manifest's metadata plays no part in checking a sheet: a team checks its sheets
    # before it has described its dataset.
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
    lone = Manifest(  # a sheet is checked on its own: review records play no part
        path=manifest.path,
        dataset=manifest.dataset,
        reviews=None,
        alignments=None,
        collections=(collection,),
    )
    timings: dict[str, float] = {}
    assembled = assemble(settings, lone, timings)
    check(assembled, settings, timings, engine=engine)
    return len(assembled.mapped.studies)


__all__ = ["Assembled", "GraphIris", "assemble", "check", "merge_problems", "validate_sheet"]
