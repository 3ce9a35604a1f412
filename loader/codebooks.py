"""A review's own codebook: its typology or themes, in a concept scheme named for it.

A review's themes (or typology) are that review's, not a shared vocabulary's: they live in
a scheme named for the review, ``vocab/{review}-themes`` (``vocab/{review}-models-of-use``),
declared ``smqi:codebookOf`` the review and ``smqi:codebookFor`` the shared dimension
(``vocab/theme``, ``vocab/model-of-use``), so that the next review's typology never lands
among another's. A sheet column of a review's collection coded in the shared dimension
resolves its values in the review's codebook first.
"""

from __future__ import annotations

from smqi.loader.concepts import scheme_iri

CODEBOOKS = {"theme": "themes", "model-of-use": "models-of-use"}


def codebook_scheme(review: str, dimension: str) -> str:
    """The name (under vocab/) of ``review``'s own codebook for the shared ``dimension``."""
    return f"{review}-{CODEBOOKS[dimension]}"


def codebook_iri(review: str, dimension: str) -> str:
    return scheme_iri(codebook_scheme(review, dimension))


def resolution_order(collection: str, kind: str, scheme: str) -> tuple[str, ...]:
    """The schemes a value of ``scheme`` is looked up in, for a sheet of ``collection``."""
    if kind == "review" and scheme in CODEBOOKS:
        return (codebook_scheme(collection, scheme), scheme)
    return (scheme,)
