"""A mergeable quantile sketch with relative-error guarantees (DDSketch, Masson et al., VLDB 2019).

A value v > 0 falls in bucket ceil(log_gamma(v)), gamma = (1 + a) / (1 - a); the bucket's
representative 2·gamma^i / (gamma + 1) is within relative error `a` of every value in it. Two
sketches with the same `a` merge by adding bucket counts, so a week's p90 is derived exactly
(within `a`) from its seven days. Zero and negative values are counted apart: durations and
scores in SQMS are never negative, and zero is common (an immediate answer).

Written here rather than taken from the reference library because that one adds values one at
a time in Python; rollups need whole columns bucketed at once with NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

RELATIVE_ACCURACY = 0.01
GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
LOG_GAMMA = math.log(GAMMA)


@dataclass
class Sketch:
    """Bucket counts of positive values plus the count of values ≤ 0."""

    bins: dict[int, int] = field(default_factory=dict)
    zeros: int = 0

    @property
    def count(self) -> int:
        return self.zeros + sum(self.bins.values())

    @classmethod
    def of(cls, values: ArrayLike) -> Sketch:
        arr = np.asarray(values, dtype=float)
        arr = arr[~np.isnan(arr)]
        positive = arr[arr > 0]
        sketch = cls(zeros=int(arr.size - positive.size))
        if positive.size:
            keys = np.ceil(np.log(positive) / LOG_GAMMA).astype(np.int64)
            uniq, counts = np.unique(keys, return_counts=True)
            sketch.bins = {int(k): int(c) for k, c in zip(uniq, counts, strict=True)}
        return sketch

    def merge(self, other: Sketch) -> Sketch:
        """A new sketch holding both; neither input changes."""
        bins = dict(self.bins)
        for k, c in other.bins.items():
            bins[k] = bins.get(k, 0) + c
        return Sketch(bins=bins, zeros=self.zeros + other.zeros)

    def quantile(self, q: float) -> float | None:
        """The q-quantile (0 ≤ q ≤ 1) within the relative accuracy; None when empty."""
        if not 0 <= q <= 1:
            raise ValueError("q must be between 0 and 1")
        total = self.count
        if total == 0:
            return None
        rank = q * (total - 1)
        if rank < self.zeros:
            return 0.0
        seen = float(self.zeros)
        for key in sorted(self.bins):
            seen += self.bins[key]
            if seen > rank:
                return 2 * GAMMA**key / (GAMMA + 1)
        return 2 * GAMMA ** max(self.bins) / (GAMMA + 1)

    def to_json(self) -> dict[str, Any]:
        # JSON object keys are strings; a compact pair of lists keeps rows small.
        keys = sorted(self.bins)
        return {"z": self.zeros, "k": keys, "c": [self.bins[k] for k in keys]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Sketch:
        if not data:
            return cls()
        return cls(
            bins={int(k): int(c) for k, c in zip(data["k"], data["c"], strict=True)},
            zeros=int(data.get("z", 0)),
        )


def merge_all(sketches: Iterable[Sketch]) -> Sketch:
    out = Sketch()
    for s in sketches:
        out = out.merge(s)
    return out
