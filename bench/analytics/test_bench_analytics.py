"""Speed of sqms_analytics against hand-written vectorised NumPy references.

Each group times our function and a reference that computes the same result
directly in NumPy, in the same run, so ``pytest bench --benchmark-group-by=group``
shows them side by side. After timing, each of our benchmarks checks (untimed)
that its result agrees with the reference's: limits, flagged points and pattern
starts of every rule.
Budget: ours within 2× of the reference.

    .venv/bin/python -m pytest bench/analytics --benchmark-group-by=group -p no:django
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest
from scipy import stats

from sqms_analytics.charts import imr_chart, p_chart
from sqms_analytics.surveys import cronbach_alpha

N_POINTS = 10_000_000
N_SUBGROUPS = 1_000_000
N_RESPONDENTS, N_ITEMS = 1_000_000, 22
ROUNDS = 3

Flags = dict[str, tuple[np.ndarray, np.ndarray]]  # rule → (flagged indices, pattern starts)


# --- data (built once, outside the timings) -------------------------------------------


@cache
def individuals() -> np.ndarray:
    rng = np.random.default_rng(2024)
    x = rng.normal(100.0, 5.0, N_POINTS)
    x[N_POINTS // 2 :] += 2.0  # a shift, so the rules have something to find
    return x


@cache
def proportions() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2025)
    sizes = rng.integers(50, 500, N_SUBGROUPS).astype(np.float64)
    counts = rng.binomial(sizes.astype(np.int64), 0.08).astype(np.float64)
    return counts, sizes


@cache
def survey() -> np.ndarray:
    rng = np.random.default_rng(2026)
    trait = rng.normal(size=(N_RESPONDENTS, 1))
    noise = rng.normal(scale=1.2, size=(N_RESPONDENTS, N_ITEMS))
    return np.clip(np.round(3.0 + trait + noise), 1.0, 5.0)


# --- references: the same computations written directly in NumPy ---------------------


def _count(b: np.ndarray, m: int) -> np.ndarray:
    """True values among the last m (fewer at the start), by cumulative sums."""
    cs = np.cumsum(b, dtype=np.int32)
    out = cs.copy()
    out[m:] -= cs[:-m]
    return out


def _run_starts(prop: np.ndarray, flagged: np.ndarray, offset: int) -> np.ndarray:
    """Start of the run of `prop` that each flagged point belongs to (run-length encoding)."""
    n = prop.size
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(prop[1:], prop[:-1], out=change[1:])
    starts = np.maximum.accumulate(np.where(change, np.arange(n), 0))
    idx = np.flatnonzero(flagged)
    return starts[idx] - offset


def _window(flag: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    idx = np.flatnonzero(flag)
    return idx, np.maximum(idx - (m - 1), 0)


def _zone_rules(x: np.ndarray, z: np.ndarray, ucl: Any, lcl: Any, rules: str) -> Flags:
    out: Flags = {}
    beyond = (x > ucl) | (x < lcl)
    idx = np.flatnonzero(beyond)
    out["1"] = (idx, idx)
    a2, b2 = z > 2, z < -2
    a1, b1 = z > 1, z < -1
    two_of_three = (a2 & (_count(a2, 3) >= 2)) | (b2 & (_count(b2, 3) >= 2))
    four_of_five = (a1 & (_count(a1, 5) >= 4)) | (b1 & (_count(b1, 5) >= 4))
    side = np.sign(z).astype(np.int8)
    run_len = 8 if rules == "we" else 9
    same_side = (_count(z > 0, run_len) == run_len) | (_count(z < 0, run_len) == run_len)
    side_run = (np.flatnonzero(same_side), _run_starts(side, same_side, 0))
    if rules == "we":
        out["2"], out["3"], out["4"] = _window(two_of_three, 3), _window(four_of_five, 5), side_run
        return out
    out["2"] = side_run
    d = np.sign(np.diff(x)).astype(np.int8)
    step = np.concatenate(([0], d)).astype(np.int8)
    trend = (_count(step > 0, 5) == 5) | (_count(step < 0, 5) == 5)
    out["3"] = (np.flatnonzero(trend), _run_starts(step, trend, 1))
    flip = np.zeros(x.size, dtype=bool)
    flip[2:] = d[1:] * d[:-1] < 0
    alternating = _count(flip, 12) == 12
    out["4"] = (np.flatnonzero(alternating), _run_starts(flip, alternating, 2))
    out["5"], out["6"] = _window(two_of_three, 3), _window(four_of_five, 5)
    inner = np.abs(z) < 1
    hugging = _count(inner, 15) == 15
    out["7"] = (np.flatnonzero(hugging), _run_starts(inner, hugging, 0))
    outer = np.abs(z) > 1
    avoiding = _count(outer, 8) == 8
    out["8"] = (np.flatnonzero(avoiding), _run_starts(outer, avoiding, 0))
    return out


def reference_imr_nelson(x: np.ndarray) -> dict[str, Any]:
    mr = np.abs(np.diff(x))
    mr_bar = mr.mean()
    sigma = mr_bar / 1.128
    center = x.mean()
    ucl, lcl = center + 3 * sigma, center - 3 * sigma
    z = (x - center) / sigma
    flags = _zone_rules(x, z, ucl, lcl, "nelson")
    mr_beyond = np.flatnonzero(mr > 3.267 * mr_bar) + 1
    return {"center": center, "sigma": sigma, "ucl": ucl, "lcl": lcl, "flags": flags,
            "mr": mr_beyond}  # fmt: skip


def reference_p_chart(counts: np.ndarray, sizes: np.ndarray) -> dict[str, Any]:
    p = counts / sizes
    pbar = counts.sum() / sizes.sum()
    se = np.sqrt(pbar * (1 - pbar) / sizes)
    ucl = pbar + 3 * se
    lcl = np.maximum(pbar - 3 * se, 0.0)
    z = (p - pbar) / se
    return {"center": pbar, "ucl": ucl, "lcl": lcl,
            "flags": _zone_rules(p, z, ucl, lcl, "we")}  # fmt: skip


def reference_alpha(x: np.ndarray) -> dict[str, Any]:
    n, k = x.shape
    cov = np.cov(x, rowvar=False)
    total, trace, rows = cov.sum(), np.trace(cov), cov.sum(axis=1)
    diag = np.diag(cov)
    alpha = k / (k - 1) * (1 - trace / total)
    deleted = (k - 1) / (k - 2) * (1 - (trace - diag) / (total - 2 * rows + diag))
    df1, df2 = n - 1, (n - 1) * (k - 1)
    ci = (1 - (1 - alpha) * stats.f.ppf(0.975, df1, df2),
          1 - (1 - alpha) * stats.f.ppf(0.025, df1, df2))  # fmt: skip
    return {"alpha": alpha, "deleted": deleted, "ci": ci}


# --- ours -------------------------------------------------------------------------------


def ours_imr_nelson(x: np.ndarray) -> Any:
    return imr_chart(x, rules="nelson")


def ours_p_chart(counts: np.ndarray, sizes: np.ndarray) -> Any:
    return p_chart(counts, sizes, rules="western-electric")


def ours_alpha(x: np.ndarray) -> Any:
    return cronbach_alpha(x)


# --- timings, each followed by an untimed check that ours agrees with the reference ----


def _time(benchmark: Any, fn: Callable[..., Any], *args: Any) -> Any:
    return benchmark.pedantic(fn, args=args, rounds=ROUNDS, iterations=1, warmup_rounds=0)


@cache
def expected_imr() -> dict[str, Any]:
    return reference_imr_nelson(individuals())


@cache
def expected_p() -> dict[str, Any]:
    return reference_p_chart(*proportions())


@cache
def expected_alpha() -> dict[str, Any]:
    return reference_alpha(survey())


def _assert_same_flags(chart_rules: Any, ref: Flags) -> None:
    got = {h.rule.name.rsplit("-", 1)[1]: h for h in chart_rules.hits}
    assert set(got) == set(ref)
    for number, (index, start) in ref.items():
        np.testing.assert_array_equal(got[number].index, index, err_msg=f"rule {number}")
        np.testing.assert_array_equal(got[number].start, start, err_msg=f"rule {number} start")


def check_imr(ours: Any, ref: dict[str, Any]) -> None:
    assert ours.center == pytest.approx(ref["center"], rel=1e-12)
    assert ours.sigma == pytest.approx(ref["sigma"], rel=1e-12)
    assert ours.main.ucl_line == pytest.approx(ref["ucl"], rel=1e-12)
    assert ours.main.lcl_line == pytest.approx(ref["lcl"], rel=1e-12)
    _assert_same_flags(ours.main.rules, ref["flags"])
    np.testing.assert_array_equal(ours.companion.rules.hits[0].index, ref["mr"])
    assert sum(h.count for h in ours.main.rules.hits) > 0


def check_p(ours: Any, ref: dict[str, Any]) -> None:
    assert ours.center == pytest.approx(ref["center"], rel=1e-12)
    np.testing.assert_allclose(ours.main.ucl, ref["ucl"], rtol=1e-12)
    np.testing.assert_allclose(ours.main.lcl, ref["lcl"], rtol=1e-12, atol=1e-15)
    _assert_same_flags(ours.main.rules, ref["flags"])


def check_alpha(ours: Any, ref: dict[str, Any]) -> None:
    assert ours.alpha == pytest.approx(ref["alpha"], rel=1e-10)
    np.testing.assert_allclose(ours.if_item_deleted, ref["deleted"], rtol=1e-10)
    assert ours.ci == pytest.approx(ref["ci"], rel=1e-10)


@pytest.mark.benchmark(group="imr-nelson-10M")
def test_bench_imr_nelson_ours(benchmark: Any) -> None:
    check_imr(_time(benchmark, ours_imr_nelson, individuals()), expected_imr())


@pytest.mark.benchmark(group="imr-nelson-10M")
def test_bench_imr_nelson_reference(benchmark: Any) -> None:
    _time(benchmark, reference_imr_nelson, individuals())


@pytest.mark.benchmark(group="p-chart-1M")
def test_bench_p_chart_ours(benchmark: Any) -> None:
    check_p(_time(benchmark, ours_p_chart, *proportions()), expected_p())


@pytest.mark.benchmark(group="p-chart-1M")
def test_bench_p_chart_reference(benchmark: Any) -> None:
    _time(benchmark, reference_p_chart, *proportions())


@pytest.mark.benchmark(group="alpha-1Mx22")
def test_bench_alpha_ours(benchmark: Any) -> None:
    check_alpha(_time(benchmark, ours_alpha, survey()), expected_alpha())


@pytest.mark.benchmark(group="alpha-1Mx22")
def test_bench_alpha_reference(benchmark: Any) -> None:
    _time(benchmark, reference_alpha, survey())
