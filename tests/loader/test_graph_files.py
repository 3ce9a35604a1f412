"""The graph files written in parts hold the same dataset in every format."""

from __future__ import annotations

import csv
import re
import time
from collections import Counter
from collections.abc import Collection
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from smqi.loader.build import BuildReport, build
from smqi.loader.graph_files import GraphFiles
from smqi.loader.terms import SMQI, XSD
from tests.conftest import settings_for

pytestmark = pytest.mark.integration

EX = "http://example.org/"
PREFIXES = {"ex": EX}


def _quads(path: Path, fmt: ox.RdfFormat) -> Counter[str]:
    """The file's quads, blank nodes under one label (each parse relabels them)."""
    store = ox.Store()
    store.load(path=path, format=fmt)
    return Counter(re.sub(r"_:\w+", "_:b", str(quad)) for quad in store)


def _triples(path: Path) -> set[str]:
    store = ox.Store()
    store.load(path=path, format=ox.RdfFormat.TURTLE)
    return {re.sub(r"_:\w+", "_:b", str(quad.triple)) for quad in store}


def test_the_published_trig_and_json_ld_hold_the_n_quads_and_turtle_their_union(
    built: tuple[BuildReport, ox.Store],
) -> None:
    report, _ = built
    assert report.files is not None
    directory = report.files.directory
    nquads = _quads(directory / "smqi.nq", ox.RdfFormat.N_QUADS)
    assert sum(nquads.values()) == report.quads
    # the sheets' quads are written as the text they were loaded from: each once
    lines = (directory / "smqi.nq").read_bytes().splitlines()
    assert len(lines) == len(set(lines)) == report.quads
    assert _quads(directory / "smqi.trig", ox.RdfFormat.TRIG) == nquads
    assert _quads(directory / "smqi.jsonld", ox.RdfFormat.JSON_LD) == nquads
    union = {re.sub(r"^(.*) <[^>]*>$", r"\1", quad) for quad in nquads}
    assert _triples(directory / "smqi.ttl") == union
    assert not (directory / ".parts").exists()


def _datatypes(path: Path, rdflib_format: str) -> Counter[tuple[str, str]]:
    """Each property's literal datatypes as the file writes them. rdflib keeps the datatype
    IRI it reads; pyoxigraph would turn xsd:positiveInteger into xsd:integer on the way."""
    dataset = rdflib.Dataset()
    dataset.parse(path, format=rdflib_format)
    return Counter(
        (str(p), str(o.datatype))
        for _, p, o, _ in dataset.quads((None, None, None, None))
        if isinstance(o, rdflib.Literal) and o.datatype is not None
    )


def test_every_file_writes_each_literal_with_the_same_datatype(
    built: tuple[BuildReport, ox.Store],
) -> None:
    """The sheets' N-Quads are the mapper's text, the other files the store's dumps: the
    mapper must type its literals as the store keeps them (xsd:integer, not a subtype)."""
    report, _ = built
    assert report.files is not None
    directory = report.files.directory
    written = _datatypes(directory / "smqi.nq", "nquads")
    assert written == _datatypes(directory / "smqi.trig", "trig")
    assert (str(SMQI.rowNumber), str(XSD.integer)) in written


def test_the_n_quads_file_is_whole_however_long_the_first_dump_takes(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entailments are appended to the N-Quads file only after the whole-store dump
    that starts it is over, even when reasoning finishes first (it does on small builds)."""
    first_dump = GraphFiles.dump_first

    def slow_dump(files: GraphFiles, store: ox.Store, in_file: Collection[str]) -> None:
        time.sleep(1.5)
        first_dump(files, store, in_file)

    monkeypatch.setattr(GraphFiles, "dump_first", slow_dump)
    report = build(settings_for(data_copy))
    nquads = _quads(data_copy / "build" / "smqi.nq", ox.RdfFormat.N_QUADS)
    assert sum(nquads.values()) == report.quads
    assert _quads(data_copy / "build" / "smqi.trig", ox.RdfFormat.TRIG) == nquads


def test_parts_dumped_at_different_times_join_into_one_dataset(tmp_path: Path) -> None:
    store = ox.Store()
    store.load(
        f'<{EX}s> <{EX}p> _:b <{EX}first> .\n_:b <{EX}label> "x\\ty"@en <{EX}first> .\n',
        format=ox.RdfFormat.N_QUADS,
    )
    middle = ox.NamedNode(f"{EX}middle")
    later = ox.NamedNode(f"{EX}later")
    empty = ox.NamedNode(f"{EX}empty")
    files = GraphFiles(tmp_path, PREFIXES)
    files.dump_first(store)
    first_part = files.dump_turtle(store, ox.NamedNode(f"{EX}first"))
    [blank] = {q.object for q in store if isinstance(q.object, ox.BlankNode)}
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    added = [
        ox.Quad(blank, ox.NamedNode(f"{EX}q"), ox.Literal("1", datatype=integer), graph)
        for graph in (middle, later)
    ]
    store.add(added[0])
    # parts go into the files in two batches, as the build adds the metadata graph last
    files.add_parts([first_part, files.dump_graph(store, middle)])
    store.add(added[1])
    files.append_nquads("".join(f"{quad} .\n" for quad in added).encode())
    files.finish([files.dump_graph(store, later), files.dump_graph(store, empty)])

    expected = Counter(re.sub(r"_:\w+", "_:b", str(quad)) for quad in store)
    for name, fmt in [
        ("smqi.nq", ox.RdfFormat.N_QUADS),
        ("smqi.trig", ox.RdfFormat.TRIG),
        ("smqi.jsonld", ox.RdfFormat.JSON_LD),
    ]:
        parsed = ox.Store()
        parsed.load(path=tmp_path / name, format=fmt)
        assert Counter(re.sub(r"_:\w+", "_:b", str(quad)) for quad in parsed) == expected, name
        # the blank node of the first part is the one the later part speaks about
        assert len({q.subject for q in parsed if isinstance(q.subject, ox.BlankNode)}) == 1
    assert len(_triples(tmp_path / "smqi.ttl")) == 3  # the union: one q triple in two graphs
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "smqi.jsonld",
        "smqi.nq",
        "smqi.trig",
        "smqi.ttl",
    ]


@pytest.mark.parametrize("twice", ["in one cell", "in two columns"])
def test_a_statement_a_sheet_makes_twice_is_published_once(data_copy: Path, twice: str) -> None:
    """A value repeated in a cell, or a second column stating the same value of the same
    property, is one statement: in the N-Quads file (written from the text the store
    loaded) as in the store."""
    sheet = data_copy / "sheets" / "illustrative-extraction.csv"
    with sheet.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, first = rows[0], rows[1]
    summary, notes = header.index("summary"), header.index("notes")
    if twice == "in one cell":
        platforms = first[header.index("platforms")]
        again = platforms.split(";")[0].strip().lower()
        first[header.index("platforms")] = f"{platforms}; {again}"
    else:
        first[notes] = first[summary]
        mapping = data_copy / "mappings" / "extraction-template.yaml"
        text = mapping.read_text(encoding="utf-8")
        was = "{target: record, property: skos:editorialNote}"
        assert was in text
        mapping.write_text(text.replace(was, "{target: record, property: smqi:summary}"))
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)

    report = build(settings_for(data_copy))
    lines = (data_copy / "build" / "smqi.nq").read_bytes().splitlines()
    assert len(lines) == len(set(lines)) == report.quads
    in_sheet = b"<https://w3id.org/smqi/id/graph/sheet/illustrative-extraction> ."
    if twice == "in two columns":
        expected = sum(len({r[summary].strip(), r[notes].strip()} - {""}) for r in rows[1:])
        stated = [line for line in lines if b"ontology#summary> " in line and in_sheet in line]
        assert len(stated) == expected
