"""Review records (``reviews.yaml``) to RDF: reviews, their reports, findings, codebooks
and PRISMA flow counts.

A review's included studies are reported, not loaded, unless the review team's own
sheet is in the manifest: ``smqi:reportedStudyCount`` says how many the review
included; the build adds ``smqi:loadedStudyCount`` for how many the graph holds.

Beside what earlier versions read, a record may give:

    type          scoping review, systematic review, review, or overview of reviews
    includes      ids of reviews (in this file) the review includes as studies (an overview)
    prisma        PRISMA 2020 flow counts: records_identified, duplicates_removed,
                  records_screened, records_excluded, reports_sought,
                  reports_not_retrieved, reports_assessed, reports_excluded,
                  reports_included, studies_included, and exclusion_reasons
                  ({reason: count}); a count the public record does not show is left out
    themes        {category: [heading, ...]}: the review's own themes (its codebook)
    typology      [{label, definition}, ...]: the review's own models of use (its codebook)
    themes_formerly  the IRI prefix its themes had before they moved to its own codebook
    findings      each a statement, or {statement, about: {scheme: [concept labels]}} for
                  a finding whose published heading names the concepts it is about
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from smqi.loader import ntriples as nt
from smqi.loader.codebooks import CODEBOOKS, CodebookWriter, codebook_scheme, resolution_order
from smqi.loader.coding import report_lines
from smqi.loader.concepts import ConceptIndex, scheme_iri
from smqi.loader.errors import ConfigurationError, Location
from smqi.loader.identity import normalise_doi, slug
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
    SMQI,
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
REVIEW_TYPES = {
    "scoping review": SMQI.ScopingReview,
    "overview of reviews": SMQI.OverviewOfReviews,
    "umbrella review": SMQI.OverviewOfReviews,
}
PRISMA_COUNTS = {
    "records_identified": SMQI.recordsIdentified,
    "duplicates_removed": SMQI.duplicatesRemoved,
    "records_screened": SMQI.recordsScreened,
    "records_excluded": SMQI.recordsExcluded,
    "reports_sought": SMQI.reportsSought,
    "reports_not_retrieved": SMQI.reportsNotRetrieved,
    "reports_assessed": SMQI.reportsAssessed,
    "reports_excluded": SMQI.reportsExcluded,
    "reports_included": SMQI.reportsIncluded,
    "studies_included": SMQI.reportedStudyCount,
}


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
        self._codebooks = CodebookWriter(self._add, concepts, self.out.reviews, source)

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
        doi = normalise_doi(str(review["doi"])) if "doi" in review else None
        if doi is not None:
            self._add(s, str(BIBO.doi), nt.literal(doi))
            self._add(s, str(RDFS.seeAlso), nt.iri(f"https://doi.org/{nt.path_segment(doi)}"))
        self._report(iri, review, doi)
        if "supplement_doi" in review:
            self._add(
                s, str(SMQI.supplementDoi), nt.literal(normalise_doi(str(review["supplement_doi"])))
            )
        for key, prop in (("license", DCTERMS.license), ("repository_record", RDFS.seeAlso)):
            if key in review:
                self._add(s, str(prop), nt.iri(str(review[key])))
        for method in review.get("synthesis") or []:
            self._add(s, str(SMQI.synthesisMethod), nt.literal(str(method)))
        self._prisma(rid, iri, review)
        for dimension in self._schemes(rid, review.get("coded_dimensions") or []):
            if dimension in CODEBOOKS:
                self._codebooks.write(rid, review, dimension)
                dimension = codebook_scheme(rid, dimension)
            self._add(s, str(SMQI.codedDimension), nt.iri(scheme_iri(dimension)))
        for included in review.get("includes") or []:
            if str(included) not in self.out.reviews or str(included) == rid:
                raise ConfigurationError(
                    f"{self.source}: review {rid} includes '{included}', which is not another "
                    "review of this file"
                )
            self._add(s, str(SMQI.includesStudy), nt.iri(self.out.reviews[str(included)]))
        for cited in review.get("cites") or []:
            if str(cited) not in self.out.reviews:
                raise ConfigurationError(
                    f"{self.source}: review {rid} cites unknown review '{cited}'"
                )
            self._add(s, str(CITO.cites), nt.iri(self.out.reviews[str(cited)]))
        sources = [str(url) for url in review.get("sources") or []]
        for url in sources:
            self._add(s, str(DCTERMS.source), nt.iri(url))
        for order, entry in enumerate(review.get("findings") or [], start=1):
            finding_iri = f"{self.base}finding/{rid}/{order}"
            where = f"reviews[{rid}].findings[{order}]"
            self.out.locations[finding_iri] = Location(self.source.name, None, where)
            statement, about = finding_parts(entry)
            f = nt.iri(finding_iri)
            self._add(s, str(SMQI.reportsFinding), f)
            self._add(f, str(RDF.type), nt.iri(str(SMQI.Finding)))
            self._add(f, str(SMQI.statement), nt.literal(statement, language="en"))
            self._add(f, str(SMQI.findingOrder), nt.literal(str(order), str(XSD.integer)))
            for url in sources:
                self._add(f, str(DCTERMS.source), nt.iri(url))
            for concept in self._subjects(rid, where, about):
                self._add(f, str(DCTERMS.subject), nt.iri(concept))

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

    def _report(self, iri: str, review: dict[str, Any], doi: str | None) -> None:
        """The review's published article: named by its DOI IRI, else its PubMed IRI."""
        pmid = str(review["pmid"]).strip() if review.get("pmid") is not None else None
        if doi is not None:
            report = f"https://doi.org/{nt.path_segment(doi)}"
        elif pmid is not None and pmid.isdigit():
            report = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
        else:
            return
        self.out.locations[report] = self.out.locations[iri]
        for line in report_lines(report, iri, nt.iri(iri), doi, pmid, f" {self.g} .\n").lines:
            self.out.quads.append(line)
        self._add(nt.iri(report), str(RDF.type), nt.iri(str(FABIO.ReviewArticle)))
        self._add(
            nt.iri(report), str(DCTERMS.title), nt.literal(" ".join(str(review["title"]).split()))
        )

    def _prisma(self, rid: str, iri: str, review: dict[str, Any]) -> None:
        """The PRISMA flow counts the record gives; the included-study count as before."""
        s = nt.iri(iri)
        prisma = review.get("prisma") or {}
        if not isinstance(prisma, dict):
            raise ConfigurationError(f"{self.source}: review {rid}: prisma must be a table")
        unknown = set(prisma) - {*PRISMA_COUNTS, "exclusion_reasons"}
        if unknown:
            raise ConfigurationError(
                f"{self.source}: review {rid}: unknown PRISMA count(s) {', '.join(sorted(unknown))}"
                f"; known: {', '.join(PRISMA_COUNTS)}, exclusion_reasons"
            )
        counts = {key: prisma[key] for key in PRISMA_COUNTS if prisma.get(key) is not None}
        if "included_studies" in review:
            included = review["included_studies"]
            if "studies_included" in counts and counts["studies_included"] != included:
                raise ConfigurationError(
                    f"{self.source}: review {rid}: included_studies ({included}) and "
                    f"prisma.studies_included ({counts['studies_included']}) differ"
                )
            counts["studies_included"] = included
        for key, value in counts.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigurationError(
                    f"{self.source}: review {rid}: {key} must be a whole number, 0 or more"
                )
            self._add(s, str(PRISMA_COUNTS[key]), nt.literal(str(value), str(XSD.integer)))
        if "studies_included" in counts:
            self.out.reported_counts[iri] = counts["studies_included"]
        reasons = prisma.get("exclusion_reasons") or {}
        if not isinstance(reasons, dict):
            raise ConfigurationError(
                f"{self.source}: review {rid}: exclusion_reasons must be a table of reason: count"
            )
        for order, (reason, count) in enumerate(reasons.items(), start=1):
            node = nt.iri(f"{iri}/exclusion-reason/{order}")
            self._add(s, str(SMQI.exclusionReason), node)
            self._add(node, str(RDF.type), nt.iri(str(SMQI.ExclusionReason)))
            self._add(
                node, str(RDFS.label), nt.literal(" ".join(str(reason).split()), language="en")
            )
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ConfigurationError(
                    f"{self.source}: review {rid}: the count of '{reason}' must be a whole number"
                )
            self._add(node, str(SMQI.reportCount), nt.literal(str(count), str(XSD.integer)))

    def _subjects(self, rid: str, where: str, about: dict[str, list[str]]) -> list[str]:
        """The concepts a finding is about, by their labels in the schemes named."""
        found: list[str] = []
        for scheme, labels in about.items():
            for label in labels:
                concept = next(
                    (
                        c
                        for c in (
                            self.concepts.resolve(name, str(label))
                            for name in resolution_order(rid, "review", str(scheme))
                        )
                        if c
                    ),
                    None,
                )
                if concept is None:
                    raise ConfigurationError(
                        f"{self.source}: {where}: no concept labelled '{label}' in {scheme}"
                    )
                found.append(concept)
        return found

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


def finding_parts(entry: object) -> tuple[str, dict[str, list[str]]]:
    """A finding's statement and the concepts it is about, by scheme (a table entry), or
    just the statement (a plain one)."""
    if isinstance(entry, dict):
        about = entry.get("about") or {}
        return " ".join(str(entry.get("statement", "")).split()), {
            str(k): [str(v) for v in values] for k, values in about.items()
        }
    return str(entry), {}


def _short_name(name: str) -> str:
    *given, family = name.split()
    return f"{family} {''.join(part[0] for part in given)}".strip()


def _iso_date(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
