"""Merging the cells of new records into the stored ones.

Every part of a cell merges: counts and sums add, a DDSketch adds its bucket counts, and the
value is worked out again from the merged parts, exactly as a recomputation from all the
records would give it (sums of floats may differ in their last bits, being added in another
order).
"""

from __future__ import annotations

import json
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from sqms.monitoring import series
from sqms.monitoring.evaluation import Cells, _values, epoch, from_epoch, sketch_json
from sqms.monitoring.models import Rollup
from sqms.standards.models import Aggregation, Metric, ServiceStandard
from sqms_analytics.sketch import Sketch

T = TypeVar("T", np.int64, np.float64)
Segment = tuple[str, int | None, int | None, str, int | None]
FIELDS = ("version_id", "period_start", "segment", "site_id", "team_id", "channel", "agent_id",
          "n", "n_meeting", "total", "total_sq", "sketch", "value")  # fmt: skip


def rollups_read(*, standard: ServiceStandard, grain: str, periods: NDArray[np.float64]) -> Cells:
    """The stored cells of the standard's grain periods (epoch seconds of their starts)."""
    wanted = np.unique(periods)
    if not wanted.size:
        return _cells(grain, [])
    rows = list(
        Rollup.objects.filter(
            standard=standard,
            grain=grain,
            period_start__gte=from_epoch(float(wanted[0])),
            period_start__lte=from_epoch(float(wanted[-1])),
        )
        .order_by("segment", "period_start")
        .values_list(*FIELDS)
    )
    kept = set(wanted.tolist())
    return _cells(grain, [r for r in rows if epoch(r[1]) in kept])


def _cells(grain: str, rows: list[tuple[object, ...]]) -> Cells:
    segments: list[Segment] = []
    index: dict[str, int] = {}
    segment_of = []
    for r in rows:
        key = str(r[2])
        if key not in index:
            index[key] = len(segments)
            segments.append((key, r[3], r[4], str(r[5]), r[6]))  # type: ignore[arg-type]
        segment_of.append(index[key])

    def ints(i: int) -> NDArray[np.int64]:
        return np.array([r[i] for r in rows], dtype=np.int64)

    def floats(i: int) -> NDArray[np.float64]:
        return np.array([r[i] for r in rows], dtype=np.float64)

    return Cells(
        grain=grain,
        period=np.array([epoch(r[1]) for r in rows], dtype=np.float64),  # type: ignore[arg-type]
        segment_of=np.array(segment_of, dtype=np.int64),
        segments=segments,
        version=ints(0),
        n=ints(7),
        n_meeting=ints(8),
        total=floats(9),
        total_sq=floats(10),
        value=np.array([np.nan if r[12] is None else r[12] for r in rows], dtype=np.float64),
        sketch=[sketch_json(r[11]) if r[11] else "{}" for r in rows],  # type: ignore[arg-type]
    )


def cells_merge(*, metric: Metric, old: Cells, new: Cells) -> Cells:
    """One cell per (period, segment) of either: the sum of both where both have it."""
    segments: list[Segment] = []
    index: dict[str, int] = {}

    def unified(cells: Cells) -> NDArray[np.int64]:
        out = []
        for seg in cells.segments:
            at = index.get(seg[0])
            if at is None:
                at = index[seg[0]] = len(segments)
                segments.append(seg)
            else:
                segments[at] = seg  # the new records' view of a segment (a team's site) wins
            out.append(at)
        return np.array(out, dtype=np.int64)

    seg = np.concatenate([unified(old)[old.segment_of], unified(new)[new.segment_of]])
    period = np.concatenate([old.period, new.period])
    p_uniq, p_code = np.unique(period, return_inverse=True)
    # ordered by segment, then period: the order of the rollup table's unique index
    keys, group = np.unique(seg * len(p_uniq) + p_code.reshape(-1), return_inverse=True)
    group = group.reshape(-1)
    ng, k = len(keys), len(old)
    first, second = group[:k], group[k:]

    def added(a: NDArray[T], b: NDArray[T]) -> NDArray[T]:
        out = np.zeros(ng, dtype=a.dtype)
        np.add.at(out, first, a)
        np.add.at(out, second, b)
        return out

    n = added(old.n, new.n)
    n_meeting = added(old.n_meeting, new.n_meeting)
    total = added(old.total, new.total)
    total_sq = added(old.total_sq, new.total_sq)
    version = np.zeros(ng, dtype=np.int64)
    version[first] = old.version
    version[second] = new.version  # the version in effect, as a recomputation would name it
    quantile = None
    sketches: list[str] = []
    if metric.aggregation in series.QUANTILES:
        q = series.QUANTILES[Aggregation(metric.aggregation)]
        quantile = np.full(ng, np.nan)
        quantile[first] = old.value
        quantile[second] = new.value
        sketches = ["{}"] * ng
        for i, text in zip(first.tolist(), old.sketch, strict=True):
            sketches[i] = text
        both = set(first.tolist())
        for i, text in zip(second.tolist(), new.sketch, strict=True):
            if i in both:
                merged = Sketch.from_json(json.loads(sketches[i])).merge(
                    Sketch.from_json(json.loads(text))
                )
                sketches[i] = sketch_json(merged.to_json())
                found = merged.quantile(q)
                quantile[i] = np.nan if found is None else found
            else:
                sketches[i] = text
    period_of = p_uniq[keys % len(p_uniq)]
    return Cells(
        grain=new.grain,
        period=period_of,
        segment_of=(keys // len(p_uniq)).astype(np.int64),
        segments=segments,
        version=version,
        n=n,
        n_meeting=n_meeting,
        total=total,
        total_sq=total_sq,
        value=_values(metric, n, n_meeting, total, quantile),
        sketch=sketches,
    )
