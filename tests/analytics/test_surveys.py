"""Survey statistics: NPS, CSAT, CES, Cronbach's alpha, SERVQUAL, key drivers.

Cronbach's alpha is checked against printed values (the pingouin documentation's
`cronbach_wide_missing` example, which it states agrees with R's psych::alpha) and
against independent derivations: Hoyt's (1941) two-way ANOVA identity
α = 1 − MS_residual/MS_respondents, the Spearman–Brown formula, deletion of an item,
and the coverage of Feldt's interval in simulation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqms_analytics import surveys
from sqms_analytics.errors import InputError


def test_it_counts_promoters_passives_and_detractors() -> None:
    # Bain's definition: promoters 9–10, passives 7–8, detractors 0–6.
    scores = [10, 9, 9, 8, 7, 6, 0, 10, 3, 9]
    r = surveys.nps(scores)
    assert (r.promoters, r.passives, r.detractors, r.n) == (5, 2, 3, 10)
    assert r.nps == pytest.approx(20.0)
    assert r.ci[0] < 20 < r.ci[1]


def test_it_ignores_missing_answers_and_rejects_impossible_ones() -> None:
    assert surveys.nps([10, np.nan, 0]).n == 2
    with pytest.raises(InputError) as info:
        surveys.nps([10, 11, 3])
    assert info.value.code == "out_of_range"
    assert info.value.index == 1
    with pytest.raises(InputError):
        surveys.nps([7.5])


def test_it_gives_the_nps_interval_from_the_multinomial_variance() -> None:
    scores = [10] * 50 + [8] * 30 + [2] * 20
    r = surveys.nps(scores, confidence=0.95)
    var = (0.5 + 0.2 - 0.3**2) / 100
    assert r.ci[1] - r.nps == pytest.approx(100 * 1.959964 * np.sqrt(var), rel=1e-5)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=200))
def test_it_keeps_nps_and_its_interval_within_plus_minus_100(scores: list[int]) -> None:
    r = surveys.nps(scores)
    assert -100 <= r.ci[0] <= r.nps <= r.ci[1] <= 100
    assert r.promoters + r.passives + r.detractors == r.n


def test_it_computes_csat_as_the_top_two_box_share() -> None:
    r = surveys.csat([5, 4, 3, 2, 5, 4, 1, 5])
    assert r.share == pytest.approx(5 / 8)
    assert r.mean == pytest.approx(29 / 8)
    assert 0 <= r.share_ci[0] < r.share < r.share_ci[1] <= 1


def test_it_computes_ces_on_a_seven_point_scale() -> None:
    r = surveys.ces([7, 6, 5, 4, 3, 2, 1, 7])
    assert r.share == pytest.approx(4 / 8)
    assert r.mean == pytest.approx(35 / 8)


def _hoyt_alpha(x: np.ndarray) -> float:
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_res = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    ms_rows = ss_rows / (n - 1)
    ms_res = ss_res / ((n - 1) * (k - 1))
    return 1 - ms_res / ms_rows


def _likert(n: int, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=(n, 1))
    return np.clip(np.round(3 + trait + rng.normal(scale=0.9, size=(n, k))), 1, 5)


def test_it_agrees_with_hoyts_anova_estimate() -> None:
    x = _likert(300, 8, seed=1)
    assert surveys.cronbach_alpha(x).alpha == pytest.approx(_hoyt_alpha(x), rel=1e-10)


def test_it_follows_spearman_brown_for_equal_variances_and_correlations() -> None:
    # Exactly compound-symmetric data: k items, unit variances, correlation r.
    k, r = 6, 0.3
    cov = np.full((k, k), r) + (1 - r) * np.eye(k)
    assert surveys.alpha_from_covariance(cov) == pytest.approx(k * r / (1 + (k - 1) * r))


def test_it_gives_alpha_if_item_deleted_as_alpha_without_that_item() -> None:
    x = _likert(200, 5, seed=2)
    r = surveys.cronbach_alpha(x)
    for i in range(5):
        assert r.if_item_deleted[i] == pytest.approx(
            surveys.cronbach_alpha(np.delete(x, i, axis=1)).alpha
        )


def _wide_missing() -> np.ndarray:
    path = Path(__file__).parent / "data" / "cronbach_wide_missing.csv"
    return np.genfromtxt(
        path, delimiter=",", skip_header=1, missing_values="", filling_values=np.nan
    )


def test_it_matches_the_published_alpha_with_missing_answers() -> None:
    # Source: pingouin documentation, pingouin.cronbach_alpha, example "Binary wide-format
    # dataframe (with missing values)": pairwise (psych::alpha(use="pairwise")) 0.732661 with
    # Feldt 95 % CI [0.435, 0.909]; listwise (use="complete.obs") 0.801695.
    x = _wide_missing()
    assert x.shape == (12, 11)
    pairwise = surveys.cronbach_alpha(x, missing="pairwise")
    assert pairwise.alpha == pytest.approx(0.732661, abs=5e-7)
    assert pairwise.ci == pytest.approx((0.435, 0.909), abs=5e-4)
    listwise = surveys.cronbach_alpha(x, missing="listwise")
    assert listwise.alpha == pytest.approx(0.801695, abs=5e-7)
    # The printed listwise interval [0.581, 0.933] keeps n = 12 although three rows were
    # dropped; SQMS uses the 9 respondents the estimate rests on, so its interval is wider.
    assert listwise.n == 9
    assert listwise.ci[0] < 0.581
    assert listwise.ci[1] > 0.933


def test_it_uses_pairwise_complete_covariances() -> None:
    x = _likert(120, 4, seed=3)
    rng = np.random.default_rng(4)
    x[rng.random(x.shape) < 0.15] = np.nan
    cov, _ = surveys.item_covariance(x, "pairwise")
    for i in range(4):
        for j in range(4):
            both = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            expected = np.cov(x[both, i], x[both, j])[0, 1]
            assert cov[i, j] == pytest.approx(expected)
    listwise = surveys.cronbach_alpha(x, missing="listwise")
    complete = x[~np.isnan(x).any(axis=1)]
    assert listwise.alpha == pytest.approx(surveys.cronbach_alpha(complete).alpha)
    assert listwise.n == complete.shape[0]


def test_its_feldt_interval_covers_the_population_alpha() -> None:
    # Parallel items: population alpha = kρ/(1 + (k−1)ρ) with ρ = 1/(1 + σ²_e).
    k, n, reps = 5, 60, 400
    rng = np.random.default_rng(11)
    rho = 1 / (1 + 1.5**2)
    true_alpha = k * rho / (1 + (k - 1) * rho)
    hits = 0
    for _ in range(reps):
        x = rng.normal(size=(n, 1)) + rng.normal(scale=1.5, size=(n, k))
        lo, hi = surveys.cronbach_alpha(x).ci
        hits += lo <= true_alpha <= hi
    assert 0.92 <= hits / reps <= 0.98


def test_it_rejects_a_single_item() -> None:
    with pytest.raises(InputError) as info:
        surveys.cronbach_alpha(np.ones((5, 1)))
    assert info.value.code == "too_few_items"


def test_it_computes_servqual_gaps_per_item_and_dimension() -> None:
    rng = np.random.default_rng(12)
    e = rng.integers(4, 8, size=(30, 22)).astype(float)
    p = rng.integers(1, 8, size=(30, 22)).astype(float)
    r = surveys.servqual(e, p)
    np.testing.assert_allclose(r.item_gap, (p - e).mean(axis=0))
    assert r.dimensions == surveys.SERVQUAL_DIMENSIONS
    tangibles = (p - e)[:, 0:4].mean(axis=1).mean()
    assert r.dimension_gap[0] == pytest.approx(tangibles)
    assert r.unweighted == pytest.approx(r.dimension_gap.mean())
    weighted = surveys.servqual(e, p, importance=[10, 30, 20, 20, 20])
    w = np.array([0.1, 0.3, 0.2, 0.2, 0.2])
    assert weighted.weighted == pytest.approx(float(w @ r.dimension_gap))


def test_it_needs_the_dimensions_unless_there_are_22_items() -> None:
    with pytest.raises(InputError) as info:
        surveys.servqual(np.ones((3, 4)), np.ones((3, 4)))
    assert info.value.code == "servqual_dimensions_needed"
    r = surveys.servqual(
        np.ones((3, 4)), np.full((3, 4), 2.0), dimensions={"a": [0, 1], "b": [2, 3]}
    )
    assert r.dimension_gap.tolist() == [1.0, 1.0]


def test_it_splits_r_squared_among_key_drivers() -> None:
    rng = np.random.default_rng(13)
    x = rng.normal(size=(500, 4))
    x[:, 1] += 0.6 * x[:, 0]  # correlated predictors
    y = 2 * x[:, 0] + 1 * x[:, 1] + 0.2 * x[:, 3] + rng.normal(size=500)
    r = surveys.key_drivers(x, y)
    design = np.column_stack([np.ones(500), x])
    resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    r2 = 1 - resid.var() / y.var()
    assert r.r_squared == pytest.approx(r2)
    assert r.relative_weight.sum() == pytest.approx(r2)
    assert r.order[0] == 0
    assert r.order[-1] == 2


def test_it_gives_squared_correlations_for_uncorrelated_drivers() -> None:
    # With orthogonal predictors the relative weights are the squared correlations.
    x = np.linalg.qr(np.random.default_rng(14).normal(size=(100, 3)))[0] * 10
    x -= x.mean(axis=0)
    y = x @ np.array([3.0, 1.0, 0.5]) + np.random.default_rng(15).normal(size=100)
    r = surveys.key_drivers(x, y)
    np.testing.assert_allclose(r.relative_weight, r.correlation**2, atol=0.02)
