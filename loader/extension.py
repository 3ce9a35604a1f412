"""A project's own concepts: new platforms, populations ... added to our shared schemes.

New platforms and populations appear all the time (Threads, Bluesky, Mastodon ...). A team
adds one in its project folder, never in the installed package: ``smqi add-concept`` writes
it to ``vocabularies/<scheme>.ttl`` under the team's own IRIs, in one of our schemes (so
that sheets, the template's dropdowns and ``/concepts`` know it), declared narrower than
(``skos:broader``) or a close match of (``skos:closeMatch``) one of our concepts, so that
two teams' graphs still meet at our concepts.

Every extension file is checked when it is read (``check_extensions``): each concept
belongs to one of our schemes, has an English label and a definition, does not reuse a
label of its scheme, and links to a concept of ours in that scheme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from smqi.loader.concepts import (
    ConceptIndex,
    ConceptRecord,
    normalise_label,
    read_schemes,
    scheme_iri,
)
from smqi.loader.errors import ConfigurationError
from smqi.loader.settings import BuildSettings
from smqi.loader.terms import SKOS, VOCAB

# Schemes a project may extend: the coded dimensions and topics. Countries are generated
# from ISO 3166 and themes belong to a review's own codebook.
EXTENSIBLE = (
    "platform",
    "population",
    "communication-model",
    "qi-activity",
    "qi-cycle-stage",
    "study-design",
    "topic",
)


def vocabulary_base(base_iri: str) -> str:
    """Where a project's concepts live: beside its instances, as ours do (``.../id/`` and
    ``.../vocab/``)."""
    if base_iri.endswith("/id/"):
        return base_iri[: -len("id/")] + "vocab/"
    return base_iri + "vocab/"


def concept_slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "concept"


@dataclass(frozen=True)
class NewConcept:
    scheme: str
    label: str
    definition: str
    broader: str | None = None  # a label or IRI of one of our concepts in the scheme
    close_match: str | None = None  # likewise
    alt_labels: tuple[str, ...] = ()


def add_concept(settings: BuildSettings, new: NewConcept) -> str:
    """Write ``new`` into the project's extension file of its scheme; return its IRI.

    Refused, with what to do, when the scheme is not extensible, a label is taken, or the
    concept it is narrower than or matches is not one of ours in the scheme.
    """
    if new.scheme not in EXTENSIBLE:
        raise ConfigurationError(
            f"concepts can be added to {', '.join(EXTENSIBLE)}, not to '{new.scheme}'"
        )
    label = " ".join(new.label.split())
    definition = " ".join(new.definition.split())
    if not label or not definition:
        raise ConfigurationError("a new concept needs a label and a definition")
    if (new.broader is None) == (new.close_match is None):
        raise ConfigurationError(
            "say how the concept relates to ours: --broader CONCEPT (it is a kind of that "
            "concept) or --close-match CONCEPT (nearly the same thing), one of the two"
        )
    concepts, _ = read_schemes(settings.vocabulary_files)
    index = ConceptIndex()
    for record in concepts.values():
        index.add(record.scheme, record.iri, record.pref_label, record.alt_labels)
    for name in (label, *new.alt_labels):
        taken = index.resolve(new.scheme, name)
        if taken is not None:
            raise ConfigurationError(
                f"the {new.scheme} scheme already has a concept labelled '{name}': {taken}"
            )
    target = _ours(index, concepts, new.scheme, new.broader or new.close_match or "")
    iri = f"{vocabulary_base(settings.base_iri)}{new.scheme}/{concept_slug(label)}"
    if iri.startswith(str(VOCAB)):
        raise ConfigurationError(
            f"your concepts need IRIs of your own, but the base IRI is ours ({settings.base_iri}):"
            " give your project's dataset.base_iri in manifest.yaml first"
        )
    if iri in concepts:
        raise ConfigurationError(f"{iri} exists already; choose another label")
    relation = "skos:broader" if new.broader else "skos:closeMatch"
    types = concepts[target].types or [str(SKOS.Concept)]
    path = settings.extension_dir / f"{new.scheme}.ttl"
    text = _turtle(iri, new.scheme, label, definition, new.alt_labels, relation, target, types)
    before = path.read_text(encoding="utf-8") if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((before or _HEADER) + text, encoding="utf-8")
    try:
        check_extensions(settings)
    except ConfigurationError:
        if before is None:
            path.unlink()
        else:
            path.write_text(before, encoding="utf-8")
        raise
    return iri


def _ours(index: ConceptIndex, concepts: dict[str, ConceptRecord], scheme: str, name: str) -> str:
    """One of our concepts in ``scheme``, named by label or IRI."""
    found = name if name in concepts else index.resolve(scheme, name)
    if found is None or not found.startswith(str(VOCAB)) or concepts[found].scheme != scheme:
        close = index.closest(scheme, name)
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise ConfigurationError(f"'{name}' is not a concept of our {scheme} scheme{hint}")
    return found


_HEADER = """# This project's own concepts, added to the shared schemes of the SMQI Evidence Graph
# (smqi add-concept writes here; hand edits are checked on every build).
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def _turtle(
    iri: str,
    scheme: str,
    label: str,
    definition: str,
    alt_labels: tuple[str, ...],
    relation: str,
    target: str,
    types: list[str],
) -> str:
    def text(value: str) -> str:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"@en'

    lines = [
        "",
        f"<{iri}> a {', '.join(f'<{t}>' for t in sorted(types))} ;",
        f"    skos:inScheme <{scheme_iri(scheme)}> ;",
        f"    skos:prefLabel {text(label)} ;",
        *[f"    skos:altLabel {text(alt)} ;" for alt in alt_labels if alt.strip()],
        f"    skos:definition {text(definition)} ;",
        f"    {relation} <{target}> ;",
        f"    rdfs:isDefinedBy <{iri.rsplit('/', 2)[0]}/> .",
        "",
    ]
    return "\n".join(lines)


def check_extensions(settings: BuildSettings) -> None:
    """Refuse a project vocabulary file whose concepts do not extend ours as they must."""
    if not settings.extension_files:
        return
    concepts, _ = read_schemes(settings.vocabulary_files)
    ours = str(VOCAB)
    problems = []
    for record in concepts.values():
        if record.iri.startswith(ours) or record.source not in settings.extension_files:
            continue
        where = f"{record.source.name if record.source else '?'}: <{record.iri}>"
        if record.scheme not in EXTENSIBLE:
            problems.append(f"{where} is in '{record.scheme}', which a project cannot extend")
            continue
        if not record.definition:
            problems.append(f"{where} needs a skos:definition")
        links = [*record.broader, *record.close_matches]
        if not any(
            link.startswith(ours) and link in concepts and concepts[link].scheme == record.scheme
            for link in links
        ):
            problems.append(
                f"{where} must be skos:broader or skos:closeMatch to one of our "
                f"{record.scheme} concepts ({scheme_iri(record.scheme)}/...)"
            )
    labels: dict[tuple[str, str], str] = {}
    for record in concepts.values():
        for name in (record.pref_label, *record.alt_labels):
            key = (record.scheme, normalise_label(name))
            other = labels.setdefault(key, record.iri)
            if other != record.iri and not (other.startswith(ours) and record.iri.startswith(ours)):
                problems.append(
                    f"the label '{name}' names both <{other}> and <{record.iri}> in {record.scheme}"
                )
    if problems:
        raise ConfigurationError(
            "the project's vocabulary extensions are not usable:\n  " + "\n  ".join(problems)
        )


__all__ = ["EXTENSIBLE", "NewConcept", "add_concept", "check_extensions", "vocabulary_base"]
