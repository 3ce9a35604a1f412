"""Confirmed MeSH and Wikidata alignments (``concept-alignments.csv``) to SKOS mappings.

Only the matches in the file are written. A note that calls a match close or nearest
makes it ``skos:closeMatch``; every other match is ``skos:exactMatch``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from smqi.loader import ntriples as nt
from smqi.loader.concepts import ConceptIndex
from smqi.loader.errors import InvalidSheetsError, Location, SheetError
from smqi.loader.terms import MESH, SKOS, WIKIDATA

# The file's scheme column, to the schemes a concept of that kind may be in.
SCHEME_CANDIDATES = {
    "platform": ("platform",),
    "population": ("population",),
    "activity": ("qi-activity", "topic"),
    "setting": ("topic",),
    "top concept": ("topic",),
    "communication model": ("communication-model",),
    "stage": ("qi-cycle-stage",),
}
CLOSE_WORDS = ("closematch", "nearest", "close match", "broader", "narrower")


@dataclass(frozen=True)
class Alignment:
    """One confirmed match of one of our concepts to a MeSH descriptor or Wikidata item."""

    concept: str
    relation: str  # a SKOS mapping property IRI
    target: str


def read_alignments(path: Path, concepts: ConceptIndex) -> list[Alignment]:
    """Every match in the file; an unresolvable row is an error naming its row."""
    name = path.name
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SheetError(Location(name), f"cannot be read: {exc}", "unreadable") from exc
    alignments: list[Alignment] = []
    errors: list[SheetError] = []
    for number, row in enumerate(rows, start=2):
        label = (row.get("concept") or "").strip()
        kind = (row.get("scheme") or "").strip().lower()
        schemes = SCHEME_CANDIDATES.get(kind)
        if schemes is None:
            errors.append(
                SheetError(
                    Location(name, number, "scheme"),
                    f"unknown scheme '{kind}'; expected one of {', '.join(SCHEME_CANDIDATES)}",
                    "unknown-scheme",
                    value=kind,
                )
            )
            continue
        concept = next((c for c in (concepts.resolve(s, label) for s in schemes) if c), None)
        if concept is None:
            errors.append(
                SheetError(
                    Location(name, number, "concept"),
                    f"no concept labelled '{label}' in {' or '.join(schemes)}",
                    "unknown-value",
                    value=label,
                )
            )
            continue
        note = (row.get("note") or "").lower()
        relation = SKOS.closeMatch if any(word in note for word in CLOSE_WORDS) else SKOS.exactMatch
        if (row.get("mesh") or "").strip():
            alignments.append(Alignment(concept, str(relation), str(MESH[row["mesh"].strip()])))
        if (row.get("wikidata") or "").strip():
            target = str(WIKIDATA[row["wikidata"].strip()])
            alignments.append(Alignment(concept, str(relation), target))
    if errors:
        raise InvalidSheetsError(errors)
    return alignments


def alignment_quads(path: Path, concepts: ConceptIndex, graph: str) -> list[str]:
    """Mapping triples for each match in the file, in ``graph``."""
    g = nt.iri(graph)
    return [
        nt.quad(nt.iri(a.concept), nt.iri(a.relation), nt.iri(a.target), g)
        for a in read_alignments(path, concepts)
    ]
