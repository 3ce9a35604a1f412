"""The build pipeline: read -> map -> validate (``loader.assembly``) -> reason -> write.

Nothing is written until every stage has passed; a failed build leaves the previous
published build untouched.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox

from smqi.loader import __version__, crate, metadata, reasoning, validation
from smqi.loader import ntriples as nt
from smqi.loader.agreement import DimensionAgreement
from smqi.loader.assembly import (
    Assembled,
    GraphIris,
    Progress,
    assemble,
    check,
    quiet,
    timed,
    without_gc,
)
from smqi.loader.consistency import checked_terms
from smqi.loader.graph_files import NQUADS_FILE, GraphFiles, GraphPart
from smqi.loader.inference import Facts
from smqi.loader.manifest import Manifest, load_manifest
from smqi.loader.publish import BuildFiles, BuildLock, Staging, remove_abandoned
from smqi.loader.settings import BuildSettings
from smqi.loader.terms import PREFIXES


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
    # per collection with several coders and coded dimension: the coders' agreement and
    # each disagreement with its sheets and rows (loader.agreement)
    agreement: list[DimensionAgreement] = field(default_factory=list)


def build(settings: BuildSettings, progress: Progress = quiet) -> BuildReport:
    """Build the project's graph and publish it to its ``build``; all or nothing, and one
    build of a project at a time (a second refuses with BuildInProgressError).

    Stages overlap where the machine has a core to spare: HermiT classifies the ontology
    in a JVM (unless its rules are cached) while the sheets are read and mapped, and
    Python reads the facts and closes them under the rules while the store validates
    the data in other threads (which need the GIL only between queries).
    """
    with BuildLock(settings.build_dir):
        remove_abandoned(settings.build_dir)  # a killed build's staging folder, if any
        return _build(settings, progress)


def _build(settings: BuildSettings, progress: Progress) -> BuildReport:
    timings: dict[str, float] = {}
    manifest = load_manifest(settings.manifest_file, settings.default_mapping)
    with (
        without_gc(),
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
            if assembled.errors:  # report them with the shapes' results, and stop
                check(assembled, settings, timings, progress)
            checked = validating.submit(check, assembled, settings, timings, progress)
            try:
                with timed(timings, "reason", progress):
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
        with timed(timings, "reason", progress):
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
        with timed(timings, "write", progress):
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
                agreement=assembled.agreement,
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
