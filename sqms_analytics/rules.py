"""Run rules (Western Electric 1–4, Nelson 1–8), fully vectorised.

Every rule is evaluated on the standardised statistic z = (x − centre)/σ, where σ
is the standard error of the plotted statistic at that point (so per-point limits
work unchanged); with a constant centre and σ the zones are compared on x directly
(x > centre + kσ), which saves a pass over the data. Rule 1 compares the raw value
with the actual, possibly truncated, limits. Inequalities are strict: a point
exactly on a limit or zone boundary is not part of a pattern.

A violation is reported on the point that completes the pattern and on each later
point while the pattern continues. Results are stored as index arrays (flagged
points and the first point of each one's pattern) so that ten million points cost
no Python loop; per-point lists are built only on request, for small outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

BoolArray = NDArray[np.bool_]
IndexArray = NDArray[np.intp]
FloatArray = NDArray[np.float64]


class RuleSet(StrEnum):
    WESTERN_ELECTRIC = "western-electric"
    NELSON = "nelson"
    NONE = "none"


@dataclass(frozen=True, order=True)
class Rule:
    family: RuleSet
    number: int

    @property
    def name(self) -> str:
        return f"{self.family.value}-{self.number}"

    @classmethod
    def parse(cls, name: str) -> Rule:
        family, _, number = name.rpartition("-")
        rule = cls(RuleSet(family), int(number))
        if rule not in _SPECS:
            raise ValueError(f"unknown rule {name!r}")
        return rule


PatternKind = Literal["limit", "window", "run"]


@dataclass(frozen=True)
class _Spec:
    kind: PatternKind
    length: int  # points in the pattern (window size m, or run length)
    need: int = 0  # for windows: how many of the m points must be beyond `zone`
    zone: float = 0.0
    test: str = ""  # for runs: which property every point of the run has


_WE, _NE = RuleSet.WESTERN_ELECTRIC, RuleSet.NELSON
_SPECS: dict[Rule, _Spec] = {
    Rule(_WE, 1): _Spec("limit", 1),
    Rule(_WE, 2): _Spec("window", 3, need=2, zone=2.0),
    Rule(_WE, 3): _Spec("window", 5, need=4, zone=1.0),
    Rule(_WE, 4): _Spec("run", 8, test="side"),
    Rule(_NE, 1): _Spec("limit", 1),
    Rule(_NE, 2): _Spec("run", 9, test="side"),
    Rule(_NE, 3): _Spec("run", 6, test="trend"),
    Rule(_NE, 4): _Spec("run", 14, test="alternating"),
    Rule(_NE, 5): _Spec("window", 3, need=2, zone=2.0),
    Rule(_NE, 6): _Spec("window", 5, need=4, zone=1.0),
    Rule(_NE, 7): _Spec("run", 15, test="inner"),
    Rule(_NE, 8): _Spec("run", 8, test="outer"),
}

DESCRIPTIONS: dict[Rule, str] = {
    Rule(_WE, 1): "1 point beyond a control limit",
    Rule(_WE, 2): "2 of 3 points beyond 2σ on the same side",
    Rule(_WE, 3): "4 of 5 points beyond 1σ on the same side",
    Rule(_WE, 4): "8 points in a row on the same side of the centre line",
    Rule(_NE, 1): "1 point beyond a control limit",
    Rule(_NE, 2): "9 points in a row on the same side of the centre line",
    Rule(_NE, 3): "6 points in a row steadily increasing or decreasing",
    Rule(_NE, 4): "14 points in a row alternating up and down",
    Rule(_NE, 5): "2 of 3 points beyond 2σ on the same side",
    Rule(_NE, 6): "4 of 5 points beyond 1σ on the same side",
    Rule(_NE, 7): "15 points in a row within 1σ of the centre line",
    Rule(_NE, 8): "8 points in a row beyond 1σ, on either side",
}


def rules_of(selection: RuleSet | str | Iterable[Rule | str]) -> tuple[Rule, ...]:
    """All rules of a set (choosing a set applies every rule in it), or the rules listed."""
    if isinstance(selection, str) and not isinstance(selection, RuleSet):
        try:
            selection = RuleSet(selection)
        except ValueError:
            return (Rule.parse(selection),)
    if isinstance(selection, RuleSet):
        return tuple(sorted(r for r in _SPECS if r.family is selection))
    out = {r if isinstance(r, Rule) else Rule.parse(r) for r in selection}
    return tuple(sorted(out))


def limit_rule(selection: RuleSet | str | Iterable[Rule | str]) -> tuple[Rule, ...]:
    """Only rule 1 of the selection: for statistics whose successive points are
    correlated or skewed (moving ranges, ranges, EWMA, CUSUM), where zone and run
    tests would raise false alarms."""
    return tuple(r for r in rules_of(selection) if _SPECS[r].kind == "limit")


@dataclass(frozen=True)
class RuleHits:
    """Points flagged by one rule.

    ``index`` holds the flagged points in ascending order and ``start[j]`` the first
    point of the pattern that ``index[j]`` completes or continues. For window rules
    (k of m) ``side[j]`` (+1 above, −1 below) tells which points of the window form
    the pattern.
    """

    rule: Rule
    index: IndexArray
    start: IndexArray
    side: NDArray[np.int8]

    @property
    def count(self) -> int:
        return int(self.index.size)


@dataclass(frozen=True)
class Signal:
    rule: Rule
    point: int
    members: tuple[int, ...]


@dataclass(frozen=True)
class RuleResult:
    n: int
    rules: tuple[Rule, ...]
    hits: tuple[RuleHits, ...]
    values: FloatArray
    center: FloatArray | float
    sigma: FloatArray | float

    def flagged(self) -> BoolArray:
        """Points that violate at least one rule."""
        mask = np.zeros(self.n, dtype=bool)
        for h in self.hits:
            mask[h.index] = True
        return mask

    @property
    def in_control(self) -> bool:
        return all(h.count == 0 for h in self.hits)

    def by_point(self) -> list[list[str]]:
        """Rule names per point, in rule order. Materialises Python lists: small n only."""
        out: list[list[str]] = [[] for _ in range(self.n)]
        for h in self.hits:
            name = h.rule.name
            for i in h.index.tolist():
                out[i].append(name)
        return out

    def members(self, hits: RuleHits, j: int) -> tuple[int, ...]:
        """The points that form the pattern reported at ``hits.index[j]``."""
        i, s = int(hits.index[j]), int(hits.start[j])
        spec = _SPECS[hits.rule]
        if spec.kind != "window":
            return tuple(range(s, i + 1))
        c = self.center if isinstance(self.center, float) else self.center[s : i + 1]
        sd = self.sigma if isinstance(self.sigma, float) else self.sigma[s : i + 1]
        window = (self.values[s : i + 1] - c) / sd * int(hits.side[j])
        return tuple(s + k for k in np.flatnonzero(window > spec.zone).tolist())

    def signals(self) -> Iterator[Signal]:
        for h in self.hits:
            for j in range(h.count):
                yield Signal(h.rule, int(h.index[j]), self.members(h, j))


# --- vectorised building blocks -------------------------------------------------


def _all_in_window(b: BoolArray, w: int) -> BoolArray:
    """out[i] = b[i−w+1 .. i] all true (false where fewer than w points exist).

    Doubling: a_{2k}[i] = a_k[i] & a_k[i−k], then one overlapping AND reaches w.
    Only boolean passes, about log2(w) of them.
    """
    if w <= 1:
        return b.copy()
    a = b
    k = 1
    while 2 * k <= w:
        nxt = np.zeros_like(a)
        np.logical_and(a[k:], a[:-k], out=nxt[k:])
        a, k = nxt, 2 * k
    if k == w:
        return a
    out = np.zeros_like(a)
    shift = w - k
    np.logical_and(a[shift:], a[:-shift], out=out[shift:])
    return out


def _window_count(b: BoolArray, m: int) -> NDArray[np.uint8]:
    """out[i] = number of true values in b[max(0, i−m+1) .. i]."""
    total = b.astype(np.uint8)
    src = total.copy()
    for k in range(1, m):
        total[k:] += src[:-k]
    return total


def _segment_first(index: IndexArray) -> IndexArray:
    """For sorted indices, the first index of the contiguous block each belongs to."""
    if index.size == 0:
        return index
    new_block = np.empty(index.size, dtype=bool)
    new_block[0] = True
    np.not_equal(index[1:], index[:-1] + 1, out=new_block[1:])
    firsts: IndexArray = index[new_block]
    out: IndexArray = firsts[np.cumsum(new_block) - 1]
    return out


def _run_hits(rule: Rule, flagged: BoolArray, length: int) -> RuleHits:
    index = np.flatnonzero(flagged)
    # A run first completes `length − 1` points after it starts and every later
    # point of it stays flagged, so each contiguous flagged block is one run and
    # starts length − 1 points before the block's first point.
    start = _segment_first(index) - (length - 1)
    return RuleHits(rule, index, start, np.zeros(index.size, dtype=np.int8))


def _evaluate_rule(
    rule: Rule,
    x: FloatArray,
    c: FloatArray | float,
    sd: FloatArray | float,
    ucl: FloatArray | float,
    lcl: FloatArray | float,
    cache: dict[str, BoolArray],
) -> RuleHits:
    spec = _SPECS[rule]

    def get(key: str) -> BoolArray:
        if key not in cache:
            cache[key] = _predicate(key, x, c, sd, get)
        return cache[key]

    if spec.kind == "limit":
        above = x > ucl
        below = x < lcl
        index = np.flatnonzero(above | below)
        side = np.where(above[index], 1, -1).astype(np.int8)
        return RuleHits(rule, index, index.copy(), side)
    if spec.kind == "window":
        zone = int(spec.zone)
        parts: list[tuple[IndexArray, int]] = []
        for sign, key in ((1, f"above{zone}"), (-1, f"below{zone}")):
            beyond = get(key)
            hit = beyond & (_window_count(beyond, spec.length) >= spec.need)
            parts.append((np.flatnonzero(hit), sign))
        index = np.concatenate([p[0] for p in parts])
        side = np.concatenate([np.full(p[0].size, p[1], dtype=np.int8) for p in parts])
        order = np.argsort(index, kind="stable")
        index, side = index[order], side[order]
        start = np.maximum(index - (spec.length - 1), 0)
        return RuleHits(rule, index, start, side)
    # Runs: each point's property is true; trend and alternation are properties of
    # the steps, so a run of L points needs L − 1 rising steps, or L − 2 sign flips.
    if spec.test == "side":
        flagged = _all_in_window(get("above0"), spec.length)
        flagged |= _all_in_window(get("below0"), spec.length)
    elif spec.test == "trend":
        flagged = _all_in_window(get("rise"), spec.length - 1)
        flagged |= _all_in_window(get("fall"), spec.length - 1)
    elif spec.test == "alternating":
        flagged = _all_in_window(get("flip"), spec.length - 2)
    elif spec.test == "inner":
        flagged = _all_in_window(get("inner1"), spec.length)
    else:
        flagged = _all_in_window(get("outer1"), spec.length)
    return _run_hits(rule, flagged, spec.length)


def _predicate(
    key: str,
    x: FloatArray,
    c: FloatArray | float,
    sd: FloatArray | float,
    get: Callable[[str], BoolArray],
) -> BoolArray:
    n = x.size
    if key.startswith(("above", "below")):
        k = float(key[5:])
        if isinstance(c, float) and isinstance(sd, float):
            # Constant lines: compare x with c ± kσ, no standardised copy of x.
            return x > c + k * sd if key[0] == "a" else x < c - k * sd
        z = get("z")
        return z > k if key[0] == "a" else z < -k
    if key == "z":
        z_arr = np.subtract(x, c)
        z_arr /= sd
        return z_arr  # a float array, cached alongside the masks
    if key == "inner1":
        if isinstance(c, float) and isinstance(sd, float):
            return (x < c + sd) & (x > c - sd)
        z = get("z")
        return (z < 1.0) & (z > -1.0)
    if key == "outer1":
        return get("above1") | get("below1")
    out = np.zeros(n, dtype=bool)
    if n < 2:
        return out
    if key == "rise":
        np.greater(x[1:], x[:-1], out=out[1:])
    elif key == "fall":
        np.less(x[1:], x[:-1], out=out[1:])
    elif key == "flip":
        # flip[i]: step i reverses step i − 1 (and neither is flat).
        rise, fall = get("rise"), get("fall")
        np.logical_and(rise[2:], fall[1:-1], out=out[2:])
        out[2:] |= fall[2:] & rise[1:-1]
    else:
        raise KeyError(key)
    return out


def evaluate_rules(
    values: ArrayLike,
    center: ArrayLike,
    sigma: ArrayLike,
    *,
    rules: RuleSet | str | Iterable[Rule | str] = RuleSet.WESTERN_ELECTRIC,
    ucl: ArrayLike | None = None,
    lcl: ArrayLike | None = None,
) -> RuleResult:
    """Apply run rules to a plotted statistic.

    ``sigma`` is the standard error of the statistic (scalar or per point); ``ucl``
    and ``lcl`` default to centre ± 3σ and are the limits rule 1 uses.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("values must be one-dimensional")
    selected = rules_of(rules)
    c = _scalar_or_array(center)
    s = _scalar_or_array(sigma)
    upper = c + 3.0 * s if ucl is None else _scalar_or_array(ucl)
    lower = c - 3.0 * s if lcl is None else _scalar_or_array(lcl)
    cache: dict[str, BoolArray] = {}
    hits = tuple(_evaluate_rule(r, x, c, s, upper, lower, cache) for r in selected)
    return RuleResult(x.size, selected, hits, x, c, s)


def _scalar_or_array(v: ArrayLike) -> FloatArray | float:
    arr = np.asarray(v, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def rule_spec(rule: Rule) -> tuple[PatternKind, int]:
    spec = _SPECS[rule]
    return spec.kind, spec.length


ALL_RULES: Sequence[Rule] = tuple(sorted(_SPECS))

__all__ = [
    "ALL_RULES",
    "DESCRIPTIONS",
    "Rule",
    "RuleHits",
    "RuleResult",
    "RuleSet",
    "Signal",
    "evaluate_rules",
    "limit_rule",
    "rule_spec",
    "rules_of",
]
