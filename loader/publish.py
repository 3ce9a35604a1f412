"""Writing a build to ``PROJECT/build`` atomically and durably, one build at a time.

Each build is written to a fresh directory under ``PROJECT/builds/``; only when every file
is written and on disk (fsynced) does the ``build`` link switch to it, in one rename, which
is synced too. A failed build leaves the previous build exactly as it was.

A lock per project (``BuildLock``) makes a second build of the same project refuse at once
with a clear message rather than race the first; what a killed build left behind (its
staging folder) is removed when the next build starts, whether that one succeeds or not.
"""

from __future__ import annotations

import errno
import fcntl
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
from smqi.loader.errors import BuildInProgressError, PublishError
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


class BuildLock:
    """An exclusive lock on ``PROJECT/.build.lock`` for the length of one build.

    ``flock`` is released by the kernel when the holder exits, killed or not, so a lock is
    never left stale. The holder's process id is written in the file for the message.
    """

    def __init__(self, build_dir: Path) -> None:
        self.path = build_dir.parent / ".build.lock"
        self._fd: int | None = None

    def __enter__(self) -> BuildLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise PublishError(f"cannot lock {self.path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise BuildInProgressError(
                    f"another build of {self.path.parent} is running (process {holder}); "
                    "wait for it to finish and build again"
                ) from exc
            raise PublishError(f"cannot lock {self.path}: {exc.strerror}") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *_: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def remove_abandoned(build_dir: Path) -> list[Path]:
    """Remove what builds that died left behind: staging folders under ``builds/`` and a
    half-made link. Call it holding the project's BuildLock (no other build is running)."""
    builds = build_dir.parent / "builds"
    removed: list[Path] = []
    if builds.is_dir():
        for staging in builds.glob(".*"):
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging)
    link = build_dir.parent / f".{build_dir.name}.next"
    if link.is_symlink():
        link.unlink()
        removed.append(link)
    return removed


def _sync_tree(directory: Path) -> None:
    """Put every file under ``directory``, and the directories themselves, on disk."""
    for path in sorted(directory.rglob("*"), reverse=True):
        if path.is_file() and not path.is_symlink():
            _fsync(path, os.O_RDONLY)
        elif path.is_dir():
            _fsync(path, os.O_RDONLY | os.O_DIRECTORY)
    _fsync(directory, os.O_RDONLY | os.O_DIRECTORY)


def _fsync(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
        """Put the build's files on disk, then switch ``build_dir`` to it in one rename."""
        builds, build_dir = self.builds, self.build_dir
        try:
            _sync_tree(self.path)  # before the switch: a crash after it finds every byte
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
            _fsync(builds, os.O_RDONLY | os.O_DIRECTORY)
            _fsync(build_dir.parent, os.O_RDONLY | os.O_DIRECTORY)  # the switch itself
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
