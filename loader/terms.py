"""Every namespace IRI the project uses, defined once.

Terms of our own ontology are looked up through ``SMQI``; a test checks that every
``SMQI.<term>`` used in code is declared in ``ontology/smqi.ttl``.
"""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

SMQI = Namespace("https://w3id.org/smqi/ontology#")
ONTOLOGY_IRI = "https://w3id.org/smqi/ontology"
VOCAB = Namespace("https://w3id.org/smqi/vocab/")
DEFAULT_BASE = "https://w3id.org/smqi/id/"

FABIO = Namespace("http://purl.org/spar/fabio/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
PRISM = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
CITO = Namespace("http://purl.org/spar/cito/")
FRBR = Namespace("http://purl.org/vocab/frbr/core#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SCHEMA = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VANN = Namespace("http://purl.org/vocab/vann/")

MESH = Namespace("http://id.nlm.nih.gov/mesh/")
WIKIDATA = Namespace("http://www.wikidata.org/entity/")

PREFIXES: dict[str, Namespace] = {
    "smqi": SMQI,
    "vocab": VOCAB,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "skos": Namespace(str(SKOS)),
    "dcterms": Namespace(str(DCTERMS)),
    "dcat": Namespace(str(DCAT)),
    "prov": Namespace(str(PROV)),
    "void": Namespace(str(VOID)),
    "fabio": FABIO,
    "bibo": BIBO,
    "prism": PRISM,
    "cito": CITO,
    "frbr": FRBR,
    "dqv": DQV,
    "foaf": FOAF,
    "schema": SCHEMA,
    "sh": SH,
    "sd": SD,
    "mesh": MESH,
    "wd": WIKIDATA,
}

__all__ = [
    "BIBO",
    "CITO",
    "DCAT",
    "DCTERMS",
    "DEFAULT_BASE",
    "DQV",
    "FABIO",
    "FOAF",
    "FRBR",
    "MESH",
    "ONTOLOGY_IRI",
    "OWL",
    "PREFIXES",
    "PRISM",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SD",
    "SH",
    "SKOS",
    "SMQI",
    "VANN",
    "VOCAB",
    "VOID",
    "WIKIDATA",
    "XSD",
]
