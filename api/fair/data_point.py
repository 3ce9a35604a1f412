"""The dataset as a FAIR Data Point (FDP specification 1.2): the metadata layers a harvester
walks, root -> catalog -> dataset -> distributions, each a document of its own under /fdp.

    /fdp                               the FAIR Data Point (fdp-o:FAIRDataPoint)
    /fdp/catalog/                      its LDP container of catalogs
    /fdp/catalog/smqi                  the catalog (dcat:Catalog)
    /fdp/catalog/smqi/dataset/         its container of datasets
    /fdp/dataset/smqi                  the dataset (dcat:Dataset), the same dataset as the
                                       VoID description's (owl:sameAs)
    /fdp/dataset/smqi/distribution/    its container of distributions
    /fdp/distribution/{file}           one file of the build (dcat:Distribution)

Every record carries the FDP fields (fdp-o:metadataIdentifier, metadataIssued,
metadataModified) and what the FDP's shapes ask of every resource (title, publisher,
version, licence, language), all copied from the dataset's description that the loader
wrote from the manifest. A document also describes every DCAT resource it names (the
catalog's dataset, the dataset's distributions), so that it validates on its own.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from smqi.api.fair.dcat import (
    DESCRIPTIVE,
    SHARED,
    closure,
    copied,
    distribution_triples,
    text,
    triple,
)
from smqi.api.fair.served import Served
from smqi.loader.terms import DCAT, DCTERMS, FDP_O, FOAF, LDP, OWL, RDF, RDFS, SKOS, XSD

FDP_SPEC = "1.2"
FDP_PROFILE = "https://specs.fairdatapoint.org/fdp-specs-v1.2.html"


def _title(served: Served, suffix: str = "") -> str:
    return f"{served.text(DCTERMS.title) or 'Dataset'}{suffix}"


def _stamp(value: ox.NamedNode | ox.Literal | None) -> ox.Literal | None:
    if not isinstance(value, ox.Literal):
        return None
    return ox.Literal(value.value, datatype=ox.NamedNode(str(XSD.dateTime)))


def _record(served: Served, record: str, kind: object, title: str) -> list[ox.Triple]:
    """What every FDP metadata record states: type, title, publisher, licence, version,
    language, profile, identifier and dates."""
    identifier = f"{record}#identifier"
    issued = _stamp(served.about_dataset(DCTERMS.issued))
    modified = _stamp(served.about_dataset(DCTERMS.modified))
    triples = [
        triple(record, RDF.type, str(kind)),
        triple(record, DCTERMS.title, text(title)),
        triple(record, DCTERMS.conformsTo, FDP_PROFILE),
        triple(FDP_PROFILE, RDF.type, str(DCTERMS.Standard)),
        triple(record, FDP_O.metadataIdentifier, identifier),
        triple(identifier, DCTERMS.identifier, ox.Literal(record)),
        *copied(served, record, SHARED),
    ]
    if issued is not None:
        triples.append(triple(record, FDP_O.metadataIssued, issued))
    if modified is not None:
        triples.append(triple(record, FDP_O.metadataModified, modified))
    return triples


def _dates(served: Served, record: str) -> list[ox.Triple]:
    """The dataset's issue and modification dates, stated of a record describing it."""
    return copied(served, record, (DCTERMS.issued, DCTERMS.modified))


def container(
    container_iri: str, title: str, member_of: str, relation: object, members: list[str]
) -> list[ox.Triple]:
    """An LDP direct container of the records ``member_of`` links to by ``relation``."""
    triples = [
        triple(container_iri, RDF.type, str(LDP.DirectContainer)),
        triple(container_iri, DCTERMS.title, text(title)),
        triple(container_iri, LDP.membershipResource, member_of),
        triple(container_iri, LDP.hasMemberRelation, str(relation)),
    ]
    return triples + [triple(container_iri, LDP.contains, member) for member in members]


def catalogs_container(served: Served) -> list[ox.Triple]:
    return container(
        f"{served.root}/catalog/", "Catalogs", served.root, FDP_O.metadataCatalog, [served.catalog]
    )


def datasets_container(served: Served) -> list[ox.Triple]:
    return container(
        f"{served.catalog}/dataset/", "Datasets", served.catalog, DCAT.dataset, [served.dataset]
    )


def distributions_container(served: Served) -> list[ox.Triple]:
    files = [served.distribution(name) for name in served.downloads]
    return container(
        f"{served.dataset}/distribution/", "Distributions", served.dataset, DCAT.distribution, files
    )


def root_record(served: Served) -> list[ox.Triple]:
    """The FAIR Data Point itself, a metadata service (dcat:DataService)."""
    root = served.root
    triples = [
        *_record(served, root, FDP_O.FAIRDataPoint, _title(served, " FAIR Data Point")),
        triple(root, RDF.type, str(DCAT.DataService)),
        *_dates(served, root),
        triple(
            root,
            DCTERMS.description,
            text(
                f"The FAIR Data Point of {_title(served)}: its catalog, dataset and "
                "distribution records, for harvesters."
            ),
        ),
        triple(root, FDP_O.conformsToFdpSpec, ox.Literal(FDP_SPEC)),
        triple(root, DCAT.endpointURL, root),
        # an IRI, as DCAT asks; the FDP's shapes ask for a literal (see the README)
        triple(root, DCAT.endpointDescription, f"{served.base_url}/openapi.json"),
        triple(root, FDP_O.metadataCatalog, served.catalog),
        *copied(served, root, (DCAT.keyword, DCAT.theme, DCAT.contactPoint)),
        *catalogs_container(served),
    ]
    return _unique(triples)


def _dataset_record(served: Served) -> list[ox.Triple]:
    dataset = served.dataset
    files = [served.distribution(name) for name in served.downloads]
    triples = [
        *_record(served, dataset, DCAT.Dataset, _title(served)),
        *copied(served, dataset, [p for p in DESCRIPTIVE if p != DCTERMS.title]),
        triple(dataset, DCAT.landingPage, served.landing_page),
        triple(served.landing_page, RDF.type, str(FOAF.Document)),
        triple(dataset, DCTERMS.isPartOf, served.catalog),
        triple(dataset, OWL.sameAs, served.dataset_iri),  # the VoID description's dataset
        triple(dataset, RDFS.seeAlso, f"{served.base_url}/.well-known/void"),
        *(triple(dataset, DCAT.distribution, file) for file in files),
    ]
    for file in served.distributions:
        triples += distribution_record(served, file.name)
    return triples


def catalog_record(served: Served) -> list[ox.Triple]:
    catalog = served.catalog
    schemes = _theme_schemes(served)
    triples = [
        *_record(served, catalog, DCAT.Catalog, _title(served, " catalog")),
        triple(
            catalog,
            DCTERMS.description,
            text(f"The datasets of {_title(served, ' FAIR Data Point')}."),
        ),
        *_dates(served, catalog),
        triple(catalog, FOAF.homepage, served.landing_page),
        triple(served.landing_page, RDF.type, str(FOAF.Document)),
        *(triple(catalog, DCAT.themeTaxonomy, scheme) for scheme in schemes),
        # a taxonomy is a concept scheme (DCAT-AP's range); the build types only its own
        *(triple(scheme, RDF.type, str(SKOS.ConceptScheme)) for scheme in schemes),
        *closure(served, [ox.NamedNode(s) for s in schemes]),
        *copied(served, catalog, [DCTERMS.spatial]),
        triple(catalog, DCAT.dataset, served.dataset),
        *_dataset_record(served),
        *datasets_container(served),
    ]
    return _unique(triples)


def dataset_record(served: Served) -> list[ox.Triple]:
    return _unique([*_dataset_record(served), *distributions_container(served)])


def distribution_record(served: Served, name: str) -> list[ox.Triple]:
    record = served.distribution(name)
    file = next(d for d in served.distributions if d.name == name)
    triples = [
        *_record(served, record, DCAT.Distribution, file.title),
        *distribution_triples(served, record, file),
        triple(record, DCTERMS.isPartOf, served.dataset),
    ]
    return _unique(triples)  # both title it alike: one title, as the FDP's shapes allow


def _theme_schemes(served: Served) -> list[str]:
    """The concept schemes of the dataset's themes (our topics, the EU data themes)."""
    themes = served.objects(served.dataset_iri, DCAT.theme)
    return sorted(
        {
            t.object.value
            for t in closure(served, themes)
            if t.predicate.value == str(SKOS.inScheme) and isinstance(t.object, ox.NamedNode)
        }
    )


def _unique(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))
