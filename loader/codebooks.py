"""A review's own codebook: its typology or themes, in a concept scheme named for it.

A review's themes (or typology) are that review's, not a shared vocabulary's: they live in
a scheme named for the review, ``vocab/{review}-themes`` (``vocab/{review}-models-of-use``),
declared ``smqi:codebookOf`` the review and ``smqi:codebookFor`` the shared dimension
(``vocab/theme``, ``vocab/model-of-use``), so that the next review's typology never lands
among another's. A sheet column of a review's collection coded in the shared dimension
resolves its values in the review's codebook first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from smqi.loader import ntriples as nt
from smqi.loader.concepts import SCHEME_LICENSE, SCHEME_VERSION, ConceptIndex, scheme_iri
from smqi.loader.errors import ConfigurationError
from smqi.loader.identity import slug
from smqi.loader.terms import DCTERMS, OWL, RDF, RDFS, SKOS, SMQI, VOCAB, XSD

CODEBOOKS = {"theme": "themes", "model-of-use": "models-of-use"}
CODEBOOK_TITLES = {"theme": "Themes", "model-of-use": "Models of social media use"}


def codebook_scheme(review: str, dimension: str) -> str:
    """The name (under vocab/) of ``review``'s own codebook for the shared ``dimension``."""
    return f"{review}-{CODEBOOKS[dimension]}"


def codebook_iri(review: str, dimension: str) -> str:
    return scheme_iri(codebook_scheme(review, dimension))


def resolution_order(collection: str, kind: str, scheme: str) -> tuple[str, ...]:
    """The schemes a value of ``scheme`` is looked up in, for a sheet of ``collection``."""
    if kind == "review" and scheme in CODEBOOKS:
        return (codebook_scheme(collection, scheme), scheme)
    return (scheme,)


class CodebookWriter:
    """Writes a review's codebooks (reviews.yaml's themes and typology) as schemes named for
    it, with what the record publishes of them and nothing more."""

    def __init__(
        self,
        add: Callable[[str, str, str], None],
        concepts: ConceptIndex,
        reviews: dict[str, str],  # review id -> IRI
        source: Path,
    ) -> None:
        self.add = add
        self.concepts = concepts
        self.reviews = reviews
        self.source = source

    def write(self, rid: str, review: dict[str, Any], dimension: str) -> None:
        self._codebook(rid, review, dimension)

    def _codebook(self, rid: str, review: dict[str, Any], dimension: str) -> None:
        """The review's own codebook for a shared dimension (themes or typology): a scheme
        named for the review, holding what reviews.yaml publishes of it and nothing more."""
        name = codebook_scheme(rid, dimension)
        if name in self.concepts.labels:
            return  # two coded dimensions of the record give the same codebook
        self.concepts.labels.setdefault(name, {})
        scheme = nt.iri(scheme_iri(name))
        review_iri = nt.iri(self.reviews[rid])
        title = f"{CODEBOOK_TITLES[dimension]} of {_cited_as(review)}"
        self.add(scheme, str(RDF.type), nt.iri(str(SKOS.ConceptScheme)))
        self.add(scheme, str(SKOS.prefLabel), nt.literal(title, language="en"))
        self.add(scheme, str(DCTERMS.title), nt.literal(title, language="en"))
        self.add(
            scheme,
            str(SKOS.definition),
            nt.literal(
                f"The review's own codebook of {CODEBOOK_TITLES[dimension].lower()}, as it "
                "publishes them.",
                language="en",
            ),
        )
        self.add(scheme, str(SMQI.codebookOf), review_iri)
        self.add(scheme, str(SMQI.codebookFor), nt.iri(scheme_iri(dimension)))
        self.add(scheme, str(DCTERMS.source), review_iri)
        self.add(scheme, str(DCTERMS.license), nt.iri(SCHEME_LICENSE))
        self.add(scheme, str(OWL.versionInfo), nt.literal(SCHEME_VERSION))
        if dimension == "theme":
            self._themes(rid, name, review.get("themes") or {}, review.get("themes_formerly"))
        else:
            self._typology(rid, name, review.get("typology") or [])

    def _themes(self, rid: str, name: str, themes: dict[str, list[str]], formerly: object) -> None:
        """The review's published theme headings, under the categories it groups them in."""
        scheme = nt.iri(scheme_iri(name))
        review = nt.iri(self.reviews[rid])
        for category, headings in themes.items():
            top_iri = str(VOCAB[f"{name}/{slug(category)}"])
            top = nt.iri(top_iri)
            self.concepts.add(name, top_iri, str(category), [])
            self._concept(
                top,
                scheme,
                str(category),
                f"{_article(str(category))} {category} of using social media for design and "
                "QI, as the review groups its results.",
                SMQI.Theme,
            )
            self.add(top, str(SKOS.topConceptOf), scheme)
            self.add(scheme, str(SKOS.hasTopConcept), top)
            self._replaces(formerly, f"{slug(category)}", top, str(category))
            for heading in headings:
                theme_iri = str(VOCAB[f"{name}/{slug(category)}/{slug(heading)}"])
                theme = nt.iri(theme_iri)
                self.concepts.add(name, theme_iri, str(heading), [])
                self._concept(
                    theme,
                    scheme,
                    str(heading),
                    f"{_article(str(category))} {category} reported by the review, under this "
                    "heading.",
                    SMQI.Theme,
                )
                self.add(theme, str(SKOS.broader), top)
                self.add(theme, str(DCTERMS.source), review)
                self._replaces(formerly, f"{slug(category)}/{slug(heading)}", theme, str(heading))

    def _replaces(self, formerly: object, path: str, concept: str, label: str) -> None:
        """The IRI a concept had before it moved to its review's codebook, deprecated and
        pointing to its new IRI (dcterms:isReplacedBy), so that old links still lead to it."""
        if not formerly:
            return
        old = nt.iri(f"{formerly}{path}")
        self.add(old, str(OWL.deprecated), nt.literal("true", str(XSD.boolean)))
        self.add(old, str(DCTERMS.isReplacedBy), concept)
        self.add(old, str(RDFS.label), nt.literal(f"{label} (moved)", language="en"))

    def _typology(self, rid: str, name: str, typology: list[Any]) -> None:
        """The review's published models of use; an unpublished typology stays empty."""
        scheme = nt.iri(scheme_iri(name))
        if not typology:
            self.add(
                scheme,
                str(SKOS.scopeNote),
                nt.literal(
                    "The review's typology is not public, so this codebook has no concepts; "
                    "they are not invented.",
                    language="en",
                ),
            )
            return
        for entry in typology:
            label = str(entry["label"] if isinstance(entry, dict) else entry)
            definition = str(entry.get("definition", "")) if isinstance(entry, dict) else ""
            if not definition:
                raise ConfigurationError(
                    f"{self.source}: review {rid}: the model of use '{label}' needs its "
                    "published definition"
                )
            concept_iri = str(VOCAB[f"{name}/{slug(label)}"])
            concept = nt.iri(concept_iri)
            self.concepts.add(name, concept_iri, label, [])
            self._concept(concept, scheme, label, definition, SMQI.ModelOfUse)
            self.add(concept, str(SKOS.topConceptOf), scheme)
            self.add(scheme, str(SKOS.hasTopConcept), concept)

    def _concept(self, concept: str, scheme: str, label: str, definition: str, cls: object) -> None:
        self.add(concept, str(RDF.type), nt.iri(str(cls)))
        self.add(concept, str(SKOS.inScheme), scheme)
        self.add(concept, str(SKOS.prefLabel), nt.literal(label, language="en"))
        self.add(concept, str(SKOS.definition), nt.literal(definition, language="en"))


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


def _cited_as(review: dict[str, Any]) -> str:
    """The review as a short citation: Walsh et al. 2021."""
    authors = review.get("authors") or []
    published = review.get("published")
    year = str(published)[:4] if published is not None else "n.d."
    if not authors:
        return f"{review['id']} ({year})"
    family = str(authors[0]).split()[-1]
    return f"{family}{' et al.' if len(authors) > 1 else ''} {year}"
