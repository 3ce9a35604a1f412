"""Map sheet rows to RDF through a declarative mapping: studies, coded records, provenance.

Output is N-Quads text per named graph (one graph per sheet), plus an ``OriginIndex``
that locates every minted subject back to its sheet and row, so SHACL results can be
reported by sheet, row and column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from smqi.loader import coding, lexical
from smqi.loader import ntriples as nt
from smqi.loader.agreement import Coding
from smqi.loader.codebooks import resolution_order
from smqi.loader.concepts import ConceptIndex
from smqi.loader.errors import Location, ProblemList, SheetError, problems_found
from smqi.loader.identity import (
    StudyKeys,
    StudyResolver,
    normalise_doi,
    normalise_pmid,
    slug,
    title_key,
)
from smqi.loader.manifest import Collection, ColumnMapping, Mapping, SheetSource, value_key
from smqi.loader.origins import OriginIndex
from smqi.loader.sheets import Row, Sheet
from smqi.loader.terms import BIBO, DCTERMS, PROV, RDF, RDFS, SMQI, XSD

# Vocabulary terms pre-rendered once: the mapper writes them millions of times at scale.
RDF_TYPE = nt.term_iri(str(RDF.type))
RDFS_LABEL = nt.term_iri(str(RDFS.label))
RDFS_SEE_ALSO = nt.term_iri(str(RDFS.seeAlso))
STUDY = nt.term_iri(str(SMQI.Study))
INCLUDES_STUDY = nt.term_iri(str(SMQI.includesStudy))
CODED_RECORD = nt.term_iri(str(SMQI.CodedRecord))
SHEET_ROW = nt.term_iri(str(SMQI.SheetRow))
CODES_STUDY = nt.term_iri(str(SMQI.codesStudy))
IN_COLLECTION = nt.term_iri(str(SMQI.inCollection))
SOURCE_ROW = nt.term_iri(str(SMQI.sourceRow))
ROW_NUMBER = nt.term_iri(str(SMQI.rowNumber))
IN_SHEET = nt.term_iri(str(SMQI.inSheet))
WAS_GENERATED_BY = nt.term_iri(str(PROV.wasGeneratedBy))
PROV_AGENT = nt.term_iri(str(PROV.Agent))
# Integers are written as xsd:integer, whatever the range says (xsd:positiveInteger for row
# numbers): stores keep them so (pyoxigraph turns xsd:positiveInteger into xsd:integer), and
# the N-Quads written from this text must say what the files dumped from the store say.
INTEGER = str(XSD.integer)
# the same terms as plain IRIs, for the statements kept for the reasoner
_TYPE, _LABEL, _SEE_ALSO = str(RDF.type), str(RDFS.label), str(RDFS.seeAlso)
_STUDY, _RECORD, _ROW, _AGENT = (
    str(SMQI.Study),
    str(SMQI.CodedRecord),
    str(SMQI.SheetRow),
    str(PROV.Agent),
)
_CODES_STUDY, _IN_COLLECTION, _SOURCE_ROW = (
    str(SMQI.codesStudy),
    str(SMQI.inCollection),
    str(SMQI.sourceRow),
)
_ROW_NUMBER, _IN_SHEET, _GENERATED_BY = (
    str(SMQI.rowNumber),
    str(SMQI.inSheet),
    str(PROV.wasGeneratedBy),
)
_REPORT, _ATTRIBUTION, _INCLUDES = (
    str(SMQI.StudyReport),
    str(SMQI.CoderAttribution),
    str(SMQI.includesStudy),
)
BIBO_DOI = str(BIBO.doi)
SINK_ROWS = 5_000  # rows mapped between hand-overs: ~160k lines, ~35 MB of N-Quads


def web_address(value: str) -> str | None:
    """An http(s) IRI term for ``value``, or None: a link a page may show must be one that
    a browser follows to a page, never javascript:, data: or a file on the reader's disk."""
    if not value.lower().startswith(("https://", "http://")):
        return None
    try:
        return nt.iri(value)
    except ValueError:
        return None


def multi_coded(collection: Collection) -> bool:
    """Whether the collection's sheets declare several coders of one study."""
    return any(
        source.coder_role is not None or source.mapping.column_for_role("coder_role")
        for source in collection.sheets
    )


@dataclass
class Statements:
    """What the mapped lines say, kept as IRIs for the reasoner (``inference.read_mapped``),
    which would otherwise read them back from the store: memberships, statements whose
    value is an IRI, and the subjects of statements whose value is a literal."""

    types: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    links: defaultdict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    literal_subjects: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class MappedSheets:
    quads: dict[str, list[str]]  # graph IRI -> N-Quads lines (not yet handed over)
    origins: OriginIndex
    studies: set[str]
    records: int
    errors: list[SheetError]
    statements: Statements = field(default_factory=Statements)
    graphs: set[str] = field(default_factory=set)  # the IRIs of the graphs written
    # independent coders' records, for the agreement figures, and the coded dimensions
    # (scheme names) of each collection with several coders (collection IRI -> schemes)
    codings: list[Coding] = field(default_factory=list)
    dimensions: dict[str, list[str]] = field(default_factory=dict)

    def hand_over(self, sink: Callable[[list[str]], None]) -> None:
        for graph, lines in self.quads.items():
            if lines:
                sink(lines)
                self.quads[graph] = []


class _Column:
    """A column's mapping, with whether its cells are plain literals (the common case)."""

    def __init__(self, spec: ColumnMapping, schemes: tuple[str, ...] = ()) -> None:
        self.spec = spec
        self.schemes = schemes  # where its values resolve (a review's codebook first)
        self.column = spec.column
        self.target = spec.target
        self.required = spec.required
        self.datatype = spec.datatype
        self.plain = (
            spec.separator is None
            and spec.scheme is None
            and spec.role not in ("coder", "doi", "pmid")
            and spec.datatype is None
            and spec.property != BIBO_DOI
            and spec.classify is None
        )
        # the coder-role cell says how the record is attributed; it states nothing itself
        self.skipped = spec.role == "coder_role"


@dataclass(frozen=True)
class _SheetPlan:
    """What every row of one sheet in one collection shares."""

    mapping: Mapping
    graph_iri: str
    graph: str  # the graph IRI as an N-Triples term, as are the next three
    row_prefix: str  # a row's IRI without its number
    sheet: str
    collection: str
    columns: list[tuple[_Column, str]]  # with the property as an N-Triples term
    sheet_iri: str
    collection_iri: str
    shared: bool  # two columns state one property of one subject: their lines may repeat
    source: SheetSource
    multi: bool  # the collection declares several coders: a study may have several rows
    review: bool  # the collection is a review's: it includes the studies it codes


class SheetMapper:
    """Turns rows of every sheet of a build into RDF, collecting every error found."""

    def __init__(
        self, base: str, concepts: ConceptIndex, build_iri: str, max_problems: int = 1_000
    ) -> None:
        self.base = base
        self.max_problems = max_problems
        self.concepts = concepts
        self.build = nt.iri(build_iri)
        self.build_iri = build_iri
        self.agents: set[tuple[str, str]] = set()
        self.resolve_concept: Callable[[str, str], str | None] = lru_cache(maxsize=None)(
            concepts.resolve
        )
        self._plans: dict[tuple[str, Sheet], _SheetPlan] = {}
        self._cell_terms: dict[tuple[_Column, str], list[str]] = {}
        # lines about a study and its report already stated in a graph, where a study may
        # have several rows (several coders): the text states each statement once
        self._stated: dict[str, set[str]] = {}

    def collection_iri(self, collection: Collection) -> str:
        kind = "review" if collection.kind == "review" else "collection"
        return f"{self.base}{kind}/{collection.id}"

    @staticmethod
    @lru_cache(maxsize=256)
    def sheet_slug(sheet: Sheet) -> str:
        return slug(f"{sheet.path.stem} {sheet.worksheet or ''}")

    def sheet_iri(self, sheet: Sheet) -> str:
        return f"{self.base}sheet/{self.sheet_slug(sheet)}"

    def graph_iri(self, sheet: Sheet) -> str:
        return f"{self.base}graph/sheet/{self.sheet_slug(sheet)}"

    def map_all(
        self,
        sheets: list[tuple[Collection, Sheet]],
        sink: Callable[[list[str]], None] | None = None,
    ) -> MappedSheets:
        """Map every row of every sheet. With ``sink``, the N-Quads lines are handed to it a
        chunk at a time as rows are mapped (so that the store can load them while the
        mapper works) rather than kept in ``quads``."""
        resolver = StudyResolver()
        keyed: list[tuple[Collection, Sheet, Row, StudyKeys]] = []
        for collection, sheet in sheets:
            mapping = self._mapping(collection, sheet)
            for row in sheet.rows:
                keys = self._keys(mapping, row)
                resolver.add(keys)
                keyed.append((collection, sheet, row, keys))
        result = MappedSheets({}, OriginIndex(), set(), 0, ProblemList(self.max_problems))
        self._check_sheet_graphs(sheets, result.errors)
        for root, dois in resolver.conflicts().items():
            result.errors.append(
                SheetError(
                    Location("(all sheets)"),
                    f"the DOIs {', '.join(dois)} are joined by a shared PMID ({root}); "
                    "one study has one DOI: correct the DOI or the PMID",
                    "identity-conflict",
                )
            )
        for collection in {c.id: c for c, _ in sheets}.values():
            if multi_coded(collection):
                result.dimensions[self.collection_iri(collection)] = list(
                    dict.fromkeys(
                        scheme
                        for source in collection.sheets
                        for column in source.mapping.columns.values()
                        for scheme in (
                            column.scheme,
                            column.classify.scheme if column.classify else None,
                        )
                        if scheme is not None
                    )
                )
        roster = coding.Roster()
        for collection, sheet, row, keys in keyed:
            plan = self._plan(collection, sheet)
            study_path = resolver.canonical(keys)
            role, problem = coding.row_role(plan.source.coder_role, plan.mapping, sheet, row)
            if problem is None:
                coder = self._coder(plan.mapping, row)
                record = coding.record_iri(self.base, collection.id, study_path, role, slug(coder))
                problem = roster.admit(
                    coding.Admission(
                        collection.id, plan.multi, sheet, row, study_path, role, record
                    ),
                    plan.graph_iri,
                    plan.mapping.column_for_role("coder_role"),
                )
            if problem is not None:
                result.errors.append(problem)
                continue
            self._map_row(
                result,
                collection,
                sheet,
                row,
                f"{self.base}{study_path}",
                record,
                keys,
                (role, coder),
            )
            if sink is not None and roster.count % SINK_ROWS == 0:
                result.hand_over(sink)
        for graph_iri, derived in roster.derivations():
            result.quads.setdefault(graph_iri, []).extend(derived.lines)
            self._note_links(result, derived.links)
        for collection, sheet in sheets:
            self._sheet_entity(result, collection, sheet)
        if sink is not None:
            result.hand_over(sink)
        return result

    @staticmethod
    def _coder(mapping: Mapping, row: Row) -> str:
        column = mapping.column_for_role("coder")
        return row.cells.get(column, "").strip() if column else ""

    @staticmethod
    def _note_links(result: MappedSheets, links: list[tuple[str, str, str]]) -> None:
        for subject, prop, obj in links:
            result.statements.links[prop].append((subject, obj))

    def _check_sheet_graphs(
        self, sheets: list[tuple[Collection, Sheet]], errors: list[SheetError]
    ) -> None:
        """Each sheet has a named graph of its own, named after its file (and worksheet):
        a sheet listed twice, or two sheets whose names give one graph, would mix."""
        seen: dict[str, tuple[Collection, Sheet]] = {}
        for collection, sheet in sheets:
            graph = self.graph_iri(sheet)
            if graph not in seen:
                seen[graph] = (collection, sheet)
                continue
            first_collection, first = seen[graph]
            what = (
                "is listed twice"
                if first.path == sheet.path and first.worksheet == sheet.worksheet
                else f"would share the graph <{graph}> with {first.path}"
            )
            errors.append(
                SheetError(
                    Location(sheet.name),
                    f"{what} (collections '{first_collection.id}' and '{collection.id}'); "
                    "list each sheet once, and rename one of two sheets whose file names "
                    "differ only in folder, case or punctuation",
                    "duplicate-sheet",
                )
            )

    def _mapping(self, collection: Collection, sheet: Sheet) -> Mapping:
        return self._source(collection, sheet).mapping

    @staticmethod
    def _source(collection: Collection, sheet: Sheet) -> SheetSource:
        for source in collection.sheets:
            if source.path == sheet.path:
                return source
        return collection.sheets[0]

    def _keys(self, mapping: Mapping, row: Row) -> StudyKeys:
        def cell(role: str) -> str:
            column = mapping.column_for_role(role)
            return row.cells.get(column, "").strip() if column else ""

        doi, pmid = cell("doi"), cell("pmid")
        return StudyKeys(
            doi=normalise_doi(doi) if doi else None,
            pmid=normalise_pmid(pmid) if pmid else None,
            fallback=title_key(cell("first_author"), cell("year"), cell("title")),
        )

    def _map_row(
        self,
        result: MappedSheets,
        collection: Collection,
        sheet: Sheet,
        row: Row,
        study: str,
        record: str,
        keys: StudyKeys,
        coded_by: tuple[str, str],  # the coder's role and name
    ) -> None:
        # At 100k rows this loop writes millions of lines: what is the same for every row
        # of a sheet is worked out once (_SheetPlan), and lines are formatted inline.
        plan = self._plan(collection, sheet)
        graph = plan.graph
        end = f" {graph} .\n"
        lines = result.quads.setdefault(plan.graph_iri, [])
        row_iri = f"{plan.row_prefix}{row.number}"
        study_path = study.removeprefix(self.base)
        report = coding.report_iri(self.base, study_path)
        s, r, w = nt.iri(study), nt.iri(record), nt.iri(row_iri)
        subjects = {"study": s, "record": r, "row": w}
        keys_by_target = {"study": study, "record": record, "row": row_iri}
        said = result.statements
        links, literal_subjects = said.links, said.literal_subjects
        cell_terms = self._cell_terms
        result.origins.add_row(sheet, row, plan.mapping, (study, record, row_iri, report))
        first_line = len(lines)
        study_lines: list[str] = []  # stated once per graph where a study has several rows
        coded: dict[str, frozenset[str]] | None = {} if plan.multi else None
        cells = row.cells
        for column, predicate in plan.columns:
            if column.column not in cells or column.skipped:
                continue  # a column the header lacks is reported once, by the sheet reader
            raw = cells[column.column].strip()
            if not raw:
                if column.required:
                    result.errors.append(
                        SheetError(
                            sheet.location(row.number, column.column),
                            f"is empty; '{column.column}' is required",
                            "required",
                            value="",
                        )
                    )
                continue
            subject = subjects[column.target]
            out = study_lines if column.target == "study" else lines
            key = keys_by_target[column.target]
            prop = column.spec.property
            if column.plain:
                out.append(f"{subject} {predicate} {nt.literal(raw, column.datatype)}{end}")
                literal_subjects[prop].append(key)
                continue
            schemes = column.schemes
            if not schemes:
                terms = self._terms(result, sheet, row, column.spec, raw, graph, lines, schemes)
            else:  # a coded cell: the same text resolves to the same concepts every time
                cached = cell_terms.get((column, raw))
                if cached is None:
                    errors = problems_found(result.errors)
                    terms = self._terms(result, sheet, row, column.spec, raw, graph, lines, schemes)
                    if problems_found(result.errors) == errors:
                        cell_terms[(column, raw)] = terms
                else:
                    terms = cached
                if coded is not None and column.spec.scheme is not None:
                    coded[column.spec.scheme] = frozenset(term[1:-1] for term in terms)
            for term in terms:
                out.append(f"{subject} {predicate} {term}{end}")
                if term[0] == "<":
                    links[prop].append((key, term[1:-1]))
                else:
                    literal_subjects[prop].append(key)
            if column.spec.classify is not None:
                classified = self._classify(
                    result, sheet, row, column.spec, raw, r, record, lines, end
                )
                if coded is not None:
                    coded[column.spec.classify.scheme] = frozenset(classified)
        # A row with bad cells is still mapped without them, so that validation can report
        # the row's other problems in the same pass; the build publishes nothing while any
        # error stands.
        if plan.shared:  # the text states each statement once, as the store would hold it
            lines[first_line:] = dict.fromkeys(lines[first_line:])
            study_lines[:] = dict.fromkeys(study_lines)
        label = self._label(plan.mapping, row, collection)
        study_lines.append(f"{s} {RDF_TYPE} {STUDY}{end}")
        lines += [
            f"{r} {RDF_TYPE} {CODED_RECORD}{end}",
            f"{r} {RDFS_LABEL} {nt.literal(label)}{end}",
            f"{r} {CODES_STUDY} {s}{end}",
            f"{r} {IN_COLLECTION} {plan.collection}{end}",
            f"{r} {SOURCE_ROW} {w}{end}",
            f"{r} {WAS_GENERATED_BY} {self.build}{end}",
            f"{w} {RDF_TYPE} {SHEET_ROW}{end}",
            f"{w} {ROW_NUMBER} {nt.literal(str(row.number), INTEGER)}{end}",
            f"{w} {IN_SHEET} {plan.sheet}{end}",
        ]
        said.types[_STUDY].append(study)
        said.types[_RECORD].append(record)
        said.types[_ROW].append(row_iri)
        literal_subjects[_LABEL].append(record)
        literal_subjects[_ROW_NUMBER].append(row_iri)
        links[_CODES_STUDY].append((record, study))
        links[_IN_COLLECTION].append((record, plan.collection_iri))
        links[_SOURCE_ROW].append((record, row_iri))
        links[_GENERATED_BY].append((record, self.build_iri))
        links[_IN_SHEET].append((row_iri, plan.sheet_iri))
        role, coder = coded_by
        agent = f"{self.base}agent/{slug(coder)}" if coder else None
        attributed = coding.attribution_lines(record, r, agent, role, end)
        lines += attributed.lines
        said.types[_ATTRIBUTION].append(f"{record}/attribution")
        self._note_links(result, attributed.links)
        # the study's keys hold the row's DOI and PMID cells, normalised
        if keys.doi is not None:
            link = f"https://doi.org/{nt.path_segment(keys.doi)}"
            study_lines.append(f"{s} {RDFS_SEE_ALSO} {nt.iri(link)}{end}")
            links[_SEE_ALSO].append((study, link))
        if keys.pmid is not None and keys.pmid.isdigit():
            link = f"https://pubmed.ncbi.nlm.nih.gov/{keys.pmid}/"
            study_lines.append(f"{s} {RDFS_SEE_ALSO} {nt.iri(link)}{end}")
            links[_SEE_ALSO].append((study, link))
        reported = coding.report_lines(report, study, s, keys.doi, keys.pmid, end)
        study_lines += reported.lines
        said.types[_REPORT].append(report)
        self._note_links(result, reported.links)
        if plan.review:
            study_lines.append(f"{plan.collection} {INCLUDES_STUDY} {s}{end}")
            links[_INCLUDES].append((plan.collection_iri, study))
        if plan.multi:
            stated = self._stated.setdefault(plan.graph_iri, set())
            study_lines = [line for line in study_lines if line not in stated]
            stated.update(study_lines)
            if role == "independent" and coded is not None:
                result.codings.append(
                    Coding(
                        collection=plan.collection_iri,
                        collection_id=collection.id,
                        study=study,
                        record=record,
                        coder=slug(coder),
                        coder_label=coder,
                        sheet=sheet.name,
                        row=row.number,
                        values=coded,
                    )
                )
        lines += study_lines
        result.studies.add(study)
        result.records += 1

    def _schemes(self, collection: Collection, spec: ColumnMapping) -> tuple[str, ...]:
        """The schemes a coded column's values resolve in (a review's own codebook first)."""
        if spec.scheme is None:
            return ()
        return resolution_order(collection.id, collection.kind, spec.scheme)

    def _classify(
        self,
        result: MappedSheets,
        sheet: Sheet,
        row: Row,
        spec: ColumnMapping,
        raw: str,
        subject: str,
        record: str,
        lines: list[str],
        end: str,
    ) -> list[str]:
        """The concepts the column's value map gives the cell's text, if it lists it."""
        classify = spec.classify
        assert classify is not None
        labels = classify.values.get(value_key(raw), ())
        predicate = nt.term_iri(classify.property)
        found: list[str] = []
        for label in labels:
            concept = self.resolve_concept(classify.scheme, label)
            if concept is None:
                result.errors.append(
                    SheetError(
                        Location(classify.table.name, None, spec.column),
                        f"classifies '{raw}' as '{label}', which is not a concept of "
                        f"{classify.scheme}; correct the table",
                        "unknown-value",
                        value=label,
                    )
                )
                continue
            lines.append(f"{subject} {predicate} {nt.term_iri(concept)}{end}")
            result.statements.links[classify.property].append((record, concept))
            found.append(concept)
        return found

    def _plan(self, collection: Collection, sheet: Sheet) -> _SheetPlan:
        key = (collection.id, sheet)
        plan = self._plans.get(key)
        if plan is None:
            mapping = self._mapping(collection, sheet)
            graph_iri = self.graph_iri(sheet)
            plan = _SheetPlan(
                mapping=mapping,
                graph_iri=graph_iri,
                graph=nt.iri(graph_iri),
                row_prefix=f"{self.sheet_iri(sheet)}/row/",
                sheet=nt.iri(self.sheet_iri(sheet)),
                collection=nt.iri(self.collection_iri(collection)),
                columns=[
                    (_Column(spec, self._schemes(collection, spec)), nt.iri(spec.property))
                    for spec in mapping.columns.values()
                ],
                sheet_iri=self.sheet_iri(sheet),
                collection_iri=self.collection_iri(collection),
                shared=len({(c.target, c.property) for c in mapping.columns.values()})
                < len(mapping.columns),
                source=self._source(collection, sheet),
                multi=multi_coded(collection),
                review=collection.kind == "review",
            )
            self._plans[key] = plan
        return plan

    @staticmethod
    def _label(mapping: Mapping, row: Row, collection: Collection) -> str:
        author = row.cells.get(mapping.column_for_role("first_author") or "", "").strip()
        year = row.cells.get(mapping.column_for_role("year") or "", "").strip()
        return f"{author} {year} in {collection.id}"

    def _terms(
        self,
        result: MappedSheets,
        sheet: Sheet,
        row: Row,
        spec: ColumnMapping,
        raw: str,
        graph: str,
        lines: list[str],
        schemes: tuple[str, ...] = (),
    ) -> list[str]:
        """The terms a cell states, each value checked; a cell's problems are one message."""
        values = [v.strip() for v in raw.split(spec.separator)] if spec.separator else [raw]
        values = [v for v in values if v]
        terms: list[str] = []
        unknown: list[str] = []
        for value in values:
            if spec.scheme is not None:
                concept = next(
                    (c for c in (self.resolve_concept(s, value) for s in schemes) if c), None
                )
                if concept is None:
                    unknown.append(value)
                    continue
                terms.append(nt.term_iri(concept))
            elif spec.role == "coder":
                agent = nt.term_iri(f"{self.base}agent/{slug(value)}")
                if (agent, graph) not in self.agents:
                    self.agents.add((agent, graph))
                    lines.append(nt.quad(agent, RDF_TYPE, PROV_AGENT, graph))
                    lines.append(nt.quad(agent, RDFS_LABEL, nt.literal(value), graph))
                    result.statements.types[_AGENT].append(agent[1:-1])
                    result.statements.literal_subjects[_LABEL].append(agent[1:-1])
                terms.append(agent)
            elif spec.datatype == "iri":
                term = web_address(value)
                if term is None:
                    result.errors.append(self._bad_address(sheet, row, spec, raw, value))
                    return []
                terms.append(term)
            elif spec.role == "doi" or spec.property == BIBO_DOI:
                terms.append(nt.literal(normalise_doi(value)))
            elif spec.role == "pmid":
                terms.append(nt.literal(normalise_pmid(value)))
            else:
                what = "publication year" if spec.role == "year" else f"'{spec.column}' value"
                problem = lexical.check(spec.datatype, value, what=what)
                if problem is not None:
                    result.errors.append(
                        SheetError(
                            sheet.location(row.number, spec.column),
                            problem.message,
                            "bad-value",
                            value=raw,
                            suggestion=problem.suggestion,
                        )
                    )
                    return []
                terms.append(nt.literal(value, spec.datatype))
        if unknown:
            assert spec.scheme is not None
            result.errors.append(self._unknown_values(sheet, row, spec, raw, unknown))
        return list(dict.fromkeys(terms))  # "Twitter; twitter" states one statement

    def _bad_address(
        self, sheet: Sheet, row: Row, spec: ColumnMapping, raw: str, value: str
    ) -> SheetError:
        guess = f"https://{value}" if value.lower().startswith("www.") else None
        if value.lower().startswith("doi:"):
            guess = f"https://doi.org/{value[4:].strip()}"
        return SheetError(
            sheet.location(row.number, spec.column),
            f"'{value}' is not a web address; write one that starts with https:// or "
            "http://, e.g. https://doi.org/10.1136/bmjqs-2015-004309",
            "bad-iri",
            value=raw,
            suggestion=guess if guess and web_address(guess) else None,
        )

    def _unknown_values(
        self, sheet: Sheet, row: Row, spec: ColumnMapping, raw: str, unknown: list[str]
    ) -> SheetError:
        assert spec.scheme is not None
        messages = [self._unknown_value_message(spec.scheme, value) for value in unknown]
        closest = [self.concepts.closest(spec.scheme, value, n=1) for value in unknown]
        suggestion = None
        if all(closest) and spec.separator is not None:
            fixed = raw
            for value, (label,) in zip(unknown, closest, strict=True):
                fixed = fixed.replace(value, label, 1)
            suggestion = fixed
        elif all(closest):
            suggestion = closest[0][0]
        return SheetError(
            sheet.location(row.number, spec.column),
            "; ".join(messages),
            "unknown-value",
            value=raw,
            suggestion=suggestion,
        )

    def _unknown_value_message(self, scheme: str, value: str) -> str:
        """Name the closest labels, and the scheme the value belongs to if it is another one."""
        close = self.concepts.closest(scheme, value)
        if close:
            message = f"unknown {scheme} '{value}'; closest known: " + ", ".join(
                f"'{label}'" for label in close
            )
        else:
            known = self.concepts.scheme_labels(scheme)
            shown = ", ".join(f"'{label}'" for label in known[:12])
            more = f" and {len(known) - 12} more" if len(known) > 12 else ""
            message = f"unknown {scheme} '{value}'; expected one of {shown}{more}"
        elsewhere = [
            other
            for other in self.concepts.labels
            if other != scheme and self.concepts.resolve(other, value) is not None
        ]
        if elsewhere:
            message += (
                f" ('{value}' is a known {' and '.join(elsewhere)}: is it in the wrong column?)"
            )
        return message

    def _sheet_entity(self, result: MappedSheets, collection: Collection, sheet: Sheet) -> None:
        graph_iri = self.graph_iri(sheet)
        graph = nt.iri(graph_iri)
        iri = self.sheet_iri(sheet)
        result.origins.sheets[iri] = sheet
        s = nt.iri(iri)
        lines = result.quads.setdefault(graph_iri, [])
        result.graphs.add(graph_iri)
        said = result.statements
        said.types[str(SMQI.ExtractionSheet)].append(iri)
        for prop in (DCTERMS.title, SMQI.sha256, *([SMQI.sheetName] if sheet.worksheet else [])):
            said.literal_subjects[str(prop)].append(iri)
        said.links[str(DCTERMS.isPartOf)].append((iri, self.collection_iri(collection)))
        said.links[str(PROV.used)].append((self.build_iri, iri))
        lines += [
            nt.quad(s, RDF_TYPE, nt.iri(str(SMQI.ExtractionSheet)), graph),
            nt.quad(s, nt.iri(str(DCTERMS.title)), nt.literal(sheet.path.name), graph),
            nt.quad(s, nt.iri(str(SMQI.sha256)), nt.literal(sheet.sha256), graph),
            nt.quad(
                s, nt.iri(str(DCTERMS.isPartOf)), nt.iri(self.collection_iri(collection)), graph
            ),
            nt.quad(self.build, nt.iri(str(PROV.used)), s, graph),
        ]
        if sheet.worksheet:
            lines.append(
                nt.quad(s, nt.iri(str(SMQI.sheetName)), nt.literal(sheet.worksheet), graph)
            )
