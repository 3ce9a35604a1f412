"""Stable study identity: the same study gets the same IRI from any sheet.

A study is identified by its DOI, else its PubMed ID, else its normalised first author,
year and title. Rows are unified across all sheets of a build: a row that gives only a
PMID joins the study another row gives with that PMID and a DOI.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from smqi.loader import ntriples as nt

DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")


def normalise_doi(value: str) -> str:
    """Lower-case DOI without resolver prefix or 'doi:'; DOIs are case-insensitive."""
    doi = value.strip()
    for prefix in DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
    if doi.lower().startswith("doi:"):
        doi = doi[4:].strip()
    return doi.lower()


def normalise_pmid(value: str) -> str:
    return value.strip().removeprefix("PMID:").strip()


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).strip()


@lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """A lower-case, hyphenated IRI path segment naming ``text`` (a coder, a theme)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def title_key(first_author: str, year: str, title: str) -> str:
    return f"{_fold(first_author)}|{year.strip()}|{_fold(title)}"


@dataclass(frozen=True)
class StudyKeys:
    doi: str | None
    pmid: str | None
    fallback: str


class StudyResolver:
    """Union-find over DOI and PMID keys, then a canonical IRI path per study."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._title_aliases: dict[str, set[str]] = {}

    def _find(self, key: str) -> str:
        parent = self._parent.setdefault(key, key)
        if parent != key:
            parent = self._parent[key] = self._find(parent)
        return parent

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            # keep a DOI as the root so the component's canonical key is its DOI
            if rb.startswith("doi:") and not ra.startswith("doi:"):
                ra, rb = rb, ra
            self._parent[rb] = ra

    def add(self, keys: StudyKeys) -> None:
        strong = [
            k
            for k in (
                f"doi:{keys.doi}" if keys.doi else None,
                f"pmid:{keys.pmid}" if keys.pmid else None,
            )
            if k
        ]
        for key in strong:
            self._find(key)
        if len(strong) == 2:
            self._union(strong[0], strong[1])
        if strong:
            self._title_aliases.setdefault(keys.fallback, set()).add(strong[0])

    def canonical(self, keys: StudyKeys) -> str:
        """The study's IRI path below the base: ``study/{doi,pmid,ref}/...``."""
        if keys.doi or keys.pmid:
            root = self._find(f"doi:{keys.doi}" if keys.doi else f"pmid:{keys.pmid}")
        else:
            roots = {self._find(alias) for alias in self._title_aliases.get(keys.fallback, ())}
            if len(roots) != 1:
                digest = hashlib.sha256(keys.fallback.encode()).hexdigest()[:16]
                return f"study/ref/{digest}"
            root = roots.pop()
        scheme, _, value = root.partition(":")
        return f"study/{scheme}/{nt.path_segment(value)}"

    def conflicts(self) -> dict[str, list[str]]:
        """Components holding more than one DOI (e.g. one PMID given with two DOIs)."""
        dois: dict[str, list[str]] = {}
        for key in self._parent:
            if key.startswith("doi:"):
                dois.setdefault(self._find(key), []).append(key[4:])
        return {root: sorted(values) for root, values in dois.items() if len(values) > 1}
