"""Reconciling another review's study list with this graph's studies (the Reconciliation
Service API 0.2 that OpenRefine speaks): for each query, a study's title (and, optionally,
its DOI, PMID or year), the candidate studies with a score, and ``match`` when the
candidate is certainly the study.

A DOI or PMID that a study carries is a certain match. Otherwise titles are compared as
sets of words (case, accents and punctuation ignored): the score is 100 times the share of
words the two titles have in common (Jaccard), and only an identical word set, in a study of
the year given if one is, counts as certain. Candidates come from an inverted index of title
words built once per dataset version, so a query costs the studies sharing its rarer words,
not every study; a query whose words thousands of titles share gets no candidates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from smqi.api.evidence.dimensions import YEAR_PROPERTY
from smqi.api.evidence.index import property_pairs, study_index
from smqi.api.evidence.queries import Snapshot
from smqi.loader.identity import normalise_doi, normalise_pmid
from smqi.loader.terms import BIBO, DCTERMS, SMQI

STUDY_TYPE = str(SMQI.Study)
DEFAULT_LIMIT = 3
CERTAIN = 100.0
# words that say nothing about which study a title is
STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on"}
    | {"or", "the", "their", "to", "using", "via", "with"}
)
# A word in more studies than this share (and more than COMMON_AT_LEAST) is too common to
# find candidates by; a query of common words only takes the studies having all of them.
COMMON_SHARE = 0.05
COMMON_AT_LEAST = 50
MAX_POOL = 5000  # more candidates than this: the query is too unspecific to suggest any


@dataclass(frozen=True)
class Candidate:
    iri: str
    name: str
    score: float
    match: bool


@dataclass(frozen=True)
class StudyTitles:
    """Every study's title words, identifiers and year, and which studies use each word."""

    names: dict[str, str]  # study IRI -> "Author (year). Title"
    words: dict[str, frozenset[str]]  # study IRI -> its title's words
    years: dict[str, str]
    by_identifier: dict[str, str]  # normalised DOI or PMID -> study IRI
    by_word: dict[str, frozenset[str]]  # word -> studies whose title has it


def title_words(title: str) -> frozenset[str]:
    """A title's words, lower case, without accents, punctuation or stop words."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return frozenset(w for w in re.findall(r"[a-z0-9]+", plain) if w not in STOPWORDS)


def study_titles(snapshot: Snapshot) -> StudyTitles:
    """The index of the dataset version ``snapshot`` reads (built once per version)."""
    return snapshot.cached("reconciliation-titles", lambda: _build(snapshot))


def _build(snapshot: Snapshot) -> StudyTitles:
    studies = set(study_index(snapshot).studies)

    def values(prop: object) -> dict[str, str]:
        pairs = property_pairs(snapshot, str(prop), literals=True)
        return {subject: value for subject, value in pairs if subject in studies}

    by_identifier = {normalise_doi(doi): s for s, doi in values(BIBO.doi).items()}
    by_identifier |= {normalise_pmid(pmid): s for s, pmid in values(BIBO.pmid).items()}
    return index_titles(
        values(DCTERMS.title), values(SMQI.firstAuthor), values(YEAR_PROPERTY), by_identifier
    )


def index_titles(
    titles: Mapping[str, str],
    authors: Mapping[str, str],
    years: Mapping[str, str],
    by_identifier: Mapping[str, str],
) -> StudyTitles:
    """The index of these studies (by IRI); ``by_identifier`` maps a normalised DOI or PMID
    to its study."""
    words = {study: title_words(title) for study, title in titles.items()}
    by_word: dict[str, set[str]] = {}
    for study, found in words.items():
        for word in found:
            by_word.setdefault(word, set()).add(study)
    return StudyTitles(
        names={s: f"{authors.get(s, '?')} ({years.get(s, '?')}). {t}" for s, t in titles.items()},
        words=words,
        years=dict(years),
        by_identifier=dict(by_identifier),
        by_word={word: frozenset(found) for word, found in by_word.items()},
    )


def reconcile(
    index: StudyTitles,
    text: str,
    properties: Mapping[str, Sequence[str] | str] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Candidate]:
    """The best ``limit`` candidates for one query, best first. ``properties`` maps a
    property (doi, pmid, year; any case) to the values given for it, any of which may match."""
    given: dict[str, list[str]] = {}
    for name, values in (properties or {}).items():
        listed = [values] if isinstance(values, str) else list(values)
        given.setdefault(name.lower(), []).extend(v.strip() for v in listed if v.strip())
    for identifier in (*given.get("doi", ()), *given.get("pmid", ()), text.strip()):
        if not identifier:
            continue
        for key in (normalise_doi(identifier), normalise_pmid(identifier)):
            study = index.by_identifier.get(key)
            if study is not None:
                return [Candidate(study, index.names[study], CERTAIN, True)]
    wanted = title_words(text)
    if not wanted:
        return []
    common = max(COMMON_AT_LEAST, int(COMMON_SHARE * len(index.words)))
    found = {w: index.by_word.get(w, frozenset()) for w in wanted}
    rare = [studies for studies in found.values() if 0 < len(studies) <= common]
    pool: set[str] = set()
    if rare:
        pool = set().union(*rare)
    elif all(found.values()):
        pool = set(frozenset.intersection(*found.values()))
    if len(pool) > MAX_POOL:
        return []  # so unspecific that any few of the many equal candidates would mislead
    years = given.get("year")
    scored = []
    for study in pool:
        words = index.words[study]
        score = round(CERTAIN * len(wanted & words) / len(wanted | words), 1)
        same_year = not years or index.years.get(study) in years
        scored.append(Candidate(study, index.names[study], score, score == CERTAIN and same_year))
    scored.sort(key=lambda c: (-c.score, c.iri))
    if sum(c.match for c in scored) > 1:  # two studies with the same title: let a person choose
        scored = [Candidate(c.iri, c.name, c.score, False) for c in scored]
    return scored[: max(0, limit)]
