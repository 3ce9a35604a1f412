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
import sys
import unicodedata
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from smqi.api.evidence.dimensions import YEAR_PROPERTY
from smqi.api.evidence.index import property_pairs, reads_ahead, study_index
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
EMPTY: array[int] = array("I")


@dataclass(frozen=True)
class Candidate:
    iri: str
    name: str
    score: float
    match: bool


@dataclass(frozen=True)
class StudyTitles:
    """Every study's title, first author, year and identifiers, and which studies use each
    title word, by study number. Compact on purpose: at 1M studies, sets of study IRIs per
    word and a set of words per study took over a gigabyte; a study's words are worked out
    again for the few candidates a query has."""

    studies: tuple[str, ...]  # study IRI by number
    titles: tuple[str, ...]
    authors: tuple[str | None, ...]
    years: tuple[str | None, ...]
    by_identifier: dict[str, int]  # normalised DOI or PMID -> study number
    by_word: dict[str, array[int]]  # word -> numbers of the studies whose title has it

    def name(self, number: int) -> str:
        """ "Author (year). Title" of study ``number``."""
        author, year = self.authors[number] or "?", self.years[number] or "?"
        return f"{author} ({year}). {self.titles[number]}"


def title_words(title: str) -> frozenset[str]:
    """A title's words, lower case, without accents, punctuation or stop words."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return frozenset(w for w in re.findall(r"[a-z0-9]+", plain) if w not in STOPWORDS)


def study_titles(snapshot: Snapshot) -> StudyTitles:
    """The index of the dataset version ``snapshot`` reads (built once per version)."""
    return snapshot.cached("reconciliation-titles", lambda: _build(snapshot))


def _build(snapshot: Snapshot) -> StudyTitles:
    studies = set(study_index(snapshot).studies)
    props = (DCTERMS.title, SMQI.firstAuthor, YEAR_PROPERTY, BIBO.doi, BIBO.pmid)
    # the store's bulk_reads of them at once, as for the study index
    reads = [partial(property_pairs, snapshot, str(prop), True) for prop in props]
    with reads_ahead(snapshot, reads) as answers:
        titles, authors, years, dois, pmids = (
            {subject: value for subject, value in pairs if subject in studies} for pairs in answers
        )
    by_identifier = {normalise_doi(doi): s for s, doi in dois.items()}
    by_identifier |= {normalise_pmid(pmid): s for s, pmid in pmids.items()}
    return index_titles(titles, authors, years, by_identifier)


def index_titles(
    titles: Mapping[str, str],
    authors: Mapping[str, str],
    years: Mapping[str, str],
    by_identifier: Mapping[str, str],
) -> StudyTitles:
    """The index of these studies (by IRI); ``by_identifier`` maps a normalised DOI or PMID
    to its study."""
    studies = tuple(titles)
    number = {study: n for n, study in enumerate(studies)}
    by_word: dict[str, array[int]] = {}
    for n, title in enumerate(titles.values()):
        for word in title_words(title):
            by_word.setdefault(word, array("I")).append(n)
    return StudyTitles(
        studies=studies,
        titles=tuple(titles.values()),
        authors=tuple(authors.get(s) for s in studies),
        years=tuple(sys.intern(years[s]) if s in years else None for s in studies),
        by_identifier={key: number[s] for key, s in by_identifier.items() if s in number},
        by_word=by_word,
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
            found_number = index.by_identifier.get(key)
            if found_number is not None:
                study = index.studies[found_number]
                return [Candidate(study, index.name(found_number), CERTAIN, True)]
    wanted = title_words(text)
    if not wanted:
        return []
    common = max(COMMON_AT_LEAST, int(COMMON_SHARE * len(index.studies)))
    found = {w: index.by_word.get(w, EMPTY) for w in wanted}
    rare = [numbers for numbers in found.values() if 0 < len(numbers) <= common]
    pool: set[int] = set()
    if rare:
        pool = set().union(*rare)
    elif all(found.values()):
        first, *others = found.values()
        pool = set(first).intersection(*others)
    if len(pool) > MAX_POOL:
        return []  # so unspecific that any few of the many equal candidates would mislead
    years = given.get("year")
    scored = []
    for n in pool:
        words = title_words(index.titles[n])
        score = round(CERTAIN * len(wanted & words) / len(wanted | words), 1)
        same_year = not years or index.years[n] in years
        match = score == CERTAIN and same_year
        scored.append(Candidate(index.studies[n], index.name(n), score, match))
    scored.sort(key=lambda c: (-c.score, c.iri))
    if sum(c.match for c in scored) > 1:  # two studies with the same title: let a person choose
        scored = [Candidate(c.iri, c.name, c.score, False) for c in scored]
    return scored[: max(0, limit)]
