"""Confirmed MeSH and Wikidata alignments (``concept-alignments.csv``) to SKOS mappings.

Only the matches in the file are written. A note that calls a match close or nearest
makes it ``skos:closeMatch``; every other match is ``skos:exactMatch``.
"""

from __future__ import annotations

import csv
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


def alignment_quads(path: Path, concepts: ConceptIndex, graph: str) -> list[str]:
    """Mapping triples for each row; an unresolvable row is an error naming its row."""
    name = path.name
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SheetError(Location(name), f"cannot be read: {exc}", "unreadable") from exc
    g = nt.iri(graph)
    lines: list[str] = []
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
                )
            )
            continue
        note = (row.get("note") or "").lower()
        relation = SKOS.closeMatch if any(word in note for word in CLOSE_WORDS) else SKOS.exactMatch
        targets = []
        if (row.get("mesh") or "").strip():
            targets.append(str(MESH[row["mesh"].strip()]))
        if (row.get("wikidata") or "").strip():
            targets.append(str(WIKIDATA[row["wikidata"].strip()]))
        for target in targets:
            lines.append(nt.quad(nt.iri(concept), nt.iri(str(relation)), nt.iri(target), g))
    if errors:
        raise InvalidSheetsError(errors)
    return lines
