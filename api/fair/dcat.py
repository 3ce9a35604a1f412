"""The dataset's DCAT-AP description as served: the loader's metadata graph with where this
server offers the dataset (landing page, SPARQL endpoint, each file as a distribution).

A distribution carries what DCAT-AP 3 asks of one: access and download URL, media type
(an IANA IRI), format (the EU file type), size, SHA-256 checksum (``spdx:checksum``),
licence, availability, title, description and dates, and what the FAIR Data Point asks of
every resource (publisher, version). Values that DCAT-AP constrains by class are typed in
the document itself, so that each document validates on its own.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from smqi.api.fair.served import Distribution, Served
from smqi.loader.terms import (
    ADMS,
    DCAT,
    DCAT_VERSION,
    DCATAP,
    DCTERMS,
    EU_AUTHORITY,
    EU_FILE_TYPE,
    EU_PLANNED_AVAILABILITY,
    FOAF,
    IANA_MEDIA_TYPES,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    VOID,
    XSD,
)

# What a copy of the dataset's description carries (the FAIR Data Point's dataset record)
DESCRIPTIVE = (
    DCTERMS.title,
    DCTERMS.description,
    DCTERMS.identifier,
    DCAT_VERSION,
    DCTERMS.issued,
    DCTERMS.modified,
    DCAT.keyword,
    DCTERMS.license,
    DCTERMS.accessRights,
    DCTERMS.language,
    DCAT.theme,
    DCTERMS.publisher,
    DCAT.contactPoint,
    DCTERMS.creator,
    ADMS.identifier,
    DCTERMS.spatial,
    DCTERMS.temporal,
    DCAT.landingPage,
)
# What every resource of the FAIR Data Point (each record, each distribution) states
SHARED = (DCTERMS.publisher, DCTERMS.license, DCAT_VERSION, DCTERMS.language)
AVAILABLE = str(EU_PLANNED_AVAILABILITY.AVAILABLE)  # each build replaces the files
PREFIXES = {
    "adms": str(ADMS),
    "dcatap": str(DCATAP),
    "spdx": str(SPDX),
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "fdp": "https://w3id.org/fdp/fdp-o#",
    "ldp": "http://www.w3.org/ns/ldp#",
}
_Object = ox.NamedNode | ox.Literal


def triple(subject: str, predicate: object, obj: _Object | str) -> ox.Triple:
    value = ox.NamedNode(obj) if isinstance(obj, str) else obj
    return ox.Triple(ox.NamedNode(subject), ox.NamedNode(str(predicate)), value)


def text(value: str) -> ox.Literal:
    return ox.Literal(value, language="en")


def closure(served: Served, roots: Iterable[_Object]) -> list[ox.Triple]:
    """What the metadata graph says of ``roots`` and of what they name in turn (a licence's
    type and that type's scheme ...), never entering the dataset itself."""
    by_subject: dict[str, list[ox.Triple]] = {}
    for t in served.void:
        if isinstance(t.subject, ox.NamedNode):
            by_subject.setdefault(t.subject.value, []).append(t)
    seen = {served.dataset_iri}
    pending = [r.value for r in roots if isinstance(r, ox.NamedNode)]
    found: list[ox.Triple] = []
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in by_subject.get(node, ()):
            found.append(t)
            if isinstance(t.object, ox.NamedNode):
                pending.append(t.object.value)
    return found


def copied(served: Served, subject: str, predicates: Iterable[object]) -> list[ox.Triple]:
    """The dataset's values of ``predicates`` stated of ``subject``, with what the metadata
    graph says of those values."""
    values: list[ox.Triple] = []
    for predicate in predicates:
        values += [
            triple(subject, predicate, v) for v in served.objects(served.dataset_iri, predicate)
        ]
    return values + closure(served, [t.object for t in values])  # type: ignore[misc]


def landing_page(served: Served) -> list[ox.Triple]:
    page = served.landing_page
    return [
        triple(served.dataset_iri, DCAT.landingPage, page),
        triple(page, RDF.type, str(FOAF.Document)),
    ]


def distribution_triples(served: Served, subject: str, file: Distribution) -> list[ox.Triple]:
    """One file of the build as a DCAT distribution described by ``subject``."""
    url = served.download(file.name)
    media = str(IANA_MEDIA_TYPES[file.media_type])
    file_type = str(EU_FILE_TYPE[file.file_type])
    checksum = f"{subject}#sha256"
    triples = [
        triple(subject, RDF.type, str(DCAT.Distribution)),
        triple(subject, DCTERMS.title, text(file.title)),
        triple(subject, DCTERMS.description, text(file.description)),
        triple(subject, DCAT.accessURL, url),
        triple(subject, DCAT.downloadURL, url),
        triple(subject, DCAT.mediaType, media),
        triple(media, RDF.type, str(DCTERMS.MediaType)),
        triple(subject, DCTERMS.format, file_type),
        triple(file_type, RDF.type, str(DCTERMS.MediaTypeOrExtent)),
        triple(
            subject, DCAT.byteSize, ox.Literal(str(file.size), datatype=_xsd("nonNegativeInteger"))
        ),
        triple(subject, SPDX.checksum, checksum),
        triple(checksum, RDF.type, str(SPDX.Checksum)),
        triple(checksum, SPDX.algorithm, str(SPDX.checksumAlgorithm_sha256)),
        triple(str(SPDX.checksumAlgorithm_sha256), RDF.type, str(SPDX.ChecksumAlgorithm)),
        triple(checksum, SPDX.checksumValue, ox.Literal(file.sha256, datatype=_xsd("hexBinary"))),
        triple(subject, DCATAP.availability, AVAILABLE),
        triple(AVAILABLE, RDF.type, str(SKOS.Concept)),
        triple(AVAILABLE, SKOS.prefLabel, text("available")),
        triple(AVAILABLE, SKOS.inScheme, f"{EU_AUTHORITY}planned-availability"),
        triple(f"{EU_AUTHORITY}planned-availability", RDF.type, str(SKOS.ConceptScheme)),
        triple(f"{EU_AUTHORITY}planned-availability", DCTERMS.title, text("Planned availability")),
    ]
    modified = served.modified
    if modified is not None:  # each build issues its files anew
        triples += [
            triple(subject, DCTERMS.issued, modified),
            triple(subject, DCTERMS.modified, modified),
        ]
    return triples + copied(served, subject, SHARED)


def _xsd(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(XSD[name]))


def dataset_document(served: Served) -> list[ox.Triple]:
    """The VoID/DCAT description of the served build (``/.well-known/void``, and ``/`` to an
    RDF client): the metadata graph, the landing page, the SPARQL endpoint and each file."""
    dataset = served.dataset_iri
    triples = [
        *sorted(served.void, key=str),  # the store returns them in no fixed order
        *landing_page(served),
        triple(dataset, VOID.sparqlEndpoint, f"{served.base_url}/sparql"),
        triple(dataset, RDFS.seeAlso, f"{served.base_url}/.well-known/sparql-examples"),
    ]
    for file in served.distributions:
        url = served.download(file.name)
        if file.media_type in GRAPH_DUMP_TYPES and file.name.startswith("smqi."):
            triples.append(triple(dataset, VOID.dataDump, url))
        triples.append(triple(dataset, DCAT.distribution, url))
        triples += distribution_triples(served, url, file)
    return _unique(triples)


GRAPH_DUMP_TYPES = ("application/n-quads", "application/trig", "text/turtle", "application/ld+json")


def _unique(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))
