"""What the served dataset is: its VoID description, counts, reviews and downloadable files.

The VoID description is the one the loader wrote into the metadata graph, read back from the
store (so it describes what is loaded, not what is on disk), with this server's endpoint
and download links added. Counts shown on the home page come from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from smqi.api.context import AppContext
from smqi.api.store import Store
from smqi.api.store.formats import Term
from smqi.loader.published import PUBLISHED, source_media_type
from smqi.loader.terms import VOID

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"

# Files of a build offered at /downloads/{name}, with their media types, in display order
# (the loader's table, loader.published); its sources are offered under /downloads/sources/.
DOWNLOADS = {name: published.media_type for name, published in PUBLISHED.items()}
DOWNLOAD_TITLES = {name: published.title for name, published in PUBLISHED.items()}


def _query(name: str) -> str:
    return (QUERIES_DIR / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class ReviewCount:
    """A review and the number of included studies it reports (the studies are not loaded)."""

    iri: str
    identifier: str
    title: str
    reported: int
    loaded: int | None
    doi: str | None = None
    citation: str | None = None


@dataclass(frozen=True)
class DatasetFacts:
    """Counts from the VoID description: ``entities`` by class IRI, ``graphs`` by graph IRI."""

    dataset: str | None
    triples: int = 0
    entities: dict[str, int] = field(default_factory=dict)
    graphs: dict[str, int] = field(default_factory=dict)
    reviews: tuple[ReviewCount, ...] = ()

    def count(self, cls: object) -> int:
        return self.entities.get(str(cls), 0)


def metadata_graph(base_iri: str) -> ox.NamedNode:
    return ox.NamedNode(f"{base_iri}graph/metadata")


def dataset_iri(base_iri: str) -> ox.NamedNode:
    return ox.NamedNode(f"{base_iri}dataset")


def read_void(store: Store, base_iri: str) -> list[ox.Triple]:
    """The metadata graph as the loader wrote it: VoID/DCAT description and build provenance."""
    return store.construct(_query("void-description.rq"), {"metadata": metadata_graph(base_iri)})


def read_reviews(store: Store) -> tuple[ReviewCount, ...]:
    """Every review with the study count it reports."""
    reviews = []
    for row in store.select(_query("reviews-reported.rq")).rows:
        loaded = _text(row.get("loaded"))
        reviews.append(
            ReviewCount(
                iri=_text(row.get("review")) or "",
                identifier=_text(row.get("identifier")) or "",
                title=_text(row.get("title")) or "",
                reported=int(_text(row.get("reported")) or 0),
                loaded=int(loaded) if loaded is not None else None,
                doi=_text(row.get("doi")),
                citation=_text(row.get("citation")),
            )
        )
    return tuple(reviews)


def _text(term: Term | None) -> str | None:
    """The lexical value of an IRI or literal; None for nothing (or a quoted triple)."""
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal) else None


def facts_from_void(
    void: list[ox.Triple], base_iri: str, reviews: tuple[ReviewCount, ...] = ()
) -> DatasetFacts:
    """Counts read from the VoID triples of the dataset ``base_iri`` describes."""
    dataset = dataset_iri(base_iri)
    if not any(t.subject == dataset for t in void):
        return DatasetFacts(None, reviews=reviews)
    values: dict[tuple[ox.NamedNode | ox.BlankNode, str], list[ox.Triple]] = {}
    for triple in void:
        if isinstance(triple.subject, ox.NamedNode | ox.BlankNode):
            values.setdefault((triple.subject, triple.predicate.value), []).append(triple)

    def objects(subject: ox.NamedNode | ox.BlankNode, predicate: object) -> list[object]:
        return [t.object for t in values.get((subject, str(predicate)), [])]

    def integer(subject: ox.NamedNode | ox.BlankNode, predicate: object) -> int:
        found = [o for o in objects(subject, predicate) if isinstance(o, ox.Literal)]
        return int(found[0].value) if found else 0

    entities: dict[str, int] = {}
    for partition in objects(dataset, VOID.classPartition):
        if isinstance(partition, ox.NamedNode | ox.BlankNode):
            for cls in objects(partition, VOID["class"]):
                if isinstance(cls, ox.NamedNode):
                    entities[cls.value] = integer(partition, VOID.entities)
    graphs = {
        subset.value: integer(subset, VOID.triples)
        for subset in objects(dataset, VOID.subset)
        if isinstance(subset, ox.NamedNode)
    }
    return DatasetFacts(
        dataset.value,
        integer(dataset, VOID.triples),
        entities,
        dict(sorted(graphs.items())),
        reviews,
    )


def available_downloads(build_dir: Path) -> list[str]:
    """The names in DOWNLOADS that the build directory holds."""
    return [name for name in DOWNLOADS if (build_dir / name).is_file()]


def download_path(build_dir: Path, name: str) -> tuple[Path, str] | None:
    """The file behind /downloads/{name} and its media type; None unless ``name`` is a
    published file or a source under ``sources/`` that the build holds."""
    media_type = DOWNLOADS.get(name) or source_media_type(name)
    if media_type is None:
        return None
    path = build_dir / name
    if not path.resolve().is_relative_to(build_dir.resolve()) or not path.is_file():
        return None
    return path, media_type


def current_void(context: AppContext) -> list[ox.Triple]:
    """The served dataset's VoID triples, read once per dataset version."""
    store, base_iri = context.store, context.settings.build.base_iri
    void: list[ox.Triple] = context.cache.get_or_compute(
        store.version(), "dataset-description:void", lambda: read_void(store, base_iri)
    )
    return void


def current_facts(context: AppContext) -> DatasetFacts:
    """The served dataset's counts and reviews, read once per dataset version."""
    store, base_iri = context.store, context.settings.build.base_iri

    def compute() -> DatasetFacts:
        return facts_from_void(current_void(context), base_iri, read_reviews(store))

    facts: DatasetFacts = context.cache.get_or_compute(
        store.version(), "dataset-description:facts", compute
    )
    return facts
