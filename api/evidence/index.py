"""An in-memory index of who coded which study with what, built once per dataset version.

Why: filtering, facet counts and cross-tabulations join every coded record with its study,
and on the embedded store those joins (and above all FILTER EXISTS / NOT EXISTS) cost
seconds to minutes at 100k studies, past the query timeout. The index is read instead with
scans only (``record-codes.rq``, ``property-pairs.rq``, on Virtuoso those of
``api/queries/virtuoso/``: one pass over one property per query, the answer packed into at
most 4096 rows of moderate size, so that neither the store's row cap nor the result
parser's 16 MiB limit on one value is reached), joined on keys (``KEYED_READS``), and held
as bit sets: bit
``i`` stands for the ``i``-th study in listing order (year, first author, IRI). A filter is then
a few big-integer ANDs and ORs, a count is ``int.bit_count``, and the answers are the same
as the competency queries' (the tests check them against CQ1, CQ2 and CQ3).

Record-level semantics are kept: within one collection a study has one counted record (its
sole coder's, or the consensus of several coders: the independent records a consensus
supersedes are not counted, as in CQ1), so a collection's bit sets are its records';
without a review, sets are ORed across collections.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from typing import TypeVar
from urllib.parse import unquote

import pyoxigraph as ox

from smqi.api.errors import StoreError
from smqi.api.evidence.dimensions import DIMENSIONS, YEAR_PROPERTY
from smqi.api.evidence.queries import LOG, Row, Snapshot, api_query, text
from smqi.api.store import Bindings
from smqi.api.store.config import RemoteStoreSettings
from smqi.api.store.remote import UNVERSIONED
from smqi.loader.terms import SMQI

Code = tuple[str, str]  # (record-level property IRI, value IRI)
T = TypeVar("T")


def bit_set(positions: Iterable[int], size: int) -> int:
    """The integer whose bits at ``positions`` are set."""
    buffer = bytearray((size + 7) // 8)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")


def positions(bits: int) -> Iterator[int]:
    """The set bits of ``bits``, lowest first."""
    digits = bin(bits)[:1:-1]  # least significant digit first, without the '0b'
    start = digits.find("1")
    while start >= 0:
        yield start
        start = digits.find("1", start + 1)


@dataclass(frozen=True)
class StudyIndex:
    """Studies in listing order, and bit sets of them per collection, code and year."""

    studies: tuple[str, ...]  # study IRI by bit position
    years: dict[int, int]
    coverage: dict[str, int]  # collection IRI -> the studies it codes
    codes: dict[str, dict[Code, int]]  # collection IRI -> code -> studies so coded
    pooled: dict[Code, int] = field(default_factory=dict)  # code -> studies, any collection
    # independent coders' records a consensus record supersedes: not counted
    superseded: frozenset[str] = frozenset()

    def scope(self, collection: str | None) -> int:
        """The studies a collection codes; without one, every coded study."""
        if collection is None:
            return _union(self.coverage.values())
        return self.coverage.get(collection, 0)

    def codes_in(self, collection: str | None) -> dict[Code, int]:
        return self.pooled if collection is None else self.codes.get(collection, {})

    def coded_with(self, collection: str | None, code: Code) -> int:
        return self.codes_in(collection).get(code, 0)

    def coded_with_both(self, collection: str | None, first: Code, second: Code) -> int:
        """Studies some single record codes with both values (the record-level pairing)."""
        scopes = self.codes.values() if collection is None else [self.codes_in(collection)]
        return _union(codes.get(first, 0) & codes.get(second, 0) for codes in scopes)

    def iris(self, bits: int, offset: int = 0, limit: int | None = None) -> list[str]:
        found: list[str] = []
        for index, position in enumerate(positions(bits)):
            if index < offset:
                continue
            if limit is not None and len(found) >= limit:
                break
            found.append(self.studies[position])
        return found


def _union(sets: Iterable[int]) -> int:
    result = 0
    for bits in sets:
        result |= bits
    return result


def study_index(snapshot: Snapshot) -> StudyIndex:
    """The index of the dataset version ``snapshot`` reads (built once per version)."""
    return snapshot.cached("study-index", lambda: _kept_or_built(snapshot))


def _kept_or_built(snapshot: Snapshot) -> StudyIndex:
    """The index kept on disk for this version (``ApiSettings.index_dir``), or read from the
    store, and then kept (a failure to keep it is logged: the answers do not need the file)."""
    folder = snapshot.context.settings.index_dir
    if folder is None or snapshot.version == UNVERSIONED:
        return _build(snapshot)  # without a version marker, a file could outlive its data
    from smqi.api.evidence import index_file  # it builds on this module's StudyIndex

    key = index_key(snapshot)
    kept = index_file.read_index(folder, key)
    if kept is not None:
        return kept
    index = _build(snapshot)
    try:
        index_file.write_index(folder, key, index)
    except OSError as error:
        LOG.warning("could not keep the study index in %s: %s", folder, error)
    return index


def index_key(snapshot: Snapshot) -> str:
    """What a kept index is filed under: the dataset version, and which store and scope it
    was read from. The same version marker can be served from two stores (a staging and a
    production one), or with and without ``dataset_only``, and their indexes differ."""
    store = snapshot.context.settings.store
    source = store.query_url if isinstance(store, RemoteStoreSettings) else str(store.data_dir)
    scope = f"dataset_only {store.graph_prefix}" if store.dataset_only else "every dataset"
    return "\n".join((snapshot.version, source, scope))


def _complete(snapshot: Snapshot, name: str, bindings: Bindings) -> list[Row]:
    """The rows of an index query; StoreError if the row cap cut them (the index would lie)."""
    result = snapshot.context.store.select(api_query(name), bindings)
    if result.truncated:
        raise StoreError(
            f"{name}.rq returned more rows than the store's row cap; raise the cap "
            "(SMQI_MAX_ROWS) to at least 4096 to serve studies and facets"
        )
    return result.rows


Columns = list[list[str]]  # a read's fields, one list per field, line by line


def property_pairs(snapshot: Snapshot, prop: str, literals: bool) -> list[tuple[str, str]]:
    """Every (subject, object) that ``prop`` links; ``literals`` when its objects are
    literals (property-pairs.rq percent-encodes those)."""
    subjects, objects = _packed_columns(snapshot, "property-pairs", prop, 2)
    return list(zip(subjects, _decoded(objects) if literals else objects, strict=True))


def _decoded(values: list[str]) -> list[str]:
    """Literals' lexical forms, from the percent-encoded ones the packed reads give."""
    return [unquote(value) if "%" in value else value for value in values]


def _packed_columns(snapshot: Snapshot, name: str, prop: str, width: int) -> Columns:
    """The ``width`` tab-separated fields of the lines of ``name``.rq's ``?pairs`` packed
    for ``prop``, as one list per field.

    Each packed value is split whole, not line by line: a list or tuple per line would make
    millions of objects at 1M studies, and the garbage collector's passes over them took
    about a fifth of the reads' time at 300k."""
    columns: Columns = [[] for _ in range(width)]
    for row in _complete(snapshot, name, {"property": ox.NamedNode(prop)}):
        packed = text(row, "pairs")
        if not packed:
            continue
        fields = packed.replace("\n", "\t").split("\t")
        if len(fields) % width:
            raise StoreError(f"{name}.rq gave a line without {width} tab-separated fields")
        for index, column in enumerate(columns):
            column.extend(fields[index::width])
    return columns


# The index joins its reads on keys, and names studies and records by IRI only where it must
# (the studies' listing, the superseded records). A key is a node's IRI, but on Virtuoso its
# number for the IRI (api/queries/virtuoso/), which it writes several times faster: the
# index's reads at 1M studies are what the API's first start waits for. Each keyed read,
# its fields, and the query that makes it where a key is the IRI:
KEYED_READS = {
    "keyed-pairs": ("property-pairs", 2),  # subject key, object
    "keyed-links": ("property-pairs", 2),  # subject key, object key
    "keyed-subjects": ("property-pairs", 3),  # subject key, subject IRI, object
    "record-codes": ("record-codes", 2),  # record key, value IRI
}


def keys_are_iris(snapshot: Snapshot) -> bool:
    store = snapshot.context.settings.store
    return not (isinstance(store, RemoteStoreSettings) and store.kind == "virtuoso")


def keyed_read(snapshot: Snapshot, name: str, prop: str, literals: bool = False) -> Columns:
    """The fields of the keyed read ``name`` (``KEYED_READS``) for ``prop``, one list per
    field; ``literals`` when the objects are literals (they come percent-encoded)."""
    generic, width = KEYED_READS[name]
    if keys_are_iris(snapshot):
        subjects, objects = _packed_columns(snapshot, generic, prop, 2)
        columns = [subjects, subjects, objects] if width == 3 else [subjects, objects]
    else:
        columns = _packed_columns(snapshot, f"virtuoso/{name}", prop, width)
    if literals:
        columns[-1] = _decoded(columns[-1])
    return columns


def _build(snapshot: Snapshot) -> StudyIndex:
    # one query per property: each stays well inside the query timeout at 100k studies. The
    # store's bulk_reads of them run ahead while the answers already in are used.
    consensus = str(SMQI.consensusOf)
    reads: list[Callable[[], Columns]] = [
        partial(keyed_read, snapshot, "keyed-subjects", YEAR_PROPERTY, True),
        partial(keyed_read, snapshot, "keyed-pairs", str(SMQI.firstAuthor), True),
        partial(keyed_read, snapshot, "keyed-links", consensus),
        partial(keyed_read, snapshot, "keyed-links", str(SMQI.codesStudy)),
        partial(keyed_read, snapshot, "keyed-pairs", str(SMQI.inCollection)),
        *(partial(keyed_read, snapshot, "record-codes", d.predicate) for d in DIMENSIONS),
    ]
    if not keys_are_iris(snapshot):  # the superseded records' IRIs, besides their keys
        reads.append(partial(_packed_columns, snapshot, "property-pairs", consensus, 2))
    with reads_ahead(snapshot, reads) as answers:
        return _built(answers)


@contextmanager
def reads_ahead(
    snapshot: Snapshot, reads: Sequence[Callable[[], T]]
) -> Iterator[Generator[T, None, None]]:
    """The answers of ``reads``, in order, the store's ``bulk_reads`` of them under way at a
    time (``in_order``); on leaving, even after a failure, the reads not yet sent never are."""
    answers = in_order(reads, snapshot.context.settings.store.bulk_reads)
    try:
        yield answers
    finally:
        answers.close()


def in_order(calls: Sequence[Callable[[], T]], at_once: int) -> Generator[T, None, None]:
    """The calls' results, in order, with up to ``at_once`` of them running at a time: the
    next ones are under way while the caller uses one, and at most ``at_once`` results wait
    to be used. Closing the generator early cancels those not yet started (the running ones
    finish in the background)."""
    if at_once <= 1:
        yield from (call() for call in calls)
        return
    pool = ThreadPoolExecutor(at_once, thread_name_prefix="smqi-read")
    waiting = iter(calls)
    running = deque(pool.submit(call) for call in islice(waiting, at_once))
    try:
        while running:
            first = running.popleft()
            # queued behind the running ones: it starts as soon as one of them ends, so
            # that ``at_once`` keep running while the caller uses ``first``'s result
            running.extend(pool.submit(call) for call in islice(waiting, 1))
            yield first.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _built(answers: Iterator[Columns]) -> StudyIndex:
    """The index from the answers of ``_build``'s reads, taken in their order."""
    keys, studies, found_years = next(answers)
    years = dict(zip(keys, found_years, strict=True))
    iri_of = dict(zip(keys, studies, strict=True))
    authors = dict(zip(*next(answers), strict=True))
    order = sorted(
        years,
        key=lambda s: (int(years[s]), authors.get(s, "").casefold(), authors.get(s, ""), iri_of[s]),
    )
    position = {study: index for index, study in enumerate(order)}
    size = len(order)
    superseded_keys = frozenset(next(answers)[1])
    study_of = {
        r: position[s]
        for r, s in zip(*next(answers), strict=True)
        if s in position and r not in superseded_keys
    }
    collection_of = dict(zip(*next(answers), strict=True))

    covered: dict[str, list[int]] = {}
    for record, place in study_of.items():
        if record in collection_of:
            covered.setdefault(collection_of[record], []).append(place)
    coded: dict[str, dict[Code, list[int]]] = {}
    for dimension in DIMENSIONS:
        for record, value in zip(*next(answers), strict=True):
            if record in study_of and record in collection_of:
                by_code = coded.setdefault(collection_of[record], {})
                by_code.setdefault((dimension.predicate, value), []).append(study_of[record])

    by_year: dict[int, list[int]] = {}
    for study, year in years.items():
        by_year.setdefault(int(year), []).append(position[study])
    codes = {
        collection: {code: bit_set(studies, size) for code, studies in found.items()}
        for collection, found in coded.items()
    }
    pooled: dict[Code, int] = {}
    for sets in codes.values():
        for code, bits in sets.items():
            pooled[code] = pooled.get(code, 0) | bits
    # keys that are IRIs name the superseded records; other keys come with a read of them
    named_superseded = next(answers, None)
    superseded = superseded_keys if named_superseded is None else frozenset(named_superseded[1])
    return StudyIndex(
        studies=tuple(iri_of[key] for key in order),
        years={year: bit_set(found, size) for year, found in sorted(by_year.items())},
        coverage={c: bit_set(found, size) for c, found in covered.items()},
        codes=codes,
        pooled=pooled,
        superseded=superseded,
    )
