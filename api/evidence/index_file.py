"""The evidence index kept on disk per dataset version, so that a restart does not read it
from the store again.

Why: over a remote store the index is read with one scan per property, and at 1M studies on
Virtuoso that takes about 150 s, however the API is started; read from this file it takes
seconds. The file is named after its key (``index.index_key``: the dataset version, which
every load changes, and the store and scope it was read from) and holds that key, so an
index is only ever used for the data it was read from. No pickle: a JSON header (the
studies, and for every bit set its place in the body) then the bit sets' bytes, so that a
damaged or foreign file is refused, not run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from smqi.api.evidence.index import Code, StudyIndex
from smqi.api.evidence.queries import LOG

MAGIC = b"SMQI-STUDY-INDEX 1\n"
KEEP = 2  # index files kept: the served version's and the one before
# a partial file this old is a killed writer's: another process may be writing its own now
STALE_PARTIAL_S = 3600.0


def index_path(folder: Path, key: str) -> Path:
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return folder / f"{digest[:32]}.index"


def write_index(folder: Path, key: str, index: StudyIndex) -> Path:
    """Write ``index`` under ``key`` into ``folder`` (whole or not at all), and remove all
    but the newest KEEP index files there."""
    body = bytearray()

    def place(bits: int) -> list[int]:
        data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
        start = len(body)
        body.extend(data)
        return [start, len(data)]

    header = {
        "version": key,
        "studies": index.studies,
        "years": [[year, *place(bits)] for year, bits in index.years.items()],
        "coverage": [[c, *place(bits)] for c, bits in index.coverage.items()],
        "codes": [
            [c, [[p, v, *place(bits)] for (p, v), bits in codes.items()]]
            for c, codes in index.codes.items()
        ],
        "pooled": [[p, v, *place(bits)] for (p, v), bits in index.pooled.items()],
        "superseded": sorted(index.superseded),
    }
    folder.mkdir(parents=True, exist_ok=True)
    target = index_path(folder, key)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    with partial.open("wb") as out:
        out.write(MAGIC)
        out.write(json.dumps(header, ensure_ascii=False).encode("utf-8"))
        out.write(b"\n")
        out.write(body)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(target)
    for old in sorted(folder.glob("*.index"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
        old.unlink(missing_ok=True)
    stale = time.time() - STALE_PARTIAL_S
    for left in folder.glob("*.partial"):  # a writer killed half way (738 MB at 1M studies)
        with contextlib.suppress(FileNotFoundError):
            if left.stat().st_mtime < stale:
                left.unlink()
    return target


def read_index(folder: Path, key: str) -> StudyIndex | None:
    """The index kept under ``key``, or None when there is none or it cannot be used
    (damaged, or written under another key): the caller reads it from the store then."""
    path = index_path(folder, key)
    try:
        with path.open("rb") as source:
            if source.read(len(MAGIC)) != MAGIC:
                raise ValueError("not an index file")
            header = json.loads(source.readline())
            body = source.read()
        if header["version"] != key:
            raise ValueError(f"written for {header['version']!r}")
        return _index(header, memoryview(body))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        LOG.warning("ignoring the study index file %s (%s); reading the store", path, error)
        return None


def _index(header: dict[str, Any], body: memoryview) -> StudyIndex:
    def bits(start: int, length: int) -> int:
        if start < 0 or length < 0 or start + length > len(body):
            raise ValueError("a bit set lies outside the file")
        return int.from_bytes(body[start : start + length], "little")

    def code_sets(entries: list[list[Any]]) -> dict[Code, int]:
        return {(str(p), str(v)): bits(s, n) for p, v, s, n in entries}

    studies = header["studies"]
    if not isinstance(studies, list) or not all(isinstance(s, str) for s in studies):
        raise ValueError("the studies are not a list of IRIs")
    return StudyIndex(
        studies=tuple(studies),
        years={int(y): bits(s, n) for y, s, n in header["years"]},
        coverage={str(c): bits(s, n) for c, s, n in header["coverage"]},
        codes={str(c): code_sets(entries) for c, entries in header["codes"]},
        pooled=code_sets(header["pooled"]),
        superseded=frozenset(str(record) for record in header["superseded"]),
    )
