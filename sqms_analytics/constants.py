"""Control-chart constants d2, d3 and c4.

For subgroup sizes 2–25 the values are the ones printed in the standard SPC tables
(Montgomery, *Introduction to Statistical Quality Control*, Appendix VI; ASTM
STP 15D), so that limits agree with textbooks to the printed digits. Larger sizes
are computed: c4 in closed form, d2 and d3 by numerical integration of the range
distribution of a standard normal sample (Tippett 1925).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, special, stats

# n: (d2, d3, c4) as printed in Montgomery, Appendix VI.
_TABLE: dict[int, tuple[float, float, float]] = {
    2: (1.128, 0.853, 0.7979),
    3: (1.693, 0.888, 0.8862),
    4: (2.059, 0.880, 0.9213),
    5: (2.326, 0.864, 0.9400),
    6: (2.534, 0.848, 0.9515),
    7: (2.704, 0.833, 0.9594),
    8: (2.847, 0.820, 0.9650),
    9: (2.970, 0.808, 0.9693),
    10: (3.078, 0.797, 0.9727),
    11: (3.173, 0.787, 0.9754),
    12: (3.258, 0.778, 0.9776),
    13: (3.336, 0.770, 0.9794),
    14: (3.407, 0.763, 0.9810),
    15: (3.472, 0.756, 0.9823),
    16: (3.532, 0.750, 0.9835),
    17: (3.588, 0.744, 0.9845),
    18: (3.640, 0.739, 0.9854),
    19: (3.689, 0.734, 0.9862),
    20: (3.735, 0.729, 0.9869),
    21: (3.778, 0.724, 0.9876),
    22: (3.819, 0.720, 0.9882),
    23: (3.858, 0.716, 0.9887),
    24: (3.895, 0.712, 0.9892),
    25: (3.931, 0.708, 0.9896),
}
TABLE_MAX = max(_TABLE)

# n: (D3, D4), the R-chart limit factors as printed in the same table. A few differ
# in the last digit from 1 ± 3·d3/d2 (e.g. D4(3) = 2.574, not 2.575); the printed
# value is what textbooks and SPC software reproduce.
_D_TABLE: dict[int, tuple[float, float]] = {
    2: (0.0, 3.267),
    3: (0.0, 2.574),
    4: (0.0, 2.282),
    5: (0.0, 2.114),
    6: (0.0, 2.004),
    7: (0.076, 1.924),
    8: (0.136, 1.864),
    9: (0.184, 1.816),
    10: (0.223, 1.777),
    11: (0.256, 1.744),
    12: (0.283, 1.717),
    13: (0.307, 1.693),
    14: (0.328, 1.672),
    15: (0.347, 1.653),
    16: (0.363, 1.637),
    17: (0.378, 1.622),
    18: (0.391, 1.608),
    19: (0.403, 1.597),
    20: (0.415, 1.585),
    21: (0.425, 1.575),
    22: (0.434, 1.566),
    23: (0.443, 1.557),
    24: (0.451, 1.548),
    25: (0.459, 1.541),
}


def _check_n(n: int) -> int:
    if int(n) != n or n < 2:
        raise ValueError(f"subgroup size must be an integer >= 2, got {n!r}")
    return int(n)


@cache
def d2_exact(n: int) -> float:
    """E[R]/σ for a normal sample of size n, by integrating P(R > r)."""
    n = _check_n(n)

    def tail(x: float) -> float:
        p = float(stats.norm.cdf(x))
        return 1.0 - p**n - (1.0 - p) ** n

    value, _ = integrate.quad(tail, -np.inf, np.inf)
    return float(value)


@cache
def d3_exact(n: int) -> float:
    """SD(R)/σ for a normal sample of size n.

    E[R²] = 2∬_{x<y} [1 − Φ(y)ⁿ − (1−Φ(x))ⁿ + (Φ(y)−Φ(x))ⁿ] dx dy (Tippett 1925).
    """
    n = _check_n(n)

    def integrand(x: float, y: float) -> float:
        px, py = float(special.ndtr(x)), float(special.ndtr(y))
        return 1.0 - py**n - (1.0 - px) ** n + (py - px) ** n

    lim = 9.0  # Φ beyond ±9 is 1 to double precision
    second, _ = integrate.dblquad(integrand, -lim, lim, lambda y: -lim, lambda y: y)
    return math.sqrt(max(2.0 * second - d2_exact(n) ** 2, 0.0))


def c4_exact(n: int) -> float:
    """E[s]/σ for a normal sample of size n: √(2/(n−1)) Γ(n/2)/Γ((n−1)/2)."""
    n = _check_n(n)
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


def d2(n: int) -> float:
    """Tabulated d2 for 2 ≤ n ≤ 25, computed beyond."""
    n = _check_n(n)
    return _TABLE[n][0] if n in _TABLE else d2_exact(n)


def d3(n: int) -> float:
    """Tabulated d3 for 2 ≤ n ≤ 25, computed beyond."""
    n = _check_n(n)
    return _TABLE[n][1] if n in _TABLE else d3_exact(n)


def c4(n: int) -> float:
    """Tabulated c4 for 2 ≤ n ≤ 25, closed form beyond."""
    n = _check_n(n)
    return _TABLE[n][2] if n in _TABLE else c4_exact(n)


def _vector(fn: object, sizes: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(sizes)
    uniq, inverse = np.unique(arr, return_inverse=True)
    # Few distinct sizes in practice: look each up once, then broadcast back.
    table = np.array([fn(int(u)) for u in uniq], dtype=np.float64)  # type: ignore[operator]
    return table[inverse.reshape(arr.shape)]


def d2_array(sizes: ArrayLike) -> NDArray[np.float64]:
    return _vector(d2, sizes)


def d3_array(sizes: ArrayLike) -> NDArray[np.float64]:
    return _vector(d3, sizes)


def c4_array(sizes: ArrayLike) -> NDArray[np.float64]:
    return _vector(c4, sizes)


# Derived factors (Montgomery, Appendix VI), kept as functions of the table.
def a2(n: int) -> float:
    return 3.0 / (d2(n) * math.sqrt(n))


def a3(n: int) -> float:
    return 3.0 / (c4(n) * math.sqrt(n))


def d3_factor(n: int) -> float:
    """D3 = max(0, 1 − 3 d3/d2): R-chart lower limit factor (LCL = D3·R̄)."""
    n = _check_n(n)
    return _D_TABLE[n][0] if n in _D_TABLE else max(0.0, 1.0 - 3.0 * d3(n) / d2(n))


def d4_factor(n: int) -> float:
    """D4 = 1 + 3 d3/d2: R-chart upper limit factor (UCL = D4·R̄)."""
    n = _check_n(n)
    return _D_TABLE[n][1] if n in _D_TABLE else 1.0 + 3.0 * d3(n) / d2(n)


def d3_factor_array(sizes: ArrayLike) -> NDArray[np.float64]:
    return _vector(d3_factor, sizes)


def d4_factor_array(sizes: ArrayLike) -> NDArray[np.float64]:
    return _vector(d4_factor, sizes)


def b3(n: int) -> float:
    c = c4(n)
    return max(0.0, 1.0 - 3.0 * math.sqrt(1.0 - c * c) / c)


def b4(n: int) -> float:
    c = c4(n)
    return 1.0 + 3.0 * math.sqrt(1.0 - c * c) / c


__all__ = [
    "TABLE_MAX",
    "a2",
    "a3",
    "b3",
    "b4",
    "c4",
    "c4_array",
    "c4_exact",
    "d2",
    "d2_array",
    "d2_exact",
    "d3",
    "d3_array",
    "d3_exact",
    "d3_factor",
    "d3_factor_array",
    "d4_factor",
    "d4_factor_array",
]
