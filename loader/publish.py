"""Writing a build to ``data/build`` atomically.

Each build is written to a fresh directory under ``data/builds/``; only when every file
is written does the ``data/build`` link switch to it, in one rename. A failed build
leaves the previous build exactly as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from loader.errors import PublishError
from loader.terms import PREFIXES

KEEP_BUILDS = 3
GRAPH_FILE = "smqi.nq"


@dataclass(frozen=True)
class BuildFiles:
    directory: Path

    @property
    def nquads(self) -> Path:
        return self.directory / GRAPH_FILE

    @property
    def metadata(self) -> Path:
        return self.directory / "build.json"


def write_build(
    store: ox.Store,
    build_dir: Path,
    build_id: str,
    ontology_file: Path,
    report_text: str,
    report_turtle: bytes,
    metadata: dict[str, Any],
) -> BuildFiles:
    """Write every output file, then switch ``build_dir`` to the new build in one rename."""
    builds = build_dir.parent / "builds"
    prefixes = {name: str(ns) for name, ns in PREFIXES.items()}
    try:
        builds.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{build_id}-", dir=builds))
        staging.chmod(0o755)
        store.dump(staging / GRAPH_FILE, format=ox.RdfFormat.N_QUADS)
        store.dump(staging / "smqi.trig", format=ox.RdfFormat.TRIG, prefixes=prefixes)
        store.dump(staging / "smqi.jsonld", format=ox.RdfFormat.JSON_LD)
        union = store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
        )
        assert isinstance(union, ox.QueryTriples)
        union.serialize(staging / "smqi.ttl", format=ox.RdfFormat.TURTLE)
        ontology = ox.Store()
        ontology.load(path=ontology_file, format=ox.RdfFormat.TURTLE)
        ontology.dump(
            staging / "ontology.owl", format=ox.RdfFormat.RDF_XML, from_graph=ox.DefaultGraph()
        )
        shutil.copyfile(ontology_file, staging / "ontology.ttl")
        (staging / "validation-report.txt").write_text(report_text, encoding="utf-8")
        (staging / "validation-report.ttl").write_bytes(report_turtle)
        (staging / "build.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
        final = builds / build_id
        os.replace(staging, final)
        link = build_dir.parent / f".{build_dir.name}.next"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(Path("builds") / build_id)
        if build_dir.exists() and not build_dir.is_symlink():
            # an older layout left a real directory here: keep it beside the builds
            os.replace(build_dir, builds / f"legacy-{build_id}")
        os.replace(link, build_dir)
    except OSError as exc:
        raise PublishError(f"could not write the build to {builds}: {exc}") from exc
    _prune(builds, keep=final)
    return BuildFiles(build_dir)


def _prune(builds: Path, keep: Path) -> None:
    """Remove old builds and abandoned staging directories, keeping the newest few."""
    finished = sorted(
        (p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in finished[KEEP_BUILDS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
    for staging in builds.glob(".*"):
        shutil.rmtree(staging, ignore_errors=True)
