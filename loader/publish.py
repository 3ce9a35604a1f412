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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from smqi.loader.crate import FileFacts, crate_files, file_facts
from smqi.loader.errors import PublishError
from smqi.loader.graph_files import NQUADS_FILE
from smqi.loader.published import CHECKSUMS_FILE, CRATE_FILE, SHAPES_FILE, SOURCES_DIR

KEEP_BUILDS = 3
GRAPH_FILE = NQUADS_FILE


@dataclass(frozen=True)
class BuildFiles:
    directory: Path

    @property
    def nquads(self) -> Path:
        return self.directory / GRAPH_FILE

    @property
    def metadata(self) -> Path:
        return self.directory / "build.json"


class Staging:
    """A build being written: a fresh hidden directory under ``data/builds/``.

    Files are written into ``path`` while the build runs; ``publish`` switches
    ``build_dir`` to them in one rename, ``discard`` removes them if the build fails.
    """

    def __init__(self, build_dir: Path, build_id: str) -> None:
        self.build_dir = build_dir
        self.build_id = build_id
        self.builds = build_dir.parent / "builds"
        try:
            self.builds.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".{build_id}-", dir=self.builds))
            self.path.chmod(0o755)
        except OSError as exc:
            raise PublishError(f"could not write the build to {self.builds}: {exc}") from exc

    def write_extras(
        self,
        ontology_file: Path,
        shapes_file: Path,
        report_text: str,
        report_turtle: bytes,
        metadata: dict[str, Any],
        sources: Mapping[str, Path],
    ) -> None:
        """The files beside the graph files: ontology, shapes, validation report, build
        summary, and a copy of each source under ``sources/`` (by its path there)."""
        staging = self.path
        try:
            ontology = ox.Store()
            ontology.load(path=ontology_file, format=ox.RdfFormat.TURTLE)
            ontology.dump(
                staging / "ontology.owl", format=ox.RdfFormat.RDF_XML, from_graph=ox.DefaultGraph()
            )
            shutil.copyfile(ontology_file, staging / "ontology.ttl")
            shutil.copyfile(shapes_file, staging / SHAPES_FILE)
            (staging / "validation-report.txt").write_text(report_text, encoding="utf-8")
            (staging / "validation-report.ttl").write_bytes(report_turtle)
            (staging / "build.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
            for name, source in sources.items():
                target = staging / SOURCES_DIR / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        except OSError as exc:
            raise PublishError(f"could not write the build to {self.builds}: {exc}") from exc

    def write_crate(self, describe: Callable[[list[FileFacts]], dict[str, Any]]) -> None:
        """``ro-crate-metadata.json`` as ``describe`` makes it from the facts of every other
        file, then the SHA-256 of every file (``SHA256SUMS``, as ``sha256sum`` writes it)."""
        staging = self.path
        try:
            files = file_facts(staging, crate_files(staging))
            crate = json.dumps(describe(files), indent=2, ensure_ascii=False)
            (staging / CRATE_FILE).write_text(crate + "\n", encoding="utf-8")
            listed = sorted([*files, *file_facts(staging, [CRATE_FILE])], key=lambda f: f.path)
            (staging / CHECKSUMS_FILE).write_text(
                "".join(f"{f.sha256}  {f.path}\n" for f in listed), encoding="utf-8"
            )
        except OSError as exc:
            raise PublishError(f"could not write the build to {self.builds}: {exc}") from exc

    def publish(self) -> BuildFiles:
        """Switch ``build_dir`` to this build in one rename."""
        builds, build_dir = self.builds, self.build_dir
        try:
            final = builds / self.build_id
            os.replace(self.path, final)
            link = build_dir.parent / f".{build_dir.name}.next"
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(Path("builds") / self.build_id)
            if build_dir.exists() and not build_dir.is_symlink():
                # an older layout left a real directory here: keep it beside the builds
                os.replace(build_dir, builds / f"legacy-{self.build_id}")
            os.replace(link, build_dir)
        except OSError as exc:
            raise PublishError(f"could not write the build to {builds}: {exc}") from exc
        _prune(builds, keep=final)
        return BuildFiles(build_dir)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


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
