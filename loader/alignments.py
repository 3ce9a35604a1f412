"""Confirmed alignments of our concepts to MeSH descriptors and Wikidata items, as SKOS
mapping statements.

The alignments are kept as an SSSOM mapping table (``concept-alignments.sssom.tsv``: a
YAML header of ``#`` lines, then tab-separated rows). Each row names one of our concepts
(``subject_id``), the SKOS mapping relation it has to the external term (``predicate_id``,
read "our concept RELATION the external term"), the external term (``object_id``), why the
mapping is made (``mapping_justification``) and the public record that confirms the
identifier (``see_also``). Only the matches in the table are written.

A project's own alignments may also be a CSV of ``concept, scheme, mesh, wikidata,
relation, note`` (the layout of earlier versions, with the relation stated on each row).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import yaml

from smqi.loader import ntriples as nt
from smqi.loader.concepts import ConceptIndex
from smqi.loader.errors import InvalidSheetsError, Location, SheetError
from smqi.loader.terms import MESH, SKOS, WIKIDATA

# The file's scheme column (CSV layout), to the schemes a concept of that kind may be in.
SCHEME_CANDIDATES = {
    "platform": ("platform",),
    "population": ("population",),
    "activity": ("qi-activity", "topic"),
    "setting": ("topic",),
    "top concept": ("topic",),
    "communication model": ("communication-model",),
    "stage": ("qi-cycle-stage",),
    "study design": ("study-design",),
}
RELATIONS = {
    name: str(SKOS[name])
    for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
}
SSSOM_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification", "see_also")


@dataclass(frozen=True)
class Alignment:
    """One confirmed match of one of our concepts to a MeSH descriptor or Wikidata item."""

    concept: str
    relation: str  # a SKOS mapping property IRI
    target: str


def read_alignments(path: Path, concepts: ConceptIndex) -> list[Alignment]:
    """Every match in the file; an unresolvable row is an error naming its row and column."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SheetError(Location(name), f"cannot be read: {exc}", "unreadable") from exc
    if path.name.endswith(".tsv"):
        return _read_sssom(name, text, concepts)
    return _read_csv(name, text, concepts)


def _relation(
    name: str, number: int, column: str, value: str
) -> tuple[str | None, SheetError | None]:
    local = value.strip().removeprefix("skos:")
    relation = RELATIONS.get(local)
    if relation is not None:
        return relation, None
    return None, SheetError(
        Location(name, number, column),
        f"unknown mapping relation '{value}'; expected one of "
        + ", ".join(f"skos:{r}" for r in RELATIONS),
        "unknown-relation",
        value=value,
    )


def _read_sssom(name: str, text: str, concepts: ConceptIndex) -> list[Alignment]:
    header = "".join(line[1:] + "\n" for line in text.splitlines() if line.startswith("#"))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    try:
        metadata = yaml.safe_load(header) or {}
        rows = list(csv.DictReader(io.StringIO(body), delimiter="\t"))
    except (yaml.YAMLError, csv.Error) as exc:
        raise SheetError(Location(name), f"is not an SSSOM table: {exc}", "sssom") from exc
    prefixes = metadata.get("curie_map") if isinstance(metadata, dict) else None
    if not isinstance(prefixes, dict):
        raise SheetError(Location(name), "has no curie_map in its metadata header", "sssom")
    known = {iri for by_label in concepts.labels.values() for iri in by_label.values()}
    first_line = sum(1 for line in text.splitlines() if line.startswith("#")) + 2
    alignments: list[Alignment] = []
    errors: list[SheetError] = []
    for number, row in enumerate(rows, start=first_line):
        missing = [c for c in SSSOM_COLUMNS if not (row.get(c) or "").strip()]
        for column in missing:
            errors.append(
                SheetError(
                    Location(name, number, column),
                    f"is empty; every mapping needs its {column.replace('_', ' ')}"
                    + (
                        " (a public record confirming the identifier)"
                        if column == "see_also"
                        else ""
                    ),
                    "required",
                    value="",
                )
            )
        if missing:
            continue
        subject = _expand(prefixes, row["subject_id"].strip())
        target = _expand(prefixes, row["object_id"].strip())
        relation, problem = _relation(name, number, "predicate_id", row["predicate_id"])
        if problem is not None:
            errors.append(problem)
        if subject is None or subject not in known:
            errors.append(
                SheetError(
                    Location(name, number, "subject_id"),
                    f"'{row['subject_id']}' is not one of our concepts (a CURIE of the curie_map "
                    "naming a concept of a scheme)",
                    "unknown-value",
                    value=row["subject_id"],
                )
            )
        if target is None:
            errors.append(
                SheetError(
                    Location(name, number, "object_id"),
                    f"'{row['object_id']}' is not a CURIE with a prefix of the curie_map",
                    "unknown-value",
                    value=row["object_id"],
                )
            )
        if relation is not None and subject in known and target is not None:
            alignments.append(Alignment(subject, relation, target))
    if errors:
        raise InvalidSheetsError(errors)
    return alignments


def _expand(prefixes: dict[str, str], curie: str) -> str | None:
    prefix, sep, local = curie.partition(":")
    namespace = prefixes.get(prefix)
    if not sep or not isinstance(namespace, str) or not local:
        return None
    return namespace + local


def _read_csv(name: str, text: str, concepts: ConceptIndex) -> list[Alignment]:
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise SheetError(Location(name), f"is not well-formed CSV: {exc}", "csv-syntax") from exc
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
        relation, problem = _relation(name, number, "relation", row.get("relation") or "")
        if problem is not None:
            errors.append(problem)
            continue
        assert relation is not None
        if (row.get("mesh") or "").strip():
            alignments.append(Alignment(concept, relation, str(MESH[row["mesh"].strip()])))
        if (row.get("wikidata") or "").strip():
            target = str(WIKIDATA[row["wikidata"].strip()])
            alignments.append(Alignment(concept, relation, target))
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
