"""FAIR Signposting (https://signposting.org/FAIR/): the typed links each resource carries.

Level 1, in every answer's ``Link`` header:

- the landing page (``/``): ``cite-as`` the dataset's persistent identifier, ``author``
  each creator's ORCID iD, ``describedby`` its metadata documents, ``item`` each file,
  ``license``, ``type`` (schema.org Dataset and AboutPage) and ``linkset`` the link set;
- each file (``/downloads/...``): ``collection`` the landing page, and its licence;
- each metadata document (VoID, the FAIR Data Point records, the RO-Crate): ``describes``
  the landing page;
- each resource the graph mints (``/id/``, ``/vocab/``, ``/ontology``): ``cite-as`` its IRI,
  ``describedby`` its Turtle and JSON-LD, its licence and ``collection`` the landing page.

Level 2: ``/linkset`` gives the landing page's, the files' and the metadata documents'
links together, anchored, as RFC 9264 link sets.
"""

from __future__ import annotations

from smqi.api.fair.served import Served
from smqi.api.http.signposting import LINKSET, LINKSET_JSON, Link
from smqi.loader.published import CRATE_FILE
from smqi.loader.terms import DCTERMS, ONTOLOGY_IRI, VOCAB

HTML = "text/html"
TURTLE = "text/turtle"
JSON_LD = "application/ld+json"
RO_CRATE_PROFILE = "https://w3id.org/ro/crate"
MINTED_PREFIXES = ("/id/", "/vocab/")
METADATA_PREFIXES = ("/fdp",)
METADATA_PATHS = ("/.well-known/void",)


def _licence(served: Served) -> list[Link]:
    licence = served.text(DCTERMS.license)
    return [Link(licence, "license")] if licence else []


def metadata_documents(served: Served) -> list[Link]:
    """The documents that describe the dataset, as ``describedby`` links."""
    links = [
        Link(f"{served.base_url}/.well-known/void", "describedby", TURTLE),
        Link(served.dataset, "describedby", TURTLE),
    ]
    if CRATE_FILE in served.downloads:
        crate = served.download(CRATE_FILE)
        links.append(Link(crate, "describedby", JSON_LD, RO_CRATE_PROFILE))
    return links


def landing_page_links(served: Served) -> list[Link]:
    creators = [c.value for c in served.objects(served.dataset_iri, DCTERMS.creator)]
    linkset = f"{served.base_url}/linkset"
    return [
        Link(served.dataset_iri, "cite-as"),
        *(
            Link(creator, "author")
            for creator in creators
            if creator.startswith("https://orcid.org/")
        ),
        *metadata_documents(served),
        *(Link(served.download(d.name), "item", d.media_type) for d in served.distributions),
        *_licence(served),
        Link("https://schema.org/Dataset", "type"),
        Link("https://schema.org/AboutPage", "type"),
        Link(linkset, "linkset", LINKSET_JSON),
        Link(linkset, "linkset", LINKSET),
    ]


def item_links(served: Served) -> list[Link]:
    return [Link(served.landing_page, "collection", HTML), *_licence(served)]


def metadata_links(served: Served) -> list[Link]:
    return [Link(served.landing_page, "describes", HTML)]


def minted_links(served: Served, path: str) -> list[Link]:
    """A resource the graph mints, answered at ``path`` (``/id/...``, ``/vocab/...``,
    ``/ontology``): its IRI, its RDF, its licence and the dataset it belongs to."""
    if path.startswith("/id/"):
        iri = served.base_iri + path.removeprefix("/id/")
    elif path.startswith("/vocab/"):
        iri = str(VOCAB) + path.removeprefix("/vocab/")
    else:
        iri = ONTOLOGY_IRI + path.removeprefix("/ontology")
    here = served.base_url + path
    return [
        Link(iri, "cite-as"),
        Link(f"{here}?format=ttl", "describedby", TURTLE),
        Link(f"{here}?format=jsonld", "describedby", JSON_LD),
        *_licence(served),
        Link(served.landing_page, "collection", HTML),
    ]


def is_metadata(path: str) -> bool:
    return path in METADATA_PATHS or path == "/fdp" or path.startswith("/fdp/")


def is_minted(path: str) -> bool:
    return path.startswith(MINTED_PREFIXES) or path == "/ontology" or path.startswith("/ontology/")


def links_for(served: Served, path: str) -> list[Link]:
    """The level-1 signposts of the answer on ``path`` (none for other resources)."""
    if path == "/":
        return landing_page_links(served)
    if path.startswith("/downloads/"):
        links = item_links(served)
        if path == f"/downloads/{CRATE_FILE}":
            links += metadata_links(served)
        return links
    if is_metadata(path):
        return metadata_links(served)
    if is_minted(path):
        return minted_links(served, path)
    return []


def linkset(served: Served) -> list[Link]:
    """The level-2 link set: the landing page's links, each file's and each metadata
    document's, anchored."""
    landing = served.landing_page
    links = [
        _anchored(link, landing) for link in landing_page_links(served) if link.rel != "linkset"
    ]
    for file in served.distributions:
        anchor = served.download(file.name)
        links += [_anchored(link, anchor) for link in item_links(served)]
        if file.name == CRATE_FILE:
            links += [_anchored(link, anchor) for link in metadata_links(served)]
    for document in metadata_documents(served):
        if document.target != served.download(CRATE_FILE):
            links += [_anchored(link, document.target) for link in metadata_links(served)]
    return links


def _anchored(link: Link, anchor: str) -> Link:
    return Link(link.target, link.rel, link.type, link.profile, anchor)


def wants(path: str) -> bool:
    """Whether answers on ``path`` carry signposts."""
    return path == "/" or path.startswith("/downloads/") or is_metadata(path) or is_minted(path)
