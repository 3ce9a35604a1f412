"""Who coded a record, in what role, and the study's published report.

A collection codes a study once (a sole coder's record) unless its sheets declare several
coders (``manifest`` module): then each independent coder's row is a record of its own,
attributed to that coder, and a consensus row is the collection's record of the study,
derived from the independent ones. The record IRIs keep the single-coder form for the
record that stands for the collection (sole or consensus), so that existing IRIs stay:

    B record/{collection}/{study}                       sole coder, or the consensus
    B record/{collection}/{study}/coder/{coder}         an independent coder's record
    {record}/attribution                                prov:qualifiedAttribution

A study (a FaBiO work) is realised by its report (a FaBiO expression), whose IRI is the
report's DOI IRI, else its PubMed IRI, else one minted beside the study's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from smqi.loader import ntriples as nt
from smqi.loader.errors import SheetError
from smqi.loader.manifest import CODER_ROLES, Mapping
from smqi.loader.sheets import Row, Sheet
from smqi.loader.terms import BIBO, FRBR, PROV, RDF, SCHEMA, SMQI

ROLE_IRIS = {
    "independent": str(SMQI.independentCoder),
    "consensus": str(SMQI.consensusCoder),
    "sole": str(SMQI.soleCoder),
}
# What a reviewer may write in a coder-role cell, by role.
ROLE_LABELS = {
    "independent": ("independent", "independent coder", "independent extraction", "coder"),
    "consensus": ("consensus", "consensus coder", "agreed", "reconciled", "final"),
    "sole": ("sole", "sole coder", "single", "single coder", "only coder"),
}
_BY_LABEL = {label: role for role, labels in ROLE_LABELS.items() for label in labels}
assert set(ROLE_IRIS) == set(CODER_ROLES)

RDF_TYPE = nt.term_iri(str(RDF.type))
REPORT_CLASS = nt.term_iri(str(SMQI.StudyReport))
ATTRIBUTION_CLASS = nt.term_iri(str(SMQI.CoderAttribution))
REALIZATION_OF = nt.term_iri(str(FRBR.realizationOf))
QUALIFIED = nt.term_iri(str(PROV.qualifiedAttribution))
AGENT = nt.term_iri(str(PROV.agent))
HAD_ROLE = nt.term_iri(str(PROV.hadRole))
DOI = nt.term_iri(str(BIBO.doi))
PMID = nt.term_iri(str(BIBO.pmid))
SAME_AS = nt.term_iri(str(SCHEMA.sameAs))
CONSENSUS_OF = nt.term_iri(str(SMQI.consensusOf))
DERIVED_FROM = nt.term_iri(str(PROV.wasDerivedFrom))


def parse_role(text: str) -> str | None:
    """The coder role a cell names (independent, consensus or sole), or None."""
    return _BY_LABEL.get(" ".join(text.split()).casefold())


def role_choices() -> str:
    return ", ".join(f"'{labels[0]}'" for labels in ROLE_LABELS.values())


def record_iri(base: str, collection: str, study_path: str, role: str, coder: str) -> str:
    """The record's IRI: the collection's own record (sole or consensus) keeps the
    single-coder form; an independent coder's record is named after the coder."""
    record = f"{base}record/{collection}/{study_path.removeprefix('study/')}"
    return f"{record}/coder/{coder}" if role == "independent" else record


def report_iri(base: str, study_path: str) -> str:
    """The IRI of the study's report: its DOI IRI, else its PubMed IRI, else minted."""
    scheme, _, key = study_path.removeprefix("study/").partition("/")
    if scheme == "doi":
        return f"https://doi.org/{key}"
    if scheme == "pmid":
        return f"https://pubmed.ncbi.nlm.nih.gov/{key}/"
    return f"{base}report/{scheme}/{key}"


@dataclass(frozen=True)
class ReportLines:
    """What the mapper states about a study's report, and the links it makes."""

    lines: list[str]
    links: list[tuple[str, str, str]]  # (subject, object property, object) as plain IRIs


def report_lines(
    report: str, study: str, s: str, doi: str | None, pmid: str | None, end: str
) -> ReportLines:
    """The report, typed and linked to the study it realises (``s``: the study as an
    N-Triples term), with its identifiers; a PMID of a report named by its DOI is linked
    as the PubMed record of the same report."""
    r = nt.iri(report)
    lines = [
        f"{r} {RDF_TYPE} {REPORT_CLASS}{end}",
        f"{r} {REALIZATION_OF} {s}{end}",
    ]
    if doi is not None:
        lines.append(f"{r} {DOI} {nt.literal(doi)}{end}")
    if pmid is not None and pmid.isdigit():
        lines.append(f"{r} {PMID} {nt.literal(pmid)}{end}")
        pubmed = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
        if pubmed != report:
            lines.append(f"{r} {SAME_AS} {nt.iri(pubmed)}{end}")
    return ReportLines(lines, [(report, str(FRBR.realizationOf), study)])


def attribution_lines(record: str, r: str, agent: str | None, role: str, end: str) -> ReportLines:
    """The record's qualified attribution (``r``: the record as an N-Triples term): its coder
    (if named) and the coder's role."""
    attribution = f"{record}/attribution"
    a = f"{r[:-1]}/attribution>"  # the record's IRI was checked; a path below it is an IRI
    role_iri = ROLE_IRIS[role]
    lines = [
        f"{r} {QUALIFIED} {a}{end}",
        f"{a} {RDF_TYPE} {ATTRIBUTION_CLASS}{end}",
        f"{a} {HAD_ROLE} {nt.term_iri(role_iri)}{end}",
    ]
    links = [
        (record, str(PROV.qualifiedAttribution), attribution),
        (attribution, str(PROV.hadRole), role_iri),
    ]
    if agent is not None:
        lines.append(f"{a} {AGENT} {nt.term_iri(agent)}{end}")
        links.append((attribution, str(PROV.agent), agent))
    return ReportLines(lines, links)


def consensus_lines(consensus: str, independent: list[str], end: str) -> ReportLines:
    """The consensus record derived from each independent record of the same study."""
    c = nt.iri(consensus)
    lines: list[str] = []
    links: list[tuple[str, str, str]] = []
    for record in independent:
        r = nt.iri(record)
        lines += [f"{c} {CONSENSUS_OF} {r}{end}", f"{c} {DERIVED_FROM} {r}{end}"]
        links += [
            (consensus, str(SMQI.consensusOf), record),
            (consensus, str(PROV.wasDerivedFrom), record),
        ]
    return ReportLines(lines, links)


def row_role(
    sheet_role: str | None, mapping: Mapping, sheet: Sheet, row: Row
) -> tuple[str, SheetError | None]:
    """The role of the row's coder: its sheet's, else its coder-role cell's, else sole; with
    an error for a cell that names no role."""
    if sheet_role is not None:
        return sheet_role, None
    column = mapping.column_for_role("coder_role")
    if column is None:
        return "sole", None
    text = row.cells.get(column, "").strip()
    role = parse_role(text)
    if role is not None:
        return role, None
    return "sole", SheetError(
        sheet.location(row.number, column),
        (f"'{text}' is not a coder role" if text else "is empty")
        + f"; say in what role the row was coded: {role_choices()}",
        "coder-role" if text else "required",
        value=text,
    )


@dataclass(frozen=True)
class Admission:
    """A row about to be mapped as a record of a study in a collection."""

    collection: str  # the collection's id
    multi: bool  # the collection declares several coders
    sheet: Sheet
    row: Row
    study_path: str
    role: str
    record: str


@dataclass
class Roster:
    """The records of a build so far: one per coder and role of a study in a collection,
    a sole coder's never beside independent ones; and what each consensus derives from."""

    count: int = 0
    _seen: dict[str, tuple[Sheet, Row]] = field(default_factory=dict)
    _roles: dict[tuple[str, str], dict[str, tuple[Sheet, Row]]] = field(default_factory=dict)
    _consensus: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    _independent: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def admit(self, row: Admission, graph: str, role_column: str | None) -> SheetError | None:
        """Note the row's record, or say why it cannot be one (it is not mapped then)."""
        where = (row.collection, row.study_path)
        if row.record in self._seen:
            return _duplicate(row, self._seen[row.record])
        clash = _clash(self._roles.get(where, {}), row.role)
        if clash is not None:
            other, (first_sheet, first_row) = clash
            return SheetError(
                row.sheet.location(row.row.number, role_column),
                f"is a {row.role} record of the study coded in {first_sheet.name} row "
                f"{first_row.number} by a {other} coder, in collection '{row.collection}'; a "
                "sole coder's record cannot sit beside independent records of the same study: "
                "say independent or consensus",
                "coder-role",
            )
        self._roles.setdefault(where, {})[row.role] = (row.sheet, row.row)
        self._seen[row.record] = (row.sheet, row.row)
        self.count += 1
        if row.role == "consensus":
            self._consensus[where] = (row.record, graph)
        elif row.role == "independent":
            self._independent.setdefault(where, []).append(row.record)
        return None

    def derivations(self) -> Iterator[tuple[str, ReportLines]]:
        """Per consensus record, its graph and the lines deriving it from the independent
        records of its study."""
        for where, (record, graph) in sorted(self._consensus.items()):
            yield (
                graph,
                consensus_lines(
                    record, sorted(self._independent.get(where, [])), f" {nt.iri(graph)} .\n"
                ),
            )


def _clash(found: dict[str, tuple[Sheet, Row]], role: str) -> tuple[str, tuple[Sheet, Row]] | None:
    """A sole record of a study beside an independent one (either way round)."""
    other = {"sole": "independent", "independent": "sole"}.get(role)
    if other is not None and other in found:
        return other, found[other]
    return None


def _duplicate(row: Admission, first: tuple[Sheet, Row]) -> SheetError:
    first_sheet, first_row = first
    what = f"({row.study_path.removeprefix('study/')}) in collection '{row.collection}'"
    if row.multi:
        advice = (
            "each coder codes a study once, and a collection has one consensus (or sole) "
            "record of it: merge the two rows, or correct the coder or the role"
        )
    else:
        advice = (
            "a collection codes each study once: merge the two rows, or, for several "
            "coders of one study, declare their roles (a coder_role column in the layout, "
            "or coder_role: on each coder's sheet in the manifest)"
        )
    return SheetError(
        row.sheet.location(row.row.number),
        f"codes the same study as {first_sheet.name} row {first_row.number} {what}; {advice}",
        "duplicate-study",
    )
