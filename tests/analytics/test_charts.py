"""Control-chart behaviour: phases, standards given, per-point limits, truncation,
EWMA and CUSUM against their defining recursions, chart choice, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sqms_analytics import charts
from sqms_analytics.charts import ChartType, MetricKind
from sqms_analytics.constants import c4, d2
from sqms_analytics.errors import InputError

from . import reference_data


def test_it_estimates_limits_from_phase_i_only() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(10, 1, 30), rng.normal(50, 1, 10)])
    chart = charts.imr_chart(x, phase1=30)
    assert chart.center == pytest.approx(x[:30].mean())
    mr = np.abs(np.diff(x[:30]))
    assert chart.sigma == pytest.approx(mr.mean() / d2(2))
    assert chart.phase.tolist() == [1] * 30 + [2] * 10
    assert chart.main.rules.flagged()[30:].all()


def test_it_leaves_excluded_points_on_the_chart_but_out_of_the_estimate() -> None:
    x = np.array([10.0, 11, 9, 10, 100, 10, 11, 9, 10, 10])
    exclude = np.zeros(10, dtype=bool)
    exclude[4] = True
    chart = charts.imr_chart(x, exclude=exclude)
    kept = np.delete(x, 4)
    assert chart.center == pytest.approx(kept.mean())
    # Moving ranges that touch the excluded point are not used either.
    pairs = [abs(x[i] - x[i - 1]) for i in range(1, 10) if i not in (4, 5)]
    assert chart.sigma == pytest.approx(np.mean(pairs) / d2(2))
    assert chart.n == 10
    assert chart.excluded.tolist() == exclude.tolist()


def test_it_plots_against_known_centre_and_sigma() -> None:
    chart = charts.imr_chart([1.0, 2.0, 3.0], center=2.0, sigma=0.5)
    assert (chart.main.center_line, chart.main.ucl_line, chart.main.lcl_line) == (2.0, 3.5, 0.5)
    assert chart.standards_given
    assert chart.phase.tolist() == [2, 2, 2]


def test_it_gives_known_parameters_to_an_xbar_chart() -> None:
    data = np.arange(20.0).reshape(4, 5)
    chart = charts.xbar_r_chart(data, center=10.0, sigma=2.0)
    assert chart.main.ucl_line == pytest.approx(10 + 3 * 2 / np.sqrt(5))
    assert chart.companion is not None
    assert chart.companion.center_line == pytest.approx(d2(5) * 2.0)


def test_it_gives_per_point_limits_when_the_sample_size_varies() -> None:
    counts = np.array([5, 10, 3, 8])
    sizes = np.array([50, 100, 40, 120])
    chart = charts.p_chart(counts, sizes)
    pbar = counts.sum() / sizes.sum()
    expected = pbar + 3 * np.sqrt(pbar * (1 - pbar) / sizes)
    np.testing.assert_allclose(chart.main.ucl, expected)
    assert chart.main.ucl_line is None
    assert chart.main.center_line == pytest.approx(pbar)


def test_it_gives_per_point_limits_to_a_u_chart() -> None:
    chart = charts.u_chart([4, 9, 2], [1.0, 2.5, 0.5])
    ubar = 15 / 4.0
    np.testing.assert_allclose(chart.main.ucl, ubar + 3 * np.sqrt(ubar / np.array([1, 2.5, 0.5])))


def test_it_gives_per_point_limits_to_an_xbar_s_chart_with_unequal_subgroups() -> None:
    data = reference_data.pistonrings()[:25].copy()
    data[3, 3:] = np.nan  # subgroup 4 has 3 values
    data[7, 4] = np.nan  # subgroup 8 has 4
    chart = charts.xbar_s_chart(data)
    ucl = chart.main.ucl
    assert ucl[3] > ucl[7] > ucl[0]
    assert ucl[3] - chart.center == pytest.approx(3 * chart.sigma / np.sqrt(3))
    assert chart.companion is not None
    assert chart.companion.center[3] == pytest.approx(c4(3) * chart.sigma)


def test_it_reduces_to_s_bar_over_c4_with_equal_subgroups() -> None:
    data = reference_data.pistonrings()[:25]
    s = data.std(axis=1, ddof=1)
    assert charts.xbar_s_chart(data).sigma == pytest.approx(s.mean() / c4(5))
    pooled = charts.xbar_s_chart(data, sigma_method="pooled").sigma
    assert pooled == pytest.approx(np.sqrt(np.mean(s**2)) / c4(101))


def test_it_truncates_a_negative_lower_limit_at_zero() -> None:
    chart = charts.c_chart([1, 2, 0, 3, 1])
    assert chart.main.lcl_line == 0.0
    chart = charts.np_chart([1, 2, 0, 3], [20] * 4)
    assert chart.main.lcl_line == 0.0


def test_it_centres_an_np_chart_on_n_times_p_bar() -> None:
    chart = charts.np_chart([12, 15, 8, 10], [50] * 4)
    pbar = 45 / 200
    assert chart.main.center_line == pytest.approx(50 * pbar)
    assert chart.main.ucl_line == pytest.approx(50 * pbar + 3 * np.sqrt(50 * pbar * (1 - pbar)))


def test_it_follows_the_ewma_recursion_and_its_exact_limits() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, 50)
    lam, width = 0.2, 2.7
    chart = charts.ewma_chart(x, lam=lam, width=width, center=0.0, sigma=1.0)
    z, expected = 0.0, []
    for value in x:
        z = lam * value + (1 - lam) * z
        expected.append(z)
    np.testing.assert_allclose(chart.main.values, expected)
    i = np.arange(1, 51)
    # Montgomery §9.2: UCL = μ0 + Lσ√(λ/(2−λ)·[1 − (1−λ)^{2i}]).
    ucl = width * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * i)))
    np.testing.assert_allclose(chart.main.ucl, ucl)


def test_it_follows_the_tabular_cusum_recursion() -> None:
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.normal(10, 1, 20), rng.normal(11, 1, 20)])
    chart = charts.cusum_chart(x, center=10.0, sigma=1.0, k=0.5, h=4.0)
    hi = lo = 0.0
    his, los = [], []
    for value in x:
        hi = max(0.0, value - 10 - 0.5 + hi)
        lo = max(0.0, 10 - value - 0.5 + lo)
        his.append(hi)
        los.append(-lo)
    np.testing.assert_allclose(chart.main.values, his, atol=1e-12)
    assert chart.companion is not None
    np.testing.assert_allclose(chart.companion.values, los, atol=1e-12)
    first = next(i for i, v in enumerate(his) if v > 4.0)
    assert int(chart.main.rules.hits[0].index[0]) == first


def test_it_picks_the_chart_for_a_metric_kind() -> None:
    assert charts.recommend_chart(MetricKind.PROPORTION) is ChartType.P
    assert charts.recommend_chart("proportion", constant_size=True) is ChartType.NP
    assert charts.recommend_chart("count_per_unit") is ChartType.U
    assert charts.recommend_chart("count") is ChartType.C
    assert charts.recommend_chart("continuous", subgroup_size=5) is ChartType.XBAR_S
    assert charts.recommend_chart("continuous") is ChartType.IMR


def test_it_returns_frozen_results_with_read_only_arrays() -> None:
    chart = charts.imr_chart([1.0, 2.0, 4.0, 3.0])
    with pytest.raises(AttributeError):
        chart.sigma = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        chart.main.values[0] = 5.0


@pytest.mark.parametrize(
    ("call", "code", "index"),
    [
        (lambda: charts.xbar_r_chart([[1.0, 2.0], [3.0, np.nan]]), "subgroup_too_small", 1),
        (lambda: charts.p_chart([1, -2], [10, 10]), "negative", 1),
        (lambda: charts.p_chart([1, 2], [10, 0]), "zero_size", 1),
        (lambda: charts.p_chart([1, 12], [10, 10]), "count_exceeds_size", 1),
        (lambda: charts.c_chart([1, 2.5]), "not_integer", 1),
        (lambda: charts.imr_chart([1.0, np.nan, 2.0]), "missing_value", 1),
        (lambda: charts.imr_chart([]), "empty", None),
        (lambda: charts.imr_chart([3.0, 3.0, 3.0]), "no_variation", None),
        (lambda: charts.np_chart([1, 2], [10, 20]), "np_size_varies", 1),
        (lambda: charts.imr_chart([1.0, 2.0], sigma=-1.0), "sigma_not_positive", None),
    ],
)
def test_it_rejects_bad_input_naming_the_element(call, code: str, index: int | None) -> None:
    with pytest.raises(InputError) as info:
        call()
    assert info.value.code == code
    assert info.value.index == index


# --- invariants -----------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=3, max_size=40))
def test_it_places_individuals_limits_symmetrically_around_the_centre(xs: list[float]) -> None:
    try:
        chart = charts.imr_chart(xs)
    except InputError as exc:
        assume(exc.code != "no_variation")  # no limits without variation (tested above)
        raise
    c, ucl, lcl = chart.main.center_line, chart.main.ucl_line, chart.main.lcl_line
    assert c is not None
    assert ucl is not None
    assert lcl is not None
    # Exact up to the rounding of centre ± 3σ, a few units in the last place of c.
    tol = 4 * float(np.spacing(abs(c))) + 1e-12 * chart.sigma
    assert abs((ucl - c) - (c - lcl)) <= tol
    assert abs((ucl - c) - 3 * chart.sigma) <= tol


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=2, max_size=30),
    st.integers(50, 400),
)
def test_it_places_untruncated_p_limits_symmetrically(counts: list[int], n: int) -> None:
    if sum(counts) == 0:
        return
    chart = charts.p_chart(counts, [n] * len(counts))
    c = chart.main.center
    up = chart.main.ucl - c
    down = c - chart.main.lcl
    untruncated = chart.main.lcl > 0
    np.testing.assert_allclose(up[untruncated], down[untruncated], rtol=1e-9)
    assert (chart.main.lcl >= 0).all()
