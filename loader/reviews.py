"""Review records (``reviews.yaml``) to RDF: reviews, their findings, codebooks and themes.

A review's included studies are reported, not loaded, unless the review team's own
sheet is in the manifest: ``smqi:reportedStudyCount`` says how many the review
included; the build adds ``smqi:loadedStudyCount`` for how many the graph holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from smqi.loader import ntriples as nt
from smqi.loader.concepts import ConceptIndex, scheme_iri
from smqi.loader.errors import ConfigurationError, Location
from smqi.loader.identity import normalise_doi
from smqi.loader.mapper import slug
from smqi.loader.terms import (
    BIBO,
    CITO,
    DCTERMS,
    FABIO,
    FOAF,
    PRISM,
    PROV,
    RDF,
    RDFS,
    SKOS,
    SMQI,
    VOCAB,
    XSD,
)

DIMENSION_SCHEMES = {
    "communication model": "communication-model",
    "user population": "population",
    "social media platform": "platform",
    "qi activity": "qi-activity",
    "model of use (typology)": "model-of-use",
    "model of use": "model-of-use",
    "stage of the qi cycle": "qi-cycle-stage",
    "benefit": "theme",
    "risk or limitation": "theme",
    "barrier": "theme",
    "enabler": "theme",
}
REVIEW_TYPES = {"scoping review": SMQI.ScopingReview}


@dataclass
class ReviewRecords:
    quads: list[str] = field(default_factory=list)
    reviews: dict[str, str] = field(default_factory=dict)  # review id -> IRI
    reported_counts: dict[str, int] = field(default_factory=dict)  # review IRI -> reported
    locations: dict[str, Location] = field(default_factory=dict)


def read_review_records(path: Path) -> list[dict[str, Any]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot read review records: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("reviews"), list):
        raise ConfigurationError(f"{path}: expected a top-level 'reviews:' list")
    records: list[dict[str, Any]] = raw["reviews"]
    for index, review in enumerate(records):
        if not isinstance(review, dict) or "id" not in review or "title" not in review:
            raise ConfigurationError(f"{path}: reviews[{index}] needs at least an id and a title")
    return records


class ReviewWriter:
    """Writes review records into one named graph."""

    def __init__(self, base: str, graph: str, source: Path, concepts: ConceptIndex) -> None:
        self.base = base
        self.g = nt.iri(graph)
        self.source = source
        self.concepts = concepts
        self.out = ReviewRecords()

    def _add(self, s: str, p: str, o: str) -> None:
        self.out.quads.append(nt.quad(s, nt.iri(p), o, self.g))

    def write(self, records: list[dict[str, Any]]) -> ReviewRecords:
        for review in records:
            self.out.reviews[str(review["id"])] = f"{self.base}review/{review['id']}"
        for review in records:
            self._review(review)
        return self.out

    def _review(self, review: dict[str, Any]) -> None:
        rid = str(review["id"])
        iri = self.out.reviews[rid]
        s = nt.iri(iri)
        self.out.locations[iri] = Location(self.source.name, None, f"reviews[{rid}]")
        kind = str(review.get("type", "review")).lower()
        self._add(s, str(RDF.type), nt.iri(str(REVIEW_TYPES.get(kind, SMQI.Review))))
        self._add(s, str(DCTERMS.title), nt.literal(" ".join(str(review["title"]).split())))
        self._add(s, str(DCTERMS.identifier), nt.literal(rid))
        for position, name in enumerate(review.get("authors") or [], start=1):
            person = nt.iri(f"{self.base}person/{slug(str(name))}")
            self._add(s, str(DCTERMS.creator), person)
            self._add(person, str(RDF.type), nt.iri(str(FOAF.Person)))
            self._add(person, str(FOAF.name), nt.literal(str(name)))
            # dcterms:creator is unordered; the qualified attribution keeps the published order.
            authorship = nt.iri(f"{iri}/author/{position}")
            self._add(s, str(PROV.qualifiedAttribution), authorship)
            self._add(authorship, str(RDF.type), nt.iri(str(SMQI.Authorship)))
            self._add(authorship, str(PROV.agent), person)
            self._add(
                authorship,
                str(RDFS.label),
                nt.literal(f"{name} (author {position})", language="en"),
            )
            self._add(
                authorship,
                str(SMQI.authorPosition),
                nt.literal(str(position), str(XSD.integer)),
            )
        citation = self._citation(review)
        self._add(s, str(DCTERMS.bibliographicCitation), nt.literal(citation))
        self._plain(s, review, "journal", str(PRISM.publicationName))
        self._plain(s, review, "volume", str(PRISM.volume))
        self._plain(s, review, "issue", str(PRISM.issueIdentifier))
        self._plain(s, review, "article_number", str(PRISM.number))
        self._plain(s, review, "publisher", str(DCTERMS.publisher))
        self._plain(s, review, "methodology", str(SMQI.methodology))
        self._plain(s, review, "pmid", str(BIBO.pmid))
        self._plain(s, review, "pmcid", str(FABIO.hasPubMedCentralId))
        for key, prop in (("published", DCTERMS.issued), ("search_date", SMQI.searchDate)):
            if key in review:
                self._add(s, str(prop), nt.literal(_iso_date(review[key]), str(XSD.date)))
        if "doi" in review:
            doi = normalise_doi(str(review["doi"]))
            self._add(s, str(BIBO.doi), nt.literal(doi))
            self._add(s, str(RDFS.seeAlso), nt.iri(f"https://doi.org/{nt.path_segment(doi)}"))
        if "supplement_doi" in review:
            self._add(
                s, str(SMQI.supplementDoi), nt.literal(normalise_doi(str(review["supplement_doi"])))
            )
        for key, prop in (("license", DCTERMS.license), ("repository_record", RDFS.seeAlso)):
            if key in review:
                self._add(s, str(prop), nt.iri(str(review[key])))
        for method in review.get("synthesis") or []:
            self._add(s, str(SMQI.synthesisMethod), nt.literal(str(method)))
        if "included_studies" in review:
            count = int(review["included_studies"])
            self.out.reported_counts[iri] = count
            self._add(s, str(SMQI.reportedStudyCount), nt.literal(str(count), str(XSD.integer)))
        for dimension in self._schemes(rid, review.get("coded_dimensions") or []):
            self._add(s, str(SMQI.codedDimension), nt.iri(scheme_iri(dimension)))
        for cited in review.get("cites") or []:
            if str(cited) not in self.out.reviews:
                raise ConfigurationError(
                    f"{self.source}: review {rid} cites unknown review '{cited}'"
                )
            self._add(s, str(CITO.cites), nt.iri(self.out.reviews[str(cited)]))
        sources = [str(url) for url in review.get("sources") or []]
        for url in sources:
            self._add(s, str(DCTERMS.source), nt.iri(url))
        for order, statement in enumerate(review.get("findings") or [], start=1):
            finding_iri = f"{self.base}finding/{rid}/{order}"
            self.out.locations[finding_iri] = Location(
                self.source.name, None, f"reviews[{rid}].findings[{order}]"
            )
            f = nt.iri(finding_iri)
            self._add(s, str(SMQI.reportsFinding), f)
            self._add(f, str(RDF.type), nt.iri(str(SMQI.Finding)))
            self._add(f, str(SMQI.statement), nt.literal(str(statement), language="en"))
            self._add(f, str(SMQI.findingOrder), nt.literal(str(order), str(XSD.integer)))
            for url in sources:
                self._add(f, str(DCTERMS.source), nt.iri(url))
        if review.get("themes"):
            self._themes(rid, review["themes"])

    def _plain(self, s: str, review: dict[str, Any], key: str, prop: str) -> None:
        if review.get(key) is not None:
            self._add(s, prop, nt.literal(" ".join(str(review[key]).split())))

    def _schemes(self, rid: str, dimensions: list[str]) -> list[str]:
        schemes: list[str] = []
        for dimension in dimensions:
            scheme = DIMENSION_SCHEMES.get(str(dimension).lower())
            if scheme is None:
                known = ", ".join(sorted(DIMENSION_SCHEMES))
                raise ConfigurationError(
                    f"{self.source}: review {rid}: unknown coded dimension '{dimension}' ({known})"
                )
            if scheme not in schemes:
                schemes.append(scheme)
        return schemes

    def _themes(self, rid: str, themes: dict[str, list[str]]) -> None:
        """The review's published theme headings as the 'theme' concept scheme."""
        scheme = nt.iri(scheme_iri("theme"))
        review = nt.iri(self.out.reviews[rid])
        self._add(scheme, str(RDF.type), nt.iri(str(SKOS.ConceptScheme)))
        self._add(
            scheme,
            str(SKOS.prefLabel),
            nt.literal("Themes of stakeholders' experiences", language="en"),
        )
        self._add(
            scheme,
            str(DCTERMS.title),
            nt.literal("Themes of stakeholders' experiences", language="en"),
        )
        self._add(scheme, str(DCTERMS.source), review)
        for category, headings in themes.items():
            top_iri = str(VOCAB[f"theme/{slug(category)}"])
            top = nt.iri(top_iri)
            self.concepts.add("theme", top_iri, str(category), [])
            self._concept(
                top,
                scheme,
                str(category),
                f"A {category} of using social media for design and QI, "
                "as the review groups its results.",
            )
            self._add(top, str(SKOS.topConceptOf), scheme)
            self._add(scheme, str(SKOS.hasTopConcept), top)
            for heading in headings:
                theme_iri = str(VOCAB[f"theme/{slug(category)}/{slug(heading)}"])
                theme = nt.iri(theme_iri)
                self.concepts.add("theme", theme_iri, str(heading), [])
                self._concept(
                    theme,
                    scheme,
                    str(heading),
                    f"A {category} reported by the review, under this heading.",
                )
                self._add(theme, str(SKOS.broader), top)
                self._add(theme, str(DCTERMS.source), review)

    def _concept(self, concept: str, scheme: str, label: str, definition: str) -> None:
        self._add(concept, str(RDF.type), nt.iri(str(SMQI.Theme)))
        self._add(concept, str(SKOS.inScheme), scheme)
        self._add(concept, str(SKOS.prefLabel), nt.literal(label, language="en"))
        self._add(concept, str(SKOS.definition), nt.literal(definition, language="en"))

    def _citation(self, review: dict[str, Any]) -> str:
        authors = ", ".join(_short_name(str(name)) for name in review.get("authors") or [])
        year = _iso_date(review["published"])[:4] if "published" in review else "n.d."
        title = " ".join(str(review["title"]).split())
        parts = [f"{authors} ({year}). {title}."]
        if review.get("journal"):
            volume = f" {review['volume']}" if review.get("volume") else ""
            issue = f"({review['issue']})" if review.get("issue") else ""
            number = f":{review['article_number']}" if review.get("article_number") else ""
            parts.append(f"{review['journal']}{volume}{issue}{number}.")
        if review.get("doi"):
            parts.append(f"doi:{review['doi']}")
        return " ".join(parts)


def _short_name(name: str) -> str:
    *given, family = name.split()
    return f"{family} {''.join(part[0] for part in given)}".strip()


def _iso_date(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
