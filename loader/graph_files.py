"""The published graph files (N-Quads, TriG, the Turtle union, JSON-LD), written in parts.

A build's graphs are final at different times: the asserted graphs after validation, the
inferred graph after reasoning, the build metadata last. Each graph is serialised as soon
as it is final (the asserted ones on another core while the reasoner runs in Python), and
the parts are then joined, without parsing them again, into one file per format:

- every named graph is dumped once as Turtle and once as JSON-LD;
- ``smqi.ttl`` (the union) concatenates the Turtle parts: each repeats its ``@prefix``
  lines, which Turtle allows anywhere between statements;
- ``smqi.trig`` wraps each Turtle part, prefix lines cut, in a ``<graph> { }`` block under
  one prefix header;
- ``smqi.jsonld`` is the array of ``{"@id": graph, "@graph": part}`` objects, which is what
  the store writes for a whole dataset;
- ``smqi.nq`` concatenates dataset dumps and N-Quads text, whose lines name their graph.

Blank nodes keep their identity across parts when every part comes from the same store,
which writes its own stable labels.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import shutil
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from smqi.loader.errors import PublishError

NQUADS_FILE = "smqi.nq"
TRIG_FILE = "smqi.trig"
TURTLE_FILE = "smqi.ttl"
JSONLD_FILE = "smqi.jsonld"
_PREFIX_LINE = (b"@prefix ", b"PREFIX ", b"@base ", b"BASE ")
_NO_COPY_RANGE = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL}


@dataclass(frozen=True)
class GraphPart:
    """One named graph as a Turtle part and, unless the JSON-LD file has it, a JSON-LD one."""

    graph: str
    turtle: Path
    jsonld: Path | None = None


@dataclass
class TextPart:
    """A graph's Turtle and JSON-LD parts while they are written from text."""

    graph: str
    turtle: Path
    jsonld: Path
    empty: bool = True  # no JSON-LD node object written yet


class GraphFiles:
    """The four graph files of one build, written into ``directory`` part by part.

    Dumps go to paths, never Python file objects, so that the store writes without the
    GIL and a dump runs in another thread in parallel with Python work. The dumping
    methods may run in another thread; the appending ones run in the caller's.
    """

    def __init__(self, directory: Path, prefixes: Mapping[str, str]) -> None:
        self.directory = directory
        self.parts = directory / ".parts"
        self.prefixes = dict(prefixes)
        self._names = itertools.count()
        with self._writing():
            self.parts.mkdir()

    def dump_first(self, store: ox.Store, in_file: Collection[str] = frozenset()) -> None:
        """Every graph of ``store`` as it is now, straight into the N-Quads and JSON-LD
        files, but for the N-Quads of the graphs ``in_file`` names, which the N-Quads file
        holds already; ``dump_turtle`` gives each graph's Turtle part (for the union and
        TriG)."""
        with self._writing():
            if in_file:
                graphs = [g for g in store.named_graphs() if g.value not in in_file]
                with _open(self.directory / NQUADS_FILE, append=True) as fd:
                    for graph in [*graphs, ox.DefaultGraph()]:
                        quads = store.quads_for_pattern(None, None, None, graph)
                        _write(fd, ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
            else:
                store.dump(self.directory / NQUADS_FILE, format=ox.RdfFormat.N_QUADS)
            store.dump(self.directory / JSONLD_FILE, format=ox.RdfFormat.JSON_LD)

    @staticmethod
    def append_to(path: Path, data: bytes) -> None:
        """Append ``data`` to the file at ``path`` (the N-Quads file, before the parts)."""
        try:
            with _open(path, append=True) as fd:
                _write(fd, data)
        except OSError as exc:
            raise PublishError(f"could not write the graph files in {path.parent}: {exc}") from exc

    def dump_graph(self, store: ox.Store, graph: ox.NamedNode) -> GraphPart:
        """One named graph of ``store``, to add to the files after the first dump."""
        return replace(self._turtle(store, graph), jsonld=self.dump_jsonld(store, graph))

    def dump_turtle(self, store: ox.Store, graph: ox.NamedNode) -> GraphPart:
        """One named graph as Turtle only: for a graph of the first dump, or with
        ``dump_jsonld`` (the two can run in parallel)."""
        return self._turtle(store, graph)

    def dump_jsonld(self, store: ox.Store, graph: ox.NamedNode) -> Path:
        jsonld = self.parts / f"{next(self._names)}.jsonld"
        with self._writing():
            store.dump(jsonld, format=ox.RdfFormat.JSON_LD, from_graph=graph)
        return jsonld

    def _turtle(self, store: ox.Store, graph: ox.NamedNode) -> GraphPart:
        turtle = self.parts / f"{next(self._names)}.ttl"
        with self._writing():
            store.dump(turtle, format=ox.RdfFormat.TURTLE, from_graph=graph, prefixes=self.prefixes)
        return GraphPart(graph.value, turtle)

    def text_part(self, graph: str) -> TextPart:
        """A graph's Turtle and JSON-LD parts to be written from text, for a graph that is
        rendered as text rather than kept in a store (the inferred graph)."""
        n = next(self._names)
        part = TextPart(graph, self.parts / f"{n}.ttl", self.parts / f"{n}.jsonld")
        with self._writing():
            part.turtle.write_bytes(_prefix_lines(self.prefixes))
            part.jsonld.write_bytes(b"[")
        return part

    def add_text(self, part: TextPart, turtle: bytes, jsonld: bytes) -> None:
        """Statements to add to ``part``: Turtle using the files' prefixes, without prefix
        lines, and a comma-separated run of JSON-LD node objects."""
        with self._writing():
            if turtle:
                with _open(part.turtle, append=True) as fd:
                    _write(fd, turtle)
            if jsonld:
                with _open(part.jsonld, append=True) as fd:
                    _write(fd, jsonld if part.empty else b"," + jsonld)
                part.empty = False

    def close_text(self, part: TextPart) -> GraphPart:
        with self._writing(), _open(part.jsonld, append=True) as fd:
            _write(fd, b"]")
        return GraphPart(part.graph, part.turtle, part.jsonld)

    def append_nquads(self, *texts: bytes) -> None:
        """N-Quads text whose quads are not in the files yet."""
        with self._writing(), _open(self.directory / NQUADS_FILE, append=True) as fd:
            for text in texts:
                _write(fd, text)

    def append_store_nquads(self, store: ox.Store) -> None:
        """Every quad of ``store`` (none of which is in the files yet) to the N-Quads file."""
        part = self.parts / f"{next(self._names)}.nq"
        with self._writing():
            store.dump(part, format=ox.RdfFormat.N_QUADS)
            with _open(self.directory / NQUADS_FILE, append=True) as fd:
                _append(fd, part, 0)

    def add_parts(self, graphs: list[GraphPart]) -> None:
        """Add the graphs' Turtle parts to the TriG and Turtle files (started by the first
        call) and the JSON-LD parts of graphs dumped after the first dump to the JSON-LD
        file. Each part is used up; call again for graphs finished later, then ``finish``."""
        with self._writing():
            trig = self.directory / TRIG_FILE
            _write_trig(trig, graphs, self.prefixes, append=trig.exists())
            _splice_jsonld(self.directory / JSONLD_FILE, [g for g in graphs if g.jsonld])
            # the union's graph order is immaterial: start from the largest part, renamed
            turtle = sorted((g.turtle for g in graphs), key=lambda path: path.stat().st_size)
            _concatenate(self.directory / TURTLE_FILE, turtle[::-1])

    def finish(self, graphs: list[GraphPart]) -> None:
        """``add_parts`` of the last ``graphs``, then remove the parts directory."""
        self.add_parts(graphs)
        with self._writing():
            shutil.rmtree(self.parts)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise PublishError(
                f"could not write the graph files in {self.directory}: {exc}"
            ) from exc


def _prefix_lines(prefixes: Mapping[str, str]) -> bytes:
    return "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in prefixes.items()).encode()


def _write_trig(
    path: Path, graphs: list[GraphPart], prefixes: Mapping[str, str], *, append: bool
) -> None:
    with _open(path, append=append) as fd:
        if not append:
            _write(fd, _prefix_lines(prefixes))
        for part in graphs:
            offset = _prefix_block_end(part.turtle)
            if offset == part.turtle.stat().st_size:
                continue  # an empty graph
            _write(fd, f"<{part.graph}> {{\n".encode())
            _append(fd, part.turtle, offset)
            _write(fd, b"}\n")


def _splice_jsonld(path: Path, graphs: list[GraphPart]) -> None:
    """Add ``{"@id": graph, "@graph": part}`` objects to the end of a JSON-LD array."""
    if not graphs:
        return
    with path.open("rb") as existing:
        size = existing.seek(0, os.SEEK_END)
        existing.seek(max(0, size - 64))
        tail = existing.read()
    content = tail.rstrip()
    if not content.endswith(b"]"):
        raise OSError(f"{path.name} does not end a JSON array")
    end = size - len(tail) + len(content) - 1  # where the closing bracket is
    # only an empty array has "[" right before its closing bracket
    separator = b"" if content[:-1].rstrip().endswith(b"[") else b","
    os.truncate(path, end)
    with _open(path, append=True) as fd:
        for part in graphs:
            assert part.jsonld is not None
            if _empty_array(part.jsonld):
                continue
            _write(fd, separator + b'{"@id":' + json.dumps(part.graph).encode() + b',"@graph":')
            _append(fd, part.jsonld, 0)
            _write(fd, b"}")
            separator = b","
        _write(fd, b"]")


def _empty_array(path: Path) -> bool:
    return path.stat().st_size < 16 and path.read_bytes().strip() == b"[]"


def _prefix_block_end(path: Path) -> int:
    """Where the prefix lines a Turtle dump starts with end."""
    offset = 0
    with path.open("rb") as turtle:
        for line in turtle:
            if line.strip() and not line.startswith(_PREFIX_LINE):
                break
            offset += len(line)
    return offset


def _concatenate(target: Path, parts: list[Path]) -> None:
    """Append ``parts`` to ``target``; a new target is the first part, renamed."""
    if not target.exists():
        if not parts:
            target.write_bytes(b"")
            return
        os.replace(parts[0], target)
        parts = parts[1:]
    with _open(target, append=True) as fd:
        for path in parts:
            _append(fd, path, 0)


@contextmanager
def _open(path: Path, *, append: bool = False) -> Iterator[int]:
    """A raw descriptor: kernel copies and plain writes then land in the order made."""
    # not O_APPEND: copy_file_range refuses such a descriptor
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (0 if append else os.O_TRUNC), 0o644)
    try:
        os.lseek(fd, 0, os.SEEK_END)
        yield fd
    finally:
        os.close(fd)


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _append(fd: int, source: Path, offset: int) -> None:
    """Copy ``source`` from ``offset`` onto ``fd``, inside the kernel where it can."""
    copy_range = getattr(os, "copy_file_range", None)  # Linux only
    with source.open("rb") as src:
        remaining = os.fstat(src.fileno()).st_size - offset
        try:
            while copy_range is not None and remaining > 0:
                copied = copy_range(src.fileno(), fd, remaining, offset)
                if copied == 0:
                    break
                offset += copied
                remaining -= copied
        except OSError as exc:
            if exc.errno not in _NO_COPY_RANGE:
                raise
        if remaining > 0:  # no copy_file_range here, or not between these two files
            src.seek(offset)
            while chunk := src.read(1 << 20):
                _write(fd, chunk)
