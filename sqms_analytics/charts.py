"""Shewhart, EWMA and CUSUM control charts.

Every chart function takes arrays and returns a frozen :class:`ControlChart`.
Phase I estimates the limits from the points selected by ``phase1`` (the first N
points, or a boolean mask) less those in ``exclude``; the remaining points are
phase II and are plotted against those limits. Known parameters (``center``,
``sigma``: "standards given") replace the estimates.

Sigma estimators follow the literature with the tabulated constants of
:mod:`sqms_analytics.constants`: R̄/d2 (X̄-R), S̄/c4 (X̄-S), MR̄/d2 (I-MR). With
variable subgroup sizes the estimate is the average of the per-subgroup unbiased
estimates (R_i/d2(n_i)), or for X̄-S the ASTM/qcc weighted average of s_i/c4(n_i),
both of which reduce to the textbook formula when the sizes are equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import signal

from sqms_analytics import _validate as v
from sqms_analytics.constants import (
    c4_array,
    d2,
    d2_array,
    d3_factor,
    d3_factor_array,
    d4_factor,
    d4_factor_array,
)
from sqms_analytics.errors import InputError
from sqms_analytics.rules import Rule, RuleResult, RuleSet, evaluate_rules, limit_rule

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
RuleSelection = RuleSet | str | tuple[Rule | str, ...] | list[Rule | str]
SigmaMethod = Literal["default", "pooled"]


class ChartType(StrEnum):
    XBAR_R = "xbar-r"
    XBAR_S = "xbar-s"
    IMR = "imr"
    P = "p"
    NP = "np"
    C = "c"
    U = "u"
    EWMA = "ewma"
    CUSUM = "cusum"


@dataclass(frozen=True)
class Series:
    """One plotted statistic with its centre line and limits, point by point.

    ``sigma`` is the standard error of the statistic at each point (what the zones
    of the run rules are measured in). Constant lines are zero-copy broadcast views.
    """

    name: str
    values: FloatArray
    center: FloatArray
    ucl: FloatArray
    lcl: FloatArray
    sigma: FloatArray
    rules: RuleResult

    @property
    def n(self) -> int:
        return int(self.values.size)

    @property
    def center_line(self) -> float | None:
        return constant_value(self.center)

    @property
    def ucl_line(self) -> float | None:
        return constant_value(self.ucl)

    @property
    def lcl_line(self) -> float | None:
        return constant_value(self.lcl)


@dataclass(frozen=True)
class ControlChart:
    chart: ChartType
    main: Series
    companion: Series | None
    center: float  # estimated or known process centre (x̿, p̄, c̄, ū, μ0)
    sigma: float  # process standard deviation (per unit for p, np, c, u, as qcc)
    phase: NDArray[np.int8]  # 1 or 2 per point
    estimated_from: BoolArray  # points the limits were estimated from
    excluded: BoolArray  # phase-I points left out of the estimate
    sizes: FloatArray | None = None
    standards_given: bool = False
    parameters: tuple[tuple[str, float], ...] = field(default=())

    @property
    def n(self) -> int:
        return self.main.n

    @property
    def in_control(self) -> bool:
        return self.main.rules.in_control and (
            self.companion is None or self.companion.rules.in_control
        )


def constant_value(arr: FloatArray) -> float | None:
    """The common value of a per-point line, or None when it varies."""
    if arr.size == 0:
        return None
    if arr.strides == (0,):
        return float(arr[0])
    finite = arr[np.isfinite(arr)]
    if finite.size and np.all(finite == finite[0]):
        return float(finite[0])
    return None


# --- phases ----------------------------------------------------------------------


def _masks(
    n: int, phase1: int | ArrayLike | None, exclude: ArrayLike | None
) -> tuple[BoolArray, BoolArray, BoolArray]:
    """(phase-I mask, excluded mask, estimation mask)."""
    if phase1 is None:
        p1 = np.ones(n, dtype=bool)
    elif isinstance(phase1, int | np.integer):
        if not 0 < int(phase1) <= n:
            raise InputError("bad_phase1_count", count=int(phase1), n=n)
        p1 = np.zeros(n, dtype=bool)
        p1[: int(phase1)] = True
    else:
        p1 = np.asarray(phase1, dtype=bool)
        if p1.shape != (n,):
            raise InputError(
                "length_mismatch",
                field="phase1",
                first="values",
                second="phase1",
                n_first=n,
                n_second=p1.size,
            )
    ex = np.zeros(n, dtype=bool)
    if exclude is not None:
        arr = np.asarray(exclude)
        if arr.dtype == bool:
            if arr.shape != (n,):
                raise InputError(
                    "length_mismatch",
                    field="exclude",
                    first="values",
                    second="exclude",
                    n_first=n,
                    n_second=arr.size,
                )
            ex = arr.copy()
        elif arr.size:
            idx = arr.astype(np.intp)
            if idx.min() < 0 or idx.max() >= n:
                raise InputError("bad_exclude_index", n=n)
            ex[idx] = True
    ex &= p1
    est = p1 & ~ex
    return p1, ex, est


def _need(est: BoolArray, minimum: int) -> None:
    if int(est.sum()) < minimum:
        raise InputError("too_few_points", minimum=minimum, available=int(est.sum()))


def _phase(p1: BoolArray, standards: bool) -> NDArray[np.int8]:
    if standards:
        return np.full(p1.size, 2, dtype=np.int8)
    phase = np.full(p1.size, 2, dtype=np.int8)
    phase[p1] = 1
    return phase


def _const(value: float, n: int) -> FloatArray:
    return np.broadcast_to(np.float64(value), (n,))


def _ro(arr: FloatArray) -> FloatArray:
    view = arr.view()
    view.setflags(write=False)
    return view


def _series(
    name: str,
    values: FloatArray,
    center: FloatArray,
    sigma: FloatArray,
    rules: tuple[Rule, ...],
    *,
    width: float = 3.0,
    truncate_at_zero: bool = False,
    ucl: FloatArray | None = None,
    lcl: FloatArray | None = None,
) -> Series:
    n = values.size
    if ucl is None:
        ucl = _shift(center, sigma, width, n)
    if lcl is None:
        lcl = _shift(center, sigma, -width, n)
        if truncate_at_zero:
            lcl = _clip0(lcl)
    result = evaluate_rules(values, center, sigma, rules=rules, ucl=ucl, lcl=lcl)
    return Series(name, _ro(values), _ro(center), _ro(ucl), _ro(lcl), _ro(sigma), result)


def _shift(center: FloatArray, sigma: FloatArray, k: float, n: int) -> FloatArray:
    if center.strides == (0,) and sigma.strides == (0,):
        return _const(float(center[0]) + k * float(sigma[0]), n)
    return center + k * sigma


def _clip0(arr: FloatArray) -> FloatArray:
    if arr.strides == (0,):
        return _const(max(float(arr[0]), 0.0), arr.size)
    return np.maximum(arr, 0.0)


def _known_sigma(sigma: float | None) -> float | None:
    if sigma is None:
        return None
    if not np.isfinite(sigma) or sigma <= 0:
        raise InputError("sigma_not_positive", value=str(sigma))
    return float(sigma)


def _check_sigma(sigma: float) -> float:
    if not np.isfinite(sigma) or sigma <= 0:
        raise InputError("no_variation")
    return sigma


# --- variables charts ---------------------------------------------------------------


@dataclass(frozen=True)
class _Subgroups:
    means: FloatArray
    sizes: FloatArray
    ranges: FloatArray
    sds: FloatArray
    constant_n: int | None


def _subgroups(data: ArrayLike, *, need_spread: bool) -> _Subgroups:
    arr = v.as_float_2d(data, "values")
    present = ~np.isnan(arr)
    sizes = present.sum(axis=1)
    if need_spread and (sizes < 2).any():
        i = v.first(sizes < 2)
        raise InputError("subgroup_too_small", index=i, field="values", size=int(sizes[i]))
    if (sizes == 0).any():
        raise InputError("empty_subgroup", index=v.first(sizes == 0), field="values")
    if present.all():
        means = arr.mean(axis=1)
        ranges = arr.max(axis=1) - arr.min(axis=1)
        sds = arr.std(axis=1, ddof=1) if arr.shape[1] > 1 else np.zeros(arr.shape[0])
    else:
        filled = np.where(present, arr, 0.0)
        means = filled.sum(axis=1) / sizes
        ranges = np.nanmax(arr, axis=1) - np.nanmin(arr, axis=1)
        dev = np.where(present, arr - means[:, None], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sds = np.sqrt((dev * dev).sum(axis=1) / (sizes - 1))
    first_n = int(sizes[0])
    constant = first_n if np.all(sizes == first_n) else None
    return _Subgroups(means, sizes.astype(np.float64), ranges, sds, constant)


def xbar_r_chart(
    data: ArrayLike,
    *,
    phase1: int | ArrayLike | None = None,
    exclude: ArrayLike | None = None,
    center: float | None = None,
    sigma: float | None = None,
    rules: RuleSelection = RuleSet.WESTERN_ELECTRIC,
) -> ControlChart:
    """X̄ and R chart. ``data``: one row per subgroup (NaN pads unequal sizes)."""
    g = _subgroups(data, need_spread=True)
    m = g.means.size
    p1, ex, est = _masks(m, phase1, exclude)
    known_sigma = _known_sigma(sigma)
    standards = center is not None and known_sigma is not None
    if not standards:
        _need(est, 1)
    d2n = d2_array(g.sizes)
    if known_sigma is None:
        # Mean of per-subgroup unbiased estimates: R̄/d2 when sizes are equal.
        sig = _check_sigma(float(np.mean(g.ranges[est] / d2n[est])))
    else:
        sig = known_sigma
    mu = _grand_mean(g, est) if center is None else float(center)
    xbar_sigma = _per_point_sigma(sig, g)
    selected = _rules(rules)
    main = _series("xbar", g.means, _const(mu, m), xbar_sigma, selected)
    comp = _range_series("r", g.ranges, g.sizes, sig, limit_rule(selected), g.constant_n)
    return ControlChart(
        ChartType.XBAR_R, main, comp, mu, sig, _phase(p1, standards), est, ex, g.sizes, standards
    )


def xbar_s_chart(
    data: ArrayLike,
    *,
    phase1: int | ArrayLike | None = None,
    exclude: ArrayLike | None = None,
    center: float | None = None,
    sigma: float | None = None,
    rules: RuleSelection = RuleSet.WESTERN_ELECTRIC,
    sigma_method: SigmaMethod = "default",
) -> ControlChart:
    """X̄ and S chart; per-point limits when subgroup sizes vary."""
    g = _subgroups(data, need_spread=True)
    m = g.means.size
    p1, ex, est = _masks(m, phase1, exclude)
    known_sigma = _known_sigma(sigma)
    standards = center is not None and known_sigma is not None
    if not standards:
        _need(est, 1)
    c4n = c4_array(g.sizes)
    sig = (
        known_sigma
        if known_sigma is not None
        else _check_sigma(sigma_from_sds(g.sds[est], g.sizes[est], method=sigma_method))
    )
    mu = _grand_mean(g, est) if center is None else float(center)
    selected = _rules(rules)
    main = _series("xbar", g.means, _const(mu, m), _per_point_sigma(sig, g), selected)
    s_center = c4n * sig
    s_sigma = np.sqrt(1.0 - c4n * c4n) * sig
    if g.constant_n is not None:
        s_center, s_sigma = _const(float(s_center[0]), m), _const(float(s_sigma[0]), m)
    comp = _series("s", g.sds, s_center, s_sigma, limit_rule(selected), truncate_at_zero=True)
    return ControlChart(
        ChartType.XBAR_S, main, comp, mu, sig, _phase(p1, standards), est, ex, g.sizes, standards
    )


def sigma_from_sds(sds: ArrayLike, sizes: ArrayLike, *, method: SigmaMethod = "default") -> float:
    """Within-subgroup σ from subgroup standard deviations.

    ``default``: S̄/c4 for equal sizes, else the weighted mean of s_i/c4(n_i) with
    weights c4²/(1 − c4²) (ASTM, as qcc's "UWAVE-SD"). ``pooled``: √(Σ(n_i−1)s_i² /
    Σ(n_i−1)) divided by c4(Σ(n_i−1) + 1), the unbiased pooled estimate.
    """
    s = np.asarray(sds, dtype=np.float64)
    n = np.asarray(sizes, dtype=np.float64)
    if method == "pooled":
        dof = float(np.sum(n - 1.0))
        pooled = float(np.sqrt(np.sum((n - 1.0) * s * s) / dof))
        from sqms_analytics.constants import c4

        return pooled / c4(round(dof) + 1)
    c4n = c4_array(n)
    if np.all(n == n[0]):
        return float(np.mean(s) / c4n[0])
    h = c4n**2 / (1.0 - c4n**2)
    return float(np.sum(h * s / c4n) / np.sum(h))


def _range_series(
    name: str,
    ranges: FloatArray,
    sizes: FloatArray | None,
    sig: float,
    rules: tuple[Rule, ...],
    constant_n: int | None,
) -> Series:
    """R or MR chart: centre d2·σ (= R̄), limits D3·R̄ and D4·R̄ with the printed D3, D4."""
    m = ranges.size
    if constant_n is not None:
        center = _const(d2(constant_n) * sig, m)
        ucl = _const(d4_factor(constant_n) * float(center[0]), m)
        lcl = _const(d3_factor(constant_n) * float(center[0]), m)
    else:
        assert sizes is not None
        center = d2_array(sizes) * sig
        ucl = d4_factor_array(sizes) * center
        lcl = d3_factor_array(sizes) * center
    # Standard error of the range implied by the limits, for the zones.
    return _series(name, ranges, center, (ucl - center) / 3.0, rules, ucl=ucl, lcl=lcl)


def _grand_mean(g: _Subgroups, est: BoolArray) -> float:
    w = g.sizes[est]
    return float(np.sum(g.means[est] * w) / np.sum(w))


def _per_point_sigma(sig: float, g: _Subgroups) -> FloatArray:
    if g.constant_n is not None:
        return _const(sig / np.sqrt(g.constant_n), g.means.size)
    return sig / np.sqrt(g.sizes)


def imr_chart(
    values: ArrayLike,
    *,
    phase1: int | ArrayLike | None = None,
    exclude: ArrayLike | None = None,
    center: float | None = None,
    sigma: float | None = None,
    rules: RuleSelection = RuleSet.WESTERN_ELECTRIC,
) -> ControlChart:
    """Individuals and moving-range (XmR) chart, σ̂ = MR̄/d2(2)."""
    x = v.as_float_1d(values, "values")
    n = x.size
    p1, ex, est = _masks(n, phase1, exclude)
    known_sigma = _known_sigma(sigma)
    standards = center is not None and known_sigma is not None
    mr = np.empty(n, dtype=np.float64)
    mr[0] = np.nan  # the first point has no moving range
    np.subtract(x[1:], x[:-1], out=mr[1:])
    np.abs(mr[1:], out=mr[1:])
    whole = bool(est.all())
    if known_sigma is None:
        # A moving range counts only when both of its points are in the estimate.
        if whole:
            if n < 2:
                raise InputError("too_few_points", minimum=2, available=n)
            mr_bar = float(mr[1:].mean())
        else:
            pair = est[1:] & est[:-1]
            if not pair.any():
                raise InputError("too_few_points", minimum=2, available=int(est.sum()))
            mr_bar = float(mr[1:][pair].mean())
        sig = _check_sigma(mr_bar / d2(2))
    else:
        sig = known_sigma
    if center is None:
        if not est.any():
            raise InputError("too_few_points", minimum=2, available=0)
        mu = float(x.mean()) if whole else float(x[est].mean())
    else:
        mu = float(center)
    selected = _rules(rules)
    main = _series("i", x, _const(mu, n), _const(sig, n), selected)
    comp = _range_series("mr", mr, None, sig, limit_rule(selected), 2)
    return ControlChart(
        ChartType.IMR, main, comp, mu, sig, _phase(p1, standards), est, ex, None, standards
    )


# --- attributes charts --------------------------------------------------------------


def _counts(
    counts: ArrayLike, sizes: ArrayLike | None, *, integer_sizes: bool, counts_within_sizes: bool
) -> tuple[FloatArray, FloatArray | None]:
    d = v.as_float_1d(counts, "counts")
    v.check_nonnegative(d, "counts")
    v.check_integer(d, "counts")
    if sizes is None:
        return d, None
    s = np.asarray(sizes, dtype=np.float64)
    if s.ndim == 0:
        s = np.full(d.size, float(s))
    s = v.as_float_1d(s, "sizes")
    v.check_same_length(d, s, "counts", "sizes")
    v.check_positive(s, "sizes")
    if integer_sizes:
        v.check_integer(s, "sizes")
    if counts_within_sizes:
        over = d > s
        if over.any():
            i = v.first(over)
            raise InputError(
                "count_exceeds_size", index=i, field="counts", count=int(d[i]), size=int(s[i])
            )
    return d, s


def p_chart(
    counts: ArrayLike,
    sizes: ArrayLike,
    *,
    phase1: int | ArrayLike | None = None,
    exclude: ArrayLike | None = None,
    center: float | None = None,
    sigma: float | None = None,
    rules: RuleSelection = RuleSet.WESTERN_ELECTRIC,
) -> ControlChart:
    """Fraction nonconforming; per-point limits p̄ ± 3√(p̄(1−p̄)/n_i)."""
    d, s = _counts(counts, sizes, integer_sizes=True, counts_within_sizes=True)
    assert s is not None
    m = d.size
    p1, ex, est = _masks(m, phase1, exclude)
    standards = center is not None
    if center is None:
        _need(est, 1)
        pbar = float(d.sum() / s.sum()) if est.all() else float(d[est].sum() / s[est].sum())
    else:
        pbar = _probability(center)
    unit_sigma = _known_sigma(sigma) or _check_sigma(float(np.sqrt(pbar * (1.0 - pbar))))
    p = d / s
    constant_n = bool(s[0] == s[-1] and np.all(s == s[0]))
    point_sigma = _const(unit_sigma / np.sqrt(s[0]), m) if constant_n else unit_sigma / np.sqrt(s)
    main = _series("p", p, _const(pbar, m), point_sigma, _rules(rules), truncate_at_zero=True)
    return ControlChart(
        ChartType.P, main, None, pbar, unit_sigma, _phase(p1, standards), est, ex, s, standards
    )


def np_chart(
    counts: ArrayLike,
    sizes: ArrayLike,
    *,
    phase1: int | ArrayLike | None = None,
    exclude: ArrayLike | None = None,
    center: float | None = None,
    sigma: float | None = None,
    rules: RuleSelection = RuleSet.WESTERN_ELECTRIC,
) -> ControlChart:
    """Number nonconforming, constant sample size n: n·p̄ ± 3√(n p̄(1−p̄)).

    ``center`` (standards given) is the fraction p, not n·p.
    """
    d, s = _counts(counts, sizes, integer_sizes=True, counts_within_sizes=True)
    assert s is not None
    if not np.all(s == s[0]):
        i = v.first(s != s[0])
        raise InputError("np_size_varies", index=i, field="sizes")
    n_size = float(s[0])
    m = d.size
    p1, ex, est = _masks(m, phase1, exclude)
    standards = center is not None
    if center is None:
        _need(est, 1)
        pbar = float(d[est].sum() / s[est].sum())
    else:
        pbar = _probability(center)
    unit_sigma = _known_sigma(sigma) or _check_sigma(float(np.sqrt(pbar * (1.0 - pbar))))
    main = _series(
        "np",
        d,
        _const(n_size * pbar, m),
        _const(unit_sigma * np.sqrt(n_size), m),
        _rules(rules),
        truncate_at_zero=True,
    )
    return ControlChart(
        ChartType.NP, main, None, pbar, unit_sigma, _phase(p1, standards), est, ex, s, standards
    )


def c_chart(
    counts: ArrayLike,
    *,
    phase1: int | ArrayLike | None = None,
    exclude: ArrayLike | None = None,
    center: float | None = None,
    sigma: float | None = None,
    rules: RuleSelection = RuleSet.WESTERN_ELECTRIC,
) -> ControlChart:
    """Nonconformities per constant inspection unit: c̄ ± 3√c̄."""
    d, _ = _counts(counts, None, integer_sizes=False, counts_within_sizes=False)
    m = d.size
    p1, ex, est = _masks(m, phase1, exclude)
    standards = center is not None
    if center is None:
        _need(est, 1)
        cbar = float(d[est].mean())
    else:
        cbar = _rate(center)
    unit_sigma = _known_sigma(sigma) or _check_sigma(float(np.sqrt(cbar)))
    main = _series(
        "c", d, _const(cbar, m), _const(unit_sigma, m), _rules(rules), truncate_at_zero=True
    )
    return ControlChart(
        ChartType.C, main, None, cbar, unit_sigma, _phase(p1, standards), est, ex, None, standards
    )


def u_chart(
    counts: ArrayLike,
    units: ArrayLike,
    *,
    phase1: int | ArrayLike | None = None,
    exclude: ArrayLike | None = None,
    center: float | None = None,
    sigma: float | None = None,
    rules: RuleSelection = RuleSet.WESTERN_ELECTRIC,
) -> ControlChart:
    """Nonconformities per unit; per-point limits ū ± 3√(ū/n_i)."""
    d, s = _counts(counts, units, integer_sizes=False, counts_within_sizes=False)
    assert s is not None
    m = d.size
    p1, ex, est = _masks(m, phase1, exclude)
    standards = center is not None
    if center is None:
        _need(est, 1)
        ubar = float(d[est].sum() / s[est].sum())
    else:
        ubar = _rate(center)
    unit_sigma = _known_sigma(sigma) or _check_sigma(float(np.sqrt(ubar)))
    constant_n = bool(np.all(s == s[0]))
    point_sigma = _const(unit_sigma / np.sqrt(s[0]), m) if constant_n else unit_sigma / np.sqrt(s)
    main = _series("u", d / s, _const(ubar, m), point_sigma, _rules(rules), truncate_at_zero=True)
    return ControlChart(
        ChartType.U, main, None, ubar, unit_sigma, _phase(p1, standards), est, ex, s, standards
    )


def _probability(center: float) -> float:
    if not 0.0 < float(center) < 1.0:
        raise InputError("bad_proportion", value=str(center))
    return float(center)


def _rate(center: float) -> float:
    if not float(center) > 0.0:
        raise InputError("sigma_not_positive", value=str(center))
    return float(center)


# --- time-weighted charts ------------------------------------------------------------


def _ewma_input(
    data: ArrayLike,
    est_args: tuple[int | ArrayLike | None, ArrayLike | None],
    center: float | None,
    sigma: float | None,
) -> tuple[FloatArray, FloatArray, BoolArray, BoolArray, BoolArray, float, float]:
    """Statistic (individuals or subgroup means), sizes, masks, μ0 and σ."""
    arr = np.asarray(data, dtype=np.float64) if not isinstance(data, np.ndarray) else data
    if arr.ndim == 2 and arr.shape[1] > 1:
        g = _subgroups(arr, need_spread=sigma is None)
        x, sizes = g.means, g.sizes
        p1, ex, est = _masks(x.size, *est_args)
        if sigma is None:
            _need(est, 1)
            sig = _check_sigma(float(np.mean(g.ranges[est] / d2_array(g.sizes[est]))))
        else:
            sig = float(sigma)
        mu = _grand_mean(g, est) if center is None else float(center)
    else:
        chart = imr_chart(
            arr.ravel(),
            phase1=est_args[0],
            exclude=est_args[1],
            center=center,
            sigma=sigma,
            rules=RuleSet.NONE,
        )
        x = np.asarray(chart.main.values)
        sizes = np.ones(x.size)
        p1, ex, est = chart.phase == 1, chart.excluded, chart.estimated_from
        mu, sig = chart.center, chart.sigma
    return x, sizes, p1, ex, est, mu, sig


def ewma_chart(
    data: ArrayLike,
    *,
    lam: float = 0.2,
    width: float = 3.0,
    phase1: int | ArrayLike | None = None,
    exclude: ArrayLike | None = None,
    center: float | None = None,
    sigma: float | None = None,
    rules: RuleSelection = RuleSet.WESTERN_ELECTRIC,
) -> ControlChart:
    """EWMA z_i = λx_i + (1−λ)z_{i−1}, z_0 = μ0, with exact time-varying limits
    μ0 ± L·√Var(z_i) (Montgomery §9.2). Only rule 1 applies: successive EWMA
    values are correlated."""
    if not 0.0 < lam <= 1.0:
        raise InputError("bad_parameter", name="lambda", value=str(lam))
    if not width > 0:
        raise InputError("bad_parameter", name="L", value=str(width))
    _known_sigma(sigma)
    x, sizes, p1, ex, est, mu, sig = _ewma_input(data, (phase1, exclude), center, sigma)
    a = 1.0 - lam
    z, _ = signal.lfilter([lam], [1.0, -a], x, zi=[a * mu])
    # Var(z_i) = λ²σ²/n_i + (1−λ)² Var(z_{i−1}): exact for unequal sizes too.
    var, _ = signal.lfilter([1.0], [1.0, -a * a], lam * lam * sig * sig / sizes, zi=[0.0])
    se = np.sqrt(var)
    m = x.size
    main = _series(
        "ewma",
        np.asarray(z, dtype=np.float64),
        _const(mu, m),
        se,
        limit_rule(_rules(rules)),
        width=width,
    )
    standards = center is not None and sigma is not None
    return ControlChart(
        ChartType.EWMA,
        main,
        None,
        mu,
        sig,
        _phase(p1, standards),
        est,
        ex,
        None if np.all(sizes == 1) else sizes,
        standards,
        (("lambda", lam), ("L", width)),
    )


def cusum_chart(
    data: ArrayLike,
    *,
    k: float = 0.5,
    h: float = 5.0,
    phase1: int | ArrayLike | None = None,
    exclude: ArrayLike | None = None,
    center: float | None = None,
    sigma: float | None = None,
    rules: RuleSelection = RuleSet.WESTERN_ELECTRIC,
) -> ControlChart:
    """Tabular CUSUM in standard-error units (Montgomery §9.1; qcc's defaults
    k = 0.5, h = 5): C⁺_i = max(0, y_i − k + C⁺_{i−1}) and C⁻ likewise, with
    y_i = (x̄_i − μ0)/(σ/√n_i). The main series is C⁺, the companion −C⁻; both
    signal beyond ±h. Only rule 1 applies."""
    if not k >= 0:
        raise InputError("bad_parameter", name="k", value=str(k))
    if not h > 0:
        raise InputError("bad_parameter", name="h", value=str(h))
    _known_sigma(sigma)
    x, sizes, p1, ex, est, mu, sig = _ewma_input(data, (phase1, exclude), center, sigma)
    y = (x - mu) / (sig / np.sqrt(sizes))
    upper = _lindley(y - k)
    lower = _lindley(-y - k)
    m = x.size
    zero, one = _const(0.0, m), _const(1.0, m)
    selected = limit_rule(_rules(rules))
    hi, lo = _const(h, m), _const(-h, m)
    main = _series("cusum-upper", upper, zero, one, selected, ucl=hi, lcl=lo)
    comp = _series("cusum-lower", 0.0 - lower, zero, one, selected, ucl=hi, lcl=lo)
    standards = center is not None and sigma is not None
    return ControlChart(
        ChartType.CUSUM,
        main,
        comp,
        mu,
        sig,
        _phase(p1, standards),
        est,
        ex,
        None if np.all(sizes == 1) else sizes,
        standards,
        (("k", k), ("h", h)),
    )


def _lindley(steps: FloatArray) -> FloatArray:
    """C_i = max(0, C_{i−1} + s_i), C_0 = 0, without a loop: C_i = S_i − min(0, min_{j≤i} S_j)."""
    s = np.cumsum(steps)
    floor = np.minimum.accumulate(np.minimum(s, 0.0))
    return np.maximum(s - floor, 0.0)


def _rules(rules: RuleSelection) -> tuple[Rule, ...]:
    from sqms_analytics.rules import rules_of

    try:
        return rules_of(rules)
    except ValueError:
        raise InputError("unknown_rules", value=str(rules)) from None


# --- choosing a chart -------------------------------------------------------------


class MetricKind(StrEnum):
    PROPORTION = "proportion"  # share of units with a property (defective, late, ...)
    COUNT = "count"  # events in a constant area of opportunity
    COUNT_PER_UNIT = "count_per_unit"  # events per unit when the area varies
    CONTINUOUS = "continuous"  # measured values


def recommend_chart(
    kind: MetricKind | str, *, subgroup_size: int = 1, constant_size: bool = False
) -> ChartType:
    """The conventional chart for a metric: proportion → p (np if every sample has
    the same size), count → c, count per unit → u, continuous values → I-MR for
    single values and X̄-S for subgroup means."""
    kind = MetricKind(kind)
    if kind is MetricKind.PROPORTION:
        return ChartType.NP if constant_size else ChartType.P
    if kind is MetricKind.COUNT:
        return ChartType.C
    if kind is MetricKind.COUNT_PER_UNIT:
        return ChartType.U
    return ChartType.IMR if subgroup_size <= 1 else ChartType.XBAR_S


__all__ = [
    "ChartType",
    "ControlChart",
    "MetricKind",
    "Series",
    "c_chart",
    "constant_value",
    "cusum_chart",
    "ewma_chart",
    "imr_chart",
    "np_chart",
    "p_chart",
    "recommend_chart",
    "sigma_from_sds",
    "u_chart",
    "xbar_r_chart",
    "xbar_s_chart",
]
