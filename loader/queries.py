"""The competency-question catalogue: ``ontology/queries/*.rq``, each opening with a header
that names its question (``# CQn: ...``), its parameters and what it returns.

Parameters are bound as RDF terms by whoever runs a query (``api.store.sparql.bind`` puts
them in a VALUES block at the start of the WHERE group), never by string formatting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEADER = re.compile(r"^#\s*(CQ\d+[a-z]?):\s*(.+)$")


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
