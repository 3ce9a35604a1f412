"""The dataset as schema.org ``Dataset`` markup, which the landing page embeds as JSON-LD:
what Google Dataset Search, DataCite and FAIR evaluators (F-UJI, FAIR-Checker) read from a
landing page when they follow its ``type`` signpost to schema.org/Dataset.

It says what the VoID description and the FAIR Data Point records say (title, description,
licence, build time, files, catalog), from the same values, so the descriptions a harvester
may compare cannot disagree. The reviews are cited as the publications the graph is built
around; the coded dimensions are its variables.
"""

from __future__ import annotations

import pyoxigraph as ox

from smqi.api.evidence.dimensions import DIMENSIONS
from smqi.api.fair.data_point import PUBLISHER, TOPICS, Served
from smqi.api.fair.dataset_description import DOWNLOAD_TITLES, DOWNLOADS, DatasetFacts, dataset_iri
from smqi.loader.terms import DCTERMS, PROV

SCHEMA_CONTEXT = "https://schema.org"


def _value(served: Served, predicate: object) -> str | None:
    value = served.about_dataset(predicate)
    return value.value if value is not None else None


def dataset_markup(served: Served, facts: DatasetFacts) -> dict[str, object] | None:
    """The schema.org Dataset for the served build; None when no dataset is loaded."""
    identifier = dataset_iri(served.base_iri).value
    title = _value(served, DCTERMS.title)
    if title is None:
        return None
    publisher = {"@type": "Organization", "@id": f"{served.root}#publisher", "name": PUBLISHER}
    markup: dict[str, object] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "Dataset",
        "@id": identifier,
        "identifier": identifier,
        "name": title,
        "url": f"{served.base_url}/",
        "sameAs": served.dataset,
        "isAccessibleForFree": True,
        "keywords": [topic.replace("-", " ") for topic in TOPICS],
        "creator": publisher,
        "publisher": publisher,
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "@id": served.catalog,
            "name": "SMQI Evidence Graph catalog",
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
        "distribution": [
            {
                "@type": "DataDownload",
                "name": DOWNLOAD_TITLES[name],
                "contentUrl": served.download(name),
                "encodingFormat": DOWNLOADS[name],
            }
            for name in served.downloads
        ],
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
    optional = {
        "description": _value(served, DCTERMS.description),
        "license": _value(served, DCTERMS.license),
        "dateModified": _value(served, DCTERMS.modified),
    }
    markup |= {key: value for key, value in optional.items() if value is not None}
    build = served.about_dataset(PROV.wasGeneratedBy)
    if isinstance(build, ox.NamedNode):
        markup["version"] = build.value.rsplit("/", 1)[-1]
    return markup
