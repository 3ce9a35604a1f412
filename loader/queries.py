"""The competency-question catalogue (``ontology/queries/*.rq``) and safe parameter binding.

User input reaches a query only as bound RDF terms: ``bind_values`` puts a VALUES block
at the start of the outer WHERE group, so the parameter restricts the pattern before any
grouping (a trailing VALUES clause would join after aggregation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

Term = ox.NamedNode | ox.Literal | ox.BlankNode

_HEADER = re.compile(r"^#\s*(CQ\d+[a-z]?):\s*(.+)$")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class QueryBindingError(ValueError):
    """A parameter name is not a SPARQL variable name, or the query has no WHERE group."""


@dataclass(frozen=True)
class CompetencyQuery:
    name: str  # file stem, e.g. cq01-studies-per-concept
    number: str  # e.g. CQ1
    question: str
    parameters: str
    returns: str
    text: str
    path: Path


def load_catalogue(queries_dir: Path) -> dict[str, CompetencyQuery]:
    """Every ``.rq`` file with its header: question, parameters, returns."""
    catalogue: dict[str, CompetencyQuery] = {}
    for path in sorted(queries_dir.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        match = _HEADER.match(lines[0]) if lines else None
        if match is None:
            raise ValueError(f"{path}: the first line must be '# CQn: <the question>'")

        def field(prefix: str, lines: list[str] = lines) -> str:
            for line in lines[1:6]:
                if line.startswith(f"# {prefix}:"):
                    return line.split(":", 1)[1].strip()
            return ""

        catalogue[path.stem] = CompetencyQuery(
            name=path.stem,
            number=match.group(1),
            question=match.group(2).strip(),
            parameters=field("Parameters"),
            returns=field("Returns"),
            text=text,
            path=path,
        )
    return catalogue


def term_to_sparql(term: Term) -> str:
    """A term in SPARQL/N-Triples syntax (pyoxigraph escapes quotes and control characters)."""
    return str(term)


def _strip_comments(query: str) -> str:
    """Blank out comments (keeping offsets) so a '# WHERE {' in a comment is not matched."""
    out: list[str] = []
    in_iri = in_string = False
    quote = ""
    chars = list(query)
    i = 0
    while i < len(chars):
        c = chars[i]
        if in_string:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                in_string = False
        elif in_iri:
            if c == ">":
                in_iri = False
        elif c in "\"'":
            in_string, quote = True, c
        elif c == "<" and i + 1 < len(chars) and not chars[i + 1].isspace():
            in_iri = True
        elif c == "#":
            end = query.find("\n", i)
            end = len(query) if end == -1 else end
            out.append(" " * (end - i))
            i = end
            continue
        out.append(c)
        i += 1
    return "".join(out)


def bind_values(query: str, bindings: Mapping[str, Term | list[Term]]) -> str:
    """Return ``query`` with a VALUES block for ``bindings`` at the start of its WHERE group.

    A list binds one variable to several values (OR within the parameter).
    """
    if not bindings:
        return query
    match = _WHERE.search(_strip_comments(query))
    if match is None:
        raise QueryBindingError("the query has no WHERE { ... } group to bind parameters in")
    blocks = []
    for name, value in bindings.items():
        if not _VARIABLE.match(name):
            raise QueryBindingError(f"'{name}' is not a SPARQL variable name")
        values = value if isinstance(value, list) else [value]
        rendered = " ".join(term_to_sparql(v) for v in values)
        blocks.append(f"VALUES ?{name} {{ {rendered} }}")
    return query[: match.end()] + "\n  " + "\n  ".join(blocks) + "\n" + query[match.end() :]
