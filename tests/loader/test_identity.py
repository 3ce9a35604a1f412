"""Unit tests of study identity: DOI, else PMID, else author + year + title."""

from __future__ import annotations

from smqi.loader.identity import StudyKeys, StudyResolver, normalise_doi, title_key


def keys(doi: str | None, pmid: str | None, title: str = "A study") -> StudyKeys:
    return StudyKeys(doi, pmid, title_key("Smith", "2020", title))


def test_doi_is_normalised_from_resolver_links_and_case() -> None:
    assert normalise_doi("https://doi.org/10.1136/BMJQS-2015-004309") == "10.1136/bmjqs-2015-004309"
    assert normalise_doi("doi: 10.1/X") == "10.1/x"


def test_a_pmid_only_row_joins_the_study_another_row_gives_with_a_doi() -> None:
    resolver = StudyResolver()
    with_doi, pmid_only = keys("10.1/x", "123"), keys(None, "123")
    resolver.add(pmid_only)
    resolver.add(with_doi)
    assert resolver.canonical(pmid_only) == resolver.canonical(with_doi) == "study/doi/10.1/x"


def test_a_row_without_identifiers_joins_by_author_year_and_title() -> None:
    resolver = StudyResolver()
    resolver.add(keys("10.1/x", None, "Tweets about hospital quality"))
    bare = keys(None, None, "Tweets About Hospital Quality!")
    resolver.add(bare)
    assert resolver.canonical(bare) == "study/doi/10.1/x"


def test_unidentified_studies_get_a_stable_digest() -> None:
    first, second = StudyResolver(), StudyResolver()
    bare = keys(None, None, "Narratives of Twitter")
    first.add(bare)
    second.add(bare)
    assert first.canonical(bare) == second.canonical(bare)
    assert first.canonical(bare).startswith("study/ref/")


def test_two_dois_joined_by_one_pmid_are_a_conflict() -> None:
    resolver = StudyResolver()
    resolver.add(keys("10.1/a", "9"))
    resolver.add(keys("10.1/b", "9"))
    assert list(resolver.conflicts().values()) == [["10.1/a", "10.1/b"]]
