"""Every namespace IRI the project uses, defined once.

Terms of our own ontology are looked up through ``SMQI``; a test checks that every
``SMQI.<term>`` used in code is declared in ``ontology/smqi.ttl``.
"""

from rdflib import Namespace, URIRef
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

# What DCAT-AP and the FAIR Data Point describe a dataset with, beyond DCAT itself
DCAT_VERSION = URIRef(f"{DCAT}version")  # DCAT 3; rdflib's DCAT (2) does not list it
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
FDP_O = Namespace("https://w3id.org/fdp/fdp-o#")
LDP = Namespace("http://www.w3.org/ns/ldp#")
IANA_MEDIA_TYPES = Namespace("https://www.iana.org/assignments/media-types/")
# The EU Publications Office's authority tables (the controlled vocabularies DCAT-AP names)
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
EU_COUNTRY = Namespace(f"{EU_AUTHORITY}country/")
EU_LANGUAGE = Namespace(f"{EU_AUTHORITY}language/")
EU_DATA_THEME = Namespace(f"{EU_AUTHORITY}data-theme/")
EU_ACCESS_RIGHT = Namespace(f"{EU_AUTHORITY}access-right/")
EU_FILE_TYPE = Namespace(f"{EU_AUTHORITY}file-type/")
EU_PLANNED_AVAILABILITY = Namespace(f"{EU_AUTHORITY}planned-availability/")
ADMS_LICENCE_TYPE = Namespace("http://purl.org/adms/licencetype/")
ADMS_PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")
ISO639_1 = Namespace("http://id.loc.gov/vocabulary/iso639-1/")

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
    "ADMS",
    "ADMS_LICENCE_TYPE",
    "ADMS_PUBLISHER_TYPE",
    "BIBO",
    "CITO",
    "DCAT",
    "DCATAP",
    "DCAT_VERSION",
    "DCTERMS",
    "DEFAULT_BASE",
    "DQV",
    "EU_ACCESS_RIGHT",
    "EU_AUTHORITY",
    "EU_COUNTRY",
    "EU_DATA_THEME",
    "EU_FILE_TYPE",
    "EU_LANGUAGE",
    "EU_PLANNED_AVAILABILITY",
    "FABIO",
    "FDP_O",
    "FOAF",
    "FRBR",
    "IANA_MEDIA_TYPES",
    "ISO639_1",
    "LDP",
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
    "SPDX",
    "VANN",
    "VCARD",
    "VOCAB",
    "VOID",
    "WIKIDATA",
    "XSD",
]
