"""The one registry of the media types the API writes, the names ``?format=`` and the CLI's
``--format`` give them, the other media types clients send for them, and reading an Accept
header (RFC 9110 section 12.5.1) to choose among the ones a resource offers.

A short name or an alias may mean different types for different resources ("json" is
SPARQL JSON for a table of results, JSON-LD for a graph, plain JSON for an evidence table):
names are always resolved among the types the resource offers, in the order it offers them.
No FastAPI here: the store, the routers and the command line all read this table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
RDF_XML = "application/rdf+xml"
JSON_LD = "application/ld+json"
N_QUADS = "application/n-quads"
TRIG = "application/trig"
HTML = "text/html"
JSON = "application/json"

W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class MediaFormat:
    """One media type: its short names (the first is the one to show), the other media types
    that mean it, its name for people, and its W3C format IRI (SPARQL Service Description)."""

    media_type: str
    names: tuple[str, ...]
    label: str
    aliases: tuple[str, ...] = ()
    w3c: str | None = None  # the local name under http://www.w3.org/ns/formats/

    @property
    def format_iri(self) -> str | None:
        return f"{W3C_FORMATS}{self.w3c}" if self.w3c else None


FORMATS: tuple[MediaFormat, ...] = (
    MediaFormat(SPARQL_JSON, ("json", "srj"), "SPARQL JSON", (JSON,), "SPARQL_Results_JSON"),
    MediaFormat(
        SPARQL_XML, ("xml", "srx"), "SPARQL XML", ("application/xml", "text/xml"),
        "SPARQL_Results_XML",
    ),
    MediaFormat(CSV, ("csv",), "CSV", (), "SPARQL_Results_CSV"),
    MediaFormat(TSV, ("tsv",), "TSV", (), "SPARQL_Results_TSV"),
    MediaFormat(TURTLE, ("ttl", "turtle", "n3"), "Turtle", ("application/x-turtle",), "Turtle"),
    MediaFormat(JSON_LD, ("jsonld", "json-ld", "json"), "JSON-LD", (JSON,), "JSON-LD"),
    MediaFormat(
        RDF_XML, ("rdf", "rdfxml", "rdf+xml", "xml", "owl"), "RDF/XML",
        ("application/xml", "text/xml"), "RDF_XML",
    ),
    MediaFormat(
        N_TRIPLES, ("nt", "ntriples", "n-triples"), "N-Triples", ("text/plain",), "N-Triples"
    ),
    MediaFormat(N_QUADS, ("nq", "nquads", "n-quads"), "N-Quads", ("text/x-nquads",), "N-Quads"),
    MediaFormat(TRIG, ("trig",), "TriG", ("application/x-trig",), "TriG"),
    MediaFormat(HTML, ("html",), "HTML", ("application/xhtml+xml",)),
    MediaFormat(JSON, ("json",), "JSON"),
)  # fmt: skip
BY_TYPE = {found.media_type: found for found in FORMATS}

# What each kind of answer is offered in, in order of preference.
RESULTS_TYPES = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
GRAPH_TYPES = (TURTLE, JSON_LD, RDF_XML, N_TRIPLES, N_QUADS, TRIG)
TABLE_TYPES = (JSON, CSV)

_RDF_FORMATS = {
    TURTLE: ox.RdfFormat.TURTLE,
    JSON_LD: ox.RdfFormat.JSON_LD,
    RDF_XML: ox.RdfFormat.RDF_XML,
    N_TRIPLES: ox.RdfFormat.N_TRIPLES,
    N_QUADS: ox.RdfFormat.N_QUADS,
    TRIG: ox.RdfFormat.TRIG,
}
_RESULTS_FORMATS = {
    SPARQL_JSON: ox.QueryResultsFormat.JSON,
    SPARQL_XML: ox.QueryResultsFormat.XML,
    CSV: ox.QueryResultsFormat.CSV,
    TSV: ox.QueryResultsFormat.TSV,
}


def rdf_format(media_type: str) -> ox.RdfFormat:
    """pyoxigraph's format for one of GRAPH_TYPES."""
    return _RDF_FORMATS[media_type]


def results_format(media_type: str) -> ox.QueryResultsFormat:
    """pyoxigraph's format for one of RESULTS_TYPES."""
    found = _RESULTS_FORMATS.get(media_type)
    if found is None:
        raise ValueError(f"{media_type} is not a SPARQL results type")
    return found


def aliases(offered: Iterable[str]) -> dict[str, str]:
    """Other media types meaning one of ``offered``, each mapped to the first it may mean."""
    offered = tuple(offered)
    found: dict[str, str] = {}
    for media_type in offered:
        for alias in BY_TYPE[media_type].aliases if media_type in BY_TYPE else ():
            if alias not in offered:
                found.setdefault(alias, media_type)
    return found


def named(name: str, offered: Sequence[str]) -> str | None:
    """The offered type a ``format`` value names: a short name, a media type or an alias."""
    key = name.strip().lower()
    if key in offered:
        return key
    for media_type in offered:
        known = BY_TYPE.get(media_type)
        if known is not None and key in known.names:
            return media_type
    return aliases(offered).get(key)


def names(offered: Sequence[str]) -> list[str]:
    """The short names that name one of ``offered``, for messages and help."""
    found = {n for t in offered if t in BY_TYPE for n in BY_TYPE[t].names if named(n, offered) == t}
    return sorted(found)


def format_values(offered: Sequence[str]) -> list[str]:
    """What ``?format=`` takes to choose one of ``offered``: a short name or the media type
    itself, sorted (for the OpenAPI document's enums)."""
    return sorted({*names(offered), *offered})


@dataclass(frozen=True)
class MediaRange:
    """One item of an Accept header: ``type/subtype`` (either may be ``*``) and its quality."""

    type: str
    subtype: str
    quality: float

    def specificity(self, media_type: str) -> int:
        """-1 when this range does not cover ``media_type``; else 0 (*/*), 1 (type/*), 2."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(accept: str, aliases: Mapping[str, str]) -> list[MediaRange]:
    """The media ranges of an Accept header, aliases read as what they mean; malformed items
    are skipped."""
    ranges = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        media = media.lower()
        if media.count("/") != 1:
            continue
        main, sub = aliases.get(media, media).split("/")
        ranges.append(MediaRange(main, sub, quality(params)))
    return ranges


def quality(params: Iterable[str]) -> float:
    """The ``q`` of an Accept or Accept-Encoding item's parameters: 1 when absent, 0 when
    unreadable, else clamped to [0, 1]."""
    found = 1.0
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                found = min(1.0, max(0.0, float(value)))
            except ValueError:
                found = 0.0
    return found


def choose(
    accept: str | None, offered: Sequence[str], aliases_: Mapping[str, str] | None = None
) -> str | None:
    """The offered type the client rates highest, ties going to the earlier offer.

    Each offered type takes the quality of the most specific range covering it; the other
    media types that mean an offered one (``aliases``) count as it. No Accept header means
    anything; None when nothing offered is acceptable.
    """
    known = aliases(offered) if aliases_ is None else aliases_
    ranges = parse_accept(accept, known) if accept and accept.strip() else []
    if not ranges:
        return offered[0] if offered else None
    best, best_quality = None, 0.0
    for media_type in offered:
        covering = [(r.specificity(media_type), r.quality) for r in ranges]
        specificity, quality_ = max(covering)
        if specificity >= 0 and quality_ > best_quality:
            best, best_quality = media_type, quality_
    return best
