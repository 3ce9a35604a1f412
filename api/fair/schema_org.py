"""The dataset as schema.org ``Dataset`` markup, which the landing page embeds as JSON-LD:
what Google Dataset Search, DataCite and FAIR evaluators (F-UJI, FAIR-Checker) read from a
landing page when they follow its ``type`` signpost to schema.org/Dataset.

It says what the VoID description and the FAIR Data Point records say (title, description,
licence, version, dates, publisher, creators, keywords, coverage, files with their sizes and
SHA-256), from the same values, so the descriptions a harvester may compare cannot
disagree. The reviews are cited as the publications the graph is built around; the coded
dimensions are its variables.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from smqi.api.evidence.dimensions import DIMENSIONS
from smqi.api.fair.dataset_description import DatasetFacts
from smqi.api.fair.served import Served
from smqi.loader.terms import DCAT, DCAT_VERSION, DCTERMS, FOAF, SKOS, VCARD

SCHEMA_CONTEXT = "https://schema.org"


def _values(served: Served, subject: str, predicate: object) -> list[str]:
    return [v.value for v in served.objects(subject, predicate)]


def _first(served: Served, subject: str, predicate: object) -> str | None:
    values = _values(served, subject, predicate)
    return values[0] if values else None


def _agent(served: Served, iri: str, kind: str) -> dict[str, Any]:
    agent: dict[str, Any] = {"@type": kind, "@id": iri, "name": _first(served, iri, FOAF.name)}
    if homepage := _first(served, iri, FOAF.homepage):
        agent["url"] = homepage
    return agent


def _coverage(served: Served) -> dict[str, Any]:
    dataset = served.dataset_iri
    places = [
        {
            "@type": "Place",
            "@id": place,
            "name": _first(served, place, SKOS.prefLabel),
            "sameAs": _values(served, place, SKOS.exactMatch),
        }
        for place in _values(served, dataset, DCTERMS.spatial)
    ]
    coverage: dict[str, Any] = {"spatialCoverage": places} if places else {}
    for period in _values(served, dataset, DCTERMS.temporal):
        start, end = _first(served, period, DCAT.startDate), _first(served, period, DCAT.endDate)
        if start and end:
            coverage["temporalCoverage"] = f"{start}/{end}"
    return coverage


def _people(served: Served) -> dict[str, Any]:
    dataset = served.dataset_iri
    found: dict[str, Any] = {}
    if publisher := _first(served, dataset, DCTERMS.publisher):
        found["publisher"] = _agent(served, publisher, "Organization")
    creators = [_agent(served, c, "Person") for c in _values(served, dataset, DCTERMS.creator)]
    if creators:
        found["creator"] = creators
    if contact := _first(served, dataset, DCAT.contactPoint):
        email = _first(served, contact, VCARD.hasEmail)
        found["contactPoint"] = {
            "@type": "ContactPoint",
            "@id": contact,
            "name": _first(served, contact, VCARD.fn),
            **({"email": email.removeprefix("mailto:")} if email else {}),
        }
    return found


def _distributions(served: Served) -> list[dict[str, Any]]:
    modified = served.modified
    licence = served.text(DCTERMS.license)
    return [
        {
            "@type": "DataDownload",
            "@id": served.download(file.name),
            "name": file.title,
            "description": file.description,
            "contentUrl": served.download(file.name),
            "encodingFormat": file.media_type,
            "contentSize": str(file.size),
            "sha256": file.sha256,
            **({"dateModified": modified.value} if modified is not None else {}),
            **({"license": licence} if licence else {}),
        }
        for file in served.distributions
    ]


def dataset_markup(served: Served, facts: DatasetFacts) -> dict[str, object] | None:
    """The schema.org Dataset for the served build; None when no dataset is loaded."""
    dataset = served.dataset_iri
    title = served.text(DCTERMS.title)
    if title is None:
        return None
    identifiers = _values(served, dataset, DCTERMS.identifier)
    markup: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "Dataset",
        "@id": dataset,
        "identifier": identifiers or [dataset],
        "name": title,
        "url": served.landing_page,
        "sameAs": served.dataset,
        "isAccessibleForFree": True,
        "inLanguage": "en",
        "keywords": _values(served, dataset, DCAT.keyword),
        **_people(served),
        **_coverage(served),
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "@id": served.catalog,
            "name": f"{title} catalog",
            "url": served.catalog,
        },
        "variableMeasured": [
            {
                "@type": "PropertyValue",
                "name": dimension.words,
                "propertyID": dimension.predicate,
                "url": f"{served.base_url}/concepts/{dimension.scheme}",
            }
            for dimension in DIMENSIONS
        ],
        "distribution": _distributions(served),
        "citation": [
            {
                "@type": "ScholarlyArticle",
                "@id": f"https://doi.org/{review.doi}",
                "identifier": f"https://doi.org/{review.doi}",
                "name": review.title,
                **({"description": review.citation} if review.citation else {}),
            }
            for review in facts.reviews
            if review.doi
        ],
    }
    issued = served.about_dataset(DCTERMS.issued)
    optional = {
        "description": served.text(DCTERMS.description),
        "license": served.text(DCTERMS.license),
        "version": served.text(DCAT_VERSION),
        "datePublished": issued.value[:10] if isinstance(issued, ox.Literal) else None,
        "dateModified": served.text(DCTERMS.modified),
    }
    return markup | {key: value for key, value in optional.items() if value is not None}
