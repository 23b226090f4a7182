"""Survey statistics: NPS, CSAT, CES, Cronbach's alpha, SERVQUAL gaps, key drivers.

Missing answers are NaN. Scores outside the scale are input errors, not data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from sqms_analytics import _validate as v
from sqms_analytics.errors import InputError

FloatArray = NDArray[np.float64]
Interval = tuple[float, float]
MissingPolicy = Literal["pairwise", "listwise"]


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise InputError("bad_parameter", name="confidence", value=str(confidence))
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def _answers(scores: ArrayLike, field: str, low: float, high: float) -> FloatArray:
    """Non-missing answers, each a whole number on the scale."""
    x = v.as_float_1d(scores, field, allow_nan=True)
    present = ~np.isnan(x)
    vals = x[present]
    bad = (vals < low) | (vals > high) | (vals != np.floor(vals))
    if bad.any():
        i = int(np.flatnonzero(present)[v.first(bad)])
        raise InputError(
            "out_of_range",
            index=i,
            field=field,
            value=v.fmt_value(x[i]),
            low=int(low),
            high=int(high),
        )
    if vals.size == 0:
        raise InputError("empty", field=field)
    return vals


# --- NPS ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NpsResult:
    nps: float  # −100 … 100
    promoters: int  # 9–10
    passives: int  # 7–8
    detractors: int  # 0–6
    n: int
    ci: Interval
    confidence: float


def nps(scores: ArrayLike, *, confidence: float = 0.95) -> NpsResult:
    """Net Promoter Score with a Wald interval on the multinomial difference
    p_P − p_D, whose variance is (p_P + p_D − (p_P − p_D)²)/n; clipped to ±100."""
    x = _answers(scores, "score", 0, 10)
    n = x.size
    pro = int(np.count_nonzero(x >= 9))
    det = int(np.count_nonzero(x <= 6))
    pas = n - pro - det
    pp, pd = pro / n, det / n
    score = pp - pd
    se = math.sqrt(max(pp + pd - score * score, 0.0) / n)
    half = _z(confidence) * se
    ci = (max(-100.0, 100 * (score - half)), min(100.0, 100 * (score + half)))
    return NpsResult(100 * score, pro, pas, det, n, ci, confidence)


# --- CSAT and CES ----------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleResult:
    """Mean and top-box share of answers on a rating scale."""

    n: int
    mean: float
    mean_ci: Interval
    share: float  # share of answers in the top box(es), 0 … 1
    share_ci: Interval  # Wilson score interval
    scale: tuple[int, int]
    top: int  # how many top boxes count
    confidence: float


def _scale(
    scores: ArrayLike, scale: tuple[int, int], top: int, confidence: float, field: str
) -> ScaleResult:
    low, high = scale
    if not low < high or not 1 <= top <= high - low:
        raise InputError("bad_parameter", name="scale", value=f"{low}-{high}/{top}")
    x = _answers(scores, field, low, high)
    n = x.size
    mean = float(x.mean())
    if n > 1:
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    else:
        half = math.inf
    mean_ci = (max(low, mean - half), min(high, mean + half))
    hits = int(np.count_nonzero(x > high - top))
    return ScaleResult(
        n, mean, mean_ci, hits / n, wilson(hits, n, confidence), scale, top, confidence
    )


def csat(
    scores: ArrayLike, *, scale: tuple[int, int] = (1, 5), top: int = 2, confidence: float = 0.95
) -> ScaleResult:
    """CSAT: share of satisfied answers (top-2 box: 4 and 5 on a 1–5 scale) and the mean."""
    return _scale(scores, scale, top, confidence, "score")


def ces(
    scores: ArrayLike, *, scale: tuple[int, int] = (1, 7), top: int = 3, confidence: float = 0.95
) -> ScaleResult:
    """Customer Effort Score (CES 2.0: "the company made it easy…", 1–7 agreement):
    the mean and the share who agree (5–7)."""
    return _scale(scores, scale, top, confidence, "score")


def wilson(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for a binomial proportion."""
    z = _z(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


# --- Cronbach's alpha --------------------------------------------------------------


@dataclass(frozen=True)
class AlphaResult:
    alpha: float
    ci: Interval  # Feldt (1965)
    n: int  # respondents the estimate rests on (smallest pairwise count if pairwise)
    k: int
    if_item_deleted: FloatArray  # alpha of the other k − 1 items, per item
    item_total_correlation: FloatArray  # corrected: item vs. sum of the others
    missing: MissingPolicy
    confidence: float


def item_covariance(
    items: ArrayLike, missing: MissingPolicy = "pairwise"
) -> tuple[FloatArray, int]:
    """Item covariance matrix (ddof 1) and the respondent count it rests on.

    Pairwise: each covariance from the respondents who answered both items, all
    pairs at once as matrix products of the zero-filled data and its mask.
    """
    x = np.asarray(items, dtype=np.float64)
    if x.ndim != 2:
        raise InputError("not_two_dimensional", field="items")
    if x.shape[1] < 2:
        raise InputError("too_few_items", k=x.shape[1])
    # One pass decides the common case (complete data); only otherwise look closer.
    has_nan = not bool(np.isfinite(x).all())
    if has_nan:
        if np.isinf(x).any():
            i = v.first(np.isinf(x).any(axis=1))
            raise InputError("not_finite", index=i, field="items")
        nan = np.isnan(x)
    if has_nan and missing == "listwise":
        x = x[~nan.any(axis=1)]
        has_nan = False
    if not has_nan:
        n = x.shape[0]
        if n < 2:
            raise InputError("too_few_respondents", minimum=2, available=n)
        centred = x - x.mean(axis=0)
        return (centred.T @ centred) / (n - 1), n
    present = ~nan
    counts = present.T.astype(np.float64) @ present
    if counts.min() < 2:
        raise InputError("too_few_respondents", minimum=2, available=int(counts.min()))
    # Centre on the column means first: the pairwise sums below subtract large
    # nearly equal numbers otherwise.
    col_mean = np.nanmean(x, axis=0)
    z = np.where(present, x - col_mean, 0.0)
    mask = present.astype(np.float64)
    sxy = z.T @ z
    sx = z.T @ mask  # sx[i, j]: sum of item i over respondents who answered j too
    cov = (sxy - sx * sx.T / counts) / (counts - 1)
    # The sample behind pairwise estimates is every respondent who answered anything: the
    # convention of R's psych and pingouin, whose published Feldt intervals rest on it.
    return cov, int(present.any(axis=1).sum())


def alpha_from_covariance(cov: FloatArray) -> float:
    k = int(cov.shape[0])
    total = float(cov.sum())
    if total <= 0:
        raise InputError("no_variation")
    return k / (k - 1) * (1.0 - float(np.trace(cov)) / total)


def cronbach_alpha(
    items: ArrayLike,
    *,
    missing: MissingPolicy = "pairwise",
    confidence: float = 0.95,
) -> AlphaResult:
    """Cronbach's alpha, α = k/(k−1)·(1 − Σσ²_i/σ²_total), from the item covariances.

    ``items``: respondents × items, NaN for a missing answer. The interval is
    Feldt's: (1 − α)/(1 − α̂) ~ F(n−1, (n−1)(k−1)).
    """
    if missing not in ("pairwise", "listwise"):
        raise InputError("bad_parameter", name="missing", value=str(missing))
    cov, n = item_covariance(items, missing)
    k = cov.shape[0]
    a = alpha_from_covariance(cov)
    if k > 2:
        # Deleting item i removes row and column i from the sums.
        diag = np.diag(cov)
        total = cov.sum()
        row = cov.sum(axis=1)
        rest_total = total - 2 * row + diag
        rest_trace = diag.sum() - diag
        with np.errstate(divide="ignore", invalid="ignore"):
            deleted = (k - 1) / (k - 2) * (1.0 - rest_trace / rest_total)
    else:
        deleted = np.full(k, np.nan)  # one item left: alpha is undefined
    diag = np.diag(cov)
    rest_var = cov.sum() - 2 * cov.sum(axis=1) + diag
    with np.errstate(divide="ignore", invalid="ignore"):
        item_rest = (cov.sum(axis=1) - diag) / np.sqrt(diag * rest_var)
    gamma = 1.0 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lo = 1.0 - (1.0 - a) * float(stats.f.ppf(1 - gamma / 2, df1, df2))
    hi = 1.0 - (1.0 - a) * float(stats.f.ppf(gamma / 2, df1, df2))
    deleted.setflags(write=False)
    item_rest.setflags(write=False)
    return AlphaResult(a, (lo, hi), n, k, deleted, item_rest, missing, confidence)


# --- SERVQUAL ------------------------------------------------------------------------

SERVQUAL_DIMENSIONS: tuple[str, ...] = (
    "tangibles",
    "reliability",
    "responsiveness",
    "assurance",
    "empathy",
)

# Parasuraman, Zeithaml & Berry (1988): the 22 items in order, by dimension.
STANDARD_ITEMS: Mapping[str, tuple[int, ...]] = {
    "tangibles": (0, 1, 2, 3),
    "reliability": (4, 5, 6, 7, 8),
    "responsiveness": (9, 10, 11, 12),
    "assurance": (13, 14, 15, 16),
    "empathy": (17, 18, 19, 20, 21),
}


@dataclass(frozen=True)
class ServqualResult:
    item_gap: FloatArray  # mean P − E per item
    item_expectation: FloatArray
    item_perception: FloatArray
    dimensions: tuple[str, ...]
    dimension_gap: FloatArray  # mean over respondents of their mean gap on the items
    weights: FloatArray  # per dimension, summing to 1
    unweighted: float  # mean of the dimension gaps
    weighted: float  # Σ w_d · gap_d
    n: int


def servqual(
    expectations: ArrayLike,
    perceptions: ArrayLike,
    *,
    dimensions: Mapping[str, Sequence[int]] | None = None,
    importance: ArrayLike | None = None,
) -> ServqualResult:
    """SERVQUAL gap scores (perception − expectation).

    ``expectations`` and ``perceptions``: respondents × items on the same items
    (NaN = missing). ``dimensions`` maps a dimension to its item columns (default:
    the standard 22-item assignment). ``importance``: one weight per dimension, or
    respondents × dimensions (e.g. 100 points allocated), averaged; default equal.
    """
    e = np.asarray(expectations, dtype=np.float64)
    p = np.asarray(perceptions, dtype=np.float64)
    if e.ndim != 2 or p.shape != e.shape:
        raise InputError("shape_mismatch", first="expectations", second="perceptions")
    if e.shape[0] == 0:
        raise InputError("empty", field="perceptions")
    k = e.shape[1]
    if dimensions is None:
        if k != 22:
            raise InputError("servqual_dimensions_needed", k=k)
        dimensions = STANDARD_ITEMS
    names = tuple(dimensions)
    for name, cols in dimensions.items():
        if not cols or min(cols) < 0 or max(cols) >= k:
            raise InputError("bad_parameter", name=f"dimension {name}", value=str(list(cols)))
    gap = p - e
    answered = ~np.isnan(gap)
    if not answered.any(axis=0).all():
        raise InputError("empty", field=f"item {v.first(~answered.any(axis=0)) + 1}")
    item_gap = np.nanmean(gap, axis=0)
    dim_gap = np.empty(len(names))
    for j, name in enumerate(names):
        cols = list(dimensions[name])
        # A respondent's dimension score is the mean of the items they answered.
        per_resp = _nanmean_rows(gap[:, cols])
        if np.isnan(per_resp).all():
            raise InputError("empty", field=name)
        dim_gap[j] = float(np.nanmean(per_resp))
    w = _weights(importance, len(names))
    return ServqualResult(
        item_gap,
        np.nanmean(e, axis=0),
        np.nanmean(p, axis=0),
        names,
        dim_gap,
        w,
        float(dim_gap.mean()),
        float(np.dot(w, dim_gap)),
        int(e.shape[0]),
    )


def _nanmean_rows(a: FloatArray) -> FloatArray:
    present = ~np.isnan(a)
    counts = present.sum(axis=1)
    sums = np.where(present, a, 0.0).sum(axis=1)
    out = np.full(a.shape[0], np.nan)
    ok = counts > 0
    out[ok] = sums[ok] / counts[ok]
    return out


def _weights(importance: ArrayLike | None, d: int) -> FloatArray:
    if importance is None:
        return np.full(d, 1.0 / d)
    w = np.asarray(importance, dtype=np.float64)
    if w.ndim == 2:
        if w.shape[1] != d:
            raise InputError("shape_mismatch", first="importance", second="dimensions")
        w = _nanmean_rows(w.T)
    if w.shape != (d,) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise InputError("bad_weights")
    out: FloatArray = w / w.sum()
    return out


# --- key-driver analysis ---------------------------------------------------------------


@dataclass(frozen=True)
class KeyDriverResult:
    correlation: FloatArray  # Pearson r of each item with the overall score
    beta: FloatArray  # standardised regression coefficients
    relative_weight: FloatArray  # Johnson (2000) relative weights; they sum to r²
    r_squared: float
    order: tuple[int, ...]  # items by relative weight, largest first
    n: int


def key_drivers(items: ArrayLike, overall: ArrayLike) -> KeyDriverResult:
    """Which items move overall satisfaction most.

    Johnson's relative weights split R² among correlated predictors: regress y on
    the orthogonal counterpart Z of the standardised X (Z = U Vᵀ of its SVD) and
    apportion each Z's share back through Λ = V S Vᵀ. Listwise complete cases.
    """
    x = np.asarray(items, dtype=np.float64)
    y = np.asarray(overall, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise InputError("shape_mismatch", first="items", second="overall")
    keep = ~(np.isnan(x).any(axis=1) | np.isnan(y))
    x, y = x[keep], y[keep]
    n, k = x.shape
    if n <= k + 1:
        raise InputError("too_few_respondents", minimum=k + 2, available=n)
    xs = x.std(axis=0, ddof=1)
    ys = float(y.std(ddof=1))
    if (xs == 0).any() or ys == 0:
        raise InputError("no_variation")
    zx = (x - x.mean(axis=0)) / xs
    zy = (y - y.mean()) / ys
    corr = zx.T @ zy / (n - 1)
    rxx = zx.T @ zx / (n - 1)
    beta = np.linalg.lstsq(rxx, corr, rcond=None)[0]
    r2 = float(beta @ corr)
    evals, evecs = np.linalg.eigh(rxx)
    lam = evecs @ np.diag(np.sqrt(np.clip(evals, 0, None))) @ evecs.T
    b = np.linalg.lstsq(lam, corr, rcond=None)[0]
    weights = (lam**2) @ (b**2)
    order = tuple(int(i) for i in np.argsort(-weights, kind="stable"))
    return KeyDriverResult(corr, beta, weights, r2, order, n)


__all__ = [
    "SERVQUAL_DIMENSIONS",
    "STANDARD_ITEMS",
    "AlphaResult",
    "KeyDriverResult",
    "NpsResult",
    "ScaleResult",
    "ServqualResult",
    "alpha_from_covariance",
    "ces",
    "cronbach_alpha",
    "csat",
    "item_covariance",
    "key_drivers",
    "nps",
    "servqual",
    "wilson",
]
