"""What this server describes to harvesters: the served build's dataset description (the
metadata graph the loader wrote from the manifest), its files and where they are offered.

Every description of the dataset the server sends (VoID/DCAT, the FAIR Data Point records,
the schema.org markup, the signposts) is made from one ``Served``, so that they agree.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from smqi.loader.description import dataset_iri
from smqi.loader.published import CHECKSUMS_FILE, PUBLISHED
from smqi.loader.terms import DCTERMS

CATALOG, DATASET = "smqi", "smqi"  # the FAIR Data Point's names for them


@dataclass(frozen=True)
class Distribution:
    """A file of the served build, offered for download: its size and SHA-256 with what
    the loader says of it (loader.published)."""

    name: str
    media_type: str
    file_type: str  # the EU file-type code
    title: str
    description: str
    size: int
    sha256: str


def _listed_checksums(build_dir: Path) -> dict[str, str]:
    """The build's SHA256SUMS (``hex  name`` lines), as the loader wrote it."""
    listing = build_dir / CHECKSUMS_FILE
    if not listing.is_file():
        return {}
    sums = {}
    for line in listing.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if digest and name:
            sums[name.lstrip("*")] = digest
    return sums


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_distributions(build_dir: Path) -> tuple[Distribution, ...]:
    """The published files the build directory holds, in the loader's order, with their
    sizes and checksums (from SHA256SUMS; computed for a build written before it)."""
    sums = _listed_checksums(build_dir)
    found = []
    for name, published in PUBLISHED.items():
        path = build_dir / name
        if not path.is_file():
            continue
        found.append(
            Distribution(
                name,
                published.media_type,
                published.file_type,
                published.title,
                published.description,
                path.stat().st_size,
                sums.get(name) or _sha256(path),
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class Served:
    """The served build as this server offers it: ``void`` is the metadata graph the
    loader wrote (the dataset's description, counts and build provenance)."""

    base_url: str
    base_iri: str
    void: tuple[ox.Triple, ...]
    distributions: tuple[Distribution, ...]

    @property
    def landing_page(self) -> str:
        return f"{self.base_url}/"

    @property
    def dataset_iri(self) -> str:
        """The dataset's persistent identifier (its ``cite-as``)."""
        return dataset_iri(self.base_iri)

    @property
    def root(self) -> str:
        return f"{self.base_url}/fdp"

    @property
    def catalog(self) -> str:
        return f"{self.root}/catalog/{CATALOG}"

    @property
    def dataset(self) -> str:
        return f"{self.root}/dataset/{DATASET}"

    def distribution(self, name: str) -> str:
        """The FAIR Data Point record of the build file ``name``."""
        return f"{self.root}/distribution/{name}"

    def download(self, name: str) -> str:
        """Where the build file ``name`` is downloaded."""
        return f"{self.base_url}/downloads/{name}"

    @property
    def downloads(self) -> list[str]:
        return [d.name for d in self.distributions]

    def objects(self, subject: str, predicate: object) -> list[ox.NamedNode | ox.Literal]:
        """What the metadata graph states as ``subject``'s ``predicate``, in a fixed order."""
        s, p = ox.NamedNode(subject), ox.NamedNode(str(predicate))
        found = [
            t.object
            for t in self.void
            if t.subject == s
            and t.predicate == p
            and isinstance(t.object, ox.NamedNode | ox.Literal)
        ]
        return sorted(found, key=str)

    def about_dataset(self, predicate: object) -> ox.NamedNode | ox.Literal | None:
        """The dataset's value of ``predicate``, if the description states one."""
        values = self.objects(self.dataset_iri, predicate)
        return values[0] if values else None

    def text(self, predicate: object) -> str | None:
        """The lexical value of the dataset's ``predicate``, if stated."""
        value = self.about_dataset(predicate)
        return value.value if value is not None else None

    @property
    def modified(self) -> ox.Literal | None:
        value = self.about_dataset(DCTERMS.modified)
        return value if isinstance(value, ox.Literal) else None
