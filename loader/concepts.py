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
from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF, SKOS

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


def read_vocabularies(files: Iterable[Path]) -> tuple[Graph, ConceptIndex]:
    """Parse the hand-edited schemes (and a project's extensions); every concept is indexed
    under its scheme."""
    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many parser-specific types
            raise ConfigurationError(f"{path}: not valid Turtle: {exc}") from exc
    index = ConceptIndex()
    for concept, scheme in graph.subject_objects(SKOS.inScheme):
        scheme_name = str(scheme).removeprefix(str(VOCAB))
        pref = graph.value(concept, SKOS.prefLabel)
        if pref is None:
            raise ConfigurationError(f"{concept}: a concept needs a skos:prefLabel")
        alts = [str(label) for label in graph.objects(concept, SKOS.altLabel)]
        index.add(scheme_name, str(concept), str(pref), alts)
    for scheme in graph.subjects(RDF.type, SKOS.ConceptScheme):
        index.labels.setdefault(str(scheme).removeprefix(str(VOCAB)), {})
    return graph, index


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
    ]
    for country in pycountry.countries:
        code = country.alpha_2
        concept = str(VOCAB[f"country/{code}"])
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
        index.add("country", concept, name, [*alts, code])
        c = nt.iri(concept)
        lines += [
            nt.quad(c, nt.iri(str(RDF.type)), nt.iri(str(SMQI.Country)), g),
            nt.quad(c, nt.iri(str(SKOS.inScheme)), scheme, g),
            nt.quad(c, nt.iri(str(SKOS.topConceptOf)), scheme, g),
            nt.quad(scheme, nt.iri(str(SKOS.hasTopConcept)), c, g),
            nt.quad(c, nt.iri(str(SKOS.prefLabel)), nt.literal(name, language="en"), g),
            nt.quad(c, nt.iri(str(SKOS.notation)), nt.literal(code), g),
            nt.quad(c, nt.iri(str(SKOS.notation)), nt.literal(country.alpha_3), g),
            nt.quad(
                c,
                nt.iri(str(SKOS.definition)),
                nt.literal(f"{name}, ISO 3166-1 alpha-2 code {code}.", language="en"),
                g,
            ),
        ]
        lines += [
            nt.quad(c, nt.iri(str(SKOS.altLabel)), nt.literal(alt, language="en"), g)
            for alt in sorted(alts)
            if alt != country.alpha_3
        ]
    return lines
