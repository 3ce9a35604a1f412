"""N-Triples term rendering, so the mapper can emit N-Quads text for a fast bulk load.

Rendering terms as text and letting the store parse them in one bulk load is several
times faster than building millions of term objects in Python.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\s]')


def iri(value: str) -> str:
    """An IRI term; raises ValueError if ``value`` cannot be an absolute IRI."""
    if ":" not in value or _IRI_FORBIDDEN.search(value):
        raise ValueError(f"not an absolute IRI: {value!r}")
    return f"<{value}>"


def literal(value: str, datatype: str | None = None, language: str | None = None) -> str:
    """A literal term with an optional datatype IRI or language tag."""
    text = '"' + value.translate(_ESCAPES) + '"'
    if language:
        return f"{text}@{language}"
    if datatype:
        return f"{text}^^<{datatype}>"
    return text


@lru_cache(maxsize=4096)
def term_iri(value: str) -> str:
    """``iri`` for the few vocabulary terms used over and over (cached)."""
    return iri(value)


def quad(subject: str, predicate: str, obj: str, graph: str) -> str:
    return f"{subject} {predicate} {obj} {graph} .\n"


def path_segment(value: str) -> str:
    """Percent-encode ``value`` for use inside an IRI path, keeping '/' for readability."""
    return quote(value, safe="/-._~")
