"""The coded dimensions studies are filtered, counted and cross-tabulated by, and resolving
what a user typed (a concept label or IRI, a review id) to the graph's IRIs.

Labels resolve as the loader resolves a reviewer's cell: by prefLabel, altLabel or notation,
ignoring case, accents and spacing (``loader.concepts.ConceptIndex``), here read back from
the store so that the API knows exactly the concepts that are loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from smqi.api.evidence.errors import InvalidParameterError
from smqi.api.evidence.queries import Snapshot, api_query, boolean, iri, text
from smqi.loader.concepts import ConceptIndex
from smqi.loader.terms import SMQI, VOCAB, XSD


@dataclass(frozen=True)
class Dimension:
    """A coded dimension: its API name, record-level property and concept scheme."""

    name: str  # as the API spells it, e.g. communication_model
    predicate: str  # the record-level coded property, e.g. smqi:communicationModel
    scheme: str  # the concept scheme's name under vocab/, e.g. communication-model
    variable: str  # the variable the study queries bind its values to

    @property
    def scheme_iri(self) -> str:
        return str(VOCAB[self.scheme])

    @property
    def words(self) -> str:
        """The name as a reader says it, e.g. communication model."""
        return self.name.replace("_", " ")


DIMENSIONS = (
    Dimension("platform", str(SMQI.platform), "platform", "platform"),
    Dimension("population", str(SMQI.userPopulation), "population", "population"),
    Dimension(
        "communication_model",
        str(SMQI.communicationModel),
        "communication-model",
        "communicationModel",
    ),
    Dimension("activity", str(SMQI.qiActivity), "qi-activity", "activity"),
    Dimension("stage", str(SMQI.qiCycleStage), "qi-cycle-stage", "stage"),
    Dimension("country", str(SMQI.country), "country", "country"),
    Dimension("model_of_use", str(SMQI.modelOfUse), "model-of-use", "modelOfUse"),
    Dimension("theme", str(SMQI.theme), "theme", "theme"),
    Dimension("study_design", str(SMQI.design), "study-design", "studyDesign"),
)
BY_NAME = {dimension.name: dimension for dimension in DIMENSIONS}
BY_PROPERTY = {dimension.predicate: dimension for dimension in DIMENSIONS}
BY_SCHEME = {dimension.scheme: dimension for dimension in DIMENSIONS}
YEAR = "year"
# A year parameter as the OpenAPI document declares it: four digits (blank: no filter).
YEAR_PATTERN = "^([0-9]{4}|)$"
YEAR_PROPERTY = str(SMQI.publicationYear)
# Every scheme /concepts serves: the coded dimensions and the topics used for alignment.
SCHEMES = (*BY_SCHEME, "topic")


def dimension_named(name: str, parameter: str) -> Dimension:
    """The coded dimension ``name``; InvalidParameterError naming the known ones."""
    dimension = BY_NAME.get(name.strip().lower().replace("-", "_"))
    if dimension is None:
        known = ", ".join(BY_NAME)
        raise InvalidParameterError(
            f"{parameter}={name!r} is not a coded dimension; use one of {known}",
            {"parameter": parameter, "value": name, "known": list(BY_NAME)},
        )
    return dimension


@dataclass(frozen=True)
class ConceptRef:
    iri: str
    label: str


@dataclass
class Vocabulary:
    """Every loaded concept: its scheme and preferred label, and its labels for lookup."""

    index: ConceptIndex = field(default_factory=ConceptIndex)
    schemes: dict[str, str] = field(default_factory=dict)  # concept IRI -> scheme name
    pref_labels: dict[str, str] = field(default_factory=dict)  # concept IRI -> prefLabel
    narrower: dict[str, set[str]] = field(default_factory=dict)  # concept -> direct narrower

    def label(self, concept: str) -> str:
        return self.pref_labels.get(concept, concept)

    def ref(self, concept: str) -> ConceptRef:
        return ConceptRef(concept, self.label(concept))

    def in_scheme(self, scheme: str) -> list[str]:
        return [concept for concept, name in self.schemes.items() if name == scheme]

    def leaves(self, scheme: str) -> list[str]:
        """The codeable concepts of ``scheme``: those no concept is narrower than."""
        return [c for c in self.in_scheme(scheme) if not self.narrower.get(c)]

    def with_narrower(self, concept: str) -> set[str]:
        """``concept`` and every concept below it (skos:broader, transitively)."""
        found, pending = {concept}, [concept]
        while pending:
            for child in self.narrower.get(pending.pop(), ()):
                if child not in found:
                    found.add(child)
                    pending.append(child)
        return found

    def resolve(self, dimension: Dimension, value: str) -> ConceptRef:
        """The concept of ``dimension`` that ``value`` (an IRI or a label) names."""
        wanted = value.strip()
        if wanted.startswith(("http://", "https://")):
            if self.schemes.get(wanted) == dimension.scheme:
                return self.ref(wanted)
            raise InvalidParameterError(
                f"{dimension.name}: <{wanted}> is not a concept of the scheme "
                f"<{dimension.scheme_iri}>",
                {"parameter": dimension.name, "value": value, "closest": []},
            )
        concept = self.index.resolve(dimension.scheme, wanted)
        if concept is not None:
            return self.ref(concept)
        closest = self.index.closest(dimension.scheme, wanted, n=5)
        hint = (
            f"; the closest known labels are {', '.join(repr(c) for c in closest)}"
            if closest
            else f"; see /concepts/{dimension.scheme} for the known labels"
        )
        raise InvalidParameterError(
            f"{dimension.name}: no concept labelled {wanted!r}{hint}",
            {"parameter": dimension.name, "value": value, "closest": closest},
        )


def vocabulary(snapshot: Snapshot) -> Vocabulary:
    """The loaded concepts of every scheme (computed once per dataset version)."""
    return snapshot.cached("vocabulary", lambda: _read_vocabulary(snapshot))


def codebooks(snapshot: Snapshot) -> dict[str, tuple[str, str, str]]:
    """Each review's own codebook scheme by name (e.g. walsh-2022-themes): the shared
    dimension scheme it supplies, the review's IRI and the codebook's label."""
    return snapshot.cached("codebooks", lambda: _read_codebooks(snapshot))


def _read_codebooks(snapshot: Snapshot) -> dict[str, tuple[str, str, str]]:
    found: dict[str, tuple[str, str, str]] = {}
    for row in snapshot.select(api_query("codebooks")).rows:
        scheme = iri(row, "scheme")
        if scheme.startswith(str(VOCAB)):
            name = scheme.removeprefix(str(VOCAB))
            shared = iri(row, "dimension").removeprefix(str(VOCAB))
            found[name] = (shared, iri(row, "collection"), text(row, "label") or name)
    return found


def _read_vocabulary(snapshot: Snapshot) -> Vocabulary:
    rows = snapshot.select(api_query("concept-labels")).rows
    scheme_names = {str(VOCAB[name]): name for name in SCHEMES}
    # a review's codebook supplies its shared dimension's values (themes, models of use)
    for book, (shared, _, _) in codebooks(snapshot).items():
        if shared in SCHEMES:
            scheme_names[str(VOCAB[book])] = shared
    labels: dict[str, dict[str, list[str]]] = {}  # concept -> kind -> labels
    result = Vocabulary()
    for row in rows:
        name = scheme_names.get(iri(row, "scheme"))
        if name is None:
            continue
        concept = iri(row, "concept")
        result.schemes.setdefault(concept, name)
        labels.setdefault(concept, {}).setdefault(text(row, "kind") or "alt", []).append(
            text(row, "label") or ""
        )
    for concept, kinds in labels.items():
        pref = min(kinds.get("pref") or kinds.get("notation") or [concept])
        result.pref_labels[concept] = pref
        others = [*kinds.get("alt", []), *kinds.get("notation", [])]
        result.index.add(result.schemes[concept], concept, pref, others)
    for row in snapshot.select(api_query("concept-hierarchy")).rows:
        result.narrower.setdefault(iri(row, "broader"), set()).add(iri(row, "concept"))
    return result


@dataclass(frozen=True)
class CollectionRef:
    """A review or an illustrative extraction (which is not a review)."""

    iri: str
    identifier: str
    title: str | None
    illustrative: bool


def collections(snapshot: Snapshot) -> dict[str, CollectionRef]:
    """Every evidence collection by IRI (computed once per dataset version)."""
    return snapshot.cached("collections", lambda: _read_collections(snapshot))


def _read_collections(snapshot: Snapshot) -> dict[str, CollectionRef]:
    found: dict[str, CollectionRef] = {}
    for row in snapshot.select(api_query("collections")).rows:
        ref = CollectionRef(
            iri(row, "collection"),
            text(row, "identifier") or "",
            text(row, "title"),
            boolean(row, "illustrative"),
        )
        found.setdefault(ref.iri, ref)
    return found


def review_scope(snapshot: Snapshot, review: str | None) -> CollectionRef | None:
    """The collection a ``review`` parameter names; None when it is absent or blank (no
    filter: a form's empty choice)."""
    return resolve_collection(snapshot, review) if review and review.strip() else None


def resolve_collection(snapshot: Snapshot, value: str, parameter: str = "review") -> CollectionRef:
    """The collection a review id (``walsh-2021``) or IRI names."""
    known = collections(snapshot)
    wanted = value.strip()
    for ref in known.values():
        if wanted in (ref.iri, ref.identifier):
            return ref
    ids = sorted(ref.identifier for ref in known.values())
    raise InvalidParameterError(
        f"{parameter}={value!r} is not a review or collection of this graph; "
        f"use one of {', '.join(ids)} (or its IRI)",
        {"parameter": parameter, "value": value, "known": ids},
    )


def year_term(value: str, parameter: str = YEAR) -> ox.Literal:
    """A publication year (four digits, as YEAR_PATTERN documents it) as the xsd:integer
    the graph stores; InvalidParameterError naming ``parameter`` otherwise."""
    if re.fullmatch("[0-9]{4}", value) is None:
        raise InvalidParameterError(
            f"{parameter}={value!r} is not a year; give four digits, e.g. {parameter}=2016",
            {"parameter": parameter, "value": value},
        )
    return ox.Literal(str(int(value)), datatype=ox.NamedNode(str(XSD.integer)))
