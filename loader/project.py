"""A review team's project folder: finding it, its settings, and writing a new one.

A project is a folder holding ``manifest.yaml`` (the dataset's metadata and its sheets),
``reviews.yaml``, ``mappings/``, ``sheets/`` and, optionally, ``vocabularies/`` with the
team's own concepts. Every command works on the project in the working directory, or the
one named with ``--project``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from smqi.loader.errors import ConfigurationError
from smqi.loader.settings import (
    DEFAULT_MAPPING,
    MANIFEST,
    PACKAGE_ROOT,
    BuildSettings,
    SheetLimits,
)
from smqi.loader.terms import DEFAULT_BASE


def find_project(given: str | Path | None) -> Path:
    """The project folder: ``given``, else the working directory."""
    return Path(given).resolve() if given else Path.cwd()


def _raw_manifest(manifest_file: Path) -> dict[str, object]:
    try:
        raw = yaml.safe_load(manifest_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}  # the build reports what is wrong with it, with more to go on
    return raw if isinstance(raw, dict) else {}


def manifest_alignments(manifest_file: Path) -> Path | None:
    """The project's own alignments file the manifest names, read without checking the rest
    of it (a template is made before the dataset is described)."""
    name = _raw_manifest(manifest_file).get("alignments")
    return manifest_file.parent / str(name) if name else None


def manifest_base_iri(manifest_file: Path) -> str | None:
    """The base IRI the manifest declares, read without checking the rest of it."""
    dataset = _raw_manifest(manifest_file).get("dataset")
    base = str(dataset.get("base_iri") or "").strip() if isinstance(dataset, dict) else ""
    # a placeholder or a malformed value is reported by the commands that need it
    return base if base.startswith(("https://", "http://")) and " " not in base else None


def project_settings(
    project_dir: Path,
    *,
    build_dir: Path | None = None,
    base_iri: str | None = None,
    **options: object,
) -> BuildSettings:
    """Settings for the project in ``project_dir``, minting IRIs under its manifest's base IRI
    unless ``base_iri`` overrides it."""
    base = base_iri or manifest_base_iri(project_dir / MANIFEST) or DEFAULT_BASE
    if "limits" not in options:
        options["limits"] = manifest_limits(project_dir / MANIFEST)
    return BuildSettings.for_project(project_dir, build_dir=build_dir, base_iri=base, **options)


def manifest_limits(manifest_file: Path) -> SheetLimits:
    """The sheet limits the manifest sets (``limits:``), else the defaults."""
    try:
        return SheetLimits.from_mapping(_raw_manifest(manifest_file).get("limits"))
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{manifest_file}: limits: {exc}") from exc


def require_manifest(settings: BuildSettings) -> None:
    """Refuse, with what to do, a folder that is not a project."""
    if not settings.manifest_file.is_file():
        raise ConfigurationError(
            f"{settings.project_dir} is not a project: it has no {MANIFEST}. "
            "Run the command in your project folder, name it with --project DIR, "
            "or make one with 'smqi init DIR'."
        )


def default_mapping_text() -> str:
    return (PACKAGE_ROOT / "data" / DEFAULT_MAPPING).read_text(encoding="utf-8")


def copy_default_mapping(project_dir: Path) -> Path:
    target = project_dir / DEFAULT_MAPPING
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PACKAGE_ROOT / "data" / DEFAULT_MAPPING, target)
    return target
