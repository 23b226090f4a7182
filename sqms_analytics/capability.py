"""Process capability: Cp, Cpl, Cpu, Cpk, Cpm (within-subgroup σ) and Pp, Ppk (overall σ).

Within σ is R̄/d2 for subgrouped data by default (pooled standard deviation as an
option) and MR̄/d2 for individual values; overall σ is the sample standard
deviation of all values. Confidence intervals (Montgomery, ISQC, §8.3.5):
χ² for Cp and Pp, Bissell's normal approximation for Cpk and Ppk, Boyles'
χ² approximation for Cpm. The normality check is Anderson–Darling with the
D'Agostino–Stephens p-value for estimated mean and variance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from sqms_analytics import _validate as v
from sqms_analytics.charts import sigma_from_sds
from sqms_analytics.constants import d2, d2_array
from sqms_analytics.errors import InputError

FloatArray = NDArray[np.float64]
WithinMethod = Literal["r-bar", "pooled"]
Interval = tuple[float, float]


@dataclass(frozen=True)
class Normality:
    """Anderson–Darling test of normality (mean and variance estimated)."""

    statistic: float  # A²
    p_value: float
    normal: bool  # p ≥ alpha


@dataclass(frozen=True)
class CapabilityIntervals:
    cp: Interval | None
    cpk: Interval | None
    cpm: Interval | None
    pp: Interval | None
    ppk: Interval | None
    confidence: float


@dataclass(frozen=True)
class Capability:
    lsl: float | None
    usl: float | None
    target: float | None
    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    cp: float | None
    cpl: float | None
    cpu: float | None
    cpk: float
    cpm: float | None
    pp: float | None
    ppl: float | None
    ppu: float | None
    ppk: float
    ci: CapabilityIntervals
    normality: Normality | None
    warnings: tuple[str, ...]


def anderson_darling(values: ArrayLike, *, alpha: float = 0.05) -> Normality:
    """A² = −n − (1/n) Σ (2i−1)[ln Φ(z_(i)) + ln(1 − Φ(z_(n+1−i)))], with the p-value
    of D'Agostino & Stephens (1986, Table 4.9) for A*² = A²(1 + 0.75/n + 2.25/n²)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    if n < 3:
        raise InputError("too_few_points", minimum=3, available=n)
    sd = float(x.std(ddof=1))
    if sd == 0:
        raise InputError("no_variation")
    z = (x - x.mean()) / sd
    i = np.arange(1, n + 1)
    # log Φ(z) and log(1 − Φ(z)) = log Φ(−z), both stable in the tails.
    s = np.sum((2 * i - 1) * (special.log_ndtr(z) + special.log_ndtr(-z[::-1])))
    a2 = float(-n - s / n)
    a = a2 * (1.0 + 0.75 / n + 2.25 / n**2)
    if a >= 0.6:
        p = math.exp(1.2937 - 5.709 * a + 0.0186 * a * a)
    elif a >= 0.34:
        p = math.exp(0.9177 - 4.279 * a - 1.38 * a * a)
    elif a >= 0.2:
        p = 1.0 - math.exp(-8.318 + 42.796 * a - 59.938 * a * a)
    else:
        p = 1.0 - math.exp(-13.436 + 101.14 * a - 223.73 * a * a)
    p = min(max(p, 0.0), 1.0)
    return Normality(a2, p, p >= alpha)


def within_sigma(data: ArrayLike, method: WithinMethod = "r-bar") -> float:
    """Within-subgroup σ: R̄/d2 (or pooled s) for rows of subgroups, MR̄/d2 for a 1-D series."""
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1):
        x = arr.ravel()
        if x.size < 2:
            raise InputError("too_few_points", minimum=2, available=x.size)
        return float(np.mean(np.abs(np.diff(x))) / d2(2))
    present = ~np.isnan(arr)
    sizes = present.sum(axis=1)
    keep = sizes >= 2  # a subgroup of one carries no within-subgroup information
    if not keep.any():
        raise InputError("subgroup_too_small", index=0, field="values", size=int(sizes[0]))
    rows, sizes = arr[keep], sizes[keep]
    if method == "pooled":
        means = np.nanmean(rows, axis=1)
        sds = np.sqrt(np.nansum((rows - means[:, None]) ** 2, axis=1) / (sizes - 1))
        return sigma_from_sds(sds, sizes, method="pooled")
    ranges = np.nanmax(rows, axis=1) - np.nanmin(rows, axis=1)
    return float(np.mean(ranges / d2_array(sizes)))


def process_capability(
    data: ArrayLike,
    *,
    lsl: float | None = None,
    usl: float | None = None,
    target: float | None = None,
    within: WithinMethod = "r-bar",
    sigma_within: float | None = None,
    confidence: float = 0.95,
    normality_alpha: float = 0.05,
) -> Capability:
    """Capability indices of measured values.

    ``data``: a 1-D series of individual values, or one row per subgroup (NaN pads
    unequal sizes). ``sigma_within`` overrides the estimate (e.g. a σ from a
    control chart). The target defaults to the middle of a two-sided specification.
    """
    lsl = _spec(lsl, "lsl")
    usl = _spec(usl, "usl")
    if lsl is None and usl is None:
        raise InputError("no_spec_limits")
    if lsl is not None and usl is not None and lsl >= usl:
        raise InputError("lsl_not_below_usl", lsl=lsl, usl=usl)
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] > 1:
        arr2 = v.as_float_2d(arr, "values")
        flat = arr2[~np.isnan(arr2)]
    else:
        arr2 = None
        flat = v.as_float_1d(arr.ravel(), "values")
    n = int(flat.size)
    if n < 2:
        raise InputError("too_few_points", minimum=2, available=n)
    if target is None and lsl is not None and usl is not None:
        target = (lsl + usl) / 2.0
    if target is not None and (
        (lsl is not None and target < lsl) or (usl is not None and target > usl)
    ):
        raise InputError("target_outside_spec", target=target)
    mean = float(flat.mean())
    s_overall = float(flat.std(ddof=1))
    if sigma_within is not None:
        if not sigma_within > 0:
            raise InputError("sigma_not_positive", value=str(sigma_within))
        s_within = float(sigma_within)
    else:
        s_within = within_sigma(arr2 if arr2 is not None else flat, within)
    if s_within <= 0 or s_overall <= 0:
        raise InputError("no_variation")
    cp, cpl, cpu, cpk = _indices(mean, s_within, lsl, usl)
    pp, ppl, ppu, ppk = _indices(mean, s_overall, lsl, usl)
    cpm = None
    if lsl is not None and usl is not None and target is not None:
        cpm = (usl - lsl) / (6.0 * math.sqrt(s_within**2 + (mean - target) ** 2))
    ci = CapabilityIntervals(
        cp=cp_interval(cp, n, confidence),
        cpk=cpk_interval(cpk, n, confidence),
        cpm=cpm_interval(cpm, n, mean, s_within, target, confidence),
        pp=cp_interval(pp, n, confidence),
        ppk=cpk_interval(ppk, n, confidence),
        confidence=confidence,
    )
    warnings: list[str] = []
    normality = None
    if n >= 3:
        normality = anderson_darling(flat, alpha=normality_alpha)
        if not normality.normal:
            warnings.append("not_normal")
    if n < 30:
        warnings.append("few_observations")
    return Capability(
        lsl,
        usl,
        target,
        n,
        mean,
        s_within,
        s_overall,
        cp,
        cpl,
        cpu,
        cpk,
        cpm,
        pp,
        ppl,
        ppu,
        ppk,
        ci,
        normality,
        tuple(warnings),
    )


def _spec(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    f = float(value)
    if not math.isfinite(f):
        raise InputError("not_finite", field=name, value=str(value))
    return f


def _indices(
    mean: float, sigma: float, lsl: float | None, usl: float | None
) -> tuple[float | None, float | None, float | None, float]:
    lower = (mean - lsl) / (3.0 * sigma) if lsl is not None else None
    upper = (usl - mean) / (3.0 * sigma) if usl is not None else None
    spread = (usl - lsl) / (6.0 * sigma) if lsl is not None and usl is not None else None
    k = min(x for x in (lower, upper) if x is not None)
    return spread, lower, upper, k


def cp_interval(index: float | None, n: int, confidence: float = 0.95) -> Interval | None:
    """Ĉp·√(χ²_{α/2,n−1}/(n−1)) ≤ Cp ≤ Ĉp·√(χ²_{1−α/2,n−1}/(n−1))."""
    if index is None:
        return None
    a = 1.0 - confidence
    dof = n - 1
    lo = index * math.sqrt(float(stats.chi2.ppf(a / 2, dof)) / dof)
    hi = index * math.sqrt(float(stats.chi2.ppf(1 - a / 2, dof)) / dof)
    return lo, hi


def cpk_interval(index: float, n: int, confidence: float = 0.95) -> Interval:
    """Ĉpk·[1 ∓ z_{α/2}·√(1/(9n Ĉpk²) + 1/(2(n−1)))], written as Montgomery does."""
    z = float(stats.norm.ppf(1 - (1.0 - confidence) / 2))
    if index == 0:
        half = z * math.sqrt(1.0 / (2 * (n - 1)))
        return -half, half
    half = z * math.sqrt(1.0 / (9 * n) + index * index / (2 * (n - 1)))
    return index - half, index + half


def cpm_interval(
    cpm: float | None,
    n: int,
    mean: float,
    sigma: float,
    target: float | None,
    confidence: float,
) -> Interval | None:
    """Boyles (1991): χ² with ν = n(1+δ²)²/(1+2δ²) degrees of freedom, δ = (x̄−T)/s."""
    if cpm is None or target is None:
        return None
    a = 1.0 - confidence
    delta = (mean - target) / sigma
    nu = n * (1 + delta**2) ** 2 / (1 + 2 * delta**2)
    lo = cpm * math.sqrt(float(stats.chi2.ppf(a / 2, nu)) / nu)
    hi = cpm * math.sqrt(float(stats.chi2.ppf(1 - a / 2, nu)) / nu)
    return lo, hi


__all__ = [
    "Capability",
    "CapabilityIntervals",
    "Normality",
    "anderson_darling",
    "cp_interval",
    "cpk_interval",
    "cpm_interval",
    "process_capability",
    "within_sigma",
]
