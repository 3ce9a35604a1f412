"""The evidence map page (no FastAPI here): a grid of two coded dimensions, a bubble sized by
the number of studies in each cell, the empty cells marked as gaps, and the studies of the
chosen cell listed below. Plain HTML and a GET form, no script: it works in any browser and
under the pages' content security policy. Every value from the graph or the request is
escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from urllib.parse import urlencode

from smqi.api.evidence.dimensions import DIMENSIONS
from smqi.api.evidence.grid import LISTED_STUDIES, EvidenceMap
from smqi.api.evidence.models import StudySummary
from smqi.api.pages.render import escape_html as _e
from smqi.api.pages.render import layout


def _query(m: EvidenceMap, **more: str) -> str:
    params = {"rows": m.rows.name, "cols": m.cols.name}
    if m.review is not None:
        params["review"] = m.review.identifier
    return urlencode({**params, **more})


def _options(chosen: str, values: list[tuple[str, str]]) -> str:
    return "".join(
        f'<option value="{_e(value)}"{" selected" if value == chosen else ""}>{_e(label)}</option>'
        for value, label in values
    )


def _form(m: EvidenceMap) -> str:
    names = [(d.name, d.words) for d in DIMENSIONS]
    kind = {True: " (illustrative, not a review)", False: ""}
    scopes = [("", "every collection")]
    scopes += [(ref.identifier, ref.identifier + kind[ref.illustrative]) for ref in m.collections]
    review = m.review.identifier if m.review else ""
    return f"""<form method="get" action="/map" class="map-form">
<label>Rows <select name="rows">{_options(m.rows.name, names)}</select></label>
<label>Columns <select name="cols">{_options(m.cols.name, names)}</select></label>
<label>Records of <select name="review">{_options(review, scopes)}</select></label>
<button type="submit">Show</button>
</form>"""


def _cell(m: EvidenceMap, row: str, col: str, row_label: str, col_label: str) -> str:
    count = m.counts.get((row, col), 0)
    where = f'data-row="{_e(row)}" data-col="{_e(col)}" data-count="{count}"'
    if not count:
        return f'<td class="gap" {where} title="no studies: an evidence gap">0</td>'
    size = math.sqrt(count / m.largest)  # a bubble's area follows the count
    chosen = m.chosen is not None and (m.chosen.row.iri, m.chosen.col.iri) == (row, col)
    href = f"/map?{_query(m, row=row, col=col)}#studies"
    label = f"{count} studies coded {row_label} and {col_label}"
    current = ' aria-current="true"' if chosen else ""
    return (
        f'<td {where}><a class="bubble" style="--size: {size:.3f}" href="{_e(href)}" '
        f'aria-label="{_e(label)}"{current}>{count}</a></td>'
    )


def _grid(m: EvidenceMap) -> str:
    if not m.row_concepts or not m.col_concepts:
        empty = m.rows if not m.row_concepts else m.cols
        return (
            f"<p>No values of <strong>{_e(empty.words)}</strong> are in the graph, "
            "so there is no map to draw (none are invented).</p>"
        )
    head = "".join(f'<th scope="col">{_e(c.label)}</th>' for c in m.col_concepts)
    lines = []
    for row in m.row_concepts:
        cells = "".join(_cell(m, row.iri, col.iri, row.label, col.label) for col in m.col_concepts)
        lines.append(f'<tr><th scope="row">{_e(row.label)}</th>{cells}</tr>')
    caption = (
        f"Studies by {_e(m.rows.words)} (rows) and {_e(m.cols.words)} (columns), "
        "as one record codes them together"
    )
    corner = f'<th scope="col">{_e(m.rows.words)}</th>'
    return (
        f'<div class="map-scroll"><table class="map"><caption>{caption}</caption>'
        f"<thead><tr>{corner}{head}</tr></thead><tbody>{''.join(lines)}</tbody></table></div>"
    )


def _study(study: StudySummary, local: Callable[[str], str]) -> str:
    journal = f" <em>{_e(study.journal)}</em>." if study.journal else ""
    return (
        f'<li><a href="{_e(local(study.iri))}">{_e(study.first_author)} ({study.year})</a>. '
        f"{_e(study.title)}.{journal}</li>"
    )


def _chosen(m: EvidenceMap, local: Callable[[str], str]) -> str:
    cell = m.chosen
    if cell is None:
        return "<p>Choose a bubble to list the studies in its cell.</p>"
    more = (
        f"<p>The first {LISTED_STUDIES} are listed; "
        f'<a href="/summary?{_e(_query(m))}">/summary</a> lists every one.</p>'
        if cell.count > len(cell.studies)
        else ""
    )
    items = "".join(_study(study, local) for study in cell.studies)
    return (
        f'<section aria-labelledby="studies"><h2 id="studies">{cell.count} studies coded '
        f"{_e(cell.row.label)} and {_e(cell.col.label)}</h2>"
        f'<ol class="cell-studies">{items}</ol>{more}</section>'
    )


def render_map(m: EvidenceMap, notice: str, local: Callable[[str], str]) -> str:
    """The page; ``notice`` says what the studies are, ``local`` maps a study IRI to its page."""
    links = _e(_query(m))
    body = f"""<h1>Evidence map</h1>
{notice}
{_form(m)}
{_grid(m)}
<p>A bubble's area grows with its count; an empty cell is a gap: no record codes both values.
The same table as data: <a href="/summary?{links}">JSON</a>,
<a href="/summary?{links}&amp;format=csv">CSV</a>; the gaps alone:
<a href="/gaps?{links}">JSON</a>.</p>
{_chosen(m, local)}"""
    return layout("Evidence map — SMQI Evidence Graph", body)
