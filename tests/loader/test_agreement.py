"""Inter-coder agreement (loader.agreement) against independent implementations: Cohen's
kappa from scikit-learn, Krippendorff's alpha from the krippendorff package, on SYNTHETIC
codings drawn by a seeded generator (no real data)."""

from __future__ import annotations

import math
import random

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from smqi.loader.agreement import Coding, cohens_kappa, krippendorffs_alpha, measure

CATEGORIES = ["twitter", "facebook", "youtube", "twitter\nfacebook", ""]


def synthetic_pairs(seed: int, n: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        first = rng.choice(CATEGORIES)
        second = first if rng.random() < 0.6 else rng.choice(CATEGORIES)
        pairs.append((first, second))
    return pairs


@pytest.mark.parametrize("seed", range(8))
def test_cohens_kappa_is_scikit_learns(seed: int) -> None:
    pairs = synthetic_pairs(seed, 40)
    expected = cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs])
    assert cohens_kappa(pairs) == pytest.approx(expected, abs=1e-12)


def test_kappa_is_undefined_when_chance_agreement_is_total() -> None:
    assert cohens_kappa([("twitter", "twitter")] * 5) is None
    assert cohens_kappa([]) is None
    # one category each, but different: chance agreement 0, kappa 0
    assert cohens_kappa([("twitter", "facebook")] * 3) == 0


@pytest.mark.parametrize("seed", range(8))
def test_krippendorffs_alpha_is_the_krippendorff_packages(seed: int) -> None:
    rng = random.Random(seed)
    coders, units = 4, 30
    codes = {c: i for i, c in enumerate(CATEGORIES)}
    matrix = np.full((coders, units), np.nan)
    values: list[list[str]] = []
    for unit in range(units):
        truth = rng.choice(CATEGORIES)
        given = []
        for coder in range(coders):
            if rng.random() < 0.2:
                continue  # this coder did not code this unit: missing data
            value = truth if rng.random() < 0.7 else rng.choice(CATEGORIES)
            matrix[coder, unit] = codes[value]
            given.append(value)
        values.append(given)
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert krippendorffs_alpha(values) == pytest.approx(expected, abs=1e-9)


def test_alpha_is_undefined_without_variation() -> None:
    assert krippendorffs_alpha([["a", "a"], ["a", "a", "a"]]) is None
    assert krippendorffs_alpha([["a"], ["b"]]) is None  # no unit pairable


def _coding(study: str, coder: str, platforms: set[str], row: int) -> Coding:
    return Coding(
        collection="urn:synthetic:collection",
        collection_id="synthetic",
        study=study,
        record=f"urn:synthetic:{study}:{coder}",
        coder=coder,
        coder_label=coder.upper(),
        sheet="synthetic.csv",
        row=row,
        values={"platform": frozenset(platforms)},
    )


def test_measure_takes_each_studys_set_of_values_as_one_category() -> None:
    codings = [
        _coding("s1", "a", {"twitter", "facebook"}, 2),
        _coding("s1", "b", {"facebook", "twitter"}, 3),  # same set, other order: agree
        _coding("s2", "a", {"twitter"}, 4),
        _coding("s2", "b", {"twitter", "youtube"}, 5),  # a superset: disagree
        _coding("s3", "a", set(), 6),
        _coding("s3", "b", set(), 7),  # both coded none: agree
        _coding("s4", "a", {"youtube"}, 8),  # one coder only: no unit
    ]
    [result] = measure(codings, {"urn:synthetic:collection": ["platform"]})
    assert (result.units, result.coders) == (3, 2)
    assert result.percent_agreement == pytest.approx(100 * 2 / 3, abs=1e-6)
    labels = [["facebook\ntwitter", "facebook\ntwitter"], ["twitter", "twitter\nyoutube"], ["", ""]]
    expected = cohen_kappa_score([a for a, _ in labels], [b for _, b in labels])
    assert result.cohens_kappa == pytest.approx(expected, abs=1e-6)
    assert result.krippendorffs_alpha is None
    [disagreement] = result.disagreements
    assert disagreement.study == "s2"
    assert [(c.coder_label, c.row) for c in disagreement.codings] == [("A", 4), ("B", 5)]
    assert not math.isnan(result.cohens_kappa or math.nan)
