"""The build as an RO-Crate (https://w3id.org/ro/crate/1.1): ``ro-crate-metadata.json``.

The crate's root is the dataset, described from the same values as the VoID/DCAT
description (``loader.description``): title, description, licence, publisher, creators,
version, dates, keywords, coverage. Its parts are every file the build published and the
sources it read (copied under ``sources/``), each with its size and SHA-256; the build run
is a ``CreateAction`` whose IRI is the build's PROV activity in the graph, with the sources,
ontology and shapes as its objects and the published files as its results.

Every file is named relative to the crate, never by where it was built.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smqi.loader.description import (
    Scope,
    contact_point_iri,
    creator_iri,
    dataset_iri,
    publisher_iri,
)
from smqi.loader.manifest import DatasetMetadata
from smqi.loader.published import (
    CRATE_FILE,
    PUBLISHED,
    SHAPES_FILE,
    SOURCES_DIR,
    source_media_type,
)

RO_CRATE = "https://w3id.org/ro/crate/1.1"
CONTEXT = f"{RO_CRATE}/context"
INPUTS = ("ontology.ttl", SHAPES_FILE)  # shipped resources the build read, published as is
SOFTWARE = "#smqi-loader"


@dataclass(frozen=True)
class Run:
    """The build run the crate records."""

    iri: str
    started: dt.datetime
    ended: dt.datetime
    loader_version: str


@dataclass(frozen=True)
class FileFacts:
    """A file of the crate: its path in the crate, size in bytes and SHA-256."""

    path: str
    size: int
    sha256: str


def file_facts(directory: Path, names: Iterable[str]) -> list[FileFacts]:
    """Size and SHA-256 of each file ``names`` gives relative to ``directory``."""
    facts = []
    for name in names:
        digest = hashlib.sha256()
        with (directory / name).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        facts.append(FileFacts(name, (directory / name).stat().st_size, digest.hexdigest()))
    return facts


def crate_files(directory: Path) -> list[str]:
    """The files of a build directory the crate describes: the published ones (but the
    crate's own metadata) and the sources, as paths relative to it."""
    published = [name for name in PUBLISHED if name != CRATE_FILE and (directory / name).is_file()]
    sources = sorted(
        path.relative_to(directory).as_posix()
        for path in (directory / SOURCES_DIR).rglob("*")
        if path.is_file()
    )
    return published + [s for s in sources if source_media_type(s) is not None]


def crate_metadata(
    dataset: DatasetMetadata, scope: Scope, base: str, run: Run, files: list[FileFacts]
) -> dict[str, Any]:
    """The RO-Crate metadata document of a build whose files are ``files``."""
    entities: list[dict[str, Any]] = [
        {
            "@id": CRATE_FILE,
            "@type": "CreativeWork",
            "conformsTo": {"@id": RO_CRATE},
            "about": {"@id": "./"},
        },
        _root(dataset, scope, base, run, files),
        *_files(files, run),
        _run(run, files),
        {
            "@id": SOFTWARE,
            "@type": "SoftwareApplication",
            "name": "smqi loader",
            "version": run.loader_version,
        },
        *_contextual(dataset, scope, base),
    ]
    return {"@context": CONTEXT, "@graph": entities}


def _root(
    dataset: DatasetMetadata, scope: Scope, base: str, run: Run, files: list[FileFacts]
) -> dict[str, Any]:
    identifier: str | list[str] = dataset_iri(base)
    if dataset.doi:
        identifier = [dataset_iri(base), f"https://doi.org/{dataset.doi}"]
    creators = [
        {"@id": creator_iri(base, n, person)} for n, person in enumerate(dataset.creators, start=1)
    ]
    root: dict[str, Any] = {
        "@id": "./",
        "@type": "Dataset",
        "identifier": identifier,
        "name": dataset.title,
        "description": dataset.description,
        "license": {"@id": dataset.license},
        "dateModified": run.ended.isoformat(),
        "inLanguage": "en",
        "isAccessibleForFree": True,
        "keywords": list(dataset.keywords),
        "hasPart": [{"@id": f.path} for f in files],
        "mentions": {"@id": run.iri},
    }
    optional: dict[str, Any] = {
        "version": dataset.version,
        "datePublished": dataset.issued.isoformat() if dataset.issued else None,
        "publisher": {"@id": publisher_iri(base)} if dataset.publisher else None,
        "contactPoint": {"@id": contact_point_iri(base)} if dataset.contact_point else None,
        "creator": creators or None,
        "author": creators or None,  # what RO-Crate names the creators
        "spatialCoverage": [{"@id": c.eu_iri} for c in scope.countries] or None,
        "temporalCoverage": f"{scope.years[0]}/{scope.years[1]}" if scope.years else None,
    }
    return root | {key: value for key, value in optional.items() if value is not None}


def _files(files: list[FileFacts], run: Run) -> list[dict[str, Any]]:
    entities = []
    for file in files:
        entity: dict[str, Any] = {
            "@id": file.path,
            "@type": "File",
            "contentSize": str(file.size),
            "sha256": file.sha256,
        }
        described = PUBLISHED.get(file.path)
        if described is not None:
            entity |= {
                "name": described.title,
                "description": described.description,
                "encodingFormat": described.media_type,
                "dateModified": run.ended.isoformat(),
            }
        else:
            entity |= {
                "name": file.path.removeprefix(f"{SOURCES_DIR}/"),
                "description": "A source the build read, as it was when the build read it.",
                "encodingFormat": source_media_type(file.path),
            }
        entities.append(entity)
    return entities


def _run(run: Run, files: list[FileFacts]) -> dict[str, Any]:
    inputs = [f.path for f in files if f.path.startswith(f"{SOURCES_DIR}/") or f.path in INPUTS]
    return {
        "@id": run.iri,
        "@type": "CreateAction",
        "name": f"build {run.iri.rsplit('/', 1)[-1]}",
        "description": "The build that read the sources, validated, reasoned and wrote the "
        "graph; the same activity as the build's provenance (prov:Activity) in the graph.",
        "startTime": run.started.isoformat(),
        "endTime": run.ended.isoformat(),
        "instrument": {"@id": SOFTWARE},
        "object": [{"@id": path} for path in inputs],
        "result": [{"@id": f.path} for f in files if f.path not in inputs],
    }


def _contextual(dataset: DatasetMetadata, scope: Scope, base: str) -> list[dict[str, Any]]:
    """The licence, agents and places the root names."""
    entities: list[dict[str, Any]] = [
        {"@id": dataset.license, "@type": "CreativeWork", "name": dataset.license}
    ]
    if (organisation := dataset.publisher) is not None:
        publisher: dict[str, Any] = {
            "@id": publisher_iri(base),
            "@type": "Organization",
            "name": organisation.name,
        }
        if organisation.url:
            publisher["url"] = organisation.url
        entities.append(publisher)
    if (contact := dataset.contact_point) is not None:
        entities.append(
            {
                "@id": contact_point_iri(base),
                "@type": "ContactPoint",
                "name": contact.name,
                "email": contact.email,
            }
        )
    for number, person in enumerate(dataset.creators, start=1):
        entities.append(
            {"@id": creator_iri(base, number, person), "@type": "Person", "name": person.name}
        )
    for country in scope.countries:
        entities.append({"@id": country.eu_iri, "@type": "Place", "name": country.name})
    return entities
