"""Concept schemes: the hand-edited vocabularies, the generated country scheme, and
resolving a reviewer's cell value to a concept by prefLabel or altLabel."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
import pyoxigraph as ox
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from smqi.loader import ntriples as nt
from smqi.loader.errors import ConfigurationError
from smqi.loader.terms import SMQI, VOCAB

# Short names reviewers write for countries that ISO 3166 does not list as names.
COUNTRY_ALT_LABELS = {
    "GB": ("UK", "U.K.", "Great Britain", "Britain"),
    "US": ("USA", "U.S.", "U.S.A.", "US"),
    "NL": ("The Netherlands", "Holland"),
    "KR": ("South Korea",),
}


# The licence and version every scheme states, the generated ones included.
SCHEME_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
SCHEME_VERSION = "0.2.0"

RDF_TYPE = str(RDF.type)
SKOS_SCHEME = str(SKOS.ConceptScheme)
SKOS_IN_SCHEME = str(SKOS.inScheme)
SKOS_PREF = str(SKOS.prefLabel)
SKOS_ALT = str(SKOS.altLabel)
SKOS_DEFINITION = str(SKOS.definition)
SKOS_BROADER = str(SKOS.broader)
SKOS_CLOSE = str(SKOS.closeMatch)


def normalise_label(label: str) -> str:
    """Case-, accent- and white-space-insensitive form of a label."""
    folded = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", folded).strip().casefold()


def scheme_iri(scheme: str) -> str:
    return str(VOCAB[scheme])


@dataclass
class ConceptIndex:
    """Labels of every concept, by scheme, for resolving cell values."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # scheme -> label -> IRI
    pref_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # scheme -> IRI -> label

    def add(self, scheme: str, concept: str, pref_label: str, alt_labels: Iterable[str]) -> None:
        by_label = self.labels.setdefault(scheme, {})
        self.pref_labels.setdefault(scheme, {})[concept] = pref_label
        for label in (pref_label, *alt_labels):
            by_label.setdefault(normalise_label(label), concept)

    def resolve(self, scheme: str, value: str) -> str | None:
        return self.labels.get(scheme, {}).get(normalise_label(value))

    def closest(self, scheme: str, value: str, n: int = 3) -> list[str]:
        """The preferred labels of the concepts whose labels are closest to ``value``."""
        by_label = self.labels.get(scheme, {})
        matches = difflib.get_close_matches(normalise_label(value), list(by_label), n=n * 3)
        result: list[str] = []
        for match in matches:
            pref = self.pref_labels[scheme][by_label[match]]
            if pref not in result:
                result.append(pref)
        return result[:n]

    def scheme_labels(self, scheme: str) -> list[str]:
        return sorted(self.pref_labels.get(scheme, {}).values())


@dataclass
class ConceptRecord:
    """What a vocabulary file says about one concept, as the template's codebook shows it."""

    iri: str
    scheme: str  # the scheme's name under vocab/, e.g. platform
    pref_label: str = ""
    alt_labels: list[str] = field(default_factory=list)
    definition: str = ""
    broader: list[str] = field(default_factory=list)
    close_matches: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    notations: list[str] = field(default_factory=list)
    source: Path | None = None


def read_schemes(files: Iterable[Path]) -> tuple[dict[str, ConceptRecord], set[str]]:
    """Every concept of the hand-edited schemes (and a project's extensions), by IRI, and
    the names of the schemes declared.

    Parsed with pyoxigraph: this runs on every ``smqi validate``, and rdflib's Turtle
    parser took most of a second for it.
    """
    concepts: dict[str, ConceptRecord] = {}
    schemes: set[str] = set()
    by_predicate: dict[str, list[tuple[str, ox.Literal | str, Path]]] = {}
    for path in files:
        try:
            triples = list(ox.parse(path=path, format=ox.RdfFormat.TURTLE))
        except (OSError, SyntaxError, ValueError) as exc:
            raise ConfigurationError(f"{path}: not valid Turtle: {exc}") from exc
        for triple in triples:
            subject, predicate, obj = triple.subject, triple.predicate.value, triple.object
            if not isinstance(subject, ox.NamedNode):
                continue
            value: ox.Literal | str = obj if isinstance(obj, ox.Literal) else obj.value
            if predicate == RDF_TYPE and value == SKOS_SCHEME:
                schemes.add(subject.value)
            by_predicate.setdefault(predicate, []).append((subject.value, value, path))
    for concept, scheme, path in by_predicate.get(SKOS_IN_SCHEME, []):
        name = str(scheme).removeprefix(str(VOCAB))
        concepts[concept] = ConceptRecord(concept, name, source=path)
    for predicate, values in by_predicate.items():
        for subject, value, _ in values:
            record = concepts.get(subject)
            if record is None:
                continue
            text = value.value if isinstance(value, ox.Literal) else value
            if predicate == SKOS_PREF:
                record.pref_label = text
            elif predicate == SKOS_ALT:
                record.alt_labels.append(text)
            elif predicate == SKOS_DEFINITION:
                record.definition = text
            elif predicate == SKOS_BROADER:
                record.broader.append(text)
            elif predicate == SKOS_CLOSE:
                record.close_matches.append(text)
            elif predicate == RDF_TYPE:
                record.types.append(text)
    for record in concepts.values():
        if not record.pref_label:
            raise ConfigurationError(f"{record.iri}: a concept needs a skos:prefLabel")
    return concepts, {scheme.removeprefix(str(VOCAB)) for scheme in schemes}


def read_vocabularies(files: Iterable[Path]) -> ConceptIndex:
    """The hand-edited schemes (and a project's extensions), every concept indexed under
    its scheme by its labels, for resolving a reviewer's cell value."""
    index = ConceptIndex()
    concepts, schemes = read_schemes(files)
    for record in concepts.values():
        index.add(record.scheme, record.iri, record.pref_label, record.alt_labels)
    for scheme in schemes:
        index.labels.setdefault(scheme, {})
    return index


def country_records() -> list[ConceptRecord]:
    """The ISO 3166-1 countries as concepts of the generated scheme 'country' (pycountry)."""
    records = []
    for country in pycountry.countries:
        code = country.alpha_2
        name = country.name
        alts = {
            label
            for label in (
                getattr(country, "common_name", None),
                getattr(country, "official_name", None),
                country.alpha_3,
                *COUNTRY_ALT_LABELS.get(code, ()),
            )
            if label and label != name
        }
        records.append(
            ConceptRecord(
                iri=str(VOCAB[f"country/{code}"]),
                scheme="country",
                pref_label=name,
                alt_labels=sorted(alts - {country.alpha_3}),
                definition=f"{name}, ISO 3166-1 alpha-2 code {code}.",
                types=[str(SMQI.Country)],
                notations=[code, country.alpha_3],
            )
        )
    return records


def country_quads(index: ConceptIndex, graph: str) -> list[str]:
    """The ISO 3166-1 country scheme, generated from pycountry, indexed as scheme 'country'."""
    scheme = nt.iri(scheme_iri("country"))
    g = nt.iri(graph)
    lines = [
        nt.quad(scheme, nt.iri(str(RDF.type)), nt.iri(str(SKOS.ConceptScheme)), g),
        nt.quad(scheme, nt.iri(str(SKOS.prefLabel)), nt.literal("Countries", language="en"), g),
        nt.quad(scheme, nt.iri(str(DCTERMS.title)), nt.literal("Countries", language="en"), g),
        nt.quad(
            scheme,
            nt.iri(str(SKOS.definition)),
            nt.literal(
                "Countries of ISO 3166-1, identified by their alpha-2 codes.", language="en"
            ),
            g,
        ),
        nt.quad(scheme, nt.iri(str(DCTERMS.license)), nt.iri(SCHEME_LICENSE), g),
        nt.quad(scheme, nt.iri(str(OWL.versionInfo)), nt.literal(SCHEME_VERSION), g),
    ]
    for record in country_records():
        concept, name = record.iri, record.pref_label
        code, alpha_3 = record.notations
        index.add("country", concept, name, [*record.alt_labels, *record.notations])
        c = nt.iri(concept)
        lines += [
            nt.quad(c, nt.iri(str(RDF.type)), nt.iri(str(SMQI.Country)), g),
            nt.quad(c, nt.iri(str(SKOS.inScheme)), scheme, g),
            nt.quad(c, nt.iri(str(SKOS.topConceptOf)), scheme, g),
            nt.quad(scheme, nt.iri(str(SKOS.hasTopConcept)), c, g),
            nt.quad(c, nt.iri(str(SKOS.prefLabel)), nt.literal(name, language="en"), g),
            nt.quad(c, nt.iri(str(SKOS.notation)), nt.literal(code), g),
            nt.quad(c, nt.iri(str(SKOS.notation)), nt.literal(alpha_3), g),
            nt.quad(
                c, nt.iri(str(SKOS.definition)), nt.literal(record.definition, language="en"), g
            ),
        ]
        lines += [
            nt.quad(c, nt.iri(str(SKOS.altLabel)), nt.literal(alt, language="en"), g)
            for alt in record.alt_labels
        ]
    return lines
