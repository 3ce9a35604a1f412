"""What a build publishes: each file with its media type, format, title and description.

The loader writes these files into the build; the RO-Crate describes them, and the server
offers them as the dataset's distributions (DCAT, the FAIR Data Point, schema.org), all
from this one table. The sources a build used are copied under ``sources/`` beside them,
so that the crate holds everything it describes; they are inputs, not distributions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from smqi.loader.graph_files import JSONLD_FILE, NQUADS_FILE, TRIG_FILE, TURTLE_FILE

CRATE_FILE = "ro-crate-metadata.json"
CHECKSUMS_FILE = "SHA256SUMS"  # the sha256sum listing of every file of the build
SOURCES_DIR = "sources"
SHAPES_FILE = "shapes.ttl"


@dataclass(frozen=True)
class PublishedFile:
    """One file of a build: its IANA media type, EU file type, title and description."""

    media_type: str
    file_type: str  # a code of the EU file-type authority table, e.g. RDF_TURTLE
    title: str
    description: str


# In display order; every one is a distribution of the dataset.
PUBLISHED: dict[str, PublishedFile] = {
    NQUADS_FILE: PublishedFile(
        "application/n-quads",
        "RDF_N_QUADS",
        "the whole graph, every named graph (N-Quads)",
        "Every statement of the graph with the named graph it belongs to: one graph per "
        "sheet, the review records, vocabularies, alignments, ontology, inferences and "
        "build metadata.",
    ),
    TRIG_FILE: PublishedFile(
        "application/trig",
        "RDF_TRIG",
        "the whole graph, every named graph (TriG)",
        "The same named graphs as the N-Quads file, in TriG.",
    ),
    TURTLE_FILE: PublishedFile(
        "text/turtle",
        "RDF_TURTLE",
        "the union of the named graphs (Turtle)",
        "Every statement of the graph without its named graphs, in Turtle.",
    ),
    JSONLD_FILE: PublishedFile(
        "application/ld+json",
        "JSON_LD",
        "the whole graph (JSON-LD)",
        "The named graphs of the graph as JSON-LD.",
    ),
    "ontology.ttl": PublishedFile(
        "text/turtle",
        "RDF_TURTLE",
        "the OWL ontology (Turtle)",
        "The ontology the graph is described with: classes, properties and their axioms.",
    ),
    "ontology.owl": PublishedFile(
        "application/rdf+xml",
        "RDF_XML",
        "the OWL ontology (RDF/XML)",
        "The same ontology in RDF/XML, for OWL tools that do not read Turtle.",
    ),
    SHAPES_FILE: PublishedFile(
        "text/turtle",
        "RDF_TURTLE",
        "the SHACL shapes the graph was validated with (Turtle)",
        "The constraints every build must satisfy, each with a message for reviewers.",
    ),
    "validation-report.ttl": PublishedFile(
        "text/turtle",
        "RDF_TURTLE",
        "the SHACL validation report (Turtle)",
        "What validating the graph against the shapes found (warnings; a violation "
        "would have stopped the build).",
    ),
    "validation-report.txt": PublishedFile(
        "text/plain",
        "TXT",
        "the validation report (text)",
        "The validation report as text for people.",
    ),
    "build.json": PublishedFile(
        "application/json",
        "JSON",
        "build summary: counts, timings, source checksums (JSON)",
        "What the build did: its identifier, counts of studies, records and statements, "
        "the time of each stage and the checksum of each sheet.",
    ),
    CRATE_FILE: PublishedFile(
        "application/ld+json",
        "JSON_LD",
        "the build as an RO-Crate (JSON-LD)",
        "The RO-Crate metadata of the build: every file it published, the sources it "
        "read and the run that made them.",
    ),
}

# The sources' media types, by suffix (a sheet is CSV or XLSX; records are YAML).
SOURCE_TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".ttl": "text/turtle",
    ".tsv": "text/tab-separated-values",
}


def source_media_type(name: str) -> str | None:
    """The media type of a file under ``sources/``, or None for a name that is not one."""
    path = PurePosixPath(name)
    if path.parts[:1] != (SOURCES_DIR,) or ".." in path.parts or path.is_absolute():
        return None
    return SOURCE_TYPES.get(path.suffix.lower())
