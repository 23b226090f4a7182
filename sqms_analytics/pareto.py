"""Pareto analysis: categories by frequency, with cumulative shares and the vital few."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from sqms_analytics import _validate as v
from sqms_analytics.errors import InputError


@dataclass(frozen=True)
class ParetoRow:
    category: str
    count: float
    percent: float
    cum_count: float
    cum_percent: float


@dataclass(frozen=True)
class ParetoResult:
    rows: tuple[ParetoRow, ...]
    total: float
    vital_few: tuple[str, ...]  # the first categories that together reach the cutoff
    cutoff: float  # percent, 80 by default


def pareto_analysis(
    categories: Sequence[str],
    counts: ArrayLike | None = None,
    *,
    cutoff: float = 80.0,
) -> ParetoResult:
    """Sort categories by count, largest first (ties keep their first appearance).

    Without ``counts`` every entry of ``categories`` counts once (raw records);
    with them, equal categories are added up. The vital few are the smallest
    leading set whose cumulative percentage reaches ``cutoff``.
    """
    if not 0 < cutoff <= 100:
        raise InputError("bad_parameter", name="cutoff", value=str(cutoff))
    cats = [str(c) for c in categories]
    if not cats:
        raise InputError("empty", field="category")
    if counts is None:
        w = np.ones(len(cats))
    else:
        w = v.as_float_1d(counts, "count")
        if w.size != len(cats):
            raise InputError(
                "length_mismatch",
                field="count",
                first="category",
                second="count",
                n_first=len(cats),
                n_second=w.size,
            )
        v.check_nonnegative(w, "count")
    labels, first_seen, inverse = np.unique(
        np.asarray(cats), return_index=True, return_inverse=True
    )
    totals = np.bincount(inverse, weights=w, minlength=labels.size)
    grand = float(totals.sum())
    if grand <= 0:
        raise InputError("no_variation")
    # Sort by count descending, ties by first appearance: lexsort keys are last-first.
    order = np.lexsort((first_seen, -totals))
    sorted_counts = totals[order]
    cum = np.cumsum(sorted_counts)
    percent = 100.0 * sorted_counts / grand
    cum_percent = 100.0 * cum / grand
    rows = tuple(
        ParetoRow(str(labels[i]), float(c), float(p), float(cc), float(cp))
        for i, c, p, cc, cp in zip(order, sorted_counts, percent, cum, cum_percent, strict=True)
    )
    # Tolerate rounding in the cumulative sum when a cumulative share is exactly the cutoff.
    reach = int(np.argmax(cum_percent >= cutoff - 1e-9)) + 1
    vital = tuple(r.category for r in rows[:reach])
    return ParetoResult(rows, grand, vital, cutoff)


__all__ = ["ParetoResult", "ParetoRow", "pareto_analysis"]
