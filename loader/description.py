"""The dataset's own description, as DCAT-AP 3 and the FAIR Data Point read it.

It is made from the manifest (``DatasetMetadata``: title, description, licence, publisher,
contact point, creators, version, issued, keywords, DOI) and from what the built graph
covers (``Scope``: the studies' countries and years, the topic vocabulary). The VoID/DCAT
description in the metadata graph is written from it here; the FAIR Data Point records and
the schema.org markup copy it from there, and the RO-Crate (``loader.crate``) is written
from the same values, so that no two descriptions of the dataset can disagree.

Every value DCAT-AP constrains by class is typed in the description itself (a licence is a
``dct:LicenseDocument``, a theme a ``skos:Concept`` with a label ...), so that a harvester
can validate the document on its own. Where DCAT-AP asks for the EU's controlled
vocabularies, their IRIs are given beside ours: the data theme HEAL beside our topics, each
country's EU authority IRI (one rule: its ISO 3166 alpha-3 code) aligned with our country
concept, and the language ENG aligned with the Library of Congress's ``en``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from smqi.loader import ntriples as nt
from smqi.loader.manifest import DatasetMetadata, Person
from smqi.loader.terms import (
    ADMS,
    ADMS_LICENCE_TYPE,
    DCAT,
    DCAT_VERSION,
    DCTERMS,
    EU_ACCESS_RIGHT,
    EU_AUTHORITY,
    EU_COUNTRY,
    EU_DATA_THEME,
    EU_LANGUAGE,
    FOAF,
    ISO639_1,
    RDF,
    RDFS,
    SKOS,
    SMQI,
    VCARD,
    VOCAB,
    XSD,
)

# The EU data theme of every graph this tool builds: evidence on health services.
HEALTH_THEME = str(EU_DATA_THEME.HEAL)
ENGLISH = str(EU_LANGUAGE.ENG)
PUBLIC = str(EU_ACCESS_RIGHT.PUBLIC)
LICENCE_TYPES = "http://purl.org/adms/licencetype/1.0"
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/1.0"
# Creative Commons licence elements, as ADMS licence types
_CC_ELEMENTS = {
    "by": "Attribution",
    "sa": "ViralEffect-ShareAlike",
    "nc": "NonCommercialUseOnly",
    "nd": "NoDerivativeWork",
}
_CC_LICENCE = re.compile(r"^https?://creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/")


@dataclass(frozen=True)
class Country:
    """A country studies were set in: our concept, its ISO 3166 alpha-3 code and name."""

    concept: str
    alpha_3: str
    name: str

    @property
    def eu_iri(self) -> str:
        """The EU country authority's IRI for it: the alpha-3 code under its namespace."""
        return str(EU_COUNTRY[self.alpha_3])


@dataclass(frozen=True)
class Theme:
    concept: str
    label: str


@dataclass
class Scope:
    """What the graph covers: the studies' countries and publication years, and the top
    concepts of its topic vocabulary (the dataset's themes)."""

    countries: list[Country] = field(default_factory=list)
    years: tuple[int, int] | None = None
    theme_scheme: str | None = None
    theme_scheme_title: str | None = None
    themes: list[Theme] = field(default_factory=list)


# -- the IRIs the description mints, under the dataset's base IRI ----------------------------


def dataset_iri(base: str) -> str:
    return f"{base}dataset"


def publisher_iri(base: str) -> str:
    return f"{base}publisher"


def contact_point_iri(base: str) -> str:
    return f"{base}contact-point"


def period_iri(base: str) -> str:
    return f"{base}dataset/period"


def creator_iri(base: str, number: int, person: Person) -> str:
    """The creator's ORCID iD, else an IRI of our own (``number`` counts from 1)."""
    return person.orcid or f"{base}creator/{number}"


def issued_stamp(issued: dt.date) -> str:
    """The issue date as the ``xsd:dateTime`` the FAIR Data Point asks for: its first moment
    in UTC (DCAT-AP accepts a date or a date-time)."""
    return dt.datetime.combine(issued, dt.time(), dt.UTC).isoformat()


def licence_types(licence: str) -> list[str]:
    """The ADMS licence types a Creative Commons licence IRI names by its elements
    (``by-sa`` is Attribution and ShareAlike); none for another licence."""
    match = _CC_LICENCE.match(licence)
    if match is None:
        return []
    if match.group(1) == "publicdomain":
        return [str(ADMS_LICENCE_TYPE.PublicDomain)]
    elements = match.group(2).split("-")
    return [str(ADMS_LICENCE_TYPE[_CC_ELEMENTS[e]]) for e in elements if e in _CC_ELEMENTS]


def words(local_name: str) -> str:
    """'NonProfitOrganisation' -> 'Non Profit Organisation': a label for a vocabulary term
    that states none of its own here."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local_name).replace("-", " ")


# -- reading the scope from the built graph ---------------------------------------------------


def _rows(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return list(solutions)


def read_scope(store: ox.Store) -> Scope:
    """The countries coded for the studies (with their ISO alpha-3 notation), the range of
    the studies' publication years and the topic vocabulary's top concepts."""
    countries = [
        Country(row["country"].value, row["code"].value, row["label"].value)
        for row in _rows(
            store,
            f"""SELECT DISTINCT ?country ?code ?label WHERE {{
                  ?record <{SMQI.country}> ?country .
                  ?country <{SKOS.notation}> ?code ; <{SKOS.prefLabel}> ?label .
                  FILTER(STRLEN(STR(?code)) = 3)
                }} ORDER BY ?code""",
        )
    ]
    scope = Scope(countries=countries)
    years = _rows(
        store,
        f"SELECT (MIN(?year) AS ?first) (MAX(?year) AS ?last) "
        f"WHERE {{ ?study <{SMQI.publicationYear}> ?year }}",
    )
    if years and years[0]["first"] is not None and years[0]["last"] is not None:
        scope.years = (int(years[0]["first"].value), int(years[0]["last"].value))
    topic = str(VOCAB.topic)
    for row in _rows(
        store,
        f"""SELECT ?title ?concept ?label WHERE {{
              <{topic}> <{DCTERMS.title}> ?title ; <{SKOS.hasTopConcept}> ?concept .
              ?concept <{SKOS.prefLabel}> ?label .
            }} ORDER BY ?concept""",
    ):
        scope.theme_scheme, scope.theme_scheme_title = topic, row["title"].value
        scope.themes.append(Theme(row["concept"].value, row["label"].value))
    return scope


# -- the description --------------------------------------------------------------------------


class _Quads:
    """Statements of one graph, written as N-Quads lines."""

    def __init__(self, graph: str) -> None:
        self.g = nt.iri(graph)
        self.lines: list[str] = []

    def add(self, subject: str, predicate: object, obj: str) -> None:
        self.lines.append(nt.quad(nt.iri(subject), nt.iri(str(predicate)), obj, self.g))

    def link(self, subject: str, predicate: object, target: str) -> None:
        self.add(subject, predicate, nt.iri(target))

    def text(
        self, subject: str, predicate: object, value: str, language: str | None = "en"
    ) -> None:
        self.add(subject, predicate, nt.literal(value, language=language))

    def typed(self, subject: str, predicate: object, value: str, datatype: object) -> None:
        self.add(subject, predicate, nt.literal(value, str(datatype)))

    def concept(self, concept: str, label: str, scheme: str, scheme_title: str) -> None:
        """A SKOS concept with its label and scheme, as DCAT-AP wants a theme or type.

        The scheme is named and titled but not typed here: an authority table such as the
        EU data themes is the publisher's to describe, and every skos:ConceptScheme in the
        graph is one this project publishes, with its licence and version (the shapes
        check that). The project's own theme codebook is typed where it is published."""
        self.link(concept, RDF.type, str(SKOS.Concept))
        self.text(concept, SKOS.prefLabel, label)
        self.link(concept, SKOS.inScheme, scheme)
        self.text(scheme, DCTERMS.title, scheme_title)


def description_quads(
    dataset: DatasetMetadata, scope: Scope, base: str, graph: str, modified: dt.datetime
) -> list[str]:
    """The dataset's DCAT description in ``graph``: every field the manifest gives, its
    coverage, themes, language and access rights, each value typed as DCAT-AP asks."""
    q = _Quads(graph)
    d = dataset_iri(base)
    q.link(d, RDF.type, str(DCAT.Dataset))
    q.text(d, DCTERMS.title, dataset.title)
    q.text(d, DCTERMS.description, dataset.description)
    q.text(d, DCTERMS.identifier, d, language=None)
    if dataset.version:
        q.text(d, DCAT_VERSION, dataset.version, language=None)
    if dataset.issued:
        q.typed(d, DCTERMS.issued, issued_stamp(dataset.issued), XSD.dateTime)
    q.typed(d, DCTERMS.modified, modified.isoformat(), XSD.dateTime)
    for keyword in dataset.keywords:
        q.text(d, DCAT.keyword, keyword)
    _licence(q, d, dataset.license)
    q.link(d, DCTERMS.accessRights, PUBLIC)
    q.link(PUBLIC, RDF.type, str(DCTERMS.RightsStatement))
    q.text(PUBLIC, RDFS.label, "public")
    q.link(d, DCTERMS.language, ENGLISH)
    q.link(ENGLISH, RDF.type, str(DCTERMS.LinguisticSystem))
    q.text(ENGLISH, RDFS.label, "English")
    q.link(ENGLISH, SKOS.exactMatch, str(ISO639_1.en))
    _themes(q, d, scope)
    _agents(q, d, dataset, base)
    if dataset.doi:
        _doi(q, d, dataset.doi)
    _coverage(q, d, scope, base)
    return q.lines


def _licence(q: _Quads, d: str, licence: str) -> None:
    q.link(d, DCTERMS.license, licence)
    q.link(licence, RDF.type, str(DCTERMS.LicenseDocument))
    for kind in licence_types(licence):
        q.link(licence, DCTERMS.type, kind)
        q.concept(kind, words(kind.rsplit("/", 1)[1]), LICENCE_TYPES, "Licence type")


def _themes(q: _Quads, d: str, scope: Scope) -> None:
    if scope.theme_scheme and scope.theme_scheme_title:
        for theme in scope.themes:
            q.link(d, DCAT.theme, theme.concept)
            q.concept(theme.concept, theme.label, scope.theme_scheme, scope.theme_scheme_title)
    q.link(d, DCAT.theme, HEALTH_THEME)
    q.concept(HEALTH_THEME, "Health", f"{EU_AUTHORITY}data-theme", "Data theme")


def _agents(q: _Quads, d: str, dataset: DatasetMetadata, base: str) -> None:
    if (organisation := dataset.publisher) is not None:
        publisher = publisher_iri(base)
        q.link(d, DCTERMS.publisher, publisher)
        q.link(publisher, RDF.type, str(FOAF.Agent))
        q.link(publisher, RDF.type, str(FOAF.Organization))
        q.text(publisher, FOAF.name, organisation.name, language=None)
        if organisation.url:
            q.link(publisher, FOAF.homepage, organisation.url)
        if organisation.type:
            q.link(publisher, DCTERMS.type, organisation.type)
            label = words(organisation.type.rsplit("/", 1)[1])
            q.concept(organisation.type, label, PUBLISHER_TYPES, "Publisher type")
    if (contact := dataset.contact_point) is not None:
        kind = contact_point_iri(base)
        q.link(d, DCAT.contactPoint, kind)
        q.link(kind, RDF.type, str(VCARD.Kind))
        q.link(kind, RDF.type, str(VCARD.Organization))
        q.text(kind, VCARD.fn, contact.name, language=None)
        q.link(kind, VCARD.hasEmail, f"mailto:{contact.email}")
    for number, person in enumerate(dataset.creators, start=1):
        creator = creator_iri(base, number, person)
        q.link(d, DCTERMS.creator, creator)
        q.link(creator, RDF.type, str(FOAF.Agent))
        q.link(creator, RDF.type, str(FOAF.Person))
        q.text(creator, FOAF.name, person.name, language=None)


def _doi(q: _Quads, d: str, doi: str) -> None:
    resolver = f"https://doi.org/{doi}"
    q.text(d, DCTERMS.identifier, resolver, language=None)
    q.link(d, ADMS.identifier, resolver)
    q.link(resolver, RDF.type, str(ADMS.Identifier))
    q.text(resolver, SKOS.notation, doi, language=None)


def _coverage(q: _Quads, d: str, scope: Scope, base: str) -> None:
    for country in scope.countries:
        q.link(d, DCTERMS.spatial, country.eu_iri)
        q.link(country.eu_iri, RDF.type, str(DCTERMS.Location))
        q.text(country.eu_iri, SKOS.prefLabel, country.name)
        q.link(country.eu_iri, SKOS.exactMatch, country.concept)
    if scope.years is not None:
        period = period_iri(base)
        q.link(d, DCTERMS.temporal, period)
        q.link(period, RDF.type, str(DCTERMS.PeriodOfTime))
        q.typed(period, DCAT.startDate, str(scope.years[0]), XSD.gYear)
        q.typed(period, DCAT.endDate, str(scope.years[1]), XSD.gYear)
