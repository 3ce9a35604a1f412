"""Agreement between the independent coders of a collection, per coded dimension.

A unit is a study that two or more independent coders coded in the collection; a coder's
value for a dimension is the set of concepts their record codes it with (an empty set
when they coded none), taken as one nominal category, so that two coders agree on a
study when they gave exactly the same values. Per dimension the build reports:

    percentage agreement   the share of units on which every coder gave the same values
    Cohen's kappa          with exactly two coders: (p_o - p_e) / (1 - p_e) over the units
    Krippendorff's alpha   with more than two: nominal alpha, 1 - (n - 1) * D_o / D_e over
                           the coincidences of every unit with two or more values

and lists each unit on which the coders disagree, with their sheets, rows and values.
The figures are written as W3C DQV quality measurements of the collection, so that the
API and any SPARQL client read them from the graph. A kappa or alpha is undefined, and
not stated, when chance agreement is total (every value the same).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import permutations

from smqi.loader import ntriples as nt
from smqi.loader.terms import DQV, PROV, RDF, RDFS, SMQI, VOCAB, XSD

METRICS = {
    "percent_agreement": (str(SMQI.percentAgreement), "percentage agreement", "percent-agreement"),
    "cohens_kappa": (str(SMQI.cohensKappa), "Cohen's kappa", "cohens-kappa"),
    "krippendorffs_alpha": (
        str(SMQI.krippendorffsAlpha),
        "Krippendorff's alpha",
        "krippendorffs-alpha",
    ),
}
DECIMALS = 6


@dataclass(frozen=True)
class Coding:
    """One independent coder's record of one study, with its values per coded dimension."""

    collection: str  # the collection's IRI
    collection_id: str
    study: str
    record: str
    coder: str  # the coder's key (the slug of their agent IRI)
    coder_label: str  # the coder as the sheet names them
    sheet: str
    row: int
    values: dict[str, frozenset[str]]  # scheme name -> concept IRIs


@dataclass(frozen=True)
class Disagreement:
    """A study on which the coders of a collection gave different values for a dimension."""

    study: str
    dimension: str  # the scheme name
    codings: tuple[Coding, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "study": self.study,
            "dimension": self.dimension,
            "codings": [
                {
                    "coder": c.coder_label,
                    "record": c.record,
                    "sheet": c.sheet,
                    "row": c.row,
                    "values": sorted(c.values.get(self.dimension, frozenset())),
                }
                for c in self.codings
            ],
        }


@dataclass
class DimensionAgreement:
    """The agreement of one collection's coders on one coded dimension."""

    collection: str
    collection_id: str
    dimension: str  # the scheme name, e.g. platform
    units: int
    coders: int
    percent_agreement: float | None
    cohens_kappa: float | None = None
    krippendorffs_alpha: float | None = None
    disagreements: list[Disagreement] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "collection": self.collection_id,
            "dimension": self.dimension,
            "units": self.units,
            "coders": self.coders,
            "percent_agreement": self.percent_agreement,
            "cohens_kappa": self.cohens_kappa,
            "krippendorffs_alpha": self.krippendorffs_alpha,
            "disagreements": [d.as_dict() for d in self.disagreements],
        }


def cohens_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two coders' nominal values on the same units; None if undefined."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(1 for a, b in pairs if a == b) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in first) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorffs_alpha(units: list[list[str]]) -> float | None:
    """Krippendorff's alpha (nominal) of the values each unit was given; units with fewer
    than two values are not pairable and count for nothing. None if undefined."""
    coincidences: defaultdict[tuple[str, str], float] = defaultdict(float)
    for values in units:
        m = len(values)
        if m < 2:
            continue
        for i, j in permutations(range(m), 2):
            coincidences[(values[i], values[j])] += 1 / (m - 1)
    totals: defaultdict[str, float] = defaultdict(float)
    for (c, _), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    disagreeing = sum(w for (c, k), w in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if expected == 0:
        return None
    return 1 - (n - 1) * disagreeing / expected


def _category(values: frozenset[str]) -> str:
    return "\n".join(sorted(values))


def measure(
    codings: Iterable[Coding], dimensions: dict[str, list[str]]
) -> list[DimensionAgreement]:
    """Per collection and coded dimension (``dimensions``: collection IRI -> scheme names),
    the agreement of the independent codings."""
    by_unit: dict[tuple[str, str], list[Coding]] = defaultdict(list)
    for coding in codings:
        by_unit[(coding.collection, coding.study)].append(coding)
    results: list[DimensionAgreement] = []
    for collection, schemes in sorted(dimensions.items()):
        units = [
            sorted(found, key=lambda c: (c.coder, c.sheet, c.row))
            for (where, _), found in sorted(by_unit.items())
            if where == collection and len({c.coder for c in found}) >= 2
        ]
        if not units:
            continue
        coders = sorted({c.coder for unit in units for c in unit})
        collection_id = units[0][0].collection_id
        for scheme in schemes:
            results.append(_measure_dimension(collection, collection_id, scheme, units, coders))
    return results


def _measure_dimension(
    collection: str, collection_id: str, scheme: str, units: list[list[Coding]], coders: list[str]
) -> DimensionAgreement:
    categories = [[_category(c.values.get(scheme, frozenset())) for c in unit] for unit in units]
    disagreements = [
        Disagreement(unit[0].study, scheme, tuple(unit))
        for unit, values in zip(units, categories, strict=True)
        if len(set(values)) > 1
    ]
    result = DimensionAgreement(
        collection=collection,
        collection_id=collection_id,
        dimension=scheme,
        units=len(units),
        coders=len(coders),
        percent_agreement=_round(100 * (len(units) - len(disagreements)) / len(units)),
        disagreements=disagreements,
    )
    if len(coders) == 2:
        by_coder = [
            {c.coder: v for c, v in zip(unit, values, strict=True)}
            for unit, values in zip(units, categories, strict=True)
        ]
        pairs = [(found[coders[0]], found[coders[1]]) for found in by_coder]
        result.cohens_kappa = _round(cohens_kappa(pairs))
    else:
        result.krippendorffs_alpha = _round(krippendorffs_alpha(categories))
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


def agreement_quads(
    results: list[DimensionAgreement], base: str, build: str, graph: str
) -> list[str]:
    """Each figure as a DQV quality measurement of its collection."""
    g = nt.iri(graph)
    lines: list[str] = []

    def q(s: str, p: object, o: str) -> None:
        lines.append(nt.quad(s, nt.term_iri(str(p)), o, g))

    for result in results:
        for name, (metric, label, slug) in METRICS.items():
            value = getattr(result, name)
            if value is None:
                continue
            m = nt.iri(f"{base}agreement/{result.collection_id}/{result.dimension}/{slug}")
            q(m, RDF.type, nt.term_iri(str(SMQI.AgreementMeasurement)))
            q(
                m,
                RDFS.label,
                nt.literal(
                    f"{label} of {result.collection_id} on {result.dimension}", language="en"
                ),
            )
            q(m, DQV.computedOn, nt.iri(result.collection))
            q(m, DQV.isMeasurementOf, nt.term_iri(metric))
            q(m, SMQI.measuredDimension, nt.iri(str(VOCAB[result.dimension])))
            q(m, DQV.value, nt.literal(f"{value:.{DECIMALS}f}", str(XSD.decimal)))
            q(m, SMQI.unitCount, nt.literal(str(result.units), str(XSD.integer)))
            q(m, SMQI.coderCount, nt.literal(str(result.coders), str(XSD.integer)))
            q(
                m,
                SMQI.disagreementCount,
                nt.literal(str(len(result.disagreements)), str(XSD.integer)),
            )
            q(m, PROV.wasGeneratedBy, nt.iri(build))
    return lines


def summary_lines(results: list[DimensionAgreement], shown: int = 20) -> list[str]:
    """The figures for a terminal, then up to ``shown`` disagreements."""
    lines: list[str] = []
    for r in results:
        figure = (
            f"kappa {r.cohens_kappa:.3f}"
            if r.cohens_kappa is not None
            else f"alpha {r.krippendorffs_alpha:.3f}"
            if r.krippendorffs_alpha is not None
            else "kappa/alpha undefined"
        )
        lines.append(
            f"agreement in {r.collection_id} on {r.dimension}: {r.percent_agreement:.1f}% "
            f"({figure}; {r.units} studies, {r.coders} coders, "
            f"{len(r.disagreements)} disagreement(s))"
        )
    found = [d for r in results for d in r.disagreements]
    for d in found[:shown]:
        where = "; ".join(
            f"{c.coder_label} ({c.sheet} row {c.row}): "
            + (
                ", ".join(v.rsplit("/", 1)[-1] for v in sorted(c.values.get(d.dimension, ())))
                or "none"
            )
            for c in d.codings
        )
        lines.append(f"  disagree on {d.dimension} of {d.study}: {where}")
    if len(found) > shown:
        lines.append(f"  ... and {len(found) - shown} more (all are in build.json)")
    return lines
