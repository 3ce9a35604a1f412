"""The dataset's description from a manifest that gives every field (a SYNTHETIC team's:
example.org, the ORCID documentation's sample iD, a 10.5555 test DOI): DCAT-AP 3.0.1's
shapes find nothing missing that the manifest supplies, and the RO-Crate says the same."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
import rdflib

from smqi.loader.crate import Run, crate_metadata
from smqi.loader.description import Country, Scope, Theme, description_quads, licence_types
from smqi.loader.manifest import ContactPoint, DatasetMetadata, Organisation, Person
from smqi.loader.terms import ADMS_PUBLISHER_TYPE, DCAT, DCTERMS, EU_COUNTRY
from tests.api import fair_shapes

BASE = "https://example.org/synthetic-review/id/"
METADATA = DatasetMetadata(
    title="SYNTHETIC review graph",
    description="A SYNTHETIC dataset for tests.",
    license="https://creativecommons.org/licenses/by-sa/4.0/",
    base_iri=BASE,
    publisher=Organisation(
        "SYNTHETIC team", "https://example.org/", str(ADMS_PUBLISHER_TYPE.NonProfitOrganisation)
    ),
    contact_point=ContactPoint("SYNTHETIC team", "team@example.org"),
    creators=(Person("SYNTHETIC Person", "https://orcid.org/0000-0002-1825-0097"),),
    version="2.1.0",
    issued=dt.date(2026, 1, 15),
    keywords=("synthetic",),
    doi="10.5555/synthetic",
)
SCOPE = Scope(
    countries=[Country("https://w3id.org/smqi/vocab/country/GB", "GBR", "United Kingdom")],
    years=(2014, 2020),
    theme_scheme="https://w3id.org/smqi/vocab/topic",
    theme_scheme_title="Topics",
    themes=[Theme("https://w3id.org/smqi/vocab/topic/social-media", "social media")],
)
MODIFIED = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)


def described() -> rdflib.Graph:
    lines = description_quads(METADATA, SCOPE, BASE, f"{BASE}graph/metadata", MODIFIED)
    store = ox.Store()
    store.load("".join(lines).encode(), format=ox.RdfFormat.N_QUADS)
    text = store.dump(format=ox.RdfFormat.N_QUADS) or b""
    dataset = rdflib.Dataset()
    dataset.parse(data=text, format="nquads")
    graph = rdflib.Graph()
    for s, p, o, _ in dataset.quads():
        graph.add((s, p, o))
    return graph


def test_every_field_the_manifest_gives_satisfies_dcat_ap() -> None:
    graph = described()
    # a distribution is the server's to describe: give the dataset one to check the rest
    download = rdflib.URIRef("https://example.org/downloads/graph.nq")
    graph.add((rdflib.URIRef(f"{BASE}dataset"), DCAT.distribution, download))
    graph.add((download, rdflib.RDF.type, DCAT.Distribution))
    graph.add((download, DCAT.accessURL, download))
    assert fair_shapes.run(graph, fair_shapes.dcat_ap_mandatory()) == set()
    warnings = fair_shapes.run(graph, fair_shapes.dcat_ap_recommended())
    dataset_or_agents = {r for r in warnings if r.focus.startswith(BASE) or "orcid" in r.focus}
    # a creator's ADMS type: a manifest gives none for a person
    person_type = {r for r in dataset_or_agents if "orcid" in r.focus and r.path.endswith("/type")}
    assert dataset_or_agents - person_type == set(), sorted(dataset_or_agents)
    # only what no manifest gives: the location's bounding box and centroid, and the
    # distribution's own fields (the server's)
    assert {r.path.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for r in warnings} <= {
        "bbox",
        "centroid",
        "description",
        "availability",
        "format",
        "license",
        "type",
    }


def test_the_description_states_what_the_manifest_gives() -> None:
    graph = described()
    dataset = rdflib.URIRef(f"{BASE}dataset")
    assert str(graph.value(dataset, rdflib.URIRef(f"{DCAT}version"))) == "2.1.0"
    assert graph.value(dataset, DCTERMS.creator) == rdflib.URIRef(
        "https://orcid.org/0000-0002-1825-0097"
    )
    contact = graph.value(dataset, DCAT.contactPoint)
    vcard = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
    assert graph.value(contact, vcard.hasEmail) == rdflib.URIRef("mailto:team@example.org")
    assert str(graph.value(dataset, DCTERMS.issued)) == "2026-01-15T00:00:00+00:00"
    assert rdflib.URIRef("https://doi.org/10.5555/synthetic") in set(
        graph.objects(dataset, rdflib.URIRef("http://www.w3.org/ns/adms#identifier"))
    )
    assert graph.value(dataset, DCTERMS.spatial) == rdflib.URIRef(str(EU_COUNTRY.GBR))
    period = graph.value(dataset, DCTERMS.temporal)
    assert (str(graph.value(period, DCAT.startDate)), str(graph.value(period, DCAT.endDate))) == (
        "2014",
        "2020",
    )


def test_licence_types_are_read_off_creative_commons_licences() -> None:
    adms = "http://purl.org/adms/licencetype/"
    assert licence_types("https://creativecommons.org/licenses/by/4.0/") == [f"{adms}Attribution"]
    assert licence_types("https://creativecommons.org/licenses/by-nc-nd/4.0/") == [
        f"{adms}Attribution",
        f"{adms}NonCommercialUseOnly",
        f"{adms}NoDerivativeWork",
    ]
    assert licence_types("https://creativecommons.org/publicdomain/zero/1.0/") == [
        f"{adms}PublicDomain"
    ]
    assert licence_types("https://opensource.org/licenses/MIT") == []


def test_the_crate_says_what_the_description_says() -> None:
    run = Run(f"{BASE}build/20260201T120000Z", MODIFIED, MODIFIED, "0.1.0")
    crate = crate_metadata(METADATA, SCOPE, BASE, run, [])
    root = next(e for e in crate["@graph"] if e["@id"] == "./")
    assert (root["name"], root["version"], root["license"]["@id"]) == (
        METADATA.title,
        "2.1.0",
        METADATA.license,
    )
    assert root["datePublished"] == "2026-01-15"
    assert root["identifier"] == [f"{BASE}dataset", "https://doi.org/10.5555/synthetic"]
    assert root["author"] == root["creator"] == [{"@id": "https://orcid.org/0000-0002-1825-0097"}]
    assert root["spatialCoverage"] == [{"@id": str(EU_COUNTRY.GBR)}]
    assert root["temporalCoverage"] == "2014/2020"
