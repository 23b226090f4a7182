"""The mergeable quantile sketch: relative accuracy, exact merges, JSON round trips."""

from __future__ import annotations

import numpy as np
import pytest

from sqms_analytics.sketch import RELATIVE_ACCURACY, Sketch, merge_all


def test_it_keeps_quantiles_within_the_relative_accuracy():
    rng = np.random.default_rng(7)
    values = rng.lognormal(3.0, 1.2, 20_000)
    sketch = Sketch.of(values)
    assert sketch.count == values.size
    for q in (0.5, 0.9, 0.95, 0.99):
        exact = float(np.quantile(values, q, method="lower"))
        assert sketch.quantile(q) == pytest.approx(exact, rel=2 * RELATIVE_ACCURACY)


def test_a_merge_equals_the_sketch_of_all_values():
    rng = np.random.default_rng(8)
    days = [rng.exponential(30, 500) for _ in range(7)]
    merged = merge_all(Sketch.of(d) for d in days)
    whole = Sketch.of(np.concatenate(days))
    assert merged == whole
    assert merged.quantile(0.9) == whole.quantile(0.9)


def test_it_counts_zeros_apart_and_ignores_nan():
    sketch = Sketch.of([0.0, 0.0, 0.0, np.nan, 10.0])
    assert (sketch.zeros, sketch.count) == (3, 4)
    assert sketch.quantile(0.5) == 0.0
    assert sketch.quantile(1.0) == pytest.approx(10.0, rel=RELATIVE_ACCURACY)
    assert Sketch().quantile(0.5) is None
    with pytest.raises(ValueError, match="between 0 and 1"):
        sketch.quantile(1.5)


def test_it_round_trips_through_json():
    sketch = Sketch.of([1.0, 2.5, 2.5, 100.0, 0.0])
    data = sketch.to_json()
    assert Sketch.from_json(data) == sketch
    assert Sketch.from_json(None) == Sketch()
    assert Sketch.from_json({}) == Sketch()
