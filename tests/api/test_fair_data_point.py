"""The FAIR Data Point, walked as a harvester walks it: from /fdp to the catalog, the dataset,
each distribution and the file it offers, checking each record's FDP fields on the way."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
import yaml
from fastapi.testclient import TestClient
from rdflib import Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.term import Node

from smqi.loader import terms
from smqi.loader.terms import DEFAULT_BASE
from tests.paths import REPO

from .test_service_description import BASE, get_graph

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*"),
]


FDP_O = Namespace("https://w3id.org/fdp/fdp-o#")
LDP = Namespace("http://www.w3.org/ns/ldp#")


def record(client: TestClient, iri: Node) -> rdflib.Graph:
    assert str(iri).startswith(f"{BASE}/fdp"), iri  # every record is served here
    return get_graph(client, str(iri).removeprefix(BASE))


def one(graph: rdflib.Graph, subject: Node, predicate: URIRef) -> Node:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, (subject, predicate, values)
    return values[0]


def manifest() -> dict[str, object]:
    loaded = yaml.safe_load((REPO / "data" / "manifest.yaml").read_text(encoding="utf-8"))
    return loaded["dataset"]  # type: ignore[no-any-return]


def check_record(graph: rdflib.Graph, iri: Node, kind: URIRef, built: Node) -> None:
    """The fields the FDP specification requires of every metadata record, with the values
    the manifest gives."""
    dataset = manifest()
    assert (iri, terms.RDF.type, kind) in graph
    assert str(one(graph, iri, terms.DCTERMS.title))
    publisher = one(graph, iri, terms.DCTERMS.publisher)
    assert str(one(graph, publisher, terms.FOAF.name)) == dataset["publisher"]["name"]  # type: ignore[index]
    assert one(graph, iri, terms.DCTERMS.license) == URIRef(str(dataset["license"]))
    assert str(one(graph, iri, terms.DCAT_VERSION)) == dataset["version"]
    assert isinstance(one(graph, iri, terms.DCTERMS.conformsTo), URIRef)
    identifier = one(graph, iri, FDP_O.metadataIdentifier)
    assert str(one(graph, identifier, terms.DCTERMS.identifier)) == str(iri)
    issued = one(graph, iri, FDP_O.metadataIssued)
    assert isinstance(issued, rdflib.Literal) and issued.datatype == terms.XSD.dateTime
    assert issued.toPython().date() == dataset["issued"]  # the manifest's, not the build's
    modified = one(graph, iri, FDP_O.metadataModified)
    assert isinstance(modified, rdflib.Literal) and modified.datatype == terms.XSD.dateTime
    assert str(modified) == str(built)  # the served build's time


def check_container(
    graph: rdflib.Graph, container: Node, member_of: Node, relation: URIRef
) -> set[Node]:
    """An LDP direct container listing exactly the members the relation states."""
    assert (container, terms.RDF.type, LDP.DirectContainer) in graph
    assert one(graph, container, LDP.membershipResource) == member_of
    assert one(graph, container, LDP.hasMemberRelation) == relation
    members = set(graph.objects(container, LDP.contains))
    assert members == set(graph.objects(member_of, relation))
    return members


def test_a_harvester_walks_from_the_fdp_to_every_file(
    client: TestClient,
    built_data: Path,
) -> None:
    void = get_graph(client, "/.well-known/void")
    built = one(void, URIRef(f"{DEFAULT_BASE}dataset"), terms.DCTERMS.modified)

    root = URIRef(f"{BASE}/fdp")
    fdp = record(client, root)
    check_record(fdp, root, FDP_O.FAIRDataPoint, built)
    assert str(one(fdp, root, FDP_O.conformsToFdpSpec)) == "1.2"
    assert one(fdp, root, terms.DCAT.endpointURL) == root
    [catalog] = check_container(fdp, URIRef(f"{root}/catalog/"), root, FDP_O.metadataCatalog)

    catalogue = record(client, catalog)
    check_record(catalogue, catalog, terms.DCAT.Catalog, built)
    assert set(catalogue.objects(catalog, terms.DCAT.themeTaxonomy)) == {
        terms.VOCAB.topic,
        URIRef("http://publications.europa.eu/resource/authority/data-theme"),
    }
    [dataset] = check_container(
        catalogue, URIRef(f"{catalog}/dataset/"), catalog, terms.DCAT.dataset
    )

    described = record(client, dataset)
    check_record(described, dataset, terms.DCAT.Dataset, built)
    assert one(described, dataset, terms.DCTERMS.isPartOf) == catalog
    assert one(described, dataset, terms.OWL.sameAs) == URIRef(f"{DEFAULT_BASE}dataset")
    themes = set(described.objects(dataset, terms.DCAT.theme))
    topics = rdflib.Graph().parse(REPO / "ontology" / "vocabularies" / "topic.ttl")
    health = URIRef("http://publications.europa.eu/resource/authority/data-theme/HEAL")
    assert themes == {*topics.objects(terms.VOCAB.topic, terms.SKOS.hasTopConcept), health}
    distributions = check_container(
        described, URIRef(f"{dataset}/distribution/"), dataset, terms.DCAT.distribution
    )

    files = sorted(p.name for p in (built_data / "build").iterdir() if p.is_file())
    files.remove("SHA256SUMS")  # the checksums of the distributions, not one of them
    assert sorted(str(d).rsplit("/", 1)[1] for d in distributions) == files
    for distribution in distributions:
        offered = record(client, distribution)
        check_record(offered, distribution, terms.DCAT.Distribution, built)
        assert one(offered, distribution, terms.DCTERMS.isPartOf) == dataset
        url = str(one(offered, distribution, terms.DCAT.downloadURL))
        response = client.get(url.removeprefix(BASE))
        assert response.status_code == 200, url
        media_type = str(one(offered, distribution, terms.DCAT.mediaType)).split("media-types/")[1]
        assert response.headers["content-type"].split(";")[0] == media_type
        assert response.content == (built_data / "build" / url.rsplit("/", 1)[1]).read_bytes()


@pytest.mark.parametrize("media_type", ["application/ld+json", "application/rdf+xml"])
def test_each_record_is_the_same_graph_in_every_type(
    client: TestClient,
    media_type: str,
) -> None:
    for path in ("/fdp", "/fdp/catalog/smqi", "/fdp/dataset/smqi", "/fdp/distribution/smqi.nq"):
        assert isomorphic(get_graph(client, path, media_type), get_graph(client, path)), path


def test_an_unknown_distribution_is_not_found(client: TestClient) -> None:
    response = client.get("/fdp/distribution/secrets.txt")
    assert response.status_code == 404
    assert "no distribution named 'secrets.txt'" in response.json()["message"]
