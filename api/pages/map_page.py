"""The evidence map as a page, an SVG picture and a CSV table (no FastAPI here).

The page is a table of the two dimensions' values with, in each non-empty cell, a bubble
whose area follows its count (an inline SVG circle, or with a third dimension a pie of its
segments) linking to the cell's studies; a GET form chooses everything, so the page works
without script and under the pages' content security policy (presentation attributes
only, no style attribute). ``/static/evidence-map.js`` adds a PNG download, drawn from the
SVG export.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from smqi.api.evidence.dimensions import DIMENSIONS, Dimension
from smqi.api.evidence.grid import LISTED_STUDIES, EvidenceMap, Segment
from smqi.api.evidence.models import Concept
from smqi.api.http.spreadsheet import csv_table
from smqi.api.pages.templating import Notice, query_string, render_page, words_in_sentence
from smqi.api.pages.views import DIMENSION_TITLES

R_MIN, R_MAX = 5.0, 21.0
BOX = 2 * R_MAX + 2  # a bubble's square, in px
BUBBLE = "#0b4f8a"
# Okabe-Ito's colour-blind-safe palette, then Tol's muted colours; cycled past twelve
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#F0E442", "#000000", "#999999", "#882255", "#44AA99", "#117733",
)  # fmt: skip


@dataclass(frozen=True)
class Wedge:
    path: str  # an SVG path, or "" for a whole circle
    fill: str
    label: str
    count: int


@dataclass(frozen=True)
class Bubble:
    count: int
    radius: float
    wedges: list[Wedge]  # empty: one plain circle
    href: str
    label: str  # what the link says to a screen reader
    current: bool


@dataclass(frozen=True)
class LegendEntry:
    label: str
    fill: str


@dataclass(frozen=True)
class MapView:
    grid: EvidenceMap
    title: str
    caption: str
    rows: list[tuple[Concept, list[Bubble | None]]]
    legend: list[LegendEntry]
    params: list[tuple[str, str]]  # the map as asked, without the chosen cell and format

    def link(self, **more: str) -> str:
        kept = [(k, v) for k, v in self.params if k not in more]
        return "/map" + query_string([*kept, *more.items()])


def radius(count: int, largest: int) -> float:
    """A bubble's radius: its area grows with the count, the smallest still visible."""
    return R_MIN + (R_MAX - R_MIN) * math.sqrt(count / largest) if largest else R_MIN


def wedges(segments: Sequence[Segment], colours: dict[str, str], r: float) -> list[Wedge]:
    """The segments as pie wedges around (BOX/2, BOX/2), each as large as its count."""
    total = sum(s.count for s in segments)
    if not total:
        return []
    centre = BOX / 2
    drawn, angle = [], -math.pi / 2
    for segment in segments:
        sweep = 2 * math.pi * segment.count / total
        fill = colours[segment.concept.iri]
        label = segment.concept.label
        if len(segments) == 1:
            drawn.append(Wedge("", fill, label, segment.count))
            break
        x0, y0 = centre + r * math.cos(angle), centre + r * math.sin(angle)
        x1, y1 = centre + r * math.cos(angle + sweep), centre + r * math.sin(angle + sweep)
        large = 1 if sweep > math.pi else 0
        path = (
            f"M{centre:.2f} {centre:.2f} L{x0:.2f} {y0:.2f} "
            f"A{r:.2f} {r:.2f} 0 {large} 1 {x1:.2f} {y1:.2f} Z"
        )
        drawn.append(Wedge(path, fill, label, segment.count))
        angle += sweep
    return drawn


def map_view(grid: EvidenceMap, params: list[tuple[str, str]]) -> MapView:
    colours = {c.iri: PALETTE[i % len(PALETTE)] for i, c in enumerate(grid.split_concepts)}
    rows_title, cols_title = DIMENSION_TITLES[grid.rows.name], DIMENSION_TITLES[grid.cols.name]
    view_params = [(k, v) for k, v in params if k not in ("row", "col", "format")]
    base = MapView(grid, "", "", [], [], view_params)
    chosen = (grid.chosen.row.iri, grid.chosen.col.iri) if grid.chosen else None
    rows = []
    for row in grid.row_concepts:
        cells: list[Bubble | None] = []
        for col in grid.col_concepts:
            count = grid.counts.get((row.iri, col.iri), 0)
            if not count:
                cells.append(None)
                continue
            r = radius(count, grid.largest)
            parts = grid.segments.get((row.iri, col.iri), [])
            said = "; ".join(f"{s.concept.label}: {s.count}" for s in parts)
            label = (
                f"{count} {'study' if count == 1 else 'studies'} coded {row.label} and {col.label}"
            )
            cells.append(
                Bubble(
                    count,
                    r,
                    wedges(parts, colours, r),
                    base.link(row=row.iri, col=col.iri) + "#studies",
                    f"{label} ({said})" if said else label,
                    chosen == (row.iri, col.iri),
                )
            )
        rows.append((row, cells))
    words = words_in_sentence
    split = f", split by {words(DIMENSION_TITLES[grid.split.name])}" if grid.split else ""
    scope = f" in {grid.review.identifier}" if grid.review else ""
    return MapView(
        grid,
        f"{rows_title} by {words(cols_title)}",
        f"Studies{scope} by {words(rows_title)} (rows) and {words(cols_title)} (columns)"
        f"{split}, as one record codes them together",
        rows,
        [LegendEntry(c.label, colours[c.iri]) for c in grid.split_concepts],
        view_params,
    )


def dimension_options() -> list[tuple[str, str]]:
    return [(d.name, DIMENSION_TITLES[d.name]) for d in DIMENSIONS]


def render_map(
    grid: EvidenceMap,
    params: list[tuple[str, str]],
    notice: Notice | None,
    local: Callable[[str], str | None],
    filters: list[tuple[Dimension, list[Concept], str]],
    years: tuple[int, ...],
) -> str:
    """The page. ``filters``: per dimension its values and the one chosen (a label or "");
    ``years``: the years studies are published in, for the range inputs."""
    view = map_view(grid, params)
    asked = dict(params)
    return render_page(
        "map.html",
        title=f"Evidence map: {view.title}",
        section="/map",
        notice=notice,
        view=view,
        grid=grid,
        box=BOX,
        bubble_fill=BUBBLE,
        dimensions=dimension_options(),
        filters=filters,
        years=years,
        asked=asked,
        listed=LISTED_STUDIES,
        titles=DIMENSION_TITLES,
        local=local,
        unloaded=dict((review, reported) for reported, review in notice.unloaded) if notice else {},
    )


# -- exports --------------------------------------------------------------------------------

LABEL_CHAR_PX = 6.6  # of 12 px sans-serif, on average
ROW_LABEL_MAX = 260.0


@dataclass(frozen=True)
class SvgLayout:
    width: float
    height: float
    left: float  # where the first column starts
    top: float  # where the first row starts
    cell: float
    legend_top: float


def svg_layout(view: MapView) -> SvgLayout:
    grid = view.grid
    longest_row = max((len(c.label) for c in grid.row_concepts), default=0)
    longest_col = max((len(c.label) for c in grid.col_concepts), default=0)
    left = min(ROW_LABEL_MAX, longest_row * LABEL_CHAR_PX) + 20
    header = min(ROW_LABEL_MAX, longest_col * LABEL_CHAR_PX) * math.sqrt(0.5) + 30
    top = 70 + header
    cell = BOX + 8
    legend_top = top + cell * len(grid.row_concepts) + 20
    legend = 24 + 18 * len(view.legend) if view.legend else 0
    width = left + cell * len(grid.col_concepts) + header + 20
    height = legend_top + legend + 40
    return SvgLayout(max(width, 560.0), height, left, top, cell, legend_top)


def render_map_svg(grid: EvidenceMap, params: list[tuple[str, str]], notice: Notice | None) -> str:
    """The map as a standalone SVG picture: title, grid, bubbles, legend, and what the
    studies are."""
    view = map_view(grid, params)
    return render_page(
        "map.svg",
        view=view,
        grid=grid,
        layout=svg_layout(view),
        box=BOX,
        bubble_fill=BUBBLE,
        notice=notice,
        titles=DIMENSION_TITLES,
    )


def map_csv(grid: EvidenceMap) -> bytes:
    """The map as CSV: a line per cell drawn (empty ones too, count 0), with a column per
    value of the third dimension when the cells are split."""
    split = [c.label for c in grid.split_concepts]
    lines: list[list[object]] = [
        [
            f"{grid.rows.name}",
            f"{grid.rows.name}_label",
            f"{grid.cols.name}",
            f"{grid.cols.name}_label",
            "studies",
            *(f"{grid.split.name}: {label}" for label in split if grid.split),
        ]
    ]
    for row in grid.row_concepts:
        for col in grid.col_concepts:
            count = grid.counts.get((row.iri, col.iri), 0)
            parts = {s.concept.label: s.count for s in grid.segments.get((row.iri, col.iri), [])}
            lines.append(
                [row.iri, row.label, col.iri, col.label, count, *(parts.get(x, 0) for x in split)]
            )
    return csv_table(lines)
