"""Free-text search over the studies' titles and the summaries their records carry.

Each study's title and summaries are folded once per dataset version (case, accents and
punctuation ignored) and kept in listing order, beside the study index. A search matches
the studies whose text holds every word of the query (as the start of a word, so "tweet"
finds "tweets" but "wee" does not), and answers a bit set like every other filter.
"""

from __future__ import annotations

import re
import unicodedata
from functools import partial

from smqi.api.evidence.index import (
    StudyIndex,
    bit_set,
    property_pairs,
    reads_ahead,
    study_index,
)
from smqi.api.evidence.queries import Snapshot
from smqi.loader.terms import DCTERMS, SMQI

_NOT_WORD = re.compile(r"[^\w]+")
MAX_WORDS = 20  # a query longer than this is cut: each word is one scan of every text


def fold(text: str) -> str:
    """``text`` in lower case, without accents, its words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", plain).split())


def query_words(query: str) -> list[str]:
    """The distinct folded words of a query, in order, at most MAX_WORDS."""
    return list(dict.fromkeys(fold(query).split()))[:MAX_WORDS]


def study_texts(snapshot: Snapshot) -> tuple[str, ...]:
    """Each study's folded title and summaries, by its position in the study index, each
    text starting with a space so that a word's start is always " word"."""
    return snapshot.cached("study-texts", lambda: _read_texts(snapshot, study_index(snapshot)))


def _read_texts(snapshot: Snapshot, index: StudyIndex) -> tuple[str, ...]:
    position = {study: place for place, study in enumerate(index.studies)}
    parts: list[list[str]] = [[] for _ in index.studies]
    reads = [
        partial(property_pairs, snapshot, str(DCTERMS.title), True),
        partial(property_pairs, snapshot, str(SMQI.codesStudy), False),
        partial(property_pairs, snapshot, str(SMQI.summary), True),
    ]
    with reads_ahead(snapshot, reads) as answers:  # as the index's
        for subject, title in next(answers):
            if subject in position:
                parts[position[subject]].append(title)
        study_of = dict(next(answers))
        for record, summary in next(answers):
            study = study_of.get(record)
            if study in position:
                parts[position[study]].append(summary)
    return tuple(" " + fold(" ".join(texts)) for texts in parts)


def text_matches(snapshot: Snapshot, query: str) -> int:
    """The bit set of the studies whose title or summaries hold every word of ``query``."""
    words = [" " + word for word in query_words(query)]
    texts = study_texts(snapshot)
    if not words:
        return (1 << len(texts)) - 1
    found = (place for place, text in enumerate(texts) if all(w in text for w in words))
    return bit_set(found, len(texts))
