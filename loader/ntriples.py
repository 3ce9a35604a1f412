"""N-Triples term rendering, so the mapper can emit N-Quads text for a fast bulk load.

Rendering terms as text and letting the store parse them in one bulk load is several
times faster than building millions of term objects in Python.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

import pyoxigraph as ox

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri(value: str) -> str:
    """An IRI term; raises ValueError if ``value`` cannot be an absolute IRI.

    As strict as the store's parser: the text is loaded leniently (about twice as fast),
    so this is where a bad IRI is stopped.
    """
    try:
        ox.NamedNode(value)  # rejects relative IRIs and every character IRIs forbid
    except ValueError as exc:
        raise ValueError(f"not an absolute IRI: {value!r} ({exc})") from None
    return f"<{value}>"


def literal(value: str, datatype: str | None = None, language: str | None = None) -> str:
    """A literal term with an optional datatype IRI or language tag."""
    if '"' in value or "\\" in value or "\n" in value or "\r" in value:
        value = value.translate(_ESCAPES)  # slow per character: only when needed
    text = f'"{value}"'
    if language:
        return f"{text}@{language}"
    if datatype:
        return f"{text}^^{term_iri(datatype)}"
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


def encode_lines(lines: list[str], chunk: int = 65536) -> bytes:
    """UTF-8 of the lines joined, a chunk at a time.

    Joining millions of lines at once builds one huge str, four bytes a character if any
    line holds a character beyond Latin-1; chunks keep that widening local.
    """
    return b"".join(
        "".join(lines[i : i + chunk]).encode("utf-8") for i in range(0, len(lines), chunk)
    )
