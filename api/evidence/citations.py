"""Studies as references for a reference manager: RIS and BibTeX.

The graph knows a study's first author only (as the sheet codes it), so RIS lists that one
author and BibTeX writes ``Surname and others``. Each reference notes that the study comes
from the illustrative extraction when it does, so an import never passes it off as a
review's included study.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from smqi.api.evidence.models import StudySummary

RIS = "application/x-research-info-systems"
BIBTEX = "application/x-bibtex"
ILLUSTRATIVE_NOTE = (
    "SMQI Evidence Graph, illustrative extraction (coded from the public abstract; "
    "not a review's included study)"
)


def _note(study: StudySummary) -> str | None:
    return ILLUSTRATIVE_NOTE if any(c.illustrative for c in study.collections) else None


def _one_line(value: str) -> str:
    return " ".join(value.split())


def studies_ris(studies: Iterable[StudySummary], page_url: str | None = None) -> bytes:
    """The studies as RIS records (journal articles), CRLF-separated as the format asks."""
    lines: list[str] = []
    for study in studies:
        fields = [
            ("TY", "JOUR"),
            ("AU", study.first_author),
            ("PY", str(study.year) if study.year else ""),
            ("TI", study.title),
            ("T2", study.journal or ""),
            ("JO", study.journal or ""),
            ("DO", study.doi or ""),
            ("UR", f"https://doi.org/{study.doi}" if study.doi else ""),
            ("AN", f"PMID:{study.pmid}" if study.pmid else ""),
            ("N1", _note(study) or ""),
            ("L2", study.iri),
        ]
        lines += [f"{tag}  - {_one_line(value)}" for tag, value in fields if value]
        lines.append("ER  - ")
        lines.append("")
    return "\r\n".join(lines).encode("utf-8")


_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def bibtex_escape(value: str) -> str:
    """``value`` as BibTeX field text: TeX's special characters escaped, one line."""
    return "".join(_BIBTEX_SPECIAL.get(c, c) for c in _one_line(value))


def _key_part(value: str) -> str:
    plain = unicodedata.normalize("NFKD", value)
    return re.sub(r"[^A-Za-z0-9]", "", "".join(c for c in plain if not unicodedata.combining(c)))


def studies_bibtex(studies: Iterable[StudySummary]) -> bytes:
    """The studies as BibTeX ``@article`` entries with unique keys (author, year, word)."""
    entries: list[str] = []
    used: set[str] = set()
    for study in studies:
        word = next((w for w in study.title.split() if len(_key_part(w)) > 3), "study")
        base = (_key_part(study.first_author) + str(study.year or "") + _key_part(word)).lower()
        key, suffix = base or "study", 0
        while key in used:
            suffix += 1
            key = f"{base}{chr(ord('a') + suffix - 1)}" if suffix <= 26 else f"{base}{suffix}"
        used.add(key)
        fields = [
            ("author", f"{bibtex_escape(study.first_author)} and others"),
            ("title", "{" + bibtex_escape(study.title) + "}"),
            ("journal", bibtex_escape(study.journal or "")),
            ("year", str(study.year) if study.year else ""),
            ("doi", bibtex_escape(study.doi or "")),
            ("pmid", study.pmid or ""),
            ("url", f"https://doi.org/{bibtex_escape(study.doi)}" if study.doi else ""),
            ("note", bibtex_escape(_note(study) or "")),
        ]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        entries.append(f"@article{{{key},\n{body}\n}}\n")
    return "\n".join(entries).encode("utf-8")
