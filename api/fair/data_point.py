"""The dataset as a FAIR Data Point (FDP specification 1.2): the metadata layers a harvester
walks, root -> catalog -> dataset -> distributions, each a document of its own under /fdp.

    /fdp                         the FAIR Data Point (fdp-o:FAIRDataPoint), with an LDP
                                 container listing its catalog
    /fdp/catalog/smqi            the catalog (dcat:Catalog), with a container of its dataset
    /fdp/dataset/smqi            the dataset (dcat:Dataset), the same dataset as the VoID
                                 description's, with a container of its distributions
    /fdp/distribution/{file}     one downloadable file of the build (dcat:Distribution)

Every record carries the FDP metadata fields (fdp-o:metadataIdentifier, metadataIssued,
metadataModified), a publisher, a licence and the profile it conforms to. Values come from
the VoID description the loader wrote (title, description, licence, build time), the topic
vocabulary (themes) and the build's files; the records are issued with the served build.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Namespace

from smqi.api.fair.dataset_description import (
    DOWNLOAD_TITLES,
    DOWNLOADS,
    IANA_MEDIA_TYPES,
    dataset_iri,
)
from smqi.loader import __version__
from smqi.loader.terms import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, VOCAB, XSD

FDP_O = Namespace("https://w3id.org/fdp/fdp-o#")
LDP = Namespace("http://www.w3.org/ns/ldp#")
FDP_SPEC = "1.2"
FDP_PROFILE = "https://specs.fairdatapoint.org/fdp-specs-v1.2.html"
ENGLISH = "http://id.loc.gov/vocabulary/iso639-1/en"
PUBLISHER = "SMQI Evidence Graph project"
CATALOG, DATASET = "smqi", "smqi"
# the graph's topic vocabulary (ontology/vocabularies/topic.ttl): the dataset's themes
TOPICS = ("social-media", "quality-improvement", "patient-participation", "health-services")


@dataclass(frozen=True)
class Served:
    """What the records describe: where this server answers and the build it serves."""

    base_url: str
    base_iri: str
    void: list[ox.Triple]
    downloads: list[str]

    @property
    def root(self) -> str:
        return f"{self.base_url}/fdp"

    @property
    def catalog(self) -> str:
        return f"{self.root}/catalog/{CATALOG}"

    @property
    def dataset(self) -> str:
        return f"{self.root}/dataset/{DATASET}"

    def distribution(self, name: str) -> str:
        return f"{self.root}/distribution/{name}"

    def download(self, name: str) -> str:
        """Where the build file ``name`` is downloaded."""
        return f"{self.base_url}/downloads/{name}"

    def about_dataset(self, predicate: object) -> ox.NamedNode | ox.Literal | None:
        """The VoID description's value of ``predicate`` for the dataset, if it states one."""
        subject, wanted = dataset_iri(self.base_iri), ox.NamedNode(str(predicate))
        for triple in self.void:
            if triple.subject == subject and triple.predicate == wanted:
                value = triple.object
                if isinstance(value, ox.NamedNode | ox.Literal):
                    return value
        return None


def _t(subject: str, predicate: object, obj: ox.NamedNode | ox.Literal | str) -> ox.Triple:
    value = ox.NamedNode(obj) if isinstance(obj, str) else obj
    return ox.Triple(ox.NamedNode(subject), ox.NamedNode(str(predicate)), value)


def _text(value: str) -> ox.Literal:
    return ox.Literal(value, language="en")


def _record(served: Served, record: str, kind: object, title: str) -> list[ox.Triple]:
    """What every FDP metadata record states: its type, title, publisher, licence, profile,
    identifier and dates."""
    built = served.about_dataset(DCTERMS.modified)
    licence = served.about_dataset(DCTERMS.license)
    identifier = f"{record}#identifier"
    publisher = f"{served.root}#publisher"
    triples = [
        _t(record, RDF.type, str(kind)),
        _t(record, DCTERMS.title, _text(title)),
        _t(record, DCTERMS.publisher, publisher),
        _t(publisher, RDF.type, str(FOAF.Agent)),
        _t(publisher, FOAF.name, ox.Literal(PUBLISHER)),
        _t(record, DCTERMS.conformsTo, FDP_PROFILE),
        _t(record, DCTERMS.language, ENGLISH),
        _t(record, FDP_O.metadataIdentifier, identifier),
        _t(identifier, DCTERMS.identifier, ox.Literal(record)),
    ]
    if isinstance(licence, ox.NamedNode):
        triples.append(_t(record, DCTERMS.license, licence))
    if isinstance(built, ox.Literal):
        stamp = ox.Literal(built.value, datatype=ox.NamedNode(str(XSD.dateTime)))
        triples += [
            _t(record, FDP_O.metadataIssued, stamp),
            _t(record, FDP_O.metadataModified, stamp),
        ]
    return triples


def _container(
    container: str, title: str, member_of: str, relation: object, members: list[str]
) -> list[ox.Triple]:
    triples = [
        _t(container, RDF.type, str(LDP.DirectContainer)),
        _t(container, DCTERMS.title, _text(title)),
        _t(container, LDP.membershipResource, member_of),
        _t(container, LDP.hasMemberRelation, str(relation)),
    ]
    return triples + [_t(container, LDP.contains, member) for member in members]


def root_record(served: Served) -> list[ox.Triple]:
    root = served.root
    return [
        *_record(served, root, FDP_O.FAIRDataPoint, "SMQI Evidence Graph FAIR Data Point"),
        _t(root, RDF.type, str(DCAT.DataService)),
        _t(
            root,
            DCTERMS.description,
            _text(
                "Metadata of the SMQI Evidence Graph: a linked-data graph of research evidence on "
                "social media used to engage stakeholders in health service design and quality "
                "improvement."
            ),
        ),
        _t(root, DCTERMS.hasVersion, ox.Literal(__version__)),
        _t(root, FDP_O.conformsToFdpSpec, ox.Literal(FDP_SPEC)),
        _t(root, DCAT.endpointURL, root),
        _t(root, DCAT.endpointDescription, f"{served.base_url}/openapi.json"),
        _t(root, FDP_O.metadataCatalog, served.catalog),
        *_container(f"{root}/catalog/", "Catalogs", root, FDP_O.metadataCatalog, [served.catalog]),
    ]


def catalog_record(served: Served) -> list[ox.Triple]:
    catalog = served.catalog
    return [
        *_record(served, catalog, DCAT.Catalog, "SMQI Evidence Graph catalog"),
        _t(
            catalog,
            DCTERMS.description,
            _text("The datasets of the SMQI Evidence Graph FAIR Data Point."),
        ),
        _t(catalog, DCTERMS.isPartOf, served.root),
        _t(catalog, DCAT.themeTaxonomy, str(VOCAB.topic)),
        _t(catalog, FOAF.homepage, f"{served.base_url}/"),
        _t(catalog, DCAT.dataset, served.dataset),
        *_container(f"{catalog}/dataset/", "Datasets", catalog, DCAT.dataset, [served.dataset]),
    ]


def dataset_record(served: Served) -> list[ox.Triple]:
    dataset = served.dataset
    title = served.about_dataset(DCTERMS.title)
    description = served.about_dataset(DCTERMS.description)
    files = [served.distribution(name) for name in served.downloads]
    triples = [
        *_record(
            served,
            dataset,
            DCAT.Dataset,
            title.value if isinstance(title, ox.Literal) else "SMQI Evidence Graph",
        ),
        _t(dataset, DCTERMS.isPartOf, served.catalog),
        _t(dataset, OWL.sameAs, dataset_iri(served.base_iri)),  # the VoID description's
        _t(dataset, RDFS.seeAlso, f"{served.base_url}/.well-known/void"),
        _t(dataset, DCAT.landingPage, f"{served.base_url}/"),
        *(_t(dataset, DCAT.theme, str(VOCAB[f"topic/{topic}"])) for topic in TOPICS),
        *(_t(dataset, DCAT.keyword, _text(topic.replace("-", " "))) for topic in TOPICS),
        *(_t(dataset, DCAT.distribution, file) for file in files),
        *_container(f"{dataset}/distribution/", "Distributions", dataset, DCAT.distribution, files),
    ]
    if isinstance(description, ox.Literal):
        triples.append(_t(dataset, DCTERMS.description, description))
    return triples


def distribution_record(served: Served, name: str) -> list[ox.Triple]:
    record = served.distribution(name)
    return [
        *_record(served, record, DCAT.Distribution, DOWNLOAD_TITLES[name]),
        _t(record, DCTERMS.isPartOf, served.dataset),
        _t(record, DCAT.downloadURL, served.download(name)),
        _t(record, DCAT.accessURL, served.download(name)),
        _t(record, DCAT.mediaType, str(IANA_MEDIA_TYPES[DOWNLOADS[name]])),
    ]
