"""One study: its bibliographic details, its published reports, and what each collection
coded for it, with the provenance of every record (sheet, row, coder and the coder's role,
extraction date, build): CQ10's answer. A study several coders coded in one collection has
a record per independent coder and one for their consensus, which is the one counted."""

from __future__ import annotations

from urllib.parse import unquote

import pyoxigraph as ox

from smqi.api.evidence.dimensions import collections
from smqi.api.evidence.errors import NotFoundError
from smqi.api.evidence.index import study_index
from smqi.api.evidence.models import CollectionLink, Provenance, RecordDetail, StudyDetail
from smqi.api.evidence.queries import (
    Properties,
    Row,
    Snapshot,
    api_query,
    every,
    first,
    integer,
    iri,
    resource_properties,
    text,
)
from smqi.api.evidence.search import coded_values
from smqi.loader.identity import normalise_doi, normalise_pmid
from smqi.loader.ntriples import path_segment
from smqi.loader.terms import BIBO, DCTERMS, FRBR, PRISM, RDF, RDFS, SKOS, SMQI

ROLES = {
    str(SMQI.independentCoder): "independent",
    str(SMQI.consensusCoder): "consensus",
    str(SMQI.soleCoder): "sole",
}


def find_study(snapshot: Snapshot, identifier: str) -> str:
    """The IRI of the study ``identifier`` names, as the path after ``/studies/`` spells it.

    ``doi/10.1136/...``, ``pmid/26464518`` and ``ref/<key>`` mirror the study IRIs
    (``study/doi/...``); a bare DOI (``10.1136/...``), a bare PMID or a whole study IRI
    work too. NotFoundError when no study matches.
    """
    wanted = unquote(identifier).strip().strip("/")
    kind, _, key = wanted.partition("/")
    if wanted.startswith(("http://", "https://")):
        return _existing(snapshot, wanted, wanted)
    if kind == "ref" and key:
        return _existing(snapshot, f"{snapshot.base_iri}study/ref/{path_segment(key)}", wanted)
    if kind == "doi" and key:
        literal = normalise_doi(key)
    elif kind == "pmid" and key:
        literal = normalise_pmid(key)
    elif wanted.startswith("10.") or wanted.lower().startswith("doi:"):
        literal = normalise_doi(wanted)
    elif wanted.isdigit():
        literal = wanted
    else:
        raise NotFoundError(
            f"{identifier!r} is not a study identifier; use /studies/doi/<DOI>, "
            "/studies/pmid/<PMID> or /studies/ref/<key>"
        )
    rows = snapshot.select(api_query("study-by-identifier"), {"identifier": ox.Literal(literal)})
    if not rows.rows:
        raise NotFoundError(f"no study with the DOI or PMID {literal!r} is in the graph")
    return iri(rows.rows[0], "study")


def _existing(snapshot: Snapshot, study: str, asked: str) -> str:
    described = resource_properties(snapshot, [study]).get(study, {})
    if str(SMQI.Study) not in every(described, RDF.type):
        raise NotFoundError(f"no study {asked!r} is in the graph")
    return study


def study_detail(snapshot: Snapshot, study: str) -> StudyDetail:
    """Everything coded for ``study`` across collections, with provenance."""
    provenance = snapshot.select(
        snapshot.competency("cq10-study-provenance"), {"study": ox.NamedNode(study)}
    ).rows
    first_rows: dict[str, Row] = {}
    for row in provenance:
        first_rows.setdefault(iri(row, "record"), row)
    described = resource_properties(snapshot, [study, *first_rows])
    source_rows = [
        value for record in first_rows for value in every(described.get(record, {}), SMQI.sourceRow)
    ]
    row_keys = resource_properties(snapshot, source_rows)
    coded = coded_values(provenance, by="record")
    known = collections(snapshot)
    superseded = study_index(snapshot).superseded
    records = []
    for record, row in first_rows.items():
        properties = described.get(record, {})
        source_row = first(properties, SMQI.sourceRow)
        ref = known.get(iri(row, "collection"))
        records.append(
            RecordDetail(
                record=record,
                collection=CollectionLink(
                    iri=iri(row, "collection"),
                    id=ref.identifier if ref else iri(row, "collection"),
                    title=ref.title if ref else None,
                    illustrative=ref.illustrative if ref else False,
                ),
                coded=coded.get(record, {}),
                setting=first(properties, SMQI.setting),
                study_design=first(properties, SMQI.studyDesign),
                summary=first(properties, SMQI.summary),
                notes=first(properties, SKOS.editorialNote),
                sources=every(properties, DCTERMS.source),
                appraisal_tool=first(properties, SMQI.appraisalTool),
                appraisal_judgement=first(properties, SMQI.appraisalJudgement),
                consensus_of=every(properties, SMQI.consensusOf),
                counted=record not in superseded,
                provenance=Provenance(
                    sheet=iri(row, "sheet"),
                    sheet_title=text(row, "sheetTitle") or "",
                    sha256=text(row, "sha256") or "",
                    row=integer(row, "row") or 0,
                    row_key=first(row_keys.get(source_row or "", {}), SMQI.rowKey),
                    coder=text(row, "coder"),
                    role=ROLES.get(iri(row, "role")) if row.get("role") is not None else None,
                    extracted=text(row, "extracted"),
                    build=text(row, "build"),
                ),
            )
        )
    order = {"consensus": 0, "sole": 0, "independent": 1}
    records.sort(
        key=lambda r: (
            r.collection.illustrative,
            r.collection.id,
            order.get(r.provenance.role or "", 0),
            r.provenance.coder or "",
        )
    )
    return _describe(study, described.get(study, {}), records)


def _describe(study: str, properties: Properties, records: list[RecordDetail]) -> StudyDetail:
    year = first(properties, SMQI.publicationYear)
    return StudyDetail(
        iri=study,
        first_author=first(properties, SMQI.firstAuthor),
        year=int(year) if year is not None else None,
        title=first(properties, DCTERMS.title),
        journal=first(properties, PRISM.publicationName),
        doi=first(properties, BIBO.doi),
        pmid=first(properties, BIBO.pmid),
        see_also=every(properties, RDFS.seeAlso),
        reports=every(properties, FRBR.realization),
        records=records,
    )
