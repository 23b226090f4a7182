"""Effectiveness of an action: did a metric change between a before and an after period?

Proportions: two-proportion z test (pooled), or Fisher's exact test when an
expected cell count is below 5; effect size as the difference (Wald interval) and
Cohen's h. Means: Welch's t test, or Mann–Whitney U when a small sample (n < 30)
fails a Shapiro–Wilk normality test; effect size Hedges' g, or the Hodges–Lehmann
shift with the rank-biserial correlation. A verdict reads the test against the
direction that counts as better, and a control chart of the after period checks
that the new level is stable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from sqms_analytics import _validate as v
from sqms_analytics.charts import imr_chart, p_chart
from sqms_analytics.errors import InputError
from sqms_analytics.rules import RuleSet

Interval = tuple[float, float]


class Verdict(StrEnum):
    IMPROVED = "improved"
    NO_EVIDENCE = "no_evidence"
    WORSE = "worse"


@dataclass(frozen=True)
class Comparison:
    kind: str  # "proportion" or "mean"
    test: str  # "z", "fisher", "welch", "mann-whitney"
    before: float  # proportion or mean
    after: float
    n_before: int
    n_after: int
    difference: float  # after − before (Hodges–Lehmann shift for Mann–Whitney)
    ci: Interval | None  # for the difference
    effect_size: float  # Cohen's h, Hedges' g, or rank-biserial r
    effect_size_name: str
    p_value: float
    alpha: float
    verdict: Verdict
    after_in_control: bool | None  # None when the after period has too few points
    notes: tuple[str, ...]


def _verdict(p: float, diff: float, alpha: float, higher_is_better: bool) -> Verdict:
    if p >= alpha or diff == 0:
        return Verdict.NO_EVIDENCE
    return Verdict.IMPROVED if (diff > 0) == higher_is_better else Verdict.WORSE


def compare_proportions(
    before_events: ArrayLike,
    before_sizes: ArrayLike,
    after_events: ArrayLike,
    after_sizes: ArrayLike,
    *,
    higher_is_better: bool,
    alpha: float = 0.05,
    rules: RuleSet | str = RuleSet.WESTERN_ELECTRIC,
) -> Comparison:
    """Events out of trials in each period; per-subgroup arrays (or totals).

    With two or more after-period subgroups a p chart of them (limits from the
    after period itself) tells whether the new level is in control.
    """
    _alpha(alpha)
    bd, bn = _counts(before_events, before_sizes, "before")
    ad, an = _counts(after_events, after_sizes, "after")
    x1, n1, x2, n2 = float(bd.sum()), float(bn.sum()), float(ad.sum()), float(an.sum())
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    expected = np.array([n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)])
    notes: list[str] = []
    if expected.min() < 5:
        table = [[int(x1), int(n1 - x1)], [int(x2), int(n2 - x2)]]
        p_value = float(stats.fisher_exact(table).pvalue)
        test = "fisher"
    elif pooled in (0.0, 1.0):
        p_value, test = 1.0, "z"
    else:
        se0 = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        zstat = (p2 - p1) / se0
        p_value = float(2 * stats.norm.sf(abs(zstat)))
        test = "z"
    diff = p2 - p1
    z = float(stats.norm.ppf(1 - alpha / 2))
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    ci = (diff - z * se, diff + z * se)
    h = 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))
    in_control = None
    if ad.size >= 2 and 0 < x2 < n2:
        in_control = p_chart(ad, an, rules=rules).in_control
    else:
        notes.append("control_check_skipped")
    return Comparison(
        "proportion",
        test,
        p1,
        p2,
        int(n1),
        int(n2),
        diff,
        ci,
        h,
        "cohen_h",
        p_value,
        alpha,
        _verdict(p_value, diff, alpha, higher_is_better),
        in_control,
        tuple(notes),
    )


def compare_means(
    before: ArrayLike,
    after: ArrayLike,
    *,
    higher_is_better: bool,
    alpha: float = 0.05,
    rules: RuleSet | str = RuleSet.WESTERN_ELECTRIC,
) -> Comparison:
    """Individual values before and after, in time order (the after order matters
    for the I-MR control check)."""
    _alpha(alpha)
    a = v.as_float_1d(before, "before")
    b = v.as_float_1d(after, "after")
    n1, n2 = a.size, b.size
    if n1 < 2 or n2 < 2:
        raise InputError("too_few_points", minimum=2, available=min(n1, n2))
    s1, s2 = float(a.std(ddof=1)), float(b.std(ddof=1))
    if s1 == 0 and s2 == 0:
        raise InputError("no_variation")
    notes: list[str] = []
    normal = all(_looks_normal(x) for x in (a, b))
    if normal:
        res = stats.ttest_ind(b, a, equal_var=False)
        p_value = float(res.pvalue)
        diff = float(b.mean() - a.mean())
        lo, hi = res.confidence_interval(1 - alpha)
        ci: Interval | None = (float(lo), float(hi))
        # Hedges' g: Cohen's d on the pooled SD, corrected for small-sample bias.
        sp = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
        d = diff / sp if sp > 0 else 0.0
        effect = d * (1 - 3 / (4 * (n1 + n2) - 9))
        test, effect_name = "welch", "hedges_g"
    else:
        notes.append("not_normal")
        res_u = stats.mannwhitneyu(b, a, alternative="two-sided")
        p_value = float(res_u.pvalue)
        effect = float(2 * res_u.statistic / (n1 * n2) - 1)  # rank-biserial
        diff, ci = _hodges_lehmann(a, b, alpha)
        test, effect_name = "mann-whitney", "rank_biserial"
    in_control = None
    if n2 >= 3 and float(np.ptp(b)) > 0:
        in_control = imr_chart(b, rules=rules).in_control
    else:
        notes.append("control_check_skipped")
    return Comparison(
        "mean",
        test,
        float(a.mean()),
        float(b.mean()),
        n1,
        n2,
        diff,
        ci,
        effect,
        effect_name,
        p_value,
        alpha,
        _verdict(p_value, diff, alpha, higher_is_better),
        in_control,
        tuple(notes),
    )


_MAX_PAIRS = 4_000_000


def _hodges_lehmann(a: np.ndarray, b: np.ndarray, alpha: float) -> tuple[float, Interval | None]:
    """Median of all after − before differences, with Moses' distribution-free
    interval from the normal approximation to U. Skipped past 4 million pairs."""
    n1, n2 = a.size, b.size
    if n1 * n2 > _MAX_PAIRS:
        return float(np.median(b) - np.median(a)), None
    diffs = np.sort(np.subtract.outer(b, a).ravel())
    z = float(stats.norm.ppf(1 - alpha / 2))
    # The K-th smallest and K-th largest difference, K = n1·n2/2 − z·√(n1·n2·(n1+n2+1)/12).
    k = math.floor(n1 * n2 / 2 - z * math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12))
    k = min(max(k, 1), diffs.size)
    return float(np.median(diffs)), (float(diffs[k - 1]), float(diffs[diffs.size - k]))


def _looks_normal(x: np.ndarray) -> bool:
    # Large samples lean on the central limit theorem, and Shapiro–Wilk rejects
    # trivial departures there anyway.
    if x.size >= 30:
        return True
    if x.size < 3 or float(np.ptp(x)) == 0:
        return False
    return bool(stats.shapiro(x).pvalue >= 0.05)


def _counts(events: ArrayLike, sizes: ArrayLike, which: str) -> tuple[np.ndarray, np.ndarray]:
    d = v.as_float_1d(np.atleast_1d(np.asarray(events, dtype=np.float64)), f"{which}_events")
    n = v.as_float_1d(np.atleast_1d(np.asarray(sizes, dtype=np.float64)), f"{which}_sizes")
    v.check_same_length(d, n, f"{which}_events", f"{which}_sizes")
    v.check_nonnegative(d, f"{which}_events")
    v.check_integer(d, f"{which}_events")
    v.check_positive(n, f"{which}_sizes")
    v.check_integer(n, f"{which}_sizes")
    over = d > n
    if over.any():
        i = v.first(over)
        raise InputError(
            "count_exceeds_size", index=i, field=f"{which}_events", count=int(d[i]), size=int(n[i])
        )
    return d, n


def _alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise InputError("bad_parameter", name="alpha", value=str(alpha))


__all__ = ["Comparison", "Verdict", "compare_means", "compare_proportions"]
